"""Write an :class:`~ics_leadership.qda.model.ImportResult` as canonical coded data, atomically.

Files written into ``--out``:

- ``documents.csv``, ``codings.csv`` (and ``participants.csv`` when the project has cases), in the
  columns of :mod:`ics_leadership.schema`;
- ``codebook.csv``: the project's codes (``code`` path, ``parent``, ``description``, ``codable``,
  and how many ``codings`` each has);
- ``corpus.yaml``: where the data came from (``synthetic: false``, format, tool, counts) and how they
  were read; never a ``basePath`` or any absolute path;
- ``import_report.csv``: everything skipped or changed, and why.

Everything is written to a temporary folder beside ``--out``, validated with
:func:`ics_leadership.coded.load_coded` (``check_codes=False``), and only then renamed into place:
a failed import leaves nothing behind.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import shutil
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from ics_leadership import __version__
from ics_leadership.coded import load_coded
from ics_leadership.errors import DataValidationError
from ics_leadership.qda.errors import OutputExistsError, QDAImportError
from ics_leadership.qda.model import Code, ImportResult
from ics_leadership.schema import CODED_PARTICIPANTS, DOCUMENTS, TableSchema

REPORT_FILE = "import_report.csv"
CODEBOOK_FILE = "codebook.csv"
REPORT_COLUMNS = ["severity", "what", "document", "item", "codings", "detail"]
CODEBOOK_COLUMNS = ["code", "parent", "description", "codable", "codings"]
UNKNOWN_CODER = "unknown"

_ABSOLUTE_PATH = re.compile(r"(?:^|[\s\"'(=])(?:/[^/\s]+){2,}|[A-Za-z]:[\\/]|\\\\[^\\\s]+\\")


# --- output folder ---------------------------------------------------------------------------------

def check_out(out: Path, force: bool) -> None:
    """Refuse an output folder that exists with content, unless ``force`` and it is a previous import."""
    if not out.exists() and not out.is_symlink():
        return
    if not out.is_dir() or out.is_symlink():
        raise OutputExistsError(f"{out}: exists and is not a folder; choose another --out")
    if any(out.iterdir()):
        if not force:
            raise OutputExistsError(f"{out}: exists and is not empty; choose another --out, or add --force to "
                                    f"replace a previous import")
        if not (out / REPORT_FILE).is_file():
            raise OutputExistsError(f"{out}: --force replaces only a folder written by a previous import "
                                    f"(it has {REPORT_FILE}); this one has not")


def _existing_ancestor(path: Path) -> Path:
    for candidate in (path.parent, *path.parent.parents):
        if candidate.is_dir():
            return candidate
    return Path.cwd()


def publish(out: Path, force: bool, fill) -> None:
    """Call ``fill(tmp_dir)`` and move the folder to ``out`` only if it returns without error."""
    out = Path(out).absolute()
    check_out(out, force)
    tmp = Path(tempfile.mkdtemp(dir=_existing_ancestor(out), prefix=f".{out.name}.import-"))
    try:
        fill(tmp)
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.exists():
            check_out(out, force)  # still a previous import, after all this time
            old = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.old-"))
            os.replace(out, old / "previous")
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _csv_bytes(header: list[str], rows) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return buf.getvalue().encode("utf-8")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
        parts = c.path.split("/")
        for depth in range(1, len(parts)):
            prefix = "/".join(parts[:depth])
            if prefix not in by_path:
                by_path[prefix] = Code(prefix, "/".join(parts[:depth - 1]), codable=False)
    return by_path


def _attribute_columns(records: list[dict[str, str]], schema: TableSchema, fixed: set[str],
                       result: ImportResult, table: str) -> dict[str, str]:
    """Map attribute names to column names.

    An attribute named like a schema column (``site``, ``level``, ...; ignoring case) fills that
    column when every value is valid there; otherwise, like any other attribute, it is kept as an
    extra column (prefixed ``attr_`` where the name is taken).
    """
    names: list[str] = []
    for rec in records:
        for name in rec:
            if name not in names:
                names.append(name)
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
                    if rec.get(name):
                        col.parse(rec[name])
            except ValueError as exc:
                result.note(f"attribute kept as an extra column of {table}", item=name,
                            detail=f"not used as '{canon}': {exc}")
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


def build_tables(result: ImportResult, anonymise: bool) -> dict[str, bytes]:
    """The canonical files as bytes, by file name (corpus.yaml excepted)."""
    codes = result.codes
    used_coders = [c[4] for c in result.codings]
    labels = coder_labels(result, used_coders, anonymise)
    order = {d.document_id: i for i, d in enumerate(result.documents)}

    rows = {}
    duplicates: Counter[str] = Counter()
    for doc_id, start, end, code_key, coder_key, excerpt, _line, _item in result.codings:
        key = (doc_id, start, end, codes[code_key].path, labels[coder_key])
        if key in rows:
            duplicates[doc_id] += 1
            continue
        rows[key] = excerpt
    for doc_id, n in duplicates.items():
        result.note("identical codings removed", doc_id, codings=n,
                    detail="same document, span, code and coder (NVivo writes one selection per code)")
    ordered = sorted(rows.items(), key=lambda kv: (order[kv[0][0]], kv[0][1], kv[0][2], kv[0][3], kv[0][4]))
    codings_csv = _csv_bytes(["document_id", "start", "end", "code", "coder", "excerpt"],
                             ([*k, excerpt] for k, excerpt in ordered))

    # documents
    doc_attrs = [d.attributes for d in result.documents]
    dmap = _attribute_columns(doc_attrs, DOCUMENTS, {"document_id", "participant_id", "n_chars"}, result,
                              "documents.csv")
    optional = [c for c in ("site", "level", "stage", "sequence") if c in dmap.values()]
    extra = [c for c in dict.fromkeys(dmap.values()) if c not in optional and c != "source_type"]
    header = ["document_id", "participant_id", "source_type", "n_chars", *optional, *extra]
    drows = []
    for d in result.documents:
        values = {dmap[k]: v for k, v in d.attributes.items()}
        values.update(document_id=d.document_id, participant_id=d.participant_key or "",
                      n_chars=d.n_chars)
        values["source_type"] = values.get("source_type") or "other"
        drows.append([values.get(h, "") for h in header])
    files = {"documents.csv": _csv_bytes(header, drows), "codings.csv": codings_csv}

    # participants
    if result.participants is not None:
        pattrs = [p.attributes for p in result.participants]
        pmap = _attribute_columns(pattrs, CODED_PARTICIPANTS, {"participant_id"}, result, "participants.csv")
        pextra = [c for c in dict.fromkeys(pmap.values()) if c not in ("site", "level", "group")]
        pheader = ["participant_id", "site", "level", *(["group"] if "group" in pmap.values() else []), *pextra]
        prows = []
        for p in result.participants:
            values = {pmap[k]: v for k, v in p.attributes.items()}
            values["participant_id"] = p.participant_id
            prows.append([values.get(h, "") for h in pheader])
        files["participants.csv"] = _csv_bytes(pheader, prows)

    # codebook
    counts = Counter(k[3] for k in rows)
    by_path = _with_parents(codes)
    cb_rows = [[c.path, c.parent, c.description, "true" if c.codable else "false", counts.get(c.path, 0)]
               for c in sorted(by_path.values(), key=lambda c: c.path.split("/"))]
    files[CODEBOOK_FILE] = _csv_bytes(CODEBOOK_COLUMNS, cb_rows)

    result.meta["_counts"] = {
        "documents": len(result.documents),
        "codings": len(rows),
        "codes": len(by_path),
        "coders": len(set(labels.values())),
        "participants": len(result.participants or []),
        "duplicate_codings_removed": sum(duplicates.values()),
        "skipped_items": sum(1 for r in result.report if r.severity == "skipped"),
        "skipped_codings": sum(r.codings for r in result.report if r.severity == "skipped"),
    }
    files[REPORT_FILE] = _csv_bytes(
        REPORT_COLUMNS, ([r.severity, r.what, r.document, r.item, r.codings, r.detail] for r in result.report))
    return files


def corpus_yaml(result: ImportResult, source: Path, anonymise: bool, rules: dict[str, str]) -> bytes:
    meta = result.meta
    tool = meta.get("origin")
    described = f"{result.format}" + (f", {tool}" if tool else "")
    doc: dict[str, Any] = {
        "synthetic": False,
        "description": scrub(f"Coded data imported from {source.name} ({described})"),
        "source": {k: scrub(v) for k, v in {
            "format": result.format,
            "container": meta.get("container"),
            "file": source.name,
            "sha256": sha256_of(source) if source.is_file() else None,
            "tool": tool,
            "project": meta.get("project"),
        }.items() if v},
        "import": {
            "importer": f"ics-leadership {__version__}",
            "coders_anonymised": anonymise,
            **rules,
            "crlf_normalised_documents": list(result.normalised_documents),
        },
        "counts": meta["_counts"],
    }
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100).encode("utf-8")


def write_result(result: ImportResult, source: Path, out: Path, force: bool, anonymise: bool,
                 rules: dict[str, str]) -> dict[str, int]:
    """Write ``result`` to ``out`` atomically; return the counts written to corpus.yaml."""
    files = build_tables(result, anonymise)
    files["corpus.yaml"] = corpus_yaml(result, source, anonymise, rules)

    def fill(tmp: Path) -> None:
        for name, data in files.items():
            (tmp / name).write_bytes(data)
        try:
            load_coded(tmp, check_codes=False)
        except DataValidationError as exc:  # a bug here, not a problem with the input
            first = exc.problems[0] if exc.problems else exc
            raise QDAImportError(f"internal error: the imported data did not validate ({first}); "
                                 f"please report this with the input's format") from None

    publish(out, force, fill)
    return result.meta["_counts"]
