"""Every CSV the tool writes is safe to open in a spreadsheet, and the canonical loader reads it back exactly.

A text cell that starts with = + - @, a tab, a CR or ' is written with one ' in front (OWASP's
guidance on CSV injection); numbers are not text; format version 2 loaders remove exactly that '.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ics_leadership.coding import codepath
from ics_leadership.coding.coded import load_coded
from ics_leadership.core.csvformat import protect, unprotect
from ics_leadership.core.derived import write_csv
from ics_leadership.qda import import_project
from ics_leadership.qda.writer import csv_line

import qda_fixtures as fx

TRICKY = [
    "=1+2",
    "'=1+2",
    "''",
    "'",
    "-",
    "+",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "\tx",
    "-3",
    "+1.5",
    "-3x",
    "-1+1",
    '=HYPERLINK("http://x","y")',
    "plain",
    "",
    "a'b",
    "'plain",
    "-.5",
    "1e5",
    "--1",
]

# Text a spreadsheet would see: anything, with the characters that matter made likely.
texts = st.one_of(
    st.sampled_from(TRICKY), st.text(alphabet=st.sampled_from("=+-@'\t\r\n\",x1 ."), max_size=8), st.text(max_size=12)
)


def read_cell(line: str) -> list[str]:
    return next(csv.reader(io.StringIO(line, newline="")))


# --- the rule --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,written",
    [
        ("=1+2", "'=1+2"),
        ("'=1+2", "''=1+2"),
        ("''", "'''"),
        ("'", "''"),
        ("-", "'-"),
        ("@x", "'@x"),
        ("\t=1", "'\t=1"),
        ("\rx", "'\rx"),
        ("-3", "-3"),
        ("+1.5", "+1.5"),
        ("-3x", "'-3x"),
        ("-1+1", "'-1+1"),
        ("x=1", "x=1"),
        ("", ""),
        ("a'", "a'"),
    ],
)
def test_protect(text, written):
    assert protect(text) == written
    assert unprotect(written) == text


def test_unprotect_removes_only_a_protecting_quote():
    assert unprotect("'plain") == "'plain"  # ' then a letter: written as typed, kept
    assert unprotect("'''") == "''" and unprotect("'") == "'"


@settings(max_examples=60, deadline=None)
@given(texts)
def test_cells_round_trip_through_csv(text):
    line = csv_line([text, 7, -3, text])
    cells = read_cell(line)
    assert [unprotect(c) for c in cells] == [text, "7", "-3", text]
    assert cells[1:3] == ["7", "-3"]  # numbers are not text: never prefixed
    first = cells[0]
    if first[:1] in ("=", "+", "-", "@", "\t", "\r"):
        assert first == text and first[0] in "+-"  # only a bare number starts like that


# --- the tool's own files --------------------------------------------------------------------------


def hostile_project(tmp_path: Path) -> Path:
    """Names, a code, a coder, a case and attribute values that a spreadsheet would run as formulas."""
    text = '=HYPERLINK("http://evil","click") and more words here.'
    v_age, v_note = fx.guid(1, "A7"), fx.guid(2, "A7")
    variables = (
        f'<Variables><Variable guid="{v_age}" name="offset" typeOfVariable="Integer"/>'
        f'<Variable guid="{v_note}" name="@note" typeOfVariable="Text"/></Variables>'
    )

    def value(var: str, tag: str, text: str) -> str:
        return f'<VariableValue><VariableRef targetGUID="{var}"/><{tag}>{text}</{tag}></VariableValue>'

    cases = (
        f'<Cases><Case guid="{fx.guid(1, "CA")}" name="-P01">{value(v_age, "IntegerValue", "-3")}'
        f'{value(v_note, "TextValue", "=1+2")}<SourceRef targetGUID="{fx.S1}"/></Case></Cases>'
    )
    codebook = f'<CodeBook><Codes><Code guid="{fx.C_OTHER}" name="+SUM(1,2)" isCodable="true"/></Codes></CodeBook>'
    users = f'<Users><User guid="{fx.U_ANNA}" name="@anna"/></Users>'
    body = fx.selection(0, 33, fx.coding(fx.C_OTHER, n=1), 1)
    qde = fx.project(
        fx.text_source(fx.S1, "=cmd|' /C calc'!A0", body, path="internal://one.txt"),
        codebook=codebook,
        users=users,
        extra_before_sources=variables + cases,
    )
    return fx.write_qdpx(tmp_path / "hostile.qdpx", qde, {"Sources/one.txt": text.encode()})


def test_import_writes_formulas_as_text_and_reads_them_back(tmp_path):
    out = tmp_path / "out"
    import_project(hostile_project(tmp_path), out)
    codings = (out / "codings.csv").read_bytes().decode("utf-8").splitlines()
    assert codings[1] == '\'=cmd|\' /C calc\'!A0,0,33,"\'+SUM(1,2)",\'@anna,"\'=HYPERLINK(""http://evil"",""click"")"'
    participants = (out / "participants.csv").read_text(encoding="utf-8").splitlines()
    assert participants == ["participant_id,site,level,offset,'@note", "'-P01,,,-3,'=1+2"]  # -3 stays a number
    documents = (out / "documents.csv").read_text(encoding="utf-8").splitlines()
    assert documents[1] == "'=cmd|' /C calc'!A0,'-P01,other,54"
    assert (out / "codebook.csv").read_text(encoding="utf-8").splitlines()[1].startswith('"\'+SUM(1,2)",,')
    coded = load_coded(out, check_codes=False)
    assert list(coded.codings["document_id"]) == ["=cmd|' /C calc'!A0"]
    assert list(coded.codings["code"]) == ["+SUM(1,2)"]
    assert list(coded.codings["coder"]) == ["@anna"]
    assert list(coded.codings["excerpt"]) == ['=HYPERLINK("http://evil","click")']
    assert list(coded.participants["participant_id"]) == ["-P01"]
    assert list(coded.participants["@note"]) == ["=1+2"] and list(coded.participants["offset"]) == ["-3"]


ids = st.text(min_size=1, max_size=10).filter(lambda t: t.strip() == t and t and "\x00" not in t)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    doc=st.one_of(st.sampled_from(["=1+2", "'=1+2", "''", "-", "@a", "+", "'x"]), ids),
    name=st.one_of(st.sampled_from(["=1/2", "-a\\b", "'", "@"]), ids),
    excerpt=st.one_of(st.sampled_from(TRICKY), st.text(max_size=12).filter(lambda t: "\x00" not in t)),
)
def test_canonical_loader_reads_what_the_writer_wrote(tmp_path, doc, name, excerpt):
    """Arbitrary ids, code names and excerpts survive a write and a load exactly (excerpts verbatim)."""
    folder = tmp_path / "round"
    folder.mkdir(exist_ok=True)
    code = codepath.join([name])
    (folder / "documents.csv").write_text(
        csv_line(["document_id", "participant_id", "source_type", "n_chars"]) + csv_line([doc, "", "interview", 20]),
        encoding="utf-8",
        newline="",
    )
    (folder / "codings.csv").write_text(
        csv_line(["document_id", "start", "end", "code", "coder", "excerpt"])
        + csv_line([doc, 0, 5, code, name, excerpt]),
        encoding="utf-8",
        newline="",
    )
    (folder / "corpus.yaml").write_text("format_version: 2\n", encoding="utf-8")
    coded = load_coded(folder, check_codes=False)
    row = coded.codings.iloc[0]
    assert (row["document_id"], row["code"], row["coder"]) == (doc, code, name)
    assert codepath.split(row["code"]) == [name]
    if excerpt:
        assert row["excerpt"] == excerpt
    else:
        assert pd.isna(row["excerpt"])


def test_summary_tables_are_spreadsheet_safe(tmp_path):
    frame = pd.DataFrame({"project code": ["=1+2", "-x", "ok"], "codings": [-3, 2, 1], "share": [-0.5, 0.25, 1.0]})
    path = write_csv(frame.astype({"project code": "string"}), tmp_path / "t.csv")
    assert path.read_text(encoding="utf-8").splitlines() == [
        "project code,codings,share",
        "'=1+2,-3,-0.5",
        "'-x,2,0.25",
        "ok,1,1",
    ]


def test_import_report_is_spreadsheet_safe(tmp_path):
    out = tmp_path / "out"
    body = fx.selection(0, 4, fx.coding(fx.C_OTHER, n=1), 1) + fx.selection(0, 4, fx.coding(fx.C_OTHER, n=1), 2)
    qde = fx.project(fx.text_source(fx.S1, "-dup", body, path="internal://one.txt"))
    import_project(fx.write_qdpx(tmp_path / "dup.qdpx", qde, {"Sources/one.txt": b"text here"}), out)
    report = (out / "import_report.csv").read_text(encoding="utf-8").splitlines()
    assert report[1].startswith("note,offsets: every reading agrees,'-dup,,0,")  # how its offsets were read
    assert report[2].startswith("note,identical codings removed,'-dup,,1,")
