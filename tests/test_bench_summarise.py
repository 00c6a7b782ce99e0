"""The corpora of bench/bench_summarise.py: deterministic, valid canonical data, the base corpus k times."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from ics_leadership.coding import coded
from ics_leadership.facts import demo_corpus

BENCH = Path(__file__).resolve().parents[1] / "bench" / "bench_summarise.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_summarise", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while it runs
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[spec.name]


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return demo_corpus.write(tmp_path_factory.mktemp("bench") / "base")


def test_sizes_are_whole_copies_of_the_base(bench):
    # The table: 440 codings per copy give 10,120, 100,320 and 1,000,120 codings.
    assert [bench.replicas_for(n, 440) for n in (10**4, 10**5, 10**6)] == [23, 228, 2273]
    assert bench.replicas_for(440, 440) == 1 and bench.replicas_for(1, 440) == 1


def test_one_copy_is_the_base_renamed(bench, base, tmp_path):
    # Every cell is rewritten as it was read (blanks, quoting, line ends): only the ids gain _r0000.
    bench.replicate(base, 1, tmp_path)
    for name in bench.TABLES:
        assert (tmp_path / name).read_text(encoding="utf-8").replace("_r0000", "") == (base / name).read_text(
            encoding="utf-8"
        ), name


def test_copies_are_deterministic_valid_and_keep_the_shape(bench, base, tmp_path):
    first, again = tmp_path / "first", tmp_path / "again"
    first.mkdir()
    again.mkdir()
    counts = bench.replicate(base, 3, first)
    bench.replicate(base, 3, again)
    for name in (*bench.TABLES, bench.CORPUS_YAML):
        assert (first / name).read_bytes() == (again / name).read_bytes(), name

    one, three = coded.load_coded(base), coded.load_coded(first)  # validates the tables and corpus.yaml
    assert three.synthetic
    assert counts == {"documents": 3 * 105, "codings": 3 * 440, "participants": 3 * 72}
    assert (len(three.documents), len(three.codings), len(three.participants)) == (315, 1320, 216)
    meta = yaml.safe_load((first / "corpus.yaml").read_text(encoding="utf-8"))
    assert meta["counts"] == {"codings": 1320, "documents": 315, "double_coded_documents": 63, "participants": 216}
    assert meta["synthetic"] is True and "Replicated 3 times" in meta["description"]

    docs = three.documents.set_index("document_id")
    # Replicate 2 of a document: its participant renamed alike, attributes kept, sequence after two copies.
    row, orig = docs.loc["INT-NC-A18_r0002"], one.documents.set_index("document_id").loc["INT-NC-A18"]
    assert row["participant_id"] == "NC-A18_r0002"
    assert (row["site"], row["level"], row["group"]) == (orig["site"], orig["level"], orig["group"])
    assert row["sequence"] == orig["sequence"] + 2 * 105
    assert pd.isna(docs.loc["OBS-A01_r0001", "participant_id"])  # observations stay without a participant
    # Codings per document and coder, and double coding, are the base's in every copy.
    per_doc = three.codings.assign(document_id=three.codings["document_id"].str.removesuffix("_r0001"))
    per_doc = per_doc[three.codings["document_id"].str.endswith("_r0001")]
    key = ["document_id", "start", "end", "code", "coder"]
    copied = per_doc[key].sort_values(key).reset_index(drop=True)
    assert copied.equals(one.codings[key].sort_values(key).reset_index(drop=True))


def test_the_cache_reuses_only_complete_corpora(bench, base, tmp_path):
    key = bench.base_key(base)
    made = bench.cached_corpus(tmp_path, base, key, 800, "8e2")
    assert made.seconds is not None and made.replicas == 2 and made.folder.name == f"codings880-{key}"
    again = bench.cached_corpus(tmp_path, base, key, 800, "8e2")
    assert again.seconds is None and again.counts == made.counts == {
        "documents": 210,
        "codings": 880,
        "participants": 144,
    }
    (tmp_path / f"codings1320-{key}").mkdir()  # not ours (no marker): refused, left alone
    with pytest.raises(SystemExit, match="not a complete corpus"):
        bench.cached_corpus(tmp_path, base, key, 1000, "1e3")
    assert (tmp_path / f"codings1320-{key}").is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"codings1320-{key}", f"codings880-{key}"]
