"""Drawing the conceptual model (Figure 1) with matplotlib, and its text alternative.

The diagram is laid out from the data: three columns (one per layer), boxes ordered within each
column to minimise crossing links (ties keep the file's order; exact for models the size of the
paper's, a heuristic for much larger ones: :mod:`ics_leadership.figures.layering`), and each link
drawn as a straight arrow from the right edge of its source box to the left edge of its target
box. Where several links leave or enter one box, their ends are spread along the edge in the order
of the boxes at their other ends, so arrows do not cross at the box. Stated links are solid,
inferred links dashed; the legend says so, and nothing depends on colour alone.

Every function returns the :class:`matplotlib.figure.Figure` it drew; save it with
:func:`ics_leadership.figures.style.save_figure` (byte-identical across runs) or show it with
:func:`ics_leadership.figures.tables.save_and_show`. The grid of where the paper places
each contribution is drawn by :mod:`ics_leadership.figures.concentration` (its two functions are also
importable from here, as before); the page's captioned figures and tables are in
:mod:`ics_leadership.figures.model_page`.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch, Polygon

from ics_leadership.facts.model import LAYERS, Link, Model
from ics_leadership.facts.model_weights import LinkWeights
from ics_leadership.figures import layering
from ics_leadership.figures import style as figures
from ics_leadership.figures.canvas import FONT_HEADER, FONT_SMALL, canvas, fit, tint
from ics_leadership.figures.canvas import title as canvas_title
from ics_leadership.figures.concentration import concentration_alt_text, concentration_figure  # noqa: F401  (old home)

# Geometry in inches (the axes use one data unit per inch).
BOX_W = 1.5
BOX_H = 0.56
ROW_STEP = 0.86
COL_X = (0.75, 3.15, 5.55)  # box centres; gaps between columns of 0.9 in
HEADER_GAP = 0.42
PORT_SPREAD = 0.62  # fraction of the box height over which link ends are spread
HEAD_LEN = 0.09
HEAD_HALF_W = 0.045
FONT_BOX = 8.5

#: Fill of each layer's boxes: Okabe-Ito hues lightened so black text stays readable; the
#: lightness differs by layer, so the columns stay distinct in greyscale too.
LAYER_FILL = {"source": figures.OKABE_ITO[4], "contribution": figures.OKABE_ITO[1], "effect": figures.OKABE_ITO[2]}
LAYER_TINT = {"source": 0.25, "contribution": 0.7, "effect": 0.32}  # greyscale ~0.91, 0.75, 0.81
STATED_STYLE = {"color": "#000000", "linestyle": "-"}
INFERRED_STYLE = {"color": "#555555", "linestyle": (0, (4, 2.5))}
UNWEIGHTED_COLOUR = "#8a8a8a"


# --------------------------------------------------------------------------------------------------
# Layout
# --------------------------------------------------------------------------------------------------


def node_order(model: Model, method: str = "auto") -> dict[str, list[str]]:
    """Top-to-bottom order of the boxes in each column, with few crossing links.

    Exact (fewest crossings; ties go to the order closest to the file's) while that tries at most
    :data:`~ics_leadership.figures.layering.EXACT_LIMIT` orders, as for the paper's model; a
    deterministic barycentre heuristic beyond. See :mod:`ics_leadership.figures.layering`.
    """
    columns = [[n.id for n in model.nodes_in(layer)] for layer in LAYERS]
    links = [[link.key for link in model.links_of_kind(layer)] for layer in LAYERS[:2]]
    return dict(zip(LAYERS, layering.order_columns(columns, links, method)))


def crossings(model: Model, order: dict[str, list[str]]) -> int:
    """How many pairs of the model's links cross when the columns are in ``order``."""
    links = [[link.key for link in model.links_of_kind(layer)] for layer in LAYERS[:2]]
    return layering.crossings([order[layer] for layer in LAYERS], links)


@dataclass(frozen=True)
class Box:
    node: str
    x: float  # centre
    y: float  # centre

    @property
    def left(self) -> float:
        return self.x - BOX_W / 2

    @property
    def right(self) -> float:
        return self.x + BOX_W / 2


def layout(model: Model) -> tuple[dict[str, Box], float]:
    """Box positions (inches) for every node, and the height of the top row's centre."""
    order = node_order(model)
    rows = max(len(v) for v in order.values())
    top = (rows - 1) * ROW_STEP
    boxes = {}
    for col, layer in enumerate(LAYERS):
        nodes = order[layer]
        offset = (rows - len(nodes)) * ROW_STEP / 2  # centre short columns
        for i, nid in enumerate(nodes):
            boxes[nid] = Box(nid, COL_X[col], top - offset - i * ROW_STEP)
    return boxes, top


Point = tuple[float, float]


def _ports(model: Model, boxes: dict[str, Box]) -> dict[tuple[str, str], tuple[Point, Point]]:
    """Start and end point of each link on the box edges, spread to avoid crossing at the boxes."""
    start: dict[tuple[str, str], float] = {}
    end: dict[tuple[str, str], float] = {}
    for nid, box in boxes.items():
        outgoing = sorted((link for link in model.links if link.source == nid), key=lambda lk: -boxes[lk.target].y)
        incoming = sorted((link for link in model.links if link.target == nid), key=lambda lk: -boxes[lk.source].y)
        for group, store in ((outgoing, start), (incoming, end)):
            n = len(group)
            for i, link in enumerate(group):
                frac = 0.0 if n == 1 else 0.5 - i / (n - 1)
                store[link.key] = box.y + frac * BOX_H * PORT_SPREAD
    return {
        link.key: ((boxes[link.source].right, start[link.key]), (boxes[link.target].left, end[link.key]))
        for link in model.links
    }


# --------------------------------------------------------------------------------------------------
# Drawing
# --------------------------------------------------------------------------------------------------


def _arrow(
    ax: plt.Axes, p0: tuple[float, float], p1: tuple[float, float], style: dict, width: float, head_scale: float = 1.0
) -> None:
    """A straight shaft and a solid head whose tip is exactly at ``p1``."""
    (x0, y0), (x1, y1) = p0, p1
    length = math.hypot(x1 - x0, y1 - y0)
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    head = HEAD_LEN * head_scale
    half = HEAD_HALF_W * head_scale
    bx, by = x1 - ux * head, y1 - uy * head
    ax.add_line(
        Line2D(
            [x0, bx + ux * 0.01],
            [y0, by + uy * 0.01],
            color=style["color"],
            linestyle=style["linestyle"],
            linewidth=width,
            solid_capstyle="butt",
            dash_capstyle="butt",
            zorder=2,
        )
    )
    ax.add_patch(
        Polygon(
            [(x1, y1), (bx - uy * half, by + ux * half), (bx + uy * half, by - ux * half)],
            closed=True,
            facecolor=style["color"],
            edgecolor="none",
            zorder=3,
        )
    )


def _box(ax: plt.Axes, box: Box, label: str, layer: str) -> None:
    ax.add_patch(
        FancyBboxPatch(
            (box.left, box.y - BOX_H / 2),
            BOX_W,
            BOX_H,
            boxstyle="round,pad=0,rounding_size=0.07",
            facecolor=tint(LAYER_FILL[layer], LAYER_TINT[layer]),
            edgecolor="#000000",
            linewidth=0.8,
            zorder=4,
        )
    )
    ax.text(
        box.x,
        box.y,
        "\n".join(textwrap.wrap(label, 17)),
        ha="center",
        va="center",
        fontsize=FONT_BOX,
        linespacing=1.15,
        zorder=5,
    )


def _width(weight: int | None, max_weight: int) -> float:
    if weight is None or max_weight <= 0:
        return 0.8
    return 0.8 + 2.8 * weight / max_weight


def draw_model(model: Model, weights: LinkWeights | None = None, title: str | None = None) -> plt.Figure:
    """Draw the model as a layered diagram, optionally with evidence weights on the links.

    Parameters
    ----------
    model
        The validated model.
    weights
        Link weights from :func:`ics_leadership.facts.model_weights.link_weights`. Each weighted link's line
        width grows with its weight (scaled within its unit) and carries its number; a link the
        data cannot weight is drawn thin and grey, without a number.
    title
        Drawn above the diagram (for example the synthetic-data label).

    Returns
    -------
    matplotlib.figure.Figure
        Sized for the print width (6.3 in).
    """
    boxes, top = layout(model)
    ports = _ports(model, boxes)
    bottom = min(box.y for box in boxes.values())
    fig, ax = canvas(top + 1.5, bottom - 1.5)
    header_y = top + BOX_H / 2 + HEADER_GAP / 2
    if title:
        canvas_title(ax, header_y + 0.32, title, width=72, fontsize=10)

    for col, layer in enumerate(LAYERS):
        ax.text(
            COL_X[col],
            header_y,
            model.layer(layer).label,
            ha="center",
            va="center",
            fontsize=FONT_HEADER,
            fontweight="bold",
        )

    maxima: dict[str, int] = {}
    if weights is not None:
        for unit, group in weights.table.dropna(subset=["weight"]).groupby("unit"):
            maxima[unit] = int(group["weight"].max())
    labels: list[tuple[tuple[str, str], str]] = []
    for link in model.links:
        p0, p1 = ports[link.key]
        style = dict(STATED_STYLE if link.basis == "stated" else INFERRED_STYLE)
        if weights is None:
            _arrow(ax, p0, p1, style, 1.1)
            continue
        row = weights.table[(weights.table["source"] == link.source) & (weights.table["target"] == link.target)]
        value = row["weight"].iloc[0]
        weight = None if pd.isna(value) else int(value)
        if weight is None:
            style["color"] = UNWEIGHTED_COLOUR
            _arrow(ax, p0, p1, style, 0.7)
            continue
        width = _width(weight, maxima.get(row["unit"].iloc[0], weight))
        _arrow(ax, p0, p1, style, width, head_scale=1.0 + 0.25 * width / 4.2)
        labels.append((link.key, str(weight)))
    _place_labels(ax, labels, ports)

    for nid, box in boxes.items():
        _box(ax, box, model.label(nid), model.node(nid).layer)
    _legend(ax, bottom - BOX_H / 2 - 0.08, weights)
    fit(fig, ax)
    return fig


def _distance(p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    """Distance from point ``p`` to the segment ``a``-``b``."""
    (px, py), (ax_, ay), (bx, by) = p, a, b
    dx, dy = bx - ax_, by - ay
    t = max(0.0, min(1.0, ((px - ax_) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax_ + t * dx), py - (ay + t * dy))


def _place_labels(
    ax: plt.Axes, requests: list[tuple[tuple[str, str], str]], segments: dict[tuple[str, str], tuple[Point, Point]]
) -> None:
    """Write each link's number on it, where it is farthest from other links and other numbers.

    Candidate positions run along the middle 70% of the link; the one with the largest clearance
    wins (ties: nearest the middle), so a number never sits on a crossing if it can avoid it.
    """
    placed: list[tuple[float, float]] = []
    for key, text in requests:
        p0, p1 = segments[key]
        best = None
        for step in range(15):
            t = 0.15 + 0.05 * step
            point = (p0[0] + t * (p1[0] - p0[0]), p0[1] + t * (p1[1] - p0[1]))
            clear_links = min((_distance(point, *seg) for k, seg in segments.items() if k != key), default=9.0)
            clear_labels = min((math.hypot(point[0] - x, point[1] - y) / 1.6 for x, y in placed), default=9.0)
            score = (round(min(clear_links, clear_labels, 0.2), 3), -abs(t - 0.5))
            if best is None or score > best[0]:
                best = (score, point)
        placed.append(best[1])
        ax.text(
            *best[1],
            text,
            ha="center",
            va="center",
            fontsize=FONT_SMALL,
            fontweight="bold",
            zorder=6,
            bbox={"boxstyle": "round,pad=0.18", "facecolor": "white", "edgecolor": "#333333", "linewidth": 0.5},
        )


def _legend(ax: plt.Axes, y_top: float, weights: LinkWeights | None) -> None:
    handles = [
        Line2D([], [], linewidth=1.4, **STATED_STYLE, label="Stated in the paper"),
        Line2D([], [], linewidth=1.4, **INFERRED_STYLE, label="Inferred by the compendium"),
    ]
    if weights is not None and not weights.table["weight"].isna().all() and weights.table["weight"].isna().any():
        handles.append(Line2D([], [], linewidth=0.8, color=UNWEIGHTED_COLOUR, label="Not weighted by the data"))
    y_legend = y_top
    legend = ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(figures.PRINT_WIDTH_IN / 2, y_legend),
        bbox_transform=ax.transData,
        ncol=len(handles),
        frameon=False,
        fontsize=FONT_SMALL + 0.5,
        handlelength=2.4,  # short enough that three entries fit the print width at 9 pt
        columnspacing=1.0,
        handletextpad=0.5,
    )
    legend.set_zorder(7)
    if weights is not None:
        units = sorted(set(weights.table["unit"].dropna()) - {""})
        explain = {
            "participants": "participants coded with the contribution",
            "co-coded segments": "segments co-coded with the source",
        }
        text = "Numbers and line widths: " + "; ".join(explain.get(u, u) for u in units) + "."
        ax.text(figures.PRINT_WIDTH_IN / 2, y_top - 0.42, text, ha="center", va="top", fontsize=FONT_SMALL)


def alt_text(model: Model, weights: LinkWeights | None = None) -> str:
    """A text alternative to :func:`draw_model` naming every box and every link (with weights)."""
    order = node_order(model)
    parts = ["Diagram in three columns, read from left to right."]
    for layer in LAYERS:
        labels = ", ".join(model.label(n) for n in order[layer])
        parts.append(f"{model.layer(layer).label}: {labels}.")

    def describe(link: Link) -> str:
        text = f"{model.label(link.source)} to {model.label(link.target)}"
        if weights is not None:
            w = weights.weight(link.source, link.target)
            unit = weights.table.loc[
                (weights.table["source"] == link.source) & (weights.table["target"] == link.target), "unit"
            ].iloc[0]
            if w is None:
                text += " (not weighted)"
            else:
                text += f" ({w} {unit[:-1] if w == 1 and unit.endswith('s') else unit})"
        return text

    for basis, style in (("stated", "solid"), ("inferred", "dashed")):
        links = [link for link in model.links if link.basis == basis]
        if links:
            name = "stated in the paper" if basis == "stated" else "inferred by the compendium"
            listed = "; ".join(describe(lk) for lk in links)
            parts.append(f"Links {name} ({len(links)}, {style} arrows): {listed}.")
    return " ".join(parts)
