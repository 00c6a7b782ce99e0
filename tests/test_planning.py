"""Planning a replication: sample sizes to see a theme, unseen themes in a pilot, the sampling frame.

Every expected value is computed by hand here (from the formulas, with math.comb and powers), not
by the code under test.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from ics_leadership.core.errors import DataValidationError
from ics_leadership.facts import raw
from ics_leadership.facts.sample import sampling_frame
from ics_leadership.planning import frame as frames
from ics_leadership.planning import pilot, sample_size, unseen

from coded_fixture import PILOT_THEMES as FIVE
from coded_fixture import pilot_project

# --- Sample size to see a theme (Fugard and Potts 2015) ------------------------------------------


def test_binomial_hand_checks_of_the_issue():
    """p = 0.1, probability 0.8: 16 interviews for k = 1, 29 for k = 2; one fewer falls short."""
    one = sample_size.sample_size(0.1, 1, 0.8)
    assert one.interviews == 16 and one.model == "binomial"
    assert one.reached == pytest.approx(1 - 0.9**16) and round(one.reached, 3) == 0.815
    assert one.one_fewer == pytest.approx(1 - 0.9**15) and round(one.one_fewer, 3) == 0.794

    def at_least_two(n):  # 1 - P(X = 0) - P(X = 1)
        return 1 - 0.9**n - n * 0.1 * 0.9 ** (n - 1)

    two = sample_size.sample_size(0.1, 2, 0.8)
    assert two.interviews == 29
    assert at_least_two(29) >= 0.8 > at_least_two(28)
    assert two.reached == pytest.approx(at_least_two(29)) and two.one_fewer == pytest.approx(at_least_two(28))


def test_a_small_finite_tier_is_hypergeometric_and_needs_fewer():
    """N = 5, p = 0.4: K = 2 hold the theme; P(none of them in n) = C(3, n) / C(5, n)."""

    def seen(n):
        return 1 - math.comb(3, n) / math.comb(5, n)

    finite = sample_size.sample_size(0.4, 1, 0.8, population=5)
    assert (finite.model, finite.holders, finite.interviews) == ("hypergeometric", 2, 3)
    assert seen(3) == pytest.approx(0.9) and finite.reached == pytest.approx(0.9)
    assert finite.one_fewer == pytest.approx(seen(2)) == pytest.approx(0.7)
    assert sample_size.sample_size(0.4, 1, 0.8).interviews == 4  # binomial: 1 - 0.6^4 = 0.87, 0.6^3 gives 0.784


def test_hypergeometric_may_need_the_whole_tier_or_be_out_of_reach():
    # N = 6, p = 0.5: K = 3; k = 3 with 5 of 6 drawn: C(3,3) C(3,2) / C(6,5) = 3/6, so all 6 are needed.
    whole = sample_size.sample_size(0.5, 3, 0.8, population=6)
    assert whole.interviews == 6 and whole.reached == pytest.approx(1.0) and whole.one_fewer == pytest.approx(0.5)
    # N = 10, p = 0.1: one member holds it, so it can never be seen 3 times.
    out = sample_size.sample_size(0.1, 3, 0.8, population=10)
    assert (out.holders, out.interviews, out.reached) == (1, None, None)
    # floor(p N) without floating-point surprises: 0.3 x 10 is 3, 0.29 x 10 is 2.
    assert sample_size.holders(0.3, 10) == 3 and sample_size.holders(0.29, 10) == 2


def test_a_share_of_one_needs_k_interviews():
    assert sample_size.sample_size(1.0, 3, 0.9).interviews == 3


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"share": 0}, "above 0 and at most 1"),
        ({"share": 1.5}, "above 0 and at most 1"),
        ({"share": float("nan")}, "above 0 and at most 1"),
        ({"k": 0}, "at least 1"),
        ({"k": 1.5}, "at least 1"),
        ({"probability": 0}, "above 0 and below 1"),
        ({"probability": 1}, "above 0 and below 1"),
        ({"population": 0}, "at least 1"),
    ],
)
def test_out_of_range_inputs_are_refused(kwargs, message):
    args = {"share": 0.1, "k": 1, "probability": 0.8, **kwargs}
    with pytest.raises(ValueError, match=message):
        sample_size.sample_size(**args)


def test_tables_overall_and_per_tier():
    table = sample_size.sample_size_table([0.1, 0.5], [1, 2], 0.8)
    assert table[["share", "k", "interviews"]].values.tolist() == [[0.1, 1, 16], [0.5, 1, 3], [0.1, 2, 29], [0.5, 2, 5]]
    tiers = sample_size.tier_table({"executive": 4, "thematic": 8}, [0.1, 0.5], [1], 0.8, populations={"executive": 6})
    by = tiers.set_index(["tier", "share"])
    assert by.loc[("executive", 0.5), "model"] == "hypergeometric"
    assert by.loc[("executive", 0.5), "holders"] == 3
    assert by.loc[("executive", 0.5), "probability_planned"] == pytest.approx(1.0)  # 4 of 6 cannot miss 3 holders
    assert pd.isna(by.loc[("executive", 0.1), "needed"])  # floor(0.6) = 0 holders: out of reach
    assert by.loc[("thematic", 0.1), "probability_planned"] == pytest.approx(1 - 0.9**8)
    assert not by.loc[("thematic", 0.1), "enough"] and by.loc[("thematic", 0.1), "needed"] == 16


@pytest.mark.parametrize(
    "planned, populations, message",
    [
        ({"executive": 0}, {}, "plans no one"),
        ({"executive": 4}, {"neighbourhood": 5}, "plans no one"),
        ({"executive": 4}, {"executive": 3}, "plans 4 interviews but its population is 3"),
    ],
)
def test_bad_designs_are_refused(planned, populations, message):
    with pytest.raises(ValueError, match=message):
        sample_size.tier_table(planned, [0.1], [1], 0.8, populations)


# --- Unseen themes: Chao2 and iChao2 --------------------------------------------------------------


def test_incidence_counts():
    inc = unseen.incidence(FIVE)
    assert (inc.units, inc.counts, inc.observed) == (5, (4, 2, 1, 1, 0), 8)
    assert unseen.incidence([["x", "x"], ["x"]]).counts == (0, 1)  # a theme twice in one unit counts once


def test_chao2_classic_by_hand():
    """S = 8 + (4/5) 4^2 / (2 x 2) = 11.2, with Chao's variance and the log-normal interval."""
    e = unseen.chao2(unseen.incidence(FIVE))
    assert e.form == "classic"
    assert e.estimate == pytest.approx(8 + (4 / 5) * 16 / 4) == pytest.approx(11.2)
    a, r = 4 / 5, 4 / 2
    var = 2 * (a * r**2 / 2 + a**2 * r**3 + a**2 * r**4 / 4)
    assert var == pytest.approx(18.56)
    assert e.se == pytest.approx(math.sqrt(18.56))
    c = math.exp(1.959963984540054 * math.sqrt(math.log(1 + 18.56 / 3.2**2)))
    assert (e.lower, e.upper) == (pytest.approx(8 + 3.2 / c), pytest.approx(8 + 3.2 * c))
    assert 8 < e.lower < 11.2 < e.upper


def test_ichao2_by_hand():
    """11.2 + ((5-3)/(4x5)) (Q3/Q4) max(Q1 - ((5-3)/(2x4)) Q2 Q3/Q4, 0) = 11.2 + 0.1 x 3.5 = 11.55."""
    assert unseen.ichao2(unseen.incidence(FIVE)).estimate == pytest.approx(11.55)
    # Q4 = 0 is replaced by 1: m = 5, Q1 = 2, Q2 = 1, Q3 = 1 (S_obs = 4) -> Chao2 = 4 + 0.8 x 4/2 = 5.6,
    # plus 0.1 x (1/1) x (2 - 0.25 x 1 x 1/1) = 0.175.
    inc = unseen.Incidence(units=5, counts=(2, 1, 1, 0, 0))
    assert unseen.chao2(inc).estimate == pytest.approx(5.6)
    assert unseen.ichao2(inc).estimate == pytest.approx(5.775)


def test_chao2_bias_corrected_when_no_theme_is_in_exactly_two():
    """Q1 = 3, Q2 = 0, m = 4, S_obs = 5: 5 + (3/4) x 3 x 2 / (2 x (0 + 1)) = 7.25."""
    units = [{"a", "d", "e"}, {"b", "d", "e"}, {"c", "d", "e"}, set()]
    e = unseen.chao2(unseen.incidence(units))
    assert e.form.startswith("bias-corrected") and e.estimate == pytest.approx(7.25)
    assert e.lower >= 5


def test_no_singletons_estimate_what_was_seen():
    e = unseen.chao2(unseen.incidence([{"a", "b"}, {"a", "b"}, {"a"}]))
    assert (e.estimate, e.unseen, e.form) == (2.0, 0.0, "no themes seen once")
    assert e.lower == 2.0 <= e.upper


def test_one_unit_says_nothing_about_the_unseen():
    with pytest.raises(ValueError, match="at least 2 interviews"):
        unseen.chao2(unseen.incidence([{"a", "b"}]))


# --- A pilot's coded interviews --------------------------------------------------------------------


def test_pilot_counts_interviewees_not_interviews(tmp_path):
    found = pilot.pilot(pilot_project(tmp_path / "coded"))
    assert found.counts == unseen.Incidence(units=5, counts=(4, 2, 1, 1, 0))  # the follow-up adds nothing
    chao = found.estimates.set_index("estimator")
    assert chao.loc["Chao2", "themes_estimated"] == pytest.approx(11.2)
    assert chao.loc["iChao2", "themes_estimated"] == pytest.approx(11.55)
    assert found.incidence.iloc[0].tolist() == ["h", 4]
    assert len(found.interviews) == 6  # saturation follows interviews, follow-up included
    assert found.saturation.base_codes == 8  # the first four interviews hold every code


def test_pilot_top_level_themes_and_first_interviews(tmp_path):
    coded = pilot_project(tmp_path / "coded")
    top = pilot.pilot(coded, themes="top")
    # one: P1-P4; two: P1-P4 (e in P1, P2; f in P3, P4); g: P1-P3; h: P1-P4 -> Q3 = 1, Q4 = 3.
    assert top.counts.counts == (0, 0, 1, 3, 0)
    first_two = pilot.pilot(coded, interviews=2)
    assert (first_two.counts.units, first_two.counts.observed) == (2, 5)  # a, b once; e, g, h twice


def test_pilot_refuses_what_it_cannot_estimate(tmp_path):
    coded = pilot_project(tmp_path / "coded")
    with pytest.raises(DataValidationError, match="coder 'nobody' has no codings"):
        pilot.pilot(coded, coder="nobody")
    with pytest.raises(DataValidationError, match="only 1 interviewee"):
        pilot.pilot(coded, interviews=1)


# --- The sampling frame ----------------------------------------------------------------------------


def test_template_is_the_schema_header_and_the_dictionary_describes_it():
    assert list(frames.template().columns) == frames.FRAME.column_names
    assert frames.FRAME.column_names == ["site", "tier", "role", "profession", "leaders", "follow_up", "stage", "notes"]
    assert frames.dictionary()["column"].tolist() == frames.FRAME.column_names


def test_a_filled_in_frame_in_a_teams_own_terms(tmp_path):
    path = tmp_path / "frame.csv"
    path.write_text(
        "site,tier,role,leaders,follow_up,stage\n"
        "North,system,Chief Medical Officer,,true,early\n"
        "North,place,Place clinical lead,2,,later\n"
        "South,neighbourhood,PCN clinical director,3,false,\n"
        "South,system,Chief Nurse,1,false,early\n",
        encoding="utf-8",
    )
    design = frames.read_frame(path)
    assert design.tiers == ("system", "place", "neighbourhood") and design.sites == ("North", "South")
    assert design.by_tier() == {"system": 2, "place": 2, "neighbourhood": 3} and design.total == 7
    assert design.table().loc["Total"].tolist() == [3, 4, 7]
    summary = design.summary().set_index("tier")
    assert summary.loc["system", "follow_ups"] == 1
    assert summary.loc["place", "stage later"] == 2 and summary.loc["neighbourhood", "stage not planned"] == 3
    leaders = design.per_leader()  # a leader a row, as plan power reads a design
    assert len(leaders) == 7 and leaders["tier"].tolist()[:3] == ["system", "place", "place"]
    assert leaders["follow_up"].tolist()[:2] == [True, False] and leaders["stage"].tolist()[3:6] == ["", "", ""]


def test_bad_frames_name_file_row_and_field(tmp_path):
    path = tmp_path / "frame.csv"
    path.write_text("site,tier,leaders,follow_up\nA,executive,1,yes\n,thematic,0,maybe\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as err:
        frames.read_frame(path)
    lines = str(err.value).splitlines()
    assert "row 2 (line 3), field 'site': is blank but required" in lines[0]
    assert "field 'leaders': 0 is below the minimum 1" in lines[1]
    assert "field 'follow_up': 'maybe' is not a boolean" in lines[2]
    path.write_text("site,tier,teir\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match="field 'teir': unexpected column"):
        frames.read_frame(path)
    path.write_text("site,tier\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match="plans no one"):
        frames.read_frame(path)


def test_the_papers_design_comes_from_table_1(tmp_path):
    table = sampling_frame(raw.load_participants())
    design = frames.design_from_frame(table, "Table 1")
    assert design.by_tier() == {"executive": 4, "thematic": 8, "project": 13}
    assert design.table().loc["Total"].tolist() == [10, 10, 5, 25]
    assert int(design.summary()["follow_ups"].sum()) == 5
    assert design.frame["stage"].isna().all()  # Table 1 gives no stage per leader
    assert (design.frame["notes"] == "Table 1: GP Network Representatives (3)").sum() == 3
    # Written as a team would type it and read back through the schema: the same design.
    from ics_leadership.core.derived import write_csv

    write_csv(frames.as_written(design.frame), tmp_path / "paper.csv")
    pd.testing.assert_frame_equal(frames.read_frame(tmp_path / "paper.csv").frame, design.frame)


def test_curve_is_monotone_in_share():
    curve = sample_size.curve(np.round(np.arange(0.05, 0.55, 0.05), 2), [1, 2], 0.8)
    for _, part in curve.groupby("k"):
        assert part["interviews"].is_monotonic_decreasing
