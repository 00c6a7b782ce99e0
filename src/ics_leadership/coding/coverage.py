"""Coverage: the share of each document's characters that are coded, per code and overall.

NVivo and ATLAS.ti report it as "coverage %". A character counts once however many codings cover
it: spans are merged first (:mod:`.spans`), per document and code (with its descendants: a parent
covers what its children cover) and, for the overall share, per document across all codes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ics_leadership.coding import spans
from ics_leadership.coding.codetree import CodeTree
from ics_leadership.coding.prevalence import document_index

#: The ``code`` value of the overall rows.
ANY_CODE = "(any code)"
COLUMNS = ["document_id", "code", "characters_coded", "n_chars", "coverage"]


def coverage(codings: pd.DataFrame, documents: pd.DataFrame, tree: CodeTree) -> pd.DataFrame:
    """One row per document and code with at least one coding, plus one overall row per document.

    Columns: document_id, code (or :data:`ANY_CODE`), characters_coded, n_chars, coverage
    (characters_coded / n_chars; NaN for an empty document). Documents in the data's order; within
    one, the overall row first, then codes in the tree's order.
    """
    codings = codings.reset_index(drop=True)
    k = len(tree.codes)
    names = pd.Index(documents["document_id"].to_numpy(dtype=object))
    n_chars = documents["n_chars"].to_numpy(dtype=np.int64)
    doc = document_index(codings, documents)
    start, end = codings["start"].to_numpy(dtype=np.int64), codings["end"].to_numpy(dtype=np.int64)
    known = doc >= 0
    overall = spans.merge(doc[known], start[known], end[known]).union_length(len(names))
    row, hit = tree.roll_up_codings(codings)
    row, hit = row[known[row]], hit[known[row]]
    per_code = spans.merge(doc[row] * k + hit, start[row], end[row])
    cells = np.flatnonzero(per_code.union_length(len(names) * k)) if k else np.zeros(0, dtype=np.int64)
    covered = per_code.union_length(len(names) * k)[cells] if k else np.zeros(0, dtype=np.int64)
    rows = pd.DataFrame(
        {
            "doc": np.concatenate([np.arange(len(names)), cells // max(k, 1)]),
            "order": np.concatenate([np.full(len(names), -1), cells % max(k, 1)]),
            "characters_coded": np.concatenate([overall, covered]),
        }
    ).sort_values(["doc", "order"], kind="stable")
    codes = np.asarray(tree.codes, dtype=object)
    doc_index = rows["doc"].to_numpy()
    order = rows["order"].to_numpy()
    length = n_chars[doc_index]
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(length > 0, rows["characters_coded"].to_numpy() / np.where(length > 0, length, 1), np.nan)
    return pd.DataFrame(
        {
            "document_id": names.to_numpy(dtype=object)[doc_index],
            "code": np.where(order < 0, ANY_CODE, codes[np.maximum(order, 0)] if k else ANY_CODE),
            "characters_coded": rows["characters_coded"].to_numpy(dtype=np.int64),
            "n_chars": length,
            "coverage": share,
        },
        columns=COLUMNS,
    )
