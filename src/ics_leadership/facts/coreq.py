"""The COREQ reporting checklist applied to the paper (``data/raw/coreq.yaml``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ics_leadership.core import paths
from ics_leadership.core.errors import DataValidationError, Problem
from ics_leadership.core.yamlschema import YamlDocument, read_document, schema_problems

COREQ_FILE = "coreq.yaml"
STATUSES = ("reported", "partly reported", "not reported")
N_ITEMS = 32


def load_coreq(path: Path | str | None = None) -> pd.DataFrame:
    """Load and validate the checklist: items 1 to 32, each with a status, and a location unless not reported.

    The structure is checked against ``schemas/coreq.schema.json``; that each number appears once is
    checked here. Every problem is listed with its line and field.
    """
    path = Path(path or paths.raw_dir() / COREQ_FILE)
    doc = read_document(path)
    # In file order, so one pass down the file fixes everything.
    problems = sorted(schema_problems(doc, "coreq") + _number_problems(doc), key=lambda p: p.line or 0)
    if problems:
        raise DataValidationError(problems)
    frame = pd.DataFrame(doc.data["items"])
    for col in ("location", "note", "compendium"):
        if col not in frame:
            frame[col] = ""
    return frame.fillna("").sort_values("number").reset_index(drop=True)


def _number_problems(doc: YamlDocument) -> list[Problem]:
    """Each item number from 1 to N_ITEMS exactly once (a schema cannot say "once each")."""
    items = doc.data.get("items") if isinstance(doc.data, dict) else None
    if not isinstance(items, list):
        return []  # the schema reports it
    problems = []
    first: dict[int, int] = {}
    for i, item in enumerate(items):
        number = item.get("number") if isinstance(item, dict) else None
        # JSON Schema counts 2.0 as a whole number; so does this check.
        if isinstance(number, bool) or not isinstance(number, (int, float)) or number != int(number):
            continue  # the schema reports it
        number = int(number)
        if number in first:
            problems.append(
                doc.problem(("items", i, "number"), f"item {number} appears twice (first at line {first[number]})")
            )
        first.setdefault(number, doc.line(("items", i, "number")) or 0)
    missing = sorted(set(range(1, N_ITEMS + 1)) - set(first))
    if missing:
        problems.append(doc.problem(("items",), f"expected items 1 to {N_ITEMS} once each (missing: {missing})"))
    return problems


def summary(checklist: pd.DataFrame) -> pd.DataFrame:
    """Items by domain and status, with totals."""
    table = pd.crosstab(checklist["domain"], checklist["status"], margins=True, margins_name="Total")
    order = [s for s in STATUSES if s in table.columns] + ["Total"]
    domains = list(dict.fromkeys(checklist["domain"])) + ["Total"]
    return table.loc[domains, order]
