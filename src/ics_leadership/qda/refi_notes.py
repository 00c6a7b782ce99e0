"""REFI-QDA notes (memos) and what each is attached to, for ``import --notes``.

The methods of the reader (:class:`ics_leadership.qda.refi._RefiReader`) for notes; a mixin, like
:mod:`~ics_leadership.qda.refi_sources` and :mod:`~ics_leadership.qda.refi_codebook`, using the
reader's state.

What a project holds
--------------------
- ``<Notes>`` (after the sources): each ``Note`` has a ``name``, a ``creatingUser``, a
  ``creationDateTime``, an optional ``Description``, and its text in ``PlainTextContent`` or in a
  file named by ``plainTextPath`` (read as a source's text is, by
  :class:`~ics_leadership.qda.refi_locator.SourceLocator`: inside the archive, or ``relative://``
  only from ``--sources``). A text only in ``richTextPath`` (a .docx) is not read; the report says so.
- ``<NoteRef targetGUID="NOTE"/>`` inside the thing a note is attached to: the project, a code, a
  source, a text selection, a coding (and a case, which the schema leaves out but a tool may write).
- ``<Link originGUID=... targetGUID=...>`` with a note at one end: ATLAS.ti links a memo to a
  quotation this way instead of a NoteRef.

Because the notes come after the sources, and each source is freed once read, the reader records
as it goes what a reference will need: which note, and what holds the reference; and, for every
text selection, where :func:`ics_leadership.qda.model.settle_spans` placed it, so that a note on a
selection gets the code-point offsets its codings got, from the same offset reading. (That costs
memory per selection, only with ``--notes``.) References are resolved when the project ends: a
NoteRef to a note that does not exist is a warning in the report; a note attached to something not
imported (a picture, a video selection, another note) is written with ``attached_to`` ``other`` and
a report note saying what it was; a note attached to nothing gets one row, ``attached_to`` ``none``.

Without ``--notes`` notes are only counted (``meta["notes_found"]``), never read.
"""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

from lxml import etree

from ics_leadership.qda.errors import safe_text
from ics_leadership.qda.model import Note, ReportRow, iso_datetime, note_ids
from ics_leadership.qda.refi_xml import _release, norm_guid


class _Ref(NamedTuple):
    """A reference to a note, as met: what holds it (``kind``, ``target``), resolved at the end."""

    note: str
    kind: str  # project, document, selection, coding, whole (a coding of a whole source), code, case, link, other
    target: str  # GUID of what holds the reference (for a link: the other end)
    code: str  # for a coding: its code
    via: str  # "NoteRef" or "Link"
    line: int | None
    what: str  # the holder's element name, for the report


class _NoteHandlers:
    """Notes, NoteRefs and Links (see the module docstring)."""

    def _init_notes(self, wanted: bool) -> None:
        self.notes_wanted = wanted
        self.n_notes = 0
        self.note_records: dict[str, Note] = {}  # by GUID: the note itself, not yet attached
        self.note_issues: list[tuple[str, str, str, str]] = []  # (severity, what, note GUID, detail)
        self.note_refs: list[_Ref] = []
        self.links: list[tuple[str, str, int | None]] = []
        self.placements: dict[str, tuple[str, int, int]] = {}  # selection GUID -> (document_id, start, end)
        self.not_imported: dict[str, str] = {}  # GUID -> element name (pictures, media, PDF regions)

    def _note_tags(self) -> tuple[str, ...]:
        """Element names the reader must watch for notes: Note always (to count), the rest if wanted."""
        return ("Note", "NoteRef", "Link") if self.notes_wanted else ("Note",)

    # -- while reading ---------------------------------------------------------------------------
    def _note(self, el: etree._Element) -> None:
        parent = el.getparent()
        if parent is None or parent.tag != self.T.Notes:
            return
        self.n_notes += 1
        if self.notes_wanted:
            self._read_note(el)
        _release(el)

    def _read_note(self, el: etree._Element) -> None:
        T = self.T
        key = self.guid(el.get("guid"))
        if not key:
            key = f"~line {el.sourceline}"  # sorts after every GUID; nothing can refer to it
            self.note_issues.append(("warning", "note without a GUID", key, "written, but nothing can refer to it"))
        elif key in self.note_records:
            self.note_issues.append(
                ("skipped", "note GUID used twice", key, f"the note at line {el.sourceline} is left out")
            )
            return
        text, missing = None, ""
        path = el.get("plainTextPath")
        if path:
            not_read = self.locator.relative_not_read
            text, missing = self.locator.load(path, self.at(el))
            self.locator.relative_not_read = not_read  # that count (and the command's hint) is of sources
        if text is None:
            content = el.find(T.PlainTextContent)
            if content is not None:
                text = content.text or ""
        if text is None:
            why = missing or (
                "its text is only in a rich-text file (richTextPath), which is not read"
                if el.get("richTextPath")
                else "no PlainTextContent or plainTextPath"
            )
            self.note_issues.append(("skipped", "note text missing", key, f"{why}; written with an empty text"))
            text = ""
        raw_date = el.get("creationDateTime")
        created = iso_datetime(raw_date)
        if raw_date and not created:
            self.note_issues.append(
                ("note", "note date not ISO 8601", key, f"creationDateTime {safe_text(raw_date)}: left blank")
            )
        self.note_records[key] = Note(
            key,
            title=(el.get("name") or "").strip(),
            author=self.guid(el.get("creatingUser")),
            created=created,
            description=(el.findtext(T.Description) or "").strip(),
            text=text,
        )

    def _note_ref(self, el: etree._Element) -> None:
        """Record a NoteRef with what holds it (the holder is open: its attributes are all there)."""
        T = self.T
        holder = el.getparent()
        tag = holder.tag
        what = etree.QName(holder).localname
        kind, target, code = "other", norm_guid(holder.get("guid")), ""
        if tag == T.Project:
            kind, target = "project", ""
        elif tag == T.Code:
            kind = "code"
        elif tag == T.Case:
            kind = "case"
        elif tag in (T.TextSource, T.PDFSource) and self._is_top_source(holder):
            kind = "document"
        elif tag == T.Representation and self._is_top_source(holder.getparent()):
            kind, target = "document", norm_guid(holder.getparent().get("guid"))
        elif tag == T.PlainTextSelection:
            kind = "selection"  # resolved only if it was a text selection of a source
        elif tag == T.Coding:
            ref = holder.find(T.CodeRef)
            code = self.guid(ref.get("targetGUID")) if ref is not None else ""
            selection = holder.getparent()
            if selection is not None and selection.tag == T.PlainTextSelection:
                kind, target = "coding", norm_guid(selection.get("guid"))
            elif selection is not None and selection.tag in (T.TextSource, T.PDFSource):
                kind, target = "whole", norm_guid(selection.get("guid"))
        self.note_refs.append(_Ref(self.guid(el.get("targetGUID")), kind, target, code, "NoteRef", el.sourceline, what))

    def _link(self, el: etree._Element) -> None:
        self.links.append((self.guid(el.get("originGUID")), self.guid(el.get("targetGUID")), el.sourceline))

    def _not_imported(self, el: etree._Element) -> None:
        """Remember an element that is not imported (a picture, a PDF region), in case a note names it."""
        if self.notes_wanted and el.get("guid"):
            self.not_imported[norm_guid(el.get("guid"))] = etree.QName(el).localname

    def _placed(self, document_id: str, placed: dict[str, tuple[int, int]]) -> None:
        """Keep where a source's selections were placed (see the module docstring)."""
        for item, (start, end) in placed.items():
            self.placements[norm_guid(item)] = (document_id, start, end)

    # -- at the end ------------------------------------------------------------------------------
    def _finish_notes(self, case_ids: dict[str, str]) -> None:
        """Attach the notes (``result.notes``), or only count them when not wanted."""
        result = self.result
        if not self.notes_wanted:
            result.meta["notes_found"] = self.n_notes
            return
        records = self.note_records
        ids = note_ids(list(records))
        for severity, what, key, detail in self.note_issues:
            result.report.append(ReportRow(severity, what, item=ids.get(key, key), detail=detail))
        refs = list(self.note_refs)
        for origin, target, line in self.links:
            for note, other in ((origin, target), (target, origin)):
                if note in records:
                    refs.append(_Ref(note, "link", other, "", "Link", line, "Link"))
        rows: dict[tuple, Note] = {}
        for ref in refs:
            note = records.get(ref.note)
            if note is None:
                if ref.via == "NoteRef":
                    result.warn(
                        "NoteRef to a note that is not in the project",
                        item=ref.note,
                        detail=f"line {ref.line}, in {ref.what}: no such Note; nothing written to notes.csv for it",
                    )
                continue
            fields = self._target(ref, case_ids)
            if fields is None:  # a link to something the project does not hold
                result.note(
                    "note linked to an unknown object",
                    item=ids[ref.note],
                    detail=f"Link at line {ref.line} to {ref.target or 'nothing'}: not attached",
                )
                continue
            if fields["attached_to"] == "other":
                result.note(
                    "note attached to something not imported",
                    item=ids[ref.note],
                    detail=f"{fields.pop('what')} (via {ref.via}): attached_to is 'other'",
                )
            fields.pop("what", None)
            row = replace(note, via=ref.via, **fields)
            rows.setdefault(_row_key(row), row)
        attached = {row.key for row in rows.values()}
        for key, note in records.items():
            if key not in attached:
                rows[_row_key(note)] = note  # attached to nothing: one row, attached_to "none"
        result.notes = list(rows.values())

    def _target(self, ref: _Ref, case_ids: dict[str, str]) -> dict | None:
        """The canonical fields of what ``ref`` attaches its note to; ``attached_to`` 'other' if not
        imported; None for a link to an unknown GUID."""
        kind, target = ref.kind, ref.target
        codes = self.result.codes
        if kind == "project":
            return {"attached_to": "project"}
        if kind in ("document", "link") and target in self.by_key:
            return {"attached_to": "document", "document": self.by_key[target].document_id}
        if kind in ("selection", "coding", "link") and target in self.placements:
            document, start, end = self.placements[target]
            fields = {"attached_to": "selection", "document": document, "start": start, "end": end}
            return {**fields, "attached_to": "coding", "code": ref.code} if kind == "coding" else fields
        if kind == "whole" and target in self.by_key:
            doc = self.by_key[target]
            whole = {"document": doc.document_id, "start": 0, "end": doc.n_chars}
            return {"attached_to": "coding", **whole, "code": ref.code}
        if kind in ("code", "link") and target in codes:
            return {"attached_to": "code", "code": target}
        if kind in ("case", "link") and target in case_ids:
            return {"attached_to": "case", "participant": case_ids[target]}
        if kind == "link":
            if target in self.note_records:
                return {"attached_to": "other", "what": "Note"}
            if target in self.not_imported:
                return {"attached_to": "other", "what": self.not_imported[target]}
            return None
        what = self.not_imported.get(target, ref.what)
        return {"attached_to": "other", "what": what}


def _row_key(note: Note) -> tuple:
    return (note.key, note.attached_to, note.via, note.document, note.start, note.end, note.code, note.participant)
