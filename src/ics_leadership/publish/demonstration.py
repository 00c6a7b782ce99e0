"""Pages that show analyses of the synthetic corpus: how the book finds them and the badge they carry.

The interview transcripts are confidential, so the coding analyses are shown on a synthetic corpus
generated from the paper's own claims. A number from it must never read as a finding. The rule:
such pages live in their own part of the book (:data:`PART_CAPTION`), and each is shown in a tinted
container with one badge (:data:`BADGE_TITLE`, :data:`BADGE_TEXT`) and ``data-source="synthetic"`` on
the page's section, in the HTML book and in the PDF; captions carry no label of their own.

Which pages those are is not a list kept by hand: a notebook output shown from synthetic data
carries :data:`~ics_leadership.figures.tables.SYNTHETIC_OUTPUT` in its metadata (the page functions
of :mod:`ics_leadership.figures.tables` add it), and :func:`notebook_data_source` finds it in the
executed notebook. The book's Sphinx extension (``book/_ext/compendium_book.py``) asks it for every
page and renders the container and badge (:func:`section_attributes`, :func:`badge_html`).
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ics_leadership.figures.tables import SYNTHETIC_OUTPUT

#: The book part that holds every page showing analyses of the synthetic corpus (book/_toc.yml).
PART_CAPTION = "Demonstration: the analysis on a synthetic corpus"
#: The value of ``data-source`` on such a page (and of ``data_source`` in its outputs' metadata).
SYNTHETIC = "synthetic"
#: The CSS class of a demonstration page's section (the tinted container) and of its badge.
CONTAINER_CLASS = "compendium-demonstration"
BADGE_CLASS = "compendium-demo-badge"
#: What the badge says, once per page.
BADGE_TITLE = "Demonstration on synthetic data: not findings of the study."
BADGE_TEXT = (
    "The study's interview transcripts are confidential, so the analyses on this page run on a synthetic "
    "corpus generated from the paper's own claims. They show how the analysis works, not what the study "
    "found, and give no verdict on the paper's claims."
)

_KEY, _FIELD = next(iter(SYNTHETIC_OUTPUT)), "data_source"


def output_data_source(output: Mapping[str, Any]) -> str | None:
    """The data source an output of an executed notebook declares in its metadata, if any."""
    metadata = output.get("metadata") or {}
    declared = metadata.get(_KEY) if isinstance(metadata, Mapping) else None
    return declared.get(_FIELD) if isinstance(declared, Mapping) else None


def data_source(cells: Iterable[Mapping[str, Any]]) -> str | None:
    """:data:`SYNTHETIC` when any output of ``cells`` (a notebook's) was shown from synthetic data."""
    for cell in cells:
        for output in cell.get("outputs", []) or []:
            if output_data_source(output) == SYNTHETIC:
                return SYNTHETIC
    return None


def notebook_data_source(path: Path | str) -> str | None:
    """:func:`data_source` of the notebook file at ``path``; None for a file that is not a notebook."""
    path = Path(path)
    if path.suffix != ".ipynb":
        return None
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return data_source(notebook.get("cells", []))


def section_attributes(source: str) -> dict[str, str]:
    """The attributes of a demonstration page's section besides its id: the marker tests read."""
    return {"data-source": source}


def badge_html() -> str:
    """The badge, placed once per demonstration page, under its title."""
    title, text = (html.escape(t, quote=False) for t in (BADGE_TITLE, BADGE_TEXT))
    return f'<p class="{BADGE_CLASS}"><strong>{title}</strong> {text}</p>\n'
