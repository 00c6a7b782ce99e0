"""The COREQ checklist as data, and the pipeline's per-run output names and titles."""

from __future__ import annotations

import pytest

from ics_leadership.core.errors import DataValidationError, PipelineConfigError
from ics_leadership.facts import coreq
from ics_leadership.publish import pipeline

from conftest import ROOT, replace_in


def test_coreq_has_32_items_with_locations():
    items = coreq.load_coreq()
    assert items["number"].tolist() == list(range(1, 33))
    assert items["status"].value_counts().to_dict() == {"not reported": 15, "reported": 10, "partly reported": 7}
    reported = items[items["status"] != "not reported"]
    assert (reported["location"].str.len() > 0).all()
    assert items.set_index("number").loc[12, "location"].startswith("Abstract")
    summary = coreq.summary(items)
    assert summary.loc["Total", "Total"] == 32


def test_coreq_errors(raw_copy):
    path = raw_copy / "coreq.yaml"
    replace_in(
        path,
        '    status: "reported"\n    location: "Methods, Data collection, para 1"\n',
        '    status: "reported"\n    location: ""\n',
    )
    replace_in(path, "  - number: 32\n", "  - number: 33\n")
    with pytest.raises(DataValidationError) as info:
        coreq.load_coreq(path)
    message = str(info.value)
    assert "line 11, field 'items': expected items 1 to 32 once each (missing: [32])" in message
    # Fields are list positions: items[18] is the 19th item, its location on line 158.
    assert "line 158, field 'items[18].location': a reported item needs its location in the paper" in message


def test_coreq_lists_every_problem_with_its_line(raw_copy):
    path = raw_copy / "coreq.yaml"
    replace_in(path, "  - number: 5\n", "  - number: 4\n")  # line 42
    replace_in(path, 'domain: "Study design"', 'domain: "Design"')  # line 72
    replace_in(  # item 25 (line 199) loses its location
        path,
        '    status: "partly reported"\n    location: "Methods, Data analysis, para 1; Results"\n',
        '    status: "partly reported"\n',
    )
    replace_in(path, '    item: "Software"\n', '    item: "  "\n    items: 3\n')  # lines 218, 219
    with pytest.raises(DataValidationError) as info:
        coreq.load_coreq(path)
    found = [(p.line, p.field, p.message) for p in info.value.problems]
    assert found == [
        (11, "items", "expected items 1 to 32 once each (missing: [5])"),
        (42, "items[4].number", "item 4 appears twice (first at line 35)"),
        (
            72,
            "items[8].domain",
            "'Design' is not one of: Research team and reflexivity, Study design, Analysis and findings",
        ),
        (199, "items[24].location", "a reported item needs its location in the paper"),
        (218, "items[26].item", "must not be blank"),
        (219, "items[26].items", found[5][2]),
    ]
    assert found[5][2].startswith("unknown field (allowed: asks, compendium, domain")


def test_one_notebook_many_pages():
    config = pipeline.load_config(ROOT / "pipeline.yaml")
    pages = [s for s in config.notebooks if s.path == "notebooks/20_contribution.ipynb"]
    assert [s.parameters["contribution"] for s in pages] == [
        "analytical_insight",
        "representation",
        "translating_communicating",
        "relational",
    ]
    assert [s.title for s in pages] == [
        "Analytical insight",
        "Representation",
        "Translating and communicating",
        "Relational activities",
    ]
    assert config.find("contribution_relational") is pages[-1]


def test_duplicate_outputs_are_refused(tmp_path):
    (tmp_path / "nb.ipynb").write_text("{}")
    text = "steps:\n  - {name: a, notebook: nb.ipynb}\n  - {name: b, notebook: nb.ipynb}\n"
    (tmp_path / "pipeline.yaml").write_text(text)
    with pytest.raises(PipelineConfigError, match="two notebooks would write the executed copy nb.ipynb"):
        pipeline.load_config(tmp_path / "pipeline.yaml")
