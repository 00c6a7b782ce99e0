"""The PDF command's parts that need no browser: clear errors, the title page, its contents."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime

import pytest

from ics_leadership import cli
from ics_leadership.core.errors import BookBuildError
from ics_leadership.publish import colophon, pdf

from conftest import ROOT


@pytest.fixture
def book_copy(tmp_path):
    """A compendium with the book's sources and raw data but no executed notebooks."""
    shutil.copytree(ROOT / "book", tmp_path / "book", ignore=shutil.ignore_patterns("_build", "notebooks", ".build-*"))
    shutil.copytree(ROOT / "data" / "raw", tmp_path / "data" / "raw")
    return tmp_path


def test_missing_executed_notebooks_say_what_to_run(book_copy, monkeypatch, capsys):
    monkeypatch.setenv("ICS_LEADERSHIP_ROOT", str(book_copy))
    assert cli.main(["pdf"]) == 1
    err = capsys.readouterr().err
    assert "executed notebooks missing (book/notebooks/home.ipynb, book/notebooks/05_methods.ipynb" in err
    assert "run `ics-leadership build` first" in err
    assert not (book_copy / "book" / "_build" / "pdf").exists()


def test_no_chromium_is_a_clear_error(monkeypatch):
    monkeypatch.setenv(pdf.CHROMIUM_ENV, "/no/such/chromium")
    with pytest.raises(BookBuildError, match=r"no chromium found \(/no/such/chromium\).*apt-get install chromium"):
        pdf.find_chromium()


def test_chapters_follow_the_table_of_contents():
    pages = pdf.chapters(ROOT / "book")
    assert pages[0] == (None, "notebooks/home")
    assert (("The study", "notebooks/01_sample") in pages) and (("Using the compendium", "reproduce") in pages)
    # sections (the contribution pages) come after their chapter
    files = [file for _, file in pages]
    assert (
        files.index("notebooks/10_codebook")
        < files.index("notebooks/contribution_relational")
        < files.index("notebooks/02_coding")
    )
    assert [file for _, file in pages].index("notebooks/01_sample") < [file for _, file in pages].index("reproduce")


def test_title_page_has_title_citation_build_and_contents():
    titles = {
        "background": "Background and theory",
        "notebooks/05_methods": "Methods",
        "notebooks/01_sample": "The sample",
        "reproduce": "Reproduce",
    }
    when = int(datetime(2026, 3, 4, 12, 30, tzinfo=UTC).timestamp())
    source = colophon.BuildSource("0123456789abcdef0123456789abcdef01234567", False, when, "the commit's date")
    page = pdf.title_page(ROOT, ROOT / "book", titles, source)
    assert "Clinical leaders in integrated care: a reproducible companion" in page
    assert (
        "Waring J, Bishop S, Black G, Clarke J, Roe B. What can clinical leaders contribute to the governance "
        "of integrated care systems? <i>BMJ Leader</i> 2023;7(4):279–284. doi:10.1136/leader-2022-000709"
    ) in page
    assert ("Built from commit 0123456789abcdef0123456789abcdef01234567, dated 2026-03-04 (the commit's date).") in page
    entries = re.findall(r'<li data-chapter="([^"]+)"><span class="entry">([^<]*)</span><span class="pageno">', page)
    assert entries[:3] == [
        ("background", "Background and theory"),
        ("notebooks/05_methods", "Methods"),
        ("notebooks/01_sample", "The sample"),
    ]
    assert page.index("<h3>The study</h3><ol>") < page.index('data-chapter="background"')
    assert ("reproduce", "Reproduce") in entries
    # A page without a known title is listed by its file, never dropped.
    assert ("notebooks/99_colophon", "notebooks/99_colophon") in entries


def test_pdf_command_has_help(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["pdf", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "--out" in out and "book/_build/pdf/compendium.pdf" in out


def test_an_existing_file_is_replaced_only_with_force(book_copy, monkeypatch, capsys):
    monkeypatch.setenv("ICS_LEADERSHIP_ROOT", str(book_copy))
    mine = book_copy / "mine.pdf"
    mine.write_bytes(b"my own report")
    assert cli.main(["pdf", "--out", str(mine)]) == 1
    assert capsys.readouterr().err == (
        f"error: {mine}: exists; add --force to replace it, or choose another --out\n"
        "pdf: 1 problem; nothing was written\n"
    )
    assert cli.main(["pdf", "--out", str(book_copy)]) == 1
    assert "is a folder; give a file name for --out" in capsys.readouterr().err
    # with --force the command goes on (and here stops at the missing notebooks), the file untouched
    assert cli.main(["pdf", "--out", str(mine), "--force"]) == 1
    assert "executed notebooks missing" in capsys.readouterr().err
    assert mine.read_bytes() == b"my own report"


def test_bookmarks_follow_the_book_and_lose_chromiums_doubling():
    from ics_leadership.publish.pdfoutline import Heading, book_outline, clean_title

    assert clean_title("MethodsMethods") == "Methods" and clean_title("Methods") == "Methods"
    assert clean_title("abab x") == "abab x"
    section = Heading("SitesSites", 5)
    methods = Heading("MethodsMethods", 5, [section])
    sample = Heading("The sample", 9)
    home = Heading("Home", 1, [Heading("The question", 1), methods, sample])
    outline = book_outline(
        [(None, [("Home", home)]), ("The study", [("Methods", methods), ("The sample", sample), ("Gone", None)])],
        {id(home), id(methods), id(sample)},
    )
    assert [(h.title, h.page, [c.title for c in h.children]) for h in outline] == [
        ("Home", 1, ["The question"]),  # the chapters chromium nested under the home page are not repeated there
        ("The study", 5, ["Methods", "The sample"]),
    ]
    assert [c.title for c in outline[1].children[0].children] == ["Sites"]
