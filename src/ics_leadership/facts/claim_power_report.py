"""``ics-leadership plan power``: the power table for a design, shown and written as a planning estimate.

:func:`run` is what the command calls: it builds the design (the paper's, read from ``data/raw``,
or one from head counts per tier), computes :func:`ics_leadership.facts.claim_power.power_table` and
returns the text to print; with ``out`` it also writes ``power.csv`` (the table, its first column
saying it is a planning estimate), ``design.csv`` (the leaders simulated) and ``plan.yaml`` (what was
assumed: effect, rules, replicates, seed, the assumptions file's digest) into a new folder, by the
rules of :mod:`ics_leadership.core.outputs`. :func:`for_display` is the table as a page shows it.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from ics_leadership import __version__
from ics_leadership.coding.coded import with_data_source
from ics_leadership.core import outputs
from ics_leadership.core.derived import atomic_write, write_csv
from ics_leadership.facts import claim_power, claim_power_table, claims, power_design
from ics_leadership.facts.claim_tests import Rules
from ics_leadership.facts.codebook import load_codebook
from ics_leadership.facts.demo_corpus import load_assumptions

KIND = "plan power"
DATA_SOURCE = "planning estimate (simulated; not a finding)"
WIDTH = 100


def parse_tiers(items: Sequence[str]) -> dict[str, int]:
    """``["executive=4", "thematic=8", ...]`` as head counts per tier; one-line errors name the tier."""
    tiers: dict[str, int] = {}
    for item in items:
        tier, sep, count = item.partition("=")
        tier = tier.strip()
        if not sep or not tier:
            raise power_design.DesignError(f"design, field 'leaders': {item!r} is not TIER=N (e.g. executive=10)")
        try:
            tiers[tier] = int(count)
        except ValueError:
            raise power_design.DesignError(
                f"design, tier '{tier}': {count.strip()!r} is not a whole number of leaders"
            ) from None
    return tiers


def design_from_options(
    assumptions: Any,
    leaders: Sequence[str] | None = None,
    follow_up_share: float | None = None,
    later_share: float | None = None,
    non_clinical: int | None = None,
    meetings: int | None = None,
    frame: pd.DataFrame | None = None,
    frame_name: str = "sampling frame",
) -> tuple[power_design.Design, str]:
    """The design the options describe, and its name: the paper's without ``leaders`` or ``frame``.

    ``frame``: a sampling frame a leader a row (``tier``, ``follow_up``, ``stage``), such as
    :meth:`ics_leadership.planning.frame.Design.per_leader` gives for ``plan power --frame``.
    """
    if frame is not None:
        if leaders:
            raise power_design.DesignError("design: give the leaders with --frame or with --leaders, not both")
        for name, value in {"follow_up_share": follow_up_share, "later_share": later_share}.items():
            if value is not None:
                raise power_design.DesignError(
                    f"design, field '{name}': a sampling frame gives each leader's follow-up and stage itself"
                )
        design = power_design.design_from_frame(frame, assumptions, where=frame_name)
        if non_clinical or meetings:
            design = power_design.with_others(design, non_clinical or 0, meetings or 0)
        return design, f"from the sampling frame {frame_name}"
    if not leaders:
        given = {"follow_up_share": follow_up_share, "later_share": later_share}
        given.update(non_clinical=non_clinical, meetings=meetings)
        for name, value in given.items():
            if value is not None:
                raise power_design.DesignError(
                    f"design, field '{name}': applies to a design given with --leaders, not to the paper's"
                )
        return power_design.paper_design(assumptions=assumptions), "the paper's (Table 1, from data/raw)"
    design = power_design.tier_design(
        parse_tiers(leaders),
        assumptions,
        follow_up_share=0.0 if follow_up_share is None else follow_up_share,
        later_share=later_share,
        non_clinical=non_clinical or 0,
        meetings=meetings or 0,
    )
    return design, "given with --leaders"


def for_display(table: pd.DataFrame) -> pd.DataFrame:
    """The power table as readers see it: power and rate under no effect with their Monte Carlo
    errors ("0.618 ± 0.011"), exact values beside them, the smallest n per tier, the note."""

    def with_se(value: Any, se: Any) -> str:
        if pd.isna(value):
            return ""
        # Three decimals would show a rate of 0.0005 as "0.001 ± 0.000".
        return f"{value:.2g} ± {se:.1g}" if 0 < value < 0.01 else f"{value:.3f} ± {se:.3f}"

    def plain(value: Any) -> str:
        return "" if pd.isna(value) else f"{value:.3g}" if 0 < value < 0.001 else f"{value:.3f}"

    shown = pd.DataFrame(
        {
            "claim": table["id"],
            "compares": table["compares"].fillna(""),
            "group sizes": table["group_sizes"].fillna(""),
            "power": [with_se(v, s) for v, s in zip(table["power"], table["power_se"])],
            "exact": [plain(v) for v in table["power_exact"]],
            "no effect": [with_se(v, s) for v, s in zip(table["no_effect"], table["no_effect_se"])],
            "exact (no effect)": [plain(v) for v in table["no_effect_exact"]],
            "n per tier": [("" if pd.isna(v) else str(int(v))) for v in table["n_per_tier"]],
            "note": table["note"].fillna(""),
        }
    )
    return shown


def as_text(table: pd.DataFrame, lines: list[str]) -> str:
    """The heading's paragraphs wrapped, the table, each claim's note below it, and the planning note."""
    shown = for_display(table)
    notes = [f"{c}: {n}" for c, n in zip(shown["claim"], shown["note"]) if n]
    body = _text_table(shown.drop(columns="note"))
    wrapped = [textwrap.fill(line, WIDTH, subsequent_indent="  ", break_on_hyphens=False) for line in lines]
    notes = [textwrap.fill(line, WIDTH, subsequent_indent="     ", break_on_hyphens=False) for line in notes]
    return "\n".join([*wrapped, "", body, "", "Notes:", *notes, "", textwrap.fill(claim_power.PLANNING_NOTE, WIDTH)])


def _text_table(frame: pd.DataFrame) -> str:
    """Columns of text, left-aligned, two spaces apart (pandas right-aligns text cells)."""
    widths = [max(len(str(c)), *(len(str(v)) for v in frame[c])) for c in frame.columns]
    rows = [list(map(str, frame.columns)), *frame.astype(str).to_numpy().tolist()]
    return "\n".join("  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in rows)


def heading(design_name: str, design: power_design.Design, settings: dict[str, Any]) -> list[str]:
    """The lines above the table: what is estimated, under which design, effect and rules."""
    effect, rules = settings["effect"], settings["rules"]
    target = settings["target"]
    lines = [
        "Power for the paper's claims: a planning estimate",
        claim_power.PLANNING_NOTE,
        f"Design: {design_name}: {design.describe()}.",
        f"Effect: a share of {effect.claimed:g} of leaders (of documents, for stages) showing the code in the group "
        f"the claim says is higher, against {effect.compared:g} in the groups it is compared with (a difference of "
        f"{effect.claimed - effect.compared:+.2g}), converted to "
        "the synthetic generator's rates (data/raw/synthetic_assumptions.yaml); no effect: the claimed group at "
        "the compared share (for 'every tier', a share of 0).",
        f"Verdict rule: claims.yaml's (alpha {rules.alpha:g}, minimum group {rules.min_group_size}); power is the "
        f"share of {settings['replicates']} replicates found 'consistent' (seed {settings['seed']}), ± its Monte "
        "Carlo standard error; 'exact' where every outcome was enumerated.",
    ]
    if target is not None:
        lines.append(
            f"n per tier: the fewest leaders in every tier for power {target:g} (up to {settings['most']}; "
            "common random numbers), with the design's follow-up and stage mix and its other documents."
        )
    return lines


def run(
    claim_ids: Sequence[str] | None = None,
    leaders: Sequence[str] | None = None,
    follow_up_share: float | None = None,
    later_share: float | None = None,
    non_clinical: int | None = None,
    meetings: int | None = None,
    claimed: float = 0.9,
    compared: float = 0.3,
    replicates: int = claim_power.DEFAULT_REPLICATES,
    seed: int | None = None,
    target: float | None = claim_power.DEFAULT_TARGET,
    most: int = claim_power.DEFAULT_MAX_PER_TIER,
    min_group_size: int | None = None,
    out: Path | str | None = None,
    force: bool = False,
    frame: pd.DataFrame | None = None,
    frame_name: str = "sampling frame",
) -> tuple[str, pd.DataFrame]:
    """Compute the power table as the command does; returns the text to print and the table.

    Every problem with the options is a :class:`~ics_leadership.facts.power_design.DesignError`
    naming the field, raised before anything is computed or written.
    """
    if out is not None:
        outputs.check_folder(out, KIND, force)
    for name, value, low in (("replicates", replicates, 1), ("max_per_tier", most, 1), ("seed", seed or 0, 0)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise power_design.DesignError(
                f"options, field '{name}': {value!r} is not a whole number of at least {low}"
            )
    if target is not None and not 0 < target < 1:
        raise power_design.DesignError(f"options, field 'target': {target!r} is not a power between 0 and 1")
    effect = claim_power.Effect(claimed, compared)
    codebook, assumptions = load_codebook(), load_assumptions()
    claim_list, rules = claims.load_claims(codebook=codebook)
    if min_group_size is not None:
        if min_group_size < 0:
            raise power_design.DesignError(f"options, field 'min_group_size': {min_group_size!r} is below 0")
        rules = Rules(alpha=rules.alpha, min_group_size=int(min_group_size))
    design, name = design_from_options(
        assumptions, leaders, follow_up_share, later_share, non_clinical, meetings, frame, frame_name
    )
    seed = assumptions.default_seed if seed is None else int(seed)
    table = claim_power_table.power_table(
        claim_list, rules, design, codebook, assumptions, effect, replicates, seed, target, most, claim_ids
    )
    settings = {"effect": effect, "rules": rules, "replicates": replicates, "seed": seed, "target": target}
    settings["most"] = most
    text = as_text(table, heading(name, design, settings))
    if out is not None:
        about = {
            "note": claim_power.PLANNING_NOTE,
            "design": f"{name}: {design.describe()}",
            "effect": {"claimed": effect.claimed, "compared": effect.compared},
            "rules": {"alpha": rules.alpha, "min_group_size": rules.min_group_size},
            "replicates": replicates,
            "seed": seed,
            "target": target,
            "max_per_tier": most,
            "assumptions_sha256": assumptions.digest,
            "generated_by": f"ics_leadership {__version__}",
        }
        _write(out, table, design, about, force)
    return text, table


def _write(out: Path | str, table: pd.DataFrame, design: power_design.Design, about: dict, force: bool) -> None:
    text = yaml.safe_dump(about, sort_keys=False, allow_unicode=True)

    def fill(tmp: Path) -> None:
        write_csv(with_data_source(table, DATA_SOURCE), tmp / "power.csv")
        write_csv(with_data_source(design.leaders, DATA_SOURCE), tmp / "design.csv")
        atomic_write(tmp / "plan.yaml", lambda fh: fh.write(text.encode("utf-8")))

    outputs.publish_folder(out, fill, force=force, kind=KIND)
