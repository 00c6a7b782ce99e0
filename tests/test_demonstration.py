"""Demonstration data never read as findings: which pages show analyses of the synthetic corpus, where
the book files them, and how its extension draws them (one badge, ``data-source="synthetic"``).

The built book itself is checked in test_book.py (slow); these tests read the table of contents, the
pipeline and the extension's doctree work, without building anything.
"""

from __future__ import annotations

import importlib
import json
import sys
from types import SimpleNamespace

import pytest
from docutils import nodes
from docutils.core import publish_doctree, publish_from_doctree
from docutils.writers import html5_polyglot
from sphinx import addnodes

from ics_leadership.figures import tables
from ics_leadership.publish import demonstration, pipeline
from ics_leadership.publish.pdfpages import chapters

from conftest import ROOT

SYNTHETIC_CORPUS = "data/derived/synthetic"


@pytest.fixture(scope="module")
def extension():
    """book/_ext/compendium_book.py, imported as Sphinx imports it."""
    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    try:
        return importlib.import_module("compendium_book")
    finally:
        sys.path.remove(str(ROOT / "book" / "_ext"))


def _pages_by_part() -> dict[str | None, list[str]]:
    parts: dict[str | None, list[str]] = {}
    for caption, file in chapters(ROOT / "book"):
        parts.setdefault(caption, []).append(file)
    return parts


# --- where the pages are filed ----------------------------------------------------------------------


def test_pages_reading_the_synthetic_corpus_are_exactly_the_demonstration_part():
    """Read from book/_toc.yml and pipeline.yaml, not a list kept here: a page whose step reads the
    synthetic corpus is in the demonstration part, and every page there reads it."""
    parts = _pages_by_part()
    assert demonstration.PART_CAPTION in parts
    config = pipeline.load_config(ROOT / "pipeline.yaml")
    steps = {f"notebooks/{spec.output_name.removesuffix('.ipynb')}": spec.name for spec in config.notebooks}
    reads_synthetic = {page for page, name in steps.items() if SYNTHETIC_CORPUS in config.step(name).reads}
    assert set(parts[demonstration.PART_CAPTION]) == reads_synthetic
    assert reads_synthetic >= {"notebooks/02_coding", "notebooks/04_model_weights"}
    for page in parts["The study"]:
        assert page not in reads_synthetic, page
        step = steps.get(page)
        assert step is None or "coded_data" not in config.step(step).parameters, page


def test_the_study_part_holds_only_the_papers_pages():
    parts = _pages_by_part()
    study = parts["The study"]
    assert "notebooks/03_model" in study and "notebooks/contribution_relational" in study
    assert "notebooks/02_coding" not in study and "notebooks/04_model_weights" not in study
    # The demonstration comes after the paper and the critical reading, before the how-to part.
    order = list(parts)
    assert order.index(demonstration.PART_CAPTION) == order.index("Reading it critically") + 1


# --- which pages are demonstrations: the outputs say so ------------------------------------------------


def _notebook(*outputs: dict) -> dict:
    return {"cells": [{"cell_type": "markdown", "source": "# Page"}, {"cell_type": "code", "outputs": list(outputs)}]}


def test_a_notebook_is_synthetic_when_any_output_is_marked(tmp_path):
    plain = {"output_type": "display_data", "data": {"text/html": "<table></table>"}, "metadata": {}}
    marked = {**plain, "metadata": tables.output_metadata(True)}
    assert demonstration.data_source(_notebook(plain)["cells"]) is None
    assert demonstration.data_source(_notebook(plain, marked)["cells"]) == "synthetic"
    other = {**plain, "metadata": {"ics_leadership": {"data_source": "real"}, "scrapbook": {"name": "x"}}}
    assert demonstration.data_source(_notebook(other)["cells"]) is None
    assert demonstration.output_data_source({"output_type": "stream", "text": "synthetic"}) is None
    path = tmp_path / "page 𝒜.ipynb"
    path.write_text(json.dumps(_notebook(plain, marked)), encoding="utf-8")
    assert demonstration.notebook_data_source(path) == "synthetic"
    (tmp_path / "page.md").write_text("# Synthetic demonstration data", encoding="utf-8")
    assert demonstration.notebook_data_source(tmp_path / "page.md") is None  # not a notebook


def test_outputs_of_synthetic_tables_and_figures_are_marked_through_ipython(tmp_path):
    """The mark reaches a notebook's output through IPython's own formatter, as in a kernel."""
    import matplotlib.pyplot as plt
    import pandas as pd
    from IPython.core.formatters import DisplayFormatter

    formatter = DisplayFormatter()
    frame = pd.DataFrame({"a": [1]})
    data, metadata = formatter.format(tables.show(tables.CaptionedTable(frame, "One row.", synthetic=True)))
    assert metadata == tables.SYNTHETIC_OUTPUT and "<caption>One row.</caption>" in data["text/html"]
    data, metadata = formatter.format(tables.show(tables.CaptionedTable(frame, "One row.")))
    assert metadata == {} and "text/html" in data
    fig, _ = plt.subplots()
    shown = tables.show(tables.CaptionedFigure(fig, "f", "A figure.", "Nothing drawn.", synthetic=True), tmp_path)
    data, metadata = formatter.format(shown)
    assert metadata == tables.SYNTHETIC_OUTPUT and "<figcaption>A figure.</figcaption>" in data["text/html"]
    data, metadata = formatter.format(tables.banner(True, "A corpus."))
    assert metadata == tables.SYNTHETIC_OUTPUT and "A corpus." in data["text/html"]
    assert formatter.format(tables.banner(False, "Real data."))[1] == {}


# --- how the book draws them ---------------------------------------------------------------------------


def _page(text: str) -> nodes.document:
    return publish_doctree(text, settings_overrides={"doctitle_xform": False, "report_level": 5})


class _Translator(html5_polyglot.HTMLTranslator):
    pass


def _html(extension, doctree: nodes.document) -> str:
    _Translator.visit_demonstration_section = extension._visit_demonstration
    _Translator.depart_demonstration_section = extension._depart_demonstration
    writer = html5_polyglot.Writer()
    writer.translator_class = _Translator
    return publish_from_doctree(doctree, writer=writer).decode("utf-8")


def _read(extension, doctree, tmp_path, marked: bool) -> None:
    """What Sphinx does when it reads a page: the extension looks at the page's executed notebook."""
    outputs = [{"output_type": "display_data", "data": {}, "metadata": tables.output_metadata(marked)}]
    path = tmp_path / f"{marked}.ipynb"
    path.write_text(json.dumps(_notebook(*outputs)), encoding="utf-8")
    app = SimpleNamespace(env=SimpleNamespace(docname="notebooks/x", doc2path=lambda docname: path))
    extension._mark_demonstrations(app, doctree)


def test_a_marked_page_is_one_tinted_section_with_one_badge_under_its_title(extension, tmp_path):
    doctree = _page("Theme coding\n============\n\nNumbers.\n\nA section\n---------\n\nMore numbers.\n")
    _read(extension, doctree, tmp_path, marked=True)
    extension._draw_demonstrations(None, doctree, "notebooks/x")
    html = _html(extension, doctree)
    start = html.index('<section class="compendium-demonstration" data-source="synthetic" id="theme-coding">')
    assert html.count('data-source="synthetic"') == 1 and html.count(demonstration.BADGE_CLASS) == 1
    # The badge follows the title, inside the section, which encloses the whole page (its sub-sections too).
    assert start < html.index(">Theme coding</h2>") < html.index(demonstration.BADGE_TITLE)
    assert html.index(demonstration.BADGE_TITLE) < html.index("Numbers.") < html.index("More numbers.")
    assert html.index("More numbers.") < html.index("</section>\n</section>\n</main>")
    extension._draw_demonstrations(None, doctree, "notebooks/x")  # drawn twice: still one badge
    assert _html(extension, doctree).count(demonstration.BADGE_CLASS) == 1


def test_an_unmarked_page_is_left_as_it_is(extension, tmp_path):
    doctree = _page("Sample\n======\n\nTable 1.\n")
    _read(extension, doctree, tmp_path, marked=False)
    extension._draw_demonstrations(None, doctree, "notebooks/01_sample")
    html = _html(extension, doctree)
    assert "data-source" not in html and demonstration.BADGE_CLASS not in html
    assert '<section id="sample">' in html


def test_in_the_single_page_the_pdf_prints_only_the_marked_pages_are_drawn(extension, tmp_path):
    """The PDF is printed from Sphinx's single-page build: every page's tree inside one document."""
    study, demo = _page("Sample\n======\n\nTable 1.\n"), _page("Coding\n======\n\nNumbers.\n")
    _read(extension, study, tmp_path, marked=False)
    _read(extension, demo, tmp_path, marked=True)
    book = _page("Home\n====\n\nWelcome.\n")
    for docname, tree in (("notebooks/01_sample", study), ("notebooks/02_coding", demo)):
        page = addnodes.start_of_file(docname=docname)
        page.extend(tree.children)
        book.append(page)
    extension._draw_demonstrations(None, book, "intro")
    shown = list(book.findall(extension.demonstration_section))
    assert [s["ids"] for s in shown] == [["coding"]]
    assert isinstance(shown[0].parent, addnodes.start_of_file) and shown[0].parent["docname"] == "notebooks/02_coding"
    assert len([n for n in book.findall(nodes.raw) if demonstration.BADGE_CLASS in n.astext()]) == 1


def test_the_badge_says_plainly_that_it_is_not_a_finding():
    badge = demonstration.badge_html()
    assert badge.count("<p ") == 1 and "not findings of the study" in badge and "synthetic" in badge
    assert "confidential" in badge and "no verdict" in badge
