"""The rendered book in a real headless browser (Debian's chromium driven by Playwright), and its PDF.

Every page of the table of contents loads without errors from the book's own files only, its links
resolve, its images have alt text, axe-core finds nothing serious, the search finds Table 1, and
`ics-leadership pdf` (what `make pdf` runs) prints the whole report.
"""

from __future__ import annotations

import functools
import html
import html.parser
import http.server
import json
import re
import threading
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import yaml
from test_sample import PAPER_TABLE1

from ics_leadership.publish import pdf, pipeline

from conftest import CHROMIUM, ROOT, need_chromium, pdf_outline

pytestmark = pytest.mark.slow

# Flags for a closed network and a root user: the same ones the PDF step gives chromium.
CHROMIUM_ARGS = list(pdf.CHROMIUM_ARGS)

#: The conceptual model's page (Figure 1), written on another branch.
MODEL_PAGE = "notebooks/03_model"
#: Home: the book's root page (a notebook, so that its figures, cards and messages come from the data).
HOME_PAGE = "notebooks/home"
#: Where the launch buttons point (a placeholder that forks change, see README).
BINDER = "https://mybinder.org/v2/gh/ics-leadership/compendium/main?urlpath=lab/tree/"


def _toc_files() -> list[str]:
    """Every page of the book in reading order, from its table of contents."""
    from ics_leadership.publish.pdf import chapters

    return [file for _, file in chapters(ROOT / "book")]


def _book_pages() -> list[str]:
    return [f"{f}.html" for f in _toc_files()]


@pytest.fixture(scope="module")
def html_dir(built_book) -> Path:
    return built_book / "book" / "_build" / "html"


@pytest.fixture(scope="module")
def site(html_dir):
    """Serve the built HTML on a loopback port for the duration of the module."""
    handler = functools.partial(_QuietHandler, directory=str(html_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output readable
        pass


@pytest.fixture(scope="module")
def browser():
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.problems = []
    pg.requests = []
    pg.on("console", lambda m: m.type == "error" and pg.problems.append(f"console: {m.text}"))
    pg.on("pageerror", lambda e: pg.problems.append(f"page error: {e}"))
    pg.on("requestfailed", lambda r: pg.problems.append(f"failed request: {r.url}"))
    pg.on("request", lambda r: pg.requests.append(r.url))
    yield pg
    context.close()


# --- every page ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", _book_pages())
def test_page_loads_cleanly_from_the_book_alone(page, site, path):
    response = page.goto(f"{site}/{path}", wait_until="networkidle")
    assert response.status == 200
    broken = page.evaluate(
        "Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)"
    )
    assert broken == []
    assert page.problems == []
    # Offline by construction: nothing is fetched from anywhere but the book itself.
    outside = [u for u in page.requests if not u.startswith((site, "data:", "blob:", "about:"))]
    assert outside == []


@pytest.mark.parametrize("path", _book_pages())
def test_no_serious_accessibility_violations(page, site, path):
    """axe-core (shipped inside the axe-playwright-python wheel) on every page, in both colour modes,
    with the folded code cells opened so that they are checked too."""
    import axe_playwright_python

    page.goto(f"{site}/{path}", wait_until="networkidle")
    page.add_script_tag(path=str(Path(axe_playwright_python.__file__).with_name("axe.min.js")))
    # Colours must be read when a fade (opening a fold, switching mode) has finished, not halfway.
    page.add_style_tag(content="*, *::before, *::after { transition: none !important; animation: none !important; }")
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    serious = []
    for mode in ("light", "dark"):
        page.evaluate(
            "m => { document.documentElement.dataset.mode = m; document.documentElement.dataset.theme = m; }", mode
        )
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        serious += [
            f"{mode} mode: {v['id']} ({v['impact']}): {v['help']}; e.g. {v['nodes'][0]['target']} "
            f"{v['nodes'][0].get('failureSummary', '').splitlines()[-1:]}"
            for v in results["violations"]
            if v["impact"] in ("serious", "critical")
        ]
    assert serious == [], "\n".join(serious)


def test_every_image_in_the_content_has_alt_text(page, site):
    """Every ``img`` in ``main`` has a meaningful alt; figures of results describe what they show."""
    figures = 0
    for path in _book_pages():
        page.goto(f"{site}/{path}", wait_until="domcontentloaded")
        images = page.evaluate("""Array.from(document.querySelectorAll('main img')).map(i => ({
            alt: (i.getAttribute('alt') || '').trim(), figure: !!i.closest('article figure'),
            src: i.getAttribute('src').slice(0, 60)}))""")
        for image in images:
            assert len(image["alt"]) >= 5 and not re.search(r"\.(png|svg|jpe?g)$|^image$", image["alt"], re.I), (
                f"{path}: {image['src']} has alt {image['alt']!r}"
            )
            if image["figure"]:
                figures += 1
                assert len(image["alt"]) > 40, f"{path}: a figure's alt text says too little: {image['alt']!r}"
    assert figures >= 2


# --- particular pages ---------------------------------------------------------------------------


def test_no_table_scrolls_sideways_at_desk_width(browser, site):
    """At 1280 px every table fits the text column: none needs its box's sideways scroll (which hid
    the ledger's verdicts, p values and COREQ notes)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    wide = []
    for path in _book_pages():
        page = context.new_page()
        page.goto(f"{site}/{path}", wait_until="load")
        wide += page.evaluate(
            """(path) => [...document.querySelectorAll('main table')].filter(t => {
                for (let el = t.parentElement; el && el.tagName !== 'MAIN'; el = el.parentElement) {
                    const s = getComputedStyle(el);
                    if (['auto', 'scroll'].includes(s.overflowX) && el.scrollWidth > el.clientWidth + 1) return true;
                }
                return false;
            }).map(t => path + ': ' + ((t.querySelector('caption') || {}).innerText || '').slice(0, 80))""",
            path,
        )
        page.close()
    context.close()
    assert wide == []


def test_the_demonstration_frame_keeps_the_text_column_width(browser, site):
    """The tinted frame of a demonstration page reaches into the article's padding: the text column
    inside it is as wide as every other page's (tables are fitted to it), and nothing scrolls."""
    inner_widths = """() => ['article.bd-article', 'section[data-source]']
        .map(selector => document.querySelector(selector))
        .map(el => { const c = getComputedStyle(el), px = p => parseFloat(c[p]);
            return el.getBoundingClientRect().width - px('paddingLeft') - px('paddingRight')
                - px('borderLeftWidth') - px('borderRightWidth'); })
        .concat([document.documentElement.scrollWidth])"""
    for width in (1280, 768, 390):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(f"{site}/notebooks/04_model_weights.html", wait_until="load")
        article, section, scroll = page.evaluate(inner_widths)
        assert abs(section - article) < 1 and scroll <= width, (width, article, section, scroll)
        context.close()


def test_table1_stays_whole_on_a_phone(browser, site):
    """At 390 px Table 1 is stacked (a block per level, each list after its STP's name): nothing is
    cut off at the screen's edge, and the third STP is there."""
    context = browser.new_context(viewport={"width": 390, "height": 900})
    page = context.new_page()
    page.goto(f"{site}/notebooks/01_sample.html", wait_until="networkidle")
    table = page.locator("main table.compendium-stack").first
    box = table.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    text = table.inner_text()
    assert all(f"STP {s}" in text for s in "ABC") and "Cancer Services Lead (Nursing)" in text
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    context.close()


def test_table1_is_visible_with_every_role(page, site):
    page.goto(f"{site}/notebooks/01_sample.html", wait_until="networkidle")
    table = page.locator("table", has=page.locator("caption", has_text="Table 1 of Waring et al. (2023)"))
    assert table.count() == 1
    table.scroll_into_view_if_needed()
    assert table.is_visible()
    text = table.inner_text()
    for entries in PAPER_TABLE1.values():
        for entry in entries:
            assert entry in text


def test_sample_figures_have_descriptive_alt_text(page, site):
    page.goto(f"{site}/notebooks/01_sample.html", wait_until="networkidle")
    alts = page.evaluate(
        "Array.from(document.querySelectorAll('main article img')).map(i => i.getAttribute('alt') || '')"
    )
    assert len(alts) == 2
    assert all(len(a) > 40 for a in alts)


def test_figure1_conceptual_model_is_visible(page, site):
    page.goto(f"{site}/{MODEL_PAGE}.html", wait_until="networkidle")
    assert page.problems == []
    figure = page.locator(
        "main article figure", has=page.locator("figcaption", has_text="reconstructed by the compendium from the text")
    ).first
    figure.scroll_into_view_if_needed()
    assert figure.is_visible()
    image = figure.locator("img").first
    assert image.is_visible()
    assert image.evaluate("i => i.complete && i.naturalWidth > 0")
    box = image.bounding_box()
    assert box["width"] > 300 and box["height"] > 150
    # The alt text walks through the model: every primary contribution is named.
    alt = (image.get_attribute("alt") or "").lower()
    for contribution in ("analytical insight", "representation", "translat", "relational"):
        assert contribution in alt


def test_figure_and_table_captions_share_one_style(page, site):
    """Figure captions are not centred or muted beside bold table captions: one style for both."""
    page.goto(f"{site}/notebooks/01_sample.html", wait_until="networkidle")
    styles = page.evaluate(
        """() => ['figure.compendium-figure figcaption', 'table.compendium-table caption'].map(sel => {
            const s = getComputedStyle(document.querySelector('main ' + sel));
            return [s.textAlign, s.fontWeight, s.fontStyle, s.color, s.fontSize];
        })"""
    )
    figure, table = styles
    assert figure == table, styles
    assert figure[0] in ("left", "start") and int(figure[1]) >= 600


def test_home_page_numbers_are_rendered(page, site):
    page.goto(f"{site}/{HOME_PAGE}.html", wait_until="networkidle")
    text = page.locator("main").inner_text()
    assert "interviewed the 25 clinical leaders" in text and "it gives both 24 and 25" in text
    assert "observed 28 meetings over 49 hours" in text


def test_home_first_screen_holds_the_question_and_the_abstract(page, site):
    """On a 1280x900 screen the question and the study in brief are read before any scrolling."""
    page.goto(f"{site}/{HOME_PAGE}.html", wait_until="networkidle")
    found = page.evaluate(
        """starts => starts.map(start => {
            const p = Array.from(document.querySelectorAll('main p')).find(p => p.innerText.startsWith(start));
            if (!p) return null;
            const r = p.getBoundingClientRect();
            return {top: r.top, bottom: r.bottom, text: p.innerText};
        })""",
        ["What can clinical leaders contribute to the governance of integrated care systems?", "The study in brief."],
    )
    assert all(found), found
    assert [f["bottom"] <= 900 for f in found] == [True, True], found
    assert found[0]["bottom"] <= found[1]["top"]
    assert "four distinct contributions" in found[1]["text"] and "(Abstract; Methods)" in found[1]["text"]


def test_home_figures_are_described_and_readable_on_a_phone(browser, site):
    """Home's two figures: alt text saying they are the compendium's reading; at 390 px they keep
    their print size in a frame that scrolls sideways (and a keyboard can reach); at 1280 px they fit."""
    sizes = {}
    for width in (390, 1280):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(f"{site}/{HOME_PAGE}.html", wait_until="networkidle")
        sizes[width] = page.evaluate(
            """() => Array.from(document.querySelectorAll('main figure.compendium-figure-zoom')).map(f => {
                const frame = f.querySelector('.compendium-zoom'), img = f.querySelector('img');
                return {alt: img.getAttribute('alt') || '', width: img.getBoundingClientRect().width,
                        scrolls: frame.scrollWidth > frame.clientWidth + 1, tab: frame.tabIndex,
                        caption: f.querySelector('figcaption').innerText};
            })"""
        )
        context.close()
    phone, desk = sizes[390], sizes[1280]
    assert len(phone) == len(desk) == 2
    model, grid = phone
    assert model["alt"].startswith("The compendium's reconstruction from the paper's text, not the article's Figure 1")
    assert grid["alt"].startswith("Where the paper places each contribution: the compendium's reading")
    for contribution in ("Analytical insight", "Representation", "Relational activities"):
        assert contribution in model["alt"] and contribution in grid["alt"]
    assert "not the article's figure" in model["caption"] and "not a figure of the article" in grid["caption"]
    assert all(f["scrolls"] and f["width"] >= 600 and f["tab"] == 0 for f in phone)
    assert all(not f["scrolls"] and f["width"] < 800 for f in desk)


def test_home_cards_open_each_contribution_page(page, site):
    page.goto(f"{site}/{HOME_PAGE}.html", wait_until="networkidle")
    links = page.evaluate(
        """() => Array.from(document.querySelectorAll('main .compendium-card a.sd-stretched-link'))
            .map(a => [a.getAttribute('href'), a.innerText || a.textContent])"""
    )
    contributions = ("analytical_insight", "representation", "translating_communicating", "relational")
    assert sorted(href for href, _ in links) == sorted(f"contribution_{c}.html" for c in contributions)
    assert all(name.strip().replace("’", "'").endswith(": the contribution's page") for _, name in links)
    text = page.locator("main").inner_text().replace("’", "'")
    assert "Key messages for ICS leaders" in text and "(Discussion, para 6)" in text
    assert "The compendium's inference, not a finding of the paper." in text


def test_model_figures_have_alt_text_listing_the_links(page, site):
    page.goto(f"{site}/notebooks/03_model.html", wait_until="networkidle")
    alts = page.evaluate(
        "Array.from(document.querySelectorAll('main article img')).map(i => i.getAttribute('alt') || '')"
    )
    assert len(alts) == 2  # Figure 1 and the concentration grid (the weighted model is a demonstration page)
    assert "Clinical expertise to Analytical insight" in alts[0]
    assert not any("Synthetic demonstration data" in a for a in alts)
    caption = page.locator("figcaption", has_text="reconstructed by the compendium from the text")
    figure = page.locator("figure", has=caption)
    figure.scroll_into_view_if_needed()
    assert figure.is_visible()


def test_search_finds_table1(page, site):
    page.goto(f"{site}/search.html?q=Table+1", wait_until="networkidle")
    results = page.locator("#search-results ul.search li a")
    results.first.wait_for(timeout=15000)
    hrefs = [urllib.parse.urlsplit(h).path for h in results.evaluate_all("els => els.map(a => a.href)")]
    assert "/notebooks/01_sample.html" in hrefs
    assert page.problems == []


def test_notebook_pages_offer_binder_and_the_executed_notebook(page, site, html_dir):
    notebooks = [f for f in _toc_files() if f.startswith("notebooks/")]
    assert notebooks
    sources = {Path(s.output_name).stem: s.path for s in pipeline.load_config(ROOT / "pipeline.yaml").notebooks}
    for file in notebooks:
        page.goto(f"{site}/{file}.html", wait_until="domcontentloaded")
        launch = page.evaluate("Array.from(document.querySelectorAll('a[href*=\"mybinder.org\"]')).map(a => a.href)")
        # The button opens the committed source notebook (one source may give several pages).
        source = sources[file.removeprefix("notebooks/")]
        assert launch == [f"{BINDER}{source}"]
        assert (ROOT / source).is_file()
        download = page.evaluate(
            "Array.from(document.querySelectorAll('a[href$=\".ipynb\"]'))"
            ".filter(a => !a.href.includes('mybinder')).map(a => a.href)"
        )
        assert download == [f"{site}/_sources/{file}.ipynb"]
        executed = json.loads((html_dir / "_sources" / f"{file}.ipynb").read_text(encoding="utf-8"))
        assert any(cell.get("outputs") for cell in executed["cells"]), f"{file}: the download has no outputs"


# --- links --------------------------------------------------------------------------------------


class _Anchors(html.parser.HTMLParser):
    """The ``id`` and ``name`` attributes of a page: the targets a ``#fragment`` may name."""

    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if key in ("id", "name") and value:
                self.ids.add(value)


def test_internal_links_resolve(page, site):
    """Crawl the book from every page: same-site links answer 200 and their #fragments exist."""
    to_visit = [f"{site}/{p}" for p in _book_pages()]
    visited: set[str] = set()
    anchors: dict[str, set[str]] = {}
    broken: list[str] = []

    def targets(url: str) -> set[str] | None:
        if url not in anchors:
            try:
                with urllib.request.urlopen(url, timeout=10) as response:
                    body = response.read().decode("utf-8", "replace")
            except urllib.error.HTTPError:
                anchors[url] = None
                return None
            parser = _Anchors()
            if url.endswith(".html") or url.endswith("/"):
                parser.feed(body)
            anchors[url] = parser.ids
        return anchors[url]

    while to_visit:
        url = to_visit.pop()
        if url in visited:
            continue
        visited.add(url)
        page.goto(url, wait_until="domcontentloaded")
        hrefs = page.evaluate(
            "Array.from(document.querySelectorAll('a[href]')).map(a => [a.getAttribute('href'), a.href])"
        )
        for raw, absolute in hrefs:
            if not absolute.startswith(site) or raw == "#" or raw.startswith("javascript:"):
                continue
            target, _, fragment = absolute.partition("#")
            target = target.split("?")[0]
            found = targets(target)
            if found is None:
                broken.append(f"{url}: {raw} (not found)")
            elif fragment and urllib.parse.unquote(fragment) not in found:
                broken.append(f"{url}: {raw} (no #{fragment} there)")
            elif target.endswith(".html") and target not in visited:
                to_visit.append(target)
    assert broken == [], "\n".join(sorted(set(broken)))
    assert len(visited) >= len(_book_pages())


# --- the PDF ------------------------------------------------------------------------------------


# `pdf_build` (conftest.py) prints the PDF once for every PDF test of the session.


def _page_title(html_file: Path) -> str:
    """A page's title as the book renders it (its first heading)."""
    text = html_file.read_text(encoding="utf-8")
    heading = re.search(r"<h1>(.*?)</h1>", text, flags=re.S).group(1)
    heading = re.sub(r'<a class="headerlink".*?</a>', "", heading)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", heading))).strip()


def test_pdf_contents_outline_and_information(pdf_build, html_dir):
    """Contents with page numbers that are the chapters' pages; bookmarks in the book's hierarchy,
    none doubled; author, subject and keywords in the document information."""
    from pypdf import PdfReader

    path, _ = pdf_build
    reader = PdfReader(path)
    outline = pdf_outline(reader)
    top = [title for depth, title, _ in outline if depth == 0]
    toc = yaml.safe_load((ROOT / "book" / "_toc.yml").read_text())
    # The home page is not printed: the executive summary stands for it.
    front = ["Title page", "Executive summary", "Contents", "List of figures", "List of tables"]
    assert top == [*front, *(part["caption"] for part in toc["parts"])]
    for _, title, _ in outline:
        half = len(title) // 2
        assert not (len(title) % 2 == 0 and title[:half] == title[half:]), f"doubled bookmark {title!r}"
    chapters = {title: page for depth, title, page in outline if depth == 1}
    front_pages = {title: page for depth, title, page in outline if depth == 0 and title in front}
    assert front_pages["Title page"] == 1 and front_pages["Executive summary"] == 2
    contents = re.sub(r"\s+", " ", reader.pages[front_pages["Contents"] - 1].extract_text())
    methods = _page_title(html_dir / "notebooks" / "05_methods.html")
    assert f"{methods} {chapters[methods]}" in contents  # the number printed is the bookmark's page
    assert methods in re.sub(r"\s+", " ", reader.pages[chapters[methods] - 1].extract_text())
    info = reader.metadata
    assert info.author and "Waring J" in info.subject and "integrated care" in info["/Keywords"]


def test_pdf_has_every_chapter_title_page_numbers_and_images(pdf_build, html_dir):
    from pypdf import PdfReader

    path, stdout = pdf_build
    assert "warning" not in stdout  # nothing wider than the page
    reader = PdfReader(path)
    pages = [re.sub(r"\s+", " ", p.extract_text() or "") for p in reader.pages]
    n = len(pages)
    assert n >= 10
    whole = " ".join(pages)

    # A title page: the book's title, the paper's citation, and what built it.
    title = yaml.safe_load((ROOT / "book" / "_config.yml").read_text())["title"]
    assert title in pages[0]
    assert "doi:10.1136/leader-2022-000709" in pages[0]
    # The copy is not a git checkout; the tests date their builds by SOURCE_DATE_EPOCH.
    assert "Built from a copy that is not a git checkout, dated 2024-03-01 (set by SOURCE_DATE_EPOCH)" in pages[0]

    # Every chapter, by the title the HTML book gives it, after the contents and listed in them; the
    # home page is not printed (the executive summary, page 2, stands for it, with its figures).
    contents = next(i for i, text in enumerate(pages) if text.lstrip().startswith("Contents"))
    assert 2 <= contents <= 3  # after the summary and, when Home has figures, its graphical abstract
    for file in _toc_files()[1:]:
        chapter = _page_title(html_dir / f"{file}.html")
        assert chapter in " ".join(pages[contents + 1 :]), f"{chapter!r} ({file}) is not in the PDF"
        assert chapter in pages[contents], f"{chapter!r} is not in the contents"

    # Page numbers in every footer.
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {n}" in text

    # Figures are there as images; code inputs are not.
    images = sum(len(p.images) for p in reader.pages)
    assert images >= 3
    assert "import ics_leadership" not in whole and "from ics_leadership" not in whole
    assert reader.metadata.title == title


def test_pdf_shows_each_demonstration_page_with_its_one_badge(pdf_build, html_dir):
    """The mark survives into the single page the PDF is printed from: each chapter of the
    demonstration part (found by its bookmark) opens with its title and one badge."""
    from pypdf import PdfReader

    from ics_leadership.publish import demonstration

    path, _ = pdf_build
    reader = PdfReader(path)
    top = reader.outline  # a bookmark, then the list of its children
    titles = [None if isinstance(item, list) else item.title for item in top]
    part = titles.index(demonstration.PART_CAPTION)
    chapters = [item for item in top[part + 1] if not isinstance(item, list)]
    demos = [file for caption, file in pdf.chapters(ROOT / "book") if caption == demonstration.PART_CAPTION]
    assert [c.title for c in chapters] == [_page_title(html_dir / f"{file}.html") for file in demos]
    assert len(demos) >= 2
    for chapter in chapters:
        page = reader.pages[reader.get_destination_page_number(chapter)]
        # NFKC: the print sets "fi" as a ligature, which the extracted text keeps as one character.
        text = unicodedata.normalize("NFKC", re.sub(r"\s+", " ", page.extract_text() or ""))
        assert text.count(demonstration.BADGE_TITLE) == 1 and chapter.title in text, chapter.title
