"""Canonical coded data (``documents.csv``, ``codings.csv``, ...) passed through after validation.

The folder is validated with :func:`ics_leadership.coded.load_coded` (``check_codes=False``) and its
files are copied byte for byte; ``codebook.csv`` is derived from the codes used (a code's parents
are the "/"-separated levels of its path), and ``corpus.yaml`` is copied or, if absent, written.
With ``--anonymise-coders`` the ``coder`` column is rewritten to ``coder_1``, ``coder_2``, ...
(in the order of the coders' names).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

import yaml

from ics_leadership import __version__
from ics_leadership.coded import CORPUS_FILE, load_coded
from ics_leadership.errors import DataValidationError
from ics_leadership.qda.errors import ImportFormatError
from ics_leadership.qda.model import Code
from ics_leadership.qda.writer import (CODEBOOK_COLUMNS, REPORT_COLUMNS, REPORT_FILE, _csv_bytes, _with_parents, csv_line,
                                       publish, scrub, sha256_file)

TABLES = ("documents.csv", "codings.csv", "participants.csv")


def folder_of(path: Path) -> Path:
    return path if path.is_dir() else path.parent


def import_canonical(path: Path, shown: str, out: Path, force: bool, anonymise: bool) -> dict[str, int]:
    folder = folder_of(path)
    try:
        coded = load_coded(folder, check_codes=False)
    except DataValidationError as exc:
        first = exc.problems[0] if exc.problems else exc
        more = len(exc.problems) - 1
        tail = f" (and {more} more problem{'s' if more > 1 else ''})" if more > 0 else ""
        raise ImportFormatError(f"{shown}: not valid canonical coded data: {first}{tail}") from None
    files = {name: (folder / name).read_bytes() for name in TABLES if (folder / name).is_file()}
    report = []
    if anonymise:
        files["codings.csv"], n = _anonymise(files["codings.csv"])
        report.append(["note", "coders anonymised", "", "", 0, f"{n} coders written as coder_1 ... coder_{n}"])
    counts = Counter(coded.codings["code"])
    codes = {c: Code(c, c.rsplit("/", 1)[0] if "/" in c else "") for c in counts}
    by_path = _with_parents(codes)
    files["codebook.csv"] = _csv_bytes(CODEBOOK_COLUMNS, (
        [c.path, c.parent, "", "true" if c.path in counts else "false", counts.get(c.path, 0)]
        for c in sorted(by_path.values(), key=lambda c: c.path.split("/"))))
    files[REPORT_FILE] = _csv_bytes(REPORT_COLUMNS, report)
    summary = {"documents": len(coded.documents), "codings": len(coded.codings), "codes": len(by_path),
               "coders": int(coded.codings["coder"].nunique()),
               "participants": 0 if coded.participants is None else len(coded.participants)}
    if (folder / CORPUS_FILE).is_file():
        files[CORPUS_FILE] = (folder / CORPUS_FILE).read_bytes()
    else:
        doc = {"synthetic": False,
               "description": scrub(f"Coded data imported from {folder.name} (canonical CSV)"),
               "source": {"format": "canonical-csv", "file": folder.name},
               "import": {"importer": f"ics-leadership {__version__}", "coders_anonymised": anonymise},
               "counts": summary}
        if path.is_file():
            doc["source"]["sha256"] = sha256_file(path)
        files[CORPUS_FILE] = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True).encode("utf-8")

    def fill(tmp: Path) -> None:
        for name, data in files.items():
            (tmp / name).write_bytes(data)
        load_coded(tmp, check_codes=False)

    publish(out, force, fill)
    return summary


def _anonymise(data: bytes) -> tuple[bytes, int]:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    header = [h.strip() for h in rows[0]]
    col = header.index("coder")
    names = sorted({r[col].strip() for r in rows[1:] if len(r) == len(header) and r[col].strip()})
    label = {n: f"coder_{i}" for i, n in enumerate(names, start=1)}
    out = [csv_line(header)]
    for r in rows[1:]:
        if len(r) == len(header) and r[col].strip():
            r = [*r[:col], label[r[col].strip()], *r[col + 1:]]
        out.append(csv_line(r))
    return "".join(out).encode("utf-8"), len(names)
