"""Sphinx tweaks for the compendium's book (loaded through ``sphinx.local_extensions``).

Jupyter Book 1.x always loads sphinx-thebe (live code cells on Binder). The compendium does not
use it, and it adds its configuration script twice, which raises a JavaScript error on every
page, and names an external URL; it also appends an inline Thebe configuration (naming another
project's Binder repository) to every page. Dropping both keeps pages free of console errors and of
any reference to resources outside the book.

The book's notebook pages are the executed copies in ``book/notebooks/``, which are generated and
not committed; the repository holds their sources in ``notebooks/``. The theme builds a launch
(Binder) link from the page's path under ``book/``, so the link is pointed at the source notebook.
"""

from __future__ import annotations

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
        context["script_files"] = [s for s in context["script_files"]
                                   if "mathjax" not in str(getattr(s, "filename", "") or "").lower()]


def _drop_thebe_config(app, doctree, docname):
    """Remove the inline Thebe configuration sphinx-thebe appends to every page (unused here)."""
    from docutils import nodes

    for node in list(doctree.findall(nodes.raw)):
        text = node.astext()
        if "x-thebe-config" in text or text.startswith("<script>kernelName"):
            node.parent.remove(node)


def _launch_source_notebooks(app, pagename, templatename, context, doctree):
    """Point launch buttons at ``notebooks/X.ipynb`` (committed) instead of ``book/notebooks/X.ipynb``."""
    for group in context.get("header_buttons", []):
        if group.get("label") != "launch-buttons":
            continue
        for button in group.get("buttons", []):
            url = button.get("url", "")
            button["url"] = url.replace(f"/{EXECUTED_PREFIX}", f"/{SOURCE_PREFIX}")


def setup(app):
    app.connect("html-page-context", _drop_thebe)
    app.connect("html-page-context", _drop_unused_mathjax)
    app.connect("doctree-resolved", _drop_thebe_config, priority=510)  # after sphinx-thebe's (500)
    # After sphinx-book-theme has added its launch buttons (priority 501).
    app.connect("html-page-context", _launch_source_notebooks, priority=510)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
