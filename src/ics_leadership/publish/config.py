"""``pipeline.yaml``: the steps of the build, what each runs, reads and writes.

Reading and checking that one file is a concern of its own, apart from executing notebooks
(:mod:`ics_leadership.publish.execute`) and building the book (:mod:`ics_leadership.publish.book`):
every command that names a step or notebook (``build``, ``run``) starts here. The file's structure
is described by ``schemas/pipeline.schema.json`` (printed in the book's data dictionary); what a
schema cannot say is checked here: step names are unique, the notebooks exist, no two write the
same executed copy, and a command is one the build can run (:mod:`ics_leadership.publish.commands`).
The graph the declarations make (order, cycles, two writers of one path) is
:mod:`ics_leadership.publish.graph`'s concern.

The result is a :class:`PipelineConfig`: :attr:`~PipelineConfig.steps` holds every
:class:`~ics_leadership.publish.steps.Step` in file order; :attr:`~PipelineConfig.notebooks` the
notebook steps as :class:`NotebookSpec`, for ``run`` and other callers that execute one notebook.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ics_leadership.core import paths
from ics_leadership.core.errors import DataValidationError, PipelineConfigError, PipelineFileError, Problem
from ics_leadership.core.yamlschema import YamlDocument, read_document, schema_problems
from ics_leadership.publish import commands
from ics_leadership.publish.steps import Step


@dataclass(frozen=True)
class NotebookSpec:
    """One notebook to execute: its source path (relative to the project) and parameters."""

    path: str
    parameters: dict[str, Any] = field(default_factory=dict)
    output: str | None = None  # name of the executed copy (default: the source's name)
    title: str | None = None  # replaces the notebook's first "# " heading in the executed copy
    name: str | None = None  # the step's name in pipeline.yaml

    @property
    def output_name(self) -> str:
        return self.output or Path(self.path).name


@dataclass(frozen=True)
class PipelineConfig:
    notebooks: tuple[NotebookSpec, ...]
    executed_dir: str = "book/notebooks"
    book_dir: str = "book"
    steps: tuple[Step, ...] = ()

    def step(self, name: str) -> Step:
        """The step called ``name``.

        Raises
        ------
        PipelineConfigError
            When no step has that name (the message lists the names there are).
        """
        for step in self.steps:
            if step.name == name:
                return step
        known = ", ".join(s.name for s in self.steps)
        raise PipelineConfigError(f"'{name}' is not a step in pipeline.yaml (known: {known})")

    def find(self, name: str) -> NotebookSpec:
        """The notebook step whose name, path or file name (with or without suffix) is ``name``."""
        for spec in self.notebooks:
            p, out = Path(spec.path), Path(spec.output_name)
            if (
                name in (spec.name, spec.path, p.name, p.stem, out.name, out.stem)
                or Path(name).resolve() == (paths.project_root() / p).resolve()
            ):
                return spec
        known = ", ".join(s.output_name for s in self.notebooks)
        raise PipelineConfigError(f"'{name}' is not a notebook in pipeline.yaml (known: {known})")


def load_config(path: Path | str | None = None) -> PipelineConfig:
    """Read and check ``pipeline.yaml`` (default: the project's).

    The structure is checked against ``schemas/pipeline.schema.json``; that step names are unique,
    every notebook exists, no two notebooks write the same executed copy and every command can
    run is checked here. Every problem is listed with its line and field.

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
    items = doc.data.get("steps") if isinstance(doc.data, dict) else None
    steps = [_step(item) for item in items] if isinstance(items, list) else []
    problems += _check_steps(doc, steps, path.parent)
    if problems:
        raise PipelineFileError(sorted(problems, key=lambda p: p.line or 0))  # in file order
    return PipelineConfig(
        notebooks=tuple(_spec(s) for s in steps if s is not None and s.notebook is not None),
        executed_dir=doc.data.get("executed_dir", "book/notebooks"),
        book_dir=doc.data.get("book_dir", "book"),
        steps=tuple(s for s in steps if s is not None),
    )


def _step(item: Any) -> Step | None:
    """The step an entry declares; None when the schema cannot make one of it (it says why)."""
    if not isinstance(item, dict) or not isinstance(item.get("name"), str):
        return None
    notebook, command = item.get("notebook"), item.get("command")
    if not isinstance(notebook, str):
        notebook = None
    command = tuple(str(w) for w in command) if isinstance(command, list) and command else None
    if (notebook is None) == (command is None):
        return None
    params = item.get("parameters")

    def listed(key: str) -> tuple[str, ...]:
        value = item.get(key)
        return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()

    return Step(
        name=item["name"],
        notebook=notebook,
        command=command,
        parameters=dict(params) if isinstance(params, dict) else {},
        reads=listed("reads"),
        writes=listed("writes"),
        output=item.get("output") if isinstance(item.get("output"), str) else None,
        title=item.get("title") if isinstance(item.get("title"), str) else None,
        shows_commit=item.get("shows_commit") is True,
    )


def _spec(step: Step) -> NotebookSpec:
    return NotebookSpec(step.notebook or "", dict(step.parameters), step.output, step.title, step.name)


def _check_steps(doc: YamlDocument, steps: list[Step | None], root: Path) -> list[Problem]:
    """What the schema cannot say: unique names; notebooks exist with distinct executed copies; commands run."""
    problems = []
    names: dict[str, int] = {}
    copies: dict[str, int] = {}
    for i, step in enumerate(steps):
        if step is None:
            continue  # the schema has said what is wrong with this entry
        if step.name in names:
            again = f"step name {step.name} is used twice (also steps[{names[step.name]}])"
            problems.append(doc.problem(("steps", i, "name"), again))
        names.setdefault(step.name, i)
        if step.command is not None:
            try:
                commands.parse(step.command)
            except PipelineConfigError as exc:
                problems.append(doc.problem(("steps", i, "command"), str(exc)))
            continue
        if not (root / step.notebook).is_file():
            problems.append(doc.problem(("steps", i, "notebook"), f"{step.notebook} does not exist"))
        copy = step.output_name
        if copy in copies:
            where = ("steps", i, "output" if step.output else "notebook")
            problems.append(
                doc.problem(
                    where,
                    f"two notebooks would write the executed copy {copy} (also steps[{copies[copy]}]); "
                    "give one an 'output'",
                )
            )
        copies.setdefault(copy, i)
    return problems
