"""Sphinx tweaks for the compendium's book (loaded through ``sphinx.local_extensions``).

Jupyter Book 1.x always loads sphinx-thebe (live code cells on Binder). The compendium does not
use it, and it adds its configuration script twice, which raises a JavaScript error on every
page, and names an external URL; it also appends an inline Thebe configuration (naming another
project's Binder repository) to every page. Dropping both keeps pages free of console errors and of
any reference to resources outside the book.

The book's notebook pages are the executed copies in ``book/notebooks/``, which are generated and
not committed; the repository holds their sources in ``notebooks/``. The theme builds a launch
(Binder) link from the page's path under ``book/``, so the link is pointed at the source notebook.

Tables and figures are numbered across the book by :mod:`ics_leadership.publish.numbering`.

A page whose executed notebook shows anything computed from synthetic data (its outputs say so in
their metadata, see :mod:`ics_leadership.publish.demonstration`) is shown as a demonstration: its
section becomes a tinted container with ``data-source="synthetic"`` and one badge under its title.
The page is marked when it is read and drawn when it is written, so the mark is carried into the
single-page build the PDF is printed from as well.
"""

from __future__ import annotations

from docutils import nodes

#: Where the theme thinks a notebook page lives in the repository, and where its source really is.
EXECUTED_PREFIX = "book/notebooks/"
SOURCE_PREFIX = "notebooks/"


def _not_thebe(asset) -> bool:
    filename = str(getattr(asset, "filename", "") or "")
    body = str(getattr(asset, "attributes", {}).get("body", ""))
    return "thebe" not in filename and "THEBE_JS_URL" not in body


def _drop_thebe(app, pagename, templatename, context, doctree):
    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [asset for asset in context[key] if _not_thebe(asset)]


def _drop_unused_mathjax(app, pagename, templatename, context, doctree):
    """Keep MathJax (loaded from a CDN) off pages without equations.

    Jupyter Book asks Sphinx to put every asset on every page of a ``singlehtml`` build (used for
    the PDF), including MathJax although no page has an equation; the request would fail offline.
    """
    if app.env.get_domain("math").has_equations():
        return
    if "script_files" in context:
        context["script_files"] = [
            s for s in context["script_files"] if "mathjax" not in str(getattr(s, "filename", "") or "").lower()
        ]


def _drop_thebe_config(app, doctree, docname):
    """Remove the inline Thebe configuration sphinx-thebe appends to every page (unused here)."""
    for node in list(doctree.findall(nodes.raw)):
        text = node.astext()
        if "x-thebe-config" in text or text.startswith("<script>kernelName"):
            node.parent.remove(node)


def _source_of(app, pagename: str) -> str:
    """The committed notebook a page was executed from (the pipeline records it in the metadata).

    One source can give several pages (one per contribution), so the page name alone is not enough.
    """
    import json
    from pathlib import Path

    executed = Path(app.srcdir) / f"{pagename}.ipynb"
    try:
        meta = json.loads(executed.read_text(encoding="utf-8")).get("metadata", {})
        return meta["compendium"]["source"]
    except (OSError, ValueError, KeyError, TypeError):
        return f"{SOURCE_PREFIX}{pagename.removeprefix('notebooks/')}.ipynb"


def _launch_source_notebooks(app, pagename, templatename, context, doctree):
    """Point launch buttons at the committed source notebook instead of ``book/notebooks/X.ipynb``."""
    for group in context.get("header_buttons", []):
        if group.get("label") != "launch-buttons":
            continue
        for button in group.get("buttons", []):
            url = button.get("url", "")
            executed = f"/book/{pagename}.ipynb"
            if executed in url:
                button["url"] = url.replace(executed, f"/{_source_of(app, pagename)}")


#: Markup of the theme and of docutils that assistive technology (and axe) cannot read, with its fix:
#: the navigation toggles are <summary> elements holding only an icon, so they get a name; the
#: bibliography claims role="list" but holds back-links directly, so the claim is dropped.
_ACCESSIBILITY_FIXES = (
    (
        '<summary><span class="toctree-toggle" role="presentation">',
        '<summary aria-label="Show or hide the pages of this section">'
        '<span class="toctree-toggle" role="presentation">',
    ),
    ('<div role="list" class="citation-list">', '<div class="citation-list">'),
)


def _fix_accessibility(app, exception):
    from pathlib import Path

    if exception is not None or app.builder.format != "html":
        return
    for page in Path(app.outdir).rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        fixed = text
        for bad, good in _ACCESSIBILITY_FIXES:
            fixed = fixed.replace(bad, good)
        if fixed != text:
            page.write_text(fixed, encoding="utf-8")


#: Set on a page's top sections, at reading, to the data source its executed notebook declares.
DATA_SOURCE = "compendium_data_source"


class demonstration_section(nodes.section):  # noqa: N801  (docutils names node classes in lower case)
    """A page's section drawn as a demonstration. A section still, so everything else treats it as one."""


def _mark_demonstrations(app, doctree):
    """Mark the page's sections when its executed notebook shows synthetic data (at reading)."""
    from ics_leadership.publish import demonstration

    source = demonstration.notebook_data_source(app.env.doc2path(app.env.docname))
    if source:
        for section in doctree.children:
            if isinstance(section, nodes.section):
                section[DATA_SOURCE] = source


def _draw_demonstrations(app, doctree, docname):
    """Turn marked sections into demonstration sections with their badge (at writing).

    After reading, so the table of contents and the numbering see ordinary sections. In the
    single-page build every page's marked section is inside the one tree resolved here.
    """
    from ics_leadership.publish import demonstration

    for section in list(doctree.findall(nodes.section)):
        source = section.get(DATA_SOURCE)
        if not source or isinstance(section, demonstration_section):
            continue
        shown = demonstration_section(section.rawsource, *section.children, **{DATA_SOURCE: source})
        shown["classes"].append(demonstration.CONTAINER_CLASS)
        titles = [i for i, child in enumerate(shown.children) if isinstance(child, nodes.title)]
        shown.insert(titles[0] + 1 if titles else 0, nodes.raw("", demonstration.badge_html(), format="html"))
        section.replace_self(shown)  # keeps the section's ids, names and classes


def _visit_demonstration(self, node):
    from ics_leadership.publish import demonstration

    self.section_level += 1
    self.body.append(self.starttag(node, "section", **demonstration.section_attributes(node[DATA_SOURCE])))


def _depart_demonstration(self, node):
    self.depart_section(node)


def setup(app):
    # Book-wide numbers for tables and figures, and the {tableref}/{figref} roles that cite them.
    from ics_leadership.publish import numbering

    numbering.setup(app)

    app.add_node(demonstration_section, html=(_visit_demonstration, _depart_demonstration))
    app.connect("doctree-read", _mark_demonstrations)
    app.connect("doctree-resolved", _draw_demonstrations)
    app.connect("html-page-context", _drop_thebe)
    app.connect("html-page-context", _drop_unused_mathjax)
    app.connect("doctree-resolved", _drop_thebe_config, priority=510)  # after sphinx-thebe's (500)
    # After sphinx-book-theme has added its launch buttons (priority 501).
    app.connect("html-page-context", _launch_source_notebooks, priority=510)
    app.connect("build-finished", _fix_accessibility)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
