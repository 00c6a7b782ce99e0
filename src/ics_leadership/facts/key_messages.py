"""Key messages for leaders of integrated care systems (``data/raw/key_messages.yaml``).

Each message paraphrases a conclusion of the paper in our own words, with its location, and says
whether the paper states it or the compendium infers it (``basis``); an inferred message carries
its reason and is never shown as the paper's finding. Home renders them
(:func:`ics_leadership.figures.home.key_messages_markdown`); ``tests/test_fidelity.py`` checks that
every location exists in the paper and that no message ranks or hedges differently from the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ics_leadership.core import paths
from ics_leadership.core.errors import DataValidationError
from ics_leadership.core.yamlschema import duplicate_ids, read_document, schema_problems

KEY_MESSAGES_FILE = "key_messages.yaml"


@dataclass(frozen=True)
class KeyMessage:
    """One key message: what it says, where the paper says it, and on what basis."""

    id: str
    headline: str
    message: str
    location: str
    basis: str  # "stated" or "inferred"
    reason: str | None = None

    @property
    def inferred(self) -> bool:
        return self.basis == "inferred"


def load_key_messages(path: Path | str | None = None) -> tuple[KeyMessage, ...]:
    """Load and validate the key messages, in file order.

    The structure is checked against ``schemas/key_messages.schema.json`` (an inferred message
    needs a reason); that each id appears once is checked here. Every problem is listed with its
    line and field.

    Raises
    ------
    DataValidationError
        Every problem found, each with its line and the YAML path of the field.
    """
    path = Path(path or paths.raw_dir() / KEY_MESSAGES_FILE)
    doc = read_document(path)
    messages = doc.data.get("messages") if isinstance(doc.data, dict) else None
    repeated = duplicate_ids(doc, messages, ("messages",), "message")
    problems = sorted(schema_problems(doc, "key_messages") + repeated, key=lambda p: p.line or 0)
    if problems:
        raise DataValidationError(problems)
    return tuple(
        KeyMessage(
            m["id"],
            _text(m["headline"]),
            _text(m["message"]),
            _text(m["location"]),
            m["basis"],
            _text(m["reason"]) if m.get("reason") else None,
        )
        for m in doc.data["messages"]
    )


def _text(value: str) -> str:
    """Text as shown: runs of white space (a folded YAML block's line breaks) become one space."""
    return " ".join(str(value).split())
