"""What every importer produces, and the rules they share for spans, offsets and attributes.

An importer turns a project into an :class:`ImportResult`: documents, codings (one per code applied
to a span by a coder), the project's codebook, participants (when the project has cases), and a
report of everything left out. :mod:`ics_leadership.qda.writer` turns that into canonical CSVs.

Offsets
-------
Tools count offsets in different ways (UTF-16 code units or code points, CR LF as one or two).
:func:`settle_spans` has :mod:`ics_leadership.qda.offsets` decide, per document, which way the
offsets follow, converts them to code points of the text as stored, and records the reading used
(one report row per document, and a summary in ``corpus.yaml``). ``n_chars``, offsets and excerpts
always refer to code points of the document's plain text exactly as stored.

Notes and memos
---------------
With ``import --notes`` an importer also fills :attr:`ImportResult.notes`: one :class:`Note` per
note (memo) and thing it is attached to, in canonical terms (document ids, offsets in code points as
:func:`settle_spans` placed the selection), which :mod:`ics_leadership.qda.notes` writes as
``notes.csv``. Without it ``notes`` stays None and ``meta["notes_found"]`` counts the notes left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter, lt
from typing import Any

from ics_leadership.qda import offsets
from ics_leadership.qda.errors import ImportFormatError
from ics_leadership.qda.offsets import Decision, Prior, recorded_excerpt


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
    hint: str | None = None  # text the tool recorded for the span (the excerpt, where the text is missing)
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
    severity: str  # "skipped" (data left out), "warning" (may be wrong: check) or "note" (worth knowing)
    what: str
    document: str = ""
    item: str = ""
    codings: int = 0
    detail: str = ""


#: What a note can be attached to (``notes.csv``'s ``attached_to``), in the order rows are listed.
NOTE_TARGETS = ("none", "project", "document", "selection", "coding", "code", "case", "other")


@dataclass(slots=True)
class Note:
    """One note (memo) and one thing it is attached to (a note attached to two things is two).

    ``document``, ``start``/``end`` and ``participant`` are canonical (as in documents.csv and
    codings.csv, before pseudonyms); ``code`` and ``author`` are keys the writer resolves like a
    coding's code and coder.
    """

    key: str  # the tool's id of the note: notes are numbered note_1, note_2, ... in the order of these
    title: str = ""
    author: str = ""  # coder key (REFI-QDA user GUID, QualCoder owner); "" if the tool names none
    created: str = ""  # ISO 8601 (see iso_datetime), or ""
    description: str = ""
    text: str = ""
    attached_to: str = "none"  # one of NOTE_TARGETS
    via: str = ""  # how the tool attaches it: "NoteRef", "Link", a QualCoder table
    document: str = ""
    start: int | None = None
    end: int | None = None
    code: str = ""
    participant: str = ""


def note_ids(keys: list[str] | set[str]) -> dict[str, str]:
    """``note_1``, ``note_2``, ... for the notes' keys, numbered in the keys' order (stable across imports)."""
    return {key: f"note_{i}" for i, key in enumerate(sorted(set(keys)), start=1)}


def iso_datetime(value: str | None) -> str:
    """``value`` if it is an ISO 8601 date or date-time (a space before the time becomes ``T``), else ""."""
    text = (value or "").strip()
    if not text:
        return ""
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return ""
    return text.replace(" ", "T", 1) if len(text) > 10 and text[10] == " " else text


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
    readings: list[tuple[str, str, str]] = field(default_factory=list)  # (document, reading, basis)
    notes: list[Note] | None = None  # None: notes not asked for (import --notes)

    def skip(self, what: str, document: str = "", item: str = "", codings: int = 0, detail: str = "") -> None:
        self.report.append(ReportRow("skipped", what, document, item, codings, detail))

    def note(self, what: str, document: str = "", item: str = "", codings: int = 0, detail: str = "") -> None:
        self.report.append(ReportRow("note", what, document, item, codings, detail))

    def warn(self, what: str, document: str = "", item: str = "", codings: int = 0, detail: str = "") -> None:
        self.report.append(ReportRow("warning", what, document, item, codings, detail))

    def record_reading(self, document_id: str, decision: Decision) -> None:
        """One report row saying how the document's offsets were read (and a second for a warning)."""
        self.readings.append((document_id, decision.reading, decision.basis))
        if decision.warning:
            self.warn(decision.warning, document_id, detail=decision.detail)
        elif decision.reading == offsets.NONE:
            self.note("offsets: no selections", document_id, detail=decision.detail)
        elif decision.basis == offsets.AGREE:
            self.note("offsets: every reading agrees", document_id, detail=decision.detail)
        else:
            label = next(r.label for r in offsets.READINGS if r.id == decision.reading)
            self.note(f"offsets read as {label}", document_id, detail=decision.detail)
        inside = decision.inside_warning
        if inside:
            self.warn("many selection boundaries inside words", document_id, detail=inside)


_START, _END, _ITEM = attrgetter("start"), attrgetter("end"), attrgetter("item")


def settle_spans(
    result: ImportResult,
    document_id: str,
    text: str | None,
    spans: list[Span],
    where: str,
    hint_is_excerpt: bool = False,
    prior: Prior | None = None,
    synthetic: bool = False,
    placed: dict[str, tuple[int, int]] | None = None,
) -> int:
    """Check a document's spans, read their offsets, add its codings to ``result``; return ``n_chars``.

    With ``text``, the offsets are read as :func:`ics_leadership.qda.offsets.decide` decides (from
    the boundaries, then ``prior``, by default the one for the project's ``origin``) and converted
    to code points of ``text``; ``n_chars`` is ``len(text)``. With ``text`` None (the source text is
    missing) the offsets are kept as exported, the length is the largest offset seen and excerpts
    come from the tool's record where it looks like the text (:func:`recorded_excerpt`), or always
    with ``hint_is_excerpt`` (the tool recorded the coded text itself); ``synthetic`` says the
    importer built the offsets itself (Taguette without offsets). The reading used is recorded in
    the report (a warning where nothing decided, or the text is missing) and in ``result.readings``.
    ``placed``, if given, receives every span's ``item`` -> its ``(start, end)`` as written (notes
    attached to a selection, including one without codes, are placed exactly as its codings).

    Raises
    ------
    ImportFormatError
        A span that ends before it starts, starts before 0, or that no reading places inside the text.
    """
    starts = list(map(_START, spans))
    ends = list(map(_END, spans))
    if (starts and min(starts) < 0) or any(map(lt, ends, starts)):  # checked in C; the culprit, in order
        _bad_span(next(s for s in spans if s.start < 0 or s.end < s.start), where, document_id, None)
    if text is None:
        decision = offsets.synthetic() if synthetic else offsets.missing_text(len(spans))
        n_chars = max(ends, default=0)
    else:
        if prior is None:
            prior = offsets.prior_for(result.meta.get("origin"))
        decision = offsets.decide(text, starts, ends, prior, (s.hint for s in spans))
        if decision.outside is not None:
            _bad_span(spans[decision.outside], where, document_id, len(text), decision.units)
        n_chars = len(text)
        if decision.starts is not None:
            starts, ends = decision.starts, decision.ends
    result.record_reading(document_id, decision)
    if placed is not None:
        placed.update(zip(map(_ITEM, spans), zip(starts, ends)))
    append = result.codings.append
    for s, start, end in zip(spans, starts, ends):
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


def _bad_span(s: Span, where: str, document_id: str, limit: int | None, units: int | None = None) -> None:
    at = f"{where}, line {s.line}" if s.line else where
    sel = f"selection {s.item}" if s.item else "selection"
    if s.start < 0 or s.end < 0:
        raise ImportFormatError(f"{at}: {sel} has a negative offset ({s.start}, {s.end})")
    if s.end < s.start:
        raise ImportFormatError(f"{at}: {sel} ends before it starts (start {s.start}, end {s.end}; reversed span)")
    also = f"; {units} UTF-16 code units" if units is not None and units != limit else ""
    raise ImportFormatError(
        f"{at}: {sel} [{s.start}, {s.end}) runs past the end of document '{document_id}' ({limit} characters{also})"
    )


def unique_name(name: str, taken: set[str], fallback: str) -> str:
    """A name not yet in ``taken`` ("Name", then "Name (2)", ...); records it as taken."""
    base = name.strip() or fallback
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base} ({n})"
    taken.add(candidate)
    return candidate
