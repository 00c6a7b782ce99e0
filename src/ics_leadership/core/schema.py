"""Declared columns of the tabular data files, and validation against them.

A :class:`TableSchema` is the single source for two things: validating a CSV (every problem is
reported with its file, row and field) and the data dictionary printed in the book. Values are
read as text first, so that a bad cell is reported as the user typed it rather than as whatever
pandas guessed.
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from ics_leadership.core.csvformat import unprotect
from ics_leadership.core.csvio import long_fields
from ics_leadership.core.errors import DataValidationError, Problem
from ics_leadership.core.paths import display_path

LEVELS = ("executive", "thematic", "project")
SITES = ("A", "B", "C")

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
        else:  # pragma: no cover - guarded by the schema definitions below
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


PARTICIPANTS = TableSchema(
    name="participants.csv",
    description=(
        "One row per clinical leader in Table 1 of the paper, in the order printed there. "
        "Pseudonymous identifiers are ours; every other value is transcribed from Table 1, "
        "except profession, which is read from the role title (see profession_basis)."
    ),
    columns=(
        Column(
            "participant_id",
            "string",
            "Stable pseudonymous identifier (CL-<site><number>).",
            unique=True,
            pattern=r"CL-[A-Z]\d{2}",
        ),
        Column("site", "string", "STP the leader belongs to, as lettered in Table 1.", allowed=SITES),
        Column("level", "string", "Governance level of the leader's role (Table 1 rows).", allowed=LEVELS),
        Column("role", "string", "The role of this one person, in the words of Table 1."),
        Column(
            "role_as_printed",
            "string",
            "The Table 1 entry this person belongs to (differs from role only for grouped entries such as "
            "'GP Network Representatives (3)').",
        ),
        Column(
            "profession",
            "string",
            "Professional background read from the role title.",
            allowed=("medicine", "nursing", "pharmacy", "midwifery", "occupational therapy", "other"),
        ),
        Column(
            "profession_basis",
            "string",
            "Why this profession was assigned: what in the title says so, or the inference made.",
        ),
        Column("follow_up", "boolean", "Interviewed more than once (asterisk in Table 1)."),
    ),
)

OBSERVATIONS = TableSchema(
    name="observations.csv",
    description="Non-participant observation of STP meetings, by site, as stated in the Methods.",
    columns=(
        Column("site", "string", "STP, as lettered in the paper.", allowed=SITES, unique=True),
        Column("hours", "number", "Hours of meetings observed at the site.", minimum=0),
        Column(
            "meetings",
            "integer",
            "Meetings observed at the site (blank: the paper gives no per-site count).",
            required=False,
            minimum=0,
        ),
        Column("location", "string", "Where in the paper the values are stated."),
    ),
)

SOURCE_TYPES = ("interview", "follow-up interview", "observation", "other")
STAGE_VALUES = ("early", "later")

DOCUMENTS = TableSchema(
    name="documents.csv",
    description=(
        "Canonical coded data: one row per document (an interview transcript, a follow-up interview, "
        "field notes of an observed meeting, or another text). Further columns are kept as attributes."
    ),
    columns=(
        Column("document_id", "string", "Identifier of the document, unique in the project.", unique=True),
        Column(
            "participant_id", "string", "Who the document is about or with; blank for observations.", required=False
        ),
        Column("source_type", "string", "Kind of document.", allowed=SOURCE_TYPES),
        Column(
            "n_chars", "integer", "Length of the document's plain text in characters (offsets count these).", minimum=0
        ),
        Column(
            "site",
            "string",
            "Site (STP, ICS, organisation) of the document; blank: the participant's site.",
            required=False,
            optional_column=True,
        ),
        Column(
            "level",
            "string",
            "Governance level; blank: the participant's level.",
            required=False,
            allowed=LEVELS,
            optional_column=True,
        ),
        Column(
            "stage",
            "string",
            "Stage of change the document speaks to.",
            required=False,
            allowed=STAGE_VALUES,
            optional_column=True,
        ),
        Column(
            "sequence",
            "integer",
            "Order of data collection (for saturation); blank: file order.",
            required=False,
            minimum=0,
            optional_column=True,
        ),
    ),
    extra_columns_allowed=True,
)

CODINGS = TableSchema(
    name="codings.csv",
    description=(
        "Canonical coded data: one row per coding, that is one code applied by one coder to one span of "
        "characters [start, end) of a document. A span coded with two codes is two rows."
    ),
    columns=(
        Column("document_id", "string", "The coded document (must be in documents.csv)."),
        Column("start", "integer", "First character of the span (0-based).", minimum=0),
        Column("end", "integer", "One past the last character of the span (end exclusive).", minimum=0),
        Column("code", "string", "Compendium code id (see the codebook), or a project code mapped to one."),
        Column("coder", "string", "Who applied the code (name or stable label)."),
        Column(
            "excerpt",
            "string",
            "The coded text, where it may be shared; blank otherwise.",
            required=False,
            optional_column=True,
            verbatim=True,
        ),
    ),
)

CODED_PARTICIPANTS = TableSchema(
    name="participants.csv",
    description="Canonical coded data (optional file): attributes of the people documents are about.",
    columns=(
        Column("participant_id", "string", "Identifier used in documents.csv.", unique=True),
        Column("site", "string", "Site of the participant.", required=False, optional_column=True),
        Column(
            "level",
            "string",
            "Governance level of the participant's role.",
            required=False,
            allowed=LEVELS,
            optional_column=True,
        ),
        Column(
            "group",
            "string",
            "clinical or non-clinical leader.",
            required=False,
            allowed=("clinical", "non-clinical"),
            optional_column=True,
        ),
    ),
    extra_columns_allowed=True,
)

#: Every tabular raw file, by file name; the book's data dictionary is built from this.
RAW_TABLES: dict[str, TableSchema] = {s.name: s for s in (PARTICIPANTS, OBSERVATIONS)}

#: The canonical coded-data tables (a folder holding these is "coded data").
CODED_TABLES: dict[str, TableSchema] = {"documents": DOCUMENTS, "codings": CODINGS, "participants": CODED_PARTICIPANTS}


def read_yaml(path: Path | str) -> Any:
    """Parse a YAML data file safely (no arbitrary objects), naming the file and line on failure.

    Raises
    ------
    DataValidationError
        When the file is missing, not UTF-8, or not valid YAML.
    """
    path = Path(path)
    shown = display_path(path)
    if not path.is_file():
        raise DataValidationError([Problem(shown, "file not found")])
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise DataValidationError([Problem(shown, f"not valid UTF-8 text ({exc.reason})")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = getattr(exc, "problem", None) or "syntax error"
        raise DataValidationError([Problem(shown, f"not valid YAML{where}: {reason}")]) from None
