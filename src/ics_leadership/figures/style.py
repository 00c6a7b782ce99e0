"""Figures people can read in print, in greyscale and with colour-vision deficiency.

Plot functions follow seaborn's convention: they take a tidy frame and column names, draw on
``ax`` (or a new one) and return the Axes. Colours come from the Okabe-Ito palette, which stays
distinct for the common colour-vision deficiencies; each category also gets its own hatch, and
bars carry their numbers, so nothing depends on colour alone. :func:`save_figure` writes SVG and
PNG files that are byte-identical across runs.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless builds; notebooks still display what they are given

import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.text  # noqa: E402
import matplotlib.ticker  # noqa: E402,F401  (PercentFormatter)
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from ics_leadership.coding.coded import SYNTHETIC_LABEL  # noqa: E402,F401  (defined with the data)
from ics_leadership.core.derived import atomic_write  # noqa: E402

#: Okabe & Ito (2008) colour-blind-safe palette, darkest first so greyscale keeps an order.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
HATCHES = ("", "///", "...", "xx", "\\\\", "++", "oo", "--")
PRINT_WIDTH_IN = 6.3  # a single column of A4 text with 2.5 cm margins


def set_style() -> None:
    """Apply the compendium's plotting style (seaborn 'whitegrid', print-sized fonts)."""
    sns.set_theme(context="paper", style="whitegrid", font_scale=1.15, rc={"axes.titleweight": "bold"})
    plt.rcParams.update(
        {
            "svg.hashsalt": "ics-leadership",  # stable element ids in SVG output
            "svg.fonttype": "none",  # keep text as text: searchable and accessible
            "hatch.linewidth": 0.6,
            "figure.dpi": 100,
        }
    )


def stacked_bars(
    data: pd.DataFrame,
    y: str,
    hue: str,
    weight: str = "n",
    order: Sequence | None = None,
    hue_order: Sequence | None = None,
    ax: plt.Axes | None = None,
    title: str | None = None,
    xlabel: str = "Clinical leaders",
) -> plt.Axes:
    """Horizontal stacked bars of ``weight`` per ``y``, stacked by ``hue``, each segment labelled.

    Parameters
    ----------
    data
        Tidy frame with columns ``y``, ``hue`` and ``weight``.
    order, hue_order
        Category orders (default: order of first appearance).
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(PRINT_WIDTH_IN, 2.6))
    order = list(order) if order is not None else list(pd.unique(data[y].astype(str)))
    hue_order = list(hue_order) if hue_order is not None else list(pd.unique(data[hue].astype(str)))
    table = (
        data.assign(**{y: data[y].astype(str), hue: data[hue].astype(str)})
        .pivot_table(index=y, columns=hue, values=weight, aggfunc="sum", fill_value=0, observed=True)
        .reindex(index=order, columns=hue_order, fill_value=0)
    )
    left = pd.Series(0.0, index=table.index)
    positions = range(len(order))
    for i, category in enumerate(hue_order):
        widths = table[category].astype(float)
        bars = ax.barh(
            list(positions),
            widths.values,
            left=left.values,
            height=0.62,
            color=OKABE_ITO[i % len(OKABE_ITO)],
            hatch=HATCHES[i % len(HATCHES)],
            edgecolor="black",
            linewidth=0.6,
            label=str(category),
        )
        labels = [f"{int(w)}" if w > 0 else "" for w in widths]
        # Dark fills get white numbers, light fills black ones.
        text_colour = "white" if i % len(OKABE_ITO) in (0, 2, 7) else "black"
        ax.bar_label(
            bars,
            labels=labels,
            label_type="center",
            color=text_colour,
            fontsize=9,
            fontweight="bold",
            bbox={"boxstyle": "round,pad=0.15", "fc": OKABE_ITO[i % len(OKABE_ITO)], "ec": "none"},
        )
        left += widths
    for total, pos in zip(left, positions):
        ax.text(total + 0.2, pos, f"{int(total)}", va="center", ha="left", fontsize=9)
    ax.set_yticks(list(positions), [str(o) for o in order])
    ax.invert_yaxis()
    ax.set_xlim(0, float(left.max()) * 1.12 + 0.5)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("")
    ax.grid(axis="y", visible=False)
    if title:
        ax.set_title(title, loc="left")
    ax.legend(title=hue.replace("_", " ").capitalize(), loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return ax


def value_bars(
    data: pd.DataFrame,
    x: str,
    y: str,
    ax: plt.Axes | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    fmt: str = "{:g}",
) -> plt.Axes:
    """Vertical bars of ``y`` by ``x`` in one colour, each labelled with its value."""
    if ax is None:
        _, ax = plt.subplots(figsize=(PRINT_WIDTH_IN * 0.6, 2.8))
    sns.barplot(data=data, x=x, y=y, ax=ax, color=OKABE_ITO[0], edgecolor="black", linewidth=0.6, errorbar=None)
    for container in ax.containers:
        ax.bar_label(container, labels=[fmt.format(v) for v in container.datavalues], padding=2, fontsize=9)
    ax.set_ylim(0, float(data[y].max()) * 1.18)
    ax.set_xlabel(xlabel if xlabel is not None else x)
    if title:
        ax.set_title(title, loc="left")
    return ax


#: The smallest text a figure may print with (points), at most :data:`PRINT_WIDTH_IN` wide.
MIN_PRINTED_PT = 8.0


class FigureTextTooSmall(UserWarning):
    """A figure's text would print smaller than :data:`MIN_PRINTED_PT` (named with the figure)."""


def printed_text_sizes(fig: plt.Figure) -> list[tuple[float, str]]:
    """Each visible text of ``fig`` with its size in points as printed: the saved figure (its tight
    box) shrunk to :data:`PRINT_WIDTH_IN` when it is wider, never enlarged."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    width = fig.get_tightbbox(renderer).width  # inches
    scale = min(1.0, PRINT_WIDTH_IN / width) if width > 0 else 1.0
    texts = [t for t in fig.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text().strip()]
    return [(t.get_fontsize() * scale, t.get_text()) for t in texts]


def check_text_size(fig: plt.Figure, name: str) -> None:
    """Warn (:class:`FigureTextTooSmall`) when a text of ``fig`` prints under :data:`MIN_PRINTED_PT`.

    A warning, not an error: a project's own data (sixty codes in a heatmap) may need a large
    figure, and its analysis should still run; the book's build treats the warning as a failure.
    """
    small = [(size, text) for size, text in printed_text_sizes(fig) if size < MIN_PRINTED_PT - 1e-6]
    if small:
        size, text = min(small)
        warnings.warn(
            f"figure {name}: {len(small)} text(s) print under {MIN_PRINTED_PT:g} pt at {PRINT_WIDTH_IN:g} in wide, "
            f"the smallest {size:.1f} pt ({text[:40]!r})",
            FigureTextTooSmall,
            stacklevel=3,
        )


def save_figure(
    fig: plt.Figure, directory: Path | str, stem: str, dpi: int = 200, title: str | None = None
) -> dict[str, Path]:
    """Save ``fig`` as ``stem.svg`` and ``stem.png`` in ``directory``, deterministically.

    Dates and software versions are left out of the files' metadata, so two runs with the same
    inputs and library versions give identical bytes. Text that would print under 8 pt is warned
    about (:func:`check_text_size`). ``title`` goes into both files' metadata (the SVG's
    ``<dc:title>``, the PNG's ``Title`` text chunk): the synthetic-data label travels with a file
    that leaves the page, for tools that read metadata rather than pixels.
    """
    check_text_size(fig, stem)
    directory = Path(directory)
    out = {}
    titled = {"Title": title} if title else {}
    for ext, meta in (("svg", {"Date": None, "Creator": None, **titled}), ("png", {"Software": None, **titled})):
        buffer = io.BytesIO()
        fig.savefig(buffer, format=ext, dpi=dpi, bbox_inches="tight", metadata=meta)
        out[ext] = atomic_write(directory / f"{stem}.{ext}", lambda fh, b=buffer: fh.write(b.getvalue()))
    return out


MARKERS = ("o", "s", "D", "^", "v", "P", "X", "*")


def point_ranges(
    data: pd.DataFrame,
    y: str,
    x: str,
    hue: str,
    low: str,
    high: str,
    order: Sequence | None = None,
    hue_order: Sequence | None = None,
    ax: plt.Axes | None = None,
    title: str | None = None,
    xlabel: str | None = None,
) -> plt.Axes:
    """Estimates with intervals: one row per ``y`` category, dodged by ``hue`` (colour and marker shape)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(PRINT_WIDTH_IN, 3.2))
    order = list(order) if order is not None else list(pd.unique(data[y]))
    hue_order = list(hue_order) if hue_order is not None else list(pd.unique(data[hue]))
    step = 0.7 / max(len(hue_order), 1)
    for j, h in enumerate(hue_order):
        sub = data[data[hue] == h].set_index(y).reindex(order)
        pos = [i - 0.35 + step * (j + 0.5) for i in range(len(order))]
        colour = OKABE_ITO[j % len(OKABE_ITO)]
        ax.hlines(pos, sub[low], sub[high], color=colour, linewidth=1.6)
        ax.plot(
            sub[x],
            pos,
            linestyle="none",
            marker=MARKERS[j % len(MARKERS)],
            markersize=6.5,
            markerfacecolor=colour,
            markeredgecolor="black",
            markeredgewidth=0.6,
            color=colour,
            label=str(h),
        )
    ax.set_yticks(range(len(order)), [str(o) for o in order])
    ax.invert_yaxis()
    ax.set_xlim(-0.02, 1.02)
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_xlabel(xlabel or x)
    ax.grid(axis="y", visible=False)
    if title:
        ax.set_title(title, loc="left")
    ax.legend(title=hue.replace("_", " ").capitalize(), loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return ax


def heatmap(
    matrix: pd.DataFrame,
    ax: plt.Axes | None = None,
    title: str | None = None,
    labels: dict[str, str] | None = None,
    cbar_label: str = "count",
) -> plt.Axes:
    """Annotated heatmap of a count matrix in one hue (reads in greyscale); numbers in every cell."""
    if ax is None:
        _, ax = plt.subplots(figsize=(PRINT_WIDTH_IN, PRINT_WIDTH_IN * 0.85))
    shown = matrix.rename(index=labels or {}, columns=labels or {})
    sns.heatmap(
        shown,
        ax=ax,
        cmap="Blues",
        annot=True,
        fmt="d",
        linewidths=0.5,
        linecolor="white",
        annot_kws={"fontsize": 8},
        square=True,
        cbar_kws={"label": cbar_label, "shrink": 0.7, "ticks": matplotlib.ticker.MaxNLocator(integer=True)},
    )
    ax.tick_params(axis="both", labelsize=8)
    if title:
        ax.set_title(title, loc="left")
    return ax


def label_synthetic(fig: plt.Figure) -> plt.Figure:
    """Put the synthetic-data label on a figure as a banner above everything else."""
    fig.suptitle(SYNTHETIC_LABEL, x=0.01, ha="left", fontsize=10, fontweight="bold", color="#D55E00")
    return fig
