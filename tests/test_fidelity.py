"""Fidelity to the paper: authors named alike everywhere, locations that exist, no added ranking words.

Locations in ``data/raw`` are checked against a hand-made outline of the paper
(``tests/fixtures/paper_outline.yaml``: headings, paragraph counts, where the paper itself uses a
ranking word such as "primarily"); the outline is checked against the article text when a copy is
available (``ICS_PAPER_TEXT``), since the text itself is not part of the compendium.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
OUTLINE = yaml.safe_load((ROOT / "tests" / "fixtures" / "paper_outline.yaml").read_text(encoding="utf-8"))
PAPER_TEXT = Path(os.environ.get("ICS_PAPER_TEXT", "/work/shared/reference/000_87c7bd52a35e79c7.txt"))
LOCATED_FILES = (
    "claims.yaml",
    "codebook.yaml",
    "study.yaml",
    "model.yaml",
    "coreq.yaml",
    "synthetic_assumptions.yaml",
    "key_messages.yaml",
)
TEXT_FIELDS = ("claim", "definition", "description", "summary", "note", "message", "headline")


# --- authors -------------------------------------------------------------------------------------


def bib_authors(bib: str, key: str) -> list[tuple[str, str]]:
    """(family, given) of each author of entry ``key`` in BibTeX text ``bib``, in order."""
    entry = re.search(r"@\w+\{" + re.escape(key) + r",(.*?)\n\}", bib, re.S)
    assert entry, f"no entry {key}"
    field = re.search(r"author\s*=\s*\{(.*)\},?\s*$", entry.group(1), re.M)
    assert field, f"entry {key} has no author field"
    return [tuple(part.strip() for part in name.split(",", 1)) for name in field.group(1).split(" and ")]


def test_references_bib_and_citation_cff_name_the_authors_alike():
    bib = bib_authors((ROOT / "book" / "references.bib").read_text(encoding="utf-8"), "waring2023")
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))["preferred-citation"]["authors"]
    study = yaml.safe_load((RAW / "study.yaml").read_text(encoding="utf-8"))["citation"]["authors"]
    expected = [("Waring", "J."), ("Bishop", "S."), ("Black", "G."), ("Clarke", "J."), ("Roe", "B.")]
    assert [(a["family-names"], a["given-names"]) for a in cff] == expected
    assert bib == expected
    # study.yaml writes the names as the paper prints them ("Waring J"): the same initials
    assert [(n.split()[0], n.split()[1] + ".") for n in study] == expected


def test_bib_authors_sees_given_names():
    bib = "@article{x,\n  author  = {Waring, Justin and Roe, B.},\n  year = {2023}\n}\n"
    assert bib_authors(bib, "x") == [("Waring", "Justin"), ("Roe", "B.")]


# --- locations -----------------------------------------------------------------------------------


def location_errors(location: str) -> list[str]:
    """What in ``location`` does not exist in the paper's outline (empty: every part exists)."""
    errors = []
    for part in (p.strip() for p in location.split(";") if p.strip()):
        if part.startswith("Abstract"):
            found = re.fullmatch(r"Abstract(?: \((\w+) paragraph(?:, [^)]*)?\))?", part)
            if not found or (found.group(1) and found.group(1) not in OUTLINE["abstract"]):
                errors.append(f"{part!r}: write 'Abstract' or 'Abstract (<heading> paragraph)'")
            continue
        if numbered := re.match(r"(Table|Figure) \d+", part):
            if numbered.group(0) not in OUTLINE["tables"] + OUTLINE["figures"]:
                errors.append(f"{part!r}: no {numbered.group(0)} in the paper")
            continue
        fields = [f.strip() for f in re.sub(r"\s*\([^)]*\)", "", part).split(",")]
        section = OUTLINE["sections"].get(fields[0])
        if section is None:
            errors.append(f"{part!r}: no section {fields[0]!r}")
            continue
        count, rest = section.get("paragraphs"), fields[1:]
        if rest and not rest[0].startswith(("para", "last para")):
            if rest[0] not in section.get("subsections", {}):
                errors.append(f"{part!r}: no sub-section {rest[0]!r} in {fields[0]}")
                continue
            count, rest = section["subsections"][rest[0]], rest[1:]
        for paras in rest:
            numbers = [int(n) for n in re.findall(r"\d+", paras)]
            in_range = count is not None and all(1 <= n <= count for n in numbers)
            if not in_range or not paras.startswith(("para", "last para")):
                errors.append(f"{part!r}: {paras!r} is not a paragraph of {', '.join(fields[:2])}")
    return errors


def located(node: object, where: str) -> Iterator[tuple[str, dict]]:
    """Every mapping with a non-empty ``location`` in a YAML tree, with a path to it."""
    if isinstance(node, dict):
        if isinstance(node.get("location"), str) and node["location"].strip():
            yield where, node
        for key, value in node.items():
            yield from located(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from located(value, f"{where}[{i}]")


def all_located() -> Iterator[tuple[str, dict]]:
    for name in LOCATED_FILES:
        yield from located(yaml.safe_load((RAW / name).read_text(encoding="utf-8")), name)


def test_every_location_in_data_raw_names_a_place_in_the_paper():
    errors = [f"{where}: {e}" for where, entry in all_located() for e in location_errors(entry["location"])]
    assert errors == []
    assert len(list(all_located())) > 150  # every file was walked (claims 16, codebook 50, ...)


def test_codebook_and_claims_locations_are_covered():
    claims = yaml.safe_load((RAW / "claims.yaml").read_text(encoding="utf-8"))["claims"]
    assert [location_errors(c["location"]) for c in claims] == [[]] * 16
    codebook = list(located(yaml.safe_load((RAW / "codebook.yaml").read_text(encoding="utf-8")), "codebook"))
    assert len(codebook) == 3 + 2 + 4 * (1 + 3 + 2) + 13


@pytest.mark.parametrize(
    "location",
    [
        "Abstract, Methods",  # reads as the Methods section
        "Abstract (Findings paragraph)",
        "Discussion, para 8",
        "Results, Analytic insight, para 1",
        "Results, Representation, para 3",
        "Results, para 1",  # Results counts paragraphs within its sub-sections
        "Table 2",
        "Methods, Recruitment and sample, para 2; Conclusion",
    ],
)
def test_location_errors_catch_places_the_paper_does_not_have(location):
    assert location_errors(location)


def test_location_errors_accept_the_conventions_in_use():
    assert (
        location_errors(
            "Abstract (Conclusions paragraph, as reputation); Introduction, para 6 (task 1); "
            "Discussion, paras 2 and 7; Results, Relational activities, para 2 (first and fourth forms); "
            "Table 1, Total row (10 + 10 + 5); Discussion, Limitations and future research, para 1; Results"
        )
        == []
    )


# --- ranking words -------------------------------------------------------------------------------

RANKING = re.compile(r"\b(" + "|".join(OUTLINE["ranking_words"]) + r")\b", re.I)


def added_ranking_words(text: str, location: str) -> set[str]:
    """Ranking words in ``text`` that the paper does not use at any part of ``location``."""
    parts = {re.sub(r"\s*\([^)]*\)", "", p).strip() for p in location.split(";")}
    allowed = {w for p in parts for w in OUTLINE["ranking_words_in_paper"].get(p, [])}
    return {w.lower() for w in RANKING.findall(text)} - allowed


def test_no_claim_or_codebook_text_ranks_what_the_paper_does_not():
    offending = [
        (where, field, sorted(words))
        for name in ("claims.yaml", "codebook.yaml", "model.yaml", "key_messages.yaml")
        for where, entry in located(yaml.safe_load((RAW / name).read_text(encoding="utf-8")), name)
        for field in TEXT_FIELDS
        if isinstance(entry.get(field), str) and (words := added_ranking_words(entry[field], entry["location"]))
    ]
    assert offending == []


def test_added_ranking_words():
    assert added_ranking_words("Leaders contribute mainly analytical insight.", "Discussion, para 6") == {"mainly"}
    assert added_ranking_words("Chiefly by translating.", "Discussion, para 6 (tiers)") == {"chiefly"}
    assert added_ranking_words("A primarily clinical role.", "Methods, Recruitment and sample, para 2") == set()


# --- key messages and the grid's wording -----------------------------------------------------------

KEY_MESSAGES = yaml.safe_load((RAW / "key_messages.yaml").read_text(encoding="utf-8"))["messages"]
#: Hedges of the paper that a paraphrase of the passage must keep: (location part, the topic that
#: brings the hedge in, words of which one must appear).
HEDGES = (
    ("Discussion, para 6", "early strategy setting", ("seemed to",)),
    ("Discussion, para 3", "well placed", ("suggest",)),
    ("Conclusions", "distinct", ("can make",)),
)


def dropped_hedges(text: str, location: str) -> list[str]:
    """The paper's hedges that a paraphrase of ``location`` touching their topic leaves out."""
    parts = {re.sub(r"\s*\([^)]*\)", "", p).strip() for p in location.split(";")}
    return [
        f"{where}: {topic!r} without {' or '.join(map(repr, words))}"
        for where, topic, words in HEDGES
        if where in parts and topic in text.lower() and not any(w in text.lower() for w in words)
    ]


def test_key_messages_locations_resolve_in_the_outline():
    assert len(KEY_MESSAGES) >= 5
    assert [(m["id"], location_errors(m["location"])) for m in KEY_MESSAGES] == [(m["id"], []) for m in KEY_MESSAGES]
    # drawn from the paper's conclusions: each names the Conclusions or the Discussion they summarise
    assert all(re.match(r"(Conclusions|Discussion)\b", m["location"]) for m in KEY_MESSAGES)


def test_key_messages_keep_the_papers_hedges():
    assert [(m["id"], dropped_hedges(m["message"], m["location"])) for m in KEY_MESSAGES] == [
        (m["id"], []) for m in KEY_MESSAGES
    ]
    # the stage message keeps all three early contributions, in the paper's order ("and then")
    stage = next(m["message"] for m in KEY_MESSAGES if "early strategy setting" in m["message"])
    named = [
        stage.index(w) for w in ("analytical insight", "representing stakeholders", "translating and communicating")
    ]
    assert named == sorted(named) and "and then" in stage


def test_dropped_hedges():
    assert dropped_hedges("Early strategy setting centred on insight.", "Discussion, para 6") == [
        "Discussion, para 6: 'early strategy setting' without 'seemed to'"
    ]
    assert dropped_hedges("Early strategy setting seemed to centre on insight.", "Discussion, para 6 (tiers)") == []
    assert dropped_hedges("Clinical leaders are well placed.", "Discussion, para 3") != []
    assert dropped_hedges("Clinical leaders make a distinct contribution.", "Conclusions") != []
    assert dropped_hedges("Clinical leaders make a distinct contribution.", "Discussion, para 2") == []


def test_the_compendiums_inference_is_marked_as_such():
    inferred = [m for m in KEY_MESSAGES if m["basis"] == "inferred"]
    assert [m["id"] for m in inferred] == ["more_than_one_tier"]
    assert all(m.get("reason", "").strip() for m in inferred)
    assert all(m["basis"] in ("stated", "inferred") for m in KEY_MESSAGES)


def test_grid_wording_is_no_stronger_than_the_paper():
    """The paper 'associates' contributions with tiers and stages; it never says one 'concentrates' there."""
    from ics_leadership.facts.model_types import CONCENTRATION_EMPHASES
    from ics_leadership.figures.model_page import GRID_KEY

    words = re.compile(r"\b(concentrated|prominent|singles?\b.*\bout)", re.I)
    model = yaml.safe_load((RAW / "model.yaml").read_text(encoding="utf-8"))
    codebook = yaml.safe_load((RAW / "codebook.yaml").read_text(encoding="utf-8"))
    emphases = {
        r["emphasis"] for dim in model["concentration"].values() for c in dim.values() for rs in c.values() for r in rs
    }
    stage_words = {c["by_stage"][s]["emphasis"] for c in codebook["contributions"] for s in c["by_stage"]}
    stage_text = " ".join(c["by_stage"][s]["description"] for c in codebook["contributions"] for s in c["by_stage"])
    assert emphases <= set(CONCENTRATION_EMPHASES) and "associated" in emphases
    assert stage_words == {"associated", "not described"}
    assert not words.search(" ".join([*CONCENTRATION_EMPHASES, GRID_KEY, stage_text]))
    assert "seemed to" in GRID_KEY


# --- the outline against the text ----------------------------------------------------------------


@pytest.mark.skipif(not PAPER_TEXT.is_file(), reason="no copy of the article text (set ICS_PAPER_TEXT)")
def test_outline_matches_the_article_text():
    text = PAPER_TEXT.read_text(encoding="utf-8")
    lines = {line.strip() for line in text.splitlines()}
    for section in OUTLINE["sections"].values():
        assert section["heading"] in lines
        assert all(sub in lines for sub in section.get("subsections", {}))
    assert all(any(line.startswith(f"{h} ") for line in lines) for h in OUTLINE["abstract"])
    assert all(name in text for name in OUTLINE["tables"] + OUTLINE["figures"])
    used = {w: len(re.findall(rf"\b{w}\b", text, re.I)) for w in OUTLINE["ranking_words"]}
    listed = {w: sum(w in ws for ws in OUTLINE["ranking_words_in_paper"].values()) for w in OUTLINE["ranking_words"]}
    assert used == listed


def test_the_model_key_keeps_the_discussions_combining():
    # Discussion para 3 on Figure 1: sources "combine to enable" the contributions, which "further
    # combine to produce" the secondary effects; a key saying each one enables or produces is stronger.
    from ics_leadership.figures.model_page import MODEL_KEY

    assert "combine to enable their primary contributions to system leadership" in MODEL_KEY
    assert "further combine to produce secondary effects in system governance" in MODEL_KEY
