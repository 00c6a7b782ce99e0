"""A CSV file's records as columns of text, read at the speed of pandas' C parser.

What a record is, and what its fields hold, is defined by Python's :mod:`csv` module (the
spreadsheet dialect, ``newline=""``): a file the tool has always read reads the same. That module
hands over one list per row, which costs seconds on a million rows; pandas' C parser reads the same
file in a fraction of that but does not say how many fields a row had (a short row is padded with
blanks), and it reads a few malformed files differently. So :func:`read_records`

1. scans the bytes with numpy for the record boundaries and field separators outside quotes, which
   gives every record's number of fields, and checks that every ``"`` sits where the two parsers
   agree: opening a field, closing it, or doubled inside it;
2. reads the cells with pandas (as text, no conversion, blank lines kept so that row numbers match);
3. falls back to the :mod:`csv` module itself when the quotes are irregular (a ``"`` inside an
   unquoted field, text after a closing quote, a quote never closed), when pandas refuses the file,
   or when the two disagree on the number of records.

Either way the result is the same :class:`Records`.
"""

from __future__ import annotations

import csv
import io
import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ics_leadership.core.csvio import long_fields
from ics_leadership.core.errors import DataValidationError, Problem

_QUOTE, _COMMA, _LF, _CR = (ord(c) for c in '",\n\r')
_BOM = "\ufeff".encode()


@dataclass
class Records:
    """The records of a CSV file: its header and, column by column, its data records.

    Attributes
    ----------
    header
        The first record's fields, as written; None when the file is empty.
    columns
        One object array of text per field position (as many as the longest record has); a record
        with fewer fields reads ``""`` in the positions it lacks.
    counts
        The number of fields of each data record (0 for an empty line).
    apostrophes
        False when the file has no ``'`` at all (then no cell is protected from spreadsheets).
    """

    header: list[str] | None
    columns: list[np.ndarray]
    counts: np.ndarray
    apostrophes: bool = True

    @property
    def n_rows(self) -> int:
        return len(self.counts)


def read_records(path: Path, shown: str) -> Records:
    """Read ``path`` (UTF-8 CSV) into :class:`Records`.

    Raises
    ------
    DataValidationError
        The file is not UTF-8 text or not readable as CSV (``shown`` names it).
    """
    return records_of(path.read_bytes(), shown)


def records_of(data: bytes, shown: str) -> Records:
    """:func:`read_records` of a file's bytes, already read (``shown`` names the file in errors)."""
    # pandas decodes every field strictly: a file that is not UTF-8 fails there and is read again by
    # the csv module, which names the first bad byte.
    if data[:1] not in (b"", b"\n", b"\r"):  # an empty file or header: the csv module's to say
        try:
            records = _read_with_pandas(data)
        except UnicodeDecodeError:
            records = None
        if records is not None:
            return records
    return _read_with_csv_module(data, shown)


def _read_with_pandas(data: bytes) -> Records | None:
    """:class:`Records` read by pandas; None where the :mod:`csv` module must read the file.

    Without names pandas refuses a record with more fields than the header, so a file it reads has
    none; one without quotes has none with fewer either when it has as many commas as its records
    need. Otherwise the records' fields are counted from the bytes (:func:`field_counts`).
    """
    frame = _pandas_cells(data, width=None)
    if frame is None:  # a record longer than the header, or a quote never closed
        counts = field_counts(data)
        if counts is None or len(counts) < 2:
            return None
        frame = _pandas_cells(data, width=int(counts.max()))
    elif frame.shape[1] > 1 and b'"' not in data and _count(data, _COMMA) == (frame.shape[1] - 1) * len(frame):
        # Every record has at most the header's fields and, with this many commas, exactly as many
        # (so none is an empty line either).
        counts = np.full(len(frame), frame.shape[1], dtype=np.int64)
    else:
        counts = field_counts(data)
    if frame is None or counts is None or len(frame) != len(counts) or counts[0] == 0:
        return None
    columns = [frame[name].to_numpy(dtype=object) for name in frame.columns]
    header = [str(col[0]) for col in columns[: int(counts[0])]]
    if data.startswith(_BOM):  # pandas drops it; the csv module keeps it, as text
        header[0] = "\ufeff" + header[0]
    return Records(header=header, columns=[col[1:] for col in columns], counts=counts[1:], apostrophes=b"'" in data)


#: Bytes compared at a time: whole-file temporaries would cost more in page faults than in comparing.
_CHUNK = 1 << 20


def _count(data: bytes, byte: int) -> int:
    """How many times ``byte`` occurs in ``data`` (several times faster than ``bytes.count``)."""
    arr = np.frombuffer(data, dtype=np.uint8)
    return sum(int(np.count_nonzero(arr[i : i + _CHUNK] == byte)) for i in range(0, len(arr), _CHUNK))


def _positions(arr: np.ndarray, *values: int) -> np.ndarray:
    """Where ``arr`` holds one of ``values``, ascending."""
    found = []
    for i in range(0, len(arr), _CHUNK):
        chunk = arr[i : i + _CHUNK]
        hit = chunk == values[0]
        for value in values[1:]:
            hit |= chunk == value
        found.append(np.flatnonzero(hit) + i)
    return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)


def _pandas_cells(data: bytes, width: int | None) -> pd.DataFrame | None:
    """Every record's fields as text (``width`` columns; None: the header's, refusing longer records)."""
    try:
        return pd.read_csv(
            io.BytesIO(data),
            header=None,
            names=None if width is None else list(range(width)),
            dtype=object,
            na_filter=False,
            skip_blank_lines=False,
            index_col=False,
            encoding="utf-8",
            engine="c",
        )
    except UnicodeDecodeError:
        raise
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
        return None


def field_counts(data: bytes) -> np.ndarray | None:
    """The number of fields of every record of ``data``; None when its quotes are irregular.

    Quotes are regular when each ``"`` opens a field (at the start of the file or a record, after a
    comma, or right after a closing quote, doubling it), or closes one (at the end of the file or
    record, before a comma, or right before an opening quote). Records end at CR LF, LF or CR outside
    quotes; an empty record (an empty line) has no fields.
    """
    arr = np.frombuffer(data, dtype=np.uint8)
    n = len(arr)
    quotes = _positions(arr, _QUOTE)
    if len(quotes) % 2:
        return None  # a quote never closed
    ends = _positions(arr, _LF, _CR)
    commas = _positions(arr, _COMMA)
    if len(quotes):
        opening, closing = quotes[0::2], quotes[1::2]
        if not (_quotes_open_fields(arr, opening, closing) and _quotes_close_fields(arr, opening, closing)):
            return None
        ends = ends[np.searchsorted(quotes, ends) % 2 == 0]  # line breaks inside quotes belong to the field
    # CR LF is one end of record: an LF right after a CR is not another.
    ends = ends[~((arr[ends] == _LF) & (ends > 0) & (arr[np.maximum(ends - 1, 0)] == _CR))]
    crlf = (arr[ends] == _CR) & (ends + 1 < n) & (arr[np.minimum(ends + 1, n - 1)] == _LF)
    starts = np.concatenate(([0], ends + 1 + crlf))
    if starts[-1] >= n:  # the file ends with a line break: no record after it
        starts = starts[:-1]
    else:
        ends = np.concatenate((ends, [n]))
    # Commas up to each record's end, less those up to the previous record's (none lies between).
    separators = np.diff(np.searchsorted(commas, ends), prepend=0)
    if len(quotes):
        # Commas between an opening and its closing quote are text, not separators.
        inside = np.searchsorted(commas, closing) - np.searchsorted(commas, opening)
        record = np.searchsorted(ends, opening)
        separators = separators - np.bincount(record, weights=inside, minlength=len(ends)).astype(np.int64)
    return np.where(starts == ends, 0, separators + 1)


def _quotes_open_fields(arr: np.ndarray, opening: np.ndarray, closing: np.ndarray) -> bool:
    before = arr[np.maximum(opening - 1, 0)]
    ok = (opening == 0) | (before == _COMMA) | (before == _LF) | (before == _CR)
    ok[1:] |= closing[:-1] == opening[1:] - 1  # a doubled quote inside a quoted field
    return bool(ok.all())


def _quotes_close_fields(arr: np.ndarray, opening: np.ndarray, closing: np.ndarray) -> bool:
    after = arr[np.minimum(closing + 1, len(arr) - 1)]
    ok = (closing == len(arr) - 1) | (after == _COMMA) | (after == _LF) | (after == _CR)
    ok[:-1] |= opening[1:] == closing[:-1] + 1
    return bool(ok.all())


def _read_with_csv_module(data: bytes, shown: str) -> Records:
    """:class:`Records` read by the :mod:`csv` module (for files the fast reading declines)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataValidationError(
            [Problem(shown, f"not valid UTF-8 text ({exc.reason} at byte {exc.start})")]
        ) from None
    try:
        with long_fields(len(text)):
            rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise DataValidationError([Problem(shown, f"not a readable CSV file ({exc})")]) from None
    if not rows:
        return Records(header=None, columns=[], counts=np.zeros(0, dtype=np.int64))
    header, body = rows[0], rows[1:]
    counts = np.fromiter(map(len, body), dtype=np.int64, count=len(body))
    columns = [np.array(col, dtype=object) for col in itertools.zip_longest(*body, fillvalue="")]
    return Records(header=header, columns=columns, counts=counts)
