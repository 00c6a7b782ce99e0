"""The compendium's codebook (``data/raw/codebook.yaml``): contributions, activities, levels, stages.

A code id is either a contribution (``"representation"``) or an activity
(``"representation/critical_challenge"``). :class:`Codebook` answers the questions the analysis
asks of a code: which contribution it belongs to, its label, and where the paper describes it.
:func:`qda_codes` gives it to the generic REFI-QDA exporter (``export-codebook``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ics_leadership.coding.codetree import CodeTree
from ics_leadership.core import paths
from ics_leadership.core.errors import DataValidationError, Problem
from ics_leadership.core.yamlschema import YamlDocument, duplicate_ids, read_document, schema_problems
from ics_leadership.facts.vocabulary import LEVELS, STAGES
from ics_leadership.qda.export import Code

CODEBOOK_FILE = "codebook.yaml"
SEP = "/"


@dataclass(frozen=True)
class Activity:
    id: str  # "<contribution>/<activity>"
    contribution: str
    label: str
    definition: str
    location: str


@dataclass(frozen=True)
class Contribution:
    id: str
    label: str
    definition: str
    location: str
    by_level: dict[str, dict[str, str]]
    by_stage: dict[str, dict[str, str]]
    activities: tuple[Activity, ...]


@dataclass(frozen=True)
class Codebook:
    levels: dict[str, dict[str, str]]
    stages: dict[str, dict[str, str]]
    contributions: tuple[Contribution, ...]

    @property
    def contribution_ids(self) -> list[str]:
        return [c.id for c in self.contributions]

    @property
    def activity_ids(self) -> list[str]:
        return [a.id for c in self.contributions for a in c.activities]

    @property
    def codes(self) -> list[str]:
        """Every valid code: contributions first, then activities, in codebook order."""
        return self.contribution_ids + self.activity_ids

    @property
    def tree(self) -> CodeTree:
        """The codebook as the analyses' code tree, in its table order: contributions, then activities."""
        codes = self.codes
        return CodeTree(
            codes=tuple(codes),
            parents={x: (None if x in self.contribution_ids else self.contribution_of(x)) for x in codes},
            labels={x: self.label(x) for x in codes},
            kinds={x: ("contribution" if x in self.contribution_ids else "activity") for x in codes},
            orders={"level": tuple(self.levels), "stage": tuple(self.stages)},
            top_name="contribution",
            name="the compendium's codebook",
        )

    def contribution_of(self, code: str) -> str:
        """The contribution a code belongs to (a contribution belongs to itself)."""
        head = code.split(SEP, 1)[0]
        if code not in self.codes:
            raise KeyError(code)
        return head

    def label(self, code: str) -> str:
        for c in self.contributions:
            if c.id == code:
                return c.label
            for a in c.activities:
                if a.id == code:
                    return a.label
        raise KeyError(code)

    def contribution(self, contribution_id: str) -> Contribution:
        for c in self.contributions:
            if c.id == contribution_id:
                return c
        raise KeyError(contribution_id)

    def table(self) -> pd.DataFrame:
        """One row per code: code, contribution, kind, label, definition, location."""
        rows = []
        for c in self.contributions:
            rows.append(
                {
                    "code": c.id,
                    "contribution": c.label,
                    "kind": "contribution",
                    "label": c.label,
                    "definition": c.definition,
                    "location": c.location,
                }
            )
            for a in c.activities:
                rows.append(
                    {
                        "code": a.id,
                        "contribution": c.label,
                        "kind": "activity",
                        "label": a.label,
                        "definition": a.definition,
                        "location": a.location,
                    }
                )
        return pd.DataFrame(rows)

    def framework_matrix(self, cite: bool = True) -> pd.DataFrame:
        """Contribution by governance level: how each contribution shows at each level, with citations."""
        data = {}
        for c in self.contributions:
            data[c.label] = {
                self.levels[lvl]["label"]: c.by_level[lvl]["description"]
                + (f" ({c.by_level[lvl]['location']})" if cite else "")
                for lvl in LEVELS
            }
        frame = pd.DataFrame(data).T
        frame.index.name = "Contribution"
        return frame

    def stage_matrix(self) -> pd.DataFrame:
        """Contribution by stage of change: the emphasis the paper gives, with its location."""
        data = {
            c.label: {
                self.stages[s]["label"]: f"{c.by_stage[s]['emphasis']}: {c.by_stage[s]['description']} "
                f"({c.by_stage[s]['location']})"
                for s in STAGES
            }
            for c in self.contributions
        }
        frame = pd.DataFrame(data).T
        frame.index.name = "Contribution"
        return frame


def load_codebook(path: Path | str | None = None) -> Codebook:
    """Load and validate ``codebook.yaml``.

    The structure is checked against ``schemas/codebook.schema.json``; that ids are unique is
    checked here. Every problem is listed with its line and YAML field (``contributions[2].activities[1].id``).
    """
    path = Path(path or paths.raw_dir() / CODEBOOK_FILE)
    doc = read_document(path)
    # In file order, so one pass down the file fixes everything.
    problems = sorted(schema_problems(doc, "codebook") + _duplicate_ids(doc), key=lambda p: p.line or 0)
    if problems:
        raise DataValidationError(problems)
    contributions = tuple(_contribution(c) for c in doc.data["contributions"])
    return Codebook(levels=doc.data["levels"], stages=doc.data["stages"], contributions=contributions)


def _texts(body: dict[str, Any], *keys: str) -> dict[str, str]:
    return {key: body[key].strip() for key in keys}


def _contribution(c: dict[str, Any]) -> Contribution:
    activities = tuple(
        Activity(f"{c['id']}{SEP}{a['id']}", c["id"], **_texts(a, "label", "definition", "location"))
        for a in c["activities"]
    )
    return Contribution(
        c["id"],
        by_level=c["by_level"],
        by_stage=c["by_stage"],
        activities=activities,
        **_texts(c, "label", "definition", "location"),
    )


def _duplicate_ids(doc: YamlDocument) -> list[Problem]:
    """Contribution ids unique in the file, activity ids unique in their contribution."""
    contributions = doc.data.get("contributions") if isinstance(doc.data, dict) else None
    problems = duplicate_ids(doc, contributions, ("contributions",), "contribution")
    for i, c in enumerate(contributions if isinstance(contributions, list) else []):
        if isinstance(c, dict):
            problems += duplicate_ids(doc, c.get("activities"), ("contributions", i, "activities"), "activity")
    return problems


def qda_codes(codebook: Codebook) -> list[Code]:
    """The codebook as codes for :func:`ics_leadership.qda.export.export_codebook`.

    Contributions are top-level codes and their activities are child codes. A code's name is its
    id segment (``representation``, ``critical_challenge``), so its path, and hence its GUID, is
    the compendium code id: a project coded with the export imports back needing no mapping. The
    description is the label, the definition and where the paper gives them.
    """

    def describe(code: Contribution | Activity) -> str:
        return f"{code.label}. {code.definition} (Waring et al. 2023, {code.location})"

    return [
        Code(
            contribution.id,
            describe(contribution),
            tuple(Code(activity.id.split(SEP, 1)[1], describe(activity)) for activity in contribution.activities),
        )
        for contribution in codebook.contributions
    ]
