"""Canonical data are validated array-wise with exactly the problems of the row-by-row reading.

The row-by-row reading (the loader before issue 12, item 4: the csv module, then a Python loop over
every row and cell) is kept here as the reference. On random small folders with faults put in
(unknown document or participant, a span that ends before it starts or past its document, a
duplicate coding or identifier, a bad whole number, a value not allowed, a blank required cell, a
ragged row, a blank line, protected cells, CR LF, quoted commas and line breaks, astral characters),
the array-wise loader must give the same problems (file, message, row, field, in the same order),
and on clean folders the same tables. Beyond the first rows of each kind, problems are counted, not
listed (tested by hand below). No test here is timed: the timings are in the issue.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ics_leadership.coding import coded, codepath
from ics_leadership.coding.format import CODED_PARTICIPANTS, CODINGS, DOCUMENTS
from ics_leadership.core.csvformat import read_version
from ics_leadership.core.csvrecords import field_counts, read_records
from ics_leadership.core.errors import DataValidationError, Problem
from ics_leadership.core.paths import display_path
from ics_leadership.core.problemrows import LISTED_PER_KIND, RowProblems
from ics_leadership.core.schema import Column, TableSchema, cell_text, read_table
from ics_leadership.facts.codebook import load_codebook

VOICE = "representation/clinical_voice"
CODEBOOK = load_codebook()
_PANDAS_DTYPES = {"string": "string", "integer": "Int64", "number": "Float64", "boolean": "boolean"}


# --- The reference: the row-by-row loader as it was ------------------------------------------------


def reference_read_table(path: Path, schema: TableSchema, format_version: int = 1) -> pd.DataFrame:
    """``core.schema.read_table`` before issue 12 (csv module, a loop over rows and cells)."""
    shown = display_path(path)
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            rows = list(reader)
    except UnicodeDecodeError as exc:
        raise DataValidationError(
            [Problem(shown, f"not valid UTF-8 text ({exc.reason} at byte {exc.start})")]
        ) from None
    if header is None:
        raise DataValidationError([Problem(shown, "file is empty; expected a header row")])
    header = [cell_text(h.lstrip("\ufeff"), None, format_version) for h in header]
    problems: list[Problem] = []
    for name in [c.name for c in schema.columns if c.name not in header and not c.optional_column]:
        problems.append(Problem(shown, "required column is missing", field=name))
    if not schema.extra_columns_allowed:
        for name in header:
            if name not in schema.column_names:
                problems.append(Problem(shown, "unexpected column (not in the schema)", field=name))
    for name in sorted({h for h in header if header.count(h) > 1}):
        problems.append(Problem(shown, "column appears more than once", field=name))
    if problems:
        raise DataValidationError(problems)
    index = {name: header.index(name) for name in schema.column_names if name in header}
    parsed: dict[str, list[object]] = {c.name: [] for c in schema.columns}
    seen: dict[str, dict[object, int]] = {c.name: {} for c in schema.columns if c.unique}
    for i, raw in enumerate(rows, start=1):
        if not any(cell.strip() for cell in raw):
            continue
        if len(raw) != len(header):
            problems.append(Problem(shown, f"has {len(raw)} fields, the header has {len(header)}", row=i))
            continue
        for col in schema.columns:
            text = cell_text(raw[index[col.name]], col, format_version) if col.name in index else ""
            value: object = None
            if text == "":
                if col.required:
                    problems.append(Problem(shown, "is blank but required", row=i, field=col.name))
            else:
                try:
                    value = col.parse(text)
                except ValueError as exc:
                    problems.append(Problem(shown, str(exc), row=i, field=col.name))
            if col.unique and value is not None:
                first = seen[col.name].setdefault(value, i)
                if first != i:
                    problems.append(
                        Problem(shown, f"duplicate value '{value}' (first in row {first})", row=i, field=col.name)
                    )
            parsed[col.name].append(value)
    if problems:
        raise DataValidationError(problems)
    frame = pd.DataFrame(parsed, columns=schema.column_names)
    for col in schema.columns:
        frame[col.name] = frame[col.name].astype(_PANDAS_DTYPES[col.dtype])
    if schema.extra_columns_allowed:
        for name in header:
            if name not in schema.column_names:
                values = [
                    cell_text(r[header.index(name)], None, format_version) if len(r) == len(header) else ""
                    for r in rows
                    if any(cell.strip() for cell in r)
                ]
                frame[name] = pd.array([v or None for v in values], dtype="string")
    return frame


def reference_load(directory: Path) -> coded.CodedData:
    """``coding.coded.load_coded`` before issue 12 (its references, code-path and code checks)."""
    problems: list[Problem] = []
    metadata = coded._read_metadata(directory, problems)
    version = read_version(metadata)
    tables = {}
    for key, schema, required in (
        ("documents", DOCUMENTS, True),
        ("codings", CODINGS, True),
        ("participants", CODED_PARTICIPANTS, False),
    ):
        path = directory / schema.name
        if not path.exists() and not required:
            tables[key] = None
            continue
        try:
            tables[key] = reference_read_table(path, schema, version)
        except DataValidationError as exc:
            problems.extend(exc.problems)
    if problems:
        raise DataValidationError(problems)
    documents, codings, participants = tables["documents"], tables["codings"], tables["participants"]
    docs_file = display_path(directory / DOCUMENTS.name)
    codings_file = display_path(directory / CODINGS.name)
    if participants is not None:
        known_people = set(participants["participant_id"])
        for row, pid in enumerate(documents["participant_id"], start=1):
            if pd.notna(pid) and pid not in known_people:
                problems.append(
                    Problem(
                        docs_file,
                        f"unknown participant '{pid}' (not in participants.csv)",
                        row=row,
                        field="participant_id",
                    )
                )
    length = dict(zip(documents["document_id"], documents["n_chars"], strict=True))
    seen: dict[tuple, int] = {}
    for row, rec in enumerate(codings.itertuples(index=False), start=1):
        if rec.document_id not in length:
            problems.append(
                Problem(
                    codings_file,
                    f"unknown document '{rec.document_id}' (not in documents.csv)",
                    row=row,
                    field="document_id",
                )
            )
            continue
        if rec.end <= rec.start:
            problems.append(
                Problem(codings_file, f"end ({rec.end}) is not after start ({rec.start})", row=row, field="end")
            )
        elif rec.end > length[rec.document_id]:
            problems.append(
                Problem(
                    codings_file,
                    f"span [{rec.start}, {rec.end}) goes beyond the end of document '{rec.document_id}' "
                    f"({length[rec.document_id]} characters)",
                    row=row,
                    field="end",
                )
            )
        first = seen.setdefault((rec.document_id, rec.start, rec.end, rec.code, rec.coder), row)
        if first != row:
            problems.append(
                Problem(codings_file, f"duplicate coding (same document, span, code and coder as row {first})", row=row)
            )
    if version >= 2:
        for row, code in enumerate(codings["code"], start=1):
            if "\\" in code:
                try:
                    codepath.split(code)
                except ValueError as exc:
                    problems.append(Problem(codings_file, str(exc), row=row, field="code"))
    unknown: dict[str, list[int]] = {}
    for row, code in enumerate(codings["code"], start=1):
        if code not in set(CODEBOOK.codes):
            unknown.setdefault(code, []).append(row)
    for code, rows in unknown.items():
        n = len(rows)
        problems.append(
            Problem(
                codings_file,
                f"unknown code '{code}' ({n} coding{'s' if n != 1 else ''}; not in the codebook): map it to a "
                f"compendium code with a mapping file (--mapping, or the notebooks' mapping parameter)",
                row=rows[0],
                field="code",
            )
        )
    if problems:
        raise DataValidationError(problems)
    return coded.CodedData(
        documents=reference_resolve_attributes(documents, participants),
        codings=codings,
        participants=participants,
        directory=directory,
        metadata=metadata,
    )


def reference_resolve_attributes(documents: pd.DataFrame, participants: pd.DataFrame | None) -> pd.DataFrame:
    """``coding.coded._resolve_attributes`` before issue 12."""
    docs = documents.copy()
    for col in ("site", "level", "stage", "sequence"):
        if col not in docs:
            docs[col] = pd.array([None] * len(docs), dtype="Int64" if col == "sequence" else "string")
    if participants is not None:
        people = participants.set_index("participant_id")
        for col in ("site", "level"):
            from_person = docs["participant_id"].map(people[col]) if col in people else None
            if from_person is not None:
                docs[col] = docs[col].fillna(from_person.astype("string"))
        if "group" in people:
            docs["group"] = docs["participant_id"].map(people["group"]).astype("string")
    if "group" not in docs:
        docs["group"] = pd.array([None] * len(docs), dtype="string")
    docs["sequence"] = docs["sequence"].fillna(pd.Series(range(1, len(docs) + 1), index=docs.index)).astype("Int64")
    return docs


def _outcome(load, *args):
    """What a loader gives: its problems (as tuples), or its tables."""
    try:
        result = load(*args)
    except DataValidationError as exc:
        return [(p.file, p.message, p.row, p.field, p.line) for p in exc.problems]
    return result


def _same(new, old) -> None:
    if isinstance(old, list) or isinstance(new, list):
        assert new == old
        return
    frames = ("documents", "codings", "participants") if isinstance(old, coded.CodedData) else None
    for name in frames or (None,):
        a, b = (getattr(new, name), getattr(old, name)) if name else (new, old)
        if b is None:
            assert a is None
        else:
            pd.testing.assert_frame_equal(a, b)


# --- Random folders with faults put in -------------------------------------------------------------

CELLS = {
    "document_id": ["D1", "D2", "D1", " D2 ", "'=D", "😀𝒜", ""],
    "participant_id": ["P1", "P2", "P9", "", " P1"],
    "source_type": ["interview", "observation", "interview", "podcast", ""],
    "n_chars": ["100", "50", " 80 ", "x", "-1", "", "1_0", "٣", "1e3"],
    "site": ["A", "", " B", "'+1"],
    "sequence": ["1", "2", "", "2.5"],
    "c_document_id": ["D1", "D2", "D1", "D9", "'=D", "😀𝒜", " D1"],
    "start": ["0", "10", "40", "95", "x", "", "07", "-3"],
    "end": ["10", "30", "40", "101", "120", "-1", "10 "],
    "code": [VOICE, VOICE, "relational", "Bad\\x", "unknown/code", "'=1+2", "relational "],
    "coder": ["A", "B", "A", "", " A", "-"],
    "excerpt": ["", "a,b", "'=x", "  sp  ", "line\nbreak", '"quoted"', "𝒜,😀"],
    "p_participant_id": ["P1", "P2", "P1", "", "P3"],
    "group": ["clinical", "", "'@x"],
    "level": ["project", "", " thematic "],
}


def _table(draw, columns: list[str], n: int, key_prefix: str = "") -> list[list[str]]:
    return [[draw(st.sampled_from(CELLS.get(key_prefix + c, CELLS.get(c, [""])))) for c in columns] for _ in range(n)]


@st.composite
def folders(draw):
    """(files as text, format version): documents.csv, codings.csv, maybe participants.csv."""
    doc_cols = ["document_id", "participant_id", "source_type", "n_chars"] + draw(
        st.sampled_from([[], ["site"], ["site", "sequence"], ["sequence", "extra"]])
    )
    coding_cols = ["document_id", "start", "end", "code", "coder"] + draw(st.sampled_from([[], ["excerpt"]]))
    # A third of the folders have faults in the tables themselves, a third only across tables
    # (participants, documents, spans, duplicates, code paths, codes), a third none at all.
    mode = draw(st.sampled_from(["tables", "references", "valid"]))
    docs = [["D1", "P1", "interview", "100"] + ["A", "1"][: len(doc_cols) - 4]]
    docs += [["D2", "P2", "observation", "50"] + ["", "2"][: len(doc_cols) - 4]]
    if mode == "tables":
        docs += _table(draw, doc_cols, draw(st.integers(0, 3)))
    else:
        for i in range(draw(st.integers(0, 2))):
            person = draw(st.sampled_from(["P1", ""] + (["P9"] if mode == "references" else [])))
            docs.append([f"D{i + 3}", person, "interview", "20"] + ["", ""][: len(doc_cols) - 4])
    codings = _table(draw, coding_cols, draw(st.integers(0, 8)), "c_")
    if mode == "references":
        for row in codings:
            row[0] = draw(st.sampled_from(["D1", "D2", "D3"] * 3 + ["D9"]))
            spans = [("0", "10"), ("10", "30"), ("0", "20")] * 2 + [("40", "101"), ("30", "30"), ("5", "50")]
            row[1], row[2] = draw(st.sampled_from(spans))
            row[3] = draw(st.sampled_from([VOICE, "relational"] * 3 + ["unknown/code", "Bad\\x"]))
            row[4] = draw(st.sampled_from(["A", "B"]))
        for i in range(1, len(codings)):
            if draw(st.integers(0, 3)) == 0:  # a duplicate coding
                codings[i] = list(codings[draw(st.integers(0, i - 1))])
    elif mode == "valid":
        for row in codings:
            row[0] = draw(st.sampled_from(["D1", "D2"]))
            row[1], row[2] = draw(st.sampled_from([("0", "10"), ("10", "30"), (" 0", "20"), ("5", "50")]))
            row[3] = draw(st.sampled_from([VOICE, "relational"]))
            row[4] = draw(st.sampled_from(["A", "B"]))
        codings = [row for i, row in enumerate(codings) if row[:5] not in [r[:5] for r in codings[:i]]]  # no repeats
    tables = {"documents.csv": (doc_cols, docs), "codings.csv": (coding_cols, codings)}
    if draw(st.booleans()):
        people = [["P1", "North", "executive", "clinical"], ["P2", "", "thematic", ""]]
        people += _table(draw, ["participant_id", "site", "level", "group"], draw(st.integers(0, 2)), "p_")
        people_cols = draw(st.sampled_from([[0, 3], [0, 1, 2, 3], [0, 2]]))  # which columns the file has
        tables["participants.csv"] = (
            [["participant_id", "site", "level", "group"][i] for i in people_cols],
            [[row[i] for i in people_cols] for row in people],
        )
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    files = {}
    for name, (cols, rows) in tables.items():
        out = io.StringIO()
        writer = csv.writer(out, lineterminator=eol)
        writer.writerow(cols)
        for row in rows:
            faults = ["none"] * 8 + ["blank line"] + (["short", "long"] if mode == "tables" else [])
            fault = draw(st.sampled_from(faults))
            writer.writerow(row[:-1] if fault == "short" else row + ["x"] if fault == "long" else row)
            if fault == "blank line":
                out.write(draw(st.sampled_from([eol, ",,," + eol, "  " + eol])))
        files[name] = out.getvalue()
    return files, draw(st.sampled_from([1, 2]))


def _write(folder: Path, files: dict[str, str], version: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    for name, text in files.items():
        (folder / name).write_bytes(text.encode("utf-8"))
    (folder / "corpus.yaml").write_text(f"format_version: {version}\n" if version == 2 else "synthetic: false\n")
    return folder


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(folders())
def test_array_wise_loading_gives_the_reference_problems_and_tables(case):
    files, version = case
    with tempfile.TemporaryDirectory() as tmp:
        folder = _write(Path(tmp) / "coded 😀", files, version)
        _same(_outcome(coded.load_coded, folder, CODEBOOK), _outcome(reference_load, folder))


GENERIC = TableSchema(
    name="generic.csv",
    description="Every kind of column.",
    columns=(
        Column("id", "string", "Pattern, unique.", unique=True, pattern=r"[A-Z]\d"),
        Column("flag", "boolean", "A boolean."),
        Column("score", "number", "A number, optional.", required=False, minimum=0, unique=True),
        Column("count", "integer", "Unique whole number.", unique=True, minimum=0),
        Column("kind", "string", "Allowed values.", allowed=("a", "b"), required=False),
        Column("note", "string", "Kept verbatim.", required=False, optional_column=True, verbatim=True),
    ),
)
GENERIC_CELLS = {
    "id": ["A1", "B2", "A1", "a1", " C3", "", "'A1"],
    "flag": ["true", "no", "YES", "0", "maybe", ""],
    "score": ["1.5", "0", "-0.5", "nan", "nan", "1e2", "x", "", "1_0.5"],
    "count": ["7", "07", "8", "-1", "", "x", "+9", "٣"],
    "kind": ["a", "b", "c", "", " a"],
    "note": ["", "  x ", "'=y", "'-", "''"],
}


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(st.tuples(*(st.sampled_from(v) for v in GENERIC_CELLS.values())), max_size=8),
    version=st.sampled_from([1, 2]),
    with_note=st.booleans(),
)
def test_every_column_type_gives_the_reference_problems_and_values(rows, version, with_note):
    width = 6 if with_note else 5
    text = (
        ",".join(list(GENERIC_CELLS)[:width])
        + "\n"
        + "".join(",".join(csv_cell(c) for c in row[:width]) + "\n" for row in rows)
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "generic.csv"
        path.write_text(text, encoding="utf-8")
        _same(_outcome(read_table, path, GENERIC, version), _outcome(reference_read_table, path, GENERIC, version))


def csv_cell(text: str) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow([text])
    return out.getvalue()


# --- Reading the records themselves ----------------------------------------------------------------

PIECES = ["a", "b", ",", '"', "\n", "\r", "\r\n", " ", "é", "😀", "\ufeff", "\x00", '""', '"x,y"', '"l\nb"', ",,", "'"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30))
def test_records_are_those_of_the_csv_module(pieces):
    data = "".join(pieces).encode("utf-8")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.csv"
        path.write_bytes(data)
        records = read_records(path, "t.csv")
    if not rows:
        assert records.header is None
        return
    body = rows[1:]
    assert records.header == rows[0]
    assert records.counts.tolist() == [len(r) for r in body]
    expected = [list(c) for c in itertools.zip_longest(*body, fillvalue="")]
    got = [c.tolist() for c in records.columns]
    assert got[: len(expected)] == expected
    assert all(v == "" for c in got[len(expected) :] for v in c)  # positions no record fills


def test_field_counts_by_hand():
    assert field_counts(b"a,b\r\n1,2\r\n\r\n3\n").tolist() == [2, 2, 0, 1]
    assert field_counts(b'a,b\n"1,\n2",3\n"x""y",""').tolist() == [2, 2, 2]
    assert field_counts(b"a\r\rb").tolist() == [1, 0, 1]
    # A quote inside an unquoted field, or text after a closing quote: the csv module decides.
    assert field_counts(b'a,b\nx"y,2\n') is None
    assert field_counts(b'a,b\n"x" ,2\n') is None
    assert field_counts(b'a,b\n"never closed,2\n') is None


# --- Many problems: listed in part, all counted ----------------------------------------------------


def _codings_folder(tmp_path: Path, lines: list[str]) -> Path:
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "documents.csv").write_text("document_id,participant_id,source_type,n_chars\nD1,,interview,100\n")
    (folder / "codings.csv").write_text("document_id,start,end,code,coder\n" + "".join(line + "\n" for line in lines))
    return folder


def test_a_problem_on_every_row_lists_twenty_and_counts_the_rest(tmp_path):
    lines = [f"D1,{50 + i},{50 + i},{VOICE},A" for i in range(25)]  # end == start: 25 rows
    lines[3] = f"D9,0,10,{VOICE},A"  # and one unknown document among them
    with pytest.raises(DataValidationError) as info:
        coded.load_coded(_codings_folder(tmp_path, lines), CODEBOOK)
    problems = info.value.problems
    assert len(problems) == LISTED_PER_KIND + 2
    assert [p.row for p in problems[:5]] == [1, 2, 3, 4, 5]
    assert problems[3].message == "unknown document 'D9' (not in documents.csv)"
    assert problems[0].message == "end (50) is not after start (50)"
    assert problems[20].row == 21 and problems[20].message == "end (70) is not after start (70)"
    assert str(problems[21]) == (
        "c/codings.csv, field 'end': ... and 4 more codings whose end is not after their start "
        "(not listed; the next is row 22, line 23)"
    ).replace("c/", str(problems[21].file).removesuffix("codings.csv"))


def test_a_table_broken_on_every_row_names_every_kind_of_problem(tmp_path):
    lines = [f"D1,x{i},{i},{VOICE}," for i in range(30)]  # a bad start and a blank coder on each row
    with pytest.raises(DataValidationError) as info:
        coded.load_coded(_codings_folder(tmp_path, lines), CODEBOOK)
    problems = info.value.problems
    fields = [(p.row, p.field) for p in problems]
    # Row by row, start before coder, as the row-by-row reading had them; then one count of each kind.
    assert fields[:4] == [(1, "start"), (1, "coder"), (2, "start"), (2, "coder")]
    assert fields[40:] == [(None, "start"), (None, "coder")]
    assert problems[0].message == "'x0' is not a whole number"
    assert problems[40].message.startswith(
        "... and 10 more rows with a value it does not accept (not listed; the next is row 21"
    )
    assert problems[41].message.startswith("... and 10 more rows where it is blank (not listed; the next is row 21")


def test_row_problems_keep_reading_order_across_kinds():
    found = RowProblems("f.csv", limit=2)
    found.add(np.array([2, 5, 9]), lambda i: f"b{i}", field="b", order=1, more="b rows")
    found.add(np.array([2, 3]), lambda i: f"a{i}", field="a", order=0, more="a rows")
    assert [(p.row, p.message) for p in found.problems()] == [
        (2, "a0"),
        (2, "b0"),
        (3, "a1"),
        (5, "b1"),
        (None, "... and 1 more b rows (not listed; the next is row 9, line 10)"),
    ]


@pytest.mark.parametrize(
    "data, expected",
    [
        (b"a,b\n1,caf\xc3\n", "invalid continuation byte at byte 9"),
        (b"a\xff,b\n1,2\n", "invalid start byte at byte 1"),
        (b'a,b\n"x,\xed\xa0\x80",2\n', "invalid continuation byte at byte 7"),  # an encoded surrogate
        (b"a,b\n\xa0,2\n", "invalid start byte at byte 4"),
        (b"a,b\n1,2,3\n\xff\n", "invalid start byte at byte 10"),  # with a ragged row too
        # Cut short at the end: the row-by-row reading said "at byte 0" (its decoder counted from the
        # last chunk it read, as it did in any file over 8 KB); the byte is now the file's.
        (b"a,b\n1,2\n3,\xe2\x82", "unexpected end of data at byte 10"),
    ],
)
def test_text_that_is_not_utf8_is_refused_naming_the_byte(tmp_path, data, expected):
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    schema = TableSchema("t.csv", "Two columns.", (Column("a", "string", "A."), Column("b", "string", "B.")))
    [problem] = _outcome(read_table, path, schema)
    assert problem[1:] == (f"not valid UTF-8 text ({expected})", None, None, None)
    if "end of data" not in expected:
        assert [problem] == _outcome(reference_read_table, path, schema)


def test_bad_utf8_names_the_byte(tmp_path):
    path = tmp_path / "codings.csv"
    path.write_bytes(b"document_id,start,end,code,coder\nD1,0,10,caf\xc3,A\n")
    with pytest.raises(
        DataValidationError, match=re.escape("not valid UTF-8 text (invalid continuation byte at byte 44)")
    ):
        read_table(path, CODINGS)
