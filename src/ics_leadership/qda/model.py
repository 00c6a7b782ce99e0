"""What every importer produces, and the rules they share for spans, offsets and attributes.

An importer turns a project into an :class:`ImportResult`: documents, codings (one per code applied
to a span by a coder), the project's codebook, participants (when the project has cases), and a
report of everything left out. :mod:`ics_leadership.qda.writer` turns that into canonical CSVs.

Offsets and line ends (the CRLF rule)
-------------------------------------
REFI-QDA offsets count characters of the source's plain text. Some tools count a CR LF line end as
one character although the text file has two. For a text containing CR LF, :func:`settle_spans`
scores both readings (raw text, and text with every CR LF read as LF) by the evidence against
them: spans that run past the end, span boundaries that fall between a CR and its LF, and
excerpts recorded by the tool (a selection's name, QualCoder's ``seltext``) that do not match the
text at the span. The LF reading is used only when it has strictly less evidence against it; then
``n_chars``, offsets and excerpts all refer to the LF text and the report says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ics_leadership.qda.errors import ImportFormatError

ELLIPSES = ("\u2026", "...")


@dataclass
class Code:
    """One code of the project's codebook, by its full path ("Parent/Child")."""

    path: str
    parent: str = ""
    description: str = ""
    codable: bool = True
    key: str = ""  # the tool's identifier (REFI GUID, QualCoder cid, ...), for references


@dataclass(slots=True)
class Span:
    """A selection as the tool recorded it, before its offsets are checked."""

    start: int
    end: int
    codings: list[tuple[str, str]]  # (code key, coder key)
    hint: str | None = None  # text the tool recorded for the span, to check offsets against
    item: str = ""  # the selection's identifier, for messages and the report
    line: int | None = None  # line in the project file, for messages


@dataclass
class Document:
    document_id: str
    n_chars: int
    key: str = ""
    participant_key: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass
class Participant:
    participant_id: str
    key: str
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass
class ReportRow:
    severity: str  # "skipped" (data left out) or "note" (data changed or worth knowing)
    what: str
    document: str = ""
    item: str = ""
    codings: int = 0
    detail: str = ""


@dataclass
class ImportResult:
    """Everything an importer read, in the tool's terms (code and coder keys not yet resolved)."""

    format: str
    documents: list[Document] = field(default_factory=list)
    # (document_id, start, end, code key, coder key, excerpt)
    codings: list[tuple[str, int, int, str, str, str]] = field(default_factory=list)
    codes: dict[str, Code] = field(default_factory=dict)  # by key
    coders: dict[str, str] = field(default_factory=dict)  # coder key -> display name
    participants: list[Participant] | None = None
    report: list[ReportRow] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    normalised_documents: list[str] = field(default_factory=list)

    def skip(self, what: str, document: str = "", item: str = "", codings: int = 0, detail: str = "") -> None:
        self.report.append(ReportRow("skipped", what, document, item, codings, detail))

    def note(self, what: str, document: str = "", item: str = "", codings: int = 0, detail: str = "") -> None:
        self.report.append(ReportRow("note", what, document, item, codings, detail))


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def recorded_excerpt(hint: str | None, length: int) -> str | None:
    """The tool's record of a span's text, if it looks like the text rather than a label.

    ATLAS.ti names a quotation by its first 100 characters and an ellipsis, unless the user
    renamed it ("damage done by fatty foods", "Quotation 6:1"). A name is taken as the excerpt
    only when it is exactly as long as the span, or shorter and ends with an ellipsis.
    """
    if not hint:
        return None
    if len(hint) == length:
        return hint
    if hint.endswith(ELLIPSES) and len(hint.rstrip("\u2026.")) <= length:
        return hint
    return None


def _agrees(text: str, span: Span) -> bool | None:
    """Whether the recorded excerpt matches the text at the span (None: nothing to compare)."""
    hint = recorded_excerpt(span.hint, span.end - span.start)
    if hint is None and span.hint and span.hint.endswith(ELLIPSES):
        hint = span.hint  # a truncated excerpt may be shorter than a drifted span
    if hint is None or not (0 <= span.start <= span.end <= len(text)):
        return None
    seg = _squash(text[span.start:span.end])
    if hint.endswith(ELLIPSES):
        return seg.startswith(_squash(hint.rstrip("\u2026").rstrip(".")))
    return seg == _squash(hint)


def _evidence_against(text: str, spans: list[Span], raw: bool) -> int:
    bad = 0
    for s in spans:
        if s.end > len(text):
            bad += 1
            continue
        if raw:
            for pos in (s.start, s.end):
                if 0 < pos < len(text) and text[pos - 1] == "\r" and text[pos] == "\n":
                    bad += 1
        if _agrees(text, s) is False:
            bad += 1
    return bad


def choose_text(text: str, spans: list[Span]) -> tuple[str, bool]:
    """Apply the CRLF rule (see the module docstring); return the text to use and whether it is LF."""
    if "\r\n" not in text:
        return text, False
    lf = text.replace("\r\n", "\n")
    if _evidence_against(lf, spans, raw=False) < _evidence_against(text, spans, raw=True):
        return lf, True
    return text, False


def settle_spans(result: ImportResult, document_id: str, text: str | None, spans: list[Span],
                 where: str, hint_is_excerpt: bool = False) -> int:
    """Check a document's spans, add its codings to ``result`` and return its ``n_chars``.

    With ``text`` None (the source file is missing) the length is the largest offset seen and
    excerpts come from the tool's record where it looks like the text (:func:`recorded_excerpt`),
    or always with ``hint_is_excerpt`` (the tool recorded the coded text itself).

    Raises
    ------
    ImportFormatError
        A span that ends before it starts, starts before 0, or runs past the end of the text.
    """
    if text is not None:
        text, normalised = choose_text(text, spans)
        if normalised:
            result.normalised_documents.append(document_id)
            result.note("offsets read with CR LF as one character", document_id,
                        detail="the text has CR LF line ends and the selections fit the LF reading better; "
                               "n_chars, offsets and excerpts refer to the text with LF line ends")
    limit = len(text) if text is not None else None
    n_chars = limit if limit is not None else max((s.end for s in spans), default=0)
    append = result.codings.append
    for s in spans:
        start, end = s.start, s.end
        if start < 0 or end < start or (limit is not None and end > limit):
            _bad_span(s, where, document_id, limit)
        if not s.codings:
            result.skip("selection without codes", document_id, s.item)
            continue
        if end == start:
            result.skip("empty selection (zero length)", document_id, s.item, len(s.codings))
            continue
        if text is not None:
            excerpt = text[start:end]
        else:
            excerpt = (s.hint or "") if hint_is_excerpt else (recorded_excerpt(s.hint, end - start) or "")
        for code_key, coder_key in s.codings:
            append((document_id, start, end, code_key, coder_key, excerpt))
    return n_chars


def _bad_span(s: Span, where: str, document_id: str, limit: int | None) -> None:
    at = f"{where}, line {s.line}" if s.line else where
    sel = f"selection {s.item}" if s.item else "selection"
    if s.start < 0 or s.end < 0:
        raise ImportFormatError(f"{at}: {sel} has a negative offset ({s.start}, {s.end})")
    if s.end < s.start:
        raise ImportFormatError(f"{at}: {sel} ends before it starts (start {s.start}, end {s.end}; reversed span)")
    raise ImportFormatError(f"{at}: {sel} [{s.start}, {s.end}) runs past the end of document "
                            f"'{document_id}' ({limit} characters)")


def unique_name(name: str, taken: set[str], fallback: str) -> str:
    """A name not yet in ``taken`` ("Name", then "Name (2)", ...); records it as taken."""
    base = name.strip() or fallback
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base} ({n})"
    taken.add(candidate)
    return candidate
