"""Code saturation across successive interviews (Guest, Namey and Chen 2020).

Their method has three parameters: the *base size* (the first interviews, whose distinct codes
form the base), the *run length* (how many consecutive interviews are checked for new codes) and
the *new-information threshold*. After the base, a run of ``run_length`` interviews slides forward
one interview at a time; its new information is the number of codes it contains that no earlier
interview had, divided by the number of codes in the base. Saturation is reached at the first run
whose new information is at or below the threshold; by their convention the saturation point is
the number of interviews before that run (the run only confirms that nothing new came after).

A code is new in a run exactly when its first interview lies in the run, so everything follows
from the interview in which each code first appears (:func:`first_appearances`): new codes per
interview are a count, the base a threshold, each run a difference of cumulative sums. The cost is
linear in the number of codings, not quadratic in the number of interviews.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
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

    def table(self) -> pd.DataFrame:
        """The runs as ``saturation.csv`` holds them: each row with the parameters and the saturation
        point (blank when not reached), so that the file says how it was assessed."""
        return self.runs.assign(
            base_size=self.base_size,
            run_length=self.run_length,
            threshold=self.threshold,
            saturation_point=self.point if self.point is not None else pd.NA,
        )


def saturation(
    sequence: Sequence[set[str]], base_size: int = 4, run_length: int = 2, threshold: float = 0.05
) -> Saturation:
    """Assess saturation over ``sequence``, the set of codes found in each interview, in order.

    Examples
    --------
    >>> s = saturation([{"a", "b"}, {"c"}, {"a", "d"}, {"b"}, {"e"}, {"a"}, {"b"}, {"c"}], 4, 2, 0.05)
    >>> s.base_codes, s.point
    (4, 5)
    """
    first: dict[str, int] = {}
    for i, codes in enumerate(sequence):
        for code in codes:
            first.setdefault(code, i)
    return from_first_appearances(
        np.fromiter(first.values(), dtype=np.int64, count=len(first)), len(sequence), base_size, run_length, threshold
    )


def from_first_appearances(
    first: np.ndarray, interviews: int, base_size: int = 4, run_length: int = 2, threshold: float = 0.05
) -> Saturation:
    """Assess saturation from the (0-based) interview in which each code first appears.

    ``interviews`` is the number of interviews in the sequence (some may add no code).
    """
    if base_size < 1 or run_length < 1:
        raise ValueError("base_size and run_length must be at least 1")
    if not 0 <= threshold <= 1:
        raise ValueError("threshold must be between 0 and 1")
    new_codes = np.bincount(np.asarray(first, dtype=np.int64), minlength=interviews)[:interviews]
    cumulative = pd.DataFrame(
        {"interview": np.arange(1, interviews + 1), "new_codes": new_codes, "distinct_codes": np.cumsum(new_codes)},
        columns=["interview", "new_codes", "distinct_codes"],
    )
    base = int(new_codes[:base_size].sum())
    starts = np.arange(base_size, max(interviews - run_length + 1, base_size))
    before = np.concatenate([[0], np.cumsum(new_codes)])
    new = before[starts + run_length] - before[starts]
    ratio = new / base if base else np.full(starts.size, np.nan)
    reached = (ratio <= threshold) if base else np.zeros(starts.size, dtype=bool)
    runs = pd.DataFrame(
        {
            "run": [f"{s + 1}-{s + run_length}" for s in starts],
            "first": starts + 1,
            "last": starts + run_length,
            "new_codes": new,
            "base_codes": base,
            "new_information": ratio.astype(float),
            "at_or_below_threshold": reached.astype(bool),
        },
        columns=["run", "first", "last", "new_codes", "base_codes", "new_information", "at_or_below_threshold"],
    )
    hits = np.flatnonzero(reached)
    return Saturation(
        runs=runs,
        cumulative=cumulative,
        base_codes=base,
        point=int(starts[hits[0]]) if hits.size else None,
        base_size=base_size,
        run_length=run_length,
        threshold=threshold,
    )


def interview_first_appearances(
    codings: pd.DataFrame,
    documents: pd.DataFrame,
    column: str = "code",
    source_types: tuple[str, ...] = ("interview", "follow-up interview"),
) -> tuple[list[str], np.ndarray]:
    """Interviews in data-collection order, and the interview (0-based) where each code first appears."""
    docs = documents[documents["source_type"].isin(source_types)].sort_values(["sequence", "document_id"])
    ids = docs["document_id"].to_numpy(dtype=object).tolist()
    # Each document's place in the interview order (-1: not an interview), reached by position.
    rank = np.full(len(documents), -1, dtype=np.int64)
    rank[documents.index.get_indexer(docs.index)] = np.arange(len(ids))
    if "document_index" in codings:
        at = rank[codings["document_index"].to_numpy()]
    else:
        at = rank[np.maximum(pd.Index(documents["document_id"]).get_indexer(codings["document_id"]), 0)]
        at[pd.Index(documents["document_id"]).get_indexer(codings["document_id"]) < 0] = -1
    code = pd.factorize(codings[column])[0]
    keep = (at >= 0) & (code >= 0)
    first = pd.Series(at[keep]).groupby(code[keep]).min().to_numpy(dtype=np.int64)
    return ids, first
