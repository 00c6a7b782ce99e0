"""Prevalence with Wilson intervals, association tests, co-occurrence and saturation, by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency

from ics_leadership.coding import association, coded, cooccurrence, prevalence, saturation
from ics_leadership.facts.codebook import load_codebook

from coded_fixture import coding, doc, make_coded

CB = load_codebook()
VOICE, CHALLENGE, BROKER = (
    "representation/clinical_voice",
    "representation/critical_challenge",
    "relational/brokering_connections",
)


def test_wilson_interval_known_values():
    assert prevalence.wilson(5, 10) == pytest.approx((0.236593, 0.763407), abs=1e-6)
    low, high = prevalence.wilson(0, 4)
    assert low == pytest.approx(0.0, abs=1e-12) and high == pytest.approx(0.489891, abs=1e-6)
    assert all(np.isnan(prevalence.wilson(0, 0)))


@pytest.fixture
def small(tmp_path):
    people = [
        {"participant_id": p, "site": s, "level": lvl, "group": "clinical"}
        for p, s, lvl in [
            ("P1", "X", "executive"),
            ("P2", "X", "thematic"),
            ("P3", "Y", "thematic"),
            ("P4", "Y", "project"),
        ]
    ]
    docs = [doc(f"D{i}", 200, f"P{i}") for i in range(1, 5)] + [
        doc("OBS", 200, source_type="observation", level="project")
    ]
    cods = [
        coding("D1", 0, 50, VOICE),
        coding("D2", 10, 60, VOICE),
        coding("D2", 40, 90, CHALLENGE),
        coding("D3", 0, 20, BROKER),
        coding("OBS", 0, 30, VOICE),
        coding("D2", 0, 200, VOICE, coder="B"),
    ]
    return coded.load_coded(make_coded(tmp_path / "c", docs, cods, people))


def test_prevalence_by_level(small):
    cod = prevalence.analysis_codings(small, CB.tree)
    assert prevalence.primary_coder(small) == "A"
    prev = prevalence.prevalence(small, cod, CB.tree, by="level", focus_group="clinical").set_index(["code", "group"])
    rep = prev.loc[("representation", "thematic")]
    assert (rep["participants"], rep["expressing"]) == (2, 1)  # P2 yes, P3 no
    assert rep["ci_low"] == pytest.approx(prevalence.wilson(1, 2)[0])
    assert prev.loc[("representation", "executive"), "expressing"] == 1
    assert prev.loc[("relational", "project"), "expressing"] == 0  # the observation is not a participant


def test_frequencies_count_segments_documents_participants(small):
    freq = prevalence.frequencies(prevalence.analysis_codings(small, CB.tree), CB.tree).set_index("code")
    assert freq.loc["representation", ["segments", "documents", "participants"]].tolist() == [4, 3, 2]
    assert freq.loc[VOICE, "segments"] == 3  # coder B's coding is not counted


def test_overlap_and_document_cooccurrence(small):
    cod = prevalence.analysis_codings(small, CB.tree)
    m = cooccurrence.overlap_counts(cod, [VOICE, CHALLENGE, BROKER])
    assert m.loc[VOICE, CHALLENGE] == 1 and m.loc[CHALLENGE, VOICE] == 1 and m.to_numpy().sum() == 2
    d = cooccurrence.document_counts(cod, [VOICE, CHALLENGE, BROKER])
    assert d.loc[VOICE, VOICE] == 3 and d.loc[VOICE, CHALLENGE] == 1 and d.loc[VOICE, BROKER] == 0


def test_spans_touching_end_to_start_do_not_overlap():
    cod = pd.DataFrame(
        [
            {"document_id": "d", "start": 0, "end": 10, "code": "a"},
            {"document_id": "d", "start": 10, "end": 20, "code": "b"},
        ]
    )
    assert cooccurrence.overlap_counts(cod, ["a", "b"]).to_numpy().sum() == 0


def test_chi_square_matches_scipy_and_cramers_v():
    table = pd.DataFrame([[20, 15, 25], [30, 35, 25]])
    result = association.test_table(table)
    chi2, p, dof, _ = chi2_contingency(table.to_numpy(), correction=False)
    assert result["test"] == "Pearson chi-square"
    assert result["statistic"] == pytest.approx(chi2) and result["p_value"] == pytest.approx(p) and result["df"] == dof
    assert result["cramers_v"] == pytest.approx(np.sqrt(chi2 / 150))


def test_small_tables_use_exact_tests():
    two = association.test_table(pd.DataFrame([[3, 1], [1, 3]]))
    assert two["test"] == "Fisher exact" and two["p_value"] == pytest.approx(0.485714, abs=1e-6)
    three = association.test_table(pd.DataFrame([[4, 0, 1], [0, 4, 1]]), permutations=2000)
    assert three["test"].startswith("Monte Carlo exact")
    assert 0 < three["p_value"] < 0.2
    assert association.test_table(pd.DataFrame([[4, 0, 1], [0, 4, 1]]), permutations=2000) == three  # seeded


def test_saturation_hand_made_sequence():
    seq = [{"a", "b"}, {"c"}, {"a", "d"}, {"b"}, {"e"}, {"a"}, {"b"}, {"c"}]
    s = saturation.saturation(seq, base_size=4, run_length=2, threshold=0.05)
    assert s.base_codes == 4
    assert s.runs["new_codes"].tolist() == [1, 0, 0]  # runs 5-6, 6-7, 7-8
    assert s.runs["new_information"].tolist() == [0.25, 0.0, 0.0]
    assert s.point == 5  # run 6-7 adds nothing: saturation after interview 5
    assert s.cumulative["distinct_codes"].tolist() == [2, 3, 4, 4, 5, 5, 5, 5]
    assert saturation.saturation(seq, 4, 2, threshold=0.25).point == 4
    assert saturation.saturation([{"a"}, {"b"}, {"c"}], 2, 2).point is None


def test_saturation_rejects_bad_parameters():
    with pytest.raises(ValueError):
        saturation.saturation([{"a"}], base_size=0)
    with pytest.raises(ValueError):
        saturation.saturation([{"a"}], threshold=2)
