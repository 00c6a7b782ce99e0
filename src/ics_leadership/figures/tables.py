"""Captioned tables and figures with alt text, for notebooks and the book.

The functions of the page modules (:mod:`.sample`, :mod:`.coding`, :mod:`.model_page`,
:mod:`.contribution`) return a :class:`CaptionedTable` or a :class:`CaptionedFigure`: the frame or
figure together with its caption (and, for a figure, its alt text), made by one function from the
same data so they cannot drift, and marked ``synthetic`` when the data are. A notebook shows one
with :func:`show` (or several with :func:`show_all`), which, for a figure, saves it under the page's
derived folder first. :func:`table`, :func:`figure` and :func:`save_and_show` are the same steps for
a caption written in the notebook; :func:`banner` says where a page's (or a section's) numbers come
from.

What is shown from synthetic data carries :data:`SYNTHETIC_OUTPUT` in its output's metadata, not a
label in its caption: the book (``book/_ext``, through :mod:`ics_leadership.publish.demonstration`)
finds it in the executed notebook and shows the whole page in a tinted container with one badge
saying it is a demonstration, not the study's findings, and ``data-source="synthetic"`` on the
page's section. A notebook author therefore cannot forget the label: showing anything synthetic
through these functions marks the page. Files that leave the page keep the label inside them: a
figure's title and file metadata (:func:`save_and_show`), a CSV file's ``data_source`` column.

Tables and figures are numbered across the book when it is built (:mod:`ics_leadership.publish.numbering`),
not here: a notebook cannot know how many come before it. Give one a ``label`` for prose to cite it
by (``{tableref}`label``` or ``{figref}`label``` in Markdown, rendered as "Table 5" or "Figure 3").
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from IPython.display import HTML, Markdown
from pandas.io.formats.style import Styler

from ics_leadership.core import paths
from ics_leadership.figures.style import SYNTHETIC_LABEL

#: The output metadata of anything shown from synthetic data (see the module's docstring).
SYNTHETIC_OUTPUT = {"ics_leadership": {"data_source": "synthetic"}}

if TYPE_CHECKING:  # matplotlib is imported only when a figure is saved
    from matplotlib.figure import Figure


def file_label(directory: Path | str, name: str) -> str:
    """How a caption names file ``name`` that a page wrote into ``directory``.

    Relative to the project root when it lies inside it (``data/derived/model/model_links.csv``,
    whatever the notebook's working directory), so a caption names the file where it really is.
    """
    return paths.display_path(Path(directory) / name)


def output_metadata(synthetic: bool) -> dict[str, Any]:
    """The metadata an output shown from these data carries: :data:`SYNTHETIC_OUTPUT` or none."""
    return {key: dict(value) for key, value in SYNTHETIC_OUTPUT.items()} if synthetic else {}


class _Marked:
    """An output that carries :func:`output_metadata` (the page's data source) into the notebook."""

    synthetic = False

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> tuple[dict, dict]:
        # No data here (IPython takes the HTML from _repr_html_): the metadata only.
        return {}, output_metadata(self.synthetic)


class MarkedHTML(_Marked, HTML):
    """HTML whose output carries :func:`output_metadata` (the page's data source) into the notebook."""

    def __init__(self, data: str, synthetic: bool = False):
        super().__init__(data)
        self.synthetic = synthetic


def _cell_text(value: object) -> str:
    """Numbers as people write them: 22 not 22.000000, 0.25 not 0.250000."""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


#: Where a long identifier may break: after a separator inside it (codes, paths, file names).
_BREAK_AFTER = re.compile(r"(?<=[/_.:])(?=[^\s/_.:])")
_HEX = re.compile(r"[0-9a-f]{24,}")


def breakable(text: str, min_length: int = 16) -> str:
    """HTML ``text`` with ``<wbr>`` break points inside its long identifiers.

    A browser breaks a line only at spaces and hyphens, so one code path such as
    ``translating_communicating/sustaining_narrative`` sets the width of its whole column and pushes
    the table past the text column. A word of at least ``min_length`` characters may break after each
    ``/``, ``_``, ``.`` and ``:`` in it, and a long hexadecimal digest every 8 characters; shorter
    words and the text itself are unchanged (``<wbr>`` shows nothing where no break is needed).
    ``text`` is already HTML-escaped: entities such as ``&#x27;`` contain none of those characters.
    """

    def word(match: re.Match[str]) -> str:
        w = match.group(0)
        if len(w) < min_length:
            return w
        if _HEX.fullmatch(w):
            return "<wbr>".join(w[i : i + 8] for i in range(0, len(w), 8))
        return _BREAK_AFTER.sub("<wbr>", w)

    return re.sub(r"\S+", word, text)


def _cell_html(value: object) -> str:
    """A cell as the page shows it: :func:`_cell_text`, with break points in long identifiers."""
    return breakable(_cell_text(value))


#: Columns holding p values (after "_" became " "): shown as "< 0.001" below that, else to 3 decimals.
P_VALUE_COLUMNS = ("p value", "p", "p value (fisher)", "p value (exact)")


def p_value_text(value: object) -> str:
    """A p value as a reader expects it: "< 0.001" for the smallest, else three decimals (0.052)."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, str):  # formatted already (the claims ledger's own rule)
        return value
    p = float(value)  # type: ignore[arg-type]
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


class Table(_Marked, Styler):
    """A pandas Styler whose plain-text form is the table itself.

    A bare Styler's text form is ``<pandas.io.formats.style.Styler at 0x7f...>``: it tells a reader
    of the text nothing and carries a memory address, different on every run, into the executed
    notebook. A table of synthetic data (``synthetic = True``) marks its output as such.
    """

    #: Set by :func:`table` (``stack_on_phone``): each cell names its column, for the phone layout.
    stacked = False

    def _repr_html_(self) -> str:
        shown = super()._repr_html_()
        return _with_column_names(shown, [str(c) for c in self.data.columns]) if self.stacked else shown

    def __repr__(self) -> str:
        text = self.data.to_string(
            index=not all(self.hide_index_), na_rep="", float_format=lambda v: _cell_text(float(v))
        )
        caption = html.unescape(self.caption) if isinstance(self.caption, str) else ""
        return f"{caption}\n{text}" if caption else text


_CELL = re.compile(r'(<td id="[^"]*_row\d+_col(\d+)" class="[^"]*")')


def _with_column_names(shown: str, columns: list[str]) -> str:
    """Every data cell of the HTML table ``shown`` with ``data-label`` naming its column, which the
    book's CSS prints before the value when a phone shows the table stacked (one block per row)."""

    def name(match: re.Match[str]) -> str:
        column = columns[int(match.group(2))]
        return f'{match.group(1)} data-label="{html.escape(column, quote=True)}"'

    return _CELL.sub(name, shown)


#: Table ids given so far in this kernel: a table shown twice gets a second, distinct id.
_ids_given: Counter[str] = Counter()


_LABEL = re.compile(r"[a-z0-9][a-z0-9-]*")


def _check_label(label: str | None) -> None:
    """A label is a lower-case name with hyphens: it becomes an HTML id and is typed in prose."""
    if label is not None and not _LABEL.fullmatch(label):
        raise ValueError(f"label {label!r}: use lower-case letters, digits and hyphens (e.g. 'model-links')")


def _table_id(frame: pd.DataFrame, caption: str) -> str:
    """An HTML id from the table's caption and content, so it is the same on every build.

    pandas would pick a random one, making every build's HTML differ.
    """
    digest = hashlib.sha256(f"{caption}\0{frame.to_csv()}".encode()).hexdigest()[:10]
    _ids_given[digest] += 1
    return f"tbl-{digest}" if _ids_given[digest] == 1 else f"tbl-{digest}-{_ids_given[digest]}"


def table(
    frame: pd.DataFrame,
    caption: str,
    index: bool = False,
    synthetic: bool = False,
    multiline: bool = False,
    label: str | None = None,
    appendix: bool = False,
    online_only: str | None = None,
    stack_on_phone: bool = False,
) -> Table:
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
        The data are synthetic: the output is marked (:func:`output_metadata`), and the page shows
        the demonstration badge. The caption is left as it is.
    multiline
        Honour line breaks inside cells (for lists of roles).
    label
        A name prose can cite the table by (``{tableref}`label```, which the book renders as its
        number, "Table 5"); it is also the table's HTML id (``T_tbl-<label>``).
    appendix
        A long evidence table (every statement with its location): the PDF prints it in its
        appendix of evidence tables and leaves a pointer here.
    online_only
        A long reference table the PDF does not print: it prints the caption and this text, which
        says where the table is (for example "the online book, and the schema it is generated from").
    stack_on_phone
        On a narrow screen (a phone) show each row as a block, each value after its column's name,
        instead of columns cut off at the screen's edge (Table 1).
    """
    if index:
        # Row labels become the first columns, under their names: a header row with an empty corner
        # cell (and a row for the columns' name) reads as a hole, and screen readers announce it so.
        frame = frame.rename_axis(columns=None).reset_index()
    # Column names as words ("p value", not "p_value"): easier to read, and they wrap in print.
    frame = frame.rename(columns=lambda c: c.replace("_", " ") if isinstance(c, str) else c)
    _check_label(label)
    styler = (
        Table(frame, uuid=f"tbl-{label}" if label else _table_id(frame, caption))
        .set_caption(html.escape(caption))
        .format(formatter=_cell_html, escape="html", na_rep="")
    )
    p_columns = [c for c in frame.columns if isinstance(c, str) and c.lower() in P_VALUE_COLUMNS]
    if p_columns:
        # escape="html" escapes text values before the formatter sees them; numbers it formats are escaped here.
        styler = styler.format(
            formatter=lambda v: v if isinstance(v, str) else html.escape(p_value_text(v)),
            subset=p_columns,
            na_rep="",
            escape="html",
        )
    attributes = 'class="compendium-table compendium-stack"' if stack_on_phone else 'class="compendium-table"'
    if label:
        attributes += f' data-label="{label}"'
    if appendix and online_only:
        raise ValueError("a table is either printed in the appendix or not printed: not both")
    if appendix:
        attributes += ' data-print="appendix"'
    if online_only:
        attributes += f' data-print="online" data-print-where="{html.escape(online_only, quote=True)}"'
    styler = styler.set_table_attributes(attributes)
    styler.stacked = stack_on_phone
    styles = [
        {"selector": "", "props": "margin-left: 0; margin-right: auto;"},
        {
            "selector": "caption",
            "props": "caption-side: top; text-align: left; font-weight: 600; padding-bottom: .4em;",
        },
        {"selector": "td, th", "props": "text-align: left; vertical-align: top; padding: .25em .45em;"},
    ]
    if multiline:
        styles.append({"selector": "td", "props": "white-space: pre-line;"})
    styler = styler.set_table_styles(styles)
    styler = styler.hide(axis="index")  # row labels, if any, are columns by now
    styler.synthetic = synthetic
    return styler


#: What a zoomable figure's frame is called for assistive technology (it is a tab stop, as a region
#: that scrolls must be, so a keyboard can scroll it).
ZOOM_LABEL = "Figure at print size: on a narrow screen, scroll sideways to see all of it"


def figure(
    png: Path | str, alt: str, caption: str, synthetic: bool = False, zoom: bool = True, label: str | None = None
) -> HTML:
    """Show a saved PNG as an HTML ``<figure>`` with alt text and a caption.

    The image is embedded, so the executed notebook (and the book built from it) carries it. With
    ``zoom`` (the default), the image sits in a frame that, on a narrow screen (a phone), keeps it at
    its print size and scrolls sideways instead of shrinking its 8 pt text below reading size (the
    book's CSS). ``label``: a name prose can cite the figure by (``{figref}`label```); also its id
    (``fig-<label>``). ``synthetic``: mark the output (:func:`output_metadata`); the image itself says
    so in its title.
    """
    _check_label(label)
    named = f' id="fig-{label}" data-label="{label}"' if label else ""
    data = base64.b64encode(Path(png).read_bytes()).decode("ascii")
    image = (
        f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt, quote=True)}" '
        'style="max-width: 100%; height: auto;" />'
    )
    if zoom:
        image = f'<div class="compendium-zoom" tabindex="0" role="group" aria-label="{ZOOM_LABEL}">{image}</div>'
    return MarkedHTML(
        f'<figure class="compendium-figure{" compendium-figure-zoom" if zoom else ""}"{named} style="margin: 1em 0;">'
        f"{image}"
        f"<figcaption>{html.escape(caption)}</figcaption>"  # styled by the book's CSS, like table captions
        "</figure>",
        synthetic,
    )


def save_and_show(
    fig: Figure,
    directory: Path | str,
    stem: str,
    alt: str,
    caption: str,
    synthetic: bool = False,
    zoom: bool = True,
    label: str | None = None,
) -> HTML:
    """Save ``fig`` as SVG and PNG under ``directory`` (deterministically), close it, and show it.

    Files of synthetic data carry the label in their metadata too (their title), beside the title the
    figure draws (:func:`ics_leadership.figures.style.label_synthetic`).
    """
    import matplotlib.pyplot as plt

    from ics_leadership.figures.style import save_figure

    saved = save_figure(fig, directory, stem, title=SYNTHETIC_LABEL if synthetic else None)
    plt.close(fig)
    return figure(saved["png"], alt=alt, caption=caption, synthetic=synthetic, zoom=zoom, label=label)


def banner(synthetic: bool, description: str) -> HTML:
    """A note saying where the numbers that follow come from.

    On synthetic data it names the corpus and marks the output; the page's badge (added by the book)
    is what says, once, that the page is a demonstration and not the study's findings.
    """
    return MarkedHTML(
        '<div class="admonition note compendium-banner" role="note"><p class="admonition-title">Coded data</p>'
        f"<p>{html.escape(description)}</p></div>",
        synthetic,
    )


@dataclass(frozen=True)
class CaptionedTable:
    """A page table with its caption, as one value (see :func:`show`).

    Parameters are those of :func:`table`.
    """

    frame: pd.DataFrame
    caption: str
    index: bool = False
    synthetic: bool = False
    multiline: bool = False
    label: str | None = None
    appendix: bool = False
    online_only: str | None = None


@dataclass(frozen=True)
class CaptionedFigure:
    """A figure with its caption and alt text, as one value (see :func:`show`).

    ``stem`` names the saved files (``<stem>.svg``, ``<stem>.png``) in the page's derived folder.
    """

    fig: Any  # matplotlib.figure.Figure (not imported here: tables need no plotting stack)
    stem: str
    caption: str
    alt: str
    synthetic: bool = False
    zoom: bool = True  # on a phone, keep print size in a frame that scrolls (see :func:`figure`)
    label: str | None = None


def show(item: Any, directory: Path | str | None = None) -> Any:
    """What a notebook displays for ``item``.

    A :class:`CaptionedTable` becomes a captioned :class:`Table`; a :class:`CaptionedFigure` is saved
    as ``<stem>.svg`` and ``.png`` under ``directory`` (required) and becomes an HTML ``<figure>``;
    a string becomes Markdown; anything else (a banner, ``None``) is returned as it is.
    """
    if isinstance(item, CaptionedTable):
        return table(
            item.frame,
            item.caption,
            item.index,
            item.synthetic,
            item.multiline,
            label=item.label,
            appendix=item.appendix,
            online_only=item.online_only,
        )
    if isinstance(item, CaptionedFigure):
        if directory is None:
            raise ValueError(f"figure {item.stem!r}: give the folder to save it in (directory=...)")
        return save_and_show(
            item.fig, directory, item.stem, item.alt, item.caption, item.synthetic, item.zoom, label=item.label
        )
    if isinstance(item, str):
        return Markdown(item)
    return item


def show_all(items: Iterable[Any], directory: Path | str | None = None) -> None:
    """Display each of ``items`` in turn through :func:`show` (for a cell that shows several)."""
    import IPython.display

    for item in items:
        if item is not None:
            IPython.display.display(show(item, directory))
