"""What a team's first coded interviews say: saturation reached so far, and themes not yet seen.

Takes any folder of canonical coded data (an import from NVivo, ATLAS.ti, MAXQDA, QualCoder or
Taguette, or the synthetic corpus) in the project's own codes. Two views, which answer different
questions:

- **saturation** (Guest, Namey and Chen 2020, *PLoS One* 15(5):e0232076; computed by
  :mod:`ics_leadership.coding.saturation`, as ``summarise`` does): whether the interviews so far
  have stopped adding new codes. It assesses saturation reached; it does not predict how many more
  interviews are needed.
- **unseen themes** (:mod:`ics_leadership.planning.unseen`): how many themes the population of
  interviewees holds beyond those seen, from how many interviewees each theme was found in
  (Chao2, iChao2). The sampling unit is the interviewee: the themes of a person's interview and
  follow-up count once for that person (an interview without a participant is its own unit).

Themes are the codes as applied (``themes="applied"``) or each code's top-level code, counting
its descendants (``themes="top"``). The primary coder's codings are used (the coder with most
codings, as in ``summarise``), or the coder given.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ics_leadership.coding import prevalence, saturation
from ics_leadership.coding.coded import SYNTHETIC_LABEL, CodedData, load_coded
from ics_leadership.coding.codetree import load_project_tree
from ics_leadership.core.errors import DataValidationError, Problem
from ics_leadership.core.paths import display_path
from ics_leadership.planning import unseen

INTERVIEW_TYPES = prevalence.PARTICIPANT_SOURCES
THEMES = ("applied", "top")


@dataclass(frozen=True)
class Pilot:
    """The saturation assessment and the unseen-theme estimates of a pilot's coded interviews."""

    coded: CodedData
    coder: str
    themes: str
    interviews: list[str]  # document ids, in data-collection order
    incidence: pd.DataFrame  # theme, interviewees it was found in
    counts: unseen.Incidence
    estimates: pd.DataFrame
    saturation: saturation.Saturation

    @property
    def data_source(self) -> str:
        return SYNTHETIC_LABEL if self.coded.synthetic else "Real coded data"


def pilot(
    coded_dir: Path | str,
    coder: str | None = None,
    themes: str = "applied",
    interviews: int | None = None,
    base_size: int = 4,
    run_length: int = 2,
    threshold: float = 0.05,
) -> Pilot:
    """Assess saturation and estimate unseen themes for the interviews in ``coded_dir``.

    Parameters
    ----------
    coded_dir
        Folder of canonical coded data.
    coder
        Whose codings count (default: the coder with most codings).
    themes
        "applied" (codes as applied) or "top" (top-level codes, each counting its descendants).
    interviews
        Use only the first this many interviews in data-collection order (a pilot of a larger
        project); None: all.
    base_size, run_length, threshold
        Saturation parameters (Guest, Namey and Chen 2020).

    Raises
    ------
    DataValidationError
        Naming the file: no interviews, a coder without codings, fewer than two interviewees.
    """
    if themes not in THEMES:
        raise ValueError(f"themes must be one of {', '.join(THEMES)}, got {themes!r}")
    coded = load_coded(coded_dir, check_codes=False)
    documents_csv = display_path(Path(coded_dir) / "documents.csv")
    coder = coder or (prevalence.primary_coder(coded) if len(coded.codings) else None)
    if coder is None or coder not in set(coded.codings["coder"].unique()):
        shown = display_path(Path(coded_dir) / "codings.csv")
        what = f"coder '{coder}' has no codings" if coder else "the project has no codings"
        raise DataValidationError([Problem(shown, what, field="coder")])
    tree = load_project_tree(coded_dir, coded.codings["code"].unique(), coded.format_version)
    codings = prevalence.analysis_codings(coded, tree, coder)
    column = "code" if themes == "applied" else tree.top_name
    docs = coded.documents
    order = docs[docs["source_type"].isin(INTERVIEW_TYPES)].sort_values(["sequence", "document_id"])
    if interviews is not None:
        order = order.head(interviews)
    if order.empty:
        raise DataValidationError(
            [
                Problem(
                    documents_csv,
                    "no document is an interview (source_type 'interview' or 'follow-up interview')",
                    field="source_type",
                )
            ]
        )
    kept = docs[docs["document_id"].isin(set(order["document_id"]))]
    kept_codings = codings[codings["document_id"].isin(set(order["document_id"]))]
    ids, first = saturation.interview_first_appearances(kept_codings, kept, column=column)
    sat = saturation.from_first_appearances(first, len(ids), base_size, run_length, threshold)
    table, counts = _incidence(order, kept_codings, column)
    if counts.units < 2:
        raise DataValidationError(
            [Problem(documents_csv, f"only {counts.units} interviewee: unseen themes need at least 2")]
        )
    return Pilot(
        coded=coded,
        coder=coder,
        themes=themes,
        interviews=ids,
        incidence=table,
        counts=counts,
        estimates=unseen.estimates_table(counts),
        saturation=sat,
    )


def _incidence(order: pd.DataFrame, codings: pd.DataFrame, column: str) -> tuple[pd.DataFrame, unseen.Incidence]:
    """Each theme with the number of interviewees it was found in, and the frequency counts."""
    person = order["participant_id"].astype("string")
    unit_of = pd.Series(
        np.where(person.isna() | (person == ""), "document:" + order["document_id"].astype(str), person.astype(str)),
        index=order["document_id"].to_numpy(),
    )
    units = int(unit_of.nunique())
    pairs = pd.DataFrame(
        {"unit": unit_of.reindex(codings["document_id"].to_numpy()).to_numpy(), "theme": codings[column].to_numpy()}
    ).dropna()
    per_theme = pairs.drop_duplicates().groupby("theme").size()
    table = (
        per_theme.rename("interviewees")
        .reset_index()
        .sort_values(["interviewees", "theme"], ascending=[False, True])
        .reset_index(drop=True)
    )
    return table, unseen.from_theme_counts(per_theme.to_numpy(), units)
