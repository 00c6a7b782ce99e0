"""The paper's tabular raw files (``data/raw/participants.csv``, ``observations.csv``) and their columns.

These tables transcribe the paper (the Table 1 roster, the hours observed per STP), so their
columns take the paper's vocabulary only (:mod:`ics_leadership.facts.vocabulary`): a level other
than executive, thematic or project in ``data/raw`` is an error naming file, row and field. The
book's data dictionary is built from :data:`RAW_TABLES`. Coded data use the generic format of
:mod:`ics_leadership.coding.format` instead.
"""

from __future__ import annotations

from ics_leadership.core.schema import Column, TableSchema
from ics_leadership.facts.vocabulary import LEVELS, SITES

PARTICIPANTS = TableSchema(
    name="participants.csv",
    description=(
        "One row per clinical leader in Table 1 of the paper, in the order printed there. "
        "Pseudonymous identifiers are ours; every other value is transcribed from Table 1, "
        "except profession, which is read from the role title (see profession_basis)."
    ),
    columns=(
        Column(
            "participant_id",
            "string",
            "Stable pseudonymous identifier (CL-<site><number>).",
            unique=True,
            pattern=r"CL-[A-Z]\d{2}",
        ),
        Column("site", "string", "STP the leader belongs to, as lettered in Table 1.", allowed=SITES),
        Column("level", "string", "Governance level of the leader's role (Table 1 rows).", allowed=LEVELS),
        Column("role", "string", "The role of this one person, in the words of Table 1."),
        Column(
            "role_as_printed",
            "string",
            "The Table 1 entry this person belongs to (differs from role only for grouped entries such as "
            "'GP Network Representatives (3)').",
        ),
        Column(
            "profession",
            "string",
            "Professional background read from the role title.",
            allowed=("medicine", "nursing", "pharmacy", "midwifery", "occupational therapy", "other"),
        ),
        Column(
            "profession_basis",
            "string",
            "Why this profession was assigned: what in the title says so, or the inference made.",
        ),
        Column("follow_up", "boolean", "Interviewed more than once (asterisk in Table 1)."),
    ),
)

OBSERVATIONS = TableSchema(
    name="observations.csv",
    description="Non-participant observation of STP meetings, by site, as stated in the Methods.",
    columns=(
        Column("site", "string", "STP, as lettered in the paper.", allowed=SITES, unique=True),
        Column("hours", "number", "Hours of meetings observed at the site.", minimum=0),
        Column(
            "meetings",
            "integer",
            "Meetings observed at the site (blank: the paper gives no per-site count).",
            required=False,
            minimum=0,
        ),
        Column("location", "string", "Where in the paper the values are stated."),
    ),
)

#: Every tabular raw file, by file name; the book's data dictionary is built from this.
RAW_TABLES: dict[str, TableSchema] = {s.name: s for s in (PARTICIPANTS, OBSERVATIONS)}
