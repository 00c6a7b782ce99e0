"""Figures of the sample page (notebook 01): who took part and how much was observed.

Also the numbers the sample and Methods pages quote in their text (:func:`observation_values`,
:func:`findings_values`, :func:`methods_values`).

Each figure comes with its text alternative, built from the same data so the two cannot drift;
:func:`composition_figure` and :func:`observation_figure` return each with its caption and alt
text as a :class:`~ics_leadership.figures.tables.CaptionedFigure` for the page. The data are
:mod:`ics_leadership.facts.sample`'s (the tidy composition and the head counts); this module only
draws them.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from ics_leadership.facts import consistency, raw
from ics_leadership.facts.raw import RawData
from ics_leadership.facts.sample import SITE_LABELS, composition, counts
from ics_leadership.facts.vocabulary import LEVELS, SITES
from ics_leadership.figures import style as figures
from ics_leadership.figures.tables import CaptionedFigure


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


def composition_figure(participants: pd.DataFrame) -> CaptionedFigure:
    """The sample page's composition figure with its caption and alt text."""
    return CaptionedFigure(
        plot_composition(participants),
        "sample_composition",
        caption=(
            f"Composition of the sample (n = {len(participants)}) from Table 1. Professions are read from "
            "role titles. Colours are colour-blind safe and each category also has its own hatching."
        ),
        alt=composition_alt_text(participants),
    )


def observation_figure(observations: pd.DataFrame) -> CaptionedFigure:
    """The sample page's observation-hours figure with its caption and alt text."""
    return CaptionedFigure(
        plot_observation_hours(observations),
        "observation_hours",
        caption="Hours of non-participant observation by STP, as stated in the Methods.",
        alt=observation_alt_text(observations),
    )


def observation_values(observations: pd.DataFrame) -> dict[str, object]:
    """The observation numbers the page's text quotes: the total hours (a whole number when whole)."""
    hours = float(observations["hours"].sum())
    return {"hours_total": int(hours) if hours.is_integer() else hours}


def findings_values(checks: pd.DataFrame) -> dict[str, object]:
    """For each fact the paper states differently, its stated and recomputed values joined with "and".

    Keys ``<fact>_values`` and ``<fact>_recomputed``, plus ``n_findings``; the page's "Reading the
    findings" quotes them.
    """
    found = consistency.findings(checks)
    values: dict[str, object] = {"n_findings": len(found)}
    for fact in found["fact"]:
        values[f"{fact}_values"] = " and ".join(consistency.distinct_values(checks, fact, "paper"))
        values[f"{fact}_recomputed"] = " and ".join(consistency.distinct_values(checks, fact, "recomputed"))
    return values


def methods_values(data: RawData) -> dict[str, object]:
    """The numbers the Methods page's text quotes, from the study facts and the observations.

    ``fact_<id>`` is each fact's value, or its distinct stated values joined by "or" where the
    paper states it differently (year ranges with an en dash); ``hours_<site>`` the hours observed.
    """
    values: dict[str, object] = {}
    for fact in data.study.facts.values():
        distinct: list = []
        for v in fact.values:
            if not any(consistency.same_value(v, seen) for seen in distinct):
                distinct.append(v)
        texts = [raw.format_value(v) for v in distinct]
        if fact.unit == "years":
            texts = [t.replace("-", "\u2013") for t in texts]
        single_int = len(distinct) == 1 and isinstance(distinct[0], int)
        values[f"fact_{fact.id}"] = distinct[0] if single_int else " or ".join(texts)
    for site, hours in zip(data.observations["site"], data.observations["hours"]):
        values[f"hours_{site}"] = int(hours) if float(hours).is_integer() else float(hours)
    return values
