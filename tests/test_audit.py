"""build --check-deps: what a step really reads and writes, against pipeline.yaml (publish.audit)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from ics_leadership.publish import audit
from ics_leadership.publish.audit import AuditError, Observed
from ics_leadership.publish.execute import execute_notebook
from ics_leadership.publish.steps import Step

from conftest import RAW, ROOT

ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}

# A step as a script: it reads, looks for a missing file, publishes through core.outputs (temporary
# siblings renamed into place, a folder replaced with --force), lists a folder, writes and removes a
# scratch file, and touches a file outside the root (not recorded). Paths are odd on purpose.
SCRIPT = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    import pandas as pd
    from ics_leadership.core.derived import write_csv
    from ics_leadership.core.outputs import publish_file, publish_folder

    root, outside = Path(sys.argv[1]), Path(sys.argv[2])
    os.chdir(root / "notebooks")
    Path("../data/raw/notes 𝒜.txt").read_text(encoding="utf-8")
    try:
        open("../data/raw/missing.csv")
    except FileNotFoundError:
        pass
    (outside / "elsewhere.txt").write_text("not under the root")
    publish_file(root / "data/derived/x/out.txt", lambda tmp: tmp.write_text("x"), force=True)
    write_csv(pd.DataFrame({"a": [1]}), "../data/derived/x/t.csv")
    for _ in range(2):  # the second replaces the first: set aside, renamed, removed
        publish_folder(root / "data/derived/x/f", lambda tmp: (tmp / "z.csv").write_text("z"), force=True, kind="run")
    sorted(Path("../data/raw").glob("*.txt"))
    Path("scratch\\r\\n.tmp").write_text("s")
    os.remove("scratch\\r\\n.tmp")
    """
)


def run_hooked(root: Path, log: Path, outside: Path) -> subprocess.CompletedProcess:
    source = audit.hook_source(log, root) + SCRIPT
    return subprocess.run(
        [sys.executable, "-c", source, str(root), str(outside)], env=ENV, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "compendium root"
    (root / "data" / "raw").mkdir(parents=True)
    (root / "notebooks").mkdir()
    (root / "data" / "raw" / "notes 𝒜.txt").write_text("𝒜 notes\r\n", encoding="utf-8")
    (root / "data" / "raw" / "other.yaml").write_text("a: 1\n")
    return root


def test_the_hook_records_reads_and_final_names_of_writes(tree, tmp_path):
    log, outside = tmp_path / "audit.jsonl", tmp_path / "outside"
    outside.mkdir()
    done = run_hooked(tree, log, outside)
    assert done.returncode == 0, done.stderr
    observed = audit.read_log(log, tree)
    # A missing file looked for is a read (the step depends on it); other.yaml was never opened.
    assert observed.reads == {"data/raw/notes 𝒜.txt", "data/raw/missing.csv"}
    # Temporary siblings (.out.txt.ics-tmp-PID-HEX, .f.ics-old-...) are named by their final names.
    assert observed.writes == {
        "data/derived/x/out.txt",
        "data/derived/x/t.csv",
        "data/derived/x/f",
        "data/derived/x/f/.ics-leadership-output",
        "data/derived/x/f/z.csv",
        "notebooks/scratch\r\n.tmp",
    }
    # publish_file lists the folder it publishes into (stale siblings); the import system's listings of
    # sys.path are not recorded.
    # (publish_file's listing of the folder it publishes into is not: the step made that folder itself)
    assert observed.listed == {"data/raw"}
    assert observed.made == {"data/derived", "data/derived/x", "data/derived/x/f"}  # mkdir(parents=True)
    assert not any("ics-tmp" in p or "ics-old" in p for p in observed.writes | observed.made)
    text = log.read_text(encoding="ascii")
    assert "elsewhere.txt" not in text and "site-packages" not in text


def test_read_log_names_files_relative_to_the_root_and_ignores_the_package_and_caches(tmp_path):
    root = tmp_path / "r"
    log = tmp_path / "log.jsonl"
    records = [
        {"op": "start", "pid": 1, "roots": [str(root)]},
        {"op": "read", "path": f"{root}/src/ics_leadership/facts/codebook.py"},
        {"op": "read", "path": f"{root}/notebooks/__pycache__/x.pyc"},
        {"op": "read", "path": f"{root}/.venv/lib/python3.11/site-packages/pandas/__init__.py"},
        {"op": "read", "path": f"{root}/src/other_package/data.csv"},
        {"op": "read", "path": "/etc/hosts"},
        {"op": "write", "path": f"{root}/tmpabc"},
        {"op": "rename", "path": f"{root}/tmpabc", "dest": f"{root}/data/derived/a.csv"},
        {"op": "read", "path": f"{root}/data/derived/a.csv"},  # its own output: not a dependency
        {"op": "rename", "path": f"{root}/data/raw/old.csv", "dest": f"{root}/data/raw/new.csv"},
        {"op": "exec", "path": "git"},
    ]
    log.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="ascii")
    observed = audit.read_log(log, root)
    assert observed.reads == {"src/other_package/data.csv"}
    assert observed.writes == {"data/derived/a.csv", "data/raw/old.csv", "data/raw/new.csv"}
    assert observed.commands == ("git",)


def test_a_log_that_does_not_prove_the_hook_ran_is_refused(tmp_path):
    log = tmp_path / "log.jsonl"
    with pytest.raises(AuditError, match="cannot read the audit log"):
        audit.read_log(log, tmp_path)
    log.write_text("")
    with pytest.raises(AuditError, match="the audit hook did not start"):
        audit.read_log(log, tmp_path)
    log.write_text('{"op": "start", "roots": []}\n{"op": "error", "path": "open: TypeError: boom"}\n')
    with pytest.raises(AuditError, match=r"failed on 1 event\(s\), first: open: TypeError: boom"):
        audit.read_log(log, tmp_path)
    log.write_text('{"op": "start", "roots": []}\nnot json\n')
    with pytest.raises(AuditError, match="line 2: not an audit record"):
        audit.read_log(log, tmp_path)


SAMPLE = Step(
    "sample",
    notebook="notebooks/01_sample.ipynb",
    reads=("data/raw", "examples/mapping.yaml"),
    writes=("data/derived/sample",),
)


def test_undeclared_names_each_step_and_path():
    observed = Observed(
        reads=frozenset(
            {
                "data/raw/study.yaml",  # inside a declared folder
                "examples/mapping.yaml",  # declared file
                "notebooks/01_sample.ipynb",  # its own notebook
                "data/derived/sample/.ics-leadership-output",  # its own output
                "data/derived/synthetic/codings.csv",
                "examples/mapping.yaml.bak",  # a sibling of a declared file is not covered by it
            }
        ),
        writes=frozenset({"data/derived/sample/t.csv", "book/notebooks/01_sample.ipynb", "data/derived/t.csv"}),
        listed=frozenset({"data/derived", "data/raw", "examples", "book"}),
        made=frozenset({"data/derived", "data/derived/sample/figs", "data/tmp"}),
    )
    messages = [p.message for p in audit.undeclared(SAMPLE, observed)]
    assert messages == [
        "step sample lists the folder book, which it does not declare",
        "step sample reads data/derived/synthetic/codings.csv, which it does not declare",
        "step sample writes data/derived/t.csv, which it does not declare",
        "step sample creates the folder data/tmp, which it does not declare",
        "step sample reads examples/mapping.yaml.bak, which it does not declare",
    ]
    assert str(audit.undeclared(SAMPLE, observed)[0]).startswith("pipeline.yaml: step sample lists")
    # The executed copy is implied in the executed folder the build uses, not elsewhere.
    copy_elsewhere = Observed(writes=frozenset({"book/notebooks/01_sample.ipynb"}))
    assert [p.message for p in audit.undeclared(SAMPLE, copy_elsewhere, executed_dir="site/pages")] == [
        "step sample writes book/notebooks/01_sample.ipynb, which it does not declare"
    ]
    assert audit.undeclared(SAMPLE, Observed()) == []


def test_a_command_step_runs_in_a_child_with_the_hook(tmp_path):
    root = tmp_path / "root"
    (root / "data").mkdir(parents=True)
    (root / "pyproject.toml").write_text("")
    import shutil

    shutil.copytree(RAW, root / "data" / "raw")
    step = Step(
        "synthetic_corpus",
        command=("synthesise", "--out", "data/derived/synthetic", "--force"),
        reads=("data/raw/codebook.yaml",),
        writes=("data/derived/synthetic",),
    )
    seen: dict[str, Observed] = {}

    def execute(step: Step, rec: audit.Recording) -> None:
        env = {**ENV, "ICS_LEADERSHIP_ROOT": str(root)}
        subprocess.run(rec.command(step.command), cwd=root, env=env, check=True, capture_output=True, timeout=120)
        seen["observed"] = rec.observed()

    problems = audit.audited_execute(execute, step, root)
    observed = seen["observed"]
    written = {p.relative_to(root).as_posix() for p in (root / "data/derived/synthetic").rglob("*")}
    assert observed.writes == written | {"data/derived/synthetic"}
    assert "data/raw/codebook.yaml" in observed.reads and all(p.startswith("data/raw/") for p in observed.reads)
    undeclared_reads = sorted(observed.reads - {"data/raw/codebook.yaml"})
    assert undeclared_reads  # the generator reads more of data/raw than the codebook
    assert [p.message for p in problems] == [
        f"step synthetic_corpus reads {path}, which it does not declare" for path in undeclared_reads
    ]
    assert audit.undeclared(Step("s", command=step.command, reads=("data/raw",), writes=step.writes), observed) == []


def test_a_notebook_runs_with_the_hook_in_its_kernel_and_its_copy_shows_no_trace(tmp_path):
    root = tmp_path / "root"
    (root / "notebooks").mkdir(parents=True)
    (root / "data" / "raw").mkdir(parents=True)
    (root / "data" / "raw" / "a.txt").write_text("a")
    (root / "data" / "raw" / "b.txt").write_text("b")
    nb = nbformat.v4.new_notebook(
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    )
    params = nbformat.v4.new_code_cell('raw_dir = "../data/raw"\nout_dir = "../data/derived/n"')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Tiny"),
        params,
        nbformat.v4.new_code_cell(
            "from pathlib import Path\n"
            "from ics_leadership.core.outputs import publish_file\n"
            "text = (Path(raw_dir) / 'a.txt').read_text()\n"
            "publish_file(Path(out_dir) / 'copy.txt', lambda tmp: tmp.write_text(text), force=True)\n"
            "assert not [n for n in globals() if n.startswith('_ics')]  # the hook left no names behind"
        ),
    ]
    source = root / "notebooks" / "n.ipynb"
    nbformat.write(nb, source)
    copy = root / "book" / "notebooks" / "n.ipynb"
    with audit.recording(root) as rec:
        execute_notebook(source, copy, {"raw_dir": "../data/raw"}, kernel_arguments=rec.kernel_arguments)
        observed = rec.observed()
    assert observed.reads == {"data/raw/a.txt"}
    assert observed.writes == {"data/derived/n/copy.txt"}
    executed = nbformat.read(copy, as_version=4)
    assert [c.get("execution_count") for c in executed.cells if c.cell_type == "code"] == [1, 2, 3]
    assert [c.cell_type for c in executed.cells] == ["markdown", "code", "code", "code"]  # + injected parameters
    assert "b64decode" not in json.dumps(executed) and "exec_lines" not in json.dumps(executed)
    step = Step("tiny", notebook="notebooks/n.ipynb", reads=("data/raw/b.txt",), writes=("data/derived/n",))
    assert [p.message for p in audit.undeclared(step, observed)] == [
        "step tiny reads data/raw/a.txt, which it does not declare"
    ]


def test_check_steps_runs_each_step_hooked_and_lists_every_problem_in_step_order(tmp_path):
    root = tmp_path / "root"
    (root / "data" / "raw").mkdir(parents=True)
    (root / "data" / "raw" / "a.csv").write_text("a\n")
    scripts = {
        "first": "import pathlib; pathlib.Path('data/out').mkdir(); pathlib.Path('data/out/x.csv').write_text('x')",
        "second": "import subprocess; open('data/out/x.csv').read(); open('data/raw/a.csv').read(); "
        "subprocess.run(['true'])",
    }
    steps = [
        Step("first", command=("first",), writes=("data/out",)),
        Step("second", command=("second",), reads=("data/raw",), writes=("data/second",)),
    ]

    def execute(step: Step, rec: audit.Recording) -> None:
        code = audit.hook_source(rec.log, root) + "\n" + scripts[step.name]
        subprocess.run([sys.executable, "-c", code], cwd=root, check=True, timeout=60)

    lines: list[str] = []
    problems = audit.check_steps(steps, root, execute, report=lines.append)
    assert [str(p) for p in problems] == ["pipeline.yaml: step second reads data/out/x.csv, which it does not declare"]
    assert lines == [
        "checked first: as declared",
        "checked second: 1 undeclared",
        "  note: step second runs true; what that program reads is not seen",
    ]
