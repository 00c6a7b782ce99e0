"""Write ``data/derived`` deterministically and atomically.

Same inputs give byte-identical files; a file is either the old one or the complete new one,
never half-written (written to a temporary file in the same folder, then renamed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO

import pandas as pd

from ics_leadership.core.csvformat import TRIGGERS, protect
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
    """Write ``frame`` as UTF-8 CSV with LF line endings and a stable float format.

    Text cells (and text labels of the columns and index) are spreadsheet-safe: one that a spreadsheet
    would run as a formula gets a leading ``'`` (:func:`ics_leadership.core.csvformat.protect`). Number
    columns are written as numbers.
    """
    text = spreadsheet_safe(frame).to_csv(index=index, lineterminator="\n", float_format="%.6g")
    return atomic_write(path, lambda fh: fh.write(text.encode("utf-8")))


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text value protected; the same object when nothing needs it (the usual case).

    Only cells that start with a trigger character are looked at one by one (a vectorised test
    finds them), so a table of a million rows costs a column scan, not a million calls.
    """

    def safe(value: object) -> object:
        return protect(value) if isinstance(value, str) else value

    def candidates(values: pd.Series) -> pd.Series:
        text = values.astype("string") if not pd.api.types.is_string_dtype(values) else values
        return text.str.startswith(TRIGGERS).fillna(False).astype(bool)

    def needs(values: Iterable[object]) -> bool:
        return any(isinstance(v, str) and protect(v) != v for v in values)

    text_cols = [
        c
        for c in frame.columns
        if not pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
    ]
    masks = {c: candidates(frame[c]) for c in text_cols}
    masks = {c: m for c, m in masks.items() if m.any() and needs(frame[c][m])}
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
