"""The canonical format is generic: another study's tiers, stages and groups load and are summarised.

The paper's vocabulary (executive/thematic/project, early/later, clinical/non-clinical, STPs A-C)
is enforced on data/raw and checked by the claims ledger, which gives no verdict on data that
speak another vocabulary and says which values it found.
"""

from __future__ import annotations

import pandas as pd
import pytest

from ics_leadership import cli
from ics_leadership.coding import prevalence
from ics_leadership.coding.coded import load_coded
from ics_leadership.coding.format import CODED_TABLES, ordered
from ics_leadership.core import manifest
from ics_leadership.facts import claims, vocabulary
from ics_leadership.facts.codebook import load_codebook
from ics_leadership.facts.raw_tables import RAW_TABLES

from coded_fixture import coding, doc, make_coded
from conftest import replace_in

VOICE = "representation/clinical_voice"
EVIDENCE = "analytical_insight/evidence_and_data"
ALLIANCE = "relational/alliance_building"
STAGE = {1: "before", 2: "during", 3: "after", 4: "before", 5: "during", 6: "after"}


def _study(folder, levels=("system", "place", "neighbourhood"), groups=("A", "B"), stages=STAGE):
    """Six leaders, two per level, groups alternating; one interview each (level blank: inherited)."""
    people = [
        {"participant_id": f"P{i}", "site": "North" if i <= 3 else "South", "level": levels[(i - 1) // 2]}
        | {"group": groups[(i - 1) % 2]}
        for i in range(1, 7)
    ]
    docs = [doc(f"D{i}", 1000, f"P{i}", stage=stages[i], level="") for i in range(1, 7)]
    docs.append(doc("O1", 500, source_type="observation", stage=stages[2], level=levels[1], site="North"))
    cods = [coding(f"D{i}", 0, 50, EVIDENCE) for i in range(1, 7)]
    cods += [coding(f"D{i}", 100, 150, VOICE) for i in (1, 2, 3)]  # both system leaders, one place leader
    cods += [coding("D5", 200, 250, ALLIANCE), coding("O1", 0, 40, VOICE)]
    return make_coded(folder, docs, cods, people, synthetic=False)


@pytest.fixture(scope="module")
def ics(tmp_path_factory):
    return _study(tmp_path_factory.mktemp("ics") / "coded")


def test_another_studys_tiers_stages_and_groups_load(ics):
    data = load_coded(ics)
    levels = data.documents.set_index("document_id")["level"]
    assert levels.to_dict() == {
        "D1": "system",
        "D2": "system",
        "D3": "place",  # blank in documents.csv: the participant's
        "D4": "place",
        "D5": "neighbourhood",
        "D6": "neighbourhood",
        "O1": "place",
    }
    assert sorted(data.documents["stage"].unique()) == ["after", "before", "during"]
    assert list(data.documents["group"].iloc[:2]) == ["A", "B"]


def test_summarise_command_on_another_study_gives_no_verdicts(ics, tmp_path, capsys):
    out = tmp_path / "out"
    assert cli.main(["summarise", str(ics), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Real coded data: wrote 17 files" in printed
    assert {p.stem for p in out.glob("*.csv")} >= {"prevalence", "association", "claims", "frequencies"}
    # No group is 'clinical', so everyone interviewed counts (before: nobody did), and a note says so.
    assert "Prevalence counts every participant with an interview: the data's groups (A, B)" in printed
    prev = pd.read_csv(out / "prevalence.csv", keep_default_na=False)
    voice = prev[(prev["by"] == "level") & (prev["code"] == "representation")]
    # Levels sorted (not the paper's): the two system leaders, one of two place leaders, no neighbourhood leader.
    assert list(zip(voice["group"], voice["expressing"], voice["participants"])) == [
        ("neighbourhood", 0, 2),
        ("place", 1, 2),
        ("system", 2, 2),
    ]
    overall = prev[(prev["by"] == "overall") & (prev["code"] == "analytical_insight")]
    assert (overall["expressing"].item(), overall["participants"].item()) == (6, 6)
    # Representation by the three tiers: [[0, 1, 2], [2, 1, 0]], every expected count 1, chi-square 4 on 2 df.
    voice_test = pd.read_csv(out / "association.csv").set_index("contribution").loc["Representation"]
    assert (voice_test["statistic"], voice_test["df"], voice_test["n"]) == (4, 2, 6)

    # The claims: no verdict on another vocabulary, and the reason names the values found.
    assert "claims.csv lists the paper's claims without verdicts: The claims are about" in printed
    ledger = pd.read_csv(out / "claims.csv", keep_default_na=False)
    testable = ledger[ledger["status"] != claims.NOT_TESTABLE]
    assert len(testable) == 13 and set(testable["status"]) == {claims.NOT_EVALUATED_VOCABULARY}
    reason = testable["reason"].iloc[0]
    assert "level 'neighbourhood', 'place', 'system' (the paper's: executive, thematic, project)" in reason
    assert "stage 'after', 'before', 'during' (the paper's: early, later)" in reason
    assert "group 'A', 'B' (the paper's: clinical, non-clinical)" in reason
    assert (testable[["observed", "effect_size", "p_value"]] == "").all().all()  # no result, not a wrong one
    assert "no verdict is given" in claims.describe(ledger.astype({"status": "string"}))


def test_only_the_values_outside_the_papers_vocabulary_are_named(tmp_path):
    """Paper levels and groups with other stages: the reason names the stages only."""
    folder = _study(
        tmp_path / "coded",
        levels=("executive", "thematic", "project"),
        groups=("clinical", "non-clinical"),
        stages={i: "phase 1" if i % 2 else "later" for i in range(1, 7)},
    )
    data = load_coded(folder)
    assert vocabulary.unexpected(data.documents) == {"stage": ["phase 1"]}
    assert claims.why_not_evaluated(data) == (
        "The claims are about the paper's levels, stages and clinical leaders, and these data use other "
        "values: stage 'phase 1' (the paper's: early, later). To evaluate the claims, map the data's values "
        "to the paper's (a mapping's 'documents' and 'participants' sections) where they mean the same."
    )
    replace_in(folder / "documents.csv", "phase 1", "early", count=-1)
    assert claims.why_not_evaluated(load_coded(folder)) is None  # the paper's vocabulary: verdicts may follow


def test_the_papers_levels_keep_the_papers_order(tmp_path):
    """Sorted would give executive, project, thematic: the paper's order is kept when the data use it."""
    codebook = load_codebook()
    data = load_coded(_study(tmp_path / "coded", levels=("executive", "thematic", "project"), groups=("clinical",) * 2))
    codings = prevalence.analysis_codings(data, codebook.tree)
    prev = prevalence.prevalence(data, codings, codebook.tree, by="level", focus_group="clinical")
    assert list(dict.fromkeys(prev["group"])) == ["executive", "thematic", "project"]
    assert ordered(["project", None, "executive", ""], ["executive", "thematic", "project"]) == ["executive", "project"]
    assert ordered(["system", "executive"], ["executive", "thematic", "project"]) == ["executive", "system"]


def test_the_canonical_format_fixes_no_vocabulary_but_data_raw_does():
    coded = {
        c.name: c.allowed for s in CODED_TABLES.values() for c in s.columns if c.name in ("level", "stage", "group")
    }
    assert coded == {"level": None, "stage": None, "group": None}
    assert {c.name: c.allowed for c in CODED_TABLES["documents"].columns}["source_type"] == (
        "interview",
        "follow-up interview",
        "observation",
        "other",
    )
    raw = {c.name: c.allowed for c in RAW_TABLES["participants.csv"].columns}
    assert raw["level"] == vocabulary.LEVELS == ("executive", "thematic", "project")
    assert raw["site"] == vocabulary.SITES == ("A", "B", "C")


def test_check_refuses_another_vocabulary_in_data_raw(raw_copy, capsys):
    replace_in(raw_copy / "participants.csv", "CL-A01,A,executive", "CL-A01,A,system")
    manifest.write(raw_copy)  # the change recorded, so that check reaches the values
    assert cli.main(["check", "--raw-dir", str(raw_copy)]) == 1
    err = capsys.readouterr().err
    assert (
        "participants.csv, row 1 (line 2), field 'level': 'system' is not one of: executive, thematic, project" in err
    )
    assert "Traceback" not in err
