"""Figures of the sample page (notebook 01): who took part and how much was observed.

Each figure comes with its text alternative, built from the same data so the two cannot drift.
The data are :mod:`ics_leadership.facts.sample`'s (the tidy composition and the head counts);
this module only draws them.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from ics_leadership.core.schema import LEVELS, SITES
from ics_leadership.facts.sample import SITE_LABELS, composition, counts
from ics_leadership.figures import style as figures


def plot_composition(participants: pd.DataFrame) -> plt.Figure:
    """Two stacked bar charts: leaders per STP by level (a), and per level by profession (b)."""
    tidy = composition(participants)
    fig, (ax_site, ax_level) = plt.subplots(2, 1, figsize=(figures.PRINT_WIDTH_IN, 5.2), constrained_layout=True)
    figures.stacked_bars(
        tidy,
        y="site",
        hue="level",
        order=list(SITES),
        hue_order=list(LEVELS),
        ax=ax_site,
        title="a  By STP and governance level",
    )
    ax_site.set_yticks(range(len(SITES)), [SITE_LABELS[s] for s in SITES])
    figures.stacked_bars(
        tidy,
        y="level",
        hue="profession",
        order=list(LEVELS),
        hue_order=sorted(tidy["profession"].unique()),
        ax=ax_level,
        title="b  By governance level and profession",
    )
    return fig


def composition_alt_text(participants: pd.DataFrame) -> str:
    """A text alternative to :func:`plot_composition` that carries every number it shows."""
    by_site = counts(participants, "site", "level", margins=False)
    by_level = counts(participants, "level", "profession", margins=False)

    def describe(table: pd.DataFrame, prefix: str) -> str:
        return "; ".join(
            f"{prefix}{name}: " + ", ".join(f"{col} {int(n)}" for col, n in row.items() if n)
            for name, row in table.iterrows()
        )

    return (
        "Two stacked horizontal bar charts. Panel a: clinical leaders per STP split by governance level: "
        + describe(by_site, "STP ")
        + ". Panel b: clinical leaders per governance level split by profession: "
        + describe(by_level, "")
        + "."
    )


def plot_observation_hours(observations: pd.DataFrame) -> plt.Figure:
    """Bar chart of hours of meetings observed per STP."""
    fig, ax = plt.subplots(figsize=(figures.PRINT_WIDTH_IN * 0.6, 2.8), constrained_layout=True)
    data = pd.DataFrame(
        {"site": [SITE_LABELS[s] for s in observations["site"]], "hours": observations["hours"].astype(float)}
    )
    figures.value_bars(data, x="site", y="hours", ax=ax, xlabel="", title="Hours of meetings observed")
    ax.set_ylabel("Hours")
    return fig


def observation_alt_text(observations: pd.DataFrame) -> str:
    """A text alternative to :func:`plot_observation_hours`."""
    return (
        "Bar chart of hours of meetings observed per STP: "
        + ", ".join(f"{SITE_LABELS[s]} {h:g} hours" for s, h in zip(observations["site"], observations["hours"]))
        + "."
    )
