"""Home for a manager: figures, cards and key messages built from the paper's facts only."""

from __future__ import annotations

import json
import re

import matplotlib.pyplot as plt
import pytest
import yaml

from ics_leadership.facts.key_messages import KeyMessage, load_key_messages
from ics_leadership.figures import home, tables
from ics_leadership.figures.tables import ZOOM_LABEL

from conftest import RAW, ROOT

CONTRIBUTIONS = ("Analytical insight", "Representation", "Translat", "Relational")


def _texts(fig) -> list[str]:
    """The figure's texts, each on one line (a long title is wrapped to the figure's width)."""
    return [" ".join(t.get_text().split()) for ax in fig.axes for t in ax.texts]


def test_the_model_is_labelled_a_reconstruction_in_caption_alt_and_image(model):
    shown = home.model_figure_for_home(model)
    try:
        assert home.RECONSTRUCTION in _texts(shown.fig)  # the label travels with the PNG/SVG
        assert "not the article's figure" in shown.caption and "Discussion (paras 2-4)" in shown.caption
        assert shown.alt.startswith(f"{home.RECONSTRUCTION}.")
        assert home.RECONSTRUCTION.endswith("from the paper's text, not the article's Figure 1")
        assert "Clinical expertise to Analytical insight" in shown.alt
        assert all(c.lower() in shown.alt.lower() for c in CONTRIBUTIONS)
        assert shown.zoom and not shown.synthetic
    finally:
        plt.close(shown.fig)


def test_the_grid_is_the_compendiums_reading_in_the_papers_words(model, codebook):
    shown = home.grid_figure_for_home(model, codebook)
    try:
        texts = _texts(shown.fig)
        assert any("the compendium's reading of the text" in t for t in texts)
        assert "Associated" in texts and not any("oncentrat" in t for t in texts)
        assert "not a figure of the article" in shown.caption and "seemed to centre on" in shown.caption
        # the alt text walks the grid cell by cell
        assert "Representation: Executive: reports differ: associated / less pronounced" in shown.alt
        assert "Relational activities:" in shown.alt and "Later collaborative working: associated" in shown.alt
        assert shown.zoom and not shown.synthetic
    finally:
        plt.close(shown.fig)


def test_contribution_cards_carry_definition_activities_location_and_link(codebook):
    cards = home.contribution_cards(codebook)
    assert cards.startswith("`````{grid} 1 1 2 2\n") and cards.rstrip().endswith("`````")
    assert cards.count("````{grid-item-card} ") == 4
    for c in codebook.contributions:
        block = cards[cards.index(f"````{{grid-item-card}} {c.label}\n") :]
        block = block[: block.index("\n````\n")]
        assert f":link: /notebooks/contribution_{c.id}\n:link-type: doc\n" in block
        assert f":link-alt: {c.label}: the contribution's page" in block  # the card link's accessible name
        assert f":footer: In the paper: {c.location}" in block
        assert c.definition in block
        assert "**Activities:** " + "; ".join(a.label for a in c.activities) + "." in block
    representation = cards[cards.index("Representation\n") :]
    assert "Bringing the clinical voice; Offering critical challenge; Securing professional buy-in." in representation


def test_key_messages_render_with_their_locations_and_the_inference_marked():
    messages = load_key_messages(RAW / "key_messages.yaml")
    text = home.key_messages_markdown(messages)
    items = text.splitlines()
    assert len(items) == len(messages) == 9
    assert items[0].startswith("1. **A distinct contribution, in four parts.** Clinical leaders can make")
    assert items[0].endswith("(Conclusions)")
    for item, message in zip(items, messages):
        assert f"({message.location})" in item or f"(Drawn from {message.location}." in item
    assert items[-1].startswith("9. **The compendium's inference, not a finding of the paper. Reading across")
    assert "Why an inference: The paper associates" in items[-1]
    assert sum("compendium's inference" in i for i in items) == 1


def test_an_inferred_message_is_never_shown_as_the_papers():
    stated = KeyMessage("a", "Head", "Text.", "Conclusions", "stated")
    inferred = KeyMessage("b", "Head", "Text.", "Discussion, para 6", "inferred", "Ours.")
    assert home.key_message_text(stated) == "**Head.** Text. (Conclusions)"
    assert home.key_message_text(inferred).startswith("**The compendium's inference, not a finding of the paper.")


def test_a_zoomable_figure_sits_in_a_focusable_frame(tmp_path):
    png = tmp_path / "f 𝒜.png"
    fig = plt.figure(figsize=(1, 1))
    fig.savefig(png)
    plt.close(fig)
    plain = tables.figure(png, alt="An alt text", caption="A caption", zoom=False).data
    zoom = tables.figure(png, alt="An alt text", caption="A caption").data  # every figure by default
    assert "compendium-zoom" not in plain and 'class="compendium-figure"' in plain
    assert 'class="compendium-figure compendium-figure-zoom"' in zoom
    frame = re.search(r'<div class="compendium-zoom" tabindex="0" role="group" aria-label="([^"]+)"><img ', zoom)
    assert frame and frame.group(1) == ZOOM_LABEL
    assert zoom.index("</div><figcaption>") > zoom.index("<img ")  # the caption stays outside the frame


def test_home_takes_no_coded_data():
    """Home is the paper's: its notebook has no coded-data parameter and its step reads only data/raw."""
    nb = json.loads((ROOT / "notebooks" / "00_home.ipynb").read_text(encoding="utf-8"))
    params = next(c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))
    assert "coded_data" not in "".join(params["source"])
    steps = yaml.safe_load((ROOT / "pipeline.yaml").read_text(encoding="utf-8"))["steps"]
    step = next(s for s in steps if s["name"] == "home")
    assert step["reads"] == ["data/raw"] and step["output"] == "home.ipynb"
    toc = yaml.safe_load((ROOT / "book" / "_toc.yml").read_text(encoding="utf-8"))
    assert toc["root"] == "notebooks/home"


def test_a_root_page_in_a_folder_is_printed_from_the_top(tmp_path):
    """singlehtml writes the root page's links relative to its output folder (the PDF needs them to load)."""
    from ics_leadership.core.errors import BookBuildError
    from ics_leadership.publish.pdfpages import _at_top

    out = tmp_path / "singlehtml 𝒜"
    (out / "notebooks").mkdir(parents=True)
    page = out / "notebooks" / "home.html"
    page.write_text(
        '<link href="_static/compendium.css" rel="stylesheet" />\r\n'
        "<a href=\"notebooks/home.html#the-sample\">Sample</a> <a href='notebooks/home.html'>Home</a> "
        '<a href="notebooks/home.html.bak">other</a> <a href="https://doi.org/x">doi</a> 😀',
        encoding="utf-8",
    )
    top = _at_top(page, out, "notebooks/home")
    assert top == out / "home.html"
    assert top.read_bytes().decode("utf-8") == (
        '<link href="_static/compendium.css" rel="stylesheet" />\r\n'
        "<a href=\"#the-sample\">Sample</a> <a href='#'>Home</a> "
        '<a href="notebooks/home.html.bak">other</a> <a href="https://doi.org/x">doi</a> 😀'
    )
    assert page.read_text(encoding="utf-8").startswith('<link href="_static/')  # the original is left alone
    with pytest.raises(BookBuildError, match="wrote both notebooks/home.html and home.html"):
        _at_top(page, out, "notebooks/home")
