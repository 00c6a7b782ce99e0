"""Build faults: one build at a time, no orphaned jupyter-book, leftovers of killed builds removed,
book/notebooks replaced only once the book has built."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ics_leadership.core.errors import BookBuildError, CompendiumError
from ics_leadership.publish import buildguard, jupyterbook, pipeline

from conftest import ROOT

ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc and PR_SET_PDEATHSIG")


def python(code: str) -> subprocess.Popen:
    """A Python process running ``code`` that reports on stdout, line by line."""
    return subprocess.Popen([sys.executable, "-c", code], env=ENV, stdout=subprocess.PIPE, text=True)


def _gone(pid: int, within: float = 5.0) -> bool:
    """True once ``pid`` has exited (a zombie awaiting its reaper counts as exited)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return found


# --- the lock ---------------------------------------------------------------------------------------


def test_a_second_build_waits_then_stops_naming_the_first(tmp_path):
    holder = python(
        f"from pathlib import Path\nfrom ics_leadership.publish import buildguard\n"
        f"with buildguard.build_lock(Path({str(tmp_path)!r})):\n"
        f"    print('locked', flush=True)\n    import time; time.sleep(60)"
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        said = []
        start = time.monotonic()
        with pytest.raises(buildguard.BuildBusyError, match=rf"\(pid {holder.pid}\) is still running after 1 s"):
            with buildguard.build_lock(tmp_path, wait=0.6, report=said.append):
                pass
        assert 0.5 < time.monotonic() - start < 5
        assert said == [f"Waiting for another build, pdf or run of this compendium to finish (pid {holder.pid}) ..."]
    finally:
        holder.kill()
        holder.wait()
    # the lock dies with its holder: no stale lock to clear by hand
    with buildguard.build_lock(tmp_path, wait=0):
        assert (tmp_path / buildguard.LOCK_FILE).read_text() == f"{os.getpid()}\n"
        with buildguard.build_lock(tmp_path, wait=0):  # re-entrant within a process (build runs notebooks)
            pass


# --- the jupyter-book child --------------------------------------------------------------------------


@linux_only
def test_the_child_dies_when_its_parent_is_killed(tmp_path):
    parent = python(
        "from ics_leadership.publish import buildguard\nprint('go', flush=True)\nbuildguard.run_child(['sleep', '60'])"
    )
    try:
        assert parent.stdout.readline().strip() == "go"
        deadline = time.monotonic() + 10
        while not (kids := _children(parent.pid)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(kids) == 1
        os.kill(parent.pid, signal.SIGKILL)  # no clean-up code runs: only PR_SET_PDEATHSIG can help
        parent.wait()
        assert _gone(kids[0]), "the sleep child outlived its SIGKILLed parent"
    finally:
        parent.kill()
        parent.wait()


@linux_only
def test_sigterm_stops_the_childs_whole_process_group(tmp_path):
    parent = python(
        "from ics_leadership.publish import buildguard\nprint('go', flush=True)\n"
        "with buildguard.sigterm_as_interrupt():\n"
        "    buildguard.run_child(['sh', '-c', 'sleep 60 & sleep 60'])"
    )
    try:
        assert parent.stdout.readline().strip() == "go"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            shells = _children(parent.pid)
            sleeps = [g for s in shells for g in _children(s)]
            if shells and len(sleeps) == 2:
                break
            time.sleep(0.05)
        assert len(shells) == 1 and len(sleeps) == 2
        os.kill(parent.pid, signal.SIGTERM)
        assert parent.wait(timeout=10) != 0
        assert all(_gone(pid) for pid in [*shells, *sleeps])
    finally:
        parent.kill()
        parent.wait()


# --- leftovers and the swap -------------------------------------------------------------------------


def _leftovers(book: Path) -> list[Path]:
    made = [book / ".staging-4242-deadbeef", book / ".build-x1y2", book / ".build-old-_build-4242"]
    for folder in made:
        (folder / "inner").mkdir(parents=True)
        (folder / "inner" / "page.html").write_text("half-built")
    return made


def test_the_next_build_removes_what_a_killed_build_left(tmp_path):
    book = tmp_path / "book"
    made = _leftovers(book)
    (book / "_static").mkdir()
    (book / ".build-notes.txt").write_text("a file, not a build folder")
    messages = []
    with pytest.raises(CompendiumError):  # no data/raw here: the build stops right after the clean-up
        pipeline.build(tmp_path, report=messages.append)
    assert not any(p.exists() for p in made)
    assert (book / "_static").is_dir() and (book / ".build-notes.txt").exists()
    assert sum("left by an interrupted build" in m for m in messages) == 3


def test_make_clean_removes_leftovers_and_only_generated_things(tmp_path):
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    book = tmp_path / "book"
    made = _leftovers(book)
    for name in ("_build", "notebooks"):
        (book / name).mkdir()
    (book / buildguard.LOCK_FILE.name).write_text("")
    (book / "intro.md").write_text("# source")
    (tmp_path / "data" / "derived").mkdir(parents=True)
    (tmp_path / "data" / "derived" / "README.md").write_text("kept")
    (tmp_path / "data" / "derived" / "table1.csv").write_text("generated")
    (tmp_path / "data" / "coded" / "study").mkdir(parents=True)
    (tmp_path / "data" / "coded" / "study" / "codings.csv").write_text("the user's")
    (tmp_path / ".build-state").mkdir()
    (tmp_path / ".build-state" / "state.json").write_text("{}")
    subprocess.run(["make", "-s", "clean"], cwd=tmp_path, check=True, capture_output=True)
    assert not (tmp_path / ".build-state").exists()  # the next build runs every step
    assert sorted(p.name for p in book.iterdir()) == ["intro.md"]
    assert not any(p.exists() for p in made)
    assert sorted(p.name for p in (tmp_path / "data" / "derived").iterdir()) == ["README.md"]
    assert (tmp_path / "data" / "coded" / "study" / "codings.csv").read_text() == "the user's"


def _fake_jupyter_book(tmp_path: Path, succeed: bool) -> str:
    """A stand-in for jupyter-book: records the notebooks it was given; builds or fails."""
    script = tmp_path / ("jb-ok" if succeed else "jb-fail")
    script.write_text(
        "#!/bin/sh\n"  # jupyter-book build SOURCE --path-output OUT ...
        'src="$2"; out="$4"\n'
        + (
            'mkdir -p "$out/_build/html" && cat "$src/notebooks/a.ipynb" > "$out/_build/html/index.html"\n'
            if succeed
            else 'echo "WARNING: a broken reference" >&2; exit 1\n'
        )
    )
    script.chmod(0o755)
    return str(script)


def test_book_notebooks_are_replaced_only_once_the_book_has_built(tmp_path, monkeypatch):
    book = tmp_path / "book"
    (book / "notebooks").mkdir(parents=True)
    (book / "notebooks" / "a.ipynb").write_text("old page")
    (book / "_build" / "html").mkdir(parents=True)
    (book / "_build" / "html" / "index.html").write_text("old book")
    (book / "_toc.yml").write_text("root: intro\n")
    staging = book / ".staging-1-abc"
    staging.mkdir()
    (staging / "a.ipynb").write_text("new page")

    fake = _fake_jupyter_book(tmp_path, succeed=False)
    monkeypatch.setattr(jupyterbook, "command", lambda argv: [fake, *argv])
    with pytest.raises(BookBuildError, match="WARNING: a broken reference"):
        pipeline.build_book(tmp_path, report=lambda m: None, executed=staging)
    assert (book / "notebooks" / "a.ipynb").read_text() == "old page"
    assert (book / "_build" / "html" / "index.html").read_text() == "old book"
    assert (staging / "a.ipynb").read_text() == "new page"

    fake = _fake_jupyter_book(tmp_path, succeed=True)
    monkeypatch.setattr(jupyterbook, "command", lambda argv: [fake, *argv])
    pipeline.build_book(tmp_path, report=lambda m: None, executed=staging)
    assert (book / "notebooks" / "a.ipynb").read_text() == "new page"
    assert (book / "_build" / "html" / "index.html").read_text() == "new page"  # built from the staged copy
    assert sorted(p.name for p in book.iterdir()) == ["_build", "_toc.yml", "notebooks"]
