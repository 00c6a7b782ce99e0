"""The COREQ page's tables: each domain's items in four columns that fit the text column.

The checklist (:func:`ics_leadership.facts.coreq.load_coreq`) has eight fields per item; shown as
eight columns they ran past the text column at any width. Here an item's number, name and topic
make one cell, what it asks is the cell's second line, and what the compendium adds follows the
note. Every field is still shown, and the CSV form of the checklist keeps them apart.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from ics_leadership.figures.tables import CaptionedTable


def item_rows(items: pd.DataFrame) -> pd.DataFrame:
    """One row per checklist item: item (number, name, topic; the question), status, where, note."""
    rows = items.reset_index(drop=True)
    item = [
        f"{r.number}. {r.item} ({str(r.topic).lower()})\n{r.asks}" if r.asks else f"{r.number}. {r.item}"
        for r in rows.itertuples()
    ]
    note = [
        " ".join(part for part in (str(r.note), f"The compendium: {r.compendium}" if r.compendium else "") if part)
        for r in rows.itertuples()
    ]
    return pd.DataFrame({"item": item, "status": rows["status"], "where in the paper": rows["location"], "note": note})


def domain_tables(checklist: pd.DataFrame) -> Iterator[CaptionedTable]:
    """A table per COREQ domain, in the checklist's order."""
    for domain, items in checklist.groupby("domain", sort=False):
        yield CaptionedTable(
            item_rows(items),
            f"COREQ domain: {domain}. Each item with what it asks, whether the paper reports it, where, "
            "and a note (with what the compendium adds, where it adds something).",
            multiline=True,
        )
