"""Same inputs give byte-identical derived tables and figures; two builds of one commit give
byte-identical HTML, executed notebooks and PDF."""

from __future__ import annotations

from pathlib import Path

import pytest

from ics_leadership.publish import pipeline

from conftest import ROOT, copy_compendium, run_cli


def test_two_runs_give_identical_derived_files(tmp_path):
    outputs = []
    for run in ("one", "two"):
        derived = tmp_path / run
        pipeline.execute_notebook(
            ROOT / "notebooks" / "01_sample.ipynb",
            tmp_path / f"{run}.ipynb",
            parameters={"raw_dir": str(ROOT / "data" / "raw"), "derived_dir": str(derived)},
        )
        outputs.append({p.name: p.read_bytes() for p in sorted(derived.iterdir())})
    assert outputs[0].keys() == outputs[1].keys()
    assert len(outputs[0]) >= 9
    for name in outputs[0]:
        assert outputs[0][name] == outputs[1][name], f"{name} differs between runs"


# --- two builds of one commit --------------------------------------------------------------------

#: What the double build compares: the HTML book and the executed notebooks readers download.
COMPARED = ("book/_build/html", "book/notebooks")


@pytest.fixture(scope="module")
def second_build(built_book, tmp_path_factory):
    """A second, fresh copy of the compendium built like ``built_book`` (same SOURCE_DATE_EPOCH).

    It lives in another folder, so any path of the build that reaches the output shows as a
    difference too.
    """
    root = copy_compendium(tmp_path_factory.mktemp("compendium-again"))
    result = run_cli(root, "build")
    assert result.returncode == 0, result.stdout + result.stderr
    return root


def _files(root: Path) -> dict[str, Path]:
    return {str(p.relative_to(root)): p for top in COMPARED for p in sorted((root / top).rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_two_builds_give_byte_identical_html_and_notebooks(built_book, second_build):
    one, two = _files(built_book), _files(second_build)
    assert one.keys() == two.keys(), f"only in one build: {sorted(one.keys() ^ two.keys())}"
    differing = [name for name in one if one[name].read_bytes() != two[name].read_bytes()]
    assert differing == [], f"{len(differing)} of {len(one)} files differ: {differing}"
    assert len(one) > 100 and sum(name.startswith("book/notebooks/") for name in one) >= 13


@pytest.mark.slow
def test_two_builds_give_byte_identical_pdfs(built_book, second_build, tmp_path):
    from conftest import need_chromium

    need_chromium()
    pdfs = []
    for number, root in enumerate((built_book, second_build), start=1):
        out = tmp_path / f"build{number}.pdf"
        result = run_cli(root, "pdf", "--out", str(out), timeout=600)
        assert result.returncode == 0, result.stdout + result.stderr
        pdfs.append(out.read_bytes())
    assert b"/CreationDate (D:20240301000000+00'00')" in pdfs[0]  # conftest's SOURCE_DATE_EPOCH
    assert pdfs[0] == pdfs[1], "the two builds' PDFs differ"
