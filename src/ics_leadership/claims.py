"""The claims ledger: the paper's claims about variation, evaluated on coded data.

Claims live in ``data/raw/claims.yaml`` as data (claim, location, test). :func:`evaluate` runs each
test on coded data and returns a verdict (supported, not supported, not testable) with the evidence
it rests on. The tests use participants (for levels) or documents (for stages) as units, and
one-sided Fisher exact tests, because the groups are small.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from scipy.stats import fisher_exact

from ics_leadership import paths
from ics_leadership.codebook import Codebook
from ics_leadership.coded import CodedData
from ics_leadership.errors import DataValidationError, Problem
from ics_leadership.prevalence import prevalence
from ics_leadership.schema import LEVELS, read_yaml

CLAIMS_FILE = "claims.yaml"
SUPPORTED, NOT_SUPPORTED, NOT_TESTABLE = "supported", "not supported", "not testable"
TEST_FIELDS = {
    "present_at_all_levels": ("code",),
    "higher_prevalence": ("code", "higher", "lower"),
    "highest_at": ("code", "level"),
    "more_documents_in_stage": ("code", "higher", "lower"),
    "among_top_at_level": ("codes", "level", "k"),
    "cooccur_more_than_chance": ("code_a", "code_b"),
    "not_testable": ("reason",),
}


@dataclass(frozen=True)
class Claim:
    id: str
    claim: str
    location: str
    by: str
    test: dict[str, Any]

    @property
    def proposition(self) -> str:
        """The test in words."""
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


def load_claims(path: Path | str | None = None, codebook: Codebook | None = None) -> tuple[list[Claim], float]:
    """Load and validate the claims ledger; returns the claims and the significance level."""
    path = Path(path or paths.raw_dir() / CLAIMS_FILE)
    shown = paths.display_path(path)
    doc = read_yaml(path) or {}
    problems: list[Problem] = []
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
            problems.append(Problem(shown, f"unknown test type '{kind}' (known: {', '.join(TEST_FIELDS)})",
                                    field=f"{where}.test.type"))
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
        if not problems:
            claims.append(Claim(id=str(item["id"]), claim=item["claim"], location=item["location"], by=item["by"],
                                test=dict(test)))
    if problems:
        raise DataValidationError(problems)
    return claims, float(doc.get("alpha", 0.05))


def _has(codings: pd.DataFrame, code: str, codebook: Codebook) -> pd.DataFrame:
    column = "contribution" if code in codebook.contribution_ids else "code"
    return codings[codings[column] == code]


def _evaluate(claim: Claim, coded: CodedData, codings: pd.DataFrame, codebook: Codebook, alpha: float,
              by_level: pd.DataFrame) -> tuple[str, str, pd.DataFrame]:
    t = claim.test
    kind = t["type"]
    if kind == "not_testable":
        return NOT_TESTABLE, t["reason"], pd.DataFrame()
    if kind in ("present_at_all_levels", "higher_prevalence", "highest_at", "among_top_at_level"):
        levels_present = set(by_level["group"])
        if not levels_present:
            return NOT_TESTABLE, "The coded data have no participants with a governance level.", pd.DataFrame()
    if kind == "present_at_all_levels":
        ev = by_level[by_level["code"] == t["code"]][["group", "participants", "expressing", "proportion", "ci_low", "ci_high"]]
        missing = [lvl for lvl in LEVELS if lvl not in set(ev["group"])]
        if missing:
            return NOT_TESTABLE, f"No participants at level(s): {', '.join(missing)}.", ev
        ok = bool((ev["expressing"] > 0).all())
        low = ev.loc[ev["proportion"].idxmin()]
        return (SUPPORTED if ok else NOT_SUPPORTED,
                f"Lowest prevalence {low['expressing']}/{low['participants']} at the {low['group']} level.", ev)
    if kind == "higher_prevalence":
        ev = by_level[by_level["code"] == t["code"]].set_index("group")
        hi = ev.loc[ev.index.intersection(t["higher"]), ["participants", "expressing"]].sum()
        lo = ev.loc[ev.index.intersection(t["lower"]), ["participants", "expressing"]].sum()
        if hi["participants"] == 0 or lo["participants"] == 0:
            return NOT_TESTABLE, "A compared group has no participants.", ev.reset_index()
        table = [[hi["expressing"], hi["participants"] - hi["expressing"]],
                 [lo["expressing"], lo["participants"] - lo["expressing"]]]
        p = float(fisher_exact(table, alternative="greater").pvalue)
        ph, pl = hi["expressing"] / hi["participants"], lo["expressing"] / lo["participants"]
        verdict = SUPPORTED if ph > pl and p < alpha else NOT_SUPPORTED
        return verdict, (f"{int(hi['expressing'])}/{int(hi['participants'])} ({ph:.0%}) vs "
                         f"{int(lo['expressing'])}/{int(lo['participants'])} ({pl:.0%}); one-sided Fisher p = {p:.3f}"), ev.reset_index()
    if kind == "highest_at":
        ev = by_level[by_level["code"] == t["code"]][["group", "participants", "expressing", "proportion", "ci_low", "ci_high"]]
        top = ev["proportion"].max()
        leaders = list(ev.loc[ev["proportion"] == top, "group"])
        ok = leaders == [t["level"]]
        return (SUPPORTED if ok else NOT_SUPPORTED,
                f"Highest prevalence ({top:.0%}) at: {', '.join(leaders)}.", ev)
    if kind == "among_top_at_level":
        ev = by_level[(by_level["group"] == t["level"]) & (by_level["kind"] == "contribution")]
        ev = ev.sort_values(["proportion", "code"], ascending=[False, True])[["code", "participants", "expressing", "proportion"]]
        # ties: a code counts as top-k if its prevalence reaches the k-th highest value
        kth = ev["proportion"].iloc[min(int(t["k"]), len(ev)) - 1] if len(ev) else float("nan")
        top = set(ev.loc[ev["proportion"] >= kth, "code"])
        ok = all(code in top for code in t["codes"])
        return (SUPPORTED if ok else NOT_SUPPORTED,
                f"Top {t['k']} at the {t['level']} level (ties included): {', '.join(sorted(top))}.", ev)
    if kind == "more_documents_in_stage":
        docs = coded.documents[coded.documents["stage"].notna()]
        if docs.empty:
            return NOT_TESTABLE, "No documents have a stage.", pd.DataFrame()
        with_code = set(_has(codings, t["code"], codebook)["document_id"])
        rows = []
        for stage in (t["higher"], t["lower"]):
            members = docs[docs["stage"] == stage]
            k = int(members["document_id"].isin(with_code).sum())
            rows.append({"stage": stage, "documents": int(len(members)), "with_code": k,
                         "share": k / len(members) if len(members) else float("nan")})
        ev = pd.DataFrame(rows)
        if (ev["documents"] == 0).any():
            return NOT_TESTABLE, "A compared stage has no documents.", ev
        table = [[ev.loc[0, "with_code"], ev.loc[0, "documents"] - ev.loc[0, "with_code"]],
                 [ev.loc[1, "with_code"], ev.loc[1, "documents"] - ev.loc[1, "with_code"]]]
        p = float(fisher_exact(table, alternative="greater").pvalue)
        ok = ev.loc[0, "share"] > ev.loc[1, "share"] and p < alpha
        return (SUPPORTED if ok else NOT_SUPPORTED,
                f"{ev.loc[0, 'with_code']}/{ev.loc[0, 'documents']} {t['higher']} vs "
                f"{ev.loc[1, 'with_code']}/{ev.loc[1, 'documents']} {t['lower']} documents; one-sided Fisher p = {p:.3f}", ev)
    if kind == "cooccur_more_than_chance":
        docs = set(coded.documents["document_id"])
        a = set(_has(codings, t["code_a"], codebook)["document_id"])
        b = set(_has(codings, t["code_b"], codebook)["document_id"])
        n = len(docs)
        both, only_a, only_b = len(a & b), len(a - b), len(b - a)
        neither = n - both - only_a - only_b
        expected = len(a) * len(b) / n if n else float("nan")
        p = float(fisher_exact([[both, only_a], [only_b, neither]], alternative="greater").pvalue)
        ev = pd.DataFrame([{"documents": n, "with_a": len(a), "with_b": len(b), "with_both": both,
                            "expected_if_independent": expected}])
        ok = both > expected and p < alpha
        return (SUPPORTED if ok else NOT_SUPPORTED,
                f"{both} documents with both vs {expected:.1f} expected; one-sided Fisher p = {p:.3f}", ev)
    raise ValueError(kind)  # pragma: no cover - guarded by load_claims


def evaluate(claims: list[Claim], coded: CodedData, codings: pd.DataFrame, codebook: Codebook,
             alpha: float = 0.05, by_level: pd.DataFrame | None = None) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Evaluate every claim. Returns the ledger (one row per claim) and the evidence table of each.

    ``by_level`` is the participant prevalence by level when the caller has it already.
    """
    if by_level is None:
        by_level = prevalence(coded, codings, codebook, by="level")
    rows, evidence = [], {}
    for claim in claims:
        verdict, summary, table = _evaluate(claim, coded, codings, codebook, alpha, by_level)
        evidence[claim.id] = table
        rows.append({"id": claim.id, "claim": claim.claim, "location": claim.location, "by": claim.by,
                     "proposition": claim.proposition, "test": claim.test["type"], "verdict": verdict,
                     "evidence": summary})
    return pd.DataFrame(rows), evidence
