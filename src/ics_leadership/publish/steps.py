"""The steps of the build as declared in ``pipeline.yaml``: what each runs, reads and writes.

A step is a notebook (executed by papermill with its parameters) or a command of
``ics-leadership`` (such as ``synthesise``). Each declares the files or folders it reads and the
ones it writes, as paths relative to the project root. The order of the build, what may run in
parallel and what must re-run are derived from these declarations
(:mod:`ics_leadership.publish.graph`, :mod:`ics_leadership.publish.buildstate`), never from the
order of the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any


@dataclass(frozen=True)
class Step:
    """One declared step of the build.

    Attributes
    ----------
    name
        Unique name, used on the command line (``build --only NAME``) and in progress lines.
    notebook
        Source notebook, relative to the project root (``notebooks/01_sample.ipynb``); None for a
        command step.
    command
        Arguments of an ``ics-leadership`` subcommand (``("synthesise", "--out", ...)``); None for
        a notebook step.
    parameters
        Papermill parameters of a notebook step (paths relative to the notebook's folder, as in
        JupyterLab).
    reads, writes
        Files or folders, relative to the project root, in POSIX form. A folder covers everything
        inside it. The executed copy of a notebook is not listed: it is implied by ``output``.
    output
        File name of a notebook's executed copy in the executed folder (default: the notebook's).
    title
        Replaces the notebook's first ``# `` heading in the executed copy.
    shows_commit
        The step shows the commit being built and whether the tree has uncommitted changes (the
        colophon): it re-runs when those change, which no declared file can express.
    """

    name: str
    notebook: str | None = None
    command: tuple[str, ...] | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    output: str | None = None
    title: str | None = None
    shows_commit: bool = False

    @property
    def is_notebook(self) -> bool:
        return self.notebook is not None

    @property
    def output_name(self) -> str | None:
        """The executed copy's file name (notebook steps), else None."""
        if self.notebook is None:
            return None
        return self.output or Path(self.notebook).name


def covers(outer: str, inner: str) -> bool:
    """True when path ``inner`` is ``outer`` or lies inside folder ``outer`` (both root-relative)."""
    o, i = PurePosixPath(outer), PurePosixPath(inner)
    return o == i or o in i.parents


def overlap(a: str, b: str) -> bool:
    """True when one of the two root-relative paths is, or contains, the other."""
    return covers(a, b) or covers(b, a)
