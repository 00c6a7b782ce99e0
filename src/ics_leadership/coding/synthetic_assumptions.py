"""The assumptions of the synthetic generator: ``synthetic_assumptions.yaml``, loaded and checked.

Every assumption the generator (:mod:`ics_leadership.coding.synthetic`) codes with (coding rates,
document lengths, the share of later-stage documents, second-coder agreement, ...) is stated in a
YAML file with the passage of the paper it encodes or a note saying why it was assumed.
:func:`load_assumptions` validates the file (every problem named with its field) and returns the
values with a table of them for the book and the file's digest for the corpus's provenance.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from ics_leadership.core import paths
from ics_leadership.core.errors import DataValidationError, Problem

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
    """Load ``synthetic_assumptions.yaml``; each assumption needs a source and its location or note."""
    path = Path(path or paths.raw_dir() / ASSUMPTIONS_FILE)
    shown = paths.display_path(path)
    if not path.is_file():
        raise DataValidationError([Problem(shown, "file not found")])
    text = path.read_bytes()
    try:
        doc = yaml.safe_load(text.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError):
        raise DataValidationError([Problem(shown, "not valid UTF-8 YAML")]) from None
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    rows = []
    for i, item in enumerate((doc or {}).get("assumptions") or []):
        where = f"assumptions[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            problems.append(Problem(shown, "needs an id", field=where))
            continue
        where = f"assumptions[{item['id']}]"
        if item["id"] in values:
            problems.append(Problem(shown, "duplicate id", field=where))
        for key in ("sets", "value", "source"):
            if item.get(key) in (None, ""):
                problems.append(Problem(shown, "is missing", field=f"{where}.{key}"))
        source = item.get("source")
        if source == "paper" and not str(item.get("location", "")).strip():
            problems.append(
                Problem(shown, "a paper-based assumption needs the location of its passage", field=f"{where}.location")
            )
        elif source == "assumption" and not str(item.get("note", "")).strip():
            problems.append(Problem(shown, "an assumption needs a note saying why", field=f"{where}.note"))
        elif source not in ("paper", "assumption"):
            problems.append(Problem(shown, f"'{source}' is not one of: paper, assumption", field=f"{where}.source"))
        values[item["id"]] = item.get("value")
        rows.append(
            {
                "assumption": item["id"],
                "sets": item.get("sets", ""),
                "value": _show(item.get("value")),
                "source": source,
                "location or note": "; ".join(str(item[k]) for k in ("location", "note") if item.get(k)),
            }
        )
    for key in REQUIRED:
        if key not in values:
            problems.append(Problem(shown, "required assumption is missing", field=f"assumptions[{key}]"))
    if problems:
        raise DataValidationError(problems)
    return Assumptions(
        values=values,
        table=pd.DataFrame(rows),
        label=str(doc.get("label", "Synthetic demonstration data")),
        default_seed=int(doc.get("default_seed", 0)),
        digest=hashlib.sha256(text).hexdigest(),
    )


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_show(v)}" for k, v in value.items())
    return str(value)
