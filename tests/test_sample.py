"""Table 1 rebuilt from participants.csv matches the paper."""

from __future__ import annotations

import pytest

from ics_leadership.facts import raw, sample

# Every entry of Table 1 as printed in the paper, by (level, STP); * = interviewed more than once.
PAPER_TABLE1 = {
    ("Executive", "STP A"): ["STP Director (GP)", "Medical Director"],
    ("Executive", "STP B"): ["Medical Director"],
    ("Executive", "STP C"): ["Medical Director*"],
    ("Thematic", "STP A"): [
        "Medical Lead for Family Medicine",
        "Medical Lead for Acute Medicine",
        "Pharmacy Lead for Medicines",
    ],
    ("Thematic", "STP B"): [
        "Medical Lead for Mental Health*",
        "Medical Lead for Urgent Care",
        "GP Lead for Primary Care",
    ],
    ("Thematic", "STP C"): ["Medical Director for Community Services", "GP Lead for Primary Care"],
    ("Project", "STP A"): [
        "Midwifery Lead",
        "Obstetrics Lead",
        "Pharmacy Practice Lead",
        "Community Pharmacy Lead",
        "GP Representative",
    ],
    ("Project", "STP B"): [
        "Trauma Lead (Medical)*",
        "Rehabilitation Lead (Nursing)*",
        "Community Mental Health Lead (Medical)*",
        "GP Network Representatives (3)",
    ],
    ("Project", "STP C"): ["Community Nursing Lead", "Cancer Services Lead (Nursing)"],
}


@pytest.fixture(scope="module")
def participants():
    return raw.load_participants()


def test_table1_cells_match_the_paper(participants):
    table = sample.build_table1(participants, sep="|")
    for (level, site), entries in PAPER_TABLE1.items():
        assert table.loc[level, site].split("|") == entries


def test_table1_totals_row(participants):
    table = sample.build_table1(participants)
    assert table.loc["Total"].tolist() == ["10", "10", "5"]


def test_counts_per_site_and_level(participants):
    counts = sample.counts(participants, "level", "site")
    assert counts.loc["Total", ["A", "B", "C"]].tolist() == [10, 10, 5]
    assert counts.loc[["executive", "thematic", "project"], "Total"].tolist() == [4, 8, 13]
    assert counts.loc["Total", "Total"] == 25
    assert counts.loc["project", "B"] == 6


def test_five_follow_ups_at_the_right_places(participants):
    followed = participants[participants["follow_up"]]
    assert len(followed) == 5
    assert sorted(followed["participant_id"]) == ["CL-B02", "CL-B05", "CL-B06", "CL-B07", "CL-C01"]


def test_grouped_entry_stands_for_three_people(participants):
    gp = participants[participants["role_as_printed"] == "GP Network Representatives (3)"]
    assert len(gp) == 3 and set(gp["site"]) == {"B"} and set(gp["level"]) == {"project"}


def test_summary_numbers(participants):
    assert sample.sample_summary(participants) == {
        "n_leaders": 25,
        "n_sites": 3,
        "n_follow_up": 5,
        "n_executive": 4,
        "n_thematic": 8,
        "n_project": 13,
        "n_roles_printed": 23,
        "n_professions": 4,
    }


def test_composition_is_tidy_and_complete(participants):
    tidy = sample.composition(participants)
    assert tidy["n"].sum() == 25
    assert tidy.groupby("profession")["n"].sum().to_dict() == {
        "medicine": 18,
        "midwifery": 1,
        "nursing": 3,
        "pharmacy": 3,
    }
