"""``build`` as a declared graph, on a tiny project: what re-runs, and what does not.

The project has the paper's data/raw (``build`` checks it first) and three one-cell notebooks:
``a`` reads inputs/numbers.txt and writes out/a; ``b`` reads out/a and writes out/b; ``c`` reads
nothing. One build runs them with real kernels (module fixture); each test then works on a copy of
that built project, and says which steps started by the build's own progress lines. The book is
not built here (``book=False``): tests/test_book.py builds it.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest

from ics_leadership.core.errors import CompendiumError
from ics_leadership.publish import execute, pipeline, stepwork
from ics_leadership.publish.scheduler import StepFailedError

from conftest import RAW, replace_in

PIPELINE = """\
executed_dir: book/notebooks
book_dir: book
steps:
  - name: a
    notebook: notebooks/a.ipynb
    parameters: {out_dir: ../out/a}
    reads: [inputs/numbers.txt]
    writes: [out/a]
  - name: b
    notebook: notebooks/b.ipynb
    parameters: {out_dir: ../out/b, suffix: "!"}
    reads: [out/a]
    writes: [out/b]
  - name: c
    notebook: notebooks/c.ipynb
"""

CODE = {
    "a": (
        'out_dir = "."',
        "from pathlib import Path\n"
        'n = int(Path("../inputs/numbers.txt").read_text().split()[0])\n'
        "Path(out_dir).mkdir(parents=True, exist_ok=True)\n"
        'Path(out_dir, "value.txt").write_text(str(n * 2))',
    ),
    "b": (
        'out_dir = "."\nsuffix = ""',
        "from pathlib import Path\n"
        'text = Path("../out/a/value.txt").read_text()\n'
        "Path(out_dir).mkdir(parents=True, exist_ok=True)\n"
        'Path(out_dir, "value.txt").write_text(text + suffix)',
    ),
    "c": ("x = 1", "print(x + 1)"),
}


def _notebook(name: str, parameters: str, code: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell(parameters, id=f"{name}-params")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        nbformat.v4.new_markdown_cell(f"# Page {name}\n\nSome words.", id=f"{name}-intro"),
        params,
        nbformat.v4.new_code_cell(code, id=f"{name}-code"),
    ]
    return nb


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("tiny")
    shutil.copytree(RAW, root / "data" / "raw")
    (root / "notebooks").mkdir()
    for name, (parameters, code) in CODE.items():
        nbformat.write(_notebook(name, parameters, code), root / "notebooks" / f"{name}.ipynb")
    (root / "inputs").mkdir()
    (root / "inputs" / "numbers.txt").write_text("21\n")
    (root / "pipeline.yaml").write_text(PIPELINE)
    (root / "book").mkdir()
    lines = _build(root, jobs=2)
    assert _started(lines) == {"a": "no record", "b": "no record", "c": "no record"}
    assert (root / "out/b/value.txt").read_text() == "42!"
    return root


@pytest.fixture
def project(built, tmp_path, monkeypatch) -> Path:
    root = tmp_path / "tiny"
    shutil.copytree(built, root)
    monkeypatch.setenv("ICS_LEADERSHIP_ROOT", str(root))
    return root


def _build(root: Path, **kw) -> list[str]:
    lines: list[str] = []
    pipeline.build(root, report=lines.append, book=kw.pop("book", False), **kw)
    return lines


def _started(lines: list[str]) -> dict[str, str]:
    """The steps that started, with their reasons, from the progress lines."""
    return dict(re.fullmatch(r"start (\S+) \((.*)\)", line).groups() for line in lines if line.startswith("start "))


def _no_kernel(monkeypatch) -> None:
    def fail(*args, **kwargs):
        raise AssertionError("a kernel was started")

    monkeypatch.setattr(stepwork, "execute_notebook", fail)
    monkeypatch.setattr(execute, "execute_notebook", fail)


def _copies(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / "book/notebooks").iterdir())}


def test_no_op_rebuild_starts_no_kernel_and_keeps_every_file(project, monkeypatch):
    _no_kernel(monkeypatch)
    before = _copies(project), (project / "out/a/value.txt").read_bytes()
    lines = _build(project)
    assert _started(lines) == {}
    # a and c are ready at once (each decided at once, as skipped); b after a.
    assert [ln for ln in lines if ln.startswith("skip ")] == [
        "skip  a (unchanged)",
        "skip  c (unchanged)",
        "skip  b (unchanged)",
    ]
    assert (_copies(project), (project / "out/a/value.txt").read_bytes()) == before


def test_code_change_reruns_the_notebook_and_its_dependants(project):
    replace_in(project / "notebooks/a.ipynb", "str(n * 2)", "str(n * 3)")
    lines = _build(project)
    assert _started(lines) == {"a": "changed: notebook code", "b": "changed: out/a"}
    assert (project / "out/b/value.txt").read_text() == "63!"


def test_code_change_with_identical_output_does_not_rerun_dependants(project):
    replace_in(project / "notebooks/a.ipynb", "str(n * 2)", "str(n + n)")
    lines = _build(project)
    assert _started(lines) == {"a": "changed: notebook code"}
    assert "skip  b (unchanged)" in lines


def test_parameter_change_reruns_that_step(project):
    replace_in(project / "pipeline.yaml", 'suffix: "!"', 'suffix: "?"')
    lines = _build(project)
    assert _started(lines) == {"b": "changed: parameters"}
    assert (project / "out/b/value.txt").read_text() == "42?"


def test_input_file_change_reruns_its_reader_and_what_follows(project):
    (project / "inputs/numbers.txt").write_text("5\n")
    lines = _build(project)
    assert _started(lines) == {"a": "changed: inputs/numbers.txt", "b": "changed: out/a"}
    assert (project / "out/b/value.txt").read_text() == "10!"


def test_markdown_change_rerenders_without_a_kernel(project, monkeypatch):
    _no_kernel(monkeypatch)
    replace_in(project / "notebooks/c.ipynb", "Some words.", "Other words.")
    lines = _build(project)
    assert _started(lines) == {}
    assert any(ln.startswith("render c (") for ln in lines)
    executed = nbformat.read(project / "book/notebooks/c.ipynb", as_version=4)
    assert executed.cells[0].source == "# Page c\n\nOther words."
    assert executed.cells[-1].outputs[0]["text"] == "2\n"  # the outputs are the kernel's, kept


def test_force_runs_every_step(project):
    lines = _build(project, force=True)
    assert _started(lines) == {"a": "forced", "b": "forced", "c": "forced"}


def test_only_runs_the_step_and_its_stale_upstream_and_not_the_book(project):
    replace_in(project / "notebooks/a.ipynb", "str(n * 2)", "str(n * 3)")
    replace_in(project / "notebooks/c.ipynb", "x + 1", "x + 2")
    lines = _build(project, only=["b"], book=True)
    assert _started(lines) == {"a": "changed: notebook code", "b": "changed: out/a"}
    assert "Book: not built (--only b); `ics-leadership build` builds it" in lines
    assert not (project / "book/_build").exists()
    with pytest.raises(CompendiumError, match="no step 'nope'"):
        _build(project, only=["nope"])


def test_dry_run_says_what_would_run_and_writes_nothing(project, monkeypatch):
    _no_kernel(monkeypatch)
    (project / "inputs/numbers.txt").write_text("5\n")
    state = (project / ".build-state/state.json").read_bytes()
    lines = _build(project, dry_run=True)
    assert "would run    a (changed: inputs/numbers.txt)" in lines
    assert "may run      b (after a, if what it reads changes)" in lines
    assert "would skip   c (unchanged)" in lines
    assert (project / "out/a/value.txt").read_text() == "42"
    assert (project / ".build-state/state.json").read_bytes() == state


def test_failing_step_keeps_its_executed_copy_and_names_the_step(project):
    before = (project / "book/notebooks/b.ipynb").read_bytes()
    replace_in(project / "notebooks/a.ipynb", "str(n * 2)", "str(n * 3)")
    replace_in(project / "notebooks/b.ipynb", "text + suffix", "text + suffix + undefined_name")
    with pytest.raises(StepFailedError, match=r"^step b: notebooks/b.ipynb, cell 3 failed: NameError") as err:
        _build(project)
    # c (after a, beside b) may finish before b fails or be stopped: either way a is kept
    assert err.value.outcome in {"the steps that finished are kept (a)", "the steps that finished are kept (a, c)"}
    assert (project / "out/a/value.txt").read_text() == "63"
    assert (project / "book/notebooks/b.ipynb").read_bytes() == before
    assert not list((project / "book").glob(".staging-*"))


def test_command_line_flags(project, capsys, monkeypatch):
    from ics_leadership import cli

    _no_kernel(monkeypatch)
    (project / "inputs/numbers.txt").write_text("5\n")
    assert cli.main(["build", "--dry-run", "-j", "1"]) == 0
    out = capsys.readouterr().out
    assert "would run    a (changed: inputs/numbers.txt)\n" in out
    assert cli.main(["build", "--only", "nope"]) == 1
    err = capsys.readouterr().err
    assert "there is no step 'nope' in pipeline.yaml (steps: a, b, c)" in err and "Traceback" not in err
    for bad in ("0", "two"):
        with pytest.raises(SystemExit) as info:
            cli.main(["build", "-j", bad])
        assert info.value.code == 2
    assert "must be a whole number of at least 1" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["build", "--help"])
    assert ".build-state/" in " ".join(capsys.readouterr().out.split())


def test_check_deps_names_a_read_the_pipeline_does_not_declare(project, capsys):
    """`build --check-deps` runs each step with the audit hook: b reads out/a, so dropping that
    declaration is found (and it would otherwise let b go stale silently)."""
    from ics_leadership import cli

    assert cli.main(["build", "--check-deps"]) == 0
    out = capsys.readouterr().out
    assert "checked b: as declared" in out and "Declarations: all 3 steps" in out
    replace_in(project / "pipeline.yaml", "    reads: [out/a]\n", "")
    assert cli.main(["build", "--check-deps"]) == 1
    captured = capsys.readouterr()
    assert "checked b: 1 undeclared" in captured.out
    assert "pipeline.yaml: step b reads out/a/value.txt, which it does not declare" in captured.err
