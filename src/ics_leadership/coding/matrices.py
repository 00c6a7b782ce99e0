"""Code matrices: documents, cases (participants) and attribute values against codes.

The tables QDA users export from NVivo's matrix coding queries or ATLAS.ti's code-document
tables. Each cell counts the codings of a code *or any of its descendants* (roll-up, see
:mod:`.codetree`) in one document, one case or one value of an attribute; the presence version says
0 or 1. Rows come in the data's order (documents, cases sorted), columns in the code tree's.
Built with one grouped count over the rolled-up codings, not a filter per cell.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ics_leadership.coding.codetree import CodeTree
from ics_leadership.coding.format import ordered
from ics_leadership.coding.prevalence import document_index


def _counts(codings: pd.DataFrame, tree: CodeTree, rows: pd.Series, names: list[str]) -> np.ndarray:
    """len(names) x codes counts of rolled-up codings; ``rows`` gives each coding's row name."""
    k = len(tree.codes)
    codings = codings.reset_index(drop=True)
    row, hit = tree.roll_up_codings(codings)
    where = pd.Index(names).get_indexer(rows.reset_index(drop=True).astype("string"))[row]
    keep = where >= 0
    flat = np.bincount(where[keep] * k + hit[keep], minlength=len(names) * k)
    return flat.reshape(len(names), k)


def _count_at(codings: pd.DataFrame, tree: CodeTree, where: np.ndarray, rows: int) -> np.ndarray:
    """rows x codes counts of rolled-up codings; ``where``: each coding's row (-1: none)."""
    k = len(tree.codes)
    row, hit = tree.roll_up_codings(codings.reset_index(drop=True))
    at = np.asarray(where)[row]
    keep = at >= 0
    return np.bincount(at[keep] * k + hit[keep], minlength=rows * k).reshape(rows, k)


def _frame(counts: np.ndarray, names: list[str], index_name: str, tree: CodeTree) -> pd.DataFrame:
    frame = pd.DataFrame(counts, index=pd.Index(names, name=index_name), columns=list(tree.codes))
    return frame.reset_index()


def document_by_code(codings: pd.DataFrame, documents: pd.DataFrame, tree: CodeTree) -> pd.DataFrame:
    """Codings per document (rows: every document, uncoded ones too) and code (columns)."""
    names = list(documents["document_id"].to_numpy(dtype=object))
    return _frame(_count_at(codings, tree, document_index(codings, documents), len(names)), names, "document_id", tree)


def case_by_code(codings: pd.DataFrame, tree: CodeTree) -> pd.DataFrame:
    """Codings per case (participant; documents without one are left out) and code."""
    names = sorted(map(str, codings["participant_id"].dropna().unique().to_numpy(dtype=object).tolist()))
    return _frame(_counts(codings, tree, codings["participant_id"], names), names, "participant_id", tree)


def attribute_by_code(codings: pd.DataFrame, tree: CodeTree, attribute: str) -> pd.DataFrame:
    """Codings per value of a document attribute (rows) and code (columns); blank values left out."""
    values = codings[attribute] if attribute in codings else pd.Series(pd.NA, index=codings.index)
    preferred = tree.orders.get(attribute)
    names = ordered(values, list(preferred) if preferred else None)
    return _frame(_counts(codings, tree, values, names), names, attribute, tree)


def presence(matrix: pd.DataFrame) -> pd.DataFrame:
    """A count matrix as 0/1 (the first column, the row names, unchanged)."""
    out = matrix.copy()
    out.iloc[:, 1:] = (out.iloc[:, 1:] > 0).astype(int)
    return out
