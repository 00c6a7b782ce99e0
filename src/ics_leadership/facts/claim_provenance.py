"""Whether coded data may receive verdicts on the paper's claims at all, and if not, why.

A verdict needs real coded data in the paper's terms. :func:`refusal` gives the status and reason of
every testable claim when it may not be computed: on the synthetic demonstration corpus (generated
from the claims themselves), through a demonstration mapping, or on data whose levels, stages or
groups are not the paper's (:mod:`ics_leadership.facts.vocabulary`). The claims ledger
(:func:`ics_leadership.facts.claims.evaluate`) asks it before running any test.
"""

from __future__ import annotations

from pathlib import Path

from ics_leadership.coding.coded import CodedData
from ics_leadership.core import paths
from ics_leadership.facts import vocabulary

NOT_EVALUATED = "not evaluated: needs real coded data"
NOT_EVALUATED_VOCABULARY = "not evaluated: the data use other levels, stages or groups"


def why_not_evaluated(coded: CodedData) -> str | None:
    """Why no verdict may be computed on ``coded`` (None for real data in the paper's terms).

    The data's own metadata decide first: ``synthetic`` from ``corpus.yaml``, and ``demonstration``,
    which :func:`ics_leadership.coding.mapping.apply_mapping` sets from a mapping marked as one.
    Then the data's levels, stages and groups: the claims are about the paper's executive, thematic
    and project levels, its early and later stages and its clinical leaders, so data holding other
    values (another study's tiers, say) get no verdict, and the reason names the values.
    """
    refused = refusal(coded)
    return refused[1] if refused else None


def refusal(coded: CodedData) -> tuple[str, str] | None:
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
