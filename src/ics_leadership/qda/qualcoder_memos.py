"""QualCoder's memos, annotations and journal as notes, for ``import --notes``.

QualCoder keeps a memo column on most of its tables, and two tables of free text of their own. Each
non-blank one becomes a note (:class:`ics_leadership.qda.model.Note`; ``via`` names where it came from):

=====================  ===================  ================================================================
table (column)         ``attached_to``      to what
=====================  ===================  ================================================================
``project.memo``       ``project``          the project
``journal.jentry``     ``none``             nothing (a journal entry; ``title`` is its name)
``source.memo``        ``document``         the document (``other`` for a picture, audio or video source)
``cases.memo``         ``case``             the case (participants.csv)
``code_text.memo``     ``coding``           the coding: document, span, code (placed as the coding is)
``annotation.memo``    ``selection``        the annotated span, read the way the document's codings were
``code_image.memo``,   ``other``            a picture or audio/video coding, which is not imported
``code_av.memo``
=====================  ===================  ================================================================

The memos of codes and categories (``code_name.memo``, ``code_cat.memo``) are not notes: they are the
codes' descriptions, written to codebook.csv (QualCoder's own REFI-QDA export writes them as a code's
``Description``). ``owner`` is the author and ``date`` (``yyyy-mm-dd hh:mm:ss``) the creation time. Memos of
``case_text`` (a case's span of a file) are not imported; the report counts them. A table or column
an older QualCoder lacks is simply absent. Everything read is charged to the import's budget like
the rest of the database (:meth:`ics_leadership.qda.qualcoder._Reader.read`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ics_leadership.qda.model import Note, iso_datetime, note_ids
from ics_leadership.qda.readings import place

if TYPE_CHECKING:
    from ics_leadership.qda.qualcoder import _Reader

#: (table, memo column, id column) of every memo read; the order is the order of notes' keys.
MEMO_COLUMNS = (
    ("annotation", "memo", "anid"),
    ("cases", "memo", "caseid"),
    ("code_av", "memo", "avid"),
    ("code_image", "memo", "imid"),
    ("code_text", "memo", "rowid"),
    ("journal", "jentry", "jid"),
    ("project", "memo", "rowid"),
    ("source", "memo", "id"),
)
NOT_IMPORTED = (("case_text", "memo"),)
#: Tables read only for their memos (the reader checks them like its own tables).
TABLES = ("annotation", "journal")
#: Columns read beside a memo, by table.
_EXTRA = {"journal": ("name",), "code_text": ("fid", "cid")}
_OTHER = {"attached_to": "other"}


class Memos:
    """The memos of one QualCoder database, read through its reader ``qc`` (a ``_Reader``)."""

    def __init__(self, qc: _Reader) -> None:
        self.qc = qc
        self.coded: dict[str, tuple[int, int]] = {}  # "code_text row N" -> span as placed
        self.annotations: dict[int, list[tuple]] = {}  # fid -> (anid, pos0, pos1, memo, owner, date)
        self.placed_annotations: dict[int, tuple[str, int, int] | None] = {}  # anid -> (document, start, end)

    def _has(self, table: str, column: str) -> bool:
        return column in self.qc.columns.get(table, []) or (column == "rowid" and table in self.qc.tables)

    def _present(self) -> list[tuple[str, str, str]]:
        return [(t, memo, ident) for t, memo, ident in MEMO_COLUMNS if self._has(t, memo) and self._has(t, ident)]

    def count(self, columns: tuple[tuple[str, str], ...] | None = None) -> int:
        """How many non-blank memos the database holds (in ``columns``; by default all that are read)."""
        wanted = columns or tuple((t, memo) for t, memo, _ident in self._present())
        total = 0
        for table, column in wanted:
            if self._has(table, column):
                ((n,),) = self.qc.query(
                    table, f"SELECT count(*) FROM {table} WHERE trim(coalesce({column}, '')) != ''", column=column
                )
                total += n
        return total

    # -- while the documents are read ----------------------------------------------------------
    def prepare(self) -> None:
        """Read the annotations (placed with each document's text, :meth:`place`)."""
        if self._has("annotation", "memo") and all(self._has("annotation", c) for c in ("fid", "pos0", "pos1")):
            rows = self._read("annotation", ("fid", "anid", "pos0", "pos1", "memo"), "ORDER BY fid, anid")
            for fid, anid, pos0, pos1, memo, owner, date in rows:
                self.annotations.setdefault(fid, []).append((anid, pos0, pos1, memo, owner, date))

    def place(self, fid: int, document_id: str, text: str, reading: str) -> None:
        """Place document ``fid``'s annotations in code points, as its codings were read (``reading``)."""
        found = self.annotations.get(fid, [])
        spans = place(text, reading, [(_int(a[1]), _int(a[2])) for a in found])
        for a, where in zip(found, spans):
            self.placed_annotations[a[0]] = None if where is None else (document_id, *where)

    # -- at the end ----------------------------------------------------------------------------
    def notes(self, documents: dict[int, str], case_ids: dict[int, str]) -> list[Note]:
        """Every memo as a note (``documents``: source id -> document_id of the text sources;
        ``case_ids``: case id -> participant_id)."""
        result = self.qc.result
        found: list[Note] = []
        for table, ident, text, owner, date, fields in self._memos(documents, case_ids):
            if text is None or not str(text).strip():
                continue
            key = f"{table}:{ident:012d}" if isinstance(ident, int) else f"{table}:{ident}"
            via = "journal" if table == "journal" else "annotation" if table == "annotation" else f"{table}.memo"
            author, created = str(owner or "").strip(), iso_datetime(str(date or ""))
            found.append(Note(key, author=author, created=created, text=str(text), via=via, **fields))
        ids = note_ids([n.key for n in found])
        for n in found:
            if n.attached_to != "other":
                continue
            table, _, ident = n.key.partition(":")
            row = f"table {table}, {'row' if table == 'code_text' else 'id'} {int(ident) if ident.isdigit() else ident}"
            if n.via == "annotation":
                result.warn(
                    "annotation not placed",
                    item=ids[n.key],
                    detail=f"{row}: its span does not fit its document's text (or the source is not text); "
                    "written with attached_to 'other'",
                )
            else:
                result.note(
                    "note attached to something not imported",
                    item=ids[n.key],
                    detail=f"{row} ({n.via}): not an imported document, coding or case; attached_to is 'other'",
                )
        skipped = self.count(NOT_IMPORTED)
        if skipped:
            result.skip("memos of case_text not imported", detail=f"{skipped} memos on a case's span of a file")
        return found

    def _memos(self, documents: dict[int, str], case_ids: dict[int, str]) -> Iterator[tuple]:
        """(table, id, text, owner, date, Note fields) for every memo column present."""
        for table, column, ident in self._present():
            if table == "annotation":
                continue  # read with the documents (prepare, place)
            extra = _EXTRA.get(table, ())
            for key, text, *more, owner, date in self._read(table, (ident, column, *extra), f"ORDER BY {ident}"):
                fields = self._attach(table, key, dict(zip(extra, more)), documents, case_ids)
                yield table, key, text, owner, date, fields
        for rows in self.annotations.values():
            for anid, _pos0, _pos1, text, owner, date in rows:
                where = self.placed_annotations.get(anid)
                fields = _OTHER if where is None else dict(zip(("document", "start", "end"), where))
                yield "annotation", anid, text, owner, date, {"attached_to": "selection", **fields}

    def _attach(
        self, table: str, key: object, extra: dict[str, object], documents: dict[int, str], case_ids: dict[int, str]
    ) -> dict[str, object]:
        """The Note fields saying what the memo in ``table``'s row ``key`` is attached to."""
        if table == "project":
            return {"attached_to": "project"}
        if table == "journal":
            return {"title": str(extra["name"] or "").strip()}
        if table == "source" and key in documents:
            return {"attached_to": "document", "document": documents[key]}
        if table == "cases" and key in case_ids:
            return {"attached_to": "case", "participant": case_ids[key]}
        span = self.coded.get(f"code_text row {key}") if table == "code_text" else None
        if span is not None and extra["fid"] in documents:
            fields = {"document": documents[extra["fid"]], "start": span[0], "end": span[1], "code": str(extra["cid"])}
            return {"attached_to": "coding", **fields}
        return _OTHER

    def _read(self, table: str, columns: tuple[str, ...], order: str) -> list[tuple]:
        """``columns``, then ``owner`` and ``date`` (None where the table lacks them), charged to the budget."""
        extra = tuple(c for c in ("owner", "date") if self._has(table, c))
        rows = self.qc.read(table, columns + extra, order)
        n = len(columns)
        return [(*r[:n], *(r[n + extra.index(c)] if c in extra else None for c in ("owner", "date"))) for r in rows]


def _int(value: object) -> int:
    """A stored offset as a whole number; -1 (placed nowhere) if it is not one."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1
