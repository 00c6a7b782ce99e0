"""The canonical tables of one import written as CSV: documents, participants, codings, codebook, report
(and notes, with ``import --notes``: :mod:`ics_leadership.qda.notes`).

:class:`Tables` builds the rows and checks the canonical rules again as it writes, without pandas,
so that a large import stays fast and small in memory; :func:`csv_line` quotes like ``csv.writer``
and protects cells a spreadsheet would run as a formula. Separate from the output folder
(:mod:`ics_leadership.qda.writer`), the provenance (:mod:`ics_leadership.qda.provenance`) and the
names of columns and coders (:mod:`ics_leadership.qda.columns`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from ics_leadership.coding import codepath
from ics_leadership.core.csvformat import text_field
from ics_leadership.qda import notes, privacy
from ics_leadership.qda.columns import UNKNOWN_CODER, _attribute_columns, author_labels, coder_labels
from ics_leadership.qda.errors import QDAImportError
from ics_leadership.qda.import_report import REPORT_COLUMNS, REPORT_FILE
from ics_leadership.qda.model import Code, ImportResult

CODEBOOK_CSV = "codebook.csv"
CODEBOOK_COLUMNS = ["code", "parent", "description", "codable", "codings"]


def csv_line(values: Iterable[object]) -> str:
    """One CSV record ending in LF, quoted like ``csv.writer`` (QUOTE_MINIMAL) but also quoting a lone
    CR, which ``csv.writer`` with an LF terminator leaves bare and ``csv.reader`` then splits on."""
    return ",".join(text_field(v) if isinstance(v, str) else ("" if v is None else str(v)) for v in values) + "\n"


def _csv_bytes(header: list[str], rows: Iterable[Iterable[object]]) -> bytes:
    return "".join([csv_line(header), *(csv_line(r) for r in rows)]).encode("utf-8")


def _with_parents(codes: dict[str, Code]) -> dict[str, Code]:
    """Codes by path, adding any missing ancestor as a non-codable code."""
    by_path = {c.path: c for c in codes.values()}
    for c in list(by_path.values()):
        up = ""
        for prefix in codepath.ancestors(c.path):
            if prefix not in by_path:
                by_path[prefix] = Code(prefix, up, codable=False)
            up = prefix
    return by_path


def _codebook_order(code: Code) -> list[str]:
    return codepath.split(code.path)


class Tables:
    """The canonical tables of one import.

    Documents and participants are prepared on creation; codings are resolved (code path, coder
    label), de-duplicated, checked and written one document at a time by :meth:`write`, consuming
    the importer's rows as they go so that memory does not hold two copies of the largest table.
    """

    def __init__(
        self, result: ImportResult, anonymise: bool | str | tuple[str, ...] = (), keep_note_text: bool = False
    ):
        self.result = result
        what = privacy.kinds(anonymise)
        self.labels = coder_labels(result, list({c[4] for c in result.codings}), "coders" in what)
        self.counts: dict[str, int] = {}
        self.authors = dict(self.labels)  # coders, and note authors who coded nothing
        if result.notes is not None:
            self.authors.update(author_labels(result, [n.author for n in result.notes], self.labels, "coders" in what))
        self.note_text = notes.text_rule(what, keep_note_text)
        self.pseudonyms = _pseudonyms(result, what, self.authors)
        doc_label = self.pseudonyms.by_kind.get("documents", {})
        person = self.pseudonyms.by_kind.get("participants", {})
        self.doc_ids = {d.document_id: doc_label.get(d.document_id, d.document_id) for d in result.documents}

        dmap = _attribute_columns(
            [d.attributes for d in result.documents], "documents", {"document_id", "participant_id", "n_chars"}, result
        )
        optional = [c for c in ("site", "level", "stage", "sequence") if c in dmap.values()]
        extra = [c for c in dict.fromkeys(dmap.values()) if c not in optional and c != "source_type"]
        self.documents_header = ["document_id", "participant_id", "source_type", "n_chars", *optional, *extra]
        self.documents = []
        for d in result.documents:
            values = {dmap[k]: v.strip() for k, v in d.attributes.items()}
            values.update(
                document_id=self.doc_ids[d.document_id],
                n_chars=d.n_chars,
                participant_id=person.get(d.participant_key, d.participant_key) or "",
            )
            values["source_type"] = values.get("source_type") or "other"
            self.documents.append([values.get(h, "") for h in self.documents_header])

        self.participants_header: list[str] | None = None
        self.participants: list[list] = []
        if result.participants is not None:
            pmap = _attribute_columns(
                [p.attributes for p in result.participants], "participants", {"participant_id"}, result
            )
            pextra = [c for c in dict.fromkeys(pmap.values()) if c not in ("site", "level", "group")]
            self.participants_header = [
                "participant_id",
                "site",
                "level",
                *(["group"] if "group" in pmap.values() else []),
                *pextra,
            ]
            for p in result.participants:
                values = {pmap[k]: v.strip() for k, v in p.attributes.items()}
                values["participant_id"] = person.get(p.participant_id, p.participant_id)
                self.participants.append([values.get(h, "") for h in self.participants_header])
        self._check_documents()

    def _check_documents(self) -> None:
        """The canonical rules for documents (a failure here is a bug, not bad input)."""
        self.lengths: dict[str, int] = {}
        people = {r[0] for r in self.participants}
        for row in self.documents:
            doc_id = row[0]
            if not doc_id or doc_id != doc_id.strip() or doc_id in self.lengths:
                _internal(f"document id {doc_id!r} blank, padded or repeated")
            if self.participants_header is not None and row[1] and row[1] not in people:
                _internal(f"document {doc_id!r}: participant {row[1]!r} not in participants.csv")
            self.lengths[doc_id] = row[3]

    def write(self, folder: Path) -> dict[str, int]:
        """Write every table into ``folder``; return the counts for corpus.yaml."""
        result = self.result

        def table(name: str, header: list[str], rows: Iterable[Iterable[object]]) -> None:
            (folder / name).write_bytes(_csv_bytes(header, rows))

        table("documents.csv", self.documents_header, self.documents)
        if self.participants_header is not None:
            table("participants.csv", self.participants_header, self.participants)
        per_code, n_codings, duplicates = self._write_codings(folder / "codings.csv")
        for doc_id, n in duplicates.items():
            result.note(
                "identical codings removed",
                doc_id,
                codings=n,
                detail="same document, span, code and coder (NVivo writes one selection per code)",
            )
        by_path = _with_parents(result.codes)
        table(
            CODEBOOK_CSV,
            CODEBOOK_COLUMNS,
            (
                [c.path, c.parent, c.description, "true" if c.codable else "false", per_code.get(c.path, 0)]
                for c in sorted(by_path.values(), key=_codebook_order)
            ),
        )
        if result.notes is not None:
            self._write_notes(table)
        rows = ([r.severity, r.what, r.document, r.item, r.codings, r.detail] for r in result.report)
        table(REPORT_FILE, REPORT_COLUMNS, map(self.pseudonyms.report_row, rows) if self.pseudonyms else rows)
        self.counts = {
            "documents": len(self.documents),
            "codings": n_codings,
            "codes": len(by_path),
            "coders": len(set(self.labels.values())),
            "participants": len(self.participants),
            "duplicate_codings_removed": sum(duplicates.values()),
            "skipped_items": sum(1 for r in result.report if r.severity == "skipped"),
            "skipped_codings": sum(r.codings for r in result.report if r.severity == "skipped"),
            "warnings": sum(1 for r in result.report if r.severity == "warning"),
        }
        if result.notes is not None:
            self.counts["notes"] = len({n.key for n in result.notes})
        return self.counts

    def _write_notes(self, table: Callable[[str, list[str], Iterable[Iterable[object]]], None]) -> None:
        """notes.csv, with a privacy warning where free text is kept while names are pseudonymised."""
        result = self.result
        people = self.pseudonyms.by_kind.get("participants", {})
        rows = notes.note_rows(result, self.doc_ids, people, self.authors, self.pseudonyms, self.note_text)
        table(notes.NOTES_FILE, notes.NOTES_COLUMNS, rows)
        if self.note_text == "redacted" and any(r[1] or r[11] or r[12] for r in rows):
            result.warn(
                "privacy: note text kept while anonymising",
                item=notes.NOTES_FILE,
                detail="names of coders, documents and cases the project knows are replaced by pseudonyms; "
                "any other name in the notes' free text stays: read notes.csv before sharing it",
            )

    def _write_codings(self, path: Path) -> tuple[Counter, int, Counter]:
        """codings.csv, one document at a time: resolve, drop identical rows, check, sort, write.

        Fields are quoted as :func:`csv_line` quotes them, inlined: this is the large table.
        """
        paths = {key: code.path for key, code in self.result.codes.items()}
        labels, lengths, doc_ids = self.labels, self.lengths, self.doc_ids
        rows = self.result.codings
        rows.reverse()  # pop() from the end frees each row as it is written
        per_code: Counter[str] = Counter()
        duplicates: Counter[str] = Counter()
        done: set[str] = set()
        written = 0
        q = text_field
        quoted = {name: q(name) for name in (*paths.values(), *labels.values())}
        with path.open("w", encoding="utf-8", newline="") as fh:
            fh.write("document_id,start,end,code,coder,excerpt\n")
            while rows:
                doc_id = rows[-1][0]
                shown = doc_ids.get(doc_id)
                if doc_id in done or shown not in lengths:
                    _internal(f"codings of document {doc_id!r} out of order or without the document")
                done.add(doc_id)
                n_chars = lengths[shown]
                block: dict[tuple, str] = {}
                while rows and rows[-1][0] == doc_id:
                    _doc, start, end, code_key, coder_key, excerpt = rows.pop()
                    key = (start, end, paths[code_key], labels[coder_key])
                    if key in block:
                        duplicates[doc_id] += 1
                        continue
                    if not 0 <= start < end <= n_chars or not key[2] or not key[3]:
                        _internal(f"coding {doc_id!r} [{start}, {end}) {key[2]!r} by {key[3]!r}")
                    block[key] = excerpt
                qd = q(shown)
                fh.write(
                    "".join(
                        [
                            f"{qd},{start},{end},{quoted[code]},{quoted[coder]},{q(excerpt)}\n"
                            for (start, end, code, coder), excerpt in sorted(block.items())
                        ]
                    )
                )
                per_code.update(key[2] for key in block)
                written += len(block)
        return per_code, written, duplicates


def _pseudonyms(result: ImportResult, what: tuple[str, ...], coder_label: dict[str, str]) -> privacy.Pseudonyms:
    """The pseudonyms of an import: by the tool's keys (GUIDs, ids), so the same project gives the same ones."""
    found = privacy.Pseudonyms()
    if "coders" in what:
        names: dict[str, str] = {}
        for k, label in coder_label.items():
            name = (result.coders.get(k) or "").strip() or k or UNKNOWN_CODER
            names[name if name not in names else f"{name} ({k})"] = label
        found.add("coders", names)
    if "documents" in what:
        found.add("documents", privacy.pseudonyms("documents", ((d.key, d.document_id) for d in result.documents)))
    if "participants" in what:
        people = [(p.key, p.participant_id) for p in result.participants or []]
        known = {p for _, p in people}
        people += [
            (d.participant_key, d.participant_key)
            for d in result.documents
            if d.participant_key and d.participant_key not in known
        ]
        found.add("participants", privacy.pseudonyms("participants", people))
    return found


def _internal(problem: str) -> None:
    raise QDAImportError(
        f"internal error: the imported data break the canonical rules ({problem}); "
        f"please report this with the input's format"
    )
