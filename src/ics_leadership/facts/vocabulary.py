"""The paper's vocabulary: its governance levels, stages of change, sites and groups of leaders.

The canonical coded-data format takes any values (:mod:`ics_leadership.coding.format`); these are
the values *this paper* uses, each with the passage that states it. They are enforced on the paper's
own tables in ``data/raw`` (:mod:`ics_leadership.facts.raw_tables`), they order the paper's tables
and figures, and the claims ledger (:mod:`ics_leadership.facts.claims`) checks coded data against
them before it evaluates a claim about levels, stages or clinical leaders: :func:`unexpected` lists
the values data hold beyond them.
"""

from __future__ import annotations

import pandas as pd

#: Each value, in the paper's order, with where the paper states it (section, sub-section, paragraph).
TERMS: dict[str, dict[str, str]] = {
    "level": {
        "executive": "Methods, Recruitment and sample, para 1 (executive leadership); Table 1, rows",
        "thematic": "Methods, Recruitment and sample, para 1 (thematic leadership); Table 1, rows",
        "project": "Methods, Recruitment and sample, para 1 (project leadership); Table 1, rows",
    },
    "stage": {
        "early": "Discussion, para 6 (early strategy setting)",
        "later": "Discussion, para 6 (later stages of collaborative working)",
    },
    "site": {
        "A": "Table 1, columns (STP A); Methods, Data collection, para 2 (STP A: 22 hours)",
        "B": "Table 1, columns (STP B); Methods, Data collection, para 2 (STP B: 22 hours)",
        "C": "Table 1, columns (STP C); Methods, Data collection, para 2 (STP C: 5 hours)",
    },
    "group": {
        "clinical": "Methods, Recruitment and sample, para 2 (clinical leaders defined; 25 recruited)",
        "non-clinical": "Methods, Recruitment and sample, para 2 (a further 47 non-clinical leaders)",
    },
}

LEVELS: tuple[str, ...] = tuple(TERMS["level"])
STAGES: tuple[str, ...] = tuple(TERMS["stage"])
SITES: tuple[str, ...] = tuple(TERMS["site"])
GROUPS: tuple[str, ...] = tuple(TERMS["group"])

#: The group whose members the paper's prevalence counts when the data record groups: the paper
#: studies what clinical leaders contribute (the "clinical" entry of TERMS says where).
FOCUS_GROUP = "clinical"

#: The attributes a claim about levels, stages or clinical leaders needs in the paper's terms.
#: Sites are not among them: a replication studies other sites, and no claim names one.
CLAIM_ATTRIBUTES = ("level", "stage", "group")


def unexpected(documents: pd.DataFrame, attributes: tuple[str, ...] = CLAIM_ATTRIBUTES) -> dict[str, list[str]]:
    """Values of ``attributes`` in ``documents`` that the paper does not use, by attribute (sorted).

    Blank values and absent columns are not unexpected: data that do not record an attribute say
    nothing against the paper's vocabulary. An empty result means the data speak it.
    """
    found: dict[str, list[str]] = {}
    for attribute in attributes:
        if attribute not in documents:
            continue
        values = {str(v) for v in documents[attribute].dropna() if str(v) != ""}
        extra = sorted(values - set(TERMS[attribute]))
        if extra:
            found[attribute] = extra
    return found


def describe_unexpected(found: dict[str, list[str]]) -> str:
    """``found`` (from :func:`unexpected`) in words: each attribute's values beside the paper's."""
    return "; ".join(
        f"{attribute} {', '.join(repr(v) for v in values)} (the paper's: {', '.join(TERMS[attribute])})"
        for attribute, values in found.items()
    )
