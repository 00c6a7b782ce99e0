"""Taguette exports: the highlights table (CSV or XLSX) and, beside it, the codebook CSV.

Taguette's "export all highlights" writes one row per highlight and tag, with the columns
``id, document, tag, content`` (a highlight with two tags is two rows with the same ``id``; a
highlight without tags has a blank ``tag``). Its codebook export has ``tag, description,
number of highlights`` (newer versions add ``parent``). The codebook is looked for beside the
highlights file (``codebook.csv`` or ``codebook.xlsx``) and is optional.

Spans without offsets
---------------------
The export has no character offsets and no document text. Unless the table has ``start`` and
``end`` columns (``start_offset``/``end_offset`` are accepted too), each document's text is taken
to be its highlights' contents in export order (Taguette orders them by position in the
document), separated by a blank line ("\\n\\n"): a highlight's span is where its content sits in
that text, and ``n_chars`` is the length of that text. Counts, co-occurrence of tags on one
highlight, order and excerpts are kept; overlaps between different highlights, and the text
between them, are not. ``corpus.yaml`` says ``offsets: synthetic`` when this applies.

The coder is taken from a ``coder`` (or ``user``, ``owner``) column when there is one; Taguette's
own export has none, so the coder is ``unknown``. A tag's path is its ``parent``'s path (from the
codebook), "/", its name; without a parent, its name alone. A "/" inside a tag is part of its name
(escaped as :mod:`ics_leadership.coding.codepath` says), never a level.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ics_leadership.coding import codepath
from ics_leadership.core.csvio import long_fields
from ics_leadership.qda.errors import ImportFormatError, safe_text
from ics_leadership.qda.model import Code, Document, ImportResult, Span, settle_spans
from ics_leadership.qda.safety import Budget, Limits, SafeArchive, decode_text, open_file

HIGHLIGHT_COLUMNS = ("document", "tag", "content")
SEPARATOR = "\n\n"
_ALIASES = {
    "start_offset": "start",
    "end_offset": "end",
    "user": "coder",
    "owner": "coder",
    "user_login": "coder",
    "number of highlights": "highlights",
}


def read_table(path: Path, shown: str, budget: Budget) -> list[dict[str, str]]:
    """Rows of a CSV or XLSX file as dicts keyed by lower-case column name."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        rows = _xlsx_rows(path, shown, budget)
    else:
        with open_file(path, budget, shown) as fh:
            text = decode_text(fh.read(), shown)
        try:
            with long_fields(len(text)):  # a highlight may exceed csv's default 131,072 characters
                rows = list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error as exc:
            raise ImportFormatError(f"{shown}: not a readable CSV file ({exc})") from None
    if not rows:
        raise ImportFormatError(f"{shown}: empty file; expected a header row")
    header = [_ALIASES.get(h.strip().lower(), h.strip().lower()) for h in rows[0]]
    out = []
    for i, raw in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in raw):
            continue
        if len(raw) > len(header):
            raise ImportFormatError(f"{shown}: line {i} has {len(raw)} fields, the header has {len(header)}")
        out.append({h: (raw[j] if j < len(raw) else "") for j, h in enumerate(header)})
    return out


def _xlsx_rows(path: Path, shown: str, budget: Budget) -> list[list[str]]:
    # Check the archive's members and declared sizes first; openpyxl reads the zip itself, and
    # zipfile never inflates a member past its declared size, which we have capped.
    SafeArchive(path, budget, shown).close()
    import openpyxl  # openpyxl parses the sheet XML with defusedxml when it is installed

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        sheet = workbook["highlights"] if "highlights" in workbook.sheetnames else workbook.worksheets[0]
        rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        workbook.close()
    except ImportFormatError:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise ImportFormatError(f"{shown}: not a readable XLSX workbook ({type(exc).__name__}: {exc})") from None
    return rows


def is_highlights(path: Path) -> bool:
    """Whether ``path`` looks like a Taguette highlights export (by its header)."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return "codebook" not in path.name.lower()
    try:
        with path.open("r", encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader([fh.readline(64 * 1024)]), [])  # a header, not a whole file
    except (OSError, UnicodeDecodeError, csv.Error):
        return False
    names = {h.strip().lower() for h in header}
    return set(HIGHLIGHT_COLUMNS) <= names


def find_highlights(folder: Path) -> Path | None:
    candidates = sorted(
        p
        for p in folder.iterdir()
        if p.is_file()
        and p.suffix.lower() in (".csv", ".xlsx")
        and "codebook" not in p.name.lower()
        and is_highlights(p)
    )
    return candidates[0] if len(candidates) == 1 else None


def _codebook_file(folder: Path) -> Path | None:
    for p in sorted(folder.iterdir()):
        if p.is_file() and p.name.lower() in ("codebook.csv", "codebook.xlsx"):
            return p
    return None


def import_taguette(path: Path, shown: str, limits: Limits) -> ImportResult:
    budget = Budget(limits, shown)
    if path.is_dir():
        found = find_highlights(path)
        if found is None:
            raise ImportFormatError(
                f"{shown}: no single Taguette highlights export (columns id, document, tag, content) in this folder"
            )
        path, shown = found, f"{shown}/{found.name}"
    rows = read_table(path, shown, budget)
    if rows:
        missing = [c for c in HIGHLIGHT_COLUMNS if c not in rows[0]]
        if missing:
            raise ImportFormatError(
                f"{shown}: column {missing[0]} is missing (a Taguette highlights export has id, document, tag, content)"
            )
    result = ImportResult(format="taguette")
    result.meta["container"] = path.suffix.lower().lstrip(".")
    result.meta["origin"] = "Taguette"
    paths = _read_codebook(path.parent, shown, budget, result)
    with_offsets = bool(rows) and "start" in rows[0] and "end" in rows[0]
    result.meta["synthetic_offsets"] = not with_offsets
    has_coder = bool(rows) and "coder" in rows[0]
    if not has_coder:
        result.note("no coder in the export", detail="coder written as 'unknown'")
    if not with_offsets:
        result.note(
            "offsets are synthetic",
            detail="the export has no offsets: each document is read as its "
            "highlights' contents in export order, separated by a blank line",
        )

    # Group rows into highlights, per document, in export order.
    highlights: dict[str, dict[str, tuple[int, list[tuple[str, str]], str, tuple[str, str] | None]]] = {}
    for line, row in enumerate(rows, start=2):
        doc = row["document"].strip()
        if not doc:
            raise ImportFormatError(f"{shown}: line {line}: document is blank")
        hid = (row.get("id") or "").strip() or f"line {line}"
        tag = row["tag"].strip()
        coder = (row.get("coder") or "").strip()
        result.coders.setdefault(coder, coder)
        entry = highlights.setdefault(doc, {}).get(hid)
        offsets = (row["start"], row["end"]) if with_offsets else None
        if entry is None:
            entry = (line, [], row["content"], offsets)
            highlights[doc][hid] = entry
        if tag:
            if tag not in result.codes:
                result.codes[tag] = Code(paths.get(tag) or codepath.join([tag]), key=tag)
            entry[1].append((tag, coder))
    for code in result.codes.values():
        code.parent = codepath.parent(code.path)

    for doc, items in highlights.items():
        spans, pos = [], 0
        for hid, (line, codings, content, offsets) in items.items():
            if offsets is not None:
                try:
                    start, end = int(offsets[0]), int(offsets[1])
                except ValueError:
                    raise ImportFormatError(f"{shown}: line {line}: start/end are not whole numbers") from None
            else:
                start, end = pos, pos + len(content)
                pos = end + len(SEPARATOR)
            spans.append(Span(start, end, codings, hint=content, item=f"highlight {hid}", line=line))
        n_chars = settle_spans(
            result,
            doc,
            None,
            spans,
            f"{shown}, document {safe_text(doc)}",
            hint_is_excerpt=True,
            synthetic=not with_offsets,
        )
        result.documents.append(Document(doc, n_chars, key=doc))
    return result


def _read_codebook(folder: Path, shown: str, budget: Budget, result: ImportResult) -> dict[str, str]:
    """Tag -> code path, from the codebook export beside the highlights; fills ``result.codes``."""
    path = _codebook_file(folder)
    if path is None:
        result.note("no codebook.csv beside the highlights", detail="codes are the tags used; no descriptions")
        return {}
    where = f"{shown} (codebook {path.name})"
    rows = read_table(path, where, budget)
    if rows and "tag" not in rows[0]:
        raise ImportFormatError(
            f"{where}: column tag is missing (a Taguette codebook has tag, description, number of highlights)"
        )
    parent = {r["tag"].strip(): (r.get("parent") or "").strip() for r in rows if r["tag"].strip()}

    def path_of(tag: str) -> str:
        chain, seen = [tag], {tag}
        while parent.get(chain[-1]):
            up = parent[chain[-1]]
            if up in seen:
                raise ImportFormatError(f"{where}: tag {safe_text(up)} is its own ancestor")
            seen.add(up)
            chain.append(up)
        return codepath.join(reversed(chain))

    paths = {tag: path_of(tag) for tag in parent}
    for r in rows:
        tag = r["tag"].strip()
        if tag:
            result.codes[tag] = Code(paths[tag], description=(r.get("description") or "").strip(), key=tag)
    return paths
