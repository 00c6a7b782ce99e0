"""The claims ledger: loading, and verdicts on hand-made coded data."""

from __future__ import annotations

import pytest

from coded_fixture import coding, doc, make_coded
from ics_leadership import claims, coded, prevalence
from ics_leadership.codebook import load_codebook
from ics_leadership.errors import DataValidationError

CB = load_codebook()

LEDGER = """
alpha: 0.05
claims:
  - {id: T1, claim: a, location: here, by: level, test: {type: present_at_all_levels, code: analytical_insight}}
  - {id: T2, claim: b, location: here, by: level, test: {type: higher_prevalence, code: representation, higher: [thematic, project], lower: [executive]}}
  - {id: T3, claim: c, location: here, by: level, test: {type: highest_at, code: relational/empowering_delegating, level: thematic}}
  - {id: T4, claim: d, location: here, by: stage, test: {type: more_documents_in_stage, code: relational, higher: later, lower: early}}
  - {id: T5, claim: e, location: here, by: level, test: {type: among_top_at_level, codes: [representation], level: project, k: 1}}
  - {id: T6, claim: f, location: here, by: co-occurrence, test: {type: cooccur_more_than_chance, code_a: representation, code_b: relational}}
  - {id: T7, claim: g, location: here, by: role, test: {type: not_testable, reason: no codes for it}}
  - {id: T8, claim: h, location: here, by: level, test: {type: present_at_all_levels, code: translating_communicating}}
"""


@pytest.fixture
def ledger(tmp_path):
    people = [{"participant_id": f"P{i}", "site": "X", "level": lvl, "group": "clinical"}
              for i, lvl in enumerate(["executive", "executive", "thematic", "thematic", "project", "project"], start=1)]
    docs = [doc(f"D{i}", 1000, f"P{i}", stage="early" if i <= 3 else "later") for i in range(1, 7)]
    cods = [coding(f"D{i}", 0, 10, "analytical_insight/evidence_and_data") for i in (1, 3, 5)]
    cods += [coding(f"D{i}", 100, 110, "representation/clinical_voice") for i in (3, 4, 5, 6)]
    cods += [coding("D3", 200, 210, "relational/empowering_delegating"), coding("D4", 200, 210, "relational/empowering_delegating"),
             coding("D5", 200, 210, "relational/alliance_building"), coding("D6", 200, 210, "relational/alliance_building")]
    data = coded.load_coded(make_coded(tmp_path / "c", docs, cods, people))
    (tmp_path / "claims.yaml").write_text(LEDGER)
    claim_list, alpha = claims.load_claims(tmp_path / "claims.yaml", CB)
    table, evidence = claims.evaluate(claim_list, data, prevalence.analysis_codings(data, CB), CB, alpha)
    return table.set_index("id"), evidence


def test_verdicts(ledger):
    table, evidence = ledger
    assert table["verdict"].to_dict() == {
        "T1": "supported",        # analytical insight at every level (P1, P3, P5)
        "T2": "not supported",    # 4/4 vs 0/2 is in the claimed direction, but Fisher p = 1/15
        "T3": "supported",        # empowering and delegating only among thematic leaders
        "T4": "not supported",    # relational in 3 of 3 later and 1 of 3 early documents: p = 0.2
        "T5": "supported",        # representation is the top contribution at the project level (tie included)
        "T6": "not supported",    # 4 documents with both vs 2.7 expected: Fisher p = 1/15
        "T7": "not testable",
        "T8": "not supported",    # nobody translates or communicates
    }
    assert table.loc["T2", "evidence"] == "4/4 (100%) vs 0/2 (0%); one-sided Fisher p = 0.067"
    assert table.loc["T4", "evidence"] == "3/3 later vs 1/3 early documents; one-sided Fisher p = 0.200"
    assert table.loc["T6", "evidence"] == "4 documents with both vs 2.7 expected; one-sided Fisher p = 0.067"
    assert table.loc["T7", "evidence"] == "no codes for it"
    assert evidence["T1"]["expressing"].tolist() == [1, 1, 1]


def test_the_papers_ledger_loads():
    claim_list, alpha = claims.load_claims(codebook=CB)
    assert alpha == 0.05 and len(claim_list) == 16
    assert {c.by for c in claim_list} == {"level", "stage", "role", "co-occurrence"}
    assert all(c.location for c in claim_list)


def test_ledger_errors_name_the_claim(tmp_path):
    (tmp_path / "claims.yaml").write_text(
        "claims:\n  - {id: X1, claim: a, location: b, by: level, test: {type: guess}}\n"
        "  - {id: X2, claim: a, location: b, by: level, test: {type: highest_at, code: representation/voice, level: board}}\n"
        "  - {id: X3, claim: a, by: level, test: {type: not_testable, reason: r}}\n")
    with pytest.raises(DataValidationError) as info:
        claims.load_claims(tmp_path / "claims.yaml", CB)
    message = str(info.value)
    assert "field 'claims[X1].test.type': unknown test type 'guess'" in message
    assert "field 'claims[X2].test.code': unknown code 'representation/voice'" in message
    assert "field 'claims[X2].test.level': 'board' is not a level" in message
    assert "field 'claims[X3].location': is missing" in message
