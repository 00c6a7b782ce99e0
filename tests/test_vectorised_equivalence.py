"""The vectorised analyses agree with the simple loops they replaced, on random corpora (hypothesis).

The loops are kept in tests/reference_analyses.py as they were; each test draws corpora with
overlapping, nested, touching and duplicated spans, several coders and codes outside the list
compared, and checks every figure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import reference_analyses as reference
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ics_leadership.coding import agreement, codetree, cooccurrence, coverage, prevalence, saturation, spans

CODES = ["a", "b", "c"]  # compared; "z" is coded but not compared
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def corpora(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame]:
    n_docs = draw(st.integers(1, 4))
    lengths = [draw(st.integers(1, 40)) for _ in range(n_docs)]
    rows = []
    for d, n in enumerate(lengths):
        for _ in range(draw(st.integers(0, 7))):
            start = draw(st.integers(0, n - 1))
            end = draw(st.integers(start + 1, n))
            rows.append(
                {
                    "document_id": f"d{d}",
                    "start": start,
                    "end": end,
                    "code": draw(st.sampled_from([*CODES, "z"])),
                    "coder": draw(st.sampled_from(["A", "B", "C"])),
                }
            )
    codings = pd.DataFrame(rows, columns=["document_id", "start", "end", "code", "coder"])
    documents = pd.DataFrame({"document_id": [f"d{d}" for d in range(n_docs)], "n_chars": lengths})
    return codings, documents


def _same(new: pd.DataFrame, old: pd.DataFrame) -> None:
    assert list(new.columns) == list(old.columns)
    assert len(new) == len(old)
    for col in old.columns:
        a, b = new[col].reset_index(drop=True), old[col].reset_index(drop=True)
        if pd.api.types.is_float_dtype(b) or pd.api.types.is_float_dtype(a):
            np.testing.assert_allclose(a.to_numpy(float), b.to_numpy(float), rtol=1e-12, atol=1e-12, equal_nan=True)
        else:
            assert a.astype(str).tolist() == b.astype(str).tolist(), col


@SETTINGS
@given(corpora())
def test_agreement_matches_the_loops(corpus):
    codings, documents = corpus
    new_code, new_doc = agreement.agreement(codings, documents, CODES)
    old_code, old_doc = reference.agreement(codings, documents, CODES)
    if old_doc.empty:
        assert new_doc.empty and new_code.empty
        return
    _same(new_doc, old_doc)
    _same(new_code, old_code)


@SETTINGS
@given(corpora())
def test_cooccurrence_matches_the_loops(corpus):
    codings, _ = corpus
    for name in ("overlap_counts", "document_counts"):
        new = getattr(cooccurrence, name)(codings, CODES)
        old = getattr(reference, name)(codings, CODES)
        pd.testing.assert_frame_equal(new, old, check_dtype=False)


@SETTINGS
@given(
    st.lists(st.sets(st.sampled_from("abcdefgh"), max_size=5), max_size=12),
    st.integers(1, 5),
    st.integers(1, 4),
    st.sampled_from([0.0, 0.05, 0.2, 0.5]),
)
def test_saturation_matches_the_loops(sequence, base_size, run_length, threshold):
    new = saturation.saturation(sequence, base_size, run_length, threshold)
    old = reference.saturation_runs(sequence, base_size, run_length, threshold)
    assert (new.point, new.base_codes) == (old.point, old.base_codes)
    pd.testing.assert_frame_equal(new.runs, old.runs, check_dtype=False)
    pd.testing.assert_frame_equal(new.cumulative, old.cumulative, check_dtype=False)


@SETTINGS
@given(corpora())
def test_merged_spans_cover_what_the_masks_cover(corpus):
    codings, documents = corpus
    if codings.empty:
        return
    grouped = codings.groupby(["document_id", "code"], sort=True)
    group, keys = grouped.ngroup().to_numpy(), grouped.size().index.to_frame(index=False)
    merged = spans.merge(group, codings["start"], codings["end"])
    covered = merged.union_length(len(keys))
    length = dict(zip(documents["document_id"], documents["n_chars"]))
    for g, (doc, code) in enumerate(keys.itertuples(index=False)):
        mine = codings[(codings["document_id"] == doc) & (codings["code"] == code)]
        assert covered[g] == reference._mask(mine, length[doc]).sum()
        assert merged.units(len(keys))[g] == len(reference.merged_units(mine))


@SETTINGS
@given(corpora(), st.integers(1, 5))
def test_overlapping_pairs_are_every_overlapping_pair_once(corpus, chunk):
    codings, _ = corpus
    group = pd.factorize(codings["document_id"])[0]
    found = sorted(
        tuple(sorted(p))
        for i, j in spans.overlapping_pairs(group, codings["start"], codings["end"], chunk=chunk)
        for p in zip(i.tolist(), j.tolist())
    )
    s, e, d = codings["start"].tolist(), codings["end"].tolist(), codings["document_id"].tolist()
    expected = sorted(
        (i, j) for i in range(len(s)) for j in range(i + 1, len(s)) if d[i] == d[j] and s[i] < e[j] and s[j] < e[i]
    )
    assert found == expected


def test_alpha_from_counts_matches_the_krippendorff_package():
    rng = np.random.default_rng(7)
    for _ in range(200):
        n = int(rng.integers(1, 30))
        a, b = rng.integers(0, 2, n), rng.integers(0, 2, n)
        both, only_a, only_b = (
            int(((a == 1) & (b == 1)).sum()),
            int(((a == 1) & (b == 0)).sum()),
            int(((a == 0) & (b == 1)).sum()),
        )
        expected = agreement.krippendorff_alpha(a, b)
        got = float(agreement.alpha_from_counts(both, only_a, only_b, n))
        assert got == pytest.approx(expected, nan_ok=True, abs=1e-12)


TREE = codetree.CodeTree(
    codes=("a", "a/x", "a/x/y", "b", "c"),
    parents={"a": None, "a/x": "a", "a/x/y": "a/x", "b": None, "c": None},
)


@st.composite
def attributed_corpora(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Codings of the primary coder with the attributes analysis_codings adds (participant, site)."""
    n_docs = draw(st.integers(1, 5))
    docs = pd.DataFrame(
        {
            "document_id": [f"d{i}" for i in range(n_docs)],
            "n_chars": [draw(st.integers(1, 30)) for _ in range(n_docs)],
            "participant_id": [draw(st.sampled_from(["P1", "P2", "P3", None])) for _ in range(n_docs)],
        }
    )
    rows = []
    for d, n in zip(docs["document_id"], docs["n_chars"]):
        for _ in range(draw(st.integers(0, 6))):
            start = draw(st.integers(0, n - 1))
            rows.append(
                {
                    "document_id": d,
                    "start": start,
                    "end": draw(st.integers(start + 1, n)),
                    "code": draw(st.sampled_from([*TREE.codes, "zz"])),
                }
            )
    codings = pd.DataFrame(rows, columns=["document_id", "start", "end", "code"])
    codings = codings.merge(docs[["document_id", "participant_id"]], on="document_id", how="left")
    return codings, docs


def _reference_frequencies(codings: pd.DataFrame, tree: codetree.CodeTree) -> dict[str, list[int]]:
    out = {}
    for code in tree.codes:
        family = {c for c in tree.codes if c == code or code in tree.ancestors(c)}
        hits = codings[codings["code"].isin(family)]
        passages = sum(len(reference.merged_units(g)) for _, g in hits.groupby("document_id"))
        out[code] = [len(hits), passages, hits["document_id"].nunique(), hits["participant_id"].dropna().nunique()]
    return out


@SETTINGS
@given(attributed_corpora())
def test_frequencies_match_a_loop_over_codes(corpus):
    codings, _ = corpus
    table = prevalence.frequencies(codings, TREE).set_index("code")
    got = {c: table.loc[c, ["segments", "passages", "documents", "participants"]].tolist() for c in TREE.codes}
    assert got == _reference_frequencies(codings, TREE)


@SETTINGS
@given(attributed_corpora())
def test_coverage_matches_character_masks(corpus):
    codings, docs = corpus
    table = coverage.coverage(codings, docs, TREE).set_index(["document_id", "code"])
    for doc_id, n in zip(docs["document_id"], docs["n_chars"]):
        mine = codings[codings["document_id"] == doc_id]
        assert table.loc[(doc_id, coverage.ANY_CODE), "characters_coded"] == reference._mask(mine, n).sum()
        for code in TREE.codes:
            family = {c for c in TREE.codes if c == code or code in TREE.ancestors(c)}
            expected = reference._mask(mine[mine["code"].isin(family)], n).sum()
            assert table["characters_coded"].get((doc_id, code), 0) == expected
