"""The COREQ reporting checklist applied to the paper (``data/raw/coreq.yaml``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ics_leadership.core import paths
from ics_leadership.core.errors import DataValidationError, Problem
from ics_leadership.core.schema import read_yaml

COREQ_FILE = "coreq.yaml"
STATUSES = ("reported", "partly reported", "not reported")
N_ITEMS = 32


def load_coreq(path: Path | str | None = None) -> pd.DataFrame:
    """Load and validate the checklist: items 1 to 32, each with a status, and a location unless not reported."""
    path = Path(path or paths.raw_dir() / COREQ_FILE)
    shown = paths.display_path(path)
    doc = read_yaml(path) or {}
    items = doc.get("items") or []
    problems: list[Problem] = []
    numbers = [i.get("number") for i in items if isinstance(i, dict)]
    if sorted(numbers) != list(range(1, N_ITEMS + 1)):
        missing = sorted(set(range(1, N_ITEMS + 1)) - set(numbers))
        problems.append(
            Problem(shown, f"expected items 1 to {N_ITEMS} once each (missing: {missing or 'none'})", field="items")
        )
    for item in items:
        where = f"items[{item.get('number')}]"
        for key in ("domain", "topic", "item", "asks", "status"):
            if not str(item.get(key, "")).strip():
                problems.append(Problem(shown, "is missing", field=f"{where}.{key}"))
        status = item.get("status")
        if status and status not in STATUSES:
            problems.append(Problem(shown, f"'{status}' is not one of: {', '.join(STATUSES)}", field=f"{where}.status"))
        if status in ("reported", "partly reported") and not str(item.get("location", "")).strip():
            problems.append(
                Problem(shown, "a reported item needs its location in the paper", field=f"{where}.location")
            )
    if problems:
        raise DataValidationError(problems)
    frame = pd.DataFrame(items)
    for col in ("location", "note", "compendium"):
        if col not in frame:
            frame[col] = ""
    return frame.fillna("").sort_values("number").reset_index(drop=True)


def summary(checklist: pd.DataFrame) -> pd.DataFrame:
    """Items by domain and status, with totals."""
    table = pd.crosstab(checklist["domain"], checklist["status"], margins=True, margins_name="Total")
    order = [s for s in STATUSES if s in table.columns] + ["Total"]
    domains = list(dict.fromkeys(checklist["domain"])) + ["Total"]
    return table.loc[domains, order]
