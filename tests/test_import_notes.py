"""import --notes: notes and memos of REFI-QDA and QualCoder projects as notes.csv, and --anonymise on them."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import pytest
import yaml

from ics_leadership import cli
from ics_leadership.coding.coded import load_coded
from ics_leadership.core.csvformat import unprotect

import qda_fixtures as fx

U_CAROL = "33333333-3333-4333-8333-333333333333"  # writes a note, codes nothing
CASE = fx.guid(1, "CA")
# Note GUIDs, numbered note_1 ... note_8 in this order; N_GONE names no note.
N_PROJ, N_SRC, N_CODE, N_SEL, N_FREE, N_CASE, N_LINK, N_CODING = (fx.guid(n, "F") for n in range(1, 9))
N_GONE = fx.guid(99, "F")

# Two characters beyond U+FFFF and CR LFs: NVivo's offsets (UTF-16 units) run 2 ahead after the 𝒜.
TEXT = "Intro 😀 and 𝒜 here.\r\nThe GP lead spoke.\r\nEnd."
GP = (21, 32)  # "The GP lead" in code points; UTF-16 units: (23, 34)
END = (41, 45)  # "End."; UTF-16 units: (43, 47)
SOURCE_NOTE = "Source memo 😀 𝒜\r\nline two"


def project_xml(extra_ref: str = "", notes_prolog: str = "", note_body: str = "") -> str:
    users = (
        f'<Users><User guid="{fx.U_ANNA}" name="Anna Analyst"/><User guid="{fx.U_BEN}" name="Ben Coder"/>'
        f'<User guid="{U_CAROL}" name="Carol Chair"/></Users>'
    )
    codebook = fx.codebook_xml().replace(
        f'<Code guid="{fx.C_OTHER}" name="Other" isCodable="true"/>',
        f'<Code guid="{fx.C_OTHER}" name="Other" isCodable="true"><NoteRef targetGUID="{N_CODE}"/></Code>',
    )
    cases = f'<Cases><Case guid="{CASE}" name="Quentin Blake"><SourceRef targetGUID="{fx.S1}"/>' + (
        f'<NoteRef targetGUID="{N_CASE}"/></Case></Cases>'
    )
    coding = (
        f'<Coding guid="{fx.guid(1, "D")}" creatingUser="{fx.U_ANNA}"><CodeRef targetGUID="{fx.C_LEAF}"/>'
        f'<NoteRef targetGUID="{N_CODING}"/></Coding>'
    )
    source = (
        f'<TextSource guid="{fx.S1}" name="Interview 1" plainTextPath="internal://one.txt">'
        f'<PlainTextSelection guid="{fx.guid(1, "E")}" startPosition="23" endPosition="34">{coding}'
        f'<NoteRef targetGUID="{N_SEL}"/></PlainTextSelection>'
        f'<PlainTextSelection guid="{fx.guid(2, "E")}" startPosition="43" endPosition="47"/>'
        f'<NoteRef targetGUID="{N_SRC}"/>{extra_ref}</TextSource>'
    )

    def note(guid: str, name: str, text: str, user: str = fx.U_BEN, attrs: str = "") -> str:
        return (
            f'<Note guid="{guid}" name="{name}" creatingUser="{user}" {attrs}>'
            + (f"<PlainTextContent>{text}</PlainTextContent>" if text else "")
            + "</Note>"
        )

    notes = "".join(
        [
            note(
                N_PROJ, "Project plan", "Plan:&#13;\nask Anna Analyst.", attrs='creationDateTime="2024-05-01T10:00:00Z"'
            ),
            note(N_SRC, "About the source", "", U_CAROL, 'plainTextPath="internal://n2.txt"'),
            note(N_CODE, "=HYPERLINK(1)", "code memo"),
            note(N_SEL, "Selection memo", f"Emoji 😀 and 𝒜&#13;\nnext{note_body}"),
            note(N_FREE, "Free memo", "free", attrs='creationDateTime="yesterday"'),
            note(N_CASE, "Case memo", "about Quentin Blake"),
            note(N_LINK, "Linked memo", "linked"),
            note(N_CODING, "Coding memo", "why Leaf"),
        ]
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{notes_prolog}\n'
        f'<Project xmlns="{fx.NS}" name="Notes project" origin="NVivo 12 (Windows)">'
        f"{users}{codebook}{cases}<Sources>{source}</Sources><Notes>{notes}</Notes>"
        f'<Links><Link guid="{fx.guid(1, "L")}" name="memo" originGUID="{N_LINK}" targetGUID="{fx.guid(2, "E")}"/>'
        f"</Links>"
        f'<NoteRef targetGUID="{N_PROJ}"/></Project>'
    )


def notes_project(tmp_path: Path, **kwargs: str) -> Path:
    return fx.write_qdpx(
        tmp_path / "notes.qdpx",
        project_xml(**kwargs),
        {"Sources/one.txt": TEXT.encode(), "Sources/n2.txt": SOURCE_NOTE.encode()},
    )


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return [{k: unprotect(v) for k, v in r.items()} for r in csv.DictReader(fh)]


def run_import(src: Path, out: Path, *extra: str) -> dict:
    assert cli.main(["import", str(src), "--out", str(out), *extra]) == 0
    load_coded(out, check_codes=False)
    return yaml.safe_load((out / "corpus.yaml").read_text(encoding="utf-8"))


def brief(row: dict[str, str]) -> tuple:
    return (row["note_id"], row["attached_to"], row["via"], row["document_id"], row["start"], row["end"],
            row["code"], row["participant_id"])  # fmt: skip


# --- REFI-QDA ----------------------------------------------------------------------------------------


def test_notes_and_what_they_are_attached_to(tmp_path, capsys):
    src = notes_project(tmp_path, extra_ref=f'<NoteRef targetGUID="{N_GONE}"/>')
    meta = run_import(src, tmp_path / "out", "--notes")
    notes = rows(tmp_path / "out" / "notes.csv")
    doc = "Interview 1"
    assert [brief(r) for r in notes] == [
        ("note_1", "project", "NoteRef", "", "", "", "", ""),
        ("note_2", "document", "NoteRef", doc, "", "", "", ""),
        ("note_3", "code", "NoteRef", "", "", "", "Other", ""),
        ("note_4", "selection", "NoteRef", doc, "21", "32", "", ""),
        ("note_5", "none", "", "", "", "", "", ""),
        ("note_6", "case", "NoteRef", "", "", "", "", "Quentin Blake"),
        ("note_7", "selection", "Link", doc, "41", "45", "", ""),  # a selection without codes is placed too
        ("note_8", "coding", "NoteRef", doc, "21", "32", "Top/Mid/Leaf", ""),
    ]
    # Offsets read as UTF-16 (NVivo) and converted, exactly as the codings were.
    codings = rows(tmp_path / "out" / "codings.csv")
    assert [(c["start"], c["end"], c["excerpt"]) for c in codings] == [("21", "32", "The GP lead")]
    assert TEXT[GP[0] : GP[1]] == "The GP lead" and TEXT[END[0] : END[1]] == "End."
    by_id = {r["note_id"]: r for r in notes}
    assert by_id["note_1"]["text"] == "Plan:\r\nask Anna Analyst."  # CR LF kept
    assert by_id["note_1"]["created"] == "2024-05-01T10:00:00Z" and by_id["note_1"]["author"] == "Ben Coder"
    assert by_id["note_2"]["text"] == SOURCE_NOTE and by_id["note_2"]["author"] == "Carol Chair"  # from its file
    assert by_id["note_4"]["text"] == "Emoji 😀 and 𝒜\r\nnext"
    assert by_id["note_3"]["title"] == "=HYPERLINK(1)"
    assert "'=HYPERLINK(1)" in (tmp_path / "out" / "notes.csv").read_text(encoding="utf-8")  # a protected cell
    assert by_id["note_5"]["created"] == ""  # "yesterday" is not ISO 8601
    assert meta["counts"]["notes"] == 8
    assert meta["import"]["notes"].startswith("imported: 8 notes to notes.csv")
    assert meta["import"]["note_text"] == "kept as the tool stored it"
    # The coders are those who coded: Carol wrote a note only.
    assert meta["counts"]["coders"] == 1
    report = rows(tmp_path / "out" / "import_report.csv")
    gone = [r for r in report if r["what"] == "NoteRef to a note that is not in the project"]
    assert len(gone) == 1 and gone[0]["severity"] == "warning" and gone[0]["item"] == N_GONE
    assert "NoteRef to a note that is not in the project" in capsys.readouterr().err
    dated = [r for r in report if r["what"] == "note date not ISO 8601"]
    assert [r["item"] for r in dated] == ["note_5"]


def test_without_the_option_nothing_of_the_notes_is_written(tmp_path):
    src = notes_project(tmp_path)
    meta = run_import(src, tmp_path / "off")
    assert not (tmp_path / "off" / "notes.csv").exists()
    assert "notes" not in meta["counts"]
    assert meta["import"]["notes"] == "not imported: the project has 8 notes (import with --notes to write notes.csv)"
    written = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "off").glob("*.*"))
    for text in ("Project plan", "Carol", "Source memo", "HYPERLINK", "Linked memo"):
        assert text not in written, text
    row = next(r for r in rows(tmp_path / "off" / "import_report.csv") if r["what"].startswith("notes not"))
    assert row["severity"] == "note" and "8 notes" in row["detail"]
    # Notes change nothing else.
    run_import(src, tmp_path / "on", "--notes")
    for name in ("documents.csv", "codings.csv", "codebook.csv", "participants.csv"):
        assert (tmp_path / "off" / name).read_bytes() == (tmp_path / "on" / name).read_bytes(), name


def test_anonymise_withholds_note_text_and_uses_the_same_pseudonyms(tmp_path):
    src = notes_project(tmp_path)
    meta = run_import(src, tmp_path / "anon", "--notes", "--anonymise")
    notes = rows(tmp_path / "anon" / "notes.csv")
    assert {(r["title"], r["description"], r["text"]) for r in notes} == {("", "", "")}
    by_id = {r["note_id"]: r for r in notes}
    # Anna coded: coder_1. Note authors who did not code continue the numbering by user GUID: Ben, Carol.
    assert (by_id["note_1"]["author"], by_id["note_2"]["author"]) == ("coder_2", "coder_3")
    assert by_id["note_2"]["document_id"] == "document_1" and by_id["note_6"]["participant_id"] == "participant_1"
    assert [brief(r)[1:] for r in notes[:1]] == [("project", "NoteRef", "", "", "", "", "")]
    assert {r["coder"] for r in rows(tmp_path / "anon" / "codings.csv")} == {"coder_1"}
    assert meta["import"]["note_text"].startswith("withheld (import --anonymise)")
    written = "\n".join(p.read_text(encoding="utf-8") for p in (tmp_path / "anon").glob("*.*"))
    for name in ("Anna", "Ben", "Carol", "Quentin", "Interview 1", "Project plan", "Emoji", "free"):
        assert name not in written, name
    # Coders' labels do not depend on --notes.
    run_import(src, tmp_path / "plain", "--anonymise")
    assert (tmp_path / "plain" / "codings.csv").read_bytes() == (tmp_path / "anon" / "codings.csv").read_bytes()


def test_keep_note_text_replaces_known_names_and_warns(tmp_path, capsys):
    src = notes_project(tmp_path)
    key = tmp_path / "key.csv"
    out = tmp_path / "kept"
    run_import(src, out, "--notes", "--anonymise", "--keep-note-text", "--anonymise-key", str(key))
    by_id = {r["note_id"]: r for r in rows(out / "notes.csv")}
    assert by_id["note_1"]["text"] == "Plan:\r\nask coder_1."
    assert by_id["note_6"]["text"] == "about participant_1"
    assert by_id["note_4"]["text"] == "Emoji 😀 and 𝒜\r\nnext"
    assert "privacy: note text kept while anonymising" in capsys.readouterr().err
    key_rows = rows(key)
    assert {"kind": "coders", "pseudonym": "coder_3", "original": "Carol Chair"} in key_rows


def test_anonymise_coders_keeps_text_without_coder_names(tmp_path):
    out = tmp_path / "coders"
    meta = run_import(notes_project(tmp_path), out, "--notes", "--anonymise-coders")
    by_id = {r["note_id"]: r for r in rows(out / "notes.csv")}
    assert by_id["note_1"]["text"] == "Plan:\r\nask coder_1." and by_id["note_1"]["author"] == "coder_2"
    assert by_id["note_2"]["document_id"] == "Interview 1"  # documents are not anonymised
    assert meta["import"]["note_text"].startswith("kept, with the names of coders")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--keep-note-text"], "--keep-note-text: only with --notes and --anonymise"),
        (["--notes", "--keep-note-text"], "--keep-note-text: only with --notes and --anonymise"),
        (["--notes", "--anonymise-coders", "--keep-note-text"], "--keep-note-text: only with"),
    ],
)
def test_keep_note_text_needs_notes_and_anonymise(tmp_path, capsys, extra, message):
    assert cli.main(["import", str(notes_project(tmp_path)), "--out", str(tmp_path / "o"), *extra]) == 1
    assert message in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_notes_are_refused_for_taguette(tmp_path, capsys):
    src = fx.taguette_export(tmp_path)
    assert cli.main(["import", str(src), "--out", str(tmp_path / "o"), "--notes"]) == 1
    assert "--notes: Taguette's exports hold no notes or memos" in capsys.readouterr().err


def test_entity_expansion_in_a_note_is_refused(tmp_path, capsys):
    laughs = (
        '<!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
        + "]>"
    )
    src = notes_project(tmp_path, notes_prolog=laughs, note_body="&lol9;")
    out = tmp_path / "o"
    assert cli.main(["import", str(src), "--out", str(out), "--notes"]) == 1
    err = capsys.readouterr().err
    assert "entity expansion" in err and "Traceback" not in err
    assert not out.exists()


def test_a_note_text_path_outside_the_archive_is_refused(tmp_path, capsys):
    qde = project_xml().replace('plainTextPath="internal://n2.txt"', 'plainTextPath="internal://../../etc/passwd"')
    src = fx.write_qdpx(tmp_path / "evil.qdpx", qde, {"Sources/one.txt": TEXT.encode()})
    assert cli.main(["import", str(src), "--out", str(tmp_path / "o"), "--notes"]) == 1
    err = capsys.readouterr().err
    assert "points outside the project" in err and not (tmp_path / "o").exists()


def test_atlas_sample_notes(tmp_path):
    meta = run_import(fx.ATLAS, tmp_path / "out", "--notes")
    notes = rows(tmp_path / "out" / "notes.csv")
    assert [(r["note_id"], r["title"], r["author"], r["created"], r["attached_to"], r["via"]) for r in notes] == [
        ("note_1", "Research Plan", "Friedrich Markgraf", "2018-03-27T19:38:46Z", "none", ""),
        ("note_2", "My favorite Coke ad", "Friedrich Markgraf", "2018-03-27T19:41:28Z", "other", "Link"),
    ]
    assert notes[0]["description"] == "day to day log about this amazing project"
    assert notes[1]["text"] == "This version is much better than the new Director’s cut "
    assert meta["counts"]["notes"] == 2
    report = rows(tmp_path / "out" / "import_report.csv")
    other = [r for r in report if r["what"] == "note attached to something not imported"]
    assert [(r["item"], r["detail"]) for r in other] == [
        ("note_2", "VideoSelection (via Link): attached_to is 'other'")
    ]


# --- QualCoder ---------------------------------------------------------------------------------------


def qualcoder_with_memos(tmp_path: Path) -> Path:
    folder = fx.qualcoder_project(tmp_path)
    conn = sqlite3.connect(folder / "data.qda")
    conn.executescript("""
        CREATE TABLE annotation (anid integer primary key, fid integer, pos0 integer, pos1 integer, memo text,
                                 owner text, date text);
        CREATE TABLE journal (jid integer primary key, name text, jentry text, date text, owner text);
        UPDATE project SET memo = 'project memo';
        UPDATE source SET memo = 'source memo', owner = 'bob' WHERE id = 1;
        UPDATE cases SET memo = 'case memo' WHERE caseid = 1;
        UPDATE code_text SET memo = 'why clinical?', date = '2024-01-02 03:04:05' WHERE cid = 1 AND owner = 'alice';
        UPDATE code_image SET memo = 'picture memo';
        INSERT INTO annotation (fid, pos0, pos1, memo, owner, date) VALUES (1, 53, 57, 'annotated', 'carol', '');
        INSERT INTO annotation (fid, pos0, pos1, memo, owner) VALUES (1, 70, 90, 'past the end', 'carol');
        INSERT INTO journal (name, jentry, date, owner) VALUES ('Day 1', 'Reflections', '2024-01-03 09:00:00', 'bob');
    """)
    conn.commit()
    conn.close()
    return folder


def test_qualcoder_memos(tmp_path):
    src = qualcoder_with_memos(tmp_path)
    meta = run_import(src, tmp_path / "out", "--notes")
    notes = rows(tmp_path / "out" / "notes.csv")
    doc = "Board meeting notes"
    assert fx.QC_TEXT1[53:57] == "Then" and fx.QC_TEXT1[18:51] == "The GP lead spoke for clinicians."
    assert [brief(r) + (r["text"], r["author"]) for r in notes] == [
        ("note_1", "selection", "annotation", doc, "53", "57", "", "", "annotated", "carol"),
        ("note_2", "other", "annotation", "", "", "", "", "", "past the end", "carol"),
        ("note_3", "case", "cases.memo", "", "", "", "", "Dr A", "case memo", ""),
        ("note_4", "other", "code_image.memo", "", "", "", "", "", "picture memo", "bob"),
        ("note_5", "coding", "code_text.memo", doc, "18", "51", "Leadership/Voice/Clinical voice", "",
         "why clinical?", "alice"),
        ("note_6", "none", "journal", "", "", "", "", "", "Reflections", "bob"),
        ("note_7", "project", "project.memo", "", "", "", "", "", "project memo", ""),
        ("note_8", "document", "source.memo", doc, "", "", "", "", "source memo", "bob"),
    ]  # fmt: skip
    assert notes[4]["created"] == "2024-01-02T03:04:05" and notes[5]["title"] == "Day 1"
    assert meta["counts"]["notes"] == 8 and meta["counts"]["coders"] == 2  # carol wrote notes only
    report = rows(tmp_path / "out" / "import_report.csv")
    assert [(r["severity"], r["item"]) for r in report if r["what"] == "annotation not placed"] == [
        ("warning", "note_2")
    ]


def test_qualcoder_memos_counted_without_the_option(tmp_path, capsys):
    meta = run_import(qualcoder_with_memos(tmp_path), tmp_path / "out")
    assert not (tmp_path / "out" / "notes.csv").exists()
    # Code and category memos are the codebook's descriptions, not notes.
    assert meta["import"]["notes"].startswith("not imported: the project has 8 notes")
    assert "the project has 8 notes (memos), not imported" in capsys.readouterr().err
