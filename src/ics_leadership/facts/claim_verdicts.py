"""The claims ledger's verdict rules on arrays of counts, for simulation.

:mod:`ics_leadership.facts.claim_tests` reaches the verdict on one claim from one set of coded
data. Planning a replication (:mod:`ics_leadership.facts.claim_power`) needs the same rules applied
to thousands of simulated outcomes at once, so this module states each rule again on integer counts
held in numpy arrays: who (or which documents) in each compared group show a code, and how many
there are. The rules are the ledger's, word for word (``tests/test_claim_power.py`` checks every
outcome of small groups against :mod:`~ics_leadership.facts.claim_tests` itself):

- an empty group, or a smallest group below ``rules.min_group_size``, is inconclusive;
- the two-group tests use the one-sided Fisher exact test in the observed direction, computed as
  :func:`scipy.stats.fisher_exact` computes it (the same hypergeometric formula, element by element);
- the descriptive tests compare shares, here by cross-multiplying counts, which decides exactly as
  the ledger's floating-point shares do (equal fractions divide to equal floats).

A verdict is an integer: :data:`CONSISTENT_CODE` (1), :data:`INCONCLUSIVE_CODE` (0) or
:data:`NOT_CONSISTENT_CODE` (-1); :data:`STATUS_OF` gives the ledger's words.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import hypergeom

from ics_leadership.facts.claim_tests import CONSISTENT, INCONCLUSIVE, NOT_CONSISTENT, Rules

CONSISTENT_CODE, INCONCLUSIVE_CODE, NOT_CONSISTENT_CODE = 1, 0, -1
STATUS_OF = {CONSISTENT_CODE: CONSISTENT, INCONCLUSIVE_CODE: INCONCLUSIVE, NOT_CONSISTENT_CODE: NOT_CONSISTENT}


def _verdict(consistent: np.ndarray, opposite: np.ndarray) -> np.ndarray:
    """The verdict codes: consistent where ``consistent``, not consistent where ``opposite``, else inconclusive."""
    verdict = np.where(consistent, CONSISTENT_CODE, np.where(opposite, NOT_CONSISTENT_CODE, INCONCLUSIVE_CODE))
    return verdict.astype(np.int8)


def _ints(*arrays: np.ndarray | int) -> list[np.ndarray]:
    return [np.asarray(a, dtype=np.int64) for a in np.broadcast_arrays(*arrays)]


def fisher_one_sided(k1: np.ndarray, n1: np.ndarray, k2: np.ndarray, n2: np.ndarray) -> np.ndarray:
    """p of the one-sided Fisher exact test of ``k1`` of ``n1`` against ``k2`` of ``n2``, in the
    direction observed ("less" when the first share is lower, else "greater"), elementwise.

    The table is ``[[k1, n1 - k1], [k2, n2 - k2]]``; a table with an empty row or column has p = 1,
    as :func:`scipy.stats.fisher_exact` gives.
    """
    k1, n1, k2, n2 = _ints(k1, n1, k2, n2)
    less = k1 * n2 < k2 * n1
    with np.errstate(all="ignore"):
        p_less = hypergeom.cdf(k1, n1 + n2, n1, k1 + k2)
        # scipy's "greater": the "less" formula on the table's second column.
        p_greater = hypergeom.cdf(n1 - k1, n1 + n2, n1, (n1 - k1) + (n2 - k2))
    p = np.where(less, p_less, p_greater)
    empty = (n1 == 0) | (n2 == 0) | (k1 + k2 == 0) | ((n1 - k1) + (n2 - k2) == 0)
    return np.minimum(np.where(empty, 1.0, p), 1.0)


def two_groups(k1: np.ndarray, n1: np.ndarray, k2: np.ndarray, n2: np.ndarray, rules: Rules) -> np.ndarray:
    """The verdict of a two-group claim (group 1 claimed higher): ``higher_prevalence``,
    ``more_documents_in_stage`` and ``cooccur_more_than_chance``."""
    k1, n1, k2, n2 = _ints(k1, n1, k2, n2)
    big_enough = (n1 > 0) & (n2 > 0) & (np.minimum(n1, n2) >= rules.min_group_size)
    significant = big_enough & (fisher_one_sided(k1, n1, k2, n2) < rules.alpha)
    sign = np.sign(k1 * n2 - k2 * n1)
    return _verdict(significant & (sign > 0), significant & (sign < 0))


def present_at_all(k: np.ndarray, n: np.ndarray, rules: Rules) -> np.ndarray:
    """The verdict of ``present_at_all_levels``: ``k`` and ``n`` with the levels on the last axis."""
    k, n = _ints(k, n)
    decided = ~(n < rules.min_group_size).any(axis=-1)
    nobody = (k == 0).any(axis=-1)
    return _verdict(decided & ~nobody, decided & nobody)


def highest_at(k: np.ndarray, n: np.ndarray, named: int, rules: Rules) -> np.ndarray:
    """The verdict of ``highest_at``: is level ``named`` (an index on the last axis) strictly highest?"""
    k, n = _ints(k, n)
    others = [i for i in range(k.shape[-1]) if i != named]
    # share(named) - share(other), signed without division: k_named * n_other - k_other * n_named
    diff = k[..., [named]] * n[..., others] - k[..., others] * n[..., [named]]
    undecided = (n < rules.min_group_size).any(axis=-1) | (n == 0).any(axis=-1)
    return _verdict(~undecided & (diff > 0).all(axis=-1), ~undecided & (diff < 0).any(axis=-1))


def among_top(k: np.ndarray, n: np.ndarray, named: np.ndarray, top: int, rules: Rules) -> np.ndarray:
    """The verdict of ``among_top_at_level``: ``k`` holds every contribution's count on the last axis
    (one level, so one group size ``n``), ``named`` marks the claimed ones, ``top`` is the claim's k.

    The named contributions are among the ``top`` most prevalent when the least prevalent of them is
    above the (top - m + 1)-th most prevalent other contribution (m named); a tie is inconclusive.
    """
    k, named = np.asarray(k, dtype=np.int64), np.asarray(named, dtype=bool)
    n = np.asarray(n, dtype=np.int64)
    rank = top - int(named.sum())
    others = np.sort(k[..., ~named], axis=-1)[..., ::-1]
    if rank >= others.shape[-1]:  # pragma: no cover - load_claims refuses such a k
        return np.zeros(np.broadcast_shapes(k.shape[:-1], n.shape), dtype=np.int8)
    sign = np.sign(k[..., named].min(axis=-1) - others[..., rank])
    decided = (n >= rules.min_group_size) & (n > 0)
    return _verdict(decided & (sign > 0), decided & (sign < 0))
