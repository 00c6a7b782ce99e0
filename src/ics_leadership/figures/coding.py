"""Figures of notebook 02 (theme coding summaries), drawn from a :class:`CodingSummary`."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from ics_leadership.core.schema import LEVELS
from ics_leadership.figures import style as figures


def _finish(fig: plt.Figure, synthetic: bool) -> plt.Figure:
    return figures.label_synthetic(fig) if synthetic else fig


def plot_prevalence_by_level(summary) -> plt.Figure:
    """Participant prevalence of each contribution by level, with Wilson 95% intervals."""
    cb = summary.codebook
    data = summary.prevalence[
        (summary.prevalence["by"] == "level") & (summary.prevalence["kind"] == "contribution")
    ].copy()
    data["contribution"] = data["code"].map(cb.label)
    fig, ax = plt.subplots(figsize=(figures.PRINT_WIDTH_IN, 3.4), constrained_layout=True)
    figures.point_ranges(
        data,
        y="contribution",
        x="proportion",
        hue="group",
        low="ci_low",
        high="ci_high",
        order=[c.label for c in cb.contributions],
        hue_order=[lvl for lvl in LEVELS if lvl in set(data["group"])],
        ax=ax,
        xlabel="Participants expressing the contribution (Wilson 95% interval)",
    )
    ax.get_legend().set_title("Level")
    return _finish(fig, summary.synthetic)


def prevalence_alt_text(summary) -> str:
    cb = summary.codebook
    data = summary.prevalence[(summary.prevalence["by"] == "level") & (summary.prevalence["kind"] == "contribution")]
    parts = []
    for c in cb.contributions:
        rows = data[data["code"] == c.id]
        parts.append(
            f"{c.label}: " + ", ".join(f"{r.group} {r.expressing} of {r.participants}" for r in rows.itertuples())
        )
    return "Dot-and-interval chart of participant prevalence by governance level. " + "; ".join(parts) + "."


def plot_cooccurrence(summary) -> plt.Figure:
    """Two heatmaps: activities in overlapping spans, and in the same document."""
    cb = summary.codebook
    short = {a: a.split("/", 1)[1].replace("_", " ") for a in cb.activity_ids}
    fig, axes = plt.subplots(
        1, 2, figsize=(figures.PRINT_WIDTH_IN * 1.6, figures.PRINT_WIDTH_IN * 0.8), constrained_layout=True
    )
    figures.heatmap(
        summary.overlap, ax=axes[0], title="a  Overlapping spans", labels=short, cbar_label="pairs of codings"
    )
    figures.heatmap(summary.same_document, ax=axes[1], title="b  Same document", labels=short, cbar_label="documents")
    axes[1].set_ylabel("")
    return _finish(fig, summary.synthetic)


def cooccurrence_alt_text(summary) -> str:
    m = summary.overlap
    pairs = [(m.loc[a, b], a, b) for i, a in enumerate(m.index) for b in m.columns[i + 1 :]]
    top = sorted(pairs, key=lambda t: (-t[0], t[1], t[2]))[:3]
    return (
        "Two heatmaps of activity by activity. Panel a counts pairs of codings whose spans overlap; panel b "
        "counts documents containing both activities (diagonal: documents with the activity). Most frequent "
        "overlaps: " + "; ".join(f"{a} with {b}: {int(n)}" for n, a, b in top) + "."
    )


def plot_saturation(summary) -> plt.Figure:
    """Cumulative distinct codes by interview (a) and new information per run (b) against the threshold."""
    s = summary.saturation
    fig, (a, b) = plt.subplots(1, 2, figsize=(figures.PRINT_WIDTH_IN, 2.8), constrained_layout=True)
    a.step(s.cumulative["interview"], s.cumulative["distinct_codes"], where="post", color=figures.OKABE_ITO[0])
    a.axvline(s.base_size + 0.5, color="grey", linestyle=":", linewidth=1)
    a.text(s.base_size + 0.7, 0.5, "end of base", fontsize=8, color="grey", rotation=90, va="bottom")
    a.set_xlabel("Interview (in order)")
    a.set_ylabel("Distinct codes so far")
    a.set_title("a  Codes found", loc="left")
    if not s.runs.empty:
        b.plot(s.runs["last"], s.runs["new_information"], marker="o", markersize=3.5, color=figures.OKABE_ITO[5])
    b.axhline(s.threshold, color="black", linestyle="--", linewidth=1)
    b.text(b.get_xlim()[1], s.threshold, f" threshold {s.threshold:.0%}", va="bottom", ha="right", fontsize=8)
    if s.point is not None:
        b.axvline(s.point + s.run_length, color="grey", linestyle=":", linewidth=1)
    b.yaxis.set_major_formatter(plt.matplotlib.ticker.PercentFormatter(1.0))
    b.set_xlabel("Last interview of the run")
    b.set_ylabel("New codes / base codes")
    b.set_title("b  New information per run", loc="left")
    return _finish(fig, summary.synthetic)


def saturation_alt_text(summary) -> str:
    s = summary.saturation
    reached = (
        f"the new-information ratio first falls to the threshold in the run ending at interview "
        f"{s.point + s.run_length}, so saturation is reached after {s.point} interviews"
        if s.point is not None
        else "saturation is not reached"
    )
    total = int(s.cumulative["distinct_codes"].iloc[-1]) if not s.cumulative.empty else 0
    return (
        f"Two line charts. Panel a: distinct codes found rise to {total} over {len(s.cumulative)} interviews; "
        f"the base of {s.base_size} interviews holds {s.base_codes}. Panel b: with runs of {s.run_length} "
        f"interviews and a threshold of {s.threshold:.0%}, {reached}."
    )


def contingency_frame(tables: dict[str, pd.DataFrame], name: str) -> pd.DataFrame:
    """One contingency table for display, with totals."""
    t = tables[name].copy()
    t["Total"] = t.sum(axis=1)
    t.loc["Total"] = t.sum(axis=0)
    return t
