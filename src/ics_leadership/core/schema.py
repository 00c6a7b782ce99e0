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

import csv
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ics_leadership.core.csvformat import unprotect
from ics_leadership.core.csvio import long_fields
from ics_leadership.core.errors import DataValidationError, Problem
from ics_leadership.core.paths import display_path

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
    surrounding blanks first, as always.

    Returns
    -------
    pandas.DataFrame
        Typed columns in the schema's order (nullable dtypes where blanks are allowed).

    Raises
    ------
    DataValidationError
        Listing every problem found, each with file, row and field.
    """
    path = Path(path)
    shown = display_path(path)
    if not path.is_file():
        raise DataValidationError([Problem(shown, "file not found")])
    try:
        with path.open(newline="", encoding="utf-8") as fh, long_fields(os.fstat(fh.fileno()).st_size):
            reader = csv.reader(fh)
            header = next(reader, None)
            rows = list(reader)
    except UnicodeDecodeError as exc:
        raise DataValidationError(
            [Problem(shown, f"not valid UTF-8 text ({exc.reason} at byte {exc.start})")]
        ) from None
    except csv.Error as exc:
        raise DataValidationError([Problem(shown, f"not a readable CSV file ({exc})")]) from None
    if header is None:
        raise DataValidationError([Problem(shown, "file is empty; expected a header row")])
    header = [cell_text(h.lstrip("\ufeff"), None, format_version) for h in header]

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

    index = {name: header.index(name) for name in schema.column_names if name in header}
    parsed: dict[str, list[object]] = {c.name: [] for c in schema.columns}
    seen: dict[str, dict[object, int]] = {c.name: {} for c in schema.columns if c.unique}
    for i, raw in enumerate(rows, start=1):
        if not any(cell.strip() for cell in raw):
            continue  # a blank line at the end of a hand-edited file is harmless
        if len(raw) != len(header):
            problems.append(Problem(shown, f"has {len(raw)} fields, the header has {len(header)}", row=i))
            continue
        for col in schema.columns:
            text = cell_text(raw[index[col.name]], col, format_version) if col.name in index else ""
            value: object = None
            if text == "":
                if col.required:
                    problems.append(Problem(shown, "is blank but required", row=i, field=col.name))
            else:
                try:
                    value = col.parse(text)
                except ValueError as exc:
                    problems.append(Problem(shown, str(exc), row=i, field=col.name))
            if col.unique and value is not None:
                first = seen[col.name].setdefault(value, i)
                if first != i:
                    problems.append(
                        Problem(shown, f"duplicate value '{value}' (first in row {first})", row=i, field=col.name)
                    )
            parsed[col.name].append(value)
    if problems:
        raise DataValidationError(problems)

    frame = pd.DataFrame(parsed, columns=schema.column_names)
    for col in schema.columns:
        frame[col.name] = frame[col.name].astype(_PANDAS_DTYPES[col.dtype])
    if schema.extra_columns_allowed:  # extra columns are attributes: kept as text
        for name in header:
            if name not in schema.column_names:
                values = [
                    cell_text(r[header.index(name)], None, format_version) if len(r) == len(header) else ""
                    for r in rows
                    if any(cell.strip() for cell in r)
                ]
                frame[name] = pd.array([v or None for v in values], dtype="string")
    return frame


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


_PANDAS_DTYPES = {"string": "string", "integer": "Int64", "number": "Float64", "boolean": "boolean"}
