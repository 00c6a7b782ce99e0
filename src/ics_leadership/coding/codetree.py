"""The codes an analysis counts, as a tree: any project's own codebook, or the compendium's.

Analyses of coded data (:mod:`.prevalence`, :mod:`.matrices`, :mod:`.coverage`, ...) take a
:class:`CodeTree`: the codes in the order tables list them, each code's parent, its label and its
kind. A project imported from NVivo, ATLAS.ti, MAXQDA, QualCoder or Taguette gets its tree from
the ``codebook.csv`` the importer wrote (or, failing that, from the code paths in
``codings.csv``: ``Parent/Child``); the compendium's codebook gives a two-level tree
(contributions and their activities, :meth:`ics_leadership.facts.codebook.Codebook.tree`).

**Roll-up.** A parent code counts what is coded with it *or any of its descendants*
(:meth:`CodeTree.roll_up`): a participant expresses a parent code when they have a coding of it
or of a child, and a span coded with a parent and its child is one passage of the parent (spans
are merged, :mod:`.spans`), not two.

The tree also carries the preferred order of attribute values (``orders``: the paper's levels
executive, thematic, project), used when the data use only those values
(:func:`ics_leadership.coding.format.ordered`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd

from ics_leadership.coding import codepath
from ics_leadership.core import csvformat, paths
from ics_leadership.core.errors import DataValidationError, Problem


class KnownCodes(Protocol):
    """Anything that lists valid codes: a :class:`CodeTree`, the compendium's codebook."""

    @property
    def codes(self) -> Sequence[str]: ...


#: The file an importer writes beside codings.csv with the project's codes (code, parent, ...).
PROJECT_CODEBOOK = "codebook.csv"


@dataclass(frozen=True)
class CodeTree:
    """Codes in table order, with their parents (``None`` at the top), labels and kinds.

    ``top_name`` names the column that gives each code's top-level ancestor in tables
    ("contribution" for the compendium's codebook). ``name`` says whose codes these are, for notes.
    """

    codes: tuple[str, ...]
    parents: Mapping[str, str | None]
    labels: Mapping[str, str] = field(default_factory=dict)
    kinds: Mapping[str, str] = field(default_factory=dict)
    orders: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    top_name: str = "top_level_code"
    name: str = "the project's codes"

    def __post_init__(self) -> None:
        missing = sorted({p for p in self.parents.values() if p is not None} - set(self.codes))
        if missing:
            raise ValueError(f"parent codes not in the tree: {', '.join(missing)}")

    def label(self, code: str) -> str:
        """The code's label (its last path level when no label was given)."""
        if code not in self.parents:
            raise KeyError(code)
        return self.labels.get(code) or _last_level(code)

    def kind(self, code: str) -> str:
        """The given kind, else "parent" for a code with children and "code" for the others."""
        return self.kinds.get(code) or ("parent" if code in self._children else "code")

    def top(self, code: str) -> str:
        """The code's top-level ancestor (a top-level code is its own)."""
        while self.parents.get(code) is not None:
            code = self.parents[code]  # type: ignore[assignment]
        return code

    def ancestors(self, code: str) -> list[str]:
        """Parent, grandparent, ... of ``code``."""
        out = []
        while self.parents.get(code) is not None:
            code = self.parents[code]  # type: ignore[assignment]
            out.append(code)
        return out

    @property
    def _children(self) -> set[str]:
        return {p for p in self.parents.values() if p is not None}

    def index_of(self, codes: pd.Series | Iterable[str]) -> np.ndarray:
        """The position of each code in :attr:`codes` (-1 for a code not in the tree)."""
        return pd.Index(self.codes).get_indexer(pd.Series(codes) if not isinstance(codes, pd.Series) else codes)

    def roll_up(self, codes: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        """Each coding once for its own code and once for every ancestor.

        Returns ``(row, code)``: positions into ``codes`` and the index (into :attr:`codes`) of the
        code each row counts for. Codings whose code is not in the tree are left out.
        """
        return self.roll_up_indices(self.index_of(codes.reset_index(drop=True)))

    def roll_up_codings(self, codings: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`roll_up` of a codings table, using its ``code_index`` column when it has one
        (:func:`ics_leadership.coding.prevalence.analysis_codings` adds it)."""
        if "code_index" in codings:
            return self.roll_up_indices(codings["code_index"].to_numpy())
        return self.roll_up(codings["code"])

    def roll_up_indices(self, own: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`roll_up` for codes given as positions in :attr:`codes` (-1: not in the tree)."""
        index = {c: i for i, c in enumerate(self.codes)}
        parent_of = np.array([index.get(self.parents.get(c) or "", -1) for c in self.codes], dtype=np.int64)
        rows, hits = [], []
        position = np.arange(len(own))
        current = np.asarray(own, dtype=np.int64)
        while current.size:  # one pass per generation: the code, its parent, its grandparent, ...
            keep = current >= 0
            if not keep.any():
                break
            rows.append(position[keep])
            hits.append(current[keep])
            position, current = position[keep], parent_of[current[keep]]
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.concatenate(rows), np.concatenate(hits)


def _last_level(code: str) -> str:
    try:
        return codepath.split(code)[-1]
    except ValueError:
        return code


def from_codes(codes: Iterable[str], version: int = 2) -> CodeTree:
    """A tree from code paths alone (``A/B`` is a child of ``A``), listed sorted; parents are added."""
    parents: dict[str, str | None] = {}
    for code in sorted({str(c) for c in codes}):
        levels = codepath.split(code, version)
        for depth in range(1, len(levels) + 1):
            path = codepath.join(levels[:depth])
            parents.setdefault(path, codepath.join(levels[: depth - 1]) if depth > 1 else None)
    # The written form of each code is kept: a path re-joined in the current version may differ
    # only for version-1 codes, whose levels never contain an escaped "/".
    return CodeTree(codes=tuple(sorted(parents)), parents=parents)


def load_project_tree(directory: Path | str, codes_used: Iterable[str], version: int = 2) -> CodeTree:
    """The project's codes: ``codebook.csv`` in ``directory`` when present, else the code paths used.

    ``codebook.csv`` (written by ``ics-leadership import``) lists every code with its parent, in
    the project's order; codes used in ``codings.csv`` but missing from it are an error, naming
    them, since their place in the tree is unknown.
    """
    directory = Path(directory)
    path = directory / PROJECT_CODEBOOK
    used = sorted({str(c) for c in codes_used})
    if not path.is_file():
        return from_codes(used, version)
    shown = paths.display_path(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise DataValidationError([Problem(shown, f"cannot read the project's codebook: {exc}")]) from None
    for column in ("code", "parent"):
        if column not in frame:
            raise DataValidationError([Problem(shown, f"column '{column}' is missing", field=column)])
        if version >= 2:  # text cells are protected as in codings.csv (core.csvformat)
            frame[column] = frame[column].map(csvformat.unprotect)
    problems = []
    duplicated = frame["code"].duplicated()
    for row in np.flatnonzero(duplicated.to_numpy())[:20]:
        problems.append(
            Problem(shown, f"code '{frame['code'].iat[row]}' is listed twice", row=int(row) + 1, field="code")
        )
    known = set(frame["code"])
    bad_parent = frame["parent"].ne("") & ~frame["parent"].isin(known)
    for row in np.flatnonzero(bad_parent.to_numpy())[:20]:
        problems.append(
            Problem(
                shown,
                f"parent '{frame['parent'].iat[row]}' is not a code of this file",
                row=int(row) + 1,
                field="parent",
            )
        )
    unknown = [c for c in used if c not in known]
    if unknown:
        listed = ", ".join(f"'{c}'" for c in unknown[:10]) + (
            f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
        )
        problems.append(Problem(shown, f"codes used in codings.csv are not listed here: {listed}"))
    if problems:
        raise DataValidationError(problems)
    parents = {c: (p or None) for c, p in zip(frame["code"], frame["parent"])}
    _check_acyclic(parents, shown)
    return CodeTree(codes=tuple(frame["code"]), parents=parents)


def _check_acyclic(parents: Mapping[str, str | None], shown: str) -> None:
    for code in parents:
        seen = {code}
        parent = parents[code]
        while parent is not None:
            if parent in seen:
                raise DataValidationError([Problem(shown, f"code '{code}' is its own ancestor (parents form a cycle)")])
            seen.add(parent)
            parent = parents.get(parent)
