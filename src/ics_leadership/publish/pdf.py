"""The whole companion report as one PDF, built offline.

Jupyter Book renders the book (from the executed notebooks already in ``book/notebooks/``) as a
single HTML page (``--builder singlehtml``) in a temporary folder. Debian's chromium, driven
headless by Playwright, opens that page from disk with every request leaving the folder refused,
makes it ready for paper (:mod:`~ics_leadership.publish.pdfdom`: print styles, each chapter on a
new page, the long evidence tables moved to an appendix), puts the front matter in front (a title
page with the paper's citation and the commit built; an executive summary,
:mod:`~ics_leadership.publish.pdfsummary`; the contents and the lists of figures and tables,
:mod:`~ics_leadership.publish.pdfpages`), and prints it: A4, page numbers ("Page X of Y") in the
footer, backgrounds kept. It prints twice: the first print tells on which page each chapter, table
and figure lies, the contents and lists get those page numbers, and the second print is kept, with
bookmarks in the book's hierarchy (front matter, parts, chapters, sections) and author, subject and
keywords in its document information (:mod:`~ics_leadership.publish.pdfoutline`). Tables and
figures carry the numbers the book gives them (:mod:`~ics_leadership.publish.numbering`).

Dates come from the commit, not the clock (``SOURCE_DATE_EPOCH``, see :mod:`ics_leadership.publish.colophon`),
and chromium's creation date is replaced by it, so two builds of one commit give the same bytes.

The PDF is written to a temporary file beside its target and moved into place only when complete,
so a failure leaves the previous PDF as it was.

This module holds the order of work; the pages are assembled in
:mod:`~ics_leadership.publish.pdfpages` and printed in :mod:`~ics_leadership.publish.chromium`, whose
public names (``chapters``, ``title_page``, ``find_chromium``, ``CHROMIUM_ARGS``, ...) are importable
from here too.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from ics_leadership.core import paths
from ics_leadership.core.outputs import check_file, publish_file
from ics_leadership.publish import colophon
from ics_leadership.publish.chromium import (
    CHROMIUM_ARGS,
    CHROMIUM_CANDIDATES,
    CHROMIUM_ENV,
    FOOTER,
    HEADER,
    MARGINS,
    PRINTABLE_PX,
    find_chromium,
    print_pdf,
)
from ics_leadership.publish.pdfdom import OVERFLOW_JS, PRINT_CSS, PrintedBook
from ics_leadership.publish.pdfpages import (
    build_singlehtml,
    chapters,
    check_executed,
    contents_pages,
    document_info,
    title_page,
)
from ics_leadership.publish.pdfsummary import executive_summary

__all__ = [
    "CHROMIUM_ARGS",
    "CHROMIUM_CANDIDATES",
    "CHROMIUM_ENV",
    "DEFAULT_OUT",
    "FOOTER",
    "HEADER",
    "MARGINS",
    "OVERFLOW_JS",
    "PRINT_CSS",
    "PRINTABLE_PX",
    "build_pdf",
    "build_singlehtml",
    "chapters",
    "contents_pages",
    "executive_summary",
    "find_chromium",
    "print_pdf",
    "title_page",
]

Reporter = Callable[[str], None]

#: Where ``ics-leadership pdf`` writes, relative to the project root.
DEFAULT_OUT = Path("book") / "_build" / "pdf" / "compendium.pdf"


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
    check_executed(book)
    browser = find_chromium(chromium)
    config = yaml.safe_load((book / "_config.yml").read_text(encoding="utf-8"))
    start = time.perf_counter()
    report("Rendering the book as one page (Jupyter Book, singlehtml) ...")
    # Inside book/ under a name the book's exclude_patterns skip (.build-*), so Sphinx ignores it.
    scratch = Path(tempfile.mkdtemp(prefix=".build-pdf-", dir=book))
    try:
        single = build_singlehtml(book, scratch)
        report(f"Printing it with headless chromium ({browser}) ...")
        source = colophon.build_source(root)
        printed: dict[str, object] = {}

        def front_matter(printing: PrintedBook) -> str:
            return (
                title_page(root, book, source)
                + executive_summary(root)
                + contents_pages(printing.chapters, printing.titles, printing.items)
            )

        def write(tmp: Path) -> None:  # a temporary sibling with ordinary permissions, renamed when complete
            printed["size"], printed["problems"] = print_pdf(
                single,
                tmp,
                front_matter,
                browser,
                config.get("title", ""),
                source,
                chapters=chapters(book),
                info=document_info(root, book, source),
            )

        publish_file(out, write, force=force)
        size, problems = printed["size"], printed["problems"]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    for problem in problems:
        report(f"warning: {problem}")
    report(f"PDF written in {time.perf_counter() - start:.1f} s: {paths.display_path(out)} ({size / 1e6:.1f} MB)")
    return out
