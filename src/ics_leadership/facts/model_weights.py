"""Weights for the conceptual model's links, from coded data (the evidence behind each link).

Kept apart from :mod:`ics_leadership.facts.model`, which is the paper's Figure 1 as data: this module
is statistics on coded data (participants expressing a contribution; segments coded with a source of
influence and a contribution together), computed with the toolkit's canonical format.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ics_leadership.coding.coded import CodedData, data_source_label, with_data_source
from ics_leadership.facts.codebook import Codebook
from ics_leadership.facts.model import ARROW, Model

UNIT_PARTICIPANTS = "participants"
UNIT_SEGMENTS = "co-coded segments"


@dataclass(frozen=True)
class LinkWeights:
    """Evidence weights for the model's links, from coded data.

    ``table`` has one row per link: source, target, basis, kind, weight (nullable integer; blank
    when the data cannot weight the link), unit. ``message`` says in words what was and was not
    weighted, for the notebook to print.
    """

    table: pd.DataFrame
    sources_weighted: bool
    message: str
    n_participants: int
    n_documents_without_participant: int
    synthetic: bool

    def file_table(self) -> pd.DataFrame:
        """The weights as written to a file: ``table`` after a ``data_source`` column, as summarise's files."""
        return with_data_source(self.table, data_source_label(self.synthetic))

    def compact_table(self) -> pd.DataFrame:
        """The weights for reading: link, basis, weight, unit."""
        return pd.DataFrame(
            {
                "link": self.table["from"] + f" {ARROW} " + self.table["to"],
                "basis": self.table["basis"],
                "weight": self.table["weight"],
                "unit": self.table["unit"],
            }
        )

    def weight(self, source: str, target: str) -> int | None:
        row = self.table[(self.table["source"] == source) & (self.table["target"] == target)]
        if row.empty or pd.isna(row["weight"].iloc[0]):
            return None
        return int(row["weight"].iloc[0])


def participants_by_contribution(coded: CodedData, codebook: Codebook) -> pd.Series:
    """How many distinct participants have at least one coding of each contribution.

    A coding counts for its contribution whether it uses the contribution's own code or one of its
    activities. Documents with no participant (e.g. observation notes) are not counted, nor are
    codes outside the codebook.

    Returns
    -------
    pandas.Series
        Indexed by the codebook's contribution ids, in codebook order; zero where none.
    """
    frame = coded.codings_with_attributes()
    known = set(codebook.codes)
    frame = frame[frame["code"].isin(known) & frame["participant_id"].notna()]
    contribution = frame["code"].map(codebook.contribution_of)
    counts = frame.assign(contribution=contribution).groupby("contribution")["participant_id"].nunique()
    return counts.reindex(codebook.contribution_ids, fill_value=0).astype(int)


def co_coded_segments(coded: CodedData, code: str, contribution: str, codebook: Codebook) -> int:
    """Segments coded ``code`` that overlap, in the same document, a segment of ``contribution``.

    A segment is a distinct (document, start, end) span; two spans overlap when they share at
    least one character. Coders are pooled.
    """
    codings = coded.codings
    mine = codings.loc[codings["code"] == code, ["document_id", "start", "end"]].drop_duplicates()
    known = set(codebook.codes)
    theirs = codings[codings["code"].isin(known)]
    theirs = theirs[theirs["code"].map(codebook.contribution_of) == contribution][["document_id", "start", "end"]]
    pairs = mine.merge(theirs, on="document_id", suffixes=("", "_c"))
    overlapping = pairs[(pairs["start"] < pairs["end_c"]) & (pairs["start_c"] < pairs["end"])]
    return int(len(overlapping[["document_id", "start", "end"]].drop_duplicates()))


def link_weights(model: Model, coded: CodedData, codebook: Codebook) -> LinkWeights:
    """Weight the model's links with the evidence in coded data.

    - contribution -> effect: the number of participants whose codings include the contribution
      (its code or any of its activities); every effect of one contribution gets the same weight,
      because the codebook codes contributions, not effects.
    - source -> contribution: when a source node has a ``code`` and the coded data use it, the
      number of segments coded with the source that overlap a segment of the contribution
      (:func:`co_coded_segments`); otherwise the link is left unweighted (blank), and ``message``
      says so.

    Parameters
    ----------
    model
        The validated model.
    coded
        Coded data, with codes already in the codebook's terms (see
        :func:`ics_leadership.coding.mapping.load_for_analysis`).
    codebook
        Tells which contribution each code belongs to.

    Returns
    -------
    LinkWeights
        One row per link in model order, the message to show, and whether the data are synthetic.
    """
    per_contribution = participants_by_contribution(coded, codebook)
    used_codes = set(coded.codings["code"].astype(str))
    source_codes = {n.id: n.code for n in model.nodes_in("source") if n.code and n.code in used_codes}
    rows = []
    for link in model.links:
        source, target = model.node(link.source), model.node(link.target)
        weight: int | None = None
        unit = ""
        if source.layer == "contribution":
            weight, unit = int(per_contribution.get(source.code, 0)), UNIT_PARTICIPANTS
        elif source.id in source_codes:
            weight = co_coded_segments(coded, source_codes[source.id], target.code, codebook)
            unit = UNIT_SEGMENTS
        rows.append(
            {
                "source": link.source,
                "target": link.target,
                "from": source.label,
                "to": target.label,
                "basis": link.basis,
                "kind": f"{source.layer} {ARROW} {target.layer}",
                "weight": weight,
                "unit": unit,
            }
        )
    table = pd.DataFrame(rows)
    table["weight"] = table["weight"].astype("Int64")
    documents = coded.documents
    n_participants = int(documents["participant_id"].dropna().nunique())
    no_participant = int(documents["participant_id"].isna().sum())
    n_sources = len(model.nodes_in("source"))
    if not source_codes:
        message = (
            "The coded data contain no codes for the sources of influence (the codebook codes the "
            "contributions and their activities only), so the links from sources of influence to "
            "contributions cannot be weighted; they are drawn thin and without numbers."
        )
    elif len(source_codes) < n_sources:
        missing = [n.label for n in model.nodes_in("source") if n.id not in source_codes]
        message = (
            "Links from sources of influence are weighted by co-coded segments where the data code the "
            f"source; {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not coded, so "
            "their links are left unweighted."
        )
    else:
        message = "Links from sources of influence are weighted by co-coded segments."
    if no_participant:
        message += (
            f" {no_participant} document(s) with no participant (such as observation notes) are not "
            "counted in the participant weights."
        )
    return LinkWeights(
        table=table,
        sources_weighted=bool(source_codes),
        message=message,
        n_participants=n_participants,
        n_documents_without_participant=no_participant,
        synthetic=coded.synthetic,
    )
