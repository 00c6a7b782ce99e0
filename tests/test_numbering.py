"""Book-wide numbers for tables and figures (publish.numbering), and the roles that cite them.

The parsing and numbering functions are checked on hand-written HTML; the Sphinx side on a small
book of three pages (reStructuredText, so no notebook machinery is needed) built in this process,
as the one-page book for the PDF too.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from ics_leadership.figures import tables
from ics_leadership.publish import numbering
from ics_leadership.publish.numbering import Item, Numbered

TWO_TABLES_AND_A_FIGURE = (
    "<style>#T_a caption {color: red}</style>"
    '<table id="T_a" class="compendium-table" data-label="sample-by-level"><caption>Leaders by level.</caption>'
    "<tr><td>1</td></tr></table>"
    '<figure class="compendium-figure"><img src="x.png" alt="x"><figcaption>Hours &amp; meetings.</figcaption></figure>'
    "<table><tr><td>no caption</td></tr></table>"
)


def test_items_of_raw_html_in_order_with_ids_labels_and_captions():
    items = numbering.html_items(TWO_TABLES_AND_A_FIGURE, lambda kind, i: f"gen-{kind}-{i}")
    assert items == [
        Item("table", "T_a", "sample-by-level", "Leaders by level."),
        Item("figure", "gen-figure-1", None, "Hours & meetings."),
        Item("table", "gen-table-2", None, ""),
    ]


def test_numbers_go_at_the_start_of_each_caption_and_elements_get_ids():
    items = numbering.html_items(TWO_TABLES_AND_A_FIGURE, lambda kind, i: f"gen-{kind}-{i}")
    numbered = [Numbered("p", items[0], 4), Numbered("p", items[1], 2), Numbered("p", items[2], 5)]
    out = numbering.number_html(TWO_TABLES_AND_A_FIGURE, numbered)
    assert '<caption><span class="compendium-number">Table 4.</span> Leaders by level.</caption>' in out
    assert '<figure class="compendium-figure" id="gen-figure-1">' in out
    assert '<figcaption><span class="compendium-number">Figure 2.</span> Hours &amp; meetings.</figcaption>' in out
    # a table without a caption gets one holding its number
    assert '<table id="gen-table-2"><caption><span class="compendium-number">Table 5.</span></caption><tr>' in out
    assert out.count("compendium-number") == 3 and out.startswith("<style>#T_a caption")
    with pytest.raises(ValueError):  # the numbers must match the items one for one
        numbering.number_html(TWO_TABLES_AND_A_FIGURE, numbered[:2])


def test_pages_are_numbered_in_reading_order_one_sequence_per_kind():
    includes = {"intro": ["a", "b"], "a": ["a1"], "b": []}
    order = numbering.toc_order("intro", includes)
    assert order == ["intro", "a", "a1", "b"]
    t, f = (lambda n: Item("table", f"t{n}", None, "")), (lambda n: Item("figure", f"f{n}", None, ""))
    numbered = numbering.assign(order, {"b": [t(1), f(1)], "a1": [t(2)], "a": [f(2), t(3)]})
    names = {doc: [e.name for e in entries] for doc, entries in numbered.items()}
    assert names == {"intro": [], "a": ["Figure 1", "Table 1"], "a1": ["Table 2"], "b": ["Table 3", "Figure 2"]}


def test_a_label_used_twice_is_a_problem_naming_both_places():
    one = Item("table", "x", "facts", "")
    numbered = numbering.assign(["a", "b"], {"a": [one], "b": [Item("figure", "y", "facts", "")]})
    by_label, problems = numbering.labels(numbered)
    assert by_label["facts"].name == "Table 1"
    assert problems == ["label 'facts' is given to Table 1 (a) and Figure 1 (b)"]


def test_tables_carry_their_label_and_print_placement():
    frame = pd.DataFrame({"a": [1]})
    shown = tables.table(frame, "A caption.", label="fact-checks", appendix=True).to_html()
    assert 'id="T_tbl-fact-checks"' in shown and 'data-label="fact-checks"' in shown
    assert 'data-print="appendix"' in shown
    online = tables.table(frame, "A caption.", online_only="In the schema & the book.").to_html()
    assert 'data-print="online" data-print-where="In the schema &amp; the book."' in online
    with pytest.raises(ValueError, match="label 'Fact checks'"):
        tables.table(frame, "A caption.", label="Fact checks")
    with pytest.raises(ValueError, match="not both"):
        tables.table(frame, "A caption.", appendix=True, online_only="somewhere")


# --- in Sphinx --------------------------------------------------------------------------------------

PAGES = {
    "index": "Home\n====\n\n.. toctree::\n\n   first\n   second\n",
    "first": (
        "First\n=====\n\nSee :tableref:`late` and :figref:`chart`.\n\n"
        '.. raw:: html\n\n   <table class="compendium-table"><caption>Early.</caption><tr><td>1</td></tr></table>\n\n'
        ".. table:: A reStructuredText table.\n\n   ===  ===\n   a    b\n   ===  ===\n   1    2\n   ===  ===\n"
    ),
    "second": (
        "Second\n======\n\n"
        ".. raw:: html\n\n"
        '   <figure class="compendium-figure" id="fig-chart" data-label="chart"><img src="data:," alt="c">'
        "<figcaption>A chart.</figcaption></figure>\n"
        '   <table id="T_late" data-label="late"><caption>Late.</caption><tr><td>2</td></tr></table>\n'
    ),
}
CONF = "from ics_leadership.publish import numbering\nroot_doc = 'index'\ndef setup(app):\n    numbering.setup(app)\n"


def _build(tmp_path, builder, pages=PAGES):
    from sphinx.cmd.build import build_main

    src = tmp_path / "src"
    src.mkdir(exist_ok=True)
    (src / "conf.py").write_text(CONF)
    for name, text in pages.items():
        (src / f"{name}.rst").write_text(text)
    out = tmp_path / builder
    warnings = tmp_path / f"{builder}-warnings.txt"
    status = build_main(["-b", builder, "-q", "-w", str(warnings), "-W", "--keep-going", str(src), str(out)])
    return status, out, warnings.read_text()


@pytest.fixture(scope="module")
def small_book(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("numbered")
    built = {builder: _build(tmp, builder) for builder in ("html", "singlehtml")}
    return built


def _numbers(text):
    return re.findall(r'class="compendium-number">([^<]*)<', text)


def test_sphinx_numbers_tables_and_figures_across_pages_and_resolves_citations(small_book):
    status, out, warnings = small_book["html"]
    assert status == 0, warnings
    first, second = (out / "first.html").read_text(), (out / "second.html").read_text()
    assert _numbers(first) == ["Table 1.", "Table 2. "]  # raw HTML, then the docutils table
    assert _numbers(second) == ["Figure 1.", "Table 3."]
    assert '<a class="compendium-citation reference internal" href="second.html#T_late">Table 3</a>' in first
    assert 'href="second.html#fig-chart">Figure 1</a>' in first
    assert "tableref" not in first and "figref" not in first


def test_the_one_page_book_has_the_same_numbers(small_book):
    status, out, warnings = small_book["singlehtml"]
    assert status == 0, warnings
    page = (out / "index.html").read_text()
    assert _numbers(page) == ["Table 1.", "Table 2. ", "Figure 1.", "Table 3."]
    assert 'href="index.html#T_late">Table 3</a>' in page  # the page itself: a link within it


def test_an_unknown_or_wrong_kind_of_label_fails_the_build(tmp_path):
    pages = {**PAGES, "first": PAGES["first"].replace(":figref:`chart`", ":figref:`late` and :tableref:`nowhere`")}
    status, _, warnings = _build(tmp_path, "html", pages)
    assert status != 0
    assert "{figref}`late`: that label is Table 3, not a figure" in warnings
    assert "{tableref}`nowhere`: no such label, not a table" in warnings


def test_sphinx_adds_no_number_of_its_own_even_when_an_extension_turns_numfig_on(tmp_path):
    # sphinx-jupyterbook-latex, which Jupyter Book loads, sets numfig on in config-inited for every
    # builder; a {table} then read "Table 1 Table 2." in the book
    from sphinx.cmd.build import build_main

    src = tmp_path / "src"
    src.mkdir()
    forced = "def _force(app, config):\n    config.numfig = True\n"
    setup = "def setup(app):\n    app.connect('config-inited', _force)\n    numbering.setup(app)\n"
    (src / "conf.py").write_text(CONF.split("def setup")[0] + "numfig = True\n" + forced + setup)
    for name, text in PAGES.items():
        (src / f"{name}.rst").write_text(text)
    assert build_main(["-b", "html", "-q", str(src), str(tmp_path / "html")]) == 0
    first = (tmp_path / "html" / "first.html").read_text()
    assert _numbers(first) == ["Table 1.", "Table 2. "] and "caption-number" not in first
