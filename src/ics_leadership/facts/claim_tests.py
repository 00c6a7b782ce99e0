"""The statistical tests of the claims ledger: one function per test type, each giving an :class:`Outcome`.

:func:`run_test` runs the test a claim names on coded data; :func:`ics_leadership.facts.claims.evaluate`
turns its :class:`Outcome` into a ledger row. The statuses a test can give and the decision rules
(:class:`Rules`: ``alpha`` and ``min_group_size`` from ``claims.yaml``) are defined here, where
they are applied; :mod:`ics_leadership.facts.claims` re-exports them.

Per test type (units: participants, i.e. clinical leaders with an interview, for levels; documents
for stages and co-occurrence):

``higher_prevalence`` {code, higher, lower}
    Groups: participants at the ``higher`` levels pooled, and at the ``lower`` levels pooled.
    Effect: difference in proportions expressing the code (higher minus lower). Claimed direction:
    a positive difference; one-sided Fisher exact test in that direction. Opposite direction,
    significant: a negative difference whose one-sided Fisher test the other way has p < alpha.
    The p value shown is that of the test in the observed direction.
``more_documents_in_stage`` {code, higher, lower}
    The same, with documents of stage ``higher`` and of stage ``lower`` as the groups and the share
    of documents containing the code.
``cooccur_more_than_chance`` {code_a, code_b}
    Groups: documents with ``code_a`` and documents without it. Effect: difference in the share of
    documents that contain ``code_b`` (with minus without); positive means more co-occurrence than
    independence predicts. Tests as above (Fisher exact, one-sided in each direction).
``present_at_all_levels`` {code} (descriptive, no p value)
    Groups: participants at each of the three levels. Effect: the lowest share expressing the code
    at any level. Consistent: every level has someone who expresses it. Not consistent: some level
    has nobody who does. Inconclusive: a level has fewer than ``min_group_size`` participants
    (presence among two people shows as little as absence among two).
``highest_at`` {code, level} (descriptive)
    Groups: participants at each level. Effect: difference in proportions, the named level minus
    the highest other level. Consistent: positive (the named level is strictly highest). Not
    consistent: negative (another level is higher). Inconclusive: a tie, or a small group.
``among_top_at_level`` {codes, level, k} (descriptive)
    Group: participants at ``level``. The named contributions (m of them) are among the k most
    prevalent when at most k - m other contributions are more prevalent than the least prevalent
    named one. Effect: difference in proportions, the least prevalent named contribution minus the
    (k - m + 1)-th most prevalent other contribution (the one it must not fall below). Consistent:
    positive. Not consistent: negative. Inconclusive: zero (a tie at the boundary), or a small
    group.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ics_leadership.coding.coded import CodedData
from ics_leadership.facts.codebook import Codebook
from ics_leadership.facts.vocabulary import LEVELS

CONSISTENT = "consistent"
NOT_CONSISTENT = "not consistent"
INCONCLUSIVE = "inconclusive"

AS_CLAIMED, OPPOSITE, NO_DIFFERENCE = "as claimed", "opposite to the claim", "no difference"

DEFAULT_ALPHA = 0.05
DEFAULT_MIN_GROUP_SIZE = 5


@dataclass(frozen=True)
class Rules:
    """The decision rules stated in the claims file."""

    alpha: float = DEFAULT_ALPHA
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE


@dataclass
class Outcome:
    """What one test found, before it becomes a ledger row (:func:`ics_leadership.facts.claims.evaluate`)."""

    status: str
    reason: str
    observed: str = ""
    direction: str = ""
    effect: float = math.nan
    groups: dict[str, int] = field(default_factory=dict)
    unit: str = "participants"
    p: float = math.nan
    evidence: pd.DataFrame = field(default_factory=pd.DataFrame)


def format_p(p: float, alpha: float = DEFAULT_ALPHA) -> str:
    """A p value as people read it: three decimals, "< 0.001" below that, never "0.000".

    When three decimals would put p on the wrong side of ``alpha`` (0.0496 shown as 0.050), more
    are used, so the number shown agrees with the status.
    """
    if p is None or math.isnan(p):
        return ""
    if p < 0.001:
        return "< 0.001"
    for decimals in range(3, 10):
        text = f"{p:.{decimals}f}"
        if (float(text) < alpha) == (p < alpha):
            return text
    return repr(p)  # pragma: no cover - p within 1e-9 of alpha


def _share(k: int, n: int) -> str:
    return f"{k}/{n} ({k / n:.0%})" if n else f"{k}/0"


def _small(groups: dict[str, int], rules: Rules, unit: str) -> str | None:
    name, n = min(groups.items(), key=lambda kv: kv[1])
    if n < rules.min_group_size:
        return f"The smallest compared group ({name}, {n} {unit}) is below the minimum of {rules.min_group_size}."
    return None


def _direction(effect: float) -> str:
    if math.isnan(effect):
        return ""
    return AS_CLAIMED if effect > 0 else OPPOSITE if effect < 0 else NO_DIFFERENCE


def _two_groups(
    names: tuple[str, str],
    counts: tuple[int, int],
    sizes: tuple[int, int],
    rules: Rules,
    unit: str,
    evidence: pd.DataFrame,
) -> Outcome:
    """Compare the share in group 1 (claimed higher) with group 2 by Fisher exact tests."""
    (k1, k2), (n1, n2) = counts, sizes
    groups = {names[0]: n1, names[1]: n2}
    observed = f"{names[0]} {_share(k1, n1)}; {names[1]} {_share(k2, n2)}"
    if n1 == 0 or n2 == 0:
        return Outcome(
            INCONCLUSIVE, _small(groups, rules, unit) or "", observed, groups=groups, unit=unit, evidence=evidence
        )
    effect = k1 / n1 - k2 / n2
    table = [[k1, n1 - k1], [k2, n2 - k2]]
    # Imported on first use: scipy and statsmodels take ~0.4 s to load, which `summarise` then
    # pays after its work is split over two cores, not before.
    from scipy.stats import fisher_exact

    # One-sided in the observed direction: "greater" tests the claim, "less" its opposite.
    p = float(fisher_exact(table, alternative="less" if effect < 0 else "greater").pvalue)
    direction = _direction(effect)
    small = _small(groups, rules, unit)
    if small:
        status, reason = INCONCLUSIVE, small
    elif p < rules.alpha and direction == AS_CLAIMED:
        status, reason = CONSISTENT, f"In the claimed direction, p < {rules.alpha:g}."
    elif p < rules.alpha and direction == OPPOSITE:
        status, reason = NOT_CONSISTENT, f"In the opposite direction, p < {rules.alpha:g}."
    else:
        status, reason = INCONCLUSIVE, f"Not significant at {rules.alpha:g}."
    return Outcome(status, reason, observed, direction, effect, groups, unit, p, evidence)


def _descriptive(
    effect: float, groups: dict[str, int], rules: Rules, observed: str, evidence: pd.DataFrame, tie: str
) -> Outcome:
    """A test without a p value: the sign of ``effect`` decides once every group is big enough."""
    small = _small(groups, rules, "participants")
    direction = _direction(effect)
    if small:
        status, reason = INCONCLUSIVE, small
    elif direction == AS_CLAIMED:
        status, reason = CONSISTENT, "As claimed (descriptive: no p value)."
    elif direction == OPPOSITE:
        status, reason = NOT_CONSISTENT, "Opposite to the claim (descriptive: no p value)."
    else:
        status, reason = INCONCLUSIVE, tie
    return Outcome(status, reason, observed, direction, effect, groups, "participants", evidence=evidence)


def _level_rows(by_level: pd.DataFrame, code: str) -> pd.DataFrame:
    """Participants and those expressing ``code`` at every level, levels without anyone as 0."""
    ev = by_level[by_level["code"] == code].set_index("group")[["participants", "expressing", "proportion"]]
    ev = ev.reindex(list(LEVELS)).fillna({"participants": 0, "expressing": 0})
    return ev.astype({"participants": int, "expressing": int}).rename_axis("level").reset_index()


def _levels_observed(ev: pd.DataFrame) -> str:
    return "; ".join(f"{r.level} {_share(r.expressing, r.participants)}" for r in ev.itertuples())


def _present_at_all_levels(t: dict, by_level: pd.DataFrame, rules: Rules) -> Outcome:
    # Absence, not a sign, decides this test: the effect (lowest share) is never negative.
    ev = _level_rows(by_level, t["code"])
    groups = dict(zip(ev["level"], ev["participants"]))
    everyone = bool((ev["participants"] > 0).all())
    nobody = list(ev.loc[ev["expressing"] == 0, "level"])
    out = Outcome(
        INCONCLUSIVE,
        "",
        _levels_observed(ev),
        (OPPOSITE if nobody else AS_CLAIMED) if everyone else "",
        float(ev["proportion"].min()) if everyone else math.nan,
        groups,
        evidence=ev,
    )
    small = _small(groups, rules, "participants")
    if small:
        out.reason = small
    elif nobody:
        out.status, out.reason = NOT_CONSISTENT, f"Nobody at the {', '.join(nobody)} level expresses it."
    else:
        out.status, out.reason = CONSISTENT, "Someone at every level expresses it."
    return out


def _highest_at(t: dict, by_level: pd.DataFrame, rules: Rules) -> Outcome:
    ev = _level_rows(by_level, t["code"])
    groups = dict(zip(ev["level"], ev["participants"]))
    share = ev.set_index("level")["proportion"]
    others = share.drop(t["level"])
    effect = float(share[t["level"]] - others.max()) if (ev["participants"] > 0).all() else math.nan
    tied = ", ".join(others.index[others == share[t["level"]]])
    return _descriptive(
        effect, groups, rules, _levels_observed(ev), ev, tie=f"The {t['level']} level ties with {tied}."
    )


def _among_top_at_level(t: dict, by_level: pd.DataFrame, rules: Rules) -> Outcome:
    ev = by_level[(by_level["group"] == t["level"]) & (by_level["kind"] == "contribution")]
    ev = ev.sort_values(["proportion", "code"], ascending=[False, True])[
        ["code", "participants", "expressing", "proportion"]
    ]
    n = int(ev["participants"].max()) if len(ev) else 0
    groups = {t["level"]: n}
    observed = f"at the {t['level']} level: " + "; ".join(
        f"{r.code} {_share(r.expressing, r.participants)}" for r in ev.itertuples()
    )
    named = ev[ev["code"].isin(t["codes"])]
    others = ev[~ev["code"].isin(t["codes"])]
    rank = int(t["k"]) - len(t["codes"])  # how many other contributions may be more prevalent
    effect = math.nan
    if n and len(named) == len(t["codes"]) and rank < len(others):
        effect = float(named["proportion"].min() - others["proportion"].iloc[rank])
    return _descriptive(
        effect,
        groups,
        rules,
        observed,
        ev.reset_index(drop=True),
        tie="The least prevalent named contribution ties with the one it must not fall below.",
    )


def _has(codings: pd.DataFrame, code: str, codebook: Codebook) -> pd.DataFrame:
    column = "contribution" if code in codebook.contribution_ids else "code"
    return codings[codings[column] == code]


def _more_documents_in_stage(
    t: dict, coded: CodedData, codings: pd.DataFrame, codebook: Codebook, rules: Rules
) -> Outcome:
    docs = coded.documents[coded.documents["stage"].notna()]
    with_code = set(_has(codings, t["code"], codebook)["document_id"])
    rows = []
    for stage in (t["higher"], t["lower"]):
        members = docs[docs["stage"] == stage]
        k = int(members["document_id"].isin(with_code).sum())
        rows.append(
            {
                "stage": stage,
                "documents": int(len(members)),
                "with_code": k,
                "share": k / len(members) if len(members) else float("nan"),
            }
        )
    ev = pd.DataFrame(rows)
    return _two_groups(
        (t["higher"], t["lower"]), tuple(ev["with_code"]), tuple(ev["documents"]), rules, "documents", ev
    )


def _higher_prevalence(t: dict, by_level: pd.DataFrame, rules: Rules) -> Outcome:
    ev = _level_rows(by_level, t["code"]).set_index("level")
    hi = ev.loc[list(t["higher"]), ["participants", "expressing"]].sum()
    lo = ev.loc[list(t["lower"]), ["participants", "expressing"]].sum()
    return _two_groups(
        (" + ".join(t["higher"]), " + ".join(t["lower"])),
        (int(hi["expressing"]), int(lo["expressing"])),
        (int(hi["participants"]), int(lo["participants"])),
        rules,
        "participants",
        ev.reset_index(),
    )


def _cooccur_more_than_chance(
    t: dict, coded: CodedData, codings: pd.DataFrame, codebook: Codebook, rules: Rules
) -> Outcome:
    docs = set(coded.documents["document_id"])
    a = set(_has(codings, t["code_a"], codebook)["document_id"])
    b = set(_has(codings, t["code_b"], codebook)["document_id"])
    n, both, only_b = len(docs), len(a & b), len(b - a)
    ev = pd.DataFrame(
        [
            {
                "documents": n,
                "with_a": len(a),
                "with_b": len(b),
                "with_both": both,
                "expected_if_independent": len(a) * len(b) / n if n else float("nan"),
            }
        ]
    )
    out = _two_groups(
        (f"with {t['code_a']}", f"without {t['code_a']}"), (both, only_b), (len(a), n - len(a)), rules, "documents", ev
    )
    out.observed = f"documents containing {t['code_b']}: {out.observed}"
    return out


def run_test(
    t: dict[str, Any], coded: CodedData, codings: pd.DataFrame, codebook: Codebook, rules: Rules, by_level: pd.DataFrame
) -> Outcome:
    """Run the test ``t`` (a claim's ``test`` from the claims file) on the coded data."""
    kind = t["type"]
    if kind == "present_at_all_levels":
        return _present_at_all_levels(t, by_level, rules)
    if kind == "higher_prevalence":
        return _higher_prevalence(t, by_level, rules)
    if kind == "highest_at":
        return _highest_at(t, by_level, rules)
    if kind == "among_top_at_level":
        return _among_top_at_level(t, by_level, rules)
    if kind == "more_documents_in_stage":
        return _more_documents_in_stage(t, coded, codings, codebook, rules)
    if kind == "cooccur_more_than_chance":
        return _cooccur_more_than_chance(t, coded, codings, codebook, rules)
    raise ValueError(kind)  # pragma: no cover - guarded by load_claims
