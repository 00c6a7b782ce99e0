"""Reading untrusted archives and XML safely.

A project file comes from outside: it may be damaged, or built to attack the machine that opens
it. Two rules follow.

Archives (``.qdpx``, ``.xlsx``) are never extracted to disk. Every member name is checked when the
archive is opened (no absolute paths, no ``..``, no backslashes, no symbolic links, no duplicates,
no encryption, only stored or deflated data), and members are read as streams that count the bytes
they actually produce: the total for one import and the ratio of each member are capped while
reading, not only from the sizes the headers declare.

XML is parsed by lxml with entity resolution, network access and DTD loading switched off. A
DOCTYPE with an internal subset or an external DTD is refused before parsing starts (no XXE, no
"billion laughs"); REFI-QDA files never need one. libxml2's own size limits are lifted
(``huge_tree=True``: a 15 MB interview in one ``PlainTextContent`` is legitimate): with entities
and DTDs refused, the limits that matter are the caps of :mod:`~ics_leadership.qda.limits`, which
the user sets (``--max-size``, ``--max-ratio``) and every message names.

Files a project names (``relative://`` sources, ``Sources/`` beside a bare ``.qde``) are read only
inside one folder: :func:`relative_parts` checks the path as written, :func:`resolve_inside` checks
where it really leads (symbolic links followed), and :func:`open_regular` opens the result without
following a link swapped in meanwhile.

The rules live in one module each: :mod:`~ics_leadership.qda.limits` (the caps and the counting
stream), :mod:`~ics_leadership.qda.sizes` (sizes as the user writes them),
:mod:`~ics_leadership.qda.archive` (zip archives), :mod:`~ics_leadership.qda.confine` (files a
project names), :mod:`~ics_leadership.qda.safexml` (XML). This module is where importers take them
from, and decodes plain text.
"""

from __future__ import annotations

from ics_leadership.qda.archive import SafeArchive, open_file
from ics_leadership.qda.confine import open_regular, relative_parts, resolve_inside
from ics_leadership.qda.errors import ImportFormatError
from ics_leadership.qda.limits import Budget, CountingReader, Limits
from ics_leadership.qda.safexml import iterparse
from ics_leadership.qda.sizes import GiB, KiB, MiB, format_size, parse_ratio, parse_size

__all__ = [
    "Budget",
    "CountingReader",
    "GiB",
    "KiB",
    "Limits",
    "MiB",
    "SafeArchive",
    "decode_text",
    "format_size",
    "iterparse",
    "open_file",
    "open_regular",
    "parse_ratio",
    "parse_size",
    "relative_parts",
    "resolve_inside",
]


def decode_text(data: bytes, where: str) -> str:
    """Decode a plain-text source as strict UTF-8 (REFI-QDA's encoding), dropping a leading BOM."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ImportFormatError(f"{where}: not valid UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return text[1:] if text.startswith("\ufeff") else text
