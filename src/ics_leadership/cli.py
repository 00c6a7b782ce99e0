"""The ``ics-leadership`` command (also ``python -m ics_leadership``).

One error policy for every subcommand: each problem is printed on its own line, naming the file
and row and field (or member, element, notebook and cell), followed by a summary line; the exit
status is 1 and there is no traceback unless ``--debug`` is given. A wrong command line exits
with status 2. Output folders and files follow one rule (:mod:`ics_leadership.core.outputs`): nothing
the command did not create is ever replaced.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import traceback
from pathlib import Path

from ics_leadership.cli_parser import _parse_value, _positive_int, build_parser  # noqa: F401
from ics_leadership.core import allocator, manifest, paths
from ics_leadership.core.errors import CompendiumError, error_lines
from ics_leadership.qda import cli as qda_cli

_INTERRUPTED = {"build": "interrupted; the previous book is unchanged", "check": "interrupted"}


#: What the publishing commands need beyond the base install (which has the importers, the analyses and
#: the paper's data): the extra that brings it, and top-level modules whose absence means it is missing.
_EXTRAS = {
    "build": ("book", ("papermill", "nbformat", "ipykernel", "matplotlib", "seaborn", "myst_nb", "jupyter_book")),
    "run": ("book", ("papermill", "nbformat", "ipykernel", "matplotlib", "seaborn", "myst_nb")),
    "pdf": ("pdf", ("myst_nb", "jupyter_book", "playwright")),
}


def _require_extra(command: str) -> None:
    """Stop ``command`` with one line naming the extra to install when its packages are missing."""
    if command not in _EXTRAS:
        return
    extra, modules = _EXTRAS[command]
    _require_modules(command, extra, modules)


def _require_modules(command: str, extra: str, modules: tuple[str, ...]) -> None:
    """Stop ``command`` (as typed) with one line naming ``extra`` when any of ``modules`` is missing."""
    missing = []
    for name in modules:
        try:
            found = importlib.util.find_spec(name) is not None  # finds without importing (no start-up cost)
        except ImportError:
            found = False
        if not found:
            missing.append(name)
    if missing:
        raise CompendiumError(
            f"`ics-leadership {command}` needs the {extra} extra, which is not installed (missing: "
            f"{', '.join(missing)}): pip install 'ics-leadership[{extra}]' "
            "(in a checkout: `make`, which installs everything)"
        )


#: Commands whose errors are printed as one line each (the importer's policy; see error_lines).
_ONE_LINE = (*qda_cli.COMMANDS, "export-codebook", "plan")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except KeyboardInterrupt:
        print(_INTERRUPTED.get(args.command, "interrupted; nothing was written"), file=sys.stderr)
        return 130
    except Exception as exc:  # one policy for every error: lines naming what is wrong, no traceback
        if args.debug:
            traceback.print_exc()
        name = f"plan {args.plan_command}" if args.command == "plan" else args.command
        for line in error_lines(exc, name, one_line=args.command in _ONE_LINE):
            print(line, file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    if args.command in qda_cli.COMMANDS:
        return qda_cli.run(args)
    if args.command == "export-codebook":
        return _export_codebook(args)
    if args.command == "summarise":  # the analyses only: no pipeline, no book
        return _summarise(args)
    if args.command == "plan":  # planning estimates (a figure only with --figure, from the book extra)
        return PLAN_COMMANDS[args.plan_command](args)
    _require_extra(args.command)
    # Imported here, not at the top: the pipeline loads pandas, which the importer (above) does not
    # need. Nothing that check, summarise, synthesise or export-codebook reach imports the book's
    # stack (papermill, matplotlib, Jupyter Book, Playwright): those are extras, imported where used,
    # and tests/test_install.py runs the light commands with them blocked.
    from ics_leadership.publish import buildguard, pipeline

    if args.command == "check":
        pipeline.check_raw(args.raw_dir)
    elif args.command == "build" and args.check_deps:
        from ics_leadership.publish import audit

        root = paths.project_root()
        with buildguard.sigterm_as_interrupt(), buildguard.build_lock(root):
            audit.check_build(root, args.config)
    elif args.command == "build":
        root = paths.project_root()
        with buildguard.sigterm_as_interrupt():
            pipeline.build(
                root,
                args.config,
                force=args.force,
                dry_run=args.dry_run,
                only=args.only,
                jobs=args.jobs,
                book=not args.no_book,
            )
    elif args.command == "run":
        config = pipeline.load_config(args.config)
        params = {name: _parse_value(value) for name, value in args.parameter}
        with buildguard.sigterm_as_interrupt():
            executed, written = pipeline.run_to_folder(config, args.notebook, args.out, params, force=args.force)
        print(f"Executed copy: {paths.display_path(executed)}")
        for name, folder in written.items():
            print(f"Written by the notebook ({name}): {paths.display_path(folder)}")
    elif args.command == "update-manifest":
        from ics_leadership.facts import raw

        raw_dir = args.raw_dir or paths.raw_dir()
        if paths.is_packaged(raw_dir):  # the installed package's copy belongs to the wheel, not to the user
            raise CompendiumError(
                f"{raw_dir} is the installed package's copy of data/raw, which is not edited: run "
                f"update-manifest in a checkout, or give --raw-dir or {paths.ROOT_ENV}"
            )
        raw.load_and_validate(raw_dir)  # never record checksums of data that `check` would refuse
        path = manifest.write(raw_dir)
        print(f"Wrote {paths.display_path(path)} ({len(manifest.read(raw_dir))} files)")
    elif args.command == "synthesise":
        from ics_leadership.facts import demo_corpus

        for name in ("double_coded_share", "agreement"):
            value = getattr(args, name)
            if value is not None and not 0 <= value <= 1:
                print(f"error: --{name.replace('_', '-')} must be between 0 and 1, got {value}", file=sys.stderr)
                return 2
        out = demo_corpus.write(
            args.out,
            force=args.force,
            seed=args.seed,
            double_coded_share=args.double_coded_share,
            agreement=args.agreement,
        )
        print(f"Wrote the synthetic demonstration corpus to {paths.display_path(out)}")
    elif args.command == "pdf":
        from ics_leadership.publish import pdf

        root = paths.project_root()
        with buildguard.build_lock(root), buildguard.sigterm_as_interrupt():
            pipeline.remove_leftovers(root)
            pdf.build_pdf(out=args.out.resolve() if args.out else None, force=args.force)
    return 0


#: What --base-size, --run-length and --threshold must be (summarise and plan unseen).
SATURATION_OPTIONS = "--base-size and --run-length must be at least 1 and --threshold between 0 and 1"


def _saturation_options_valid(args: argparse.Namespace) -> bool:
    return args.base_size >= 1 and args.run_length >= 1 and 0 <= args.threshold <= 1


def _summarise(args: argparse.Namespace) -> int:
    """The generic analyses in the project's own codes, or the paper's in its codebook (facts)."""
    from functools import partial

    from ics_leadership.coding import summarise
    from ics_leadership.facts import replication
    from ics_leadership.facts.codebook import load_codebook

    if not _saturation_options_valid(args):
        print(f"error: {SATURATION_OPTIONS}", file=sys.stderr)
        return 2
    summarise.check_out(args.out, args.force)  # before the analysis, not after
    allocator.keep_freed_memory()  # many large temporary arrays: reuse their memory (0.4 s at 10^6 codings)
    codebook = load_codebook()
    mode = args.codebook
    print(f"Summarising {paths.display_path(args.coded_dir)} ...", flush=True)
    loaded = None
    if mode == "auto" and args.mapping is None:  # read once: its codes say which codebook applies
        loaded = summarise.load_project(args.coded_dir)
        mode = "project" if summarise.uses_other_codes(loaded, codebook.codes) else "paper"
    elif mode == "auto":
        mode = "paper"
    by = tuple(args.by or summarise.DEFAULT_BY)
    loading = {"mapping": args.mapping, "coder": args.coder, "by": by, "loaded": loaded, "orders": _orders(args.order)}
    saturation = {"base_size": args.base_size, "run_length": args.run_length, "threshold": args.threshold}
    if mode == "paper":
        print(f"Codes: the compendium's codebook ({len(codebook.codes)} codes)", flush=True)
        prepared = replication.prepare_paper(args.coded_dir, codebook=codebook, **loading)
        analyse = partial(replication.analyse_paper, prepared, codebook, **saturation)
    else:
        prepared = summarise.prepare(args.coded_dir, **loading)
        print(f"Codes: the project's own ({len(prepared.tree.codes)} codes, parents counting their children)")
        analyse = partial(summarise.analyse, prepared, **saturation)
    details = summarise.detail_parts(prepared, args.excerpts)
    result, written = summarise.summarise_into(args.out, prepared, analyse, details, force=args.force, xlsx=args.xlsx)
    if mode != "paper":
        result.notes.append(
            "The paper's analyses (claims ledger, association with its three levels, prevalence among clinical "
            "leaders) were skipped: the data do not use the compendium's codebook (map them with --mapping)."
        )
    print(f"{result.data_source}: wrote {len(written)} files to {paths.display_path(args.out)}")
    for note in result.notes:
        print(f"note: {note}")
    return 0


def _orders(given: list[tuple[str, tuple[str, ...]]] | None) -> dict[str, tuple[str, ...]]:
    """``--order`` options by attribute (an attribute given twice: the last)."""
    return dict(given or [])


def _plan_power(args: argparse.Namespace) -> int:
    """Power for the paper's claims under a design (facts.claim_power_report), printed and optionally written."""
    from ics_leadership.facts import claim_power_report
    from ics_leadership.planning import frame as frames

    design = frames.read_frame(args.frame) if args.frame is not None else None  # the schema's checks first
    text, _ = claim_power_report.run(
        claim_ids=args.claim,
        leaders=args.leaders,
        follow_up_share=args.follow_up_share,
        later_share=args.later_share,
        non_clinical=args.non_clinical,
        meetings=args.meetings,
        claimed=args.claimed,
        compared=args.compared,
        replicates=args.replicates,
        seed=args.seed,
        target=None if args.no_search else args.target,
        most=args.max_per_tier,
        min_group_size=args.min_group_size,
        out=args.out,
        force=args.force,
        frame=design.per_leader() if design is not None else None,
        frame_name=design.source if design is not None else "sampling frame",
    )
    print(text)
    if args.out is not None:
        print(f"Wrote power.csv, design.csv and plan.yaml to {paths.display_path(args.out)}")
    return 0


def _export_codebook(args: argparse.Namespace) -> int:
    """The paper's codebook (facts) written by the generic REFI-QDA exporter (qda)."""
    from ics_leadership.facts.codebook import load_codebook, qda_codes
    from ics_leadership.qda.export import check_out, export_codebook

    check_out(args.out, args.force)  # before loading the codebook, as the exporter always did
    path = export_codebook(args.out, qda_codes(load_codebook(args.codebook)), force=args.force)
    print(f"Wrote {path}")
    return 0


def _plan_design(args: argparse.Namespace) -> object:
    """The design a plan subcommand reads: a filled-in frame (--frame), the paper's (--paper), or None."""
    from ics_leadership.planning import frame as frames

    given, paper = getattr(args, "frame", None), getattr(args, "paper", False)
    if given is not None and paper:
        raise CompendiumError("give a design with --frame FILE or --paper, not both")
    if paper:
        from ics_leadership.facts import raw, sample

        return sample.paper_design(raw.load_participants())
    return frames.read_frame(given) if given is not None else None


def _checked(check: object, option: str, values: list) -> list:
    """Each value through ``check`` (a planning.sample_size check), a bad one as a one-line error naming the option."""
    try:
        return [check(v) for v in values]  # type: ignore[operator]
    except ValueError as exc:
        raise CompendiumError(f"{option}: {exc}") from None


def _populations(args: argparse.Namespace, design: object) -> tuple[dict[str, int], int | None]:
    """``--population`` as (N per tier, overall N): whole numbers of at least 1, for tiers the design has."""
    from ics_leadership.planning import sample_size

    per_tier: dict[str, int] = {}
    overall = None
    for tier, number in args.population:
        shown = f"--population {tier + '=' if tier is not None else ''}{number}"
        try:
            n = sample_size.check_population(int(number))
        except ValueError:
            raise CompendiumError(f"{shown}: N must be a whole number of at least 1") from None
        if tier is None:
            overall = n
        elif design is None:
            raise CompendiumError(f"{shown}: a tier's population needs a design (--frame FILE or --paper)")
        elif tier not in design.by_tier():  # type: ignore[attr-defined]
            tiers = ", ".join(repr(t) for t in design.by_tier())  # type: ignore[attr-defined]
            raise CompendiumError(f"{shown}: the design plans no one in tier '{tier}' (its tiers: {tiers})")
        elif n < design.by_tier()[tier]:  # type: ignore[attr-defined]
            planned = design.by_tier()[tier]  # type: ignore[attr-defined]
            raise CompendiumError(f"{shown}: the design plans {planned} interviews in tier '{tier}', more than N")
        else:
            per_tier[tier] = n
    return per_tier, overall


def _plan_sample_size(args: argparse.Namespace) -> int:
    """Interviews needed to see a theme (planning.sample_size), overall and per tier of a design."""
    from ics_leadership.planning import report, sample_size

    shares = _checked(sample_size.check_share, "--share", args.share)
    ks = _checked(sample_size.check_k, "--k", args.k)
    (probability,) = _checked(sample_size.check_probability, "--probability", [args.probability])
    report.check_out(args.out, "sample-size", args.force)  # before the work, not after
    if args.figure:
        _require_modules("plan sample-size --figure", "book", ("matplotlib", "seaborn", "IPython"))
    design = _plan_design(args)
    per_tier, overall = _populations(args, design)
    tables = {"sample_size": sample_size.sample_size_table(shares, ks, probability, overall)}
    source = None
    if design is not None:
        source = design.source  # type: ignore[attr-defined]
        tables["design"] = design.table().reset_index()  # type: ignore[attr-defined]
        tables["design_by_tier"] = design.summary()  # type: ignore[attr-defined]
        try:
            tables["sample_size_by_tier"] = sample_size.tier_table(
                design.by_tier(),  # type: ignore[attr-defined]
                shares,
                ks,
                probability,
                per_tier,
            )
        except ValueError as exc:
            raise CompendiumError(f"{source}: {exc}") from None
    extra = None
    if args.figure:
        reference = design.by_tier() if design is not None else None  # type: ignore[attr-defined]

        def extra(folder: Path) -> None:
            import matplotlib.pyplot as plt

            from ics_leadership.figures import planning as planning_figures
            from ics_leadership.figures.style import save_figure

            made = planning_figures.sample_size_figure(probability, ks, reference)
            save_figure(made.fig, folder, made.stem)
            plt.close(made.fig)

    readme = report.sample_size_readme(probability, source, per_tier, overall)
    written = report.write_tables(args.out, report.KINDS["sample-size"], tables, readme, args.force, extra=extra)
    print(f"plan sample-size: wrote {len(written)} files to {paths.display_path(args.out)}")
    finite = [f"{t} (N = {n})" for t, n in per_tier.items()] + ([f"overall (N = {overall})"] if overall else [])
    if finite:
        print(f"note: sampled without replacement (hypergeometric): {', '.join(finite)}; the others are binomial")
    print("note: planning estimates under the assumptions in README.md (random sampling; p is the share expressing it)")
    return 0


def _plan_unseen(args: argparse.Namespace) -> int:
    """Saturation so far and unseen themes in a pilot's coded interviews (planning.pilot)."""
    from ics_leadership.coding.summary_files import labelled
    from ics_leadership.planning import pilot, report

    if not _saturation_options_valid(args):
        raise CompendiumError(SATURATION_OPTIONS)
    if args.interviews is not None and args.interviews < 2:
        raise CompendiumError(f"--interviews {args.interviews}: unseen themes need at least 2 interviews")
    report.check_out(args.out, "unseen", args.force)
    found = pilot.pilot(
        args.coded_dir, args.coder, args.themes, args.interviews, args.base_size, args.run_length, args.threshold
    )
    s = found.saturation
    tables = {
        "unseen_themes": found.estimates,
        "theme_incidence": found.incidence,
        "saturation": s.table(),
        "saturation_curve": s.cumulative,
    }
    readme = report.unseen_readme(
        found.data_source,
        paths.display_path(args.coded_dir),
        found.coder,
        found.themes,
        len(found.interviews),
        found.counts.units,
    )
    written = report.write_tables(
        args.out, report.KINDS["unseen"], labelled(tables, found.data_source), readme, args.force, gitignore=True
    )
    chao, ichao = found.estimates.iloc[0], found.estimates.iloc[1]
    print(f"{found.data_source}: wrote {len(written)} files to {paths.display_path(args.out)}")
    print(
        f"{found.counts.observed} themes seen in {found.counts.units} interviewees; "
        f"Chao2 {chao['themes_estimated']:.1f} "
        f"(95% interval {chao['lower_95']:.1f} to {chao['upper_95']:.1f}; {chao['form']}), "
        f"iChao2 {ichao['themes_estimated']:.1f}; lower bounds under the assumptions in README.md"
    )
    print(
        "saturation (Guest, Namey and Chen 2020): "
        + (f"reached after {s.point} interviews" if s.point else "not reached")
    )
    return 0


def _plan_frame(args: argparse.Namespace) -> int:
    """A sampling frame to fill in, or the paper's design written as one (planning.frame)."""
    from ics_leadership.planning import frame as frames
    from ics_leadership.planning import report

    report.check_out(args.out, "frame", args.force)
    design = _plan_design(args)
    table = frames.template() if design is None else frames.as_written(design.frame)  # type: ignore[attr-defined]
    source = "an empty template" if design is None else design.source  # type: ignore[attr-defined]
    written = report.write_frame(args.out, table, source, args.force)
    print(f"plan frame: wrote {len(written)} files to {paths.display_path(args.out)} ({source}, {len(table)} rows)")
    return 0


#: What each ``plan`` subcommand runs, by name (cli_parser.add_plan_parsers declares its options).
#: Add a further subcommand here (and its options in cli_parser.add_plan_parsers).
PLAN_COMMANDS = {
    "frame": _plan_frame,
    "sample-size": _plan_sample_size,
    "power": _plan_power,
    "unseen": _plan_unseen,
}
