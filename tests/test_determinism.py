"""Same inputs give byte-identical derived tables and figures."""

from __future__ import annotations

from conftest import ROOT
from ics_leadership import pipeline


def test_two_runs_give_identical_derived_files(tmp_path):
    outputs = []
    for run in ("one", "two"):
        derived = tmp_path / run
        pipeline.execute_notebook(
            ROOT / "notebooks" / "01_sample.ipynb", tmp_path / f"{run}.ipynb",
            parameters={"raw_dir": str(ROOT / "data" / "raw"), "derived_dir": str(derived)},
        )
        outputs.append({p.name: p.read_bytes() for p in sorted(derived.iterdir())})
    assert outputs[0].keys() == outputs[1].keys()
    assert len(outputs[0]) >= 9
    for name in outputs[0]:
        assert outputs[0][name] == outputs[1][name], f"{name} differs between runs"
