"""Captioned tables and figures with alt text, for notebooks and the book.

Notebooks call these so that every table has a caption and every figure a caption and an alt
text, in JupyterLab and in the rendered book alike.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

import pandas as pd
from IPython.display import HTML

from ics_leadership.figures import SYNTHETIC_LABEL


def _label(caption: str, synthetic: bool) -> str:
    return f"{SYNTHETIC_LABEL}. {caption}" if synthetic else caption


def _cell_text(value: object) -> str:
    """Numbers as people write them: 22 not 22.000000, 0.25 not 0.250000."""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def table(frame: pd.DataFrame, caption: str, index: bool = False, synthetic: bool = False,
          multiline: bool = False) -> "pd.io.formats.style.Styler":
    """A table with a caption, ready to display.

    Parameters
    ----------
    frame
        What to show.
    caption
        A sentence saying what the table shows and where its numbers come from.
    index
        Show the frame's index (for cross-tabulations).
    synthetic
        Prefix the caption with the synthetic-data label.
    multiline
        Honour line breaks inside cells (for lists of roles).
    """
    # Column names as words ("p value", not "p_value"): easier to read, and they wrap in print.
    frame = frame.rename(columns=lambda c: c.replace("_", " ") if isinstance(c, str) else c)
    styler = frame.style.set_caption(html.escape(_label(caption, synthetic))).format(
        formatter=_cell_text, escape="html", na_rep=""
    )
    styler = styler.set_table_attributes('class="compendium-table"')
    styles = [
        {"selector": "", "props": "margin-left: 0; margin-right: auto;"},
        {"selector": "caption", "props": "caption-side: top; text-align: left; font-weight: 600; padding-bottom: .4em;"},
        {"selector": "td, th", "props": "text-align: left; vertical-align: top; padding: .25em .6em;"},
    ]
    if multiline:
        styles.append({"selector": "td", "props": "white-space: pre-line;"})
    styler = styler.set_table_styles(styles)
    if not index:
        styler = styler.hide(axis="index")
    return styler


def figure(png: Path | str, alt: str, caption: str, synthetic: bool = False) -> HTML:
    """Show a saved PNG as an HTML ``<figure>`` with alt text and a caption.

    The image is embedded, so the executed notebook (and the book built from it) carries it.
    """
    if synthetic:
        alt = f"{SYNTHETIC_LABEL}. {alt}"
    data = base64.b64encode(Path(png).read_bytes()).decode("ascii")
    caption = _label(caption, synthetic)
    return HTML(
        '<figure class="compendium-figure" style="margin: 1em 0;">'
        f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt, quote=True)}" '
        'style="max-width: 100%; height: auto;" />'
        f'<figcaption style="font-size: .95em;">{html.escape(caption)}</figcaption>'
        "</figure>"
    )


def save_and_show(fig, directory: Path | str, stem: str, alt: str, caption: str, synthetic: bool = False) -> HTML:
    """Save ``fig`` as SVG and PNG under ``directory`` (deterministically), close it, and show it."""
    import matplotlib.pyplot as plt

    from ics_leadership.figures import save_figure

    saved = save_figure(fig, directory, stem)
    plt.close(fig)
    return figure(saved["png"], alt=alt, caption=caption, synthetic=synthetic)


def banner(synthetic: bool, description: str) -> HTML:
    """A page banner saying where the numbers on the page come from (prominent when synthetic)."""
    if synthetic:
        return HTML(
            '<div class="admonition warning compendium-banner" role="note">'
            f'<p class="admonition-title">{html.escape(SYNTHETIC_LABEL)}</p>'
            f"<p>{html.escape(description)} Every table and figure on this page is computed from it: "
            "they show how the analysis works, not what the study found.</p></div>"
        )
    return HTML(
        '<div class="admonition note compendium-banner" role="note"><p class="admonition-title">Coded data</p>'
        f"<p>{html.escape(description)}</p></div>"
    )
