"""How the compendium runs Jupyter Book: a child started ahead of time, without jsonschema's slow extra."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from ics_leadership.core.errors import BookBuildError
from ics_leadership.publish import jupyterbook

pytest.importorskip("jupyter_book")


def _tiny_book(tmp_path: Path, text: str = "Hello.") -> Path:
    book = tmp_path / "book"
    book.mkdir()
    (book / "_config.yml").write_text('title: "Tiny"\nexecute:\n  execute_notebooks: "off"\n')
    (book / "_toc.yml").write_text("format: jb-book\nroot: intro\n")
    (book / "intro.md").write_text(f"# Intro\n\n{text}\n")
    return book


def _imported(log: str) -> set[str]:
    """The modules a child imported, from Python's ``-X importtime`` lines in its log."""
    return {line.rsplit("|", 1)[-1].strip() for line in log.splitlines() if line.startswith("import time:")}


def test_a_warm_child_builds_the_book_without_importing_rfc3987_syntax(tmp_path, monkeypatch):
    book = _tiny_book(tmp_path)
    monkeypatch.setenv("PYTHONPROFILEIMPORTTIME", "1")  # the child lists its imports on stderr
    with jupyterbook.WarmBook(tmp_path) as warm:
        warm.start()
        log = jupyterbook.build(book, tmp_path / "out", cwd=tmp_path, failure="failed", warm=warm)
    assert "Hello." in (tmp_path / "out" / "_build" / "html" / "intro.html").read_text()
    imported = _imported(log)
    assert {"sphinx", "jsonschema"} <= imported
    assert "lark" not in imported  # rfc3987_syntax compiles 39 lark grammars (1.2 s) for formats JB never checks


def test_an_unused_warm_child_is_stopped_on_leaving_the_block(tmp_path):
    with jupyterbook.WarmBook(tmp_path) as warm:
        warm.start()
        proc = warm._proc
        assert proc is not None and proc.poll() is None  # importing, then waiting for a command
    assert proc.poll() is not None


def test_a_disabled_warm_book_starts_nothing_and_builds_in_a_new_child(tmp_path):
    book = _tiny_book(tmp_path, "Cold.")
    warm = jupyterbook.WarmBook(tmp_path, enabled=False)
    warm.start()
    assert warm._proc is None
    # The new child starts with this variable, so it lists all its imports.
    log = jupyterbook.build(
        book, tmp_path / "out", cwd=tmp_path, failure="failed", warm=warm, env={"PYTHONPROFILEIMPORTTIME": "1"}
    )
    assert "Cold." in (tmp_path / "out" / "_build" / "html" / "intro.html").read_text()
    assert "jsonschema" in _imported(log) and "lark" not in _imported(log)


def test_a_failed_build_in_the_warm_child_names_the_warning(tmp_path):
    book = _tiny_book(tmp_path, "See {ref}`nowhere`.")
    with jupyterbook.WarmBook(tmp_path) as warm:
        warm.start()
        with pytest.raises(BookBuildError, match=r"(?s)^the book failed.*nowhere"):
            jupyterbook.build(book, tmp_path / "out", cwd=tmp_path, failure="the book failed", warm=warm)


def test_the_child_exits_quietly_when_no_command_comes():
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", jupyterbook.CHILD_MODULE, "--wait"],
        input="",
        capture_output=True,
        text=True,
        timeout=120,
        env=jupyterbook._child_env(),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert time.perf_counter() - start < 60
