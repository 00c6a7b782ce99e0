r"""Write an :class:`~ics_leadership.qda.model.ImportResult` as canonical coded data, atomically.

Files written into ``--out``:

- ``documents.csv``, ``codings.csv`` (and ``participants.csv`` when the project has cases), in the
  columns of :mod:`ics_leadership.core.schema`;
- ``codebook.csv``: the project's codes (``code`` path, ``parent``, ``description``, ``codable``,
  and how many ``codings`` each has);
- ``corpus.yaml``: the ``format_version`` of the files, where the data came from (``synthetic: false``,
  format, tool, counts) and how they were read (the rules, documents per offset reading and per way
  it was decided, one line per kind of warning); never a ``basePath`` or any absolute path;
- ``import_report.csv``: everything skipped, changed or worth checking, and why: severity ``skipped``
  (data left out), ``warning`` (may be wrong: check; e.g. ``privacy: ...``, offsets read without
  evidence) or ``note``; one row per document says how its offsets were read
  (:mod:`ics_leadership.qda.offsets`).

Code paths are written as :mod:`ics_leadership.coding.codepath` says ("/" between levels, ``\/`` and
``\\`` inside a name), and every text cell as :func:`ics_leadership.core.csvformat.protect` says (a cell a
spreadsheet would run as a formula starts with ``'``): format version 2. With ``--anonymise``
documents, participants and coders are written as pseudonyms (:mod:`ics_leadership.qda.privacy`).

Everything is written to a temporary folder beside ``--out`` and only then renamed into place: a
failed import leaves nothing behind. The tables are canonical by construction (unique document
ids, spans checked against their documents, identical codings removed, attribute values checked
against the schema's columns before they go into one), and :class:`Tables` checks the rules again as
it writes, without pandas, so that a large import stays fast and small in memory; the tests check
every importer's output with :func:`ics_leadership.coding.coded.load_coded`.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from ics_leadership import __version__
from ics_leadership.coding import codepath
from ics_leadership.core.csvformat import FORMAT_VERSION, protect, unprotect
from ics_leadership.core.errors import OutputError
from ics_leadership.core.manifest import sha256_file
from ics_leadership.core.outputs import check_folder, publish_folder
from ics_leadership.qda import privacy
from ics_leadership.qda.errors import OutputExistsError, QDAImportError, safe_text
from ics_leadership.qda.model import Code, ImportResult

REPORT_FILE = "import_report.csv"
CODEBOOK_FILE = "codebook.csv"
REPORT_COLUMNS = ["severity", "what", "document", "item", "codings", "detail"]
CODEBOOK_COLUMNS = ["code", "parent", "description", "codable", "codings"]
UNKNOWN_CODER = "unknown"

_TRIGGERS = frozenset("=+-@\t\r'")  # first characters protect() may change: checked before calling it
_ABSOLUTE_PATH = re.compile(r"(?:^|[\s\"'(=])(?:/[^/\s]+){2,}|[A-Za-z]:[\\/]|\\\\[^\\\s]+\\")


# --- output folder ---------------------------------------------------------------------------------

#: The command named in the marker of the folders :func:`publish` writes.
KIND = "import"


def _earlier_import(folder: Path) -> bool:
    """An import written before output folders were marked: it has import_report.csv."""
    return (folder / REPORT_FILE).is_file()


def check_out(out: Path, force: bool) -> None:
    """Refuse an output folder that exists with content, unless ``force`` and it is a previous import
    (the rule of :mod:`ics_leadership.core.outputs`)."""
    try:
        check_folder(out, KIND, force, _earlier_import)
    except OutputError as exc:
        raise OutputExistsError(str(exc)) from None


def publish(out: Path, force: bool, fill) -> None:
    """Call ``fill(tmp_dir)`` and move the folder to ``out`` only if it returns without error.

    The folder gets the output marker and a ``.gitignore`` (``*``): imported data are confidential.
    """
    try:
        publish_folder(out, fill, force=force, kind=KIND, gitignore=True, legacy=_earlier_import)
    except OutputError as exc:
        raise OutputExistsError(str(exc)) from None


def csv_line(values) -> str:
    """One CSV record ending in LF, quoted like ``csv.writer`` (QUOTE_MINIMAL) but also quoting a lone
    CR, which ``csv.writer`` with an LF terminator leaves bare and ``csv.reader`` then splits on."""
    return ",".join(_field(v) if isinstance(v, str) else ("" if v is None else str(v)) for v in values) + "\n"


def _csv_bytes(header: list[str], rows) -> bytes:
    return "".join([csv_line(header), *(csv_line(r) for r in rows)]).encode("utf-8")


def scrub(value: Any) -> Any:
    """Drop text that looks like an absolute path from metadata (never write where files live)."""
    if isinstance(value, str) and _ABSOLUTE_PATH.search(value):
        return "(withheld: contains a file path)"
    return value


# --- building the tables ---------------------------------------------------------------------------


def coder_labels(result: ImportResult, used: list[str], anonymise: bool) -> dict[str, str]:
    """Coder key -> name written to codings.csv.

    With ``anonymise`` the labels are ``coder_1``, ``coder_2``, ... in the order of the coders' keys
    (REFI-QDA user GUID, QualCoder owner, ...), so the same project gives the same labels every run.
    """
    keys = sorted(set(used))
    if anonymise:
        return {k: f"coder_{i}" for i, k in enumerate(keys, start=1)}
    labels: dict[str, str] = {}
    taken: set[str] = set()
    for k in keys:
        name = (result.coders.get(k) or "").strip() or (k or UNKNOWN_CODER)
        base, n = name, 1
        while name in taken:
            n += 1
            name = f"{base} ({n})"
        if name != base:
            result.note("two coders with the same name", item=k, detail=f"written as '{name}'")
        if k and k not in result.coders and result.format == "refi-qda":
            result.note("coder not in the project's Users", item=k, detail="written as the user GUID")
        taken.add(name)
        labels[k] = name
    return labels


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


def _attribute_columns(
    records: list[dict[str, str]], table: str, fixed: set[str], result: ImportResult
) -> dict[str, str]:
    """Map attribute names to column names of ``table`` ("documents" or "participants").

    An attribute named like a schema column (``site``, ``level``, ...; ignoring case) fills that
    column when every value is valid there; otherwise, like any other attribute, it is kept as an
    extra column (prefixed ``attr_`` where the name is taken).
    """
    names: list[str] = []
    for rec in records:
        for name in rec:
            if name not in names:
                names.append(name)
    if not names:
        return {}
    from ics_leadership.core.schema import CODED_PARTICIPANTS, DOCUMENTS  # only when there are attributes

    schema = DOCUMENTS if table == "documents" else CODED_PARTICIPANTS
    schema_cols = {c.name: c for c in schema.columns}
    mapping: dict[str, str] = {}
    taken = {n.lower() for n in fixed} | {n.lower() for n in schema_cols}
    used_schema: set[str] = set()
    for name in names:
        canon = re.sub(r"\s+", "_", name.strip().lower())
        col = schema_cols.get(canon)
        if col is not None and canon not in fixed and canon not in used_schema:
            try:
                for rec in records:
                    if rec.get(name, "").strip():
                        col.parse(rec[name].strip())
            except ValueError as exc:
                result.note(
                    f"attribute kept as an extra column of {table}.csv",
                    item=name,
                    detail=f"not used as '{canon}': {exc}",
                )
            else:
                mapping[name] = canon
                used_schema.add(canon)
                continue
        out = name.strip() or "attribute"
        if out.lower() in taken:
            out = f"attr_{out}"
        base, n = out, 1
        while out.lower() in taken:
            n += 1
            out = f"{base}_{n}"
        taken.add(out.lower())
        mapping[name] = out
    return mapping


class Tables:
    """The canonical tables of one import.

    Documents and participants are prepared on creation; codings are resolved (code path, coder
    label), de-duplicated, checked and written one document at a time by :meth:`write`, consuming
    the importer's rows as they go so that memory does not hold two copies of the largest table.
    """

    def __init__(self, result: ImportResult, anonymise: bool | str | tuple[str, ...] = ()):
        self.result = result
        what = privacy.kinds(anonymise)
        self.labels = coder_labels(result, list({c[4] for c in result.codings}), "coders" in what)
        self.counts: dict[str, int] = {}
        self.pseudonyms = _pseudonyms(result, what, self.labels)
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

        def table(name: str, header: list[str], rows) -> None:
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
            CODEBOOK_FILE,
            CODEBOOK_COLUMNS,
            (
                [c.path, c.parent, c.description, "true" if c.codable else "false", per_code.get(c.path, 0)]
                for c in sorted(by_path.values(), key=_codebook_order)
            ),
        )
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
        return self.counts

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
        q = _field
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


def _field(text: str) -> str:
    """One CSV text field: spreadsheet-safe (:func:`~ics_leadership.core.csvformat.protect`), then quoted
    when it holds a comma, a quote, a CR or an LF."""
    if text[:1] in _TRIGGERS:
        text = protect(text)
    # Four substring tests beat one regex search several times over on this hot path.
    if '"' in text or "," in text or "\n" in text or "\r" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def reading_summary(result: ImportResult) -> dict[str, dict[str, int]]:
    """Documents per offset reading used, and per way it was decided (for corpus.yaml)."""
    readings = Counter(reading for _doc, reading, _basis in result.readings)
    bases = Counter(basis for _doc, _reading, basis in result.readings)
    return {"offset_readings": dict(sorted(readings.items())), "offset_reading_basis": dict(sorted(bases.items()))}


def corpus_yaml(
    result: ImportResult,
    source: Path,
    pseudonyms: privacy.Pseudonyms,
    rules: dict[str, str],
    counts: dict[str, int],
    warnings: list[str] | None = None,
) -> bytes:
    meta = result.meta
    tool = meta.get("origin")
    described = f"{result.format}" + (f", {tool}" if tool else "")
    shown = meta.get("file") or source.name
    doc: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "synthetic": False,
        "description": scrub(f"Coded data imported from {shown} ({described})"),
        "source": {
            k: scrub(v)
            for k, v in {
                "format": result.format,
                "container": meta.get("container"),
                "file": shown,
                "sha256": sha256_file(source) if source.is_file() else None,
                "tool": tool,
                "project": meta.get("project"),
            }.items()
            if v
        },
        "import": {
            "importer": f"ics-leadership {__version__}",
            "coders_anonymised": "coders" in pseudonyms.kinds,
            "anonymised": pseudonyms.kinds,
            **rules,
            **reading_summary(result),
            "warnings": warnings or [],
        },
        "counts": counts,
    }
    if pseudonyms:
        doc = pseudonyms.redact_all(doc)
    header = "# Provenance of this coded data, written by `ics-leadership import`.\n"
    return (header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=120)).encode("utf-8")


def read_warnings(out: Path) -> list[str]:
    """The ``warning`` rows of ``out``'s import report as lines for the terminal (see :func:`warning_lines`)."""
    path = Path(out) / REPORT_FILE
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        rows = [dict(zip(REPORT_COLUMNS, map(unprotect, r))) for r in list(csv.reader(fh))[1:]]
    return warning_lines(
        [(r["what"], r["document"], r["item"], r["detail"]) for r in rows if r.get("severity") == "warning"]
    )


def warning_lines(rows: list[tuple[str, str, str, str]], limit: int = 10) -> list[str]:
    """One line per kind of warning (rows of what, document, item, detail, as written).

    A kind met once is shown with its document or item and its detail; a kind met in several rows
    (offsets read by default in many documents, say) as one line naming them (the first ``limit``).
    """
    kinds: dict[str, list[tuple[str, str, str, str]]] = {}
    for row in rows:
        kinds.setdefault(row[0], []).append(row)
    lines = []
    for what, group in kinds.items():
        head = f"{safe_text(what)[1:-1]}:"
        if len(group) == 1:
            _what, document, item, detail = group[0]
            where = [safe_text(v) for v in (document, item) if v]
            lines.append(" ".join([head, *where]) + (f" ({safe_text(detail)[1:-1]})" if detail else ""))
            continue
        names = list(
            dict.fromkeys(safe_text(document or item, 60) for _w, document, item, _d in group if document or item)
        )
        noun = "documents" if all(document for _w, document, _i, _d in group) else "items"
        more = f" and {len(names) - limit} more" if len(names) > limit else ""
        lines.append(
            f"{head} {len(names)} {noun}: {', '.join(names[:limit])}{more} (see import_report.csv)"
            if names
            else f"{head} {len(group)} times (see import_report.csv)"
        )
    return lines


def write_result(
    result: ImportResult,
    source: Path,
    out: Path,
    force: bool,
    anonymise: bool | tuple[str, ...],
    rules: dict[str, str],
    key: Path | None = None,
) -> dict[str, int]:
    """Write ``result`` to ``out`` atomically; return the counts written to corpus.yaml.

    ``anonymise`` is what to write as pseudonyms (see :func:`ics_leadership.qda.privacy.kinds`); ``key``
    a file to create with the pseudonym -> original key, written only if the whole import succeeds.
    """
    tables = Tables(result, anonymise)

    def fill(tmp: Path) -> None:
        counts = tables.write(tmp)
        warned = read_warnings(tmp)  # as written: with pseudonyms where the import gives them
        (tmp / "corpus.yaml").write_bytes(corpus_yaml(result, source, tables.pseudonyms, rules, counts, warned))

    publish_with_key(out, force, fill, key, tables.pseudonyms)
    return tables.counts


def publish_with_key(out: Path, force: bool, fill, key: Path | None, pseudonyms: privacy.Pseudonyms) -> None:
    """:func:`publish`, and create the pseudonym key file ``key`` (if given) when the output is complete.

    The key is created (never replaced) once ``fill`` has succeeded, and removed again if the
    output cannot be moved into place: a key without its import would be a stray copy of the names.
    """
    created: list[Path] = []

    def fill_and_key(tmp: Path) -> None:
        fill(tmp)
        if key is not None:
            privacy.write_key(key, _csv_bytes(privacy.KEY_COLUMNS, pseudonyms.key_rows()))
            created.append(key)

    try:
        publish(out, force, fill_and_key)
    except BaseException:
        for path in created:
            path.unlink(missing_ok=True)
        raise
