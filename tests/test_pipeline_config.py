"""pipeline.yaml checked against its schema and the notebooks on disk: every problem, with line and field."""

from __future__ import annotations

import pytest

from ics_leadership import cli
from ics_leadership.core.errors import DataValidationError, PipelineConfigError
from ics_leadership.core.yamlschema import dictionary
from ics_leadership.publish.config import NotebookSpec, load_config

from conftest import ROOT

BROKEN = """\
executed_dir: book/notebooks
book_dir: 3
bookdir: book
notebooks:
  - a.ipynb
  - path: a.ipynb
    parameters:
      1st: x
    output: pages/a.ipynb
  - path: missing.ipynb
    title: "  "
    parameter: {raw_dir: ../data/raw}
  - 7
  - notes.txt
  - {path: a.ipynb, output: b.ipynb}
  - {path: b.ipynb}
  - {output: c.ipynb}
"""


def _problems(folder, text: str) -> list[tuple[int | None, str | None, str]]:
    (folder / "pipeline.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(DataValidationError) as info:
        load_config(folder / "pipeline.yaml")
    assert isinstance(info.value, PipelineConfigError)  # what callers of the pipeline catch
    return [(p.line, p.field, p.message) for p in info.value.problems]


def test_every_problem_is_listed_with_its_line_and_field(tmp_path):
    (tmp_path / "a.ipynb").write_text("{}")
    (tmp_path / "b.ipynb").write_text("{}")
    assert _problems(tmp_path, BROKEN) == [
        (2, "book_dir", "must be text (found a whole number)"),
        (3, "bookdir", "unknown field (allowed: book_dir, executed_dir, notebooks)"),
        (
            8,
            "notebooks[1].parameters.1st",
            "parameter names are the notebook's variable names (letters, digits and _, not starting with a digit)",
        ),
        (9, "notebooks[1].output", "expected a file name ending in .ipynb (no folder)"),
        (10, "notebooks[2].path", "missing.ipynb does not exist"),
        (11, "notebooks[2].title", "expected text (the page's title)"),
        (12, "notebooks[2].parameter", "unknown field (allowed: output, parameters, path, title)"),
        (13, "notebooks[3]", "must be text or a mapping (found a whole number)"),
        (14, "notebooks[4]", "expected the path of a notebook, ending in .ipynb"),
        (14, "notebooks[4]", "notes.txt does not exist"),
        (
            16,
            "notebooks[6].path",
            "two notebooks would write the executed copy b.ipynb (also notebooks[5]); give one an 'output'",
        ),
        (17, "notebooks[7].path", "required field is missing"),
    ]


def test_empty_and_missing_files(tmp_path):
    assert _problems(tmp_path, "") == [(None, None, "must be a mapping (found empty)")]
    assert _problems(tmp_path, "notebooks: []\n") == [(1, "notebooks", "needs at least one entry")]
    with pytest.raises(PipelineConfigError, match="pipeline.yaml: file not found"):
        load_config(tmp_path / "nowhere" / "pipeline.yaml")


def test_odd_paths_and_crlf(tmp_path):
    folder = tmp_path / "my project 𝒜"
    (folder / "notebooks").mkdir(parents=True)
    (folder / "notebooks" / "01 résumé 😀.ipynb").write_text("{}")
    text = (
        "notebooks:\n"
        "  - path: notebooks/01 résumé 😀.ipynb\n"
        "    title: Résumé 😀\n"
        "    parameters: {label: 𝒜}\n"
        "  - notebooks/02 😀.ipynb\n"
    )
    (folder / "pipeline.yaml").write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    with pytest.raises(PipelineConfigError) as info:
        load_config(folder / "pipeline.yaml")
    [problem] = info.value.problems
    assert (problem.line, problem.field, problem.message) == (5, "notebooks[1]", "notebooks/02 😀.ipynb does not exist")
    (folder / "notebooks" / "02 😀.ipynb").write_text("{}")
    config = load_config(folder / "pipeline.yaml")
    assert config.notebooks == (
        NotebookSpec("notebooks/01 résumé 😀.ipynb", {"label": "𝒜"}, None, "Résumé 😀"),
        NotebookSpec("notebooks/02 😀.ipynb"),
    )
    assert (config.executed_dir, config.book_dir) == ("book/notebooks", "book")


def test_the_compendiums_pipeline_loads():
    config = load_config(ROOT / "pipeline.yaml")
    assert len(config.notebooks) == 13
    assert config.notebooks[0] == NotebookSpec("notebooks/05_methods.ipynb", {"raw_dir": "../data/raw"})
    assert config.notebooks[-1] == NotebookSpec("notebooks/99_colophon.ipynb")


def test_cli_lists_each_problem_on_its_own_line(tmp_path, capsys):
    (tmp_path / "pipeline.yaml").write_text("notebooks:\n  - a.ipynb\n  - b.ipynb\n")
    assert cli.main(["run", "a", "--config", str(tmp_path / "pipeline.yaml")]) == 1
    err = capsys.readouterr().err.splitlines()
    assert [line.split(", line ")[1] for line in err[:2]] == [
        "2, field 'notebooks[0]': a.ipynb does not exist",
        "3, field 'notebooks[1]': b.ipynb does not exist",
    ]
    assert err[2] == "run: 2 problems; nothing was written"


def test_dictionary_describes_every_field():
    rows = dictionary("pipeline").set_index("field")
    assert list(rows.index) == [
        "executed_dir",
        "book_dir",
        "notebooks",
        "notebooks[].path",
        "notebooks[].parameters",
        "notebooks[].output",
        "notebooks[].title",
    ]
    assert rows.loc["notebooks[].path", "required"] == "yes"
    assert rows.loc["notebooks[].output", "required"] == "no"
    assert (rows["description"].str.len() > 20).all()
