"""The ``plan`` subcommand's options and help: ``plan sample-size``, ``plan unseen``, ``plan frame``.

:func:`add_parser` registers ``plan`` and its generic subcommands on the main command's subparsers
and returns the ``plan`` subparsers (so that further subcommands, such as ``plan power``, are
added beside them) and the subcommands' parsers (so that the command line can add options that are
not generic, such as the paper's own design). What each subcommand does is in
:mod:`ics_leadership.cli`, which composes this package with the paper's data and the figures.
"""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Mapping
from pathlib import Path

from ics_leadership import planning

PLAN_DESCRIPTION = """\
Plan a study of leaders' contributions (or any interview study): how many interviewees, at which
tiers, and what a pilot's coded interviews say. Every result is a planning estimate under stated
assumptions; each output folder has a README.md giving them, with references.

Subcommands:
  frame        write a sampling frame to fill in (site, tier, role, profession, follow-up, stage), or a
               study's own design as one
  sample-size  interviews needed to see a theme held by a share p of the population at least k times
               (Fugard and Potts 2015), overall and per tier of a sampling frame
  unseen       for a pilot's coded interviews: saturation so far (Guest, Namey and Chen 2020) and an
               estimate of the themes not yet seen (Chao2, iChao2)
"""

PLAN_EPILOG = """\
examples:
  ics-leadership plan frame --out plans/frame
  ics-leadership plan frame --paper --out plans/paper-frame
  ics-leadership plan sample-size --out plans/sizes
  ics-leadership plan sample-size --frame plans/frame/sampling_frame.csv --population executive=6 --out plans/by-tier
  ics-leadership plan sample-size --paper --figure --out plans/paper
  ics-leadership plan unseen data/coded/pilot --out plans/pilot

Output folders must be new or empty; --force replaces only the same subcommand's earlier output
(and never a sampling frame edited after `plan frame` wrote it). Bad input (a tier with no one, a
share outside 0-1, k below 1, a probability outside 0-1) stops with a line naming the file, row and
field or the option, exit status 1, and nothing written.
"""

SAMPLE_SIZE_DESCRIPTION = """\
Interviews needed so that a theme expressed by a share p of the population is seen at least k times
with a chosen probability (Fugard and Potts 2015, Int J Soc Res Methodol 18(6):669-684): the number
of interviewees expressing it among n is binomial, Bin(n, p), and n is the smallest with
P(X >= k) >= the probability. Hand check: p = 0.1, k = 1, probability 0.8 needs 16 interviews
(1 - 0.9^16 = 0.815; 15 give 0.794); k = 2 needs 29.

Where a tier is small and finite (a handful of executive leaders in an integrated care system), give
its size with --population TIER=N: that tier is sampled without replacement (hypergeometric),
floor(p N) of its members express the theme, and n cannot exceed N. The output says which model
each row uses.

With a sampling frame (--frame) the tables are also given per tier: the interviews needed, and the
probability that the interviews the frame plans see the theme at least k times.

Assumptions: interviewees are a random sample; p is the prevalence of a theme being expressed and
recognised, not of it being held. The model has published critiques (responses by Emmel and by
Hammersley in the same issue; Hennink and Kaiser 2022 review empirical tests of saturation): the
README.md written with the tables gives them.

Files: sample_size.csv; with a frame also design.csv, design_by_tier.csv, sample_size_by_tier.csv;
with --figure sample_size.svg and .png; README.md.
"""

UNSEEN_DESCRIPTION = """\
For a team's first coded interviews (a folder of canonical coded data, from `ics-leadership import`):
- saturation so far, by the base/run/threshold method of Guest, Namey and Chen (2020, PLoS One
  15(5):e0232076), as `summarise` computes it: it says whether saturation was reached, it does not
  predict how many more interviews are needed;
- how many themes remain unseen, from how many interviewees each theme was found in: Chao2
  (bias-corrected when no theme was found in exactly two interviewees) with a 95% interval, and
  iChao2 (Chiu et al. 2014, Biometrics 70(3):671-682). The sampling unit is the interviewee (an
  interview and its follow-up count once). These are lower bounds that assume interviewees are a
  random sample and the set of themes is fixed; README.md states every assumption.

Themes are the codes as applied (--themes applied) or the top-level codes, counting their
descendants (--themes top). Files: unseen_themes.csv, theme_incidence.csv, saturation.csv,
saturation_curve.csv, README.md; the folder gets a .gitignore (coded data are confidential).
"""

FRAME_DESCRIPTION = """\
Write a sampling frame with the structure of the paper's Table 1 for a team to fill in:
sampling_frame.csv (columns site, tier, role, profession, leaders, follow_up, stage, notes: one row
per planned interviewee, or per group of alike ones with leaders), sampling_frame_dictionary.csv
(what each column holds) and README.md. Tiers, sites and stages are the study's own terms (the
paper's executive, thematic and project, or today's system, place and neighbourhood). The other
plan subcommands read a filled-in frame with --frame.
"""


def _population(text: str) -> tuple[str | None, str]:
    """``TIER=N`` or ``N`` as (tier or None, the number as typed): checked when the design is known."""
    tier, sep, number = text.rpartition("=")
    return (tier.strip() if sep else None), number.strip()


def add_parser(
    subparsers: argparse._SubParsersAction, more: Mapping[str, str] | None = None
) -> tuple[argparse._SubParsersAction, dict[str, argparse.ArgumentParser]]:
    """Register ``plan`` and its generic subcommands; return its subparsers and theirs by name.

    ``more``: the subcommands the caller will add (name: what it does), listed in ``plan --help``.
    """
    listed = "".join(
        f"  {name:<12} " + "\n               ".join(textwrap.wrap(text, 86)) + "\n"
        for name, text in (more or {}).items()
    )
    plan = subparsers.add_parser(
        "plan",
        help="plan a study: interviews needed per tier, unseen themes in a pilot, a sampling frame",
        description=PLAN_DESCRIPTION + listed,
        epilog=PLAN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = plan.add_subparsers(dest="plan_command", metavar="SUBCOMMAND", required=True)
    parsers = {}

    p = parsers["frame"] = sub.add_parser(
        "frame",
        help="write a sampling frame to fill in (Table 1's structure), or a study's design as one",
        description=FRAME_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_out(p, "frame")

    p = parsers["sample-size"] = sub.add_parser(
        "sample-size",
        help="interviews needed to see a theme held by a share p at least k times (overall and per tier)",
        description=SAMPLE_SIZE_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--frame", type=Path, default=None, metavar="FILE", help="a filled-in sampling frame (CSV)")
    p.add_argument(
        "--share",
        type=float,
        nargs="+",
        default=list(planning.DEFAULT_SHARES),
        metavar="P",
        help="shares of the population expressing the theme, each above 0 and at most 1 "
        f"(default: {' '.join(f'{s:g}' for s in planning.DEFAULT_SHARES)})",
    )
    p.add_argument(
        "--k",
        type=int,
        nargs="+",
        default=list(planning.DEFAULT_KS),
        metavar="K",
        help="times the theme must be seen, each at least 1 "
        f"(default: {' '.join(str(k) for k in planning.DEFAULT_KS)})",
    )
    p.add_argument(
        "--probability",
        type=float,
        default=planning.DEFAULT_PROBABILITY,
        help=f"chance of seeing it that often, above 0 and below 1 (default {planning.DEFAULT_PROBABILITY:g})",
    )
    p.add_argument(
        "--population",
        type=_population,
        action="append",
        default=[],
        metavar="[TIER=]N",
        help="size of a small, finite population: TIER=N for a tier of the frame (repeatable), N alone for "
        "the overall table; those are sampled without replacement (hypergeometric)",
    )
    p.add_argument(
        "--figure",
        action="store_true",
        help="also draw sample_size.svg and .png (needs the book extra: matplotlib, seaborn)",
    )
    _add_out(p, "sample-size")

    p = parsers["unseen"] = sub.add_parser(
        "unseen",
        help="a pilot's coded interviews: saturation so far and themes not yet seen (Chao2, iChao2)",
        description=UNSEEN_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("coded_dir", type=Path, help="folder with documents.csv and codings.csv (canonical coded data)")
    p.add_argument(
        "--themes",
        choices=("applied", "top"),
        default="applied",
        help="count codes as applied (default) or top-level codes with their descendants",
    )
    p.add_argument("--coder", default=None, help="coder whose codings are counted (default: the one with most)")
    p.add_argument(
        "--interviews",
        type=int,
        default=None,
        metavar="N",
        help="use only the first N interviews in data-collection order (default: all)",
    )
    add_saturation_options(p)
    _add_out(p, "unseen")
    return sub, parsers


def add_saturation_options(p: argparse.ArgumentParser) -> None:
    """The saturation parameters (Guest, Namey and Chen 2020), as ``plan unseen`` and ``summarise`` take them."""
    p.add_argument("--base-size", type=int, default=4, help="saturation base size (default 4)")
    p.add_argument("--run-length", type=int, default=2, help="saturation run length (default 2)")
    p.add_argument("--threshold", type=float, default=0.05, help="new-information threshold (default 0.05)")


def _add_out(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder, new or empty")
    p.add_argument("--force", action="store_true", help=f"replace an earlier `plan {name}` output in DIR")
