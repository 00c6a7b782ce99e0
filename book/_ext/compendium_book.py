"""Sphinx tweaks for the compendium's book (loaded through ``sphinx.local_extensions``).

Jupyter Book 1.x always loads sphinx-thebe (live code cells on Binder). The compendium does not
use it, and it adds its configuration script twice, which raises a JavaScript error on every
page, and names an external URL. Dropping its assets keeps pages free of console errors and of
any reference to resources outside the book.
"""

from __future__ import annotations


def _not_thebe(asset) -> bool:
    filename = str(getattr(asset, "filename", "") or "")
    body = str(getattr(asset, "attributes", {}).get("body", ""))
    return "thebe" not in filename and "THEBE_JS_URL" not in body


def _drop_thebe(app, pagename, templatename, context, doctree):
    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [asset for asset in context[key] if _not_thebe(asset)]


def setup(app):
    app.connect("html-page-context", _drop_thebe)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
