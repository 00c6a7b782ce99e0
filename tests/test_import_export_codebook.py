"""export-codebook: a REFI-QDA codebook that validates and round-trips through the REFI importer."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import xmlschema
from lxml import etree

from ics_leadership import cli
from ics_leadership.coding.mapping import load_for_analysis
from ics_leadership.facts.codebook import load_codebook, qda_codes
from ics_leadership.qda import import_project
from ics_leadership.qda.export import Code, code_guid, export_codebook

import qda_fixtures as fx

NS_CODEBOOK = "urn:QDA-XML:codebook:1.0"


@pytest.fixture(scope="module")
def qdc(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("qdc") / "compendium.qdc"
    assert cli.main(["export-codebook", "--out", str(out)]) == 0
    return out


def test_validates_against_the_codebook_schema(qdc):
    xmlschema.XMLSchema(str(fx.FIXTURES / "Codebook.xsd")).validate(str(qdc))


def test_codes_validate_against_the_project_schema(qdc):
    """The same Code elements inside a Project validate against the REFI Project.xsd itself."""
    codes = etree.parse(str(qdc)).getroot().find(f"{{{NS_CODEBOOK}}}Codes")
    text = etree.tostring(codes, encoding="unicode").replace(NS_CODEBOOK, fx.NS)
    project = f'<Project xmlns="{fx.NS}" name="compendium"><CodeBook>{text}</CodeBook></Project>'
    xmlschema.XMLSchema(str(fx.FIXTURES / "Project.xsd")).validate(project)


def test_structure_and_deterministic_guids(qdc, tmp_path):
    book = load_codebook()
    root = etree.parse(str(qdc)).getroot()
    assert root.tag == f"{{{NS_CODEBOOK}}}CodeBook"
    top = root.findall(f"{{{NS_CODEBOOK}}}Codes/{{{NS_CODEBOOK}}}Code")
    assert [c.get("name") for c in top] == book.contribution_ids
    first = top[0]
    assert first.get("guid") == code_guid(book.contribution_ids[0])
    assert first.findtext(f"{{{NS_CODEBOOK}}}Description").startswith(book.contributions[0].label)
    again = tmp_path / "again.qdc"
    assert cli.main(["export-codebook", "--out", str(again)]) == 0
    assert again.read_bytes() == qdc.read_bytes()


def test_round_trip_through_the_refi_importer(qdc, tmp_path):
    out = tmp_path / "imported"
    import_project(qdc, out)
    with (out / "codebook.csv").open(newline="", encoding="utf-8") as fh:
        imported = {r["code"]: r for r in csv.DictReader(fh)}
    book = load_codebook()
    assert set(imported) == set(book.codes)
    for activity in book.activity_ids:
        assert imported[activity]["parent"] == activity.split("/")[0]
    for contribution in book.contribution_ids:
        assert imported[contribution]["parent"] == ""
    # No documents or codings, and the (empty) data load without a mapping.
    coded, report = load_for_analysis(out, None, load_codebook())
    assert report is None and len(coded.codings) == 0


def test_refuses_to_overwrite(qdc, capsys):
    assert cli.main(["export-codebook", "--out", str(qdc)]) == 1
    assert "exists; add --force" in capsys.readouterr().err
    assert cli.main(["export-codebook", "--out", str(qdc), "--force"]) == 0


def test_force_never_replaces_a_file_the_exporter_did_not_write(tmp_path, capsys):
    """--force replaces an earlier export, but a user's document given as --out survives byte for byte."""
    thesis = tmp_path / "my thesis 𝒜.docx"
    thesis.write_bytes(b"PK\x03\x04 chapter one\r\n")
    assert cli.main(["export-codebook", "--out", str(thesis), "--force"]) == 1
    assert "--force replaces only a file this command wrote before" in capsys.readouterr().err
    assert thesis.read_bytes() == b"PK\x03\x04 chapter one\r\n"
    assert not [p for p in tmp_path.iterdir() if p != thesis]  # no temporary sibling left


def test_schema_check_is_real(qdc):
    broken = qdc.read_text(encoding="utf-8").replace('isCodable="true"', "", 1)
    assert not xmlschema.XMLSchema(str(fx.FIXTURES / "Codebook.xsd")).is_valid(broken)


def test_a_project_coded_with_the_export_needs_no_mapping(qdc, tmp_path):
    """Code in a QDA tool with the exported codebook, export the project, import: codes are compendium ids."""
    codes = etree.parse(str(qdc)).getroot().find(f"{{{NS_CODEBOOK}}}Codes")
    codebook = (
        "<CodeBook>" + etree.tostring(codes, encoding="unicode").replace(NS_CODEBOOK, fx.NS) + "</CodeBook>"
    ).replace(f' xmlns="{fx.NS}"', "")
    activity = "representation/critical_challenge"
    body = fx.selection(0, 16, fx.coding(code_guid(activity), n=1), 1)
    src = fx.simple(tmp_path, body=body, codebook=codebook)
    out = tmp_path / "out"
    import_project(src, out)
    coded, report = load_for_analysis(out, None, load_codebook())  # strict: every code must be a compendium code
    assert report is None and list(coded.codings["code"]) == [activity]


# The exporter is generic: any study's codes, not only the compendium's.
ICS_TIERS = [
    Code(
        "system",
        "Integrated care system 🏥: the whole 𝒜rea",
        (
            Code("finance", "Money and contracts", (Code("capital bids", "Bids for buildings"),)),
            Code("workforce"),
        ),
    ),
    Code("place", "Place-based partnership"),
    Code("neighbourhood", "Primary care networks — «local»"),
]


def test_any_codebook_exports_with_guids_from_its_paths(tmp_path):
    out = export_codebook(tmp_path / "ics.qdc", ICS_TIERS)
    xmlschema.XMLSchema(str(fx.FIXTURES / "Codebook.xsd")).validate(str(out))
    root = etree.parse(str(out)).getroot()
    paths = {}
    for element in root.iter(f"{{{NS_CODEBOOK}}}Code"):
        names = [a.get("name") for a in reversed(list(element.iterancestors(f"{{{NS_CODEBOOK}}}Code")))]
        paths["/".join([*names, element.get("name")])] = element
    assert list(paths) == [
        "system",
        "system/finance",
        "system/finance/capital bids",
        "system/workforce",
        "place",
        "neighbourhood",
    ]
    assert paths["system/finance/capital bids"].get("guid") == code_guid("system/finance/capital bids")
    assert len({e.get("guid") for e in paths.values()}) == 6
    assert paths["system"].findtext(f"{{{NS_CODEBOOK}}}Description") == "Integrated care system 🏥: the whole 𝒜rea"
    assert paths["system/workforce"].find(f"{{{NS_CODEBOOK}}}Description") is None  # no empty description

    imported = tmp_path / "imported"
    import_project(out, imported)
    with (imported / "codebook.csv").open(newline="", encoding="utf-8") as fh:
        rows = {r["code"]: r["parent"] for r in csv.DictReader(fh)}
    assert rows == {
        "system": "",
        "system/finance": "system",
        "system/finance/capital bids": "system/finance",
        "system/workforce": "system",
        "place": "",
        "neighbourhood": "",
    }


@pytest.mark.parametrize(
    "codes, message",
    [
        ([Code("a/b")], "code 'a/b': a name is one non-empty path segment"),
        ([Code("top", children=(Code(""),))], "code '' under 'top': a name is one non-empty path segment"),
        ([Code(" padded")], "code ' padded': a name is one non-empty path segment"),
        ([Code("x", children=(Code("y"), Code("y")))], "code 'x/y': appears twice"),
    ],
)
def test_codes_that_cannot_be_told_apart_are_refused(codes, message, tmp_path):
    with pytest.raises(ValueError, match=message):
        export_codebook(tmp_path / "bad.qdc", codes)
    assert not (tmp_path / "bad.qdc").exists()


def test_the_papers_codebook_as_generic_codes():
    codes = qda_codes(load_codebook())
    assert [c.name for c in codes] == [
        "analytical_insight",
        "representation",
        "translating_communicating",
        "relational",
    ]
    assert [a.name for a in codes[0].children] == ["evidence_and_data", "historical_tensions", "feasible_priorities"]
    assert codes[0].description.startswith("Analytical insight. ")
    assert codes[0].description.endswith(
        " (Waring et al. 2023, Results, Analytical insight, paras 1-2; Abstract (Results paragraph))"
    )
