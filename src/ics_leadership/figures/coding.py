"""Figures and tables of the theme coding page (notebook 02), drawn from a :class:`CodingSummary`.

The ``plot_*`` functions draw and the ``*_alt_text`` functions describe; the ``*_figure`` and
``*_table`` functions return each figure or table with its caption (and alt text) as one
:class:`~ics_leadership.figures.tables.CaptionedFigure` or
:class:`~ics_leadership.figures.tables.CaptionedTable`, labelled synthetic when the data are, for the
page to show. :func:`prevalence_cell` and :func:`prevalence_matrix` are the one way prevalence is
written in a table.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from ics_leadership.coding.summarise import CodingSummary
from ics_leadership.facts import claims, demo_corpus
from ics_leadership.figures import style as figures
from ics_leadership.figures.tables import CaptionedFigure, CaptionedTable, file_label


def _finish(fig: plt.Figure, synthetic: bool) -> plt.Figure:
    return figures.label_synthetic(fig) if synthetic else fig


def plot_prevalence_by_level(summary: CodingSummary) -> plt.Figure:
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
        hue_order=list(dict.fromkeys(data["group"])),  # the prevalence table's order (coding.format.ordered)
        ax=ax,
        xlabel="Participants expressing the contribution (Wilson 95% interval)",
    )
    ax.get_legend().set_title("Level")
    return _finish(fig, summary.synthetic)


def prevalence_alt_text(summary: CodingSummary) -> str:
    cb = summary.codebook
    data = summary.prevalence[(summary.prevalence["by"] == "level") & (summary.prevalence["kind"] == "contribution")]
    parts = []
    for c in cb.contributions:
        rows = data[data["code"] == c.id]
        parts.append(
            f"{c.label}: " + ", ".join(f"{r.group} {r.expressing} of {r.participants}" for r in rows.itertuples())
        )
    return "Dot-and-interval chart of participant prevalence by governance level. " + "; ".join(parts) + "."


def plot_cooccurrence(summary: CodingSummary) -> plt.Figure:
    """Two heatmaps: activities in overlapping spans, and in the same document."""
    cb = summary.codebook
    short = {a: a.split("/", 1)[1].replace("_", " ") for a in cb.activity_ids}
    # One above the other at print width: side by side, thirteen activities squeezed their numbers
    # under 5 pt in print.
    fig, axes = plt.subplots(2, 1, figsize=(figures.PRINT_WIDTH_IN, 8.6), constrained_layout=True)
    figures.heatmap(
        summary.overlap, ax=axes[0], title="a  Overlapping spans", labels=short, cbar_label="pairs of codings"
    )
    figures.heatmap(summary.same_document, ax=axes[1], title="b  Same document", labels=short, cbar_label="documents")
    return _finish(fig, summary.synthetic)


def cooccurrence_alt_text(summary: CodingSummary) -> str:
    m = summary.overlap
    pairs = [(m.loc[a, b], a, b) for i, a in enumerate(m.index) for b in m.columns[i + 1 :]]
    top = sorted(pairs, key=lambda t: (-t[0], t[1], t[2]))[:3]
    return (
        "Two heatmaps of activity by activity. Panel a counts pairs of codings whose spans overlap; panel b "
        "counts documents containing both activities (diagonal: documents with the activity). Most frequent "
        "overlaps: " + "; ".join(f"{a} with {b}: {int(n)}" for n, a, b in top) + "."
    )


def plot_saturation(summary: CodingSummary) -> plt.Figure:
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


def saturation_alt_text(summary: CodingSummary) -> str:
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


# --------------------------------------------------------------------------------------------------
# Prevalence as written in tables
# --------------------------------------------------------------------------------------------------


def prevalence_cell(expressing: int, participants: int, low: float, high: float) -> str:
    """One prevalence as a table cell: ``"3 of 10: 30% (11% to 60%)"``.

    A group without participants has no share: ``"0 of 0"``.
    """
    if participants == 0:
        return f"{expressing} of 0"
    share = expressing / participants
    return f"{expressing} of {participants}: {share:.0%} ({low:.0%} to {high:.0%})"


def prevalence_matrix(prevalence: pd.DataFrame, by: str) -> pd.DataFrame:
    """Codes (rows) by the groups of ``by`` (columns), each cell a :func:`prevalence_cell`.

    Parameters
    ----------
    prevalence
        The long table of :func:`ics_leadership.coding.prevalence.prevalence` (rows of every ``by``).
    by
        ``"level"`` or ``"site"``: which rows to show; the columns keep the table's group order. Rows
        are labelled by kind and label.
    """
    rows = prevalence[prevalence["by"] == by]
    rows = rows.assign(
        cell=[
            prevalence_cell(k, n, lo, hi)
            for k, n, lo, hi in zip(rows["expressing"], rows["participants"], rows["ci_low"], rows["ci_high"])
        ]
    )
    matrix = rows.pivot_table(index=["kind", "label"], columns="group", values="cell", aggfunc="first", sort=False)
    return matrix.rename_axis(columns=None)


# --------------------------------------------------------------------------------------------------
# The page: each figure and table with its caption
# --------------------------------------------------------------------------------------------------


def page_values(summary: CodingSummary) -> dict[str, object]:
    """The numbers the page's text quotes (glued by the notebook), by name."""
    cods = summary.coded.codings
    overall = summary.prevalence[summary.prevalence["by"] == "overall"]["participants"]
    sat = summary.saturation
    return {
        "data_label": summary.data_source,
        "n_documents": len(summary.coded.documents),
        "n_codings": len(cods),
        "n_coders": int(cods["coder"].nunique()),
        "primary_coder": summary.coder,
        "n_primary_codings": len(summary.codings),
        "n_participants": int(overall.iloc[0]) if len(overall) else 0,
        "n_double_coded": int(cods.groupby("document_id")["coder"].nunique().ge(2).sum()),
        "saturation_point": sat.point if sat.point is not None else "not reached",
    }


def notes(summary: CodingSummary) -> str | None:
    """On the user's own data, what was left out or cannot be computed, as a Markdown list."""
    if not summary.notes or summary.synthetic:
        return None
    return "\n".join(f"- **Note:** {note}" for note in summary.notes)


def corpus_table(summary: CodingSummary) -> CaptionedTable:
    """Documents by source type and site, with totals."""
    corpus = summary.coded.documents.pivot_table(
        index="source_type",
        columns="site",
        values="document_id",
        aggfunc="count",
        fill_value=0,
        margins=True,
        margins_name="Total",
    )
    return CaptionedTable(corpus, "Documents by source type and site.", index=True, synthetic=summary.synthetic)


def assumptions_table(summary: CodingSummary, raw_dir: Path | str) -> CaptionedTable | None:
    """The assumptions the synthetic corpus was generated from (None for other data)."""
    if not summary.synthetic:
        return None
    assumptions = demo_corpus.load_assumptions(Path(raw_dir) / demo_corpus.ASSUMPTIONS_FILE)
    return CaptionedTable(
        assumptions.table,
        "Assumptions the synthetic corpus was generated from, each with the passage "
        "of the paper it encodes or the reason for it (data/raw/synthetic_assumptions.yaml).",
        synthetic=True,
    )


def mapping_table(summary: CodingSummary) -> CaptionedTable | None:
    """What the mapping did with each project code (None without a mapping)."""
    if summary.mapping_report is None:
        return None
    return CaptionedTable(
        summary.mapping_report, "What the mapping did with each project code.", synthetic=summary.synthetic
    )


def frequencies_table(summary: CodingSummary) -> CaptionedTable:
    """Counts per code in five columns: a contribution's activities follow it, marked with a dot (the
    kind and the parent, as columns, pushed the table past the text column)."""
    return CaptionedTable(
        frequencies_frame(summary),
        "Coded segments, passages, documents and participants per contribution, each followed by its activities (·).",
        synthetic=summary.synthetic,
    )


def frequencies_frame(summary: CodingSummary) -> pd.DataFrame:
    """:attr:`CodingSummary.frequencies` as a page shows it: the code's label (an activity marked "·"
    after its contribution) and the counts."""
    f = summary.frequencies
    shown = f.drop(columns=[c for c in ("code", "kind", summary.tree.top_name) if c in f.columns])
    is_top = [summary.tree.parents.get(code) is None for code in f["code"]]
    shown = shown.assign(label=[lab if top else f"· {lab}" for lab, top in zip(f["label"], is_top)])
    return shown.rename(columns={"label": "code"})


def claims_frame(ledger: pd.DataFrame) -> pd.DataFrame:
    """The claims ledger as a page shows it (:func:`ics_leadership.facts.claims.for_display`), with each
    claim's place in the paper beside it rather than in a column of its own (``for_display`` has already
    left out every column with no value, such as an empty reason column)."""
    shown = claims.for_display(ledger)
    if "location" in shown:
        shown = shown.assign(claim=[f"{c} ({loc})" for c, loc in zip(shown["claim"], shown["location"])])
        shown = shown.drop(columns="location")
    return shown


def prevalence_figure(summary: CodingSummary) -> CaptionedFigure:
    return CaptionedFigure(
        plot_prevalence_by_level(summary),
        "coding_prevalence_by_level",
        caption="Participant prevalence of each contribution by governance level, with Wilson 95% intervals.",
        alt=prevalence_alt_text(summary),
        synthetic=summary.synthetic,
    )


def prevalence_table(summary: CodingSummary, by: str) -> CaptionedTable:
    """Participant prevalence of every code by ``"level"`` or ``"site"``."""
    name, where = {"level": ("governance level", "at the level")}.get(by, (by, f"at the {by}"))
    return CaptionedTable(
        prevalence_matrix(summary.prevalence, by),
        f"Participant prevalence by {name}: clinical leaders expressing each code, of those {where}, "
        "with the share and its Wilson 95% interval.",
        index=True,
        synthetic=summary.synthetic,
    )


def association_table(summary: CodingSummary) -> CaptionedTable:
    """The association tests in seven narrow columns (statistic with its df, unit with its n)."""
    a = summary.association
    first = a.columns[0]
    shown = pd.DataFrame(
        {
            first: a[first],
            "unit (n)": [f"{u} ({n})" for u, n in zip(a["unit"], a["n"])],
            "statistic (df)": [f"{s:.3g} ({d})" for s, d in zip(a["statistic"], a["df"])],
            "Cramér's V": a["cramers_v"],
            "smallest expected": a["min_expected"],
            "test": a["test"],
            "p value": a["p_value"],
        }
    )
    return CaptionedTable(shown, "Association of contribution with governance level.", synthetic=summary.synthetic)


def contingency_table(summary: CodingSummary) -> CaptionedTable:
    return CaptionedTable(
        contingency_frame(summary.contingency, "segments: all contributions"),
        "Coded segments by contribution and governance level (the table behind the last test).",
        index=True,
        synthetic=summary.synthetic,
    )


def cooccurrence_figure(summary: CodingSummary) -> CaptionedFigure:
    return CaptionedFigure(
        plot_cooccurrence(summary),
        "coding_cooccurrence",
        caption="Co-occurrence of activities: overlapping spans (a) and same document (b).",
        alt=cooccurrence_alt_text(summary),
        synthetic=summary.synthetic,
    )


def agreement_table(summary: CodingSummary) -> CaptionedTable | str:
    """Inter-coder agreement per code, or a sentence saying why there is none."""
    if summary.agreement.empty:
        return "No document was coded by two coders, so agreement cannot be computed."
    a = summary.agreement
    pairs = sorted(set(a["coders"]))
    # Percent agreement stays in agreement.csv: with sparse codes it is high whatever the coders did.
    dropped = ["percent_agreement", "segment_percent_agreement", *(["coders"] if len(pairs) == 1 else [])]
    shown = a.drop(columns=dropped).rename(
        columns={
            "units": "segments",
            "kappa": "kappa (characters)",
            "segment_kappa": "kappa (segments)",
            "krippendorff_alpha": "alpha (segments)",
        }
    )
    for c in shown.columns:
        if pd.api.types.is_float_dtype(shown[c]):
            shown[c] = shown[c].round(2)
    who = f" Coders: {pairs[0]}." if len(pairs) == 1 else ""
    return CaptionedTable(
        shown,
        "Inter-coder agreement per code: Cohen's kappa over characters and over merged segments, and "
        f"Krippendorff's alpha over segments, to two decimals (percent agreement and every decimal are in "
        f"agreement.csv).{who}",
        synthetic=summary.synthetic,
    )


def saturation_figure(summary: CodingSummary) -> CaptionedFigure:
    s = summary.saturation
    return CaptionedFigure(
        plot_saturation(summary),
        "coding_saturation",
        caption=(
            f"Code saturation (base {s.base_size} interviews, runs of {s.run_length}, threshold {s.threshold:.0%})."
        ),
        alt=saturation_alt_text(summary),
        synthetic=summary.synthetic,
    )


def saturation_table(summary: CodingSummary, rows: int = 12, tables_dir: Path | str | None = None) -> CaptionedTable:
    """The first ``rows`` runs; ``tables_dir``: where the page wrote ``saturation.csv`` (named in the caption)."""
    where = f" (all runs in {file_label(tables_dir, 'saturation.csv')})" if tables_dir is not None else ""
    return CaptionedTable(
        summary.saturation.runs.head(rows),
        f"New information in the first runs after the base{where}.",
        synthetic=summary.synthetic,
    )


def claims_table(summary: CodingSummary, tables_dir: Path | str | None = None) -> CaptionedTable:
    """The claims ledger; ``tables_dir``: where the page wrote ``claims.csv`` (named in the caption)."""
    where = f" (all columns in {file_label(tables_dir, 'claims.csv')})" if tables_dir is not None else ""
    return CaptionedTable(
        claims_frame(summary.claims),
        f"Claims ledger: the paper's claims about variation (with where the paper makes each), the test each "
        f"gets and its status{where}.",
        synthetic=summary.synthetic,
    )


def evidence_tables(summary: CodingSummary) -> list[CaptionedTable]:
    """The evidence behind each claim that has any, one table per claim."""
    return [
        CaptionedTable(table, f"Evidence for claim {claim_id}.", synthetic=summary.synthetic)
        for claim_id, table in summary.evidence.items()
        if not table.empty
    ]
