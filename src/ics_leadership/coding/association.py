"""Is a top-level code associated with an attribute (a governance level)? Contingency tests with an effect size.

For each top-level code of the code tree (the paper's four contributions), participants are
cross-classified by the attribute and by whether they express the code or one of its descendants
(a 2 x k table); across top-level codes, coded segments are cross-classified by top-level code
and attribute value (a 4 x 3 table for the paper's contributions and levels; the values are
whatever the data hold). The test follows the counts: Pearson's chi-square
(statsmodels) when every expected count is at least 5, otherwise an exact test: Fisher's for a
2 x 2 table, a Monte Carlo permutation test of the chi-square statistic (fixed seed) for larger
ones. The effect size is Cramer's V.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ics_leadership.coding import spans
from ics_leadership.coding.coded import CodedData
from ics_leadership.coding.codetree import CodeTree
from ics_leadership.coding.format import ordered
from ics_leadership.coding.prevalence import participant_positions, participant_universe

MIN_EXPECTED = 5.0
PERMUTATIONS = 20000


def _chi2(observed: np.ndarray) -> float:
    n = observed.sum()
    expected = np.outer(observed.sum(1), observed.sum(0)) / n
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(expected > 0, (observed - expected) ** 2 / expected, 0.0)
    return float(terms.sum())


def cramers_v(observed: np.ndarray) -> float:
    """Cramer's V = sqrt(chi2 / (n (min(r, c) - 1))), without bias correction."""
    r, c = observed.shape
    n = observed.sum()
    if n == 0 or min(r, c) < 2:
        return float("nan")
    return float(np.sqrt(_chi2(observed) / (n * (min(r, c) - 1))))


def _permutation_p(observed: np.ndarray, seed: int, permutations: int) -> float:
    """P-value of the chi-square statistic under random reallocation with both margins fixed."""
    rows = np.repeat(np.arange(observed.shape[0]), observed.sum(1))
    cols = np.repeat(np.arange(observed.shape[1]), observed.sum(0))
    rng = np.random.default_rng(seed)
    stat = _chi2(observed)
    hits = 0
    shape = observed.shape
    for _ in range(permutations):
        table = np.zeros(shape)
        np.add.at(table, (rows, rng.permutation(cols)), 1)
        hits += _chi2(table) >= stat - 1e-12
    return (hits + 1) / (permutations + 1)


def test_table(observed: pd.DataFrame, seed: int = 2023, permutations: int = PERMUTATIONS) -> dict:
    """Test independence of rows and columns in a contingency table, choosing the test by the counts.

    Empty rows and columns are dropped first. Returns test, statistic, df, p_value, cramers_v,
    min_expected and n.
    """
    t = observed.loc[observed.sum(axis=1) > 0, observed.sum(axis=0) > 0].to_numpy(dtype=float)
    n = int(t.sum())
    if t.shape[0] < 2 or t.shape[1] < 2:
        return {
            "test": "not testable (a single row or column)",
            "statistic": np.nan,
            "df": np.nan,
            "p_value": np.nan,
            "cramers_v": np.nan,
            "min_expected": np.nan,
            "n": n,
        }
    # Imported on first use: scipy and statsmodels take ~0.4 s to load, which `summarise` then
    # pays after its work is split over two cores, not before.
    from scipy.stats import fisher_exact
    from statsmodels.stats.contingency_tables import Table

    # shift_zeros=False: the chi-square must use the observed counts, not counts with 0.5 added.
    result = Table(np.array(t, copy=True), shift_zeros=False).test_nominal_association()
    expected = np.outer(t.sum(1), t.sum(0)) / t.sum()
    min_expected = float(expected.min())
    out = {
        "statistic": float(result.statistic),
        "df": int(result.df),
        "cramers_v": cramers_v(t),
        "min_expected": min_expected,
        "n": n,
    }
    if min_expected >= MIN_EXPECTED:
        out.update(test="Pearson chi-square", p_value=float(result.pvalue))
    elif t.shape == (2, 2):
        out.update(test="Fisher exact", p_value=float(fisher_exact(t.astype(int)).pvalue))
    else:
        out.update(
            test=f"Monte Carlo exact ({permutations} permutations)",
            p_value=float(_permutation_p(t.astype(int), seed, permutations)),
        )
    return out


def by_attribute(
    coded: CodedData,
    codings: pd.DataFrame,
    tree: CodeTree,
    by: str = "level",
    seed: int = 2023,
    permutations: int = PERMUTATIONS,
    focus_group: str | None = None,
    people: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Association of each top-level code with the attribute ``by``, and of top-level code with it overall.

    ``codings`` are :func:`~ics_leadership.coding.prevalence.analysis_codings` (with the column
    ``tree.top_name``); participants are those of
    :func:`~ics_leadership.coding.prevalence.participant_universe` (``people``, when already computed).

    Returns
    -------
    (results, tables)
        ``results``: one row per test (unit "participants" per top-level code, and unit "coded
        segments" for all of them together; the first column is named ``tree.top_name``).
        ``tables``: the contingency tables tested, by name.
    """
    people = participant_universe(coded, focus_group) if people is None else people
    if by not in people:
        people = people.assign(**{by: pd.NA})
    # The tree's order of values when the data use only those, otherwise sorted (coding.format.ordered).
    preferred = tree.orders.get(by)
    values = ordered(people[by], list(preferred) if preferred else None)
    tops = [c for c in tree.codes if tree.parents.get(c) is None]
    top = tree.top_name
    # Each coding's top-level code and participant as integers, then distinct (participant, top) pairs.
    top_of = np.array([tops.index(tree.top(c)) for c in tree.codes], dtype=np.int64)
    own = codings["code_index"].to_numpy() if "code_index" in codings else tree.index_of(codings["code"])
    top_idx = np.where(own >= 0, top_of[np.maximum(own, 0)], -1) if len(tree.codes) else own
    person = participant_positions(codings, people)
    both = (person >= 0) & (top_idx >= 0)
    pairs = spans.distinct(person[both] * max(len(tops), 1) + top_idx[both])
    expresses = np.zeros((len(people), len(tops)), dtype=bool)
    expresses[pairs // max(len(tops), 1), pairs % max(len(tops), 1)] = True
    rows, tables = [], {}
    for t, code in enumerate(tops):
        table = pd.crosstab(
            pd.Series(np.where(expresses[:, t], "expresses", "does not")), people[by].reset_index(drop=True)
        )
        table = table.reindex(index=["expresses", "does not"], columns=values, fill_value=0)
        table.index.name, table.columns.name = None, by
        tables[f"participants: {tree.label(code)}"] = table
        rows.append({top: tree.label(code), "unit": "participants", **test_table(table, seed, permutations)})
    level_values = codings[by] if by in codings else pd.Series(pd.NA, index=codings.index)
    value_idx = pd.Index(values).get_indexer(level_values.astype("string")) if values else np.full(len(codings), -1)
    keep = (value_idx >= 0) & (top_idx >= 0)
    counts = np.bincount(top_idx[keep] * max(len(values), 1) + value_idx[keep], minlength=len(tops) * len(values))
    table = pd.DataFrame(
        counts.reshape(len(tops), len(values)),
        index=pd.Index([tree.label(c) for c in tops], name=top),
        columns=pd.Index(values, name=by),
    )
    tables["segments: all contributions" if top == "contribution" else f"segments: all {top.replace('_', ' ')}s"] = (
        table
    )
    everything = "all four" if len(tops) == 4 else f"all {len(tops)}"
    rows.append({top: everything, "unit": "coded segments", **test_table(table, seed, permutations)})
    return pd.DataFrame(rows), tables
