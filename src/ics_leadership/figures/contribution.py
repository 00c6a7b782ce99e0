"""A contribution's page (notebook 20, run once per contribution): its tables with their captions.

(Also the codebook page's table of each contribution's codes, :func:`codebook_tables`.)

What the paper says comes from the codebook (:func:`activities_table`, :func:`levels_table`,
:func:`stages_table`: the contribution's row of the framework and stage matrices, turned into
one row per level or stage); what the coded data say comes from the toolkit's prevalence
(:func:`prevalence_table`, written as on the theme coding page by
:func:`ics_leadership.figures.coding.prevalence_matrix`) and the claims ledger
(:func:`claims_ledger`, :func:`claims_table`). Tables from synthetic data carry the label.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ics_leadership.coding import prevalence
from ics_leadership.coding.coded import CodedData
from ics_leadership.facts import claims
from ics_leadership.facts.codebook import Codebook
from ics_leadership.facts.vocabulary import FOCUS_GROUP, LEVELS, STAGES
from ics_leadership.figures.coding import prevalence_matrix
from ics_leadership.figures.tables import CaptionedTable

NO_CODED_DATA = "No coded data: run the theme coding notebook first, or set `coded_data`."


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


def prevalence_table(coded: CodedData | None, codebook: Codebook, contribution: str) -> CaptionedTable | str:
    """Clinical leaders expressing the contribution and each activity, by level; a sentence without data."""
    if coded is None:
        return NO_CODED_DATA
    codings = prevalence.analysis_codings(coded, codebook.tree)
    by_level = prevalence.prevalence(coded, codings, codebook.tree, by="level", focus_group=FOCUS_GROUP)
    label = codebook.contribution(contribution).label
    return CaptionedTable(
        prevalence_matrix(by_level, "level", code=contribution),
        f"{label}: clinical leaders expressing it and each of its activities, of those at the level, "
        "with the share and its Wilson 95% interval.",
        index=True,
        synthetic=coded.synthetic,
    )


def claims_ledger(
    coded: CodedData | None, codebook: Codebook, contribution: str, claims_path: Path | str
) -> pd.DataFrame | None:
    """The ledger of the paper's claims whose test names the contribution or one of its activities.

    Evaluated on ``coded`` as on the theme coding page (the primary coder's codings); None without
    coded data or without such claims.
    """
    if coded is None:
        return None
    claim_list, rules = claims.load_claims(claims_path, codebook)
    related = [
        c
        for c in claim_list
        if any(
            _in(str(code), contribution)
            for code in (c.test.get("code"), c.test.get("code_a"), c.test.get("code_b"), *c.test.get("codes", []))
        )
    ]
    if not related:
        return None
    ledger, _ = claims.evaluate(related, coded, prevalence.analysis_codings(coded, codebook.tree), codebook, rules)
    return ledger


def claims_text(ledger: pd.DataFrame | None) -> str | None:
    """The sentence summarising the ledger (None without one)."""
    return claims.describe(ledger) if ledger is not None and len(ledger) else None


def claims_table(
    ledger: pd.DataFrame | None, codebook: Codebook, contribution: str, coded: CodedData | None
) -> CaptionedTable | None:
    """The claims involving the contribution: the test each gets and its status (None without any).

    ``coded`` is the data the ledger was evaluated on (labels the table when synthetic).
    """
    if ledger is None or not len(ledger) or coded is None:
        return None
    label = codebook.contribution(contribution).label
    return CaptionedTable(
        claims.for_display(ledger),
        f"The paper's claims that involve {label.lower()}: the test each gets and its status.",
        synthetic=coded.synthetic,
    )
