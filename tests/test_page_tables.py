"""Page figures and tables (figures.tables, .coding, .contribution, .model_page, .sample): what a
notebook shows comes from one function, with its caption and alt text, and what is shown from
synthetic data is marked as such; the notebooks hold calls and displays only."""

from __future__ import annotations

import math
import re

import matplotlib.pyplot as plt
import nbformat
import pandas as pd
import pytest

from ics_leadership.coding import prevalence
from ics_leadership.coding.coded import SYNTHETIC_LABEL, load_coded
from ics_leadership.coding.prevalence import wilson
from ics_leadership.facts import raw
from ics_leadership.facts.vocabulary import FOCUS_GROUP
from ics_leadership.figures import coding as coding_page
from ics_leadership.figures import contribution as contribution_page
from ics_leadership.figures import model_page, tables
from ics_leadership.figures import sample as sample_figures
from ics_leadership.figures.tables import CaptionedFigure, CaptionedTable

from coded_fixture import doc, make_coded
from conftest import RAW, ROOT


@pytest.fixture(scope="module")
def coded(tmp_path_factory, codebook):
    """Three executive and two project leaders; counted by hand below."""
    documents = [doc(f"I{i}", participant_id=f"P{i}", level=lvl, site="A") for i, lvl in enumerate("eeepp", 1)]
    for d in documents:
        d["level"] = {"e": "executive", "p": "project"}[d["level"]]
    codings = [
        ("I1", "representation/clinical_voice"),  # P1 (executive): representation via an activity
        ("I2", "representation"),  # P2 (executive): the contribution's own code
        ("I4", "representation/critical_challenge"),  # P4 (project)
        ("I5", "relational"),  # P5 (project): another contribution only
    ]
    rows = [{"document_id": d, "start": 0, "end": 10, "code": c, "coder": "JW"} for d, c in codings]
    folder = make_coded(tmp_path_factory.mktemp("coded") / "c", documents, rows, synthetic=True)
    return load_coded(folder, codebook)


# --- prevalence, written one way ---------------------------------------------------------------------


def test_prevalence_cell_reads_count_of_total_share_and_interval():
    low, high = wilson(3, 10)  # 0.108 to 0.603 by hand (z = 1.96)
    assert coding_page.prevalence_cell(3, 10, low, high) == "3 of 10: 30% (11% to 60%)"
    assert coding_page.prevalence_cell(0, 0, math.nan, math.nan) == "0 of 0"


def test_prevalence_matrix_rows_columns_and_a_cell():
    long = pd.DataFrame(
        [
            ("a", "A", "contribution", "level", "executive", 4, 2, 0.5, 0.15, 0.85),
            ("a", "A", "contribution", "level", "project", 2, 0, 0.0, 0.0, 0.66),
            ("a/x", "X", "activity", "level", "executive", 4, 1, 0.25, 0.046, 0.699),
            ("a/x", "X", "activity", "level", "project", 2, 0, 0.0, 0.0, 0.66),
            ("b", "B", "contribution", "level", "executive", 4, 4, 1.0, 0.51, 1.0),
            ("b", "B", "contribution", "level", "project", 2, 1, 0.5, 0.09, 0.91),
            ("a", "A", "contribution", "site", "A", 6, 2, 1 / 3, 0.1, 0.7),
        ],
        columns=[
            "code",
            "label",
            "kind",
            "by",
            "group",
            "participants",
            "expressing",
            "proportion",
            "ci_low",
            "ci_high",
        ],
    )
    every = coding_page.prevalence_matrix(long, "level")
    # contributions first, then activities (as the theme coding page has always grouped them)
    assert list(every.index) == [("contribution", "A"), ("contribution", "B"), ("activity", "X")]
    assert list(every.columns) == ["executive", "project"]
    assert every.loc[("activity", "X"), "executive"] == "1 of 4: 25% (5% to 70%)"
    assert every.loc[("contribution", "A"), "project"] == "0 of 2: 0% (0% to 66%)"


def test_prevalence_of_one_contribution_counts_participants_by_level(coded, codebook):
    """A contribution and its activities by level, as the theme coding page computes them (the
    contribution's own pages show the paper only)."""
    by_level = prevalence.prevalence(
        coded, prevalence.analysis_codings(coded, codebook.tree), codebook.tree, by="level", focus_group=FOCUS_GROUP
    )
    frame = coding_page.prevalence_matrix(by_level, "level").droplevel("kind")
    assert list(frame.columns) == ["executive", "project"]
    assert {"Bringing the clinical voice", "Offering critical challenge", "Securing professional buy-in"} <= set(
        frame.index
    )
    low, high = wilson(2, 3)  # P1 through an activity, P2 through the contribution's own code
    assert frame.loc["Representation", "executive"] == coding_page.prevalence_cell(2, 3, low, high)
    assert frame.loc["Representation", "executive"].startswith("2 of 3: 67% (")
    assert frame.loc["Offering critical challenge", "project"].startswith("1 of 2: 50% (")


# --- the codebook's matrices, one contribution at a time ---------------------------------------------


def test_levels_and_stages_tables_are_the_contributions_row(codebook):
    levels = contribution_page.levels_table(codebook, "representation").frame
    assert list(levels.columns) == ["level", "how it shows", "location"]
    assert list(levels["level"]) == ["Executive", "Thematic", "Project"]
    assert levels.loc[1, "how it shows"].startswith("More pronounced than among senior leaders;")
    assert levels.loc[1, "location"] == "Results, Representation, para 1"
    stages = contribution_page.stages_table(codebook, "representation").frame
    assert list(stages["stage"]) == ["Early strategy setting", "Later collaborative working"]
    assert list(stages["emphasis"]) == ["associated", "not described"]
    activities = contribution_page.activities_table(codebook, "representation").frame
    assert list(activities["label"]) == [
        "Bringing the clinical voice",
        "Offering critical challenge",
        "Securing professional buy-in",
    ]
    per_contribution = contribution_page.codebook_tables(codebook)
    assert [len(t.frame) for t in per_contribution] == [1 + len(c.activities) for c in codebook.contributions]


# --- figures with their caption and alt text --------------------------------------------------------


def test_figure1_comes_with_its_caption_and_every_link_in_its_alt(model):
    shown = model_page.figure1(model)
    try:
        assert shown.stem == "figure1_model" and not shown.synthetic
        for link in model.links:
            assert f"{model.label(link.source)} to {model.label(link.target)}" in shown.alt
        assert "Links stated in the paper (15, solid arrows)" in shown.alt
        assert shown.caption.startswith(
            "The conceptual model of Waring et al. (2023), reconstructed by the compendium from the text"
        )
    finally:
        plt.close(shown.fig)


def test_evidence_section_marks_synthetic_data_without_a_caption_label(model, codebook, coded):
    """Synthetic outputs are marked (the page becomes a demonstration with one badge), not prefixed."""
    evidence = model_page.Evidence(coded, model_page.link_weights(model, coded, codebook), None)
    banner, message, figure, weights = model_page.evidence_section(model, evidence)
    try:
        assert "Coded data" in banner.data and SYNTHETIC_LABEL not in banner.data
        assert "test fixture (5 participants, 5 documents, 4 codings)." in banner.data
        assert banner._repr_mimebundle_() == ({}, tables.SYNTHETIC_OUTPUT)
        assert message == evidence.weights.message
        assert figure.synthetic and figure.alt.startswith("Diagram in three columns")
        assert "Representation to Legitimacy (3 participants)" in figure.alt
        assert weights.synthetic and weights.caption.startswith("Evidence weight")
    finally:
        plt.close(figure.fig)
    assert model_page.evidence_section(model, None) == [model_page.NO_CODED_DATA]
    assert evidence.weights.file_table().columns[0] == "data_source"
    assert set(evidence.weights.file_table()["data_source"]) == {SYNTHETIC_LABEL}


def test_captions_name_the_derived_file_where_the_page_wrote_it(model, codebook, coded, tmp_path, monkeypatch):
    """Each step writes its own folder of data/derived: a caption computes the path, relative to the root."""
    monkeypatch.chdir(ROOT / "notebooks")  # the kernel's working directory; the build passes ../data/derived/model
    assert model_page.links_table(model, "../data/derived/model").caption.endswith(
        "the reason for each inference. Also in data/derived/model/model_links.csv."
    )
    assert model_page.nodes_table(model, ROOT / "data/derived/model").caption.endswith(
        "Their ids, and for contributions the codebook code, are in data/derived/model/model_nodes.csv."
    )
    assert model_page.crosswalk_detail_table(model, "../data/derived/model").caption.endswith(
        "All columns are in data/derived/model/model_crosswalk.csv."
    )
    assert model_page.concentration_reports_table(model, codebook, "../data/derived/model").caption.endswith(
        "Also in data/derived/model/model_concentration.csv."
    )
    evidence = model_page.Evidence(coded, model_page.link_weights(model, coded, codebook), None)
    elsewhere = tmp_path / "run 𝒜"  # `run --out`: outside the project, shown as it is
    *_, figure, weights = model_page.evidence_section(model, evidence, elsewhere)
    plt.close(figure.fig)
    assert weights.caption.endswith(f"Also in {elsewhere / 'model_link_weights.csv'}.")
    # Without a folder (a page that wrote nothing) the caption names no file.
    assert model_page.links_table(model).caption.endswith("the reason for each inference.")
    assert "data/derived" not in model_page.nodes_table(model).caption


def test_sample_figures_read_their_numbers_from_the_data():
    data = raw.load_raw(RAW)
    shown = sample_figures.observation_figure(data.observations)
    try:
        hours = ", ".join(f"STP {s} {h:g} hours" for s, h in zip(data.observations["site"], data.observations["hours"]))
        assert shown.alt == f"Bar chart of hours of meetings observed per STP: {hours}."
    finally:
        plt.close(shown.fig)
    shown = sample_figures.composition_figure(data.participants)
    plt.close(shown.fig)
    assert "(n = 25)" in shown.caption and "STP A:" in shown.alt


def test_page_values_quote_both_values_where_the_paper_disagrees():
    values = sample_figures.methods_values(raw.load_raw(RAW))
    assert values["fact_clinical_leaders"] == "24 or 25"
    assert values["fact_stps_studied"] == 3
    assert "\u2013" in values["fact_study_period"] and " or " in values["fact_study_period"]


# --- showing them ------------------------------------------------------------------------------------


def test_show_marks_synthetic_outputs_and_saves(tmp_path):
    """Shown from synthetic data: the output's metadata says so and the caption and alt stay as written;
    the saved files carry the label (the PNG's Title); from other data, no mark."""
    from PIL import Image

    frame = pd.DataFrame({"a": [1]})
    styler = tables.show(CaptionedTable(frame, "One row.", synthetic=True))
    assert styler.caption == "One row." and styler._repr_mimebundle_() == ({}, tables.SYNTHETIC_OUTPUT)
    plain = tables.show(CaptionedTable(frame, "One row."))
    assert plain._repr_mimebundle_() == ({}, {})
    fig, _ = plt.subplots()
    item = CaptionedFigure(fig, "one", caption="A figure.", alt="Nothing drawn.", synthetic=True)
    with pytest.raises(ValueError, match="figure 'one': give the folder"):
        tables.show(item)
    shown = tables.show(item, tmp_path)
    assert 'alt="Nothing drawn."' in shown.data and "<figcaption>A figure.</figcaption>" in shown.data
    assert shown._repr_mimebundle_() == ({}, tables.SYNTHETIC_OUTPUT)
    assert Image.open(tmp_path / "one.png").text["Title"] == SYNTHETIC_LABEL
    assert f"<dc:title>{SYNTHETIC_LABEL}</dc:title>" in (tmp_path / "one.svg").read_text(encoding="utf-8")
    assert tables.show("Some *text*.").data == "Some *text*." and tables.show(None) is None


def test_notebooks_hold_calls_and_displays_only():
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            lines = cell.source.splitlines()
            assert not any(line.lstrip().startswith(("def ", "class ")) for line in lines), (path.name, i)
            assert len(lines) <= 30, (path.name, i, len(lines))
            assert not cell.get("outputs"), (path.name, i)  # committed without outputs


def test_p_values_read_as_people_write_them():
    from ics_leadership.figures.tables import p_value_text, table

    assert [p_value_text(v) for v in (0.0000123, 0.000999, 0.001, 0.0523, 0.5193, float("nan"), "0.04 (exact)")] == [
        "< 0.001",
        "< 0.001",
        "0.001",
        "0.052",
        "0.519",
        "",
        "0.04 (exact)",
    ]
    html = table(pd.DataFrame({"test": ["a", "b"], "p_value": [1.2e-05, 0.25]}), "Two tests.").to_html()
    assert "&lt; 0.001" in html and "0.250" in html and "1.2e-05" not in html


def test_a_table_with_row_labels_has_no_empty_header_cell():
    from ics_leadership.figures.tables import table

    frame = pd.DataFrame({"executive": ["1 of 2"], "thematic": ["0 of 3"]}, index=pd.Index(["Voice"], name="code"))
    frame.columns.name = "level"
    html = table(frame, "Prevalence.", index=True).to_html()
    headers = re.findall(r"<th[^>]*>([^<]*)</th>", html)
    assert headers == ["code", "executive", "thematic"]


def test_long_identifiers_get_break_points_and_nothing_else_changes():
    from ics_leadership.figures.tables import breakable

    assert breakable("translating_communicating/sustaining_narrative") == (
        "translating_<wbr>communicating/<wbr>sustaining_<wbr>narrative"
    )
    assert breakable("short_code/x and plain words stay") == "short_code/x and plain words stay"
    digest = "16138be9c1a989ae82d48e3dbf80c4aa"
    assert breakable(digest) == "16138be9<wbr>c1a989ae<wbr>82d48e3d<wbr>bf80c4aa"
    escaped = "leader&#x27;s_contribution_at_the_executive"  # an entity is never cut
    assert "&#x27;" in breakable(escaped) and breakable(escaped).count("<wbr>") == 4


def test_coreq_items_fit_four_columns_and_keep_every_field():
    from ics_leadership.facts import coreq
    from ics_leadership.figures import coreq_page

    checklist = coreq.load_coreq()
    shown = list(coreq_page.domain_tables(checklist))
    assert [len(t.frame.columns) for t in shown] == [4, 4, 4]
    assert sum(len(t.frame) for t in shown) == len(checklist) == 32
    first = shown[0].frame.iloc[0]
    assert first["item"] == (
        "1. Interviewer or facilitator (personal characteristics)\nWhich author(s) conducted the interviews?"
    )
    assert first["status"] == "not reported" and first["note"] == "The Methods do not say who interviewed."
    with_compendium = checklist[checklist["compendium"] != ""].iloc[0]
    rows = pd.concat([t.frame for t in shown], ignore_index=True)
    assert rows["note"].str.contains(f"The compendium: {with_compendium['compendium']}", regex=False).any()


def test_a_stacked_table_names_each_cells_column():
    from ics_leadership.figures.tables import table

    frame = pd.DataFrame({"Level": ["Executive"], 'STP "A"': ["Medical Director"]})
    shown = table(frame, caption="Table 1 rebuilt", stack_on_phone=True)._repr_html_()
    assert 'class="compendium-table compendium-stack"' in shown
    cells = re.findall(r"<td [^>]*data-label=\"([^\"]*)\"[^>]*>([^<]*)</td>", shown)
    assert cells == [("Level", "Executive"), ("STP &quot;A&quot;", "Medical Director")]
    plain = table(frame, caption="Not stacked")._repr_html_()
    assert "data-label=" not in plain.split("<tbody>")[1] and "compendium-stack" not in plain
