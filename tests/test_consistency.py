"""The consistency report finds where the paper disagrees with itself, and keeps both sides."""

from __future__ import annotations

import pytest

from ics_leadership.facts import consistency, raw


@pytest.fixture(scope="module")
def checks():
    return consistency.consistency_checks(raw.load_raw())


@pytest.fixture(scope="module")
def findings(checks):
    return consistency.findings(checks).set_index("fact")


def test_exactly_the_known_disagreements(findings):
    assert sorted(findings.index) == ["clinical_leaders", "professional_backgrounds", "stp_expansion", "study_period"]


def test_24_versus_25_clinical_leaders(findings, checks):
    text = findings.loc["clinical_leaders", "values and where"]
    assert text.startswith("24 [Abstract (Methods paragraph); Results, The clinical leaders, para 1] vs 25 [")
    assert "Methods, Recruitment and sample, para 2" in text
    assert "recomputed from participants.csv" in text
    rows = checks[checks["fact"] == "clinical_leaders"]
    assert rows.loc[rows["source"] == "recomputed", "value"].tolist() == ["25"]
    assert rows["verdict"].unique().tolist() == [consistency.STATEMENTS_DISAGREE]


def test_study_period(findings):
    assert findings.loc["study_period", "values and where"] == (
        "2018-2019 [Abstract (Methods paragraph)] vs 2018-2021 [Methods, Recruitment and sample, para 1]"
    )


def test_professions_text_versus_table1(findings):
    row = findings.loc["professional_backgrounds"]
    assert row["verdict"] == consistency.DATA_DISAGREES
    assert "occupational therapy [Results, The clinical leaders, para 1]" in row["values and where"]
    assert "medicine, midwifery, nursing, pharmacy [recomputed from participants.csv" in row["values and where"]


def test_consistent_facts_are_confirmed_by_recomputation(checks):
    recomputed = checks[checks["source"] == "recomputed"].set_index("fact")["value"].to_dict()
    assert recomputed["observation_hours"] == "49"
    assert recomputed["follow_up_interviews"] == "5"
    assert recomputed["thematic_leaders"] == "8"
    assert recomputed["stp_medical_directors"] == "3"
    assert "meetings_observed" not in recomputed  # per-site meetings are not reported: not recomputable
    hours = checks[checks["fact"] == "observation_hours"]
    assert set(hours["verdict"]) == {consistency.CONSISTENT}


def test_a_changed_site_total_is_caught(raw_copy):
    # If observation hours at one site were mistyped, the stated total of 49 no longer matches.
    path = raw_copy / "observations.csv"
    path.write_text(path.read_text().replace("C,5,", "C,6,"))
    checks = consistency.consistency_checks(raw.load_raw(raw_copy))
    findings = consistency.findings(checks).set_index("fact")
    assert findings.loc["observation_hours", "verdict"] == consistency.DATA_DISAGREES
    assert findings.loc["observation_hours", "values and where"].startswith(
        "49 [Methods, Data collection, para 2] vs 50 ["
    )


@pytest.mark.parametrize(
    "a, b, same",
    [(25, 25.0, True), (24, 25, False), (["a", "b"], ["b", "a"], True), (["a"], "a", False), ("x", "x", True)],
)
def test_same_value(a, b, same):
    assert consistency.same_value(a, b) is same
