"""Figure 1's layout (figures/layering.py): exact on the paper's model, a fast heuristic on large ones."""

from __future__ import annotations

import itertools
import random
import time

import pytest

from ics_leadership.facts.codebook import load_codebook
from ics_leadership.facts.model import LAYERS, Link, Model, Node, load_model
from ics_leadership.figures import layering
from ics_leadership.figures import model as model_figure

from conftest import RAW


@pytest.fixture(scope="module")
def paper():
    return load_model(RAW / "model.yaml", load_codebook(RAW / "codebook.yaml"))


def _file_order(model: Model) -> dict[str, list[str]]:
    return {layer: [n.id for n in model.nodes_in(layer)] for layer in LAYERS}


def _generated(per_column: int, seed: int, share: float = 0.35) -> Model:
    """A model with ``per_column`` boxes in each column and seeded random links between neighbours."""
    rng = random.Random(seed)
    nodes = [
        Node(f"{layer}{i}", layer, f"{layer} {i}", "generated", "nowhere")
        for layer in LAYERS
        for i in range(per_column)
    ]
    links = [
        Link(0, f"{a}{i}", f"{b}{j}", "stated", "nowhere", "generated")
        for a, b in itertools.pairwise(LAYERS)
        for i in range(per_column)
        for j in range(per_column)
        if rng.random() < share
    ]
    return Model(layers=(), nodes=tuple(nodes), links=tuple(links), theories=(), domains=(), concentration={})


def _columns(model: Model) -> tuple[list[list[str]], list[list[tuple[str, str]]]]:
    columns = [[n.id for n in model.nodes_in(layer)] for layer in LAYERS]
    return columns, [[link.key for link in model.links_of_kind(layer)] for layer in LAYERS[:2]]


def test_paper_model_is_laid_out_exactly_with_ten_crossings_where_file_order_has_twelve(paper):
    columns, _ = _columns(paper)
    assert layering.exact_orderings(columns) == 24 * (24 + 24) <= layering.EXACT_LIMIT
    assert model_figure.crossings(paper, _file_order(paper)) == 12  # a layout that does nothing
    order = model_figure.node_order(paper)
    assert model_figure.crossings(paper, order) == 10
    assert order["source"] == ["expertise", "formal_authority", "informal_influence", "networks"]
    assert model_figure.crossings(paper, model_figure.node_order(paper, "heuristic")) == 10


def test_exact_search_is_optimal_against_every_order_of_a_small_model():
    model = _generated(3, seed=7, share=0.5)
    columns, links = _columns(model)
    every = min(layering.crossings(order, links) for order in itertools.product(*map(itertools.permutations, columns)))
    assert layering.crossings(layering.order_columns(columns, links, "exact"), links) == every
    assert every < layering.crossings(columns, links)


def test_seven_boxes_per_column_use_the_heuristic_and_finish_fast(monkeypatch):
    model = _generated(7, seed=2)
    columns, _ = _columns(model)
    assert layering.exact_orderings(columns) == 5040 * (5040 + 5040) > layering.EXACT_LIMIT

    def refuse(*args):
        raise AssertionError("the exact search ran")

    monkeypatch.setattr(layering, "_exact", refuse)
    start = time.perf_counter()
    order = model_figure.node_order(model)
    assert time.perf_counter() - start < 2
    assert sorted(map(sorted, order.values())) == sorted(map(sorted, _file_order(model).values()))
    assert model_figure.crossings(model, _file_order(model)) == 85
    assert model_figure.crossings(model, order) == 11  # this heuristic's result (was 85 in file order)
    assert model_figure.node_order(model) == order  # deterministic


def test_heuristic_is_within_one_crossing_of_the_optimum_on_small_models():
    excess = []
    for seed in range(30):
        columns, links = _columns(_generated(4, seed, share=0.4))
        exact = layering.crossings(layering.order_columns(columns, links, "exact"), links)
        excess.append(layering.crossings(layering.order_columns(columns, links, "heuristic"), links) - exact)
    assert min(excess) >= 0 and max(excess) <= 1
    assert excess.count(0) >= 28


def test_unknown_method_is_refused(paper):
    with pytest.raises(ValueError, match="unknown layout method 'fastest'"):
        model_figure.node_order(paper, "fastest")
