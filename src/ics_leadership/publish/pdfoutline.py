"""The PDF's bookmarks, contents page numbers and document information, set after chromium prints.

Chromium's print makes bookmarks from the headings of the one-page book, but it nests every chapter
under the home page's title and repeats some titles ("MethodsMethods"), and it cannot print page
numbers in a contents list. This module reads chromium's outline (pypdf) to find the page each
chapter starts on (:func:`chapter_pages`, used to fill the contents before a second print) and its
named destinations to find the page of each table and figure (:func:`anchor_pages`), then replaces
the outline with the book's own hierarchy, one bookmark per heading: the front matter, then each
part of ``_toc.yml`` with its chapters and their sections (:func:`finish`), and sets the document
information (title, author, subject, keywords).
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from pypdf import PdfReader, PdfWriter


@dataclass
class Heading:
    """A bookmark: its title, 0-based page and the headings under it."""

    title: str
    page: int
    children: list[Heading] = field(default_factory=list)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text).casefold()


def clean_title(title: str, known: str | None = None) -> str:
    """A bookmark title without chromium's doubling: ``known`` when given, else ``XX`` becomes ``X``."""
    if known is not None:
        return known
    half = len(title) // 2
    if len(title) % 2 == 0 and title[:half] == title[half:]:
        return title[:half]
    return title.strip()


def _reader(pdf: bytes) -> PdfReader:
    # pypdf logs that chromium's trailer undercounts its objects; it reads the file right regardless.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    return PdfReader(io.BytesIO(pdf))


def read_outline(pdf: bytes) -> list[Heading]:
    """Chromium's bookmarks as a tree of :class:`Heading`."""
    reader = _reader(pdf)

    def walk(items: list[Any]) -> list[Heading]:
        out: list[Heading] = []
        for item in items:
            if isinstance(item, list):
                if out:
                    out[-1].children.extend(walk(item))
                else:
                    out.extend(walk(item))
            else:
                out.append(Heading(str(item.title), reader.get_destination_page_number(item)))
        return out

    return walk(reader.outline)


def anchor_pages(pdf: bytes) -> dict[str, int]:
    """The 1-based page of each element a link of the PDF points to, by its HTML id.

    Chromium makes a named destination for every in-page link's target (``<a href="#T_tbl-1">``),
    so the lists of figures and tables find their pages through their own links.
    """
    reader = _reader(pdf)
    return {
        name.lstrip("/"): reader.get_destination_page_number(dest) + 1
        for name, dest in reader.named_destinations.items()
    }


def _flatten(headings: list[Heading]) -> list[Heading]:
    return [x for h in headings for x in (h, *_flatten(h.children))]


def chapter_pages(pdf: bytes, titles: list[str]) -> list[Heading | None]:
    """For each chapter title (in book order), chromium's bookmark of its heading, or None.

    Matched in order: each title is looked for after the previous chapter's bookmark, comparing
    text without spaces or case, so a doubled title still matches and a section named like a later
    chapter cannot be taken for it.
    """
    flat = _flatten(read_outline(pdf))
    found: list[Heading | None] = []
    at = 0
    for title in titles:
        want = _squash(title)
        hit = next((i for i in range(at, len(flat)) if want and want in _squash(flat[i].title)), None)
        found.append(flat[hit] if hit is not None else None)
        if hit is not None:
            at = hit + 1
    return found


def book_outline(
    parts: list[tuple[str | None, list[tuple[str, Heading | None]]]], chapter_ids: set[int] | None = None
) -> list[Heading]:
    """The book's hierarchy from the chapters found: a part holds its chapters, a chapter its sections.

    ``parts``: (part caption or None, [(chapter title, chromium's bookmark of it)]). Sections are
    the chapter bookmark's children, with doubled titles cleaned, except other chapters' bookmarks
    (``chapter_ids``: chromium nests every chapter under the home page). A part starts at its first
    chapter's page; a chapter not found in the PDF is left out.
    """
    skip = chapter_ids or set()

    def tidy(h: Heading) -> Heading:
        return Heading(clean_title(h.title), h.page, [tidy(c) for c in h.children if id(c) not in skip])

    out: list[Heading] = []
    for caption, chapters in parts:
        items = [
            Heading(title, h.page, [tidy(c) for c in h.children if id(c) not in skip])
            for title, h in chapters
            if h is not None
        ]
        if not items:
            continue
        if caption is None:
            out.extend(items)
        else:
            out.append(Heading(caption, items[0].page, items))
    return out


def finish(pdf: bytes, outline: list[Heading], info: dict[str, str]) -> bytes:
    """``pdf`` with ``outline`` as its bookmarks and ``info`` as its document information.

    ``info`` keys are PDF names without the slash (Title, Author, Subject, Keywords, CreationDate,
    ModDate). The pages and their tagged structure are kept as chromium wrote them.
    """
    writer = PdfWriter(clone_from=_reader(pdf))
    # Drop chromium's bookmarks: the outline root is replaced by ours.
    if "/Outlines" in writer._root_object:
        del writer._root_object["/Outlines"]

    def add(items: list[Heading], parent: Any = None) -> None:
        for h in items:
            ref = writer.add_outline_item(h.title, h.page, parent=parent)
            add(h.children, ref)

    add(outline)
    writer.page_mode = "/UseOutlines"
    writer.add_metadata({f"/{k}": v for k, v in info.items()})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
