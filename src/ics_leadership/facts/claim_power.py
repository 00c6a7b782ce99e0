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

What is reported, per claim (:func:`power_table`): the power (the share of replicates whose verdict
is "consistent") with its Monte Carlo standard error, sqrt(p (1 - p) / R); the same under no effect
(for the Fisher tests, their size); the exact values where they can be enumerated (claims about one
code across tiers: the leaders showing it are independent with known chances, so every outcome can
be weighed); and the smallest number of leaders per tier whose power reaches a target, searched with
common random numbers. Every result is a planning estimate: the paper made no statistical claims, and
low power for a sample of its size is not a flaw of a qualitative study.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
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
    DesignError,
    at_n,
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

NOT_SIMULATED = {
    "cooccur_more_than_chance": (
        "not simulated: the generator codes contributions independently given a document's source, level "
        "and stage, so none of its rates expresses a co-occurrence effect"
    ),
}
COLUMNS = [
    "id",
    "test",
    "compares",
    "group_sizes",
    "shares",
    "power",
    "power_se",
    "power_exact",
    "no_effect",
    "no_effect_se",
    "no_effect_exact",
    "n_per_tier",
    "note",
]


@dataclass(frozen=True)
class Effect:
    """Shares showing the code: in the group the claim says is higher, and in the groups compared."""

    claimed: float = 0.9
    compared: float = 0.3

    def __post_init__(self) -> None:
        for name in ("claimed", "compared"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
                raise DesignError(f"effect, field '{name}': {value!r} is not a share between 0 and 1")


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
    pmfs, sizes = [], []
    for lvl in LEVELS:
        leaders = design.leaders[design.leaders["level"] == lvl]
        pmfs.append(_pmf(leader_chance(s.rate[0], leaders, design.later, mult[0])))
        sizes.append(len(leaders))
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
    s: Setting, design: Design, effect: Effect, draws: Draws, planted: bool = True
) -> tuple[float, float, float | None]:
    """Share of replicates found consistent, its Monte Carlo standard error, and the exact value."""
    mult = multipliers(s, design, targets(s, effect, planted))
    rate = float(np.mean(simulate(s, design, mult, draws) == verdicts.CONSISTENT_CODE))
    return rate, math.sqrt(rate * (1 - rate) / draws.replicates), exact(s, design, mult)


def smallest_n(
    power_at: Callable[[int], float], target: float, most: int = DEFAULT_MAX_PER_TIER
) -> tuple[int | None, dict[int, float]]:
    """The smallest n (leaders per tier) with ``power_at(n) >= target``, up to ``most``; None if none.

    Doubling, then halving the interval: this assumes power rises with n, which common random
    numbers make true of the estimates as it is of the power itself (the same simulated leaders stay
    as n grows). Returns the n found and every power computed on the way.
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


def _group_sizes(s: Setting, design: Design) -> str:
    t = s.test
    tiers = design.per_tier
    if s.documents:
        expected = [stage_share(s.rate[0], s.meeting_levels, design, i, np.ones((3, 2)))[0] for i in range(2)]
        return "; ".join(f"{stage} {n:.1f}" for stage, n in zip(STAGES, expected)) + " (documents, expected)"
    if t["type"] == "higher_prevalence":
        return (
            f"{' + '.join(t['higher'])} {sum(tiers[lvl] for lvl in t['higher'])}; "
            f"{' + '.join(t['lower'])} {sum(tiers[lvl] for lvl in t['lower'])} (leaders)"
        )
    if t["type"] == "among_top_at_level":
        return f"{t['level']} {tiers[t['level']]} (leaders)"
    return "; ".join(f"{lvl} {n}" for lvl, n in tiers.items()) + " (leaders)"


def _compares(s: Setting) -> str:
    t = s.test
    kind = t["type"]
    if kind == "higher_prevalence":
        return f"{t['code']}: {' + '.join(t['higher'])} vs {' + '.join(t['lower'])}"
    if kind == "highest_at":
        return f"{t['code']}: {t['level']} vs each other tier"
    if kind == "present_at_all_levels":
        return f"{t['code']}: every tier"
    if kind == "among_top_at_level":
        return f"at {t['level']}: {', '.join(t['codes'])} vs the other contributions (top {t['k']})"
    return f"{t['code']}: {t['higher']}-stage vs {t['lower']}-stage documents"


def _note(s: Setting, design: Design) -> str:
    if s.documents:
        others = f"{design.non_clinical} non-clinical interviews and {design.meetings} meetings"
        return (
            f"every document counts, the {others} too (kept as they are when n changes); the documents at "
            "each stage vary between replicates, so this is not enumerated"
        )
    tiers = design.per_tier
    t = s.test
    if t["type"] == "higher_prevalence":
        groups = {" + ".join(t["higher"]): sum(tiers[x] for x in t["higher"])}
        groups[" + ".join(t["lower"])] = sum(tiers[x] for x in t["lower"])
    else:
        groups = {lvl: tiers[lvl] for lvl in s.levels}
    small = [f"{g} ({n})" for g, n in groups.items() if n < s.rules.min_group_size]
    if small:
        return (
            f"below the minimum group of {s.rules.min_group_size}: {', '.join(small)}, so the ledger's verdict "
            "is inconclusive whatever the data"
        )
    if t["type"] == "among_top_at_level":
        return "a leader's four contributions share their interviews' stages: simulated, not enumerated"
    return ""


def claim_row(
    s: Setting,
    design: Design,
    effect: Effect,
    replicates: int = DEFAULT_REPLICATES,
    seed: int = 0,
    target: float | None = DEFAULT_TARGET,
    most: int = DEFAULT_MAX_PER_TIER,
) -> dict:
    """One row of :func:`power_table` for a claim that can be simulated."""
    draws = Draws(seed, s.stream, replicates, len(s.codes))
    power, power_se, power_exact = consistent_rate(s, design, effect, draws)
    null, null_se, null_exact = consistent_rate(s, design, effect, draws, planted=False)
    n = None
    if target is not None:
        n, _ = smallest_n(lambda m: consistent_rate(s, at_n(design, m), effect, draws)[0], target, most)
    return {
        "id": s.claim.id,
        "test": s.test["type"],
        "compares": _compares(s),
        "group_sizes": _group_sizes(s, design),
        "shares": f"{effect.claimed:g} vs {effect.compared:g}",
        "power": power,
        "power_se": power_se,
        "power_exact": power_exact,
        "no_effect": null,
        "no_effect_se": null_se,
        "no_effect_exact": null_exact,
        "n_per_tier": n,
        "note": _note(s, design),
    }


def power_table(
    claims: Sequence[Claim],
    rules: Rules,
    design: Design,
    codebook: Codebook,
    assumptions: Assumptions,
    effect: Effect = Effect(),
    replicates: int = DEFAULT_REPLICATES,
    seed: int = 0,
    target: float | None = DEFAULT_TARGET,
    most: int = DEFAULT_MAX_PER_TIER,
    only: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Power for each claim (or those in ``only``) under ``design`` and ``effect``: columns :data:`COLUMNS`.

    A claim's random numbers depend on the seed and its place in the ledger only, so its row is the
    same whichever other claims are asked for.
    """
    ids = [c.id for c in claims]
    for wanted in only or []:
        if wanted not in ids:
            raise DesignError(f"claims, field 'id': unknown claim '{wanted}' (the ledger has {ids[0]} to {ids[-1]})")
    rows = []
    for stream, claim in enumerate(claims):
        if only and claim.id not in only:
            continue
        kind = claim.test["type"]
        if kind == "not_testable" or kind in NOT_SIMULATED:
            why = NOT_SIMULATED.get(kind) or f"not testable on coded data: {claim.test['reason']}"
            rows.append({"id": claim.id, "test": kind, "note": why})
            continue
        s = setting(claim, stream, codebook, assumptions, rules)
        row = claim_row(s, design, effect, replicates, seed, target, most)
        if target is not None and row["n_per_tier"] is None:
            row["note"] = "; ".join(x for x in (row["note"], f"target not reached with {most} per tier") if x)
        rows.append(row)
    table = pd.DataFrame(rows).reindex(columns=COLUMNS)
    types = {c: "Float64" for c in COLUMNS[COLUMNS.index("power") : COLUMNS.index("n_per_tier")]}
    return table.astype({**types, "n_per_tier": "Int64"}).astype(
        {c: "string" for c in COLUMNS if c not in types and c != "n_per_tier"}
    )
