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
from ics_leadership.coding.format import SOURCE_TYPES
from ics_leadership.core import paths
from ics_leadership.core.csvformat import FIELD as VERSION_FIELD
from ics_leadership.core.csvformat import read_version
from ics_leadership.core.errors import DataValidationError, Problem
from ics_leadership.core.schema import read_yaml
from ics_leadership.facts.codebook import Codebook, load_codebook

IGNORE = "ignore"
_DOC_KEYS = {"participant_id", "site", "level", "stage", "source_type", "sequence"}
_PERSON_KEYS = {"site", "level", "group"}


@dataclass(frozen=True)
class Mapping:
    codes: dict[str, str]
    documents: dict[str, dict[str, object]]
    participants: dict[str, dict[str, object]]
    path: Path | None = None
    demonstration: bool = False
    format_version: int = 1  # how the keys of ``codes`` are written (see :mod:`ics_leadership.coding.codepath`)


def load_mapping(path: Path | str, codebook: Codebook | None = None) -> Mapping:
    """Read and validate a mapping file against the codebook."""
    path = Path(path)
    shown = paths.display_path(path)
    doc = read_yaml(path) or {}
    if not isinstance(doc, dict):
        raise DataValidationError([Problem(shown, "expected a mapping with 'codes', 'documents', 'participants'")])
    codebook = codebook or load_codebook()
    valid = set(codebook.codes)
    problems: list[Problem] = []
    try:
        version = read_version(doc, shown)
    except DataValidationError as exc:
        problems.extend(exc.problems)
        version = 1
    unknown_sections = set(doc) - {"codes", "documents", "participants", "demonstration", VERSION_FIELD}
    for name in sorted(unknown_sections):
        problems.append(Problem(shown, "unknown section", field=name))
    demonstration = doc.get("demonstration", False)
    if not isinstance(demonstration, bool):
        problems.append(Problem(shown, f"expected true or false, got {demonstration!r}", field="demonstration"))
    codes = doc.get("codes") or {}
    if not isinstance(codes, dict):
        problems.append(Problem(shown, "expected project code -> compendium code", field="codes"))
        codes = {}
    for source, target in codes.items():
        if target != IGNORE and target not in valid:
            problems.append(
                Problem(shown, f"'{target}' is not a compendium code (or '{IGNORE}')", field=f"codes.{source}")
            )
        try:
            codepath.split(str(source), version)
        except ValueError as exc:
            problems.append(Problem(shown, str(exc), field=f"codes.{source}"))
    sections = {}
    for name, allowed in (("documents", _DOC_KEYS), ("participants", _PERSON_KEYS)):
        body = doc.get(name) or {}
        if not isinstance(body, dict):
            problems.append(Problem(shown, "expected id -> attributes", field=name))
            body = {}
        for key, attrs in body.items():
            if not isinstance(attrs, dict):
                problems.append(Problem(shown, "expected a mapping of attributes", field=f"{name}.{key}"))
                continue
            for attr, value in attrs.items():
                where = f"{name}.{key}.{attr}"
                if attr not in allowed:
                    problems.append(
                        Problem(shown, f"unknown attribute (allowed: {', '.join(sorted(allowed))})", field=where)
                    )
                elif attr == "source_type" and value not in SOURCE_TYPES:
                    problems.append(Problem(shown, f"'{value}' is not one of: {', '.join(SOURCE_TYPES)}", field=where))
                elif attr != "sequence" and (
                    isinstance(value, bool) or not isinstance(value, (str, int, float)) or not str(value).strip()
                ):
                    problems.append(Problem(shown, f"expected a text value, got {value!r}", field=where))
        # Attribute values are the study's own words, kept as text (a site written 3 is the site "3").
        sections[name] = {
            str(k): {a: (x if a == "sequence" else str(x).strip()) for a, x in v.items()}
            for k, v in body.items()
            if isinstance(v, dict)
        }
    if problems:
        raise DataValidationError(problems)
    return Mapping(
        codes={str(k): str(v) for k, v in codes.items()},
        path=path,
        demonstration=demonstration,
        format_version=version,
        **sections,
    )


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
    directory: Path | str, mapping_path: Path | str | None = None, codebook: Codebook | None = None
) -> tuple[CodedData, pd.DataFrame | None]:
    """Load coded data for the notebooks: strictly without a mapping, through it otherwise."""
    codebook = codebook or load_codebook()
    if mapping_path is None:
        return load_coded(directory, codebook), None
    coded = load_coded(directory, codebook, check_codes=False)
    return apply_mapping(coded, load_mapping(mapping_path, codebook))
