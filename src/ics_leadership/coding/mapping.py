r"""Map a project's own codes and documents onto the compendium's codebook and attributes.

A mapping file (YAML) has up to three sections, a format version and an optional flag::

    format_version: 2
    codes:                      # project code path -> compendium code id, or "ignore"
      "Leadership/Evidence": analytical_insight/evidence_and_data
      "Leadership/Voice": representation/clinical_voice
      'Admin/To check\/fix': ignore   # the code "To check/fix" under "Admin"
    documents:                  # document_id -> attributes to set (any of these keys)
      "Interview 07": {participant_id: P07, site: North, level: thematic, stage: early,
                       source_type: interview}
    participants:               # participant_id -> attributes
      P07: {site: North, level: thematic, group: clinical}
    demonstration: true         # optional: the codes only stand in for the codebook's (an example);
                                # the claims ledger then gives no verdicts (see ics_leadership.facts.claims)

Attribute values are the study's own (any text: ``level: system`` as well as ``level: thematic``;
the canonical format fixes no vocabulary, see :mod:`ics_leadership.coding.format`), except
``source_type``, which must be one of the canonical kinds of document.

Keys of ``codes`` are project code paths as ``codebook.csv`` writes them: levels joined with "/",
and inside a name ``\/`` for "/" and ``\\`` for a backslash (:mod:`ics_leadership.coding.codepath`; in
YAML, single quotes keep backslashes as typed). A mapping without ``format_version`` is read as
version 1: every "/" in a key separates levels and a backslash is an ordinary character. A key
matches a code when both name the same levels, whatever version each was written in.

The fields are described, and their structure checked, by ``schemas/mapping.schema.json`` (printed
in the book's data dictionary); a section or attribute it does not know is an error.

Codes the mapping does not mention are never dropped silently: :func:`apply_mapping` returns a
report listing every project code, how many codings it has, and what became of it
("mapped", "ignored by the mapping", "unmapped").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ics_leadership.coding import codepath
from ics_leadership.coding.coded import CodedData, load_coded
from ics_leadership.coding.codetree import KnownCodes
from ics_leadership.core.csvformat import read_version
from ics_leadership.core.errors import DataValidationError, Problem
from ics_leadership.core.yamlschema import YamlDocument, read_document, schema_problems

IGNORE = "ignore"


@dataclass(frozen=True)
class Mapping:
    codes: dict[str, str]
    documents: dict[str, dict[str, object]]
    participants: dict[str, dict[str, object]]
    path: Path | None = None
    demonstration: bool = False
    format_version: int = 1  # how the keys of ``codes`` are written (see :mod:`ics_leadership.coding.codepath`)


def load_mapping(path: Path | str, codebook: KnownCodes) -> Mapping:
    """Read and validate a mapping file against the codes it maps to.

    The structure is checked against ``schemas/mapping.schema.json``; that each target is a code of
    ``codebook`` (the compendium's codebook, or any code tree) and each key a code path its format version can read is
    checked here. Every problem is listed with its line and field.

    Raises
    ------
    DataValidationError
        When the file is missing, not YAML, or has any problem.
    """
    path = Path(path)
    doc = read_document(path)
    problems = schema_problems(doc, "mapping")
    data = doc.data if isinstance(doc.data, dict) else {}
    version = read_version(data)
    codes = _section(data, "codes")
    problems += _check_codes(doc, codes, set(codebook.codes), version)
    # Attribute values are the study's own words, kept as text (a site written 3 is the site "3").
    sections = {
        name: {
            str(k): {a: (x if a == "sequence" else str(x).strip()) for a, x in v.items()}
            for k, v in _section(data, name).items()
            if isinstance(v, dict)
        }
        for name in ("documents", "participants")
    }
    if problems:
        raise DataValidationError(sorted(problems, key=lambda p: p.line or 0))  # in file order
    return Mapping(
        codes={str(k): str(v) for k, v in codes.items()},
        path=path,
        demonstration=data.get("demonstration", False),
        format_version=version,
        **sections,
    )


def _section(data: dict, name: str) -> dict:
    """A section of the mapping; empty when absent, or when it is not a mapping (the schema says so)."""
    body = data.get(name)
    return body if isinstance(body, dict) else {}


def _check_codes(doc: YamlDocument, codes: dict, valid: set[str], version: int) -> list[Problem]:
    """What the schema cannot say of ``codes``: targets in the codebook, keys its version can read."""
    problems = []
    for source, target in codes.items():
        if isinstance(target, str) and target != IGNORE and target not in valid:
            problems.append(doc.problem(("codes", source), f"'{target}' is not a compendium code (or '{IGNORE}')"))
        try:
            codepath.split(str(source), version)
        except ValueError as exc:
            problems.append(doc.problem(("codes", source), str(exc)))
    return problems


def apply_mapping(coded: CodedData, mapping: Mapping) -> tuple[CodedData, pd.DataFrame]:
    """Translate codes and set attributes; return the mapped data and the code report.

    Codings whose code is unmapped or ignored are removed from the returned data, and the report
    lists them with their counts, so the analysis can say what it left out.
    """
    codings = coded.codings.copy()
    counts = codings["code"].value_counts()
    report_rows = []
    targets: dict[str, str] = {}
    # Keys and codes compared as the levels they name, each read in its own format version.
    by_levels = {tuple(codepath.split(k, mapping.format_version)): v for k, v in mapping.codes.items()}
    for code, n in sorted(counts.items()):
        target = by_levels.get(tuple(codepath.split(code, coded.format_version)))
        if target is not None:
            status = "ignored by the mapping" if target == IGNORE else "mapped"
            targets[code] = target
        else:
            target, status = "", _unmapped(code, coded.format_version, mapping)
        report_rows.append(
            {
                "project code": code,
                "codings": int(n),
                "compendium code": "" if target == IGNORE else target,
                "status": status,
            }
        )
    report = pd.DataFrame(report_rows, columns=["project code", "codings", "compendium code", "status"])
    keep = codings["code"].map(lambda c: targets.get(c, IGNORE) != IGNORE).astype(bool)
    codings = codings.loc[keep].copy()  # .loc: an empty mask must select rows, not columns
    codings["code"] = codings["code"].map(targets).astype("string")
    # A span coded with two project codes that map to one compendium code counts once.
    codings = codings.drop_duplicates(["document_id", "start", "end", "code", "coder"]).reset_index(drop=True)

    documents = coded.documents.copy()
    # A mapping that names documents the data do not have (a typo, or data imported with --anonymise,
    # whose documents are document_1, ...) would silently set nothing: keep the names to report them.
    unmatched = sorted(set(mapping.documents) - set(documents["document_id"]))
    for doc_id, attrs in mapping.documents.items():
        hit = documents["document_id"] == doc_id
        for attr, value in attrs.items():
            if attr not in documents:
                documents[attr] = pd.array([None] * len(documents), dtype="string")
            documents.loc[hit, attr] = value
    participants = coded.participants
    if mapping.participants:
        rows = [{"participant_id": pid, **attrs} for pid, attrs in mapping.participants.items()]
        extra = pd.DataFrame(rows).astype("string")
        participants = (
            extra
            if participants is None
            else (
                pd.concat(
                    [participants[~participants["participant_id"].isin(extra["participant_id"])], extra],
                    ignore_index=True,
                )
            )
        )
        people = participants.set_index("participant_id")
        for col in ("site", "level", "group"):
            if col in people:
                if col not in documents:
                    documents[col] = pd.array([None] * len(documents), dtype="string")
                documents[col] = documents[col].fillna(documents["participant_id"].map(people[col]).astype("string"))
    mapped = CodedData(
        documents=documents,
        codings=codings,
        participants=participants,
        directory=coded.directory,
        metadata={
            **coded.metadata,
            "mapping": str(mapping.path or ""),
            "demonstration": mapping.demonstration or bool(coded.metadata.get("demonstration")),
            "mapping_unmatched_documents": unmatched,
        },
    )
    return mapped, report


def _unmapped(code: str, version: int, mapping: Mapping) -> str:
    """The status of an unmapped code, with a hint when a version-1 key could only be meant for it."""
    names = codepath.split(code, version)
    if mapping.format_version < 2 and any("/" in n for n in names) and "/".join(names) in mapping.codes:
        return (
            "unmapped (the mapping has no format_version, so the '/' in its key separates levels; "
            "add format_version: 2 and write '\\/' inside a name)"
        )
    return "unmapped"


def load_for_analysis(
    directory: Path | str, mapping_path: Path | str | None, codebook: KnownCodes
) -> tuple[CodedData, pd.DataFrame | None]:
    """Load coded data whose codes must be ``codebook``'s: strictly without a mapping, through it otherwise."""
    if mapping_path is None:
        return load_coded(directory, codebook), None
    coded = load_coded(directory, codebook, check_codes=False)
    return apply_mapping(coded, load_mapping(mapping_path, codebook))
