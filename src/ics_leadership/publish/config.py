"""``pipeline.yaml``: which notebooks the build executes, in which order, with which parameters.

Reading and checking that one file is a concern of its own, apart from executing notebooks
(:mod:`ics_leadership.publish.execute`) and building the book (:mod:`ics_leadership.publish.book`):
every command that names a notebook (``build``, ``run``) starts here, and the checks are meant to
become a JSON Schema (issue 10), which should change this module and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ics_leadership.core import paths
from ics_leadership.core.errors import PipelineConfigError


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
    """Read and check ``pipeline.yaml``."""
    path = Path(path) if path is not None else paths.pipeline_config()
    shown = paths.display_path(path)
    if not path.is_file():
        raise PipelineConfigError(f"{shown}: file not found")
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise PipelineConfigError(f"{shown}: not valid YAML ({exc})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("notebooks"), list) or not doc["notebooks"]:
        raise PipelineConfigError(f"{shown}: expected a non-empty list under 'notebooks'")
    specs = []
    root = path.parent
    for i, item in enumerate(doc["notebooks"]):
        if isinstance(item, str):
            item = {"path": item}
        if not isinstance(item, dict) or not isinstance(item.get("path"), str):
            raise PipelineConfigError(f"{shown}, notebooks[{i}]: expected a mapping with 'path'")
        params = item.get("parameters") or {}
        if not isinstance(params, dict):
            raise PipelineConfigError(f"{shown}, notebooks[{i}].parameters: expected a mapping")
        if not (root / item["path"]).is_file():
            raise PipelineConfigError(f"{shown}, notebooks[{i}].path: {item['path']} does not exist")
        output = item.get("output")
        if output is not None and (not isinstance(output, str) or not output.endswith(".ipynb") or "/" in output):
            raise PipelineConfigError(f"{shown}, notebooks[{i}].output: expected a file name ending in .ipynb")
        title = item.get("title")
        if title is not None and (not isinstance(title, str) or not title.strip()):
            raise PipelineConfigError(f"{shown}, notebooks[{i}].title: expected text")
        specs.append(NotebookSpec(item["path"], dict(params), output, title))
    outputs = [s.output_name for s in specs]
    for name in sorted({o for o in outputs if outputs.count(o) > 1}):
        raise PipelineConfigError(f"{shown}: two notebooks would write the executed copy {name}; give one an 'output'")
    return PipelineConfig(
        notebooks=tuple(specs),
        executed_dir=str(doc.get("executed_dir", "book/notebooks")),
        book_dir=str(doc.get("book_dir", "book")),
    )
