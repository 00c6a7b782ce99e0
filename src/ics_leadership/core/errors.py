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
    line: int | None = None  # 1-based line of a text file (YAML), where the row is not the measure

    def __str__(self) -> str:
        where = [self.file]
        if self.line is not None:
            where.append(f"line {self.line}")
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
        self.limit = limit
        shown = [str(p) for p in self.problems[:limit]]
        more = len(self.problems) - len(shown)
        if more > 0:
            shown.append(f"... and {more} more problem(s)")
        super().__init__("\n".join(shown))

    def __reduce__(self):  # pickled whole (a second process's error reaches the first with its problems)
        return (type(self), (self.problems, self.limit), self.__dict__)


class ManifestError(CompendiumError):
    """``data/raw`` does not match its recorded checksums."""


class PipelineConfigError(CompendiumError):
    """The pipeline configuration file is missing or malformed."""


class PipelineFileError(DataValidationError, PipelineConfigError):
    """``pipeline.yaml`` is missing or malformed: every problem, each with its line and field.

    Both a :class:`DataValidationError` (its problems are listed one a line) and a
    :class:`PipelineConfigError` (what callers of the pipeline catch).
    """


class NotebookExecutionError(CompendiumError):
    """A notebook failed while papermill executed it."""

    def __init__(self, notebook: str | Path, cell: int | None, detail: str):
        self.notebook = str(notebook)
        self.cell = cell
        self.detail = detail
        where = f"{self.notebook}, cell {cell}" if cell is not None else self.notebook
        super().__init__(f"{where} failed: {detail}")

    def __reduce__(self):
        return (type(self), (self.notebook, self.cell, self.detail), self.__dict__)


class BookBuildError(CompendiumError):
    """Jupyter Book (Sphinx) could not build the book."""


class OutputError(CompendiumError):
    """An output may not be written where asked (it would replace something the tool did not create)."""


#: How many problems are listed before the rest are only counted.
SHOWN_PROBLEMS = 50


def error_lines(exc: BaseException, command: str, one_line: bool = False) -> list[str]:
    """What the command line prints for ``exc``: one line per problem, then a summary line.

    Parameters
    ----------
    exc
        The error that stopped ``command``.
    command
        The subcommand's name, for the summary and for unexpected errors.
    one_line
        Join a message's lines into one (the importer's messages quote untrusted names; a hostile
        name must not be able to forge extra lines).

    Returns
    -------
    list of str
        Lines without trailing newlines: ``error: ...`` for each problem (an unexpected error is one
        line naming its type), then the summary line ``COMMAND: N problem(s); nothing was written``
        (or what was kept, when the error has an ``outcome``).
    """
    if isinstance(exc, DataValidationError) and exc.problems:
        n = len(exc.problems)
        lines = [f"error: {p}" for p in exc.problems[:SHOWN_PROBLEMS]]
        if n > SHOWN_PROBLEMS:
            lines.append(f"error: ... and {n - SHOWN_PROBLEMS} more problems (not shown)")
    elif isinstance(exc, CompendiumError):
        n = 1
        parts = [part for part in str(exc).splitlines() if part.strip()] or [type(exc).__name__]
        lines = ["error: " + " | ".join(parts)] if one_line else [f"error: {part}" for part in parts]
    else:
        n = 1
        detail = " ".join(str(exc).split()) or "(no message)"
        lines = [
            f"error: {command} stopped on an unexpected {type(exc).__name__}: {detail} (a bug, or input we "
            f"did not foresee: please report it; --debug shows the traceback)"
        ]
    # Always the same last line, so a script or a reader finds where the errors end and what they cost
    # (an error may say what was kept: a build keeps the steps that finished before one failed).
    outcome = getattr(exc, "outcome", None) or "nothing was written"
    lines.append(f"{command}: {n} problem{'s' if n != 1 else ''}; {outcome}")
    return lines
