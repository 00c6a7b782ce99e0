"""The page functions of "Planning a replication" (figures.planning): tables, figures, their captions."""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import pytest

from ics_leadership.figures import planning as page
from ics_leadership.figures.style import check_text_size
from ics_leadership.planning import pilot

from coded_fixture import pilot_project


def test_the_papers_design_and_its_tables():
    design = page.paper_design()
    assert design.by_tier() == {"executive": 4, "thematic": 8, "project": 13}
    shown = page.design_table(design).frame
    assert shown.loc["Total"].tolist() == [10, 10, 5, 25, 5]  # sites A, B, C, total, follow-ups
    sizes = page.sample_size_table()
    assert sizes.frame.loc["10%"].tolist() == [16, 29, 42]  # k = 1, 2, 3 at 0.8 (k = 3: 41 give 0.791, 42 give 0.805)
    assert "random sample" in sizes.caption and "Emmel 2015" in sizes.caption and "Planning estimates" in sizes.caption
    tiers = page.tier_table(design, shares=[0.1, 0.3], ks=[1], populations={"executive": 6})
    assert tiers.frame.loc[("thematic (8)", 1), "p = 10%"] == f"{1 - 0.9**8:.0%}"  # 57%
    assert tiers.frame.loc[("executive (4)", 1), "p = 10%"] == "0%"  # floor(0.6) = 0 of 6 hold it
    assert "Hypergeometric (sampling without replacement) for executive (N = 6)" in tiers.caption
    # 1 - 0.5^8 = 0.996 is not certainty, and 0.05^2-ish chances are not impossibility.
    assert [page.percent_text(v) for v in (1 - 0.5**8, 1.0, 0.001, 0.0, 0.34)] == ["> 99%", "100%", "< 1%", "0%", "34%"]


def test_the_figure_states_its_assumptions_and_carries_its_numbers():
    made = page.sample_size_figure(reference={"executive": 4, "thematic": 8, "project": 13})
    try:
        assert "random sample" in made.caption and "expressed and recognised" in made.caption
        assert "Hennink and Kaiser (2022)" in made.caption and "executive 4" in made.caption
        assert "k = 1: p 5% needs 32, p 10% needs 16" in made.alt
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            check_text_size(made.fig, made.stem)  # every text prints at 8 pt or more
    finally:
        plt.close(made.fig)


def test_pilot_table_and_figure(tmp_path):
    found = pilot.pilot(pilot_project(tmp_path / "coded"))
    table = page.unseen_table(found)
    assert table.frame["themes_estimated"].tolist() == pytest.approx([11.2, 11.55])
    assert "lower bounds" in table.caption and not table.synthetic
    made = page.saturation_figure(found)
    try:
        assert "11.2" in made.alt and "does not predict" in made.caption
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            check_text_size(made.fig, made.stem)
    finally:
        plt.close(made.fig)


def test_the_power_summary_takes_its_numbers_from_the_table():
    import numpy as np
    import pandas as pd

    from ics_leadership.figures.planning import power_summary

    table = pd.DataFrame(
        {
            "id": ["C01", "C02", "C11", "C12", "C14"],
            "power": [0.0, 0.62, 0.999, 1.0, np.nan],
            "no_effect": [0.0, 0.0005, 0.374, 0.406, np.nan],
            "note": ["below the minimum group of 5: executive (4), ...", "", "", "", "not testable on coded data"],
        }
    )
    assert power_summary(table) == (
        "Of the 5 claims, 4 can be simulated on coded data. For 1 of them (C01) a compared tier has fewer leaders "
        "than the claims ledger's minimum group, so under its rule the verdict is inconclusive whatever the "
        "interviews say: this design cannot establish them. C11 and C12 come out 'consistent' in 37% to 41% of "
        "replications even when the groups do not differ, so at this size that verdict says little."
    )


def test_the_power_table_never_shows_a_rounded_zero():
    import numpy as np
    import pandas as pd

    from ics_leadership.figures.planning import power_table

    table = pd.DataFrame(
        {
            "id": ["C02", "C06", "C11", "C14"],
            "test": ["fisher", "fisher", "rank", "not_testable"],
            "compares": ["a vs b", "early vs later", "top 2", np.nan],
            "group_sizes": ["21; 4", "64; 41", "8", np.nan],
            "shares": [np.nan] * 4,
            "power": [0.0, 1.0, 0.9965, np.nan],
            "power_se": [0.0, 0.0, 0.0013, np.nan],
            "power_exact": [0.0, np.nan, np.nan, np.nan],
            "no_effect": [0.0005, 0.0235, 0.374, np.nan],
            "no_effect_se": [0.0005, 0.0087, 0.011, np.nan],
            "no_effect_exact": [0.000551, np.nan, np.nan, np.nan],
            "n_per_tier": [8, 1, 5, np.nan],
            "note": ["", "", "", "not testable on coded data"],
        }
    )
    shown, notes = power_table(table, "the claimed group has 0.9 and the other 0.3")
    assert shown.frame["power"].tolist() == ["0 (exact 0)", "1", "0.997 ± 0.001", ""]
    assert shown.frame["no difference"].tolist() == [
        "0.0005 ± 0.0005 (exact 0.00055)",
        "0.024 ± 0.009",
        "0.374 ± 0.011",
        "",
    ]
    assert notes == ["C14: not testable on coded data"]
