"""Array operations on coded spans: merging overlaps, union lengths, overlapping pairs.

Every analysis of span positions (agreement, co-occurrence, coverage, roll-up to parent codes) is
built on these few operations, each a sort followed by numpy sweeps, so that its cost grows with
the number of codings (times a log for the sort) instead of with documents x codings, as loops
filtering one document and one code at a time did.

Spans are half-open character ranges ``[start, end)`` with ``end > start`` (the canonical format
guarantees it). A *group* is an integer per span saying which spans belong together (one document
and code, one document and coder, ...); spans of different groups never merge or pair.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

#: How many overlapping pairs :func:`overlapping_pairs` materialises at once (bounds its memory).
PAIR_CHUNK = 4_000_000


#: Largest key range :func:`distinct` marks in a table of flags instead of sorting.
FLAG_RANGE = 64_000_000


def distinct(keys: np.ndarray) -> np.ndarray:
    """The distinct non-negative integer ``keys``, sorted.

    Small ranges (the usual: code x document or code x participant keys) are marked in a table of
    flags, linear in the keys; larger ones are sorted. Both are faster here than ``np.unique``,
    which hashes.
    """
    keys = np.asarray(keys, dtype=np.int64)
    if keys.size == 0:
        return keys
    top = int(keys.max())
    if top < FLAG_RANGE:
        seen = np.zeros(top + 1, dtype=bool)
        seen[keys] = True
        return np.flatnonzero(seen)
    ordered = np.sort(keys)
    return ordered[np.concatenate([[True], ordered[1:] != ordered[:-1]])]


def _order(group: np.ndarray, start: np.ndarray, stride: int) -> np.ndarray:
    """Positions sorting spans by group, then start (ties kept in input order).

    One stable sort of the combined key ``group * stride + start``, several times faster than
    ``np.lexsort`` on two keys; the two-key sort stays for keys that would not fit in 63 bits.
    """
    if int(group.max(initial=0)) < (2**62) // stride:
        return np.argsort(group * stride + start, kind="stable")
    return np.lexsort((start, group))


@dataclass(frozen=True)
class Merged:
    """Spans merged where they overlap, within each group.

    ``unit_of``: for each input span, the index of the merged span (unit) that contains it.
    ``group``, ``start``, ``end``: the units, sorted by group and start. Spans that only touch
    (``[0, 5)`` and ``[5, 9)``) stay separate units, as two coded passages that meet.
    """

    unit_of: np.ndarray
    group: np.ndarray
    start: np.ndarray
    end: np.ndarray

    @property
    def lengths(self) -> np.ndarray:
        return self.end - self.start

    def union_length(self, groups: int) -> np.ndarray:
        """Characters covered in each group ``0 .. groups - 1`` (0 for a group without spans)."""
        return np.bincount(self.group, weights=self.lengths, minlength=groups).astype(np.int64)

    def units(self, groups: int) -> np.ndarray:
        """Number of merged spans in each group ``0 .. groups - 1``."""
        return np.bincount(self.group, minlength=groups).astype(np.int64)


def merge(group: np.ndarray, start: np.ndarray, end: np.ndarray) -> Merged:
    """Merge overlapping spans within each group (a sort and a running maximum; no loop).

    Examples
    --------
    >>> m = merge(np.array([0, 0, 0, 1]), np.array([0, 3, 10, 0]), np.array([5, 8, 12, 4]))
    >>> m.start.tolist(), m.end.tolist(), m.group.tolist(), m.unit_of.tolist()
    ([0, 10, 0], [8, 12, 4], [0, 0, 1], [0, 0, 1, 2])
    """
    group, start, end = (np.asarray(a, dtype=np.int64) for a in (group, start, end))
    n = group.size
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Merged(empty, empty, empty, empty)
    # Offsetting every group by a stride larger than any end lets one global running maximum act
    # as a running maximum per group: a later group's values always exceed an earlier group's.
    stride = int(end.max()) + 1
    order = _order(group, start, stride)
    g = group[order]
    s = g * stride + start[order]
    e = g * stride + end[order]
    reach = np.maximum.accumulate(e)
    new = np.empty(n, dtype=bool)
    new[0] = True
    new[1:] = s[1:] >= reach[:-1]  # strictly after everything before it: a new unit
    unit_sorted = np.cumsum(new) - 1
    firsts = np.flatnonzero(new)
    lasts = np.append(firsts[1:] - 1, n - 1)
    unit_group = g[firsts]
    unit_of = np.empty(n, dtype=np.int64)
    unit_of[order] = unit_sorted
    return Merged(
        unit_of=unit_of,
        group=unit_group,
        start=s[firsts] - unit_group * stride,
        end=reach[lasts] - unit_group * stride,
    )


def overlapping_pairs(
    group: np.ndarray, start: np.ndarray, end: np.ndarray, chunk: int = PAIR_CHUNK
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Every pair of spans of one group that overlap (``s1 < e2`` and ``s2 < e1``), as index arrays.

    Yields ``(i, j)`` arrays of row indices into the inputs, each unordered pair once, in chunks of
    at most about ``chunk`` pairs, so that memory stays bounded however many pairs there are. The
    work is proportional to the number of spans plus the number of pairs.

    Examples
    --------
    >>> pairs = list(overlapping_pairs(np.array([0, 0, 0, 1]), np.array([0, 2, 5, 0]), np.array([4, 6, 9, 9])))
    >>> sorted(zip(*(np.concatenate(p).tolist() for p in zip(*pairs))))
    [(0, 1), (1, 2)]
    """
    group, start, end = (np.asarray(a, dtype=np.int64) for a in (group, start, end))
    n = group.size
    if n < 2:
        return
    stride = int(end.max()) + 1
    order = _order(group, start, stride)
    s = group[order] * stride + start[order]
    e = group[order] * stride + end[order]
    # Sorted by start: the spans overlapping span k from the right are those after it that start
    # before it ends, a contiguous run k+1 .. stop[k]-1 (an end never reaches the next group).
    stop = np.searchsorted(s, e, side="left")
    counts = stop - np.arange(1, n + 1)
    counts[counts < 0] = 0
    cum = np.cumsum(counts)
    first = 0
    while first < n:
        # Take rows first..last so that their pairs number about `chunk` (at least one row).
        base = cum[first - 1] if first else 0
        last = max(int(np.searchsorted(cum, base + chunk, side="right")), first + 1)
        last = min(last, n)
        c = counts[first:last]
        total = int(c.sum())
        if total:
            left = np.repeat(np.arange(first, last), c)
            # Offsets 1, 2, ... within each row's run.
            run_starts = np.repeat(np.cumsum(c) - c, c)
            right = left + 1 + (np.arange(total) - run_starts)
            yield order[left], order[right]
        first = last
