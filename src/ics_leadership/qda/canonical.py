"""Canonical coded data (``documents.csv``, ``codings.csv``, ...) passed through after validation.

The folder is validated with :func:`ics_leadership.coded.load_coded` (``check_codes=False``) and its
files are copied byte for byte; ``codebook.csv`` is derived from the codes used (a code's parents
are the "/"-separated levels of its path), and ``corpus.yaml`` is copied or, if absent, written.
With ``--anonymise-coders`` the ``coder`` column is rewritten to ``coder_1``, ``coder_2``, ...
(in the order of the coders' names). With ``--no-excerpts`` the ``excerpt`` column is emptied and
``corpus.yaml`` says so (``import: excerpts_withheld: true``).

None of the files is followed if it is a symbolic link (a link in a folder someone sent could
point at any file on the machine), and together they must fit in ``--max-size``.
"""

from __future__ import annotations

import csv
import io
import stat
from collections import Counter
from pathlib import Path

import yaml

from ics_leadership import __version__
from ics_leadership.coded import CORPUS_FILE, load_coded
from ics_leadership.csvio import long_fields
from ics_leadership.errors import DataValidationError
from ics_leadership.qda import WITHHELD
from ics_leadership.qda.errors import ImportFormatError, UnsafeInputError
from ics_leadership.qda.model import Code
from ics_leadership.qda.safety import Budget, Limits, format_size, open_regular
from ics_leadership.qda.writer import (CODEBOOK_COLUMNS, REPORT_COLUMNS, REPORT_FILE, _csv_bytes, _with_parents, csv_line,
                                       publish, scrub, sha256_file)

TABLES = ("documents.csv", "codings.csv", "participants.csv")


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
            raise UnsafeInputError(f"{folder / name}: a symbolic link, which is never followed (copy the file "
                                   f"itself into the folder)")
        total += info.st_size
        if total > limits.max_total_bytes:
            raise UnsafeInputError(f"{folder / name}: the files come to more than "
                                   f"{format_size(limits.max_total_bytes)} (the limit; raise it with --max-size if "
                                   f"the data are really this large)")


def import_canonical(path: Path, shown: str, out: Path, force: bool, anonymise: bool, *, excerpts: bool = True,
                     limits: Limits | None = None) -> dict[str, int]:
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
    budget = Budget(limits, shown)
    files = {name: _read(folder / name, budget) for name in TABLES if (folder / name).is_file()}
    report = []
    if anonymise:
        files["codings.csv"], n = _anonymise(files["codings.csv"])
        report.append(["note", "coders anonymised", "", "", 0, f"{n} coders written as coder_1 ... coder_{n}"])
    if not excerpts:
        files["codings.csv"] = _without_excerpts(files["codings.csv"])
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
        files[CORPUS_FILE] = _read(folder / CORPUS_FILE, budget)
        if not excerpts:  # say so in the copy (its comments are lost; its values are kept)
            meta = dict(coded.metadata)
            meta["import"] = {**(meta.get("import") if isinstance(meta.get("import"), dict) else {}),
                              "excerpts": WITHHELD, "excerpts_withheld": True}
            files[CORPUS_FILE] = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True).encode("utf-8")
    else:
        doc = {"synthetic": False,
               "description": scrub(f"Coded data imported from {folder.name} (canonical CSV)"),
               "source": {"format": "canonical-csv", "file": folder.name},
               "import": {"importer": f"ics-leadership {__version__}", "coders_anonymised": anonymise,
                          **({} if excerpts else {"excerpts": WITHHELD}), "excerpts_withheld": not excerpts},
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


def _read(path: Path, budget: Budget) -> bytes:
    with open_regular(path, budget, str(path)) as fh:  # never through a link swapped in meanwhile
        return fh.read()


def _csv_rows(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8-sig")
    with long_fields(len(text)):
        return list(csv.reader(io.StringIO(text, newline="")))


def _without_excerpts(data: bytes) -> bytes:
    """codings.csv with every excerpt emptied (the column is kept)."""
    rows = _csv_rows(data)
    header = [h.strip() for h in rows[0]]
    if "excerpt" not in header:
        return data
    col = header.index("excerpt")
    return "".join([csv_line(header), *(csv_line([*r[:col], "", *r[col + 1:]] if len(r) == len(header) else r)
                                         for r in rows[1:])]).encode("utf-8")


def _anonymise(data: bytes) -> tuple[bytes, int]:
    rows = _csv_rows(data)
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
