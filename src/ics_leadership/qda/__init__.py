"""Import coded data from qualitative-analysis tools, and export a codebook to them.

One module per concern:

- :mod:`~ics_leadership.qda.safety`     safe reading of untrusted input, the one place importers take it from:

  - :mod:`~ics_leadership.qda.limits`       the caps (``Limits``), the byte budget and the counting stream
  - :mod:`~ics_leadership.qda.sizes`        sizes and ratios as typed (``--max-size 2GiB``) and shown
  - :mod:`~ics_leadership.qda.archive`      zip archives checked member by member, never extracted (no zip-slip)
  - :mod:`~ics_leadership.qda.confine`      files a project names, read only inside one folder
  - :mod:`~ics_leadership.qda.safexml`      hardened XML parsing (no XXE, no entity expansion)
- :mod:`~ics_leadership.qda.model`      what importers produce; checking spans
- :mod:`~ics_leadership.qda.offsets`    how a tool counted offsets (UTF-16 or code points, CR LF), decided per document,
  from :mod:`~ics_leadership.qda.readings` (the four readings, tools' priors, conversion) and
  :mod:`~ics_leadership.qda.boundaries` (selection boundaries as evidence, the script table)
- :mod:`~ics_leadership.qda.refi`       REFI-QDA ``.qdpx``/``.qde``/``.qdc`` (NVivo, ATLAS.ti, MAXQDA, ...), with
  :mod:`~ics_leadership.qda.refi_sources`, :mod:`~ics_leadership.qda.refi_codebook`,
  :mod:`~ics_leadership.qda.refi_notes`, :mod:`~ics_leadership.qda.refi_locator` and
  :mod:`~ics_leadership.qda.refi_xml`
- :mod:`~ics_leadership.qda.qualcoder`  QualCoder ``.qda`` projects (SQLite), its memos in
  :mod:`~ics_leadership.qda.qualcoder_memos`
- :mod:`~ics_leadership.qda.taguette`   Taguette highlights (CSV/XLSX) and codebook exports
- :mod:`~ics_leadership.qda.canonical`  the canonical CSVs themselves, validated and copied
- :mod:`~ics_leadership.qda.writer`     the atomic output folder, writing:

  - :mod:`~ics_leadership.qda.csvwriter`      the canonical tables as CSV
  - :mod:`~ics_leadership.qda.columns`        coder labels and attribute columns
  - :mod:`~ics_leadership.qda.notes`          ``notes.csv`` (``--notes``) and what anonymising does to it
  - :mod:`~ics_leadership.qda.provenance`     ``corpus.yaml``
  - :mod:`~ics_leadership.qda.import_report`  the import report's columns, its warnings as terminal lines
- :mod:`~ics_leadership.qda.privacy`    pseudonyms (``--anonymise``), the key file, privacy warnings
- :mod:`~ics_leadership.qda.export`     any codebook (a tree of :class:`~.export.Code`) as a REFI-QDA ``.qdc``
- :mod:`~ics_leadership.qda.cli`        the ``import`` command

:func:`import_project` is the entry point.
"""

from __future__ import annotations

import gc
from pathlib import Path

from ics_leadership.qda import privacy
from ics_leadership.qda.errors import ImportFormatError, OutputExistsError, QDAImportError, UnsafeInputError
from ics_leadership.qda.notes import check_note_options, record_notes
from ics_leadership.qda.safety import Limits

FORMATS = ("refi", "qualcoder", "taguette", "csv")

__all__ = [
    "FORMATS",
    "ImportFormatError",
    "Limits",
    "OutputExistsError",
    "QDAImportError",
    "UnsafeInputError",
    "detect_format",
    "import_project",
]

_RULES = {
    "offsets": (
        "code points of each document's plain text exactly as stored (a CR LF is two), 0-based, end "
        "exclusive; n_chars is the text's length in code points"
    ),
    "offset_reading": (
        "per document, the tool's offsets are read as code points or UTF-16 code units, each with CR "
        "LF as one or two, and converted to code points. Where the readings differ, a reading that "
        "places a selection past the end is set aside; then the readings matching most of the "
        "excerpts the tool recorded (selection names that are the text, QualCoder's seltext) are "
        "kept; then the one putting clearly fewest selection boundaries inside words decides (at "
        "least 20 informative boundaries; boundaries next to scripts written without spaces carry "
        "no evidence); else the exporting tool's known convention (NVivo: UTF-16, CR LF as two); "
        "else code points, with a warning. import_report.csv says which reading each document used "
        "and why, and warns where more than 10% of boundaries (two at least) still fall inside "
        "words; documents whose text is missing keep their offsets as exported (reading unknown, "
        "with a warning)"
    ),
    "excerpts": (
        "the coded text; where the source text is missing, the selection's name if it looks like "
        "the text (as long as the span, or cut short with an ellipsis), else blank"
    ),
    "code_paths": (
        "a code's ancestors and its name joined with '/'; a '/' inside a name is written '\\/' and a backslash '\\\\'"
    ),
    "text_cells": (
        "a text cell that starts with = + - @, a tab, a CR or ' is written with one ' in front "
        "(not a cell that is just a number, such as -3), so that spreadsheets show it as text"
    ),
}


WITHHELD = "withheld (import --no-excerpts): the excerpt column is empty"


def detect_format(path: Path) -> str:
    """Tell the format of ``path`` from its name, its contents' first bytes, or a CSV header."""
    from ics_leadership.qda import taguette

    path = Path(path)
    if path.is_dir():
        if (path / "documents.csv").is_file() and (path / "codings.csv").is_file():
            return "csv"
        if (path / "data.qda").is_file():
            return "qualcoder"
        if taguette.find_highlights(path) is not None:
            return "taguette"
        raise ImportFormatError(
            f"{path}: cannot tell the format of this folder (expected documents.csv and "
            f"codings.csv, QualCoder's data.qda, or a Taguette highlights export); use --format"
        )
    if not path.is_file():
        raise ImportFormatError(f"{path}: not found")
    suffix = path.suffix.lower()
    if suffix in (".qdpx", ".qde", ".qdc"):
        return "refi"
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise ImportFormatError(f"{path}: cannot be read ({exc.strerror})") from None
    if head.startswith(b"SQLite format 3"):
        return "qualcoder"
    if suffix == ".csv" and path.name.lower() in ("documents.csv", "codings.csv"):
        return "csv"
    if suffix in (".csv", ".xlsx") and taguette.is_highlights(path):
        return "taguette"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return "refi"
    raise ImportFormatError(
        f"{path}: cannot tell the format from the name or contents; use --format ({', '.join(FORMATS)})"
    )


def import_project(
    path: Path | str,
    out: Path | str,
    fmt: str | None = None,
    anonymise: bool | str | tuple[str, ...] = False,
    force: bool = False,
    limits: Limits | None = None,
    *,
    sources: Path | str | None = None,
    excerpts: bool = True,
    anonymise_key: Path | str | None = None,
    notes: bool = False,
    keep_note_text: bool = False,
) -> dict[str, int]:
    """Import a project into canonical coded data in ``out``.

    Parameters
    ----------
    path
        A ``.qdpx``, ``.qde`` or ``.qdc`` file; a QualCoder ``.qda`` folder (or its ``data.qda``);
        a Taguette highlights export (CSV/XLSX, or the folder holding it and ``codebook.csv``); or
        a folder of canonical CSVs.
    out
        Folder to create. It must not exist or be empty; with ``force`` a previous import there is
        replaced. Nothing is written unless the import succeeds.
    fmt
        ``"refi"``, ``"qualcoder"``, ``"taguette"`` or ``"csv"``; detected from ``path`` if None.
    anonymise
        ``True``: write coders, documents and participants as pseudonyms (``coder_1``, ``document_1``,
        ``participant_1``, ...); or name some of them (``"coders"``, ``("coders", "documents")``).
        Pseudonyms follow the tool's identifiers, so the same project gives the same ones.
    anonymise_key
        A new file, outside ``out``, to receive the pseudonym -> original key (CSV); none is written
        without it.
    limits
        Safety caps (defaults: 2 GiB uncompressed, 100:1 per archive member).
    sources
        Folder holding the files a REFI-QDA project names with ``relative://`` paths. They are read
        from here only (never against the project's ``basePath``, never outside this folder); when
        None they are not read and the report says so.
    excerpts
        False leaves the ``excerpt`` column of codings.csv empty (excerpts are the confidential
        interview text); ``corpus.yaml`` records that they were withheld.
    notes
        True also writes ``notes.csv``, the project's notes and memos (REFI-QDA and QualCoder; see
        :mod:`ics_leadership.qda.notes`). Off by default: memos are confidential free text. Without
        it nothing of the notes is written but their number (report, ``corpus.yaml``).
    keep_note_text
        With ``notes`` and an ``anonymise`` that covers documents or cases: keep the notes' titles
        and text (known names replaced by pseudonyms), which are otherwise left empty.

    Returns
    -------
    dict
        Counts written to ``corpus.yaml`` (documents, codings, codes, coders, participants, ...,
        ``warnings``: the report's rows of severity ``warning``, such as offsets read without
        evidence or a document's text missing; the command prints them; ``notes`` with ``notes``),
        plus, not in ``corpus.yaml``, ``relative_sources_not_read`` when REFI-QDA sources were left
        unread for want of ``sources`` and ``notes_not_imported`` when the project has notes and
        ``notes`` is False.

    Raises
    ------
    QDAImportError
        :class:`UnsafeInputError`, :class:`ImportFormatError` or :class:`OutputExistsError`, with a
        one-line message naming the file and the member or element.
    """
    path, out = Path(path), Path(out)
    limits = limits or Limits()
    if not path.exists():
        raise ImportFormatError(f"{path}: not found")
    fmt = fmt or detect_format(path)
    if fmt not in FORMATS:
        raise ImportFormatError(f"unknown format '{fmt}' (one of: {', '.join(FORMATS)})")
    shown = str(path)
    if out.absolute() == path.absolute() or path.absolute() in out.absolute().parents:
        raise OutputExistsError(f"{out}: the output folder may not be the input or inside it")
    if sources is not None:
        sources = Path(sources)
        if fmt != "refi":
            raise ImportFormatError(
                f"{sources}: --sources is for REFI-QDA projects (files named by relative:// "
                f"paths); a {fmt} import reads no other files"
            )
        if not sources.is_dir():
            raise ImportFormatError(f"{sources}: --sources must be an existing folder")
    try:
        anonymise = privacy.kinds(anonymise)
    except ValueError as exc:
        raise ImportFormatError(f"anonymise: {exc}") from None
    key = Path(anonymise_key) if anonymise_key is not None else None
    privacy.check_key_path(key, out, anonymise)  # fail before the work, not after
    check_note_options(fmt, notes, keep_note_text, anonymise)
    # The importer allocates hundreds of thousands of short-lived, acyclic objects (elements, spans,
    # tuples); pausing the cyclic garbage collector meanwhile saves about a tenth of the run time.
    # Reference counting still frees everything as it goes.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _run(path, out, fmt, shown, anonymise, force, limits, sources, excerpts, key, notes, keep_note_text)
    finally:
        if was_enabled:
            gc.enable()


def _run(
    path: Path,
    out: Path,
    fmt: str,
    shown: str,
    anonymise: tuple[str, ...],
    force: bool,
    limits: Limits,
    sources: Path | None,
    excerpts: bool,
    key: Path | None,
    notes: bool = False,
    keep_note_text: bool = False,
) -> dict[str, int]:
    """The import itself (see :func:`import_project`)."""
    from ics_leadership.qda import writer

    writer.check_out(out.absolute(), force)  # fail before the work, not after
    if fmt == "csv":
        from ics_leadership.qda.canonical import import_canonical

        return import_canonical(path, shown, out, force, anonymise, key, excerpts=excerpts, limits=limits)
    if fmt == "refi":
        from ics_leadership.qda.refi import import_refi

        if path.is_dir():
            raise ImportFormatError(f"{path}: a folder; give the .qdpx or .qde file")
        result = import_refi(path, shown, limits, sources, notes)
        source = path
    elif fmt == "qualcoder":
        from ics_leadership.qda.qualcoder import database_of, import_qualcoder

        result = import_qualcoder(path, shown, limits, notes)
        source = database_of(path)
    else:
        from ics_leadership.qda.taguette import find_highlights, import_taguette

        result = import_taguette(path, shown, limits)
        source = find_highlights(path) or path if path.is_dir() else path
    rules = dict(_RULES)
    if fmt == "qualcoder":
        rules["excerpts"] = "the coded text, from the source's fulltext"
        if path.is_dir():
            result.meta["file"] = f"{path.name}/{source.name}"
    if fmt == "taguette":
        del rules["offset_reading"]
        rules["offsets"] = "as exported (the export has no text to read them against)"
        rules["excerpts"] = "the highlight's content, as Taguette exported it"
        if result.meta.get("synthetic_offsets"):
            rules["offsets"] = (
                "synthetic: the export has no offsets; each document is its highlights' contents "
                "in export order separated by a blank line, and spans point into that text"
            )
    not_read = result.meta.pop("relative_not_read", 0)
    if fmt == "refi":
        rules["relative_sources"] = (
            "read from the folder given with --sources (its location is not recorded)"
            if sources is not None
            else f"not read: {not_read} sources name files by relative:// paths; import again with --sources DIR"
            if not_read
            else "none"
        )
    if not excerpts:
        rules["excerpts"] = WITHHELD
        result.codings[:] = [row[:5] + ("",) for row in result.codings]
    rules["excerpts_withheld"] = not excerpts
    not_imported = record_notes(result, fmt, rules, anonymise, keep_note_text)
    privacy.warn(result)
    counts = writer.write_result(result, source, out, force, anonymise, rules, key, keep_note_text)
    extra = {"relative_sources_not_read": not_read, "notes_not_imported": not_imported}
    return {**counts, **{k: v for k, v in extra.items() if v}}
