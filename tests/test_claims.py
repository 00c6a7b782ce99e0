"""The claims ledger: loading, hand-computed statuses on real coded data, and no verdicts from
synthetic or demonstration data."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from ics_leadership.coding import prevalence
from ics_leadership.coding.mapping import load_for_analysis, load_mapping
from ics_leadership.core.errors import DataValidationError
from ics_leadership.facts import claims
from ics_leadership.facts.codebook import load_codebook

from coded_fixture import coding, doc, make_coded
from conftest import ROOT, replace_in

CB = load_codebook()

LEDGER = """
alpha: 0.05
min_group_size: 5
claims:
  - {id: T01, claim: a, location: here, by: level, test: {type: present_at_all_levels, code: analytical_insight}}
  - {id: T02, claim: b, location: here, by: level, test: {type: present_at_all_levels, code: translating_communicating}}
  - {id: T03, claim: c, location: here, by: level, test: {type: higher_prevalence, code: representation, higher: [thematic, project], lower: [executive]}}
  - {id: T04, claim: d, location: here, by: level, test: {type: higher_prevalence, code: translating_communicating, higher: [project], lower: [executive]}}
  - {id: T05, claim: e, location: here, by: stage, test: {type: more_documents_in_stage, code: relational, higher: later, lower: early}}
  - {id: T06, claim: f, location: here, by: co-occurrence, test: {type: cooccur_more_than_chance, code_a: representation, code_b: translating_communicating}}
  - {id: T07, claim: g, location: here, by: level, test: {type: highest_at, code: relational/empowering_delegating, level: thematic}}
  - {id: T08, claim: h, location: here, by: level, test: {type: highest_at, code: relational/alliance_building, level: thematic}}
  - {id: T09, claim: i, location: here, by: level, test: {type: highest_at, code: translating_communicating, level: executive}}
  - {id: T10, claim: j, location: here, by: level, test: {type: among_top_at_level, codes: [representation, relational], level: project, k: 2}}
  - {id: T11, claim: k, location: here, by: level, test: {type: among_top_at_level, codes: [relational], level: project, k: 1}}
  - {id: T12, claim: l, location: here, by: role, test: {type: not_testable, reason: no codes for it}}
"""


def _project(folder, synthetic=False, codes=None):
    """15 clinical leaders, 5 per level (P1-P5 executive, P6-P10 thematic, P11-P15 project), one
    interview each (Di for Pi); D1-D11 early, D12-D15 later.

    analytical insight: D1, D6, D11 (one per level); representation: D6-D15 (every thematic and
    project leader); translating: D1-D10 (executive and thematic, no project leader); empowering
    and delegating: D6, D7 (thematic); alliance building: D12-D15 (project, later).
    """
    codes = codes or {}
    people = [
        {
            "participant_id": f"P{i}",
            "site": "X",
            "level": ["executive", "thematic", "project"][(i - 1) // 5],
            "group": "clinical",
        }
        for i in range(1, 16)
    ]
    docs = [doc(f"D{i}", 1000, f"P{i}", stage="early" if i <= 11 else "later") for i in range(1, 16)]
    spans = {
        "analytical_insight/evidence_and_data": (1, 6, 11),
        "representation/clinical_voice": range(6, 16),
        "translating_communicating/framing": range(1, 11),
        "relational/empowering_delegating": (6, 7),
        "relational/alliance_building": range(12, 16),
    }
    cods = [
        coding(f"D{i}", 10 * j, 10 * j + 5, codes.get(code, code))
        for j, (code, where) in enumerate(spans.items())
        for i in where
    ]
    return make_coded(folder, docs, cods, people, synthetic=synthetic)


def _ledger(tmp_path, folder, text=LEDGER, mapping=None):
    data, _ = load_for_analysis(folder, mapping, CB)
    (tmp_path / "claims.yaml").write_text(text)
    claim_list, rules = claims.load_claims(tmp_path / "claims.yaml", CB)
    table, evidence = claims.evaluate(claim_list, data, prevalence.analysis_codings(data, CB.tree), CB, rules)
    return table.set_index("id"), evidence


@pytest.fixture
def real(tmp_path):
    return _ledger(tmp_path, _project(tmp_path / "real"))


def test_statuses_on_real_data(real):
    table, evidence = real
    assert table["status"].to_dict() == {
        "T01": "consistent",  # someone at every level: 1/5 each
        "T02": "not consistent",  # nobody of the 5 project leaders translates
        "T03": "consistent",  # 10/10 vs 0/5: p = 1/C(15,5) = 1/3003
        "T04": "not consistent",  # 0/5 project vs 5/5 executive, the opposite way: p = 1/C(10,5) = 1/252
        "T05": "inconclusive",  # 4/4 later vs 2/11 early, p = 15/1365, but only 4 later documents
        "T06": "inconclusive",  # opposite (5/10 vs 5/5) but p = 252/3003 = 0.084
        "T07": "consistent",  # empowering: thematic 2/5, executive and project 0/5
        "T08": "not consistent",  # alliance building: thematic 0/5, project 4/5
        "T09": "inconclusive",  # translating: executive 5/5 ties with thematic 5/5
        "T10": "consistent",  # project: representation 5/5, relational 4/5, then analytical 1/5
        "T11": "not consistent",  # project: relational 4/5 is below representation 5/5
        "T12": "not testable on coded data",
    }
    assert table["p_shown"].fillna("").to_dict() == {
        "T01": "",
        "T02": "",
        "T03": "< 0.001",
        "T04": "0.004",
        "T05": "0.011",
        "T06": "0.084",
        "T07": "",
        "T08": "",
        "T09": "",
        "T10": "",
        "T11": "",
        "T12": "",
    }
    # The number itself stays a number for whoever reads the CSV (1/3003, 1/252, 252/3003).
    assert table.loc["T03", "p_value"] == pytest.approx(1 / 3003)
    assert table.loc["T04", "p_value"] == pytest.approx(1 / 252)
    assert table.loc["T06", "p_value"] == pytest.approx(252 / 3003)
    assert table["p_value"].isna().sum() == 8
    effects = table["effect_size"].astype(float)
    assert effects.drop("T12").to_dict() == {
        "T01": 0.2,
        "T02": 0.0,
        "T03": 1.0,
        "T04": -1.0,
        "T05": 0.818,
        "T06": -0.5,
        "T07": 0.4,
        "T08": -0.8,
        "T09": 0.0,
        "T10": 0.6,
        "T11": -0.2,
    }
    assert math.isnan(effects["T12"])
    assert table.loc["T03", "direction_observed"] == "as claimed"
    assert table.loc["T04", "direction_observed"] == "opposite to the claim"
    assert table.loc["T09", "direction_observed"] == "no difference"
    assert table.loc["T03", "observed"] == "thematic + project 10/10 (100%); executive 0/5 (0%)"
    assert table.loc["T03", "group_sizes"] == "thematic + project: 10; executive: 5 (participants)"
    assert table.loc["T05", "group_sizes"] == "later: 4; early: 11 (documents)"
    assert table.loc["T05", "reason"] == "The smallest compared group (later, 4 documents) is below the minimum of 5."
    assert table.loc["T06", "reason"] == "Not significant at 0.05."
    assert table.loc["T02", "reason"] == "Nobody at the project level expresses it."
    assert table.loc["T09", "reason"] == "The executive level ties with thematic."
    assert table.loc["T12", "reason"] == "no codes for it"
    assert table["smallest_group"].drop("T12").tolist() == [5, 5, 5, 5, 4, 5, 5, 5, 5, 5, 5]
    assert table.loc["T06", "effect_measure"].startswith("difference in proportions of documents")
    assert set(table["alpha"].dropna()) == {0.05} and set(table["min_group_size"].dropna()) == {5}
    assert evidence["T01"]["expressing"].tolist() == [1, 1, 1]
    assert list(table.reset_index().columns) == claims.COLUMNS
    assert not table.apply(lambda col: col.astype("string").str.contains("supported")).any().any()


def test_descriptive_tests_use_the_minimum_group_size(tmp_path):
    table, _ = _ledger(tmp_path, _project(tmp_path / "real"), LEDGER.replace("min_group_size: 5", "min_group_size: 6"))
    assert set(table["status"].drop("T12")) == {"inconclusive"}
    assert (
        table.loc["T01", "reason"]
        == "The smallest compared group (executive, 5 participants) is below the minimum of 6."
    )
    assert (
        table.loc["T10", "reason"] == "The smallest compared group (project, 5 participants) is below the minimum of 6."
    )
    assert table.loc["T03", "p_shown"] == "< 0.001"  # still shown: inconclusive is not hidden evidence


def _not_evaluated(table, evidence, reason_starts):
    assert set(table["status"].drop("T12")) == {claims.NOT_EVALUATED}
    assert table.loc["T12", "status"] == claims.NOT_TESTABLE
    assert table["reason"].drop("T12").str.startswith(reason_starts).all()
    assert table[claims.RESULT_COLUMNS].isna().all().all()  # no direction, effect, group size or p value
    assert (
        table.loc["T03", "proposition"]
        == "Prevalence of representation is higher at thematic + project than at executive."
    )
    assert table.loc["T03", "test"].startswith("higher_prevalence: share of participants expressing representation")
    assert evidence == {}


def test_synthetic_data_get_no_verdict_and_no_test_runs(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a test ran on synthetic data")

    monkeypatch.setattr(claims, "run_test", refuse)  # the ledger calls claim_tests.run_test by this name
    monkeypatch.setattr(claims, "prevalence", refuse)
    table, evidence = _ledger(tmp_path, _project(tmp_path / "syn", synthetic=True))
    _not_evaluated(table, evidence, "These are synthetic demonstration data")


def test_demonstration_mapping_gets_no_verdict(tmp_path):
    own = {
        "analytical_insight/evidence_and_data": "Coke",
        "representation/clinical_voice": "bacon",
        "translating_communicating/framing": "cornflakes",
        "relational/empowering_delegating": "tea",
        "relational/alliance_building": "toast",
    }
    folder = _project(tmp_path / "own", codes=own)
    body = "codes:\n" + "".join(f"  {v}: {k}\n" for k, v in own.items())
    (tmp_path / "real.yaml").write_text(body)
    (tmp_path / "demo.yaml").write_text("demonstration: true\n" + body)
    table, _ = _ledger(tmp_path, folder, mapping=tmp_path / "real.yaml")
    assert table.loc["T03", "status"] == "consistent"  # the same data through an ordinary mapping
    table, evidence = _ledger(tmp_path, folder, mapping=tmp_path / "demo.yaml")
    _not_evaluated(table, evidence, "The codes were mapped by a demonstration mapping")
    assert "demo.yaml" in table.loc["T01", "reason"]


def test_the_example_mapping_is_a_demonstration(tmp_path):
    assert load_mapping(ROOT / "examples" / "atlas_ti" / "mapping.yaml", CB).demonstration is True
    (tmp_path / "m.yaml").write_text("demonstration: yes please\ncodes: {}\n")
    with pytest.raises(
        DataValidationError, match="line 1, field 'demonstration': must be true or false \\(found text\\)"
    ):
        load_mapping(tmp_path / "m.yaml", CB)


@pytest.mark.parametrize(
    "p, text",
    [
        (0.0004, "< 0.001"),
        (0.001, "0.001"),
        (1 / 15, "0.067"),
        (0.0496, "0.0496"),
        (0.05, "0.050"),
        (0.0504, "0.050"),
        (1.0, "1.000"),
        (float("nan"), ""),
    ],
)
def test_p_values_are_never_zero(p, text):
    assert claims.format_p(p, 0.05) == text


def test_describe_says_why_there_is_no_verdict(tmp_path, real):
    syn, _ = _ledger(tmp_path, _project(tmp_path / "syn", synthetic=True))
    text = claims.describe(syn.reset_index())
    assert "no verdict is given. These are synthetic demonstration data" in text
    assert "1 claim(s) cannot be tested on coded data" in text
    shown = claims.for_display(syn.reset_index())
    assert list(shown.columns) == ["id", "status", "claim", "proposition", "test", "reason", "location"]
    assert shown["reason"].tolist()[-1] == "no codes for it" and set(shown["reason"][:-1]) == {""}
    text = claims.describe(real[0].reset_index())
    assert text.startswith("On these coded data 4 claim(s) are consistent with the paper")
    assert "4 are not consistent" in text and "and 3 are inconclusive" in text and "fewer than 5 members" in text


def test_the_papers_ledger_loads():
    claim_list, rules = claims.load_claims(codebook=CB)
    assert rules == claims.Rules(alpha=0.05, min_group_size=5) and len(claim_list) == 16
    assert {c.by for c in claim_list} == {"level", "stage", "role", "co-occurrence"}
    assert all(c.location for c in claim_list)


def test_ledger_errors_name_the_claim(tmp_path):
    (tmp_path / "claims.yaml").write_text(
        "alpha: 1.5\nmin_group_size: 0\n"
        "claims:\n  - {id: X1, claim: a, location: b, by: level, test: {type: guess}}\n"
        "  - {id: X2, claim: a, location: b, by: level, test: {type: highest_at, code: representation/voice, level: board}}\n"
        "  - {id: X3, claim: a, by: level, test: {type: not_testable, reason: r}}\n"
        "  - {id: X4, claim: a, location: b, by: level, test: {type: among_top_at_level, codes: [relational, representation], level: project, k: 1}}\n"
        "  - {id: X5, claim: a, location: b, by: level, test: {type: among_top_at_level, codes: [relational/alliance_building], level: project, k: 4}}\n"
    )
    with pytest.raises(DataValidationError) as info:
        claims.load_claims(tmp_path / "claims.yaml", CB)
    # One claim a line, so each problem's line names its claim; fields are list positions (claims[1] is X2).
    assert [(p.line, p.field, p.message) for p in info.value.problems] == [
        (1, "alpha", "must be a number above 0 and below 1"),
        (2, "min_group_size", "must be a whole number of at least 1"),
        (4, "claims[0].test.type", info.value.problems[2].message),
        (5, "claims[1].test.level", "'board' is not one of: executive, thematic, project"),
        (5, "claims[1].test.code", "unknown code 'representation/voice' (not in the codebook)"),
        (6, "claims[2].location", "required field is missing"),
        (7, "claims[3].test.k", "must be at least 2 (the codes named)"),
        (8, "claims[4].test.codes[0]", "'relational/alliance_building' is an activity; this test ranks contributions"),
        (
            8,
            "claims[4].test.k",
            "k must be below the number of contributions (4), or every contribution is in the top k",
        ),
    ]
    assert info.value.problems[2].message.startswith("'guess' is not one of: present_at_all_levels, higher_prevalence")


def test_ledger_lists_every_problem_with_its_line(raw_copy):
    path = raw_copy / "claims.yaml"
    replace_in(path, "  - id: C03\n", "  - id: C02\n")  # line 44
    replace_in(path, "lower: [executive]}", "lower: [executive, board]}")  # line 43
    replace_in(path, "higher: early, lower: later}", "higher: [early], lower: later}")  # line 64
    replace_in(path, "    by: stage\n", "    by: stage\n    note: x\n")  # line 63, pushing the test to 64
    replace_in(path, "level: thematic}", "level: thematic, k: 2}")  # line 58
    replace_in(path, "code_b: translating_communicating}", "code_b: translating/communicating}")  # line 99
    with pytest.raises(DataValidationError) as info:
        claims.load_claims(path, CB)
    assert [(p.line, p.field, p.message) for p in info.value.problems] == [
        (43, "claims[1].test.lower[1]", "'board' is not one of: executive, thematic, project"),
        (44, "claims[2].id", "claim id 'C02' appears twice (first at line 39)"),
        (58, "claims[4].test.k", "unknown field (allowed: code, level, type)"),
        (63, "claims[5].note", "unknown field (allowed: by, claim, id, location, test)"),
        (64, "claims[5].test.higher", "['early'] is not one of: early, later"),
        (99, "claims[12].test.code_b", "unknown code 'translating/communicating' (not in the codebook)"),
    ]


def test_claims_schema_speaks_the_papers_vocabulary():
    from ics_leadership.core.yamlschema import load_schema
    from ics_leadership.facts.vocabulary import LEVELS, STAGES

    defs = load_schema("claims")["$defs"]
    assert tuple(defs["level"]["enum"]) == LEVELS
    assert tuple(defs["stage"]["enum"]) == STAGES
    assert set(
        load_schema("claims")["properties"]["claims"]["items"]["properties"]["test"]["properties"]["type"]["enum"]
    ) == set(claims.TEST_FIELDS)


def test_ledger_csv_has_no_bare_verdict_words():
    assert not {"supported", "not supported"} & set(claims.STATUSES)
    assert pd.Series(claims.STATUSES).is_unique
