"""pipeline.yaml checked against its schema and the notebooks on disk: every problem, with line and field."""

from __future__ import annotations

import shutil

import pytest

from ics_leadership import cli
from ics_leadership.core.errors import DataValidationError, OutputError, PipelineConfigError
from ics_leadership.core.yamlschema import dictionary
from ics_leadership.facts import demo_corpus
from ics_leadership.publish import commands
from ics_leadership.publish.config import NotebookSpec, load_config
from ics_leadership.publish.steps import Step

from conftest import RAW, ROOT

BROKEN = """\
executed_dir: book/notebooks
book_dir: 3
bookdir: book
steps:
  - name: a
    notebook: a.ipynb
  - name: a
    notebook: a.ipynb
    parameters:
      1st: x
    output: pages/a.ipynb
  - name: missing
    notebook: missing.ipynb
    title: "  "
    parameter: {raw_dir: ../data/raw}
  - 7
  - {name: notes, notebook: notes.txt}
  - {name: b_copy, notebook: a.ipynb, output: b.ipynb}
  - {name: b, notebook: b.ipynb}
  - {output: c.ipynb, notebook: b.ipynb}
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
        (3, "bookdir", "unknown field (allowed: book_dir, executed_dir, steps)"),
        (7, "steps[1].name", "step name a is used twice (also steps[0])"),
        (
            10,
            "steps[1].parameters.1st",
            "parameter names are the notebook's variable names (letters, digits and _, not starting with a digit)",
        ),
        (11, "steps[1].output", "expected a file name ending in .ipynb (no folder)"),
        (13, "steps[2].notebook", "missing.ipynb does not exist"),
        (14, "steps[2].title", "expected text (the page's title)"),
        (15, "steps[2].parameter", f"unknown field (allowed: {ALLOWED})"),
        (16, "steps[3]", "must be a mapping (found a whole number)"),
        (17, "steps[4].notebook", "expected the path of a notebook, ending in .ipynb"),
        (17, "steps[4].notebook", "notes.txt does not exist"),
        (
            19,
            "steps[6].notebook",
            "two notebooks would write the executed copy b.ipynb (also steps[5]); give one an 'output'",
        ),
        (20, "steps[7].name", "required field is missing"),
    ]


ALLOWED = "command, name, notebook, output, parameters, reads, shows_commit, title, writes"

STEP_PROBLEMS = """\
steps:
  - name: both
    notebook: a.ipynb
    command: [synthesise, --out, data/derived/synthetic]
  - name: neither
    reads: [data/raw]
  - name: upward
    notebook: a.ipynb
    reads: [data/raw, ../outside, data/../raw, ./data]
    writes: [/tmp/x, data/derived/x/, 'data\\\\derived', data/derived/ok]
  - name: Bad-Name
    notebook: b.ipynb
    colour: blue
  - notebook: a.ipynb
    output: nameless.ipynb
  - name: cmd
    command: [synthesise, --out, data/derived/synthetic, --seed, seven]
    parameters: {seed: 7}
  - name: unknown_cmd
    command: [summarise, data/coded]
"""


def test_step_problems_each_with_its_line(tmp_path):
    (tmp_path / "a.ipynb").write_text("{}")
    (tmp_path / "b.ipynb").write_text("{}")
    assert _problems(tmp_path, STEP_PROBLEMS) == [
        (2, "steps[0]", "a step runs a notebook or a command, not both: make them two steps"),
        (5, "steps[1].notebook", "a step runs a notebook or a command: give one of them"),
        (9, "steps[2].reads[1]", PATH_MESSAGE),
        (9, "steps[2].reads[2]", PATH_MESSAGE),
        (9, "steps[2].reads[3]", PATH_MESSAGE),
        (10, "steps[2].writes[0]", PATH_MESSAGE),
        (10, "steps[2].writes[1]", PATH_MESSAGE),
        (10, "steps[2].writes[2]", PATH_MESSAGE),
        (11, "steps[3].name", "expected a step name in lower_snake_case (a-z, digits and _, starting with a letter)"),
        (13, "steps[3].colour", f"unknown field (allowed: {ALLOWED})"),
        (14, "steps[4].name", "required field is missing"),
        (17, "steps[5].command", "synthesise: argument --seed: invalid int value: 'seven'"),
        (18, "steps[5].parameters", "only a notebook step takes parameters, output or title"),
        (20, "steps[6].command", "'summarise' is not a command a build step can run (known: synthesise)"),
    ]


PATH_MESSAGE = (
    "expected a path relative to the project root, written with / (no leading or trailing /, no '..' or '.', no \\)"
)


def test_empty_and_missing_files(tmp_path):
    assert _problems(tmp_path, "") == [(None, None, "must be a mapping (found empty)")]
    assert _problems(tmp_path, "steps: []\n") == [(1, "steps", "needs at least one entry")]
    with pytest.raises(PipelineConfigError, match="pipeline.yaml: file not found"):
        load_config(tmp_path / "nowhere" / "pipeline.yaml")


def test_the_old_notebooks_form_is_refused_with_lines(tmp_path):
    (tmp_path / "a.ipynb").write_text("{}")
    assert _problems(tmp_path, "book_dir: book\nnotebooks:\n  - a.ipynb\n") == [
        (1, "steps", "required field is missing"),
        (2, "notebooks", "unknown field (allowed: book_dir, executed_dir, steps)"),
    ]


def test_odd_paths_and_crlf(tmp_path):
    folder = tmp_path / "my project 𝒜"
    (folder / "notebooks").mkdir(parents=True)
    (folder / "notebooks" / "01 résumé 😀.ipynb").write_text("{}")
    text = (
        "steps:\n"
        "  - name: resume\n"
        "    notebook: notebooks/01 résumé 😀.ipynb\n"
        "    title: Résumé 😀\n"
        "    parameters: {label: 𝒜}\n"
        "    reads: [data/raw/𝒜 file.csv]\n"
        "    writes: [data/derived/résumé 😀]\n"
        "  - name: second\n"
        "    notebook: notebooks/02 😀.ipynb\n"
    )
    (folder / "pipeline.yaml").write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    with pytest.raises(PipelineConfigError) as info:
        load_config(folder / "pipeline.yaml")
    [problem] = info.value.problems
    assert (problem.line, problem.field, problem.message) == (
        9,
        "steps[1].notebook",
        "notebooks/02 😀.ipynb does not exist",
    )
    (folder / "notebooks" / "02 😀.ipynb").write_text("{}")
    config = load_config(folder / "pipeline.yaml")
    assert config.notebooks == (
        NotebookSpec("notebooks/01 résumé 😀.ipynb", {"label": "𝒜"}, None, "Résumé 😀", "resume"),
        NotebookSpec("notebooks/02 😀.ipynb", name="second"),
    )
    assert config.step("resume") == Step(
        "resume",
        notebook="notebooks/01 résumé 😀.ipynb",
        parameters={"label": "𝒜"},
        reads=("data/raw/𝒜 file.csv",),
        writes=("data/derived/résumé 😀",),
        title="Résumé 😀",
    )
    assert (config.executed_dir, config.book_dir) == ("book/notebooks", "book")


def test_the_compendiums_pipeline_loads():
    config = load_config(ROOT / "pipeline.yaml")
    assert len(config.steps) == 17 and len(config.notebooks) == 16
    assert config.steps[0] == Step(
        "synthetic_corpus",
        command=("synthesise", "--out", "data/derived/synthetic", "--force"),
        reads=("data/raw",),
        writes=("data/derived/synthetic",),
    )
    assert config.find("methods") == NotebookSpec(
        "notebooks/05_methods.ipynb", {"raw_dir": "../data/raw"}, name="methods"
    )
    assert config.notebooks[-1] == NotebookSpec("notebooks/99_colophon.ipynb", name="colophon")
    # Each step that writes has its own folder of data/derived, and a parameter points the notebook there.
    writers = {s.name: s.writes for s in config.steps if s.writes}
    assert writers == {
        "synthetic_corpus": ("data/derived/synthetic",),
        "home": ("data/derived/home",),
        "sample": ("data/derived/sample",),
        "coding": ("data/derived/coding",),
        "model": ("data/derived/model",),
        "model_weights": ("data/derived/model_weights",),
        "own_data": ("data/derived/own_data",),
        "planning": ("data/derived/planning",),
    }
    for name, (folder,) in writers.items():
        if name != "synthetic_corpus":
            assert config.find(name).parameters["derived_dir"] == f"../{folder}"
    # Every page that reads the synthetic corpus declares it, and none makes it again. Only the two
    # demonstration pages read it: the model's page and the contribution pages show the paper alone.
    readers = {s.name for s in config.steps if "data/derived/synthetic" in s.reads}
    assert readers == {"coding", "model_weights"}
    for name in readers:
        assert config.find(name).parameters["coded_data"] == "../data/derived/synthetic"
    assert config.step("own_data").reads[:2] == (
        "examples/atlas_ti/atlas_ti_8_standard_project.qdpx",
        "examples/atlas_ti/mapping.yaml",
    )


def test_step_and_find_name_what_there_is():
    config = load_config(ROOT / "pipeline.yaml")
    assert config.step("model").notebook == "notebooks/03_model.ipynb"
    assert config.find("model") is config.find("03_model")
    with pytest.raises(
        PipelineConfigError, match=r"'nope' is not a step in pipeline.yaml \(known: synthetic_corpus, coding, model,"
    ):
        config.step("nope")


def test_command_steps_take_the_command_lines_options():
    """publish may not import cli, so commands.py declares synthesise's options again: they must agree."""
    sub = next(a for a in cli.build_parser()._actions if a.dest == "command").choices["synthesise"]
    ours = next(a for a in commands._parser()._actions if a.dest == "command").choices["synthesise"]

    def options(parser):
        return {
            (tuple(a.option_strings), a.dest, a.type, a.required, a.default)
            for a in parser._actions
            if a.option_strings and a.dest != "help"
        }

    assert options(ours) == options(sub)


def test_cli_lists_each_problem_on_its_own_line(tmp_path, capsys):
    (tmp_path / "pipeline.yaml").write_text(
        "steps:\n  - {name: a, notebook: a.ipynb}\n  - {name: b, notebook: b.ipynb}\n"
    )
    assert cli.main(["run", "a", "--config", str(tmp_path / "pipeline.yaml")]) == 1
    err = capsys.readouterr().err.splitlines()
    assert [line.split(", line ")[1] for line in err[:2]] == [
        "2, field 'steps[0].notebook': a.ipynb does not exist",
        "3, field 'steps[1].notebook': b.ipynb does not exist",
    ]
    assert err[2] == "run: 2 problems; nothing was written"


def test_dictionary_describes_every_field():
    rows = dictionary("pipeline").set_index("field")
    assert list(rows.index) == [
        "executed_dir",
        "book_dir",
        "steps",
        "steps[].name",
        "steps[].notebook",
        "steps[].command",
        "steps[].command[]",
        "steps[].parameters",
        "steps[].reads",
        "steps[].reads[]",
        "steps[].writes",
        "steps[].writes[]",
        "steps[].output",
        "steps[].title",
        "steps[].shows_commit",
    ]
    assert rows.loc["steps[].name", "required"] == "yes"
    assert rows.loc["steps[].output", "required"] == "no"
    assert (rows["description"].str.len() > 20).all()


def test_the_synthetic_corpus_step_writes_under_the_builds_root(tmp_path):
    """The step runs in-process with its paths under the root given, and makes notebook 02's default corpus."""
    root = tmp_path / "copy 𝒜"
    shutil.copytree(RAW, root / "data" / "raw")
    step = load_config(ROOT / "pipeline.yaml").step("synthetic_corpus")
    commands.run_command(step.command, root)
    by_notebook = demo_corpus.write(tmp_path / "nb02", force=True, raw_dir=RAW)  # what 02 runs with its defaults
    written = root / "data" / "derived" / "synthetic"
    for name in ("documents.csv", "codings.csv", "participants.csv", "corpus.yaml"):
        assert (written / name).read_bytes() == (by_notebook / name).read_bytes(), name
    with pytest.raises(OutputError, match="--force"):  # without --force an earlier corpus is kept
        commands.run_command(["synthesise", "--out", "data/derived/synthetic"], root)
