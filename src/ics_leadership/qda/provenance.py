"""``corpus.yaml``: where imported coded data came from and how they were read.

The format version, the source (format, tool, file name and checksum: never a ``basePath`` or any
absolute path, see :func:`scrub`), the import's rules, the documents per offset reading and per way
it was decided, the counts and one line per kind of warning. Written with ``yaml.safe_dump``.
Separate from the tables (:mod:`ics_leadership.qda.csvwriter`): provenance is metadata, checked for
paths and redacted with the pseudonyms, where the tables are data.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from ics_leadership import __version__
from ics_leadership.core.csvformat import FORMAT_VERSION
from ics_leadership.core.manifest import sha256_file
from ics_leadership.qda import privacy
from ics_leadership.qda.model import ImportResult

_ABSOLUTE_PATH = re.compile(r"(?:^|[\s\"'(=])(?:/[^/\s]+){2,}|[A-Za-z]:[\\/]|\\\\[^\\\s]+\\")


def scrub(value: Any) -> Any:
    """Drop text that looks like an absolute path from metadata (never write where files live)."""
    if isinstance(value, str) and _ABSOLUTE_PATH.search(value):
        return "(withheld: contains a file path)"
    return value


def reading_summary(result: ImportResult) -> dict[str, dict[str, int]]:
    """Documents per offset reading used, and per way it was decided (for corpus.yaml)."""
    readings = Counter(reading for _doc, reading, _basis in result.readings)
    bases = Counter(basis for _doc, _reading, basis in result.readings)
    return {"offset_readings": dict(sorted(readings.items())), "offset_reading_basis": dict(sorted(bases.items()))}


def corpus_yaml(
    result: ImportResult,
    source: Path,
    pseudonyms: privacy.Pseudonyms,
    rules: dict[str, str],
    counts: dict[str, int],
    warnings: list[str] | None = None,
) -> bytes:
    meta = result.meta
    tool = meta.get("origin")
    described = f"{result.format}" + (f", {tool}" if tool else "")
    shown = meta.get("file") or source.name
    doc: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "synthetic": False,
        "description": scrub(f"Coded data imported from {shown} ({described})"),
        "source": {
            k: scrub(v)
            for k, v in {
                "format": result.format,
                "container": meta.get("container"),
                "file": shown,
                "sha256": sha256_file(source) if source.is_file() else None,
                "tool": tool,
                "project": meta.get("project"),
            }.items()
            if v
        },
        "import": {
            "importer": f"ics-leadership {__version__}",
            "coders_anonymised": "coders" in pseudonyms.kinds,
            "anonymised": pseudonyms.kinds,
            **rules,
            **reading_summary(result),
            "warnings": warnings or [],
        },
        "counts": counts,
    }
    if pseudonyms:
        doc = pseudonyms.redact_all(doc)
    header = "# Provenance of this coded data, written by `ics-leadership import`.\n"
    return (header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=120)).encode("utf-8")
