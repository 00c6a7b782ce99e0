"""Notebooks run under papermill with changed parameters; failures name the notebook and cell."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from ics_leadership.core.errors import NotebookExecutionError
from ics_leadership.publish import pipeline

from conftest import ROOT

SOURCE_NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", SOURCE_NOTEBOOKS, ids=lambda p: p.name)
def test_source_notebooks_are_clean_and_parameterised(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c["outputs"] and c["execution_count"] is None for c in code), "commit notebooks without outputs"
    assert sum("parameters" in c["metadata"].get("tags", []) for c in code) == 1


def test_every_notebook_is_in_the_pipeline():
    config = pipeline.load_config(ROOT / "pipeline.yaml")
    assert sorted({Path(s.path).name for s in config.notebooks}) == [p.name for p in SOURCE_NOTEBOOKS]
    toc = (ROOT / "book" / "_toc.yml").read_text()
    for spec in config.notebooks:
        assert f"notebooks/{Path(spec.output_name).stem}" in toc


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    """notebooks/01_sample.ipynb executed with non-default parameters."""
    out = tmp_path_factory.mktemp("sample")
    executed = pipeline.execute_notebook(
        ROOT / "notebooks" / "01_sample.ipynb",
        out / "executed.ipynb",
        parameters={"raw_dir": str(ROOT / "data" / "raw"), "derived_dir": str(out / "derived")},
    )
    return executed, out / "derived"


def test_sample_notebook_writes_derived_tables_where_told(sample_run):
    executed, derived = sample_run
    assert {p.name for p in derived.iterdir()} >= {
        "table1.csv",
        "table1_counts.csv",
        "consistency_checks.csv",
        "sample_composition.csv",
        "observations_by_site.csv",
        "sample_composition.svg",
        "sample_composition.png",
        "observation_hours.svg",
        "observation_hours.png",
    }
    table1 = pd.read_csv(derived / "table1.csv", index_col=0)
    assert table1.loc["Total"].tolist() == ["10", "10", "5"]
    assert "GP Network Representatives (3)" in table1.loc["Project", "STP B"]
    checks = pd.read_csv(derived / "consistency_checks.csv")
    assert set(checks.loc[checks["verdict"] != "consistent", "fact"]) == {
        "clinical_leaders",
        "study_period",
        "professional_backgrounds",
        "stp_expansion",
    }


def test_sample_notebook_glues_numbers_for_the_book(sample_run):
    executed, _ = sample_run
    nb = nbformat.read(executed, as_version=4)
    glued = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            key = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if key:
                glued[key] = output["data"]["application/papermill.record/text/plain"]
    assert glued["n_leaders"] == "25"
    assert glued["n_follow_up"] == "5"
    assert glued["hours_total"] == "49"
    assert glued["n_findings"] == "4"


def test_sample_notebook_figures_have_alt_text_and_captions(sample_run):
    executed, _ = sample_run
    html = "".join(
        "".join(o.get("data", {}).get("text/html", ""))
        for c in nbformat.read(executed, as_version=4).cells
        for o in c.get("outputs", [])
    )
    assert html.count("<figure") == 2
    assert (
        'alt="Two stacked horizontal bar charts. Panel a: clinical leaders per STP split by governance level: '
        "STP A: executive 2, thematic 3, project 5" in html
    )
    assert html.count("<caption") >= 5


def _notebook(path: Path, sources: list[str]) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# broken")] + [nbformat.v4.new_code_cell(s) for s in sources]
    nb.cells[1].metadata["tags"] = ["parameters"]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def test_failing_cell_is_named(tmp_path):
    source = _notebook(tmp_path / "broken.ipynb", ["x = 1", "y = 2", "raise ValueError('bad participant')"])
    with pytest.raises(NotebookExecutionError) as info:
        pipeline.execute_notebook(source, tmp_path / "out.ipynb", parameters={"x": 3})
    # cell 4 of the source notebook (markdown, parameters, y, raise), despite the injected cell
    assert info.value.cell == 4
    assert "broken.ipynb, cell 4 failed: ValueError: bad participant" in str(info.value)


def test_failing_cell_is_named_after_a_cell_allowed_to_raise(tmp_path):
    """A cell tagged ``raises-exception`` shows an error on purpose; the cell that stopped the run is named."""
    source = _notebook(tmp_path / "shown.ipynb", ["x = 1", "int('seven')", "y = 2", "raise ValueError('bad site')"])
    nb = nbformat.read(source, as_version=4)
    nb.cells[2].metadata["tags"] = ["raises-exception"]
    nbformat.write(nb, source)
    with pytest.raises(NotebookExecutionError) as info:
        pipeline.execute_notebook(source, tmp_path / "out.ipynb", parameters={"x": 3})
    # markdown, parameters, int('seven') (allowed to fail), y, raise: the fifth cell, as JupyterLab shows it
    assert info.value.cell == 5
    assert "shown.ipynb, cell 5 failed: ValueError: bad site" in str(info.value)


def test_a_kernel_that_dies_while_starting_is_started_again(tmp_path, monkeypatch):
    # Two kernels starting at once can be given one port; the loser dies before any cell runs.
    import papermill

    from ics_leadership.publish import execute

    real, calls = papermill.execute_notebook, []

    def dies_first(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError(execute.KERNEL_DIED_STARTING)
        return real(*args, **kwargs)

    monkeypatch.setattr(papermill, "execute_notebook", dies_first)
    source = _notebook(tmp_path / "ok.ipynb", ["x = 1", "print(x * 2)"])
    executed = pipeline.execute_notebook(source, tmp_path / "out.ipynb", parameters={"x": 21})
    assert len(calls) == 2 and "42" in executed.read_text()

    def always_dies(*args, **kwargs):
        calls.append(1)
        raise RuntimeError(execute.KERNEL_DIED_STARTING)

    calls.clear()
    monkeypatch.setattr(papermill, "execute_notebook", always_dies)
    with pytest.raises(NotebookExecutionError, match="ok.ipynb failed: RuntimeError: Kernel died before replying"):
        pipeline.execute_notebook(source, tmp_path / "again.ipynb")
    assert len(calls) == execute.KERNEL_STARTS  # then it is a failure, named


def test_a_kernel_that_dies_in_a_cell_is_not_started_again(tmp_path, monkeypatch):
    import papermill

    real, calls = papermill.execute_notebook, []
    monkeypatch.setattr(papermill, "execute_notebook", lambda *a, **k: calls.append(1) or real(*a, **k))
    source = _notebook(tmp_path / "dies.ipynb", ["x = 1", "import os; os._exit(1)"])
    with pytest.raises(NotebookExecutionError, match="dies.ipynb"):
        pipeline.execute_notebook(source, tmp_path / "out.ipynb")
    assert len(calls) == 1  # a cell ran: running the notebook again could repeat what it did
