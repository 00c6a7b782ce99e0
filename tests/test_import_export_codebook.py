"""export-codebook: a REFI-QDA codebook that validates and round-trips through the REFI importer."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import xmlschema
from lxml import etree

import qda_fixtures as fx
from ics_leadership import cli
from ics_leadership.coding.mapping import load_for_analysis
from ics_leadership.facts.codebook import load_codebook
from ics_leadership.qda import import_project
from ics_leadership.qda.export import code_guid

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
    coded, report = load_for_analysis(out)
    assert report is None and len(coded.codings) == 0


def test_refuses_to_overwrite(qdc, capsys):
    assert cli.main(["export-codebook", "--out", str(qdc)]) == 1
    assert "exists; add --force" in capsys.readouterr().err
    assert cli.main(["export-codebook", "--out", str(qdc), "--force"]) == 0


def test_schema_check_is_real(qdc):
    broken = qdc.read_text(encoding="utf-8").replace('isCodable="true"', "", 1)
    assert not xmlschema.XMLSchema(str(fx.FIXTURES / "Codebook.xsd")).is_valid(broken)


def test_a_project_coded_with_the_export_needs_no_mapping(qdc, tmp_path):
    """Code in a QDA tool with the exported codebook, export the project, import: codes are compendium ids."""
    codes = etree.parse(str(qdc)).getroot().find(f"{{{NS_CODEBOOK}}}Codes")
    codebook = ("<CodeBook>" + etree.tostring(codes, encoding="unicode").replace(NS_CODEBOOK, fx.NS)
                + "</CodeBook>").replace(f' xmlns="{fx.NS}"', "")
    activity = "representation/critical_challenge"
    body = fx.selection(0, 16, fx.coding(code_guid(activity), n=1), 1)
    src = fx.simple(tmp_path, body=body, codebook=codebook)
    out = tmp_path / "out"
    import_project(src, out)
    coded, report = load_for_analysis(out)  # strict: every code must be a compendium code
    assert report is None and list(coded.codings["code"]) == [activity]
