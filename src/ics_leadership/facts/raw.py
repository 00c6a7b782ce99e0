"""Load and validate the compendium's raw data (``data/raw``).

Every loader checks what it reads and raises :class:`~ics_leadership.core.errors.DataValidationError`
naming the file, row (or YAML key) and field of each problem. Nothing here writes files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ics_leadership.core import paths
from ics_leadership.core.errors import DataValidationError, Problem
from ics_leadership.core.schema import read_table
from ics_leadership.core.yamlschema import read_document, schema_problems
from ics_leadership.facts.raw_tables import OBSERVATIONS, PARTICIPANTS

if TYPE_CHECKING:  # codebook imports raw's neighbours; at run time it is imported where needed
    from ics_leadership.facts.codebook import Codebook

STUDY_FILE = "study.yaml"


@dataclass(frozen=True)
class FactReport:
    """One statement of a fact in the paper: the value given and where."""

    value: Any
    location: str


@dataclass(frozen=True)
class Fact:
    """A study-level fact with every place the paper states it."""

    id: str
    label: str
    unit: str
    reports: tuple[FactReport, ...]

    @property
    def values(self) -> list[Any]:
        return [r.value for r in self.reports]


@dataclass(frozen=True)
class StudyFacts:
    citation: dict[str, Any]
    facts: dict[str, Fact]

    def __getitem__(self, fact_id: str) -> Fact:
        return self.facts[fact_id]

    def table(self) -> pd.DataFrame:
        """All reports as a long table: fact, label, unit, value, location."""
        rows = [
            {"fact": f.id, "label": f.label, "unit": f.unit, "value": format_value(r.value), "location": r.location}
            for f in self.facts.values()
            for r in f.reports
        ]
        return pd.DataFrame(rows)


@dataclass(frozen=True)
class RawData:
    """Everything in ``data/raw``, validated."""

    participants: pd.DataFrame
    observations: pd.DataFrame
    study: StudyFacts
    directory: Path
    codebook: Any = None  # ics_leadership.facts.codebook.Codebook, when codebook.yaml is present
    model: Any = None  # ics_leadership.facts.model.Model, when model.yaml is present


def format_value(value: Any) -> str:
    """Render a fact's value for tables: lists joined with commas, everything else as text."""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def load_participants(path: Path | str | None = None) -> pd.DataFrame:
    """Load ``participants.csv`` (one row per clinical leader in Table 1)."""
    return read_table(path or paths.raw_dir() / PARTICIPANTS.name, PARTICIPANTS)


def load_observations(path: Path | str | None = None) -> pd.DataFrame:
    """Load ``observations.csv`` (hours and meetings observed, by site)."""
    return read_table(path or paths.raw_dir() / OBSERVATIONS.name, OBSERVATIONS)


def load_study(path: Path | str | None = None) -> StudyFacts:
    """Load and validate ``study.yaml``: the citation and the study-level facts with locations.

    The structure is checked against ``schemas/study.schema.json``; every problem is listed with
    its line and field.
    """
    path = Path(path or paths.raw_dir() / STUDY_FILE)
    doc = read_document(path)
    problems = schema_problems(doc, "study")
    if problems:
        raise DataValidationError(problems)
    facts = {
        fact_id: Fact(
            fact_id,
            body["label"],
            body["unit"],
            tuple(FactReport(value=r["value"], location=r["location"]) for r in body["reports"]),
        )
        for fact_id, body in doc.data["facts"].items()
    }
    return StudyFacts(citation=dict(doc.data["citation"]), facts=facts)


def load_raw(raw_dir: Path | str | None = None) -> RawData:
    """Load and validate every raw file in ``raw_dir`` (default: the compendium's ``data/raw``).

    Problems from all files are collected, so one run shows everything that needs fixing.
    """
    raw_dir = Path(raw_dir) if raw_dir is not None else paths.raw_dir()
    problems: list[Problem] = []
    loaded: dict[str, Any] = {}
    for key, loader, name in (
        ("participants", load_participants, PARTICIPANTS.name),
        ("observations", load_observations, OBSERVATIONS.name),
        ("study", load_study, STUDY_FILE),
    ):
        try:
            loaded[key] = loader(raw_dir / name)
        except DataValidationError as exc:
            problems.extend(exc.problems)
    _load_framework(raw_dir, loaded, problems)
    if problems:
        raise DataValidationError(problems)
    _check_cross_file(loaded, raw_dir, problems)
    if problems:
        raise DataValidationError(problems)
    return RawData(directory=raw_dir, **loaded)


def _check_cross_file(loaded: dict[str, Any], raw_dir: Path, problems: list[Problem]) -> None:
    """Checks that need more than one file: every observed site has participants."""
    shown = paths.display_path(raw_dir / OBSERVATIONS.name)
    sites = set(loaded["participants"]["site"])
    for i, site in enumerate(loaded["observations"]["site"], start=1):
        if site not in sites:
            problems.append(
                Problem(shown, f"site '{site}' has no participants in participants.csv", row=i, field="site")
            )


def _load_framework(raw_dir: Path, loaded: dict[str, Any], problems: list[Problem]) -> None:
    """Validate the codebook and the conceptual model (checked against each other) when present."""
    from ics_leadership.facts.codebook import CODEBOOK_FILE, load_codebook
    from ics_leadership.facts.model import MODEL_FILE, load_model

    if (raw_dir / CODEBOOK_FILE).is_file():
        try:
            loaded["codebook"] = load_codebook(raw_dir / CODEBOOK_FILE)
        except DataValidationError as exc:
            problems.extend(exc.problems)
            return
    if (raw_dir / MODEL_FILE).is_file():
        try:
            loaded["model"] = load_model(raw_dir / MODEL_FILE, loaded.get("codebook"))
        except DataValidationError as exc:
            problems.extend(exc.problems)


def validate_supporting_files(raw_dir: Path, loaded_codebook: Codebook | None = None) -> str:
    """Validate the claims ledger, synthetic assumptions, COREQ checklist and key messages (and the
    codebook, unless :func:`load_raw` already loaded it); return a one-line summary."""
    from ics_leadership.coding import synthetic
    from ics_leadership.core.errors import DataValidationError
    from ics_leadership.facts import claims, codebook, key_messages
    from ics_leadership.facts import coreq as reporting

    problems = []
    found = {"codebook": loaded_codebook} if loaded_codebook is not None else {}
    if not found:
        try:
            found["codebook"] = codebook.load_codebook(raw_dir / codebook.CODEBOOK_FILE)
        except DataValidationError as exc:
            problems.extend(exc.problems)
    for name, load in (
        ("claims", lambda: claims.load_claims(raw_dir / claims.CLAIMS_FILE, found.get("codebook"))),
        ("assumptions", lambda: synthetic.load_assumptions(raw_dir / synthetic.ASSUMPTIONS_FILE)),
        ("coreq", lambda: reporting.load_coreq(raw_dir / reporting.COREQ_FILE)),
        ("messages", lambda: key_messages.load_key_messages(raw_dir / key_messages.KEY_MESSAGES_FILE)),
    ):
        try:
            found[name] = load()
        except DataValidationError as exc:
            problems.extend(exc.problems)
    if problems:
        raise DataValidationError(problems)
    return (
        f"{len(found['codebook'].codes)} codes, {len(found['claims'][0])} claims, "
        f"{len(found['assumptions'].values)} synthetic-corpus assumptions, {len(found['coreq'])} COREQ items, "
        f"{len(found['messages'])} key messages"
    )


def load_and_validate(raw_dir: Path | str) -> tuple[RawData, str]:
    """Load and validate every file of ``data/raw``: the one complete set that ``check`` and
    ``update-manifest`` both require (never record checksums of data that would not pass ``check``).

    Returns the loaded data and a one-line summary of the supporting files.
    """
    raw_dir = Path(raw_dir)
    data = load_raw(raw_dir)
    return data, validate_supporting_files(raw_dir, data.codebook)
