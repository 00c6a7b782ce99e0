"""Check the numbers the paper states about its sample against each other and against the data.

Each fact in ``study.yaml`` may be stated in several places. Where the compendium can recompute a
fact from the raw tables (which transcribe Table 1 and the Methods), it does, and compares. A
disagreement is a finding to report, never something to resolve silently: both values are kept
with their locations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ics_leadership.facts.raw import Fact, RawData, format_value

CONSISTENT = "consistent"
STATEMENTS_DISAGREE = "the paper's statements disagree"
DATA_DISAGREES = "the paper's statement disagrees with its Table 1 / data"


@dataclass(frozen=True)
class Recomputation:
    """How a fact is recomputed from the raw data, and a description of the source."""

    compute: Callable[[RawData], Any]
    source: str


def _meetings(raw: RawData) -> Any:
    meetings = raw.observations["meetings"]
    return None if meetings.isna().any() else int(meetings.sum())


#: Facts the compendium can recompute from ``data/raw``.
RECOMPUTATIONS: dict[str, Recomputation] = {
    "clinical_leaders": Recomputation(lambda r: len(r.participants), "participants.csv (Table 1): rows"),
    "thematic_leaders": Recomputation(
        lambda r: int((r.participants["level"] == "thematic").sum()), "participants.csv (Table 1): thematic rows"
    ),
    "stp_medical_directors": Recomputation(
        lambda r: int(
            ((r.participants["level"] == "executive") & (r.participants["role"] == "Medical Director")).sum()
        ),
        "participants.csv (Table 1): executive-level Medical Directors",
    ),
    "follow_up_interviews": Recomputation(
        lambda r: int(r.participants["follow_up"].sum()), "participants.csv (Table 1): rows marked follow_up"
    ),
    "stps_studied": Recomputation(lambda r: int(r.participants["site"].nunique()), "participants.csv (Table 1): sites"),
    "governance_levels": Recomputation(
        lambda r: int(r.participants["level"].nunique()), "participants.csv (Table 1): levels"
    ),
    "professional_backgrounds": Recomputation(
        lambda r: sorted(set(r.participants["profession"].astype(str))),
        "participants.csv (Table 1): professions read from role titles",
    ),
    "observation_hours": Recomputation(
        lambda r: float(r.observations["hours"].sum()), "observations.csv (Methods): sum of hours by site"
    ),
    "meetings_observed": Recomputation(_meetings, "observations.csv (Methods): sum of meetings by site"),
}


def same_value(a: Any, b: Any) -> bool:
    """Compare two stated values: numbers numerically, lists as sets, text exactly."""
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        return isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and set(map(str, a)) == set(map(str, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return float(a) == float(b)
    return a == b


def _verdict(fact: Fact, recomputed: Any) -> str:
    first = fact.reports[0].value
    if not all(same_value(first, r.value) for r in fact.reports[1:]):
        return STATEMENTS_DISAGREE
    if recomputed is not None and not same_value(first, recomputed):
        return DATA_DISAGREES
    return CONSISTENT


def consistency_checks(raw: RawData) -> pd.DataFrame:
    """One row per statement of each fact, plus one row per recomputed value.

    Columns: ``fact``, ``label``, ``source`` ("paper" or "recomputed"), ``value``, ``location``,
    ``matches_recomputed`` ("yes", "no", or "" when not recomputable), ``verdict`` (for the
    whole fact; see the module constants).
    """
    rows = []
    for fact in raw.study.facts.values():
        recomputation = RECOMPUTATIONS.get(fact.id)
        recomputed = recomputation.compute(raw) if recomputation else None
        verdict = _verdict(fact, recomputed)
        for report in fact.reports:
            if recomputed is None:
                match = ""
            else:
                match = "yes" if same_value(report.value, recomputed) else "no"
            rows.append(
                {
                    "fact": fact.id,
                    "label": fact.label,
                    "source": "paper",
                    "value": format_value(report.value),
                    "location": report.location,
                    "matches_recomputed": match,
                    "verdict": verdict,
                }
            )
        if recomputed is not None:
            rows.append(
                {
                    "fact": fact.id,
                    "label": fact.label,
                    "source": "recomputed",
                    "value": format_value(_tidy_number(recomputed)),
                    "location": recomputation.source,
                    "matches_recomputed": "",
                    "verdict": verdict,
                }
            )
    return pd.DataFrame(rows)


def findings(checks: pd.DataFrame) -> pd.DataFrame:
    """The disagreements, one row per fact: each distinct value with all the places that give it."""
    rows = []
    for fact, group in checks[checks["verdict"] != CONSISTENT].groupby("fact", sort=False):
        sides = []
        for value, by_value in group.groupby("value", sort=False):
            places = "; ".join(
                loc if src == "paper" else f"recomputed from {loc}"
                for src, loc in zip(by_value["source"], by_value["location"])
            )
            sides.append(f"{value} [{places}]")
        rows.append(
            {
                "fact": fact,
                "label": group["label"].iloc[0],
                "verdict": group["verdict"].iloc[0],
                "values and where": " vs ".join(sides),
            }
        )
    return pd.DataFrame(rows, columns=["fact", "label", "verdict", "values and where"])


def distinct_values(checks: pd.DataFrame, fact: str, source: str | None = None) -> list[str]:
    """The different values given for ``fact`` (optionally only from ``source``), in order of appearance."""
    rows = checks[checks["fact"] == fact]
    if source is not None:
        rows = rows[rows["source"] == source]
    return list(dict.fromkeys(rows["value"]))


def _tidy_number(value: Any) -> Any:
    """Show 49.0 as 49 so recomputed and stated values read alike."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
