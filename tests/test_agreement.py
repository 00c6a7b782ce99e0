"""Inter-coder agreement against hand-computed values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ics_leadership.coding import agreement

CODE = "representation/clinical_voice"


def spans(*pairs):
    return pd.DataFrame(pairs, columns=["start", "end"])


def test_character_kappa_of_two_overlapping_codings():
    # 100 characters; A codes [0, 40), B codes [20, 60): po = 0.6, pe = 0.52, kappa = 0.08 / 0.48
    kappa, pct = agreement.character_kappa(spans((0, 40)), spans((20, 60)), 100)
    assert kappa == pytest.approx(0.1667, abs=5e-5)
    assert pct == pytest.approx(0.6)


def test_identical_and_empty_codings_agree_fully():
    assert agreement.character_kappa(spans((10, 30)), spans((10, 30)), 100) == (1.0, 1.0)
    # NVivo's convention: neither coder coded the document -> full agreement
    assert agreement.character_kappa(spans(), spans(), 100) == (1.0, 1.0)


def test_cohen_kappa_binary_hand_computed():
    # po = 0.75; pa = 0.5, pb = 0.25 -> pe = 0.5 -> kappa = 0.5
    assert agreement.cohen_kappa_binary([1, 1, 0, 0], [1, 0, 0, 0]) == pytest.approx(0.5)


def test_krippendorff_alpha_hand_computed():
    # coincidences o00 = 4, o01 = o10 = 1, o11 = 2; n0 = 5, n1 = 3, n = 8
    # Do = 2/8, De = 2*5*3/(8*7) -> alpha = 1 - 0.25/0.535714 = 0.533333
    assert agreement.krippendorff_alpha(np.array([1, 1, 0, 0]), np.array([1, 0, 0, 0])) == pytest.approx(
        0.533333, abs=1e-6
    )


def test_merged_units():
    assert agreement.merged_units(spans((50, 60), (0, 10), (5, 20), (20, 30))) == [(0, 20), (20, 30), (50, 60)]


def test_agreement_table_per_code_and_document():
    codings = pd.DataFrame(
        [
            {"document_id": "d1", "start": 0, "end": 40, "code": CODE, "coder": "A"},
            {"document_id": "d1", "start": 20, "end": 60, "code": CODE, "coder": "B"},
            {"document_id": "d1", "start": 70, "end": 80, "code": "relational/alliance_building", "coder": "A"},
            {"document_id": "d2", "start": 0, "end": 10, "code": CODE, "coder": "A"},  # coded by A only
        ]
    )
    documents = pd.DataFrame({"document_id": ["d1", "d2"], "n_chars": [100, 50]})
    by_code, by_doc = agreement.agreement(codings, documents, [CODE, "relational/alliance_building"])
    assert set(by_doc["document_id"]) == {"d1"}  # d2 was not double coded
    row = by_code.set_index("code").loc[CODE]
    assert row["kappa"] == pytest.approx(0.1667, abs=5e-5)
    # units: [0, 60) and [70, 80); CODE: A yes/no, B yes/no -> agree on both units
    assert row["units"] == 2 and row["segment_percent_agreement"] == 1.0 and row["segment_kappa"] == 1.0
    other = by_code.set_index("code").loc["relational/alliance_building"]
    assert other["segment_percent_agreement"] == 0.5  # A coded the second unit, B did not
    # character level: 10 of 100 characters differ -> po 0.9, pa 0.1, pb 0 -> pe 0.9 -> kappa 0
    assert other["kappa"] == pytest.approx(0.0) and other["percent_agreement"] == pytest.approx(0.9)
