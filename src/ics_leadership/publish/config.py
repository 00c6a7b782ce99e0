"""``pipeline.yaml``: which notebooks the build executes, in which order, with which parameters.

Reading and checking that one file is a concern of its own, apart from executing notebooks
(:mod:`ics_leadership.publish.execute`) and building the book (:mod:`ics_leadership.publish.book`):
every command that names a notebook (``build``, ``run``) starts here. The file's structure is
described by ``schemas/pipeline.schema.json`` (printed in the book's data dictionary); that the
notebooks exist and write distinct executed copies is checked here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ics_leadership.core import paths
from ics_leadership.core.errors import DataValidationError, PipelineConfigError, PipelineFileError, Problem
from ics_leadership.core.yamlschema import YamlDocument, read_document, schema_problems


@dataclass(frozen=True)
class NotebookSpec:
    """One notebook to execute: its source path (relative to the project) and parameters."""

    path: str
    parameters: dict[str, Any] = field(default_factory=dict)
    output: str | None = None  # name of the executed copy (default: the source's name)
    title: str | None = None  # replaces the notebook's first "# " heading in the executed copy

    @property
    def output_name(self) -> str:
        return self.output or Path(self.path).name


@dataclass(frozen=True)
class PipelineConfig:
    notebooks: tuple[NotebookSpec, ...]
    executed_dir: str = "book/notebooks"
    book_dir: str = "book"

    def find(self, name: str) -> NotebookSpec:
        """The configured notebook whose path or file name (with or without suffix) is ``name``."""
        for spec in self.notebooks:
            p, out = Path(spec.path), Path(spec.output_name)
            if (
                name in (spec.path, p.name, p.stem, out.name, out.stem)
                or Path(name).resolve() == (paths.project_root() / p).resolve()
            ):
                return spec
        known = ", ".join(s.output_name for s in self.notebooks)
        raise PipelineConfigError(f"'{name}' is not a notebook in pipeline.yaml (known: {known})")


def load_config(path: Path | str | None = None) -> PipelineConfig:
    """Read and check ``pipeline.yaml`` (default: the project's).

    The structure is checked against ``schemas/pipeline.schema.json``; that every notebook exists
    and that no two write the same executed copy is checked here. Every problem is listed with its
    line and field.

    Raises
    ------
    PipelineFileError
        When the file is missing, not YAML, or has any problem.
    """
    path = Path(path) if path is not None else paths.pipeline_config()
    try:
        doc = read_document(path)
    except DataValidationError as exc:
        raise PipelineFileError(exc.problems) from None
    problems = schema_problems(doc, "pipeline")
    items = doc.data.get("notebooks") if isinstance(doc.data, dict) else None
    specs = [_spec(item) for item in items] if isinstance(items, list) else []
    problems += _check_notebooks(doc, specs, path.parent)
    if problems:
        raise PipelineFileError(sorted(problems, key=lambda p: p.line or 0))  # in file order
    return PipelineConfig(
        notebooks=tuple(specs),
        executed_dir=doc.data.get("executed_dir", "book/notebooks"),
        book_dir=doc.data.get("book_dir", "book"),
    )


def _spec(item: Any) -> NotebookSpec | None:
    """The notebook an entry names (its path alone, or a mapping); None when it names no path."""
    if isinstance(item, str):
        item = {"path": item}
    if not isinstance(item, dict) or not isinstance(item.get("path"), str):
        return None
    params = item.get("parameters")
    return NotebookSpec(
        item["path"], dict(params) if isinstance(params, dict) else {}, item.get("output"), item.get("title")
    )


def _check_notebooks(doc: YamlDocument, specs: list[NotebookSpec | None], root: Path) -> list[Problem]:
    """What the schema cannot say: each notebook exists; no two write the same executed copy."""
    problems = []
    first: dict[str, int] = {}
    for i, spec in enumerate(specs):
        if spec is None:
            continue  # the schema has said what is wrong with this entry
        where = ("notebooks", i, "path") if isinstance(doc.data["notebooks"][i], dict) else ("notebooks", i)
        if not (root / spec.path).is_file():
            problems.append(doc.problem(where, f"{spec.path} does not exist"))
        name = spec.output_name
        if name in first:
            where = ("notebooks", i, "output") if spec.output else where
            problems.append(
                doc.problem(
                    where,
                    f"two notebooks would write the executed copy {name} (also notebooks[{first[name]}]); "
                    "give one an 'output'",
                )
            )
        first.setdefault(name, i)
    return problems
