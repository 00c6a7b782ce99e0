"""Canonical coded data (``documents.csv``, ``codings.csv``, ...) passed through after validation.

The folder is validated with :func:`ics_leadership.coding.coded.load_coded` (``check_codes=False``) and its
tables are written again in the current format version: every value as the loader read it (its
``format_version``, absent: 1, says how), code paths in the escaped form of
:mod:`ics_leadership.coding.codepath` and text cells spreadsheet-safe. A version-2 folder written by this
tool comes out byte for byte the same. ``codebook.csv`` is derived from the codes used (a code's
parents are the levels of its path), and ``corpus.yaml`` is copied (with ``format_version: 2`` added
when it had none) or, if absent, written.

With ``--anonymise`` coders, documents and participants are written as pseudonyms (in the order of
their names and ids); with ``--anonymise-coders`` only coders (see :mod:`ics_leadership.qda.privacy`).
With ``--no-excerpts`` the ``excerpt`` column is emptied and ``corpus.yaml`` says so
(``import: excerpts_withheld: true``).

A ``notes.csv`` in the folder (written by ``import --notes``) is not carried over; the report says so.

None of the files is followed if it is a symbolic link (a link in a folder someone sent could
point at any file on the machine), and together they must fit in ``--max-size``.
"""

from __future__ import annotations

import stat
from collections import Counter
from pathlib import Path

import numpy as np
import yaml

from ics_leadership import __version__
from ics_leadership.coding import codepath
from ics_leadership.coding.coded import CORPUS_FILE, CodedData, load_coded
from ics_leadership.coding.format import CODED_TABLES
from ics_leadership.core.csvformat import FORMAT_VERSION, text_fields
from ics_leadership.core.csvrecords import records_of
from ics_leadership.core.errors import DataValidationError
from ics_leadership.core.manifest import sha256_file
from ics_leadership.core.schema import TableSchema, cell_text
from ics_leadership.core.tablecheck import Distinct
from ics_leadership.qda import WITHHELD, privacy
from ics_leadership.qda.csvwriter import CODEBOOK_COLUMNS, _codebook_order, _csv_bytes, _with_parents, csv_line
from ics_leadership.qda.errors import ImportFormatError, UnsafeInputError
from ics_leadership.qda.import_report import REPORT_COLUMNS, REPORT_FILE
from ics_leadership.qda.model import Code
from ics_leadership.qda.provenance import scrub
from ics_leadership.qda.safety import Budget, Limits, format_size, open_regular
from ics_leadership.qda.writer import publish_with_key

TABLES = ("documents.csv", "codings.csv", "participants.csv")
#: Columns holding an id that a pseudonym replaces, by table.
_RENAMED = {
    "documents.csv": {"document_id": "documents", "participant_id": "participants"},
    "codings.csv": {"document_id": "documents", "coder": "coders"},
    "participants.csv": {"participant_id": "participants"},
}


def folder_of(path: Path) -> Path:
    return path if path.is_dir() else path.parent


def _check_files(folder: Path, limits: Limits) -> None:
    """Refuse a symbolic link among the folder's files, and files larger together than the cap."""
    total = 0
    for name in (*TABLES, CORPUS_FILE):
        try:
            info = (folder / name).lstat()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise ImportFormatError(f"{folder / name}: cannot be read ({exc.strerror})") from None
        if stat.S_ISLNK(info.st_mode):
            raise UnsafeInputError(
                f"{folder / name}: a symbolic link, which is never followed (copy the file itself into the folder)"
            )
        total += info.st_size
        if total > limits.max_total_bytes:
            raise UnsafeInputError(
                f"{folder / name}: the files come to more than "
                f"{format_size(limits.max_total_bytes)} (the limit; raise it with --max-size if "
                f"the data are really this large)"
            )


def import_canonical(
    path: Path,
    shown: str,
    out: Path,
    force: bool,
    anonymise: tuple[str, ...] = (),
    key: Path | None = None,
    *,
    excerpts: bool = True,
    limits: Limits | None = None,
) -> dict[str, int]:
    folder = folder_of(path)
    limits = limits or Limits()
    _check_files(folder, limits)
    try:
        coded = load_coded(folder, check_codes=False)
    except DataValidationError as exc:
        first = exc.problems[0] if exc.problems else exc
        more = len(exc.problems) - 1
        tail = f" (and {more} more problem{'s' if more > 1 else ''})" if more > 0 else ""
        raise ImportFormatError(f"{shown}: not valid canonical coded data: {first}{tail}") from None
    version = coded.format_version
    pseudonyms = _pseudonyms(coded, privacy.kinds(anonymise))
    budget = Budget(limits, shown)
    schemas = {s.name: s for s in CODED_TABLES.values()}
    files = {
        name: _recode(_read(folder / name, budget), schemas[name], version, pseudonyms, excerpts, f"{shown}: {name}")
        for name in TABLES
        if (folder / name).is_file()
    }
    report = [
        [
            "note",
            f"{kind} anonymised",
            "",
            "",
            0,
            f"{len(labels)} {kind} written as {privacy.PREFIX[kind]}_1 ... {privacy.PREFIX[kind]}_{len(labels)}",
        ]
        for kind, labels in pseudonyms.by_kind.items()
    ]
    if version < FORMAT_VERSION:
        report.append(
            [
                "note",
                f"read as format version {version}",
                "",
                "",
                0,
                "corpus.yaml has no format_version: every '/' in a code path separates levels and no "
                "cell is unprotected; written as format version 2",
            ]
        )
    for doc_id in coded.documents["document_id"]:
        found = privacy.exposure(doc_id)
        if found:
            report.append(
                [
                    "warning",
                    f"privacy: document name contains {found}",
                    doc_id,
                    "",
                    0,
                    "rename the document in the data, or import with --anonymise",
                ]
            )
    if (folder / "notes.csv").exists():
        report.append(
            [
                "note",
                "notes.csv not carried over",
                "",
                "",
                0,
                "an import of canonical CSVs writes documents, codings and participants again, not the notes "
                "of an earlier import (confidential free text, with that import's ids)",
            ]
        )
    counts = Counter(codepath.convert(c, version) for c in coded.codings["code"])
    codes = {c: Code(c, codepath.parent(c)) for c in counts}
    by_path = _with_parents(codes)
    files["codebook.csv"] = _csv_bytes(
        CODEBOOK_COLUMNS,
        (
            [c.path, c.parent, "", "true" if c.path in counts else "false", counts.get(c.path, 0)]
            for c in sorted(by_path.values(), key=_codebook_order)
        ),
    )
    files[REPORT_FILE] = _csv_bytes(REPORT_COLUMNS, map(pseudonyms.report_row, report) if pseudonyms else report)
    summary = {
        "documents": len(coded.documents),
        "codings": len(coded.codings),
        "codes": len(by_path),
        "coders": int(coded.codings["coder"].nunique()),
        "participants": 0 if coded.participants is None else len(coded.participants),
    }
    copied = _read(folder / CORPUS_FILE, budget) if (folder / CORPUS_FILE).is_file() else None
    files[CORPUS_FILE] = _corpus_yaml(folder, path, copied, coded.metadata, version, pseudonyms, summary, excerpts)

    def fill(tmp: Path) -> None:
        for name, data in files.items():
            (tmp / name).write_bytes(data)
        load_coded(tmp, check_codes=False)

    publish_with_key(out, force, fill, key, pseudonyms)
    return summary


def _read(path: Path, budget: Budget) -> bytes:
    with open_regular(path, budget, str(path)) as fh:  # never through a link swapped in meanwhile
        return fh.read()


def _pseudonyms(coded: CodedData, what: tuple[str, ...]) -> privacy.Pseudonyms:
    found = privacy.Pseudonyms()
    ids = {
        "coders": list(coded.codings["coder"]),
        "documents": list(coded.documents["document_id"]),
        "participants": [
            *([] if coded.participants is None else coded.participants["participant_id"]),
            *coded.documents["participant_id"].dropna(),
        ],
    }
    for kind in what:
        found.add(kind, privacy.pseudonyms(kind, ((name, name) for name in ids[kind])))
    return found


def _recode(
    data: bytes, schema: TableSchema, version: int, pseudonyms: privacy.Pseudonyms, excerpts: bool, shown: str
) -> bytes:
    """A table written again in the current format: values as the loader reads them, ids renamed,
    excerpts emptied unless ``excerpts`` (the column is kept); blank rows left out, as the loader does.

    Column by column, as the loader reads (:mod:`ics_leadership.core.tablecheck`): each column's
    distinct texts are rewritten once and spread back over the rows, so no Python code runs per cell
    (a million codings hold few distinct codes, coders and offsets). The loader has already refused a
    row whose number of fields is not the header's, unless the row is blank.
    """
    records = records_of(data, shown)
    if records.header is None:
        return b""
    raw_header = [records.header[0].removeprefix("\ufeff"), *records.header[1:]]
    header = [cell_text(h, None, version) for h in raw_header]
    columns = {c.name: c for c in schema.columns}
    cells = [Distinct.of(column) for column in records.columns]
    blank = np.ones(records.n_rows, dtype=bool)
    for distinct in cells:
        blank &= distinct.rows(distinct.stripped == "")
    kept = np.flatnonzero(~blank)
    fields = []
    for name, distinct in zip(header, cells, strict=False):  # the header's width: the loader checked the rows
        column = columns.get(name)
        kind = _RENAMED[schema.name].get(name) if pseudonyms else None
        if schema.name == "codings.csv" and name == "excerpt" and not excerpts:
            values = [""] * len(distinct.texts)
        else:
            values = [cell_text(text, column, version) for text in distinct.texts.tolist()]
        if schema.name == "codings.csv" and name == "code":
            values = [codepath.convert(value, version) for value in values]
        elif kind:
            values = [pseudonyms.get(kind, value) if value else value for value in values]
        written = np.array(text_fields(values), dtype=object)
        fields.append(distinct.rows(written)[kept].tolist())
    return "".join([csv_line(header), *(",".join(row) + "\n" for row in zip(*fields))]).encode("utf-8")


def _corpus_yaml(
    folder: Path,
    path: Path,
    copied: bytes | None,
    metadata: dict,
    version: int,
    pseudonyms: privacy.Pseudonyms,
    summary: dict[str, int],
    excerpts: bool,
) -> bytes:
    """corpus.yaml of the output: the input's when it is current and nothing changed, else rewritten."""
    if copied is not None and version == FORMAT_VERSION and not pseudonyms and excerpts:
        return copied
    if copied is not None:  # its comments are lost; its values are kept
        doc = {"format_version": FORMAT_VERSION, **{k: v for k, v in metadata.items() if k != "format_version"}}
    else:
        doc = {
            "format_version": FORMAT_VERSION,
            "synthetic": False,
            "description": scrub(f"Coded data imported from {folder.name} (canonical CSV)"),
            "source": {"format": "canonical-csv", "file": folder.name},
            "import": {"importer": f"ics-leadership {__version__}"},
            "counts": summary,
        }
        if path.is_file():
            doc["source"]["sha256"] = sha256_file(path)
    record = doc.get("import") if isinstance(doc.get("import"), dict) else {}
    if pseudonyms or copied is None:
        record = {**record, "coders_anonymised": "coders" in pseudonyms.kinds, "anonymised": pseudonyms.kinds}
    if not excerpts:
        record = {**record, "excerpts": WITHHELD}
    if not excerpts or copied is None:
        record = {**record, "excerpts_withheld": not excerpts}
    if record:
        doc["import"] = record
    if pseudonyms:
        doc = pseudonyms.redact_all(doc)
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True).encode("utf-8")
