"""Which activities occur together: in overlapping spans, and in the same document.

Both are computed on arrays: overlapping pairs come from one sort per corpus
(:func:`ics_leadership.coding.spans.overlapping_pairs`), documents per code pair from a presence
matrix, so the cost grows with the number of codings (plus the number of overlapping pairs).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ics_leadership.coding import spans


def overlap_counts(codings: pd.DataFrame, codes: list[str], column: str = "code") -> pd.DataFrame:
    """Pairs of codings with different codes whose spans overlap, by code pair (symmetric matrix).

    Two spans [s1, e1) and [s2, e2) of one document overlap when s1 < e2 and s2 < e1. The diagonal
    is zero: a code does not co-occur with itself.
    """
    k = len(codes)
    matrix = np.zeros(k * k, dtype=np.int64)
    code = pd.Index(codes).get_indexer(codings[column])
    mine = codings[code >= 0]
    code = code[code >= 0]
    if len(mine) > 1:
        group = pd.factorize(mine["document_id"])[0]
        for i, j in spans.overlapping_pairs(group, mine["start"], mine["end"]):
            a, b = code[i], code[j]
            differ = a != b
            matrix += np.bincount(a[differ] * k + b[differ], minlength=k * k)
    matrix = matrix.reshape(k, k)
    return pd.DataFrame(matrix + matrix.T, index=codes, columns=codes)


def document_counts(codings: pd.DataFrame, codes: list[str], column: str = "code") -> pd.DataFrame:
    """Documents in which both codes occur, by code pair; the diagonal counts documents with the code."""
    k = len(codes)
    code = pd.Index(codes).get_indexer(codings[column])
    mine = code >= 0
    doc = pd.factorize(codings["document_id"][mine])[0]
    present = np.zeros((doc.max() + 1 if doc.size else 0, k), dtype=np.int64)
    present[doc, code[mine]] = 1
    return pd.DataFrame(present.T @ present, index=codes, columns=codes)


def long_form(matrix: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Upper triangle (with diagonal) of a symmetric matrix as rows: code_a, code_b, kind, count."""
    codes = list(matrix.index)
    i, j = np.triu_indices(len(codes))
    return pd.DataFrame(
        {
            "code_a": np.asarray(codes, dtype=object)[i],
            "code_b": np.asarray(codes, dtype=object)[j],
            "kind": kind,
            "count": matrix.to_numpy()[i, j].astype(int),
        }
    )
