r"""Code names containing "/" stay distinct codes in every format; format_version 1 reads as before.

The case from the issue: a top-level code "a/b" and a child "b" of "a" coded on the same span were
merged into one code and the second coding dropped as a duplicate; "yes/no" made a phantom "yes".
In format version 2 the top-level code is written a\/b (a "/" inside a name is escaped).
"""

from __future__ import annotations

import csv
import shutil
import sqlite3
from pathlib import Path

import pytest
import yaml

from ics_leadership.coding import codepath
from ics_leadership.coding.coded import load_coded
from ics_leadership.coding.mapping import apply_mapping, load_mapping
from ics_leadership.core.errors import DataValidationError
from ics_leadership.facts.codebook import load_codebook
from ics_leadership.qda import import_project

import qda_fixtures as fx

TOP_AB = r"a\/b"  # the top-level code named "a/b"
CHILD = "a/b"  # the code "b" under "a"
YES_NO = r"yes\/no"
TEXT = "Both codes sit on this span. Then yes or no."


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def check_distinct(out: Path, coders: int = 1) -> None:
    """Both codings kept, both codes in the codebook, and no phantom parent."""
    coded = load_coded(out, check_codes=False)
    assert coded.format_version == 2
    codings = sorted(zip(coded.codings["code"], coded.codings["start"], coded.codings["end"]))
    assert (CHILD, 0, 4) in codings and (TOP_AB, 0, 4) in codings
    assert sum(1 for c in codings if c[0] in (CHILD, TOP_AB)) == 2 * coders
    book = {r["code"]: r for r in rows(out / "codebook.csv")}
    assert book[TOP_AB]["parent"] == "" and book[CHILD]["parent"] == "a"
    assert (book[TOP_AB]["codings"], book[CHILD]["codings"]) == (str(coders), str(coders))
    assert book[YES_NO]["parent"] == ""
    assert "yes" not in book  # no phantom parent
    assert set(book) == {"a", CHILD, TOP_AB, YES_NO}
    report = " ".join(r["what"] for r in rows(out / "import_report.csv"))
    assert "identical codings removed" not in report


# --- the rules ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "names,path",
    [
        (["a/b"], r"a\/b"),
        (["a", "b"], "a/b"),
        (["C:\\x"], r"C:\\x"),
        (["a\\", "/"], r"a\\/\/"),
        ([""], ""),
    ],
)
def test_join_and_split_are_inverse(names, path):
    assert codepath.join(names) == path
    assert codepath.split(path) == names


def test_parent_and_versions():
    assert codepath.parent(TOP_AB) == "" and codepath.parent(CHILD) == "a"
    assert codepath.parent(r"x/a\/b/c") == r"x/a\/b"
    assert codepath.split(TOP_AB, version=1) == ["a\\", "b"]  # version 1: every "/" separates, "\" is a letter
    assert codepath.convert(r"a\b/c", 1) == r"a\\b/c"
    assert codepath.ancestors(r"x/a\/b/c") == ["x", r"x/a\/b"]


@pytest.mark.parametrize("bad", ["a\\b", "a\\", "x/\\n"])
def test_a_lone_backslash_is_an_error(bad):
    with pytest.raises(ValueError, match="not an escape"):
        codepath.split(bad)


# --- every format ---------------------------------------------------------------------------------


def test_refi_keeps_a_slash_name_apart_from_a_child(tmp_path):
    g_a, g_b, g_ab, g_yn = (fx.guid(n, "C9") for n in range(1, 5))
    codebook = (
        "<CodeBook><Codes>"
        f'<Code guid="{g_a}" name="a" isCodable="false"><Code guid="{g_b}" name="b" isCodable="true"/></Code>'
        f'<Code guid="{g_ab}" name="a/b" isCodable="true"/><Code guid="{g_yn}" name="yes/no" isCodable="true"/>'
        "</Codes></CodeBook>"
    )
    body = fx.selection(0, 4, fx.coding(g_b, n=1) + fx.coding(g_ab, n=2), 1) + fx.selection(
        34, 44, fx.coding(g_yn, n=3), 2
    )
    src = fx.write_qdpx(
        tmp_path / "slash.qdpx",
        fx.project(fx.text_source(fx.S1, "Interview 1", body, path="internal://one.txt"), codebook=codebook),
        {"Sources/one.txt": TEXT.encode()},
    )
    import_project(src, tmp_path / "out")
    check_distinct(tmp_path / "out")


def test_atlas_style_names_split_on_double_colon_only(tmp_path):
    g1, g2 = fx.guid(1, "C8"), fx.guid(2, "C8")
    codebook = (
        f'<CodeBook><Codes><Code guid="{g1}" name="a::b" isCodable="true"/>'
        f'<Code guid="{g2}" name="a/b" isCodable="true"/></Codes></CodeBook>'
    )
    body = fx.selection(0, 4, fx.coding(g1, n=1) + fx.coding(g2, n=2), 1)
    src = fx.write_qdpx(
        tmp_path / "atlas.qdpx",
        fx.project(fx.text_source(fx.S1, "Interview 1", body, path="internal://one.txt"), codebook=codebook),
        {"Sources/one.txt": TEXT.encode()},
    )
    import_project(src, tmp_path / "out")
    assert sorted(load_coded(tmp_path / "out", check_codes=False).codings["code"]) == [CHILD, TOP_AB]


def test_qualcoder_keeps_a_slash_name_apart_from_a_child(tmp_path):
    folder = tmp_path / "Slash.qda"
    folder.mkdir()
    conn = sqlite3.connect(folder / "data.qda")
    conn.executescript("""
        CREATE TABLE source (id integer primary key, name text, fulltext text);
        CREATE TABLE code_cat (catid integer primary key, name text, memo text, supercatid integer);
        CREATE TABLE code_name (cid integer primary key, name text, memo text, catid integer);
        CREATE TABLE code_text (cid integer, fid integer, seltext text, pos0 integer, pos1 integer, owner text);
    """)
    conn.execute("INSERT INTO source VALUES (1, 'Interview 1', ?)", (TEXT,))
    conn.execute("INSERT INTO code_cat VALUES (1, 'a', '', NULL)")
    conn.executemany(
        "INSERT INTO code_name VALUES (?,?,?,?)", [(1, "b", "", 1), (2, "a/b", "", None), (3, "yes/no", "", None)]
    )
    conn.executemany(
        "INSERT INTO code_text VALUES (?,?,?,?,?,?)",
        [(1, 1, "Both", 0, 4, "ann"), (2, 1, "Both", 0, 4, "ann"), (3, 1, TEXT[34:44], 34, 44, "ann")],
    )
    conn.commit()
    conn.close()
    import_project(folder, tmp_path / "out")
    check_distinct(tmp_path / "out")


def test_taguette_keeps_a_slash_name_apart_from_a_child(tmp_path):
    folder = tmp_path / "tag"
    folder.mkdir()
    (folder / "highlights.csv").write_text(
        "id,document,tag,content,start,end\n1,Interview 1,b,Both,0,4\n1,Interview 1,a/b,Both,0,4\n"
        f"2,Interview 1,yes/no,{TEXT[34:44]},34,44\n",
        encoding="utf-8",
    )
    (folder / "codebook.csv").write_text(
        "tag,description,number of highlights,parent\na,,0,\nb,,1,a\na/b,,1,\nyes/no,,1,\n", encoding="utf-8"
    )
    import_project(folder / "highlights.csv", tmp_path / "out", fmt="taguette")
    check_distinct(tmp_path / "out")


def test_canonical_csv_keeps_a_slash_name_apart_from_a_child(tmp_path):
    folder = tmp_path / "own"
    folder.mkdir()
    (folder / "documents.csv").write_text(
        "document_id,participant_id,source_type,n_chars\nd1,,interview,44\n", encoding="utf-8"
    )
    (folder / "codings.csv").write_text(
        f"document_id,start,end,code,coder\nd1,0,4,{TOP_AB},ann\nd1,0,4,{CHILD},ann\nd1,34,44,{YES_NO},ann\n",
        encoding="utf-8",
    )
    (folder / "corpus.yaml").write_text("format_version: 2\nsynthetic: false\n", encoding="utf-8")
    import_project(folder, tmp_path / "out")
    check_distinct(tmp_path / "out")
    # A version-2 folder written by the tool passes through unchanged.
    import_project(tmp_path / "out", tmp_path / "again")
    for name in ("documents.csv", "codings.csv", "corpus.yaml"):
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "again" / name).read_bytes(), name


def test_canonical_version_2_rejects_a_bad_escape(tmp_path):
    folder = tmp_path / "own"
    folder.mkdir()
    (folder / "documents.csv").write_text("document_id,participant_id,source_type,n_chars\nd1,,interview,9\n")
    (folder / "codings.csv").write_text("document_id,start,end,code,coder\nd1,0,4,C:\\temp,ann\n")
    (folder / "corpus.yaml").write_text("format_version: 2\n")
    with pytest.raises(DataValidationError, match=r"codings.csv, row 1 \(line 2\), field 'code'.*not an escape"):
        load_coded(folder, check_codes=False)


# --- version 1 folders and mappings ---------------------------------------------------------------


def version_1_folder(tmp_path: Path) -> Path:
    """A folder as the tool wrote it before format_version: no escapes, no protected cells."""
    folder = tmp_path / "v1"
    folder.mkdir()
    (folder / "documents.csv").write_text(
        "document_id,participant_id,source_type,n_chars\n'=d1,,interview,44\n", encoding="utf-8"
    )
    (folder / "codings.csv").write_text(
        "document_id,start,end,code,coder,excerpt\n'=d1,0,4,yes/no,ann,'-x\n'=d1,5,9,C:\\x,ann,y\n", encoding="utf-8"
    )
    (folder / "corpus.yaml").write_text("synthetic: false\ndescription: old import\n", encoding="utf-8")
    return folder


def test_version_1_folder_reads_as_before(tmp_path):
    coded = load_coded(version_1_folder(tmp_path), check_codes=False)
    assert coded.format_version == 1
    assert list(coded.codings["code"]) == ["yes/no", "C:\\x"]  # as written: no escapes in version 1
    assert list(coded.codings["document_id"]) == ["'=d1", "'=d1"]  # and no ' removed
    assert list(coded.codings["excerpt"]) == ["'-x", "y"]


def test_version_1_folder_is_imported_as_version_2(tmp_path):
    import_project(version_1_folder(tmp_path), tmp_path / "out")
    out = tmp_path / "out"
    meta = yaml.safe_load((out / "corpus.yaml").read_text(encoding="utf-8"))
    assert meta["format_version"] == 2 and meta["description"] == "old import"
    coded = load_coded(out, check_codes=False)
    assert list(coded.codings["code"]) == ["yes/no", r"C:\\x"]  # same levels, now escaped
    assert list(coded.codings["document_id"]) == ["'=d1", "'=d1"]  # the same values
    assert list(coded.codings["excerpt"]) == ["'-x", "y"]
    assert (out / "codings.csv").read_text(encoding="utf-8").splitlines()[1] == "''=d1,0,4,yes/no,ann,''-x"
    assert {r["code"] for r in rows(out / "codebook.csv")} == {"yes", "yes/no", r"C:\\x"}
    assert "read as format version 1" in {r["what"] for r in rows(out / "import_report.csv")}


def test_unknown_format_version_is_an_error_naming_file_and_field(tmp_path):
    folder = version_1_folder(tmp_path)
    (folder / "corpus.yaml").write_text("format_version: 3\n", encoding="utf-8")
    with pytest.raises(
        DataValidationError, match=r"corpus.yaml, line 1, field 'format_version': not a format version "
    ):
        load_coded(folder, check_codes=False)
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("codes: {}\nformat_version: two\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as info:
        load_mapping(mapping, load_codebook())
    assert str(info.value).endswith(
        "mapping.yaml, line 2, field 'format_version': not a format version (a whole number, 1 or 2)"
    )


@pytest.fixture
def slash_import(tmp_path) -> Path:
    folder = tmp_path / "own"
    folder.mkdir()
    (folder / "documents.csv").write_text("document_id,participant_id,source_type,n_chars\nd1,,interview,44\n")
    (folder / "codings.csv").write_text(
        f"document_id,start,end,code,coder\nd1,0,4,{TOP_AB},ann\nd1,0,4,{CHILD},ann\nd1,34,44,{YES_NO},ann\n"
    )
    (folder / "corpus.yaml").write_text("format_version: 2\n")
    return folder


def mapped(folder: Path, tmp_path: Path, text: str):
    path = tmp_path / "mapping.yaml"
    path.write_text(text, encoding="utf-8")
    return apply_mapping(load_coded(folder, check_codes=False), load_mapping(path, load_codebook()))


def test_mapping_with_escaped_keys(slash_import, tmp_path):
    data, report = mapped(
        slash_import,
        tmp_path,
        ("format_version: 2\ncodes:\n  'a\\/b': representation\n  a/b: relational\n  \"yes\\\\/no\": ignore\n"),
    )  # double quotes: YAML needs the backslash doubled
    status = dict(zip(report["project code"], report["status"]))
    assert status == {TOP_AB: "mapped", CHILD: "mapped", YES_NO: "ignored by the mapping"}
    assert sorted(data.codings["code"]) == ["relational", "representation"]


def test_version_1_mapping_reads_slash_as_a_level(slash_import, tmp_path):
    data, report = mapped(slash_import, tmp_path, "codes:\n  a/b: relational\n  yes/no: representation\n")
    status = dict(zip(report["project code"], report["status"]))
    assert status[CHILD] == "mapped"
    # "a/b" in a version-1 mapping is "b" under "a"; the codes it might have meant say why they are unmapped
    assert status[TOP_AB].startswith("unmapped (the mapping has no format_version")
    assert status[YES_NO].startswith("unmapped (the mapping has no format_version")
    assert list(data.codings["code"]) == ["relational"]


def test_version_1_mapping_on_a_version_1_folder(tmp_path):
    data, report = mapped(version_1_folder(tmp_path), tmp_path, "codes:\n  yes/no: relational\n  C:\\x: ignore\n")
    assert dict(zip(report["project code"], report["status"])) == {
        "yes/no": "mapped",
        "C:\\x": "ignored by the mapping",
    }


def test_example_mapping_still_maps_the_atlas_sample(tmp_path):
    import_project(fx.ATLAS, tmp_path / "out")
    mapping = load_mapping(fx.EXAMPLES / "mapping.yaml", load_codebook())
    assert mapping.format_version == 2
    _data, report = apply_mapping(load_coded(tmp_path / "out", check_codes=False), mapping)
    assert dict(zip(report["project code"], report["status"]))["Coke/diet Coke"] == "mapped"


def test_synthetic_corpus_says_format_version_2(tmp_path):
    from ics_leadership.facts import demo_corpus as synthetic

    out = synthetic.write(tmp_path / "syn")
    assert yaml.safe_load((out / "corpus.yaml").read_text(encoding="utf-8"))["format_version"] == 2
    shutil.rmtree(out)
