"""The build's graph of steps, derived from what each step declares it reads and writes (issue 11)."""

from __future__ import annotations

import pytest

from ics_leadership.core.errors import DataValidationError, PipelineConfigError
from ics_leadership.publish.graph import StepGraph
from ics_leadership.publish.steps import Step


def nb(name: str, reads: tuple[str, ...] = (), writes: tuple[str, ...] = ()) -> Step:
    return Step(name=name, notebook=f"notebooks/{name}.ipynb", reads=reads, writes=writes)


@pytest.fixture
def root(tmp_path):
    (tmp_path / "data" / "raw").mkdir(parents=True)
    (tmp_path / "data" / "raw" / "codebook.yaml").write_text("codes: []\n", encoding="utf-8")
    return tmp_path


def problems(steps, root) -> list[str]:
    with pytest.raises(DataValidationError) as caught:
        StepGraph.build(steps, root)
    return [str(p) for p in caught.value.problems]


# The compendium's shape: a corpus made from data/raw, read by coding, model and a page; a page of its own.
COMPENDIUM = [
    nb("page", reads=("data/derived/synthetic", "data/derived/model")),
    nb("model", reads=("data/derived/synthetic",), writes=("data/derived/model",)),
    nb("methods"),
    Step(name="corpus", command=("synthesise",), reads=("data/raw",), writes=("data/derived/synthetic",)),
    nb("coding", reads=("data/derived/synthetic/codings.csv",), writes=("data/derived/coding",)),
]


def test_order_comes_from_the_declarations_not_the_file(root):
    graph = StepGraph.build(COMPENDIUM, root)
    # Ties broken by declaration order: methods (3rd) is ready at once, before corpus (4th).
    assert graph.order() == ["methods", "corpus", "model", "page", "coding"]


def test_dependencies_upstream_downstream_and_producer(root):
    graph = StepGraph.build(COMPENDIUM, root)
    assert graph.dependencies("page") == {"model", "corpus"}
    assert graph.dependencies("coding") == {"corpus"}  # a file inside the folder corpus writes
    assert graph.dependencies("corpus") == set()
    assert graph.upstream("page") == {"model", "corpus"}
    assert graph.downstream("corpus") == {"model", "page", "coding"}
    assert graph.downstream("model") == {"page"}
    assert graph.downstream("methods") == graph.upstream("methods") == set()
    assert graph.producer("data/derived/synthetic/codings.csv") == "corpus"
    assert graph.producer("data/derived/model") == "model"
    assert graph.producer("data/raw/codebook.yaml") is None
    assert graph.producer("data/derived") is None  # a folder several steps write into


def test_sorter_gives_ready_steps_in_dependency_order(root):
    graph = StepGraph.build(COMPENDIUM, root)
    sorter = graph.sorter()
    assert set(sorter.get_ready()) == {"methods", "corpus"}
    sorter.done("corpus")
    assert set(sorter.get_ready()) == {"model", "coding"}
    sorter.done("model")
    assert sorter.get_ready() == ("page",)


def test_sorter_over_some_steps_keeps_their_order_through_steps_left_out(root):
    graph = StepGraph.build(COMPENDIUM, root)
    sorter = graph.sorter(["page", "corpus"])  # model, between them, is left out
    assert sorter.get_ready() == ("corpus",)
    sorter.done("corpus")
    assert sorter.get_ready() == ("page",)


def test_unknown_step_is_named_with_the_known_ones(root):
    graph = StepGraph.build(COMPENDIUM, root)
    with pytest.raises(PipelineConfigError, match=r"no step 'modle' in pipeline.yaml \(steps: page, model, methods,"):
        graph.upstream("modle")


def test_cycle_names_its_steps(root):
    steps = [
        nb("a", reads=("data/derived/c",), writes=("data/derived/a",)),
        nb("b", reads=("data/derived/a",), writes=("data/derived/b",)),
        nb("c", reads=("data/derived/b",), writes=("data/derived/c",)),
        nb("d", reads=("data/derived/c",)),
    ]
    assert problems(steps, root) == ["pipeline.yaml, field 'a': cycle: a -> b -> c -> a"]


def test_two_steps_writing_one_path_or_a_folder_and_a_file_in_it(root):
    steps = [
        nb("sample", writes=("data/derived",)),
        nb("coding", writes=("data/derived/coding",)),
        nb("model", writes=("data/derived/model.csv", "figures/model.png")),
        nb("again", writes=("figures/model.png",)),
    ]
    assert problems(steps, root) == [
        "pipeline.yaml, field 'coding': data/derived is written by both sample and coding "
        "(data/derived/coding is inside data/derived)",
        "pipeline.yaml, field 'model': data/derived is written by both sample and model "
        "(data/derived/model.csv is inside data/derived)",
        "pipeline.yaml, field 'again': figures/model.png is written by both model and again",
    ]


def test_a_read_nobody_writes_and_that_is_not_there(root):
    steps = [
        nb("sample", reads=("data/raw", "data/raw/codebook.yaml"), writes=("data/derived/sample",)),
        nb("page", reads=("data/derived/sample/x.csv", "data/derived/corpus")),
    ]
    assert problems(steps, root) == [
        "pipeline.yaml, field 'page': step page reads data/derived/corpus, "
        "which no step writes and which does not exist"
    ]


def test_a_step_reading_only_its_own_output_has_no_producer(root):
    steps = [nb("loop", reads=("data/derived/loop",), writes=("data/derived/loop",))]
    assert problems(steps, root) == [
        "pipeline.yaml, field 'loop': step loop reads data/derived/loop, which no step writes and which does not exist"
    ]
    (root / "data" / "derived" / "loop").mkdir(parents=True)
    graph = StepGraph.build(steps, root)  # once there, reading it is no cycle with itself
    assert graph.order() == ["loop"] and graph.dependencies("loop") == set()


def test_duplicate_names(root):
    steps = [nb("page"), nb("methods"), nb("page"), nb("page")]
    assert problems(steps, root) == ["pipeline.yaml, field 'page': 3 steps are named 'page'; step names must be unique"]


def test_every_problem_is_listed_at_once(root):
    steps = [
        nb("a", reads=("data/derived/b",), writes=("data/derived/a",)),
        nb("b", reads=("data/derived/a", "data/missing.csv"), writes=("data/derived/b",)),
        nb("c", writes=("data/derived/a/table.csv",)),
        nb("c"),
    ]
    assert problems(steps, root) == [
        "pipeline.yaml, field 'c': 2 steps are named 'c'; step names must be unique",
        "pipeline.yaml, field 'c': data/derived/a is written by both a and c "
        "(data/derived/a/table.csv is inside data/derived/a)",
        "pipeline.yaml, field 'b': step b reads data/missing.csv, which no step writes and which does not exist",
        "pipeline.yaml, field 'a': cycle: a -> b -> a",
    ]
