r"""import --anonymise (documents, cases and coders), the key file, and privacy warnings."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml

from ics_leadership import cli
from ics_leadership.coding.coded import load_coded
from ics_leadership.qda import import_project

import qda_fixtures as fx

WINDOWS_DOC = "C:\\Users\\jsmith\\Desktop\\int01.docx"
CASES = ("Quentin Blake", "Rosalind Franklin")
DOCS = ("Zelda interview", WINDOWS_DOC)
CODERS = ("Anna Analyst", "Ben Coder")
S_ZELDA, S_WIN = fx.S2, fx.S1  # the Windows-named source has the smaller GUID


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def people_project(tmp_path: Path, name: str = "people.qdpx", reverse: bool = False) -> Path:
    """Two sources in two cases, coded by two users; one source named by a Windows path."""
    cases = (
        "<Cases>"
        f'<Case guid="{fx.guid(2, "CA")}" name="{CASES[0]}"><SourceRef targetGUID="{S_ZELDA}"/></Case>'
        f'<Case guid="{fx.guid(1, "CA")}" name="{CASES[1]}"><SourceRef targetGUID="{S_WIN}"/></Case>'
        "</Cases>"
    )
    sources = [
        fx.text_source(
            S_ZELDA, DOCS[0], fx.selection(0, 16, fx.coding(fx.C_OTHER, fx.U_BEN, n=1), 1), path="internal://one.txt"
        ),
        fx.text_source(
            S_WIN,
            DOCS[1],
            fx.selection(0, 6, fx.coding(fx.C_LEAF, fx.U_ANNA, n=2), 2)
            + fx.selection(0, 6, fx.coding(fx.C_LEAF, fx.U_ANNA, n=3), 3),  # a duplicate: a report row
            path="internal://two.txt",
        ),
    ]
    if reverse:
        sources.reverse()
    return fx.write_qdpx(
        tmp_path / name,
        fx.project("".join(sources), extra_before_sources=cases),
        {"Sources/one.txt": fx.TEXT1.encode(), "Sources/two.txt": fx.TEXT2.encode()},
    )


def all_text(folder: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*")) if p.is_file())


def test_anonymise_leaves_no_original_name_in_the_output(tmp_path, capsys):
    out = tmp_path / "out"
    assert cli.main(["import", str(people_project(tmp_path)), "--out", str(out), "--anonymise"]) == 0
    written = all_text(out)
    for name in (*CASES, *DOCS, *CODERS, "jsmith", "Anna", "Quentin"):
        assert name not in written, name
    docs = {r["document_id"]: r["participant_id"] for r in rows(out / "documents.csv")}
    # By GUID: S1 (the Windows path) is document_1, in case CA...1 (Rosalind), participant_1.
    assert docs == {"document_1": "participant_1", "document_2": "participant_2"}
    assert sorted(r["participant_id"] for r in rows(out / "participants.csv")) == ["participant_1", "participant_2"]
    coded = load_coded(out, check_codes=False)
    assert sorted(zip(coded.codings["document_id"], coded.codings["coder"])) == [
        ("document_1", "coder_1"),
        ("document_2", "coder_2"),
    ]  # U_ANNA 1111... before U_BEN 2222...
    assert list(coded.codings.sort_values("document_id")["excerpt"]) == [fx.TEXT2[:6], fx.TEXT1[:16]]  # untouched
    meta = yaml.safe_load((out / "corpus.yaml").read_text(encoding="utf-8"))
    assert meta["import"]["anonymised"] == ["coders", "documents", "participants"]
    report = rows(out / "import_report.csv")
    assert {(r["what"], r["document"]) for r in report} >= {
        ("identical codings removed", "document_1"),
        ("privacy: document name contains a user name", "document_1"),
    }
    assert not list(tmp_path.glob("*.csv"))  # no key unless asked for
    err = capsys.readouterr().err
    assert "warning: privacy: document name contains a user name: 'document_1'" in err


def test_pseudonyms_are_stable_and_follow_the_tools_ids(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    import_project(people_project(tmp_path), first, anonymise=True, anonymise_key=tmp_path / "k1.csv")
    import_project(
        people_project(tmp_path, "reordered.qdpx", reverse=True),
        second,
        anonymise=True,
        anonymise_key=tmp_path / "k2.csv",
    )
    assert (tmp_path / "k1.csv").read_bytes() == (tmp_path / "k2.csv").read_bytes()
    key = rows(tmp_path / "k1.csv")
    assert [(r["kind"], r["pseudonym"], r["original"]) for r in key] == [
        ("coders", "coder_1", "Anna Analyst"),
        ("coders", "coder_2", "Ben Coder"),
        ("documents", "document_1", WINDOWS_DOC),
        ("documents", "document_2", "Zelda interview"),
        ("participants", "participant_1", "Rosalind Franklin"),
        ("participants", "participant_2", "Quentin Blake"),
    ]
    for name in ("codings.csv", "participants.csv", "documents.csv"):  # the same rows, in input order
        lines = [sorted((folder / name).read_text(encoding="utf-8").splitlines()) for folder in (first, second)]
        assert lines[0] == lines[1], name


def test_key_file_is_refused_inside_out_or_when_it_exists(tmp_path, capsys):
    src = people_project(tmp_path)
    out = tmp_path / "out"
    assert cli.main(["import", str(src), "--out", str(out), "--anonymise", "--anonymise-key", str(out / "k.csv")]) == 1
    assert "may not be inside --out" in capsys.readouterr().err
    assert not out.exists()
    (tmp_path / "k.csv").write_text("mine", encoding="utf-8")
    assert (
        cli.main(["import", str(src), "--out", str(out), "--anonymise", "--anonymise-key", str(tmp_path / "k.csv")])
        == 1
    )
    err = capsys.readouterr().err
    assert (
        err.count("\n") == 2
        and err.endswith(" 1 problem; nothing was written\n")
        and "k.csv: exists; the key file is never overwritten" in err
    )
    assert (tmp_path / "k.csv").read_text(encoding="utf-8") == "mine" and not out.exists()
    assert cli.main(["import", str(src), "--out", str(out), "--anonymise-key", str(tmp_path / "new.csv")]) == 1
    assert "--anonymise-key needs --anonymise" in capsys.readouterr().err
    assert not (tmp_path / "new.csv").exists()


def test_failed_import_leaves_no_key(tmp_path, monkeypatch):
    """The key is written with the output; when the output cannot be moved into place, the key goes too."""
    import os

    def refuse(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)  # the last step of publishing the output folder
    with pytest.raises(OSError, match="disk full"):
        import_project(people_project(tmp_path), tmp_path / "out", anonymise=True, anonymise_key=tmp_path / "k.csv")
    assert not (tmp_path / "k.csv").exists() and not (tmp_path / "out").exists()


def test_anonymise_coders_only_keeps_document_and_case_names(tmp_path):
    out = tmp_path / "out"
    import_project(people_project(tmp_path), out, anonymise="coders")
    written = all_text(out)
    assert CODERS[0] not in written and CODERS[1] not in written
    assert {r["document_id"] for r in rows(out / "documents.csv")} == set(DOCS)
    assert {r["participant_id"] for r in rows(out / "participants.csv")} == set(CASES)


def test_qualcoder_and_canonical_anonymised(tmp_path):
    out = tmp_path / "qc"
    import_project(fx.qualcoder_project(tmp_path), out, anonymise=True)
    written = all_text(out)
    for name in ("Board meeting notes", "Memo", "Dr A", "Dr B", "alice", "bob", "photo.jpg"):
        assert name not in written, name
    plain = tmp_path / "plain"
    import_project(people_project(tmp_path), plain)
    again = tmp_path / "again"
    import_project(plain, again, anonymise=True, anonymise_key=tmp_path / "key.csv")
    written = all_text(again)
    for name in (*CASES, *DOCS, *CODERS, "jsmith"):
        assert name not in written, name
    assert {r["document_id"] for r in rows(again / "documents.csv")} == {"document_1", "document_2"}
    assert {r["original"] for r in rows(tmp_path / "key.csv")} >= set(DOCS)


def test_privacy_warning_for_paths_in_names_and_descriptions(tmp_path, capsys):
    codebook = (
        f'<CodeBook><Codes><Code guid="{fx.C_OTHER}" name="Other" isCodable="true">'
        "<Description>see /home/jsmith/notes.txt</Description></Code>"
        f'<Code guid="{fx.C_LEAF}" name="Leaf" isCodable="true"><Description>and/or, 3/4 of them, '
        "https://example.org/a/b</Description></Code></Codes></CodeBook>"
    )
    src = fx.write_qdpx(
        tmp_path / "p.qdpx",
        fx.project(
            fx.text_source(
                fx.S1, WINDOWS_DOC, fx.selection(0, 6, fx.coding(fx.C_OTHER, n=1), 1), path="internal://one.txt"
            )
            + fx.text_source(
                fx.S2, "Interview 3/4", fx.selection(0, 6, fx.coding(fx.C_LEAF, n=2), 2), path="internal://two.txt"
            ),
            codebook=codebook,
        ),
        {"Sources/one.txt": fx.TEXT1.encode(), "Sources/two.txt": fx.TEXT2.encode()},
    )
    out = tmp_path / "out"
    assert cli.main(["import", str(src), "--out", str(out)]) == 0
    warnings = [
        (r["what"], r["document"], r["item"]) for r in rows(out / "import_report.csv") if r["severity"] == "warning"
    ]
    assert warnings == [
        ("privacy: document name contains a user name", WINDOWS_DOC, ""),
        ("privacy: code description contains a user name", "", "Other"),
    ]
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "warning: privacy: document name contains a user name: 'C:\\Users\\jsmith\\Desktop\\int01.docx' "
        "(rename the document in the project, or import with --anonymise)",
        "warning: privacy: code description contains a user name: 'Other' (edit the description in the project)",
    ]
