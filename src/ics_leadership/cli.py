"""The ``ics-leadership`` command (also ``python -m ics_leadership``).

Errors the user can fix are printed as plain messages (no traceback) with exit status 1;
a wrong command line exits with status 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from ics_leadership import __version__, manifest, paths, pipeline
from ics_leadership.errors import CompendiumError
from ics_leadership.qda import cli as qda_cli

DESCRIPTION = """\
Reproducible compendium for Waring et al. (2023), "What can clinical leaders contribute to the
governance of integrated care systems?" (BMJ Leader 7(4):279-284, doi:10.1136/leader-2022-000709).

The raw data in data/raw are the paper's published facts (Table 1 and the study-level numbers,
each with its location in the paper), protected by a SHA-256 manifest. Notebooks listed in
pipeline.yaml are executed with papermill; their executed copies feed a Jupyter Book.
"""

EPILOG = """\
examples:
  ics-leadership check                      verify and validate data/raw
  ics-leadership build                      everything: check, run all notebooks, build the book
  ics-leadership run 01_sample -p derived_dir /tmp/out
                                            run one notebook with a parameter changed
  ics-leadership update-manifest            after a deliberate edit of data/raw

exit status: 0 success, 1 a problem with the data, a notebook or the book (message says which), 2 usage error
"""


def _parse_value(text: str) -> object:
    """Read a -p value as YAML, so numbers, booleans and lists arrive typed (as in papermill -p)."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ics-leadership", description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("check", help="verify data/raw against its manifest and validate every file",
                       description="Verify data/raw against data/raw/MANIFEST, then validate every raw file "
                                   "(types, allowed values, unique ids). Problems name the file, row and field.")
    p.add_argument("--raw-dir", type=Path, default=None, help="raw data folder (default: data/raw)")

    p = sub.add_parser("build", help="check the raw data, run every notebook, build the HTML book",
                       description="Check data/raw, execute the notebooks named in pipeline.yaml in order with "
                                   "papermill, and build the book into book/_build/html. A failing notebook stops "
                                   "the build, naming the notebook and cell; the previous book stays in place.")
    p.add_argument("--config", type=Path, default=None, help="pipeline file (default: pipeline.yaml)")
    p.add_argument("--no-book", action="store_true", help="run the notebooks but do not build the book")

    p = sub.add_parser("run", help="run one notebook, optionally with parameters",
                       description="Execute one notebook from pipeline.yaml with papermill into the book's "
                                   "executed folder. Parameters given with -p override those in pipeline.yaml.")
    p.add_argument("notebook", help="notebook path or name, e.g. notebooks/01_sample.ipynb or 01_sample")
    p.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("NAME", "VALUE"), default=[],
                   help="set a parameter (VALUE is read as YAML: 3, true, text); repeatable")
    p.add_argument("--config", type=Path, default=None, help="pipeline file (default: pipeline.yaml)")

    p = sub.add_parser("update-manifest", help="record new SHA-256 checksums for data/raw (deliberate)",
                       description="Rewrite data/raw/MANIFEST from the files now in data/raw. Do this only after "
                                   "a deliberate, reviewed change to raw data; the raw files are validated first.")
    p.add_argument("--raw-dir", type=Path, default=None, help="raw data folder (default: data/raw)")

    qda_cli.add_parsers(sub)  # import, export-codebook
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command in qda_cli.COMMANDS:
        return qda_cli.run(args)
    try:
        if args.command == "check":
            pipeline.check_raw(args.raw_dir)
        elif args.command == "build":
            root = paths.project_root()
            if args.no_book:
                pipeline.check_raw(root / "data" / "raw")
                pipeline.run_notebooks(pipeline.load_config(args.config), root=root)
            else:
                pipeline.build(root, args.config)
        elif args.command == "run":
            config = pipeline.load_config(args.config)
            params = {name: _parse_value(value) for name, value in args.parameter}
            done = pipeline.run_notebooks(config, only=[args.notebook], extra_parameters=params)
            print(f"Executed copy: {paths.display_path(done[0])}")
        elif args.command == "update-manifest":
            from ics_leadership import raw

            raw_dir = args.raw_dir or paths.raw_dir()
            raw.load_raw(raw_dir)  # never record checksums of invalid data
            path = manifest.write(raw_dir)
            print(f"Wrote {paths.display_path(path)} ({len(manifest.read(raw_dir))} files)")
    except CompendiumError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0
