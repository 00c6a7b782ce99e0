"""What a build step really reads and writes, against what it declares (``build --check-deps``).

A step's declared reads and writes (``pipeline.yaml``, :class:`~ics_leadership.publish.steps.Step`)
decide what re-runs. A declaration that misses a file lets a stale page pass silently, so this
module observes the step instead of trusting it: a Python audit hook (:func:`sys.addaudithook`,
PEP 578) installed in the process that runs the step records every ``open`` and every rename,
removal, folder creation and folder listing under the project root, into a log file;
:func:`read_log` turns the log into root-relative paths and :func:`undeclared` names each one the
step does not declare.

How the hook gets into a notebook's kernel: as a kernel argument
(``--IPKernelApp.exec_lines=...``, see :func:`kernel_arguments`), which papermill hands to
nbclient as ``extra_arguments``. IPython runs it at start-up, before the first cell, without
history and without an execution count, so the notebook and its executed copy are exactly what
they are without the check (an injected cell would shift cell numbers in error messages and have
to be cut out of the copy again). It runs in a namespace of its own, so the notebook sees no new
names. A command step runs in a ``python -c`` child with the hook first (:func:`python_command`).

Limits, by design of audit hooks: files opened by child processes (``git``, a browser) are not seen
(their launches are listed in :attr:`Observed.commands`); ``os.stat`` and ``Path.exists`` raise no
audit event, so a step that only looks whether a file exists is not seen to read it. Audit hooks
cannot be removed: that is fine in a kernel that ends with its notebook.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ics_leadership.core.errors import CompendiumError, Problem
from ics_leadership.publish.audit_hook import hook_source, kernel_arguments, python_command
from ics_leadership.publish.steps import Step, covers, overlap

__all__ = [
    "AuditError",
    "Observed",
    "Recording",
    "audited_execute",
    "check_steps",
    "hook_source",
    "kernel_arguments",
    "python_command",
    "read_log",
    "recording",
    "undeclared",
]


class AuditError(CompendiumError):
    """The audit log is missing, unreadable, or shows that the hook did not run or failed."""


@dataclass(frozen=True)
class Observed:
    """What one run of a step did under the root: root-relative POSIX paths.

    Attributes
    ----------
    reads
        Files opened for reading (tried, even when missing: a step that looks for a file
        depends on it), other than ones the step itself wrote.
    writes
        Files and folders created, written, removed or renamed, under their final names: a
        temporary file renamed into place counts as its destination.
    listed
        Folders whose entries were listed (``glob``, ``iterdir``), other than the import system's.
    made
        Folders created (not ones asked for with ``exist_ok`` that were there already).
    commands
        Programs started (their own reads are not seen).
    """

    reads: frozenset[str] = frozenset()
    writes: frozenset[str] = frozenset()
    listed: frozenset[str] = frozenset()
    made: frozenset[str] = frozenset()
    commands: tuple[str, ...] = ()


#: Never a step's data: the package's own source (its hash is part of every step's key), caches,
#: environments and checkpoints.
_IGNORED_PARTS = frozenset(
    {"__pycache__", ".ipynb_checkpoints", "site-packages", ".venv", ".cache", ".ipython", ".jupyter", ".git"}
)
_IGNORED_PREFIXES = ("src/ics_leadership",)
#: The publishing helpers' temporary and set-aside siblings (core.outputs): ``.NAME.ics-tmp-PID-HEX``
#: is NAME being written; ``.NAME.ics-old-PID-HEX`` holds NAME's replaced output until it is removed.
_SIBLING = re.compile(r"^\.(?P<name>.+)\.ics-(?P<kind>tmp|old)-\d+-[0-9a-f]+$")


def _records(log_path: Path) -> list[dict[str, Any]]:
    try:
        lines = Path(log_path).read_text(encoding="ascii").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditError(f"{log_path}: cannot read the audit log ({exc})") from None
    records = []
    for number, line in enumerate(lines, start=1):
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            raise AuditError(f"{log_path}: line {number}: not an audit record") from None
    if not records or records[0].get("op") != "start":
        raise AuditError(f"{log_path}: the audit hook did not start, so nothing the step did was seen")
    errors = [r["path"] for r in records if r.get("op") == "error"]
    if errors:
        raise AuditError(f"{log_path}: the audit hook failed on {len(errors)} event(s), first: {errors[0]}")
    return records


def _under(path: str, folders: set[str]) -> bool:
    return any(path == f or path.startswith(f.rstrip("/") + "/") for f in folders)


def _moved(paths: set[str], src: str, dst: str) -> set[str]:
    """``paths`` after renaming ``src`` (a file or a folder) to ``dst``."""
    out = set()
    for p in paths:
        if p == src or p.startswith(src.rstrip("/") + "/"):
            p = dst + p[len(src) :]
        out.add(p)
    return out


def read_log(log_path: Path, root: Path) -> Observed:
    """What the log at ``log_path`` says the step did under ``root``.

    Renames are followed in order: what was written under a temporary name is attributed to the
    name it was renamed to, and a file that existed before and was renamed away counts as written
    (it is gone). Reads of files the step wrote itself are dropped. The publishing helpers'
    temporary siblings (``.NAME.ics-tmp-...``) are named by their final name even when they were
    removed rather than renamed.

    Raises
    ------
    AuditError
        The log is missing or unreadable, or the hook did not start or failed.
    """
    records = _records(log_path)
    reads: set[str] = set()
    writes: set[str] = set()
    listed: set[str] = set()
    made: set[str] = set()
    commands: list[str] = []
    for rec in records[1:]:
        op, path = rec["op"], rec.get("path", "")
        if op == "read" and not _under(path, writes | made):
            reads.add(path)
        elif op == "list" and not _under(path, writes | made):
            listed.add(path)
        elif op == "write":
            writes.add(path)
        elif op == "mkdir":
            made.add(path)
        elif op == "rename":
            dst = rec["dest"]
            existed = not _under(path, writes | made)
            writes, made = _moved(writes, path, dst), _moved(made, path, dst)
            writes.add(dst)
            if existed:
                writes.add(path)  # it was there before the step: renaming it away changes it
        elif op == "exec" and path not in commands:
            commands.append(path)
    roots = [Path(r) for r in records[0].get("roots", [])] or [Path(root).absolute()]

    def relative(paths: set[str]) -> frozenset[str]:
        return frozenset(r for r in (_relative(p, roots) for p in paths) if r is not None)

    return Observed(relative(reads), relative(writes), relative(listed), relative(made), tuple(commands))


def _relative(path: str, roots: list[Path]) -> str | None:
    """``path`` relative to the first root it lies under, in POSIX form, or None if it is ignored."""
    for root in roots:
        try:
            rel = PurePosixPath(Path(path).relative_to(root).as_posix())
        except ValueError:
            continue
        parts = []
        for part in rel.parts:
            sibling = _SIBLING.match(part)
            parts.append(sibling["name"] if sibling else part)
            if sibling and sibling["kind"] == "old":
                break  # what is inside is the old output on its way out: a change to NAME
        if any(part in _IGNORED_PARTS for part in parts):
            return None
        text = "/".join(parts) or "."
        if any(covers(prefix, text) for prefix in _IGNORED_PREFIXES):
            return None
        return text
    return None


def undeclared(step: Step, observed: Observed, executed_dir: str = "book/notebooks") -> list[Problem]:
    """Every observed read, write, listing or new folder that ``step`` does not declare.

    - A read is declared when a declared read or write covers it, or it is the step's notebook.
    - A write is declared when a declared write covers it, or it is the step's executed copy in
      ``executed_dir``.
    - A folder listed or made is declared when it overlaps a declared path (listing a declared
      folder, or the folder a declared output is published into; making a declared output's parents).

    Returns
    -------
    list of Problem
        In path order, each naming the step and the path
        ("step sample reads data/raw/study.yaml, which it does not declare").
    """
    declared = (*step.reads, *step.writes)
    implied_reads = {step.notebook} if step.notebook else set()
    implied_writes = {f"{executed_dir.rstrip('/')}/{step.output_name}"} if step.output_name else set()
    found: list[tuple[str, str]] = []
    for path in observed.reads:
        if path not in implied_reads and not any(covers(d, path) for d in declared):
            found.append((path, "reads"))
    for path in observed.writes:
        if path not in implied_writes and not any(covers(d, path) for d in step.writes):
            found.append((path, "writes"))
    for path in observed.listed:
        if not any(overlap(d, path) for d in declared):
            found.append((path, "lists the folder"))
    for path in observed.made:
        if not any(overlap(d, path) for d in step.writes):
            found.append((path, "creates the folder"))
    return [
        Problem("pipeline.yaml", f"step {step.name} {verb} {path}, which it does not declare")
        for path, verb in sorted(found)
    ]


@dataclass
class Recording:
    """A log being recorded for one run of one step (see :func:`recording`)."""

    log: Path
    root: Path
    kernel_arguments: list[str] = field(default_factory=list)

    def command(self, argv: Sequence[str]) -> list[str]:
        """The command line running ``ics-leadership ARGV`` with the hook (a command step)."""
        return python_command(argv, self.log, self.root)

    def observed(self) -> Observed:
        """What the run did (call after it ended)."""
        return read_log(self.log, self.root)


@contextmanager
def recording(root: Path) -> Iterator[Recording]:
    """A fresh log in a private temporary folder outside ``root``, removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="ics-audit-"))
    try:
        log = folder / "audit.jsonl"
        yield Recording(log, Path(root), kernel_arguments(log, Path(root)))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def audited_execute(
    execute: Callable[[Step, Recording], object],
    step: Step,
    root: Path,
    executed_dir: str = "book/notebooks",
) -> list[Problem]:
    """Run ``step`` with the hook and return what it did without declaring it.

    Parameters
    ----------
    execute
        Runs the step as the build would, given the step and a :class:`Recording`: a notebook
        step passes ``recording.kernel_arguments`` to papermill (``execute_notebook(...,
        kernel_arguments=...)``); a command step runs ``recording.command(step.command)`` as a
        child process in ``root``. Its errors propagate.
    """
    with recording(root) as rec:
        execute(step, rec)
        return undeclared(step, rec.observed(), executed_dir)


def check_steps(
    steps: Sequence[Step],
    root: Path,
    execute: Callable[[Step, Recording], object],
    executed_dir: str = "book/notebooks",
    report: Callable[[str], None] = print,
) -> list[Problem]:
    """Run every step in turn with the hook (``build --check-deps``) and list all undeclared paths.

    Parameters
    ----------
    steps
        In an order the build allows (upstream first): each step's declared inputs must be there.
    execute
        As for :func:`audited_execute`.
    report
        Receives one line per step ("checked sample: 2 undeclared"), and a note for each program a
        step starts, whose own reads the hook cannot see.

    Returns
    -------
    list of Problem
        Every step's, in step order; empty when every declaration holds.
    """
    problems: list[Problem] = []
    for step in steps:
        with recording(root) as rec:
            execute(step, rec)
            observed = rec.observed()
        found = undeclared(step, observed, executed_dir)
        problems += found
        report(f"checked {step.name}: " + (f"{len(found)} undeclared" if found else "as declared"))
        for program in observed.commands:
            report(f"  note: step {step.name} runs {program}; what that program reads is not seen")
    return problems


def check_build(root: Path, config_path: Path | None = None, report: Callable[[str], None] = print) -> None:
    """``build --check-deps``: run every step once, upstream first, with the hook; fail on anything undeclared.

    Steps run one at a time (each with its own log) and are not recorded in ``.build-state/``; the
    book is not built. A command step runs in a child Python (an audit hook cannot be removed from
    this process), with ``ICS_LEADERSHIP_ROOT`` set to ``root``.

    Raises
    ------
    DataValidationError
        Listing every path a step reads or writes without declaring it in pipeline.yaml.
    StepCheckError
        A step failed while being checked (naming it and its error output's last line).
    """
    import os
    import subprocess

    from ics_leadership.core.errors import DataValidationError
    from ics_leadership.publish import stepwork
    from ics_leadership.publish.config import load_config
    from ics_leadership.publish.graph import StepGraph

    config = load_config(config_path or root / "pipeline.yaml")
    graph = StepGraph.build(config.steps, root)
    executed_dir = root / config.executed_dir

    def execute(step: Step, rec: Recording) -> None:
        if step.notebook is not None:
            stepwork.run_step(step, root, executed_dir, kernel_arguments=rec.kernel_arguments)
            return
        env = {**os.environ, "ICS_LEADERSHIP_ROOT": str(root)}
        done = subprocess.run(rec.command(step.command or ()), cwd=root, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["(no error output)"])[-1]
            raise StepCheckError(f"step {step.name}: the command failed while being checked: {last}")

    problems = check_steps([config.step(n) for n in graph.order()], root, execute, config.executed_dir, report)
    if problems:
        raise DataValidationError(problems)
    report(f"Declarations: all {len(config.steps)} steps read and write only what pipeline.yaml declares")


class StepCheckError(CompendiumError):
    """A step failed while ``build --check-deps`` ran it."""
