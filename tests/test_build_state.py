"""What makes a step run again, re-render or be skipped; the store that remembers (issue 11).

A tiny project in a temporary folder: one notebook step reading a folder of raw data and writing a
folder of derived data, one command step. Running is simulated (no kernel): the executed copy is
what papermill and :mod:`execute` make of the source (an injected-parameters cell after the cell
tagged ``parameters``, papermill's metadata, stable cell ids).
"""

from __future__ import annotations

import json
import os

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from ics_leadership.publish import buildstate
from ics_leadership.publish.buildstate import decide, load_state, record, render_markdown
from ics_leadership.publish.execute import INJECTED
from ics_leadership.publish.reproducible import stable_cell_id
from ics_leadership.publish.steps import Step

PAGE = Step(
    name="page",
    notebook="notebooks/page.ipynb",
    parameters={"raw_dir": "../data/raw"},
    reads=("data/raw",),
    writes=("data/derived/page",),
    title="The page 𝒜",
)
CORPUS = Step(name="corpus", command=("synthesise", "--out", "data/derived/corpus"), writes=("data/derived/corpus",))


def source_notebook(intro: str = "Some *text* 😀.", code: str = "print(raw_dir)") -> nbformat.NotebookNode:
    params = new_code_cell('raw_dir = "x"', metadata={"tags": ["parameters"]})
    return new_notebook(
        cells=[new_markdown_cell("# Page\n\n" + intro), params, new_markdown_cell("## Table"), new_code_cell(code)],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )


def fake_run(root, step: Step):
    """What a successful run leaves: outputs, and the executed copy as papermill and execute.py write it."""
    out = root / "data" / "derived" / "page"
    out.mkdir(parents=True, exist_ok=True)
    (out / "table.csv").write_text("a,b\r\n1,2\r\n", encoding="utf-8")
    nb = nbformat.read(root / step.notebook, as_version=4)
    cells = []
    for cell in nb.cells:
        cells.append(cell)
        if "parameters" in cell.metadata.get("tags", []):
            cells.append(new_code_cell("raw_dir = '../data/raw'\n", metadata={"tags": [INJECTED, "hide-cell"]}))
    for cell in cells:
        cell.metadata["papermill"] = {"exception": False, "status": "completed"}
        cell.metadata.setdefault("tags", [])
        if cell.cell_type == "code":
            cell.outputs = [new_output("stream", name="stdout", text=f"ran {cell.source[:9]}\n")]
    nb.cells = cells
    cells[0].source = cells[0].source.replace("# Page", f"# {step.title}")
    for i, cell in enumerate(nb.cells):
        cell.id = stable_cell_id(i, cell)
    copy = root / "book" / "notebooks" / "page.ipynb"
    copy.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, copy)
    return copy


@pytest.fixture
def root(tmp_path):
    (tmp_path / "notebooks").mkdir()
    nbformat.write(source_notebook(), tmp_path / "notebooks" / "page.ipynb")
    raw = tmp_path / "data" / "raw" / "sub folder"
    raw.mkdir(parents=True)
    (raw / "codebook.yaml").write_text("codes: [a]\n", encoding="utf-8")
    (tmp_path / "requirements.lock").write_text("pandas==2.2.2\n", encoding="utf-8")
    return tmp_path


def run_and_record(root, step=PAGE):
    key = decide(step, root, load_state(root), "book/notebooks").key
    copy = fake_run(root, step)
    record(step, root, key, copy)
    return copy


def decision(root, step=PAGE, **kw):
    d = decide(step, root, load_state(root), "book/notebooks", **kw)
    return d.action, list(d.reasons)


def edit_notebook(root, **kw):
    nbformat.write(source_notebook(**kw), root / "notebooks" / "page.ipynb")


def test_no_record_runs_and_after_a_record_nothing_changed_skips(root):
    assert decision(root) == ("run", ["no record"])
    run_and_record(root)
    assert decision(root) == ("skip", ["unchanged"])
    store = json.loads((root / ".build-state" / "state.json").read_text(encoding="utf-8"))
    assert set(store["steps"]["page"]["writes"]) == {"data/derived/page"}
    assert store["steps"]["page"]["executed"]["path"] == "book/notebooks/page.ipynb"


def test_touching_a_file_without_changing_it_still_skips(root):
    run_and_record(root)
    codebook = root / "data" / "raw" / "sub folder" / "codebook.yaml"
    codebook.write_text(codebook.read_text(encoding="utf-8"), encoding="utf-8")
    assert decision(root) == ("skip", ["unchanged"])


def test_a_code_cell_change_runs(root):
    run_and_record(root)
    edit_notebook(root, code="print(raw_dir, 1)")
    assert decision(root) == ("run", ["changed: notebook code"])


def test_a_parameter_change_runs(root):
    run_and_record(root)
    step = Step(**{**PAGE.__dict__, "parameters": {"raw_dir": "../data/raw2"}})
    assert decision(root, step) == ("run", ["changed: parameters"])


def test_a_file_changed_inside_a_read_folder_runs_naming_the_folder(root):
    run_and_record(root)
    (root / "data" / "raw" / "sub folder" / "codebook.yaml").write_text("codes: [b]\n", encoding="utf-8")
    assert decision(root) == ("run", ["changed: data/raw"])
    (root / "data" / "raw" / "sub folder" / "codebook.yaml").write_text("codes: [a]\n", encoding="utf-8")
    assert decision(root) == ("skip", ["unchanged"])  # contents, not times
    (root / "data" / "raw" / "new.csv").write_text("x\n", encoding="utf-8")
    assert decision(root) == ("run", ["changed: data/raw"])


def test_the_package_source_and_the_lock_file(root, monkeypatch):
    run_and_record(root)
    monkeypatch.setattr(buildstate, "package_hash", lambda memo=None: "0" * 64)
    assert decision(root) == ("run", ["changed: package source"])
    monkeypatch.undo()
    (root / "requirements.lock").write_text("pandas==2.2.3\n", encoding="utf-8")
    assert decision(root) == ("run", ["changed: requirements.lock"])


def test_package_hash_reads_py_and_json_only(tmp_path):
    (tmp_path / "pkg" / "__pycache__").mkdir(parents=True)
    (tmp_path / "pkg" / "m.py").write_text("x = 1\n", encoding="utf-8")
    before = buildstate.package_hash(tmp_path / "pkg")
    (tmp_path / "pkg" / "notes.txt").write_text("not code", encoding="utf-8")
    (tmp_path / "pkg" / "__pycache__" / "m.py").write_text("cache", encoding="utf-8")
    assert buildstate.package_hash(tmp_path / "pkg") == before
    (tmp_path / "pkg" / "s.json").write_text("{}", encoding="utf-8")
    assert buildstate.package_hash(tmp_path / "pkg") != before
    assert buildstate.tree_hash(tmp_path / "nothing") == "missing"


def test_a_deleted_output_or_executed_copy_runs(root):
    copy = run_and_record(root)
    (root / "data" / "derived" / "page" / "table.csv").unlink()
    (root / "data" / "derived" / "page").rmdir()
    copy.unlink()
    assert decision(root) == ("run", ["missing output: data/derived/page", "missing executed copy"])


def test_an_output_edited_by_hand_runs(root):
    copy = run_and_record(root)
    (root / "data" / "derived" / "page" / "table.csv").write_text("a,b\r\n1,3\r\n", encoding="utf-8")
    assert decision(root) == ("run", ["output changed since it was written: data/derived/page"])
    run_and_record(root)
    copy.write_text(copy.read_text(encoding="utf-8").replace("ran ", "RAN "), encoding="utf-8")
    assert decision(root) == ("run", ["output changed since it was written: book/notebooks/page.ipynb"])


def test_force_runs_even_when_nothing_changed(root):
    run_and_record(root)
    assert decision(root, force=True) == ("run", ["forced"])


def test_several_reasons_are_all_given(root):
    run_and_record(root)
    edit_notebook(root, code="print(2)")
    (root / "requirements.lock").write_text("pandas==2.2.3\n", encoding="utf-8")
    (root / "book" / "notebooks" / "page.ipynb").unlink()
    assert decision(root) == ("run", ["changed: notebook code", "changed: requirements.lock", "missing executed copy"])


def test_a_markdown_only_change_renders_the_copy_as_a_run_would(root, tmp_path_factory):
    copy = run_and_record(root)
    edit_notebook(root, intro="Some *new* text 😀.")
    d = decide(PAGE, root, load_state(root), "book/notebooks")
    assert (d.action, d.reasons) == ("render", ("changed: notebook markdown",))
    assert render_markdown(root / PAGE.notebook, copy, title=PAGE.title) is True
    rendered = copy.read_bytes()
    assert "Some *new* text 😀." in rendered.decode() and "# The page 𝒜" in rendered.decode()
    assert fake_run(root, PAGE).read_bytes() == rendered  # what running the new source gives
    record(PAGE, root, d.key, copy)
    assert decision(root) == ("skip", ["unchanged"])


def test_render_refuses_when_the_code_cells_differ(root):
    copy = run_and_record(root)
    edit_notebook(root, code="print(raw_dir, 1)")
    before = copy.read_bytes()
    assert render_markdown(root / PAGE.notebook, copy, title=PAGE.title) is False
    assert copy.read_bytes() == before


def test_a_command_step_hashes_its_arguments(root):
    assert decision(root, CORPUS) == ("run", ["no record"])
    (root / "data" / "derived" / "corpus").mkdir(parents=True)
    (root / "data" / "derived" / "corpus" / "codings.csv").write_text("x\n", encoding="utf-8")
    record(CORPUS, root, decide(CORPUS, root, load_state(root), "book/notebooks").key)
    assert decision(root, CORPUS) == ("skip", ["unchanged"])
    moved = Step(**{**CORPUS.__dict__, "command": ("synthesise", "--out", "data/derived/corpus", "--seed", "2")})
    assert decision(root, moved) == ("run", ["changed: command"])
    assert buildstate.render_step(moved, root, "book/notebooks") is False  # nothing to render: run it


def test_a_corrupt_store_means_no_record_and_one_warning(root):
    run_and_record(root)
    (root / ".build-state" / "state.json").write_text('{"version": 1, "steps": {', encoding="utf-8")
    warnings = []
    state = load_state(root, report=warnings.append)
    assert decide(PAGE, root, state, "book/notebooks").reasons == ("no record",)
    assert len(warnings) == 1 and warnings[0].startswith(
        "warning: .build-state/state.json cannot be read (Expecting property name"
    )
    assert warnings[0].endswith("it is ignored and every step runs")
    run_and_record(root)  # recording replaces the corrupt store
    assert decision(root) == ("skip", ["unchanged"])


def test_forget_removes_one_record_and_the_store_is_written_atomically(root):
    run_and_record(root)
    buildstate.forget(root, "page")
    assert decision(root) == ("run", ["no record"])
    assert [p.name for p in (root / ".build-state").iterdir()] == ["state.json"]  # no temporary file left


def test_the_book_is_current_until_a_page_or_a_book_source_changes(root):
    class Config:
        executed_dir, book_dir = "book/notebooks", "book"

    run_and_record(root)
    (root / "book" / "intro.md").write_text("# Intro\n", encoding="utf-8")
    assert not buildstate.book_current(root, Config, load_state(root))  # no record
    html = root / "book" / "_build" / "html"
    html.mkdir(parents=True)
    (html / "index.html").write_text("<html></html>", encoding="utf-8")
    buildstate.record_book(root, Config)
    assert buildstate.book_current(root, Config, load_state(root))
    (root / "book" / ".build.lock").write_text("1234", encoding="utf-8")  # hidden: not a source
    (html / "page.html").write_text("<html></html>", encoding="utf-8")  # the built book: not a source
    assert buildstate.book_current(root, Config, load_state(root))
    (root / "book" / "intro.md").write_text("# Introduction\n", encoding="utf-8")
    assert not buildstate.book_current(root, Config, load_state(root))
    buildstate.record_book(root, Config)
    edit_notebook(root, intro="Other text.")
    assert buildstate.render_step(PAGE, root, "book/notebooks") is True
    assert not buildstate.book_current(root, Config, load_state(root))


def test_a_step_sees_what_its_upstream_rewrote_during_the_same_build(root):
    reader = Step(name="reader", command=("summarise",), reads=("data/derived/corpus",), writes=("data/derived/r",))
    codings = root / "data" / "derived" / "corpus" / "codings.csv"
    codings.parent.mkdir(parents=True)
    codings.write_text("x\n", encoding="utf-8")
    (root / "data" / "derived" / "r").mkdir()
    for step in (CORPUS, reader):
        record(step, root, decide(step, root, load_state(root), "book/notebooks").key)
    state = load_state(root)  # one build: the memo has hashed the corpus for the decision below
    up = decide(CORPUS, root, state, "book/notebooks")  # hashes its outputs: "unchanged"
    before = codings.stat()
    codings.write_text("y\n", encoding="utf-8")  # rewritten in place: same inode and size ...
    os.utime(codings, ns=(before.st_atime_ns, before.st_mtime_ns))  # ... and, on a coarse clock, same time
    record(CORPUS, root, up.key, state=state)
    assert decide(reader, root, state, "book/notebooks").reasons == ("changed: data/derived/corpus",)


def test_a_new_declared_output_runs(root):
    run_and_record(root)
    step = Step(**{**PAGE.__dict__, "writes": ("data/derived/page", "data/derived/extra")})
    assert decision(root, step) == ("run", ["changed: declared outputs", "missing output: data/derived/extra"])


def test_a_step_that_shows_the_commit_reruns_when_the_commit_or_tree_state_changes(tmp_path, monkeypatch):
    """The colophon prints the commit and whether the tree is dirty: no declared file says so."""
    from ics_leadership.publish import buildstate, colophon
    from ics_leadership.publish.steps import Step

    source = {"value": colophon.BuildSource("a" * 40, False, 1700000000, "the commit's date")}
    calls = []

    def fake(root):
        calls.append(root)
        return source["value"]

    monkeypatch.setattr(colophon, "build_source", fake)
    (tmp_path / "cmd").mkdir()
    step = Step("colophon_like", command=("synthesise", "--out", "x"), shows_commit=True)
    plain = Step("other", command=("synthesise", "--out", "y"))
    state = buildstate.load_state(tmp_path)
    for s in (step, plain):
        buildstate.record(s, tmp_path, buildstate.decide(s, tmp_path, state, "book/notebooks").key, state=state)
    assert len(calls) == 1  # git is asked once per build, and only for a step that shows the commit

    later = buildstate.load_state(tmp_path)
    assert buildstate.decide(step, tmp_path, later, "book/notebooks").action == "skip"
    source["value"] = colophon.BuildSource("a" * 40, True, 1700000000, "the commit's date")
    again = buildstate.load_state(tmp_path)
    decision = buildstate.decide(step, tmp_path, again, "book/notebooks")
    assert (decision.action, decision.reasons) == ("run", ("changed: commit or uncommitted changes",))
    assert buildstate.decide(plain, tmp_path, again, "book/notebooks").action == "skip"
