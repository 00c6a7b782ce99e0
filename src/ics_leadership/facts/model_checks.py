"""The checks of ``model.yaml`` that its JSON Schema cannot express.

``schemas/model.schema.json`` holds the structure of the file (keys, types, allowed values,
required and non-blank fields, id patterns). What needs more than one entry at a time is checked
here, on the parsed document, and every problem is reported through
:meth:`~ics_leadership.core.yamlschema.YamlDocument.problem`, so it carries its line and field:

- the layers are listed in the order source -> contribution -> effect;
- node ids are unique, and so are codes, theory, element and domain ids;
- a contribution node's code is a contribution of the codebook, and every contribution of the
  codebook has a node;
- a link joins two nodes of the file, appears once, and goes from one layer to the *next*;
- the graph has no cycle, every node has the links its layer needs (a source at least one
  outgoing link, an effect at least one incoming, a contribution both), and it is in one piece;
- mappings and concentration name contributions of the model, and concentration covers each of
  them under both levels and stages.

The checks read the document defensively (an entry the schema rejected is skipped, not trusted),
so they can run beside the schema and one run lists every problem.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from ics_leadership.core.errors import Problem
from ics_leadership.core.yamlschema import YamlDocument
from ics_leadership.facts.model_types import ARROW, LAYERS

#: A link as the graph checks see it: (position in ``links``, source id, target id).
Edge = tuple[int, str, str]


def model_problems(doc: YamlDocument, contribution_ids: Sequence[str] | None = None) -> list[Problem]:
    """Every cross-reference and graph problem of the model document ``doc``, in document order.

    Parameters
    ----------
    doc
        The parsed ``model.yaml`` (its structure is checked separately, against the schema).
    contribution_ids
        The codebook's contribution ids; contribution nodes are cross-checked against them when
        given.
    """
    data = doc.data if isinstance(doc.data, dict) else {}
    problems = _layer_order(doc, data)
    layer_of = _node_layers(doc, data, problems)
    problems += _codes(doc, data, contribution_ids)
    edges = _edges(doc, data, layer_of, problems)
    if layer_of and edges:  # on the links that join known nodes, so a cycle is named beside other errors
        problems += _graph(doc, layer_of, edges)
    codes = [n["code"] for _, n in _entries(data, "nodes") if n.get("layer") == "contribution" and n.get("code")]
    problems += _unique_ids(doc, data, "theories")
    for i, theory in _entries(data, "theories"):
        problems += _unique_ids(doc, theory, "elements", ("theories", i))
        for j, element in _entries(theory, "elements"):
            problems += _mappings(doc, element, ("theories", i, "elements", j), codes)
    problems += _unique_ids(doc, data, "domains")
    for i, domain in _entries(data, "domains"):
        problems += _mappings(doc, domain, ("domains", i), codes)
    problems += _concentration(doc, data.get("concentration"), codes)
    return sorted(problems, key=lambda p: p.line or 0)


def _entries(data: Any, key: str) -> Iterator[tuple[int, dict]]:
    """(index, entry) of the mappings in the list ``data[key]``; anything else is the schema's to report."""
    items = data.get(key) if isinstance(data, dict) else None
    for i, item in enumerate(items if isinstance(items, list) else []):
        if isinstance(item, dict):
            yield i, item


def _layer_order(doc: YamlDocument, data: dict) -> list[Problem]:
    layers = data.get("layers")
    ids = [item.get("id") if isinstance(item, dict) else None for item in layers] if isinstance(layers, list) else []
    if ids and ids != list(LAYERS):
        return [doc.problem(("layers",), f"must list the layers {', '.join(LAYERS)} in this order (found {ids})")]
    return []


def _node_layers(doc: YamlDocument, data: dict, problems: list[Problem]) -> dict[str, str]:
    """Each node id and its layer ("" when the layer is unknown); a repeated id is a problem."""
    layer_of: dict[str, str] = {}
    first: dict[str, int] = {}
    for i, node in _entries(data, "nodes"):
        node_id, layer = node.get("id"), node.get("layer")
        if not isinstance(node_id, str):
            continue
        if node_id in first:
            problems.append(
                doc.problem(
                    ("nodes", i, "id"), f"node '{node_id}': duplicate node id (first at nodes[{first[node_id]}])"
                )
            )
            continue
        first[node_id] = i
        layer_of[node_id] = layer if layer in LAYERS else ""
    return layer_of


def _codes(doc: YamlDocument, data: dict, contribution_ids: Sequence[str] | None) -> list[Problem]:
    """Codes are unique; contribution nodes and the codebook's contributions match one to one."""
    problems = []
    coded: dict[str, str] = {}
    for i, node in _entries(data, "nodes"):
        code, who = node.get("code"), f"node '{node.get('id')}'"
        if not isinstance(code, str):
            continue
        if code in coded:
            problems.append(
                doc.problem(("nodes", i, "code"), f"{who}: code '{code}' is already used by node '{coded[code]}'")
            )
            continue
        coded[code] = str(node.get("id"))
        if contribution_ids is not None and node.get("layer") == "contribution" and code not in contribution_ids:
            message = f"{who}: code '{code}' is not a contribution of the codebook ({', '.join(contribution_ids)})"
            problems.append(doc.problem(("nodes", i, "code"), message))
    if contribution_ids is not None and any(True for _ in _entries(data, "nodes")):
        has_node = {n.get("code") for _, n in _entries(data, "nodes") if n.get("layer") == "contribution"}
        for cid in contribution_ids:
            if cid not in has_node:
                message = f"the codebook contribution '{cid}' has no node (a contribution node with code: {cid})"
                problems.append(doc.problem(("nodes",), message))
    return problems


def _edges(doc: YamlDocument, data: dict, layer_of: dict[str, str], problems: list[Problem]) -> list[Edge]:
    """The links that join two known nodes, once each; unknown ends, repeats and skipped layers are problems.

    A link between layers that are not neighbours stays in the graph, so a cycle it closes is named too.
    """
    edges: list[Edge] = []
    first: dict[tuple[str, str], int] = {}
    for i, link in _entries(data, "links"):
        src, tgt = link.get("source"), link.get("target")
        unknown = [
            (end, n) for end, n in (("source", src), ("target", tgt)) if isinstance(n, str) and n not in layer_of
        ]
        for end, node_id in unknown:
            problems.append(
                doc.problem(("links", i, end), f"{_name(i, src, tgt)}: unknown node '{node_id}' (not in nodes)")
            )
        if unknown or src not in layer_of or tgt not in layer_of:
            continue
        if (src, tgt) in first:
            problems.append(
                doc.problem(("links", i), f"{_name(i, src, tgt)}: duplicate link (first at links[{first[(src, tgt)]}])")
            )
            continue
        first[(src, tgt)] = i
        ls, lt = layer_of[src], layer_of[tgt]
        if ls and lt and LAYERS.index(lt) != LAYERS.index(ls) + 1:
            message = (
                f"{_name(i, src, tgt)}: goes from layer '{ls}' to layer '{lt}'; links go from one layer to the "
                f"next only ({f' {ARROW} '.join(LAYERS)})"
            )
            problems.append(doc.problem(("links", i), message))
        edges.append((i, src, tgt))
    return edges


def _name(index: int, source: str, target: str) -> str:
    return f"link {index} ({source} {ARROW} {target})"


def _graph(doc: YamlDocument, layer_of: dict[str, str], edges: list[Edge]) -> list[Problem]:
    """Acyclic, every node linked as its layer needs, and all in one piece."""
    problems = []
    out: dict[str, list[Edge]] = {node: [] for node in layer_of}
    into: dict[str, list[Edge]] = {node: [] for node in layer_of}
    for edge in edges:
        out[edge[1]].append(edge)
        into[edge[2]].append(edge)
    for cycle, (i, src, tgt) in _cycles(out):
        path = f" {ARROW} ".join([*cycle, cycle[0]])
        problems.append(doc.problem(("links", i), f"{_name(i, src, tgt)} closes a cycle: {path}"))
    positions: dict[str, int] = {}
    for i, entry in _entries(doc.data, "nodes"):
        positions.setdefault(entry.get("id"), i)  # a repeated id is reported at its first node
    for node, layer in layer_of.items():
        where, who = ("nodes", positions[node]), f"node '{node}' ({layer}):"
        if not out[node] and not into[node]:
            problems.append(doc.problem(where, f"{who} is not connected: no link starts or ends here"))
            continue
        rank = LAYERS.index(layer) if layer else -1
        if rank > 0 and not into[node]:
            problems.append(doc.problem(where, f"{who} has no incoming link from layer '{LAYERS[rank - 1]}'"))
        if 0 <= rank < len(LAYERS) - 1 and not out[node]:
            problems.append(doc.problem(where, f"{who} has no outgoing link to layer '{LAYERS[rank + 1]}'"))
    parts = _components(list(layer_of), edges)
    if len(parts) > 1 and all(out[n] or into[n] for n in layer_of):
        listed = "; ".join("{" + ", ".join(p) + "}" for p in parts)
        problems.append(doc.problem(("links",), f"the model falls into {len(parts)} unconnected parts: {listed}"))
    return problems


def _cycles(out: dict[str, list[Edge]]) -> list[tuple[list[str], Edge]]:
    """Each cycle found by depth-first search, as its nodes and the link that closes it."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    stack: list[str] = []
    found: list[tuple[list[str], Edge]] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for edge in out[node]:
            nxt = edge[2]
            if state.get(nxt) == 1:
                found.append((stack[stack.index(nxt) :], edge))
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in out:
        if node not in state:
            visit(node)
    return found


def _components(nodes: list[str], edges: list[Edge]) -> list[list[str]]:
    """Weakly connected parts of the graph, each in node order."""
    neighbours: dict[str, set[str]] = {n: set() for n in nodes}
    for _, src, tgt in edges:
        neighbours[src].add(tgt)
        neighbours[tgt].add(src)
    seen: set[str] = set()
    parts = []
    for node in nodes:
        if node in seen:
            continue
        part, todo = set(), [node]
        while todo:
            cur = todo.pop()
            if cur not in part:
                part.add(cur)
                todo.extend(neighbours[cur] - part)
        seen |= part
        parts.append([n for n in nodes if n in part])
    return parts


def _unique_ids(doc: YamlDocument, data: Any, key: str, where: tuple = ()) -> list[Problem]:
    first: dict[str, int] = {}
    problems = []
    for i, entry in _entries(data, key):
        entry_id = entry.get("id")
        if isinstance(entry_id, str) and entry_id in first:
            message = f"duplicate id '{entry_id}' (first at {key}[{first[entry_id]}])"
            problems.append(doc.problem((*where, key, i, "id"), message))
        elif isinstance(entry_id, str):
            first[entry_id] = i
    return problems


def _mappings(doc: YamlDocument, owner: dict, where: tuple, codes: list[str]) -> list[Problem]:
    return [
        doc.problem(
            (*where, "mappings", j, "contribution"),
            f"unknown contribution {m['contribution']!r} (one of: {', '.join(codes)})",
        )
        for j, m in _entries(owner, "mappings")
        if isinstance(m.get("contribution"), str) and m["contribution"] not in codes
    ]


def _concentration(doc: YamlDocument, raw: Any, codes: list[str]) -> list[Problem]:
    """Concentration names each contribution of the model once under levels and stages, and no other."""
    problems = []
    for dimension in ("levels", "stages"):
        body = raw.get(dimension) if isinstance(raw, dict) else None
        if not isinstance(body, dict):
            continue  # the schema reports it
        where = ("concentration", dimension)
        for extra in sorted(set(body) - set(codes), key=str):
            message = f"unknown contribution '{extra}' (one of: {', '.join(codes)})"
            problems.append(doc.problem((*where, extra), message))
        for code in codes:
            if code not in body:
                problems.append(doc.problem((*where, code), f"contribution '{code}' is missing"))
    return problems
