"""The ``import`` subcommand.

:func:`add_parsers` registers it on the main parser's subparsers; :func:`run` executes it. The
main command prints any error in one line and exits with 1 (:func:`ics_leadership.core.errors.error_lines`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

COMMANDS = ("import",)

IMPORT_DESCRIPTION = """\
Import coded data from a qualitative-analysis tool into canonical coded data: documents.csv,
codings.csv (one row per code applied to a span by a coder), codebook.csv, participants.csv (when
the project has cases), corpus.yaml (provenance, counts) and import_report.csv (what was skipped
or may be wrong, and why: picture, audio, video and PDF-region selections, empty selections, missing
source files, how each document's offsets were read).

Formats (detected from PATH unless --format is given):
  refi       REFI-QDA .qdpx archive or bare .qde (NVivo, ATLAS.ti, MAXQDA, ...), or a .qdc codebook
  qualcoder  a QualCoder project folder NAME.qda (or its data.qda), read-only
  taguette   a Taguette highlights export (CSV or XLSX), with codebook.csv beside it
  csv        a folder of canonical documents.csv and codings.csv: validated and written again
             in the current format (format_version 2)

Codes are written as their full path in the project's codebook ("Parent/Child"; a "/" inside a
name is written "\\/" and a backslash "\\\\", so "yes/no" stays one code). To analyse them, map
them onto the compendium's codes with a mapping file (see ics_leadership.coding.mapping).
Confidential data: --anonymise writes documents, cases and coders as pseudonyms (document_1,
participant_1, coder_1, ...; the same ones on every import of the project), and --no-excerpts
leaves the coded text out. The key from pseudonyms to names is written only with --anonymise-key,
to a new file outside --out. Document names and code descriptions holding a file path or a user
name are reported as privacy warnings.

Notes and memos: --notes also writes notes.csv, one row per note and what it is attached to (the
project, a document, a selection or coding with its span in the same code points as codings.csv, a
code, a case; "none" for a free memo, "other" for something not imported): note_id, title, author,
created, attached_to, via, document_id, start, end, code, participant_id, description, text. It
reads REFI-QDA Notes (NoteRef and Link attachments) and QualCoder's memos, annotations and journal.
It is off by default because memos are confidential free text; without it the report and corpus.yaml
only say how many notes the project has. With --anonymise, authors, documents and cases in notes.csv
are the same pseudonyms as elsewhere, and the notes' titles, descriptions and text are left empty
(free text names people no pseudonym can cover) unless --keep-note-text is given.

Offsets: tools count positions differently (NVivo: UTF-16 code units, a CR LF as two; others code
points, or a CR LF as one). For each document the importer decides from the selections themselves
(the excerpts the tool recorded, or the reading that puts clearly fewest selection boundaries inside
words), else from the exporting tool, else reads code points with a warning; it writes offsets,
n_chars and excerpts in code points of the text as stored. import_report.csv gives each document's
reading and why; warnings (reading chosen without evidence, many boundaries inside words, source
text missing) are also printed, one line each, naming the documents.

Input is treated as untrusted: no XML entities or DTDs, archives are never extracted, sizes are
capped (--max-size, --max-ratio), and no file outside the project is read except from the folder
given with --sources. Nothing is written under --out unless the import succeeds. --out must be new
or empty (--force replaces only an earlier import); it gets a .gitignore holding "*", since coded
data are confidential: keep them under data/coded/, which git ignores.
"""

IMPORT_EPILOG = """\
examples:
  ics-leadership import study.qdpx --out data/coded/study
  ics-leadership import study.qde --sources exports/texts --no-excerpts --out data/coded/study
  ics-leadership import "Interviews.qda" --out data/coded/qc --anonymise-coders
  ics-leadership import study.qdpx --out data/coded/shared --anonymise --anonymise-key ~/private/study-key.csv
  ics-leadership import study.qdpx --out data/coded/study --notes
  ics-leadership import exports/all_tags.csv --format taguette --out data/coded/tg
  ics-leadership export-codebook --out data/coded/codebook.qdc
"""


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Register ``import`` on the main command's subparsers."""
    p = subparsers.add_parser(
        "import",
        help="import coded data (REFI-QDA .qdpx/.qde, QualCoder, Taguette, canonical CSV)",
        description=IMPORT_DESCRIPTION,
        epilog=IMPORT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("path", type=Path, metavar="PATH", help="project file or folder to import")
    p.add_argument(
        "--out", type=Path, required=True, metavar="DIR", help="folder to write (must not exist or be empty)"
    )
    p.add_argument(
        "--format",
        choices=("refi", "qualcoder", "taguette", "csv"),
        default=None,
        help="input format (default: detected from PATH)",
    )
    p.add_argument(
        "--anonymise",
        action="store_true",
        help="write documents, cases and coders as document_1, participant_1, coder_1, ... (stable: "
        "ordered by the tool's ids); excerpts are kept (see --no-excerpts); with --notes the notes' text is "
        "left out (see --keep-note-text)",
    )
    p.add_argument(
        "--anonymise-coders",
        action="store_true",
        help="write coders only as coder_1, coder_2, ... (stable: ordered by user GUID or name)",
    )
    p.add_argument(
        "--anonymise-key",
        type=Path,
        default=None,
        metavar="FILE",
        help="also write the pseudonym -> original key as CSV to FILE (a new file outside --out); "
        "without it no key is written",
    )
    p.add_argument("--force", action="store_true", help="replace --out if it holds a previous import")
    p.add_argument(
        "--sources",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder holding the source files a REFI-QDA project names by relative:// paths (files "
        "kept outside the .qdpx); they are read from DIR only, never from the project's basePath, "
        "and nothing outside DIR is read (no '..', no links out). Without it such sources are not "
        "read: their codings are kept without excerpts and import_report.csv lists them",
    )
    p.add_argument(
        "--no-excerpts",
        dest="excerpts",
        action="store_false",
        help="leave the excerpt column of codings.csv empty (excerpts are the interview text, often "
        "confidential); corpus.yaml records that they were withheld",
    )
    p.add_argument(
        "--notes",
        action="store_true",
        help="also write notes.csv: the project's notes and memos (REFI-QDA Notes; QualCoder's memos, "
        "annotations and journal), one row per note and thing it is attached to. Off by default: memos are "
        "confidential free text, often naming people; without it only their number is reported. Not for "
        "Taguette exports or canonical CSVs, which hold none",
    )
    p.add_argument(
        "--keep-note-text",
        action="store_true",
        help="with --notes --anonymise: keep the notes' titles, descriptions and text, which --anonymise "
        "otherwise leaves empty. Names of coders, documents and cases are replaced by their pseudonyms, but "
        "any other name in the free text stays (the report warns): read notes.csv before sharing it",
    )
    p.add_argument(
        "--max-size",
        default="2GiB",
        metavar="SIZE",
        help="cap on data read, uncompressed: archive members, source files, QualCoder texts "
        "(default: 2GiB; must be above 0)",
    )
    p.add_argument(
        "--max-ratio",
        default="100",
        metavar="N",
        help="cap on an archive member's compression ratio (default: 100, i.e. 100:1; a finite number, at least 1)",
    )


def run(args: argparse.Namespace) -> int:
    """Run ``args.command`` and return 0; errors propagate to :func:`ics_leadership.cli.main`, which
    prints them as one line (exit status 1)."""
    if args.command == "import":
        return _import(args)
    raise ValueError(f"not a qda command: {args.command}")


def _import(args: argparse.Namespace) -> int:
    from ics_leadership.qda import Limits, import_project
    from ics_leadership.qda.errors import QDAImportError
    from ics_leadership.qda.safety import parse_ratio, parse_size

    # Checked before any work; a bad value is one line naming the option, exit 1 (as for a bad file).
    caps = {}
    for option, value, parse in (
        ("--max-size", args.max_size, parse_size),
        ("--max-ratio", args.max_ratio, parse_ratio),
    ):
        try:
            caps[option] = parse(value)
        except ValueError as exc:
            raise QDAImportError(f"{option}: {exc}") from None
    limits = Limits(max_total_bytes=caps["--max-size"], max_ratio=caps["--max-ratio"])
    anonymise = True if args.anonymise else ("coders" if args.anonymise_coders else False)
    counts = import_project(
        args.path,
        args.out,
        fmt=args.format,
        anonymise=anonymise,
        force=args.force,
        limits=limits,
        sources=args.sources,
        excerpts=args.excerpts,
        anonymise_key=args.anonymise_key,
        notes=args.notes,
        keep_note_text=args.keep_note_text,
    )
    from ics_leadership.qda.writer import read_warnings

    for line in read_warnings(args.out):
        print(f"warning: {line}", file=sys.stderr)
    skipped, warned = counts.get("skipped_items", 0), counts.get("warnings", 0)
    told = [f"{skipped} items skipped" if skipped else "", f"{warned} warnings" if warned else ""]
    told = ", ".join(t for t in told if t)
    notes = f", {counts['notes']} notes" if "notes" in counts else ""
    print(
        f"Imported {counts['documents']} documents, {counts['codings']} codings, {counts['codes']} codes, "
        f"{counts['coders']} coders{notes} into {args.out}" + (f"; {told} (see import_report.csv)" if told else "")
    )
    not_read = counts.get("relative_sources_not_read", 0)
    if not_read:
        print(
            f"note: {not_read} source{'s' if not_read > 1 else ''} name{'' if not_read > 1 else 's'} a file "
            f"outside the project (relative://) and {'were' if not_read > 1 else 'was'} not read; give --sources "
            f"DIR to read them",
            file=sys.stderr,
        )
    left = counts.get("notes_not_imported", 0)
    if left:
        print(
            f"note: the project has {left} note{'s' if left > 1 else ''} (memos), not imported: they are "
            f"confidential free text; give --notes to write them to notes.csv",
            file=sys.stderr,
        )
    return 0
