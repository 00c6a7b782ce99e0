"""Work on the second core (core.forking.in_child) and summarise's split run (summary_files.summarise_into).

The split run must write exactly the files of the plain run; errors in either process must surface
as they would in one, and nothing half-written may stay.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

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
        def fail():
            raise DataValidationError([Problem("documents.csv", "text missing", field="n_chars")])

        return [fail]

    monkeypatch.setattr(summarise, "detail_parts", broken)
    assert cli.main(["summarise", str(corpus), "--out", str(tmp_path / "out")]) == 1
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if p.name not in {"syn"}]


@needs_fork
def test_shared_tasks_each_run_once_in_either_process(tmp_path):
    def task(i: int):
        def run() -> None:
            (tmp_path / f"task{i}").write_text(str(os.getpid()))

        return run

    def own() -> int:
        time.sleep(1)  # long enough for the child to start on the tasks
        return os.getpid()

    result = forking.share([task(i) for i in range(6)], own)
    assert result == os.getpid()  # own() ran here
    done = sorted(p.name for p in tmp_path.iterdir())
    assert done == [f"task{i}" for i in range(6)]
    assert {p.read_text() for p in tmp_path.iterdir()} - {str(os.getpid())}  # the child took some


@needs_fork
def test_an_error_in_a_shared_task_is_raised_here(tmp_path):
    def fail() -> None:
        raise DataValidationError([Problem("coverage.csv", "cannot write", field="coverage")])

    with pytest.raises(DataValidationError, match="coverage.csv"):
        forking.share([fail], lambda: None)


def test_without_a_second_process_shared_tasks_run_here_after_own():
    order = []
    result = forking.share(
        [lambda: order.append("t1"), lambda: order.append("t2")], lambda: order.append("own") or 7, enabled=False
    )
    assert (result, order) == (7, ["own", "t1", "t2"])


def test_the_command_line_starts_without_pandas():
    # --help, import and check answer in a tenth of a second; pandas alone takes 0.2 s to load
    code = "import sys, ics_leadership.cli; print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_summarise_loads_scipy_and_statsmodels_only_after_the_split():
    # 0.4 s of imports: paid in the analysing process beside the child's work, not before the fork
    code = (
        "import sys, ics_leadership.cli, ics_leadership.coding.summarise, ics_leadership.facts.replication;"
        "print(sorted(m for m in ('scipy', 'statsmodels') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
