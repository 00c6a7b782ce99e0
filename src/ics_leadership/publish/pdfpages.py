"""The pages of the PDF: the book's chapters in order, rendered as one HTML page, and its title page.

Separate from printing (:mod:`ics_leadership.publish.chromium`): this module reads the book's
``_toc.yml`` and ``_config.yml``, checks that the executed notebooks are there, has Jupyter Book
render the whole book as one page (``--builder singlehtml``), and writes the title page (title, the
paper's citation, the contents, the commit built and its date).
"""

from __future__ import annotations

import html
import re
from datetime import UTC
from pathlib import Path

import yaml

from ics_leadership.core.errors import BookBuildError
from ics_leadership.publish import colophon


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


def check_executed(book: Path) -> None:
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
    root = chapters(book)[0][1]
    page = out / f"{root}.html"  # the root page holds the whole book
    if not page.is_file():
        raise BookBuildError(f"Jupyter Book wrote no {page.name} in {out}")
    if page.parent != out:
        page = _at_top(page, out, root)
    return page


def _at_top(page: Path, out: Path, root: str) -> Path:
    """A copy of a root page that sits in a folder (``notebooks/home``), moved up to ``out``.

    Sphinx's ``singlehtml`` builder writes every link in the page (``_static/...``,
    ``notebooks/home.html#section``) relative to its output folder, wherever the root page itself
    lies: from ``out/notebooks/`` the stylesheets would not load. From ``out`` they do, and links
    to the page itself become the in-page anchors they stand for.
    """
    text = page.read_bytes().decode("utf-8")  # as written, line ends included
    for quote in ('"', "'"):
        text = text.replace(f"href={quote}{root}.html#", f"href={quote}#")
        text = text.replace(f"href={quote}{root}.html{quote}", f"href={quote}#{quote}")
    top = out / f"{Path(root).name}.html"
    if top.exists():
        raise BookBuildError(f"Jupyter Book wrote both {root}.html and {top.name} in {out}")
    top.write_bytes(text.encode("utf-8"))
    return top


def _citation(root: Path) -> str:
    from ics_leadership.facts.raw import STUDY_FILE, load_study

    citation = load_study(root / "data" / "raw" / STUDY_FILE).citation  # validated, like every raw read
    c = {key: html.escape(str(value)) for key, value in citation.items() if not isinstance(value, list)}
    authors = html.escape(", ".join(citation["authors"]))
    return (
        f"{authors}. {c['title']} <i>{c['journal']}</i> {c['year']};{c['volume']}({c['issue']}):"
        f"{c['pages'].replace('-', '–')}. doi:{c['doi']} ({c['licence']})."
    )


def document_info(root: Path, book: Path, source: colophon.BuildSource) -> dict[str, str]:
    """The PDF's document information: title, author, subject (the paper it accompanies), keywords, dates."""
    from ics_leadership.facts.raw import STUDY_FILE, load_study

    config = yaml.safe_load((book / "_config.yml").read_text(encoding="utf-8"))
    citation = load_study(root / "data" / "raw" / STUDY_FILE).citation
    cff_path = root / "CITATION.cff"
    cff = yaml.safe_load(cff_path.read_text(encoding="utf-8")) if cff_path.is_file() else {}
    stamp = f"D:{source.date.astimezone(UTC):%Y%m%d%H%M%S}+00'00'"
    return {
        "Title": str(config.get("title", "Companion report")),
        "Author": str(config.get("author", "")),
        "Subject": f"A reproducible companion to {', '.join(citation['authors'])}. {citation['title']} "
        f"{citation['journal']} {citation['year']};{citation['volume']}({citation['issue']}):{citation['pages']}",
        "Keywords": ", ".join(str(k) for k in cff.get("keywords", [])),
        "CreationDate": stamp,
        "ModDate": stamp,
    }


def title_page(root: Path, book: Path, source: colophon.BuildSource | None = None) -> str:
    """The HTML of the title page: the title, the paper it accompanies, and the build's commit and date.

    Parameters
    ----------
    source
        The commit and date to show (default: :func:`ics_leadership.publish.colophon.build_source`).
    """
    config = yaml.safe_load((book / "_config.yml").read_text(encoding="utf-8"))
    source = source or colophon.build_source(root)
    e = html.escape
    return (
        '<section id="compendium-title-page">'
        f'<p class="title">{e(config.get("title", "Companion report"))}</p>'
        '<p class="subtitle">A reproducible companion to</p>'
        f'<p class="citation">{_citation(root)}</p>'
        f'<p class="build">Built from {e(source.describe(), quote=False)}, '
        f"dated {source.date:%Y-%m-%d} ({e(source.basis, quote=False)}).<br>"
        "Tables, figures and numbers are computed from the compendium's data when it is built. "
        "Synthetic data, where shown, is labelled as such.</p>"
        "</section>"
    )


#: Words a full stop follows without ending the sentence ("Waring et al. (2023)").
_ABBREVIATIONS = ("al", "e.g", "i.e", "cf", "vs", "para", "paras", "etc")


def short_caption(caption: str, limit: int = 110) -> str:
    """A caption as the lists of tables and figures show it: its first sentence, cut at a word to ``limit``."""
    text = " ".join(caption.split())
    for found in re.finditer(r"\.\s+(?=[A-Z0-9(])", text):
        words = text[: found.start()].split()
        if words and words[-1].lower() not in _ABBREVIATIONS:
            text = text[: found.start()]
            break
    if len(text) > limit:
        text = text[: text.rfind(" ", 0, limit - 1)].rstrip(",;:") + "\u2026"
    return text.rstrip(".")


def contents_pages(chapters: list[tuple[str | None, str]], titles: dict[str, str], items: list[dict[str, str]]) -> str:
    """The HTML of the contents and the lists of figures and tables, with slots for page numbers.

    Parameters
    ----------
    chapters
        ``(part caption, file)`` in print order, the home page first (it opens the book, so it is
        not listed).
    titles
        Page title by file, as rendered (so the contents match the chapters).
    items
        The numbered tables and figures (``anchor``, ``kind``, ``number``, ``caption``), in order.
    """
    e = html.escape
    parts: list[str] = []
    current: object = object()
    for caption, file in chapters[1:]:
        if caption != current:
            if parts:
                parts.append("</ol>")
            if caption:
                parts.append(f"<h3>{e(caption)}</h3>")
            parts.append("<ol>")
            current = caption
        # The page number is filled in after a first print (publish.pdfoutline.chapter_pages).
        parts.append(
            f'<li data-chapter="{e(file)}"><span class="entry">{e(titles.get(file, file))}</span>'
            '<span class="pageno"></span></li>'
        )
    if parts:
        parts.append("</ol>")
    lists = []
    for kind, heading in (("figure", "List of figures"), ("table", "List of tables")):
        entries = [
            f'<li><span class="number">{e(item["number"])}</span>'
            f'<span class="entry">{e(short_caption(item["caption"]))}</span>'
            f'<a class="pageno" href="#{e(item["anchor"])}"></a></li>'
            for item in items
            if item["kind"] == kind
        ]
        if entries:
            lists.append(f'<h2 class="list">{heading}</h2><ol>{"".join(entries)}</ol>')
    return (
        '<section id="compendium-contents">'
        f'<h2>Contents</h2><div class="toc">{"".join(parts)}</div>'
        f'<div class="lists">{"".join(lists)}</div>'
        "</section>"
    )
