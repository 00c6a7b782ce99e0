"""Canonical coded data: the codebook, the loader's cross-checks, and code mapping."""

from __future__ import annotations

import pytest

from ics_leadership.coding import coded, mapping
from ics_leadership.core.errors import DataValidationError
from ics_leadership.facts.codebook import load_codebook

from coded_fixture import coding, doc, make_coded
from conftest import replace_in

VOICE = "representation/clinical_voice"


def test_codebook_has_the_papers_four_contributions_and_their_activities():
    cb = load_codebook()
    assert cb.contribution_ids == ["analytical_insight", "representation", "translating_communicating", "relational"]
    assert [len(c.activities) for c in cb.contributions] == [3, 3, 3, 4]
    assert cb.contribution_of("relational/mediating_conflict") == "relational"
    for c in cb.contributions:
        assert c.location and all(a.location.startswith("Results, ") for a in c.activities)
        assert set(c.by_level) == {"executive", "thematic", "project"} and set(c.by_stage) == {"early", "later"}
    matrix = cb.framework_matrix()
    assert matrix.shape == (4, 3) and "(Results, Representation, para 1)" in matrix.loc["Representation", "Thematic"]


def test_codebook_errors_name_the_field(raw_copy):
    path = raw_copy / "codebook.yaml"
    replace_in(path, "      - id: framing\n", "      - id: translation\n")
    replace_in(path, '        location: "Results, Relational activities, para 2 (fourth form)"\n', "")
    with pytest.raises(DataValidationError) as info:
        load_codebook(path)
    message = str(info.value)
    # Fields are YAML paths with list positions: contributions[2] is translating_communicating.
    assert (
        "line 142, field 'contributions[2].activities[1].id': activity id 'translation' appears twice "
        "(first at line 138)" in message
    )
    assert "line 189, field 'contributions[3].activities[3].location': required field is missing" in message


def test_codebook_lists_every_problem_with_its_line(raw_copy):
    path = raw_copy / "codebook.yaml"
    replace_in(path, "  project:\n    label: Project\n", "  projects:\n    label: Project\n")  # line 18
    replace_in(path, "        emphasis: not described\n", "        emphasis: absent\n")  # line 56
    replace_in(path, "  - id: representation\n", "  - id: Representation\n")  # line 73
    replace_in(path, "  - id: relational\n", "  - id: analytical_insight\n")  # line 151
    replace_in(path, "    label: Relational activities\n", "    label: ' '\n")  # line 152
    with pytest.raises(DataValidationError) as info:
        load_codebook(path)
    assert [(p.line, p.field, p.message) for p in info.value.problems] == [
        (9, "levels.project", "required field is missing"),
        (18, "levels.projects", "'projects' is not one of: executive, thematic, project"),
        (56, "contributions[0].by_stage.later.emphasis", "'absent' is not one of: associated, not described"),
        (73, "contributions[1].id", "ids are lower_snake_case (a-z, 0-9, _; starting with a letter)"),
        (151, "contributions[3].id", "contribution id 'analytical_insight' appears twice (first at line 34)"),
        (152, "contributions[3].label", "must not be blank"),
    ]


def test_codebook_schema_speaks_the_papers_vocabulary():
    from ics_leadership.core.yamlschema import load_schema
    from ics_leadership.facts.vocabulary import LEVELS, STAGES

    defs = load_schema("codebook")["$defs"]
    assert tuple(defs["level_key"]["enum"]) == LEVELS
    assert tuple(defs["stage_key"]["enum"]) == STAGES


def _load(tmp_path, documents, codings, participants=None):
    return coded.load_coded(make_coded(tmp_path / "c", documents, codings, participants), load_codebook())


def _error(tmp_path, documents, codings, participants=None) -> str:
    with pytest.raises(DataValidationError) as info:
        _load(tmp_path, documents, codings, participants)
    return str(info.value)


def test_valid_coded_data_resolves_attributes_from_participants(tmp_path):
    data = _load(
        tmp_path,
        [doc("D1", 100, "P1"), doc("O1", 50, source_type="observation", site="X", level="project")],
        [coding("D1", 0, 10, VOICE)],
        [{"participant_id": "P1", "site": "X", "level": "thematic"}],
    )
    assert data.documents.set_index("document_id").loc["D1", ["site", "level"]].tolist() == ["X", "thematic"]
    assert data.documents["sequence"].tolist() == [1, 2]
    assert not data.synthetic


@pytest.mark.parametrize(
    "codings, expected",
    [
        ([coding("D9", 0, 10, VOICE)], "codings.csv, row 1 (line 2), field 'document_id': unknown document 'D9'"),
        (
            [coding("D1", 0, 10, "leadership")],
            "field 'code': unknown code 'leadership' (1 coding; not in the codebook): map it",
        ),
        ([coding("D1", 30, 30, VOICE)], "field 'end': end (30) is not after start (30)"),
        ([coding("D1", 40, 20, VOICE)], "field 'end': end (20) is not after start (40)"),
        (
            [coding("D1", 90, 101, VOICE)],
            "field 'end': span [90, 101) goes beyond the end of document 'D1' (100 characters)",
        ),
        (
            [coding("D1", 0, 10, VOICE), coding("D1", 0, 10, VOICE)],
            "codings.csv, row 2 (line 3): duplicate coding (same document, span, code and coder as row 1)",
        ),
        ([coding("D1", 0, 10, VOICE, coder="")], "row 1 (line 2), field 'coder': is blank but required"),
        ([coding("D1", -1, 10, VOICE)], "field 'start': -1 is below the minimum 0"),
    ],
)
def test_each_coding_problem_is_named(tmp_path, codings, expected):
    assert expected in _error(tmp_path, [doc("D1", 100, "P1")], codings)


def test_unknown_participant(tmp_path):
    message = _error(tmp_path, [doc("D1", 100, "P7")], [coding("D1", 0, 10, VOICE)], [{"participant_id": "P1"}])
    assert "documents.csv, row 1 (line 2), field 'participant_id': unknown participant 'P7'" in message


def test_missing_coder_column(tmp_path):
    folder = make_coded(tmp_path / "c", [doc("D1")], [coding("D1", 0, 10, VOICE)])
    path = folder / "codings.csv"
    path.write_text("\n".join(",".join(line.split(",")[:4]) for line in path.read_text().splitlines()) + "\n")
    with pytest.raises(DataValidationError, match="codings.csv, field 'coder': required column is missing"):
        coded.load_coded(folder)


def test_mapping_reports_unmapped_and_ignored_codes(tmp_path):
    folder = make_coded(
        tmp_path / "c",
        [doc("D1", 100, "P1")],
        [
            coding("D1", 0, 10, "Voice"),
            coding("D1", 20, 30, "Admin"),
            coding("D1", 40, 50, "Odd"),
            coding("D1", 60, 70, "Voice (old)"),
        ],
    )
    (tmp_path / "map.yaml").write_text(
        "codes:\n  Voice: representation/clinical_voice\n  'Voice (old)': representation/clinical_voice\n"
        "  Admin: ignore\ndocuments:\n  D1: {site: North, level: project}\n"
    )
    data, report = mapping.load_for_analysis(folder, tmp_path / "map.yaml", load_codebook())
    assert report.set_index("project code")["status"].to_dict() == {
        "Admin": "ignored by the mapping",
        "Odd": "unmapped",
        "Voice": "mapped",
        "Voice (old)": "mapped",
    }
    assert data.codings["code"].tolist() == [VOICE, VOICE]
    assert data.documents.loc[0, "level"] == "project"


def test_mapping_to_an_unknown_compendium_code_is_an_error(tmp_path):
    (tmp_path / "map.yaml").write_text(
        "codes:\n  Voice: representation/voice\ndocuments:\n  D1: {level: board, source_type: memo, stage: [a]}\n"
    )
    with pytest.raises(DataValidationError) as info:
        mapping.load_mapping(tmp_path / "map.yaml", load_codebook())
    assert "field 'codes.Voice': 'representation/voice' is not a compendium code (or 'ignore')" in str(info.value)
    # A level is the study's own word ('board' is fine); the kind of document is the format's.
    assert "documents.D1.level" not in str(info.value)
    assert "field 'documents.D1.source_type': 'memo' is not one of: interview, follow-up interview" in str(info.value)
    assert "line 4, field 'documents.D1.stage': must be text (a name or a number), not blank" in str(info.value)
