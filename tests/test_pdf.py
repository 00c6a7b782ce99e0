"""The PDF command's parts that need no browser: clear errors, the title page, its contents."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime

import pytest

from ics_leadership import cli
from ics_leadership.core.errors import BookBuildError
from ics_leadership.publish import colophon, pdf, pdfpages

from conftest import ROOT, pdf_outline


@pytest.fixture
def book_copy(tmp_path):
    """A compendium with the book's sources and raw data but no executed notebooks."""
    shutil.copytree(ROOT / "book", tmp_path / "book", ignore=shutil.ignore_patterns("_build", "notebooks", ".build-*"))
    shutil.copytree(ROOT / "data" / "raw", tmp_path / "data" / "raw")
    return tmp_path


def test_missing_executed_notebooks_say_what_to_run(book_copy, monkeypatch, capsys):
    monkeypatch.setenv("ICS_LEADERSHIP_ROOT", str(book_copy))
    assert cli.main(["pdf"]) == 1
    err = capsys.readouterr().err
    assert "executed notebooks missing (book/notebooks/home.ipynb, book/notebooks/05_methods.ipynb" in err
    assert "run `ics-leadership build` first" in err
    assert not (book_copy / "book" / "_build" / "pdf").exists()


def test_no_chromium_is_a_clear_error(monkeypatch):
    monkeypatch.setenv(pdf.CHROMIUM_ENV, "/no/such/chromium")
    with pytest.raises(BookBuildError, match=r"no chromium found \(/no/such/chromium\).*apt-get install chromium"):
        pdf.find_chromium()


def test_chapters_follow_the_table_of_contents():
    pages = pdf.chapters(ROOT / "book")
    assert pages[0] == (None, "notebooks/home")
    assert (("The study", "notebooks/01_sample") in pages) and (("Using the compendium", "reproduce") in pages)
    # sections (the contribution pages) come after their chapter
    files = [file for _, file in pages]
    assert (
        files.index("notebooks/10_codebook")
        < files.index("notebooks/contribution_relational")
        < files.index("notebooks/02_coding")
    )
    assert [file for _, file in pages].index("notebooks/01_sample") < [file for _, file in pages].index("reproduce")


def test_title_page_has_title_citation_and_build():
    when = int(datetime(2026, 3, 4, 12, 30, tzinfo=UTC).timestamp())
    source = colophon.BuildSource("0123456789abcdef0123456789abcdef01234567", False, when, "the commit's date")
    page = pdf.title_page(ROOT, ROOT / "book", source)
    assert "Clinical leaders in integrated care: a reproducible companion" in page
    assert (
        "Waring J, Bishop S, Black G, Clarke J, Roe B. What can clinical leaders contribute to the governance "
        "of integrated care systems? <i>BMJ Leader</i> 2023;7(4):279–284. doi:10.1136/leader-2022-000709"
    ) in page
    assert ("Built from commit 0123456789abcdef0123456789abcdef01234567, dated 2026-03-04 (the commit's date).") in page
    assert "Contents" not in page  # the contents have their own page, after the executive summary


def test_contents_and_lists_have_a_slot_for_each_page_number():
    titles = {
        "background": "Background and theory",
        "notebooks/05_methods": "Methods",
        "notebooks/01_sample": "The sample",
        "reproduce": "Reproduce",
    }
    items = [
        {
            "anchor": "T_tbl-1",
            "kind": "table",
            "number": "Table 1",
            "caption": "Table 1 of Waring et al. (2023), rebuilt.",
        },
        {"anchor": "fig-model", "kind": "figure", "number": "Figure 1", "caption": "The model. Drawn from model.yaml."},
        {"anchor": "T_tbl-2", "kind": "table", "number": "Table 2", "caption": "Leaders <by> level."},
    ]
    page = pdf.contents_pages(pdf.chapters(ROOT / "book"), titles, items)
    entries = re.findall(r'<li data-chapter="([^"]+)"><span class="entry">([^<]*)</span><span class="pageno">', page)
    assert entries[:3] == [
        ("background", "Background and theory"),
        ("notebooks/05_methods", "Methods"),
        ("notebooks/01_sample", "The sample"),
    ]
    assert page.index("<h3>The study</h3><ol>") < page.index('data-chapter="background"')
    assert ("reproduce", "Reproduce") in entries and "notebooks/home" not in dict(entries)  # home opens the book
    # A page without a known title is listed by its file, never dropped.
    assert ("notebooks/99_colophon", "notebooks/99_colophon") in entries
    # Each list entry links to its table or figure: the PDF's page number for it is read from that link.
    assert (
        '<h2 class="list">List of figures</h2><ol><li><span class="number">Figure 1</span>'
        '<span class="entry">The model</span><a class="pageno" href="#fig-model"></a></li></ol>'
    ) in page
    assert (
        '<span class="entry">Table 1 of Waring et al. (2023), rebuilt</span><a class="pageno" href="#T_tbl-1">' in page
    )
    assert "Leaders &lt;by&gt; level" in page


def test_list_entries_are_the_captions_first_sentence():
    assert pdfpages.short_caption("Composition of the sample (n = 25) from Table 1. Colours are safe.") == (
        "Composition of the sample (n = 25) from Table 1"
    )
    assert pdfpages.short_caption("Findings of Waring et al. (2023). More.") == "Findings of Waring et al. (2023)"
    long = "word " * 40
    cut = pdfpages.short_caption(long, limit=30)
    assert cut == "word word word word word\u2026" and len(cut) <= 30


def test_executive_summary_draws_on_the_papers_facts_with_their_locations():
    summary = pdf.executive_summary(ROOT)
    text = re.sub(r"<[^>]+>", "", summary)
    assert "The question. What can clinical leaders contribute to the governance of integrated care systems?" in text
    # The paper gives 24 and 25 clinical leaders: both, each with where it is said.
    assert "interviewed 24 or 25 clinical leaders and 47 non-clinical leaders in 3 Sustainability" in text
    assert "Clinical leaders in the sample: 24: Abstract (Methods paragraph), Results, The clinical leaders" in text
    assert "in 2018\u20132019 or 2018\u20132021." in text
    for label, where in [
        ("Analytical insight", "(Results, Analytical insight, paras 1-2; Abstract (Results paragraph))"),
        ("Relational activities", "(Results, Relational activities, paras 1-2; Abstract (Results paragraph))"),
    ]:
        assert re.search(rf"{label}: [^()]+{re.escape(where)}", text), label
    assert "Key messages for leaders of integrated care systems" in text
    # Page 2 does not repeat the title page: no citation, no title.
    assert "Bishop S" not in text and "reproducible companion" not in text


def test_pdf_command_has_help(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["pdf", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "--out" in out and "book/_build/pdf/compendium.pdf" in out


def test_an_existing_file_is_replaced_only_with_force(book_copy, monkeypatch, capsys):
    monkeypatch.setenv("ICS_LEADERSHIP_ROOT", str(book_copy))
    mine = book_copy / "mine.pdf"
    mine.write_bytes(b"my own report")
    assert cli.main(["pdf", "--out", str(mine)]) == 1
    assert capsys.readouterr().err == (
        f"error: {mine}: exists; add --force to replace it, or choose another --out\n"
        "pdf: 1 problem; nothing was written\n"
    )
    assert cli.main(["pdf", "--out", str(book_copy)]) == 1
    assert "is a folder; give a file name for --out" in capsys.readouterr().err
    # with --force the command goes on (and here stops at the missing notebooks), the file untouched
    assert cli.main(["pdf", "--out", str(mine), "--force"]) == 1
    assert "executed notebooks missing" in capsys.readouterr().err
    assert mine.read_bytes() == b"my own report"


def test_bookmarks_follow_the_book_and_lose_chromiums_doubling():
    from ics_leadership.publish.pdfoutline import Heading, book_outline, clean_title

    assert clean_title("MethodsMethods") == "Methods" and clean_title("Methods") == "Methods"
    assert clean_title("abab x") == "abab x"
    section = Heading("SitesSites", 5)
    methods = Heading("MethodsMethods", 5, [section])
    sample = Heading("The sample", 9)
    home = Heading("Home", 1, [Heading("The question", 1), methods, sample])
    outline = book_outline(
        [(None, [("Home", home)]), ("The study", [("Methods", methods), ("The sample", sample), ("Gone", None)])],
        {id(home), id(methods), id(sample)},
    )
    assert [(h.title, h.page, [c.title for c in h.children]) for h in outline] == [
        ("Home", 1, ["The question"]),  # the chapters chromium nested under the home page are not repeated there
        ("The study", 5, ["Methods", "The sample"]),
    ]
    assert [c.title for c in outline[1].children[0].children] == ["Sites"]


# --- the printed report (slow: conftest.pdf_build prints it once per session) -----------------------

#: Print margins (publish.chromium.MARGINS, 15 mm) in PDF points: the header and footer lie outside.
MARGIN_PT = 15 * 72 / 25.4
#: Text this large or larger is a heading (body 9.5 pt; h5 1.05rem ~ 10 pt; captions 8.5, tables 7.5).
HEADING_PT = 9.9
#: Text this large starts a chapter (chapter titles are 1.75rem ~ 16.6 pt).
CHAPTER_PT = 15.0
ROLE_TEXT = ("{glue", "{numref", "{cite", "{tableref", "{figref")


def _matrix(m, n):
    a, b, c, d, e, f = m
    aa, bb, cc, dd, ee, ff = n
    return [
        a * aa + b * cc,
        a * bb + b * dd,
        c * aa + d * cc,
        c * bb + d * dd,
        e * aa + f * cc + ee,
        e * bb + f * dd + ff,
    ]


def _page_layout(page):
    """The page's text lines in the body (y from the bottom, size in pt, text), top line first, and how
    far down its lowest ink (text, image or non-white rectangle) reaches, as a share of the body."""
    height = float(page.mediabox.height)
    top, bottom = height - MARGIN_PT, MARGIN_PT
    runs, ink, white = [], [], [False]

    def operator(op, args, cm, tm):
        if op in (b"rg", b"g", b"sc", b"scn"):
            values = [float(a) for a in args if isinstance(a, (int, float))]
            white[0] = bool(values) and all(v >= 0.99 for v in values[:3])
        elif op == b"Do":  # an image: the unit square through the current matrix
            ink.append(min(cm[5], cm[5] + cm[3]))
        elif op == b"re" and not white[0]:
            y, h = float(args[1]), float(args[3])
            ink.append(min(y * cm[3] + cm[5], (y + h) * cm[3] + cm[5]))

    def text(t, cm, tm, font, size):
        if t.strip():
            m = _matrix(tm, cm)
            runs.append((m[5], size * (m[3] or 1), t))

    page.extract_text(visitor_operand_before=operator, visitor_text=text)
    lines: dict[int, list] = {}
    for y, size, t in runs:
        if bottom < y < top:
            lines.setdefault(round(y), []).append((size, t))
    body = [(y, max(s for s, _ in parts), "".join(t for _, t in parts)) for y, parts in lines.items()]
    body.sort(reverse=True)
    lowest = min([y for y in ink if bottom - 2 < y < top] + [y for y, _, _ in body], default=top)
    return body, lowest, (top - lowest) / (top - bottom)


@pytest.fixture(scope="module")
def printed(pdf_build):
    """The report read back: its pages' text, their layout, and its bookmarks (depth, title, page)."""
    from pypdf import PdfReader

    path, stdout = pdf_build
    reader = PdfReader(path)
    texts = [re.sub(r"[ \t]+", " ", page.extract_text() or "") for page in reader.pages]
    return {
        "texts": texts,
        "layout": [_page_layout(p) for p in reader.pages],
        "outline": pdf_outline(reader),
        "stdout": stdout,
    }


def _listed(printed):
    """The entries of the lists of figures and tables: (kind, number, page printed)."""
    outline = printed["outline"]
    first = next(page for depth, title, page in outline if title == "List of figures")
    last = (
        next(
            page
            for depth, title, page in outline
            if depth == 0
            and title not in ("Title page", "Executive summary", "Contents", "List of figures", "List of tables")
        )
        - 1
    )
    lines = "\n".join(printed["texts"][first - 1 : last]).splitlines()
    return [
        (m[1], int(m[2]), int(m[3]))
        for line in lines
        if (m := re.match(r"(Table|Figure) (\d+) .*\D(\d+)$", line.strip()))
    ]


@pytest.mark.slow
def test_the_report_fits_sixty_pages_with_no_half_empty_page_but_at_chapter_ends(printed):
    layout = printed["layout"]
    assert len(layout) <= 60
    # A page opens a chapter when its first line is a chapter title; the page before is a chapter end.
    starts = {n for n, (lines, _, _) in enumerate(layout, start=1) if lines and lines[0][1] >= CHAPTER_PT}
    contents = next(page for depth, title, page in printed["outline"] if title == "Contents")
    assert {2, contents}.issubset(starts)  # the summary (page 2) and the contents open their pages
    ends = {n - 1 for n in starts} | {len(layout)}
    under = [n for n, (_, _, full) in enumerate(layout, start=1) if full < 0.5 and n not in ends]
    assert len(under) <= 3, f"pages less than half full that are not chapter ends: {under}"
    blank = [n for n, (_, _, full) in enumerate(layout, start=1) if full < 0.02]
    assert blank == []


@pytest.mark.slow
def test_no_heading_is_the_last_line_of_a_page(printed):
    orphans = []
    for number, (lines, lowest, _) in enumerate(printed["layout"], start=1):
        if lines:
            y, size, text = lines[-1]
            if size >= HEADING_PT and y - lowest < 3:  # nothing (no figure) below the heading either
                orphans.append(f"page {number}: {text!r}")
    assert orphans == []


@pytest.mark.slow
def test_lists_of_figures_and_tables_give_each_items_page(printed, built_book):
    listed = _listed(printed)
    texts = printed["texts"]
    html = " ".join(p.read_text(encoding="utf-8") for p in (built_book / "book" / "_build" / "html").rglob("*.html"))
    for kind in ("Table", "Figure"):
        numbers = [n for k, n, _ in listed if k == kind]
        in_html = {int(n) for n in re.findall(rf'class="compendium-number">{kind} (\d+)\.', html)}
        assert numbers == list(range(1, len(numbers) + 1)) and set(numbers) == in_html, kind
    for kind, number, page in listed:
        # On that page: the caption's number, or the pointer left for a table printed elsewhere.
        assert re.search(rf"{kind} {number}\.(\s|$)", texts[page - 1]), f"{kind} {number} is not on page {page}"


@pytest.mark.slow
def test_every_table_and_figure_of_the_book_has_a_number(built_book):
    unnumbered = []
    for page in sorted((built_book / "book" / "_build" / "html").rglob("*.html")):
        main = page.read_text(encoding="utf-8").partition("<main")[2]
        for element in re.findall(r"<(?:table|figure)\b.*?</(?:caption|figcaption)>", main, flags=re.S):
            if "compendium-number" not in element:
                unnumbered.append(f"{page.name}: {re.sub(r'<[^>]+>', '', element)[:80]}")
        tables, figures = main.count("<table"), main.count("<figure")
        assert main.count('class="compendium-number">') == tables + figures, page.name
    assert unnumbered == []


@pytest.mark.slow
def test_no_raw_myst_role_text_in_the_book_or_the_report(printed, built_book):
    for page in (built_book / "book" / "_build" / "html").rglob("*.html"):
        text = re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8").partition("<main")[2])
        assert not [role for role in ROLE_TEXT if role in text], page.name
    whole = " ".join(printed["texts"])
    assert [role for role in ROLE_TEXT if role in whole] == []


@pytest.mark.slow
def test_no_word_is_broken_inside_a_table_cell(printed):
    """The build checks the print layout of every cell and warns of a word broken inside."""
    assert "a word breaks inside a table cell" not in printed["stdout"]
    assert "warning" not in printed["stdout"]


@pytest.mark.slow
def test_the_broken_word_check_finds_one():
    """An identifier wraps after '_' and '/' only (not flagged); a word broken anywhere is flagged."""
    from playwright.sync_api import sync_playwright

    from ics_leadership.publish import pdfdom

    word = "Pneumonoultramicroscopic"
    page_html = (
        "<article class='bd-article'><table style='width:8em'><tr>"
        "<td id='identifier'>analytical_insight/evidence_and_data_reviewing</td></tr></table>"
        f"<table style='width:8em'><tr><td style='overflow-wrap:anywhere'>{word}</td></tr></table></article>"
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=pdf.find_chromium(), args=list(pdf.CHROMIUM_ARGS), headless=True)
        try:
            page = browser.new_page()
            page.set_content(page_html)
            page.add_style_tag(content="td { overflow-wrap: normal; font-size: 12px; line-height: 14px; }")
            page.evaluate(pdfdom._IDENTIFIERS_JS)
            lines = page.evaluate("document.getElementById('identifier').getBoundingClientRect().height / 14")
            broken = page.evaluate(pdfdom.BROKEN_WORDS_JS)
        finally:
            browser.close()
    assert lines >= 3  # the identifier did wrap, at its '_' and '/'
    assert len(broken) == 1 and broken[0].endswith(" (a table)")
    first, rest = broken[0].removesuffix(" (a table)").split("|")
    assert first + rest == word and 0 < len(first) < len(word)  # broken inside the word
