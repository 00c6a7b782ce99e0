"""Loading and validating data/raw: the real files load; bad input gives errors naming file, row, field."""

from __future__ import annotations

import pytest

from ics_leadership.core.errors import DataValidationError
from ics_leadership.facts import raw

from conftest import replace_in


def test_real_raw_data_loads_and_is_typed():
    data = raw.load_raw()
    p = data.participants
    assert len(p) == 25
    assert p["participant_id"].is_unique
    assert str(p["follow_up"].dtype) == "boolean"
    assert set(p["level"]) == {"executive", "thematic", "project"}
    assert data.observations["hours"].sum() == 49
    assert data.study["non_clinical_leaders"].values == [47, 47]
    assert data.study.citation["doi"] == "10.1136/leader-2022-000709"


def _error(raw_dir) -> str:
    with pytest.raises(DataValidationError) as info:
        raw.load_raw(raw_dir)
    return str(info.value)


def test_missing_column_is_named(raw_copy):
    path = raw_copy / "participants.csv"
    lines = path.read_text().splitlines()
    # drop the 'level' column (third) from every line
    path.write_text("\n".join(",".join(c for i, c in enumerate(line.split(",")) if i != 2) for line in lines) + "\n")
    message = _error(raw_copy)
    assert "participants.csv, field 'level': required column is missing" in message


def test_unknown_level_names_row_and_field(raw_copy):
    replace_in(raw_copy / "participants.csv", "CL-A03,A,thematic", "CL-A03,A,regional")
    message = _error(raw_copy)
    assert (
        "participants.csv, row 3 (line 4), field 'level': 'regional' is not one of: executive, thematic, project"
        in message
    )


def test_duplicate_id_names_both_rows(raw_copy):
    replace_in(raw_copy / "participants.csv", "CL-A02,A,executive", "CL-A01,A,executive")
    message = _error(raw_copy)
    assert "row 2 (line 3), field 'participant_id': duplicate value 'CL-A01' (first in row 1)" in message


def test_bad_boolean_and_blank_required_field(raw_copy):
    replace_in(raw_copy / "participants.csv", "true\nCL-B03", "maybe\nCL-B03")
    replace_in(raw_copy / "participants.csv", "CL-C04,C,project,Community Nursing Lead", "CL-C04,C,project,")
    message = _error(raw_copy)
    assert "row 12 (line 13), field 'follow_up': 'maybe' is not a boolean" in message
    assert "row 24 (line 25), field 'role': is blank but required" in message


def test_ragged_row_is_reported(raw_copy):
    replace_in(raw_copy / "observations.csv", "C,5,,", "C,5,")
    assert "observations.csv, row 3 (line 4): has 3 fields, the header has 4" in _error(raw_copy)


def test_problems_in_several_files_are_all_reported(raw_copy):
    replace_in(raw_copy / "participants.csv", "CL-A03,A,thematic", "CL-A03,D,thematic")
    replace_in(raw_copy / "observations.csv", "A,22,", "A,lots,")
    message = _error(raw_copy)
    assert "participants.csv, row 3 (line 4), field 'site': 'D' is not one of: A, B, C" in message
    assert "observations.csv, row 1 (line 2), field 'hours': 'lots' is not a number" in message


def test_observed_site_without_participants(raw_copy):
    path = raw_copy / "participants.csv"
    path.write_text("".join(line for line in path.read_text().splitlines(True) if not line.startswith("CL-C")))
    assert "observations.csv, row 3 (line 4), field 'site': site 'C' has no participants" in _error(raw_copy)


def test_study_fact_without_location(raw_copy):
    replace_in(raw_copy / "study.yaml", '{value: 47, location: "Abstract (Methods paragraph)"}', "{value: 47}")
    message = _error(raw_copy)
    # The line of the report without a location (the schema's problems point at their node).
    line = 1 + (raw_copy / "study.yaml").read_text().splitlines().index("      - {value: 47}")
    assert f"study.yaml, line {line}, field 'facts.non_clinical_leaders.reports[0].location': required" in message


def test_study_yaml_syntax_error_gives_line(raw_copy):
    replace_in(raw_copy / "study.yaml", "  clinical_leaders:\n", "  clinical_leaders: [\n")
    message = _error(raw_copy)
    assert "study.yaml: not valid YAML at line" in message


def test_missing_citation_key(raw_copy):
    replace_in(raw_copy / "study.yaml", "  doi: 10.1136/leader-2022-000709\n", "")
    assert "field 'citation.doi': required field is missing" in _error(raw_copy)


def test_not_utf8(raw_copy):
    (raw_copy / "participants.csv").write_bytes(b"participant_id,site\n\xff\xfe,A\n")
    assert "participants.csv: not valid UTF-8 text" in _error(raw_copy)
