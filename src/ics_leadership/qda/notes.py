"""``notes.csv``: a project's notes and memos, written by ``import --notes``, and who may read them.

Notes are off by default: memos are confidential free text, written about the people interviewed
and often naming them. One row per note and thing it is attached to (a note attached to two things
is two rows with one ``note_id``; a note attached to nothing is one row):

================  ==================================================================================
``note_id``       ``note_1``, ``note_2``, ...: numbered in the order of the tool's own ids (REFI-QDA
                  GUIDs; QualCoder's table and row), so one project gives the same numbers every time
``title``         the note's name (QualCoder: a journal entry's name; its memos have none)
``author``        who wrote it, written as coders are in codings.csv (pseudonyms with ``--anonymise``
                  or ``--anonymise-coders``: an author who coded nothing gets the next number)
``created``       when, ISO 8601 (blank when the tool gives no date or one that is not ISO 8601)
``attached_to``   ``none``, ``project``, ``document``, ``selection``, ``coding``, ``code``, ``case``, or
                  ``other`` (something not imported: a picture, a video selection, another note; the
                  report says what)
``via``           how the tool attaches it: ``NoteRef`` or ``Link`` (REFI-QDA), or the QualCoder table
``document_id``   for a document, selection or coding: the document, as in documents.csv
``start``/``end`` for a selection or coding: its span in code points, read exactly as the document's
                  codings were (the same offset reading; kept as exported where the text is missing)
``code``          for a code or coding: the code's path, as in codebook.csv
``participant_id`` for a case: the case, as in participants.csv
``description``   the note's description (REFI-QDA ``Description``), if any
``text``          the note's plain text exactly as stored (a CR LF stays a CR LF), a protected text cell
================  ==================================================================================

Privacy (:func:`withheld`): with ``--anonymise`` (documents and cases as pseudonyms) the free text,
``title``, ``description`` and ``text``, is left empty unless ``--keep-note-text`` is given: free
text names people the importer cannot know of, and no pseudonym can replace them. The rows still
say who wrote which note, when, and what it is attached to, as pseudonyms. Text that is kept while
anything is anonymised (``--keep-note-text``, or ``--anonymise-coders`` alone) has every name the
project knows (coders, documents, cases) replaced by its pseudonym, as the rest of the output does
(:meth:`ics_leadership.qda.privacy.Pseudonyms.redact`), and the report warns that other names stay.
"""

from __future__ import annotations

from ics_leadership.qda.errors import ImportFormatError
from ics_leadership.qda.model import NOTE_TARGETS, ImportResult, note_ids
from ics_leadership.qda.privacy import Pseudonyms

NOTES_FILE = "notes.csv"
NOTES_COLUMNS = [
    "note_id",
    "title",
    "author",
    "created",
    "attached_to",
    "via",
    "document_id",
    "start",
    "end",
    "code",
    "participant_id",
    "description",
    "text",
]

#: What corpus.yaml says of the notes' text, by rule.
TEXT_RULES = {
    "kept": "kept as the tool stored it",
    "redacted": (
        "kept, with the names of coders, documents and cases replaced by their pseudonyms (other names "
        "in the free text stay: read notes.csv before sharing it)"
    ),
    "withheld": ("withheld (import --anonymise): title, description and text are empty; --keep-note-text keeps them"),
}


def withheld(anonymised: tuple[str, ...], keep_text: bool) -> bool:
    """Whether the notes' free text is left out: anonymising documents or cases, unless ``keep_text``."""
    return not keep_text and bool({"documents", "participants"} & set(anonymised))


def text_rule(anonymised: tuple[str, ...], keep_text: bool) -> str:
    """``"withheld"``, ``"redacted"`` or ``"kept"`` (the keys of :data:`TEXT_RULES`)."""
    if withheld(anonymised, keep_text):
        return "withheld"
    return "redacted" if anonymised else "kept"


def note_rows(
    result: ImportResult,
    doc_ids: dict[str, str],
    people: dict[str, str],
    authors: dict[str, str],
    pseudonyms: Pseudonyms,
    rule: str,
) -> list[list[object]]:
    """The rows of notes.csv (in :data:`NOTES_COLUMNS`), sorted by note, then by what it is attached to.

    ``doc_ids`` and ``people`` map documents and participants to the names written (pseudonyms where
    anonymised: every document and case is in them); ``authors`` maps coder keys to labels; ``rule`` is
    :func:`text_rule`'s.
    """
    notes = result.notes or []
    ids = note_ids([n.key for n in notes])
    paths = {key: code.path for key, code in result.codes.items()}
    order = {kind: i for i, kind in enumerate(NOTE_TARGETS)}

    def free(text: str) -> str:
        if rule == "withheld":
            return ""
        return pseudonyms.redact(text) if rule == "redacted" else text

    hidden = "(withheld by --anonymise)"  # never an original where pseudonyms stand (none is missing)
    docs_hidden, people_hidden = "documents" in pseudonyms.by_kind, "participants" in pseudonyms.by_kind

    keyed = []
    for n in notes:
        note_id = ids[n.key]
        document = doc_ids.get(n.document, hidden if docs_hidden else n.document) if n.document else ""
        row = [
            note_id,
            free(n.title),
            authors.get(n.author, "") if n.author else "",
            n.created,
            n.attached_to,
            n.via,
            document,
            "" if n.start is None else n.start,
            "" if n.end is None else n.end,
            paths.get(n.code, "") if n.code else "",
            people.get(n.participant, hidden if people_hidden and n.participant else n.participant),
            free(n.description),
            free(n.text),
        ]
        span = (-1 if n.start is None else n.start, -1 if n.end is None else n.end)
        sort = (int(note_id[5:]), order[n.attached_to], document, span, row[9], row[10], n.via)
        keyed.append((sort, row))
    keyed.sort(key=lambda item: item[0])
    return [row for _sort, row in keyed]


def check_note_options(fmt: str, notes: bool, keep_text: bool, anonymised: tuple[str, ...]) -> None:
    """Refuse note options that cannot apply (before any work), in one line naming the option."""
    if notes and fmt in ("taguette", "csv"):
        what = (
            "Taguette's exports hold no notes or memos"
            if fmt == "taguette"
            else "a folder of canonical CSVs has no notes to import (its notes.csv, if any, is not carried over)"
        )
        raise ImportFormatError(f"--notes: {what}; it reads REFI-QDA and QualCoder projects")
    if keep_text and not (notes and withheld(anonymised, False)):
        raise ImportFormatError(
            "--keep-note-text: only with --notes and --anonymise (note text is left out only under --anonymise)"
        )


def record_notes(
    result: ImportResult, fmt: str, rules: dict[str, object], anonymised: tuple[str, ...], keep_text: bool
) -> int:
    """Say in ``rules`` (corpus.yaml's import section) and the report what became of the project's
    notes; return how many were left out for want of ``--notes`` (the command says so)."""
    if fmt == "taguette":
        rules["notes"] = "none: Taguette's exports hold no notes or memos"
        return 0
    if result.notes is not None:
        n = len({note.key for note in result.notes})
        rules["notes"] = f"imported: {n} notes to {NOTES_FILE} (one row per note and what it is attached to)"
        rules["note_text"] = TEXT_RULES[text_rule(anonymised, keep_text)]
        return 0
    found = result.meta.pop("notes_found", 0)
    if not found:
        rules["notes"] = "none in the project"
        return 0
    rules["notes"] = f"not imported: the project has {found} notes (import with --notes to write {NOTES_FILE})"
    result.note(
        "notes not imported (use --notes)",
        detail=f"the project has {found} notes or memos; they are confidential free text, so they are "
        f"written (to {NOTES_FILE}) only when asked",
    )
    return found
