"""Untrusted XML parsed by lxml with every protection on.

Entity resolution, network access and DTD loading are switched off, and a DOCTYPE with an internal
subset or an external DTD is refused before parsing starts (no XXE, no "billion laughs"); REFI-QDA
files never need one. libxml2's own size limits are lifted (``huge_tree=True``: a 15 MB interview
in one ``PlainTextContent`` is legitimate): with entities and DTDs refused, the limits that matter
are :mod:`ics_leadership.qda.limits`'s, which the user sets. Separate from the archive: a bare
``.qde`` is XML without one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

from lxml import etree

from ics_leadership.qda.errors import ImportFormatError, UnsafeInputError
from ics_leadership.qda.limits import CountingReader, Limits
from ics_leadership.qda.sizes import KiB, format_size


class _PrologGuard:
    """Look at the XML prolog before libxml2 does, and refuse DOCTYPEs that declare anything."""

    def __init__(self, raw: CountingReader | BinaryIO, where: str, limits: Limits):
        self._raw = raw
        self._where = where
        self._limits = limits
        self._pending: bytes | None = None

    def read(self, n: int = -1) -> bytes:
        if self._pending is None:
            self._pending = self._scan()
        if self._pending:
            data, self._pending = self._pending, b""
            return data
        return self._raw.read(n)

    def _scan(self) -> bytes:
        buf = b""
        while True:
            chunk = self._raw.read(64 * KiB)
            buf += chunk
            verdict = _prolog_verdict(buf, eof=not chunk)
            if verdict is not None:
                if verdict:
                    raise UnsafeInputError(f"{self._where}: {verdict}")
                return buf
            if len(buf) > self._limits.max_prolog:
                raise UnsafeInputError(
                    f"{self._where}: more than {format_size(self._limits.max_prolog)} before the root element"
                )


def _prolog_verdict(buf: bytes, eof: bool) -> str | None:
    """ "" if the prolog is fine, a reason if it must be refused, None if more bytes are needed."""
    if buf.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = buf.decode("utf-16", errors="ignore")
    else:
        text = buf.decode("latin-1")  # markup is ASCII; the scan needs no exact decoding
    i = 0
    while True:
        j = text.find("<", i)
        if j < 0:
            return "" if eof else None
        if text.startswith("<?", j):
            k = text.find("?>", j)
            step = 2
        elif text.startswith("<!--", j):
            k = text.find("-->", j)
            step = 3
        elif text[j : j + 9].upper() == "<!DOCTYPE":
            k = text.find(">", j)
            head = text[j : k if k >= 0 else len(text)]
            if "[" in head or re.search(r"<!ENTITY", text[j:]):
                return (
                    "DOCTYPE declares an internal subset or entities (<!ENTITY ...>): refused (XXE / entity expansion)"
                )
            if re.search(r"\b(SYSTEM|PUBLIC)\b", head):
                return "DOCTYPE refers to an external DTD: refused (no network, no local files)"
            step = 1
        else:
            return ""  # the root element starts here
        if k < 0:
            return "" if eof else None
        i = k + step


def iterparse(
    stream: CountingReader | BinaryIO,
    where: str,
    limits: Limits,
    events: tuple[str, ...] = ("start", "end"),
    tag: tuple[str, ...] | None = None,
) -> Iterator[tuple[str, etree._Element]]:
    """Stream ``(event, element)`` pairs from untrusted XML, with every protection on.

    ``tag`` restricts the events to those elements (lxml's filter, ``{*}Name`` wildcards allowed).
    Parse errors become :class:`ImportFormatError` naming ``where`` and the line.
    """
    parser_events = etree.iterparse(
        _PrologGuard(stream, where, limits),
        events=events,
        tag=tag,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=True,
        remove_comments=True,
        remove_pis=True,
        dtd_validation=False,
    )
    try:
        for event, element in parser_events:
            _check_docinfo(element, where)
            yield event, element
            break
        yield from parser_events
    except etree.XMLSyntaxError as exc:
        raise ImportFormatError(f"{where}: not well-formed XML ({_xml_reason(exc)})") from None


def _check_docinfo(element: etree._Element, where: str) -> None:
    # Belt and braces: the prolog scan should already have refused these.
    info = element.getroottree().docinfo
    dtd = info.internalDTD
    if dtd is not None and list(dtd.entities()):
        raise UnsafeInputError(f"{where}: DOCTYPE declares entities: refused (XXE / entity expansion)")
    if info.system_url or info.public_id:
        raise UnsafeInputError(f"{where}: DOCTYPE refers to an external DTD: refused")


def _xml_reason(exc: etree.XMLSyntaxError) -> str:
    msg = str(exc.msg if getattr(exc, "msg", None) else exc)
    msg = re.sub(r"\s*\(<string>, line \d+\)\s*$", "", msg)
    msg = re.sub(r",?\s*line \d+, column \d+\s*$", "", msg)
    line = exc.lineno
    return f"line {line}: {msg}" if line else msg
