"""A replication's design and the synthetic generator's coding rates over it: the ground of power planning.

A :class:`Design` says who is interviewed: the leaders by tier (each with the chance of a follow-up
interview and the chance that the first interview speaks to the later stage of change), and the
non-clinical leaders and observed meetings whose documents also count for the claims about stages.
:func:`paper_design` reads the paper's own design from ``data/raw`` (the Table 1 roster with its
follow-ups, the non-clinical leaders and meetings of ``study.yaml``); :func:`tier_design` makes one
from head counts, :func:`design_from_frame` from a sampling frame (a leader a row, with tier,
follow-up and stage); :func:`at_n` gives a design's n-per-tier version for a sample-size search.

How a document comes to show a code is the synthetic generator's model
(:mod:`ics_leadership.coding.synthetic`): each activity of a contribution is coded a Poisson number
of times with mean ``base_rate`` times the multipliers of ``synthetic_assumptions.yaml`` for the
document's source, level and stage. A document shows a code when any of its activities is coded, with
probability ``1 - exp(-rate)`` (:class:`Rates`); a leader shows it when any of their interviews does.

An effect is stated as shares of leaders (or, for claims about stages, of documents) showing a code.
:func:`multiplier_for_share` converts a share to the generator's rates: it finds the one factor by
which the code's rate in that group's documents must be scaled for the group's expected share to be
the one stated (Brent's method). The assumptions' relative rates inside the group (by source type,
stage and follow-up) are kept; only the group's overall level is set.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from ics_leadership.coding.synthetic import Assumptions, largest_remainder
from ics_leadership.core.errors import CompendiumError
from ics_leadership.facts.codebook import Codebook
from ics_leadership.facts.demo_corpus import inputs
from ics_leadership.facts.vocabulary import LEVELS, STAGES

#: The sources of documents, in the order of the rate table's second axis.
SOURCES = ("clinical interview", "follow-up interview", "non-clinical interview", "observation")
INTERVIEW, FOLLOW_UP, NON_CLINICAL, OBSERVATION = range(4)
EARLY, LATER = STAGES.index("early"), STAGES.index("later")


class DesignError(CompendiumError):
    """A design or an effect that cannot be planned for (one line naming the field)."""


@dataclass(frozen=True)
class Design:
    """Who is interviewed and observed.

    Parameters
    ----------
    leaders
        One row per leader: ``level`` (tier), ``follow_up`` (chance of a follow-up interview, 0 or 1
        when known) and ``later`` (chance that the first interview speaks to the later stage).
    non_clinical, non_clinical_levels
        Non-clinical leaders interviewed, and how many at each level.
    meetings
        Observed meetings (their level is drawn from the ``meeting_levels`` assumption).
    later
        Chance that a follow-up, a non-clinical interview and an observation speak to the later stage.
    """

    leaders: pd.DataFrame
    non_clinical_levels: dict[str, int] = field(default_factory=dict)
    meetings: int = 0
    later: dict[int, float] = field(default_factory=dict)

    @property
    def per_tier(self) -> dict[str, int]:
        counts = self.leaders["level"].value_counts()
        return {lvl: int(counts.get(lvl, 0)) for lvl in LEVELS}

    @property
    def non_clinical(self) -> int:
        return int(sum(self.non_clinical_levels.values()))

    def describe(self) -> str:
        """The design in one line, e.g. "executive 4, thematic 8, project 13 leaders (5 follow-ups) ..."."""
        tiers = ", ".join(f"{lvl} {n}" for lvl, n in self.per_tier.items())
        chances = self.leaders["follow_up"]
        known = bool(chances.isin([0.0, 1.0]).all())  # each leader's follow-up known, not a chance
        fu = f"{chances.sum():.0f}" if known else f"{chances.sum():.1f} expected"
        return (
            f"{tiers} leaders ({fu} follow-ups); {self.non_clinical} non-clinical interviews; "
            f"{self.meetings} observed meetings"
        )


def _later_shares(a: Assumptions) -> dict[int, float]:
    later = a["later_stage_share"]
    return {
        INTERVIEW: float(later["interview"]),
        FOLLOW_UP: float(later["follow-up interview"]),
        NON_CLINICAL: float(later["interview"]),
        OBSERVATION: float(later["observation"]),
    }


def _non_clinical_levels(total: int, per_tier: Mapping[str, int]) -> dict[str, int]:
    """Non-clinical leaders by level as the generator spreads them: in proportion to the clinical ones."""
    if total == 0 or not sum(per_tier.values()):
        return {lvl: 0 for lvl in LEVELS}
    return largest_remainder(int(total), {lvl: float(per_tier.get(lvl, 0)) for lvl in LEVELS})


def check_share(value: float, where: str, name: str) -> float:
    """``value`` as a float, or a :class:`DesignError` naming ``where`` and the field when it is not a share."""
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0.0 <= float(value) <= 1.0:
        raise DesignError(f"{where}, field '{name}': {value!r} is not a share between 0 and 1")
    return float(value)


def _check_tiers(per_tier: Mapping[str, int], where: str) -> None:
    unknown = [t for t in per_tier if t not in LEVELS]
    if unknown:
        raise DesignError(
            f"{where}, tier '{unknown[0]}': not one of the paper's tiers ({', '.join(LEVELS)}), "
            "which its claims compare"
        )
    for tier in LEVELS:
        n = per_tier.get(tier, 0)
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise DesignError(
                f"{where}, tier '{tier}': {n!r} leaders; every tier the claims compare "
                f"({', '.join(LEVELS)}) needs at least one"
            )


def paper_design(raw_dir: Path | str | None = None, assumptions: Assumptions | None = None) -> Design:
    """The paper's design, from ``data/raw``: Table 1's leaders by tier with their follow-ups (each
    first interview at the later stage with the assumptions' chance), and the non-clinical leaders
    and observed meetings of ``study.yaml``, spread as the synthetic generator spreads them."""
    given = inputs(raw_dir)
    a = assumptions or given["assumptions"]
    shape = given["study"]
    later = _later_shares(a)
    roster = shape.participants
    leaders = pd.DataFrame(
        {
            "level": roster["level"].astype(str).to_numpy(),
            "follow_up": roster["follow_up"].astype(bool).astype(float).to_numpy(),
            "later": later[INTERVIEW],
        }
    )
    per_tier = leaders["level"].value_counts().to_dict()
    _check_tiers(per_tier, "data/raw/participants.csv")
    return Design(leaders, _non_clinical_levels(shape.non_clinical, per_tier), int(shape.meetings), later)


def tier_design(
    per_tier: Mapping[str, int],
    assumptions: Assumptions,
    follow_up_share: float = 0.0,
    later_share: float | None = None,
    non_clinical: int = 0,
    meetings: int = 0,
) -> Design:
    """A design from head counts per tier, each leader followed up with chance ``follow_up_share``
    and interviewed first at the later stage with chance ``later_share`` (default: the assumptions')."""
    _check_tiers(per_tier, "design")
    follow = check_share(follow_up_share, "design", "follow_up_share")
    later = _later_shares(assumptions)
    first = later[INTERVIEW] if later_share is None else check_share(later_share, "design", "later_share")
    for name, value in (("non_clinical", non_clinical), ("meetings", meetings)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise DesignError(f"design, field '{name}': {value!r} is not a whole number of at least 0")
    levels = [lvl for lvl in LEVELS for _ in range(int(per_tier[lvl]))]
    leaders = pd.DataFrame({"level": levels, "follow_up": follow, "later": first})
    return Design(leaders, _non_clinical_levels(non_clinical, per_tier), int(meetings), later)


_TRUE, _FALSE = {"true", "yes", "1", "y"}, {"false", "no", "0", "n", ""}


def design_from_frame(frame: pd.DataFrame, assumptions: Assumptions, where: str = "sampling frame") -> Design:
    """A design from a sampling frame: one row per leader with ``tier`` (or ``level``), and optionally
    ``follow_up`` (or ``follow-up``; true/false, yes/no) and ``stage`` (early, later, or blank: then
    the assumptions' chance of a later-stage first interview). Errors name the row and field."""
    tier_col = "tier" if "tier" in frame else "level"
    if tier_col not in frame:
        raise DesignError(f"{where}: no 'tier' column (one row per leader, with the tier they work at)")
    later = _later_shares(assumptions)
    rows = []
    for i, row in enumerate(frame.to_dict("records"), start=1):
        follow = row.get("follow_up", row.get("follow-up", False))
        text = "" if follow is None or (isinstance(follow, float) and np.isnan(follow)) else str(follow).strip().lower()
        if text not in _TRUE | _FALSE:
            raise DesignError(f"{where}, row {i}, field 'follow_up': {follow!r} is not true or false")
        stage = row.get("stage")
        stage = "" if stage is None or (isinstance(stage, float) and np.isnan(stage)) else str(stage).strip()
        if stage not in ("", *STAGES):
            raise DesignError(f"{where}, row {i}, field 'stage': {stage!r} is not one of {', '.join(STAGES)} or blank")
        p_later = later[INTERVIEW] if not stage else float(stage == "later")
        rows.append({"level": str(row[tier_col]).strip(), "follow_up": float(text in _TRUE), "later": p_later})
    leaders = pd.DataFrame(rows, columns=["level", "follow_up", "later"])
    per_tier = leaders["level"].value_counts().to_dict()
    _check_tiers(per_tier, where)
    return Design(leaders, _non_clinical_levels(0, per_tier), 0, later)


def with_others(design: Design, non_clinical: int = 0, meetings: int = 0) -> Design:
    """``design`` with ``non_clinical`` non-clinical leaders (spread over the tiers as the generator
    spreads them) and ``meetings`` observed meetings, for a design whose frame lists only the
    clinical leaders."""
    for name, value in (("non_clinical", non_clinical), ("meetings", meetings)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise DesignError(f"design, field '{name}': {value!r} is not a whole number of at least 0")
    return replace(design, non_clinical_levels=_non_clinical_levels(non_clinical, design.per_tier), meetings=meetings)


def at_n(design: Design, n: int) -> Design:
    """``design`` with ``n`` leaders in every tier, each with the tier's average chances of a follow-up
    and of a later-stage first interview; the non-clinical leaders and meetings stay as they are."""
    tier = design.leaders.groupby("level")[["follow_up", "later"]].mean()
    leaders = pd.DataFrame(
        {
            "level": [lvl for lvl in LEVELS for _ in range(n)],
            "follow_up": [float(tier.loc[lvl, "follow_up"]) for lvl in LEVELS for _ in range(n)],
            "later": [float(tier.loc[lvl, "later"]) for lvl in LEVELS for _ in range(n)],
        }
    )
    return Design(leaders, dict(design.non_clinical_levels), design.meetings, dict(design.later))


# --- the generator's rates --------------------------------------------------------------------------


@dataclass(frozen=True)
class Rates:
    """Expected codings of each code per document (the generator's Poisson means, activities summed).

    ``table[code, source, level, stage]`` over ``codes``, :data:`SOURCES`, the paper's levels and
    stages; ``meeting_levels`` is the chance that an observed meeting is at each level.
    """

    codes: tuple[str, ...]
    table: np.ndarray
    meeting_levels: np.ndarray

    def of(self, code: str) -> np.ndarray:
        """The rates of ``code``: [source, level, stage]."""
        return self.table[self.codes.index(code)]


def rates(codebook: Codebook, assumptions: Assumptions, codes: tuple[str, ...] | None = None) -> Rates:
    """The generator's rates for ``codes`` (default: every contribution and activity of ``codebook``)."""
    a = assumptions
    codes = tuple(codes or codebook.codes)
    source_multiplier = a["source_type_multiplier"]
    by_source = [
        source_multiplier["clinical interview"],
        source_multiplier["follow-up interview"],
        source_multiplier["non-clinical interview"],
        source_multiplier["observation"],
    ]
    table = np.zeros((len(codes), len(SOURCES), len(LEVELS), len(STAGES)))
    for i, code in enumerate(codes):
        contribution = codebook.contribution_of(code)
        activities = [x.id for x in codebook.contribution(contribution).activities if code in (contribution, x.id)]
        level_mult = a.values.get(f"level_multiplier.{contribution}", {})
        stage_mult = a["stage_multiplier"].get(contribution, {})
        for j, level in enumerate(LEVELS):
            per_level = sum(
                float(level_mult.get(level, 1.0))
                * float(a.values.get(f"activity_level_multiplier.{x}", {}).get(level, 1.0))
                for x in activities
            )
            for s, stage in enumerate(STAGES):
                table[i, :, j, s] = (
                    float(a["base_rate"]) * np.asarray(by_source) * per_level * stage_mult.get(stage, 1.0)
                )
    meeting = np.array([float(a["meeting_levels"].get(lvl, 0.0)) for lvl in LEVELS])
    return Rates(codes, table, meeting / meeting.sum())


def shown(rate: np.ndarray, multiplier: np.ndarray | float = 1.0) -> np.ndarray:
    """Chance that a document shows a code: at least one of a Poisson number of codings."""
    with np.errstate(invalid="ignore"):
        scaled = np.where(np.asarray(multiplier) == np.inf, np.inf, rate * multiplier)
    return -np.expm1(-scaled)


def leader_chance(rate: np.ndarray, leaders: pd.DataFrame, later: Mapping[int, float], mult: np.ndarray) -> np.ndarray:
    """Chance that each leader shows a code in their first interview or follow-up (either stage).

    ``rate`` is the code's [source, level, stage] table and ``mult`` its planted [level, stage]
    multipliers.
    """
    lvl = pd.Index(LEVELS).get_indexer(leaders["level"])
    p_later, follow = leaders["later"].to_numpy(float), leaders["follow_up"].to_numpy(float)
    miss = 1 - shown(rate[:, lvl, :], mult[lvl, :])  # [source, leader, stage]
    first = (1 - p_later) * miss[INTERVIEW, :, EARLY] + p_later * miss[INTERVIEW, :, LATER]
    fu_later = later[FOLLOW_UP]
    second = (1 - follow) + follow * ((1 - fu_later) * miss[FOLLOW_UP, :, EARLY] + fu_later * miss[FOLLOW_UP, :, LATER])
    return 1 - first * second


def stage_share(
    rate: np.ndarray, meeting_levels: np.ndarray, design: Design, stage: int, mult: np.ndarray
) -> tuple[float, float]:
    """Expected documents at ``stage`` and the expected share of them showing a code.

    Every document counts: first interviews, follow-ups, non-clinical interviews and observed
    meetings (at each level with the chances ``meeting_levels``), each weighted by its chance of
    being at ``stage``. ``rate`` is the code's [source, level, stage] table and ``mult`` its planted
    [level, stage] multipliers.
    """
    lvl = pd.Index(LEVELS).get_indexer(design.leaders["level"])
    at = {src: design.later[src] if stage == LATER else 1 - design.later[src] for src in design.later}
    p_first = design.leaders["later"].to_numpy(float)
    w_first = p_first if stage == LATER else 1 - p_first
    w_follow = design.leaders["follow_up"].to_numpy(float) * at[FOLLOW_UP]
    q = shown(rate[:, :, stage], mult[:, stage])  # [source, level]
    nc = np.array([design.non_clinical_levels.get(lvl_, 0) for lvl_ in LEVELS], dtype=float)
    weights = [w_first.sum(), w_follow.sum(), nc.sum() * at[NON_CLINICAL], design.meetings * at[OBSERVATION]]
    showing = [
        (w_first * q[INTERVIEW, lvl]).sum(),
        (w_follow * q[FOLLOW_UP, lvl]).sum(),
        (nc * q[NON_CLINICAL]).sum() * at[NON_CLINICAL],
        design.meetings * at[OBSERVATION] * float(q[OBSERVATION] @ meeting_levels),
    ]
    total = float(sum(weights))
    return total, (float(sum(showing)) / total if total else float("nan"))


def multiplier_for_share(share_of: Callable[[float], float], target: float) -> float:
    """The factor m >= 0 for which ``share_of(m)`` (rising in m) equals ``target``.

    0 for a share of 0; infinity for a share of 1 (only an infinite rate makes coding certain); a
    target below ``share_of(0)`` cannot occur (that is 0).
    """
    if target <= 0:
        return 0.0
    if target >= 1:
        return float("inf")
    high = 1.0
    while share_of(high) < target:
        high *= 2
        if high > 1e12:  # pragma: no cover - a share below 1 is reached long before
            return float("inf")
    return float(brentq(lambda m: share_of(m) - target, 0.0, high, xtol=1e-12, rtol=1e-12))
