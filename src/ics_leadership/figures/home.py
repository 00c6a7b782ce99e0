"""Home: the graphical abstract, the contribution cards and the key messages, from the paper's facts.

Everything here is built from the paper as data (``model.yaml``, ``codebook.yaml``,
``key_messages.yaml``), never from coded data, so nothing on Home can come from the synthetic
corpus. The two figures are the compendium's reconstructions from the text and say so in their
caption, alt text and inside the image; on a phone they keep their print size in a frame that
scrolls (``zoom``). The cards and messages are MyST Markdown (sphinx-design cards), which the book
renders and whose links Sphinx resolves, in the HTML book and in the single page the PDF prints.
"""

from __future__ import annotations

from collections.abc import Iterable

from ics_leadership.facts.codebook import Codebook, Contribution
from ics_leadership.facts.key_messages import KeyMessage
from ics_leadership.facts.model import Model
from ics_leadership.figures import concentration
from ics_leadership.figures import model as model_figure
from ics_leadership.figures.model_page import GRID_KEY, MODEL_KEY
from ics_leadership.figures.tables import CaptionedFigure

#: Said in the caption, the alt text and the image of both Home figures.
RECONSTRUCTION = "The compendium's reconstruction from the paper's text, not the article's Figure 1"

#: Where a contribution's page is, as a Sphinx document name (absolute, so any page can link to it).
CONTRIBUTION_PAGE = "/notebooks/contribution_{id}"


def model_figure_for_home(model: Model) -> CaptionedFigure:
    """The reconstructed model, labelled as the compendium's reconstruction in the image too."""
    return CaptionedFigure(
        model_figure.draw_model(model, title=RECONSTRUCTION),
        "home_model",
        caption=(
            "The conceptual model, rebuilt by the compendium from the Discussion (paras 2-4), which describes "
            "the paper's Figure 1 in words; it is not the article's figure. " + MODEL_KEY
        ),
        alt=f"{RECONSTRUCTION}. {model_figure.alt_text(model)}",
        zoom=True,
    )


def grid_figure_for_home(model: Model, codebook: Codebook) -> CaptionedFigure:
    """The level-by-stage grid, labelled as the compendium's reading of the paper in the image too."""
    title = "Where the paper places each contribution: the compendium's reading of the text"
    return CaptionedFigure(
        concentration.concentration_figure(model, codebook, title=title),
        "home_grid",
        caption=(
            "Where the paper places each contribution, by tier of governance and stage of change: the "
            "compendium's reading of the Results and the Discussion (para 6), not a figure of the article. " + GRID_KEY
        ),
        alt=f"{title}. {concentration.concentration_alt_text(model, codebook)}",
        zoom=True,
    )


def _card(contribution: Contribution, page: str) -> str:
    activities = "; ".join(a.label for a in contribution.activities)
    return "\n".join(
        [
            f"````{{grid-item-card}} {contribution.label}",
            f":link: {page}",
            ":link-type: doc",
            f":link-alt: {contribution.label}: the contribution's page",
            ":class-card: compendium-card",
            f":footer: In the paper: {contribution.location}",
            "",
            contribution.definition,
            "",
            f"**Activities:** {activities}.",
            "````",
        ]
    )


def contribution_cards(codebook: Codebook, page: str = CONTRIBUTION_PAGE) -> str:
    """The four contributions as sphinx-design cards (MyST): definition, activities, location.

    Each card links to its contribution's page (``page`` with ``{id}``, a Sphinx document name);
    the whole card is the link, named for screen readers by ``link-alt``.
    """
    cards = "\n\n".join(_card(c, page.format(id=c.id)) for c in codebook.contributions)
    return f"`````{{grid}} 1 1 2 2\n:gutter: 3\n\n{cards}\n`````\n"


def key_message_text(message: KeyMessage) -> str:
    """One message as a Markdown list item's text: headline, message, and where it comes from.

    A message the compendium infers says so before anything else, so it cannot be read as the
    paper's finding; its reason follows.
    """
    if message.inferred:
        return (
            f"**The compendium's inference, not a finding of the paper. {message.headline}.** "
            f"{message.message} (Drawn from {message.location}. Why an inference: {message.reason})"
        )
    return f"**{message.headline}.** {message.message} ({message.location})"


def key_messages_markdown(messages: Iterable[KeyMessage]) -> str:
    """The key messages as a numbered Markdown list, each with its location in the paper."""
    return "\n".join(f"{i}. {key_message_text(m)}" for i, m in enumerate(messages, start=1)) + "\n"
