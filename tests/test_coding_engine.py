"""The generic coding engine: any project's codes with roll-up, matrices, coverage, disagreements,
grouping by any attribute, the workbook; each figure checked by hand on a small project."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest

from ics_leadership import cli
from ics_leadership.coding import codetree, coverage, disagreements, summarise
from ics_leadership.coding.coded import load_coded
from ics_leadership.core.errors import DataValidationError

from coded_fixture import coding, doc, make_coded
from conftest import ROOT

ATLAS = ROOT / "examples" / "atlas_ti" / "atlas_ti_8_standard_project.qdpx"

# A project's own hierarchy: Food > Fruit > Apple, Food > Bread; Mood.
TREE = codetree.CodeTree(
    codes=("Food", "Food/Fruit", "Food/Fruit/Apple", "Food/Bread", "Mood"),
    parents={"Food": None, "Food/Fruit": "Food", "Food/Fruit/Apple": "Food/Fruit", "Food/Bread": "Food", "Mood": None},
)


@pytest.fixture
def project(tmp_path):
    """Three interviews (P1, P2 in site North, P3 in South) and an observation; D1 double-coded."""
    people = [
        {"participant_id": "P1", "site": "North", "role": "nurse"},
        {"participant_id": "P2", "site": "North", "role": "doctor"},
        {"participant_id": "P3", "site": "South", "role": "nurse"},
    ]
    docs = [doc("D1", 100, "P1"), doc("D2", 50, "P2"), doc("D3", 40, "P3"), doc("O1", 30, None, "observation")]
    cods = [
        coding("D1", 0, 20, "Food/Fruit/Apple"),
        coding("D1", 10, 30, "Food"),  # overlaps its descendant: one passage of Food with [0, 20)
        coding("D1", 50, 60, "Food/Bread"),
        coding("D1", 70, 80, "Mood"),
        coding("D2", 0, 10, "Food/Fruit"),
        coding("D3", 5, 15, "Mood"),
        coding("O1", 0, 30, "Food/Bread"),
        # coder B on D1: Apple on [5, 25), nothing else
        coding("D1", 5, 25, "Food/Fruit/Apple", coder="B"),
    ]
    folder = make_coded(tmp_path / "coded", docs, cods, people, synthetic=False)
    return folder


@pytest.fixture(scope="module")
def atlas_import(tmp_path_factory):
    out = tmp_path_factory.mktemp("atlas") / "coded"
    assert cli.main(["import", str(ATLAS), "--out", str(out)]) == 0
    return out


def _frame(summary, name):
    return summary.tables()[name].drop(columns="data_source")


def test_parents_count_their_descendants_once(project):
    s = summarise.summarise(project, tree=TREE, by=("site",))
    f = _frame(s, "frequencies").set_index("code")
    # Food: coder A's codings of Food or below: Apple, Food, Bread (D1), Fruit (D2), Bread (O1).
    assert f.loc["Food", "segments"] == 5
    # Passages: D1 [0,30) merged, D1 [50,60), D2 [0,10), O1 [0,30) -> 4.
    assert f.loc["Food", "passages"] == 4
    assert f.loc["Food", ["documents", "participants"]].tolist() == [3, 2]  # D1, D2, O1; P1, P2
    assert f.loc["Food/Fruit", ["segments", "passages", "documents"]].tolist() == [2, 2, 2]
    assert f.loc["Mood", "participants"] == 2
    assert f.loc["Food", "top_level_code"] == "Food" and f.loc["Food/Fruit/Apple", "top_level_code"] == "Food"
    assert f.loc["Food", "kind"] == "parent" and f.loc["Mood", "kind"] == "code"


def test_prevalence_by_site_counts_people_with_the_code_or_a_descendant(project):
    s = summarise.summarise(project, tree=TREE, by=("site",))
    p = _frame(s, "prevalence")
    site = p[p["by"] == "site"].set_index(["code", "group"])
    assert site.loc[("Food", "North"), ["participants", "expressing"]].tolist() == [2, 2]
    assert site.loc[("Food", "South"), ["participants", "expressing"]].tolist() == [1, 0]
    assert site.loc[("Food/Fruit/Apple", "North"), "expressing"] == 1


def test_a_participant_attribute_groups_too(project, tmp_path, capsys):
    out = tmp_path / "out"
    assert cli.main(["summarise", str(project), "--codebook", "project", "--by", "role", "--out", str(out)]) == 0
    role = pd.read_csv(out / "role_by_code.csv").set_index("role")
    assert role.loc["nurse", "Mood"] == 2  # P1's and P3's Mood codings
    assert role.loc["doctor", "Food"] == 1
    prevalence = pd.read_csv(out / "prevalence.csv")
    assert set(prevalence.loc[prevalence["by"] == "role", "group"]) == {"doctor", "nurse"}


def test_matrices_of_documents_and_cases(project):
    s = summarise.summarise(project, tree=TREE, by=("site",))
    docs = _frame(s, "documents_by_code").set_index("document_id")
    assert list(docs.index) == ["D1", "D2", "D3", "O1"]  # every document, in the data's order
    assert docs.loc["D1"].tolist() == [3, 1, 1, 1, 1]  # Food (Apple, Food, Bread), Fruit, Apple, Bread, Mood
    assert docs.loc["O1", "Food"] == 1 and docs.loc["D3", "Food"] == 0
    presence = _frame(s, "documents_by_code_presence").set_index("document_id")
    assert presence.loc["D1"].tolist() == [1, 1, 1, 1, 1]
    cases = _frame(s, "cases_by_code").set_index("participant_id")
    assert list(cases.index) == ["P1", "P2", "P3"]  # the observation has no case
    assert cases.loc["P3"].tolist() == [0, 0, 0, 0, 1]


def test_coverage_counts_each_character_once(project):
    s = summarise.summarise(project, tree=TREE, by=())
    cov = _frame(s, "coverage").set_index(["document_id", "code"])
    # D1, coder A: [0, 30) u [50, 60) u [70, 80) = 50 of 100 characters.
    assert cov.loc[("D1", coverage.ANY_CODE), ["characters_coded", "coverage"]].tolist() == [50, 0.5]
    assert cov.loc[("D1", "Food"), "characters_coded"] == 40  # [0, 30) u [50, 60)
    assert cov.loc[("D1", "Food/Fruit"), "characters_coded"] == 20
    assert ("D3", "Food") not in cov.index  # no coding: no row
    assert cov.loc[("D3", coverage.ANY_CODE), "coverage"] == pytest.approx(10 / 40)


def test_disagreements_list_each_span_and_who_applied_the_code(project):
    codings = load_coded(project, check_codes=False).codings
    table = disagreements.disagreements(codings, TREE)
    apple = table[table["code"] == "Food/Fruit/Apple"]
    # A: [0, 20); B: [5, 25) -> A alone on [0, 5), B alone on [20, 25).
    assert apple[["start", "end", "applied_by", "not_applied_by"]].values.tolist() == [
        [0, 5, "A", "B"],
        [20, 25, "B", "A"],
    ]
    # A's other codes in D1 are all disagreements (B did not use them).
    assert set(table["code"]) == {"Food/Fruit/Apple", "Food", "Food/Bread", "Mood"}
    assert table.loc[table["code"] == "Food", ["start", "end"]].values.tolist() == [[10, 30]]


def test_disagreement_excerpts_come_from_the_coders_own_text(tmp_path):
    docs = [doc("D1", 30, None, "other")]
    cods = [coding("D1", 0, 10, "x", coder="A"), coding("D1", 5, 15, "x", coder="B")]
    folder = make_coded(tmp_path / "c", docs, cods, None, synthetic=False)
    frame = pd.read_csv(folder / "codings.csv").assign(excerpt=["abcdefghij", "fghijklmno"])
    frame.to_csv(folder / "codings.csv", index=False)
    codings = load_coded(folder, check_codes=False).codings
    tree = codetree.from_codes(["x"])
    table = disagreements.add_excerpts(disagreements.disagreements(codings, tree), codings)
    assert table[["start", "end", "excerpt"]].values.tolist() == [[0, 5, "abcde"], [10, 15, "klmno"]]


def test_the_project_tree_comes_from_codebook_csv_or_the_code_paths(project, tmp_path):
    assert codetree.from_codes(["A/B/C", "D"]).parents == {"A": None, "A/B": "A", "A/B/C": "A/B", "D": None}
    (project / "codebook.csv").write_text("code,parent\nFood,\nFood/Fruit,Food\nMood,\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match=r"codes used in codings.csv are not listed here: 'Food/Bread'"):
        codetree.load_project_tree(project, ["Food", "Food/Bread"])
    (project / "codebook.csv").write_text("code,parent\nA,B\nB,A\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match="its own ancestor"):
        codetree.load_project_tree(project, ["A"])
    (project / "codebook.csv").write_text("code,parent\nA,\nA,\nC,Z\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as info:
        codetree.load_project_tree(project, ["A"])
    assert [(p.row, p.field) for p in info.value.problems] == [(2, "code"), (3, "parent")]


def test_a_real_import_is_analysed_in_its_own_codes(atlas_import, tmp_path, capsys):
    """The ATLAS.ti sample: no mapping, its own 14 codes; the paper's analyses skipped with a note."""
    out = tmp_path / "s"
    assert cli.main(["summarise", str(atlas_import), "--out", str(out), "--xlsx"]) == 0
    printed = capsys.readouterr().out
    assert "Codes: the project's own (14 codes, parents counting their children)" in printed
    assert "The paper's analyses (claims ledger, association with its three levels" in printed
    assert not (out / "claims.csv").exists() and not (out / "association.csv").exists()
    f = pd.read_csv(out / "frequencies.csv").set_index("code")
    assert f.loc["Coke", "segments"] == 1 and f.loc["Coke/diet Coke", "segments"] == 1  # the child rolls up
    assert f["segments"].sum() >= 9
    book = openpyxl.load_workbook(out / "summary.xlsx", read_only=True)
    assert "frequencies" in book.sheetnames and "documents_by_code" not in book.sheetnames
    sheet = book["frequencies"]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert header[:2] == ["data_source", "code"]


def test_the_workbook_protects_formula_cells(tmp_path):
    table = pd.DataFrame({"code": ["=HYPERLINK(1)", "plain"], "n": [1, 2]})
    summarise.write_workbook({"t": table}, tmp_path / "w.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "w.xlsx")["t"]
    assert [sheet["A2"].value, sheet["A3"].value, sheet["B2"].value] == ["'=HYPERLINK(1)", "plain", 1]
    assert sheet["A2"].data_type == "s"


def test_a_mapping_with_the_projects_own_codes_is_refused(atlas_import, tmp_path, capsys):
    mapping = tmp_path / "m.yaml"
    mapping.write_text('codes:\n  "happiness": relational\n', encoding="utf-8")
    code = cli.main(
        [
            "summarise",
            str(atlas_import),
            "--codebook",
            "project",
            "--mapping",
            str(mapping),
            "--out",
            str(tmp_path / "s"),
        ]
    )
    assert code == 1
    assert "it cannot be used with the project's own codes" in capsys.readouterr().err
    assert not (tmp_path / "s").exists()


def test_roll_up_reaches_every_ancestor():
    row, hit = TREE.roll_up(pd.Series(["Food/Fruit/Apple", "Mood", "unknown"]))
    assert sorted(zip(row.tolist(), (TREE.codes[h] for h in hit))) == [
        (0, "Food"),
        (0, "Food/Fruit"),
        (0, "Food/Fruit/Apple"),
        (1, "Mood"),
    ]
    assert np.array_equal(TREE.index_of(["Mood", "x"]), [4, -1])


def test_the_data_page_describes_every_file_summarise_writes(project, tmp_path):
    summary = summarise.summarise(project, tree=TREE, by=("site", "role"))
    out = summarise.write_summary(summary, tmp_path / "out", xlsx=True)
    described = set(summarise.TABLE_DESCRIPTIONS)
    for path in out:
        stem = path.stem.removesuffix("_presence")
        if path.suffix == ".csv" and stem.endswith("_by_code") and stem.split("_by_code")[0] in summary.by:
            stem = "<attribute>_by_code"
        assert path.name == summarise.WORKBOOK or stem in described, path.name


def test_an_unknown_by_attribute_is_an_error_naming_the_ones_there_are(project, tmp_path, capsys):
    code = cli.main(["summarise", str(project), "--by", "rol", "--out", str(tmp_path / "s")])
    assert code == 1
    err = capsys.readouterr().err
    assert "--by rol: no such attribute in documents.csv or participants.csv (they have: " in err
    assert "role" in err and not (tmp_path / "s").exists()


def test_order_lists_an_attributes_values_as_the_user_says(project, tmp_path):
    out = tmp_path / "out"
    args = ["summarise", str(project), "--codebook", "project", "--by", "site", "--order", "site=South,North"]
    assert cli.main([*args, "--out", str(out)]) == 0
    assert pd.read_csv(out / "site_by_code.csv")["site"].tolist() == ["South", "North"]  # sorted: North, South
    prevalence = pd.read_csv(out / "prevalence.csv")
    assert prevalence.loc[prevalence["by"] == "site", "group"].drop_duplicates().tolist() == ["South", "North"]
    s = summarise.summarise(project, tree=TREE, by=("site",), orders={"site": ["South", "North"]})
    assert s.matrices["site_by_code"]["site"].tolist() == ["South", "North"]


def test_an_order_must_name_an_attribute_and_list_every_value(project, tmp_path, capsys):
    base = ["summarise", str(project), "--by", "site", "--out", str(tmp_path / "s")]
    assert cli.main([*base, "--order", "site=North"]) == 1
    assert "--order site: the data also have 'South'; list every value" in capsys.readouterr().err
    assert cli.main([*base, "--order", "colour=red,blue"]) == 1
    assert "--order colour: no such attribute in documents.csv or participants.csv" in capsys.readouterr().err
    assert not (tmp_path / "s").exists()
    malformed = {"site": "write ATTRIBUTE=V1,V2", "site=North,,South": "none empty", "site=a,a": "'a' listed more"}
    for bad, says in malformed.items():
        with pytest.raises(SystemExit) as stop:
            cli.main([*base, "--order", bad])
        assert stop.value.code == 2 and says in capsys.readouterr().err
