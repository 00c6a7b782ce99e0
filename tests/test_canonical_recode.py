"""Importing canonical CSVs rewrites each table column by column (qda.canonical._recode): the bytes
must be those of the cell-by-cell rewrite it replaced, kept below as the reference.

Random tables in the shape the loader accepts (every non-blank row as wide as the header; blank
rows of any width): text with commas, quotes, CR, LF, astral characters, combining marks, spreadsheet triggers,
protecting apostrophes and surrounding blanks; format versions 1 and 2; ids renamed or not; excerpts
kept or withheld; CR LF line ends and a byte-order mark.
"""

from __future__ import annotations

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from ics_leadership.coding import codepath
from ics_leadership.coding.format import CODED_TABLES
from ics_leadership.core.schema import cell_text
from ics_leadership.qda import privacy
from ics_leadership.qda.canonical import _RENAMED, _recode
from ics_leadership.qda.csvwriter import _csv_bytes, csv_line

SCHEMAS = {s.name: s for s in CODED_TABLES.values()}
CELL = st.text(alphabet=st.sampled_from(list("ab /\\,\"'\n\r\t =+-@1é😀\u0301")), max_size=6)  # \u0301: combining acute
BLANK = st.text(alphabet=st.sampled_from([" ", "\t"]), max_size=2)


def reference_recode(data: bytes, schema, version: int, pseudonyms: privacy.Pseudonyms, excerpts: bool) -> bytes:
    """The rewrite as it was: every cell of every row, one at a time."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    columns = {c.name: c for c in schema.columns}
    header = [cell_text(h, None, version) for h in rows[0]]
    kinds = [(_RENAMED[schema.name].get(h) if pseudonyms else None) for h in header]
    cols = [columns.get(h) for h in header]
    is_code = [schema.name == "codings.csv" and h == "code" for h in header]
    dropped = [schema.name == "codings.csv" and h == "excerpt" and not excerpts for h in header]
    out = []
    for raw in rows[1:]:
        if not any(cell.strip() for cell in raw):
            continue
        values = []
        for cell, col, kind, code, drop in zip(raw, cols, kinds, is_code, dropped):
            value = "" if drop else cell_text(cell, col, version)
            if code:
                value = codepath.convert(value, version)
            elif kind and value:
                value = pseudonyms.get(kind, value)
            values.append(value)
        out.append(values)
    return _csv_bytes(header, out)


@st.composite
def tables(draw):
    name = draw(st.sampled_from(sorted(SCHEMAS)))
    header = [c.name for c in SCHEMAS[name].columns] + draw(st.sampled_from([[], ["memo"]]))
    rows = []
    for _ in range(draw(st.integers(0, 8))):
        if draw(st.integers(0, 5)) == 0:  # a blank row, of any width
            rows.append(draw(st.lists(BLANK, min_size=0, max_size=len(header) + 1)))
        else:
            rows.append(draw(st.lists(CELL, min_size=len(header), max_size=len(header))))
    end = draw(st.sampled_from(["\n", "\r\n"]))
    # csv_line quotes a lone CR (csv.writer does not, and the file would not read back as written)
    # (blank rows as they are: protecting a tab would make it text)
    text = "".join((csv_line(r)[:-1] if any(c.strip() for c in r) else ",".join(r)) + end for r in [header, *rows])
    data = ("\ufeff" if draw(st.booleans()) else "") + text
    return name, data.encode("utf-8"), [v for r in rows for v in r]


@settings(max_examples=300, deadline=None)
@given(table=tables(), version=st.sampled_from([1, 2]), rename=st.booleans(), excerpts=st.booleans())
def test_the_column_rewrite_writes_the_cell_by_cell_bytes(table, version, rename, excerpts):
    name, data, cells = table
    pseudonyms = privacy.Pseudonyms()
    if rename:
        for kind in ("documents", "coders", "participants"):
            pseudonyms.add(kind, privacy.pseudonyms(kind, ((c.strip(), c.strip()) for c in cells if c.strip())))
    schema = SCHEMAS[name]
    expected = reference_recode(data, schema, version, pseudonyms, excerpts)
    assert _recode(data, schema, version, pseudonyms, excerpts, name) == expected


def test_a_million_cells_hold_few_distinct_texts_and_rewrite_alike():
    header = "document_id,start,end,code,coder,excerpt\n"
    body = "".join(f"doc{i % 97},{i % 50},{i % 50 + 5},a/b,=coder {i % 3},\n" for i in range(20_000))
    data = (header + body).encode()
    schema = SCHEMAS["codings.csv"]
    pseudonyms = privacy.Pseudonyms()
    pseudonyms.add("coders", {"=coder 0": "coder_1"})
    written = _recode(data, schema, 1, pseudonyms, False, "codings.csv")
    assert written == reference_recode(data, schema, 1, pseudonyms, False)
    lines = written.decode().splitlines()
    assert lines[1] == "doc0,0,5,a/b,coder_1," and lines[2] == "doc1,1,6,a/b,'=coder 1,"  # renamed; protected
