"""Work on the second core (core.forking.in_child) and summarise's split run (summary_files.summarise_into).

The split run must write exactly the files of the plain run; errors in either process must surface
as they would in one, and nothing half-written may stay.
"""

from __future__ import annotations

import os

import pytest

from ics_leadership import cli
from ics_leadership.coding import summarise, summary_files
from ics_leadership.core import forking
from ics_leadership.core.errors import DataValidationError, Problem
from ics_leadership.facts import demo_corpus as synthetic
from ics_leadership.facts import replication

needs_fork = pytest.mark.skipif(not forking.can_fork(), reason="needs fork and two cores")


@needs_fork
def test_the_child_works_beside_the_block(tmp_path):
    mark = tmp_path / "child.txt"
    with forking.in_child(lambda: mark.write_text(str(os.getpid()))):
        here = os.getpid()
    assert mark.read_text() != str(here)  # written by another process, finished when the block ends


@needs_fork
def test_an_error_in_the_child_is_raised_here_after_the_block(tmp_path):
    def fail() -> None:
        raise DataValidationError([Problem("codings.csv", "bad value", row=3, field="start")])

    ran = []
    with pytest.raises(DataValidationError) as caught:
        with forking.in_child(fail):
            ran.append(True)
    assert ran == [True]
    assert "codings.csv" in str(caught.value) and "start" in str(caught.value)
    assert [(p.row, p.field) for p in caught.value.problems] == [(3, "start")]


@needs_fork
def test_a_child_that_dies_is_named(tmp_path):
    with pytest.raises(RuntimeError, match="exit code 3"):
        with forking.in_child(lambda: os._exit(3)):
            pass


@needs_fork
def test_an_error_in_the_block_stops_the_child(tmp_path):
    mark = tmp_path / "late.txt"

    def slow() -> None:
        import time

        time.sleep(5)
        mark.write_text("too late")

    with pytest.raises(KeyError):
        with forking.in_child(slow):
            raise KeyError("block")
    assert not mark.exists()


def test_without_a_second_process_the_work_runs_here_first():
    order = []
    with forking.in_child(lambda: order.append("work"), enabled=False):
        order.append("block")
    assert order == ["work", "block"]


@needs_fork
def test_the_split_run_writes_the_plain_runs_files(tmp_path, monkeypatch):
    corpus = synthetic.write(tmp_path / "syn")
    plain = tmp_path / "plain"
    summarise.write_summary(replication.summarise_paper(corpus), plain)
    monkeypatch.setattr(summary_files, "SPLIT_CODINGS", 0)  # split even this small corpus
    assert cli.main(["summarise", str(corpus), "--out", str(tmp_path / "split")]) == 0
    plain_files = {p.name: p.read_bytes() for p in plain.iterdir()}
    split_files = {p.name: p.read_bytes() for p in (tmp_path / "split").iterdir()}
    assert split_files.keys() == plain_files.keys() and len(split_files) >= 17
    assert split_files == plain_files


@needs_fork
def test_the_split_run_leaves_nothing_when_the_details_fail(tmp_path, monkeypatch):
    corpus = synthetic.write(tmp_path / "syn")
    monkeypatch.setattr(summary_files, "SPLIT_CODINGS", 0)

    def broken(prepared, excerpts=False):
        raise DataValidationError([Problem("documents.csv", "text missing", field="n_chars")])

    monkeypatch.setattr(summarise, "detail_tables", broken)
    assert cli.main(["summarise", str(corpus), "--out", str(tmp_path / "out")]) == 1
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if p.name not in {"syn"}]
