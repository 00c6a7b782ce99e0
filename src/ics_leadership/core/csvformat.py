"""The version of the canonical coded-data format, and its spreadsheet-safe text cells.

Format versions
---------------
``corpus.yaml`` of a canonical folder, and a mapping file, may say ``format_version: 2``; the tool
writes it in every ``corpus.yaml``. Without it (or without ``corpus.yaml``) a folder or mapping is
version 1, the format before code-path escapes and protected cells. Version 2 adds two rules:

- code paths escape "/" and "\\" inside a name (:mod:`ics_leadership.coding.codepath`);
- text cells are spreadsheet-safe (below).

A version this tool does not know is an error naming the file, line and field (from the file's schema).

Spreadsheet-safe cells
----------------------
Every CSV the tool writes may be opened in Excel or LibreOffice, which run a cell that starts with
``=``, ``+``, ``-`` or ``@`` (or a tab or CR before one) as a formula. Following OWASP's guidance on
CSV injection, a text cell that starts with one of ``= + - @``, a tab, a CR or ``'`` is written with
one ``'`` in front (:func:`protect`); a spreadsheet shows the text and does not run it. A cell that
is just a number, such as ``-3`` or ``+1.5``, is left as it is. Reading version 2, the loader
removes exactly that one ``'`` (:func:`unprotect`): a cell that starts with ``'`` followed by one of
those characters (``''`` included) loses its first character, any other cell is read as written.
So every text survives a write and a read unchanged.
"""

from __future__ import annotations

import re
from typing import Any

#: The version the tool writes.
FORMAT_VERSION = 2
#: The versions the tool reads.
KNOWN_VERSIONS = (1, 2)
FIELD = "format_version"

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "'")
_TRIGGER_SET = frozenset(TRIGGERS)  # what protect() may change: checked before calling it
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def protect(text: str) -> str:
    """A text cell as written to a CSV file (one ``'`` before a cell a spreadsheet would run)."""
    if text[:1] in TRIGGERS and text and not (text[0] in "+-" and _NUMBER.fullmatch(text)):
        return "'" + text
    return text


def quoted(text: str) -> str:
    """``text`` as a CSV field: quoted when it holds a comma, a quote, a CR or an LF, as the csv module's
    minimal quoting does, except that a lone CR is quoted too (``csv.writer`` with an LF line end leaves
    it bare, and ``csv.reader`` then splits the record there)."""
    # Four substring tests beat one regex search several times over on this hot path (the importers).
    if '"' in text or "," in text or "\n" in text or "\r" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def text_field(text: str) -> str:
    """A text cell as every CSV the tool writes holds it: :func:`protect`, then :func:`quoted`."""
    return quoted(protect(text) if text[:1] in _TRIGGER_SET else text)


def text_fields(texts: list[str]) -> list[str]:
    """:func:`text_field` of each of ``texts`` (a column's distinct values). Checked all at once first:
    in most columns (identifiers, codes) no text needs protecting or quoting, and a call per text
    would be wasted."""
    joined = "\x00".join(texts)
    if not any(ch in joined for ch in ',"\n\r') and not {t[:1] for t in texts} & _TRIGGER_SET:
        return texts
    return [text_field(t) for t in texts]


def unprotect(text: str) -> str:
    """A text cell as read from a version-2 CSV file (the inverse of :func:`protect`)."""
    if text[:1] == "'" and text[1:2] in TRIGGERS and len(text) > 1:
        return text[1:]
    return text


def read_version(doc: Any) -> int:
    """The ``format_version`` of a parsed ``corpus.yaml`` or mapping file (1 when absent).

    The value is checked by the file's schema (``schemas/corpus.schema.json``,
    ``schemas/mapping.schema.json``), which names the file, line and field; a value the schema
    refuses reads here as 1, so that the loader can go on and list every other problem too.
    """
    value = doc.get(FIELD, 1) if isinstance(doc, dict) else 1
    if isinstance(value, bool) or not isinstance(value, int | float) or value not in KNOWN_VERSIONS:
        return 1
    return int(value)  # 2.0 is 2, as the schema's "integer" has it
