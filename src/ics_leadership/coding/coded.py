"""Canonical coded data: a folder with ``documents.csv``, ``codings.csv`` and optionally
``participants.csv`` and ``corpus.yaml``.

This is the form every importer writes and every analysis reads. :func:`load_coded` validates the
tables one by one (types, allowed values) and then against each other and the codebook (unknown
document, participant or code; a span that ends before it starts or runs past its document;
duplicate codings), naming file, row and field for every problem. The checks run on whole columns
(no Python loop over rows), so a million codings are read and checked in a few times what pandas
takes to read them alone; of each kind of problem the first 20 rows are listed and the rest counted.

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

import numpy as np
import pandas as pd

from ics_leadership.coding import codepath
from ics_leadership.coding.codetree import KnownCodes
from ics_leadership.coding.format import CODED_PARTICIPANTS, CODINGS, DOCUMENTS
from ics_leadership.core import paths
from ics_leadership.core.csvformat import read_version
from ics_leadership.core.errors import DataValidationError, Problem
from ics_leadership.core.problemrows import RowProblems
from ics_leadership.core.schema import read_table
from ics_leadership.core.yamlschema import read_document, schema_problems

CORPUS_FILE = "corpus.yaml"
#: What every table, figure and file computed from synthetic data says (``corpus.yaml``: ``synthetic: true``).
SYNTHETIC_LABEL = "Synthetic demonstration data"
#: What the ``data_source`` column of files computed from any other coded data says.
REAL_LABEL = "Real coded data"


def data_source_label(synthetic: bool) -> str:
    """The ``data_source`` value of a table or file computed from these data (synthetic or not)."""
    return SYNTHETIC_LABEL if synthetic else REAL_LABEL


def with_data_source(table: pd.DataFrame, label: str) -> pd.DataFrame:
    """``table`` with a ``data_source`` column of ``label`` first, so that a file cannot lose its label."""
    return table.assign(data_source=label)[["data_source", *table.columns]]


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


def load_coded(directory: Path | str, codebook: KnownCodes | None = None, check_codes: bool | None = None) -> CodedData:
    """Load and validate a folder of canonical coded data.

    Parameters
    ----------
    directory
        Folder with ``documents.csv`` and ``codings.csv`` (and optionally ``participants.csv``,
        ``corpus.yaml``).
    codebook
        Codes must be among these (the compendium's codebook, or any code tree). None: any codes
        (a project's own). To check a project's codes against the compendium's, map them first
        (:mod:`ics_leadership.coding.mapping`).
    check_codes
        Whether to check the codes (default: when ``codebook`` is given). False validates structure
        only (for data whose codes are still to be mapped).

    Raises
    ------
    DataValidationError
        Every problem found, each naming file, row and field (of each kind, the first 20 rows and
        then a count of the others); a file that is a symbolic link is refused, not followed.
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
    # The distinct codes (few) and, for each coding, which one it has: computed once for both checks.
    code_ids, codes = pd.factorize(codings["code"].to_numpy(dtype=object))
    if version >= 2:
        problems.extend(_check_code_paths(directory, code_ids, codes))
    if check_codes is None:
        check_codes = codebook is not None
    if check_codes:
        if codebook is None:
            raise ValueError("check_codes=True needs the codebook to check the codes against")
        problems.extend(_unknown_codes(directory, code_ids, codes, set(codebook.codes)))
    if problems:
        raise DataValidationError(problems)
    documents = _resolve_attributes(documents, participants)
    return CodedData(
        documents=documents, codings=codings, participants=participants, directory=directory, metadata=metadata
    )


def _unknown_codes(directory: Path, ids: np.ndarray, codes: np.ndarray, known: set[str]) -> list[Problem]:
    """One problem per code not in ``known``, with its count and first row, in order of first use.

    Not one per row: a fresh import of a project's own codes would otherwise list every coding.
    ``codes`` are the distinct codes in order of first use, ``ids`` each coding's (:func:`pandas.factorize`).
    """
    shown = paths.display_path(directory / CODINGS.name)
    unknown = np.flatnonzero(~pd.Series(codes, dtype=object).isin(known).to_numpy())
    if not len(unknown):
        return []
    counts = np.bincount(ids, minlength=len(codes))
    first_rows = np.unique(ids, return_index=True)[1] + 1
    problems = []
    for i in unknown.tolist():
        n = int(counts[i])
        problems.append(
            Problem(
                shown,
                f"unknown code '{codes[i]}' ({n} coding{'s' if n != 1 else ''}; not in the "
                f"codebook): map it to a compendium code with a mapping file "
                f"(--mapping, or the notebooks' mapping parameter)",
                row=int(first_rows[i]),
                field="code",
            )
        )
    return problems


def _check_code_paths(directory: Path, ids: np.ndarray, codes: np.ndarray) -> list[Problem]:
    """In format version 2 a backslash in a code path must be an escape (see :mod:`ics_leadership.coding.codepath`).

    Every coding with such a code is a problem (``ids`` and ``codes`` as for :func:`_unknown_codes`).
    """
    wrong: dict[int, str] = {}
    for i, code in enumerate(codes.tolist()):  # distinct codes: few
        if "\\" in code:
            try:
                codepath.split(code)
            except ValueError as exc:
                wrong[i] = str(exc)
    if not wrong:
        return []
    bad = np.zeros(len(codes), dtype=bool)
    bad[list(wrong)] = True
    rows = np.flatnonzero(bad[ids])
    found = RowProblems(paths.display_path(directory / CODINGS.name))
    found.add(
        rows + 1,
        lambda i: wrong[int(ids[rows[i]])],
        field="code",
        order=0,
        more="codings whose code path has a backslash that is not an escape",
    )
    return found.problems()


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
    """Documents against participants, codings against documents: array-wise, problems in row order.

    A coding of an unknown document is checked no further; otherwise its span must end after it
    starts and within its document, and it must not repeat an earlier coding (document, span, code
    and coder). Each kind of problem lists its first rows and counts the rest
    (:class:`ics_leadership.core.problemrows.RowProblems`).
    """
    if participants is not None:
        found = RowProblems(paths.display_path(directory / DOCUMENTS.name))
        pids = documents["participant_id"]
        rows = np.flatnonzero((pids.notna() & ~pids.isin(participants["participant_id"].dropna())).to_numpy())
        found.add(
            rows + 1,
            lambda i: f"unknown participant '{pids.iloc[rows[i]]}' (not in participants.csv)",
            field="participant_id",
            order=0,
            more="documents naming a participant not in participants.csv",
        )
        problems.extend(found.problems())
    found = RowProblems(paths.display_path(directory / CODINGS.name))
    doc_ids = codings["document_id"].to_numpy(dtype=object)
    position = pd.Index(documents["document_id"].to_numpy(dtype=object)).get_indexer(doc_ids)
    start = codings["start"].to_numpy(dtype=np.int64)
    end = codings["end"].to_numpy(dtype=np.int64)
    known = position >= 0
    length = np.where(known, documents["n_chars"].to_numpy(dtype=np.int64)[position], 0)
    rows = np.flatnonzero(~known)
    found.add(
        rows + 1,
        lambda i: f"unknown document '{doc_ids[rows[i]]}' (not in documents.csv)",
        field="document_id",
        order=0,
        more="codings of documents not in documents.csv",
    )
    backwards = np.flatnonzero(known & (end <= start))
    found.add(
        backwards + 1,
        lambda i: f"end ({end[backwards[i]]}) is not after start ({start[backwards[i]]})",
        field="end",
        order=0,
        more="codings whose end is not after their start",
    )
    beyond = np.flatnonzero(known & (end > start) & (end > length))
    found.add(
        beyond + 1,
        lambda i: (
            f"span [{start[beyond[i]]}, {end[beyond[i]]}) goes beyond the end of document "
            f"'{doc_ids[beyond[i]]}' ({length[beyond[i]]} characters)"
        ),
        field="end",
        order=0,
        more="codings that run past the end of their document",
    )
    _check_duplicate_codings(codings, position, start, end, found)
    problems.extend(found.problems())


def _check_duplicate_codings(
    codings: pd.DataFrame, position: np.ndarray, start: np.ndarray, end: np.ndarray, found: RowProblems
) -> None:
    """Codings of a known document that repeat an earlier one: same document, span, code and coder.

    Only codings that share a span with another (compared as whole numbers: the document's position,
    start and end) can repeat one, so the code and coder, text, are compared among those alone.
    """
    known = np.flatnonzero(position >= 0)
    spans = pd.DataFrame({"document": position[known], "start": start[known], "end": end[known]})
    candidates = known[spans.duplicated(keep=False).to_numpy()]
    if not len(candidates):
        return
    keys = codings.iloc[candidates][["code", "coder"]].assign(
        document=position[candidates], start=start[candidates], end=end[candidates]
    )
    group = keys.groupby(list(keys.columns), sort=False).ngroup().to_numpy()
    rows = candidates + 1
    first = rows[np.unique(group, return_index=True)[1]][group]  # the first row of each one's group
    later = np.flatnonzero(rows != first)
    found.add(
        rows[later],
        lambda i: f"duplicate coding (same document, span, code and coder as row {first[later[i]]})",
        field=None,
        order=1,
        more="duplicate codings",
    )


def _resolve_attributes(documents: pd.DataFrame, participants: pd.DataFrame | None) -> pd.DataFrame:
    """Fill a document's blank site or level from its participant, and add the participant's group."""
    docs = documents.copy()
    for col in ("site", "level", "stage", "sequence"):
        if col not in docs:
            docs[col] = pd.array([None] * len(docs), dtype="Int64" if col == "sequence" else "string")
    if participants is not None:
        people = participants.set_index("participant_id")
        person = people.index.get_indexer(docs["participant_id"])  # each document's, looked up once; -1: none

        def from_person(col: str) -> pd.Series:
            return pd.Series(people[col].array.take(person, allow_fill=True), index=docs.index).astype("string")

        for col in ("site", "level"):
            if col in people:
                docs[col] = docs[col].fillna(from_person(col))
        if "group" in people:
            docs["group"] = from_person("group")
    if "group" not in docs:
        docs["group"] = pd.array([None] * len(docs), dtype="string")
    # Without a stated order, documents count in file order.
    docs["sequence"] = docs["sequence"].fillna(pd.Series(range(1, len(docs) + 1), index=docs.index)).astype("Int64")
    return docs
