"""Print a rendered HTML page to PDF with Debian's chromium, headless, driven by Playwright.

Separate from assembling the pages (:mod:`ics_leadership.publish.pdfpages`): this module knows the
browser (finding it, its flags for a closed network), the print styles, margins, header and footer,
and refuses every request that leaves the page's folder, so the PDF builds offline. The creation
date chromium writes is replaced by the build's (:func:`ics_leadership.publish.reproducible.normalise_pdf`).
"""

from __future__ import annotations

import html
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ics_leadership.core.errors import BookBuildError
from ics_leadership.publish import colophon, pdfoutline, reproducible

if TYPE_CHECKING:  # playwright is imported only when the PDF is printed
    from playwright.sync_api import Page, Route

#: Environment variable naming the chromium executable (default: Debian's).
CHROMIUM_ENV = "CHROMIUM"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser")
#: Flags for a closed network and a root user; no browser ever talks to a service.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

#: Page margins leave room for the footer (page numbers) and the header (short title).
MARGINS = {"top": "18mm", "bottom": "20mm", "left": "16mm", "right": "16mm"}

HEADER = (
    '<div style="font-size:7.5pt; color:#555; width:100%; margin:0 16mm; '
    'font-family:DejaVu Sans, sans-serif;">{title}</div>'
)
FOOTER = (
    '<div style="font-size:8pt; color:#333; width:100%; text-align:center; '
    'font-family:DejaVu Sans, sans-serif;">Page <span class="pageNumber"></span> of '
    '<span class="totalPages"></span></div>'
)

#: Print styles for the single-page book: what a reader of paper does not need goes, each
#: chapter starts a page, and nothing is cut at the page's right edge or split across pages.
PRINT_CSS = """
@page { size: A4; }
html { font-size: 10pt; }
body { background: #fff !important; }
.bd-header, .bd-header-article, .bd-sidebar-primary, .bd-sidebar-secondary, .bd-footer,
.bd-footer-content, .bd-footer-article, .prev-next-footer, .header-article-items, .search-button,
.theme-switch-button, .copybtn, .headerlink, .toggle-details, button, .skip-link,
.bd-search, #pst-back-to-top, details.hide, .cell_input, .tag_hide-cell,
#jb-print-docs-body { display: none !important; }
/* The theme hides a page's first heading in print (it prints its own); the report needs it. */
.bd-main .bd-content .bd-article h1:first-of-type { display: block !important; }
.bd-main .bd-content { margin-left: 0 !important; }
.bd-main, .bd-content, .bd-article-container, .bd-page-width, .bd-container, .bd-container__inner,
.bd-article, article { max-width: none !important; width: auto !important; margin: 0 !important;
                       padding: 0 !important; display: block !important; overflow: visible !important; }
.cell_output .output, .cell_output .output.text_html { overflow: visible !important; }
/* Each chapter (and the study's own opening page) begins a new sheet. */
.toctree-wrapper > section, #compendium-title-page + * { break-before: page; }
h1, h2, h3, h4 { break-after: avoid; color: #111 !important; }
/* Chapter titles (h2 once the pages are joined) stand out from their sections (h3). */
article h1, .toctree-wrapper > section > h2 { font-size: 2rem !important; font-weight: 700 !important;
    margin: 0 0 5mm 0 !important; padding-bottom: 2mm; border-bottom: 1.5px solid #777; }
h3, article > section > section > h2 { font-size: 1.4rem !important; font-weight: 700 !important; }
figcaption, caption { color: #222 !important; }
figcaption { font-weight: 600 !important; }
figure, img, .compendium-banner, .admonition { break-inside: avoid; }
img { max-width: 100% !important; max-height: 120mm; width: auto; height: auto !important; }
figure.compendium-figure { text-align: center; }
figure.compendium-figure figcaption { text-align: left; }
table { width: 100% !important; max-width: 100% !important; font-size: 8.5pt !important; }
table caption { break-after: avoid; }
thead { display: table-header-group; }
tr, td, th { break-inside: avoid; }
td { overflow-wrap: anywhere !important; min-width: 0 !important; }
th { overflow-wrap: normal !important; word-break: normal !important; hyphens: auto; }
pre { white-space: pre-wrap !important; overflow-wrap: anywhere; }
a { color: inherit !important; text-decoration: none !important; }
#compendium-title-page { min-height: 232mm; display: flex; flex-direction: column;
                         font-family: inherit; }
#compendium-title-page .title { font-size: 24pt; font-weight: 700; line-height: 1.2;
                                margin: 18mm 0 6mm 0; }
#compendium-title-page .subtitle { font-size: 12pt; margin: 0 0 10mm 0; }
#compendium-title-page .citation { font-size: 11pt; border-left: 3px solid #555;
                                   padding-left: 4mm; margin: 0 0 12mm 0; }
#compendium-title-page .contents { font-size: 10pt; margin: 0 0 auto 0; columns: 2; column-gap: 10mm; }
#compendium-title-page .contents > h2 { column-span: all; }
#compendium-title-page .contents h3 { break-after: avoid; }
#compendium-title-page .contents h2 { font-size: 14pt !important; font-weight: 700 !important;
                                      margin: 0 0 2mm 0 !important; border: 0; padding: 0; }
#compendium-title-page .contents h3 { font-size: 11pt !important; margin: 3mm 0 1mm 0; color: #444 !important; }
#compendium-title-page .contents ol { margin: 0; padding-left: 6mm; }
#compendium-title-page .contents li { display: flex; gap: 2mm; break-inside: avoid; }
#compendium-title-page .contents li .entry { flex: 1; }
#compendium-title-page .contents li .pageno { font-variant-numeric: tabular-nums; }
#compendium-title-page .build { font-size: 9.5pt; color: #333; margin-top: 10mm; }
"""


#: The printable area of an A4 page inside MARGINS, in CSS pixels (96 per inch).
PRINTABLE_PX = {"width": round((210 - 32) / 25.4 * 96), "height": round((297 - 38) / 25.4 * 96)}

#: Tables, figures and code blocks whose right edge passes the text column's.
OVERFLOW_JS = """() => {
    const column = document.querySelector('article.bd-article') || document.body;
    const right = column.getBoundingClientRect().right + 1;
    const out = [];
    column.querySelectorAll('table, figure, img, pre').forEach(el => {
        const box = el.getBoundingClientRect();
        if (box.width > 0 && box.right > right) {
            const caption = el.querySelector('caption, figcaption');
            const what = (caption ? caption.textContent : el.textContent).trim().slice(0, 80);
            out.push(`${el.tagName.toLowerCase()} ${Math.round(box.right - right)}px too wide: ${what}`);
        }
    });
    return out;
}"""


def find_chromium(explicit: str | None = None) -> str:
    """The chromium executable: ``explicit``, else ``$CHROMIUM``, else Debian's on the ``PATH``.

    Raises
    ------
    BookBuildError
        When none is installed, saying how to install Debian's.
    """
    wanted = explicit or os.environ.get(CHROMIUM_ENV)
    for candidate in [wanted] if wanted else CHROMIUM_CANDIDATES:
        found = candidate if Path(candidate).is_file() else shutil.which(candidate)
        if found:
            return str(found)
    raise BookBuildError(
        f"no chromium found ({wanted or ', '.join(CHROMIUM_CANDIDATES)}): the PDF is printed by Debian's "
        f"chromium (`apt-get install chromium`), or set {CHROMIUM_ENV} to a chromium executable"
    )


def _page_titles(page: Page) -> dict[str, str]:
    """Chapter titles by document name, read from the single page (``<span id="document-X">``)."""
    found = page.evaluate(
        """() => {
            const out = {};
            document.querySelectorAll('span[id^="document-"]').forEach(span => {
                const sec = span.nextElementSibling;
                const h = sec && sec.querySelector('h1, h2, h3');
                if (h) out[span.id.slice('document-'.length)] = h.textContent.replace(/#$/, '').trim();
            });
            const first = document.querySelector('article h1');
            if (first) out['__root__'] = first.textContent.replace(/#$/, '').trim();
            return out;
        }"""
    )
    return found


def _with_page_numbers(
    page: Page,
    pdf: bytes,
    print_once: Callable[[], bytes],
    chapters: list[tuple[str | None, str]],
    titles: dict[str, str],
    info: dict[str, str],
) -> bytes:
    """Fill the contents' page numbers from a print and print again until they hold; set the outline."""
    files = [f for _, f in chapters]
    names = [titles.get("__root__", f) if i == 0 else titles.get(f, f) for i, f in enumerate(files)]
    for _ in range(3):
        found = pdfoutline.chapter_pages(pdf, names)
        numbers = {f: h.page + 1 for f, h in zip(files, found) if h is not None}
        page.evaluate(
            """(numbers) => document.querySelectorAll('#compendium-title-page li[data-chapter]').forEach(li => {
                const n = numbers[li.dataset.chapter];
                li.querySelector('.pageno').textContent = n === undefined ? '' : String(n);
            })""",
            numbers,
        )
        pdf = print_once()
        again = pdfoutline.chapter_pages(pdf, names)
        if [h.page if h else None for h in again] == [h.page if h else None for h in found]:
            break
    else:
        raise BookBuildError("the contents' page numbers did not settle after three prints")
    parts: list[tuple[str | None, list[tuple[str, pdfoutline.Heading | None]]]] = []
    for (caption, _), name, heading in zip(chapters, names, again):
        if not parts or parts[-1][0] != caption:
            parts.append((caption, []))
        parts[-1][1].append((name, heading))
    chapter_ids = {id(h) for h in again if h is not None}
    outline = [pdfoutline.Heading("Title page and contents", 0), *pdfoutline.book_outline(parts, chapter_ids)]
    return pdfoutline.finish(pdf, outline, info)


def print_pdf(
    page_path: Path,
    out: Path,
    title_html: Callable[[dict[str, str]], str],
    chromium: str,
    header_title: str,
    source: colophon.BuildSource,
    chapters: list[tuple[str | None, str]] | None = None,
    info: dict[str, str] | None = None,
) -> tuple[int, list[str]]:
    """Open ``page_path`` in headless chromium, add the title page, and print it to ``out``.

    The PDF is dated by ``source`` (not the clock), so one commit always gives the same bytes.
    With ``chapters`` (``(part caption, file)`` in book order, the home page first), it is printed
    twice: the first print says on which page each chapter starts, the title page's contents get
    those numbers, and the second print is kept (a third if the numbers moved); its bookmarks are
    then the book's parts, chapters and sections (:mod:`.pdfoutline`), and ``info`` its document
    information.

    Returns
    -------
    tuple
        Bytes written, and a description of each table, figure or code block wider than the
        printable width (it would be cut at the page's right edge).
    """
    from playwright.sync_api import sync_playwright

    base = page_path.parent.resolve().as_uri() + "/"
    refused: list[str] = []

    def only_local(route: Route) -> None:
        url = route.request.url
        if url.startswith(base) or url.startswith("data:"):
            route.continue_()
        else:
            refused.append(url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium,
            args=list(CHROMIUM_ARGS),
            headless=True,
            env={**os.environ, colophon.SOURCE_DATE_ENV: str(source.epoch)},
        )
        try:
            # Lay the page out at the printable width, so what overflows here overflows on paper.
            context = browser.new_context(viewport=PRINTABLE_PX)
            page = context.new_page()
            page.route("**/*", only_local)
            page.goto(page_path.resolve().as_uri(), wait_until="load")
            page.emulate_media(media="print")
            titles = _page_titles(page)
            page.add_style_tag(content=PRINT_CSS)
            page.evaluate(
                """(html) => {
                    const article = document.querySelector('article.bd-article') || document.body;
                    article.insertAdjacentHTML('afterbegin', html);
                    document.querySelectorAll('details').forEach(d => d.open = true);
                }""",
                title_html(titles),
            )
            page.evaluate("document.fonts.ready")
            too_wide = page.evaluate(OVERFLOW_JS)

            def print_once() -> bytes:
                return page.pdf(
                    format="A4",
                    margin=MARGINS,
                    print_background=True,
                    display_header_footer=True,
                    footer_template=FOOTER,
                    header_template=HEADER.format(title=html.escape(header_title)),
                    outline=True,
                    tagged=True,
                )

            pdf = print_once()
            if chapters:
                pdf = _with_page_numbers(page, pdf, print_once, chapters, titles, info or {})
        finally:
            browser.close()
    if refused:
        raise BookBuildError(
            "the single-page book asked for resources outside it (refused, the PDF must build "
            f"offline): {', '.join(sorted(set(refused))[:5])}"
        )
    try:
        pdf = reproducible.normalise_pdf(pdf, source.date)  # chromium stamps the clock's time
    except ValueError as exc:
        raise BookBuildError(f"chromium wrote a PDF this compendium cannot date reproducibly: {exc}") from None
    out.write_bytes(pdf)
    return len(pdf), too_wide
