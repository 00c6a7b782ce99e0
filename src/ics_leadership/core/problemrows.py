"""Problems found by whole-column checks, listed in row order and at most a few of each kind.

A check on a table of a million rows finds the rows it objects to as an array, not one at a time.
:class:`RowProblems` turns such arrays into :class:`~ics_leadership.core.errors.Problem` objects in
the order a row-by-row reading would have found them (by row, then by the check's place in that
reading), building a message only for the rows it lists. Of each kind of problem (one check on one
field) it lists the first :data:`LISTED_PER_KIND` rows; the rest are counted in one further problem,
placed after the problems of the last row listed, saying how many more rows there are and which is
the next, so that a file broken on every row gives a short, readable list that still names every
kind of problem.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ics_leadership.core.errors import Problem

#: Rows listed for each kind of problem; the others are counted in one problem after them.
LISTED_PER_KIND = 20


@dataclass
class RowProblems:
    """Problems of one file, gathered kind by kind and returned in reading order.

    Parameters
    ----------
    file
        The file as shown to the user.
    limit
        Rows listed for each kind of problem.
    """

    file: str
    limit: int = LISTED_PER_KIND
    _found: list[tuple[int, int, int, int, Problem]] = field(default_factory=list)

    def add(
        self,
        rows: np.ndarray,
        message: Callable[[int], str],
        *,
        field: str | None,
        order: int,
        more: str,
    ) -> None:
        """Add one kind of problem found at ``rows``.

        Parameters
        ----------
        rows
            1-based data rows with this problem, ascending.
        message
            The message for the ``i``-th of ``rows`` (called only for the rows listed).
        field
            The field named by every problem of this kind.
        order
            Where this check comes, within one row, in a row-by-row reading (lower first).
        more
            What the rows not listed are, for the problem counting them ("rows where it is blank").
        """
        rows = np.asarray(rows, dtype=np.int64)
        listed = min(len(rows), self.limit)
        seq = len(self._found)
        for i in range(listed):
            row = int(rows[i])
            problem = Problem(self.file, message(i), row=row, field=field)
            self._found.append((row, 0, order, seq + i, problem))
        if len(rows) > listed:
            last, nxt = int(rows[listed - 1]), int(rows[listed])
            problem = Problem(
                self.file,
                f"... and {len(rows) - listed} more {more} (not listed; the next is row {nxt}, line {nxt + 1})",
                field=field,
            )
            self._found.append((last, 1, order, seq + listed, problem))

    def problems(self) -> list[Problem]:
        """Every problem added, by row, then by the check's order; a count after its kind's last row listed."""
        return [entry[-1] for entry in sorted(self._found, key=lambda entry: entry[:4])]
