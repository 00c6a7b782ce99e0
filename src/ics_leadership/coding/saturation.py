"""Code saturation across successive interviews (Guest, Namey and Chen 2020).

Their method has three parameters: the *base size* (the first interviews, whose distinct codes
form the base), the *run length* (how many consecutive interviews are checked for new codes) and
the *new-information threshold*. After the base, a run of ``run_length`` interviews slides forward
one interview at a time; its new information is the number of codes it contains that no earlier
interview had, divided by the number of codes in the base. Saturation is reached at the first run
whose new information is at or below the threshold; by their convention the saturation point is
the number of interviews before that run (the run only confirms that nothing new came after).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Saturation:
    runs: pd.DataFrame  # one row per run
    cumulative: pd.DataFrame  # interview, new codes, cumulative distinct codes
    base_codes: int
    point: int | None  # interviews needed; None if not reached
    base_size: int
    run_length: int
    threshold: float


def saturation(
    sequence: list[set[str]], base_size: int = 4, run_length: int = 2, threshold: float = 0.05
) -> Saturation:
    """Assess saturation over ``sequence``, the set of codes found in each interview, in order.

    Examples
    --------
    >>> s = saturation([{"a", "b"}, {"c"}, {"a", "d"}, {"b"}, {"e"}, {"a"}, {"b"}, {"c"}], 4, 2, 0.05)
    >>> s.base_codes, s.point
    (4, 5)
    """
    if base_size < 1 or run_length < 1:
        raise ValueError("base_size and run_length must be at least 1")
    if not 0 <= threshold <= 1:
        raise ValueError("threshold must be between 0 and 1")
    seen: set[str] = set()
    cumulative = []
    for i, codes in enumerate(sequence, start=1):
        new = set(codes) - seen
        seen |= set(codes)
        cumulative.append({"interview": i, "new_codes": len(new), "distinct_codes": len(seen)})
    base = set().union(*sequence[:base_size]) if sequence else set()
    runs, point = [], None
    for start in range(base_size, len(sequence) - run_length + 1):
        before = set().union(*sequence[:start])
        in_run = set().union(*sequence[start : start + run_length])
        new = in_run - before
        ratio = len(new) / len(base) if base else float("nan")
        reached = bool(base) and ratio <= threshold
        runs.append(
            {
                "run": f"{start + 1}-{start + run_length}",
                "first": start + 1,
                "last": start + run_length,
                "new_codes": len(new),
                "base_codes": len(base),
                "new_information": ratio,
                "at_or_below_threshold": reached,
            }
        )
        if reached and point is None:
            point = start
    return Saturation(
        runs=pd.DataFrame(
            runs,
            columns=["run", "first", "last", "new_codes", "base_codes", "new_information", "at_or_below_threshold"],
        ),
        cumulative=pd.DataFrame(cumulative, columns=["interview", "new_codes", "distinct_codes"]),
        base_codes=len(base),
        point=point,
        base_size=base_size,
        run_length=run_length,
        threshold=threshold,
    )


def interview_sequence(
    codings: pd.DataFrame,
    documents: pd.DataFrame,
    column: str = "code",
    source_types: tuple[str, ...] = ("interview", "follow-up interview"),
) -> tuple[list[str], list[set[str]]]:
    """Interviews in data-collection order with the set of codes found in each."""
    docs = documents[documents["source_type"].isin(source_types)].sort_values(["sequence", "document_id"])
    by_doc = codings.groupby("document_id")[column].apply(set).to_dict()
    ids = list(docs["document_id"])
    return ids, [by_doc.get(d, set()) for d in ids]
