"""Builders for small hand-written QDA projects used by the import tests (built at test time).

Each builder writes one project showing one quirk of real exports; the tests say which.
"""

from __future__ import annotations

import csv
import io
import sqlite3
import stat
import zipfile
from pathlib import Path
from xml.sax.saxutils import quoteattr

NS = "urn:QDA-XML:project:1.0"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "qdpx"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "atlas_ti"
ATLAS = EXAMPLES / "atlas_ti_8_standard_project.qdpx"

# GUIDs used across fixtures (upper case here; some fixtures write them in lower case on purpose).
U_ANNA = "11111111-1111-4111-8111-111111111111"
U_BEN = "22222222-2222-4222-8222-222222222222"
C_TOP = "A0000000-0000-4000-8000-000000000001"
C_MID = "A0000000-0000-4000-8000-000000000002"
C_LEAF = "A0000000-0000-4000-8000-000000000003"
C_FLAT = "A0000000-0000-4000-8000-000000000004"  # named "Voice::Clinical" (ATLAS.ti style)
C_OTHER = "A0000000-0000-4000-8000-000000000005"
S1 = "B0000000-0000-4000-8000-000000000001"
S2 = "B0000000-0000-4000-8000-000000000002"
S3 = "B0000000-0000-4000-8000-000000000003"


def guid(n: int, prefix: str = "C") -> str:
    return f"{prefix}{n:07X}-0000-4000-8000-{n:012X}"


def users_xml() -> str:
    return f'<Users><User guid="{U_BEN}" name="Ben Coder"/><User guid="{U_ANNA}" name="Anna Analyst"/></Users>'


def codebook_xml() -> str:
    """Nested codes (Top > Mid > Leaf), a flattened "Voice::Clinical" and a plain code."""
    return (
        "<CodeBook><Codes>"
        f'<Code guid="{C_TOP}" name="Top" isCodable="false"><Description>top level</Description>'
        f'<Code guid="{C_MID}" name="Mid" isCodable="true">'
        f'<Code guid="{C_LEAF}" name="Leaf" isCodable="true"><Description>deepest</Description></Code>'
        "</Code></Code>"
        f'<Code guid="{C_FLAT}" name="Voice::Clinical" isCodable="true"/>'
        f'<Code guid="{C_OTHER}" name="Other" isCodable="true"/>'
        "</Codes></CodeBook>"
    )


def coding(code: str, user: str = U_ANNA, n: int = 0) -> str:
    return f'<Coding guid="{guid(n, "D")}" creatingUser="{user}"><CodeRef targetGUID="{code}"/></Coding>'


def selection(start: int, end: int, codings: str, n: int, name: str | None = None, user: str = U_ANNA) -> str:
    named = f" name={quoteattr(name)}" if name is not None else ""
    return (
        f'<PlainTextSelection guid="{guid(n, "E")}"{named} startPosition="{start}" endPosition="{end}" '
        f'creatingUser="{user}">{codings}</PlainTextSelection>'
    )


def project(
    sources: str,
    *,
    codebook: str | None = None,
    users: str | None = None,
    extra_before_sources: str = "",
    base_path: str | None = None,
    ns: str = NS,
    prolog: str = "",
) -> str:
    base = f" basePath={quoteattr(base_path)}" if base_path else ""
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{prolog}\n'
        f'<Project xmlns="{ns}" name="Fixture project" origin="Fixture builder 1.0"{base}>'
        f"{users if users is not None else users_xml()}{codebook if codebook is not None else codebook_xml()}"
        f"{extra_before_sources}<Sources>{sources}</Sources></Project>"
    )


def text_source(key: str, name: str, body: str, path: str | None = None, content: str | None = None) -> str:
    attr = f" plainTextPath={quoteattr(path)}" if path else ""
    inner = f"<PlainTextContent>{content}</PlainTextContent>" if content is not None else ""
    return f'<TextSource guid="{key}" name={quoteattr(name)}{attr}>{inner}{body}</TextSource>'


def write_qdpx(
    path: Path, qde: str | bytes, sources: dict[str, bytes] | None = None, qde_name: str = "project.qde"
) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(qde_name, qde if isinstance(qde, bytes) else qde.encode("utf-8"))
        for name, data in (sources or {}).items():
            zf.writestr(name, data)
    return path


# --- one fixture per quirk -------------------------------------------------------------------------

TEXT1 = "Clinical leaders bring evidence. They also challenge plans."
TEXT2 = "Second interview text, stored under lower-case sources/."
TEXT3 = "Third text lives outside the archive, found through relative://."
INLINE = "Inline text held in PlainTextContent."


def nested_and_paths(tmp: Path, base_dir: Path) -> Path:
    """Nested codes, "::" names, internal:// (Sources/ and sources/), relative://, PlainTextContent.

    ``base_dir`` is also written as the project's basePath, which the importer must ignore: the
    relative:// source is read only when ``base_dir`` is given with ``--sources``.
    """
    (base_dir / "texts").mkdir(parents=True, exist_ok=True)
    (base_dir / "texts" / "third.txt").write_text(TEXT3, encoding="utf-8")
    sources = (
        text_source(
            S1,
            "Interview 1",
            path="internal://one.txt",
            body=(
                selection(0, 16, coding(C_LEAF, n=1) + coding(C_FLAT, U_BEN, n=2), 1)
                + selection(34, 58, coding(C_MID, n=3), 2)
            ),
        )
        + text_source(S2, "Interview 2", path="internal://two.txt", body=selection(0, 17, coding(C_OTHER, n=4), 3))
        + text_source(
            S3, "Interview 3", path="relative:///texts/third.txt", body=selection(0, 10, coding(C_OTHER, n=5), 4)
        )
        + text_source(
            "B0000000-0000-4000-8000-000000000004",
            "Inline",
            content=INLINE,
            body=selection(0, 6, coding(C_LEAF, n=6), 5),
        )
    )
    qde = project(sources, base_path=str(base_dir))
    return write_qdpx(tmp / "nested.qdpx", qde, {"Sources/one.txt": TEXT1.encode(), "sources/two.txt": TEXT2.encode()})


PDF_TEXT = "Page one of the PDF. Page two says more."


def pdf_representation(tmp: Path) -> Path:
    """A PDFSource whose Representation carries text selections, plus a PDF region selection."""
    sources = (
        f'<PDFSource guid="{S1}" name="Report.pdf" path="internal://report.pdf">'
        f'<PDFSelection guid="{guid(90, "F")}" name="region" page="0" firstX="1" firstY="2" secondX="3" secondY="4">'
        f'<Representation guid="{guid(91, "F")}"><PlainTextContent>Page one</PlainTextContent></Representation>'
        f"{coding(C_OTHER, n=90)}</PDFSelection>"
        f'<Representation guid="{guid(92, "F")}" plainTextPath="internal://report.txt">'
        f"{selection(0, 8, coding(C_OTHER, n=91), 91)}{selection(21, 29, coding(C_LEAF, n=92), 92)}"
        "</Representation></PDFSource>"
    )
    return write_qdpx(tmp / "pdf.qdpx", project(sources), {"Sources/report.txt": PDF_TEXT.encode()})


def nvivo_duplicates(tmp: Path) -> Path:
    """NVivo style: one PlainTextSelection per code on the same span, and one exact duplicate."""
    body = (
        selection(0, 16, coding(C_LEAF, n=1), 1)
        + selection(0, 16, coding(C_OTHER, n=2), 2)
        + selection(0, 16, coding(C_LEAF, n=3), 3)  # same span, code and coder: a duplicate
        + selection(0, 16, coding(C_LEAF, U_BEN, n=4), 4)
    )  # same span and code, other coder: kept
    return write_qdpx(
        tmp / "nvivo.qdpx",
        project(text_source(S1, "Interview 1", body, path="internal://one.txt")),
        {"Sources/one.txt": TEXT1.encode()},
    )


CRLF_TEXT = "First line\r\nSecond line has the quote\r\nThird line"


def crlf_drift(tmp: Path, lf_offsets: bool = True) -> Path:
    """A CRLF text whose offsets (and excerpt names) count each CR LF as one character (or as two)."""
    text = CRLF_TEXT.replace("\r\n", "\n") if lf_offsets else CRLF_TEXT
    start = text.index("has the quote")
    end = start + len("has the quote")
    start2 = text.index("Third")
    body = selection(start, end, coding(C_OTHER, n=1), 1, name="has the quote") + selection(
        start2, start2 + 5, coding(C_LEAF, n=2), 2, name="Third"
    )
    return write_qdpx(
        tmp / ("crlf.qdpx" if lf_offsets else "crlf_raw.qdpx"),
        project(text_source(S1, "CRLF doc", body, path="internal://crlf.txt")),
        {"Sources/crlf.txt": CRLF_TEXT.encode()},
    )


def missing_source(tmp: Path) -> Path:
    """plainTextPath to a member that is not in the archive."""
    body = (
        selection(10, 23, coding(C_OTHER, n=1), 1, name="exact excerpt")
        + selection(30, 120, coding(C_LEAF, n=2), 2, name="Long passage that was cut\u2026")
        + selection(200, 250, coding(C_LEAF, n=3), 3, name="Quotation 1:3")
    )
    return write_qdpx(tmp / "missing.qdpx", project(text_source(S1, "Lost", body, path="internal://gone.txt")))


def cases_and_variables(tmp: Path) -> Path:
    """Variables, Cases with VariableValues and SourceRefs, and source-level VariableValues."""
    v_site, v_level, v_age, v_stage, v_role, v_seq = (guid(n, "A1") for n in range(1, 7))
    variables = (
        "<Variables>"
        f'<Variable guid="{v_site}" name="Site" typeOfVariable="Text"/>'
        f'<Variable guid="{v_level}" name="level" typeOfVariable="Text"/>'
        f'<Variable guid="{v_age}" name="age" typeOfVariable="Integer"/>'
        f'<Variable guid="{v_stage}" name="stage" typeOfVariable="Text"/>'
        f'<Variable guid="{v_role}" name="role" typeOfVariable="Text"/>'
        f'<Variable guid="{v_seq}" name="Sequence" typeOfVariable="Text"/>'
        "</Variables>"
    )

    def value(var: str, tag: str, text: str) -> str:
        return f'<VariableValue><VariableRef targetGUID="{var}"/><{tag}>{text}</{tag}></VariableValue>'

    cases = (
        "<Cases>"
        f'<Case guid="{guid(1, "CA")}" name="P01">{value(v_site, "TextValue", "North")}'
        f"{value(v_level, 'TextValue', 'thematic')}{value(v_age, 'IntegerValue', '52')}"
        f'<SourceRef targetGUID="{S1.lower()}"/></Case>'
        f'<Case guid="{guid(2, "CA")}" name="P02">{value(v_site, "TextValue", "South")}'
        f'{value(v_level, "TextValue", "ward")}<SourceRef targetGUID="{{{S2}}}"/></Case>'
        "</Cases>"
    )
    sources = text_source(
        S1,
        "Interview 1",
        path="internal://one.txt",
        body=selection(0, 16, coding(C_OTHER, n=1), 1) + value(v_stage, "TextValue", "early"),
    ) + text_source(
        S2,
        "Interview 2",
        path="internal://two.txt",
        body=selection(0, 6, coding(C_OTHER, n=2), 2)
        + value(v_role, "TextValue", "GP")
        + value(v_seq, "TextValue", "first"),
    )
    qde = project(sources, extra_before_sources=variables + cases)
    return write_qdpx(tmp / "cases.qdpx", qde, {"Sources/one.txt": TEXT1.encode(), "Sources/two.txt": TEXT2.encode()})


def guid_case(tmp: Path) -> Path:
    """GUIDs written in lower case and with braces where the codebook and users have upper case."""
    body = selection(0, 16, coding(C_LEAF.lower(), U_ANNA.lower(), n=1), 1) + selection(
        17, 20, coding("{" + C_OTHER.lower() + "}", "{" + U_BEN + "}", n=2), 2
    )
    return write_qdpx(
        tmp / "guids.qdpx",
        project(text_source(S1, "Interview 1", body, path="internal://one.txt")),
        {"Sources/one.txt": TEXT1.encode()},
    )


def bare_qde(tmp: Path) -> Path:
    """A bare project.qde with its Sources/ folder beside it."""
    folder = tmp / "bare"
    (folder / "Sources").mkdir(parents=True)
    (folder / "Sources" / "one.txt").write_text(TEXT1, encoding="utf-8")
    qde = project(text_source(S1, "Interview 1", selection(0, 16, coding(C_OTHER, n=1), 1), path="internal://one.txt"))
    (folder / "project.qde").write_text(qde, encoding="utf-8")
    return folder / "project.qde"


def simple(
    tmp: Path, name: str = "simple.qdpx", body: str | None = None, text: bytes = TEXT1.encode(), **kwargs
) -> Path:
    body = body if body is not None else selection(0, 16, coding(C_OTHER, n=1), 1)
    return write_qdpx(
        tmp / name,
        project(text_source(S1, "Interview 1", body, path="internal://one.txt"), **kwargs),
        {"Sources/one.txt": text},
    )


# --- hostile archives ----------------------------------------------------------------------------


def zip_with(path: Path, members: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in members:
            zf.writestr(info, data)
    return path


def symlink_member(name: str, target: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


# --- QualCoder ---------------------------------------------------------------------------------

QC_TEXT1 = "We met the board. The GP lead spoke for clinicians.\r\nThen the plan changed."
QC_TEXT2 = "A short note."


def qualcoder_project(tmp: Path) -> Path:
    """A QualCoder project folder with categories, codes, text codings, a picture coding, cases."""
    folder = tmp / "Study.qda"
    folder.mkdir()
    conn = sqlite3.connect(folder / "data.qda")
    conn.executescript("""
        CREATE TABLE project (databaseversion text, date text, memo text, about text);
        CREATE TABLE source (id integer primary key, name text, fulltext text, mediapath text, memo text,
                             owner text, date text, unique(name));
        CREATE TABLE code_cat (catid integer primary key, name text, owner text, date text, memo text,
                               supercatid integer, unique(name));
        CREATE TABLE code_name (cid integer primary key, name text, memo text, catid integer, owner text,
                                date text, color text, unique(name));
        CREATE TABLE code_text (cid integer, fid integer, seltext text, pos0 integer, pos1 integer, owner text,
                                date text, memo text, avid integer, unique(cid,fid,pos0,pos1, owner));
        CREATE TABLE code_image (imid integer primary key, id integer, x1 integer, y1 integer, width integer,
                                 height integer, cid integer, memo text, date text, owner text);
        CREATE TABLE cases (caseid integer primary key, name text, memo text, owner text, date text);
        CREATE TABLE case_text (id integer primary key, caseid integer, fid integer, pos0 integer,
                                pos1 integer, owner text, date text, memo text);
        CREATE TABLE attribute (attrid integer primary key, name text, attr_type text, value text, id integer,
                                date text, owner text);
    """)
    conn.execute("INSERT INTO project VALUES ('v11', '2024-01-01', '', 'QualCoder 3.5')")
    conn.executemany(
        "INSERT INTO source (id, name, fulltext, mediapath) VALUES (?,?,?,?)",
        [
            (1, "Board meeting notes", QC_TEXT1, None),
            (2, "Memo", QC_TEXT2, None),
            (3, "photo.jpg", None, "/images/photo.jpg"),
        ],
    )
    conn.executemany(
        "INSERT INTO code_cat (catid, name, memo, supercatid) VALUES (?,?,?,?)",
        [(1, "Leadership", "all leadership", None), (2, "Voice", "", 1)],
    )
    conn.executemany(
        "INSERT INTO code_name (cid, name, memo, catid) VALUES (?,?,?,?)",
        [(1, "Clinical voice", "speaking for clinicians", 2), (2, "Plans", "", None)],
    )
    start = QC_TEXT1.index("The GP lead")
    end = start + len("The GP lead spoke for clinicians.")
    later = QC_TEXT1.index("Then")
    conn.executemany(
        "INSERT INTO code_text (cid, fid, seltext, pos0, pos1, owner) VALUES (?,?,?,?,?,?)",
        [
            (1, 1, QC_TEXT1[start:end], start, end, "alice"),
            (2, 1, QC_TEXT1[start:end], start, end, "bob"),
            (2, 1, QC_TEXT1[later:], later, len(QC_TEXT1), "alice"),
            (2, 2, "short", 2, 7, "bob"),
        ],
    )
    conn.execute("INSERT INTO code_image (id, x1, y1, width, height, cid, owner) VALUES (3, 0, 0, 5, 5, 2, 'bob')")
    conn.executemany("INSERT INTO cases (caseid, name) VALUES (?,?)", [(1, "Dr A"), (2, "Dr B")])
    conn.executemany(
        "INSERT INTO case_text (caseid, fid, pos0, pos1) VALUES (?,?,?,?)",
        [(1, 1, 0, len(QC_TEXT1)), (2, 2, 0, len(QC_TEXT2))],
    )
    conn.executemany(
        "INSERT INTO attribute (name, attr_type, value, id) VALUES (?,?,?,?)",
        [
            ("site", "case", "East", 1),
            ("level", "case", "executive", 1),
            ("site", "case", "West", 2),
            ("meeting", "file", "board", 1),
        ],
    )
    conn.commit()
    conn.close()
    return folder


# --- Taguette ---------------------------------------------------------------------------------


def taguette_export(tmp: Path, xlsx: bool = False, offsets: bool = False) -> Path:
    """Taguette's highlights export (id, document, tag, content) and codebook.csv beside it."""
    folder = tmp / ("taguette_xlsx" if xlsx else "taguette")
    folder.mkdir()
    header = ["id", "document", "tag", "content"] + (["start", "end"] if offsets else [])
    rows = [
        ["1", "Interview A", "voice", "The GP lead spoke."] + (["10", "28"] if offsets else []),
        ["1", "Interview A", "voice.clinical", "The GP lead spoke."] + (["10", "28"] if offsets else []),
        ["2", "Interview A", "plans", "Plans changed."] + (["40", "54"] if offsets else []),
        ["3", "Interview A", "", "Untagged words."] + (["60", "75"] if offsets else []),
        ["4", "Interview B", "plans", "Short."] + (["0", "6"] if offsets else []),
    ]
    if xlsx:
        import openpyxl

        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "highlights"
        ws.append(header)
        for r in rows:
            ws.append(r)
        wb.save(folder / "all_tags.xlsx")
        target = folder / "all_tags.xlsx"
    else:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerows([header, *rows])
        target = folder / "all_tags.csv"
        target.write_text(buf.getvalue(), encoding="utf-8")
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(
        [
            ["tag", "description", "number of highlights"],
            ["voice", "someone speaks for a group", "1"],
            ["voice.clinical", "a clinician speaks for clinicians", "1"],
            ["plans", "", "2"],
        ]
    )
    (folder / "codebook.csv").write_text(buf.getvalue(), encoding="utf-8")
    return target
