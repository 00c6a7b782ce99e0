"""QualCoder projects: a ``NAME.qda`` folder holding the SQLite database ``data.qda``.

The database is opened read-only (``file:...?mode=ro``, ``query_only``, ``trusted_schema`` off) and
only stored data are read: a view, a virtual table or a table with a generated (computed) column
where a QualCoder table is expected is refused, since each computes its values when read (a 12 KB
database can yield gigabytes of text that way). What is read is charged to the import's budget
(``--max-size``) before it is fetched: each table's text is measured in SQL first, each source's
``fulltext`` on its own, and SQLite itself refuses any one value longer than the budget.
Tables read:

- ``source`` (id, name, fulltext): sources with text are documents; ``pos0``/``pos1`` index
  ``fulltext`` as a Python string (code points, CR LF as two), end exclusive: the offset reading
  :data:`ics_leadership.qda.offsets.QUALCODER_DATABASE`, unless the selections clearly say
  otherwise. Sources without text (pictures, audio, video) are skipped, and so are their codings
  (``code_image``, ``code_av``), with counts in the report.
- ``code_text`` (cid, fid, pos0, pos1, seltext, owner): one row per coding; ``owner`` is the coder;
  the excerpt is the text at the span; ``seltext`` only serves as evidence of how the offsets count
  (:mod:`ics_leadership.qda.offsets`).
- ``code_name`` (cid, name, catid, memo) and ``code_cat`` (catid, name, supercatid, memo): a code's
  path is its categories from the top down, then its name, joined with "/" (names escaped as
  :mod:`ics_leadership.coding.codepath` says); categories are listed in the codebook as non-codable.
- ``cases``, ``case_text`` and ``attribute`` (when present): a case is a participant, the files it
  covers get it as ``participant_id``; case attributes go to participants.csv, file attributes to
  documents.csv.
- memos (the ``memo`` columns, ``annotation``, ``journal``): with ``import --notes``, notes
  (:mod:`ics_leadership.qda.qualcoder_memos`); without, only counted.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from urllib.request import pathname2url

from ics_leadership.coding import codepath
from ics_leadership.qda.errors import ImportFormatError, UnsafeInputError, safe_text
from ics_leadership.qda.model import Code, Document, ImportResult, Participant, Span, settle_spans, unique_name
from ics_leadership.qda.offsets import QUALCODER_DATABASE
from ics_leadership.qda.qualcoder_memos import TABLES as MEMO_TABLES
from ics_leadership.qda.qualcoder_memos import Memos
from ics_leadership.qda.safety import Budget, Limits, decode_text, format_size

SQLITE_MAGIC = b"SQLite format 3\x00"
#: Tables the reader may read; each must be a plain table of stored columns.
TABLES = (
    "source",
    "code_name",
    "code_text",
    "code_cat",
    "project",
    "code_image",
    "code_av",
    "cases",
    "case_text",
    "attribute",
    *MEMO_TABLES,
)
REQUIRED = ("source", "code_name", "code_text")


def database_of(path: Path) -> Path:
    """The ``data.qda`` file of a QualCoder project folder (or the file itself)."""
    return path / "data.qda" if path.is_dir() else path


def import_qualcoder(path: Path, shown: str, limits: Limits, notes: bool = False) -> ImportResult:
    """Import a QualCoder project; with ``notes`` its memos go to ``result.notes`` (else they are counted)."""
    db = database_of(path)
    where = f"{shown}" if db == path else f"{shown}: data.qda"
    try:
        with db.open("rb") as fh:
            magic = fh.read(16)
    except OSError as exc:
        raise ImportFormatError(f"{where}: cannot be read ({exc.strerror or exc})") from None
    if magic != SQLITE_MAGIC:
        raise ImportFormatError(f"{where}: not an SQLite database (expected QualCoder's data.qda)")
    uri = f"file:{pathname2url(str(db.absolute()))}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True)
    except sqlite3.Error as exc:
        raise ImportFormatError(f"{where}: cannot be opened read-only ({exc})") from None
    try:
        conn.execute("PRAGMA query_only = ON")
        conn.execute("PRAGMA trusted_schema = OFF")  # no functions from a hostile schema's views or defaults
        # No string or blob longer than the budget is ever built, stored or computed (SQLite checks
        # a stored value's length before loading it).
        longest = min(limits.max_total_bytes, conn.getlimit(sqlite3.SQLITE_LIMIT_LENGTH))
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, longest)
        return _Reader(conn, where, Budget(limits, where), notes).run()
    except sqlite3.DatabaseError as exc:
        raise ImportFormatError(f"{where}: damaged or not a QualCoder database ({exc})") from None
    finally:
        conn.close()


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class _Reader:
    def __init__(self, conn: sqlite3.Connection, where: str, budget: Budget, notes: bool = False):
        self.conn = conn
        self.notes_wanted = notes
        self.case_ids: dict[int, str] = {}
        self.where = where
        self.budget = budget
        self.result = ImportResult(format="qualcoder")
        self.tables: set[str] = set()
        self.columns: dict[str, list[str]] = {}
        self.memos = Memos(self)
        for kind, name, sql in conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name"
        ):
            if name.lower() in TABLES:
                self._check_table(kind, name, sql or "")

    def _check_table(self, kind: str, name: str, sql: str) -> None:
        """Refuse anything that computes values when read where a QualCoder table is expected."""
        if kind == "view":
            raise UnsafeInputError(
                f"{self.where}: {safe_text(name)} is a view, not a table: refused (a QualCoder "
                f"database has only tables; a view computes its rows when read)"
            )
        if re.match(r"\s*CREATE\s+VIRTUAL\b", sql, flags=re.IGNORECASE):
            raise UnsafeInputError(
                f"{self.where}: table {safe_text(name)} is a virtual table: refused (its rows are computed when read)"
            )
        columns = []
        for _cid, column, _type, _notnull, _default, _pk, hidden in self.conn.execute(
            f"PRAGMA table_xinfo({_quoted(name)})"
        ):
            if hidden:  # 1 hidden (virtual tables), 2 generated virtual, 3 generated stored
                raise UnsafeInputError(
                    f"{self.where}: table {safe_text(name)}, column {safe_text(column)}: a "
                    f"generated or hidden column: refused (QualCoder stores its data; a generated "
                    f"column computes its values)"
                )
            columns.append(column.lower())
        self.tables.add(name.lower())
        self.columns[name.lower()] = columns

    def query(self, table: str, sql: str, params: tuple = (), column: str = "") -> list[tuple]:
        try:
            return self.conn.execute(sql, params).fetchall()
        except sqlite3.DataError as exc:  # SQLITE_LIMIT_LENGTH: a value longer than the budget
            at = f"table {table}" + (f", column {column}" if column else "")
            raise UnsafeInputError(
                f"{self.where}: {at}: a value longer than {format_size(self.budget.limits.max_total_bytes)} "
                f"({exc}; the limit: raise it with --max-size if the project is really this large)"
            ) from None
        except sqlite3.OperationalError as exc:
            raise ImportFormatError(f"{self.where}: table {table}: {exc} (not a QualCoder project?)") from None

    def read(self, table: str, columns: tuple[str, ...], order: str) -> list[tuple]:
        """Charge the bytes of ``columns`` to the budget, then fetch them (measured in SQL, fetched once)."""
        size = " + ".join(f"coalesce(length(CAST({c} AS BLOB)), 0)" for c in columns)
        ((total,),) = self.query(table, f"SELECT total({size}) FROM {table}")
        self.budget.charge(int(total), f"table {table}")
        return self.query(table, f"SELECT {', '.join(columns)} FROM {table} {order}")

    def run(self) -> ImportResult:
        for table in REQUIRED:
            if table not in self.tables:
                raise ImportFormatError(f"{self.where}: table {table} is missing (not a QualCoder project?)")
        result = self.result
        result.meta["container"] = "qda"
        if "about" in self.columns.get("project", []):
            rows = self.read("project", ("about",), "LIMIT 1")
            if rows and rows[0][0]:
                result.meta["origin"] = str(rows[0][0])
        self._codes()
        if self.notes_wanted:
            self.memos.prepare()
        documents = self._documents()
        if self.notes_wanted:
            result.notes = self.memos.notes(documents, self.case_ids)
        else:
            result.meta["notes_found"] = self.memos.count()
        return result

    def _codes(self) -> None:
        cats: dict[int, tuple[str, int | None, str]] = {}
        if "code_cat" in self.tables:
            for catid, name, supercatid, memo in self.read(
                "code_cat", ("catid", "name", "supercatid", "memo"), "ORDER BY catid"
            ):
                cats[catid] = ((name or "").strip() or f"category {catid}", supercatid, (memo or "").strip())

        def cat_path(catid: int | None) -> list[str]:
            segments, seen = [], set()
            while catid is not None:
                if catid in seen:
                    raise ImportFormatError(f"{self.where}: table code_cat: category {catid} is its own ancestor")
                seen.add(catid)
                if catid not in cats:
                    raise ImportFormatError(f"{self.where}: table code_cat: category {catid} does not exist")
                name, catid_next, _memo = cats[catid]
                segments.append(name)
                catid = catid_next
            return segments[::-1]

        codes = self.result.codes
        for catid, (_name, _super, memo) in cats.items():
            segments = cat_path(catid)
            codes[f"cat:{catid}"] = Code(
                codepath.join(segments), codepath.join(segments[:-1]), memo, codable=False, key=f"cat:{catid}"
            )
        for cid, name, catid, memo in self.read("code_name", ("cid", "name", "catid", "memo"), "ORDER BY cid"):
            segments = cat_path(catid) + [(name or "").strip() or f"code {cid}"]
            codes[str(cid)] = Code(
                codepath.join(segments), codepath.join(segments[:-1]), (memo or "").strip(), key=str(cid)
            )

    def _documents(self) -> dict[int, str]:
        """Read the text sources and their codings; return source id -> document_id."""
        result = self.result
        # Each text is measured (and charged) before any is fetched; then fetched one at a time.
        sources = self.query(
            "source",
            "SELECT rowid, id, name, length(CAST(fulltext AS BLOB)) FROM source ORDER BY id, rowid",
            column="fulltext",
        )
        for _rowid, fid, name, size in sources:
            self.budget.charge(
                len(str(name or "")) + (size or 0), f"table source, source {safe_text(name or fid)}, column fulltext"
            )
        spans: dict[int, list[Span]] = {}
        for cid, fid, pos0, pos1, seltext, owner, rowid in self.read(
            "code_text", ("cid", "fid", "pos0", "pos1", "seltext", "owner", "rowid"), "ORDER BY fid, pos0, pos1, rowid"
        ):
            if str(cid) not in result.codes:
                raise ImportFormatError(f"{self.where}: table code_text, row {rowid}: code {cid} is not in code_name")
            try:
                start, end = int(pos0), int(pos1)
            except (TypeError, ValueError):
                raise ImportFormatError(
                    f"{self.where}: table code_text, row {rowid}: pos0/pos1 are not whole numbers"
                ) from None
            coder = (owner or "").strip()
            result.coders.setdefault(coder, coder)
            spans.setdefault(fid, []).append(
                Span(start, end, [(str(cid), coder)], hint=seltext, item=f"code_text row {rowid}")
            )
        skipped_media: dict[int, int] = {}
        for table in ("code_image", "code_av"):
            if table in self.tables:
                for fid, n in self.query(table, f"SELECT id, count(*) FROM {table} GROUP BY id"):
                    skipped_media[fid] = skipped_media.get(fid, 0) + n
        taken: set[str] = set()
        by_fid: dict[int, Document] = {}
        known = set()
        for rowid, fid, name, _size in sources:
            known.add(fid)
            doc_name = (name or "").strip()
            ((fulltext,),) = self.query("source", "SELECT fulltext FROM source WHERE rowid = ?", (rowid,), "fulltext")
            if isinstance(fulltext, bytes):
                fulltext = decode_text(fulltext, f"{self.where}: table source, source {safe_text(doc_name or fid)}")
            if fulltext is None:
                what = "picture, audio or video source (not text)"
                result.skip(what, doc_name, f"source {fid}", skipped_media.get(fid, 0) + len(spans.get(fid, [])))
                continue
            doc_id = unique_name(doc_name, taken, f"source {fid}")
            where = f"{self.where}: source {safe_text(doc_id)}"
            placed: dict[str, tuple[int, int]] | None = {} if self.notes_wanted else None
            n_chars = settle_spans(
                result, doc_id, str(fulltext), spans.get(fid, []), where, prior=QUALCODER_DATABASE, placed=placed
            )
            if placed is not None:  # memos of codings and annotations are placed as the codings were
                self.memos.coded.update(placed)
                self.memos.place(fid, doc_id, str(fulltext), result.readings[-1][1])
            doc = Document(doc_id, n_chars, key=str(fid))
            by_fid[fid] = doc
            result.documents.append(doc)
        for fid in spans:
            if fid not in known:
                raise ImportFormatError(
                    f"{self.where}: table code_text: codings of source {fid}, which is not in table source"
                )
        self._cases(by_fid)
        return {fid: doc.document_id for fid, doc in by_fid.items()}

    def _cases(self, by_fid: dict[int, Document]) -> None:
        attrs: dict[tuple[str, int], dict[str, str]] = {}
        if "attribute" in self.tables:
            for name, attr_type, value, ident in self.read(
                "attribute", ("name", "attr_type", "value", "id"), "ORDER BY attrid"
            ):
                attrs.setdefault((str(attr_type), ident), {})[(name or "").strip()] = (
                    "" if value is None else str(value).strip()
                )
        for fid, doc in by_fid.items():
            doc.attributes.update(attrs.get(("file", fid), {}))
        if "cases" not in self.tables:
            return
        people, taken = [], set()
        pid_of: dict[int, str] = {}
        for caseid, name in self.read("cases", ("caseid", "name"), "ORDER BY caseid"):
            pid = unique_name((name or "").strip(), taken, f"case {caseid}")
            pid_of[caseid] = pid
            self.case_ids[caseid] = pid
            people.append(Participant(pid, str(caseid), attrs.get(("case", caseid), {})))
        if "case_text" in self.tables:
            for caseid, fid in self.query(
                "case_text", "SELECT DISTINCT caseid, fid FROM case_text ORDER BY caseid, fid"
            ):
                doc, pid = by_fid.get(fid), pid_of.get(caseid)
                if doc is None or pid is None:
                    continue
                if doc.participant_key is None:
                    doc.participant_key = pid
                elif doc.participant_key != pid:
                    self.result.note(
                        "source in more than one case",
                        doc.document_id,
                        f"case {caseid}",
                        detail=f"participant_id is '{doc.participant_key}'; also in case '{pid}'",
                    )
        self.result.participants = people
