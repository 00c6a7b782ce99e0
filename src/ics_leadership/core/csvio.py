"""Reading CSV whose fields may be long: an interview-length excerpt, a Taguette highlight.

Python's :mod:`csv` refuses a field longer than 131,072 characters (``csv.field_size_limit``), a
limit that is the csv module's, not ours: a legitimate highlight can be longer. The limit is one
setting for the whole process, so :func:`long_fields` raises it only while one text is read, and
only as far as that text's length (no field can be longer than the text holding it), then puts it
back. The caps on what is read at all are the importer's own (``--max-size``).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager

# csv keeps the limit in a C long, which is 32 bits on Windows.
_C_LONG_MAX = 2**31 - 1


@contextmanager
def long_fields(size: int) -> Iterator[None]:
    """Allow CSV fields up to ``size`` characters while the block runs (not thread-safe)."""
    old = csv.field_size_limit()
    csv.field_size_limit(max(old, min(size + 1, _C_LONG_MAX)))
    try:
        yield
    finally:
        csv.field_size_limit(old)
