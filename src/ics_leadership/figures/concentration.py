"""Where the paper places each contribution: the grid of contributions by governance level and stage.

One row per contribution, one column per level and per stage; each cell names, in words no stronger
than the paper's, how the paper places the contribution there ("associated", "present", "less
pronounced", "not described"; shaded darker when stronger, hatched where the paper's statements
differ, a dagger where it rests on the compendium's inference), so nothing depends on colour alone.
:func:`concentration_figure` draws it and :func:`concentration_alt_text` says the same in words.
"""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
from matplotlib.patches import Patch, Rectangle

from ics_leadership.facts.codebook import Codebook
from ics_leadership.facts.model import DISPUTED, Model
from ics_leadership.facts.vocabulary import LEVELS, STAGES
from ics_leadership.figures import style as figures
from ics_leadership.figures.canvas import FONT_HEADER, FONT_SMALL, canvas, fit, tint
from ics_leadership.figures.canvas import title as canvas_title

#: Shade and text colour of each emphasis; darker means stronger, readable in greyscale.
EMPHASIS_STYLE = {
    "associated": {"facecolor": figures.OKABE_ITO[0], "color": "white", "hatch": ""},
    "present": {"facecolor": tint(figures.OKABE_ITO[4], 0.4), "color": "black", "hatch": ""},
    "less pronounced": {"facecolor": "#f2f2f2", "color": "black", "hatch": ""},
    "not described": {"facecolor": "white", "color": "#444444", "hatch": ""},
    DISPUTED: {"facecolor": "white", "color": "black", "hatch": "///"},
}


def concentration_figure(model: Model, codebook: Codebook | None = None, title: str | None = None) -> plt.Figure:
    """A grid of contributions (rows) by governance level and stage (columns), each cell in words.

    Cells are shaded by emphasis (darker is stronger) and always carry the emphasis as text; a
    cell whose reports disagree is hatched; a cell resting on our inference is marked with a dagger.
    ``title`` is drawn above the grid (for example, that it is the compendium's reading), so it
    stays with the image wherever the image goes.
    """
    contributions = model.nodes_in("contribution")
    level_labels = [codebook.levels[lvl]["label"] if codebook else lvl.capitalize() for lvl in LEVELS]
    stage_labels = [codebook.stages[s]["label"] if codebook else s.capitalize() for s in STAGES]
    columns = [("levels", k, lab) for k, lab in zip(LEVELS, level_labels)] + [
        ("stages", k, lab) for k, lab in zip(STAGES, stage_labels)
    ]
    cell_w, cell_h, label_w, gap = 0.94, 0.44, 1.45, 0.14
    top = 0.0  # top edge of the first row of cells
    fig, ax = canvas(1.2, -cell_h * len(contributions) - 1.2)

    def x_of(j: int) -> float:
        return label_w + cell_w * j + (gap if j >= len(LEVELS) else 0)

    if title:
        canvas_title(ax, top + 1.0, title, width=64, fontsize=FONT_HEADER)
    for first, count, heading in ((0, len(LEVELS), "Governance level"), (len(LEVELS), len(STAGES), "Stage of change")):
        ax.text(
            x_of(first) + cell_w * count / 2,
            top + 0.52,
            heading,
            ha="center",
            va="bottom",
            fontsize=FONT_HEADER,
            fontweight="bold",
        )
    for j, (_, _, lab) in enumerate(columns):
        ax.text(
            x_of(j) + cell_w / 2,
            top + 0.05,
            "\n".join(textwrap.wrap(lab, 14, break_long_words=False)),
            ha="center",
            va="bottom",
            fontsize=FONT_SMALL,
            linespacing=1.1,
        )
    used, any_inferred = [], False
    for i, node in enumerate(contributions):
        y = top - (i + 1) * cell_h
        ax.text(
            label_w - 0.08,
            y + cell_h / 2,
            "\n".join(textwrap.wrap(node.label, 18)),
            ha="right",
            va="center",
            fontsize=FONT_SMALL + 0.5,
            linespacing=1.1,
        )
        for j, (dimension, key, _) in enumerate(columns):
            shown, inferred = model.concentration_cell(dimension, node.code, key)
            any_inferred |= inferred
            used.append(shown)
            st = EMPHASIS_STYLE[shown]
            ax.add_patch(
                Rectangle(
                    (x_of(j), y),
                    cell_w,
                    cell_h,
                    facecolor=st["facecolor"],
                    hatch=st["hatch"],
                    edgecolor="#000000",
                    linewidth=0.6,
                )
            )
            if shown == DISPUTED:  # name what the reports say, not only that they differ
                reports = model.concentration[dimension][node.code][key]
                text = " vs\n".join(dict.fromkeys(r.emphasis for r in reports)).capitalize()
            else:
                text = "\n".join(textwrap.wrap(shown.capitalize(), 14))
            text += "\u2020" if inferred else ""
            bbox = {"boxstyle": "round,pad=0.12", "facecolor": "white", "edgecolor": "none"} if st["hatch"] else None
            ax.text(
                x_of(j) + cell_w / 2,
                y + cell_h / 2,
                text,
                ha="center",
                va="center",
                fontsize=FONT_SMALL - 0.25,
                color=st["color"],
                bbox=bbox,
                linespacing=1.05,
            )
    shown_styles = [e for e in EMPHASIS_STYLE if e in used]
    handles = [
        Patch(
            facecolor=EMPHASIS_STYLE[e]["facecolor"],
            edgecolor="black",
            hatch=EMPHASIS_STYLE[e]["hatch"],
            linewidth=0.6,
            label=e.capitalize(),
        )
        for e in shown_styles
    ]
    y_legend = top - len(contributions) * cell_h - 0.06
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(label_w - 0.1, y_legend),
        bbox_transform=ax.transData,
        ncol=len(handles),
        frameon=False,
        fontsize=FONT_SMALL - 0.25,
        handlelength=1.6,
        columnspacing=1.2,
        handletextpad=0.5,
        borderaxespad=0,
    )
    if any_inferred:
        ax.text(
            label_w,
            y_legend - 0.3,
            "\u2020 Rests on the compendium's reading of the paper, not a direct statement.",
            ha="left",
            va="top",
            fontsize=FONT_SMALL - 0.25,
        )
    fit(fig, ax)
    return fig


def concentration_alt_text(model: Model, codebook: Codebook | None = None) -> str:
    """A text alternative to :func:`concentration_figure`, cell by cell."""
    matrix = model.concentration_matrix(codebook)
    rows = []
    for contribution, row in matrix.iterrows():
        cells = ", ".join(f"{col}: {value}" for col, value in row.items())
        rows.append(f"{contribution}: {cells}")
    return (
        "Grid of the four contributions by governance level (executive, thematic, project) and stage of "
        "change (early, later), each cell saying how the paper places the contribution there: associated "
        "with it, present, less pronounced or not described. " + "; ".join(rows) + "."
    )
