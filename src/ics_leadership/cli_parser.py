"""The ``ics-leadership`` command line: its subcommands, options and help texts.

Split from :mod:`ics_leadership.cli` (which runs the subcommands) so that each stays readable:
this module only declares what the command accepts and says.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import yaml

from ics_leadership import __version__
from ics_leadership.planning import cli as planning_cli
from ics_leadership.publish import commands
from ics_leadership.qda import cli as qda_cli

DESCRIPTION = """\
Reproducible compendium for Waring et al. (2023), "What can clinical leaders contribute to the
governance of integrated care systems?" (BMJ Leader 7(4):279-284, doi:10.1136/leader-2022-000709).

The raw data in data/raw are the paper's published facts (Table 1 and the study-level numbers,
each with its location in the paper), protected by a SHA-256 manifest. Notebooks listed in
pipeline.yaml are executed with papermill; their executed copies feed a Jupyter Book.

A plain pip install (`pip install .` in a checkout, or the wheel) gives import, summarise, synthesise,
export-codebook and check, with the paper's data packaged, from any folder. build and run need the
book extra (pip install '.[book]'), pdf the pdf extra, and all three a checkout of the compendium.
"""

EPILOG = """\
examples:
  ics-leadership check                      verify and validate data/raw
  ics-leadership build                      everything: check, run the steps that changed, build the book
  ics-leadership build --dry-run            what build would run, and why
  ics-leadership run 02_coding -p coded_data ../data/coded/study -p mapping ../data/coded/mapping.yaml
                                            run one notebook on your own data, into data/coded/runs/02_coding
                                            (paths in -p values are relative to notebooks/)
  ics-leadership update-manifest            after a deliberate edit of data/raw
  ics-leadership synthesise --out data/coded/synthetic --seed 7
                                            write the synthetic demonstration corpus
  ics-leadership summarise data/coded/study --mapping data/coded/mapping.yaml --out data/coded/study-summary
                                            theme coding summaries of coded data as CSV
  ics-leadership plan sample-size --paper --out plans/paper
                                            interviews needed to see a theme, overall and per tier of the
                                            paper's design (see `ics-leadership plan --help`)
  ics-leadership pdf                        the whole report as book/_build/pdf/compendium.pdf

Output folders must be new or empty; --force replaces only the same command's earlier output
(marked by a .ics-leadership-output file), never a folder it did not create.

exit status: 0 success, 1 a problem with the data, a notebook or the book (message says which), 2 usage error;
--debug (before or after COMMAND) shows the traceback of an unexpected error
"""


BUILD_DESCRIPTION = """\
Check data/raw, then run the steps declared in pipeline.yaml (notebooks, executed with papermill,
and commands such as synthesise) and build the book into book/_build/html. A step runs after the
steps that write what it reads; steps that do not depend on each other run in parallel (-j).

Only what changed re-runs. A step is skipped when its notebook's code cells, its parameters, the
files it declares it reads, the package source (src/ics_leadership) and requirements.lock are as
they were when it last succeeded, and its declared outputs and executed copy are still the ones it
wrote; a step whose only change is in markdown cells has its page updated without a kernel. Each
step's line says why it runs ("changed: data/raw/codebook.yaml"). The book is rebuilt only when a
page or a book source changed.

What each step last ran on is recorded in .build-state/ at the project root (git-ignored). `make
clean` removes it with the generated files, so the next build runs everything; so does --force.

A failing step stops the build: no further step starts, the running ones finish, and the error
names the step (and the notebook's cell). The previous book stays in place.
"""


def _attribute_order(text: str) -> tuple[str, tuple[str, ...]]:
    """``--order ATTRIBUTE=V1,V2,...`` as (attribute, values)."""
    name, sep, listed = text.partition("=")
    values = tuple(v.strip() for v in listed.split(","))
    if not sep or not name.strip() or not all(values):
        raise argparse.ArgumentTypeError(f"'{text}': write ATTRIBUTE=V1,V2,... (values between commas, none empty)")
    if len(set(values)) < len(values):
        twice = sorted({v for v in values if values.count(v) > 1})
        raise argparse.ArgumentTypeError(f"'{text}': {', '.join(repr(v) for v in twice)} listed more than once")
    return name.strip(), values


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, got {text!r}")
    return value


def _parse_value(text: str) -> object:
    """Read a -p value as YAML, so numbers, booleans and lists arrive typed (as in papermill -p)."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ics-leadership",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help="on an error, also show the traceback")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser(
        "check",
        help="verify data/raw against its manifest and validate every file",
        description="Verify data/raw against data/raw/MANIFEST, then validate every raw file "
        "(types, allowed values, unique ids). Problems name the file, row and field.",
    )
    p.add_argument("--raw-dir", type=Path, default=None, help="raw data folder (default: data/raw)")

    p = sub.add_parser(
        "build",
        help="check the raw data, run the steps that changed, build the HTML book",
        description=BUILD_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--config", type=Path, default=None, help="pipeline file (default: pipeline.yaml)")
    p.add_argument("--no-book", action="store_true", help="run the steps that changed but do not build the book")
    p.add_argument(
        "--check-deps",
        action="store_true",
        help="run every step once, one at a time, with an audit hook that records the files it opens, renames, "
        "creates and removes; fail listing each path a step reads or writes without declaring it in "
        "pipeline.yaml (no book is built)",
    )
    p.add_argument(
        "--force", action="store_true", help="run every step and build the book, whatever .build-state/ records"
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="list each step with what would happen (run, re-render, skip, may run) and why; "
        "start no kernel, write nothing",
    )
    p.add_argument(
        "--only",
        action="append",
        metavar="STEP",
        default=None,
        help="run STEP and whatever upstream of it is stale, not the steps after it; repeatable; the book is not built",
    )
    p.add_argument(
        "-j",
        "--jobs",
        type=_positive_int,
        default=None,
        metavar="N",
        help=f"steps to run at once (default: the number of CPUs, here {os.cpu_count() or 1})",
    )

    p = sub.add_parser(
        "run",
        help="run one notebook, optionally with parameters, into its own folder",
        description="Execute one notebook from pipeline.yaml with papermill into an output folder "
        "(--out): the executed notebook, and everything the notebook writes (its "
        "derived_dir parameter points to DIR/derived). The book's pages and data/derived "
        "are never touched, so a run on your own data cannot reach the book. Parameters "
        "given with -p override those in pipeline.yaml; a name the notebook does not "
        "declare is an error listing its parameters. The kernel runs in notebooks/, so "
        "relative paths in -p values start there.",
    )
    p.add_argument("notebook", help="notebook path or name, e.g. notebooks/01_sample.ipynb or 01_sample")
    p.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        metavar=("NAME", "VALUE"),
        default=[],
        help="set a parameter (VALUE is read as YAML: 3, true, text); repeatable",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="output folder, new or empty (default: data/coded/runs/NAME, git-ignored)",
    )
    p.add_argument("--force", action="store_true", help="replace an earlier run's output in DIR")
    p.add_argument("--config", type=Path, default=None, help="pipeline file (default: pipeline.yaml)")

    p = sub.add_parser(
        "update-manifest",
        help="record new SHA-256 checksums for data/raw (deliberate)",
        description="Rewrite data/raw/MANIFEST from the files now in data/raw. Do this only after "
        "a deliberate, reviewed change to raw data; the raw files are validated first.",
    )
    p.add_argument("--raw-dir", type=Path, default=None, help="raw data folder (default: data/raw)")
    p = sub.add_parser(
        "synthesise",
        help="write the synthetic demonstration corpus (canonical coded data)",
        description="Generate the synthetic demonstration corpus from data/raw (Table 1 roster, study "
        "facts, codebook, synthetic_assumptions.yaml) and write documents.csv, codings.csv, "
        "participants.csv and corpus.yaml. The same seed gives identical files. The corpus "
        "contains no text and no quotations.",
    )
    commands.add_synthesise_arguments(p)

    p = sub.add_parser(
        "summarise",
        help="coding summaries of coded data, as CSV files (and a workbook)",
        description="Analyse a folder of canonical coded data (from `ics-leadership import` or the "
        "synthetic corpus) and write CSV files: frequencies and participant prevalence per code "
        "(Wilson 95% intervals), co-occurrence, inter-coder agreement (kappa, Krippendorff's alpha) "
        "with the list of disagreements, saturation, coverage, and document-, case- and attribute-by-code "
        "matrices. Parent codes count their descendants' codings (in passages and coverage a span coded with "
        "a parent and its child counts once). "
        "In the compendium's codebook (the synthetic corpus, or a project mapped with --mapping) the "
        "paper's analyses are added: association with its three levels and the claims ledger. Every "
        "file's first column says whether the data are synthetic.",
    )
    p.add_argument("coded_dir", type=Path, help="folder with documents.csv and codings.csv")
    p.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="DIR",
        help="folder for the CSV files, new or empty (it gets a .gitignore: coded data are confidential)",
    )
    p.add_argument("--force", action="store_true", help="replace an earlier summarise output in DIR")
    p.add_argument(
        "--codebook",
        choices=("auto", "project", "paper"),
        default="auto",
        help="whose codes to analyse: 'project', the project's own (its codebook.csv, else the code paths); "
        "'paper', the compendium's codebook (the codes must be its codes, or be mapped with --mapping); "
        "'auto' (default): 'paper' with --mapping or when every code is a compendium code, else 'project'",
    )
    p.add_argument("--mapping", type=Path, default=None, help="YAML mapping of project codes to compendium codes")
    p.add_argument(
        "--by",
        action="append",
        metavar="ATTRIBUTE",
        help="a document or participant attribute to group prevalence and the attribute-by-code matrix by "
        "(repeat for several: --by level --by site, the default; any column of documents.csv or "
        "participants.csv, such as a REFI variable)",
    )
    p.add_argument(
        "--order",
        action="append",
        type=_attribute_order,
        metavar="ATTRIBUTE=V1,V2,...",
        help="the order in which tables list an attribute's values, every value the data have, separated by "
        "commas (repeat for several: --order level=neighbourhood,place,system); default: the paper's order "
        "for its levels when the data use only those, otherwise sorted",
    )
    p.add_argument("--coder", default=None, help="coder whose codings are counted (default: the one with most)")
    planning_cli.add_saturation_options(p)
    p.add_argument(
        "--excerpts",
        action="store_true",
        help="add the disagreed text to disagreements.csv (from the codings' excerpts; it stays in DIR, which "
        "is kept out of git)",
    )
    p.add_argument(
        "--xlsx",
        action="store_true",
        help="also write summary.xlsx, the aggregated tables a sheet each (text cells protected as in the CSVs)",
    )

    plan_sub = add_plan_parsers(sub)
    qda_cli.add_parsers(sub)  # import
    p = sub.add_parser(
        "export-codebook",
        help="write the compendium codebook as a REFI-QDA codebook (.qdc)",
        description="Write data/raw/codebook.yaml as a REFI-QDA codebook (.qdc) for NVivo, ATLAS.ti, MAXQDA "
        "and others: contributions as top-level codes, activities as their children, definitions "
        "as descriptions, and the same GUIDs on every export. A project coded with it imports "
        "with codes equal to compendium code ids.",
    )
    p.add_argument("--out", type=Path, required=True, metavar="FILE.qdc", help="file to write")
    p.add_argument("--codebook", type=Path, default=None, help="codebook YAML (default: data/raw/codebook.yaml)")
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")
    p = sub.add_parser(
        "pdf",
        help="the whole report as one PDF (after `build`)",
        description="Render the book from the executed notebooks in book/notebooks (run `build` "
        "first) as one page and print it with headless chromium (Debian's, or $CHROMIUM): "
        "A4, title page, page numbers. Works offline; the previous PDF stays in place "
        "if anything fails.",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="where to write the PDF (default: book/_build/pdf/compendium.pdf, replaced on each run)",
    )
    p.add_argument("--force", action="store_true", help="replace the file given with --out if it exists")
    for command in (*sub.choices.values(), *plan_sub.choices.values()):  # --debug also after the command
        command.add_argument(  # SUPPRESS keeps the main flag's value
            "--debug", action="store_true", default=argparse.SUPPRESS, help="on an error, also show the traceback"
        )
    return parser


#: The paper's design as a sampling frame, an option of the generic plan subcommands that read a design.
PAPER_DESIGN_HELP = (
    "use the paper's own design: Table 1's clinical leaders by site and tier, from data/raw/participants.csv"
)


def add_plan_parsers(sub: argparse._SubParsersAction) -> argparse._SubParsersAction:
    """``plan`` and its subcommands: the generic ones of :mod:`ics_leadership.planning.cli`, with ``--paper``.

    Returns ``plan``'s subparsers. A further subcommand is added here, beside the others: declare its
    parser with ``plan_sub.add_parser(NAME, ...)`` (give it ``--paper`` and ``--frame`` if it reads a
    design) and its runner in ``ics_leadership.cli.PLAN_COMMANDS``.
    """
    more = {
        "power": "power for the paper's claims under a design: simulated replications judged by the claims "
        "ledger's rules"
    }
    plan_sub, plan = planning_cli.add_parser(sub, more)
    plan["frame"].add_argument("--paper", action="store_true", help=PAPER_DESIGN_HELP + " (default: an empty template)")
    plan["sample-size"].add_argument("--paper", action="store_true", help=PAPER_DESIGN_HELP + " (instead of --frame)")
    add_plan_power(plan_sub)
    return plan_sub


#: What an interrupted command leaves behind, by command.


PLAN_POWER_DESCRIPTION = """\
Power for the paper's claims under a design: how often would a replication find each claim of
data/raw/claims.yaml 'consistent'? Replications of the design are simulated with the synthetic
generator's model (data/raw/synthetic_assumptions.yaml) and a stated effect, and the claims
ledger's own rule is applied to each (one-sided Fisher tests, descriptive tests, the minimum group
size). For each claim: power with its Monte Carlo standard error, the rate of 'consistent' under no
effect (for the Fisher tests, their size), exact values where every outcome can be enumerated, and
the fewest leaders per tier that reach --target.

The effect is stated as shares showing the code: --claimed in the group the claim says is higher
(the tier, the contributions or the stage it names; every tier for 'present at all levels'),
--compared in the groups it is compared with; each is converted to the generator's rates.

The design is the paper's (Table 1's leaders with their follow-ups, the non-clinical leaders and
observed meetings, from data/raw) unless --leaders gives head counts per tier or --frame a sampling
frame (`plan frame`; a filled-in one, or `plan frame --paper`).

This is a planning estimate, not a finding: the paper made no statistical claims, and low power for a
sample of its size is not a flaw of a qualitative study.
"""


def add_plan_power(plan: argparse._SubParsersAction) -> None:
    """``plan power``: its options (the command runs :func:`ics_leadership.facts.claim_power_report.run`)."""
    p = plan.add_parser(
        "power",
        help="power for the paper's claims under a design (a planning estimate)",
        description=PLAN_POWER_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--claim", action="append", metavar="ID", help="only this claim (repeatable; default: all)")
    p.add_argument(
        "--leaders",
        action="append",
        metavar="TIER=N",
        help="leaders in a tier, e.g. --leaders executive=10 --leaders thematic=10 --leaders project=10 "
        "(every tier the claims compare; default: the paper's design)",
    )
    p.add_argument(
        "--frame",
        type=Path,
        default=None,
        metavar="FILE",
        help="a filled-in sampling frame (`plan frame`) as the design: its leaders by tier, each with their "
        "follow-up and stage (blank: the assumptions' chance of the later stage); instead of --leaders",
    )
    p.add_argument("--follow-up-share", type=float, default=None, help="with --leaders: share followed up (default 0)")
    p.add_argument(
        "--later-share",
        type=float,
        default=None,
        help="with --leaders: share of first interviews at the later stage (default: the assumptions', 0.3)",
    )
    p.add_argument(
        "--non-clinical", type=int, default=None, help="with --leaders or --frame: non-clinical interviews (default 0)"
    )
    p.add_argument(
        "--meetings", type=int, default=None, help="with --leaders or --frame: observed meetings (default 0)"
    )
    p.add_argument("--claimed", type=float, default=0.9, help="share showing the code in the claimed group (0.9)")
    p.add_argument("--compared", type=float, default=0.3, help="share in the groups compared with it (0.3)")
    p.add_argument("--replicates", type=int, default=2000, help="simulated replications (default 2000)")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: the assumptions' default seed)")
    p.add_argument("--target", type=float, default=0.8, help="power the n-per-tier search aims for (default 0.8)")
    p.add_argument("--no-search", action="store_true", help="skip the search for the n per tier")
    p.add_argument("--max-per-tier", type=int, default=200, help="largest n per tier searched (default 200)")
    p.add_argument(
        "--min-group-size",
        type=int,
        default=None,
        help="override claims.yaml's minimum group size, to see what the rule costs (default: claims.yaml's)",
    )
    p.add_argument("--out", type=Path, default=None, metavar="DIR", help="also write power.csv, design.csv, plan.yaml")
    p.add_argument("--force", action="store_true", help="replace an earlier plan power output in DIR")
