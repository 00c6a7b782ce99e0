"""A drawing surface measured in inches, for diagrams laid out by hand (Figure 1 and the
concentration grid).

:func:`canvas` gives a print-width figure whose axes use one data unit per inch, so boxes and text
can be placed in inches; :func:`fit` crops the figure to what was drawn, keeping that scale (which
``bbox_inches="tight"`` would not). :func:`tint` lightens a palette colour for fills behind text.
"""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
from matplotlib.transforms import Bbox

from ics_leadership.figures import style as figures

FONT_HEADER = 9.5
FONT_SMALL = 8.5


def blank(ax: plt.Axes) -> None:
    """No axis, frame or background: the saved figure is cropped to what is drawn."""
    ax.axis("off")
    ax.patch.set_visible(False)
    for spine in ax.spines.values():
        spine.set_visible(False)


def fit(fig: plt.Figure, ax: plt.Axes, pad: float = 0.04) -> None:
    """Crop the figure to what is drawn, keeping one data unit to one inch.

    (``bbox_inches="tight"`` would keep the whole axes box, drawn or not.)
    """
    renderer = fig.canvas.get_renderer()
    artists = [*ax.texts, *ax.patches, *ax.lines, *([ax.get_legend()] if ax.get_legend() else [])]
    extent = Bbox.union([a.get_window_extent(renderer) for a in artists])
    (x0, y0), (x1, y1) = ax.transData.inverted().transform([[extent.x0, extent.y0], [extent.x1, extent.y1]])
    x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    fig.set_size_inches(round(x1 - x0, 3), round(y1 - y0, 3))
    ax.set_position((0, 0, 1, 1))


def canvas(y_top: float, y_bottom: float) -> tuple[plt.Figure, plt.Axes]:
    """A figure at print width whose axes measure inches, to be cropped by :func:`fit`."""
    height = y_top - y_bottom
    fig = plt.figure(figsize=(figures.PRINT_WIDTH_IN, height))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, figures.PRINT_WIDTH_IN)
    ax.set_ylim(y_bottom, y_top)
    ax.set_aspect("equal")
    blank(ax)
    return fig, ax


def title(ax: plt.Axes, y: float, text: str, width: int, fontsize: float) -> None:
    """A bold title at the left edge, its bottom at ``y``, wrapped after ``width`` characters and growing
    upwards: a long title must not widen the figure, which would shrink all its text in print."""
    ax.text(
        0,
        y,
        textwrap.fill(text, width=width),
        ha="left",
        va="bottom",
        fontsize=fontsize,
        fontweight="bold",
        linespacing=1.3,
    )


def tint(hex_colour: str, amount: float) -> tuple[float, float, float]:
    """``hex_colour`` mixed with white; ``amount`` is the share of the colour."""
    rgb = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    return tuple(round(1 - amount * (1 - c), 4) for c in rgb)
