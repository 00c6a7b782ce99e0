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

from ics_leadership.core.csvformat import protect, quoted, text_field, text_fields
from ics_leadership.core.forking import in_child
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
    text = csv_text(frame, index=index)
    return atomic_write(path, lambda fh: fh.write(text.encode("utf-8")))


def csv_text(frame: pd.DataFrame, index: bool = False) -> str:
    """The text :func:`write_csv` writes: what :func:`pandas_csv_text` gives, built faster.

    pandas formats and quotes every cell through several Python calls. Here each column becomes a list
    of cell texts at once: numbers through ``str`` (floats ``%.6g``), text through a per-distinct-value
    table (protected, then quoted as the csv module's minimal quoting does), so a column of a million
    rows with a few thousand distinct values costs one factorize and one take. Rows are then joined.
    Byte-identical to :func:`pandas_csv_text` (tests/test_csv_text.py checks it on random tables);
    what this does not handle (an index, one column, dates, mixed objects) goes to pandas.
    """
    if index or frame.shape[1] < 2:
        return pandas_csv_text(frame, index=index)
    columns = [_column_texts(frame.iloc[:, i]) for i in range(frame.shape[1])]
    if any(c is None for c in columns):
        return pandas_csv_text(frame, index=index)
    header = ",".join(text_field(c) if isinstance(c, str) else quoted(str(c)) for c in frame.columns)
    if not len(frame):
        return header + "\n"
    return header + "\n" + "\n".join(map(",".join, zip(*columns))) + "\n"


def pandas_csv_text(frame: pd.DataFrame, index: bool = False) -> str:
    """The reference: ``frame`` made spreadsheet-safe, floats as ``%.6g``, written by pandas."""
    return _formatted_floats(spreadsheet_safe(frame, index=index)).to_csv(index=index, lineterminator="\n")


def _column_texts(column: pd.Series) -> list[str] | None:
    """Each cell of ``column`` as written; None when this column needs pandas' own writer."""
    dtype = column.dtype
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_integer_dtype(dtype):
        if isinstance(dtype, pd.api.extensions.ExtensionDtype):  # nullable: a missing value is empty
            return ["" if v is None else str(v) for v in column.to_numpy(dtype=object, na_value=None).tolist()]
        values = column.to_numpy()
        if values.dtype == bool or not len(values):
            return list(map(str, values.tolist()))
        low, high = int(values.min()), int(values.max())
        if high - low > len(values):  # spread out: each value its own text
            return list(map(str, values.tolist()))
        # Counts: a text per value in the range, taken (4x faster than str on each cell).
        table = np.array([str(v) for v in range(low, high + 1)], dtype=object)
        return table[values - low].tolist()
    if pd.api.types.is_float_dtype(dtype):
        # Distinct bit patterns, not values: 0.0 and -0.0 are equal but written differently.
        bits = np.ascontiguousarray(column.to_numpy(dtype=float, na_value=np.nan)).view(np.int64)
        codes, uniques = pd.factorize(bits)
        texts = ["" if v != v else f"{v:.6g}" for v in uniques.view(float).tolist()]
    elif isinstance(dtype, pd.CategoricalDtype):
        codes, uniques = pd.factorize(column, use_na_sentinel=True)  # from the categories: no hashing
        values = list(uniques)
        if not all(isinstance(v, str) for v in values):
            return None
        texts = text_fields(values)
    elif pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype):
        cells = column.to_numpy(dtype=object)  # hashed as an array: faster than through the Series
        if len(cells) and isinstance(cells[0], str) and _all_equal(cells):  # e.g. data_source
            return [text_field(cells[0])] * len(cells)
        codes, uniques = pd.factorize(cells, use_na_sentinel=True)
        values = uniques.tolist()
        if not all(isinstance(v, str) for v in values):
            return None
        texts = text_fields(values)
    else:
        return None
    table = np.array([*texts, ""], dtype=object)  # code -1 (missing) takes the last entry: empty
    return table[codes].tolist()


def _all_equal(cells: np.ndarray) -> bool:
    """Whether every cell equals the first (a str); False when a missing value makes that unclear."""
    try:
        return bool((cells == cells[0]).all())
    except TypeError:  # pd.NA compared gives NA, which has no truth value
        return False


#: Tables with more cells than this in all are written by two processes at once (:func:`write_csvs`).
PARALLEL_CELLS = 2_000_000


def write_csvs(tables: dict[str, pd.DataFrame], folder: Path, parallel: bool = True) -> list[Path]:
    """Write each table as ``folder/<name>.csv`` (:func:`write_csv`); large sets on two cores.

    Converting values to text dominates writing a large table and holds the GIL, so when the tables
    hold more than :data:`PARALLEL_CELLS` cells (and ``parallel``), a forked child
    (:func:`ics_leadership.core.forking.in_child`) writes about half of them (the biggest first,
    balanced by size) while this process writes the rest. Small sets (the book's) are written in order.
    """
    folder = Path(folder)
    cells = {name: int(t.size) for name, t in tables.items()}
    mine: list[str] = []
    theirs: list[str] = []
    for name in sorted(cells, key=lambda n: -cells[n]):  # greedy: the next biggest to the lighter side
        (mine if sum(cells[n] for n in mine) <= sum(cells[n] for n in theirs) else theirs).append(name)

    def write_theirs() -> None:
        for name in theirs:
            write_csv(tables[name], folder / f"{name}.csv")

    with in_child(write_theirs, enabled=parallel and sum(cells.values()) > PARALLEL_CELLS):
        for name in mine:
            write_csv(tables[name], folder / f"{name}.csv")
    return [folder / f"{name}.csv" for name in tables]


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


def spreadsheet_safe(frame: pd.DataFrame, index: bool = True) -> pd.DataFrame:
    """``frame`` with every text value protected; the same object when nothing needs it (the usual case).

    Each text column's distinct values are checked, not its cells, so a table of a million rows with
    a few thousand distinct values costs a hash pass, not a million calls. ``index=False``: the index
    is not written, so its labels are left as they are (a million-row range is not checked).
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
    relabel = needs(frame.columns) or (index and needs(frame.index))
    if not masks and not relabel:
        return frame
    out = frame.copy()
    for c, m in masks.items():
        out.loc[m, c] = out.loc[m, c].map(safe, na_action="ignore")
    if relabel:
        out.columns = out.columns.map(safe)
        if index:
            out.index = out.index.map(safe)
    return out
