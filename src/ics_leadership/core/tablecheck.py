"""Checking a CSV table column by column, as arrays: no Python loop over rows or cells.

:func:`ics_leadership.core.schema.read_table` reads a file's cells as text
(:mod:`ics_leadership.core.csvrecords`) and hands each column here. A column of a million cells
holds far fewer distinct texts (a few codes, the offsets of a document's length, one coder's name),
so each column is first reduced to its distinct texts (:func:`pandas.factorize`). Everything a
cell's text decides is then worked out once per distinct text: the text as the loader reads it
(:func:`ics_leadership.core.schema.cell_text`), whether it is blank, its value, and, for a text the
column does not accept, the message :meth:`ics_leadership.core.schema.Column.parse` gives for it
(so the messages are those of the row-by-row reading, word for word). The results go back to the
rows through the factorisation's codes. Whole numbers and numbers are converted by numpy in one call
(which applies Python's own ``int`` and ``float``); only when that call fails, or for the few distinct
texts of a boolean or a patterned column, does a Python loop run, over distinct texts.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ics_leadership.core.csvformat import unprotect

if TYPE_CHECKING:
    from ics_leadership.core.schema import Column

_INT64_MAX = np.iinfo(np.int64).max
_INT64_MIN = np.iinfo(np.int64).min
_EXTENSION_ARRAYS = {
    "integer": (np.int64, pd.arrays.IntegerArray),
    "number": (np.float64, pd.arrays.FloatingArray),
    "boolean": (np.bool_, pd.arrays.BooleanArray),
}


@dataclass
class Distinct:
    """One column of raw cells, as its distinct texts or (``codes`` None) as the cells themselves.

    Reducing to distinct texts pays where a text must be parsed (a few hundred distinct offsets in a
    million cells); for plain text, hashing every cell costs more than stripping it, so those
    columns keep one text per row.

    Attributes
    ----------
    codes
        For each row, the position of its text in ``texts``; None: ``texts`` has one text per row.
    texts
        The distinct raw texts (or every cell), as an object array.
    """

    codes: np.ndarray | None
    texts: np.ndarray
    _stripped: np.ndarray | None = None

    @classmethod
    def of(cls, cells: np.ndarray, distinct: bool = True) -> Distinct:
        if not distinct:
            return cls(codes=None, texts=cells)
        codes, texts = pd.factorize(cells)
        return cls(codes=np.asarray(codes, dtype=np.int64), texts=np.asarray(texts, dtype=object))

    def rows(self, per_text: np.ndarray) -> np.ndarray:
        """``per_text`` (one entry per text) spread over the rows."""
        return per_text if self.codes is None else per_text[self.codes]

    @property
    def stripped(self) -> np.ndarray:
        """The texts without surrounding blanks (``str.strip``)."""
        if self._stripped is None:
            self._stripped = _map(str.strip, self.texts)
        return self._stripped

    def blank_at(self, rows: np.ndarray) -> np.ndarray:
        """For each of ``rows``, whether its cell is empty or only blanks."""
        if self.codes is None and self._stripped is None:  # strip only the cells asked about
            return _map(str.strip, self.texts[rows]) == ""
        return self.rows(self.stripped == "")[rows]


def _map(method: Callable[[str], str], texts: np.ndarray) -> np.ndarray:
    """``method`` (a ``str`` method) of each text, as an object array (a C-level map, no Python frame)."""
    return np.fromiter(map(method, texts), dtype=object, count=len(texts))


def cell_texts(distinct: Distinct, column: Column | None, format_version: int, protected: bool = True) -> np.ndarray:
    """:func:`ics_leadership.core.schema.cell_text` of each of ``distinct``'s texts.

    ``protected`` False says that no text starts with ``'`` (the file has none), sparing the look.
    """
    if format_version < 2:
        return distinct.stripped
    texts = distinct.texts if column is not None and column.verbatim else distinct.stripped
    if protected and (column is None or column.dtype == "string"):
        texts = _unprotect(texts)
    return texts


def _unprotect(texts: np.ndarray) -> np.ndarray:
    """:func:`ics_leadership.core.csvformat.unprotect` of every text."""
    starts = np.fromiter(map(str.startswith, texts, itertools.repeat("'")), dtype=bool, count=len(texts))
    quoted = np.flatnonzero(starts)
    if not len(quoted):
        return texts
    texts = texts.copy()
    for i in quoted.tolist():  # the texts that start with ': few
        texts[i] = unprotect(texts[i])
    return texts


@dataclass
class Parsed:
    """The values of a column's distinct texts, and the message for each text it refuses.

    Attributes
    ----------
    values
        One value per distinct text (anything where the text is blank or refused).
    refused
        Position of each refused text in the distinct texts -> the message for it.
    """

    values: np.ndarray
    refused: dict[int, str]


def parse_texts(texts: np.ndarray, column: Column) -> Parsed:
    """The value of each distinct non-blank text of ``column``, as :meth:`Column.parse` gives it."""
    present = np.flatnonzero(texts != "")
    if column.dtype == "string":
        return _parse_strings(texts, present, column)
    if column.dtype in ("integer", "number"):
        return _parse_numbers(texts, present, column)
    return _parse_each(texts, present, column, dtype=object)


def _parse_strings(texts: np.ndarray, present: np.ndarray, column: Column) -> Parsed:
    if column.pattern:
        return _parse_each(texts, present, column, dtype=object)
    refused: dict[int, str] = {}
    if column.allowed is not None:
        outside = present[~pd.Series(texts[present], dtype=object).isin(column.allowed).to_numpy()]
        refused = _messages(texts, outside, column)
    return Parsed(values=texts, refused=refused)


def _parse_numbers(texts: np.ndarray, present: np.ndarray, column: Column) -> Parsed:
    dtype = np.int64 if column.dtype == "integer" else np.float64
    values = np.zeros(len(texts), dtype=dtype)
    try:
        # numpy converts a text with Python's own int() or float(): the same values, in one call.
        values[present] = texts[present].astype(dtype)
    except (ValueError, TypeError, OverflowError):
        return _parse_each(texts, present, column, dtype=dtype)
    refused: dict[int, str] = {}
    if column.minimum is not None:
        refused = _messages(texts, present[values[present] < column.minimum], column)
    return Parsed(values=values, refused=refused)


def _parse_each(texts: np.ndarray, present: np.ndarray, column: Column, dtype: type) -> Parsed:
    """:meth:`Column.parse` of each distinct text, one by one (few texts, or some refused)."""
    values = np.zeros(len(texts), dtype=dtype) if dtype is not object else np.empty(len(texts), dtype=object)
    refused: dict[int, str] = {}
    for i in present.tolist():
        try:
            value = column.parse(texts[i])
        except ValueError as exc:
            refused[i] = str(exc)
            continue
        if dtype is np.int64 and not _INT64_MIN <= value <= _INT64_MAX:
            refused[i] = f"{texts[i]} is too large a number (at most {_INT64_MAX})"
            continue
        values[i] = value
    return Parsed(values=values, refused=refused)


def _messages(texts: np.ndarray, positions: np.ndarray, column: Column) -> dict[int, str]:
    """The message :meth:`Column.parse` gives for each text at ``positions`` (all refused)."""
    refused: dict[int, str] = {}
    for i in positions.tolist():
        try:
            column.parse(texts[i])
        except ValueError as exc:
            refused[i] = str(exc)
    return refused


def typed_array(values: np.ndarray, blank: np.ndarray, dtype: str) -> pd.api.extensions.ExtensionArray:
    """The pandas array of a column (``dtype`` a schema type; ``blank`` rows are missing)."""
    if dtype == "string":
        if blank.any():
            values = values.copy()
            values[blank] = None
        return pd.array(values, dtype="string")
    numpy_dtype, array_type = _EXTENSION_ARRAYS[dtype]
    data = np.asarray(values, dtype=numpy_dtype).copy()
    mask = blank.copy()
    if dtype == "number":
        mask |= np.isnan(data)  # as pandas reads a NaN into Float64: missing
    data[mask] = numpy_dtype(0)
    return array_type(data, mask)
