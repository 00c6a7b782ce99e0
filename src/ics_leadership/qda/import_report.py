"""``import_report.csv``: its columns, and its warnings read back as lines for the terminal.

Separate from the canonical tables (:mod:`ics_leadership.qda.csvwriter`, which writes the report's
rows with the tables) because the command line reads the report of a finished import too, and
prints one line per kind of warning.
"""

from __future__ import annotations

import csv
from pathlib import Path

from ics_leadership.core.csvformat import unprotect
from ics_leadership.qda.errors import safe_text

REPORT_FILE = "import_report.csv"
REPORT_COLUMNS = ["severity", "what", "document", "item", "codings", "detail"]


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
