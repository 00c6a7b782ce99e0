"""The whole companion report as one PDF, built offline.

Jupyter Book renders the book (from the executed notebooks already in ``book/notebooks/``) as a
single HTML page (``--builder singlehtml``) in a temporary folder. Debian's chromium, driven
headless by Playwright, opens that page from disk with every request leaving the folder refused,
puts a title page in front (title, the paper's citation, the commit built and its date, contents),
and prints it: A4, page numbers ("Page X of Y") in the footer, backgrounds kept. Code inputs,
sidebars, buttons and toggles are hidden by print CSS; each chapter starts on a new page and
figures and table rows are not split across pages.

Dates come from the commit, not the clock (``SOURCE_DATE_EPOCH``, see :mod:`ics_leadership.publish.colophon`),
and chromium's creation date is replaced by it, so two builds of one commit give the same bytes.

The PDF is written to a temporary file beside its target and moved into place only when complete,
so a failure leaves the previous PDF as it was.
"""

from __future__ import annotations

import html
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from ics_leadership.core import paths
from ics_leadership.core.errors import BookBuildError
from ics_leadership.core.outputs import check_file, publish_file
from ics_leadership.publish import colophon, reproducible

Reporter = Callable[[str], None]

#: Where ``ics-leadership pdf`` writes, relative to the project root.
DEFAULT_OUT = Path("book") / "_build" / "pdf" / "compendium.pdf"

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
figcaption { font-weight: 400 !important; }
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


def chapters(book: Path) -> list[tuple[str | None, str]]:
    """The book's pages in order as ``(part caption, file)``, read from ``_toc.yml``."""
    toc = yaml.safe_load((book / "_toc.yml").read_text(encoding="utf-8"))

    def walk(entries: list[dict]) -> list[str]:
        # A chapter's sections follow it, depth first, as in the book's navigation.
        return [f for entry in entries for f in (entry["file"], *walk(entry.get("sections", [])))]

    pages: list[tuple[str | None, str]] = [(None, toc["root"])]
    for part in toc.get("parts", []):
        pages += [(part.get("caption"), f) for f in walk(part.get("chapters", []))]
    pages += [(None, f) for f in walk(toc.get("chapters", []))]
    return pages


def _check_executed(book: Path) -> None:
    missing = [
        f"book/{file}.ipynb"
        for _, file in chapters(book)
        if file.startswith("notebooks/") and not (book / f"{file}.ipynb").is_file()
    ]
    if missing:
        raise BookBuildError(
            f"executed notebooks missing ({', '.join(missing)}): run `ics-leadership build` first "
            "(`make pdf` does when book/notebooks/ is missing)"
        )


def build_singlehtml(book: Path, scratch: Path) -> Path:
    """Render the book as one HTML page under ``scratch``; return that page.

    As for the HTML book, warnings are errors, so a broken reference fails the PDF too.
    """
    from ics_leadership.publish import jupyterbook

    jupyterbook.build(
        book,
        scratch,
        cwd=book.parent,
        builder="singlehtml",
        failure="Jupyter Book could not render the book as one page for the PDF",
    )
    out = scratch / "_build" / "singlehtml"
    page = out / f"{chapters(book)[0][1]}.html"  # the root page holds the whole book
    if not page.is_file():
        raise BookBuildError(f"Jupyter Book wrote no {page.name} in {out}")
    return page


def _citation(root: Path) -> str:
    from ics_leadership.facts.raw import STUDY_FILE, load_study

    citation = load_study(root / "data" / "raw" / STUDY_FILE).citation  # validated, like every raw read
    c = {key: html.escape(str(value)) for key, value in citation.items() if not isinstance(value, list)}
    authors = html.escape(", ".join(citation["authors"]))
    return (
        f"{authors}. {c['title']} <i>{c['journal']}</i> {c['year']};{c['volume']}({c['issue']}):"
        f"{c['pages'].replace('-', '–')}. doi:{c['doi']} ({c['licence']})."
    )


def title_page(root: Path, book: Path, titles: dict[str, str], source: colophon.BuildSource | None = None) -> str:
    """The HTML of the title page: title, citation, contents, and the build's commit and date.

    Parameters
    ----------
    titles
        Page title by ``_toc.yml`` file, as rendered (so the contents match the chapters).
    source
        The commit and date to show (default: :func:`ics_leadership.publish.colophon.build_source`).
    """
    config = yaml.safe_load((book / "_config.yml").read_text(encoding="utf-8"))
    source = source or colophon.build_source(root)
    parts: list[str] = []
    current: object = object()
    for caption, file in chapters(book)[1:]:
        if caption != current:
            if parts:
                parts.append("</ol>")
            if caption:
                parts.append(f"<h3>{html.escape(caption)}</h3>")
            parts.append("<ol>")
            current = caption
        parts.append(f"<li>{html.escape(titles.get(file, file))}</li>")
    if parts:
        parts.append("</ol>")
    e = html.escape
    return (
        '<section id="compendium-title-page">'
        f'<p class="title">{e(config.get("title", "Companion report"))}</p>'
        '<p class="subtitle">A reproducible companion to</p>'
        f'<p class="citation">{_citation(root)}</p>'
        f'<div class="contents"><h2>Contents</h2>{"".join(parts)}</div>'
        f'<p class="build">Built from {e(source.describe(), quote=False)}, '
        f"dated {source.date:%Y-%m-%d} ({e(source.basis, quote=False)}).<br>"
        "Tables, figures and numbers are computed from the compendium's data when it is built. "
        "Synthetic data, where shown, is labelled as such.</p>"
        "</section>"
    )


def _page_titles(page) -> dict[str, str]:
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


def print_pdf(
    page_path: Path,
    out: Path,
    title_html: Callable[[dict[str, str]], str],
    chromium: str,
    header_title: str,
    source: colophon.BuildSource,
) -> tuple[int, list[str]]:
    """Open ``page_path`` in headless chromium, add the title page, and print it to ``out``.

    The PDF is dated by ``source`` (not the clock), so one commit always gives the same bytes.

    Returns
    -------
    tuple
        Bytes written, and a description of each table, figure or code block wider than the
        printable width (it would be cut at the page's right edge).
    """
    from playwright.sync_api import sync_playwright

    base = page_path.parent.resolve().as_uri() + "/"
    refused: list[str] = []

    def only_local(route):
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
            pdf = page.pdf(
                format="A4",
                margin=MARGINS,
                print_background=True,
                display_header_footer=True,
                footer_template=FOOTER,
                header_template=HEADER.format(title=html.escape(header_title)),
                outline=True,
                tagged=True,
            )
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


def build_pdf(
    root: Path | None = None,
    out: Path | str | None = None,
    chromium: str | None = None,
    report: Reporter | None = None,
    force: bool = False,
) -> Path:
    """Build the whole report as a PDF from the executed notebooks in ``book/notebooks/``.

    Parameters
    ----------
    root
        The compendium (default: :func:`ics_leadership.core.paths.project_root`).
    out
        Where to write the PDF (default ``book/_build/pdf/compendium.pdf``); relative paths are
        taken from ``root``. An existing file there is replaced only with ``force`` (the default
        location is the build's own and is always replaced).
    chromium
        The chromium executable (default: ``$CHROMIUM``, else Debian's ``/usr/bin/chromium``).

    Returns
    -------
    pathlib.Path
        The PDF written.

    Raises
    ------
    BookBuildError
        Executed notebooks missing (run ``ics-leadership build``), no chromium, or the book could
        not be rendered or printed. The previous PDF, if any, stays in place.
    """
    report = report or (lambda message: print(message, flush=True))
    root = (root or paths.project_root()).resolve()
    book = root / "book"
    out = Path(out) if out is not None else DEFAULT_OUT
    out = out if out.is_absolute() else root / out
    force = force or out == root / DEFAULT_OUT
    check_file(out, force)  # before the slow work
    _check_executed(book)
    browser = find_chromium(chromium)
    config = yaml.safe_load((book / "_config.yml").read_text(encoding="utf-8"))
    start = time.perf_counter()
    report("Rendering the book as one page (Jupyter Book, singlehtml) ...")
    # Inside book/ under a name the book's exclude_patterns skip (.build-*), so Sphinx ignores it.
    scratch = Path(tempfile.mkdtemp(prefix=".build-pdf-", dir=book))
    try:
        single = build_singlehtml(book, scratch)
        report(f"Printing it with headless chromium ({browser}) ...")
        root_file = chapters(book)[0][1]
        source = colophon.build_source(root)
        printed: dict[str, object] = {}

        def make_title(titles: dict[str, str]) -> str:
            titles = {**titles, root_file: titles.get("__root__", root_file)}
            return title_page(root, book, titles, source)

        def write(tmp: Path) -> None:  # a temporary sibling with ordinary permissions, renamed when complete
            printed["size"], printed["too_wide"] = print_pdf(
                single, tmp, make_title, browser, config.get("title", ""), source
            )

        publish_file(out, write, force=force)
        size, too_wide = printed["size"], printed["too_wide"]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    for item in too_wide:
        report(f"warning: wider than the page, cut at its right edge: {item}")
    report(f"PDF written in {time.perf_counter() - start:.1f} s: {paths.display_path(out)} ({size / 1e6:.1f} MB)")
    return out
