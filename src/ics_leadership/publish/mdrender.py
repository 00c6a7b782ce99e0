"""Re-render an executed copy after a change to its notebook's markdown only, without a kernel.

When a notebook's code cells are unchanged, its executed copy's code cells and outputs are still
right: only the markdown (and raw) cells are taken again from the source, as jupyter-cache does for
a page whose text changed. The result is what a run would have given: the injected parameters stay
after the cell they followed, the title is set again, cell ids are the stable ids a run gives
(:func:`ics_leadership.publish.reproducible.stable_cell_id`), and the copy is replaced atomically.
"""

from __future__ import annotations

import copy
import os
import tempfile
from pathlib import Path
from typing import Any

from ics_leadership.publish import reproducible
from ics_leadership.publish.execute import ERROR_BANNER, INJECTED, _retitle

#: What papermill records on every cell of a successful run.
_RUN_CELL_METADATA = {"exception": False, "status": "completed"}


def _tags(cell: Any) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def render_markdown(source_nb: Path | str, executed_copy: Path | str, title: str | None = None) -> bool:
    """Replace the executed copy's markdown and raw cells by the source notebook's.

    Source cells are matched to the copy's by position among code cells: the executed copy's cell
    ids are derived from position and content (so they cannot match the source's ids), and the
    code cells must be the same ones in the same order with the same sources.

    Parameters
    ----------
    source_nb
        The source notebook.
    executed_copy
        Its executed copy, changed in place (atomically) when this returns True.
    title
        The step's title, set again on the first "# " heading (as :mod:`execute` does).

    Returns
    -------
    bool
        False, and the copy untouched, when the code cells differ (count, order or source) or the
        copy records a failed run: the caller runs the notebook instead.
    """
    import nbformat

    source_nb, executed_copy = Path(source_nb), Path(executed_copy)
    src = nbformat.read(source_nb, as_version=4)
    out = nbformat.read(executed_copy, as_version=nbformat.NO_CONVERT)
    if any(ERROR_BANNER in _tags(c) for c in out.cells):
        return False
    ran = [c for c in out.cells if c.cell_type == "code" and INJECTED not in _tags(c)]
    if [c.source for c in ran] != [c.source for c in src.cells if c.cell_type == "code"]:
        return False
    # Cells papermill added stay after the code cell they followed (or first, if none).
    added: dict[int, list[Any]] = {}
    position = -1
    for cell in out.cells:
        if INJECTED in _tags(cell):
            added.setdefault(position, []).append(cell)
        elif cell.cell_type == "code":
            position += 1
    run_meta = any("papermill" in c.get("metadata", {}) for c in out.cells)
    cells = list(added.get(-1, []))
    position = -1
    for cell in src.cells:
        if cell.cell_type == "code":
            position += 1
            cells.append(ran[position])
            cells.extend(added.get(position, []))
            continue
        new = copy.deepcopy(cell)
        meta = new.setdefault("metadata", {})
        meta.setdefault("tags", [])
        if run_meta:
            meta["papermill"] = dict(_RUN_CELL_METADATA)
        cells.append(new)
    out.cells = cells
    if title:
        _retitle(out, title, executed_copy.name)
    for i, cell in enumerate(out.cells):
        if out.get("nbformat_minor", 0) >= 5:  # ids exist from nbformat 4.5 on
            cell["id"] = reproducible.stable_cell_id(i, cell)
        else:
            cell.pop("id", None)
    _write_atomically(out, executed_copy)
    return True


def _write_atomically(nb: Any, target: Path) -> None:
    import nbformat

    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        nbformat.write(nb, tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
