"""The paper's analyses on coded data that speak its codebook: the replication path of ``summarise``.

:func:`summarise_paper` runs the generic analyses (:func:`ics_leadership.coding.summarise.summarise`)
with the compendium's codebook as the code tree (contributions rolling up their activities),
prevalence among the paper's focus group (clinical leaders, when the data record groups) and its
levels' order, then adds what only makes sense in the paper's terms: the association of each
contribution with governance level, and the claims ledger (:mod:`ics_leadership.facts.claims`).
Project codes reach the codebook through a mapping file (``--mapping``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from ics_leadership.coding import association
from ics_leadership.coding import summarise as generic
from ics_leadership.coding.coded import CodedData
from ics_leadership.facts import claims
from ics_leadership.facts.codebook import Codebook, load_codebook
from ics_leadership.facts.vocabulary import FOCUS_GROUP


def summarise_paper(
    coded_dir: Path | str,
    mapping: Path | str | None = None,
    coder: str | None = None,
    base_size: int = 4,
    run_length: int = 2,
    threshold: float = 0.05,
    codebook: Codebook | None = None,
    claims_path: Path | str | None = None,
    permutations: int = association.PERMUTATIONS,
    by: Sequence[str] = generic.DEFAULT_BY,
    excerpts: bool = False,
) -> generic.CodingSummary:
    """Every analysis of notebook 02 on ``coded_dir``, in the compendium's codebook (through ``mapping``).

    Parameters as :func:`ics_leadership.coding.summarise.summarise`, plus the codebook, the claims
    file (default ``data/raw/claims.yaml``) and the permutations of the exact association tests.
    """
    codebook = codebook or load_codebook()
    prepared = prepare_paper(coded_dir, mapping, coder, codebook, by)
    summary = analyse_paper(prepared, codebook, base_size, run_length, threshold, claims_path, permutations)
    summary.add_details(generic.detail_tables(prepared, excerpts))
    return summary


def prepare_paper(
    coded_dir: Path | str,
    mapping: Path | str | None = None,
    coder: str | None = None,
    codebook: Codebook | None = None,
    by: Sequence[str] = generic.DEFAULT_BY,
    loaded: CodedData | None = None,
    orders: Mapping[str, Sequence[str]] | None = None,
) -> generic.Prepared:
    """:func:`ics_leadership.coding.summarise.prepare` in the compendium's codebook (contributions
    rolling up their activities), counting the paper's focus group (clinical leaders) when the data
    record groups. ``loaded``, ``orders``: as for that function."""
    tree = (codebook or load_codebook()).tree
    return generic.prepare(
        coded_dir, mapping, coder, tree=tree, by=by, focus_group=FOCUS_GROUP, loaded=loaded, orders=orders
    )


def analyse_paper(
    prepared: generic.Prepared,
    codebook: Codebook,
    base_size: int = 4,
    run_length: int = 2,
    threshold: float = 0.05,
    claims_path: Path | str | None = None,
    permutations: int = association.PERMUTATIONS,
) -> generic.CodingSummary:
    """:func:`ics_leadership.coding.summarise.analyse` plus the paper's analyses: the association of
    each contribution with governance level, and the claims ledger."""
    tree = codebook.tree
    summary = generic.analyse(prepared, base_size, run_length, threshold)
    summary.codebook = codebook
    summary.association, summary.contingency = association.by_attribute(
        summary.coded,
        summary.codings,
        tree,
        "level",
        permutations=permutations,
        focus_group=FOCUS_GROUP,
        people=prepared.people,
    )
    claim_list, rules = claims.load_claims(claims_path, codebook)
    by_level = summary.prevalence[summary.prevalence["by"] == "level"].reset_index(drop=True)
    ledger, evidence = claims.evaluate(
        claim_list,
        summary.coded,
        summary.codings,
        codebook,
        rules,
        by_level=by_level if "level" in summary.by else None,
    )
    summary.claims, summary.evidence = ledger, evidence
    if ledger["status"].isin(claims.REFUSED).any():
        summary.notes.append(
            f"claims.csv lists the paper's claims without verdicts: {claims.why_not_evaluated(summary.coded)}"
        )
    return summary
