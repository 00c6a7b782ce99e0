"""Mapping files and corpus.yaml checked against their schemas: every problem, with line and field.

corpus.yaml is written by the importers and the synthetic generator, and by hand for one's own data:
the schema accepts what every writer writes today and wrote before, and refuses a key it does not
know (a misspelt ``synthetic`` must not be silently ignored).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ics_leadership.coding.coded import load_coded
from ics_leadership.coding.format import SOURCE_TYPES
from ics_leadership.coding.mapping import load_mapping
from ics_leadership.core.csvformat import KNOWN_VERSIONS
from ics_leadership.core.errors import DataValidationError
from ics_leadership.core.yamlschema import dictionary, load_schema, read_document, schema_problems
from ics_leadership.facts import demo_corpus
from ics_leadership.facts.codebook import load_codebook
from ics_leadership.qda import import_project

import qda_fixtures as fx
from coded_fixture import coding, doc, make_coded

OLD_CORPUS = Path(__file__).parent / "fixtures" / "old_corpus"

BROKEN_MAPPING = """\
format_version: 2
demonstration: maybe
codes:
  Voice: representation/voice
  'Bad\\x': ignore
  Admin: 3
documents:
  D1: {site: North, source_type: podcast, sequence: first}
  D2:
    participant_id: [a, b]
    siet: South
  D3: just text
participants:
  P1: {group: "  ", stage: early}
notes: hello
"""


def _problems(exc: DataValidationError) -> list[tuple[int | None, str | None, str]]:
    return [(p.line, p.field, p.message) for p in exc.problems]


def test_mapping_lists_every_problem_with_its_line(tmp_path):
    (tmp_path / "mapping.yaml").write_text(BROKEN_MAPPING, encoding="utf-8")
    with pytest.raises(DataValidationError) as info:
        load_mapping(tmp_path / "mapping.yaml", load_codebook())
    assert _problems(info.value) == [
        (2, "demonstration", "must be true or false (found text)"),
        (4, "codes.Voice", "'representation/voice' is not a compendium code (or 'ignore')"),
        (
            5,
            "codes.Bad\\x",
            r"code path 'Bad\x': '\x' is not an escape (inside a name write '\/' for '/' and '\\' for '\')",
        ),
        (6, "codes.Admin", "must be text (found a whole number)"),
        (8, "documents.D1.sequence", "must be a whole number (found text)"),
        (8, "documents.D1.source_type", "'podcast' is not one of: interview, follow-up interview, observation, other"),
        (10, "documents.D2.participant_id", "must be text (a name or a number), not blank"),
        (11, "documents.D2.siet", "unknown field (allowed: level, participant_id, sequence, site, source_type, stage)"),
        (12, "documents.D3", "must be a mapping (found text)"),
        (14, "participants.P1.group", "must be text (a name or a number), not blank"),
        (14, "participants.P1.stage", "unknown field (allowed: group, level, site)"),
        (15, "notes", "unknown field (allowed: codes, demonstration, documents, format_version, participants)"),
    ]


def test_mapping_in_an_odd_path_with_crlf_and_astral_characters(tmp_path):
    folder = tmp_path / "my mappings 𝒜"
    folder.mkdir()
    path = folder / "mapping 😀.yaml"
    text = (
        "# a comment\n"
        "codes:\n"
        "  'Émotions 😀/𝒜 code': relational\n"
        "  'Émotions 😀/other': relational/no_such_activity\n"
        "documents:\n"
        "  'Entretien 😀': {site: Nord 𝒜, sequence: 2}\n"
    )
    path.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    with pytest.raises(DataValidationError) as info:
        load_mapping(path, load_codebook())
    [problem] = info.value.problems
    assert (problem.line, problem.field) == (4, "codes.Émotions 😀/other")
    assert problem.file.endswith("my mappings 𝒜/mapping 😀.yaml")
    path.write_bytes(text.replace("/no_such_activity", "").replace("\n", "\r\n").encode("utf-8"))
    mapping = load_mapping(path, load_codebook())
    assert mapping.codes == {"Émotions 😀/𝒜 code": "relational", "Émotions 😀/other": "relational"}
    assert mapping.documents == {"Entretien 😀": {"site": "Nord 𝒜", "sequence": 2}}
    assert (mapping.participants, mapping.demonstration, mapping.format_version) == ({}, False, 1)


def _folder(tmp_path: Path, corpus: str | None) -> Path:
    folder = make_coded(tmp_path / "coded", [doc("D1", 100)], [coding("D1", 0, 10, "relational")])
    if corpus is None:
        (folder / "corpus.yaml").unlink()
    else:
        (folder / "corpus.yaml").write_text(corpus, encoding="utf-8")
    return folder


def test_corpus_yaml_lists_every_problem_with_its_line_and_the_tables_too(tmp_path):
    folder = _folder(
        tmp_path,
        "format_version: 3\n"
        "synthetc: true\n"
        "synthetic: 'no'\n"
        "description: ''\n"
        "agreement: 1.5\n"
        "assumptions_sha256: abc\n"
        "source: refi-qda\n"
        "counts:\n"
        "  documents: -1\n"
        "  codings: 1\n",
    )
    (folder / "codings.csv").write_text("document_id,start,end,code,coder\nD1,x,10,relational,A\n")
    with pytest.raises(DataValidationError) as info:
        load_coded(folder)
    assert _problems(info.value) == [
        (
            1,
            "format_version",
            "not a format version this version of ics-leadership reads (1 or 2); update ics-leadership",
        ),
        (
            2,
            "synthetc",
            "unknown field (allowed: agreement, assumptions_sha256, counts, demonstration, description, "
            "double_coded_share, format_version, import, label, seed, source, synthetic)",
        ),
        (3, "synthetic", "must be true or false (found text)"),
        (4, "description", "must be text, not blank"),
        (5, "agreement", "1.5 is greater than the maximum of 1"),
        (6, "assumptions_sha256", "expected a SHA-256 checksum (64 hexadecimal digits)"),
        (7, "source", "must be a mapping (found text)"),
        (9, "counts.documents", "-1 is less than the minimum of 0"),
        (None, "start", "'x' is not a whole number"),
    ]
    assert info.value.problems[-1].file.endswith("codings.csv") and info.value.problems[-1].row == 1


def test_a_hand_written_corpus_yaml_as_the_book_describes_it(tmp_path):
    folder = _folder(tmp_path, "format_version: 2\nsynthetic: false\ndescription: Interviews with ward leads\n")
    data = load_coded(folder)
    assert (data.synthetic, data.format_version, data.description) == (False, 2, "Interviews with ward leads")
    assert load_coded(_folder(tmp_path / "none", None)).metadata == {}
    assert load_coded(_folder(tmp_path / "empty", "")).metadata == {}


@pytest.mark.parametrize("name", ["import_b2eddc2.yaml", "synthetic_d95cc8e.yaml"])
def test_corpus_yaml_written_by_earlier_versions_still_loads(tmp_path, name):
    """Written by the importer and the generator of the first commits (no format_version yet)."""
    data = load_coded(_folder(tmp_path, (OLD_CORPUS / name).read_text(encoding="utf-8")))
    assert data.format_version == 1
    assert data.synthetic is name.startswith("synthetic")


def test_what_the_writers_write_today_is_valid(tmp_path):
    import_project(fx.ATLAS, tmp_path / "atlas")
    synthetic = demo_corpus.write(tmp_path / "synthetic")
    for folder in (tmp_path / "atlas", synthetic):
        assert schema_problems(read_document(folder / "corpus.yaml"), "corpus") == []
    assert load_coded(synthetic).synthetic is True


def test_schemas_agree_with_the_code():
    for name in ("corpus", "mapping"):
        assert tuple(load_schema(name)["properties"]["format_version"]["then"]["enum"]) == KNOWN_VERSIONS
    attributes = load_schema("mapping")["properties"]["documents"]["additionalProperties"]["properties"]
    assert tuple(attributes["source_type"]["enum"]) == SOURCE_TYPES


@pytest.mark.parametrize("name", ["corpus", "mapping"])
def test_dictionary_describes_every_field(name):
    rows = dictionary(name)
    assert (rows["description"].str.len() > 5).all(), rows.loc[rows["description"].str.len() <= 5, "field"].tolist()
    assert {"corpus": "synthetic", "mapping": "documents.<document id>.source_type"}[name] in set(rows["field"])
