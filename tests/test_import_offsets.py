"""Offsets as each QDA tool counts them (issue 9, section 1).

Hand-built REFI-QDA projects whose offsets follow one convention each: NVivo's (UTF-16 code units,
CR LF as two), code points, and CR LF counted as one; texts with emoji and 𝒜 (beyond U+FFFF),
combining marks, CJK and CR LF. Excerpts, n_chars, the reading recorded and the warnings are
checked against values worked out by hand, and a property-based test writes generated texts in
every convention and checks that every excerpt comes back exact.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ics_leadership import cli
from ics_leadership.coding.coded import load_coded
from ics_leadership.qda import boundaries, offsets, readings

import qda_fixtures as fx

# Convention name -> (UTF-16 code units?, CR LF counted as one?)
CONVENTIONS = {
    "code_points": (False, False),
    "utf16": (True, False),
    "code_points_crlf_one": (False, True),
    "utf16_crlf_one": (True, True),
}


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def offset(text: str, index: int, convention: str) -> int:
    """The offset a tool following ``convention`` writes for code-point ``index`` of ``text``."""
    utf16, crlf_one = CONVENTIONS[convention]
    before = text[:index]
    units = len(before.encode("utf-16-le")) // 2 if utf16 else len(before)
    return units - before.count("\r\n") if crlf_one else units


def source(
    key: str, name: str, text: str, spans: list[tuple[int, int]], convention: str, n0: int = 0, names: bool = False
) -> tuple[str, dict[str, bytes]]:
    """A TextSource with selections at the code-point ``spans`` of ``text``, written in ``convention``."""
    body = "".join(
        fx.selection(
            offset(text, a, convention),
            offset(text, b, convention),
            fx.coding(fx.C_OTHER, n=n0 + k),
            n0 + k,
            name=text[a:b] if names else None,
        )
        for k, (a, b) in enumerate(spans, start=1)
    )
    member = f"{key}.txt"
    return fx.text_source(key, name, body, path=f"internal://{member}"), {f"Sources/{member}": text.encode()}


def build(
    tmp: Path,
    docs: list[tuple[str, str, list[tuple[int, int]], str]],
    origin: str = "Fixture builder 1.0",
    name: str = "offsets.qdpx",
) -> Path:
    xml, members = "", {}
    for k, (doc, text, spans, convention) in enumerate(docs, start=1):
        part, files = source(fx.guid(k, "B"), doc, text, spans, convention, n0=1000 * k)
        xml += part
        members.update(files)
    qde = fx.project(xml).replace('origin="Fixture builder 1.0"', f'origin="{origin}"')
    return fx.write_qdpx(tmp / name, qde, members)


def run(src: Path, out: Path, capsys=None) -> tuple[dict, list[dict], list[dict], dict[str, dict]]:
    assert cli.main(["import", str(src), "--out", str(out)]) == 0
    load_coded(out, check_codes=False)
    meta = yaml.safe_load((out / "corpus.yaml").read_text(encoding="utf-8"))
    docs = {d["document_id"]: d for d in rows(out / "documents.csv")}
    return meta, rows(out / "codings.csv"), rows(out / "import_report.csv"), docs


def word_spans(text: str) -> list[tuple[int, int]]:
    """Every maximal run of non-separator characters, as a selection (boundaries at word edges)."""
    spans, start = [], None
    for i, ch in enumerate(text + " "):
        if ch in " \r\n.,":
            if start is not None:
                spans.append((start, i))
                start = None
        elif start is None:
            start = i
    return spans


# Hungarian interview text as NVivo for Windows exports it: CR LF line ends, emoji, a letter beyond
# U+FFFF (𝒜), decomposed accents (e + U+0301) and a Japanese quotation.
HU = (
    "Kérdező: Hogyan látja a klinikai vezetők szerepét? 🙂\r\n"
    "Válaszadó: Szerintem nagyon fontos, 👍🏽 de a döntések máshol születnek.\r\n"
    "Kérdező: Mit jelent ez a 𝒜 csoport számára?\r\n"
    "Válaszadó: A kórházak és a háziorvosok között 🤝 kell hidat építeni, e\u0301s ez ne\u0301ha nehe\u0301z.\r\n"
    "Idézet: 医療と介護の連携 😀 fontos, mondta a kolléga.\r\n"
    "Kérdező: Köszönöm! 🎉 Van még valami?\r\n"
    "Válaszadó: Nincs, köszönöm szépen. 👋"
)


def test_nvivo_convention_is_recognised_from_the_boundaries(tmp_path, capsys):
    """UTF-16 code units, CR LF as two: the score decides (no origin needed) and excerpts are exact."""
    spans = word_spans(HU)[:-5]  # not the last words: read as code points they would run past the end
    assert len(spans) == 54
    meta, codings, report, docs = run(build(tmp_path, [("Interjú 1", HU, spans, "utf16")]), tmp_path / "out")
    assert sorted((int(r["start"]), int(r["end"])) for r in codings) == sorted(spans)
    assert all(r["excerpt"] == HU[int(r["start"]) : int(r["end"])] for r in codings)
    assert {r["excerpt"] for r in codings} >= {"𝒜", "🤝", "e\u0301s", "ne\u0301ha", "医療と介護の連携", "👍🏽"}
    assert docs["Interjú 1"]["n_chars"] == str(len(HU))  # code points of the text as stored (CR LF as two)
    assert len(HU) == 381 and len(HU.encode("utf-16-le")) // 2 == 389  # eight characters beyond U+FFFF
    assert meta["import"]["offset_readings"] == {"utf16": 1}
    assert meta["import"]["offset_reading_basis"] == {"score": 1}
    assert meta["import"]["warnings"] == []
    [row] = report
    assert (row["severity"], row["what"], row["document"]) == (
        "note",
        "offsets read as UTF-16 code units, CR LF as two",
        "Interjú 1",
    )
    assert row["detail"].startswith("reading: utf16 (UTF-16 code units, CR LF as two); decided by the boundaries")
    assert "utf16 0/" in row["detail"]  # no boundary inside a word under the reading used
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("convention", ["code_points", "code_points_crlf_one", "utf16_crlf_one"])
def test_other_conventions_are_recognised_too(tmp_path, convention):
    spans = word_spans(HU)[:-5]
    meta, codings, _report, docs = run(build(tmp_path, [("Interjú 1", HU, spans, convention)]), tmp_path / "out")
    assert sorted((int(r["start"]), int(r["end"])) for r in codings) == sorted(spans)
    assert all(r["excerpt"] == HU[int(r["start"]) : int(r["end"])] for r in codings)
    assert docs["Interjú 1"]["n_chars"] == "381"
    assert meta["import"]["offset_readings"] == {convention: 1}


FEW = "Első 😀 mondat.\r\nMásodik 🙂 mondat itt."  # too few selections for the score to decide
FEW_SPANS = [(FEW.index("Második"), FEW.index("Második") + 7), (FEW.rindex("mondat"), FEW.rindex("mondat") + 6)]


def test_few_selections_the_origin_decides(tmp_path):
    """Four boundaries are too few for the score: NVivo's known convention decides, without warning."""
    src = build(tmp_path, [("Rövid", FEW, FEW_SPANS, "utf16")], origin="NVivo 12.6 (Windows)")
    meta, codings, report, _docs = run(src, tmp_path / "out")
    assert [r["excerpt"] for r in codings] == ["Második", "mondat"]
    assert meta["import"]["offset_reading_basis"] == {"origin": 1}
    assert meta["import"]["offset_readings"] == {"utf16": 1}
    assert [r["severity"] for r in report] == ["note"]
    assert "the origin does: NVivo counts UTF-16 code units, CR LF as two" in report[0]["detail"]


def test_few_selections_no_origin_code_points_with_a_warning(tmp_path, capsys):
    """Nothing decides: code points (the standard's wording), with a warning on the terminal and in the report."""
    src = build(tmp_path, [("Rövid", FEW, FEW_SPANS, "utf16")])
    meta, codings, report, _docs = run(src, tmp_path / "out")
    # Read as code points, the UTF-16 offsets are off by the emoji before them: that is why it warns.
    assert [r["excerpt"] for r in codings] == ["ásodik ", "ndat i"]
    assert meta["import"]["offset_readings"] == {"code_points": 1}
    assert meta["import"]["offset_reading_basis"] == {"default": 1}
    what = "offsets read as code points, CR LF as two by default (no evidence decided)"
    inside = "many selection boundaries inside words"  # 3 of 4: "M|ásodik", "mo|ndat", "i|tt"
    assert [(r["severity"], r["what"], r["document"]) for r in report] == [
        ("warning", what, "Rövid"),
        ("warning", inside, "Rövid"),
    ]
    assert "3 of 4 informative selection boundaries (75.0%)" in report[1]["detail"]
    # On the terminal and in corpus.yaml, one line per warning, naming the document and saying why.
    lines = meta["import"]["warnings"]
    assert len(lines) == 2
    assert lines[0].startswith(f"{what}: 'Rövid' (reading: code_points (code points, CR LF as two); neither the ")
    assert lines[1].startswith(f"{inside}: 'Rövid' (reading: code_points; 3 of 4 informative selection ")
    captured = capsys.readouterr()
    assert captured.err == "".join(f"warning: {line}\n" for line in lines)
    assert captured.out.rstrip().endswith("; 2 warnings (see import_report.csv)")
    assert meta["counts"]["warnings"] == 2


def test_atlas_ti_counts_crlf_as_one(tmp_path):
    """ATLAS.ti's known convention (CR LF as one) decides a CR LF text with few selections."""
    text = "Első sor.\r\nMásodik sor.\r\nHarmadik sor."
    spans = [(text.index("Harmadik"), text.index("Harmadik") + 8)]
    meta, codings, report, _docs = run(
        build(tmp_path, [("Doc", text, spans, "code_points_crlf_one")], origin="ATLAS.ti 9.1.7 (Windows)"),
        tmp_path / "out",
    )
    assert [r["excerpt"] for r in codings] == ["Harmadik"]
    assert [(r["start"], r["end"]) for r in codings] == [("25", "33")]  # in the text as stored (CR LF as two)
    assert meta["import"]["offset_reading_basis"] == {"origin": 1}
    assert report[0]["severity"] == "note"


def test_atlas_ti_unit_unknown_defaults_to_code_points_with_a_warning(tmp_path):
    """With an emoji as well, ATLAS.ti's convention leaves code points or UTF-16 open: default, warned."""
    meta, codings, report, _docs = run(
        build(tmp_path, [("Rövid", FEW, FEW_SPANS, "code_points_crlf_one")], origin="ATLAS.ti 9.1.7"), tmp_path / "out"
    )
    assert [r["excerpt"] for r in codings] == ["Második", "mondat"]
    assert meta["import"]["offset_readings"] == {"code_points_crlf_one": 1}
    assert report[0]["severity"] == "warning"
    assert "the origin narrows the choice: ATLAS.ti counts a CR LF as one character" in report[0]["detail"]


def test_cjk_boundaries_carry_no_evidence(tmp_path):
    """Selections in Japanese text: their boundaries say nothing, so the score cannot decide."""
    text = "😀" + "。".join(f"第{k}文は医療と介護の連携について述べる" for k in range(12))
    spans = [(text.index(f"第{k}文"), text.index(f"第{k}文") + len(f"第{k}文")) for k in range(12)]
    meta, codings, report, _docs = run(
        build(tmp_path, [("日本語", text, spans, "utf16")], origin="NVivo 14"), tmp_path / "out"
    )
    assert [r["excerpt"] for r in codings] == [f"第{k}文" for k in range(12)]
    assert meta["import"]["offset_reading_basis"] == {"origin": 1}
    assert "utf16 0/0 (0.0%)" in report[0]["detail"]  # not one informative boundary

    meta, codings, report, _docs = run(
        build(tmp_path, [("日本語", text, spans, "utf16")], name="plain.qdpx"), tmp_path / "out2"
    )
    assert meta["import"]["offset_reading_basis"] == {"default": 1} and report[0]["severity"] == "warning"


def test_qualcoder_export_counts_code_points(tmp_path):
    spans = [(FEW.index("Második"), FEW.index("Második") + 7)]
    meta, codings, _report, _docs = run(
        build(tmp_path, [("Rövid", FEW, spans, "code_points")], origin="QualCoder 3.5"), tmp_path / "out"
    )
    assert [r["excerpt"] for r in codings] == ["Második"]
    assert meta["import"]["offset_readings"] == {"code_points": 1}


def test_only_one_reading_fits_the_text(tmp_path):
    """A selection to the end of a text with emoji: read as code points it would run past the end."""
    text = "Vége 🙂 jó 🙂 volt"
    meta, codings, _report, _docs = run(build(tmp_path, [("D", text, [(0, len(text))], "utf16")]), tmp_path / "out")
    assert [r["excerpt"] for r in codings] == [text]
    assert meta["import"]["offset_reading_basis"] == {"only feasible reading": 1}


def test_no_reading_fits_the_text(tmp_path, capsys):
    text = "Vége 🙂 volt"
    src = fx.write_qdpx(
        tmp_path / "past.qdpx",
        fx.project(
            fx.text_source(fx.S1, "D", fx.selection(0, 13, fx.coding(fx.C_OTHER, n=1), 1), path="internal://d.txt")
        ),
        {"Sources/d.txt": text.encode()},
    )
    assert cli.main(["import", str(src), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert (
        err.count("\n") == 2
        and err.endswith(" 1 problem; nothing was written\n")
        and "[0, 13) runs past the end of document 'D' (11 characters; 12 UTF-16 code units)" in err
    )
    assert not (tmp_path / "out").exists()


def test_many_boundaries_inside_words_warn(tmp_path, capsys):
    """Offsets that fit no convention (here: UTF-8 bytes) put boundaries inside words: the import warns."""
    text = "Ő és ő között: különösen ügyes, érdekes megoldások születtek. " * 3
    spans = word_spans(text)
    body = "".join(
        fx.selection(len(text[:a].encode()), len(text[:b].encode()), fx.coding(fx.C_OTHER, n=k), k)
        for k, (a, b) in enumerate(spans, start=1)
        if len(text[:b].encode()) <= len(text)
    )
    src = fx.write_qdpx(
        tmp_path / "bytes.qdpx",
        fx.project(fx.text_source(fx.S1, "Bájtok", body, path="internal://b.txt")),
        {"Sources/b.txt": text.encode()},
    )
    meta, _codings, report, _docs = run(src, tmp_path / "out")
    warned = [r for r in report if r["what"] == "many selection boundaries inside words"]
    assert [(r["severity"], r["document"]) for r in warned] == [("warning", "Bájtok")]
    assert "fall inside words, more than 10%" in warned[0]["detail"]
    assert meta["counts"]["warnings"] == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("warning: many selection boundaries inside words: 'Bájtok' (reading: code_points; 27 of 46 ")


def test_one_line_per_kind_of_warning_naming_the_documents(tmp_path, capsys):
    """Several documents with the same warning: one line on the terminal, naming them."""
    docs = [(f"Rövid {k}", FEW, FEW_SPANS, "code_points") for k in range(1, 13)]
    meta, _codings, report, _docs = run(build(tmp_path, docs), tmp_path / "out")
    assert sum(r["severity"] == "warning" for r in report) == 12 == meta["counts"]["warnings"]
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "warning: offsets read as code points, CR LF as two by default (no evidence decided): 12 documents: "
        + ", ".join(f"'Rövid {k}'" for k in range(1, 11))
        + " and 2 more (see import_report.csv)"
    ]
    assert meta["import"]["warnings"] == [err[0].removeprefix("warning: ")]


def test_missing_text_keeps_offsets_as_exported(tmp_path):
    meta, codings, report, docs = run(fx.missing_source(tmp_path), tmp_path / "out")
    assert [(r["start"], r["end"]) for r in codings] == [("10", "23"), ("30", "120"), ("200", "250")]
    assert meta["import"]["offset_readings"] == {"unknown": 1}
    warned = [r for r in report if r["severity"] == "warning"]
    assert [(r["what"], r["document"]) for r in warned] == [
        ("offsets kept as exported (source text missing; reading unknown)", "Lost")
    ]


# --- the decision itself ---------------------------------------------------------------------------


def test_combining_marks_belong_to_their_letter():
    """A boundary before a combining mark is inside a word; one after it, at a space, is not."""
    text = "ne\u0301ha nehe\u0301z " * 15 + "😀"
    spans = word_spans(text)
    starts, ends = [a for a, _ in spans], [b for _, b in spans]
    right = offsets.decide(text, starts, ends, None)
    assert right.reading == "code_points" and right.score.inside == 0
    score = offsets.Score(offsets.CODE_POINTS)
    boundaries._count(text, [text.index("\u0301")], score)
    assert (score.informative, score.inside) == (1, 1)  # before the mark
    score = offsets.Score(offsets.CODE_POINTS)
    boundaries._count(text, [text.index("\u0301") + 1], score)
    assert (score.informative, score.inside) == (1, 1)  # after the mark, before a letter


def test_surrogate_splits_and_cr_lf_splits_count_against():
    text = "a𝒜b\r\nc"
    m = readings._Map(len(text), offsets.UTF16, [(1, False), (3, True)])
    assert m.total == 7 and m.index(2, up=False) == (1, False) and m.index(2, up=True) == (2, False)
    assert m.index(3, up=False) == (2, True) and m.index(7, up=True) == (6, True)
    score = offsets.Score(offsets.CODE_POINTS)
    boundaries._count(text, [4], score)  # between CR and LF
    assert (score.informative, score.inside) == (1, 1)
    one = readings._Map(len(text), offsets.CODE_POINTS_CRLF_ONE, [(1, False), (3, True)])
    assert one.total == 5 and one.index(3, up=False) == (3, True) and one.index(4, up=False) == (5, True)


@pytest.mark.parametrize(
    "char,unspaced",
    [
        ("漢", True),
        ("ひ", True),
        ("カ", True),
        ("ก", True),
        ("ກ", True),
        ("က", True),
        ("ក", True),
        ("ཀ", True),
        ("ꦏ", True),
        ("𠀀", True),
        ("한", False),
        ("a", False),
        ("ő", False),
        ("𝒜", False),
        ("ж", False),
    ],
)
def test_scripts_written_without_spaces(char, unspaced):
    assert (boundaries._classify(char) == boundaries._UNSPACED) is unspaced


def test_priors_by_origin():
    assert offsets.prior_for("NVivo 12.6 (Windows)").allows(offsets.UTF16)
    assert not offsets.prior_for("NVivo 12.6").allows(offsets.CODE_POINTS)
    assert offsets.prior_for("ATLAS.ti 8.4.0 (2018-12-24)").crlf_one is True
    assert offsets.prior_for("QualCoder 3.5").utf16 is False
    assert offsets.prior_for("MAXQDA 2022") is None and offsets.prior_for(None) is None


def test_documents_without_astral_characters_or_crlf_cost_nothing_to_decide():
    text = "word " * 1000
    d = offsets.decide(text, list(range(0, 4000, 5)), list(range(4, 4004, 5)), offsets.prior_for("NVivo"))
    assert (d.reading, d.basis, d.starts) == ("code_points", offsets.AGREE, None)  # offsets used as they are


# --- property: every convention, read back exactly ------------------------------------------------

HU_LETTERS = "aábcdeéfghiíjklmnoóöőpqrstuúüűvwxyz"
spaced_word = st.one_of(
    st.text(HU_LETTERS, min_size=3, max_size=8),
    st.text(HU_LETTERS, min_size=3, max_size=6).map(lambda w: w[0] + "\u0301" + w[1:]),  # combining mark
    st.text(HU_LETTERS, min_size=2, max_size=6).map(lambda w: "𝒜" + w),  # a letter beyond U+FFFF
    st.text("αβγδεζηθικλμνξοπρστυφχψω", min_size=3, max_size=7),
    st.text("가나다라마바사아자차카타파하한국어", min_size=2, max_size=4),  # Korean: written with spaces
)
any_token = st.one_of(
    spaced_word,
    st.text("医療介護連携日本語文章", min_size=2, max_size=4),
    st.sampled_from(["😀", "👍🏽", "🤝", "❤\ufe0f", "—", "42"]),
)
segment = st.tuples(spaced_word, st.lists(any_token, max_size=3), spaced_word)


FILLER = ["vezető", "ülés", "döntés", "ellátás", "kórház", "terv", "háziorvos", "egészségügyi", "és"]


@st.composite
def document(draw):
    """A text of at least 20 selections (each a run of words, starting and ending at a word edge)
    and its spans. Characters beyond U+FFFF and CR LF, when the text has them, come before the first
    selection and again between selections, more of the first than of the second, so that every
    boundary tells the conventions apart."""
    segments = draw(st.lists(segment, min_size=20, max_size=26))
    # Words of varying length at both ends of each selection: in a generated text of one repeated
    # word ("aaa aaa ...") a wrong reading may land on other word boundaries everywhere (that case
    # is warned about: see test_property_never_silently_wrong).
    words = [
        " ".join([FILLER[k % len(FILLER)], first, *middle, last, FILLER[(k + 4) % len(FILLER)]])
        for k, (first, middle, last) in enumerate(segments)
    ]
    astral = draw(st.booleans()) or max("".join(words)) > "\uffff"
    crlf = draw(st.booleans())
    pieces = ["Bevezető" + (" 😀😀" if astral else "") + ("\r\n" if crlf else " ")]
    seps = [" ", ". ", ", "] + ([" 🙂\r\n" if astral else "\r\n"] if crlf else []) + ([" 🎉 "] if astral else [])
    spans, pos = [], len(pieces[0])
    for seg in words:
        spans.append((pos, pos + len(seg)))
        sep = draw(st.sampled_from(seps))
        pieces += [seg, sep]
        pos += len(seg) + len(sep)
    return "".join(pieces), spans


@settings(max_examples=50, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(doc=document())
def test_property_every_convention_reads_back_exactly(tmp_path_factory, doc):
    text, spans = doc
    tmp = tmp_path_factory.mktemp("prop")
    docs = [(convention, text, spans, convention) for convention in CONVENTIONS]
    meta, codings, report, found = run(build(tmp, docs), tmp / "out")
    for convention in CONVENTIONS:
        got = sorted((int(r["start"]), int(r["end"]), r["excerpt"]) for r in codings if r["document_id"] == convention)
        assert got == sorted((a, b, text[a:b]) for a, b in spans), convention
        assert found[convention]["n_chars"] == str(len(text))
    assert meta["counts"]["warnings"] == 0, [r for r in report if r["severity"] == "warning"]
    if "\r\n" in text or max(text) > "\uffff":  # the readings differ: the boundaries decided
        assert set(meta["import"]["offset_reading_basis"]) <= {offsets.SCORE, offsets.FEASIBLE}
    # The reading recorded is the one written, or one that places every boundary alike in this text.
    used = {r["document"]: r["detail"].split(";")[0].split()[1] for r in report}
    for convention, reading in used.items():
        assert reading == convention or _same_in(text, reading, convention), (convention, reading)


def _same_in(text: str, a: str, b: str) -> bool:
    return all(offset(text, i, a) == offset(text, i, b) for i in range(len(text) + 1))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    text=st.lists(st.one_of(spaced_word, any_token, st.just("\r\n"), st.just("😀")), min_size=3, max_size=60).map(
        " ".join
    ),
    convention=st.sampled_from(list(CONVENTIONS)),
    data=st.data(),
)
def test_property_never_silently_wrong(text, convention, data):
    """Wherever the emoji and line ends fall, a reading is either right or comes with a warning."""
    spans = word_spans(text)
    chosen = data.draw(st.lists(st.sampled_from(spans), min_size=1, max_size=30)) if spans else []
    starts = [offset(text, a, convention) for a, _ in chosen]
    ends = [offset(text, b, convention) for _, b in chosen]
    d = offsets.decide(text, starts, ends, None)
    if not chosen:
        return
    assert d.outside is None
    got = list(zip(d.starts or starts, d.ends or ends))
    assert got == chosen or d.warning is not None
