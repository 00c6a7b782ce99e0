"""The REFI-QDA XML vocabulary shared by the reader's parts: namespaces, element names, GUIDs.

Separate so that the reader (:mod:`ics_leadership.qda.refi`) and its parts for sources
(:mod:`ics_leadership.qda.refi_sources`) and the codebook (:mod:`ics_leadership.qda.refi_codebook`)
name elements one way, without importing each other; :func:`_release` frees what has been read,
which keeps the streamed reading flat in memory.
"""

from __future__ import annotations

from lxml import etree

NS_PROJECT = "urn:QDA-XML:project:1.0"
NS_CODEBOOK = "urn:QDA-XML:codebook:1.0"

_VALUE_TAGS = ("TextValue", "BooleanValue", "IntegerValue", "FloatValue", "DateValue", "DateTimeValue")
_SOURCE_TAGS = ("TextSource", "PDFSource", "PictureSource", "AudioSource", "VideoSource")
_SKIPPED_SELECTIONS = {
    "PictureSelection": "picture selection",
    "PDFSelection": "PDF region selection",
    "AudioSelection": "audio selection",
    "VideoSelection": "video selection",
    "TranscriptSelection": "transcript selection (sync-point based, no character offsets)",
}


def norm_guid(value: str | None) -> str:
    """GUIDs compare ignoring case and the optional braces."""
    return (value or "").strip().strip("{}").upper()


class _Tags:
    """Qualified tag names in one namespace, as attributes: ``T.Code`` -> ``{ns}Code``."""

    def __init__(self, ns: str):
        self.ns = ns

    def __getattr__(self, name: str) -> str:
        value = f"{{{self.ns}}}{name}"
        setattr(self, name, value)
        return value


def _release(el: etree._Element) -> None:
    """Free a processed element and the already-processed siblings before it."""
    el.clear(keep_tail=False)
    parent = el.getparent()
    if parent is not None:
        while el.getprevious() is not None:
            del parent[0]
