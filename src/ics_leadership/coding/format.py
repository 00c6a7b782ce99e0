"""The canonical coded-data format: the columns of ``documents.csv``, ``codings.csv`` and ``participants.csv``.

Every importer writes these tables and every analysis reads them (:func:`ics_leadership.coding.coded.load_coded`).
The format is generic: attributes such as ``site``, ``level``, ``stage`` and ``group`` take any values
a study uses (the paper's executive/thematic/project tiers, today's system/place/neighbourhood, three
stages, any groups), and further columns are kept as attributes. What the format fixes is structure:
types, identifiers that are unique, required columns, character counts and offsets, and
``source_type``, the one attribute whose values the analyses rely on (prevalence counts people in
interviews, saturation follows interviews). A study's own vocabulary is checked where the study
lives (the paper's: :mod:`ics_leadership.facts.vocabulary`).

Where an analysis lists the values of an attribute (levels in a table, groups in a figure), it uses
:func:`ordered`: a given order (for example the codebook's levels) when every value the data hold
is in it, otherwise the values sorted.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from ics_leadership.core.schema import Column, TableSchema

#: Kinds of document. Analyses rely on these: people are counted from interviews, saturation follows them.
SOURCE_TYPES = ("interview", "follow-up interview", "observation", "other")

DOCUMENTS = TableSchema(
    name="documents.csv",
    description=(
        "Canonical coded data: one row per document (an interview transcript, a follow-up interview, "
        "field notes of an observed meeting, or another text). Further columns are kept as attributes."
    ),
    columns=(
        Column("document_id", "string", "Identifier of the document, unique in the project.", unique=True),
        Column(
            "participant_id", "string", "Who the document is about or with; blank for observations.", required=False
        ),
        Column("source_type", "string", "Kind of document.", allowed=SOURCE_TYPES),
        Column(
            "n_chars", "integer", "Length of the document's plain text in characters (offsets count these).", minimum=0
        ),
        Column(
            "site",
            "string",
            "Site (STP, ICS, organisation) of the document; blank: the participant's site.",
            required=False,
            optional_column=True,
        ),
        Column(
            "level",
            "string",
            "Governance level or tier, in the study's own terms (e.g. executive, thematic, project; or system, "
            "place, neighbourhood); blank: the participant's level.",
            required=False,
            optional_column=True,
        ),
        Column(
            "stage",
            "string",
            "Stage of change the document speaks to, in the study's own terms (e.g. early, later).",
            required=False,
            optional_column=True,
        ),
        Column(
            "sequence",
            "integer",
            "Order of data collection (for saturation); blank: file order.",
            required=False,
            minimum=0,
            optional_column=True,
        ),
    ),
    extra_columns_allowed=True,
)

CODINGS = TableSchema(
    name="codings.csv",
    description=(
        "Canonical coded data: one row per coding, that is one code applied by one coder to one span of "
        "characters [start, end) of a document. A span coded with two codes is two rows."
    ),
    columns=(
        Column("document_id", "string", "The coded document (must be in documents.csv)."),
        Column("start", "integer", "First character of the span (0-based).", minimum=0),
        Column("end", "integer", "One past the last character of the span (end exclusive).", minimum=0),
        Column("code", "string", "Compendium code id (see the codebook), or a project code mapped to one."),
        Column("coder", "string", "Who applied the code (name or stable label)."),
        Column(
            "excerpt",
            "string",
            "The coded text, where it may be shared; blank otherwise.",
            required=False,
            optional_column=True,
            verbatim=True,
        ),
    ),
)

CODED_PARTICIPANTS = TableSchema(
    name="participants.csv",
    description="Canonical coded data (optional file): attributes of the people documents are about.",
    columns=(
        Column("participant_id", "string", "Identifier used in documents.csv.", unique=True),
        Column("site", "string", "Site of the participant.", required=False, optional_column=True),
        Column(
            "level",
            "string",
            "Governance level or tier of the participant's role, in the study's own terms.",
            required=False,
            optional_column=True,
        ),
        Column(
            "group",
            "string",
            "Group of the participant, in the study's own terms (e.g. clinical or non-clinical leader).",
            required=False,
            optional_column=True,
        ),
    ),
    extra_columns_allowed=True,
)

#: The canonical coded-data tables (a folder holding these is "coded data").
CODED_TABLES: dict[str, TableSchema] = {"documents": DOCUMENTS, "codings": CODINGS, "participants": CODED_PARTICIPANTS}


def ordered(values: Iterable[object], preferred: Iterable[str] | None = None) -> list[str]:
    """The distinct non-blank ``values`` as text, in the order an analysis lists them.

    In the order of ``preferred`` when every value is one of its entries (so the paper's levels keep
    the paper's order, executive, thematic, project, when the data use them); otherwise sorted, so
    that another study's values (system, place, neighbourhood) come out the same whatever the order
    of the rows.

    Examples
    --------
    >>> ordered(["project", "executive", None], ["executive", "thematic", "project"])
    ['executive', 'project']
    >>> ordered(["system", "place", "neighbourhood"], ["executive", "thematic", "project"])
    ['neighbourhood', 'place', 'system']
    """
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    distinct = series.dropna().unique()  # a million rows hold few values: look at those
    present = {str(v) for v in distinct if str(v) != ""}
    order = list(preferred or ())
    if present and present <= set(order):
        return [v for v in order if v in present]
    return sorted(present)
