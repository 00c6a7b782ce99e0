"""The scheduler of the build graph (publish/scheduler.py), driven by fakes: no notebook, no kernel.

The graph, the decision and the work are passed in, so every rule of the scheduler (order,
parallelism, skipping, failures, declarations, progress lines, dry runs) is checked here in
milliseconds; tests/test_build_incremental.py checks it wired to papermill and the state store.
"""

from __future__ import annotations

import graphlib
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from ics_leadership.core.errors import NotebookExecutionError
from ics_leadership.publish.scheduler import StepFailedError, run_steps, select
from ics_leadership.publish.steps import Step, overlap


@dataclass
class Decision:
    action: str
    reasons: tuple[str, ...] = ()


class FakeGraph:
    """The StepGraph interface over a list of steps: B depends on A when B reads what A writes."""

    def __init__(self, steps: list[Step]):
        self.steps = steps
        self.deps = {
            b.name: {a.name for a in steps if a is not b and any(overlap(r, w) for r in b.reads for w in a.writes)}
            for b in steps
        }

    def order(self) -> list[str]:
        return [s.name for s in self.steps]  # tests declare steps in a topological order

    def dependencies(self, name: str) -> set[str]:
        return set(self.deps[name])

    def upstream(self, name: str) -> set[str]:
        seen: set[str] = set()
        todo = list(self.deps[name])
        while todo:
            n = todo.pop()
            if n not in seen:
                seen.add(n)
                todo.extend(self.deps[n])
        return seen

    def downstream(self, name: str) -> set[str]:
        return {n for n in self.deps if name in self.upstream(n)}

    def producer(self, path: str) -> str | None:
        return next((s.name for s in self.steps if any(overlap(w, path) for w in s.writes)), None)

    def sorter(self, names=None) -> graphlib.TopologicalSorter:
        names = set(names) if names is not None else set(self.deps)
        ts = graphlib.TopologicalSorter({n: self.deps[n] & names for n in names})
        ts.prepare()
        return ts


def run(steps, decide, execute, jobs=2, root=None, **kw):
    lines: list[str] = []
    graph = FakeGraph(steps)
    summary = run_steps(graph, steps, decide, execute, jobs, lines.append, root=root or Path("."), **kw)
    return summary, lines


def always(action, *reasons):
    return lambda step: Decision(action, reasons)


def test_independent_steps_run_at_once_with_two_jobs():
    barrier = threading.Barrier(2, timeout=5)
    steps = [Step("a", notebook="a.ipynb"), Step("b", notebook="b.ipynb")]
    summary, _ = run(steps, always("run", "no record"), lambda step: barrier.wait(), jobs=2)
    assert summary.names("run") == ["a", "b"]


def test_one_job_runs_one_step_at_a_time(tmp_path):
    # The same two steps cannot meet at a barrier with one worker: the first waits alone and fails.
    barrier = threading.Barrier(2, timeout=0.3)
    steps = [Step("a", notebook="a.ipynb"), Step("b", notebook="b.ipynb")]
    with pytest.raises(StepFailedError, match=r"^step a: BrokenBarrierError"):
        run(steps, always("run"), lambda step: barrier.wait(), jobs=1)

    active, most = 0, 0
    lock = threading.Lock()

    def work(step):
        nonlocal active, most
        with lock:
            active += 1
            most = max(most, active)
        time.sleep(0.02)
        with lock:
            active -= 1

    steps = [Step(n, notebook=f"{n}.ipynb") for n in "abcd"]
    summary, _ = run(steps, always("run"), work, jobs=1)
    assert (most, summary.names("run")) == (1, ["a", "b", "c", "d"])


def test_order_respects_dependencies(tmp_path):
    # a -> b, a -> c, (b, c) -> d: a diamond, two at a time.
    steps = [
        Step("a", notebook="a.ipynb", writes=("out/a",)),
        Step("b", notebook="b.ipynb", reads=("out/a",), writes=("out/b",)),
        Step("c", notebook="c.ipynb", reads=("out/a/table.csv",), writes=("out/c",)),
        Step("d", notebook="d.ipynb", reads=("out/b", "out/c"), writes=("out/d",)),
    ]
    events: list[str] = []
    lock = threading.Lock()

    def work(step):
        with lock:
            events.append(f"start {step.name}")
        time.sleep(0.02)
        for w in step.writes:
            (tmp_path / w).mkdir(parents=True)
        (tmp_path / "out/a/table.csv").touch(exist_ok=True)
        with lock:
            events.append(f"end {step.name}")

    run(steps, always("run"), work, jobs=2, root=tmp_path)
    pos = events.index
    assert pos("end a") < min(pos("start b"), pos("start c"))
    assert max(pos("end b"), pos("end c")) < pos("start d")
    # b and c overlapped: both started before either ended.
    assert max(pos("start b"), pos("start c")) < min(pos("end b"), pos("end c"))


@pytest.mark.parametrize(("new_bytes", "expected"), [(b"same", "skip"), (b"new", "run")])
def test_downstream_decides_after_its_upstream_finished(tmp_path, new_bytes, expected):
    (tmp_path / "data").mkdir()
    (tmp_path / "data/a.txt").write_bytes(b"same")
    steps = [
        Step("a", notebook="a.ipynb", writes=("data/a.txt",)),
        Step("b", notebook="b.ipynb", reads=("data/a.txt",)),
    ]
    seen_by_b = []

    def decide(step):
        if step.name == "a":
            return Decision("run", ("changed: notebook code",))
        content = (tmp_path / "data/a.txt").read_bytes()  # what a state store would hash
        seen_by_b.append(content)
        return Decision("skip") if content == b"same" else Decision("run", ("changed: data/a.txt",))

    def work(step):
        if step.name == "a":
            time.sleep(0.05)  # b deciding early would see the old bytes
            (tmp_path / "data/a.txt").write_bytes(new_bytes)

    summary, lines = run(steps, decide, work, root=tmp_path)
    assert seen_by_b == [new_bytes]
    assert summary.outcomes["b"].action == expected
    assert lines[2] == ("skip  b (unchanged)" if expected == "skip" else "start b (changed: data/a.txt)")


def test_skipped_steps_start_nothing_and_record_nothing():
    def work(step):
        raise AssertionError(f"{step.name} was started")

    recorded = []
    steps = [Step("a", notebook="a.ipynb", writes=("x",)), Step("b", notebook="b.ipynb", reads=("x",))]
    summary, lines = run(steps, always("skip"), work, record=lambda s, d: recorded.append(s.name))
    assert recorded == []
    assert lines[:2] == ["skip  a (unchanged)", "skip  b (unchanged)"]
    assert re.fullmatch(r"Steps: 0 ran, 2 unchanged in \d+\.\d s", lines[2])
    assert not summary.changed


def test_first_failure_stops_new_starts_lets_running_finish_and_names_the_step(tmp_path):
    # a fails while b runs; b finishes and is recorded; c (waiting for a worker) and d (after a) never start.
    a_failing = threading.Event()
    started, recorded = [], []
    steps = [
        Step("a", notebook="notebooks/a.ipynb", writes=("out/a",)),
        Step("b", notebook="b.ipynb"),
        Step("c", notebook="c.ipynb"),
        Step("d", notebook="d.ipynb", reads=("out/a",)),
    ]

    def work(step):
        started.append(step.name)
        if step.name == "a":
            assert a_failing.wait(5)
            raise NotebookExecutionError("notebooks/a.ipynb", 3, "ValueError: bad value")
        a_failing.set()
        time.sleep(0.1)

    with pytest.raises(StepFailedError) as err:
        run(steps, always("run", "no record"), work, jobs=2, root=tmp_path, record=lambda s, d: recorded.append(s.name))
    assert str(err.value) == "step a: notebooks/a.ipynb, cell 3 failed: ValueError: bad value"
    assert err.value.step == "a"
    assert err.value.outcome == "the steps that finished are kept (b)"
    assert sorted(started) == ["a", "b"]
    assert recorded == ["b"]


def test_failure_lines_and_counts(tmp_path):
    steps = [Step("a", notebook="a.ipynb", writes=("out/a",)), Step("b", notebook="b.ipynb", reads=("out/a",))]

    def work(step):
        raise RuntimeError("kernel died")

    lines: list[str] = []
    with pytest.raises(StepFailedError, match=r"^step a: RuntimeError: kernel died$") as err:
        run_steps(FakeGraph(steps), steps, always("run", "forced"), work, 2, lines.append, root=tmp_path)
    assert err.value.outcome == "nothing was written"
    assert lines[0] == "start a (forced)"
    assert re.fullmatch(r"FAIL  a \d+\.\d s: RuntimeError: kernel died", lines[1])
    assert re.fullmatch(r"Steps: 0 ran, 0 unchanged, 1 failed, 1 not started in \d+\.\d s", lines[2])


def test_missing_input_names_the_step_that_should_have_made_it(tmp_path):
    # a declares the folder and makes it, but not the file b reads from it.
    steps = [
        Step("synthetic_corpus", command=("synthesise",), writes=("data/derived/synthetic",)),
        Step("coding", notebook="coding.ipynb", reads=("data/derived/synthetic/codings.csv",)),
    ]
    ran = []

    def work(step):
        ran.append(step.name)
        (tmp_path / "data/derived/synthetic").mkdir(parents=True)

    with pytest.raises(StepFailedError) as err:
        run(steps, always("run"), work, root=tmp_path)
    assert str(err.value) == (
        "step coding: input data/derived/synthetic/codings.csv is missing; step synthetic_corpus should have made it"
    )
    assert ran == ["synthetic_corpus"]


def test_declared_write_not_written_fails_the_step(tmp_path):
    steps = [
        Step("sample", notebook="s.ipynb", writes=("data/derived/sample", "data/derived/sample.csv")),
        Step("after", notebook="t.ipynb", reads=("data/derived/sample",)),
    ]
    recorded, ran = [], []

    def work(step):
        ran.append(step.name)
        (tmp_path / "data/derived/sample").mkdir(parents=True)

    with pytest.raises(StepFailedError) as err:
        run(steps, always("run"), work, root=tmp_path, record=lambda s, d: recorded.append(s.name))
    assert str(err.value) == "step sample: declared it writes data/derived/sample.csv but did not"
    assert (ran, recorded) == (["sample"], [])


def test_progress_lines(tmp_path):
    steps = [
        Step("sample", notebook="s.ipynb", writes=("sample",)),
        Step("methods", notebook="m.ipynb"),
        Step("model", notebook="o.ipynb", reads=("sample",)),
    ]
    decisions = {
        "sample": Decision("run", ("changed: data/raw/codebook.yaml",)),
        "methods": Decision("render", ("changed: markdown",)),
        "model": Decision("skip"),
    }
    rendered = []

    def work(step):
        (tmp_path / "sample").mkdir()

    summary, lines = run(
        steps,
        lambda s: decisions[s.name],
        work,
        jobs=1,
        root=tmp_path,
        render=lambda s: rendered.append(s.name) or True,
    )
    assert rendered == ["methods"]
    assert lines[0] == "start sample (changed: data/raw/codebook.yaml)"
    assert re.fullmatch(r"done  sample \d+\.\d s", lines[1])
    # model became ready when sample ended, and is decided before methods (waiting for the one worker) starts.
    assert lines[2] == "skip  model (unchanged)"
    assert lines[3] == "render methods (changed: markdown)"
    assert re.fullmatch(r"done  methods \d+\.\d s", lines[4])
    assert re.fullmatch(r"Steps: 1 ran, 1 re-rendered, 1 unchanged in \d+\.\d s", lines[5])
    assert len(lines) == 6
    assert summary.changed


def test_dry_run_lists_actions_and_reasons_and_runs_nothing():
    steps = [
        Step("synthetic_corpus", command=("synthesise",), reads=("data/raw",), writes=("data/derived/synthetic",)),
        Step("sample", notebook="s.ipynb", reads=("data/raw",), writes=("data/derived/sample",)),
        Step("coding", notebook="c.ipynb", reads=("data/derived/synthetic",), writes=("data/derived/coding",)),
        Step("methods", notebook="m.ipynb"),
    ]
    decisions = {
        "synthetic_corpus": Decision("run", ("changed: data/raw/codebook.yaml",)),
        "sample": Decision("skip"),
        "coding": Decision("skip"),
        "methods": Decision("render", ("changed: markdown",)),
    }

    def forbidden(*args):
        raise AssertionError("a dry run started something")

    summary, lines = run(
        steps, lambda s: decisions[s.name], forbidden, render=forbidden, record=forbidden, dry_run=True
    )
    assert lines == [
        "would run    synthetic_corpus (changed: data/raw/codebook.yaml)",
        "would skip   sample (unchanged)",
        "may run      coding (after synthetic_corpus, if what it reads changes)",
        "would render methods (changed: markdown)",
        "Dry run: 1 would run, 1 may run, 1 would re-render, 1 unchanged; nothing was started or written",
    ]
    assert summary.dry_run


def test_only_selects_the_step_and_its_upstream(tmp_path):
    steps = [
        Step("a", notebook="a.ipynb", writes=("x",)),
        Step("b", notebook="b.ipynb", reads=("x",), writes=("y",)),
        Step("c", notebook="c.ipynb", reads=("y",)),
        Step("other", notebook="o.ipynb"),
    ]
    graph = FakeGraph(steps)
    assert select(graph, ["b"]) == {"a", "b"}
    assert select(graph, ["c", "other"]) == {"a", "b", "c", "other"}
    decided = []

    def decide(step):
        decided.append(step.name)
        return Decision("skip") if step.name == "a" else Decision("run", ("forced",))

    lines: list[str] = []
    (tmp_path / "x").touch()
    (tmp_path / "y").touch()
    run_steps(graph, steps, decide, lambda s: None, 2, lines.append, root=tmp_path, names=select(graph, ["b"]))
    assert decided == ["a", "b"]
    assert lines[:2] == ["skip  a (unchanged)", "start b (forced)"]


def test_a_page_that_cannot_be_rerendered_is_run(tmp_path):
    steps = [Step("methods", notebook="m.ipynb")]
    ran = []
    summary, lines = run(
        steps, always("render", "changed: notebook markdown"), lambda s: ran.append(s.name), render=lambda s: False
    )
    assert ran == ["methods"]
    assert lines[:2] == [
        "render methods (changed: notebook markdown)",
        "start methods (changed: notebook markdown; code cells differ from the executed copy)",
    ]
    assert re.fullmatch(r"done  methods \d+\.\d s", lines[2])
    assert summary.names("run") == ["methods"]


def test_of_the_ready_steps_the_one_more_steps_wait_for_starts_first(tmp_path):
    # One worker; "page" and "corpus" are ready at once; two pages wait for the corpus.
    steps = [
        Step("page", notebook="p.ipynb"),
        Step("corpus", command=("synthesise",), writes=("corpus",)),
        Step("one", notebook="1.ipynb", reads=("corpus",)),
        Step("two", notebook="2.ipynb", reads=("corpus",)),
    ]
    (tmp_path / "corpus").mkdir()
    _, lines = run(steps, always("run", "forced"), lambda s: None, jobs=1, root=tmp_path)
    assert [ln for ln in lines if ln.startswith("start ")] == [
        "start corpus (forced)",
        "start page (forced)",
        "start one (forced)",
        "start two (forced)",
    ]
