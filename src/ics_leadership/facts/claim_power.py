"""Power for the paper's claims under a design: how often would a replication find each claim "consistent"?

For each claim of ``data/raw/claims.yaml`` this module simulates replications of a design
(:mod:`ics_leadership.facts.power_design`) with a stated effect, codes them as the synthetic
generator does (:mod:`ics_leadership.facts.power_simulation`), and applies the ledger's own rule
(:mod:`ics_leadership.facts.claim_verdicts`: the Fisher tests, the descriptive tests, the minimum
group size). The ledger itself refuses verdicts on synthetic data, rightly: here the simulated data
stand for what a real replication might find, and only the rule is borrowed.

The effect. For each claim, the groups it compares get stated shares of leaders showing the code
(of documents, for the claims about stages): ``claimed`` for the group the claim says is higher
(the named tier, the named contributions, the named stage, or every tier for "present at all
levels") and ``compared`` for the others. Each share is converted to the generator's rates
(:func:`~ics_leadership.facts.power_design.multiplier_for_share`). Under *no effect* the claimed
group gets the compared share (and for "present at all levels", whose contrary is absence, a share
of 0). Co-occurrence is not simulated: the generator codes contributions independently given a
document's source, level and stage, so no rate of it expresses a co-occurrence effect.

What is reported, per claim (by :mod:`ics_leadership.facts.claim_power_table`): the power (the
share of replicates whose verdict is "consistent") with its Monte Carlo standard error,
sqrt(p (1 - p) / R); the same under no effect (for the Fisher tests, their size); the exact values
where they can be enumerated (claims about one code across tiers: the leaders showing it are
independent with known chances, so every outcome can be weighed); and the smallest number of leaders
per tier whose power reaches a target (:func:`smallest_n`), searched with
common random numbers. Every result is a planning estimate: the paper made no statistical claims, and
low power for a sample of its size is not a flaw of a qualitative study.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ics_leadership.coding.synthetic import Assumptions
from ics_leadership.facts import claim_verdicts as verdicts
from ics_leadership.facts.claim_tests import Rules
from ics_leadership.facts.claims import Claim
from ics_leadership.facts.codebook import Codebook
from ics_leadership.facts.power_design import (
    Design,
    check_share,
    leader_chance,
    multiplier_for_share,
    rates,
    stage_share,
)
from ics_leadership.facts.power_simulation import Draws, counts_by_level, documents_by_stage, leader_outcomes
from ics_leadership.facts.power_simulation import poisson_binomial as _pmf
from ics_leadership.facts.vocabulary import LEVELS, STAGES

PLANNING_NOTE = (
    "Planning estimate from simulated data, not a finding: the paper made no statistical claims, and low "
    "power for a sample of this size is not a flaw of a qualitative study."
)
DEFAULT_REPLICATES = 2000
DEFAULT_TARGET = 0.8
DEFAULT_MAX_PER_TIER = 200


@dataclass(frozen=True)
class Effect:
    """Shares showing the code: in the group the claim says is higher, and in the groups compared."""

    claimed: float = 0.9
    compared: float = 0.3

    def __post_init__(self) -> None:
        for name in ("claimed", "compared"):
            check_share(getattr(self, name), "effect", name)


DEFAULT_EFFECT = Effect()
#: Largest number of outcomes weighed one by one; beyond it a claim is simulated only.
MAX_ENUMERATED = 2_000_000


@dataclass(frozen=True)
class Setting:
    """What stays fixed for one claim: its test, codes, rates, rules and random-number stream."""

    claim: Claim
    stream: int
    codes: tuple[str, ...]
    rate: np.ndarray  # [code, source, level, stage]
    meeting_levels: np.ndarray
    rules: Rules

    @property
    def test(self) -> dict:
        return self.claim.test

    @property
    def documents(self) -> bool:
        return self.test["type"] == "more_documents_in_stage"

    @property
    def levels(self) -> list[str]:
        """The tiers whose leaders the claim counts (all of them for the claims about stages)."""
        t = self.test
        if t["type"] == "higher_prevalence":
            return [lvl for lvl in LEVELS if lvl in (*t["higher"], *t["lower"])]
        if t["type"] == "among_top_at_level":
            return [t["level"]]
        return list(LEVELS)


def setting(claim: Claim, stream: int, codebook: Codebook, assumptions: Assumptions, rules: Rules) -> Setting:
    """The fixed part of simulating ``claim`` (``stream``: its place in the ledger, for its random numbers)."""
    t = claim.test
    codes = tuple(codebook.contribution_ids) if t["type"] == "among_top_at_level" else (t["code"],)
    r = rates(codebook, assumptions, codes)
    return Setting(claim, stream, codes, r.table, r.meeting_levels, rules)


def targets(s: Setting, effect: Effect, planted: bool = True) -> dict[tuple[str, str], float]:
    """The share stated for each (code, tier) or (code, stage) the claim compares."""
    t = s.test
    high = effect.claimed if planted else effect.compared
    kind = t["type"]
    if kind == "present_at_all_levels":
        return {(t["code"], lvl): effect.claimed if planted else 0.0 for lvl in LEVELS}
    if kind == "higher_prevalence":
        return {(t["code"], lvl): high if lvl in t["higher"] else effect.compared for lvl in s.levels}
    if kind == "highest_at":
        return {(t["code"], lvl): high if lvl == t["level"] else effect.compared for lvl in LEVELS}
    if kind == "among_top_at_level":
        return {(c, t["level"]): high if c in t["codes"] else effect.compared for c in s.codes}
    return {(t["code"], t["higher"]): high, (t["code"], t["lower"]): effect.compared}


def multipliers(s: Setting, design: Design, shares: dict[tuple[str, str], float]) -> np.ndarray:
    """The planted multipliers [code, level, stage] that give the stated shares under ``design``."""
    mult = np.ones((len(s.codes), len(LEVELS), len(STAGES)))
    for (code, group), share in shares.items():
        c = s.codes.index(code)
        if s.documents:
            at = STAGES.index(group)

            def of(m: float, c: int = c, at: int = at) -> float:
                trial = mult[c].copy()
                trial[:, at] = m
                return stage_share(s.rate[c], s.meeting_levels, design, at, trial)[1]

            if stage_share(s.rate[c], s.meeting_levels, design, at, mult[c])[0] > 0:
                mult[c, :, at] = multiplier_for_share(of, share)
            continue
        lvl = LEVELS.index(group)
        leaders = design.leaders[design.leaders["level"] == group]
        if leaders.empty:  # nobody to show it: the ledger is inconclusive, whatever the rate
            continue

        def of(m: float, c: int = c, lvl: int = lvl, leaders: pd.DataFrame = leaders) -> float:
            trial = mult[c].copy()
            trial[lvl, :] = m
            return float(leader_chance(s.rate[c], leaders, design.later, trial).mean())

        mult[c, lvl, :] = multiplier_for_share(of, share)
    return mult


def _from_level_counts(s: Setting, k: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Verdicts from leaders showing each code by level: ``k`` [..., level, code], ``n`` [..., level]."""
    t, rules = s.test, s.rules
    kind = t["type"]
    if kind == "higher_prevalence":
        hi = [LEVELS.index(lvl) for lvl in t["higher"]]
        lo = [LEVELS.index(lvl) for lvl in t["lower"]]
        k1, k2 = k[..., hi, 0].sum(-1), k[..., lo, 0].sum(-1)
        return verdicts.two_groups(k1, n[..., hi].sum(-1), k2, n[..., lo].sum(-1), rules)
    if kind == "present_at_all_levels":
        return verdicts.present_at_all(k[..., 0], n, rules)
    if kind == "highest_at":
        return verdicts.highest_at(k[..., 0], n, LEVELS.index(t["level"]), rules)
    at = LEVELS.index(t["level"])
    named = np.array([c in t["codes"] for c in s.codes])
    return verdicts.among_top(k[..., at, :], n[..., at], named, int(t["k"]), rules)


def simulate(s: Setting, design: Design, mult: np.ndarray, draws: Draws) -> np.ndarray:
    """The verdict of every replicate (1 consistent, 0 inconclusive, -1 not consistent)."""
    if s.documents:
        out = leader_outcomes(design, s.rate, mult, draws.leaders(design.leaders))
        others = draws.others(design.non_clinical + design.meetings)
        n, k = documents_by_stage(design, out, s.rate, mult, s.meeting_levels, others)
        hi, lo = STAGES.index(s.test["higher"]), STAGES.index(s.test["lower"])
        return verdicts.two_groups(k[:, hi], n[:, hi], k[:, lo], n[:, lo], s.rules)
    # Only the tiers the claim counts are simulated; each leader keeps their own draws.
    part = Design(design.leaders[design.leaders["level"].isin(s.levels)], {}, 0, design.later)
    out = leader_outcomes(part, s.rate, mult, draws.leaders(part.leaders))
    k, n = counts_by_level(part, out)
    return _from_level_counts(s, k, n)


def exact(s: Setting, design: Design, mult: np.ndarray) -> float | None:
    """The exact chance of "consistent", by weighing every outcome; None where it is not enumerated.

    Enumerated for the claims about one code across tiers: the number of a tier's leaders showing it
    is Poisson-binomial (independent leaders, each with their own chance), and the tiers independent.
    """
    if s.documents or s.test["type"] == "among_top_at_level":
        return None
    sizes = list(design.per_tier.values())
    if math.prod(n + 1 for n in sizes) > MAX_ENUMERATED:
        return None
    pmfs = []
    for lvl in LEVELS:
        leaders = design.leaders[design.leaders["level"] == lvl]
        pmfs.append(_pmf(leader_chance(s.rate[0], leaders, design.later, mult[0])))
    if s.test["type"] == "higher_prevalence":
        hi = [LEVELS.index(lvl) for lvl in s.test["higher"]]
        lo = [LEVELS.index(lvl) for lvl in s.test["lower"]]
        p_hi, p_lo = _convolve([pmfs[i] for i in hi]), _convolve([pmfs[i] for i in lo])
        n1, n2 = sum(sizes[i] for i in hi), sum(sizes[i] for i in lo)
        v = verdicts.two_groups(np.arange(n1 + 1)[:, None], n1, np.arange(n2 + 1)[None, :], n2, s.rules)
        return float((np.outer(p_hi, p_lo) * (v == verdicts.CONSISTENT_CODE)).sum())
    grid = np.stack(np.meshgrid(*[np.arange(n + 1) for n in sizes], indexing="ij"), axis=-1)
    weight = np.einsum("i,j,k->ijk", *pmfs)
    v = _from_level_counts(s, grid[..., None], np.asarray(sizes))
    return float((weight * (v == verdicts.CONSISTENT_CODE)).sum())


def _convolve(pmfs: list[np.ndarray]) -> np.ndarray:
    out = np.ones(1)
    for p in pmfs:
        out = np.convolve(out, p)
    return out


def consistent_rate(
    s: Setting, design: Design, effect: Effect, draws: Draws, planted: bool = True, enumerate_: bool = True
) -> tuple[float, float, float | None]:
    """Share of replicates found consistent, its Monte Carlo standard error, and the exact value
    (None where not enumerated, or not asked for with ``enumerate_=False``)."""
    mult = multipliers(s, design, targets(s, effect, planted))
    rate = float(np.mean(simulate(s, design, mult, draws) == verdicts.CONSISTENT_CODE))
    return rate, math.sqrt(rate * (1 - rate) / draws.replicates), exact(s, design, mult) if enumerate_ else None


def smallest_n(
    power_at: Callable[[int], float], target: float, most: int = DEFAULT_MAX_PER_TIER
) -> tuple[int | None, dict[int, float]]:
    """The smallest n (leaders per tier) with ``power_at(n) >= target``, up to ``most``; None if none.

    Doubling, then halving the interval, which presumes that power rises with n. Common random numbers
    keep the estimates close to that (the same simulated leaders stay as n grows, so the estimated
    curve does not jitter from one n to the next); in any case the n returned has an estimated power
    of at least ``target`` and n - 1 one below it. Returns the n found and every power computed.
    """
    seen: dict[int, float] = {}

    def power(n: int) -> float:
        if n not in seen:
            seen[n] = power_at(n)
        return seen[n]

    low, high = 0, 1
    while power(high) < target:
        if high >= most:
            return None, seen
        low, high = high, min(2 * high, most)
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (low, mid) if power(mid) >= target else (mid, high)
    return high, seen
