"""The power table: one row per claim of the ledger, for a design and an effect.

:func:`power_table` runs :mod:`ics_leadership.facts.claim_power` for every claim that can be
simulated and says why for those that cannot (co-occurrence; claims not testable on coded data).
Columns (:data:`COLUMNS`): the claim, its test, what it compares and the group sizes under the
design, the shares stated, the power with its Monte Carlo standard error and its exact value where
enumerated, the same under no effect, the smallest n per tier reaching the target, and a note (a
group below the minimum size, what is simulated rather than enumerated).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ics_leadership.coding.synthetic import Assumptions
from ics_leadership.facts.claim_power import (
    DEFAULT_EFFECT,
    DEFAULT_MAX_PER_TIER,
    DEFAULT_REPLICATES,
    DEFAULT_TARGET,
    Effect,
    Setting,
    consistent_rate,
    setting,
    smallest_n,
)
from ics_leadership.facts.claim_tests import Rules
from ics_leadership.facts.claims import Claim
from ics_leadership.facts.codebook import Codebook
from ics_leadership.facts.power_design import Design, DesignError, at_n, stage_share
from ics_leadership.facts.power_simulation import Draws
from ics_leadership.facts.vocabulary import STAGES

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
        n, _ = smallest_n(
            lambda m: consistent_rate(s, at_n(design, m), effect, draws, enumerate_=False)[0], target, most
        )
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
    effect: Effect = DEFAULT_EFFECT,
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
