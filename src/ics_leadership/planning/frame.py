"""The sampling frame: a CSV a team fills in with the leaders it plans to interview, and its design.

The frame has the structure of the paper's Table 1: one row per planned interviewee (or per group
of alike ones, with ``leaders``), giving the site, the tier of governance, the role, the profession,
whether a follow-up interview is planned, and the stage of change the interview is expected to
speak to. Tiers, sites, professions and stages are the team's own terms (the paper's executive,
thematic and project tiers, or today's system, place and neighbourhood): nothing here restricts
them. ``ics-leadership plan frame`` writes an empty template with its data dictionary; the other
``plan`` subcommands read a filled-in frame (:func:`read_frame`) as the design.

The frame is validated like every table of the compendium (:mod:`ics_leadership.core.schema`):
each problem names the file, row and field, and a frame that plans no one is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ics_leadership.core.errors import DataValidationError, Problem
from ics_leadership.core.paths import display_path
from ics_leadership.core.schema import Column, TableSchema, read_table

FRAME_FILE = "sampling_frame.csv"
DICTIONARY_FILE = "sampling_frame_dictionary.csv"

FRAME = TableSchema(
    name=FRAME_FILE,
    description=(
        "Sampling frame of a planned study, with the structure of Table 1 of the paper: one row per planned "
        "interviewee, or per group of alike interviewees (leaders). Values are in the study's own terms."
    ),
    columns=(
        Column("site", "string", "Site of the interviewee (an ICS, STP, place or organisation), in the study's terms."),
        Column(
            "tier",
            "string",
            "Tier of governance of the interviewee's role, in the study's terms (e.g. executive, thematic, "
            "project; or system, place, neighbourhood). Sample sizes are given per tier.",
        ),
        Column(
            "role",
            "string",
            "Role of the interviewee, as Table 1 prints it (e.g. Medical Director); blank while not yet known.",
            required=False,
            optional_column=True,
        ),
        Column(
            "profession",
            "string",
            "Professional background (e.g. medicine, nursing, pharmacy); blank while not yet known.",
            required=False,
            optional_column=True,
        ),
        Column(
            "leaders",
            "integer",
            "How many interviewees this row stands for (e.g. 3 for 'GP Network Representatives (3)'); blank: 1.",
            required=False,
            optional_column=True,
            minimum=1,
        ),
        Column(
            "follow_up",
            "boolean",
            "Whether a follow-up interview is planned (true or false) for every interviewee of the row; blank: false.",
            required=False,
            optional_column=True,
        ),
        Column(
            "stage",
            "string",
            "Stage of change the (first) interview is expected to speak to, in the study's terms (e.g. early, "
            "later); blank: not planned.",
            required=False,
            optional_column=True,
        ),
        Column("notes", "string", "Anything else the team records; not read.", required=False, optional_column=True),
    ),
)


@dataclass(frozen=True)
class Design:
    """A validated sampling frame and the design it describes.

    ``frame`` has every column of :data:`FRAME` (``leaders`` filled with 1 and ``follow_up`` with
    False where blank); tiers and sites are listed in the order they first appear in it.
    """

    frame: pd.DataFrame
    source: str  # the frame's file as shown to users, or what it was made from

    @property
    def tiers(self) -> tuple[str, ...]:
        return tuple(str(t) for t in pd.unique(self.frame["tier"]))

    @property
    def sites(self) -> tuple[str, ...]:
        return tuple(str(s) for s in pd.unique(self.frame["site"]))

    @property
    def total(self) -> int:
        return int(self.frame["leaders"].sum())

    def by_tier(self) -> dict[str, int]:
        """Interviewees planned per tier, in the frame's order."""
        sums = self.frame.groupby("tier", sort=False)["leaders"].sum()
        return {str(t): int(n) for t, n in sums.items()}

    def per_leader(self) -> pd.DataFrame:
        """One row per planned interviewee (a row of ``leaders`` n repeated n times): ``site``, ``tier``,
        ``role``, ``profession``, ``follow_up`` (bool) and ``stage`` ("" where not planned), as plain
        Python values for code that reads a leader a row (``plan power``)."""
        rows = self.frame.loc[self.frame.index.repeat(self.frame["leaders"].to_numpy())]
        out = pd.DataFrame(
            {c: rows[c].astype(object).where(rows[c].notna(), "") for c in ("site", "tier", "role", "profession")}
        )
        out["follow_up"] = rows["follow_up"].astype(bool).to_numpy()
        out["stage"] = rows["stage"].astype(object).where(rows["stage"].notna(), "").to_numpy()
        return out.reset_index(drop=True)

    def table(self) -> pd.DataFrame:
        """Interviewees by tier (rows) and site (columns), with totals: Table 1's head counts."""
        table = pd.crosstab(
            self.frame["tier"].astype(str),
            self.frame["site"].astype(str),
            values=self.frame["leaders"],
            aggfunc="sum",
            margins=True,
            margins_name="Total",
        )
        table = table.reindex(index=[*self.tiers, "Total"], columns=[*self.sites, "Total"]).fillna(0).astype(int)
        table.index.name, table.columns.name = "tier", "site"
        return table

    def summary(self) -> pd.DataFrame:
        """One row per tier: interviewees, sites, follow-ups planned, and interviewees by stage."""
        f = self.frame
        stages = [str(s) for s in pd.unique(f["stage"].dropna())]
        rows = []
        for tier in self.tiers:
            part = f[f["tier"] == tier]
            row = {
                "tier": tier,
                "interviewees": int(part["leaders"].sum()),
                "sites": int(part["site"].nunique()),
                "follow_ups": int(part.loc[part["follow_up"].astype(bool), "leaders"].sum()),
            }
            for stage in stages:
                row[f"stage {stage}"] = int(part.loc[(part["stage"] == stage).fillna(False), "leaders"].sum())
            row["stage not planned"] = int(part.loc[part["stage"].isna(), "leaders"].sum())
            rows.append(row)
        return pd.DataFrame(rows)


def read_frame(path: Path | str) -> Design:
    """Read and validate a sampling frame (see :data:`FRAME`) as a :class:`Design`.

    Raises
    ------
    DataValidationError
        Each problem naming the file, row and field: a missing or unknown column, a blank site or
        tier, ``leaders`` below 1, a follow-up that is not true or false; or a frame with no rows.
    """
    frame = read_table(path, FRAME)
    return design_from_frame(frame, display_path(Path(path)))


def design_from_frame(frame: pd.DataFrame, source: str) -> Design:
    """The :class:`Design` of an already validated frame (blank ``leaders`` is 1, ``follow_up`` False)."""
    if frame.empty:
        raise DataValidationError(
            [Problem(source, "the frame plans no one (it has no rows): add a row per planned interviewee")]
        )
    frame = frame.copy()
    for column in FRAME.column_names:
        if column not in frame:
            frame[column] = pd.NA
    frame["leaders"] = frame["leaders"].astype("Int64").fillna(1)
    frame["follow_up"] = frame["follow_up"].astype("boolean").fillna(False)
    for column in ("site", "tier", "role", "profession", "stage", "notes"):
        frame[column] = frame[column].astype("string")
    return Design(frame=frame[FRAME.column_names].reset_index(drop=True), source=source)


def template() -> pd.DataFrame:
    """The empty frame: its header only, for a team to fill in."""
    return pd.DataFrame({c: pd.Series(dtype="string") for c in FRAME.column_names})


def dictionary() -> pd.DataFrame:
    """The frame's data dictionary: one row per column (type, required, description)."""
    return FRAME.dictionary()


def as_written(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as a team would type it: every column of :data:`FRAME`, booleans as true/false, blanks empty."""
    out = pd.DataFrame(index=frame.index)
    for column in FRAME.column_names:
        values = frame[column] if column in frame else pd.Series(pd.NA, index=frame.index)
        if column == "follow_up":
            values = values.map(lambda v: "" if pd.isna(v) else ("true" if bool(v) else "false"))
        elif column == "leaders":
            values = values.map(lambda v: "" if pd.isna(v) else str(int(v)))
        out[column] = values.astype("string").fillna("")
    return out.reset_index(drop=True)
