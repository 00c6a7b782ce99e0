"""How often codes occur, and how many participants express each contribution and activity.

*Frequency* counts coded segments (and documents). *Participant prevalence* counts people: how
many of the N participants in a group (a governance level, a site) have at least one coding of a
contribution or activity in their interviews, with a Wilson 95% interval (statsmodels). Groups are
listed in the codebook's order when the data use only its levels or stages, otherwise sorted
(:func:`ics_leadership.coding.format.ordered`).

Analyses of frequency and prevalence use one coder's codings (the *primary coder*: by default the
one with most codings), so that double-coded documents are not counted twice; agreement between
coders is the business of :mod:`ics_leadership.coding.agreement`.
"""

from __future__ import annotations

import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from ics_leadership.coding.coded import CodedData
from ics_leadership.coding.format import ordered
from ics_leadership.facts.codebook import Codebook

PARTICIPANT_SOURCES = ("interview", "follow-up interview")
#: The group whose members prevalence counts when the data's ``group`` column names it: the
#: codebook describes what clinical leaders contribute. Data whose groups are other (or unrecorded)
#: count everyone with an interview, and :func:`ics_leadership.coding.summarise.summarise` says so.
FOCUS_GROUP = "clinical"


def focus_applies(coded: CodedData) -> bool:
    """Whether prevalence counts only :data:`FOCUS_GROUP` (some participant belongs to it)."""
    return bool((coded.documents["group"] == FOCUS_GROUP).fillna(False).any())


def primary_coder(coded: CodedData) -> str:
    """The coder with most codings (ties broken by name), whose codings the counts use."""
    counts = coded.codings.groupby("coder").size()
    return str(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0])


def analysis_codings(coded: CodedData, codebook: Codebook, coder: str | None = None) -> pd.DataFrame:
    """The primary coder's codings with document attributes and the contribution of each code."""
    coder = coder or primary_coder(coded)
    frame = coded.codings_with_attributes()
    frame = frame[frame["coder"] == coder].copy()
    frame["contribution"] = frame["code"].map(codebook.contribution_of)
    return frame


def wilson(count: int, nobs: int, alpha: float = 0.05) -> tuple[float, float]:
    """Wilson score interval for ``count`` successes in ``nobs`` trials (NaN, NaN when nobs is 0)."""
    if nobs == 0:
        return float("nan"), float("nan")
    low, high = proportion_confint(count, nobs, alpha=alpha, method="wilson")
    return float(low), float(high)


def frequencies(codings: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Segments, documents and participants per code and per contribution, in codebook order."""
    rows = []
    for code in codebook.codes:
        is_contribution = code in codebook.contribution_ids
        hits = codings[codings["contribution"] == code] if is_contribution else codings[codings["code"] == code]
        rows.append(
            {
                "code": code,
                "label": codebook.label(code),
                "kind": "contribution" if is_contribution else "activity",
                "contribution": codebook.label(codebook.contribution_of(code)),
                "segments": int(len(hits)),
                "documents": int(hits["document_id"].nunique()),
                "participants": int(hits["participant_id"].dropna().nunique()),
            }
        )
    return pd.DataFrame(rows)


def participant_universe(coded: CodedData) -> pd.DataFrame:
    """The participants prevalence is computed over: everyone with an interview, or only the members of
    :data:`FOCUS_GROUP` when the data record that group. One row per participant with site and level."""
    docs = coded.documents[
        coded.documents["source_type"].isin(PARTICIPANT_SOURCES) & coded.documents["participant_id"].notna()
    ]
    if focus_applies(coded):
        docs = docs[docs["group"] == FOCUS_GROUP]
    people = docs.groupby("participant_id", sort=True).agg(site=("site", "first"), level=("level", "first"))
    return people.reset_index()


def prevalence(
    coded: CodedData, codings: pd.DataFrame, codebook: Codebook, by: str | None = None, alpha: float = 0.05
) -> pd.DataFrame:
    """Participant prevalence of every contribution and activity, overall or by ``by`` ("level", "site").

    Returns a long table: code, label, kind, by, group, participants (N), expressing (n),
    proportion, ci_low, ci_high (Wilson, 1 - ``alpha``).
    """
    people = participant_universe(coded)
    mine = codings[codings["participant_id"].isin(people["participant_id"])]
    groups = (
        [("all", people)] if by is None else [(g, people[people[by] == g]) for g in _ordered(people[by], by, codebook)]
    )
    rows = []
    for code in codebook.codes:
        is_contribution = code in codebook.contribution_ids
        hits = mine[mine["contribution"] == code] if is_contribution else mine[mine["code"] == code]
        who = set(hits["participant_id"])
        for name, members in groups:
            n = int(len(members))
            k = int(members["participant_id"].isin(who).sum())
            low, high = wilson(k, n, alpha)
            rows.append(
                {
                    "code": code,
                    "label": codebook.label(code),
                    "kind": "contribution" if is_contribution else "activity",
                    "by": by or "overall",
                    "group": name,
                    "participants": n,
                    "expressing": k,
                    "proportion": k / n if n else float("nan"),
                    "ci_low": low,
                    "ci_high": high,
                }
            )
    # Named columns even when there are no groups (no participant has a level): callers select them.
    return pd.DataFrame(rows, columns=PREVALENCE_COLUMNS)


PREVALENCE_COLUMNS = [
    "code",
    "label",
    "kind",
    "by",
    "group",
    "participants",
    "expressing",
    "proportion",
    "ci_low",
    "ci_high",
]


def _ordered(values: pd.Series, by: str, codebook: Codebook) -> list[str]:
    """Groups in the codebook's order of levels (stages) when the data use only its values, else sorted."""
    preferred = {"level": list(codebook.levels), "stage": list(codebook.stages)}.get(by)
    return ordered(values.dropna().astype(str), preferred)
