"""The claims ledger: the paper's claims about variation, and what real coded data say of them.

Claims live in ``data/raw/claims.yaml`` as data (claim, location, test), with two rules: ``alpha``,
the significance level, and ``min_group_size``, the fewest participants (or documents) a compared
group needs before a difference or an absence in it counts. :func:`evaluate` builds the ledger: one
row per claim with its proposition, its test in words and a status.

When a status is computed, and when it is not
-------------------------------------------------
A verdict needs *real* coded data. :func:`evaluate` reads the data's provenance itself and runs no
test when the data are the synthetic demonstration corpus (``synthetic: true`` in ``corpus.yaml``),
whose coding rates were set from these very claims (a verdict would be circular), or when they
passed through a mapping marked ``demonstration: true`` (codes that stand in for the codebook's only
to show how a mapping works). Every claim then gets :data:`NOT_EVALUATED`, and no direction, effect,
group size or p value is filled in. Real data whose levels, stages or groups are not the paper's
(:mod:`ics_leadership.facts.vocabulary`; another study's system, place and neighbourhood tiers, say)
get :data:`NOT_EVALUATED_VOCABULARY` in the same way, with the unexpected values in the reason: a
claim about thematic leaders says nothing about "place" leaders. Claims whose test type is ``not_testable`` are
:data:`NOT_TESTABLE` on any data, with their reason.

On real data each testable claim is :data:`CONSISTENT`, :data:`NOT_CONSISTENT` or
:data:`INCONCLUSIVE`, with the direction observed, an effect size (``effect_measure`` names it),
the size of each compared group and, for the tests that have one, a p value. The general rule:

- *consistent*: the data go the claimed way and the test is significant (p < alpha);
- *not consistent*: they go the opposite way and that is significant;
- *inconclusive*: anything else, and always when the smallest compared group has fewer than
  ``min_group_size`` members (a share from a handful of people moves by a fifth or more with one
  person, so neither a difference nor an absence in it says much).

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
from pathlib import Path
from typing import Any

import pandas as pd
from scipy.stats import fisher_exact

from ics_leadership.coding.coded import CodedData
from ics_leadership.coding.prevalence import prevalence
from ics_leadership.core import paths
from ics_leadership.core.errors import DataValidationError, Problem
from ics_leadership.core.schema import read_yaml
from ics_leadership.facts import vocabulary
from ics_leadership.facts.codebook import Codebook
from ics_leadership.facts.vocabulary import LEVELS

CLAIMS_FILE = "claims.yaml"

CONSISTENT = "consistent"
NOT_CONSISTENT = "not consistent"
INCONCLUSIVE = "inconclusive"
NOT_EVALUATED = "not evaluated: needs real coded data"
NOT_EVALUATED_VOCABULARY = "not evaluated: the data use other levels, stages or groups"
NOT_TESTABLE = "not testable on coded data"
STATUSES = (CONSISTENT, NOT_CONSISTENT, INCONCLUSIVE, NOT_EVALUATED, NOT_EVALUATED_VOCABULARY, NOT_TESTABLE)
#: The statuses of a claim that could be tested but was not, on these data (the reason says why).
REFUSED = (NOT_EVALUATED, NOT_EVALUATED_VOCABULARY)

AS_CLAIMED, OPPOSITE, NO_DIFFERENCE = "as claimed", "opposite to the claim", "no difference"

DEFAULT_ALPHA = 0.05
DEFAULT_MIN_GROUP_SIZE = 5

TEST_FIELDS = {
    "present_at_all_levels": ("code",),
    "higher_prevalence": ("code", "higher", "lower"),
    "highest_at": ("code", "level"),
    "more_documents_in_stage": ("code", "higher", "lower"),
    "among_top_at_level": ("codes", "level", "k"),
    "cooccur_more_than_chance": ("code_a", "code_b"),
    "not_testable": ("reason",),
}

EFFECT_MEASURES = {
    "present_at_all_levels": "lowest share of participants expressing it at any level",
    "higher_prevalence": "difference in proportions of participants (higher levels minus lower levels)",
    "highest_at": "difference in proportions of participants (named level minus highest other level)",
    "more_documents_in_stage": "difference in proportions of documents (first stage minus second stage)",
    "among_top_at_level": (
        "difference in proportions of participants (least prevalent named contribution "
        "minus the other contribution it must not fall below)"
    ),
    "cooccur_more_than_chance": (
        "difference in proportions of documents with the second code "
        "(documents with the first code minus documents without it)"
    ),
}

COLUMNS = [
    "id",
    "claim",
    "location",
    "proposition",
    "test",
    "status",
    "reason",
    "observed",
    "direction_observed",
    "effect_measure",
    "effect_size",
    "group_sizes",
    "smallest_group",
    "p_value",
    "p_shown",
    "alpha",
    "min_group_size",
]
RESULT_COLUMNS = COLUMNS[COLUMNS.index("observed") :]


@dataclass(frozen=True)
class Rules:
    """The decision rules stated in the claims file."""

    alpha: float = DEFAULT_ALPHA
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE


@dataclass(frozen=True)
class Claim:
    id: str
    claim: str
    location: str
    by: str
    test: dict[str, Any]

    @property
    def proposition(self) -> str:
        """What the claim says about coded data, in words."""
        t = self.test
        kind = t["type"]
        if kind == "present_at_all_levels":
            return f"Participants at every level express {t['code']}."
        if kind == "higher_prevalence":
            return f"Prevalence of {t['code']} is higher at {' + '.join(t['higher'])} than at {' + '.join(t['lower'])}."
        if kind == "highest_at":
            return f"Prevalence of {t['code']} is highest at the {t['level']} level."
        if kind == "more_documents_in_stage":
            return f"A larger share of {t['higher']}-stage than {t['lower']}-stage documents contain {t['code']}."
        if kind == "among_top_at_level":
            return f"{', '.join(t['codes'])} among the {t['k']} most prevalent contributions at the {t['level']} level."
        if kind == "cooccur_more_than_chance":
            return f"{t['code_a']} and {t['code_b']} share documents more often than independence predicts."
        return "Not testable on coded data."

    @property
    def test_in_words(self) -> str:
        """The test type and its parameters, as a reader needs them."""
        t = self.test
        kind = t["type"]
        fisher = "one-sided Fisher exact test in each direction"
        if kind == "present_at_all_levels":
            return f"{kind}: participants expressing {t['code']} at each of {', '.join(LEVELS)} (descriptive)"
        if kind == "higher_prevalence":
            return (
                f"{kind}: share of participants expressing {t['code']}, {' + '.join(t['higher'])} "
                f"vs {' + '.join(t['lower'])}; {fisher}"
            )
        if kind == "highest_at":
            return (
                f"{kind}: share of participants expressing {t['code']} at {t['level']} vs each other level "
                "(descriptive)"
            )
        if kind == "more_documents_in_stage":
            return (
                f"{kind}: share of documents containing {t['code']}, stage {t['higher']} vs "
                f"stage {t['lower']}; {fisher}"
            )
        if kind == "among_top_at_level":
            return (
                f"{kind}: rank of {', '.join(t['codes'])} among the contributions by share of "
                f"participants at the {t['level']} level, top {t['k']} (descriptive)"
            )
        if kind == "cooccur_more_than_chance":
            return (
                f"{kind}: share of documents containing {t['code_b']}, documents with {t['code_a']} "
                f"vs without; {fisher}"
            )
        return f"{kind}: {t['reason']}"


def load_claims(path: Path | str | None = None, codebook: Codebook | None = None) -> tuple[list[Claim], Rules]:
    """Load and validate the claims ledger; returns the claims and the decision rules."""
    path = Path(path or paths.raw_dir() / CLAIMS_FILE)
    shown = paths.display_path(path)
    doc = read_yaml(path) or {}
    problems: list[Problem] = []
    rules = _rules(doc, shown, problems)
    known = set(codebook.codes) if codebook else None
    claims, seen = [], set()
    for i, item in enumerate(doc.get("claims") or []):
        where = f"claims[{item.get('id', i) if isinstance(item, dict) else i}]"
        if not isinstance(item, dict):
            problems.append(Problem(shown, "expected a mapping", field=where))
            continue
        for key in ("id", "claim", "location", "by", "test"):
            if not item.get(key):
                problems.append(Problem(shown, "is missing", field=f"{where}.{key}"))
        if item.get("id") in seen:
            problems.append(Problem(shown, "duplicate claim id", field=where))
        seen.add(item.get("id"))
        test = item.get("test") or {}
        kind = test.get("type")
        if kind not in TEST_FIELDS:
            problems.append(
                Problem(
                    shown, f"unknown test type '{kind}' (known: {', '.join(TEST_FIELDS)})", field=f"{where}.test.type"
                )
            )
            continue
        for key in TEST_FIELDS[kind]:
            if test.get(key) in (None, "", []):
                problems.append(Problem(shown, "is missing", field=f"{where}.test.{key}"))
        if known is not None:
            for key in ("code", "code_a", "code_b"):
                if key in test and test[key] not in known:
                    problems.append(Problem(shown, f"unknown code '{test[key]}'", field=f"{where}.test.{key}"))
            for code in test.get("codes", []) or []:
                if code not in known:
                    problems.append(Problem(shown, f"unknown code '{code}'", field=f"{where}.test.codes"))
        for key in ("level",):
            if key in test and test[key] not in LEVELS:
                problems.append(Problem(shown, f"'{test[key]}' is not a level", field=f"{where}.test.{key}"))
        if kind == "among_top_at_level":
            _check_top_k(test, codebook, shown, f"{where}.test", problems)
        if not problems:
            claims.append(
                Claim(
                    id=str(item["id"]), claim=item["claim"], location=item["location"], by=item["by"], test=dict(test)
                )
            )
    if problems:
        raise DataValidationError(problems)
    return claims, rules


def _rules(doc: dict, shown: str, problems: list[Problem]) -> Rules:
    alpha = doc.get("alpha", DEFAULT_ALPHA)
    size = doc.get("min_group_size", DEFAULT_MIN_GROUP_SIZE)
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 < alpha < 1:
        problems.append(Problem(shown, f"expected a number between 0 and 1, got {alpha!r}", field="alpha"))
        alpha = DEFAULT_ALPHA
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        problems.append(Problem(shown, f"expected a whole number of at least 1, got {size!r}", field="min_group_size"))
        size = DEFAULT_MIN_GROUP_SIZE
    return Rules(alpha=float(alpha), min_group_size=size)


def _check_top_k(test: dict, codebook: Codebook | None, shown: str, where: str, problems: list[Problem]) -> None:
    """``k`` must leave room for every named code and exclude at least one contribution."""
    k, codes = test.get("k"), test.get("codes") or []
    if isinstance(k, bool) or not isinstance(k, int) or k < len(codes):
        problems.append(
            Problem(shown, f"expected a whole number of at least {len(codes)} (the codes named)", field=f"{where}.k")
        )
        return
    if codebook is not None:
        for code in codes:
            if code in codebook.codes and code not in codebook.contribution_ids:
                problems.append(
                    Problem(shown, f"'{code}' is an activity; this test ranks contributions", field=f"{where}.codes")
                )
        if k >= len(codebook.contribution_ids):
            problems.append(
                Problem(
                    shown,
                    f"k must be below the number of contributions "
                    f"({len(codebook.contribution_ids)}), or every contribution is in the top k",
                    field=f"{where}.k",
                )
            )


# --- provenance: whether a verdict may be computed at all ---------------------------------------


def why_not_evaluated(coded: CodedData) -> str | None:
    """Why no verdict may be computed on ``coded`` (None for real data in the paper's terms).

    The data's own metadata decide first: ``synthetic`` from ``corpus.yaml``, and ``demonstration``,
    which :func:`ics_leadership.coding.mapping.apply_mapping` sets from a mapping marked as one.
    Then the data's levels, stages and groups: the claims are about the paper's executive, thematic
    and project levels, its early and later stages and its clinical leaders, so data holding other
    values (another study's tiers, say) get no verdict, and the reason names the values.
    """
    refused = _refusal(coded)
    return refused[1] if refused else None


def _refusal(coded: CodedData) -> tuple[str, str] | None:
    """The status and reason of every testable claim on ``coded``, when no verdict may be computed."""
    if coded.synthetic:
        return NOT_EVALUATED, (
            "These are synthetic demonstration data, generated with coding rates set from these "
            "same claims, so a verdict on them would only return the assumptions they were made from."
        )
    if coded.metadata.get("demonstration"):
        mapping = coded.metadata.get("mapping") or "the mapping"
        return NOT_EVALUATED, (
            f"The codes were mapped by a demonstration mapping ({paths.display_path(Path(mapping))}): "
            "they stand in for the codebook's only to show how a mapping works and say nothing "
            "about clinical leadership."
        )
    found = vocabulary.unexpected(coded.documents)
    if found:
        return NOT_EVALUATED_VOCABULARY, (
            f"The claims are about the paper's levels, stages and clinical leaders, and these data use "
            f"other values: {vocabulary.describe_unexpected(found)}. To evaluate the claims, map the "
            "data's values to the paper's (a mapping's 'documents' and 'participants' sections) where "
            "they mean the same."
        )
    return None


# --- the tests ------------------------------------------------------------------------------------


@dataclass
class _Outcome:
    """What one test found, before it becomes a ledger row."""

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
) -> _Outcome:
    """Compare the share in group 1 (claimed higher) with group 2 by Fisher exact tests."""
    (k1, k2), (n1, n2) = counts, sizes
    groups = {names[0]: n1, names[1]: n2}
    observed = f"{names[0]} {_share(k1, n1)}; {names[1]} {_share(k2, n2)}"
    if n1 == 0 or n2 == 0:
        return _Outcome(
            INCONCLUSIVE, _small(groups, rules, unit) or "", observed, groups=groups, unit=unit, evidence=evidence
        )
    effect = k1 / n1 - k2 / n2
    table = [[k1, n1 - k1], [k2, n2 - k2]]
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
    return _Outcome(status, reason, observed, direction, effect, groups, unit, p, evidence)


def _descriptive(
    effect: float, groups: dict[str, int], rules: Rules, observed: str, evidence: pd.DataFrame, tie: str
) -> _Outcome:
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
    return _Outcome(status, reason, observed, direction, effect, groups, "participants", evidence=evidence)


def _level_rows(by_level: pd.DataFrame, code: str) -> pd.DataFrame:
    """Participants and those expressing ``code`` at every level, levels without anyone as 0."""
    ev = by_level[by_level["code"] == code].set_index("group")[["participants", "expressing", "proportion"]]
    ev = ev.reindex(list(LEVELS)).fillna({"participants": 0, "expressing": 0})
    return ev.astype({"participants": int, "expressing": int}).rename_axis("level").reset_index()


def _levels_observed(ev: pd.DataFrame) -> str:
    return "; ".join(f"{r.level} {_share(r.expressing, r.participants)}" for r in ev.itertuples())


def _present_at_all_levels(t: dict, by_level: pd.DataFrame, rules: Rules) -> _Outcome:
    # Absence, not a sign, decides this test: the effect (lowest share) is never negative.
    ev = _level_rows(by_level, t["code"])
    groups = dict(zip(ev["level"], ev["participants"]))
    everyone = bool((ev["participants"] > 0).all())
    nobody = list(ev.loc[ev["expressing"] == 0, "level"])
    out = _Outcome(
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


def _highest_at(t: dict, by_level: pd.DataFrame, rules: Rules) -> _Outcome:
    ev = _level_rows(by_level, t["code"])
    groups = dict(zip(ev["level"], ev["participants"]))
    share = ev.set_index("level")["proportion"]
    others = share.drop(t["level"])
    effect = float(share[t["level"]] - others.max()) if (ev["participants"] > 0).all() else math.nan
    tied = ", ".join(others.index[others == share[t["level"]]])
    return _descriptive(
        effect, groups, rules, _levels_observed(ev), ev, tie=f"The {t['level']} level ties with {tied}."
    )


def _among_top_at_level(t: dict, by_level: pd.DataFrame, rules: Rules) -> _Outcome:
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
) -> _Outcome:
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


def _higher_prevalence(t: dict, by_level: pd.DataFrame, rules: Rules) -> _Outcome:
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
) -> _Outcome:
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


def _run_test(
    claim: Claim, coded: CodedData, codings: pd.DataFrame, codebook: Codebook, rules: Rules, by_level: pd.DataFrame
) -> _Outcome:
    t = claim.test
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


# --- the ledger -----------------------------------------------------------------------------------


def evaluate(
    claims: list[Claim],
    coded: CodedData,
    codings: pd.DataFrame,
    codebook: Codebook,
    rules: Rules = Rules(),
    by_level: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """The claims ledger: one row per claim (columns :data:`COLUMNS`) and the evidence table of each.

    The data decide whether any test runs: on synthetic or demonstration data (see
    :func:`why_not_evaluated`) every testable claim is :data:`NOT_EVALUATED`, and on data whose
    levels, stages or groups are not the paper's :data:`NOT_EVALUATED_VOCABULARY`; the result
    columns then stay empty and the evidence is empty. ``by_level`` is the participant prevalence by level when
    the caller has it already.
    """
    refusal = _refusal(coded)
    rows, evidence = [], {}
    for claim in claims:
        base = {
            "id": claim.id,
            "claim": claim.claim,
            "location": claim.location,
            "proposition": claim.proposition,
            "test": claim.test_in_words,
        }
        if claim.test["type"] == "not_testable":
            rows.append({**base, "status": NOT_TESTABLE, "reason": claim.test["reason"]})
            continue
        if refusal:
            rows.append({**base, "status": refusal[0], "reason": refusal[1]})
            continue
        if by_level is None:
            by_level = prevalence(coded, codings, codebook, by="level")
        out = _run_test(claim, coded, codings, codebook, rules, by_level)
        evidence[claim.id] = out.evidence
        rows.append(
            {
                **base,
                "status": out.status,
                "reason": out.reason,
                "observed": out.observed,
                "direction_observed": out.direction,
                "effect_measure": EFFECT_MEASURES[claim.test["type"]],
                "effect_size": round(out.effect, 3) if not math.isnan(out.effect) else pd.NA,
                "group_sizes": "; ".join(f"{g}: {n}" for g, n in out.groups.items()) + f" ({out.unit})",
                "smallest_group": min(out.groups.values()),
                # The number for machines, the text for readers (never "0.000").
                "p_value": out.p if not math.isnan(out.p) else pd.NA,
                "p_shown": format_p(out.p, rules.alpha),
                "alpha": rules.alpha,
                "min_group_size": rules.min_group_size,
            }
        )
    ledger = pd.DataFrame(rows).reindex(columns=COLUMNS)
    # Typed the same on every kind of data, so an empty column is empty, not a column of NaN floats.
    types = {
        "effect_size": "Float64",
        "p_value": "Float64",
        "alpha": "Float64",
        "smallest_group": "Int64",
        "min_group_size": "Int64",
    }
    return ledger.astype({c: types.get(c, "string") for c in COLUMNS}), evidence


def describe(ledger: pd.DataFrame) -> str:
    """One paragraph, for a page showing the ledger: what the statuses are and why."""
    counts = ledger["status"].value_counts()
    untestable = int(counts.get(NOT_TESTABLE, 0))
    tail = (
        f" {untestable} claim(s) cannot be tested on coded data at all; the table gives the reason."
        if untestable
        else ""
    )
    if counts.get(NOT_EVALUATED, 0):
        reason = ledger.loc[ledger["status"] == NOT_EVALUATED, "reason"].iloc[0]
        return (
            f"Each claim is listed with the proposition it becomes and the test that would examine it, "
            f'but no verdict is given. {reason} The status "{NOT_EVALUATED}" says just that: run the '
            f"analysis on real coded interviews to evaluate the claims.{tail}"
        )
    if counts.get(NOT_EVALUATED_VOCABULARY, 0):
        reason = ledger.loc[ledger["status"] == NOT_EVALUATED_VOCABULARY, "reason"].iloc[0]
        return (
            f"Each claim is listed with the proposition it becomes and the test that would examine it, "
            f"but no verdict is given. {reason}{tail}"
        )
    tested = ledger[ledger["status"].isin([CONSISTENT, NOT_CONSISTENT, INCONCLUSIVE])]
    if tested.empty:
        return f"No claim here can be tested on coded data.{tail}"
    alpha, size = tested["alpha"].iloc[0], tested["min_group_size"].iloc[0]
    return (
        f"On these coded data {int(counts.get(CONSISTENT, 0))} claim(s) are {CONSISTENT} with the paper "
        f"(in the claimed direction, p < {alpha:g}, or for descriptive tests as stated), "
        f"{int(counts.get(NOT_CONSISTENT, 0))} are {NOT_CONSISTENT} (the opposite direction, significant), "
        f"and {int(counts.get(INCONCLUSIVE, 0))} are {INCONCLUSIVE} (anything else, including every "
        f"comparison whose smallest group has fewer than {size} members).{tail}"
    )


def for_display(ledger: pd.DataFrame) -> pd.DataFrame:
    """The ledger as a page shows it, next to :func:`describe`'s paragraph.

    The status is the second column and the location the last. Columns that are empty on every row
    are left out, and so are alpha and the minimum group size
    (the paragraph states them); the reason of not-evaluated rows is the paragraph's, so it is not
    repeated on every row.
    """
    shown = ledger.drop(columns=["alpha", "min_group_size", "p_value"]).rename(columns={"p_shown": "p_value"})
    shown["reason"] = shown["reason"].where(~shown["status"].isin(REFUSED), "")
    # The status comes right after the id, so that a narrow screen, which shows the first columns, shows it.
    order = ["id", "status", *[c for c in shown.columns if c not in ("id", "status", "location")], "location"]
    keep = [c for c in order if shown[c].notna().any() and (shown[c].astype("string") != "").any()]
    return shown[keep]
