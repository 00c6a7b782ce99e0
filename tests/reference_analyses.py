"""The analyses as they were written first: simple loops, slow on large data, easy to check by eye.

The vectorised analyses in :mod:`ics_leadership.coding` must agree with these on any corpus; the
property tests (tests/test_vectorised_equivalence.py) compare them on random corpora. Kept as
they were at commit 6086e82 (only renamed), not used by the package.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from ics_leadership.coding.agreement import cohen_kappa_binary, krippendorff_alpha
from ics_leadership.coding.saturation import Saturation


def _mask(spans: pd.DataFrame, n_chars: int) -> np.ndarray:
    mask = np.zeros(n_chars, dtype=bool)
    for s, e in zip(spans["start"], spans["end"]):
        mask[int(s) : int(e)] = True
    return mask


def character_kappa(spans_a: pd.DataFrame, spans_b: pd.DataFrame, n_chars: int) -> tuple[float, float]:
    """Character-level (kappa, percent agreement) for one code in one document."""
    a, b = _mask(spans_a, n_chars), _mask(spans_b, n_chars)
    return cohen_kappa_binary(a, b), float(np.mean(a == b)) if n_chars else float("nan")


def merged_units(spans: pd.DataFrame) -> list[tuple[int, int]]:
    """Merge overlapping [start, end) spans into units."""
    units: list[list[int]] = []
    for s, e in sorted(zip(spans["start"].astype(int), spans["end"].astype(int))):
        if units and s < units[-1][1]:
            units[-1][1] = max(units[-1][1], e)
        else:
            units.append([s, e])
    return [(s, e) for s, e in units]


def agreement(codings: pd.DataFrame, documents: pd.DataFrame, codes: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Agreement per code over every document coded by two or more coders (each pair of coders).

    Returns
    -------
    (by_code, by_document)
        ``by_code``: code, coder pair, documents, kappa (character level, NVivo style, weighted by
        length), percent_agreement (character level), units, segment_kappa, krippendorff_alpha,
        segment_percent_agreement. ``by_document``: the character-level figures per code and document.
    """
    length = dict(zip(documents["document_id"], documents["n_chars"].astype(int)))
    per_doc, segment_rows = [], {}
    coders_by_doc = codings.groupby("document_id")["coder"].unique()
    for doc_id, coders in coders_by_doc.items():
        if len(coders) < 2:
            continue
        doc = codings[codings["document_id"] == doc_id]
        for ca, cb in combinations(sorted(coders), 2):
            da, db = doc[doc["coder"] == ca], doc[doc["coder"] == cb]
            units = merged_units(pd.concat([da, db]))
            for code in codes:
                sa, sb = da[da["code"] == code], db[db["code"] == code]
                kappa, pct = character_kappa(sa, sb, length[doc_id])
                per_doc.append(
                    {
                        "code": code,
                        "coders": f"{ca} / {cb}",
                        "document_id": doc_id,
                        "n_chars": length[doc_id],
                        "kappa": kappa,
                        "percent_agreement": pct,
                        "coded_by_either": bool(len(sa) or len(sb)),
                    }
                )
                seg = segment_rows.setdefault((code, f"{ca} / {cb}"), ([], []))
                for s, e in units:
                    seg[0].append(bool(((sa["start"] < e) & (sa["end"] > s)).any()))
                    seg[1].append(bool(((sb["start"] < e) & (sb["end"] > s)).any()))
    by_document = pd.DataFrame(
        per_doc, columns=["code", "coders", "document_id", "n_chars", "kappa", "percent_agreement", "coded_by_either"]
    )
    rows = []
    for (code, pair), group in by_document.groupby(["code", "coders"], sort=False):
        weights = group["n_chars"].astype(float)
        a, b = (np.array(x) for x in segment_rows[(code, pair)])
        rows.append(
            {
                "code": code,
                "coders": pair,
                "documents": int(len(group)),
                "kappa": float(np.average(group["kappa"], weights=weights)),
                "percent_agreement": float(np.average(group["percent_agreement"], weights=weights)),
                "units": int(a.size),
                "segment_kappa": cohen_kappa_binary(a, b),
                "krippendorff_alpha": krippendorff_alpha(a, b),
                "segment_percent_agreement": float(np.mean(a == b)) if a.size else float("nan"),
            }
        )
    return pd.DataFrame(rows), by_document


def overlap_counts(codings: pd.DataFrame, codes: list[str], column: str = "code") -> pd.DataFrame:
    """Pairs of codings with different codes whose spans overlap, by code pair (symmetric matrix).

    Two spans [s1, e1) and [s2, e2) of one document overlap when s1 < e2 and s2 < e1. The diagonal
    is zero: a code does not co-occur with itself.
    """
    index = {c: i for i, c in enumerate(codes)}
    matrix = np.zeros((len(codes), len(codes)), dtype=int)
    for _, doc in codings.groupby("document_id", sort=False):
        doc = doc.sort_values("start")
        starts, ends, labels = doc["start"].to_numpy(), doc["end"].to_numpy(), doc[column].to_numpy()
        for i in range(len(doc)):
            for j in range(i + 1, len(doc)):
                if starts[j] >= ends[i]:
                    break  # sorted by start: no later span can overlap span i
                a, b = labels[i], labels[j]
                if a != b and a in index and b in index:
                    matrix[index[a], index[b]] += 1
                    matrix[index[b], index[a]] += 1
    return pd.DataFrame(matrix, index=codes, columns=codes)


def document_counts(codings: pd.DataFrame, codes: list[str], column: str = "code") -> pd.DataFrame:
    """Documents in which both codes occur, by code pair; the diagonal counts documents with the code."""
    present = (pd.crosstab(codings["document_id"], codings[column]) > 0).reindex(columns=codes, fill_value=False)
    m = present.to_numpy(dtype=int)
    return pd.DataFrame(m.T @ m, index=codes, columns=codes)


def saturation_runs(
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
