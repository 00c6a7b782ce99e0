"""REFI-QDA import: the real ATLAS.ti export, and one small hand-written project per quirk."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import pytest
import yaml
from lxml import etree

from ics_leadership import cli
from ics_leadership.coding.coded import load_coded
from ics_leadership.coding.mapping import load_for_analysis
from ics_leadership.facts.codebook import load_codebook
from ics_leadership.qda import import_project

import qda_fixtures as fx

ATLAS_MAPPING = fx.EXAMPLES / "mapping.yaml"


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def run_import(src: Path, out: Path, *extra: str) -> dict:
    assert cli.main(["import", str(src), "--out", str(out), *extra]) == 0
    load_coded(out, check_codes=False)  # always canonical
    return yaml.safe_load((out / "corpus.yaml").read_text(encoding="utf-8"))


# --- the ATLAS.ti sample ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def atlas_tree():
    with zipfile.ZipFile(fx.ATLAS) as zf:
        return etree.fromstring(zf.read("Project.qde"))


@pytest.fixture(scope="module")
def atlas_out(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("atlas") / "out"
    import_project(fx.ATLAS, out)
    return out


def test_atlas_sample_counts_by_xpath(atlas_tree):
    """Counted by hand in the file, and checked here with XPath so the fixture cannot drift."""
    ns = {"q": fx.NS}

    def count(xpath: str) -> int:
        return int(atlas_tree.xpath(f"count({xpath})", namespaces=ns))

    assert count("/q:Project/q:Users/q:User") == 3
    assert count("//q:CodeBook//q:Code") == 14
    assert count("/q:Project/q:Sources/*") == 12
    assert count("/q:Project/q:Sources/q:TextSource") == 6
    assert count("/q:Project/q:Sources/q:PDFSource") == 2
    assert count("//q:PlainTextSelection") == 8  # 6 in text sources, 2 in a PDF's Representation
    assert count("//q:PictureSelection") == 1
    assert count("//q:PDFSelection") == 4
    assert count("//q:VideoSelection") == 2
    assert count("//q:Coding") == 16
    assert count("//q:PlainTextSelection/q:Coding") == 9
    assert count("//q:PictureSelection/q:Coding") == 2
    assert count("//q:PDFSelection/q:Coding") == 4
    assert count("//q:VideoSelection/q:Coding") == 1
    assert count("//q:Code[contains(@name, '::')]") == 2


def test_atlas_sample_import(atlas_out):
    meta = yaml.safe_load((atlas_out / "corpus.yaml").read_text(encoding="utf-8"))
    assert meta["synthetic"] is False
    assert meta["source"]["format"] == "refi-qda"
    assert meta["source"]["tool"].startswith("ATLAS.ti 8.4.0")
    assert meta["counts"] == {
        "documents": 8,
        "codings": 9,
        "codes": 14,
        "coders": 1,
        "participants": 0,
        "duplicate_codings_removed": 0,
        "skipped_items": 20,
        "skipped_codings": 7,
        "warnings": 5,
    }
    # The sample keeps no plain texts: offsets stay as exported, unchecked, and the import says so.
    assert meta["import"]["offset_readings"] == {"none": 3, "unknown": 5}
    assert meta["import"]["warnings"][0].startswith(
        "offsets kept as exported (source text missing; reading unknown): 5 documents: '1994 Diet Coke"
    )
    text = (atlas_out / "corpus.yaml").read_text(encoding="utf-8")
    assert "basePath" not in text and "/Users/" not in text and "sebpe" not in text

    coded = load_coded(atlas_out, check_codes=False)
    assert len(coded.documents) == 8 and len(coded.codings) == 9
    assert set(coded.codings["coder"]) == {"Friedrich Markgraf"}
    assert not (atlas_out / "participants.csv").exists()  # the sample has no Cases

    codebook = {r["code"]: r for r in rows(atlas_out / "codebook.csv")}
    assert len(codebook) == 14
    assert codebook["Coke/diet Coke"]["parent"] == "Coke"
    assert codebook["Coke/full-fat Coke"]["description"] == "aka regular"
    assert codebook["Coke"]["description"] == "the breakfast of champions"
    assert codebook["cornflakes"]["codings"] == "2"

    report = rows(atlas_out / "import_report.csv")
    by_what: dict[str, list[dict]] = {}
    for r in report:
        by_what.setdefault(r["what"], []).append(r)
    assert len(by_what["picture selection"]) == 1 and by_what["picture selection"][0]["codings"] == "2"
    assert len(by_what["PDF region selection"]) == 4
    assert sum(int(r["codings"]) for r in by_what["PDF region selection"]) == 4
    assert len(by_what["video selection"]) == 2
    assert len(by_what["source text missing"]) == 8  # the sample's Sources/ folder is empty
    assert len(by_what["selection without codes"]) == 1
    unknown = by_what["offsets kept as exported (source text missing; reading unknown)"]
    assert {r["severity"] for r in unknown} == {"warning"} and len(unknown) == 5
    assert "Simon.docx" in {r["document"] for r in unknown}


def test_atlas_codings_offsets_and_excerpts(atlas_out):
    codings = rows(atlas_out / "codings.csv")
    diet = [r for r in codings if r["code"] == "Coke/diet Coke"]
    assert diet == [
        {
            "document_id": "1994 Diet Coke-Diet Coke Break.docx",
            "start": "139",
            "end": "195",
            "code": "Coke/diet Coke",
            "coder": "Friedrich Markgraf",
            "excerpt": "Oh, that was great. See you tomorrow? Eleven thirty. Mm.",
        }
    ]
    # A renamed quotation ("damage done by fatty foods") is a label, not the text: no excerpt.
    renamed = [r for r in codings if r["document_id"] == "Simon.docx" and r["start"] == "688"]
    assert renamed[0]["excerpt"] == ""
    # Selections on a PDF's Representation are text.
    pdf = [r for r in codings if r["document_id"].startswith("Pay de Limo")]
    assert {(r["start"], r["end"], r["code"]) for r in pdf} == {
        ("62", "69", "waste of time"),
        ("297", "498", "cornflakes"),
    }
    docs = {r["document_id"]: r for r in rows(atlas_out / "documents.csv")}
    assert docs["Simon.docx"]["n_chars"] == "907"  # missing text: the largest offset


def test_atlas_mapping_example_works(atlas_out):
    mapped, report = load_for_analysis(atlas_out, ATLAS_MAPPING, load_codebook())
    assert set(report["status"]) == {"mapped", "ignored by the mapping"}
    assert len(mapped.codings) == 8  # 'waste of time' is ignored
    assert "relational/alliance_building" in set(mapped.codings["code"])
    simon = mapped.documents.set_index("document_id").loc["Simon.docx"]
    assert simon["participant_id"] == "P01" and simon["site"] == "A" and simon["group"] == "clinical"


def test_anonymised_coders_are_stable(tmp_path):
    first = tmp_path / "a"
    second = tmp_path / "b"
    run_import(fx.nvivo_duplicates(tmp_path), first, "--anonymise-coders")
    run_import(fx.nvivo_duplicates(tmp_path), second, "--anonymise-coders")
    assert (first / "codings.csv").read_bytes() == (second / "codings.csv").read_bytes()
    coders = {r["coder"] for r in rows(first / "codings.csv")}
    assert coders == {"coder_1", "coder_2"}  # ordered by user GUID: Anna (1111...) before Ben (2222...)
    text = b"".join((first / n).read_bytes() for n in ("codings.csv", "corpus.yaml", "import_report.csv"))
    assert b"Anna" not in text and b"Ben" not in text
    assert rows(first / "codings.csv")[0]["coder"] == "coder_1"


# --- quirks ------------------------------------------------------------------------------------------


def test_nested_codes_flattened_names_and_every_kind_of_path(tmp_path):
    src = fx.nested_and_paths(tmp_path, tmp_path / "base")
    meta = run_import(src, tmp_path / "out", "--sources", str(tmp_path / "base"))
    codebook = {r["code"]: r for r in rows(tmp_path / "out" / "codebook.csv")}
    assert set(codebook) == {"Top", "Top/Mid", "Top/Mid/Leaf", "Voice", "Voice/Clinical", "Other"}
    assert codebook["Top/Mid/Leaf"]["parent"] == "Top/Mid"
    assert codebook["Top"]["codable"] == "false"
    assert codebook["Voice"]["codable"] == "false"  # implied by "Voice::Clinical"
    assert codebook["Top/Mid/Leaf"]["description"] == "deepest"
    docs = {r["document_id"]: int(r["n_chars"]) for r in rows(tmp_path / "out" / "documents.csv")}
    assert docs == {
        "Interview 1": len(fx.TEXT1),
        "Interview 2": len(fx.TEXT2),
        "Interview 3": len(fx.TEXT3),
        "Inline": len(fx.INLINE),
    }
    excerpts = {(r["document_id"], r["code"], r["coder"]): r["excerpt"] for r in rows(tmp_path / "out" / "codings.csv")}
    assert excerpts[("Interview 1", "Top/Mid/Leaf", "Anna Analyst")] == fx.TEXT1[0:16]
    assert excerpts[("Interview 1", "Voice/Clinical", "Ben Coder")] == fx.TEXT1[0:16]  # coder from the Coding
    assert excerpts[("Interview 2", "Other", "Anna Analyst")] == fx.TEXT2[0:17]  # lower-case sources/
    assert excerpts[("Interview 3", "Other", "Anna Analyst")] == fx.TEXT3[0:10]  # relative:// via --sources
    assert excerpts[("Inline", "Top/Mid/Leaf", "Anna Analyst")] == fx.INLINE[0:6]
    assert str(tmp_path) not in (tmp_path / "out" / "corpus.yaml").read_text(encoding="utf-8")
    assert meta["counts"]["skipped_items"] == 0


def test_relative_path_is_not_read_from_base_path_or_the_project_folder(tmp_path, capsys):
    """basePath comes from the file, so it is never used; nor is the folder the project sits in."""
    src = fx.nested_and_paths(tmp_path, tmp_path / "base")
    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "third.txt").write_text(fx.TEXT3, encoding="utf-8")  # beside the project too
    meta = run_import(src, tmp_path / "out")
    assert "note: 1 source names a file outside the project" in capsys.readouterr().err
    docs = {r["document_id"]: r["n_chars"] for r in rows(tmp_path / "out" / "documents.csv")}
    assert docs["Interview 3"] == "10"  # the largest offset: the text was not read
    assert meta["import"]["relative_sources"].startswith("not read: 1 sources")
    report = [r for r in rows(tmp_path / "out" / "import_report.csv") if r["document"] == "Interview 3"]
    assert [(r["severity"], r["what"]) for r in report] == [
        ("skipped", "source text missing"),
        ("warning", "offsets kept as exported (source text missing; reading unknown)"),
    ]  # unchecked offsets
    assert "'relative://texts/third.txt'" in report[0]["detail"] and "give --sources DIR" in report[0]["detail"]
    assert fx.TEXT3[:10] not in (tmp_path / "out" / "codings.csv").read_text(encoding="utf-8")


def test_pdf_representation_selections_are_text(tmp_path):
    run_import(fx.pdf_representation(tmp_path), tmp_path / "out")
    codings = rows(tmp_path / "out" / "codings.csv")
    assert [(r["document_id"], r["start"], r["end"], r["code"], r["excerpt"]) for r in codings] == [
        ("Report.pdf", "0", "8", "Other", "Page one"),
        ("Report.pdf", "21", "29", "Top/Mid/Leaf", "Page two"),
    ]
    report = rows(tmp_path / "out" / "import_report.csv")
    assert [(r["what"], r["codings"]) for r in report] == [
        ("PDF region selection", "1"),
        ("offsets: every reading agrees", "0"),
    ]


def test_nvivo_duplicate_selections(tmp_path):
    meta = run_import(fx.nvivo_duplicates(tmp_path), tmp_path / "out")
    codings = [(r["code"], r["coder"]) for r in rows(tmp_path / "out" / "codings.csv")]
    assert codings == [("Other", "Anna Analyst"), ("Top/Mid/Leaf", "Anna Analyst"), ("Top/Mid/Leaf", "Ben Coder")]
    assert meta["counts"]["duplicate_codings_removed"] == 1
    assert any(r["what"] == "identical codings removed" for r in rows(tmp_path / "out" / "import_report.csv"))


def test_crlf_drift_is_detected_from_the_recorded_excerpts(tmp_path):
    """Offsets counting each CR LF as one, with selection names that are the text: the names decide,
    and the offsets are converted to the text as stored (CR LF kept as two characters)."""
    meta = run_import(fx.crlf_drift(tmp_path), tmp_path / "out")
    assert meta["import"]["offset_readings"] == {"code_points_crlf_one": 1}
    assert meta["import"]["offset_reading_basis"] == {"recorded excerpts": 1}
    assert rows(tmp_path / "out" / "documents.csv")[0]["n_chars"] == str(len(fx.CRLF_TEXT))
    codings = rows(tmp_path / "out" / "codings.csv")
    assert [r["excerpt"] for r in codings] == ["has the quote", "Third"]
    start = fx.CRLF_TEXT.index("has the quote")
    assert (codings[0]["start"], codings[0]["end"]) == (str(start), str(start + 13))
    report = rows(tmp_path / "out" / "import_report.csv")
    assert [(r["severity"], r["what"]) for r in report] == [("note", "offsets read as code points, CR LF as one")]


def test_crlf_offsets_in_the_raw_text_are_left_alone(tmp_path):
    meta = run_import(fx.crlf_drift(tmp_path, lf_offsets=False), tmp_path / "out")
    assert meta["import"]["offset_readings"] == {"code_points": 1}
    assert rows(tmp_path / "out" / "documents.csv")[0]["n_chars"] == str(len(fx.CRLF_TEXT))
    assert [r["excerpt"] for r in rows(tmp_path / "out" / "codings.csv")] == ["has the quote", "Third"]


def test_missing_source_keeps_codings(tmp_path):
    run_import(fx.missing_source(tmp_path), tmp_path / "out")
    assert rows(tmp_path / "out" / "documents.csv")[0]["n_chars"] == "250"
    excerpts = [r["excerpt"] for r in rows(tmp_path / "out" / "codings.csv")]
    assert excerpts == ["exact excerpt", "Long passage that was cut\u2026", ""]
    report = rows(tmp_path / "out" / "import_report.csv")
    assert report[0]["what"] == "source text missing" and "internal://gone.txt" in report[0]["detail"]


def test_cases_and_variables_become_participants(tmp_path):
    run_import(fx.cases_and_variables(tmp_path), tmp_path / "out")
    people = rows(tmp_path / "out" / "participants.csv")
    assert people == [
        {"participant_id": "P01", "site": "North", "level": "thematic", "age": "52"},
        {"participant_id": "P02", "site": "South", "level": "ward", "age": ""},
    ]  # a level is the study's own word ('ward' too): the canonical format fixes no vocabulary
    docs = rows(tmp_path / "out" / "documents.csv")
    assert [(d["document_id"], d["participant_id"], d["stage"], d["role"], d["attr_Sequence"]) for d in docs] == [
        ("Interview 1", "P01", "early", "", ""),
        ("Interview 2", "P02", "", "GP", "first"),
    ]  # 'first' is not a whole number, so the Sequence variable is kept as an extra column
    kept = [r for r in rows(tmp_path / "out" / "import_report.csv") if r["what"].startswith("attribute kept")]
    assert [(r["item"], r["detail"]) for r in kept] == [
        ("Sequence", "not used as 'sequence': 'first' is not a whole number")
    ]


def test_guids_compare_ignoring_case_and_braces(tmp_path):
    run_import(fx.guid_case(tmp_path), tmp_path / "out")
    codings = [(r["code"], r["coder"]) for r in rows(tmp_path / "out" / "codings.csv")]
    assert codings == [("Top/Mid/Leaf", "Anna Analyst"), ("Other", "Ben Coder")]


def test_bare_qde_with_sources_beside_it(tmp_path):
    run_import(fx.bare_qde(tmp_path), tmp_path / "out")
    assert rows(tmp_path / "out" / "codings.csv")[0]["excerpt"] == fx.TEXT1[:16]


def test_import_is_deterministic(tmp_path):
    src = fx.nested_and_paths(tmp_path, tmp_path / "base")
    run_import(src, tmp_path / "a", "--sources", str(tmp_path / "base"))
    run_import(src, tmp_path / "b", "--sources", str(tmp_path / "base"))
    for name in ("documents.csv", "codings.csv", "codebook.csv", "corpus.yaml", "import_report.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_many_selections_in_one_source(tmp_path):
    """Selections are freed in batches while a long source is read; its inline text must survive."""
    text = "word " * 2000
    body = "".join(fx.selection(i, i + 4, fx.coding(fx.C_OTHER, n=i + 1), i + 1) for i in range(0, 2500 * 4, 4))
    src = fx.write_qdpx(
        tmp_path / "long.qdpx",
        fx.project(
            fx.text_source(fx.S1, "Long", body, content=text)
            + fx.text_source(fx.S2, "Next", fx.selection(0, 4, fx.coding(fx.C_LEAF, n=1), 1), content="next")
        ),
    )
    run_import(src, tmp_path / "out")
    codings = rows(tmp_path / "out" / "codings.csv")
    assert len(codings) == 2501
    assert {r["excerpt"] for r in codings[:2500]} == {"word", "ord ", "rd w", "d wo", " wor"}
    assert codings[-1]["document_id"] == "Next" and codings[-1]["excerpt"] == "next"
    assert rows(tmp_path / "out" / "documents.csv")[0]["n_chars"] == str(len(text))


def test_coding_of_a_whole_source(tmp_path):
    """A Coding directly under a TextSource codes all of it; under a picture it is skipped."""
    sources = (
        fx.text_source(fx.S1, "Interview 1", fx.coding(fx.C_OTHER, fx.U_BEN, n=1), path="internal://one.txt")
        + f'<PictureSource guid="{fx.S2}" name="photo.jpg">{fx.coding(fx.C_OTHER, n=2)}</PictureSource>'
    )
    src = fx.write_qdpx(tmp_path / "whole.qdpx", fx.project(sources), {"Sources/one.txt": fx.TEXT1.encode()})
    run_import(src, tmp_path / "out")
    assert [(r["start"], r["end"], r["coder"], r["excerpt"]) for r in rows(tmp_path / "out" / "codings.csv")] == [
        ("0", str(len(fx.TEXT1)), "Ben Coder", fx.TEXT1)
    ]
    report = [(r["what"], r["document"]) for r in rows(tmp_path / "out" / "import_report.csv")]
    assert ("coding of a whole picture source", "photo.jpg") in report
