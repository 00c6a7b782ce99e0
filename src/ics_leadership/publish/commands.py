"""The ``ics-leadership`` commands a build step may run, run in-process against a project root.

A command step of ``pipeline.yaml`` (``command: [synthesise, --out, data/derived/synthetic,
--force]``) is written as on the command line and runs in this process: no second interpreter
re-imports pandas. Its paths are taken relative to the project root the build runs on, not to the
working directory, so a build of a copy of the compendium (the tests, the benchmark) writes into
that copy.

Only commands that make a build's inputs from files are here (today ``synthesise``), each with the
options of its command line (declared once, here: :func:`add_synthesise_arguments` serves both the
command line's parser and this one, since ``publish`` may not import ``cli``). A command the build
cannot run, or arguments it refuses, are reported when ``pipeline.yaml`` is loaded.
"""

from __future__ import annotations

import argparse
import contextlib
import io
from collections.abc import Callable, Sequence
from pathlib import Path

from ics_leadership.core.errors import PipelineConfigError


def _synthesise(args: argparse.Namespace, root: Path) -> None:
    from ics_leadership.facts import demo_corpus

    demo_corpus.write(
        root / args.out,
        force=args.force,
        seed=args.seed,
        double_coded_share=args.double_coded_share,
        agreement=args.agreement,
        raw_dir=root / "data" / "raw",
    )


def _check_synthesise(args: argparse.Namespace) -> str | None:
    for name in ("double_coded_share", "agreement"):
        value = getattr(args, name)
        if value is not None and not 0 <= value <= 1:
            return f"--{name.replace('_', '-')} must be between 0 and 1, got {value}"
    if Path(args.out).is_absolute():
        return "--out must be a path relative to the project root"
    return None


#: Commands a step may run: name -> (check of the parsed arguments, run against a root).
COMMANDS: dict[str, tuple[Callable[[argparse.Namespace], str | None], Callable[[argparse.Namespace, Path], None]]] = {
    "synthesise": (_check_synthesise, _synthesise),
}


def add_synthesise_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``ics-leadership synthesise``: the command line and a build step parse the same ones."""
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder, new or empty")
    p.add_argument("--force", action="store_true", help="replace an earlier synthesise output in DIR")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: the assumptions file's)")
    p.add_argument("--double-coded-share", type=float, default=None, help="share of documents coded twice (0-1)")
    p.add_argument("--agreement", type=float, default=None, help="probability the second coder agrees (0-1)")


def _parser() -> argparse.ArgumentParser:
    """The step commands' parser: the options of ``ics-leadership synthesise`` (see its ``--help``)."""
    parser = argparse.ArgumentParser(prog="ics-leadership", add_help=False, exit_on_error=False)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("synthesise", add_help=False, exit_on_error=False)
    add_synthesise_arguments(p)
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS)
    return parser


def parse(argv: Sequence[str]) -> argparse.Namespace:
    """Parse a step's command (its words without the program name).

    Raises
    ------
    PipelineConfigError
        When the command is not one a build can run, or its arguments are refused.
    """
    argv = [str(word) for word in argv]
    if not argv or argv[0] not in COMMANDS:
        known = ", ".join(sorted(COMMANDS))
        given = repr(argv[0]) if argv else "an empty command"
        raise PipelineConfigError(f"{given} is not a command a build step can run (known: {known})")
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr):  # argparse prints its usage before it exits
            args = _parser().parse_args(argv)
    except (SystemExit, argparse.ArgumentError) as exc:
        lines = stderr.getvalue().strip().splitlines()
        detail = str(exc) if isinstance(exc, argparse.ArgumentError) else (lines[-1] if lines else "")
        raise PipelineConfigError(f"{argv[0]}: {detail.split('error: ', 1)[-1] or 'invalid arguments'}") from None
    problem = COMMANDS[argv[0]][0](args)
    if problem:
        raise PipelineConfigError(f"{argv[0]}: {problem}")
    return args


def run_command(argv: Sequence[str], root: Path) -> None:
    """Run the step command ``argv`` (without the program name) with its paths under ``root``."""
    args = parse(argv)
    COMMANDS[args.command][1](args, root)
