"""The conceptual model's page (notebook 03) and its links weighted by coded data (notebook 04).

Every function returns a :class:`~ics_leadership.figures.tables.CaptionedFigure` or
:class:`~ics_leadership.figures.tables.CaptionedTable` (or, for the evidence section, a list of
them with the banner and sentences that go between), built from the model, so a caption or an alt
text cannot say something the figure does not show. The model's page shows only what comes from the
paper; the weights (:func:`weigh`, :func:`evidence_section`) have their own page, because in the book
they are computed from the synthetic corpus: outputs from synthetic data are marked as such (the book
then shows the page as a demonstration), and the weighted figure says so in its title.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ics_leadership.coding.coded import CodedData
from ics_leadership.coding.mapping import load_for_analysis
from ics_leadership.facts.codebook import Codebook
from ics_leadership.facts.model import Model
from ics_leadership.facts.model_weights import LinkWeights, link_weights
from ics_leadership.figures import concentration, tables
from ics_leadership.figures import model as model_figure
from ics_leadership.figures.style import SYNTHETIC_LABEL
from ics_leadership.figures.tables import CaptionedFigure, CaptionedTable

NO_CODED_DATA = (
    "No coded data were given (`coded_data` is `None`), so the links are not weighted here. "
    "Set `coded_data` to a folder of canonical coded data (your own, or the synthetic "
    "demonstration corpus) to see the weights."
)


def _also_in(derived_dir: Path | str | None, name: str) -> str:
    """ " Also in <path>." for a caption, when the page wrote the table (to ``derived_dir``)."""
    return f" Also in {tables.file_label(derived_dir, name)}." if derived_dir is not None else ""


def figure1(model: Model) -> CaptionedFigure:
    """The compendium's reconstruction of the paper's Figure 1, drawn from the model, with every box and link
    in its alt text. The caption says it is a reconstruction from the text, not the article's figure."""
    return CaptionedFigure(
        model_figure.draw_model(model),
        "figure1_model",
        caption=(
            "The conceptual model of Waring et al. (2023), reconstructed by the compendium from the text "
            "of the paper's Discussion (paras 2-4), which describes the paper's Figure 1; the article's figure "
            "itself is not reproduced. Drawn from data/raw/model.yaml. " + MODEL_KEY
        ),
        alt=model_figure.alt_text(model),
        label="model",
    )


def links_table(model: Model, derived_dir: Path | str | None = None) -> CaptionedTable:
    """The links; ``derived_dir``: where the page wrote ``model_links.csv`` (named in the caption)."""
    return CaptionedTable(
        model.links_table(compact=True),
        "Links of the model: the paper's location for each, whether it is stated there or inferred by the "
        "compendium, and the reason for each inference." + _also_in(derived_dir, "model_links.csv"),
        label="model-links",
        appendix=True,
    )


def nodes_table(model: Model, derived_dir: Path | str | None = None) -> CaptionedTable:
    """The boxes; ``derived_dir``: where the page wrote ``model_nodes.csv`` (named in the caption)."""
    shown = tables.file_label(derived_dir, "model_nodes.csv") if derived_dir is not None else None
    where = f" Their ids, and for contributions the codebook code, are in {shown}." if shown else ""
    return CaptionedTable(
        model.nodes_table(compact=True),
        "Boxes of the model, described in the compendium's words, with where the paper names them." + where,
        label="model-nodes",
        appendix=True,
    )


def crosswalk_table(model: Model) -> CaptionedTable:
    return CaptionedTable(
        model.crosswalk_table(compact=True),
        "Theory crosswalk at a glance: each element of the three theories and the contributions related to "
        "it; stated: Discussion para 7 relates them; inferred: the compendium's reading.",
    )


def crosswalk_detail_table(model: Model, derived_dir: Path | str | None = None) -> CaptionedTable:
    """The crosswalk; ``derived_dir``: where the page wrote ``model_crosswalk.csv`` (named in the caption)."""
    shown = tables.file_label(derived_dir, "model_crosswalk.csv") if derived_dir is not None else None
    where = f" All columns are in {shown}." if shown else ""
    return CaptionedTable(
        model.crosswalk_detail(),
        "Theory crosswalk in detail: each element defined in the compendium's words, where the paper defines "
        "it and relates it to the contributions, and the reason for each inferred relation." + where,
        label="crosswalk-detail",
        appendix=True,
    )


def domains_table(model: Model) -> CaptionedTable:
    return CaptionedTable(
        model.domains_table(compact=True),
        "The structural, procedural and ideational domains (Discussion, para 7): what the paper says each "
        "covers, and the contributions the compendium relates to each, with reasons.",
    )


#: How the model reads (in the words of the Discussion, para 3, on Figure 1), and what its arrows mean
#: (shared by the model page and Home).
MODEL_KEY = (
    "Clinical leaders' underlying sources of influence (left) combine to enable their primary contributions "
    "to system leadership (middle), which further combine to produce secondary effects in system governance "
    "(right). Solid arrows: links the paper states; "
    "dashed arrows: links the compendium infers."
)

#: What the grid's shades mean, in the paper's strength (shared by the model page and Home).
GRID_KEY = (
    "Darkest cells: the paper associates the contribution with that level or stage (the Discussion, para 6, "
    "names it there, or the Results call it more pronounced there); for the stages the Discussion's words are "
    "hedged: early strategy setting 'seemed to centre on' three contributions. Hatched: the paper's statements "
    "differ. Dagger: the compendium's inference."
)


def concentration_grid(model: Model, codebook: Codebook) -> CaptionedFigure:
    """The grid of where the paper places each contribution, with every cell in its alt text."""
    return CaptionedFigure(
        concentration.concentration_figure(model, codebook),
        "model_concentration",
        caption=(
            "Where the paper places each contribution, by governance level and stage of change, from the "
            "Results and the Discussion (para 6). " + GRID_KEY
        ),
        alt=concentration.concentration_alt_text(model, codebook),
        label="concentration-grid",
    )


def concentration_table(model: Model) -> CaptionedTable:
    return CaptionedTable(
        model.concentration_matrix(),
        "Where the paper places each contribution, as a table (Early: early strategy setting; Later: later "
        "collaborative working). Where the reports differ, each is named; the table below gives their locations.",
        index=True,
    )


def concentration_reports_table(
    model: Model, codebook: Codebook, derived_dir: Path | str | None = None
) -> CaptionedTable:
    """The grid's statements; ``derived_dir``: where the page wrote ``model_concentration.csv``."""
    return CaptionedTable(
        model.concentration_reports(codebook, compact=True),
        "Every statement behind the grid: contribution, level or stage, the emphasis the paper gives and "
        "where, with the reason for each inference." + _also_in(derived_dir, "model_concentration.csv"),
        label="concentration-statements",
        appendix=True,
    )


# --------------------------------------------------------------------------------------------------
# The coded evidence for the links
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """Coded data loaded for the model, the links' weights from them, and the mapping's report."""

    coded: CodedData
    weights: LinkWeights
    code_report: pd.DataFrame | None


def weigh(
    model: Model, codebook: Codebook, coded_data: Path | str | None, mapping: Path | str | None = None
) -> Evidence | None:
    """Load ``coded_data`` (through ``mapping``, if any) and weight the model's links; None without data."""
    if coded_data is None:
        return None
    coded, code_report = load_for_analysis(coded_data, mapping, codebook)
    return Evidence(coded, link_weights(model, coded, codebook), code_report)


def weighted_figure(model: Model, weights: LinkWeights) -> CaptionedFigure:
    """The reconstructed model with each link's evidence weight; the synthetic label is also drawn in its title."""
    title = "Reconstructed model weighted by the coded evidence"
    return CaptionedFigure(
        model_figure.draw_model(model, weights, title=f"{SYNTHETIC_LABEL}: {title}" if weights.synthetic else title),
        "figure1_model_weighted",
        caption=(
            "The reconstructed model with each link from a contribution to an effect weighted by the number of "
            "participants coded with the contribution (line width and number). " + weights.message
        ),
        alt=model_figure.alt_text(model, weights),
        synthetic=weights.synthetic,
    )


def weights_table(weights: LinkWeights, derived_dir: Path | str | None = None) -> CaptionedTable:
    """The links' weights; ``derived_dir``: where the page wrote ``model_link_weights.csv``."""
    return CaptionedTable(
        weights.compact_table(),
        "Evidence weight of each link of the model in the coded data; blank: the data cannot weight the "
        "link." + _also_in(derived_dir, "model_link_weights.csv"),
        synthetic=weights.synthetic,
    )


def evidence_section(model: Model, evidence: Evidence | None, derived_dir: Path | str | None = None) -> list[Any]:
    """What the evidence section shows, in order, for :func:`~ics_leadership.figures.tables.show_all`.

    Without coded data, a sentence saying how to get weights. With them: a banner naming the data
    (marked as synthetic output when they are synthetic), what was weighted, the weighted figure,
    the weights and, through a mapping, what it did with each project code. ``derived_dir``: where
    the page wrote ``model_link_weights.csv`` (named in the weights' caption).
    """
    if evidence is None:
        return [NO_CODED_DATA]
    coded, weights = evidence.coded, evidence.weights
    described = (
        f"{coded.description.rstrip('.')} ({weights.n_participants} participants, "
        f"{len(coded.documents)} documents, {len(coded.codings)} codings)."
    )
    items: list[Any] = [
        tables.banner(coded.synthetic, described),
        weights.message,
        weighted_figure(model, weights),
        weights_table(weights, derived_dir),
    ]
    if evidence.code_report is not None:
        items.append(
            CaptionedTable(
                evidence.code_report,
                "How the project's codes were mapped onto the codebook.",
                synthetic=coded.synthetic,
            )
        )
    return items
