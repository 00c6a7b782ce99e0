"""The parts of the conceptual model (``data/raw/model.yaml``) and its vocabulary.

Plain frozen data classes, one per kind of entry in the file (layer, node, link, mapping of a
contribution to a theory element or domain, theory and its elements, domain, concentration
report), and the allowed values the file uses. :class:`~ics_leadership.facts.model.Model` holds
them together; ``schemas/model.schema.json`` states the same vocabulary for validation (a test
keeps the two equal).
"""

from __future__ import annotations

from dataclasses import dataclass

MODEL_FILE = "model.yaml"
LAYERS = ("source", "contribution", "effect")
BASES = ("stated", "inferred")
#: How the paper places a contribution at a level or stage, in words no stronger than its own:
#: "associated" (the Discussion names the contribution for that tier or stage, or the Results call
#: it more pronounced there), "present" (described there), "less pronounced", "not described".
CONCENTRATION_EMPHASES = ("associated", "present", "less pronounced", "not described")
#: Shown for a concentration cell whose reports disagree.
DISPUTED = "reports differ"
#: Emphases that cannot both be true of one cell ("present" is compatible with the others but
#: "not described"; "associated" refines "present", "less pronounced" qualifies it).
CONFLICTS = (
    frozenset({"associated", "less pronounced"}),
    frozenset({"associated", "not described"}),
    frozenset({"present", "not described"}),
    frozenset({"less pronounced", "not described"}),
)
#: Among compatible emphases, the more specific one speaks for the cell.
PRECEDENCE = ("associated", "less pronounced", "present", "not described")
ARROW = "\u2192"


@dataclass(frozen=True)
class Layer:
    """One column of the figure."""

    id: str
    label: str
    description: str
    location: str


@dataclass(frozen=True)
class Node:
    """One box of the model."""

    id: str
    layer: str
    label: str
    description: str
    location: str
    code: str | None = None  # codebook code that evidences this node in coded data


@dataclass(frozen=True)
class Link:
    """One arrow of the model, stated in the paper or inferred by us."""

    index: int  # position in the file's ``links`` list (for messages: ``links[3]``)
    source: str
    target: str
    basis: str
    location: str
    summary: str
    reason: str | None = None
    note: str | None = None
    via: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.target)


@dataclass(frozen=True)
class ContributionRelation:
    """A contribution related to a theory element or a domain."""

    contribution: str
    basis: str
    location: str
    reason: str | None = None


@dataclass(frozen=True)
class TheoryElement:
    """A task, style or capability a theory names, and the contributions related to it."""

    id: str
    label: str
    definition: str
    location: str
    mappings: tuple[ContributionRelation, ...]
    note: str | None = None


@dataclass(frozen=True)
class Theory:
    """A leadership theory that framed the study, with its elements."""

    id: str
    label: str
    authors: str
    reference: str
    definition: str
    location: str
    elements: tuple[TheoryElement, ...]


@dataclass(frozen=True)
class Domain:
    """A domain (structural, procedural, ideational) and the contributions related to it."""

    id: str
    label: str
    covers: tuple[str, ...]
    description: str
    location: str
    mappings: tuple[ContributionRelation, ...]


@dataclass(frozen=True)
class ConcentrationReport:
    """What the paper says about one contribution at one level or stage, and where."""

    emphasis: str
    basis: str
    location: str
    note: str | None = None
    reason: str | None = None
