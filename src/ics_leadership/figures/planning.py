"""Tables and figures of the "Planning a replication" page (and of ``plan sample-size --figure``).

The numbers come from :mod:`ics_leadership.planning` (generic) and, for the paper's own design, from
:func:`ics_leadership.facts.sample.paper_design`; this module only lays them out. Every caption
states the model's assumptions and that the numbers are planning estimates: the paper made no
statistical claims, and a small sample is not a flaw of a qualitative study.

For the page, :func:`paper_design` gives the paper's design, then :func:`design_table`,
:func:`sample_size_table`, :func:`tier_table`, :func:`sample_size_figure`; on a pilot (any coded
data, e.g. the synthetic corpus) :func:`unseen_table` and :func:`saturation_figure`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ics_leadership.facts import raw, sample
from ics_leadership.figures import style
from ics_leadership.figures.tables import CaptionedFigure, CaptionedTable
from ics_leadership.planning import frame as frames
from ics_leadership.planning import sample_size
from ics_leadership.planning.pilot import Pilot

#: The shares the figure's curves run over (1% to 50%).
CURVE_SHARES = tuple(np.round(np.arange(0.01, 0.505, 0.01), 2))
_LINESTYLES = ("-", "--", ":", "-.")

ESTIMATE_NOTE = (
    "Planning estimates: the paper made no statistical claims, and a small sample is not a flaw of a qualitative study."
)


def paper_design() -> frames.Design:
    """The paper's design (Table 1 by site and tier) as a sampling-frame design."""
    return sample.paper_design(raw.load_participants())


def _model_sentence(probability: float) -> str:
    return (
        f"Binomial model of Fugard and Potts (2015): the smallest number of interviews n with a chance of at "
        f"least {probability:.0%} that at least k interviewees express a theme held by a share p of the population. "
        "Assumes a random sample and that p is the prevalence of the theme being expressed and recognised. "
        + sample_size.CRITIQUE
    )


def percent_text(value: float) -> str:
    """A probability as a whole percentage that never rounds to certainty or impossibility it is not."""
    if 0.995 <= value < 1:
        return "> 99%"
    if 0 < value < 0.005:
        return "< 1%"
    return f"{value:.0%}"


def design_table(design: frames.Design) -> CaptionedTable:
    """Interviewees by tier and site, with follow-ups, from a design."""
    table = design.table()
    summary = design.summary().set_index("tier")
    table["follow-ups"] = [int(summary["follow_ups"].get(t, 0)) for t in table.index[:-1]] + [
        int(summary["follow_ups"].sum())
    ]
    return CaptionedTable(
        table,
        f"Design: interviewees by tier and site, from {design.source}.",
        index=True,
    )


def sample_size_table(
    probability: float = sample_size.DEFAULT_PROBABILITY,
    shares: Sequence[float] = sample_size.DEFAULT_SHARES,
    ks: Sequence[int] = sample_size.DEFAULT_KS,
) -> CaptionedTable:
    """Interviews needed (binomial), one row per share and one column per k."""
    tidy = sample_size.sample_size_table(shares, ks, probability)
    wide = tidy.pivot(index="share", columns="k", values="interviews")
    wide.index = [f"{p:.0%}" for p in wide.index]
    wide.index.name = "share expressing the theme (p)"
    wide.columns = [f"seen at least {k} time{'s' if k > 1 else ''}" for k in wide.columns]
    return CaptionedTable(
        wide, f"Interviews needed to see a theme. {_model_sentence(probability)} {ESTIMATE_NOTE}", index=True
    )


def tier_table(
    design: frames.Design,
    probability: float = sample_size.DEFAULT_PROBABILITY,
    shares: Sequence[float] = sample_size.DEFAULT_SHARES,
    ks: Sequence[int] = (1, 2),
    populations: Mapping[str, int] | None = None,
) -> CaptionedTable:
    """Per tier of ``design``: the chance that its planned interviews see a theme at least k times."""
    tidy = sample_size.tier_table(design.by_tier(), shares, ks, probability, populations)
    tidy["row"] = [f"{t} ({n})" for t, n in zip(tidy["tier"], tidy["planned"])]
    wide = tidy.pivot_table(index=["row", "k"], columns="share", values="probability_planned", sort=False)
    wide = wide.map(percent_text)
    wide.columns = [f"p = {p:.0%}" for p in wide.columns]
    wide.index.names = ["tier (interviewees)", "seen at least k times"]
    finite = [f"{t} (N = {n})" for t, n in (populations or {}).items()]
    model = (
        "Binomial for every tier"
        if not finite
        else f"Hypergeometric (sampling without replacement) for {', '.join(finite)}, binomial for the others"
    )
    return CaptionedTable(
        wide,
        f"Chance that each tier's interviews see a theme held by a share p of that tier at least k times, for the "
        f"design from {design.source}. {model}. Assumes the interviewees of a tier are a random sample of it and "
        f"that p is the prevalence of the theme being expressed and recognised. {ESTIMATE_NOTE}",
        index=True,
    )


def plot_sample_size(
    curve: pd.DataFrame, reference: Mapping[str, int] | None = None, ax: plt.Axes | None = None
) -> plt.Axes:
    """Interviews needed against the share p, one line per k (colour, marker and dash differ).

    ``reference``: horizontal lines at given sample sizes (a design's interviewees per tier).
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(style.PRINT_WIDTH_IN, 3.6))
    for i, (k, part) in enumerate(curve.groupby("k", sort=True)):
        ax.plot(
            part["share"],
            part["interviews"].astype(float),
            color=style.OKABE_ITO[i % len(style.OKABE_ITO)],
            linestyle=_LINESTYLES[i % len(_LINESTYLES)],
            marker=style.MARKERS[i % len(style.MARKERS)],
            markevery=5,
            markersize=5,
            markeredgecolor="black",
            markeredgewidth=0.5,
            linewidth=1.6,
            drawstyle="steps-mid",
            label=f"at least {k}",
        )
    for tier, n in (reference or {}).items():
        ax.axhline(n, color="#555555", linewidth=0.8, linestyle=(0, (1, 2)))
        # Labelled at the left, where every curve is far above a design's tier sizes.
        ax.text(0.005, n, f"{tier}: {n}", va="bottom", ha="left", fontsize=8.5, color="#333333")
    ax.set_yscale("log")
    ticks = [t for t in (2, 5, 10, 20, 50, 100, 200, 500) if t <= float(curve["interviews"].max()) * 1.5]
    ax.set_yticks(ticks, [str(t) for t in ticks])
    ax.yaxis.set_minor_formatter(plt.NullFormatter())
    ax.set_xlim(0, 0.5)
    ax.xaxis.set_major_formatter(plt.matplotlib.ticker.PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("Share of the population expressing the theme (p)")
    ax.set_ylabel("Interviews needed (log scale)")
    ax.legend(title="Times seen (k)", loc="upper right", frameon=False)
    return ax


def sample_size_figure(
    probability: float = sample_size.DEFAULT_PROBABILITY,
    ks: Sequence[int] = sample_size.DEFAULT_KS,
    reference: Mapping[str, int] | None = None,
) -> CaptionedFigure:
    """The page's figure: interviews needed over p = 1%-50% for each k, with a design's tier sizes."""
    style.set_style()
    curve = sample_size.curve(CURVE_SHARES, ks, probability)
    fig, ax = plt.subplots(figsize=(style.PRINT_WIDTH_IN, 3.6), constrained_layout=True)
    plot_sample_size(curve, reference, ax=ax)
    shown = curve[curve["share"].isin([0.05, 0.1, 0.2, 0.3, 0.5])]
    described = "; ".join(
        f"k = {k}: " + ", ".join(f"p {p:.0%} needs {int(n)}" for p, n in zip(part["share"], part["interviews"]))
        for k, part in shown.groupby("k", sort=True)
    )
    lines = (
        " Dotted horizontal lines mark the interviewees per tier: "
        + ", ".join(f"{t} {n}" for t, n in reference.items())
        + "."
        if reference
        else ""
    )
    return CaptionedFigure(
        fig,
        "sample_size",
        caption=f"Interviews needed to see a theme at least k times. {_model_sentence(probability)}{lines} "
        f"{ESTIMATE_NOTE}",
        alt=f"Line chart, log scale, of interviews needed (falling as the share p rises) for each k. {described}."
        + lines,
    )


def unseen_table(pilot: Pilot) -> CaptionedTable:
    """The unseen-theme estimates of a pilot, with their assumptions in the caption."""
    shown = pilot.estimates.drop(columns=["Q3", "Q4"])
    return CaptionedTable(
        shown,
        f"Themes observed and estimated in {pilot.counts.units} interviewees (Chao2, with its 95% interval; "
        "iChao2). Both are lower bounds assuming interviewees are a random sample, the set of themes is fixed and "
        "coding is consistent; themes may differ in how likely they are to be coded (unlike Lowe et al. 2018).",
        synthetic=pilot.coded.synthetic,
    )


def saturation_figure(pilot: Pilot) -> CaptionedFigure:
    """Distinct themes after each interview, with the Chao2 estimate and its interval as a band."""
    style.set_style()
    curve = pilot.saturation.cumulative
    chao = pilot.estimates.iloc[0]
    upper_col = [c for c in pilot.estimates.columns if c.startswith("upper_")][0]
    lower_col = upper_col.replace("upper", "lower")
    fig, ax = plt.subplots(figsize=(style.PRINT_WIDTH_IN, 3.2), constrained_layout=True)
    ax.axhspan(chao[lower_col], chao[upper_col], color=style.OKABE_ITO[4], alpha=0.25, label="Chao2 95% interval")
    ax.axhline(chao["themes_estimated"], color=style.OKABE_ITO[5], linestyle="--", label="Chao2 estimate")
    ax.plot(
        curve["interview"],
        curve["distinct_codes"],
        color=style.OKABE_ITO[0],
        marker="o",
        markersize=4,
        drawstyle="steps-post",
        label="themes seen",
    )
    point = pilot.saturation.point
    if point is not None:
        ax.axvline(point, color="black", linewidth=0.8, linestyle=":", label=f"saturation point ({point})")
    ax.set_xlabel("Interviews, in order")
    ax.set_ylabel("Distinct themes")
    ax.set_ylim(0, max(float(chao[upper_col]), float(curve["distinct_codes"].max())) * 1.08 + 1)
    ax.legend(loc="lower right", frameon=False, fontsize=8.5)
    reached = f"saturation was reached after {point} interviews" if point is not None else "saturation was not reached"
    return CaptionedFigure(
        fig,
        "pilot_saturation",
        caption=f"Themes seen after each interview and the Chao2 estimate of all themes (a lower bound) with its 95% "
        "interval, from how many interviewees each theme was found in; it assumes the interviewees are a random "
        "sample, the set of themes is fixed and coding is consistent. "
        f"By Guest, Namey and Chen's method (base {pilot.saturation.base_size}, run "
        f"{pilot.saturation.run_length}, threshold {pilot.saturation.threshold:.0%}) {reached}; that method assesses "
        "saturation, it does not predict it.",
        alt=f"Step chart of distinct themes over {len(curve)} interviews, rising to "
        f"{int(curve['distinct_codes'].iloc[-1]) if len(curve) else 0}; the Chao2 estimate is "
        f"{chao['themes_estimated']:.1f} (95% interval {chao[lower_col]:.1f} to {chao[upper_col]:.1f}); {reached}.",
        synthetic=pilot.coded.synthetic,
    )


def power_table(table: pd.DataFrame, effect_text: str) -> tuple[CaptionedTable, list[str]]:
    """The power table of :func:`ics_leadership.facts.claim_power_table.power_table` for the page, and
    each claim's note as a list below it (the notes, as a column, made the table twice the text width).

    Columns: the claim, what it compares with the group sizes, the power and the rate of "consistent"
    verdicts with no planted difference (each with its Monte Carlo error, and the exact value where it
    was enumerated), and the smallest number per tier reaching the target power.
    """
    from ics_leadership.facts.claim_power_report import for_display

    shown = for_display(table)

    def number(value: float) -> str:
        """0 and 1 as such (a rate of exactly 0 is not "0.000"), small values to two significant digits."""
        if value in (0, 1):
            return str(int(value))
        return f"{value:.2g}" if value < 0.01 else f"{value:.3f}"

    def rate(value: object, se: object, exact: object) -> str:
        if pd.isna(value):
            return ""
        v, e = float(value), float(se)
        error = number(e) if v < 0.01 else ("< 0.001" if e < 0.0005 else f"{e:.3f}")  # as many decimals as v
        text = number(v) + ("" if e == 0 else f" ± {error}")
        return f"{text} (exact {number(float(exact))})" if not pd.isna(exact) else text

    page = pd.DataFrame(
        {
            "claim": shown["claim"],
            "compares": [f"{c} ({g})" if c and g else c or g for c, g in zip(shown["compares"], shown["group sizes"])],
            "power": [rate(*v) for v in zip(table["power"], table["power_se"], table["power_exact"])],
            "no difference": [
                rate(*v) for v in zip(table["no_effect"], table["no_effect_se"], table["no_effect_exact"])
            ],
            "n per tier for 0.8": shown["n per tier"],
        }
    )
    # Claims with the same note share one line ("C01, C02: ..."): six of them had the same sentence.
    by_note: dict[str, list[str]] = {}
    for claim, note in zip(shown["claim"], shown["note"]):
        if note:
            by_note.setdefault(note, []).append(claim)
    notes = [f"{', '.join(ids)}: {note}" for note, ids in by_note.items()]
    caption = (
        "Power of each claim of the paper under its own design: the share of 2,000 simulated replications in "
        f"which the claims ledger's rule gives the verdict 'consistent' when {effect_text}, and the same share when "
        "the groups do not differ (what a 'consistent' verdict means by chance), each with its Monte Carlo "
        "error; the smallest number of leaders per tier at which the power reaches 0.8. Simulated with the "
        f"synthetic generator's rates, participant by participant. {ESTIMATE_NOTE}"
    )
    return CaptionedTable(page, caption), notes


def power_summary(table: pd.DataFrame, chance: float = 0.1) -> str:
    """What the power table says in two sentences, every number taken from it: the claims no outcome
    of the design can make "consistent" (a group below the ledger's minimum), and those that come out
    "consistent" in at least ``chance`` of replications with no difference at all."""
    simulated = table[table["power"].notna()]
    blocked = simulated[simulated["note"].fillna("").str.startswith("below the minimum group")]
    loose = simulated[(simulated["no_effect"] >= chance) & ~simulated["id"].isin(blocked["id"])]
    parts = [f"Of the {len(table)} claims, {len(simulated)} can be simulated on coded data."]
    if len(blocked):
        parts.append(
            f"For {len(blocked)} of them ({', '.join(blocked['id'])}) a compared tier has fewer leaders than the "
            "claims ledger's minimum group, so under its rule the verdict is inconclusive whatever the interviews say: "
            "this design cannot establish them."
        )
    if len(loose):
        low, high = loose["no_effect"].min(), loose["no_effect"].max()
        span = f"{low:.0%}" if round(low, 2) == round(high, 2) else f"{low:.0%} to {high:.0%}"
        parts.append(
            f"{' and '.join(loose['id']) if len(loose) == 2 else ', '.join(loose['id'])} come out 'consistent' in "
            f"{span} of replications even when the groups do not "
            "differ, so at this size that verdict says little."
        )
    return " ".join(parts)
