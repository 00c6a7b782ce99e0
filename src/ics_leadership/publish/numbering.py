"""Book-wide numbers for the book's tables and figures, given when Sphinx builds the book.

Every table and figure gets a number in reading order, one sequence for tables and one for figures
across the whole book ("Table 5", "Figure 3"), written at the start of its caption, the same in the
HTML book and in the PDF (both are built from the same table of contents). Prose cites one by a label
with the roles ``{tableref}`label``` and ``{figref}`label```, which become "Table 5" / "Figure 3",
linked to it.

Why here and not in the notebooks or by Sphinx's ``numfig``: the tables and figures are notebook
outputs (raw HTML written by :mod:`ics_leadership.figures.tables`), executed one notebook at a time
by papermill, in parallel and only when their inputs change, so no notebook knows how many tables
come before its own. Sphinx's ``numfig`` numbers only its own ``table`` and ``figure`` nodes, which
raw HTML outputs are not. So the book's extension (``book/_ext/compendium_book.py``) calls
:func:`setup`, which finds every table and figure when a page is read (raw HTML outputs, and the
tables and figures of Markdown pages), numbers them in the order of ``_toc.yml`` once all pages are
read, and writes the numbers into the captions when each page is written.

A table or figure is labelled by ``data-label`` in its HTML (``tables.table(..., label=...)``,
``CaptionedFigure(label=...)``), or by the ``:name:`` of a Markdown table or figure directive.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Sphinx is imported only when the book is built
    from docutils.nodes import Node
    from sphinx.application import Sphinx
    from sphinx.config import Config
    from sphinx.environment import BuildEnvironment

#: The kinds numbered, with the word a caption and a citation use.
KINDS = {"table": "Table", "figure": "Figure"}
#: The class of the number's ``<span>`` (styled with the caption; the PDF's lists read it).
NUMBER_CLASS = "compendium-number"
#: The roles that cite a numbered item by its label, and the kind each cites.
ROLES = {"tableref": "table", "figref": "figure"}

_OPEN = re.compile(r"<(table|figure)\b([^>]*)>", re.I)
_ATTR = r"""\b{name}\s*=\s*(?:"([^"]*)"|'([^']*)')"""
_TAGS = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Item:
    """A table or figure of a page: its kind, HTML id, label (or None) and caption as plain text."""

    kind: str
    anchor: str
    label: str | None
    caption: str


@dataclass(frozen=True)
class Numbered:
    """An item with its page (Sphinx docname) and book-wide number."""

    docname: str
    item: Item
    number: int

    @property
    def name(self) -> str:
        """How a citation reads: "Table 5"."""
        return f"{KINDS[self.item.kind]} {self.number}"


def _attr(tag: str, name: str) -> str | None:
    found = re.search(_ATTR.format(name=re.escape(name)), tag, re.I)
    return html.unescape(found.group(1) if found.group(1) is not None else found.group(2)) if found else None


def _caption_span(markup: str, kind: str, start: int) -> tuple[int, int] | None:
    """Where the caption's content lies (start, end) for the element opened just before ``start``."""
    tag = "caption" if kind == "table" else "figcaption"
    close = re.compile(rf"</{kind}\s*>", re.I).search(markup, start)
    limit = close.start() if close else len(markup)
    opened = re.compile(rf"<{tag}\b[^>]*>", re.I).search(markup, start, limit)
    if not opened:
        return None
    closed = re.compile(rf"</{tag}\s*>", re.I).search(markup, opened.end(), limit)
    return (opened.end(), closed.start()) if closed else None


def plain(markup: str) -> str:
    """Text of an HTML fragment: tags dropped, entities decoded, white space collapsed."""
    return " ".join(html.unescape(_TAGS.sub("", markup)).split())


def html_items(markup: str, make_anchor: Callable[[str, int], str]) -> list[Item]:
    """The tables and figures of raw HTML, in order; ``make_anchor(kind, i)`` names one without an id."""
    items = []
    for i, found in enumerate(_OPEN.finditer(markup)):
        kind = found.group(1).lower()
        span = _caption_span(markup, kind, found.end())
        caption = plain(markup[span[0] : span[1]]) if span else ""
        anchor = _attr(found.group(0), "id") or make_anchor(kind, i)
        items.append(Item(kind, anchor, _attr(found.group(0), "data-label"), caption))
    return items


def number_html(markup: str, numbers: list[Numbered]) -> str:
    """``markup`` with each table and figure numbered at the start of its caption (one caption made if none).

    ``numbers`` are the items of :func:`html_items` for this markup, in the same order. An element
    without an id gets its item's anchor, so the lists of the PDF and citations can link to it.
    """
    out: list[str] = []
    at = 0
    for found, numbered in zip(_OPEN.finditer(markup), numbers, strict=True):
        kind = found.group(1).lower()
        opening = found.group(0)
        if _attr(opening, "id") is None:
            opening = f'{opening[:-1].rstrip("/ ")} id="{html.escape(numbered.item.anchor)}">'
        number = f'<span class="{NUMBER_CLASS}">{numbered.name}.</span>'
        span = _caption_span(markup, kind, found.end())
        out.append(markup[at : found.start()])
        if span is not None:
            out += [opening, markup[found.end() : span[0]], number, " ", markup[span[0] : span[1]]]
            at = span[1]
        elif kind == "table":
            out += [opening, f"<caption>{number}</caption>"]
            at = found.end()
        else:
            close = re.compile(r"</figure\s*>", re.I).search(markup, found.end())
            end = close.start() if close else len(markup)
            out += [opening, markup[found.end() : end], f"<figcaption>{number}</figcaption>"]
            at = end
    out.append(markup[at:])
    return "".join(out)


def toc_order(root: str, includes: Mapping[str, Iterable[str]]) -> list[str]:
    """Pages in reading order: ``root``, then what its toctrees include, depth first (as ``_toc.yml``)."""
    order: list[str] = []

    def visit(doc: str) -> None:
        if doc in order:
            return
        order.append(doc)
        for child in includes.get(doc, ()):
            visit(child)

    visit(root)
    return order


def assign(order: Iterable[str], items: Mapping[str, list[Item]]) -> dict[str, list[Numbered]]:
    """Number every page's items in reading order, one sequence per kind."""
    counts = dict.fromkeys(KINDS, 0)
    numbered: dict[str, list[Numbered]] = {}
    for doc in order:
        numbered[doc] = []
        for item in items.get(doc, []):
            counts[item.kind] += 1
            numbered[doc].append(Numbered(doc, item, counts[item.kind]))
    return numbered


def labels(numbered: Mapping[str, list[Numbered]]) -> tuple[dict[str, Numbered], list[str]]:
    """Numbered items by label, and a problem for each label used twice (naming both places)."""
    found: dict[str, Numbered] = {}
    problems = []
    for entries in numbered.values():
        for entry in entries:
            label = entry.item.label
            if not label:
                continue
            if label in found:
                first = found[label]
                problems.append(
                    f"label {label!r} is given to {first.name} ({first.docname}) and {entry.name} ({entry.docname})"
                )
                continue
            found[label] = entry
    return found, problems


def slug(docname: str) -> str:
    """A page name usable in an HTML id: ``notebooks/01_sample`` gives ``notebooks-01_sample``."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", docname).strip("-")


def generated_anchor(docname: str, kind: str, index: int) -> str:
    """The id given to the ``index``-th item of a page that has none: unique in the one-page PDF too."""
    return f"{'tbl' if kind == 'table' else 'fig'}-{slug(docname)}-{index + 1}"


# --- Sphinx ---------------------------------------------------------------------------------------


def _is_numbered(node: Node) -> bool:
    from docutils import nodes

    if isinstance(node, nodes.raw):
        return "html" in node.get("format", "").split()
    return isinstance(node, (nodes.table, nodes.figure))


def _node_items(node: Node, docname: str, start: int) -> list[Item]:
    """The items one node holds (a raw HTML output may hold several); ``start``: items before it."""
    from docutils import nodes

    if isinstance(node, nodes.raw):
        return html_items(node.astext(), lambda kind, i: generated_anchor(docname, kind, start + i))
    kind = "table" if isinstance(node, nodes.table) else "figure"
    title = next(iter(node.findall(nodes.title if kind == "table" else nodes.caption)), None)
    anchor = node["ids"][0] if node["ids"] else generated_anchor(docname, kind, start)
    label = node["names"][0] if node["names"] else None
    return [Item(kind, anchor, label, " ".join(title.astext().split()) if title is not None else "")]


def _walk(doctree: Node) -> list[Node]:
    """The nodes that may hold tables or figures, in document order."""
    return list(doctree.findall(_is_numbered))


def _read(app: Sphinx, doctree: Node) -> None:
    """Record the items of the page just read (``doctree-read``)."""
    env = app.env
    docname = env.docname
    items: list[Item] = []
    for node in _walk(doctree):
        items += _node_items(node, docname, len(items))
    if not hasattr(env, "compendium_items"):
        env.compendium_items = {}
    env.compendium_items[docname] = items


def _purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    getattr(env, "compendium_items", {}).pop(docname, None)


def _merge(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment) -> None:
    if not hasattr(env, "compendium_items"):
        env.compendium_items = {}
    for docname in docnames:
        if docname in getattr(other, "compendium_items", {}):
            env.compendium_items[docname] = other.compendium_items[docname]


def _number(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Number everything once all pages are read (``env-updated``); return the pages to rewrite."""
    from sphinx.util import logging

    order = toc_order(app.config.root_doc, env.toctree_includes)
    items = getattr(env, "compendium_items", {})
    order += sorted(set(items) - set(order))  # pages outside the toc (none in this book) come last
    numbered = assign(order, items)
    by_label, problems = labels(numbered)
    for problem in problems:
        logging.getLogger(__name__).warning(f"numbered tables and figures: {problem}")
    previous = getattr(env, "compendium_numbered", None)
    env.compendium_numbered = numbered
    env.compendium_labels = by_label
    return [] if previous == numbered else sorted(numbered)


def _with_pages(doctree: Node, docname: str, wanted: Callable[[Node], bool]) -> list[tuple[Any, str]]:
    """The nodes ``wanted(node)`` accepts, in document order, each with the page it comes from.

    In the one-page book (``singlehtml``) each included page sits in a ``start_of_file`` node. Sphinx
    moves the page's nodes there without updating their ``parent``, so a node's page is found by
    walking down from the top, not up from the node.
    """
    from sphinx import addnodes

    found: list[tuple[Any, str]] = []

    def visit(node: Node, page: str) -> None:
        if isinstance(node, addnodes.start_of_file):
            page = node["docname"]
        if wanted(node):
            found.append((node, page))
        for child in getattr(node, "children", ()):
            visit(child, page)

    visit(doctree, docname)
    return found


def _write_numbers(app: Sphinx, doctree: Node, docname: str) -> None:
    """Write the numbers into the captions of the page being written (``doctree-resolved``)."""
    from docutils import nodes

    numbered = getattr(app.env, "compendium_numbered", {})
    seen: dict[str, int] = {}
    for node, page in _with_pages(doctree, docname, _is_numbered):
        entries = numbered.get(page, [])
        start = seen.get(page, 0)
        count = len(_OPEN.findall(node.astext())) if isinstance(node, nodes.raw) else 1  # as html_items finds them
        if count == 0:
            continue  # raw HTML without a table or figure (a script, a style): nothing to number
        mine = entries[start : start + count]
        seen[page] = start + count
        if len(mine) != count:
            continue  # a page Sphinx read without numbering (cannot happen in a full build)
        if isinstance(node, nodes.raw):
            numbered_html = number_html(node.astext(), mine)
            node.clear()  # changed in place: in the one-page book a node's parent may be stale
            node.append(nodes.Text(numbered_html))
            continue
        entry = mine[0]
        if not node["ids"]:
            node["ids"].append(entry.item.anchor)
        number = nodes.inline("", f"{entry.name}. ", classes=[NUMBER_CLASS])
        caption_type = nodes.title if entry.item.kind == "table" else nodes.caption
        caption = next(iter(node.findall(caption_type)), None)
        if caption is None:
            caption = caption_type("", "")
            if entry.item.kind == "table":
                node.insert(0, caption)
            else:
                node.append(caption)
        caption.insert(0, number)
        node["classes"].append(f"compendium-{entry.item.kind}")


def _make_role(kind: str) -> Callable[..., tuple[list[Node], list[Node]]]:
    from docutils import nodes

    def role(name: str, rawtext: str, text: str, lineno: int, inliner: Any, options: Any = None, content: Any = None):  # noqa: ANN202
        node = nodes.inline(rawtext, text.strip(), classes=["compendium-citation"])
        node["compendium_cites"] = (kind, text.strip())
        return [node], []

    return role


def _resolve_citations(app: Sphinx, doctree: Node, docname: str) -> None:
    """Replace each citation by "Table 5" linked to the table (``doctree-resolved``)."""
    from docutils import nodes
    from sphinx.util import logging

    log = logging.getLogger(__name__)
    by_label: dict[str, Numbered] = getattr(app.env, "compendium_labels", {})
    cites = _with_pages(doctree, docname, lambda n: isinstance(n, nodes.inline) and "compendium_cites" in n)
    for node, page in cites:
        kind, label = node["compendium_cites"]
        target = by_label.get(label)
        if target is None or target.item.kind != kind:
            role = next(name for name, cited in ROLES.items() if cited == kind)
            found = "no such label" if target is None else f"that label is {target.name}"
            log.warning(f"{{{role}}}`{label}`: {found}, not a {kind}", location=node)
            node.replace_self(nodes.inline("", f"{KINDS[kind]} ?", classes=["compendium-citation"]))
            continue
        uri = app.builder.get_relative_uri(page, target.docname) + "#" + target.item.anchor
        link = nodes.reference("", target.name, refuri=uri, internal=True, classes=["compendium-citation"])
        node.replace_self(link)


def _no_sphinx_numbers(app: Sphinx, config: Config) -> None:
    """Turn Sphinx's ``numfig`` off again, whatever ``_config.yml`` says: sphinx-jupyterbook-latex (which
    Jupyter Book loads) sets it on in its own ``config-inited`` handler for every builder, and a
    ``{table}`` of a Markdown page then read "Table 1 Table 47." (Sphinx's number before this one)."""
    config.numfig = False


def setup(app: Sphinx) -> None:
    """Register the numbering with a Sphinx application (called by the book's extension)."""
    app.connect("config-inited", _no_sphinx_numbers, priority=900)
    app.connect("doctree-read", _read)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("env-updated", _number)
    app.connect("doctree-resolved", _write_numbers)
    app.connect("doctree-resolved", _resolve_citations)
    for name, kind in ROLES.items():
        app.add_role(name, _make_role(kind))
