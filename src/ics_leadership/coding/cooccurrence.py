"""Which activities occur together: in overlapping spans, and in the same document."""

from __future__ import annotations

import numpy as np
import pandas as pd


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


def long_form(matrix: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Upper triangle (with diagonal) of a symmetric matrix as rows: code_a, code_b, kind, count."""
    rows = []
    codes = list(matrix.index)
    for i, a in enumerate(codes):
        for b in codes[i:]:
            rows.append({"code_a": a, "code_b": b, "kind": kind, "count": int(matrix.loc[a, b])})
    return pd.DataFrame(rows)
