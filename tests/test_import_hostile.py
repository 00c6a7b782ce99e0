"""Hostile and broken inputs: each fails cleanly (exit 1, one line naming the file and the member or
element, no traceback) and leaves nothing under --out."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest

from ics_leadership import cli
from ics_leadership.qda.errors import UnsafeInputError
from ics_leadership.qda.safety import Budget, CountingReader, Limits, MiB

import qda_fixtures as fx

XXE = '<!DOCTYPE Project [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + "]>"
)


def fails_cleanly(src: Path, tmp_path: Path, capsys, *fragments: str, extra: tuple[str, ...] = ()) -> str:
    out = tmp_path / "out"
    before = set(tmp_path.iterdir())
    assert cli.main(["import", str(src), "--out", str(out), *extra]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 2 and err.endswith(" 1 problem; nothing was written\n"), err
    assert "Traceback" not in err
    assert src.name in err, err
    for fragment in fragments:
        assert fragment in err, err
    assert not out.exists()
    assert set(tmp_path.iterdir()) == before  # no temporary folder left behind
    return err


def project_with(
    tmp_path: Path, qde: str | bytes, sources: dict[str, bytes] | None = None, name: str = "bad.qdpx"
) -> Path:
    return fx.write_qdpx(tmp_path / name, qde, {"Sources/one.txt": fx.TEXT1.encode(), **(sources or {})})


def body(start: int = 0, end: int = 16, code: str = fx.C_OTHER) -> str:
    return fx.text_source(
        fx.S1, "Interview 1", fx.selection(start, end, fx.coding(code, n=1), 1), path="internal://one.txt"
    )


# --- XML ------------------------------------------------------------------------------------------


def test_xxe_is_refused(tmp_path, capsys):
    qde = fx.project(body(), prolog=XXE).replace('name="Fixture project"', 'name="&xxe;"')
    fails_cleanly(project_with(tmp_path, qde), tmp_path, capsys, "member 'project.qde'", "<!ENTITY", "XXE")


def test_billion_laughs_is_refused(tmp_path, capsys):
    qde = fx.project(body(), prolog=LAUGHS).replace('name="Fixture project"', 'name="&lol9;"')
    fails_cleanly(project_with(tmp_path, qde), tmp_path, capsys, "member 'project.qde'", "entity expansion")


def test_external_dtd_is_refused(tmp_path, capsys):
    qde = fx.project(body(), prolog='<!DOCTYPE Project SYSTEM "http://example.invalid/evil.dtd">')
    fails_cleanly(project_with(tmp_path, qde), tmp_path, capsys, "external DTD")


def test_bare_qde_with_xxe_is_refused(tmp_path, capsys):
    src = tmp_path / "evil.qde"
    src.write_text(fx.project(body(), prolog=XXE), encoding="utf-8")
    fails_cleanly(src, tmp_path, capsys, "evil.qde", "XXE")


def test_malformed_xml(tmp_path, capsys):
    qde = fx.project(body()).replace("</Sources>", "")
    fails_cleanly(project_with(tmp_path, qde), tmp_path, capsys, "member 'project.qde'", "not well-formed XML", "line ")


def test_wrong_namespace(tmp_path, capsys):
    qde = fx.project(body(), ns="urn:QDA-XML:project:0.9")
    fails_cleanly(
        project_with(tmp_path, qde),
        tmp_path,
        capsys,
        "member 'project.qde'",
        "wrong namespace",
        "urn:QDA-XML:project:0.9",
    )


def test_invalid_utf8_in_the_xml(tmp_path, capsys):
    qde = fx.project(body()).encode("utf-8").replace(b"Interview 1", b"Interview \xff\xfe")
    fails_cleanly(project_with(tmp_path, qde), tmp_path, capsys, "member 'project.qde'", "line 2")


def test_invalid_utf8_in_a_source_text(tmp_path, capsys):
    src = fx.write_qdpx(tmp_path / "bad.qdpx", fx.project(body()), {"Sources/one.txt": b"Clinical \xc3\x28 leaders"})
    fails_cleanly(src, tmp_path, capsys, "member 'Sources/one.txt'", "not valid UTF-8")


# --- references and spans ---------------------------------------------------------------------------


def test_unknown_code_reference(tmp_path, capsys):
    missing = "DEADBEEF-0000-4000-8000-000000000000"
    err = fails_cleanly(
        project_with(tmp_path, fx.project(body(code=missing))),
        tmp_path,
        capsys,
        "member 'project.qde', line 2",
        missing,
        "not in the codebook",
    )
    assert fx.guid(1, "E") in err  # the selection


def test_reversed_span(tmp_path, capsys):
    fails_cleanly(
        project_with(tmp_path, fx.project(body(16, 3))),
        tmp_path,
        capsys,
        "TextSource 'Interview 1'",
        "line 2",
        "reversed span",
    )


def test_span_beyond_the_text(tmp_path, capsys):
    fails_cleanly(
        project_with(tmp_path, fx.project(body(10, 500))),
        tmp_path,
        capsys,
        "runs past the end of document 'Interview 1'",
        f"({len(fx.TEXT1)} characters)",
    )


def test_non_numeric_offsets(tmp_path, capsys):
    qde = fx.project(body()).replace('startPosition="0"', 'startPosition="zero"')
    fails_cleanly(project_with(tmp_path, qde), tmp_path, capsys, "PlainTextSelection", "whole-number")


def test_plain_text_path_outside_the_project(tmp_path, capsys):
    src = tmp_path / "escape.qde"
    src.write_text(fx.project(fx.text_source(fx.S1, "x", "", path="internal://../../etc/passwd")), encoding="utf-8")
    fails_cleanly(src, tmp_path, capsys, "points outside the project")


# --- archives --------------------------------------------------------------------------------------


def valid_members() -> list[tuple[str, bytes]]:
    return [("project.qde", fx.project(body()).encode()), ("Sources/one.txt", fx.TEXT1.encode())]


def test_zip_slip_member(tmp_path, capsys):
    src = fx.zip_with(tmp_path / "slip.qdpx", [*valid_members(), ("../../evil.txt", b"x")])
    fails_cleanly(src, tmp_path, capsys, "member '../../evil.txt'", "zip-slip")


def test_absolute_path_member(tmp_path, capsys):
    src = fx.zip_with(tmp_path / "abs.qdpx", [*valid_members(), ("/etc/cron.d/evil", b"x")])
    fails_cleanly(src, tmp_path, capsys, "member '/etc/cron.d/evil'", "absolute path")


def test_windows_paths_are_refused(tmp_path, capsys):
    src = fx.zip_with(tmp_path / "win.qdpx", [*valid_members(), ("Sources\\..\\..\\evil.txt", b"x")])
    fails_cleanly(src, tmp_path, capsys, "backslash")


def test_symlink_member(tmp_path, capsys):
    members = [valid_members()[0], (fx.symlink_member("Sources/one.txt", "/etc/passwd"), b"/etc/passwd")]
    fails_cleanly(
        fx.zip_with(tmp_path / "link.qdpx", members), tmp_path, capsys, "member 'Sources/one.txt'", "symbolic link"
    )


def test_zip_bomb_by_ratio(tmp_path, capsys):
    src = fx.zip_with(tmp_path / "bomb.qdpx", [*valid_members(), ("Sources/big.txt", bytes(8 * MiB))])
    fails_cleanly(src, tmp_path, capsys, "member 'Sources/big.txt'", "compression ratio", "limit 100:1")


def test_total_size_cap_from_the_headers(tmp_path, capsys):
    src = project_with(tmp_path, fx.project(body()))
    fails_cleanly(src, tmp_path, capsys, "members declare more than 1 KiB", extra=("--max-size", "1KiB"))


def test_total_size_cap_while_reading(tmp_path, capsys):
    src = tmp_path / "big.qde"  # no headers to trust: the bytes read are counted
    src.write_text(fx.project(body()), encoding="utf-8")
    fails_cleanly(
        src,
        tmp_path,
        capsys,
        "big.qde: while reading: more than 1 KiB of uncompressed data",
        extra=("--max-size", "1KiB"),
    )


def test_lying_size_header_is_not_trusted(tmp_path, capsys):
    """A member whose headers declare a tiny size: reading stops there and the damage is reported."""
    data = bytearray(fx.zip_with(tmp_path / "x.zip", valid_members()).read_bytes())
    (tmp_path / "x.zip").unlink()
    real = len(fx.project(body()).encode())
    lie = struct.pack("<I", 100)
    for sig, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # local header, central directory
        at = data.find(sig)
        assert struct.unpack("<I", data[at + offset : at + offset + 4])[0] == real
        data[at + offset : at + offset + 4] = lie
    src = tmp_path / "liar.qdpx"
    src.write_bytes(bytes(data))
    fails_cleanly(src, tmp_path, capsys, "member 'project.qde'")


def test_counting_reader_checks_the_ratio_while_reading():
    budget = Budget(Limits(), "test.qdpx")
    reader = CountingReader(io.BytesIO(bytes(3 * MiB)), budget, "member 'x'", compressed=1000)
    with pytest.raises(UnsafeInputError, match="expands more than 100:1"):
        while reader.read(64 * 1024):
            pass


def test_truncated_archive(tmp_path, capsys):
    whole = fx.zip_with(tmp_path / "whole.zip", valid_members()).read_bytes()
    (tmp_path / "whole.zip").unlink()
    src = tmp_path / "truncated.qdpx"
    src.write_bytes(whole[: len(whole) // 2])
    fails_cleanly(src, tmp_path, capsys, "truncated or damaged zip archive")


def test_not_a_zip(tmp_path, capsys):
    src = tmp_path / "notes.qdpx"
    src.write_text("just some text, not a project", encoding="utf-8")
    fails_cleanly(src, tmp_path, capsys, "not a zip archive")


def test_archive_without_a_project(tmp_path, capsys):
    src = fx.zip_with(tmp_path / "empty.qdpx", [("Sources/one.txt", b"x")])
    fails_cleanly(src, tmp_path, capsys, "no project.qde")


def test_duplicate_member_names(tmp_path, capsys):
    src = fx.zip_with(tmp_path / "dup.qdpx", [*valid_members(), ("SOURCES/ONE.TXT", b"other")])
    fails_cleanly(src, tmp_path, capsys, "appears more than once")


def test_control_characters_in_names_are_escaped(tmp_path, capsys):
    src = fx.zip_with(tmp_path / "ctl.qdpx", [*valid_members(), ("a\nerror: forged line", b"x")])
    err = fails_cleanly(src, tmp_path, capsys, "control character")
    assert "a\\nerror: forged line" in err


# --- output folder ---------------------------------------------------------------------------------


def test_existing_output_is_not_overwritten(tmp_path, capsys):
    src = fx.simple(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    assert cli.main(["import", str(src), "--out", str(out)]) == 1
    assert "not empty" in capsys.readouterr().err
    assert cli.main(["import", str(src), "--out", str(out), "--force"]) == 1  # not a previous import
    assert "only a folder written by a previous import" in capsys.readouterr().err
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_force_replaces_a_previous_import(tmp_path, capsys):
    out = tmp_path / "out"
    assert cli.main(["import", str(fx.simple(tmp_path)), "--out", str(out)]) == 0
    assert cli.main(["import", str(fx.nvivo_duplicates(tmp_path)), "--out", str(out), "--force"]) == 0
    assert "Top/Mid/Leaf" in (out / "codings.csv").read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nvivo.qdpx", "out", "simple.qdpx"]


def test_failed_force_keeps_the_previous_import(tmp_path, capsys):
    out = tmp_path / "out"
    assert cli.main(["import", str(fx.simple(tmp_path)), "--out", str(out)]) == 0
    before = (out / "codings.csv").read_bytes()
    bad = project_with(tmp_path, fx.project(body(16, 3)))
    assert cli.main(["import", str(bad), "--out", str(out), "--force"]) == 1
    assert (out / "codings.csv").read_bytes() == before


def test_unknown_format_is_a_clean_error(tmp_path, capsys):
    src = tmp_path / "data.bin"
    src.write_bytes(b"\x00\x01binary")
    assert cli.main(["import", str(src), "--out", str(tmp_path / "out")]) == 1
    assert "use --format" in capsys.readouterr().err


# --- other formats -------------------------------------------------------------------------------


def test_hostile_xlsx_member(tmp_path, capsys):
    src = fx.taguette_export(tmp_path, xlsx=True)
    with zipfile.ZipFile(src, "a") as zf:
        zf.writestr("../../evil.txt", b"x")
    out = tmp_path / "out"
    assert cli.main(["import", str(src), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "all_tags.xlsx: member '../../evil.txt'" in err and "zip-slip" in err
    assert not out.exists()


def test_qualcoder_category_cycle(tmp_path, capsys):
    import sqlite3

    project = fx.qualcoder_project(tmp_path)
    with sqlite3.connect(project / "data.qda") as conn:
        conn.execute("UPDATE code_cat SET supercatid = 2 WHERE catid = 1")
    assert cli.main(["import", str(project), "--out", str(tmp_path / "out")]) == 1
    assert "table code_cat: category" in capsys.readouterr().err


def test_qualcoder_view_is_not_a_table(tmp_path, capsys):
    import sqlite3

    project = fx.qualcoder_project(tmp_path)
    with sqlite3.connect(project / "data.qda") as conn:
        conn.execute("ALTER TABLE code_text RENAME TO code_text_real")
        conn.execute("CREATE VIEW code_text AS SELECT * FROM code_text_real")
    assert cli.main(["import", str(project), "--out", str(tmp_path / "out")]) == 1
    assert "data.qda: 'code_text' is a view, not a table: refused" in capsys.readouterr().err
