"""Power for the paper's claims (issue 14, item 2): the ledger's rules on arrays, exact enumeration,
the size and growth of power, the conversion of shares to the generator's rates, agreement with the
generator, common random numbers, and bad designs."""

from __future__ import annotations

import dataclasses
import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy.stats import binom, fisher_exact

from ics_leadership import cli
from ics_leadership.coding import prevalence, synthetic
from ics_leadership.coding.coded import CodedData, _resolve_attributes
from ics_leadership.facts import claim_power, claim_tests, claim_verdicts, claims, demo_corpus, power_design
from ics_leadership.facts.claim_power_table import power_table
from ics_leadership.facts.claim_tests import Rules
from ics_leadership.facts.power_simulation import Draws
from ics_leadership.facts.vocabulary import LEVELS

INPUTS = demo_corpus.inputs()
CB, A = INPUTS["codebook"], INPUTS["assumptions"]
CLAIMS, RULES = claims.load_claims(codebook=CB)
BY_ID = {c.id: (i, c) for i, c in enumerate(CLAIMS)}
PAPER = power_design.paper_design(assumptions=A)
LARGE = claim_power.Effect(0.9, 0.3)


def _setting(claim_id, rules=RULES):
    stream, claim = BY_ID[claim_id]
    return claim_power.setting(claim, stream, CB, A, rules)


def _plain(per_tier, later=0.0):
    """Leaders without follow-ups whose first interview is at one stage: every leader of a tier alike."""
    return power_design.tier_design(per_tier, A, follow_up_share=0.0, later_share=later)


# --- the ledger's rules, restated on arrays ---------------------------------------------------------


def test_fisher_p_values_are_scipys_on_every_small_table():
    for n1, n2 in itertools.product(range(7), repeat=2):
        for k1, k2 in itertools.product(range(n1 + 1), range(n2 + 1)):
            if n1 and n2:
                less = k1 / n1 - k2 / n2 < 0
            else:
                less = False
            table = [[k1, n1 - k1], [k2, n2 - k2]]
            want = fisher_exact(table, alternative="less" if less else "greater").pvalue
            assert claim_verdicts.fisher_one_sided(k1, n1, k2, n2) == pytest.approx(want, abs=0), (k1, n1, k2, n2)


@pytest.mark.parametrize("sizes, rules", [((21, 4), Rules(0.05, 5)), ((21, 4), Rules(0.05, 4)), ((6, 7), RULES)])
def test_two_group_verdicts_are_the_ledgers(sizes, rules):
    n1, n2 = sizes
    k1, k2 = np.meshgrid(np.arange(n1 + 1), np.arange(n2 + 1), indexing="ij")
    ours = claim_verdicts.two_groups(k1, n1, k2, n2, rules)
    for a, b in itertools.product(range(n1 + 1), range(n2 + 1)):
        theirs = claim_tests._two_groups(("hi", "lo"), (a, b), (n1, n2), rules, "participants", pd.DataFrame())
        assert claim_verdicts.STATUS_OF[int(ours[a, b])] == theirs.status, (a, b)
    if rules.min_group_size > 4 and n2 == 4:
        assert (ours == 0).all()  # the paper's 4 executive leaders: never a verdict
    else:
        assert (ours == 1).sum() > 0 and (ours == -1).sum() > 0  # the comparison can go either way


def _by_level(code, counts, sizes, kind="contribution"):
    rows = [
        {"code": code, "kind": kind, "group": lvl, "participants": n, "expressing": k, "proportion": k / n}
        for lvl, k, n in zip(LEVELS, counts, sizes)
        if n > 0
    ]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("sizes, minimum", [((3, 3, 4), 3), ((2, 3, 3), 3), ((0, 2, 2), 0)])
def test_level_verdicts_are_the_ledgers(sizes, minimum):
    rules = Rules(0.05, minimum)
    seen = set()
    for counts in itertools.product(*(range(n + 1) for n in sizes)):
        by_level = _by_level("relational", counts, sizes)
        k, n = np.array(counts), np.array(sizes)
        present = claim_tests._present_at_all_levels({"code": "relational"}, by_level, rules).status
        assert claim_verdicts.STATUS_OF[int(claim_verdicts.present_at_all(k, n, rules))] == present
        highest = claim_tests._highest_at({"code": "relational", "level": "thematic"}, by_level, rules).status
        assert claim_verdicts.STATUS_OF[int(claim_verdicts.highest_at(k, n, 1, rules))] == highest
        seen.update({present, highest})
    assert len(seen) == (3 if minimum <= min(sizes) and min(sizes) > 0 else 2 if minimum == 0 else 1)


@pytest.mark.parametrize("named, top", [(("analytical_insight", "representation"), 2), (("relational",), 2)])
def test_among_top_verdicts_are_the_ledgers(named, top):
    rules, n = Rules(0.05, 2), 2
    codes = CB.contribution_ids
    mask = np.array([c in named for c in codes])
    statuses = set()
    for counts in itertools.product(range(n + 1), repeat=len(codes)):
        by_level = pd.concat([_by_level(c, (0, k, 0), (0, n, 0)) for c, k in zip(codes, counts)])
        t = {"codes": list(named), "level": "thematic", "k": top}
        theirs = claim_tests._among_top_at_level(t, by_level, rules).status
        ours = claim_verdicts.among_top(np.array(counts), n, mask, top, rules)
        assert claim_verdicts.STATUS_OF[int(ours)] == theirs, counts
        statuses.add(theirs)
    assert len(statuses) == 3


# --- the generator's rates and the conversion of shares ----------------------------------------------


def test_rates_are_the_generators_poisson_means():
    r = power_design.rates(CB, A, ("representation", "relational/empowering_delegating"))
    # representation, a clinical leader's first interview at the executive level, early stage:
    # base 0.35 x 3 activities x level 0.6 x stage 1.3
    assert r.of("representation")[power_design.INTERVIEW, 0, 0] == pytest.approx(0.35 * 3 * 0.6 * 1.3)
    # empowering and delegating in an observed thematic meeting at the later stage:
    # 0.35 x observation 0.4 x relational level 1.1 x activity 1.8 x relational later 1.6
    assert r.of("relational/empowering_delegating")[power_design.OBSERVATION, 1, 1] == pytest.approx(
        0.35 * 0.4 * 1.1 * 1.8 * 1.6
    )


def test_a_share_becomes_the_multiplier_that_gives_it():
    s = _setting("C02")
    design = _plain({"executive": 4, "thematic": 8, "project": 13})
    mult = claim_power.multipliers(s, design, claim_power.targets(s, LARGE))
    # Every leader has one early first interview: 1 - exp(-m * rate) = share, so m = -ln(1 - share) / rate.
    rate = s.rate[0, power_design.INTERVIEW, :, 0]
    assert mult[0, 0, 0] == pytest.approx(-math.log(1 - 0.3) / rate[0])
    assert mult[0, 1, 0] == pytest.approx(-math.log(1 - 0.9) / rate[1])
    # With the paper's follow-ups the tier's average chance is the share asked for.
    mult = claim_power.multipliers(s, PAPER, claim_power.targets(s, LARGE))
    for lvl, share in (("executive", 0.3), ("project", 0.9)):
        leaders = PAPER.leaders[PAPER.leaders["level"] == lvl]
        chance = power_design.leader_chance(s.rate[0], leaders, PAPER.later, mult[0])
        assert chance.mean() == pytest.approx(share, abs=1e-9)
        assert chance.min() < chance.max()  # followed-up leaders have two chances
    assert claim_power.targets(s, LARGE, planted=False) == {
        ("representation", lvl): 0.3 for lvl in ("executive", "thematic", "project")
    }


# --- size, exact enumeration and growth ----------------------------------------------------------


def _rate(claim_id, design, effect=LARGE, planted=True, rules=RULES, replicates=2000, seed=1):
    s = _setting(claim_id, rules)
    return claim_power.consistent_rate(s, design, effect, Draws(seed, BY_ID[claim_id][0], replicates, 1), planted)


def test_exact_size_of_the_fisher_claim_at_the_papers_tiers_by_binomial_weights():
    """C02 compares 21 thematic and project leaders with 4 executive ones. Under no effect (0.3 in
    every tier) each count is binomial; weighing every outcome by hand gives the test's exact size."""
    rules = Rules(0.05, 4)  # claims.yaml's minimum of 5 would refuse every verdict (checked below)
    by_hand = 0.0
    for k1, k2 in itertools.product(range(22), range(5)):
        p = fisher_exact([[k1, 21 - k1], [k2, 4 - k2]], alternative="greater").pvalue
        if p < 0.05 and k1 / 21 > k2 / 4:
            by_hand += binom.pmf(k1, 21, 0.3) * binom.pmf(k2, 4, 0.3)
    rate, se, exact = _rate("C02", _plain({"executive": 4, "thematic": 8, "project": 13}), planted=False, rules=rules)
    assert exact == pytest.approx(by_hand, rel=1e-9)
    assert 0 < exact < 0.05 / 10  # far below alpha: a discrete test on 4 people
    assert rate <= 0.05 + 2 * se
    assert abs(rate - exact) <= 3 * math.sqrt(exact * (1 - exact) / 2000)
    # At the paper's own design, under claims.yaml's rules, no verdict at all: exactly 0, with or without effect.
    for planted in (True, False):
        assert _rate("C02", PAPER, planted=planted)[::2] == (0.0, 0.0)


def test_no_effect_gives_consistent_at_most_alpha_plus_two_standard_errors():
    ten = _plain({lvl: 10 for lvl in LEVELS}, later=0.3)
    rate, se, exact = _rate("C02", ten, planted=False)
    assert rate <= 0.05 + 2 * se and exact <= 0.05
    assert abs(rate - exact) <= 3 * math.sqrt(exact * (1 - exact) / 2000)
    for claim_id in ("C06", "C09"):  # stage claims, at the paper's design: documents, simulated only
        rate, se, exact = _rate(claim_id, PAPER, planted=False)
        assert exact is None and 0 < rate <= 0.05 + 2 * se


def test_power_grows_towards_one_with_the_sample():
    s = _setting("C02")
    base = _plain({lvl: 1 for lvl in LEVELS})
    powers = []
    for n in (5, 10, 20, 40):
        design = power_design.at_n(base, n)
        powers.append(claim_power.exact(s, design, claim_power.multipliers(s, design, claim_power.targets(s, LARGE))))
    assert powers == sorted(powers) and len(set(powers)) == 4
    assert powers[0] < 0.8 < powers[1] and powers[-1] > 0.9999
    rate, se, exact = _rate("C02", power_design.at_n(base, 10))
    assert exact == pytest.approx(powers[1]) and abs(rate - exact) <= 3 * se


def test_descriptive_claims_report_their_rate_under_no_effect():
    """C05 (empowering and delegating highest at the thematic tier): with 6 leaders per tier all at
    0.3, 'consistent' is P(X_thematic > both others) for three independent Bin(6, 0.3) counts."""
    pmf = binom.pmf(np.arange(7), 6, 0.3)
    by_hand = sum(pmf[a] * pmf[:a].sum() ** 2 for a in range(7))
    rate, se, exact = _rate("C05", _plain({lvl: 6 for lvl in LEVELS}), planted=False)
    assert exact == pytest.approx(by_hand, rel=1e-9) and 0.2 < exact < 0.3
    assert abs(rate - exact) <= 3 * se
    table = power_table(CLAIMS, RULES, PAPER, CB, A, replicates=500, seed=3, target=None, only=["C01", "C11"])
    c01, c11 = table.set_index("id").loc["C01"], table.set_index("id").loc["C11"]
    assert c01["no_effect"] == 0 and c01["no_effect_exact"] == 0  # present at all tiers: its contrary is absence
    assert 0.2 < c11["no_effect"] < 0.6 and pd.isna(c11["no_effect_exact"])  # a ranking: simulated only


# --- the simulator against the generator ---------------------------------------------------------------


def _generated_counts(seeds):
    """Leaders showing each code at each tier in the generator's corpora, through the ledger's prevalence."""
    totals = None
    for seed in seeds:
        corpus = synthetic.generate(**INPUTS, seed=seed)
        docs = _resolve_attributes(corpus["documents"], corpus["participants"])
        coded = CodedData(docs, corpus["codings"], corpus["participants"], Path("."), {})
        table = prevalence.prevalence(
            coded, prevalence.analysis_codings(coded, CB.tree), CB.tree, by="level", focus_group="clinical"
        )
        counts = table.set_index(["code", "group"])["expressing"]
        totals = counts if totals is None else totals + counts
    return totals


def _z_scores(observed, n_seeds, design, assumptions):
    r = power_design.rates(CB, assumptions)
    z = []
    for code in CB.codes:
        for lvl in LEVELS:
            leaders = design.leaders[design.leaders["level"] == lvl]
            q = power_design.leader_chance(r.of(code), leaders, design.later, np.ones((3, 2)))
            z.append((observed[(code, lvl)] - n_seeds * q.sum()) / math.sqrt(n_seeds * (q * (1 - q)).sum()))
    return np.array(z)


def test_the_simulators_chances_agree_with_the_generators_corpora():
    """Over 40 corpora of the full generator, the leaders showing each of the 17 codes at each tier
    match the simulator's chances (z-scores of the totals); the same check rejects a simulator that
    forgets the follow-up interviews, so it can fail."""
    seeds = range(1000, 1040)
    observed = _generated_counts(seeds)
    z = _z_scores(observed, len(seeds), PAPER, A)
    assert len(z) == 51 and np.abs(z).max() < 4 and (z**2).mean() < 2
    no_follow_ups = dataclasses.replace(PAPER, leaders=PAPER.leaders.assign(follow_up=0.0))
    wrong = _z_scores(observed, len(seeds), no_follow_ups, A)
    assert (wrong**2).mean() > 3


def test_simulated_documents_by_stage_match_the_expected_numbers():
    s = _setting("C09")
    mult = np.ones((1, 3, 2))
    draws = Draws(5, 0, 4000, 1)
    from ics_leadership.facts.power_simulation import documents_by_stage, leader_outcomes

    out = leader_outcomes(PAPER, s.rate, mult, draws.leaders(PAPER.leaders))
    n, k = documents_by_stage(PAPER, out, s.rate, mult, s.meeting_levels, draws.others(PAPER.non_clinical + 28))
    assert (n.sum(axis=1) == 25 + 5 + 47 + 28).all()
    for stage in (0, 1):
        expected_n, share = power_design.stage_share(s.rate[0], s.meeting_levels, PAPER, stage, mult[0])
        assert n[:, stage].mean() == pytest.approx(expected_n, abs=4 * n[:, stage].std() / math.sqrt(4000))
        assert k[:, stage].sum() / n[:, stage].sum() == pytest.approx(share, abs=0.01)


# --- determinism, common random numbers, the search ------------------------------------------------


def test_same_seed_same_table_and_a_claims_row_does_not_depend_on_the_others():
    kwargs = {"replicates": 300, "target": None}
    one = power_table(CLAIMS, RULES, PAPER, CB, A, seed=11, only=["C11"], **kwargs)
    two = power_table(CLAIMS, RULES, PAPER, CB, A, seed=11, only=["C06", "C11"], **kwargs)
    pd.testing.assert_frame_equal(one.reset_index(drop=True), two[two["id"] == "C11"].reset_index(drop=True))
    other = power_table(CLAIMS, RULES, PAPER, CB, A, seed=12, only=["C11"], **kwargs)
    assert one["no_effect"].iloc[0] != other["no_effect"].iloc[0]


def test_leaders_keep_their_draws_when_the_sample_grows():
    draws = Draws(3, 1, 50, 1)
    small, big = power_design.at_n(PAPER, 5), power_design.at_n(PAPER, 9)
    u_small, u_big = draws.leaders(small.leaders), draws.leaders(big.leaders)
    for t in range(3):
        assert np.array_equal(u_small[:, 5 * t : 5 * t + 5], u_big[:, 9 * t : 9 * t + 5])


def test_smallest_n_finds_the_first_n_reaching_the_target():
    calls = []

    def power(n):
        calls.append(n)
        return min(1.0, n / 37)

    assert claim_power.smallest_n(power, 0.8, 200)[0] == 30  # 29/37 = 0.784, 30/37 = 0.811
    assert len(calls) < 15
    assert claim_power.smallest_n(lambda n: 0.5, 0.8, 50) == (
        None,
        {1: 0.5, 2: 0.5, 4: 0.5, 8: 0.5, 16: 0.5, 32: 0.5, 50: 0.5},
    )


def test_the_paper_design_comes_from_table_1():
    assert PAPER.per_tier == {"executive": 4, "thematic": 8, "project": 13}
    assert PAPER.leaders["follow_up"].sum() == 5 and PAPER.non_clinical == 47 and PAPER.meetings == 28
    assert PAPER.non_clinical_levels == {"executive": 8, "thematic": 15, "project": 24}


# --- bad designs and the command ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--leaders", "executive=0", "--leaders", "thematic=8", "--leaders", "project=13"],
            "design, tier 'executive': 0 leaders",
        ),
        (["--leaders", "executive=4", "--leaders", "thematic=8"], "design, tier 'project': 0 leaders"),
        (["--leaders", "place=4"], "design, tier 'place': not one of the paper's tiers"),
        (["--leaders", "executive=four"], "design, tier 'executive': 'four' is not a whole number of leaders"),
        (["--claimed", "1.5"], "effect, field 'claimed': 1.5 is not a share between 0 and 1"),
        (["--compared", "-0.1"], "effect, field 'compared': -0.1 is not a share between 0 and 1"),
        (["--later-share", "0.5"], "design, field 'later_share': applies to a design given with --leaders"),
        (["--claim", "C99"], "claims, field 'id': unknown claim 'C99' (the ledger has C01 to C16)"),
    ],
)
def test_bad_designs_are_one_line_errors(args, message, capsys, tmp_path):
    assert cli.main(["plan", "power", "--replicates", "20", "--out", str(tmp_path / "out"), *args]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"error: {err[0][7:]}" and message in err[0]
    assert err[1] == "plan power: 1 problem; nothing was written" and len(err) == 2
    assert not (tmp_path / "out").exists()


def test_the_command_prints_and_writes_a_planning_estimate(capsys, tmp_path):
    out = tmp_path / "plan"
    args = ["plan", "power", "--claim", "C02", "--claim", "C13", "--out", str(out)]
    assert cli.main(args) == 0
    text = capsys.readouterr().out
    assert text.startswith("Power for the paper's claims: a planning estimate\nPlanning estimate from simulated data")
    flat = " ".join(text.split())  # the heading is wrapped at 100 characters
    assert "the paper's (Table 1, from data/raw): executive 4, thematic 8, project 13 leaders (5 follow-ups)" in flat
    assert "C02    representation: thematic + project vs executive" in text and "\nC13: not simulated" in text
    table = pd.read_csv(out / "power.csv")
    assert list(table["id"]) == ["C02", "C13"] and set(table["data_source"]) == {claim_power_report_source()}
    # None of 2000 replications gives a verdict with 4 executive leaders; with n per tier the exact power
    # is 0.788 at 7 and 0.862 at 8 (test_power_grows_towards_one_with_the_sample's machinery).
    assert table.loc[0, "power"] == 0 and table.loc[0, "n_per_tier"] == 8
    assert len(pd.read_csv(out / "design.csv")) == 25
    about = yaml.safe_load((out / "plan.yaml").read_text())
    assert about["note"] == claim_power.PLANNING_NOTE and about["replicates"] == 2000
    assert cli.main(args) == 1  # an earlier output is replaced only with --force
    assert cli.main([*args, "--force"]) == 0


def claim_power_report_source():
    from ics_leadership.facts.claim_power_report import DATA_SOURCE

    return DATA_SOURCE


def test_a_sampling_frame_is_a_design():
    frame = pd.DataFrame(
        {
            "site": ["A", "A", "B", "B", "C"],
            "tier": ["executive", "thematic", "project", "project", "thematic"],
            "follow_up": ["yes", "no", "true", "", "false"],
            "stage": ["later", "", "early", None, "later"],
        }
    )
    design = power_design.design_from_frame(frame, A)
    assert design.per_tier == {"executive": 1, "thematic": 2, "project": 2}
    assert list(design.leaders["follow_up"]) == [1.0, 0.0, 1.0, 0.0, 0.0]
    assert list(design.leaders["later"]) == [1.0, 0.3, 0.0, 0.3, 1.0]  # blank: the assumptions' 0.3
    with pytest.raises(power_design.DesignError, match=r"^sampling frame, row 2, field 'stage': 'middle' is not"):
        power_design.design_from_frame(frame.assign(stage=["later", "middle", "", "", ""]), A)
    with pytest.raises(power_design.DesignError, match=r"^sampling frame, row 1, field 'follow_up': 'maybe'"):
        power_design.design_from_frame(frame.assign(follow_up=["maybe", "", "", "", ""]), A)
    with pytest.raises(power_design.DesignError, match=r"^sampling frame, tier 'executive': 0 leaders"):
        power_design.design_from_frame(frame[frame["tier"] != "executive"], A)


def test_plan_power_has_its_own_help(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["plan", "power", "--help"])
    assert info.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "planning estimate, not a finding" in out and "--leaders TIER=N" in out and "--min-group-size" in out
