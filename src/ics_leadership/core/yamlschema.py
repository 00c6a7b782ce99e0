"""YAML data files validated against JSON Schema, every problem named by file, line and field.

Each YAML format of the compendium (``data/raw/*.yaml``, ``pipeline.yaml``, mappings, a coded-data
folder's ``corpus.yaml``) has a JSON Schema in ``ics_leadership/schemas/<name>.schema.json``, shipped
with the package. The schema holds the structure (keys, types, allowed values, required fields) and
the descriptions the book's data dictionary prints; code keeps only what a schema cannot say
(cross-references between files, graph checks).

Why not ``yaml.safe_load`` plus ``jsonschema.validate``: that stops at the first problem and loses
where it is. Here the file is parsed once into nodes (``yaml.compose``), which keep their line
numbers, and once into data; every schema error's path (``nodes[3].label``) is mapped back to the
line of the node it points at, and all problems are reported together. Duplicate keys, which
``yaml.safe_load`` silently resolves to the last one, are reported too.

Typical use in a loader::

    doc = read_document(path)
    problems = schema_problems(doc, "codebook")
    ...  # checks in code on doc.data, reported with doc.problem(("contributions", 2, "id"), "...")
    if problems:
        raise DataValidationError(problems)
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from ics_leadership.core.errors import DataValidationError, Problem
from ics_leadership.core.paths import display_path

# jsonschema imports rfc3987_syntax when it is installed (the lock has it, for jupyter-events) and
# that compiles 39 grammars at import: about a second on every command, only for the "iri" formats,
# which no schema here uses (no format checker is passed). Marking it absent before the first import
# of jsonschema in this process skips that; it changes nothing we validate.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

import jsonschema  # noqa: E402

#: Where a value sits in a document: mapping keys and list indices, outermost first.
Location = Sequence[str | int]

_JSON_TYPE = {
    dict: "a mapping",
    list: "a list",
    str: "text",
    bool: "true or false",
    int: "a whole number",
    float: "a number",
    type(None): "empty",
}
_SCHEMA_TYPE = {
    "object": "a mapping",
    "array": "a list",
    "string": "text",
    "boolean": "true or false",
    "integer": "a whole number",
    "number": "a number",
    "null": "empty",
}


@dataclass(frozen=True)
class YamlDocument:
    """A parsed YAML file: its data, its node tree (for line numbers) and the name shown to users."""

    data: Any
    root: yaml.Node | None
    shown: str

    def line(self, where: Location) -> int | None:
        """1-based line of the value at ``where``; of its nearest existing parent if it is absent."""
        node = self.root
        line = node.start_mark.line + 1 if node is not None else None
        for step in where:
            # A mapping's value is shown at its key: a nested block starts on the line after it.
            key = _key_node(node, str(step)) if isinstance(node, yaml.MappingNode) else None
            node = _child(node, step)
            if node is None:
                break
            line = (key or node).start_mark.line + 1
        return line

    def problem(self, where: Location, message: str) -> Problem:
        """A :class:`Problem` at ``where`` (field written ``nodes[3].label``), with its line."""
        return Problem(self.shown, message, field=field_name(where) or None, line=self.line(where))


def duplicate_ids(doc: YamlDocument, items: Any, where: tuple, what: str) -> list[Problem]:
    """A problem for each of ``items`` (the list at ``where`` in ``doc``) whose ``id`` an earlier one has:
    "{what} id 'x' appears twice (first at line N)". An item without a text id is the schema's to report."""
    problems: list[Problem] = []
    first: dict[str, int] = {}
    for i, item in enumerate(items if isinstance(items, list) else []):
        item_id = item.get("id") if isinstance(item, dict) else None
        if not isinstance(item_id, str):
            continue
        at = (*where, i, "id")
        if item_id in first:
            problems.append(doc.problem(at, f"{what} id '{item_id}' appears twice (first at line {first[item_id]})"))
        first.setdefault(item_id, doc.line(at) or 0)
    return problems


def field_name(where: Location) -> str:
    """``("nodes", 3, "label")`` → ``nodes[3].label``."""
    out = ""
    for step in where:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


def _child(node: yaml.Node | None, step: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == str(step):
                return value
    elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
        return node.value[step]
    return None


def _key_node(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, _ in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return k
    return None


def parse_document(text: str, shown: str) -> YamlDocument:
    """Parse YAML ``text`` safely (no arbitrary objects); ``shown`` names it in problems.

    Raises
    ------
    DataValidationError
        When the text is not valid YAML (with line and column) or repeats a key in one mapping.
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = getattr(exc, "problem", None) or "syntax error"
        raise DataValidationError([Problem(shown, f"not valid YAML{where}: {reason}")]) from None
    duplicates = list(_duplicate_keys(root, shown, ()))
    if duplicates:
        raise DataValidationError(duplicates)
    return YamlDocument(data, root, shown)


def _duplicate_keys(node: yaml.Node | None, shown: str, where: tuple) -> Iterable[Problem]:
    if isinstance(node, yaml.MappingNode):
        first: dict[str, int] = {}
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else str(key)
            line = key.start_mark.line + 1
            if name in first:
                yield Problem(
                    shown,
                    f"key appears twice in one mapping (first at line {first[name]}); YAML would keep only the last",
                    field=field_name((*where, name)),
                    line=line,
                )
            first.setdefault(name, line)
            yield from _duplicate_keys(value, shown, (*where, name))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield from _duplicate_keys(item, shown, (*where, i))


def read_document(path: Path | str) -> YamlDocument:
    """Read and parse the YAML file ``path``.

    Raises
    ------
    DataValidationError
        When the file is missing, not UTF-8, or not valid YAML.
    """
    path = Path(path)
    shown = display_path(path)
    if not path.is_file():
        raise DataValidationError([Problem(shown, "file not found")])
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataValidationError([Problem(shown, f"not valid UTF-8 text ({exc.reason})")]) from None
    return parse_document(text, shown)


@cache
def load_schema(name: str) -> dict[str, Any]:
    """The JSON Schema ``name`` (``schemas/<name>.schema.json`` in the package)."""
    text = resources.files("ics_leadership").joinpath("schemas", f"{name}.schema.json").read_text(encoding="utf-8")
    schema = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


def schema_problems(doc: YamlDocument, name: str) -> list[Problem]:
    """Every way ``doc`` breaks the schema ``name``, in document order, each with line and field."""
    validator = jsonschema.Draft202012Validator(load_schema(name))
    problems: list[tuple[int, str, Problem]] = []
    for error in validator.iter_errors(doc.data):
        for problem in _explain(doc, error):
            problems.append((problem.line or 0, problem.field or "", problem))
    problems.sort(key=lambda t: (t[0], t[1]))
    # jsonschema raises one "required" error per missing field, and each is explained by listing
    # every missing field: without this, n missing fields would each be reported n times.
    return list(dict.fromkeys(p for _, _, p in problems))


def validate_file(path: Path | str, name: str) -> YamlDocument:
    """Read ``path`` and check it against schema ``name``; raise listing every problem."""
    doc = read_document(path)
    problems = schema_problems(doc, name)
    if problems:
        raise DataValidationError(problems)
    return doc


def _explain(doc: YamlDocument, error: jsonschema.ValidationError) -> list[Problem]:
    """Turn one jsonschema error into problems a person can act on."""
    where = list(error.absolute_path)
    kind = error.validator
    if error.context and kind in ("anyOf", "oneOf"):
        # Report the alternative that came closest rather than "is not valid under any of the given schemas".
        return _explain(doc, jsonschema.exceptions.best_match(error.context))
    custom = error.schema.get("errorMessage") if isinstance(error.schema, dict) else None
    if "propertyNames" in error.relative_schema_path:
        where.append(str(error.instance))  # the offending key itself, not its mapping
    if kind == "required":
        missing = [name for name in error.validator_value if name not in (error.instance or {})]
        return [doc.problem([*where, name], custom or "required field is missing") for name in missing]
    if kind == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        patterns = list(error.schema.get("patternProperties", {}))
        out = []
        for key in sorted(error.instance, key=str):
            if key in allowed or any(re.search(p, str(key)) for p in patterns):
                continue
            hint = f" (allowed: {', '.join(allowed)})" if allowed else ""
            key_node = _key_node(_node_at(doc, where), str(key))
            line = key_node.start_mark.line + 1 if key_node is not None else doc.line(where)
            out.append(Problem(doc.shown, f"unknown field{hint}", field=field_name([*where, key]), line=line))
        return out
    if custom:
        message = custom
    elif kind == "type":
        expected = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        wanted = " or ".join(_SCHEMA_TYPE.get(t, t) for t in expected)
        found = _JSON_TYPE.get(type(error.instance), type(error.instance).__name__)
        message = f"must be {wanted} (found {found})"
    elif kind == "enum":
        message = f"{error.instance!r} is not one of: {', '.join(map(str, error.validator_value))}"
    elif kind == "const":
        message = f"must be {error.validator_value!r} (found {error.instance!r})"
    elif kind == "minLength" and error.validator_value == 1:
        message = "must not be blank"
    elif kind == "pattern":
        message = f"{error.instance!r} does not match the pattern {error.validator_value}"
    elif kind == "minItems" and error.validator_value == 1:
        message = "needs at least one entry"
    elif kind == "uniqueItems":
        message = "lists an entry more than once"
    else:
        message = error.message
    return [doc.problem(where, message)]


def _node_at(doc: YamlDocument, where: Location) -> yaml.Node | None:
    node = doc.root
    for step in where:
        node = _child(node, step)
    return node


def dictionary(name: str) -> pd.DataFrame:
    """The data dictionary of YAML format ``name``: one row per field, from its schema.

    Columns: ``field`` (``contributions[].activities[].id``), ``type``, ``required``, ``allowed
    values`` and ``description``; rows in the schema's order, parents before their fields.
    """
    schema = load_schema(name)
    rows: list[dict[str, str]] = []
    _walk(schema, schema, "", True, rows)
    return pd.DataFrame(rows, columns=["field", "type", "required", "allowed values", "description"])


def _resolve(root: dict, node: dict) -> dict:
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        target: Any = root
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _type_of(node: dict) -> str:
    kind = node.get("type")
    if isinstance(kind, list):
        return " or ".join(_SCHEMA_TYPE.get(t, t).removeprefix("a ") for t in kind)
    if kind:
        return _SCHEMA_TYPE.get(kind, kind).removeprefix("a ")
    if "enum" in node:
        return "text"
    return "any"


def _walk(root: dict, node: dict, path: str, required: bool, rows: list[dict[str, str]]) -> None:
    node = _resolve(root, node)
    # A list of mappings is described by its parent's row and the rows of the mappings' fields.
    if path and not (path.endswith("[]") and "properties" in node):
        allowed = node.get("enum") or ([node["const"]] if "const" in node else [])
        rows.append(
            {
                "field": path,
                "type": _type_of(node),
                "required": "yes" if required else "no",
                "allowed values": ", ".join(map(str, allowed)),
                "description": " ".join(str(node.get("description", "")).split()),
            }
        )
    needed = set(node.get("required", []))
    for key, sub in node.get("properties", {}).items():
        _walk(root, sub, f"{path}.{key}" if path else key, key in needed, rows)
    for pattern, sub in node.get("patternProperties", {}).items():
        _walk(root, sub, f"{path}.<{_pattern_label(sub, pattern)}>" if path else f"<{pattern}>", True, rows)
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        label = _resolve(root, extra).get("title", "key")
        _walk(root, extra, f"{path}.<{label}>" if path else f"<{label}>", False, rows)
    items = node.get("items")
    if isinstance(items, dict):
        _walk(root, items, f"{path}[]", True, rows)


def _pattern_label(sub: dict, pattern: str) -> str:
    return sub.get("title", pattern) if isinstance(sub, dict) else pattern
