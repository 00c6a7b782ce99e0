"""Jupyter Book's command line in a child process, faster to start and able to start ahead.

``python -m ics_leadership.publish.jupyterbook_cli ARGS`` does what ``jupyter-book ARGS`` does,
with one difference: jsonschema's optional ``rfc3987_syntax`` is marked absent before anything
imports jsonschema (Jupyter Book does, to check its configuration). That module compiles 39
grammars when imported, about 1.2 s of a 3.8 s book build here, only to check the "iri" formats,
which Jupyter Book's configuration schema does not use; the built HTML is byte-identical without
it (checked with ``diff -r`` on this book). :mod:`ics_leadership.core.yamlschema` does the same.

``--wait`` (the first argument) starts the child ahead of time (:class:`ics_leadership.publish.
jupyterbook.WarmBook`): it imports Jupyter Book, Sphinx and the book's extensions, then reads one
JSON line from stdin, ``{"argv": [...], "env": {...}}``, and runs that command line. The imports
then overlap work the parent is still doing (checking the raw data, running the last notebooks),
on a core that would otherwise wait. An empty stdin (the parent needed no book) exits quietly.
"""

from __future__ import annotations

import importlib
import json
import os
import sys

#: Imported by ``--wait`` before the command arrives: what every book build imports anyway.
WARM_MODULES = (
    "jupyter_book.cli.main",
    "jupyter_book.sphinx",
    "jupyter_book.config",
    "sphinx.application",
    "sphinx.builders.html",
    "sphinx.builders.singlehtml",
    "myst_nb",
    "myst_nb.sphinx_ext",
    "myst_parser.sphinx_ext.main",
    "sphinx_book_theme",
    "sphinx_design",
    "sphinx_togglebutton",
    "sphinx_copybutton",
    "sphinx_comments",
    "sphinx_external_toc",
    "sphinx_jupyterbook_latex",
    "sphinx_multitoc_numbering",
    "sphinx_thebe",
    "sphinxcontrib.bibtex",
)


def _jupyter_book(argv: list[str]) -> None:
    from jupyter_book.cli.main import main as jupyter_book_main

    sys.argv = ["jupyter-book", *argv]
    jupyter_book_main()


def main(argv: list[str] | None = None) -> None:
    """Run Jupyter Book's command line on ``argv`` (default: this process's arguments)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    if argv[:1] != ["--wait"]:
        _jupyter_book(argv)
        return
    for name in WARM_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:  # an extension this Jupyter Book does not use: it will not be needed
            pass
    line = sys.stdin.readline()
    if not line.strip():
        return
    request = json.loads(line)
    os.environ.update(request.get("env", {}))
    _jupyter_book(list(request["argv"]))


if __name__ == "__main__":
    main()
