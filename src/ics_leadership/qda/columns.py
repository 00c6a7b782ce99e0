"""Names in the canonical tables of an import: coder labels, and attributes mapped to columns.

Separate from writing the tables (:mod:`ics_leadership.qda.csvwriter`): these decide what the
columns and coder names are (a tool's user GUIDs, names used twice, attributes named like a
schema column), and note in the report what they changed.
"""

from __future__ import annotations

import re

from ics_leadership.qda.model import ImportResult

UNKNOWN_CODER = "unknown"


def coder_labels(result: ImportResult, used: list[str], anonymise: bool) -> dict[str, str]:
    """Coder key -> name written to codings.csv.

    With ``anonymise`` the labels are ``coder_1``, ``coder_2``, ... in the order of the coders' keys
    (REFI-QDA user GUID, QualCoder owner, ...), so the same project gives the same labels every run.
    """
    keys = sorted(set(used))
    if anonymise:
        return {k: f"coder_{i}" for i, k in enumerate(keys, start=1)}
    labels: dict[str, str] = {}
    taken: set[str] = set()
    for k in keys:
        name = (result.coders.get(k) or "").strip() or (k or UNKNOWN_CODER)
        base, n = name, 1
        while name in taken:
            n += 1
            name = f"{base} ({n})"
        if name != base:
            result.note("two coders with the same name", item=k, detail=f"written as '{name}'")
        if k and k not in result.coders and result.format == "refi-qda":
            result.note("coder not in the project's Users", item=k, detail="written as the user GUID")
        taken.add(name)
        labels[k] = name
    return labels


def author_labels(result: ImportResult, authors: list[str], labels: dict[str, str], anonymise: bool) -> dict[str, str]:
    """Names for note authors who coded nothing (``labels``: the coders'), keyed like coders.

    With ``anonymise`` they continue the coders' numbering (``coder_3``, ... in the order of their
    keys), so the coders' own labels do not depend on whether notes are imported; otherwise their
    user name (the key where the project names none), made distinct from every coder's.
    """
    extra = sorted({a for a in authors if a and a not in labels})
    if anonymise:
        first = len(set(labels.values())) + 1
        return {k: f"coder_{i}" for i, k in enumerate(extra, start=first)}
    taken = set(labels.values())
    out: dict[str, str] = {}
    for k in extra:
        name = base = (result.coders.get(k) or "").strip() or k
        n = 1
        while name in taken:
            n += 1
            name = f"{base} ({n})"
        taken.add(name)
        out[k] = name
    return out


def _attribute_columns(
    records: list[dict[str, str]], table: str, fixed: set[str], result: ImportResult
) -> dict[str, str]:
    """Map attribute names to column names of ``table`` ("documents" or "participants").

    An attribute named like a schema column (``site``, ``level``, ...; ignoring case) fills that
    column when every value is valid there; otherwise, like any other attribute, it is kept as an
    extra column (prefixed ``attr_`` where the name is taken).
    """
    names: list[str] = []
    for rec in records:
        for name in rec:
            if name not in names:
                names.append(name)
    if not names:
        return {}
    from ics_leadership.coding.format import CODED_PARTICIPANTS, DOCUMENTS  # only when there are attributes

    schema = DOCUMENTS if table == "documents" else CODED_PARTICIPANTS
    schema_cols = {c.name: c for c in schema.columns}
    mapping: dict[str, str] = {}
    taken = {n.lower() for n in fixed} | {n.lower() for n in schema_cols}
    used_schema: set[str] = set()
    for name in names:
        canon = re.sub(r"\s+", "_", name.strip().lower())
        col = schema_cols.get(canon)
        if col is not None and canon not in fixed and canon not in used_schema:
            try:
                for rec in records:
                    if rec.get(name, "").strip():
                        col.parse(rec[name].strip())
            except ValueError as exc:
                result.note(
                    f"attribute kept as an extra column of {table}.csv",
                    item=name,
                    detail=f"not used as '{canon}': {exc}",
                )
            else:
                mapping[name] = canon
                used_schema.add(canon)
                continue
        out = name.strip() or "attribute"
        if out.lower() in taken:
            out = f"attr_{out}"
        base, n = out, 1
        while out.lower() in taken:
            n += 1
            out = f"{base}_{n}"
        taken.add(out.lower())
        mapping[name] = out
    return mapping
