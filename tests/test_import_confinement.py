"""A project file never reaches outside itself; legitimate large inputs import; --no-excerpts.

relative:// sources are read only from --sources DIR and never outside it; internal:// only from the
archive or Sources/ beside a bare .qde; no symlinked canonical file is followed; QualCoder databases
cannot compute text when read; caps are the tool's own (--max-size, --max-ratio).
"""

from __future__ import annotations

import csv
import os
import shutil
import sqlite3
import tracemalloc
from pathlib import Path

import pytest
import yaml

from ics_leadership import cli
from ics_leadership.coding.coded import load_coded
from ics_leadership.core.csvio import long_fields
from ics_leadership.core.errors import DataValidationError
from ics_leadership.qda import import_project
from ics_leadership.qda.safety import Limits, MiB

import qda_fixtures as fx

SECRET = "SECRET-OUTSIDE-THE-PROJECT"


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh, long_fields(path.stat().st_size):
        return list(csv.DictReader(fh))


def everything_written(out: Path) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in sorted(out.iterdir()))


def relative_project(tmp_path: Path, path: str, base_path: str | None = None, end: int = 6) -> Path:
    """A bare .qde whose only source names ``path``; one selection [0, end)."""
    src = tmp_path / "project.qde"
    body = fx.selection(0, end, fx.coding(fx.C_OTHER, n=1), 1)
    src.write_text(
        fx.project(fx.text_source(fx.S1, "Interview", body, path=path), base_path=base_path), encoding="utf-8"
    )
    return src


def import_ok(src: Path, out: Path, *extra: str) -> dict:
    assert cli.main(["import", str(src), "--out", str(out), *extra]) == 0
    load_coded(out, check_codes=False)
    return yaml.safe_load((out / "corpus.yaml").read_text(encoding="utf-8"))


def missing_detail(out: Path) -> str:
    report = [r for r in rows(out / "import_report.csv") if r["what"] == "source text missing"]
    assert len(report) == 1, report
    return report[0]["detail"]


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A file beside (not inside) every folder the tests name with --sources."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.txt").write_text(SECRET, encoding="utf-8")
    return folder


# --- relative:// ---------------------------------------------------------------------------------


def test_base_path_root_and_etc_passwd_are_not_read(tmp_path, capsys):
    """The exploit from the issue: basePath="/" with relative://etc/passwd."""
    src = relative_project(tmp_path, "relative://etc/passwd", base_path="/", end=4)
    meta = import_ok(src, tmp_path / "out")
    assert "give --sources DIR to read them" in capsys.readouterr().err
    detail = missing_detail(tmp_path / "out")
    assert "'relative://etc/passwd'" in detail and "give --sources DIR" in detail
    assert rows(tmp_path / "out" / "codings.csv")[0]["excerpt"] == ""
    assert rows(tmp_path / "out" / "documents.csv")[0]["n_chars"] == "4"  # the largest offset, not the file's
    assert meta["import"]["relative_sources"].startswith("not read: 1 sources")
    assert "root:" not in everything_written(tmp_path / "out")


def test_base_path_is_never_used_even_with_sources(tmp_path, outside):
    src = relative_project(tmp_path, "relative://secret.txt", base_path=str(outside))
    empty = tmp_path / "mine"
    empty.mkdir()
    import_ok(src, tmp_path / "out", "--sources", str(empty))
    assert "not found in the --sources folder" in missing_detail(tmp_path / "out")
    assert SECRET not in everything_written(tmp_path / "out")


@pytest.mark.parametrize(
    "path,why",
    [
        ("relative://../outside/secret.txt", "'..' leads out of the folder"),
        ("relative://%2e%2e/outside/secret.txt", "'..' leads out of the folder"),  # decoded once, then checked
        ("relative://..%5Coutside%5Csecret.txt", "'..' leads out of the folder"),  # backslashes
        ("relative:////etc/passwd", "absolute path"),
        ("relative://C:/Windows/win.ini", "absolute path"),
        ("relative://a/b%00.txt", "control character"),
    ],
)
def test_paths_leaving_sources_are_refused(tmp_path, outside, path, why):
    mine = tmp_path / "mine"
    mine.mkdir()
    import_ok(relative_project(tmp_path, path), tmp_path / "out", "--sources", str(mine))
    detail = missing_detail(tmp_path / "out")
    assert "refused" in detail and why in detail, detail
    assert SECRET not in everything_written(tmp_path / "out")


@pytest.mark.parametrize("path", ["file:///etc/passwd", "https://example.invalid/a.txt", "/etc/passwd"])
def test_other_schemes_are_not_read(tmp_path, path):
    import_ok(relative_project(tmp_path, path, end=4), tmp_path / "out", "--sources", str(tmp_path))
    assert "not read" in missing_detail(tmp_path / "out") or "no internal://" in missing_detail(tmp_path / "out")
    assert "root:" not in everything_written(tmp_path / "out")


def test_symbolic_links_out_of_sources_are_refused(tmp_path, outside):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "link.txt").symlink_to(outside / "secret.txt")
    (mine / "folder").symlink_to(outside, target_is_directory=True)
    for path in ("relative://link.txt", "relative://folder/secret.txt"):
        out = tmp_path / f"out_{path[-8:-4]}"
        import_ok(relative_project(tmp_path, path), out, "--sources", str(mine))
        detail = missing_detail(out)
        assert "refused (a symbolic link leads out of the folder" in detail, detail
        assert SECRET not in everything_written(out)


def test_a_link_inside_sources_is_followed_when_it_stays_inside(tmp_path):
    mine = tmp_path / "mine"
    (mine / "texts").mkdir(parents=True)
    (mine / "texts" / "real.txt").write_text(fx.TEXT1, encoding="utf-8")
    (mine / "alias.txt").symlink_to(mine / "texts" / "real.txt")
    import_ok(relative_project(tmp_path, "relative://alias.txt", end=8), tmp_path / "out", "--sources", str(mine))
    assert rows(tmp_path / "out" / "codings.csv")[0]["excerpt"] == fx.TEXT1[:8]


def test_legitimate_relative_source_with_an_odd_path(tmp_path):
    """Spaces, non-ASCII and an emoji, percent-encoded in the project; a literal '%' in another name."""
    mine = tmp_path / "my sources"
    (mine / "Interviews 2024").mkdir(parents=True)
    (mine / "Interviews 2024" / "Entrevista été 😀.txt").write_text(fx.TEXT1, encoding="utf-8")
    (mine / "100%25 sure.txt").write_text(fx.TEXT2, encoding="utf-8")  # the name holds "%25" literally
    sources = fx.text_source(
        fx.S1,
        "Odd",
        fx.selection(0, 8, fx.coding(fx.C_OTHER, n=1), 1),
        path="relative:///Interviews%202024/Entrevista%20%C3%A9t%C3%A9%20%F0%9F%98%80.txt",
    ) + fx.text_source(
        fx.S2, "Percent", fx.selection(0, 6, fx.coding(fx.C_OTHER, n=2), 2), path="relative://100%25 sure.txt"
    )
    src = tmp_path / "odd.qdpx"
    fx.write_qdpx(src, fx.project(sources, base_path="/somewhere/else"))
    meta = import_ok(src, tmp_path / "out", "--sources", str(mine))
    excerpts = {r["document_id"]: r["excerpt"] for r in rows(tmp_path / "out" / "codings.csv")}
    assert excerpts == {"Odd": fx.TEXT1[:8], "Percent": fx.TEXT2[:6]}
    assert meta["counts"]["skipped_items"] == 0
    assert meta["import"]["relative_sources"].startswith("read from the folder given with --sources")
    assert str(mine) not in everything_written(tmp_path / "out")


def test_sources_must_be_a_folder_and_only_for_refi(tmp_path, capsys):
    src = relative_project(tmp_path, "relative://a.txt")
    assert cli.main(["import", str(src), "--out", str(tmp_path / "o"), "--sources", str(tmp_path / "nope")]) == 1
    assert "nope: --sources must be an existing folder" in capsys.readouterr().err
    project = fx.qualcoder_project(tmp_path)
    assert cli.main(["import", str(project), "--out", str(tmp_path / "o"), "--sources", str(tmp_path)]) == 1
    assert "--sources is for REFI-QDA projects" in capsys.readouterr().err


# --- internal:// ---------------------------------------------------------------------------------


def test_bare_qde_reads_sources_beside_it(tmp_path):
    src = fx.bare_qde(tmp_path)
    import_ok(src, tmp_path / "out")
    assert rows(tmp_path / "out" / "codings.csv")[0]["excerpt"] == fx.TEXT1[:16]


def test_bare_qde_link_out_of_sources_is_refused(tmp_path, outside, capsys):
    src = fx.bare_qde(tmp_path)
    member = src.parent / "Sources" / "one.txt"
    member.unlink()
    member.symlink_to(outside / "secret.txt")
    assert cli.main(["import", str(src), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert (
        err.count("\n") == 2
        and err.endswith(" 1 problem; nothing was written\n")
        and "project.qde, line 2: 'internal://one.txt'" in err
    )
    assert "a symbolic link leads out of the folder (Sources/ beside the project file): refused" in err
    assert not (tmp_path / "out").exists()


def test_bare_qde_sources_folder_linked_elsewhere_is_refused(tmp_path, outside, capsys):
    src = fx.bare_qde(tmp_path)
    shutil.rmtree(src.parent / "Sources")
    (src.parent / "Sources").symlink_to(outside, target_is_directory=True)
    assert cli.main(["import", str(src), "--out", str(tmp_path / "out")]) == 1
    assert "Sources/ beside the project file is a symbolic link out of its folder" in capsys.readouterr().err


def test_internal_path_with_encoded_dots_is_refused(tmp_path, capsys):
    src = tmp_path / "escape.qde"
    src.write_text(
        fx.project(fx.text_source(fx.S1, "x", "", path="internal://%2E%2E/%2e%2e/etc/passwd")), encoding="utf-8"
    )
    assert cli.main(["import", str(src), "--out", str(tmp_path / "out")]) == 1
    assert "points outside the project ('..' leads out of the folder)" in capsys.readouterr().err


def test_empty_internal_path_is_only_missing(tmp_path):
    import_ok(relative_project(tmp_path, "internal://", end=4), tmp_path / "out")
    assert missing_detail(tmp_path / "out").startswith("plainTextPath is empty")


# --- canonical CSV folders: no symbolic links ---------------------------------------------------


@pytest.fixture
def canonical(tmp_path: Path) -> Path:
    folder = tmp_path / "coded"
    import_project(fx.cases_and_variables(tmp_path), folder)  # has participants.csv too
    return folder


@pytest.mark.parametrize("name", ["corpus.yaml", "documents.csv", "codings.csv", "participants.csv"])
def test_symlinked_canonical_file_is_refused(tmp_path, canonical, capsys, name):
    linked = tmp_path / "linked"
    linked.mkdir()
    for f in canonical.iterdir():
        shutil.copy(f, linked / f.name)
    (linked / name).unlink()
    (linked / name).symlink_to(canonical / name)  # even a link to a harmless copy is not followed
    with pytest.raises(DataValidationError, match=f"{name}: is a symbolic link, which is never followed"):
        load_coded(linked, check_codes=False)
    assert cli.main(["import", str(linked), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert (
        err == f"error: {linked / name}: a symbolic link, which is never followed (copy the file itself into "
        f"the folder)\nimport: 1 problem; nothing was written\n"
    )
    assert not (tmp_path / "out").exists()


# --- QualCoder: nothing computed when read, text charged to --max-size ---------------------------


def qualcoder_with(tmp_path: Path, texts: list[str], generated: str = "") -> Path:
    """A minimal QualCoder database; ``generated`` replaces the stored fulltext column by a computed one."""
    folder = tmp_path / "Hostile.qda"
    folder.mkdir()
    stored = "" if generated.endswith("VIRTUAL") else f", {generated or 'fulltext text'}"
    with sqlite3.connect(folder / "data.qda") as conn:
        conn.executescript(f"""
            CREATE TABLE source (id integer primary key, name text, mediapath text{stored});
            CREATE TABLE code_name (cid integer primary key, name text, memo text, catid integer);
            CREATE TABLE code_text (cid integer, fid integer, seltext text, pos0 integer, pos1 integer, owner text);
            INSERT INTO code_name VALUES (1, 'code', '', NULL);
        """)
        for i, text in enumerate(texts, start=1):
            if generated:
                conn.execute("INSERT INTO source (id, name) VALUES (?, ?)", (i, f"text {i}"))
            else:
                conn.execute("INSERT INTO source (id, name, fulltext) VALUES (?, ?, ?)", (i, f"text {i}", text))
            conn.execute("INSERT INTO code_text VALUES (1, ?, '', 0, 4, 'ann')", (i,))
        if not stored:  # added afterwards, as a crafted file would: nothing is computed until read
            conn.execute(f"ALTER TABLE source ADD COLUMN {generated}")
    conn.close()
    return folder


@pytest.mark.parametrize("kind", ["VIRTUAL", "STORED"])
def test_qualcoder_generated_fulltext_is_refused(tmp_path, capsys, kind):
    """The issue's 12 KB database: fulltext computed as 1.2 GB of text when read."""
    width = 1_200_000_000 if kind == "VIRTUAL" else 10  # a stored column is computed on insert: keep it small
    project = qualcoder_with(tmp_path, [""], f"fulltext text GENERATED ALWAYS AS (printf('%.*c', {width}, 'x')) {kind}")
    assert (project / "data.qda").stat().st_size < 64 * 1024
    assert cli.main(["import", str(project), "--out", str(tmp_path / "out"), "--max-size", "10MiB"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 2 and err.endswith(" 1 problem; nothing was written\n")
    assert "Hostile.qda: data.qda: table 'source', column 'fulltext': a generated or hidden column: refused" in err
    assert not (tmp_path / "out").exists()


def test_qualcoder_text_larger_than_max_size_is_never_fetched(tmp_path, capsys):
    project = qualcoder_with(tmp_path, ["x" * (3 * MiB)])
    tracemalloc.start()
    try:
        assert cli.main(["import", str(project), "--out", str(tmp_path / "out"), "--max-size", "1MiB"]) == 1
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    err = capsys.readouterr().err
    assert "data.qda: table source, column fulltext: a value longer than 1 MiB" in err
    assert "raise it with --max-size" in err
    assert peak < MiB  # the 3 MiB text never became a Python object


def test_qualcoder_texts_together_larger_than_max_size(tmp_path, capsys):
    project = qualcoder_with(tmp_path, ["a" * 600_000, "b" * 600_000])
    assert cli.main(["import", str(project), "--out", str(tmp_path / "out"), "--max-size", "1MiB"]) == 1
    err = capsys.readouterr().err
    assert "data.qda: table source, source 'text 2', column fulltext: more than 1 MiB" in err
    assert "--max-size" in err
    import_ok(project, tmp_path / "out", "--max-size", "2MiB")  # and with room, it imports


# --- legitimate large inputs --------------------------------------------------------------------


def test_15_mb_inline_plain_text_content_imports(tmp_path):
    """libxml2 refuses a text node over 10 MB unless told otherwise ("try XML_PARSE_HUGE")."""
    text = "Clinical leaders speak. " * 650_000  # 15.6 MB
    tail = len(text) - len("speak. ")
    body = fx.selection(tail, len(text), fx.coding(fx.C_OTHER, n=1), 1)
    src = tmp_path / "big.qde"
    src.write_text(fx.project(fx.text_source(fx.S1, "Long", body, content=text)), encoding="utf-8")
    assert src.stat().st_size > 15_000_000
    import_ok(src, tmp_path / "out")
    assert rows(tmp_path / "out" / "documents.csv")[0]["n_chars"] == str(len(text))
    assert rows(tmp_path / "out" / "codings.csv")[0]["excerpt"] == "speak. "


def test_taguette_highlight_longer_than_csv_default_limit(tmp_path):
    content = ("A very long highlight, word after word. " * 5_000)[:200_000]
    folder = tmp_path / "tg"
    folder.mkdir()
    with (folder / "highlights.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(
            [
                ["id", "document", "tag", "content"],
                ["1", "Interview", "long", content],
                ["2", "Interview", "short", "Short one."],
            ]
        )
    import_ok(folder / "highlights.csv", tmp_path / "out")
    codings = rows(tmp_path / "out" / "codings.csv")
    assert [(r["code"], len(r["excerpt"])) for r in codings] == [("long", 200_000), ("short", 10)]
    assert codings[0]["excerpt"] == content
    assert csv.field_size_limit() == 131_072  # the process-wide limit is put back
    import_ok(tmp_path / "out", tmp_path / "again", "--anonymise-coders")  # the canonical output reads back


# --- --max-size and --max-ratio -------------------------------------------------------------------


@pytest.mark.parametrize(
    "option,value",
    [
        ("--max-ratio", "nan"),
        ("--max-ratio", "0"),
        ("--max-ratio", "-1"),
        ("--max-ratio", "inf"),
        ("--max-ratio", "abc"),
        ("--max-size", "0"),
        ("--max-size", "-5"),
        ("--max-size", "abc"),
    ],
)
def test_bad_limits_are_one_line_errors(tmp_path, capsys, option, value):
    assert cli.main(["import", str(fx.ATLAS), "--out", str(tmp_path / "out"), option, value]) == 1
    err = capsys.readouterr().err
    assert (
        err.startswith(f"error: {option}: '{value}' is not ")
        and err.count("\n") == 2
        and err.endswith(" 1 problem; nothing was written\n")
    ), err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_ratio": float("nan")},
        {"max_ratio": 0},
        {"max_ratio": -1.0},
        {"max_total_bytes": 0},
        {"max_total_bytes": -5},
    ],
)
def test_limits_refuse_values_that_switch_a_cap_off(kwargs):
    with pytest.raises(ValueError):
        Limits(**kwargs)


def test_ratio_message_names_the_option(tmp_path, capsys):
    src = fx.zip_with(
        tmp_path / "bomb.qdpx", [("project.qde", fx.project("").encode()), ("Sources/big.txt", bytes(8 * MiB))]
    )
    assert cli.main(["import", str(src), "--out", str(tmp_path / "out")]) == 1
    assert "raise the limit with --max-ratio" in capsys.readouterr().err
    import_ok(src, tmp_path / "out", "--max-ratio", "100000")  # a genuine file with a higher cap imports


# --- --no-excerpts ------------------------------------------------------------------------------


def no_excerpts(src: Path, out: Path, *extra: str) -> dict:
    meta = import_ok(src, out, "--no-excerpts", *extra)
    codings = rows(out / "codings.csv")
    assert codings and all(r["excerpt"] == "" for r in codings)
    assert meta["import"]["excerpts_withheld"] is True
    return meta


def test_no_excerpts_refi(tmp_path):
    src = fx.nested_and_paths(tmp_path, tmp_path / "base")
    meta = no_excerpts(src, tmp_path / "out", "--sources", str(tmp_path / "base"))
    assert meta["import"]["excerpts"].startswith("withheld")
    written = everything_written(tmp_path / "out")
    for secret in (fx.TEXT1[:16], fx.TEXT2[:17], fx.TEXT3[:10], fx.INLINE[:12]):
        assert secret not in written
    # ATLAS.ti names quotations by their text: those names are not written either.
    no_excerpts(fx.ATLAS, tmp_path / "atlas")
    assert "Oh, that was great" not in everything_written(tmp_path / "atlas")


def test_no_excerpts_qualcoder(tmp_path):
    no_excerpts(fx.qualcoder_project(tmp_path), tmp_path / "out")
    assert "The GP lead" not in everything_written(tmp_path / "out")


def test_no_excerpts_taguette(tmp_path):
    no_excerpts(fx.taguette_export(tmp_path), tmp_path / "out")
    assert "The GP lead" not in everything_written(tmp_path / "out")


def test_no_excerpts_canonical(tmp_path):
    first = tmp_path / "first"
    import_project(fx.simple(tmp_path), first)
    assert rows(first / "codings.csv")[0]["excerpt"] == fx.TEXT1[:16]
    meta = no_excerpts(first, tmp_path / "out")
    assert meta["import"]["excerpts"].startswith("withheld")
    assert meta["counts"] == yaml.safe_load((first / "corpus.yaml").read_text(encoding="utf-8"))["counts"]
    assert fx.TEXT1[:16] not in everything_written(tmp_path / "out")
    # Without a corpus.yaml the written one says so too.
    (first / "corpus.yaml").unlink()
    no_excerpts(first, tmp_path / "out2")


def test_no_excerpts_in_the_api(tmp_path):
    import_project(fx.simple(tmp_path), tmp_path / "out", excerpts=False)
    assert [r["excerpt"] for r in rows(tmp_path / "out" / "codings.csv")] == [""]
    assert os.listdir(tmp_path / "out")
