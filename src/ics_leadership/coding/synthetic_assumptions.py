"""The assumptions of the synthetic generator: ``synthetic_assumptions.yaml``, loaded and checked.

Every assumption the generator (:mod:`ics_leadership.coding.synthetic`) codes with (coding rates,
document lengths, the share of later-stage documents, second-coder agreement, ...) is stated in a
YAML file with the passage of the paper it encodes or a note saying why it was assumed.
:func:`load_assumptions` validates the file against ``schemas/synthetic_assumptions.schema.json``
(every problem named with its line and field) and returns the values with a table of them for the
book and the file's digest for the corpus's provenance.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ics_leadership.core import paths
from ics_leadership.core.errors import DataValidationError, Problem
from ics_leadership.core.yamlschema import YamlDocument, read_document, schema_problems

ASSUMPTIONS_FILE = "synthetic_assumptions.yaml"
REQUIRED = (
    "meeting_levels",
    "interview_chars",
    "follow_up_chars",
    "field_note_chars_per_hour",
    "later_stage_share",
    "base_rate",
    "segment_chars",
    "source_type_multiplier",
    "stage_multiplier",
    "double_coded_share",
    "agreement",
    "boundary_jitter",
)


@dataclass(frozen=True)
class Assumptions:
    """The validated assumptions, by id, plus the file's label and default seed."""

    values: dict[str, Any]
    table: pd.DataFrame
    label: str
    default_seed: int
    digest: str

    def __getitem__(self, key: str) -> Any:
        return self.values[key]


def load_assumptions(path: Path | str | None = None) -> Assumptions:
    """Load ``synthetic_assumptions.yaml``; each assumption needs a source and its location or note.

    The structure (fields, sources, value ranges) is checked against
    ``schemas/synthetic_assumptions.schema.json``; unique ids, the ids the generator needs and
    ``segment_chars`` min not above max are checked here. Every problem is listed with its line and field.
    """
    path = Path(path or paths.raw_dir() / ASSUMPTIONS_FILE)
    doc = read_document(path)
    # In file order, so one pass down the file fixes everything.
    problems = sorted(schema_problems(doc, "synthetic_assumptions") + _id_problems(doc), key=lambda p: p.line or 0)
    if problems:
        raise DataValidationError(problems)
    items = doc.data["assumptions"]
    rows = [
        {
            "assumption": item["id"],
            "sets": item["sets"],
            "value": _show(item["value"]),
            "source": item["source"],
            "location or note": "; ".join(str(item[k]) for k in ("location", "note") if item.get(k)),
        }
        for item in items
    ]
    return Assumptions(
        values={item["id"]: item["value"] for item in items},
        table=pd.DataFrame(rows),
        label=str(doc.data.get("label", "Synthetic demonstration data")),
        default_seed=int(doc.data.get("default_seed", 0)),
        digest=hashlib.sha256(path.read_bytes()).hexdigest(),
    )


def _id_problems(doc: YamlDocument) -> list[Problem]:
    """Each id once, every id the generator needs present, segment lengths in order."""
    items = doc.data.get("assumptions") if isinstance(doc.data, dict) else None
    if not isinstance(items, list):
        return []  # the schema reports it
    problems = []
    first: dict[str, int] = {}
    for i, item in enumerate(items):
        item_id = item.get("id") if isinstance(item, dict) else None
        if not isinstance(item_id, str):
            continue  # the schema reports it
        if item_id in first:
            problems.append(
                doc.problem(("assumptions", i, "id"), f"id '{item_id}' appears twice (first at line {first[item_id]})")
            )
        first.setdefault(item_id, doc.line(("assumptions", i, "id")) or 0)
        value = item.get("value")
        if item_id == "segment_chars" and isinstance(value, dict) and _above(value.get("min"), value.get("max")):
            problems.append(doc.problem(("assumptions", i, "value", "min"), "min must not be above max"))
    missing = [key for key in REQUIRED if key not in first]
    if missing:
        problems.append(doc.problem(("assumptions",), f"the generator needs these assumptions: {', '.join(missing)}"))
    return problems


def _above(low: Any, high: Any) -> bool:
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (low, high))
    return numbers and low > high


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_show(v)}" for k, v in value.items())
    return str(value)
