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
claim about thematic leaders says nothing about "place" leaders. Claims whose test type is
``not_testable`` are :data:`NOT_TESTABLE` on any data, with their reason.

On real data each testable claim is :data:`CONSISTENT`, :data:`NOT_CONSISTENT` or
:data:`INCONCLUSIVE`, with the direction observed, an effect size (``effect_measure`` names it),
the size of each compared group and, for the tests that have one, a p value. The general rule:

- *consistent*: the data go the claimed way and the test is significant (p < alpha);
- *not consistent*: they go the opposite way and that is significant;
- *inconclusive*: anything else, and always when the smallest compared group has fewer than
  ``min_group_size`` members (a share from a handful of people moves by a fifth or more with one
  person, so neither a difference nor an absence in it says much).

The tests, and what each status means for each test type, are in
:mod:`ics_leadership.facts.claim_tests`; whether data may receive verdicts at all is decided in
:mod:`ics_leadership.facts.claim_provenance`. This module holds the ledger's model (:class:`Claim`,
the statuses, the columns), its loading from ``claims.yaml`` (:func:`load_claims`), its evaluation
(:func:`evaluate`) and its display (:func:`describe`, :func:`for_display`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ics_leadership.coding.coded import CodedData
from ics_leadership.coding.prevalence import prevalence
from ics_leadership.core import paths
from ics_leadership.core.errors import DataValidationError, Problem
from ics_leadership.core.yamlschema import YamlDocument, read_document, schema_problems
from ics_leadership.facts.claim_provenance import (  # noqa: F401  (why_not_evaluated: the ledger's API too)
    NOT_EVALUATED,
    NOT_EVALUATED_VOCABULARY,
    refusal,
    why_not_evaluated,
)
from ics_leadership.facts.claim_tests import (  # noqa: F401  (the tests' statuses and rules are the ledger's API too)
    AS_CLAIMED,
    CONSISTENT,
    DEFAULT_ALPHA,
    DEFAULT_MIN_GROUP_SIZE,
    INCONCLUSIVE,
    NO_DIFFERENCE,
    NOT_CONSISTENT,
    OPPOSITE,
    Rules,
    format_p,
    run_test,
)
from ics_leadership.facts.codebook import Codebook
from ics_leadership.facts.vocabulary import FOCUS_GROUP, LEVELS

CLAIMS_FILE = "claims.yaml"

NOT_TESTABLE = "not testable on coded data"
STATUSES = (CONSISTENT, NOT_CONSISTENT, INCONCLUSIVE, NOT_EVALUATED, NOT_EVALUATED_VOCABULARY, NOT_TESTABLE)
#: The statuses of a claim that could be tested but was not, on these data (the reason says why).
REFUSED = (NOT_EVALUATED, NOT_EVALUATED_VOCABULARY)

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

DEFAULT_RULES = Rules()


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
    """Load and validate the claims ledger; returns the claims and the decision rules.

    The structure (fields, test types and their parameters, levels, stages, ranges) is checked
    against ``schemas/claims.schema.json``; unique ids, codes that exist in ``codebook`` (when
    given) and ``k`` against the codes named are checked here. Every problem is listed with its line
    and field.
    """
    path = Path(path or paths.raw_dir() / CLAIMS_FILE)
    doc = read_document(path)
    problems = schema_problems(doc, "claims")
    items = doc.data.get("claims") if isinstance(doc.data, dict) else None
    first: dict[str, int] = {}
    for i, item in enumerate(items if isinstance(items, list) else []):
        if not isinstance(item, dict):
            continue  # the schema reports it
        claim_id = item.get("id")
        if isinstance(claim_id, str) and claim_id in first:
            problems.append(
                doc.problem(
                    ("claims", i, "id"), f"claim id '{claim_id}' appears twice (first at line {first[claim_id]})"
                )
            )
        elif isinstance(claim_id, str):
            first[claim_id] = doc.line(("claims", i, "id")) or 0
        test = item.get("test")
        if isinstance(test, dict):
            problems += _check_codes(doc, ("claims", i, "test"), test, codebook)
            if test.get("type") == "among_top_at_level":
                problems += _check_top_k(doc, ("claims", i, "test"), test, codebook)
    if problems:
        # In file order, so one pass down the file fixes everything.
        raise DataValidationError(sorted(problems, key=lambda p: p.line or 0))
    claims = [
        Claim(id=item["id"], claim=item["claim"], location=item["location"], by=item["by"], test=dict(item["test"]))
        for item in items
    ]
    return claims, _rules(doc.data)


def _rules(data: dict[str, Any]) -> Rules:
    """The decision rules of a validated ledger (the defaults where it states none)."""
    return Rules(
        alpha=float(data.get("alpha", DEFAULT_ALPHA)),
        min_group_size=int(data.get("min_group_size", DEFAULT_MIN_GROUP_SIZE)),
    )


def _check_codes(doc: YamlDocument, where: tuple, test: dict, codebook: Codebook | None) -> list[Problem]:
    """Every code a test names is in the codebook (when one is given)."""
    if codebook is None:
        return []
    known = set(codebook.codes)
    named = [((*where, key), test[key]) for key in ("code", "code_a", "code_b") if isinstance(test.get(key), str)]
    codes = test.get("codes")
    named += [((*where, "codes", j), c) for j, c in enumerate(codes if isinstance(codes, list) else [])]
    return [
        doc.problem(at, f"unknown code '{code}' (not in the codebook)")
        for at, code in named
        if isinstance(code, str) and code not in known
    ]


def _check_top_k(doc: YamlDocument, where: tuple, test: dict, codebook: Codebook | None) -> list[Problem]:
    """``k`` must leave room for every named code and exclude at least one contribution."""
    k, codes = test.get("k"), test.get("codes")
    # JSON Schema counts 2.0 as a whole number; so does this check.
    if isinstance(k, bool) or not isinstance(k, (int, float)) or k != int(k) or not isinstance(codes, list):
        return []  # the schema reports it
    problems = []
    if k < len(codes):
        problems.append(doc.problem((*where, "k"), f"must be at least {len(codes)} (the codes named)"))
    if codebook is not None:
        for j, code in enumerate(codes):
            if code in codebook.codes and code not in codebook.contribution_ids:
                problems.append(
                    doc.problem((*where, "codes", j), f"'{code}' is an activity; this test ranks contributions")
                )
        if k >= len(codebook.contribution_ids):
            problems.append(
                doc.problem(
                    (*where, "k"),
                    f"k must be below the number of contributions "
                    f"({len(codebook.contribution_ids)}), or every contribution is in the top k",
                )
            )
    return problems


# --- the ledger -----------------------------------------------------------------------------------


def evaluate(
    claims: list[Claim],
    coded: CodedData,
    codings: pd.DataFrame,
    codebook: Codebook,
    rules: Rules = DEFAULT_RULES,
    by_level: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """The claims ledger: one row per claim (columns :data:`COLUMNS`) and the evidence table of each.

    The data decide whether any test runs: on synthetic or demonstration data (see
    :func:`why_not_evaluated`) every testable claim is :data:`NOT_EVALUATED`, and on data whose
    levels, stages or groups are not the paper's :data:`NOT_EVALUATED_VOCABULARY`; the result
    columns then stay empty and the evidence is empty. ``by_level`` is the participant prevalence by level when
    the caller has it already.
    """
    refused = refusal(coded)
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
        if refused:
            rows.append({**base, "status": refused[0], "reason": refused[1]})
            continue
        if by_level is None:
            by_level = prevalence(coded, codings, codebook.tree, by="level", focus_group=FOCUS_GROUP)
        out = run_test(claim.test, coded, codings, codebook, rules, by_level)
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
