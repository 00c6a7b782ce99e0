"""Run the compendium: verify raw data, run the declared steps that changed, build the book.

The steps (notebooks with their parameters, and commands), and what each reads and writes, are
declared in one file, ``pipeline.yaml``. :func:`build` runs them as a graph: a step after those
that write what it reads, independent steps in parallel, and only the steps whose inputs, code or
outputs changed since they last succeeded; each step that ran replaces its own executed copy
atomically. The book is built into a temporary folder and only then swapped in, and only when a
page or a book source changed. A failure leaves the last good book in place.

This module holds the order of work and the build lock around it; the pieces live beside it:
:mod:`~ics_leadership.publish.config` reads ``pipeline.yaml``, :mod:`~ics_leadership.publish.graph`
derives the graph, :mod:`~ics_leadership.publish.buildstate` decides what must run,
:mod:`~ics_leadership.publish.scheduler` runs it, :mod:`~ics_leadership.publish.stepwork` runs one
step, :mod:`~ics_leadership.publish.execute` one notebook, :mod:`~ics_leadership.publish.book`
builds the HTML book. Their public names (``load_config``, ``execute_notebook``, ``build_book``,
...) are importable from here too.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ics_leadership.core import manifest, outputs, paths
from ics_leadership.facts import raw
from ics_leadership.publish import buildguard, buildstate, jupyterbook, scheduler, stepwork
from ics_leadership.publish.book import build_book
from ics_leadership.publish.config import NotebookSpec, PipelineConfig, load_config
from ics_leadership.publish.execute import (
    _rename_in_notebook,
    check_parameters,
    execute_notebook,
    notebook_parameters,
)
from ics_leadership.publish.graph import StepGraph
from ics_leadership.publish.steps import Step

__all__ = [
    "OUTPUT_PARAMETERS",
    "RUNS_DIR",
    "NotebookSpec",
    "PipelineConfig",
    "build",
    "build_book",
    "check_parameters",
    "check_raw",
    "execute_notebook",
    "load_config",
    "notebook_parameters",
    "remove_leftovers",
    "run_to_folder",
]

Reporter = Callable[[str], None]


def _print(message: str) -> None:
    print(message, flush=True)


def check_raw(raw_dir: Path | str | None = None, report: Reporter = _print) -> raw.RawData:
    """Verify the manifest, then load and validate every raw file."""
    raw_dir = Path(raw_dir) if raw_dir is not None else paths.raw_dir()
    verified = manifest.verify(raw_dir)
    report(f"Raw data: {len(verified)} files match {paths.display_path(raw_dir / manifest.MANIFEST_NAME)}")
    data, extra = raw.load_and_validate(raw_dir)
    report(
        f"Raw data: valid ({len(data.participants)} participants, {len(data.observations)} sites observed, "
        f"{len(data.study.facts)} study facts, {extra})"
    )
    if data.model is not None:
        summary = data.model.summary()
        report(
            f"Raw data: model valid ({summary['n_nodes']} nodes, {summary['n_links']} links: "
            f"{summary['n_stated']} stated, {summary['n_inferred']} inferred)"
        )
    return data


#: Parameters through which a notebook writes files: ``run --out`` points them into its folder.
OUTPUT_PARAMETERS = {"derived_dir": "derived"}
#: Where ``run`` writes by default, relative to the root (git-ignored, outside the book).
RUNS_DIR = Path("data") / "coded" / "runs"


def run_to_folder(
    config: PipelineConfig,
    name: str,
    out: Path | str | None = None,
    parameters: dict[str, Any] | None = None,
    force: bool = False,
    root: Path | None = None,
    report: Reporter = _print,
) -> tuple[Path, dict[str, Path]]:
    """Execute one notebook into its own output folder, leaving the book and ``data/derived`` alone.

    The executed copy is written to ``out`` and every parameter through which the notebook writes
    (:data:`OUTPUT_PARAMETERS`: ``derived_dir``) points to a folder inside ``out``; the kernel
    still runs in the notebook's folder, so the other relative paths mean what they mean in
    JupyterLab. ``out`` is published like every output (:mod:`ics_leadership.core.outputs`): new or
    empty, or with ``force`` an earlier run's folder; it gets a ``.gitignore``, since a run on
    one's own data holds coded data.

    Parameters
    ----------
    name
        The notebook, as :meth:`PipelineConfig.find` accepts it.
    out
        Output folder (default ``data/coded/runs/<executed copy's name>``).
    parameters
        Values overriding pipeline.yaml's; each must be a parameter of the notebook, and not one
        of :data:`OUTPUT_PARAMETERS` (``--out`` sets those).

    Returns
    -------
    tuple
        The executed copy, and the redirected output parameters with their folders.
    """
    from ics_leadership.core.errors import DataValidationError, Problem

    root = root or paths.project_root()
    spec = config.find(name)
    source = root / spec.path
    parameters = dict(parameters or {})
    check_parameters(source, parameters)
    taken = [k for k in parameters if k in OUTPUT_PARAMETERS]
    if taken:
        raise DataValidationError(
            [
                Problem(
                    paths.display_path(source),
                    f"-p {k}: set by --out (the notebook writes there: DIR/{OUTPUT_PARAMETERS[k]}); give --out instead",
                )
                for k in taken
            ]
        )
    declared = notebook_parameters(source)
    out = Path(out) if out is not None else root / RUNS_DIR / Path(spec.output_name).stem
    final = out.absolute()
    written = {k: final / sub for k, sub in OUTPUT_PARAMETERS.items() if k in declared}
    executed = final / spec.output_name

    def fill(tmp: Path) -> None:
        redirected = {k: str(tmp / OUTPUT_PARAMETERS[k]) for k in written}
        params = {**spec.parameters, **parameters, **redirected}
        final_paths = {k: paths.display_path(v) for k, v in written.items()}
        shown = ", ".join(f"{k}={v!r}" for k, v in {**spec.parameters, **parameters, **final_paths}.items())
        report(f"Running {spec.path}" + (f"  ({shown})" if shown else "") + f" into {paths.display_path(out)}")
        start = time.perf_counter()
        execute_notebook(
            source,
            tmp / spec.output_name,
            params,
            cwd=source.parent,
            progress_bar=sys.stderr.isatty(),
            source_label=spec.path,
            title=spec.title,
        )
        _rename_in_notebook(tmp / spec.output_name, tmp, final)
        report(f"      done in {time.perf_counter() - start:.1f} s")

    with buildguard.build_lock(root, report=report):
        outputs.publish_folder(out, fill, force=force, kind="run", gitignore=True)
    return executed, written


def remove_leftovers(root: Path, report: Reporter = _print) -> None:
    """Remove what a killed build, run or PDF left in ``book/`` (call it holding the build lock)."""
    for leftover in buildguard.remove_leftovers(root / "book"):
        report(f"Removed {paths.display_path(leftover)}, left by an interrupted build")


def build(
    root: Path | None = None,
    config_path: Path | None = None,
    report: Reporter = _print,
    *,
    force: bool = False,
    dry_run: bool = False,
    only: list[str] | None = None,
    jobs: int | None = None,
    book: bool = True,
) -> Path | None:
    """The whole pipeline: check raw data, run the steps that changed, build the book if a page changed.

    The steps and what they read and write come from ``pipeline.yaml``
    (:class:`~ics_leadership.publish.graph.StepGraph`); each is decided against the record of the
    last build (:mod:`~ics_leadership.publish.buildstate`, in ``.build-state/``) once the steps it
    reads from have finished, and run, re-rendered or skipped
    (:func:`~ics_leadership.publish.scheduler.run_steps`), up to ``jobs`` at a time. A step that ran
    replaces its own executed copy atomically; a skipped one keeps it byte-identical. The book is
    built (into a temporary folder, then swapped in) only when a page or a book source changed.
    Holds the build lock throughout and first removes what a killed build left in ``book/``.

    Parameters
    ----------
    force
        Run every step and build the book, whatever the record says.
    dry_run
        Say what would run and why; run nothing, write nothing (and take no lock).
    only
        Run these steps and whatever upstream of them is stale; the book is not built.
    jobs
        Steps at once (default ``os.cpu_count()``).
    book
        False: run the steps but do not build the book.

    Returns
    -------
    pathlib.Path or None
        ``book/_build/html/index.html``, or None when the book was not built (``only``, ``book``
        false, a dry run).
    """
    root = root or paths.project_root()
    if dry_run:
        return _build(root, config_path, report, force=force, dry_run=True, only=only, jobs=jobs, book=book)
    with buildguard.build_lock(root, report=report):
        remove_leftovers(root, report)
        return _build(root, config_path, report, force=force, dry_run=False, only=only, jobs=jobs, book=book)


def _build(
    root: Path,
    config_path: Path | None,
    report: Reporter,
    *,
    force: bool,
    dry_run: bool,
    only: list[str] | None,
    jobs: int | None,
    book: bool,
) -> Path | None:
    config = load_config(config_path or root / "pipeline.yaml")
    state = buildstate.load_state(root, report)
    index = root / config.book_dir / "_build" / "html" / "index.html"
    # A Jupyter Book child imports Sphinx while this process checks the data and runs the steps,
    # on a core that would otherwise wait (about a second of every book build). Started at once
    # when the book will surely be built, else when the first step runs or re-renders.
    with jupyterbook.WarmBook(root, enabled=book and not only and not dry_run) as warm:
        if force or state.book is None or not index.exists():
            warm.start()
        check_raw(root / "data" / "raw", report=report)
        graph = StepGraph.build(config.steps, root)
        names = scheduler.select(graph, only) if only else None
        executed_dir = root / config.executed_dir

        def decide(step: Step) -> buildstate.Decision:
            decision = buildstate.decide(step, root, state, executed_dir, force=force)
            if decision.action != "skip":
                warm.start()
            return decision

        def record(step: Step, decision: buildstate.Decision) -> None:
            copy = buildstate.executed_path(step, root, executed_dir)
            buildstate.record(step, root, decision.key, copy, state=state)

        summary = scheduler.run_steps(
            graph,
            config.steps,
            decide,
            lambda step: stepwork.run_step(step, root, executed_dir),
            jobs,
            report,
            root=root,
            render=lambda step: buildstate.render_step(step, root, executed_dir),
            record=record,
            names=names,
            dry_run=dry_run,
        )
        if only:
            report(f"Book: not built ({' '.join(f'--only {name}' for name in only)}); `ics-leadership build` builds it")
            return None
        if not book:
            report("Book: not built (--no-book)")
            return None
        current = not force and index.exists() and buildstate.book_current(root, config, state)
        if dry_run:
            if summary.changed or summary.names("maybe"):
                report("Book: would be rebuilt if a page changes")
            else:
                report("Book: unchanged, would not be rebuilt" if current else "Book: would be rebuilt")
            return None
        if current:
            report(f"Book: unchanged (no page or book source changed), not rebuilt: {paths.display_path(index)}")
            return index
        index = build_book(root, config.book_dir, report=report, warm=warm)
        buildstate.record_book(root, config, state)
        return index
