"""The conceptual model (the paper's Figure 1) as data: ``data/raw/model.yaml``.

The model has three layers, sources of influence -> primary contributions -> secondary effects,
and links between them, each stated in the paper or inferred by us (with a reason). The file also
holds the theory crosswalk (McGuire; Ansell and Gash; Senge et al.), the structural, procedural
and ideational domains, and where the paper places each contribution by governance level and stage.

:func:`load_model` validates everything on load and reports every problem at once, each with
its line and the YAML path of the field (for example ``model.yaml, line 160, field
'links[3].target'``). The structure (keys, types, allowed values, required and non-blank fields,
lower_snake_case ids, a reason for whatever is inferred) is ``schemas/model.schema.json``, which
the book's data dictionary prints; the checks across entries are
:mod:`ics_leadership.facts.model_checks`:

- every link joins two known nodes and goes from one layer to the *next* (source -> contribution
  or contribution -> effect). Links within a layer are not allowed: the paper describes the
  contributions as overlapping and mutually reinforcing, a relation without a direction, which the
  file records under ``interconnections`` instead;
- the graph is acyclic (implied by the layering, but checked on its own so that a cycle is
  reported as a cycle), every node has the links its layer needs (a source at least one outgoing
  link, an effect at least one incoming, a contribution both) and the graph is in one piece;
- contribution nodes carry the codebook id of their contribution, and every contribution of the
  codebook has exactly one node.

The parts of the model (:class:`Node`, :class:`Link`, ...) and its vocabulary are
:mod:`~ics_leadership.facts.model_types`; its tables :mod:`~ics_leadership.facts.model_tables`;
weighting the links with coded data :mod:`ics_leadership.facts.model_weights`; drawing
:mod:`ics_leadership.figures.model`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ics_leadership.core import paths
from ics_leadership.core.errors import DataValidationError
from ics_leadership.core.yamlschema import YamlDocument, read_document, schema_problems
from ics_leadership.facts.codebook import CODEBOOK_FILE, Codebook, load_codebook
from ics_leadership.facts.model_checks import model_problems
from ics_leadership.facts.model_tables import ModelTables
from ics_leadership.facts.model_types import (
    ARROW,
    BASES,
    CONCENTRATION_EMPHASES,
    CONFLICTS,
    DISPUTED,
    LAYERS,
    MODEL_FILE,
    PRECEDENCE,
    ConcentrationReport,
    ContributionRelation,
    Domain,
    Layer,
    Link,
    Node,
    Theory,
    TheoryElement,
)
from ics_leadership.facts.vocabulary import LEVELS, STAGES

__all__ = [
    "ARROW",
    "BASES",
    "DISPUTED",
    "CONCENTRATION_EMPHASES",
    "LAYERS",
    "MODEL_FILE",
    "Domain",
    "Layer",
    "Link",
    "ContributionRelation",
    "Model",
    "Node",
    "ConcentrationReport",
    "Theory",
    "TheoryElement",
    "load_model",
    "parse_model",
]


@dataclass(frozen=True)
class Model(ModelTables):
    """The validated conceptual model: its parts, look-ups and counts; its tables come from :class:`ModelTables`."""

    layers: tuple[Layer, ...]
    nodes: tuple[Node, ...]
    links: tuple[Link, ...]
    theories: tuple[Theory, ...]
    domains: tuple[Domain, ...]
    concentration: dict[
        str, dict[str, dict[str, tuple[ConcentrationReport, ...]]]
    ]  # "levels"/"stages" -> contribution -> key
    interconnections: dict[str, str] = field(default_factory=dict)
    path: Path | None = None

    # -- look-ups ---------------------------------------------------------------------------------
    def node(self, node_id: str) -> Node:
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)

    def label(self, node_id: str) -> str:
        return self.node(node_id).label

    def layer(self, layer_id: str) -> Layer:
        for layer in self.layers:
            if layer.id == layer_id:
                return layer
        raise KeyError(layer_id)

    def nodes_in(self, layer: str) -> list[Node]:
        """Nodes of one layer, in file order."""
        return [n for n in self.nodes if n.layer == layer]

    def links_of_kind(self, source_layer: str) -> list[Link]:
        """Links leaving ``source_layer`` ("source": to contributions; "contribution": to effects)."""
        layer_of = {n.id: n.layer for n in self.nodes}
        return [link for link in self.links if layer_of[link.source] == source_layer]

    @property
    def stated(self) -> list[Link]:
        return [link for link in self.links if link.basis == "stated"]

    @property
    def inferred(self) -> list[Link]:
        return [link for link in self.links if link.basis == "inferred"]

    def contribution_node(self, code: str) -> Node:
        """The contribution node whose ``code`` is the codebook contribution ``code``."""
        for n in self.nodes_in("contribution"):
            if n.code == code:
                return n
        raise KeyError(code)

    def link_text(self, link: Link) -> str:
        """ "Clinical expertise → Analytical insight"."""
        return f"{self.label(link.source)} {ARROW} {self.label(link.target)}"

    # -- summaries (the tables are in ModelTables) --------------------------------------------------
    def summary(self) -> dict[str, int]:
        """Counts quoted in the book's prose."""
        disputed = [
            self.concentration_cell(dim, c, k)[0] == DISPUTED
            for dim, by_contribution in self.concentration.items()
            for c, cells in by_contribution.items()
            for k in cells
        ]
        elements = [e for t in self.theories for e in t.elements]
        return {
            "n_nodes": len(self.nodes),
            "n_links": len(self.links),
            "n_stated": len(self.stated),
            "n_inferred": len(self.inferred),
            "n_source_links": len(self.links_of_kind("source")),
            "n_effect_links": len(self.links_of_kind("contribution")),
            "n_sources": len(self.nodes_in("source")),
            "n_contributions": len(self.nodes_in("contribution")),
            "n_effects": len(self.nodes_in("effect")),
            "n_theories": len(self.theories),
            "n_theory_elements": len(elements),
            "n_elements_unmapped": sum(1 for e in elements if not e.mappings),
            "n_mappings_stated": sum(1 for e in elements for m in e.mappings if m.basis == "stated"),
            "n_mappings_inferred": sum(1 for e in elements for m in e.mappings if m.basis == "inferred"),
            "n_disputed_cells": sum(disputed),
        }

    def concentration_cell(self, dimension: str, contribution: str, key: str) -> tuple[str, bool]:
        """The emphasis shown for one cell, and whether any report in it is inferred.

        Reports that agree give their emphasis; reports that disagree give :data:`DISPUTED`.
        """
        reports = self.concentration[dimension][contribution][key]
        emphases = {r.emphasis for r in reports}
        if any(pair <= emphases for pair in CONFLICTS):
            shown = DISPUTED
        else:  # compatible reports: the more specific one speaks for the cell
            shown = next(e for e in PRECEDENCE if e in emphases)
        return shown, any(r.basis == "inferred" for r in reports)


def load_model(path: Path | str | None = None, codebook: Codebook | None = None) -> Model:
    """Load and validate ``model.yaml``.

    Parameters
    ----------
    path
        The model file (default: ``data/raw/model.yaml``).
    codebook
        Contribution nodes must name this codebook's contributions. Default: ``codebook.yaml``
        beside the model file when it exists (otherwise contribution codes are not cross-checked).

    Raises
    ------
    DataValidationError
        Every problem found, each with its line and the YAML path of the field.
    """
    path = Path(path) if path is not None else paths.raw_dir() / MODEL_FILE
    doc = read_document(path)
    if codebook is None and (path.parent / CODEBOOK_FILE).is_file():
        codebook = load_codebook(path.parent / CODEBOOK_FILE)
    return dataclasses.replace(parse_model(doc, doc.shown, codebook), path=path)


def parse_model(doc: YamlDocument | Any, shown: str = MODEL_FILE, codebook: Codebook | None = None) -> Model:
    """Validate a model document and build the :class:`Model` (see :func:`load_model`).

    ``doc`` is a :class:`~ics_leadership.core.yamlschema.YamlDocument` (problems then carry their
    lines) or already-loaded data (problems name the field only; ``shown`` names the file).
    """
    if not isinstance(doc, YamlDocument):
        doc = YamlDocument(doc, None, shown)
    codes = codebook.contribution_ids if codebook is not None else None
    problems = schema_problems(doc, "model") + model_problems(doc, codes)
    if problems:
        raise DataValidationError(sorted(problems, key=lambda p: p.line or 0))
    return _build(doc.data)


def _text(value: Any) -> str:
    """Text as shown: runs of white space (a folded YAML block's line breaks) become one space."""
    return " ".join(str(value).split())


def _optional(entry: dict, key: str) -> str | None:
    return _text(entry[key]) if entry.get(key) not in (None, "") else None


def _texts(entry: dict, *keys: str) -> dict[str, str]:
    return {key: _text(entry[key]) for key in keys}


def _mappings(entries: list[dict]) -> tuple[ContributionRelation, ...]:
    return tuple(
        ContributionRelation(m["contribution"], m["basis"], _text(m["location"]), _optional(m, "reason"))
        for m in entries
    )


def _build(data: dict) -> Model:
    """The :class:`Model` of a document that passed every check."""
    nodes = tuple(
        Node(n["id"], n["layer"], code=n.get("code"), **_texts(n, "label", "description", "location"))
        for n in data["nodes"]
    )
    links = tuple(
        Link(
            i,
            link["source"],
            link["target"],
            link["basis"],
            _text(link["location"]),
            _text(link["summary"]),
            reason=_optional(link, "reason"),
            note=_optional(link, "note"),
            via=_optional(link, "via"),
        )
        for i, link in enumerate(data["links"])
    )
    theories = tuple(
        Theory(
            t["id"],
            elements=tuple(
                TheoryElement(
                    e["id"],
                    mappings=_mappings(e["mappings"]),
                    note=_optional(e, "note"),
                    **_texts(e, "label", "definition", "location"),
                )
                for e in t["elements"]
            ),
            **_texts(t, "label", "authors", "reference", "definition", "location"),
        )
        for t in data["theories"]
    )
    domains = tuple(
        Domain(
            d["id"],
            covers=tuple(d["covers"]),
            mappings=_mappings(d["mappings"]),
            **_texts(d, "label", "description", "location"),
        )
        for d in data["domains"]
    )
    # Cells in the model's order (contributions as the nodes list them, levels and stages as defined).
    codes = [n.code for n in nodes if n.layer == "contribution"]
    concentration = {
        dimension: {
            code: {
                key: tuple(
                    ConcentrationReport(
                        r["emphasis"], r["basis"], _text(r["location"]), _optional(r, "note"), _optional(r, "reason")
                    )
                    for r in data["concentration"][dimension][code][key]
                )
                for key in keys
            }
            for code in codes
        }
        for dimension, keys in (("levels", LEVELS), ("stages", STAGES))
    }
    return Model(
        layers=tuple(Layer(item["id"], **_texts(item, "label", "description", "location")) for item in data["layers"]),
        nodes=nodes,
        links=links,
        theories=theories,
        domains=domains,
        concentration=concentration,
        interconnections=dict(data["interconnections"]),
    )
