"""Declared columns of tabular data files (CSV) and validation against them.

A :class:`TableSchema` is the single source for two things: validating a CSV (every problem is
reported with its file, row and field) and the data dictionary printed in the book. Values are
read as text first, so that a bad cell is reported as the user typed it rather than as whatever
pandas guessed.

This module is the generic engine and declares no table itself: the canonical coded-data tables
are in :mod:`ics_leadership.coding.format`, the paper's raw tables in
:mod:`ics_leadership.facts.raw_tables` (with the paper's vocabulary in
:mod:`ics_leadership.facts.vocabulary`). YAML files are read and checked by
:mod:`ics_leadership.core.yamlschema`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ics_leadership.core.csvformat import unprotect
from ics_leadership.core.csvrecords import Records, read_records
from ics_leadership.core.errors import DataValidationError, Problem
from ics_leadership.core.paths import display_path
from ics_leadership.core.problemrows import RowProblems
from ics_leadership.core.tablecheck import Distinct, cell_texts, parse_texts, typed_array

_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0"}


@dataclass(frozen=True)
class Column:
    """One column of a table: its type, whether it may be blank, and its allowed values."""

    name: str
    dtype: str  # "string", "integer", "number" or "boolean"
    description: str
    required: bool = True
    allowed: tuple[str, ...] | None = None
    unique: bool = False
    pattern: str | None = None
    minimum: float | None = None
    optional_column: bool = False  # the column itself may be absent from the file (read as blank)
    verbatim: bool = False  # text kept exactly, surrounding blanks too (format version 2 onwards)

    def parse(self, text: str) -> object:
        """Convert one cell, raising ``ValueError`` with a message fit for the user."""
        if self.dtype == "string":
            if self.pattern and not re.fullmatch(self.pattern, text):
                raise ValueError(f"'{text}' does not match the pattern {self.pattern}")
            if self.allowed is not None and text not in self.allowed:
                raise ValueError(f"'{text}' is not one of: {', '.join(self.allowed)}")
            return text
        if self.dtype == "boolean":
            low = text.strip().lower()
            if low in _TRUE:
                return True
            if low in _FALSE:
                return False
            raise ValueError(f"'{text}' is not a boolean (use true or false)")
        if self.dtype == "integer":
            try:
                value: float = int(text)
            except ValueError:
                raise ValueError(f"'{text}' is not a whole number") from None
        elif self.dtype == "number":
            try:
                value = float(text)
            except ValueError:
                raise ValueError(f"'{text}' is not a number") from None
        else:  # pragma: no cover - guarded by the schema definitions
            raise TypeError(f"unknown dtype {self.dtype}")
        if self.minimum is not None and value < self.minimum:
            raise ValueError(f"{text} is below the minimum {self.minimum:g}")
        return value


@dataclass(frozen=True)
class TableSchema:
    """The columns of one CSV file, in order."""

    name: str
    description: str
    columns: tuple[Column, ...]
    extra_columns_allowed: bool = False

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def dictionary(self) -> pd.DataFrame:
        """The data dictionary of this table, one row per column."""
        rows = []
        for c in self.columns:
            allowed = ", ".join(c.allowed) if c.allowed else ""
            rows.append(
                {
                    "column": c.name,
                    "type": c.dtype,
                    "required": "yes" if c.required else ("no; column may be absent" if c.optional_column else "no"),
                    "unique": "yes" if c.unique else "",
                    "allowed values": allowed,
                    "description": c.description,
                }
            )
        return pd.DataFrame(rows)


def read_table(path: Path | str, schema: TableSchema, format_version: int = 1) -> pd.DataFrame:
    """Read ``path`` and validate it against ``schema``.

    ``format_version`` 2 (canonical coded data whose ``corpus.yaml`` says so) removes the one ``'``
    that protects a text cell or column name from spreadsheets (:func:`ics_leadership.core.csvformat.unprotect`)
    and keeps ``verbatim`` columns (the excerpt) exactly as written; other cells are stripped of
    surrounding blanks first, as always. A line that is blank (or only separators and blanks) is
    skipped but still counted in row numbers.

    The cells are read by pandas' C parser as the :mod:`csv` module would read them
    (:mod:`ics_leadership.core.csvrecords`) and checked column by column as arrays
    (:mod:`ics_leadership.core.tablecheck`), so a table of a million rows costs a small multiple of
    what pandas takes to read it. Problems come in
    the order a row-by-row reading finds them (by row, then column); of each kind (one check on one
    column) the first :data:`ics_leadership.core.problemrows.LISTED_PER_KIND` rows are listed and the
    rest counted in one further problem.

    Returns
    -------
    pandas.DataFrame
        Typed columns in the schema's order (nullable dtypes where blanks are allowed).

    Raises
    ------
    DataValidationError
        Listing the problems found, each with file, row and field (of each kind, the first rows and
        a count of the others).
    """
    path = Path(path)
    shown = display_path(path)
    if not path.is_file():
        raise DataValidationError([Problem(shown, "file not found")])
    records = read_records(path, shown)
    if records.header is None:
        raise DataValidationError([Problem(shown, "file is empty; expected a header row")])
    header = [cell_text(h.lstrip("\ufeff"), None, format_version) for h in records.header]

    problems: list[Problem] = []
    missing = [c.name for c in schema.columns if c.name not in header and not c.optional_column]
    for name in missing:
        problems.append(Problem(shown, "required column is missing", field=name))
    if not schema.extra_columns_allowed:
        for name in header:
            if name not in schema.column_names:
                problems.append(Problem(shown, "unexpected column (not in the schema)", field=name))
    dupes = {h for h in header if header.count(h) > 1}
    for name in sorted(dupes):
        problems.append(Problem(shown, "column appears more than once", field=name))
    if problems:
        raise DataValidationError(problems)

    n_rows = records.n_rows
    index = {name: header.index(name) for name in schema.column_names if name in header}
    by_position = {i: col for col in schema.columns if (i := index.get(col.name)) is not None}
    cells = [Distinct.of(column, _worth_reducing(by_position.get(i))) for i, column in enumerate(records.columns)]
    while len(cells) < len(header):  # no data record is as long as the header
        cells.append(Distinct.of(np.full(n_rows, "", dtype=object), distinct=False))
    blank_row = _blank_rows(cells, n_rows)  # a blank line at the end of a hand-edited file is harmless
    ragged = ~blank_row & (records.counts != len(header))
    checked = ~blank_row & ~ragged
    found = RowProblems(shown)
    counts = records.counts
    ragged_rows = np.flatnonzero(ragged)
    found.add(
        ragged_rows + 1,
        lambda i: f"has {counts[ragged_rows[i]]} fields, the header has {len(header)}",
        field=None,
        order=-1,
        more="rows whose number of fields is not the header's",
    )
    arrays = {}
    for position, col in enumerate(schema.columns):
        distinct = cells[index[col.name]] if col.name in index else None
        arrays[col.name] = _check_column(col, position, distinct, n_rows, checked, format_version, records, found)
    problems = found.problems()
    if problems:
        raise DataValidationError(problems)

    kept = ~blank_row
    if not kept.all():
        arrays = {name: array[kept] for name, array in arrays.items()}
    frame = pd.DataFrame(arrays, columns=schema.column_names, index=pd.RangeIndex(int(kept.sum())), copy=False)
    if schema.extra_columns_allowed:  # extra columns are attributes: kept as text
        for name in header:
            if name not in schema.column_names:
                distinct = cells[header.index(name)]
                texts = distinct.rows(cell_texts(distinct, None, format_version, records.apostrophes))[kept]
                frame[name] = typed_array(texts, texts == "", "string")
    return frame


def _blank_rows(cells: list[Distinct], n_rows: int) -> np.ndarray:
    """Rows whose every cell is empty or only blanks (each column looks only at rows still in doubt)."""
    doubt = np.arange(n_rows)
    for column in cells:
        if not len(doubt):
            break
        doubt = doubt[column.blank_at(doubt)]
    blank = np.zeros(n_rows, dtype=bool)
    blank[doubt] = True
    return blank


def _worth_reducing(col: Column | None) -> bool:
    """Whether a column's cells are worth reducing to distinct texts (see :class:`tablecheck.Distinct`)."""
    return col is not None and (col.dtype != "string" or col.allowed is not None or col.pattern is not None)


def _check_column(
    col: Column,
    position: int,
    distinct: Distinct | None,
    n_rows: int,
    checked: np.ndarray,
    format_version: int,
    records: Records,
    found: RowProblems,
) -> pd.api.extensions.ExtensionArray:
    """The typed values of one column; its problems (in ``checked`` rows) go to ``found``."""
    if distinct is None:  # an optional column the file does not have: every cell blank
        distinct = Distinct(codes=np.zeros(n_rows, dtype=np.int64), texts=np.array([""], dtype=object))
    texts = cell_texts(distinct, col, format_version, records.apostrophes)
    parsed = parse_texts(texts, col)
    blank_texts = texts == ""
    blank = distinct.rows(blank_texts)
    if col.required and blank_texts.any():
        blank_rows = np.flatnonzero(blank & checked)
        found.add(
            blank_rows + 1,
            lambda i: "is blank but required",
            field=col.name,
            order=2 * position,
            more="rows where it is blank",
        )
    missing = blank
    if parsed.refused:
        refused_texts = np.zeros(len(texts), dtype=bool)
        refused_texts[list(parsed.refused)] = True
        refused = distinct.rows(refused_texts)
        refused_rows = np.flatnonzero(refused & checked)
        text_of = (lambda row: int(distinct.codes[row])) if distinct.codes is not None else int
        found.add(
            refused_rows + 1,
            lambda i: parsed.refused[text_of(refused_rows[i])],
            field=col.name,
            order=2 * position,
            more="rows with a value it does not accept",
        )
        missing = blank | refused
    values = distinct.rows(parsed.values)
    if col.unique:
        _check_unique(col, position, values, checked & ~missing, found)
    return typed_array(values, missing, col.dtype)


def _check_unique(col: Column, position: int, values: np.ndarray, valued: np.ndarray, found: RowProblems) -> None:
    """Rows whose value (not text: 7 and 07 are one number) an earlier row of ``valued`` already has."""
    rows = np.flatnonzero(valued)
    if col.dtype == "number":
        rows = rows[~np.isnan(values[rows].astype(np.float64))]  # NaN equals nothing
    same = pd.factorize(values[rows])[0]  # one number per distinct value
    repeated = pd.Series(same).duplicated(keep="first").to_numpy()
    if not repeated.any():
        return
    first_row = rows[np.unique(same, return_index=True)[1]] + 1  # by value number
    dupes = np.flatnonzero(repeated)
    found.add(
        rows[dupes] + 1,
        lambda i: f"duplicate value '{values[rows[dupes[i]]]}' (first in row {first_row[same[dupes[i]]]})",
        field=col.name,
        order=2 * position + 1,
        more="rows repeating a value of an earlier row",
    )


def cell_text(raw: str, column: Column | None, format_version: int = 1) -> str:
    """One cell as the loader reads it (``column`` None: an extra column, which holds text).

    Surrounding blanks are stripped (in version 2 not from a ``verbatim`` column); in version 2 a
    text cell then loses the ``'`` that protected it from spreadsheets.
    """
    if format_version < 2:
        return raw.strip()
    if column is None:
        return unprotect(raw.strip())
    text = raw if column.verbatim else raw.strip()
    return unprotect(text) if column.dtype == "string" else text
