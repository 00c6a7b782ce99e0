"""Print a rendered HTML page to PDF with Debian's chromium, headless, driven by Playwright.

Separate from assembling the pages (:mod:`ics_leadership.publish.pdfpages`): this module knows the
browser (finding it, its flags for a closed network), the margins, header and footer, the prints
needed for page numbers, and refuses every request that leaves the page's folder, so the PDF builds
offline. What the page looks like on paper is :mod:`ics_leadership.publish.pdfdom`'s. The creation
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
from ics_leadership.publish import colophon, pdfdom, pdfoutline, reproducible

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
MARGINS = {"top": "15mm", "bottom": "15mm", "left": "15mm", "right": "15mm"}

HEADER = (
    '<div style="font-size:7.5pt; color:#555; width:100%; margin:0 15mm; '
    'font-family:DejaVu Sans, sans-serif;">{title}</div>'
)
FOOTER = (
    '<div style="font-size:8pt; color:#333; width:100%; text-align:center; '
    'font-family:DejaVu Sans, sans-serif;">Page <span class="pageNumber"></span> of '
    '<span class="totalPages"></span></div>'
)

#: The printable area of an A4 page inside MARGINS, in CSS pixels (96 per inch).
PRINTABLE_PX = {
    "width": round((210 - float(MARGINS["left"][:-2]) - float(MARGINS["right"][:-2])) / 25.4 * 96),
    "height": round((297 - float(MARGINS["top"][:-2]) - float(MARGINS["bottom"][:-2])) / 25.4 * 96),
}


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


#: The front matter's own bookmarks, by the heading chromium makes one from.
FRONT_MATTER = ("Executive summary", "Contents", "List of figures", "List of tables")


def _with_page_numbers(
    page: Page,
    pdf: bytes,
    print_once: Callable[[], bytes],
    book: pdfdom.PrintedBook,
    info: dict[str, str],
) -> bytes:
    """Fill the page numbers of the contents, the lists and the pointers from a print, and print
    again until they hold; then set the outline and the document information."""
    chapters = book.chapters
    files = [f for _, f in chapters]
    names = [book.titles.get("__root__", f) if i == 0 else book.titles.get(f, f) for i, f in enumerate(files)]

    def where(pdf: bytes) -> tuple[list[pdfoutline.Heading | None], dict[str, int]]:
        found = pdfoutline.chapter_pages(pdf, [*FRONT_MATTER, *names])
        return found, pdfoutline.anchor_pages(pdf)

    def pages(found: tuple[list[pdfoutline.Heading | None], dict[str, int]]) -> list[object]:
        return [h.page if h else None for h in found[0]] + sorted(found[1].items())

    found = where(pdf)
    for _ in range(3):
        chapter_numbers = {f: h.page + 1 for f, h in zip(files, found[0][len(FRONT_MATTER) :]) if h is not None}
        pdfdom.fill_page_numbers(page, chapter_numbers, found[1])
        pdf = print_once()
        again = where(pdf)
        if pages(again) == pages(found):
            break
        found = again
    else:
        raise BookBuildError("the contents' page numbers did not settle after three prints")
    front, chapter_headings = again[0][: len(FRONT_MATTER)], again[0][len(FRONT_MATTER) :]
    parts: list[tuple[str | None, list[tuple[str, pdfoutline.Heading | None]]]] = []
    for (caption, _), name, heading in zip(chapters, names, chapter_headings):
        if not parts or parts[-1][0] != caption:
            parts.append((caption, []))
        parts[-1][1].append((name, heading))
    chapter_ids = {id(h) for h in chapter_headings if h is not None}
    outline = [
        pdfoutline.Heading("Title page", 0),
        *(pdfoutline.Heading(title, h.page) for title, h in zip(FRONT_MATTER, front) if h is not None),
        *pdfoutline.book_outline(parts, chapter_ids),
    ]
    return pdfoutline.finish(pdf, outline, info)


def print_pdf(
    page_path: Path,
    out: Path,
    front_matter: Callable[[pdfdom.PrintedBook], str],
    chromium: str,
    header_title: str,
    source: colophon.BuildSource,
    chapters: list[tuple[str | None, str]],
    info: dict[str, str] | None = None,
) -> tuple[int, list[str]]:
    """Open ``page_path`` in headless chromium, make it ready for paper, add the front matter, print it to ``out``.

    ``chapters`` are ``(part caption, file)`` in book order, the home page first. The page is
    prepared for print (:func:`.pdfdom.prepare`: chapters marked, evidence tables moved to their
    appendix) and ``front_matter`` makes the title page, summary, contents and lists from what it
    found. It is printed twice: the first print says on which page each chapter, table and figure
    lies, the contents, lists and pointers get those numbers, and the second print is kept (a third
    if the numbers moved); its bookmarks are then the front matter and the book's parts, chapters
    and sections (:mod:`.pdfoutline`), and ``info`` its document information. The PDF is dated by
    ``source`` (not the clock), so one commit always gives the same bytes.

    Returns
    -------
    tuple
        Bytes written, and what would print badly (:func:`.pdfdom.layout_problems`): a table,
        figure or code block wider than the page, a word broken inside a table cell.
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
            page.add_style_tag(content=pdfdom.PRINT_CSS + pdfdom.FRONT_CSS)
            book = pdfdom.prepare(page, chapters)
            page.evaluate(
                """(html) => {
                    const article = document.querySelector('article.bd-article') || document.body;
                    article.insertAdjacentHTML('afterbegin', html);
                    document.querySelectorAll('details').forEach(d => d.open = true);
                }""",
                front_matter(book),
            )
            pdfdom.adopt_home_items(page)
            page.evaluate("document.fonts.ready")
            problems = pdfdom.layout_problems(page)

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

            pdf = _with_page_numbers(page, print_once(), print_once, book, info or {})
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
    return len(pdf), problems
