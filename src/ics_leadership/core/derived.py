"""Write ``data/derived`` deterministically and atomically.

Same inputs give byte-identical files; a file is either the old one or the complete new one,
never half-written (written to a temporary file in the same folder, then renamed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from ics_leadership.core.csvformat import protect
from ics_leadership.core.outputs import publish_file


def atomic_write(path: Path | str, write: Callable[[IO[bytes]], None]) -> Path:
    """Call ``write`` with a binary file handle, then move the result to ``path``.

    The file is published by :func:`ics_leadership.core.outputs.publish_file` (a temporary sibling
    renamed into place, with the umask's permissions); an existing file at ``path`` is replaced.
    """

    def fill(tmp: Path) -> None:
        with tmp.open("wb") as fh:
            write(fh)

    publish_file(path, fill, force=True)
    return Path(path)


def write_csv(frame: pd.DataFrame, path: Path | str, index: bool = False) -> Path:
    """Write ``frame`` as UTF-8 CSV with LF line endings and a stable float format (``%.6g``).

    Text cells (and text labels of the columns and index) are spreadsheet-safe: one that a spreadsheet
    would run as a formula gets a leading ``'`` (:func:`ics_leadership.core.csvformat.protect`). Number
    columns are written as numbers.
    """
    text = _formatted_floats(spreadsheet_safe(frame)).to_csv(index=index, lineterminator="\n")
    return atomic_write(path, lambda fh: fh.write(text.encode("utf-8")))


#: Tables with more cells than this in all are written by two processes at once (:func:`write_csvs`).
PARALLEL_CELLS = 2_000_000
#: What a forked writer reads: the tables, set just before the fork (copy-on-write, never pickled).
_PENDING: dict[str, pd.DataFrame] = {}


def write_csvs(tables: dict[str, pd.DataFrame], folder: Path) -> list[Path]:
    """Write each table as ``folder/<name>.csv`` (:func:`write_csv`); large sets on two cores.

    Converting values to text dominates writing a large table and holds the GIL, so when the tables
    hold more than :data:`PARALLEL_CELLS` cells, and the machine has two cores and ``fork``, a forked
    child writes about half of them (the biggest first, balanced by size) while this process writes
    the rest. Any error in the child is raised here. Small sets (the book's) are written in order.
    """
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    folder = Path(folder)
    cells = {name: int(t.size) for name, t in tables.items()}
    fork = "fork" in multiprocessing.get_all_start_methods()
    if sum(cells.values()) <= PARALLEL_CELLS or (os.cpu_count() or 1) < 2 or not fork:
        return [write_csv(t, folder / f"{name}.csv") for name, t in tables.items()]
    mine: list[str] = []
    theirs: list[str] = []
    for name in sorted(cells, key=lambda n: -cells[n]):  # greedy: the next biggest to the lighter side
        (mine if sum(cells[n] for n in mine) <= sum(cells[n] for n in theirs) else theirs).append(name)
    _PENDING.clear()
    _PENDING.update(tables)
    try:
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
            child = pool.submit(_write_pending, str(folder), theirs)
            for name in mine:
                write_csv(tables[name], folder / f"{name}.csv")
            child.result()
    finally:
        _PENDING.clear()
    return [folder / f"{name}.csv" for name in tables]


def _write_pending(folder: str, names: list[str]) -> None:
    for name in names:
        write_csv(_PENDING[name], Path(folder) / f"{name}.csv")


def _formatted_floats(frame: pd.DataFrame) -> pd.DataFrame:
    """Float columns as text, ``%.6g`` and blank for NaN: what ``to_csv(float_format="%.6g")`` writes,
    several times faster on a large table (pandas formats each value through several calls)."""
    floats = [c for c in frame.columns if pd.api.types.is_float_dtype(frame[c])]
    if not floats:
        return frame
    out = frame.copy()
    for c in floats:
        values = out[c].to_numpy(dtype=float, na_value=np.nan)
        out[c] = ["" if v != v else f"{v:.6g}" for v in values.tolist()]
    return out


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text value protected; the same object when nothing needs it (the usual case).

    Each text column's distinct values are checked, not its cells, so a table of a million rows with
    a few thousand distinct values costs a hash pass, not a million calls.
    """

    def safe(value: object) -> object:
        return protect(value) if isinstance(value, str) else value

    def needs(values: Iterable[object]) -> bool:
        return any(isinstance(v, str) and protect(v) != v for v in values)

    masks = {}
    for c in frame.columns:
        column = frame[c]
        if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
            continue
        unsafe = [v for v in column.dropna().unique() if isinstance(v, str) and protect(v) != v]
        if unsafe:
            masks[c] = column.isin(unsafe).to_numpy(dtype=bool)
    relabel = needs(frame.columns) or needs(frame.index)
    if not masks and not relabel:
        return frame
    out = frame.copy()
    for c, m in masks.items():
        out.loc[m, c] = out.loc[m, c].map(safe, na_action="ignore")
    if relabel:
        out.columns = out.columns.map(safe)
        out.index = out.index.map(safe)
    return out
