"""The synthetic demonstration corpus: deterministic, shaped like the study, and without text."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from ics_leadership.coding import coded
from ics_leadership.core.errors import DataValidationError, OutputError
from ics_leadership.facts import demo_corpus as synthetic  # the paper's demonstration corpus, from data/raw
from ics_leadership.facts.codebook import load_codebook

from conftest import replace_in


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return synthetic.write(tmp_path_factory.mktemp("syn") / "corpus")


def test_same_seed_gives_identical_files(corpus, tmp_path):
    again = synthetic.write(tmp_path / "again")
    for name in ("documents.csv", "codings.csv", "participants.csv", "corpus.yaml"):
        assert (corpus / name).read_bytes() == (again / name).read_bytes(), name
    other = synthetic.write(tmp_path / "other", seed=99)
    assert (other / "codings.csv").read_bytes() != (corpus / "codings.csv").read_bytes()


def test_structure_follows_the_study(corpus):
    data = coded.load_coded(corpus)
    docs = data.documents
    counts = docs["source_type"].value_counts().to_dict()
    assert counts == {"interview": 72, "observation": 28, "follow-up interview": 5}
    clinical = docs[(docs["group"] == "clinical") & (docs["source_type"] == "interview")]
    assert len(clinical) == 25 and clinical.groupby("site").size().to_dict() == {"A": 10, "B": 10, "C": 5}
    assert sorted(docs.loc[docs["source_type"] == "follow-up interview", "participant_id"]) == [
        "CL-B02",
        "CL-B05",
        "CL-B06",
        "CL-B07",
        "CL-C01",
    ]
    assert (docs["group"] == "non-clinical").sum() == 47
    # meetings shared by hours observed (22, 22, 5) with the largest remainder
    assert docs[docs["source_type"] == "observation"].groupby("site").size().to_dict() == {"A": 13, "B": 12, "C": 3}
    assert set(docs.loc[docs["source_type"] == "follow-up interview", "stage"]) == {"later"}


def test_double_coding_and_labels(corpus):
    data = coded.load_coded(corpus)
    assert data.synthetic
    meta = yaml.safe_load((corpus / "corpus.yaml").read_text())
    assert meta["label"] == "Synthetic demonstration data" and meta["synthetic"] is True
    assert meta["counts"]["double_coded_documents"] == 21  # round(0.2 * 105)
    assert set(data.codings["coder"]) == {"coder_1", "coder_2"}


def test_no_text_and_no_quotations(corpus):
    data = coded.load_coded(corpus)
    assert data.codings["excerpt"].isna().all()
    assert "excerpt" in (corpus / "codings.csv").read_text().splitlines()[0]
    assert set(data.codings["code"]) <= set(load_codebook().activity_ids)


def test_agreement_parameter_changes_the_second_coder(tmp_path):
    perfect = coded.load_coded(synthetic.write(tmp_path / "p", agreement=1.0, double_coded_share=0.5)).codings
    first = perfect[perfect["coder"] == "coder_1"]
    second = perfect[perfect["coder"] == "coder_2"]
    double = set(second["document_id"])
    # with full agreement the second coder applies exactly the same codes to the same documents
    assert (
        first[first["document_id"].isin(double)].groupby("document_id")["code"].apply(sorted).to_dict()
        == second.groupby("document_id")["code"].apply(sorted).to_dict()
    )


def test_bad_parameters_and_assumptions(raw_copy):
    with pytest.raises(ValueError, match="agreement must be between 0 and 1"):
        synthetic.generate(agreement=1.5)
    replace_in(
        raw_copy / "synthetic_assumptions.yaml",
        "    source: assumption\n    note: Chosen so that most",
        "    source: assumption\n    note_: Chosen so that most",
    )
    with pytest.raises(DataValidationError) as info:
        synthetic.load_assumptions(raw_copy / "synthetic_assumptions.yaml")
    # The misspelt key is named as unknown; the note it should have been is missing (item at line 74).
    message = str(info.value)
    assert "line 74, field 'assumptions[11].note': an assumption needs a note saying why" in message
    assert "line 78, field 'assumptions[11].note_': unknown field" in message


def test_assumptions_list_every_problem_with_its_line(raw_copy):
    path = raw_copy / "synthetic_assumptions.yaml"
    replace_in(path, "default_seed: 2023", "default_seed: -1")  # line 10
    replace_in(path, '    source: paper\n    location: "Table 1"', '    source: papers\n    location: "Table 1"')  # 17
    replace_in(path, "  - id: follow_up_chars\n", "  - id: interview_chars\n")  # line 50
    replace_in(path, "value: {min: 200, max: 1500}", "value: {min: 2000, max: 1500}")  # line 81
    replace_in(path, "      representation: {early: 1.3,", "      representation: {early: -1.3,")  # line 118
    replace_in(path, "    value: 0.8\n", "    value: 1.8\n")  # agreement, line 132
    replace_in(path, "    note: Coders rarely mark", "    note: ' '\n    location: Coders rarely mark")  # line 139
    with pytest.raises(DataValidationError) as info:
        synthetic.load_assumptions(path)
    assert [(p.line, p.field, p.message) for p in info.value.problems] == [
        (10, "default_seed", "-1 is less than the minimum of 0"),
        (12, "assumptions", "the generator needs these assumptions: follow_up_chars"),
        (17, "assumptions[0].source", "'papers' is not one of: paper, assumption"),
        (50, "assumptions[7].id", "id 'interview_chars' appears twice (first at line 44)"),
        (81, "assumptions[12].value.min", "min must not be above max"),
        (118, "assumptions[19].value.representation.early", "-1.3 is less than the minimum of 0"),
        (132, "assumptions[21].value", "1.8 is greater than the maximum of 1"),
        (139, "assumptions[22].note", "an assumption needs a note saying why"),
    ]


def test_the_generator_takes_its_study_as_arguments():
    """coding.synthetic reads none of the paper's files: a hand-made study shapes the corpus."""
    from ics_leadership.coding import synthetic as generator

    study = generator.StudyShape(
        participants=pd.DataFrame(
            {
                "participant_id": ["P1", "P2"],
                "site": ["A", "A"],
                "level": ["executive", "project"],
                "follow_up": [True, False],
            }
        ),
        non_clinical=3,
        meetings=2,
        hours={"A": 0.0, "B": 4.0, "C": 0.0},
    )
    corpus = generator.generate(study, load_codebook(), synthetic.load_assumptions(), seed=1)
    docs = corpus["documents"]
    assert docs["source_type"].value_counts().to_dict() == {"interview": 5, "observation": 2, "follow-up interview": 1}
    # the 3 non-clinical leaders follow the clinical ones' sites (all in A); meetings follow hours (all in B)
    assert sorted(corpus["participants"]["participant_id"]) == ["NC-A01", "NC-A02", "NC-A03", "P1", "P2"]
    observed = docs[docs["source_type"] == "observation"]
    assert set(observed["site"]) == {"B"} and list(observed["n_chars"]) == [8000, 8000]  # 2 hours x 4000
    assert corpus["metadata"]["counts"]["participants"] == 5


def test_the_out_folder_is_refused_before_raw_data_are_read(tmp_path):
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "mine.txt").write_text("not the corpus's")
    with pytest.raises(OutputError, match="taken: exists and is not empty"):
        synthetic.write(taken, raw_dir=tmp_path / "no_such_raw_dir")
    assert (taken / "mine.txt").read_text() == "not the corpus's"
