"""The build as a graph of steps, derived from what each step declares it reads and writes.

Step B depends on step A when one of B's reads overlaps one of A's writes (the same path, or one
inside the other: a folder covers its contents). The order of ``pipeline.yaml`` plays no part,
except to break ties, so that the order is stable. The graph refuses what would make a build
wrong without a warning: two steps writing the same path, a cycle, a read that nothing makes and
that is not there. Ordering and the ready/done protocol of parallel work are the standard
library's :class:`graphlib.TopologicalSorter`.
"""

from __future__ import annotations

import graphlib
import heapq
from collections.abc import Iterable, Sequence
from pathlib import Path

from ics_leadership.core.errors import DataValidationError, PipelineConfigError, Problem
from ics_leadership.publish.steps import Step, covers, overlap

#: The file the declarations come from, named in every problem.
CONFIG_FILE = "pipeline.yaml"


class StepGraph:
    """The declared steps and the dependencies between them.

    Build one with :meth:`StepGraph.build`, which checks the declarations.

    Attributes
    ----------
    steps
        The steps by name, in declaration order.
    """

    def __init__(self, steps: Sequence[Step], deps: dict[str, set[str]]):
        self.steps: dict[str, Step] = {s.name: s for s in steps}
        self._deps = deps
        self._index = {name: i for i, name in enumerate(self.steps)}
        self._dependants: dict[str, set[str]] = {name: set() for name in self.steps}
        for name, ups in deps.items():
            for up in ups:
                self._dependants[up].add(name)

    @classmethod
    def build(cls, steps: Sequence[Step], root: Path) -> StepGraph:
        """Derive the graph from the steps' declarations, checking them.

        Parameters
        ----------
        steps
            The declared steps, in the order of ``pipeline.yaml`` (used only to break ties).
        root
            The project root: declared reads that no step writes must exist under it.

        Raises
        ------
        DataValidationError
            Listing every problem found (file ``pipeline.yaml``, field the step's name): duplicate
            names, a path written by two steps, a cycle, a read that no step writes and that does
            not exist.
        """
        problems = _duplicates(steps) + _double_writers(steps) + _missing_reads(steps, Path(root))
        deps = _dependencies(steps)
        cycle = _cycle(steps, deps)
        if cycle:
            problems.append(Problem(CONFIG_FILE, "cycle: " + " -> ".join(cycle), field=cycle[0]))
        if problems:
            raise DataValidationError(problems)
        return cls(steps, deps)

    def _known(self, name: str) -> str:
        if name not in self.steps:
            known = ", ".join(self.steps) or "none"
            raise PipelineConfigError(f"there is no step '{name}' in {CONFIG_FILE} (steps: {known})")
        return name

    def order(self) -> list[str]:
        """All step names in an order that runs every step after those it depends on.

        Among steps that could go next, the one declared first goes first.
        """
        waiting = {name: len(ups) for name, ups in self._deps.items()}
        ready = [(self._index[n], n) for n, count in waiting.items() if count == 0]
        heapq.heapify(ready)
        order = []
        while ready:
            _, name = heapq.heappop(ready)
            order.append(name)
            for down in self._dependants[name]:
                waiting[down] -= 1
                if waiting[down] == 0:
                    heapq.heappush(ready, (self._index[down], down))
        return order

    def dependencies(self, name: str) -> set[str]:
        """The steps ``name`` reads from directly."""
        return set(self._deps[self._known(name)])

    def upstream(self, name: str) -> set[str]:
        """Every step ``name`` depends on, directly or through others."""
        return self._reach(self._known(name), self._deps)

    def downstream(self, name: str) -> set[str]:
        """Every step that depends on ``name``, directly or through others."""
        return self._reach(self._known(name), self._dependants)

    @staticmethod
    def _reach(start: str, edges: dict[str, set[str]]) -> set[str]:
        seen: set[str] = set()
        todo = list(edges[start])
        while todo:
            name = todo.pop()
            if name not in seen:
                seen.add(name)
                todo.extend(edges[name])
        return seen

    def producer(self, path: str) -> str | None:
        """The step whose declared writes cover ``path`` (root-relative), or None."""
        for step in self.steps.values():
            if any(covers(write, path) for write in step.writes):
                return step.name
        return None

    def sorter(self, names: Iterable[str] | None = None) -> graphlib.TopologicalSorter:
        """A prepared :class:`graphlib.TopologicalSorter` over ``names`` (default: every step).

        A step waits for every step of ``names`` upstream of it, also through steps left out.
        """
        chosen = list(self.steps) if names is None else [self._known(n) for n in names]
        wanted = set(chosen)
        sorter: graphlib.TopologicalSorter = graphlib.TopologicalSorter()
        for name in sorted(wanted, key=self._index.__getitem__):
            sorter.add(name, *sorted(self.upstream(name) & wanted, key=self._index.__getitem__))
        sorter.prepare()
        return sorter


def _duplicates(steps: Sequence[Step]) -> list[Problem]:
    counts: dict[str, int] = {}
    for step in steps:
        counts[step.name] = counts.get(step.name, 0) + 1
    return [
        Problem(CONFIG_FILE, f"{n} steps are named '{name}'; step names must be unique", field=name)
        for name, n in counts.items()
        if n > 1
    ]


def _double_writers(steps: Sequence[Step]) -> list[Problem]:
    """A path (or a folder and a path inside it) declared as written by two steps."""
    problems = []
    for i, first in enumerate(steps):
        for second in steps[i + 1 :]:
            for a in first.writes:
                for b in second.writes:
                    if not overlap(a, b):
                        continue
                    outer, inner = (a, b) if covers(a, b) else (b, a)
                    detail = "" if a == b else f" ({inner} is inside {outer})"
                    message = f"{outer} is written by both {first.name} and {second.name}{detail}"
                    problems.append(Problem(CONFIG_FILE, message, field=second.name))
    return problems


def _missing_reads(steps: Sequence[Step], root: Path) -> list[Problem]:
    """A declared read that no other step writes and that is not on disk."""
    problems = []
    for step in steps:
        for read in step.reads:
            made = any(overlap(read, w) for other in steps if other is not step for w in other.writes)
            if not made and not (root / read).exists():
                message = f"step {step.name} reads {read}, which no step writes and which does not exist"
                problems.append(Problem(CONFIG_FILE, message, field=step.name))
    return problems


def _dependencies(steps: Sequence[Step]) -> dict[str, set[str]]:
    """For each step name, the other steps one of whose writes overlaps one of its reads."""
    deps: dict[str, set[str]] = {step.name: set() for step in steps}
    for reader in steps:
        for writer in steps:
            if writer.name == reader.name:
                continue  # a step reading what it writes itself depends on no one for it
            if any(overlap(r, w) for r in reader.reads for w in writer.writes):
                deps[reader.name].add(writer.name)
    return deps


def _cycle(steps: Sequence[Step], deps: dict[str, set[str]]) -> list[str] | None:
    """A cycle as step names in the direction data flows, first step repeated at the end; or None."""
    try:
        graphlib.TopologicalSorter(deps).prepare()
    except graphlib.CycleError as exc:
        # graphlib lists the cycle so that each step is a dependency of the next, last == first.
        cycle = list(exc.args[1][:-1])
        index = {step.name: i for i, step in enumerate(steps)}
        start = min(range(len(cycle)), key=lambda i: index.get(cycle[i], 0))
        cycle = cycle[start:] + cycle[:start]
        return [*cycle, cycle[0]]
    return None
