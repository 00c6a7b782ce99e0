"""The study sample: Table 1 rebuilt from ``participants.csv`` and its composition.

Functions take the validated participants frame (see :func:`ics_leadership.facts.raw.load_participants`)
and return tidy or display-ready frames; nothing here reads or writes files or draws. The figures
drawn from these frames (and their alt text) are in :mod:`ics_leadership.figures.sample`.
"""

from __future__ import annotations

import pandas as pd

from ics_leadership.facts.vocabulary import LEVELS, SITES
from ics_leadership.planning import frame as frames

FOLLOW_UP_MARK = "*"
SITE_LABELS = {s: f"STP {s}" for s in SITES}
LEVEL_LABELS = {lvl: lvl.capitalize() for lvl in LEVELS}


def table1_entries(participants: pd.DataFrame) -> dict[tuple[str, str], list[str]]:
    """Table 1's cells as lists of entries, keyed by (level, site).

    An entry is the role as printed in the paper, followed by ``*`` when the person (or anyone in
    a grouped entry) was interviewed more than once. Grouped entries such as "GP Network
    Representatives (3)" appear once, however many rows they stand for. Order follows the file.
    """
    cells: dict[tuple[str, str], list[str]] = {(lvl, s): [] for lvl in LEVELS for s in SITES}
    grouped = participants.groupby(["level", "site", "role_as_printed"], sort=False, observed=True)
    for (level, site, printed), group in grouped:
        mark = FOLLOW_UP_MARK if bool(group["follow_up"].any()) else ""
        cells[(level, site)].append(f"{printed}{mark}")
    return cells


def build_table1(participants: pd.DataFrame, sep: str = "; ") -> pd.DataFrame:
    """Table 1 of the paper, rebuilt: governance level by STP, cells listing roles.

    Parameters
    ----------
    participants
        Validated participants frame.
    sep
        How entries in one cell are joined (``"; "`` for CSV, ``"<br>"`` for HTML).

    Returns
    -------
    pandas.DataFrame
        Index "Executive", "Thematic", "Project", "Total"; one column per STP. The Total row holds
        head counts, as in the paper.
    """
    cells = table1_entries(participants)
    table = pd.DataFrame(
        {SITE_LABELS[s]: [sep.join(cells[(lvl, s)]) for lvl in LEVELS] for s in SITES},
        index=pd.Index([LEVEL_LABELS[lvl] for lvl in LEVELS], name="Level"),
    )
    totals = participants["site"].value_counts()
    table.loc["Total"] = [str(int(totals.get(s, 0))) for s in SITES]
    return table


def counts(
    participants: pd.DataFrame, rows: str, cols: str, margins: bool = True, labels: bool = False
) -> pd.DataFrame:
    """Head counts of ``rows`` by ``cols`` with totals, in the schema's natural order.

    With ``labels=True`` the categories are spelled for readers ("STP A", "Executive") and the
    axes are named ("STP", "Level", "Profession"); otherwise the raw codes are kept.
    """
    order = {"site": list(SITES), "level": list(LEVELS)}
    table = pd.crosstab(
        participants[rows].astype(str), participants[cols].astype(str), margins=margins, margins_name="Total"
    )
    row_order = [r for r in order.get(rows, sorted(participants[rows].unique())) if r in table.index]
    col_order = [c for c in order.get(cols, sorted(participants[cols].unique())) if c in table.columns]
    if margins:
        row_order.append("Total")
        col_order.append("Total")
    table = table.loc[row_order, col_order]
    table.index.name, table.columns.name = rows, cols
    if labels:
        table = table.rename(index=_reader_label, columns=_reader_label)
        table.index.name, table.columns.name = _AXIS_NAMES.get(rows, rows), _AXIS_NAMES.get(cols, cols)
    return table


_AXIS_NAMES = {"site": "STP", "level": "Level", "profession": "Profession"}


def _reader_label(code: str) -> str:
    if code in SITE_LABELS:
        return SITE_LABELS[code]
    if code in LEVEL_LABELS:
        return LEVEL_LABELS[code]
    return code[:1].upper() + code[1:]


def composition(participants: pd.DataFrame) -> pd.DataFrame:
    """Tidy head counts by site, level and profession (one row per non-empty combination)."""
    tidy = participants.groupby(["site", "level", "profession"], observed=True).size().rename("n").reset_index()
    tidy["site"] = pd.Categorical(tidy["site"].astype(str), categories=SITES, ordered=True)
    tidy["level"] = pd.Categorical(tidy["level"].astype(str), categories=LEVELS, ordered=True)
    tidy["profession"] = tidy["profession"].astype(str)
    return tidy.sort_values(["site", "level", "profession"]).reset_index(drop=True)


def sample_summary(participants: pd.DataFrame) -> dict[str, int]:
    """Numbers quoted in the book's prose, computed from the roster."""
    return {
        "n_leaders": int(len(participants)),
        "n_sites": int(participants["site"].nunique()),
        "n_follow_up": int(participants["follow_up"].sum()),
        "n_executive": int((participants["level"] == "executive").sum()),
        "n_thematic": int((participants["level"] == "thematic").sum()),
        "n_project": int((participants["level"] == "project").sum()),
        "n_roles_printed": int(participants[["site", "level", "role_as_printed"]].drop_duplicates().shape[0]),
        "n_professions": int(participants["profession"].nunique()),
    }


#: What :func:`paper_design` says it was made from (the frame's README and the plan outputs quote it).
FRAME_SOURCE = "the paper's Table 1 (data/raw/participants.csv)"


def sampling_frame(participants: pd.DataFrame) -> pd.DataFrame:
    """The paper's design as a sampling frame (:data:`ics_leadership.planning.frame.FRAME`), one row per
    leader: :func:`paper_design`'s frame."""
    return paper_design(participants).frame


def paper_design(participants: pd.DataFrame) -> frames.Design:
    """The paper's design (Table 1's leaders by site and tier) as a :class:`~ics_leadership.planning.frame.Design`.

    Typed as :func:`ics_leadership.planning.frame.read_frame` reads a frame (write it with
    :func:`ics_leadership.planning.frame.as_written`; reading that file back gives the same design).

    Tiers are Table 1's levels and the rows keep its order; ``follow_up`` is its asterisk. Table 1
    gives no stage of change per leader, so ``stage`` is blank; ``notes`` keeps the entry as printed
    where it groups several leaders ("GP Network Representatives (3)").
    """
    grouped = participants["role_as_printed"] != participants["role"]
    frame = pd.DataFrame(
        {
            "site": participants["site"].astype(str),
            "tier": participants["level"].astype(str),
            "role": participants["role"].astype(str),
            "profession": participants["profession"].astype(str),
            "leaders": 1,
            "follow_up": participants["follow_up"].astype(bool),
            "stage": pd.NA,
            "notes": ["Table 1: " + str(p) if g else pd.NA for p, g in zip(participants["role_as_printed"], grouped)],
        }
    )
    return frames.design_from_frame(frame, FRAME_SOURCE)
