"""Run the declared steps of the build in dependency order, independent ones in parallel.

The graph (:class:`ics_leadership.publish.graph.StepGraph`) says which step needs which; this
module walks it with the standard library's :class:`graphlib.TopologicalSorter` (its
``get_ready``/``done`` protocol) and runs ready steps in a
:class:`concurrent.futures.ThreadPoolExecutor`. Threads suffice: a notebook runs in its own kernel
process, papermill only waits on it.

What to do with a step, and how, is passed in, so this module knows nothing of notebooks,
hashes or the state store (:func:`run_steps`'s ``decide``, ``execute``, ``render`` and
``record``). Its own rules:

- A step decides only when every step it depends on has finished, so a step downstream of one
  that re-ran sees the new inputs (and is skipped when they came out byte-identical).
- Before a step runs, every file or folder it declares it reads must exist; after it ran, every one
  it declares it writes must exist. Otherwise the step fails, with a message naming the step (and,
  for a missing input, the step that should have made it).
- On the first failure no new step starts; the running ones finish (and are recorded when they
  succeed); then :class:`StepFailedError` names the failed step.
- Of the steps ready at once, the one with the most steps downstream of it starts first.
- Progress is one line per step as it starts and as it ends (or one line when it is skipped),
  written from the calling thread only, so lines never interleave, and a last line with counts.
"""

from __future__ import annotations

import graphlib
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ics_leadership.core.errors import CompendiumError
from ics_leadership.publish.steps import Step

Reporter = Callable[[str], None]


class DecisionLike(Protocol):
    """What ``decide`` returns (:class:`ics_leadership.publish.buildstate.Decision`)."""

    action: str  # "run" | "render" | "skip"
    reasons: Sequence[str]


class GraphLike(Protocol):
    """The part of :class:`ics_leadership.publish.graph.StepGraph` the scheduler uses."""

    def order(self) -> list[str]: ...
    def upstream(self, name: str) -> set[str]: ...
    def downstream(self, name: str) -> set[str]: ...
    def dependencies(self, name: str) -> set[str]: ...
    def producer(self, path: str) -> str | None: ...
    def sorter(self, names: Iterable[str] | None = None) -> graphlib.TopologicalSorter: ...


class StepFailedError(CompendiumError):
    """A step of the build failed (or did not keep its declarations); the message names it.

    ``outcome`` says what the build kept (the command line's summary line prints it).
    """

    def __init__(self, step: str, detail: str):
        self.step = step
        self.outcome = "nothing was written"
        super().__init__(f"step {step}: {detail}")


@dataclass
class Outcome:
    """What happened to one step: its action, why, how long it took and, if it failed, why."""

    name: str
    action: str
    reasons: tuple[str, ...] = ()
    seconds: float | None = None
    error: str | None = None


@dataclass
class Summary:
    """The outcome of every step considered, in the order they were decided."""

    outcomes: dict[str, Outcome] = field(default_factory=dict)
    seconds: float = 0.0
    not_started: list[str] = field(default_factory=list)
    dry_run: bool = False

    def names(self, action: str) -> list[str]:
        return [o.name for o in self.outcomes.values() if o.action == action and o.error is None]

    @property
    def failed(self) -> list[str]:
        return [o.name for o in self.outcomes.values() if o.error is not None]

    @property
    def changed(self) -> bool:
        """True when some step ran or re-rendered its page (the book may need building)."""
        return bool(self.names("run") or self.names("render"))


def select(graph: GraphLike, only: Iterable[str]) -> set[str]:
    """The steps ``build --only`` considers: those named and everything upstream of them."""
    chosen: set[str] = set()
    for name in only:
        chosen |= {name, *graph.upstream(name)}
    return chosen


def _because(reasons: Sequence[str]) -> str:
    return "; ".join(reasons) if reasons else "unchanged"


def _missing_input(step: Step, graph: GraphLike, root: Path) -> str | None:
    """The first declared read that does not exist, said with the step that should have made it."""
    for path in step.reads:
        if not (root / path).exists():
            maker = graph.producer(path)
            should = f"; step {maker} should have made it" if maker and maker != step.name else ""
            return f"input {path} is missing{should}"
    return None


def _unwritten(step: Step, root: Path) -> str | None:
    missing = [path for path in step.writes if not (root / path).exists()]
    if missing:
        return f"declared it writes {', '.join(missing)} but did not"
    return None


def run_steps(
    graph: GraphLike,
    steps: Sequence[Step] | Mapping[str, Step],
    decide: Callable[[Step], DecisionLike],
    execute: Callable[[Step], object],
    jobs: int | None = None,
    report: Reporter = print,
    *,
    root: Path,
    render: Callable[[Step], bool] | None = None,
    record: Callable[[Step, DecisionLike], object] | None = None,
    names: Iterable[str] | None = None,
    dry_run: bool = False,
) -> Summary:
    """Decide and run the steps, each after those it depends on, up to ``jobs`` at a time.

    Parameters
    ----------
    graph
        The declared graph; ``graph.sorter(names)`` gives a prepared topological sorter.
    steps
        The steps by name (or a sequence of them).
    decide
        ``decide(step)`` -> decision with ``action`` ("run", "render" or "skip") and ``reasons``;
        called in this thread once every step ``step`` depends on has finished.
    execute
        ``execute(step)`` runs the step (in a worker thread); an exception fails it.
    jobs
        Steps running at once (default: ``os.cpu_count()``).
    report
        Told each progress line; called from this thread only.
    root
        The project root, against which declared reads and writes are checked.
    render
        ``render(step)`` refreshes a page without a kernel (in a worker thread) and returns True;
        False when it cannot (the code cells differ), and the step is then executed. When None, a
        step to render is executed.
    record
        ``record(step, decision)`` after a step ran or rendered and kept its declarations (called
        in this thread, so the state store is written by one thread).
    names
        Only these steps (default: all); see :func:`select`.
    dry_run
        Decide and report what would happen, and why; execute, render and record nothing.

    Returns
    -------
    Summary

    Raises
    ------
    StepFailedError
        The first step that failed, once the steps already running have finished.
    """
    by_name = dict(steps) if isinstance(steps, Mapping) else {s.name: s for s in steps}
    names = set(names) if names is not None else None
    if dry_run:
        return _dry_run(graph, by_name, decide, report, names)
    jobs = max(1, jobs or os.cpu_count() or 1)
    rank = {name: i for i, name in enumerate(graph.order())}
    # Of the steps ready at once, those more steps wait for start first (then in declaration order),
    # so a step many others read from (the synthetic corpus) is not held behind independent pages.
    priority = {name: (-len(graph.downstream(name)), i) for name, i in rank.items()}
    sorter = graph.sorter(names)
    summary = Summary()
    waiting: list[tuple[Step, DecisionLike]] = []  # decided to run, no worker free yet
    running: dict[Future, tuple[Step, DecisionLike, float]] = {}  # future -> step, decision, start
    first_failure: StepFailedError | None = None
    started = time.perf_counter()

    def fail(step: Step, detail: str, seconds: float | None = None) -> None:
        nonlocal first_failure
        outcome = summary.outcomes[step.name]
        outcome.error, outcome.seconds = detail, seconds
        took = f" {seconds:.1f} s" if seconds is not None else ""
        report(f"FAIL  {step.name}{took}: {detail}")
        if first_failure is None:
            first_failure = StepFailedError(step.name, detail)

    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="step") as pool:
        try:
            while True:
                # Decide every ready step; skipping one may make more ready at once.
                while first_failure is None:
                    ready = sorted(sorter.get_ready(), key=lambda n: rank.get(n, len(rank)))
                    if not ready:
                        break
                    for name in ready:
                        step = by_name[name]
                        decision = decide(step)
                        summary.outcomes[name] = Outcome(name, decision.action, tuple(decision.reasons))
                        if decision.action == "skip":
                            report(f"skip  {name} ({_because(decision.reasons)})")
                            sorter.done(name)
                        else:
                            waiting.append((step, decision))
                # Start what a free worker can take, in the order decided.
                while first_failure is None and waiting and len(running) < jobs:
                    waiting.sort(key=lambda item: priority[item[0].name])
                    step, decision = waiting.pop(0)
                    problem = _missing_input(step, graph, root)
                    if problem is not None:
                        fail(step, problem)
                        break
                    if decision.action == "render" and render is not None:
                        report(f"render {step.name} ({_because(decision.reasons)})")
                        future = pool.submit(render, step)
                    else:
                        summary.outcomes[step.name].action = "run"  # a page to render, with no render given
                        report(f"start {step.name} ({_because(decision.reasons)})")
                        future = pool.submit(execute, step)
                    running[future] = (step, decision, time.perf_counter())
                if not running:
                    break
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in sorted(finished, key=lambda f: rank.get(running[f][0].name, 0)):
                    step, decision, t0 = running.pop(future)
                    seconds = time.perf_counter() - t0
                    exc = future.exception()
                    if exc is not None:
                        detail = str(exc) if isinstance(exc, CompendiumError) else f"{type(exc).__name__}: {exc}"
                        fail(step, detail, seconds)
                        continue
                    outcome = summary.outcomes[step.name]
                    if outcome.action == "render" and render is not None and future.result() is False:
                        # The page cannot be patched (its code cells changed after all): run it.
                        outcome.action = "run"
                        outcome.reasons = (*decision.reasons, "code cells differ from the executed copy")
                        if first_failure is None:
                            report(f"start {step.name} ({_because(outcome.reasons)})")
                            running[pool.submit(execute, step)] = (step, decision, time.perf_counter())
                        else:
                            waiting.append((step, decision))
                        continue
                    problem = _unwritten(step, root)
                    if problem is not None:
                        fail(step, problem, seconds)
                        continue
                    summary.outcomes[step.name].seconds = seconds
                    if record is not None:
                        record(step, decision)
                    report(f"done  {step.name} {seconds:.1f} s")
                    sorter.done(step.name)
        finally:
            for future in running:  # only on an interrupt: let no queued step start
                future.cancel()
    summary.seconds = time.perf_counter() - started
    considered = names if names is not None else set(rank)
    summary.not_started = [n for n in graph.order() if n in considered and n not in summary.outcomes]
    summary.not_started += [s.name for s, _ in waiting]
    for step, _ in waiting:
        summary.outcomes.pop(step.name, None)
    report(_final_line(summary))
    if first_failure is not None:
        kept = summary.names("run") + summary.names("render")
        if kept:
            first_failure.outcome = f"the steps that finished are kept ({', '.join(kept)})"
        raise first_failure
    return summary


def _final_line(summary: Summary) -> str:
    parts = [f"{len(summary.names('run'))} ran"]
    if summary.names("render"):
        parts.append(f"{len(summary.names('render'))} re-rendered")
    parts.append(f"{len(summary.names('skip'))} unchanged")
    if summary.failed:
        parts.append(f"{len(summary.failed)} failed")
    if summary.not_started:
        parts.append(f"{len(summary.not_started)} not started")
    return f"Steps: {', '.join(parts)} in {summary.seconds:.1f} s"


def _dry_run(
    graph: GraphLike,
    by_name: dict[str, Step],
    decide: Callable[[Step], DecisionLike],
    report: Reporter,
    names: set[str] | None,
) -> Summary:
    """Say, in dependency order, what each step would do and why; run nothing.

    A step the store says is current, downstream of one that would run, is reported as one that
    *may* run: that depends on whether the re-run changes the files it reads, which only running
    tells.
    """
    summary = Summary(dry_run=True)
    would_run: set[str] = set()
    for name in graph.order():
        if names is not None and name not in names:
            continue
        decision = decide(by_name[name])
        reasons = tuple(decision.reasons)
        upstream_runs = sorted(graph.upstream(name) & would_run, key=graph.order().index)
        if decision.action == "skip" and upstream_runs:
            summary.outcomes[name] = Outcome(name, "maybe", reasons)
            would_run.add(name)
            report(f"may run      {name} (after {', '.join(upstream_runs)}, if what it reads changes)")
            continue
        summary.outcomes[name] = Outcome(name, decision.action, reasons)
        if decision.action == "run":
            would_run.add(name)
        label = {"run": "would run   ", "render": "would render", "skip": "would skip  "}[decision.action]
        report(f"{label} {name} ({_because(reasons)})")
    counts = [
        f"{len(summary.names(action))} {words}"
        for action, words in (
            ("run", "would run"),
            ("maybe", "may run"),
            ("render", "would re-render"),
            ("skip", "unchanged"),
        )
    ]
    report(f"Dry run: {', '.join(counts)}; nothing was started or written")
    return summary
