"""Canonical coded data: a folder with ``documents.csv``, ``codings.csv`` and optionally
``participants.csv`` and ``corpus.yaml``.

This is the form every importer writes and every analysis reads. :func:`load_coded` validates the
tables one by one (types, allowed values) and then against each other and the codebook (unknown
document, participant or code; a span that ends before it starts or runs past its document;
duplicate codings), naming file, row and field for every problem.

``corpus.yaml`` describes where the data came from. When it says ``synthetic: true`` the data are
the synthetic demonstration corpus, and everything computed from them must say so. Its
``format_version`` (absent: 1) says how code paths and text cells are written
(:mod:`ics_leadership.core.csvformat`, :mod:`ics_leadership.coding.codepath`); code paths are kept as written.
Its fields are described, and checked, by ``schemas/corpus.schema.json``: a key it does not know is an
error, since a misspelt ``synthetic`` would otherwise be silently ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ics_leadership.coding import codepath
from ics_leadership.coding.format import CODED_PARTICIPANTS, CODINGS, DOCUMENTS
from ics_leadership.core import paths
from ics_leadership.core.csvformat import read_version
from ics_leadership.core.errors import DataValidationError, Problem
from ics_leadership.core.schema import read_table
from ics_leadership.core.yamlschema import read_document, schema_problems
from ics_leadership.facts.codebook import Codebook, load_codebook

CORPUS_FILE = "corpus.yaml"
#: What every table, figure and file computed from synthetic data says (``corpus.yaml``: ``synthetic: true``).
SYNTHETIC_LABEL = "Synthetic demonstration data"


@dataclass
class CodedData:
    """Validated coded data, with document attributes resolved from participants."""

    documents: pd.DataFrame
    codings: pd.DataFrame
    participants: pd.DataFrame | None
    directory: Path
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def synthetic(self) -> bool:
        return bool(self.metadata.get("synthetic", False))

    @property
    def format_version(self) -> int:
        """1 for folders written before code-path escapes and protected cells (no ``format_version``)."""
        return int(self.metadata.get("format_version", 1))

    @property
    def description(self) -> str:
        return str(self.metadata.get("description", f"coded data in {paths.display_path(self.directory)}"))

    def codings_with_attributes(self) -> pd.DataFrame:
        """Codings joined with their document's participant, source type, site, level and stage."""
        cols = ["document_id", "participant_id", "source_type", "site", "level", "stage", "sequence"]
        return self.codings.merge(self.documents[cols], on="document_id", how="left", validate="many_to_one")


def load_coded(directory: Path | str, codebook: Codebook | None = None, check_codes: bool = True) -> CodedData:
    """Load and validate a folder of canonical coded data.

    Parameters
    ----------
    directory
        Folder with ``documents.csv`` and ``codings.csv`` (and optionally ``participants.csv``,
        ``corpus.yaml``).
    codebook
        Codes must be in this codebook (default: the compendium's). Apply a mapping first when the
        codes are a project's own (see :mod:`ics_leadership.coding.mapping`).
    check_codes
        Set to False to validate structure only (for data whose codes are still to be mapped).

    Raises
    ------
    DataValidationError
        Every problem found, each naming file, row and field; a file that is a symbolic link is
        refused, not followed.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise DataValidationError([Problem(paths.display_path(directory), "coded-data folder not found")])
    problems: list[Problem] = []
    # A link in a folder someone sent could point at any file on this machine: never followed.
    for name in (DOCUMENTS.name, CODINGS.name, CODED_PARTICIPANTS.name, CORPUS_FILE):
        if (directory / name).is_symlink():
            problems.append(
                Problem(
                    paths.display_path(directory / name),
                    "is a symbolic link, which is never followed (copy the file itself into the folder)",
                )
            )
    if problems:
        raise DataValidationError(problems)
    metadata = _read_metadata(directory, problems)  # first: its format_version says how to read the tables
    version = read_version(metadata)
    tables: dict[str, pd.DataFrame | None] = {}
    for key, schema, required in (
        ("documents", DOCUMENTS, True),
        ("codings", CODINGS, True),
        ("participants", CODED_PARTICIPANTS, False),
    ):
        path = directory / schema.name
        if not path.exists() and not required:
            tables[key] = None
            continue
        try:
            tables[key] = read_table(path, schema, version)
        except DataValidationError as exc:
            problems.extend(exc.problems)
    if problems:
        raise DataValidationError(problems)

    documents, codings, participants = tables["documents"], tables["codings"], tables["participants"]
    _check_references(directory, documents, codings, participants, problems)
    if version >= 2:
        _check_code_paths(directory, codings, problems)
    if check_codes:
        codebook = codebook or load_codebook()
        known = set(codebook.codes)
        shown = paths.display_path(directory / CODINGS.name)
        # One problem per unknown code (with its count), not one per row: a fresh import of a
        # project's own codes would otherwise list every coding.
        unknown: dict[str, list[int]] = {}
        for row, code in enumerate(codings["code"], start=1):
            if code not in known:
                unknown.setdefault(code, []).append(row)
        for code, rows in unknown.items():
            n = len(rows)
            problems.append(
                Problem(
                    shown,
                    f"unknown code '{code}' ({n} coding{'s' if n != 1 else ''}; not in the "
                    f"codebook): map it to a compendium code with a mapping file "
                    f"(--mapping, or the notebooks' mapping parameter)",
                    row=rows[0],
                    field="code",
                )
            )
    if problems:
        raise DataValidationError(problems)
    documents = _resolve_attributes(documents, participants)
    return CodedData(
        documents=documents, codings=codings, participants=participants, directory=directory, metadata=metadata
    )


def _check_code_paths(directory: Path, codings: pd.DataFrame, problems: list[Problem]) -> None:
    """In format version 2 a backslash in a code path must be an escape (see :mod:`ics_leadership.coding.codepath`)."""
    shown = paths.display_path(directory / CODINGS.name)
    for row, code in enumerate(codings["code"], start=1):
        if "\\" in code:
            try:
                codepath.split(code)
            except ValueError as exc:
                problems.append(Problem(shown, str(exc), row=row, field="code"))


def _read_metadata(directory: Path, problems: list[Problem]) -> dict[str, Any]:
    """``corpus.yaml`` checked against ``schemas/corpus.schema.json`` (``{}`` when there is none).

    Its problems join ``problems``; what it holds is returned even then, so that a valid
    ``format_version`` still says how to read the tables and their problems are listed too.
    """
    path = directory / CORPUS_FILE
    if not path.is_file():
        return {}
    try:
        doc = read_document(path)
    except DataValidationError as exc:
        problems.extend(exc.problems)
        return {}
    problems.extend(schema_problems(doc, "corpus"))
    return doc.data if isinstance(doc.data, dict) else {}


def _check_references(
    directory: Path,
    documents: pd.DataFrame,
    codings: pd.DataFrame,
    participants: pd.DataFrame | None,
    problems: list[Problem],
) -> None:
    docs_file = paths.display_path(directory / DOCUMENTS.name)
    codings_file = paths.display_path(directory / CODINGS.name)
    if participants is not None:
        known_people = set(participants["participant_id"])
        for row, pid in enumerate(documents["participant_id"], start=1):
            if pd.notna(pid) and pid not in known_people:
                problems.append(
                    Problem(
                        docs_file,
                        f"unknown participant '{pid}' (not in participants.csv)",
                        row=row,
                        field="participant_id",
                    )
                )
    length = dict(zip(documents["document_id"], documents["n_chars"]))
    seen: dict[tuple, int] = {}
    for row, rec in enumerate(codings.itertuples(index=False), start=1):
        if rec.document_id not in length:
            problems.append(
                Problem(
                    codings_file,
                    f"unknown document '{rec.document_id}' (not in documents.csv)",
                    row=row,
                    field="document_id",
                )
            )
            continue
        if rec.end <= rec.start:
            problems.append(
                Problem(codings_file, f"end ({rec.end}) is not after start ({rec.start})", row=row, field="end")
            )
        elif rec.end > length[rec.document_id]:
            problems.append(
                Problem(
                    codings_file,
                    f"span [{rec.start}, {rec.end}) goes beyond the end of document '{rec.document_id}' "
                    f"({length[rec.document_id]} characters)",
                    row=row,
                    field="end",
                )
            )
        key = (rec.document_id, rec.start, rec.end, rec.code, rec.coder)
        first = seen.setdefault(key, row)
        if first != row:
            problems.append(
                Problem(codings_file, f"duplicate coding (same document, span, code and coder as row {first})", row=row)
            )


def _resolve_attributes(documents: pd.DataFrame, participants: pd.DataFrame | None) -> pd.DataFrame:
    """Fill a document's blank site or level from its participant, and add the participant's group."""
    docs = documents.copy()
    for col in ("site", "level", "stage", "sequence"):
        if col not in docs:
            docs[col] = pd.array([None] * len(docs), dtype="Int64" if col == "sequence" else "string")
    if participants is not None:
        people = participants.set_index("participant_id")
        for col in ("site", "level"):
            from_person = docs["participant_id"].map(people[col]) if col in people else None
            if from_person is not None:
                docs[col] = docs[col].fillna(from_person.astype("string"))
        if "group" in people:
            docs["group"] = docs["participant_id"].map(people["group"]).astype("string")
    if "group" not in docs:
        docs["group"] = pd.array([None] * len(docs), dtype="string")
    # Without a stated order, documents count in file order.
    docs["sequence"] = docs["sequence"].fillna(pd.Series(range(1, len(docs) + 1), index=docs.index)).astype("Int64")
    return docs
