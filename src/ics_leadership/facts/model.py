"""The conceptual model (the paper's Figure 1) as data: ``data/raw/model.yaml``.

The model has three layers, sources of influence -> primary contributions -> secondary effects,
and links between them, each stated in the paper or inferred by us (with a reason). The file also
holds the theory crosswalk (McGuire; Ansell and Gash; Senge et al.), the structural, procedural
and ideational domains, and where each contribution concentrates by governance level and stage.

:func:`load_model` validates everything on load and reports every problem at once, naming the
node or link and the YAML path of the field (for example ``links[3].target``):

- ids are unique and in lower_snake_case; required fields are present and not blank;
- every link joins two known nodes and goes from one layer to the *next* (source -> contribution
  or contribution -> effect). Links within a layer are not allowed: the paper describes the
  contributions as overlapping and mutually reinforcing, a relation without a direction, which the
  file records under ``interconnections`` instead;
- the graph is acyclic (implied by the layering, but checked on its own so that a cycle is
  reported as a cycle), every node has the links its layer needs (a source at least one outgoing
  link, an effect at least one incoming, a contribution both) and the graph is in one piece;
- contribution nodes carry the codebook id of their contribution, and every contribution of the
  codebook has exactly one node.

Weighting the links with coded data is :mod:`ics_leadership.facts.model_weights`; drawing is
:mod:`ics_leadership.figures.model`.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ics_leadership.core import paths
from ics_leadership.core.errors import DataValidationError, Problem
from ics_leadership.core.schema import LEVELS, read_yaml
from ics_leadership.facts.codebook import CODEBOOK_FILE, STAGES, Codebook, load_codebook

MODEL_FILE = "model.yaml"
LAYERS = ("source", "contribution", "effect")
BASES = ("stated", "inferred")
EMPHASES = ("concentrated", "present", "less pronounced", "not described")
#: Shown for a concentration cell whose reports disagree.
DISPUTED = "reports differ"
#: Emphases that cannot both be true of one cell ("present" is compatible with the others but
#: "not described"; "concentrated" refines "present", "less pronounced" qualifies it).
_CONFLICTS = (
    frozenset({"concentrated", "less pronounced"}),
    frozenset({"concentrated", "not described"}),
    frozenset({"present", "not described"}),
    frozenset({"less pronounced", "not described"}),
)
_PRECEDENCE = ("concentrated", "less pronounced", "present", "not described")
ARROW = "\u2192"

_ID = re.compile(r"[a-z][a-z0-9_]*")
_NODE_KEYS = {"id", "layer", "label", "description", "location", "code"}
_LINK_KEYS = {"source", "target", "basis", "location", "summary", "reason", "note", "via"}
_MAPPING_KEYS = {"contribution", "basis", "location", "reason"}
_REPORT_KEYS = {"emphasis", "basis", "location", "note", "reason"}


# --------------------------------------------------------------------------------------------------
# Data classes
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Layer:
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
class Mapping:
    """A contribution related to a theory element or a domain."""

    contribution: str
    basis: str
    location: str
    reason: str | None = None


@dataclass(frozen=True)
class TheoryElement:
    id: str
    label: str
    definition: str
    location: str
    mappings: tuple[Mapping, ...]
    note: str | None = None


@dataclass(frozen=True)
class Theory:
    id: str
    label: str
    authors: str
    reference: str
    definition: str
    location: str
    elements: tuple[TheoryElement, ...]


@dataclass(frozen=True)
class Domain:
    id: str
    label: str
    covers: tuple[str, ...]
    description: str
    location: str
    mappings: tuple[Mapping, ...]


@dataclass(frozen=True)
class Report:
    """What the paper says about one contribution at one level or stage, and where."""

    emphasis: str
    basis: str
    location: str
    note: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Model:
    """The validated conceptual model."""

    layers: tuple[Layer, ...]
    nodes: tuple[Node, ...]
    links: tuple[Link, ...]
    theories: tuple[Theory, ...]
    domains: tuple[Domain, ...]
    concentration: dict[str, dict[str, dict[str, tuple[Report, ...]]]]  # "levels"/"stages" -> contribution -> key
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

    # -- summaries and tables ---------------------------------------------------------------------
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

    # Each table comes in two forms: the default keeps one fact per column (for CSV files); with
    # ``compact=True`` related facts share a column, so the table fits the book's text column.

    def nodes_table(self, compact: bool = False) -> pd.DataFrame:
        """One row per node: layer, node, id, code, description, location."""
        frame = pd.DataFrame(
            [
                {
                    "layer": self.layer(n.layer).label,
                    "node": n.label,
                    "id": n.id,
                    "code": n.code or "",
                    "description": n.description,
                    "location": n.location,
                }
                for n in self.nodes
            ]
        )
        if compact:
            frame = frame[["layer", "node", "description", "location"]].rename(
                columns={"layer": "column", "node": "box", "location": "where in the paper"}
            )
        return frame

    def _reading(self, link: Link) -> str:
        """A link's summary with its note, primary effect and, if inferred, the reason."""
        text = link.summary
        if link.via:
            text += f" Primary effect on the way: {link.via}."
        if link.note:
            text += f" {link.note}"
        if link.basis == "inferred":
            text += f" Inferred: {link.reason}"
        return text

    def links_table(self, compact: bool = False) -> pd.DataFrame:
        """One row per link: source, target, from, to, basis, location, summary, via, note, reason."""
        if compact:
            return pd.DataFrame(
                [
                    {
                        "link": self.link_text(link),
                        "basis": link.basis,
                        "where in the paper": link.location,
                        "what it says": self._reading(link),
                    }
                    for link in self.links
                ]
            )
        return pd.DataFrame(
            [
                {
                    "source": link.source,
                    "target": link.target,
                    "from": self.label(link.source),
                    "to": self.label(link.target),
                    "basis": link.basis,
                    "location": link.location,
                    "summary": link.summary,
                    "via": link.via or "",
                    "note": link.note or "",
                    "reason": link.reason or "",
                }
                for link in self.links
            ]
        )

    def _mapping_text(self, mappings: tuple[Mapping, ...]) -> str:
        return "; ".join(f"{self.contribution_node(m.contribution).label} ({m.basis})" for m in mappings)

    @staticmethod
    def _locations(mappings: tuple[Mapping, ...]) -> str:
        parts = [part.strip() for m in mappings for part in m.location.split(";")]
        return "; ".join(dict.fromkeys(parts))

    def crosswalk_table(self, compact: bool = False) -> pd.DataFrame:
        """The theory crosswalk: one row per theory element with the contributions related to it.

        Columns: theory, element, definition, contributions (each with its basis), where defined,
        where related, reason or note. ``compact=True`` gives theory, element and contributions only
        (the overview); :meth:`crosswalk_detail` gives the rest.
        """
        rows = []
        for t in self.theories:
            for e in t.elements:
                reasons = [
                    f"{self.contribution_node(m.contribution).label}: {m.reason}"
                    for m in e.mappings
                    if m.basis == "inferred"
                ]
                rows.append(
                    {
                        "theory": f"{t.label} ({t.authors})",
                        "element": e.label,
                        "definition": e.definition,
                        "contributions": self._mapping_text(e.mappings) or "none in the paper",
                        "where defined": e.location,
                        "where related": self._locations(e.mappings),
                        "reason or note": " ".join(reasons) or (e.note or ""),
                    }
                )
        frame = pd.DataFrame(rows)
        return frame[["theory", "element", "contributions"]] if compact else frame

    def crosswalk_detail(self) -> pd.DataFrame:
        """The crosswalk's definitions, locations and reasons, in four columns for reading."""
        full = self.crosswalk_table()
        return pd.DataFrame(
            {
                "element": full["element"] + " (" + full["theory"].str.extract(r"\((.*)\)$")[0] + ")",
                "definition": full["definition"],
                "where in the paper": "defined: "
                + full["where defined"]
                + full["where related"].map(lambda w: f"; related: {w}" if w else ""),
                "reason or note": full["reason or note"],
            }
        )

    def domains_table(self, compact: bool = False) -> pd.DataFrame:
        """One row per domain: what it covers (stated) and the contributions we relate to it (inferred)."""
        rows = []
        for d in self.domains:
            reasons = " ".join(
                f"{self.contribution_node(m.contribution).label}: {m.reason}" for m in d.mappings if m.reason
            )
            if compact:
                why = " ".join(
                    f"{self.contribution_node(m.contribution).label} ({m.basis}): {m.reason or ''}" for m in d.mappings
                )
                rows.append(
                    {
                        "domain": f"{d.label}: {', '.join(d.covers)} ({d.location})",
                        "description": d.description,
                        "contributions and why": why.strip(),
                    }
                )
            else:
                rows.append(
                    {
                        "domain": d.label,
                        "covers": ", ".join(d.covers),
                        "description": d.description,
                        "location": d.location,
                        "contributions": self._mapping_text(d.mappings),
                        "reason": reasons,
                    }
                )
        return pd.DataFrame(rows)

    def concentration_reports(self, codebook: Codebook | None = None, compact: bool = False) -> pd.DataFrame:
        """Every concentration report, long: dimension, contribution, key, emphasis, basis, location, note, reason.

        ``compact=True`` (labels from ``codebook`` when given): contribution, level or stage,
        emphasis (marked when inferred), where in the paper, note (with the reason if inferred).
        """
        rows = []
        for dimension in ("levels", "stages"):
            for contribution, cells in self.concentration[dimension].items():
                for key, reports in cells.items():
                    for r in reports:
                        rows.append(
                            {
                                "dimension": dimension,
                                "contribution": contribution,
                                "key": key,
                                "emphasis": r.emphasis,
                                "basis": r.basis,
                                "location": r.location,
                                "note": r.note or "",
                                "reason": r.reason or "",
                            }
                        )
        frame = pd.DataFrame(rows)
        if not compact:
            return frame
        names = {**{k: v["label"] for k, v in (codebook.levels | codebook.stages).items()}} if codebook else {}
        return pd.DataFrame(
            {
                "contribution": frame["contribution"].map(lambda c: self.contribution_node(c).label),
                "level or stage": [names.get(k, k.capitalize()) for k in frame["key"]],
                "emphasis": frame["emphasis"] + frame["basis"].map({"inferred": " (inferred)", "stated": ""}),
                "where in the paper": frame["location"],
                "note": (frame["note"] + frame["reason"].map(lambda r: f" Inferred: {r}" if r else "")).str.strip(),
            }
        )

    def concentration_cell(self, dimension: str, contribution: str, key: str) -> tuple[str, bool]:
        """The emphasis shown for one cell, and whether any report in it is inferred.

        Reports that agree give their emphasis; reports that disagree give :data:`DISPUTED`.
        """
        reports = self.concentration[dimension][contribution][key]
        emphases = {r.emphasis for r in reports}
        if any(pair <= emphases for pair in _CONFLICTS):
            shown = DISPUTED
        else:  # compatible reports: the more specific one speaks for the cell
            shown = next(e for e in _PRECEDENCE if e in emphases)
        return shown, any(r.basis == "inferred" for r in reports)

    def concentration_matrix(self, codebook: Codebook | None = None, cite: bool = False) -> pd.DataFrame:
        """Contributions (rows) by level and stage (columns): the emphasis of each cell.

        A cell whose reports disagree lists each emphasis (with its location when ``cite``); a cell
        resting on an inferred report is marked "(inferred)". Column labels come from ``codebook``
        when given.
        """
        level_label = {lvl: (codebook.levels[lvl]["label"] if codebook else lvl.capitalize()) for lvl in LEVELS}
        stage_label = {s: (codebook.stages[s]["label"] if codebook else s.capitalize()) for s in STAGES}
        data = {}
        for node in self.nodes_in("contribution"):
            row = {}
            for dimension, keys, labels in (("levels", LEVELS, level_label), ("stages", STAGES, stage_label)):
                for key in keys:
                    reports = self.concentration[dimension][node.code][key]
                    shown, inferred = self.concentration_cell(dimension, node.code, key)
                    if shown == DISPUTED:
                        text = f"{DISPUTED}: " + " / ".join(
                            f"{r.emphasis} ({r.location})" if cite else r.emphasis for r in reports
                        )
                    else:
                        text = shown + (" (inferred)" if inferred else "")
                    row[labels[key]] = text
            data[node.label] = row
        frame = pd.DataFrame(data).T
        frame.index.name = "Contribution"
        return frame


# --------------------------------------------------------------------------------------------------
# Loading and validation
# --------------------------------------------------------------------------------------------------


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
        Every problem found, each naming the node or link and the YAML path of the field.
    """
    path = Path(path) if path is not None else paths.raw_dir() / MODEL_FILE
    shown = paths.display_path(path)
    doc = read_yaml(path)
    if codebook is None and (path.parent / CODEBOOK_FILE).is_file():
        codebook = load_codebook(path.parent / CODEBOOK_FILE)
    return dataclasses.replace(parse_model(doc, shown, codebook), path=path)


def parse_model(doc: Any, shown: str = MODEL_FILE, codebook: Codebook | None = None) -> Model:
    """Validate an already-parsed model document (see :func:`load_model`)."""
    v = _Validator(shown)
    if not isinstance(doc, dict):
        raise DataValidationError(
            [Problem(shown, "expected a mapping with layers, nodes, links, theories, domains and concentration")]
        )
    layers = v.layers(doc.get("layers"))
    nodes = v.nodes(doc.get("nodes"), codebook)
    links = v.links(doc.get("links"), nodes)
    if nodes and links:
        v.graph(nodes, links)  # on the links that join known nodes, so a cycle is named even beside other errors
    contribution_codes = [n.code for n in nodes if n.layer == "contribution" and n.code]
    theories = v.theories(doc.get("theories"), contribution_codes)
    domains = v.domains(doc.get("domains"), contribution_codes)
    concentration = v.concentration(doc.get("concentration"), contribution_codes)
    interconnections = doc.get("interconnections") or {}
    for key in ("description", "location"):
        v.text(interconnections, key, "interconnections")
    if v.problems:
        raise DataValidationError(v.problems)
    return Model(
        layers=layers,
        nodes=tuple(nodes),
        links=tuple(links),
        theories=theories,
        domains=domains,
        concentration=concentration,
        interconnections=dict(interconnections),
    )


class _Validator:
    """Collects problems while reading the model document."""

    def __init__(self, shown: str):
        self.shown = shown
        self.problems: list[Problem] = []

    def add(self, message: str, field: str | None = None) -> None:
        self.problems.append(Problem(self.shown, message, field=field))

    def text(self, obj: Any, key: str, where: str, who: str = "") -> str | None:
        value = obj.get(key) if isinstance(obj, dict) else None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            self.add(f"{who}is missing or blank", f"{where}.{key}")
            return None
        return " ".join(value.split())

    def optional_text(self, obj: dict, key: str) -> str | None:
        value = obj.get(key)
        return " ".join(str(value).split()) if value not in (None, "") else None

    def unknown_keys(self, obj: dict, allowed: set[str], where: str, who: str = "") -> None:
        for key in sorted(set(obj) - allowed, key=str):
            self.add(f"{who}unknown key '{key}' (allowed: {', '.join(sorted(allowed))})", f"{where}.{key}")

    def check_list(self, value: Any, where: str, allow_empty: bool = False) -> list:
        if not isinstance(value, list) or (not value and not allow_empty):
            self.add("needs a non-empty list" if not allow_empty else "needs a list", where)
            return []
        return value

    # -- sections ---------------------------------------------------------------------------------
    def layers(self, raw: Any) -> tuple[Layer, ...]:
        items = self.check_list(raw, "layers")
        ids = [item.get("id") if isinstance(item, dict) else None for item in items]
        if items and ids != list(LAYERS):
            self.add(f"must list the layers {', '.join(LAYERS)} in this order (found {ids})", "layers")
            return ()
        out = []
        for i, item in enumerate(items):
            texts = {k: self.text(item, k, f"layers[{i}]") for k in ("label", "description", "location")}
            out.append(Layer(ids[i], **{k: t or "" for k, t in texts.items()}))
        return tuple(out)

    def nodes(self, raw: Any, codebook: Codebook | None) -> list[Node]:
        items = self.check_list(raw, "nodes")
        nodes: list[Node] = []
        seen: dict[str, int] = {}
        codes: dict[str, str] = {}
        for i, item in enumerate(items):
            where = f"nodes[{i}]"
            if not isinstance(item, dict):
                self.add("expected a mapping with id, layer, label, description and location", where)
                continue
            nid = item.get("id")
            if not isinstance(nid, str) or not _ID.fullmatch(nid):
                self.add(f"node {i}: needs an id in lower_snake_case (found {nid!r})", f"{where}.id")
                continue
            who = f"node '{nid}': "
            if nid in seen:
                self.add(f"{who}duplicate node id (first at nodes[{seen[nid]}])", f"{where}.id")
                continue
            seen[nid] = i
            self.unknown_keys(item, _NODE_KEYS, where, who)
            layer = item.get("layer")
            if layer not in LAYERS:
                self.add(f"{who}layer {layer!r} is not one of: {', '.join(LAYERS)}", f"{where}.layer")
                layer = None
            texts = {k: self.text(item, k, where, who) for k in ("label", "description", "location")}
            code = item.get("code")
            if layer == "contribution" and not code:
                self.add(f"{who}a contribution node needs the codebook id of its contribution", f"{where}.code")
            if code is not None:
                if not isinstance(code, str) or not code.strip():
                    self.add(f"{who}code must be text", f"{where}.code")
                    code = None
                elif code in codes:
                    self.add(f"{who}code '{code}' is already used by node '{codes[code]}'", f"{where}.code")
                else:
                    codes[code] = nid
                    if codebook is not None and layer == "contribution" and code not in codebook.contribution_ids:
                        self.add(
                            f"{who}code '{code}' is not a contribution of the codebook "
                            f"({', '.join(codebook.contribution_ids)})",
                            f"{where}.code",
                        )
            nodes.append(Node(nid, layer or "", code=code, **{k: t or "" for k, t in texts.items()}))
        if codebook is not None and items:
            coded = {n.code for n in nodes if n.layer == "contribution"}
            for cid in codebook.contribution_ids:
                if cid not in coded:
                    self.add(
                        f"the codebook contribution '{cid}' has no node (a contribution node with code: {cid})", "nodes"
                    )
        return nodes

    def links(self, raw: Any, nodes: list[Node]) -> list[Link]:
        items = self.check_list(raw, "links")
        layer_of = {n.id: n.layer for n in nodes}
        links: list[Link] = []
        seen: dict[tuple[str, str], int] = {}
        for i, item in enumerate(items):
            where = f"links[{i}]"
            if not isinstance(item, dict):
                self.add("expected a mapping with source, target, basis, location and summary", where)
                continue
            src, tgt = item.get("source"), item.get("target")
            who = f"link {i} ({src} {ARROW} {tgt}): "
            self.unknown_keys(item, _LINK_KEYS, where, who)
            ok = True
            for end, value in (("source", src), ("target", tgt)):
                if not isinstance(value, str) or not value:
                    self.add(f"{who}{end} is missing", f"{where}.{end}")
                    ok = False
                elif value not in layer_of:
                    self.add(f"{who}unknown node '{value}' (not in nodes)", f"{where}.{end}")
                    ok = False
            basis = item.get("basis")
            if basis not in BASES:
                self.add(f"{who}basis {basis!r} is not one of: {', '.join(BASES)}", f"{where}.basis")
            location = self.text(item, "location", where, who)
            summary = self.text(item, "summary", where, who)
            reason = self.optional_text(item, "reason")
            if basis == "inferred" and not reason:
                self.add(f"{who}an inferred link needs a one-line reason", f"{where}.reason")
            if not ok:
                continue
            if (src, tgt) in seen:
                self.add(f"{who}duplicate link (first at links[{seen[(src, tgt)]}])", where)
                continue
            seen[(src, tgt)] = i
            ls, lt = layer_of[src], layer_of[tgt]
            if ls in LAYERS and lt in LAYERS and LAYERS.index(lt) != LAYERS.index(ls) + 1:
                self.add(
                    f"{who}goes from layer '{ls}' to layer '{lt}'; links go from one layer to the next only "
                    f"({f' {ARROW} '.join(LAYERS)})",
                    where,
                )
            links.append(
                Link(
                    i,
                    src,
                    tgt,
                    basis or "",
                    location or "",
                    summary or "",
                    reason=reason,
                    note=self.optional_text(item, "note"),
                    via=self.optional_text(item, "via"),
                )
            )
        return links

    def graph(self, nodes: list[Node], links: list[Link]) -> None:
        """Acyclic, every node linked as its layer needs, and all in one piece."""
        out: dict[str, list[Link]] = {n.id: [] for n in nodes}
        into: dict[str, list[Link]] = {n.id: [] for n in nodes}
        for link in links:
            out[link.source].append(link)
            into[link.target].append(link)
        for cycle, closing in _cycles(nodes, out):
            path = f" {ARROW} ".join(cycle + [cycle[0]])
            self.add(
                f"link {closing.index} ({closing.source} {ARROW} {closing.target}) closes a cycle: {path}",
                f"links[{closing.index}]",
            )
        index = {n.id: i for i, n in enumerate(nodes)}
        for n in nodes:
            where, who = f"nodes[{index[n.id]}]", f"node '{n.id}' ({n.layer}): "
            if not out[n.id] and not into[n.id]:
                self.add(f"{who}is not connected: no link starts or ends here", where)
                continue
            if n.layer in LAYERS[1:] and not into[n.id]:
                self.add(f"{who}has no incoming link from layer '{LAYERS[LAYERS.index(n.layer) - 1]}'", where)
            if n.layer in LAYERS[:-1] and not out[n.id]:
                self.add(f"{who}has no outgoing link to layer '{LAYERS[LAYERS.index(n.layer) + 1]}'", where)
        parts = _components(nodes, links)
        if len(parts) > 1 and all(out[n.id] or into[n.id] for n in nodes):
            listed = "; ".join("{" + ", ".join(p) + "}" for p in parts)
            self.add(f"the model falls into {len(parts)} unconnected parts: {listed}", "links")

    def _mappings(self, raw: Any, where: str, codes: list[str], who: str) -> tuple[Mapping, ...]:
        items = self.check_list(raw, f"{where}.mappings", allow_empty=True)
        out = []
        for j, m in enumerate(items):
            mwhere = f"{where}.mappings[{j}]"
            if not isinstance(m, dict):
                self.add(f"{who}expected a mapping with contribution, basis and location", mwhere)
                continue
            self.unknown_keys(m, _MAPPING_KEYS, mwhere, who)
            contribution = m.get("contribution")
            if contribution not in codes:
                self.add(
                    f"{who}unknown contribution {contribution!r} (one of: {', '.join(codes)})", f"{mwhere}.contribution"
                )
            basis = m.get("basis")
            if basis not in BASES:
                self.add(f"{who}basis {basis!r} is not one of: {', '.join(BASES)}", f"{mwhere}.basis")
            location = self.text(m, "location", mwhere, who)
            reason = self.optional_text(m, "reason")
            if basis == "inferred" and not reason:
                self.add(f"{who}an inferred mapping needs a reason", f"{mwhere}.reason")
            out.append(Mapping(str(contribution), str(basis), location or "", reason))
        return tuple(out)

    def theories(self, raw: Any, codes: list[str]) -> tuple[Theory, ...]:
        out = []
        for i, t in enumerate(self.check_list(raw, "theories")):
            where = f"theories[{i}]"
            if not isinstance(t, dict) or not isinstance(t.get("id"), str):
                self.add("expected a mapping with an id", f"{where}.id")
                continue
            who = f"theory '{t['id']}': "
            texts = {
                k: self.text(t, k, where, who) or ""
                for k in ("label", "authors", "reference", "definition", "location")
            }
            elements = []
            for j, e in enumerate(self.check_list(t.get("elements"), f"{where}.elements")):
                ewhere = f"{where}.elements[{j}]"
                if not isinstance(e, dict) or not isinstance(e.get("id"), str):
                    self.add(f"{who}expected an element with an id", f"{ewhere}.id")
                    continue
                ewho = f"theory '{t['id']}', element '{e['id']}': "
                etexts = {k: self.text(e, k, ewhere, ewho) or "" for k in ("label", "definition", "location")}
                mappings = self._mappings(e.get("mappings"), ewhere, codes, ewho)
                note = self.optional_text(e, "note")
                if not mappings and not note:
                    self.add(f"{ewho}maps to no contribution; say why in a note", f"{ewhere}.note")
                elements.append(TheoryElement(e["id"], mappings=mappings, note=note, **etexts))
            out.append(Theory(t["id"], elements=tuple(elements), **texts))
        return tuple(out)

    def domains(self, raw: Any, codes: list[str]) -> tuple[Domain, ...]:
        out = []
        for i, d in enumerate(self.check_list(raw, "domains")):
            where = f"domains[{i}]"
            if not isinstance(d, dict) or not isinstance(d.get("id"), str):
                self.add("expected a mapping with an id", f"{where}.id")
                continue
            who = f"domain '{d['id']}': "
            texts = {k: self.text(d, k, where, who) or "" for k in ("label", "description", "location")}
            covers = d.get("covers")
            if not isinstance(covers, list) or not covers or not all(isinstance(c, str) and c for c in covers):
                self.add(f"{who}needs a non-empty list of what the domain covers", f"{where}.covers")
                covers = []
            mappings = self._mappings(d.get("mappings"), where, codes, who)
            out.append(Domain(d["id"], covers=tuple(covers), mappings=mappings, **texts))
        return tuple(out)

    def concentration(self, raw: Any, codes: list[str]) -> dict[str, dict[str, dict[str, tuple[Report, ...]]]]:
        result: dict[str, dict[str, dict[str, tuple[Report, ...]]]] = {"levels": {}, "stages": {}}
        if not isinstance(raw, dict):
            self.add("needs a mapping with 'levels' and 'stages'", "concentration")
            return result
        for dimension, keys in (("levels", LEVELS), ("stages", STAGES)):
            where = f"concentration.{dimension}"
            body = raw.get(dimension)
            if not isinstance(body, dict):
                self.add("needs a mapping of contribution -> " + ("level" if dimension == "levels" else "stage"), where)
                continue
            for extra in sorted(set(body) - set(codes), key=str):
                self.add(f"unknown contribution '{extra}' (one of: {', '.join(codes)})", f"{where}.{extra}")
            for code in codes:
                cells = body.get(code)
                if not isinstance(cells, dict):
                    self.add(f"contribution '{code}' is missing", f"{where}.{code}")
                    continue
                for extra in sorted(set(cells) - set(keys), key=str):
                    self.add(f"'{extra}' is not one of: {', '.join(keys)}", f"{where}.{code}.{extra}")
                result[dimension][code] = {}
                for key in keys:
                    cwhere = f"{where}.{code}.{key}"
                    reports = []
                    for j, r in enumerate(self.check_list(cells.get(key), cwhere)):
                        rwhere, who = f"{cwhere}[{j}]", f"{code} at {key}: "
                        if not isinstance(r, dict):
                            self.add(f"{who}expected a mapping with emphasis, basis and location", rwhere)
                            continue
                        self.unknown_keys(r, _REPORT_KEYS, rwhere, who)
                        if r.get("emphasis") not in EMPHASES:
                            self.add(
                                f"{who}emphasis {r.get('emphasis')!r} is not one of: {', '.join(EMPHASES)}",
                                f"{rwhere}.emphasis",
                            )
                        if r.get("basis") not in BASES:
                            self.add(
                                f"{who}basis {r.get('basis')!r} is not one of: {', '.join(BASES)}", f"{rwhere}.basis"
                            )
                        location = self.text(r, "location", rwhere, who)
                        reason = self.optional_text(r, "reason")
                        if r.get("basis") == "inferred" and not reason:
                            self.add(f"{who}an inferred report needs a reason", f"{rwhere}.reason")
                        reports.append(
                            Report(
                                str(r.get("emphasis")),
                                str(r.get("basis")),
                                location or "",
                                self.optional_text(r, "note"),
                                reason,
                            )
                        )
                    result[dimension][code][key] = tuple(reports)
        return result


def _cycles(nodes: list[Node], out: dict[str, list[Link]]) -> list[tuple[list[str], Link]]:
    """Each cycle found by depth-first search, as its nodes and the link that closes it."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    stack: list[str] = []
    found: list[tuple[list[str], Link]] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for link in out[node]:
            nxt = link.target
            if state.get(nxt) == 1:
                found.append((stack[stack.index(nxt) :], link))
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for n in nodes:
        if n.id not in state:
            visit(n.id)
    return found


def _components(nodes: list[Node], links: list[Link]) -> list[list[str]]:
    """Weakly connected parts of the graph, each in node order."""
    neighbours: dict[str, set[str]] = {n.id: set() for n in nodes}
    for link in links:
        neighbours[link.source].add(link.target)
        neighbours[link.target].add(link.source)
    seen: set[str] = set()
    parts = []
    for n in nodes:
        if n.id in seen:
            continue
        part, todo = set(), [n.id]
        while todo:
            cur = todo.pop()
            if cur in part:
                continue
            part.add(cur)
            todo.extend(neighbours[cur] - part)
        seen |= part
        parts.append([m.id for m in nodes if m.id in part])
    return parts


# --------------------------------------------------------------------------------------------------
# Weighting links with coded data
# --------------------------------------------------------------------------------------------------
