r"""Write an :class:`~ics_leadership.qda.model.ImportResult` as canonical coded data, atomically.

Files written into ``--out``:

- ``documents.csv``, ``codings.csv`` (and ``participants.csv`` when the project has cases), in the
  columns of :mod:`ics_leadership.coding.format`;
- ``codebook.csv``: the project's codes (``code`` path, ``parent``, ``description``, ``codable``,
  and how many ``codings`` each has);
- ``corpus.yaml``: the ``format_version`` of the files, where the data came from (``synthetic: false``,
  format, tool, counts) and how they were read (the rules, documents per offset reading and per way
  it was decided, one line per kind of warning); never a ``basePath`` or any absolute path;
- ``notes.csv`` (``import --notes`` only): the project's notes and memos, one row per note and thing
  it is attached to (:mod:`ics_leadership.qda.notes`, which also says what ``--anonymise`` does to them);
- ``import_report.csv``: everything skipped, changed or worth checking, and why: severity ``skipped``
  (data left out), ``warning`` (may be wrong: check; e.g. ``privacy: ...``, offsets read without
  evidence) or ``note``; one row per document says how its offsets were read
  (:mod:`ics_leadership.qda.offsets`).

Code paths are written as :mod:`ics_leadership.coding.codepath` says ("/" between levels, ``\/`` and
``\\`` inside a name), and every text cell as :func:`ics_leadership.core.csvformat.protect` says (a cell a
spreadsheet would run as a formula starts with ``'``): format version 2. With ``--anonymise``
documents, participants and coders are written as pseudonyms (:mod:`ics_leadership.qda.privacy`).

Everything is written to a temporary folder beside ``--out`` and only then renamed into place: a
failed import leaves nothing behind. The tables are canonical by construction (unique document
ids, spans checked against their documents, identical codings removed, attribute values checked
against the schema's columns before they go into one), and :class:`Tables` checks the rules again as
it writes, without pandas, so that a large import stays fast and small in memory; the tests check
every importer's output with :func:`ics_leadership.coding.coded.load_coded`.

This module holds the output folder and its order of work; the pieces live beside it:
:mod:`~ics_leadership.qda.csvwriter` (the tables), :mod:`~ics_leadership.qda.columns` (coder labels,
attribute columns), :mod:`~ics_leadership.qda.provenance` (``corpus.yaml``) and
:mod:`~ics_leadership.qda.import_report` (the report's warnings as lines). Their public names are
importable from here too.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ics_leadership.core.errors import OutputError
from ics_leadership.core.outputs import check_folder, publish_folder
from ics_leadership.qda import privacy
from ics_leadership.qda.columns import UNKNOWN_CODER, coder_labels
from ics_leadership.qda.csvwriter import CODEBOOK_COLUMNS, CODEBOOK_CSV, Tables, _csv_bytes, csv_line
from ics_leadership.qda.errors import OutputExistsError
from ics_leadership.qda.import_report import REPORT_COLUMNS, REPORT_FILE, read_warnings, warning_lines
from ics_leadership.qda.model import ImportResult
from ics_leadership.qda.provenance import corpus_yaml, reading_summary, scrub

__all__ = [
    "CODEBOOK_COLUMNS",
    "CODEBOOK_CSV",
    "KIND",
    "REPORT_COLUMNS",
    "REPORT_FILE",
    "UNKNOWN_CODER",
    "Tables",
    "check_out",
    "coder_labels",
    "corpus_yaml",
    "csv_line",
    "publish",
    "publish_with_key",
    "read_warnings",
    "reading_summary",
    "scrub",
    "warning_lines",
    "write_result",
]


#: The command named in the marker of the folders :func:`publish` writes.
KIND = "import"


def _earlier_import(folder: Path) -> bool:
    """An import written before output folders were marked: it has import_report.csv."""
    return (folder / REPORT_FILE).is_file()


def check_out(out: Path, force: bool) -> None:
    """Refuse an output folder that exists with content, unless ``force`` and it is a previous import
    (the rule of :mod:`ics_leadership.core.outputs`)."""
    try:
        check_folder(out, KIND, force, _earlier_import)
    except OutputError as exc:
        raise OutputExistsError(str(exc)) from None


def publish(out: Path, force: bool, fill: Callable[[Path], None]) -> None:
    """Call ``fill(tmp_dir)`` and move the folder to ``out`` only if it returns without error.

    The folder gets the output marker and a ``.gitignore`` (``*``): imported data are confidential.
    """
    try:
        publish_folder(out, fill, force=force, kind=KIND, gitignore=True, legacy=_earlier_import)
    except OutputError as exc:
        raise OutputExistsError(str(exc)) from None


def write_result(
    result: ImportResult,
    source: Path,
    out: Path,
    force: bool,
    anonymise: bool | tuple[str, ...],
    rules: dict[str, str],
    key: Path | None = None,
    keep_note_text: bool = False,
) -> dict[str, int]:
    """Write ``result`` to ``out`` atomically; return the counts written to corpus.yaml.

    ``anonymise`` is what to write as pseudonyms (see :func:`ics_leadership.qda.privacy.kinds`); ``key``
    a file to create with the pseudonym -> original key, written only if the whole import succeeds;
    ``keep_note_text`` keeps the notes' text under ``--anonymise`` (see :mod:`ics_leadership.qda.notes`).
    """
    tables = Tables(result, anonymise, keep_note_text)

    def fill(tmp: Path) -> None:
        counts = tables.write(tmp)
        warned = read_warnings(tmp)  # as written: with pseudonyms where the import gives them
        (tmp / "corpus.yaml").write_bytes(corpus_yaml(result, source, tables.pseudonyms, rules, counts, warned))

    publish_with_key(out, force, fill, key, tables.pseudonyms)
    return tables.counts


def publish_with_key(
    out: Path, force: bool, fill: Callable[[Path], None], key: Path | None, pseudonyms: privacy.Pseudonyms
) -> None:
    """:func:`publish`, and create the pseudonym key file ``key`` (if given) when the output is complete.

    The key is created (never replaced) once ``fill`` has succeeded, and removed again if the
    output cannot be moved into place: a key without its import would be a stray copy of the names.
    """
    created: list[Path] = []

    def fill_and_key(tmp: Path) -> None:
        fill(tmp)
        if key is not None:
            privacy.write_key(key, _csv_bytes(privacy.KEY_COLUMNS, pseudonyms.key_rows()))
            created.append(key)

    try:
        publish(out, force, fill_and_key)
    except BaseException:
        for path in created:
            path.unlink(missing_ok=True)
        raise
