"""YAML validated against JSON Schema: all problems, each with its line and field."""

from __future__ import annotations

import pytest

from ics_leadership.core.errors import DataValidationError
from ics_leadership.core.yamlschema import dictionary, load_schema, parse_document, read_document, schema_problems

STUDY = """\
citation:
  authors: [Waring J]
  title: T
  journal: J
  year: 2023
  volume: 7
  issue: 4
  pages: 1-2
  doi: x
  licence: CC BY 4.0
facts:
  people:
    label: People
    unit: people
    reports:
      - {value: 24, location: "Abstract"}
"""


def _problems(text: str) -> list[str]:
    return [str(p) for p in schema_problems(parse_document(text, "study.yaml"), "study")]


def test_valid_document_has_no_problems():
    assert _problems(STUDY) == []


def test_every_problem_is_listed_with_its_line_and_field():
    text = STUDY.replace("  year: 2023\n", "  year: soon\n").replace('{value: 24, location: "Abstract"}', "{value: 24}")
    text += "  Bad-Id:\n    label: x\n    unit: y\n    reports: []\n"
    assert _problems(text) == [
        "study.yaml, line 5, field 'citation.year': must be a whole number (found text)",
        "study.yaml, line 16, field 'facts.people.reports[0].location': required field is missing",
        "study.yaml, line 17, field 'facts.Bad-Id': fact ids are lower_snake_case",
        "study.yaml, line 20, field 'facts.Bad-Id.reports': needs at least one entry",
    ]


def test_each_missing_field_is_reported_once():
    text = STUDY.replace("  title: T\n", "").replace("  journal: J\n", "").replace("  doi: x\n", "")
    assert _problems(text) == [
        "study.yaml, line 1, field 'citation.doi': required field is missing",
        "study.yaml, line 1, field 'citation.journal': required field is missing",
        "study.yaml, line 1, field 'citation.title': required field is missing",
    ]


def test_unknown_field_points_at_the_key():
    text = STUDY.replace("    unit: people\n", "    unit: people\n    units: people\n")
    assert _problems(text) == [
        "study.yaml, line 15, field 'facts.people.units': unknown field (allowed: label, reports, unit)"
    ]


def test_duplicate_key_is_an_error_not_silently_the_last():
    text = STUDY.replace("  year: 2023\n", "  year: 2023\n  year: 2024\n")
    with pytest.raises(DataValidationError) as err:
        parse_document(text, "study.yaml")
    assert str(err.value) == (
        "study.yaml, line 6, field 'citation.year': key appears twice in one mapping (first at line 5); "
        "YAML would keep only the last"
    )


def test_lines_count_the_same_with_crlf_and_astral_characters(tmp_path):
    text = STUDY.replace("title: T", "title: 𝒜 study 😀").replace("  year: 2023\n", "  year: [2023]\n")
    path = tmp_path / "odd name 𝒜" / "study.yaml"
    path.parent.mkdir()
    path.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    doc = read_document(path)
    assert doc.data["citation"]["title"] == "𝒜 study 😀"
    [problem] = schema_problems(doc, "study")
    assert (problem.line, problem.field, problem.message) == (
        5,
        "citation.year",
        "must be a whole number (found a list)",
    )


def test_syntax_error_names_line_and_column():
    with pytest.raises(DataValidationError) as err:
        parse_document("a: [1, 2\nb: 3\n", "x.yaml")
    assert str(err.value).startswith("x.yaml: not valid YAML at line 2, column 2")


def test_not_a_mapping_at_the_top():
    assert _problems("- just\n- a list\n") == ["study.yaml, line 1: must be a mapping (found a list)"]


def test_unsafe_tags_are_refused():
    with pytest.raises(DataValidationError, match="not valid YAML"):
        parse_document("a: !!python/object/apply:os.system ['echo hi']\n", "x.yaml")


def test_missing_and_non_utf8_files(tmp_path):
    with pytest.raises(DataValidationError, match="file not found"):
        read_document(tmp_path / "nope.yaml")
    (tmp_path / "latin1.yaml").write_bytes("title: caf\xe9\n".encode("latin-1"))
    with pytest.raises(DataValidationError, match="not valid UTF-8"):
        read_document(tmp_path / "latin1.yaml")


def test_dictionary_lists_fields_from_the_schema():
    table = dictionary("study")
    rows = table.set_index("field")
    assert rows.loc["citation.doi", "required"] == "yes"
    assert rows.loc["citation.licence_url", "required"] == "no"
    assert rows.loc["facts.<fact id>.reports", "type"] == "list"
    assert rows.loc["facts.<fact id>.reports[].location", "description"].startswith("Where the paper states it")
    assert "facts.<fact id>.reports[]" not in rows.index  # a list of mappings has no row of its own


def test_every_shipped_schema_is_a_valid_draft_2020_12_schema():
    from importlib import resources

    names = [
        p.name.removesuffix(".schema.json") for p in resources.files("ics_leadership").joinpath("schemas").iterdir()
    ]
    assert "study" in names
    for name in names:
        load_schema(name)  # raises SchemaError if the schema itself is malformed
