"""Run the compendium: verify raw data, execute notebooks with papermill, build the book.

The notebooks, their order and their parameters are named in one file, ``pipeline.yaml``.
Executed copies are written to a staging folder first and only replace the book's copies when
every notebook succeeded; the book is built into a temporary folder and only then swapped in.
A failure therefore leaves the last good book in place.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ics_leadership.core import manifest, outputs, paths
from ics_leadership.core.derived import move_into
from ics_leadership.core.errors import NotebookExecutionError, PipelineConfigError
from ics_leadership.facts import raw
from ics_leadership.publish import buildguard, jupyterbook, reproducible

Reporter = Callable[[str], None]


def _print(message: str) -> None:
    print(message, flush=True)


@dataclass(frozen=True)
class NotebookSpec:
    """One notebook to execute: its source path (relative to the project) and parameters."""

    path: str
    parameters: dict[str, Any] = field(default_factory=dict)
    output: str | None = None  # name of the executed copy (default: the source's name)
    title: str | None = None  # replaces the notebook's first "# " heading in the executed copy

    @property
    def output_name(self) -> str:
        return self.output or Path(self.path).name


@dataclass(frozen=True)
class PipelineConfig:
    notebooks: tuple[NotebookSpec, ...]
    executed_dir: str = "book/notebooks"
    book_dir: str = "book"

    def find(self, name: str) -> NotebookSpec:
        """The configured notebook whose path or file name (with or without suffix) is ``name``."""
        for spec in self.notebooks:
            p, out = Path(spec.path), Path(spec.output_name)
            if (
                name in (spec.path, p.name, p.stem, out.name, out.stem)
                or Path(name).resolve() == (paths.project_root() / p).resolve()
            ):
                return spec
        known = ", ".join(s.output_name for s in self.notebooks)
        raise PipelineConfigError(f"'{name}' is not a notebook in pipeline.yaml (known: {known})")


def load_config(path: Path | str | None = None) -> PipelineConfig:
    """Read and check ``pipeline.yaml``."""
    path = Path(path) if path is not None else paths.pipeline_config()
    shown = paths.display_path(path)
    if not path.is_file():
        raise PipelineConfigError(f"{shown}: file not found")
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise PipelineConfigError(f"{shown}: not valid YAML ({exc})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("notebooks"), list) or not doc["notebooks"]:
        raise PipelineConfigError(f"{shown}: expected a non-empty list under 'notebooks'")
    specs = []
    root = path.parent
    for i, item in enumerate(doc["notebooks"]):
        if isinstance(item, str):
            item = {"path": item}
        if not isinstance(item, dict) or not isinstance(item.get("path"), str):
            raise PipelineConfigError(f"{shown}, notebooks[{i}]: expected a mapping with 'path'")
        params = item.get("parameters") or {}
        if not isinstance(params, dict):
            raise PipelineConfigError(f"{shown}, notebooks[{i}].parameters: expected a mapping")
        if not (root / item["path"]).is_file():
            raise PipelineConfigError(f"{shown}, notebooks[{i}].path: {item['path']} does not exist")
        output = item.get("output")
        if output is not None and (not isinstance(output, str) or not output.endswith(".ipynb") or "/" in output):
            raise PipelineConfigError(f"{shown}, notebooks[{i}].output: expected a file name ending in .ipynb")
        title = item.get("title")
        if title is not None and (not isinstance(title, str) or not title.strip()):
            raise PipelineConfigError(f"{shown}, notebooks[{i}].title: expected text")
        specs.append(NotebookSpec(item["path"], dict(params), output, title))
    outputs = [s.output_name for s in specs]
    for name in sorted({o for o in outputs if outputs.count(o) > 1}):
        raise PipelineConfigError(f"{shown}: two notebooks would write the executed copy {name}; give one an 'output'")
    return PipelineConfig(
        notebooks=tuple(specs),
        executed_dir=str(doc.get("executed_dir", "book/notebooks")),
        book_dir=str(doc.get("book_dir", "book")),
    )


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


def _quiet_kernel_manager():
    """A kernel manager whose kernel does not write start-up chatter to the terminal.

    ipykernel warns on stderr at every start that its local TCP sockets are unencrypted; that
    line would be repeated under every notebook in the build's progress output. Errors raised in
    cells still reach us through the Jupyter protocol, and a dying kernel is still reported.
    """
    from jupyter_client.manager import AsyncKernelManager

    class QuietKernelManager(AsyncKernelManager):
        async def _async_launch_kernel(self, kernel_cmd, **kw):
            kw.setdefault("stderr", subprocess.DEVNULL)
            await super()._async_launch_kernel(kernel_cmd, **kw)

    return QuietKernelManager


def execute_notebook(
    source: Path | str,
    output: Path | str,
    parameters: dict[str, Any] | None = None,
    cwd: Path | str | None = None,
    progress_bar: bool = False,
    source_label: str | None = None,
    title: str | None = None,
) -> Path:
    """Execute one notebook with papermill.

    Parameters
    ----------
    source, output
        Notebook to run and where to write the executed copy.
    parameters
        Values injected after the cell tagged ``parameters``.
    cwd
        Working directory of the kernel (default: the source notebook's folder, so relative
        paths in parameters mean the same as in JupyterLab).
    source_label
        If given, recorded with the parameters in the executed copy's metadata (the book's launch
        buttons open that source, since one source may give several pages).
    title
        If given, replaces the first "# " heading of the executed copy.

    Raises
    ------
    NotebookExecutionError
        Naming the notebook and the cell (1-based, as in the source notebook) that failed.
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    source, output = Path(source), Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    shown = paths.display_path(source)
    try:
        pm.execute_notebook(
            str(source),
            str(output),
            parameters=parameters or {},
            cwd=str(cwd or source.parent),
            progress_bar=progress_bar,
            log_output=False,
            request_save_on_cell_execute=False,
            kernel_name="python3",
            kernel_manager_class=_quiet_kernel_manager(),
        )
    except PapermillExecutionError as exc:
        cell = _source_cell_number(output, exc.cell_index)
        first_line = next((ln for ln in str(exc.source).splitlines() if ln.strip()), "")
        raise NotebookExecutionError(
            shown, cell, f"{exc.ename}: {exc.evalue}  [cell starts: {first_line.strip()}]"
        ) from None
    except Exception as exc:  # kernel could not start, notebook unreadable, ...
        raise NotebookExecutionError(shown, None, f"{type(exc).__name__}: {exc}") from None
    _finish_executed(output, source_label, parameters or {}, title)
    return output


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _save(path: Path, nb: dict) -> None:
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _finish_executed(
    executed: Path, source_label: str | None, parameters: dict[str, Any], title: str | None, root: Path | None = None
) -> None:
    """Post-process an executed copy in one read and one write.

    Papermill's injected-parameters cell is tagged ``hide-cell`` (the book shows it folded); the
    source and parameters are recorded when ``source_label`` is given; the title is set when given;
    the run's timings and paths are removed, outputs name files relative to ``root`` (default: the
    project), and cell ids are made stable (:func:`ics_leadership.publish.reproducible.scrub_notebook`).

    Raises
    ------
    NotebookExecutionError
        The copy still names the project, the folder it was written to or the home folder (other
        than through a parameter), or holds an object's memory address: it would reach readers,
        and differ between builds. The copy is removed.
    """
    import nbformat

    nb = nbformat.read(executed, as_version=nbformat.NO_CONVERT)
    for cell in nb["cells"]:
        tags = cell.setdefault("metadata", {}).setdefault("tags", [])
        if "injected-parameters" in tags and "hide-cell" not in tags:
            tags.append("hide-cell")
    if source_label is not None:
        nb.setdefault("metadata", {})["compendium"] = {"source": source_label, "parameters": parameters}
    if title:
        _retitle(nb, title, executed.name)
    root = root or paths.project_root()
    reproducible.scrub_notebook(nb, reproducible.machine_paths(root))
    private = reproducible.private_markers(root, executed.parent)
    leaks = reproducible.private_paths_in(nb, private, allowed=parameters.values())
    if leaks:
        executed.unlink()  # ours, and not fit to publish
        raise NotebookExecutionError(
            source_label or executed.name,
            None,
            "the executed copy would publish this machine's paths or memory addresses ("
            + "; ".join(leaks[:5])
            + "): print paths relative to the project, and display values, not objects",
        )
    nbformat.write(nb, executed)


def _retitle(nb: dict, title: str, name: str) -> None:
    for cell in nb["cells"]:
        if cell.get("cell_type") != "markdown":
            continue
        text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        lines = text.split("\n")
        for i, line in enumerate(lines):
            if line.startswith("# "):
                lines[i] = f"# {title}"
                cell["source"] = "\n".join(lines)
                return
    raise PipelineConfigError(f"{name}: no '# ' heading to set the title '{title}' on")


def _source_cell_number(executed: Path, index: int) -> int:
    """Find the failed cell's position in the *source* notebook (1-based, as JupyterLab counts).

    The executed copy has extra cells that the user never wrote (papermill's injected parameters
    and its error banners), so the failed cell is located by its error output and counted among
    the user's own cells only.
    """
    added = {"injected-parameters", "papermill-error-cell-tag"}
    try:
        cells = _load(executed)["cells"]
    except (OSError, ValueError, KeyError):
        return index + 1
    position = 0
    for cell in cells:
        if added & set(cell.get("metadata", {}).get("tags", [])):
            continue
        position += 1
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return position
    return index + 1


def notebook_parameters(source: Path | str) -> list[str]:
    """The names a notebook's cell tagged ``parameters`` assigns, in order.

    papermill's :func:`~papermill.inspect_notebook` lists them, but skips tuple assignments
    (``a, b = 1, 2``); the cell's own assignments, read with :mod:`ast`, fill that gap.
    """
    import ast

    import papermill as pm

    source = Path(source)
    shown = paths.display_path(source)
    try:
        names = list(pm.inspect_notebook(str(source)))
        nb = _load(source)
    except Exception as exc:  # unreadable notebook: say which
        raise PipelineConfigError(f"{shown}: cannot read its parameters ({type(exc).__name__}: {exc})") from None
    for cell in nb.get("cells", []):
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            try:
                tree = ast.parse(text)
            except SyntaxError:
                break
            for node in ast.walk(tree):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id not in names:
                    names.append(node.id)
            break
    return names


def check_parameters(source: Path | str, given: dict[str, Any], origin: str = "-p") -> None:
    """Refuse parameters the notebook does not declare (a typo would otherwise run on the defaults).

    Raises
    ------
    DataValidationError
        One problem per unknown name, listing the notebook's parameters.
    """
    from ics_leadership.core.errors import DataValidationError, Problem

    declared = notebook_parameters(source)
    unknown = [name for name in given if name not in declared]
    if unknown:
        known = ", ".join(declared) or "none"
        raise DataValidationError(
            [
                Problem(
                    paths.display_path(source),
                    f"{origin} {name}: the notebook has no such parameter (its parameters: {known})",
                )
                for name in unknown
            ]
        )


def _execute_into(
    specs: list[NotebookSpec], root: Path, folder: Path, extra_parameters: dict[str, Any] | None, report: Reporter
) -> list[Path]:
    """Execute ``specs`` in order, writing the executed copies into ``folder``."""
    done = []
    for number, spec in enumerate(specs, start=1):
        source = root / spec.path
        params = {**spec.parameters, **(extra_parameters or {})}
        check_parameters(source, spec.parameters, origin="pipeline.yaml parameter")
        check_parameters(source, extra_parameters or {})
        shown_params = ", ".join(f"{k}={v!r}" for k, v in params.items())
        label = spec.path if spec.output is None else f"{spec.path} -> {spec.output}"
        report(f"[{number}/{len(specs)}] {label}" + (f"  ({shown_params})" if shown_params else ""))
        start = time.perf_counter()
        done.append(
            execute_notebook(
                source,
                folder / spec.output_name,
                params,
                cwd=source.parent,
                progress_bar=sys.stderr.isatty(),
                source_label=spec.path,
                title=spec.title,
            )
        )
        report(f"      done in {time.perf_counter() - start:.1f} s")
    return done


def run_notebooks(
    config: PipelineConfig,
    root: Path | None = None,
    only: list[str] | None = None,
    extra_parameters: dict[str, Any] | None = None,
    report: Reporter = _print,
) -> list[Path]:
    """Execute the configured notebooks in order into the book's executed folder.

    All notebooks run into a staging folder; the executed copies are moved into place only when
    every one succeeded. Holds the build lock (:func:`ics_leadership.publish.buildguard.build_lock`).
    """
    root = root or paths.project_root()
    specs = [config.find(n) for n in only] if only else list(config.notebooks)
    target_dir = root / config.executed_dir
    with buildguard.build_lock(root, report=report):
        remove_leftovers(root, report)
        target_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = outputs.new_dir(target_dir.parent, ".staging-")
        try:
            _execute_into(specs, root, staging, extra_parameters, report)
            return move_into(staging, target_dir)
        finally:
            shutil.rmtree(staging, ignore_errors=True)


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


def _rename_in_notebook(executed: Path, tmp: Path, final: Path) -> None:
    """Name the output folder's final path, not its temporary one, in the executed copy."""
    text = executed.read_text(encoding="utf-8")
    for old, new in ((str(tmp), str(final)), (json.dumps(str(tmp))[1:-1], json.dumps(str(final))[1:-1])):
        text = text.replace(old, new)
    executed.write_text(text, encoding="utf-8")


def _book_source(book: Path, executed_rel: Path, executed: Path, scratch: Path) -> Path:
    """A copy of the book's sources in ``scratch`` with ``executed`` as its executed notebooks.

    The book is built from it, so that ``book/notebooks`` is replaced only once the book has built.
    """
    skip = {"_build", executed_rel.parts[0], buildguard.LOCK_FILE.name}
    source = scratch / book.name

    def ignore(folder: str, names: list[str]) -> set[str]:
        top = Path(folder) == book
        return {
            n
            for n in names
            if (top and n in skip)
            or n.startswith((".build-", ".staging-"))
            or n in ("__pycache__", ".ipynb_checkpoints")
        }

    shutil.copytree(book, source, ignore=ignore)
    shutil.copytree(executed, source / executed_rel)
    return source


def build_book(
    root: Path | None = None,
    book_dir: str = "book",
    report: Reporter = _print,
    executed: Path | None = None,
    executed_dir: str = "book/notebooks",
) -> Path:
    """Build the HTML book with Jupyter Book (execution off) and swap it into ``book/_build``.

    Warnings are errors, so a broken cross-reference or a missing glued value fails the build
    instead of shipping a page with a hole in it.

    Parameters
    ----------
    executed
        Freshly executed notebooks (a staging folder). The book is then built from a copy of its
        sources holding them, and only when it has built are they moved to ``executed_dir``:
        a failed build leaves both the previous book and its notebooks in place.

    Returns
    -------
    pathlib.Path
        ``book/_build/html/index.html``.
    """
    root = root or paths.project_root()
    book = root / book_dir
    scratch = outputs.new_dir(book, ".build-")
    try:
        source = book
        if executed is not None:
            source = _book_source(book, (root / executed_dir).relative_to(book), executed, scratch)
        report("Building the book with Jupyter Book (notebook execution off) ...")
        start = time.perf_counter()
        log = jupyterbook.build(
            source,
            scratch,
            cwd=root,
            failure=f"Jupyter Book failed (the previous book in {book_dir}/_build is unchanged)",
            env={"ICS_LEADERSHIP_ROOT": str(root)},
        )
        _swap_in(scratch / "_build", book / "_build")
        if executed is not None:
            _swap_in(executed, root / executed_dir)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    final = book / "_build"
    (final / "build.log").write_text(log, encoding="utf-8")
    index = final / "html" / "index.html"
    report(f"Book built in {time.perf_counter() - start:.1f} s: {paths.display_path(index)}")
    return index


def _swap_in(new: Path, target: Path) -> None:
    """Replace the generated folder ``target`` by ``new``: the old one is moved aside, then deleted."""
    old = target.parent / f".build-old-{target.name}-{os.getpid()}"
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(new, target)
    shutil.rmtree(old, ignore_errors=True)


def remove_leftovers(root: Path, report: Reporter = _print) -> None:
    """Remove what a killed build, run or PDF left in ``book/`` (call it holding the build lock)."""
    for leftover in buildguard.remove_leftovers(root / "book"):
        report(f"Removed {paths.display_path(leftover)}, left by an interrupted build")


def build(root: Path | None = None, config_path: Path | None = None, report: Reporter = _print) -> Path:
    """The whole pipeline: check raw data, run every notebook, build the book.

    Holds the build lock throughout and first removes what a killed build left in ``book/``. The
    executed notebooks stay in a staging folder until the book has built from them.
    """
    root = root or paths.project_root()
    with buildguard.build_lock(root, report=report):
        remove_leftovers(root, report)
        check_raw(root / "data" / "raw", report=report)
        config = load_config(config_path or root / "pipeline.yaml")
        book = root / config.book_dir
        book.mkdir(parents=True, exist_ok=True)
        staging = outputs.new_dir(book, ".staging-")
        try:
            _execute_into(list(config.notebooks), root, staging, None, report)
            return build_book(root, config.book_dir, report=report, executed=staging, executed_dir=config.executed_dir)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
