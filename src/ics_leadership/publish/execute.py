"""Execute one notebook with papermill and finish its executed copy for publishing.

Separate from the pipeline's order of work (:mod:`ics_leadership.publish.pipeline`) because it is
about one notebook: running it in a quiet kernel, naming the failed cell as the source notebook
counts it, checking the parameters it is given against those it declares, and post-processing the
copy (folded parameters cell, title, no machine paths or timings: see
:mod:`ics_leadership.publish.reproducible`). Notebooks are read and written with :mod:`nbformat`.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ics_leadership.core import paths
from ics_leadership.core.errors import NotebookExecutionError, PipelineConfigError
from ics_leadership.publish import reproducible


def _quiet_kernel_manager():
    """A kernel manager whose kernel does not write start-up chatter to the terminal.

    ipykernel warns on stderr at every start that its local TCP sockets are unencrypted; that
    line would be repeated under every notebook in the build's progress output. Errors raised in
    cells still reach us through the Jupyter protocol, and a dying kernel is still reported.
    """
    from jupyter_client.manager import AsyncKernelManager

    class QuietKernelManager(AsyncKernelManager):
        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            kw.setdefault("stderr", subprocess.DEVNULL)
            await super()._async_launch_kernel(kernel_cmd, **kw)

    return QuietKernelManager


#: What jupyter_client says when a kernel dies before it has answered, i.e. before any cell ran.
KERNEL_DIED_STARTING = "Kernel died before replying to kernel_info"
#: How many times a kernel that dies while starting is started: two kernels starting at once (the
#: build runs steps in parallel) can be given the same free port, and the one that binds second
#: dies. No cell has run, so starting again is safe; a kernel that dies later is a failure.
KERNEL_STARTS = 3


def execute_notebook(
    source: Path | str,
    output: Path | str,
    parameters: dict[str, Any] | None = None,
    cwd: Path | str | None = None,
    progress_bar: bool = False,
    source_label: str | None = None,
    title: str | None = None,
    kernel_arguments: Sequence[str] = (),
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
    kernel_arguments
        Extra command-line arguments of the kernel (``build --check-deps`` runs its audit hook
        through them: :func:`ics_leadership.publish.audit.kernel_arguments`).

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

    def run() -> None:
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
            extra_arguments=list(kernel_arguments),  # nbclient's, given to the kernel at launch
        )

    try:
        for attempt in range(1, KERNEL_STARTS + 1):
            try:
                run()
                break
            except RuntimeError as exc:
                if str(exc) != KERNEL_DIED_STARTING or attempt == KERNEL_STARTS:
                    raise
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


#: Tags of the cells papermill adds to an executed copy: the injected parameters, the error banners.
INJECTED, ERROR_BANNER = "injected-parameters", "papermill-error-cell-tag"


def _tags(cell: dict) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def _finish_executed(
    executed: Path, source_label: str | None, parameters: dict[str, Any], title: str | None, root: Path | None = None
) -> None:
    """Post-process an executed copy in one read and one write.

    Papermill's injected-parameters cell is tagged as the notebook's parameters cell is hidden
    (``remove-cell`` on a reader's page, else ``hide-cell``: the book shows it folded); the
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
    # The injected cell is shown as the notebook's own parameters cell is: removed on a reader's
    # page (tagged remove-cell), else folded.
    param_tags = next(
        (
            c.get("metadata", {}).get("tags", [])
            for c in nb.cells
            if "parameters" in c.get("metadata", {}).get("tags", [])
        ),
        [],
    )
    fold = "remove-cell" if "remove-cell" in param_tags else "hide-cell"
    for cell in nb.cells:
        tags = cell.setdefault("metadata", {}).setdefault("tags", [])
        if INJECTED in tags and fold not in tags:
            tags.append(fold)
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
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        lines = cell.source.split("\n")  # nbformat gives the source as one string
        for i, line in enumerate(lines):
            if line.startswith("# "):
                lines[i] = f"# {title}"
                cell.source = "\n".join(lines)
                return
    raise PipelineConfigError(f"{name}: no '# ' heading to set the title '{title}' on")


def _source_cell_number(executed: Path, index: int) -> int | None:
    """The failed cell's position in the *source* notebook (1-based, as JupyterLab counts).

    ``index`` is papermill's: the failed cell's index in the executed notebook before papermill
    wrote its error banners into it (so counting its injected-parameters cell). The banners are
    dropped, and the cells the user never wrote are not counted. The failed cell is not looked for
    by its error output: a cell tagged ``raises-exception`` shows an error on purpose and the run
    goes on past it. None when the injected parameters themselves failed.
    """
    import nbformat

    try:
        cells = [c for c in nbformat.read(executed, as_version=4).cells if ERROR_BANNER not in _tags(c)]
    except (OSError, ValueError):  # nbformat's NotJSONError is a ValueError
        return index + 1
    if index < len(cells) and INJECTED in _tags(cells[index]):
        return None
    return sum(1 for cell in cells[: index + 1] if INJECTED not in _tags(cell))


def notebook_parameters(source: Path | str) -> list[str]:
    """The names a notebook's cell tagged ``parameters`` assigns, in order.

    papermill's :func:`~papermill.inspect_notebook` lists them, but skips tuple assignments
    (``a, b = 1, 2``); the cell's own assignments, read with :mod:`ast`, fill that gap.
    """
    import ast

    import nbformat
    import papermill as pm

    source = Path(source)
    shown = paths.display_path(source)
    try:
        names = list(pm.inspect_notebook(str(source)))
        nb = nbformat.read(source, as_version=4)
    except Exception as exc:  # unreadable notebook: say which
        raise PipelineConfigError(f"{shown}: cannot read its parameters ({type(exc).__name__}: {exc})") from None
    for cell in nb.cells:
        if "parameters" in _tags(cell):
            try:
                tree = ast.parse(cell.source)
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


def _rename_in_notebook(executed: Path, tmp: Path, final: Path) -> None:
    """Name the output folder's final path, not its temporary one, in the executed copy."""
    import nbformat

    nb = nbformat.read(executed, as_version=nbformat.NO_CONVERT)
    _replace_in_strings(nb, str(tmp), str(final))
    nbformat.write(nb, executed)


def _replace_in_strings(node: dict | list, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` in every string under ``node`` (outputs, metadata, sources), in place."""
    for key, value in list(node.items() if isinstance(node, dict) else enumerate(node)):
        if isinstance(value, str):
            node[key] = value.replace(old, new)
        elif isinstance(value, (dict, list)):
            _replace_in_strings(value, old, new)
