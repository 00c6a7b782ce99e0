"""The compendium's codebook (``data/raw/codebook.yaml``): contributions, activities, levels, stages.

A code id is either a contribution (``"representation"``) or an activity
(``"representation/critical_challenge"``). :class:`Codebook` answers the questions the analysis
asks of a code: which contribution it belongs to, its label, and where the paper describes it.
:func:`qda_codes` gives it to the generic REFI-QDA exporter (``export-codebook``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ics_leadership.core import paths
from ics_leadership.core.errors import DataValidationError, Problem
from ics_leadership.core.schema import read_yaml
from ics_leadership.facts.vocabulary import LEVELS, STAGES
from ics_leadership.qda.export import Code

CODEBOOK_FILE = "codebook.yaml"
SEP = "/"
_ID = re.compile(r"[a-z][a-z0-9_]*")
EMPHASES = ("prominent", "not described")


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
    """Load and validate ``codebook.yaml``; problems name the YAML path of the offending field."""
    path = Path(path or paths.raw_dir() / CODEBOOK_FILE)
    shown = paths.display_path(path)
    doc = read_yaml(path)
    problems: list[Problem] = []

    def need_text(obj: Any, key: str, where: str) -> str:
        value = obj.get(key) if isinstance(obj, dict) else None
        if not isinstance(value, str) or not value.strip():
            problems.append(Problem(shown, "is missing or blank", field=f"{where}.{key}"))
            return ""
        return value.strip()

    if not isinstance(doc, dict):
        raise DataValidationError([Problem(shown, "expected a mapping with levels, stages and contributions")])
    levels = doc.get("levels") or {}
    stages = doc.get("stages") or {}
    if not isinstance(levels, dict) or sorted(levels) != sorted(LEVELS):
        problems.append(Problem(shown, f"must define exactly the levels {', '.join(LEVELS)}", field="levels"))
        levels = {}
    if not isinstance(stages, dict) or sorted(stages) != sorted(STAGES):
        problems.append(Problem(shown, f"must define exactly the stages {', '.join(STAGES)}", field="stages"))
        stages = {}
    for group, name in ((levels, "levels"), (stages, "stages")):
        for key, body in group.items():
            for field in ("label", "description", "location"):
                need_text(body, field, f"{name}.{key}")

    contributions: list[Contribution] = []
    seen: set[str] = set()
    raw_contributions = doc.get("contributions")
    if not isinstance(raw_contributions, list) or not raw_contributions:
        problems.append(Problem(shown, "needs a non-empty list", field="contributions"))
        raw_contributions = []
    for i, c in enumerate(raw_contributions):
        where = f"contributions[{i}]"
        cid = c.get("id") if isinstance(c, dict) else None
        if not isinstance(cid, str) or not _ID.fullmatch(cid):
            problems.append(Problem(shown, "needs an id in lower_snake_case", field=f"{where}.id"))
            continue
        where = f"contributions[{cid}]"
        if cid in seen:
            problems.append(Problem(shown, "duplicate contribution id", field=where))
        seen.add(cid)
        texts = {k: need_text(c, k, where) for k in ("label", "definition", "location")}
        by_level = c.get("by_level") or {}
        for lvl in LEVELS:
            for field in ("description", "location"):
                need_text(by_level.get(lvl), field, f"{where}.by_level.{lvl}")
        by_stage = c.get("by_stage") or {}
        for stage in STAGES:
            for field in ("emphasis", "description", "location"):
                need_text(by_stage.get(stage), field, f"{where}.by_stage.{stage}")
            emphasis = (by_stage.get(stage) or {}).get("emphasis")
            if emphasis and emphasis not in EMPHASES:
                problems.append(
                    Problem(
                        shown,
                        f"'{emphasis}' is not one of: {', '.join(EMPHASES)}",
                        field=f"{where}.by_stage.{stage}.emphasis",
                    )
                )
        activities = []
        raw_activities = c.get("activities")
        if not isinstance(raw_activities, list) or not raw_activities:
            problems.append(Problem(shown, "needs a non-empty list", field=f"{where}.activities"))
            raw_activities = []
        for j, a in enumerate(raw_activities):
            aid = a.get("id") if isinstance(a, dict) else None
            awhere = f"{where}.activities[{j}]"
            if not isinstance(aid, str) or not _ID.fullmatch(aid):
                problems.append(Problem(shown, "needs an id in lower_snake_case", field=f"{awhere}.id"))
                continue
            full = f"{cid}{SEP}{aid}"
            if full in seen:
                problems.append(Problem(shown, "duplicate activity id", field=awhere))
            seen.add(full)
            atexts = {k: need_text(a, k, f"{where}.activities[{aid}]") for k in ("label", "definition", "location")}
            activities.append(Activity(full, cid, **atexts))
        contributions.append(
            Contribution(cid, by_level=by_level, by_stage=by_stage, activities=tuple(activities), **texts)
        )
    if problems:
        raise DataValidationError(problems)
    return Codebook(levels=levels, stages=stages, contributions=tuple(contributions))


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
