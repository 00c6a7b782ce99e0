"""QualCoder projects: a ``NAME.qda`` folder holding the SQLite database ``data.qda``.

The database is opened read-only (``file:...?mode=ro``, ``query_only``, ``trusted_schema`` off) and
only real tables are read (a view named like a QualCoder table is refused). Tables read:

- ``source`` (id, name, fulltext): sources with text are documents; ``pos0``/``pos1`` count
  characters of ``fulltext``, end exclusive. Sources without text (pictures, audio, video) are
  skipped, and so are their codings (``code_image``, ``code_av``), with counts in the report.
- ``code_text`` (cid, fid, pos0, pos1, seltext, owner): one row per coding; ``owner`` is the coder;
  ``seltext`` is checked against the text (the CRLF rule of :mod:`ics_leadership.qda.model`).
- ``code_name`` (cid, name, catid, memo) and ``code_cat`` (catid, name, supercatid, memo): a code's
  path is its categories from the top down, then its name, joined with "/"; categories are listed
  in the codebook as non-codable.
- ``cases``, ``case_text`` and ``attribute`` (when present): a case is a participant, the files it
  covers get it as ``participant_id``; case attributes go to participants.csv, file attributes to
  documents.csv.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.request import pathname2url

from ics_leadership.qda.errors import ImportFormatError, safe_text
from ics_leadership.qda.model import Code, Document, ImportResult, Participant, Span, settle_spans, unique_name
from ics_leadership.qda.safety import Limits, format_size

SQLITE_MAGIC = b"SQLite format 3\x00"


def database_of(path: Path) -> Path:
    """The ``data.qda`` file of a QualCoder project folder (or the file itself)."""
    return path / "data.qda" if path.is_dir() else path


def import_qualcoder(path: Path, shown: str, limits: Limits) -> ImportResult:
    db = database_of(path)
    where = f"{shown}" if db == path else f"{shown}: data.qda"
    try:
        with db.open("rb") as fh:
            magic = fh.read(16)
        size = db.stat().st_size
    except OSError as exc:
        raise ImportFormatError(f"{where}: cannot be read ({exc.strerror or exc})") from None
    if magic != SQLITE_MAGIC:
        raise ImportFormatError(f"{where}: not an SQLite database (expected QualCoder's data.qda)")
    if size > limits.max_total_bytes:
        raise ImportFormatError(f"{where}: larger than {format_size(limits.max_total_bytes)} (see --max-size)")
    uri = f"file:{pathname2url(str(db.absolute()))}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True)
    except sqlite3.Error as exc:
        raise ImportFormatError(f"{where}: cannot be opened read-only ({exc})") from None
    try:
        conn.execute("PRAGMA query_only = ON")
        conn.execute("PRAGMA trusted_schema = OFF")  # no functions from a hostile schema's views or defaults
        return _Reader(conn, where).run()
    except sqlite3.DatabaseError as exc:
        raise ImportFormatError(f"{where}: damaged or not a QualCoder database ({exc})") from None
    finally:
        conn.close()


class _Reader:
    def __init__(self, conn: sqlite3.Connection, where: str):
        self.conn = conn
        self.where = where
        self.result = ImportResult(format="qualcoder")
        self.tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}

    def query(self, table: str, sql: str, params: tuple = ()) -> list[tuple]:
        try:
            return self.conn.execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            raise ImportFormatError(f"{self.where}: table {table}: {exc} (not a QualCoder project?)") from None

    def run(self) -> ImportResult:
        for table in ("source", "code_name", "code_text"):
            if table not in self.tables:
                raise ImportFormatError(f"{self.where}: table {table} is missing (not a QualCoder project?)")
        result = self.result
        result.meta["container"] = "qda"
        if "project" in self.tables:
            rows = self.query("project", "SELECT * FROM project LIMIT 1")
            cols = [d[1] for d in self.conn.execute("PRAGMA table_info(project)")]
            if rows and "about" in cols and rows[0][cols.index("about")]:
                result.meta["origin"] = str(rows[0][cols.index("about")])
        self._codes()
        self._documents()
        return result

    def _codes(self) -> None:
        cats: dict[int, tuple[str, int | None, str]] = {}
        if "code_cat" in self.tables:
            for catid, name, supercatid, memo in self.query(
                    "code_cat", "SELECT catid, name, supercatid, memo FROM code_cat ORDER BY catid"):
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
            codes[f"cat:{catid}"] = Code("/".join(segments), "/".join(segments[:-1]), memo, codable=False,
                                         key=f"cat:{catid}")
        for cid, name, catid, memo in self.query(
                "code_name", "SELECT cid, name, catid, memo FROM code_name ORDER BY cid"):
            segments = cat_path(catid) + [(name or "").strip() or f"code {cid}"]
            codes[str(cid)] = Code("/".join(segments), "/".join(segments[:-1]), (memo or "").strip(), key=str(cid))

    def _documents(self) -> None:
        result = self.result
        sources = self.query("source", "SELECT id, name, fulltext FROM source ORDER BY id")
        spans: dict[int, list[Span]] = {}
        for cid, fid, pos0, pos1, seltext, owner, rowid in self.query(
                "code_text", "SELECT cid, fid, pos0, pos1, seltext, owner, rowid FROM code_text ORDER BY fid, pos0, pos1, rowid"):
            if str(cid) not in result.codes:
                raise ImportFormatError(f"{self.where}: table code_text, row {rowid}: code {cid} is not in code_name")
            try:
                start, end = int(pos0), int(pos1)
            except (TypeError, ValueError):
                raise ImportFormatError(f"{self.where}: table code_text, row {rowid}: pos0/pos1 are not whole numbers") from None
            coder = (owner or "").strip()
            result.coders.setdefault(coder, coder)
            spans.setdefault(fid, []).append(Span(start, end, [(str(cid), coder)], hint=seltext, item=f"code_text row {rowid}"))
        skipped_media: dict[int, int] = {}
        for table in ("code_image", "code_av"):
            if table in self.tables:
                for (fid, n) in self.query(table, f"SELECT id, count(*) FROM {table} GROUP BY id"):
                    skipped_media[fid] = skipped_media.get(fid, 0) + n
        taken: set[str] = set()
        by_fid: dict[int, Document] = {}
        known = set()
        for fid, name, fulltext in sources:
            known.add(fid)
            doc_name = (name or "").strip()
            if fulltext is None:
                what = "picture, audio or video source (not text)"
                result.skip(what, doc_name, f"source {fid}", skipped_media.get(fid, 0) + len(spans.get(fid, [])))
                continue
            doc_id = unique_name(doc_name, taken, f"source {fid}")
            where = f"{self.where}: source {safe_text(doc_id)}"
            n_chars = settle_spans(result, doc_id, str(fulltext), spans.get(fid, []), where)
            doc = Document(doc_id, n_chars, key=str(fid))
            by_fid[fid] = doc
            result.documents.append(doc)
        for fid, fspans in spans.items():
            if fid not in known:
                raise ImportFormatError(f"{self.where}: table code_text: codings of source {fid}, which is not in table source")
        self._cases(by_fid)

    def _cases(self, by_fid: dict[int, Document]) -> None:
        attrs: dict[tuple[str, int], dict[str, str]] = {}
        if "attribute" in self.tables:
            for name, attr_type, value, ident in self.query(
                    "attribute", "SELECT name, attr_type, value, id FROM attribute ORDER BY attrid"):
                attrs.setdefault((str(attr_type), ident), {})[(name or "").strip()] = "" if value is None else str(value).strip()
        for fid, doc in by_fid.items():
            doc.attributes.update(attrs.get(("file", fid), {}))
        if "cases" not in self.tables:
            return
        people, taken = [], set()
        pid_of: dict[int, str] = {}
        for caseid, name in self.query("cases", "SELECT caseid, name FROM cases ORDER BY caseid"):
            pid = unique_name((name or "").strip(), taken, f"case {caseid}")
            pid_of[caseid] = pid
            people.append(Participant(pid, str(caseid), attrs.get(("case", caseid), {})))
        if "case_text" in self.tables:
            for caseid, fid in self.query("case_text", "SELECT DISTINCT caseid, fid FROM case_text ORDER BY caseid, fid"):
                doc, pid = by_fid.get(fid), pid_of.get(caseid)
                if doc is None or pid is None:
                    continue
                if doc.participant_key is None:
                    doc.participant_key = pid
                elif doc.participant_key != pid:
                    self.result.note("source in more than one case", doc.document_id, f"case {caseid}",
                                     detail=f"participant_id is '{doc.participant_key}'; also in case '{pid}'")
        self.result.participants = people
