"""The conceptual model (data/raw/model.yaml, the paper's Figure 1): content, validation, drawing,
evidence weights, notebook 03 (the paper's model) and notebook 04 (its links weighted, a demonstration)."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml

from ics_leadership.coding.coded import load_coded
from ics_leadership.core.errors import DataValidationError
from ics_leadership.core.yamlschema import dictionary, load_schema, parse_document
from ics_leadership.facts.model import BASES, CONCENTRATION_EMPHASES, DISPUTED, LAYERS, load_model, parse_model
from ics_leadership.facts.model_weights import link_weights
from ics_leadership.facts.vocabulary import LEVELS, STAGES
from ics_leadership.figures import model as model_figure
from ics_leadership.figures import style
from ics_leadership.publish import demonstration, pipeline

from conftest import RAW, ROOT

MODEL = RAW / "model.yaml"

NODES = {
    "source": {"expertise", "networks", "formal_authority", "informal_influence"},
    "contribution": {"analytical_insight", "representation", "translating_communicating", "relational"},
    "effect": {"shared_vision", "legitimacy", "engagement_commitment", "resource_sharing"},
}

#: Every link the paper states, from our own reading, with the passage that states it.
STATED = {
    # Discussion para 3: expertise underscores analytical insight; networks facilitate translation and
    # communication; formal authority and informal influence together support relational and
    # representational activities.
    ("expertise", "analytical_insight"): "Discussion, para 3",
    ("networks", "translating_communicating"): "Discussion, para 3",
    ("formal_authority", "representation"): "Discussion, para 3",
    ("formal_authority", "relational"): "Discussion, para 3",
    ("informal_influence", "representation"): "Discussion, para 3",
    ("informal_influence", "relational"): "Discussion, para 3",
    # Discussion para 2: each contribution's primary effect and the secondary effect that follows.
    ("analytical_insight", "engagement_commitment"): "Discussion, para 2",
    ("representation", "legitimacy"): "Discussion, para 2",
    ("translating_communicating", "shared_vision"): "Discussion, para 2",
    ("translating_communicating", "engagement_commitment"): "Discussion, para 2",
    ("relational", "resource_sharing"): "Discussion, para 2",
    # Discussion para 4: representation and communication combine towards shared vision and legitimacy.
    ("representation", "shared_vision"): "Discussion, para 4",
    ("translating_communicating", "legitimacy"): "Discussion, para 4",
    # Results: representation secures professional engagement and buy-in (third form).
    ("representation", "engagement_commitment"): "Results, Representation, para 2",
    # Discussion para 6: relational activities sustain commitment in later stages.
    ("relational", "engagement_commitment"): "Discussion, para 6",
}


@pytest.fixture
def doc():
    return yaml.safe_load(MODEL.read_text(encoding="utf-8"))


def _errors(doc, codebook) -> str:
    with pytest.raises(DataValidationError) as info:
        parse_model(doc, "model.yaml", codebook)
    return str(info.value)


def _link_index(doc, source, target) -> int:
    return next(i for i, link in enumerate(doc["links"]) if (link["source"], link["target"]) == (source, target))


# --- content ------------------------------------------------------------------------------------------


def test_exactly_the_twelve_nodes_in_three_layers(model, codebook):
    assert len(model.nodes) == 12
    for layer, ids in NODES.items():
        assert {n.id for n in model.nodes_in(layer)} == ids
    assert [n.code for n in model.nodes_in("contribution")] == codebook.contribution_ids
    assert all(n.location and n.description for n in model.nodes)


def test_every_stated_link_is_present_with_its_passage(model):
    stated = {link.key: link for link in model.stated}
    assert set(stated) == set(STATED)
    for key, passage in STATED.items():
        assert passage in stated[key].location, (key, stated[key].location)


def test_inferred_links_carry_reasons_and_are_few(model):
    inferred = {link.key: link for link in model.inferred}
    assert set(inferred) == {
        ("expertise", "representation"),
        ("networks", "relational"),
        ("analytical_insight", "shared_vision"),
    }
    assert all(link.reason and len(link.reason) > 40 for link in inferred.values())
    summary = model.summary()
    assert (summary["n_nodes"], summary["n_links"], summary["n_stated"], summary["n_inferred"]) == (12, 18, 15, 3)


def test_theory_crosswalk_follows_discussion_para_7(model):
    crosswalk = {
        (t.label, e.label): {m.contribution: m.basis for m in e.mappings} for t in model.theories for e in t.elements
    }
    assert crosswalk[("Network leadership", "Foster and sustain commitment")] == {
        "representation": "stated",
        "translating_communicating": "stated",
    }
    assert crosswalk[("Network leadership", "Create conditions for resource sharing")] == {"relational": "stated"}
    senge = [basis for (theory, _), basis in crosswalk.items() if theory == "Systems leadership"]
    assert senge == [{"translating_communicating": "stated"}] * 3
    roles = [element for (theory, element) in crosswalk if theory == "Facilitative leadership"]
    assert roles == ["Steward", "Mediator", "Catalyst"]
    assert crosswalk[("Facilitative leadership", "Steward")] == {}  # the paper does not call clinical leaders stewards
    table = model.crosswalk_table(compact=True)  # the book's overview says so rather than leaving a blank
    assert table.loc[table["element"] == "Steward", "contributions"].tolist() == ["none in the paper"]
    assert [d.id for d in model.domains] == ["structural", "procedural", "ideational"]
    assert model.domains[1].covers == ("decision-making", "relationships", "resource sharing")


def test_concentration_agrees_with_the_codebook_and_keeps_the_disagreement(model, codebook):
    for node in model.nodes_in("contribution"):
        for stage in ("early", "later"):
            shown, _ = model.concentration_cell("stages", node.code, stage)
            associated = codebook.contribution(node.code).by_stage[stage]["emphasis"] == "associated"
            assert (shown == "associated") == associated, (node.code, stage)
    # Discussion para 6 credits senior leaders with representational legitimacy; Results, Representation
    # para 1 says representation is more marked below the executive level. Both are kept.
    assert model.concentration_cell("levels", "representation", "executive")[0] == DISPUTED
    assert model.summary()["n_disputed_cells"] == 1
    assert (
        model.concentration_matrix(codebook).loc["Representation", "Executive"]
        == "reports differ: associated / less pronounced"
    )
    matrix = model.concentration_matrix(codebook, cite=True)
    assert "Discussion, para 6" in matrix.loc["Representation", "Executive"]
    assert "Results, Representation, para 1" in matrix.loc["Representation", "Executive"]
    assert matrix.loc["Relational activities", "Later collaborative working"] == "associated"


# --- validation ---------------------------------------------------------------------------------------


def test_unknown_node_in_a_link_names_link_and_field(doc, codebook):
    doc["links"][3]["target"] = "relationships"
    message = _errors(doc, codebook)
    assert (
        "model.yaml, field 'links[3].target': link 3 (formal_authority \u2192 relationships): unknown node "
        "'relationships' (not in nodes)"
    ) in message


def test_cycle_is_named(doc, codebook):
    doc["links"].append(
        {
            "source": "legitimacy",
            "target": "representation",
            "basis": "inferred",
            "location": "nowhere",
            "summary": "back",
            "reason": "to make a cycle",
        }
    )
    message = _errors(doc, codebook)
    assert (
        "field 'links[18]': link 18 (legitimacy \u2192 representation) closes a cycle: "
        "representation \u2192 legitimacy \u2192 representation"
    ) in message
    assert "goes from layer 'effect' to layer 'contribution'" in message


def test_disconnected_node_is_named(doc, codebook):
    doc["nodes"].append({"id": "trust", "layer": "effect", "label": "Trust", "description": "d", "location": "l"})
    del doc["links"][_link_index(doc, "relational", "resource_sharing")]
    message = _errors(doc, codebook)
    assert "field 'nodes[12]': node 'trust' (effect): is not connected: no link starts or ends here" in message
    assert "field 'nodes[11]': node 'resource_sharing' (effect): is not connected" in message


def test_contribution_without_effect_is_named(doc, codebook):
    doc["links"] = [link for link in doc["links"] if link["source"] != "relational"]
    message = _errors(doc, codebook)
    assert "node 'relational' (contribution): has no outgoing link to layer 'effect'" in message
    assert "node 'resource_sharing' (effect): is not connected" in message


@pytest.mark.parametrize(
    "source, target, layers",
    [
        ("expertise", "legitimacy", ("source", "effect")),  # skips a layer
        ("representation", "relational", ("contribution", "contribution")),  # within a layer
        ("shared_vision", "expertise", ("effect", "source")),  # backwards
    ],
)
def test_wrong_layer_is_named(doc, codebook, source, target, layers):
    doc["links"].append({"source": source, "target": target, "basis": "stated", "location": "x", "summary": "y"})
    message = _errors(doc, codebook)
    assert (
        f"field 'links[18]': link 18 ({source} \u2192 {target}): goes from layer '{layers[0]}' to layer "
        f"'{layers[1]}'; links go from one layer to the next only"
    ) in message


def test_missing_locations_are_named(doc, codebook):
    del doc["nodes"][1]["location"]
    doc["links"][2]["location"] = "  "
    doc["theories"][0]["elements"][2]["mappings"][0].pop("location")
    doc["concentration"]["stages"]["relational"]["later"][0].pop("location")
    message = _errors(doc, codebook)
    # Structure comes from schemas/model.schema.json: a missing field and a blank one are told apart.
    assert "field 'nodes[1].location': required field is missing" in message
    assert "field 'links[2].location': must not be blank" in message
    assert "field 'theories[0].elements[2].mappings[0].location': required field is missing" in message
    assert "field 'concentration.stages.relational.later[0].location': required field is missing" in message


def test_other_required_fields(doc, codebook):
    doc["nodes"][5]["id"] = "expertise"  # duplicate id
    doc["nodes"][4].pop("code")  # contribution without its codebook id
    doc["links"][6].pop("reason")  # inferred without a reason
    doc["links"][0]["basis"] = "assumed"
    doc["nodes"][2]["colour"] = "red"  # typo-like unknown key
    message = _errors(doc, codebook)
    assert "field 'nodes[5].id': node 'expertise': duplicate node id (first at nodes[0])" in message
    assert "field 'nodes[4].code': a contribution node needs the codebook id of its contribution" in message
    assert "the codebook contribution 'analytical_insight' has no node" in message
    assert "field 'links[6].reason': an inferred link needs a one-line reason" in message
    assert "field 'links[0].basis': 'assumed' is not one of: stated, inferred" in message
    assert "field 'nodes[2].colour': unknown field (allowed: code, description, id, label, layer, location)" in message


def test_split_graph_is_reported(doc, codebook):
    # Two separate pieces, each linked as its layers need: {expertise -> analytical insight -> engagement}
    # and the rest. Keep only the links that keep the pieces apart.
    keep = {
        ("expertise", "analytical_insight"),
        ("analytical_insight", "engagement_commitment"),
        ("networks", "translating_communicating"),
        ("formal_authority", "representation"),
        ("formal_authority", "relational"),
        ("informal_influence", "representation"),
        ("representation", "legitimacy"),
        ("translating_communicating", "shared_vision"),
        ("relational", "resource_sharing"),
        ("translating_communicating", "legitimacy"),
    }
    doc["links"] = [link for link in doc["links"] if (link["source"], link["target"]) in keep]
    message = _errors(doc, codebook)
    assert (
        "field 'links': the model falls into 2 unconnected parts: "
        "{expertise, analytical_insight, engagement_commitment}"
    ) in message


#: A small valid model whose line numbers can be counted by hand (line 1 is ``layers:``).
MINI = """\
layers:
  - {id: source, label: Sources, description: d, location: l}
  - {id: contribution, label: Contributions, description: d, location: l}
  - {id: effect, label: Effects, description: d, location: l}
nodes:
  - id: expertise
    layer: source
    label: Clinical expertise
    description: d
    location: l
  - id: insight
    layer: contribution
    code: insight
    label: Analytical insight
    description: d
    location: l
  - id: vision
    layer: effect
    label: Shared vision
    description: d
    location: l
links:
  - source: expertise
    target: insight
    basis: stated
    location: "Discussion, para 3"
    summary: s
  - source: insight
    target: vision
    basis: inferred
    location: "Conclusions"
    summary: s
    reason: r
interconnections: {description: d, location: l}
theories:
  - id: network_leadership
    label: Network leadership
    authors: McGuire
    reference: 13
    definition: d
    location: l
    elements:
      - id: engage
        label: Engage
        definition: d
        location: l
        mappings:
          - {contribution: insight, basis: stated, location: l}
domains:
  - id: procedural
    label: Procedural
    covers: [decision-making]
    description: d
    location: l
    mappings: []
concentration:
  levels:
    insight:
      executive: [{emphasis: associated, basis: stated, location: l}]
      thematic: [{emphasis: present, basis: stated, location: l}]
      project: [{emphasis: present, basis: stated, location: l}]
  stages:
    insight:
      early: [{emphasis: associated, basis: stated, location: l}]
      later: [{emphasis: not described, basis: stated, location: l}]
"""


def _mini_problems(text: str) -> list[str]:
    with pytest.raises(DataValidationError) as info:
        parse_model(parse_document(text, "model.yaml"))
    return [str(p) for p in info.value.problems]


def test_the_small_model_is_valid():
    model = parse_model(parse_document(MINI, "model.yaml"))
    assert [n.id for n in model.nodes] == ["expertise", "insight", "vision"]
    assert model.theories[0].reference == "13"  # a number in YAML, text in the model


def test_several_problems_at_once_each_with_its_line():
    text = (
        MINI.replace("label: Shared vision", 'label: "  "')
        .replace("    layer: effect\n", "    layer: effects\n")
        .replace("    reason: r\n", "")
        .replace("target: insight", "target: insights")
    )
    assert _mini_problems(text) == [
        # expertise's only link now points nowhere, so it is unlinked and insight has no source
        "model.yaml, line 6, field 'nodes[0]': node 'expertise' (source): is not connected: "
        "no link starts or ends here",
        "model.yaml, line 11, field 'nodes[1]': node 'insight' (contribution): "
        "has no incoming link from layer 'source'",
        "model.yaml, line 18, field 'nodes[2].layer': 'effects' is not one of: source, contribution, effect",
        "model.yaml, line 19, field 'nodes[2].label': must not be blank",
        "model.yaml, line 24, field 'links[0].target': link 0 (expertise \u2192 insights): unknown node 'insights' "
        "(not in nodes)",
        "model.yaml, line 28, field 'links[1].reason': an inferred link needs a one-line reason",
    ]


def test_unknown_key_points_at_the_keys_line():
    text = MINI.replace("    reason: r\n", "    reason: r\n    colour: red\n")
    assert _mini_problems(text) == [
        "model.yaml, line 34, field 'links[1].colour': unknown field "
        "(allowed: basis, location, note, reason, source, summary, target, via)"
    ]


def test_link_to_a_missing_node_names_the_links_line():
    text = MINI.replace("  - source: insight\n", "  - source: insights\n")
    assert _mini_problems(text) == [
        # what follows from it: the contribution has no effect, the effect no link
        "model.yaml, line 11, field 'nodes[1]': node 'insight' (contribution): has no outgoing link to layer 'effect'",
        "model.yaml, line 17, field 'nodes[2]': node 'vision' (effect): is not connected: no link starts or ends here",
        "model.yaml, line 28, field 'links[1].source': link 1 (insights \u2192 vision): unknown node 'insights' "
        "(not in nodes)",
    ]


def test_cycle_is_found_with_the_closing_links_line():
    back = "  - {source: vision, target: insight, basis: stated, location: l, summary: back}\n"
    text = MINI.replace("interconnections:", back + "interconnections:")
    assert _mini_problems(text) == [
        "model.yaml, line 34, field 'links[2]': link 2 (vision \u2192 insight): goes from layer 'effect' to layer "
        "'contribution'; links go from one layer to the next only (source \u2192 contribution \u2192 effect)",
        "model.yaml, line 34, field 'links[2]': link 2 (vision \u2192 insight) closes a cycle: "
        "insight \u2192 vision \u2192 insight",
    ]


def test_cross_references_and_repeats_are_reported_at_their_lines():
    text = (
        MINI.replace("  - id: vision\n", "  - id: insight\n")
        .replace("mappings: []", "mappings: [{contribution: relational, basis: inferred, location: l}]")
        .replace("insight:\n      early", "insightful:\n      early")
        .replace("  - {id: source, label: Sources", "  - {id: effect, label: Sources")
    )
    assert _mini_problems(text) == [
        "model.yaml, line 1, field 'layers': must list the layers source, contribution, effect in this order "
        "(found ['effect', 'contribution', 'effect'])",
        "model.yaml, line 11, field 'nodes[1]': node 'insight' (contribution): has no outgoing link to layer 'effect'",
        "model.yaml, line 17, field 'nodes[2].id': node 'insight': duplicate node id (first at nodes[1])",
        "model.yaml, line 29, field 'links[1].target': link 1 (insight \u2192 vision): "
        "unknown node 'vision' (not in nodes)",
        "model.yaml, line 55, field 'domains[0].mappings[0].reason': an inferred mapping needs a reason",
        "model.yaml, line 55, field 'domains[0].mappings[0].contribution': unknown contribution 'relational' "
        "(one of: insight)",
        "model.yaml, line 62, field 'concentration.stages.insight': contribution 'insight' is missing",
        "model.yaml, line 63, field 'concentration.stages.insightful': unknown contribution 'insightful' "
        "(one of: insight)",
    ]


def test_schema_and_code_share_one_vocabulary():
    defs = load_schema("model")["$defs"]
    assert tuple(defs["layer_id"]["enum"]) == LAYERS
    assert tuple(defs["basis"]["enum"]) == BASES
    assert tuple(defs["reports"]["items"]["properties"]["emphasis"]["enum"]) == CONCENTRATION_EMPHASES
    concentration = load_schema("model")["properties"]["concentration"]["properties"]
    assert tuple(concentration["levels"]["additionalProperties"]["required"]) == LEVELS
    assert tuple(concentration["stages"]["additionalProperties"]["required"]) == STAGES


def test_data_dictionary_describes_every_field_of_the_model():
    table = dictionary("model")
    assert table["description"].str.len().min() > 10
    row = table.set_index("field").loc["links[].basis"]
    assert (row["required"], row["allowed values"]) == ("yes", "stated, inferred")
    assert "concentration.levels.<contribution id>.<level>[].emphasis" in set(table["field"])


def test_load_model_names_the_file_and_cross_checks_the_codebook(raw_copy):
    path = raw_copy / "model.yaml"
    text = path.read_text(encoding="utf-8").replace("code: relational", "code: relationships", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataValidationError) as info:
        load_model(path)  # finds codebook.yaml beside the model
    assert (
        "field 'nodes[7].code': node 'relational': code 'relationships' is not a contribution of the codebook"
        in str(info.value)
    )
    [problem] = [p for p in info.value.problems if p.field == "nodes[7].code"]
    assert problem.line == text.splitlines().index("    code: relationships") + 1  # the line a reader edits
    path.write_text("nodes: [unclosed\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match="model.yaml: not valid YAML at line 2"):
        load_model(path)


def test_check_and_update_manifest_validate_the_model(raw_copy, capsys):
    from ics_leadership import cli

    assert cli.main(["check", "--raw-dir", str(raw_copy)]) == 0
    assert "Raw data: model valid (12 nodes, 18 links: 15 stated, 3 inferred)" in capsys.readouterr().out
    before = (raw_copy / "MANIFEST").read_bytes()
    path = raw_copy / "model.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("target: legitimacy", "target: legitimcy", 1), encoding="utf-8"
    )
    assert cli.main(["update-manifest", "--raw-dir", str(raw_copy)]) == 1
    assert "unknown node 'legitimcy' (not in nodes)" in capsys.readouterr().err
    assert (raw_copy / "MANIFEST").read_bytes() == before


# --- drawing ------------------------------------------------------------------------------------------


def _draw(model, directory: Path, weights=None):
    style.set_style()
    fig = model_figure.draw_model(model, weights, title=style.SYNTHETIC_LABEL if weights is not None else None)
    return style.save_figure(fig, directory, "figure1_model" + ("_weighted" if weights is not None else ""))


def test_figure_files_are_identical_across_runs(model, tmp_path):
    one, two = _draw(model, tmp_path / "one"), _draw(model, tmp_path / "two")
    for ext in ("svg", "png"):
        assert one[ext].read_bytes() == two[ext].read_bytes(), ext
    svg = one["svg"].read_text(encoding="utf-8")
    for node in model.nodes:  # text stays text, so every box label is in the SVG
        for word in node.label.split():
            assert word in svg
    assert "Stated in the paper" in svg and "Inferred" in svg


def test_layout_avoids_crossings_and_keeps_arrows_on_box_edges(model):
    boxes, _ = model_figure.layout(model)
    order = model_figure.node_order(model)
    assert order["contribution"] == ["analytical_insight", "representation", "translating_communicating", "relational"]
    ports = model_figure._ports(model, boxes)
    for link in model.links:
        (x0, y0), (x1, y1) = ports[link.key]
        src, tgt = boxes[link.source], boxes[link.target]
        assert x0 == pytest.approx(src.right) and x1 == pytest.approx(tgt.left)
        assert abs(y0 - src.y) < model_figure.BOX_H / 2 and abs(y1 - tgt.y) < model_figure.BOX_H / 2


def test_alt_text_lists_every_link(model):
    alt = model_figure.alt_text(model)
    for link in model.links:
        assert f"{model.label(link.source)} to {model.label(link.target)}" in alt
    assert "Links stated in the paper (15, solid arrows)" in alt
    assert "Links inferred by the compendium (3, dashed arrows)" in alt


# --- weights from coded data ---------------------------------------------------------------------------


def _write_coded(folder: Path, extra_codings: str = "") -> Path:
    """A tiny canonical coded-data folder, small enough to count by hand."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "documents.csv").write_text(
        "document_id,participant_id,source_type,n_chars\n"
        "I01,P01,interview,1000\n"
        "I02,P02,interview,1000\n"
        "I03,P03,interview,1000\n"
        "F01,P01,follow-up interview,500\n"
        "O01,,observation,800\n",
        encoding="utf-8",
    )
    (folder / "codings.csv").write_text(
        "document_id,start,end,code,coder\n"
        "I01,0,100,analytical_insight/evidence_and_data,JW\n"  # P01 analytical insight
        "I01,150,300,representation/clinical_voice,JW\n"  # P01 representation
        "I01,400,500,analytical_insight,JW\n"  # P01 again: still one participant
        "I02,0,120,analytical_insight/feasible_priorities,JW\n"  # P02 analytical insight
        "I02,200,260,relational/mediating_conflict,JW\n"  # P02 relational
        "I02,300,400,relational,BR\n"  # P02 relational, second coder
        "I03,10,90,representation,JW\n"  # P03 representation
        "F01,0,50,analytical_insight/historical_tensions,JW\n"  # P01's follow-up
        "O01,0,100,translating_communicating/framing,JW\n" + extra_codings,  # observation: no participant
        encoding="utf-8",
    )
    (folder / "corpus.yaml").write_text("synthetic: true\ndescription: Hand-made test corpus\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def coded_dir(tmp_path_factory) -> Path:
    return _write_coded(tmp_path_factory.mktemp("coded") / "coded")


def test_weights_count_participants_per_contribution(model, codebook, coded_dir):
    weights = link_weights(model, load_coded(coded_dir, codebook), codebook)
    expected = {"analytical_insight": 2, "representation": 2, "translating_communicating": 0, "relational": 1}
    for link in model.links_of_kind("contribution"):
        assert weights.weight(link.source, link.target) == expected[link.source], link.key
    for link in model.links_of_kind("source"):
        assert weights.weight(link.source, link.target) is None
    assert set(weights.table.loc[weights.table["weight"].notna(), "unit"]) == {"participants"}
    assert not weights.sources_weighted
    assert "cannot be weighted" in weights.message
    assert weights.n_participants == 3 and weights.n_documents_without_participant == 1
    assert weights.synthetic


def test_source_links_weighted_by_co_coded_segments_when_sources_are_coded(doc, codebook, tmp_path):
    doc["nodes"][0]["code"] = "source/expertise"
    model = parse_model(doc, "model.yaml", codebook)
    folder = _write_coded(
        tmp_path / "coded",
        extra_codings=(
            "I01,50,120,source/expertise,JW\n"  # overlaps analytical insight [0, 100)
            "I01,50,120,source/expertise,BR\n"  # same segment, second coder: counted once
            "I01,600,650,source/expertise,JW\n"  # overlaps nothing
            "I02,250,320,source/expertise,JW\n"  # overlaps relational only, not analytical insight [0, 120)
            "I03,0,50,source/expertise,JW\n"  # overlaps representation [10, 90)
            "I03,90,95,source/expertise,JW\n"  # touches representation's end: no shared character
        ),
    )
    weights = link_weights(model, load_coded(folder, codebook, check_codes=False), codebook)
    assert weights.weight("expertise", "analytical_insight") == 1
    assert weights.weight("expertise", "representation") == 1
    assert weights.weight("networks", "translating_communicating") is None
    assert weights.sources_weighted
    assert "Professional networks, Formal authority, Informal influence are not coded" in weights.message
    assert weights.weight("analytical_insight", "engagement_commitment") == 2


def test_weighted_figure_is_labelled_and_alt_text_carries_the_numbers(model, codebook, coded_dir, tmp_path):
    weights = link_weights(model, load_coded(coded_dir, codebook), codebook)
    saved = _draw(model, tmp_path, weights)
    assert style.SYNTHETIC_LABEL in saved["svg"].read_text(encoding="utf-8")
    alt = model_figure.alt_text(model, weights)
    assert "Relational activities to Resource sharing (1 participant)" in alt
    assert "Analytical insight to Engagement and commitment (2 participants)" in alt
    assert "Clinical expertise to Analytical insight (not weighted)" in alt


# --- the notebook ---------------------------------------------------------------------------------------


def _run_notebook(out: Path, notebook: str, **parameters) -> Path:
    """Execute a notebook of notebooks/ with this checkout's package on the kernel's path."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PYTHONPATH", str(ROOT / "src"))
        return pipeline.execute_notebook(
            ROOT / "notebooks" / notebook,
            out / "executed.ipynb",
            parameters={"raw_dir": str(RAW), "derived_dir": str(out / "derived"), **parameters},
        )


def _outputs(executed: Path) -> tuple[str, dict[str, str]]:
    html, glued = [], {}
    for cell in nbformat.read(executed, as_version=4).cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            html.append("".join(data.get("text/html", "")) + "".join(data.get("text/markdown", "")))
            key = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if key:
                glued[key] = data["application/papermill.record/text/plain"]
    return "\n".join(html), glued


@pytest.fixture(scope="module")
def model_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("model_nb")
    return _run_notebook(out, "03_model.ipynb"), out / "derived"


def test_model_notebook_shows_the_paper_and_nothing_synthetic(model_run, model):
    """The model's page is under 'The study': the paper's model only, no coded data and no mark."""
    executed, derived = model_run
    html, glued = _outputs(executed)
    assert {k: glued[k] for k in ("n_nodes", "n_links", "n_stated", "n_inferred", "n_disputed_cells")} == {
        "n_nodes": "12",
        "n_links": "18",
        "n_stated": "15",
        "n_inferred": "3",
        "n_disputed_cells": "1",
    }
    assert html.count("<figure") == 2  # Figure 1 and the concentration grid
    assert style.SYNTHETIC_LABEL not in html and "04_model_weights.ipynb" in executed.read_text(encoding="utf-8")
    assert demonstration.notebook_data_source(executed) is None
    assert {p.name for p in derived.iterdir()} == {
        "figure1_model.svg",
        "figure1_model.png",
        "model_concentration.svg",
        "model_concentration.png",
        "model_links.csv",
        "model_nodes.csv",
        "model_crosswalk.csv",
        "model_domains.csv",
        "model_concentration.csv",
    }


def test_notebook_figure_matches_a_fresh_drawing_byte_for_byte(model_run, model, tmp_path):
    _, derived = model_run
    fresh = _draw(model, tmp_path)  # this process, against the notebook's kernel
    for ext in ("svg", "png"):
        assert fresh[ext].read_bytes() == (derived / f"figure1_model.{ext}").read_bytes(), ext


def test_weights_notebook_is_a_demonstration_whose_files_keep_the_label(tmp_path, coded_dir):
    """Notebook 04 on synthetic data: marked for the book's badge, no caption prefix; the weighted
    figure and model_link_weights.csv carry the label inside them."""
    executed = _run_notebook(tmp_path, "04_model_weights.ipynb", coded_data=str(coded_dir))
    derived = tmp_path / "derived"
    html, _ = _outputs(executed)
    assert html.count("<figure") == 1 and "Diagram in three columns" in html
    assert not re.search(r"<figcaption[^>]*>Synthetic demonstration data", html)
    assert "<caption>Evidence weight" in html
    assert demonstration.notebook_data_source(executed) == "synthetic"
    assert style.SYNTHETIC_LABEL in (derived / "figure1_model_weighted.svg").read_text(encoding="utf-8")
    weights = pd.read_csv(derived / "model_link_weights.csv")
    assert list(weights.columns[:2]) == ["data_source", "source"]
    assert set(weights["data_source"]) == {style.SYNTHETIC_LABEL}
    assert weights.loc[weights["source"] == "representation", "weight"].tolist() == [2, 2, 2]
