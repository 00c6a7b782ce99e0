"""Exceptions with messages a user can act on.

Every error the compendium raises on purpose derives from :class:`CompendiumError`; the command
line prints its message (no traceback) and exits non-zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class CompendiumError(Exception):
    """Base class for errors caused by input or configuration, not by a bug."""


@dataclass(frozen=True)
class Problem:
    """One problem found in a data file: where it is and what is wrong."""

    file: str
    message: str
    row: int | None = None  # 1-based data row (the header is not a row)
    field: str | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            # Spreadsheet users look for the line number; the header is line 1.
            where.append(f"row {self.row} (line {self.row + 1})")
        if self.field is not None:
            where.append(f"field '{self.field}'")
        return f"{', '.join(where)}: {self.message}"


class DataValidationError(CompendiumError):
    """A raw or user-supplied data file does not meet its schema."""

    def __init__(self, problems: list[Problem], limit: int = 20):
        self.problems = list(problems)
        shown = [str(p) for p in self.problems[:limit]]
        more = len(self.problems) - len(shown)
        if more > 0:
            shown.append(f"... and {more} more problem(s)")
        super().__init__("\n".join(shown))


class ManifestError(CompendiumError):
    """``data/raw`` does not match its recorded checksums."""


class PipelineConfigError(CompendiumError):
    """The pipeline configuration file is missing or malformed."""


class NotebookExecutionError(CompendiumError):
    """A notebook failed while papermill executed it."""

    def __init__(self, notebook: str | Path, cell: int | None, detail: str):
        self.notebook = str(notebook)
        self.cell = cell
        where = f"{self.notebook}, cell {cell}" if cell is not None else self.notebook
        super().__init__(f"{where} failed: {detail}")


class BookBuildError(CompendiumError):
    """Jupyter Book (Sphinx) could not build the book."""
