"""QualCoder, Taguette and canonical-CSV import, and format detection."""

from __future__ import annotations

import csv
import io
import shutil
import sqlite3
from pathlib import Path

import pytest
import yaml

from ics_leadership import cli
from ics_leadership.coding.coded import load_coded
from ics_leadership.qda import detect_format, import_project

import qda_fixtures as fx


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def meta(out: Path) -> dict:
    return yaml.safe_load((out / "corpus.yaml").read_text(encoding="utf-8"))


# --- QualCoder --------------------------------------------------------------------------------------


def test_qualcoder_project(tmp_path):
    project = fx.qualcoder_project(tmp_path)
    assert detect_format(project) == "qualcoder"
    assert cli.main(["import", str(project), "--out", str(tmp_path / "out")]) == 0
    out = tmp_path / "out"
    coded = load_coded(out, check_codes=False)
    codebook = {r["code"]: r for r in rows(out / "codebook.csv")}
    assert codebook["Leadership/Voice/Clinical voice"]["parent"] == "Leadership/Voice"
    assert codebook["Leadership/Voice/Clinical voice"]["description"] == "speaking for clinicians"
    assert codebook["Leadership"]["codable"] == "false"  # a category
    assert codebook["Plans"]["codings"] == "3"
    codings = rows(out / "codings.csv")
    assert [(r["document_id"], r["code"], r["coder"], r["excerpt"]) for r in codings] == [
        ("Board meeting notes", "Leadership/Voice/Clinical voice", "alice", "The GP lead spoke for clinicians."),
        ("Board meeting notes", "Plans", "bob", "The GP lead spoke for clinicians."),
        ("Board meeting notes", "Plans", "alice", "Then the plan changed."),
        ("Memo", "Plans", "bob", "short"),
    ]
    docs = {d["document_id"]: d for d in rows(out / "documents.csv")}
    assert docs["Board meeting notes"]["n_chars"] == str(len(fx.QC_TEXT1))  # CRLF kept: offsets are raw
    assert docs["Board meeting notes"]["participant_id"] == "Dr A"
    assert docs["Board meeting notes"]["meeting"] == "board"
    people = {p["participant_id"]: p for p in rows(out / "participants.csv")}
    assert people["Dr A"]["site"] == "East" and people["Dr A"]["level"] == "executive"
    report = rows(out / "import_report.csv")
    assert [(r["what"], r["document"], r["codings"]) for r in report] == [
        ("offsets read as code points, CR LF as two", "Board meeting notes", "0"),  # CR LF as one: past the end
        ("offsets: every reading agrees", "Memo", "0"),
        ("picture, audio or video source (not text)", "photo.jpg", "1"),
    ]
    assert meta(out)["source"]["tool"] == "QualCoder 3.5"
    assert len(coded.participants) == 2


def test_qualcoder_database_is_opened_read_only(tmp_path):
    project = fx.qualcoder_project(tmp_path)
    db = project / "data.qda"
    db.chmod(0o444)
    before = db.read_bytes()
    import_project(project, tmp_path / "out")
    assert db.read_bytes() == before
    assert sorted(p.name for p in project.iterdir()) == ["data.qda"]  # no journal or lock files left


def test_qualcoder_anonymised(tmp_path):
    import_project(fx.qualcoder_project(tmp_path), tmp_path / "out", anonymise=True)
    assert {r["coder"] for r in rows(tmp_path / "out" / "codings.csv")} == {"coder_1", "coder_2"}
    assert "alice" not in (tmp_path / "out" / "codings.csv").read_text(encoding="utf-8")


def test_qualcoder_broken_databases(tmp_path, capsys):
    project = fx.qualcoder_project(tmp_path)
    conn = sqlite3.connect(project / "data.qda")
    conn.execute("UPDATE code_text SET pos1 = 5 WHERE owner = 'bob' AND fid = 2")  # pos0 2 -> fine
    conn.execute("UPDATE code_text SET pos0 = 9, pos1 = 3 WHERE owner = 'bob' AND fid = 2")
    conn.commit()
    conn.close()
    assert cli.main(["import", str(project), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "Study.qda: data.qda: source 'Memo'" in err and "reversed span" in err
    assert not (tmp_path / "out").exists()

    (tmp_path / "fake.qda").mkdir()
    (tmp_path / "fake.qda" / "data.qda").write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    assert cli.main(["import", str(tmp_path / "fake.qda"), "--out", str(tmp_path / "out2")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "fake.qda: data.qda" in err and "Traceback" not in err


# --- Taguette ---------------------------------------------------------------------------------------


def test_taguette_csv_without_offsets(tmp_path):
    src = fx.taguette_export(tmp_path)
    assert detect_format(src) == "taguette"
    assert cli.main(["import", str(src), "--out", str(tmp_path / "out")]) == 0
    out = tmp_path / "out"
    load_coded(out, check_codes=False)
    codings = rows(out / "codings.csv")
    first = len("The GP lead spoke.")
    second_start = first + 2
    assert [(r["document_id"], r["start"], r["end"], r["code"], r["coder"]) for r in codings] == [
        ("Interview A", "0", str(first), "voice", "unknown"),
        ("Interview A", "0", str(first), "voice.clinical", "unknown"),
        ("Interview A", str(second_start), str(second_start + len("Plans changed.")), "plans", "unknown"),
        ("Interview B", "0", "6", "plans", "unknown"),
    ]
    docs = {d["document_id"]: int(d["n_chars"]) for d in rows(out / "documents.csv")}
    # "The GP lead spoke." + blank line + "Plans changed." + blank line + "Untagged words."
    assert docs["Interview A"] == first + 2 + len("Plans changed.") + 2 + len("Untagged words.")
    info = meta(out)
    assert info["import"]["offsets"].startswith("synthetic")
    codebook = {r["code"]: r for r in rows(out / "codebook.csv")}
    assert codebook["voice"]["description"] == "someone speaks for a group"
    report = {r["what"] for r in rows(out / "import_report.csv")}
    assert {"selection without codes", "offsets are synthetic", "no coder in the export"} <= report


def test_taguette_folder_and_xlsx(tmp_path):
    src = fx.taguette_export(tmp_path, xlsx=True)
    assert detect_format(src.parent) == "taguette"
    import_project(src.parent, tmp_path / "out")
    assert len(rows(tmp_path / "out" / "codings.csv")) == 4


def test_taguette_with_offsets(tmp_path):
    src = fx.taguette_export(tmp_path, offsets=True)
    import_project(src, tmp_path / "out")
    codings = rows(tmp_path / "out" / "codings.csv")
    assert [(r["start"], r["end"], r["excerpt"]) for r in codings][:1] == [("10", "28", "The GP lead spoke.")]
    assert rows(tmp_path / "out" / "documents.csv")[0]["n_chars"] == "75"  # largest end
    assert not meta(tmp_path / "out")["import"]["offsets"].startswith("synthetic")


def test_taguette_missing_column(tmp_path, capsys):
    src = tmp_path / "highlights.csv"
    src.write_text("id,document,content\n1,A,text\n", encoding="utf-8")
    assert cli.main(["import", str(src), "--format", "taguette", "--out", str(tmp_path / "out")]) == 1
    assert "highlights.csv: column tag is missing" in capsys.readouterr().err


# --- canonical CSV ----------------------------------------------------------------------------------


def test_canonical_csv_round_trip(tmp_path):
    first = tmp_path / "first"
    import_project(fx.nested_and_paths(tmp_path, tmp_path / "base"), first)
    assert detect_format(first) == "csv"
    second = tmp_path / "second"
    import_project(first, second)
    for name in ("documents.csv", "codings.csv", "corpus.yaml"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    codebook = {r["code"] for r in rows(second / "codebook.csv")}
    assert {"Top/Mid/Leaf", "Top/Mid", "Top", "Other", "Voice/Clinical"} <= codebook


def test_canonical_csv_is_validated(tmp_path, capsys):
    folder = tmp_path / "coded"
    import_project(fx.simple(tmp_path), folder)
    bad = tmp_path / "bad"
    shutil.copytree(folder, bad)
    text = (bad / "codings.csv").read_text(encoding="utf-8").replace(",0,16,", ",16,0,")
    (bad / "codings.csv").write_text(text, encoding="utf-8")
    assert cli.main(["import", str(bad), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert (
        err.count("\n") == 2
        and err.endswith(" 1 problem; nothing was written\n")
        and "not valid canonical coded data" in err
        and "codings.csv, row 1" in err
    )
    assert not (tmp_path / "out").exists()


def test_canonical_csv_anonymised(tmp_path):
    folder = tmp_path / "coded"
    import_project(fx.nvivo_duplicates(tmp_path), folder)
    import_project(folder / "codings.csv", tmp_path / "out", anonymise=True)
    assert {r["coder"] for r in rows(tmp_path / "out" / "codings.csv")} == {"coder_1", "coder_2"}


@pytest.mark.parametrize("name,expected", [("x.qdpx", "refi"), ("x.qde", "refi"), ("x.qdc", "refi")])
def test_detect_by_suffix(tmp_path, name, expected):
    (tmp_path / name).write_text("<x/>", encoding="utf-8")
    assert detect_format(tmp_path / name) == expected


def test_csv_quoting_round_trips(tmp_path):
    from ics_leadership.qda.writer import csv_line

    tricky = ["plain", "", "a,b", 'say "hi"', "line\nbreak", "cr\rhere", "crlf\r\n", " padded ", "é∕漢字", '"']
    assert next(csv.reader(io.StringIO(csv_line(tricky), newline=""))) == tricky
    plain = [t for t in tricky if "\r" not in t]  # where csv.writer is right, we write the same bytes
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(plain)
    assert csv_line(plain) == buf.getvalue()


def test_lone_carriage_returns_survive(tmp_path):
    text = "old Mac\rline ends"
    src = fx.simple(tmp_path, body=fx.selection(0, len(text), fx.coding(fx.C_OTHER, n=1), 1), text=text.encode())
    import_project(src, tmp_path / "out")
    assert list(load_coded(tmp_path / "out", check_codes=False).codings["excerpt"]) == [text]


def test_canonical_csv_keeps_astral_characters_combining_marks_and_offsets_through_crlf_files(tmp_path):
    # A canonical folder as a Windows editor saves it (CR LF, a byte-order mark), with an emoji (one code
    # point, two UTF-16 units) and an e + combining acute (two code points) in ids and excerpts. Canonical
    # offsets count code points and are carried over as they are; the text of every cell survives.
    src = tmp_path / "windows"
    src.mkdir()
    doc_id, coder, excerpt = "Interview 😀 Zoë", "Re\u0301ne", 'said 😀 then cafe\u0301,\r\n"quoted"'
    documents = [["document_id", "participant_id", "source_type", "n_chars"], [doc_id, "P1", "interview", "60"]]
    codings = [
        ["document_id", "start", "end", "code", "coder", "excerpt"],
        [doc_id, "3", str(3 + len(excerpt)), "Top/Émoji 😀", coder, excerpt],
        [doc_id, "40", "55", "=formula", coder, ""],
    ]
    for name, table in (("documents.csv", documents), ("codings.csv", codings)):
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(table)
        (src / name).write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))
    out = tmp_path / "out"
    assert cli.main(["import", str(src), "--format", "csv", "--out", str(out)]) == 0
    loaded = load_coded(out, check_codes=False)
    c = loaded.codings
    assert list(c["document_id"]) == [doc_id, doc_id] and list(c["coder"]) == [coder, coder]
    assert list(c["start"]) == [3, 40] and list(c["end"]) == [3 + len(excerpt), 55]  # code points, unchanged
    assert c["excerpt"].iloc[0] == excerpt and len(excerpt) == 28  # 😀 one character, e + U+0301 two
    assert list(c["code"]) == ["Top/Émoji 😀", "=formula"]  # read back as written
    written = (out / "codings.csv").read_bytes()
    assert b"\r\n" in written and b"'=formula" in written  # CR LF inside the quoted excerpt only; protected
    assert written.count(b"\n") == 4  # header, two rows, and the LF inside the excerpt
