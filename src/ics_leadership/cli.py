"""The ``ics-leadership`` command (also ``python -m ics_leadership``).

Errors the user can fix are printed as plain messages (no traceback) with exit status 1;
a wrong command line exits with status 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from ics_leadership import __version__, manifest, paths
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
  ics-leadership synthesise --out data/derived/synthetic --seed 7
                                            write the synthetic demonstration corpus
  ics-leadership summarise data/derived/synthetic --out /tmp/summary
                                            theme coding summaries of coded data as CSV
  ics-leadership pdf                        the whole report as book/_build/pdf/compendium.pdf

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
    p = sub.add_parser("synthesise", help="write the synthetic demonstration corpus (canonical coded data)",
                       description="Generate the synthetic demonstration corpus from data/raw (Table 1 roster, study "
                                   "facts, codebook, synthetic_assumptions.yaml) and write documents.csv, codings.csv, "
                                   "participants.csv and corpus.yaml. The same seed gives identical files. The corpus "
                                   "contains no text and no quotations.")
    p.add_argument("--out", type=Path, required=True, help="output folder (replaced whole)")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: the assumptions file's)")
    p.add_argument("--double-coded-share", type=float, default=None, help="share of documents coded twice (0-1)")
    p.add_argument("--agreement", type=float, default=None, help="probability the second coder agrees (0-1)")

    p = sub.add_parser("summarise", help="theme coding summaries of coded data, as CSV files",
                       description="Run the analyses of notebook 02 on a folder of canonical coded data and write "
                                   "frequencies, prevalence (Wilson 95%% intervals), association, co-occurrence, "
                                   "agreement (kappa, Krippendorff's alpha), saturation and claims as CSV files. "
                                   "Every file's first column says whether the data are synthetic.")
    p.add_argument("coded_dir", type=Path, help="folder with documents.csv and codings.csv")
    p.add_argument("--out", type=Path, required=True, help="folder for the CSV files")
    p.add_argument("--mapping", type=Path, default=None, help="YAML mapping of project codes to compendium codes")
    p.add_argument("--coder", default=None, help="coder whose codings are counted (default: the one with most)")
    p.add_argument("--base-size", type=int, default=4, help="saturation base size (default 4)")
    p.add_argument("--run-length", type=int, default=2, help="saturation run length (default 2)")
    p.add_argument("--threshold", type=float, default=0.05, help="new-information threshold (default 0.05)")

    qda_cli.add_parsers(sub)  # import, export-codebook
    p = sub.add_parser("pdf", help="the whole report as one PDF (after `build`)",
                       description="Render the book from the executed notebooks in book/notebooks (run `build` "
                                   "first) as one page and print it with headless chromium (Debian's, or $CHROMIUM): "
                                   "A4, title page, page numbers. Works offline; the previous PDF stays in place "
                                   "if anything fails.")
    p.add_argument("--out", type=Path, default=None,
                   help="where to write the PDF (default: book/_build/pdf/compendium.pdf)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command in qda_cli.COMMANDS:
        return qda_cli.run(args)
    # Imported here, not at the top: the pipeline loads pandas and papermill, which the importer
    # (above) does not need and which would double its start-up time and memory.
    from ics_leadership import pipeline

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
        elif args.command == "synthesise":
            from ics_leadership import synthetic

            for name in ("double_coded_share", "agreement"):
                value = getattr(args, name)
                if value is not None and not 0 <= value <= 1:
                    print(f"error: --{name.replace('_', '-')} must be between 0 and 1, got {value}", file=sys.stderr)
                    return 2
            out = synthetic.write(args.out, seed=args.seed, double_coded_share=args.double_coded_share,
                                  agreement=args.agreement)
            print(f"Wrote the synthetic demonstration corpus to {paths.display_path(out)}")
        elif args.command == "pdf":
            from ics_leadership import pdf

            pdf.build_pdf(out=args.out.resolve() if args.out else None)
        elif args.command == "summarise":
            from ics_leadership import summarise

            if args.base_size < 1 or args.run_length < 1 or not 0 <= args.threshold <= 1:
                print("error: --base-size and --run-length must be at least 1 and --threshold between 0 and 1",
                      file=sys.stderr)
                return 2

            print(f"Summarising {paths.display_path(args.coded_dir)} ...", flush=True)
            result = summarise.summarise(args.coded_dir, args.mapping, args.coder, args.base_size,
                                         args.run_length, args.threshold)
            written = summarise.write_summary(result, args.out)
            print(f"{result.data_source}: wrote {len(written)} tables to {paths.display_path(args.out)}")
            for note in result.notes:
                print(f"note: {note}")
    except CompendiumError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0
