"""Where two coders of a document differ: every span one applied a code to and the other did not.

The list coders adjudicate from after a reliability check. For each document coded by two or more
coders, each pair of them and each code: the characters inside one coder's codings of the code and
outside the other's, as maximal spans ``[start, end)``, with who applied the code. Computed with
one sweep over sorted span ends (no per-character mask), so its cost follows the number of codings.

Excerpts are added only on request (:func:`add_excerpts`, ``summarise --excerpts``): they are the
coded text itself, which stays in the user's own output folder and never reaches the book.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ics_leadership.coding import spans
from ics_leadership.coding.agreement import pair_up
from ics_leadership.coding.codetree import CodeTree

COLUMNS = ["document_id", "coders", "code", "start", "end", "characters", "applied_by", "not_applied_by"]


def disagreements(
    codings: pd.DataFrame, tree: CodeTree, paired: tuple[pd.DataFrame, pd.DataFrame] | None = None
) -> pd.DataFrame:
    """Every span where the coders of a pair differ on a code (codes of ``tree``, as coded: no roll-up).

    Rows are sorted by document, coder pair, code (tree order) and start. ``paired``:
    :func:`ics_leadership.coding.agreement.pair_up` of ``codings``, when the caller has it already.
    """
    pairs, rows = paired if paired is not None else pair_up(codings)
    codes = pd.Index(tree.codes)
    k = len(codes)
    if pairs.empty or k == 0:
        return pd.DataFrame(columns=COLUMNS)
    row = rows["row"].to_numpy()
    code = codes.get_indexer(codings["code"])[row]
    keep = code >= 0
    row = row[keep]
    cell = rows["pair"].to_numpy(dtype=np.int64)[keep] * k + code[keep]
    side = rows["side"].to_numpy(dtype=np.int64)[keep]
    merged = spans.merge(cell * 2 + side, codings["start"].to_numpy()[row], codings["end"].to_numpy()[row])
    # Each coder's coverage of a cell as +1 at a unit's start and -1 at its end; swept in position
    # order, the running sums say who covers each stretch between consecutive positions.
    unit_cell, unit_side = merged.group // 2, merged.group % 2
    n = unit_cell.size
    ev_cell = np.concatenate([unit_cell, unit_cell])
    ev_pos = np.concatenate([merged.start, merged.end])
    ev_a = np.concatenate([(unit_side == 0).astype(np.int64), -(unit_side == 0).astype(np.int64)])
    ev_b = np.concatenate([(unit_side == 1).astype(np.int64), -(unit_side == 1).astype(np.int64)])
    order = np.lexsort((ev_pos, ev_cell))
    ev_cell, ev_pos = ev_cell[order], ev_pos[order]
    depth_a, depth_b = np.cumsum(ev_a[order]), np.cumsum(ev_b[order])  # each cell sums to 0: no reset needed
    if 2 * n < 2:
        return pd.DataFrame(columns=COLUMNS)
    same_cell = ev_cell[:-1] == ev_cell[1:]
    only = (depth_a[:-1] > 0) != (depth_b[:-1] > 0)
    stretch = same_cell & only & (ev_pos[:-1] < ev_pos[1:])
    at = np.flatnonzero(stretch)
    s_cell, s_start, s_end = ev_cell[at], ev_pos[at], ev_pos[at + 1]
    s_by_a = depth_a[at] > 0
    # Stretches that touch, in one cell and by the same coder, are one span.
    new = np.ones(at.size, dtype=bool)
    new[1:] = (s_cell[1:] != s_cell[:-1]) | (s_start[1:] != s_end[:-1]) | (s_by_a[1:] != s_by_a[:-1])
    firsts = np.flatnonzero(new)
    lasts = np.append(firsts[1:] - 1, at.size - 1)
    cell_of, start, end, by_a = s_cell[firsts], s_start[firsts], s_end[lasts], s_by_a[firsts]
    pair = pairs.iloc[cell_of // k]
    coder_a, coder_b = pair["coder_a"].to_numpy(dtype=object), pair["coder_b"].to_numpy(dtype=object)
    return pd.DataFrame(
        {
            "document_id": pair["document_id"].to_numpy(dtype=object),
            "coders": (pair["coder_a"].astype(str) + " / " + pair["coder_b"].astype(str)).to_numpy(dtype=object),
            "code": codes.to_numpy(dtype=object)[cell_of % k],
            "start": start,
            "end": end,
            "characters": end - start,
            "applied_by": np.where(by_a, coder_a, coder_b),
            "not_applied_by": np.where(by_a, coder_b, coder_a),
        },
        columns=COLUMNS,
    )


def add_excerpts(table: pd.DataFrame, codings: pd.DataFrame) -> pd.DataFrame:
    """``table`` with an ``excerpt`` column: the disagreed text, cut from the coder's own excerpt.

    The text is taken from a coding of the applying coder and code that contains the whole span and
    whose excerpt is complete (as long as its span). Blank where there is none: a span across two
    overlapping codings, or an import without source text (whose excerpts are cut short).
    """
    if table.empty or "excerpt" not in codings:
        return table.assign(excerpt=pd.Series(dtype="string"))
    have = codings[["document_id", "coder", "code", "start", "end", "excerpt"]].dropna(subset=["excerpt"])
    have = have[have["excerpt"].str.len() == have["end"] - have["start"]]
    candidates = table.reset_index().merge(
        have.rename(columns={"start": "c_start", "end": "c_end", "coder": "applied_by"}),
        on=["document_id", "applied_by", "code"],
    )
    inside = candidates[(candidates["c_start"] <= candidates["start"]) & (candidates["c_end"] >= candidates["end"])]
    inside = inside.drop_duplicates("index")
    text = [
        e[s - cs : t - cs]
        for e, s, t, cs in zip(inside["excerpt"], inside["start"], inside["end"], inside["c_start"], strict=True)
    ]
    found = pd.Series(text, index=inside["index"].to_numpy(), dtype="string")
    return table.assign(excerpt=found.reindex(table.index))
