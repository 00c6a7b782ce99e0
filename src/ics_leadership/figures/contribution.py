"""A contribution's page (notebook 20, run once per contribution): its tables with their captions.

(Also the codebook page's table of each contribution's codes, :func:`codebook_tables`.)

Everything here comes from the paper, through the codebook: :func:`activities_table`,
:func:`levels_table` and :func:`stages_table` give the contribution's activities and its row of the
framework and stage matrices, turned into one row per level or stage. How often a contribution
occurs in coded data is not on its page: in the book those numbers come from the synthetic corpus,
so they are on the demonstration page of theme coding (:mod:`ics_leadership.figures.coding`).
"""

from __future__ import annotations

import pandas as pd

from ics_leadership.facts.codebook import Codebook
from ics_leadership.facts.vocabulary import LEVELS, STAGES
from ics_leadership.figures.tables import CaptionedTable


def _in(code: str, contribution: str) -> bool:
    """``code`` is the contribution or one of its activities (``contribution/...``)."""
    return code == contribution or code.startswith(contribution + "/")


def codebook_tables(codebook: Codebook) -> list[CaptionedTable]:
    """The codebook page's tables: one per contribution, its own row and its activities'."""
    table = codebook.table()
    return [
        CaptionedTable(
            table[table["contribution"] == c.label][["code", "label", "definition", "location"]],
            f"{c.label}: the contribution and its activities, with their place in the paper.",
        )
        for c in codebook.contributions
    ]


def activities_table(codebook: Codebook, contribution: str) -> CaptionedTable:
    """The contribution's activities with their definitions and places in the paper."""
    this = codebook.contribution(contribution)
    table = codebook.table()
    rows = table[(table["kind"] == "activity") & table["code"].map(lambda c: _in(c, contribution))]
    return CaptionedTable(
        rows[["label", "definition", "location"]],
        f"{this.label}: its activities, as the Results describe them (our summary, with the passage).",
    )


def levels_table(codebook: Codebook, contribution: str) -> CaptionedTable:
    """How the contribution shows at each governance level (its row of the framework matrix)."""
    this = codebook.contribution(contribution)
    frame = pd.DataFrame(
        [
            {
                "level": codebook.levels[level]["label"],
                "how it shows": this.by_level[level]["description"],
                "location": this.by_level[level]["location"],
            }
            for level in LEVELS
        ]
    )
    return CaptionedTable(frame, f"{this.label} at each level of STP governance (row of the framework matrix).")


def stages_table(codebook: Codebook, contribution: str) -> CaptionedTable:
    """The emphasis the paper gives the contribution at each stage of change (its row of the stage matrix)."""
    this = codebook.contribution(contribution)
    frame = pd.DataFrame(
        [
            {
                "stage": codebook.stages[stage]["label"],
                "emphasis": this.by_stage[stage]["emphasis"],
                "what the paper says": this.by_stage[stage]["description"],
                "location": this.by_stage[stage]["location"],
            }
            for stage in STAGES
        ]
    )
    return CaptionedTable(frame, f"{this.label} by stage of change.")
