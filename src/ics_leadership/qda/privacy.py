r"""Pseudonyms for an import (``--anonymise``), the key file, and privacy warnings.

Pseudonyms
----------
``import --anonymise`` writes coders as ``coder_1``, ``coder_2``, ..., documents as ``document_1``,
... and cases (participants) as ``participant_1``, ...; ``--anonymise-coders`` replaces coders only.
Numbers follow the tool's own identifiers (REFI-QDA GUIDs, QualCoder ids, Taguette document names;
canonical CSV ids), never the input order, so importing the same project twice gives the same
pseudonyms. Excerpts are not touched (``--no-excerpts`` leaves them out). Notes (``--notes``) use
the same pseudonyms for their authors, documents and cases (an author who coded nothing continues the
coders' numbering), and their free text is left out under ``--anonymise`` unless
``--keep-note-text`` (:mod:`ics_leadership.qda.notes`).

The originals appear nowhere in the output folder: ``corpus.yaml`` records what was anonymised, and
any text in it or in ``import_report.csv`` that names an original (as a whole word) names the
pseudonym instead. ``--anonymise-key FILE`` writes the pseudonym -> original key as CSV to ``FILE``, which
must not exist and must be outside ``--out``; without it no key is written anywhere.

Privacy warnings
----------------
A document name or a code description that holds a file path or a user's folder name
(``/home/NAME``, ``/Users/NAME``, ``C:\Users\NAME``) gives away who made the project, and where. Each
gives a ``warning`` row in the import report (``privacy: ...``), which ``import`` also prints.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ics_leadership.qda.errors import OutputExistsError
from ics_leadership.qda.model import ImportResult, ReportRow

KINDS = ("coders", "documents", "participants")
PREFIX = {"coders": "coder", "documents": "document", "participants": "participant"}
KEY_COLUMNS = ["kind", "pseudonym", "original"]

_USER_FOLDER = re.compile(
    r"(?:(?<![\w.])[A-Za-z]:[\\/]+(?:Users|Documents and Settings)[\\/]+|(?:^|(?<=[\s\"'(=]))/(?:home|Users)/)"
    r"[^\\/\s]+",
    re.IGNORECASE,
)
_PATH = re.compile(r"(?<![\w.])[A-Za-z]:[\\/]|(?:^|(?<=[\s\"'(=]))(?:/[^/\s]+){2,}|\\\\[^\\\s]+\\")


def kinds(anonymise: bool | str | Iterable[str] | None) -> tuple[str, ...]:
    """What to anonymise: ``True`` everything, ``False``/``None`` nothing, or some of :data:`KINDS`."""
    if anonymise is True:
        return KINDS
    if not anonymise:
        return ()
    wanted = {anonymise} if isinstance(anonymise, str) else set(anonymise)
    unknown = wanted - set(KINDS)
    if unknown:
        raise ValueError(f"cannot anonymise {', '.join(sorted(unknown))} (only {', '.join(KINDS)})")
    return tuple(k for k in KINDS if k in wanted)


def pseudonyms(kind: str, keyed: Iterable[tuple[str, str]]) -> dict[str, str]:
    """``{original: pseudonym}`` for ``(tool key, original)`` pairs, numbered in the order of the keys."""
    order = sorted(set(keyed))
    labels: dict[str, str] = {}
    for _key, original in order:
        if original not in labels:
            labels[original] = f"{PREFIX[kind]}_{len(labels) + 1}"
    return labels


class Pseudonyms:
    """The pseudonyms of one import, by kind, and how to keep originals out of free text."""

    def __init__(self) -> None:
        self.by_kind: dict[str, dict[str, str]] = {}
        self._compiled: tuple[dict[str, str], re.Pattern | None] | None = None

    def add(self, kind: str, labels: dict[str, str]) -> None:
        self.by_kind[kind] = labels
        self._compiled = None

    def __bool__(self) -> bool:
        return bool(self.by_kind)

    def get(self, kind: str, original: str) -> str:
        return self.by_kind.get(kind, {}).get(original, original)

    @property
    def kinds(self) -> list[str]:
        return [k for k in KINDS if k in self.by_kind]

    def _pattern(self) -> re.Pattern | None:
        """Every original name as a whole word (longest first: "Ann Lee" before "Ann")."""
        if self._compiled is None:
            labels = {o: p for by in self.by_kind.values() for o, p in by.items() if o.strip() and o != p}
            names = sorted(labels, key=len, reverse=True)
            self._compiled = (
                labels,
                re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, names)) + r")(?!\w)") if names else None,
            )
        return self._compiled[1]

    def redact(self, text: str) -> str:
        """``text`` with every original name (as a whole word) replaced by its pseudonym."""
        pattern = self._pattern()
        if pattern is None or not text:
            return text
        labels = self._compiled[0]
        return pattern.sub(lambda m: labels[m.group(0)], text)

    def redact_all(self, value: Any) -> Any:
        """Metadata (dicts, lists, strings) with every original name replaced by its pseudonym."""
        if isinstance(value, dict):
            return {self.redact_all(k): self.redact_all(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.redact_all(v) for v in value]
        if isinstance(value, str):
            return self.redact(value)
        return value

    def report_row(self, row: list) -> list:
        """An import-report row (severity, what, document, item, codings, detail) without originals."""
        severity, what, document, item, n, detail = row
        if document:
            named = self.by_kind.get("documents", {}).get(document)
            document = (
                named
                if named is not None
                else ("(withheld by --anonymise)" if "documents" in self.by_kind else self.redact(document))
            )
        return [severity, what, document, self.redact(item), n, self.redact(detail)]

    def key_rows(self) -> list[list[str]]:
        rows = []
        for kind in self.kinds:
            labels = self.by_kind[kind]
            rows.extend(
                [kind, label, original]
                for original, label in sorted(labels.items(), key=lambda item: int(item[1].rpartition("_")[2]))
            )
        return rows


# --- the key file ----------------------------------------------------------------------------------


def check_key_path(key: Path | None, out: Path, anonymised: Iterable[str]) -> None:
    """Refuse a key file that exists, lies inside ``out``, or has nothing to record.

    Raises
    ------
    OutputExistsError
        With a one-line message naming the file.
    """
    if key is None:
        return
    if not tuple(anonymised):
        raise OutputExistsError(f"{key}: --anonymise-key needs --anonymise or --anonymise-coders")
    key_abs, out_abs = _resolved(key), _resolved(out)
    if key_abs == out_abs or out_abs in key_abs.parents:
        raise OutputExistsError(
            f"{key}: the key file may not be inside --out ({out}): the key undoes the "
            f"anonymisation, so keep it apart from the data you share"
        )
    if key.exists() or key.is_symlink():
        raise OutputExistsError(f"{key}: exists; the key file is never overwritten, choose a new name")
    if not key_abs.parent.is_dir():
        raise OutputExistsError(f"{key}: its folder does not exist")


def _resolved(path: Path) -> Path:
    """``path`` made absolute with symbolic links of its existing part resolved."""
    return Path(os.path.realpath(Path(path).absolute()))


def write_key(key: Path, data: bytes) -> None:
    """Create ``key`` with ``data``; never replace a file (exclusive create)."""
    try:
        with open(key, "xb") as fh:
            fh.write(data)
    except FileExistsError:
        raise OutputExistsError(f"{key}: exists; the key file is never overwritten, choose a new name") from None


# --- warnings --------------------------------------------------------------------------------------


def exposure(text: str) -> str | None:
    """What ``text`` gives away: "a user name", "a file path", or None."""
    if not text:
        return None
    if _USER_FOLDER.search(text):
        return "a user name"
    if _PATH.search(text):
        return "a file path"
    return None


def warn(result: ImportResult) -> None:
    """Add a ``warning`` row for each document name and code description that holds a path or user name."""
    for doc in result.documents:
        found = exposure(doc.document_id)
        if found:
            result.report.append(
                ReportRow(
                    "warning",
                    f"privacy: document name contains {found}",
                    doc.document_id,
                    detail="rename the document in the project, or import with --anonymise",
                )
            )
    for code in sorted(result.codes.values(), key=lambda c: c.path):
        found = exposure(code.description)
        if found:
            result.report.append(
                ReportRow(
                    "warning",
                    f"privacy: code description contains {found}",
                    item=code.path,
                    detail="edit the description in the project",
                )
            )
