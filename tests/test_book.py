"""The whole pipeline builds the book; a failure names the notebook and cell and keeps the old book."""

from __future__ import annotations

import html
import html.parser
import re

import nbformat
import pytest
from test_sample import PAPER_TABLE1

from ics_leadership.facts import claims
from ics_leadership.publish import demonstration, pipeline
from ics_leadership.publish.pdfpages import chapters

from conftest import replace_in, run_cli

pytestmark = pytest.mark.slow


def _text(path) -> str:
    """Visible-ish text of an HTML page: tags removed, entities decoded, spaces collapsed."""
    return _text_of(path.read_text(encoding="utf-8"))


def _text_of(page: str) -> str:
    raw = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    raw = raw.replace("<wbr>", "")  # a break point inside a word (tables.breakable), not a space
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", raw)))


def test_build_reports_progress_per_step(built_book):
    out = (built_book / "build-stdout.txt").read_text()
    assert re.search(r"Raw data: \d+ files match data/raw/MANIFEST", out)
    steps = pipeline.load_config(built_book / "pipeline.yaml").steps
    for step in steps:  # a fresh copy: every step runs, because none has a record
        assert f"start {step.name} (no record)\n" in out
        assert re.search(rf"^done  {step.name} \d+\.\d s$", out, flags=re.M)
    assert re.search(rf"^Steps: {len(steps)} ran, 0 unchanged in \d+\.\d s$", out, flags=re.M)
    assert "Book built in" in out


def test_sample_page_shows_every_table1_role(built_book):
    text = _text(built_book / "book/_build/html/notebooks/01_sample.html")
    for entries in PAPER_TABLE1.values():
        for entry in entries:
            assert entry in text
    assert "Table 1 of Waring et al. (2023), rebuilt from data/raw/participants.csv" in text


def test_home_page_numbers_come_from_the_notebook(built_book):
    text = _text(built_book / "book/_build/html/notebooks/home.html")
    assert re.search(
        r"interviewed the 25 clinical leaders of the paper’s Table 1 \(it gives both 24 and 25\s*, "
        r"see Reproduction notes\s*\) and 47 non-clinical leaders involved in governing 3 Sustainability",
        text.replace("'", "’"),
    )
    assert "and observed 28 meetings over 49 hours" in text


def test_model_page_shows_figure_tables_and_glued_numbers(built_book):
    text = _text(built_book / "book/_build/html/notebooks/03_model.html")
    assert "The model has 12 boxes: 4 sources of influence, 4 primary contributions and 4 secondary effects" in text
    assert "Of these, 15 are stated in the paper (solid arrows) and 3 are the compendium’s reading" in text.replace(
        "'", "’"
    )
    assert "The conceptual model of Waring et al. (2023), reconstructed by the compendium from the text" in text
    assert "Theory crosswalk at a glance" in text
    assert "Synthetic demonstration data" not in text  # the weights are on their demonstration page
    assert "demonstration on a synthetic corpus" in text  # ... and the page links there
    assert (built_book / "data/derived/model/figure1_model.svg").is_file()  # the model step's own folder
    assert "Also in data/derived/model/model_links.csv." in text  # the caption names it there


def test_data_page_has_dictionary_and_manifest(built_book):
    text = _text(built_book / "book/_build/html/notebooks/90_data.html")
    assert "profession_basis" in text and "Stable pseudonymous identifier" in text
    digest = (built_book / "data/raw/MANIFEST").read_text().split()[0]
    assert digest in text


def test_colophon_records_the_build(built_book):
    text = _text(built_book / "book/_build/html/notebooks/99_colophon.html")
    assert "unknown (not a git checkout)" in text  # the copy is not a git checkout
    assert "2024-03-01 00:00, set by SOURCE_DATE_EPOCH" in text  # not the clock's date (see conftest)
    assert "jupyter-book" in text and "1.0.4" in text


def test_failing_notebook_keeps_the_previous_book(built_book):
    index = built_book / "book/_build/html/index.html"
    before = index.read_bytes()
    replace_in(
        built_book / "pipeline.yaml",
        "{raw_dir: ../data/raw, derived_dir: ../data/derived/sample}",
        "{raw_dir: ../no/such/dir, derived_dir: ../data/derived/sample}",
    )
    try:
        result = run_cli(built_book, "build")
    finally:
        replace_in(built_book / "pipeline.yaml", "raw_dir: ../no/such/dir", "raw_dir: ../data/raw")
    assert result.returncode == 1
    assert "error: step sample: notebooks/01_sample.ipynb, cell 3 failed: ManifestError" in result.stderr
    assert "skip  methods (unchanged)" in result.stdout  # only sample had changed: nothing else ran
    assert result.stderr.endswith("\nbuild: 1 problem; nothing was written\n")
    assert "Traceback" not in result.stderr
    assert index.read_bytes() == before
    assert not list((built_book / "book").glob(".staging-*")) and not list((built_book / "book").glob(".build-*"))


def test_changed_raw_file_stops_the_build_before_any_notebook(built_book):
    participants = built_book / "data/raw/participants.csv"
    original = participants.read_bytes()
    replace_in(participants, "Obstetrics Lead,Obstetrics Lead", "Obstetric Lead,Obstetric Lead")
    try:
        result = run_cli(built_book, "build")
    finally:
        participants.write_bytes(original)
    assert result.returncode == 1
    assert "data/raw/participants.csv has changed since the manifest was written" in result.stderr
    assert "start " not in result.stdout


def test_every_chapter_is_built_with_its_title(built_book):
    html = built_book / "book/_build/html"
    titles = {
        "background.html": "Background and theory",
        "notebooks/05_methods.html": "Methods",
        "notebooks/10_codebook.html": "Codebook and framework matrix",
        "notebooks/contribution_representation.html": "Representation",
        "notebooks/contribution_relational.html": "Relational activities",
        "notebooks/02_coding.html": "Theme coding summaries",
        "reproduction.html": "Reproduction notes",
        "notebooks/95_coreq.html": "Reporting checklist (COREQ)",
        "data_availability.html": "Data availability and ethics",
        "own_data.html": "Use your own data",
        "references.html": "References",
    }
    for page, title in titles.items():
        assert re.search(rf"<h1>{re.escape(title)}", (html / page).read_text(encoding="utf-8")), page
    # No verdict on the paper's claims from synthetic or demonstration data, and no "p = 0.000".
    for page in html.rglob("*.html"):
        text = _text(page)
        assert "supported" not in text.lower(), page
        assert not re.search(r"(?<![\d.])0\.000(?![\d])", text), page
        assert "{glue" not in text, page  # a role inside inline code is shown raw, not pasted
        assert "caption-number" not in page.read_text(encoding="utf-8"), page  # only the book's own numbers
    for page in ("notebooks/02_coding.html", "notebooks/30_own_data.html"):
        assert "not evaluated: needs real coded data" in _text(html / page), page


def test_methods_numbers_come_from_the_study_facts(built_book):
    text = _text(built_book / "book/_build/html/notebooks/05_methods.html")
    assert "After a desk review of all 44 STPs, the team chose 3" in text
    assert "The study period is given as 2018–2019 or 2018–2021" in text
    assert "reports 24 or 25 clinical leaders and a further 47 non-clinical leaders" in text
    assert "28 meetings over 49 hours ( 22 hours at STP A, 22 at STP B and 5 at STP C)" in text


def test_references_have_dois_and_citations_resolve(built_book):
    text = _text(built_book / "book/_build/html/references.html")
    for doi in (
        "10.1136/leader-2022-000709",
        "10.1093/intqhc/mzm042",
        "10.1371/journal.pone.0232076",
        "10.1093/jopart/mum032",
        "10.1111/j.1540-6210.2006.00664.x",
    ):
        assert doi in text
    coreq = (built_book / "book/_build/html/notebooks/95_coreq.html").read_text(encoding="utf-8")
    assert "references.html#id" in coreq or "references.html#" in coreq  # {cite} links to the bibliography


def test_reader_pages_show_no_code_and_the_notebooks_keep_it(built_book):
    """The paper's pages hide their code (the downloadable notebooks keep it); technical pages fold it."""
    html_dir = built_book / "book/_build/html/notebooks"
    for page in ("01_sample", "03_model", "05_methods", "10_codebook", "contribution_relational", "95_coreq"):
        assert "Show code cell" not in (html_dir / f"{page}.html").read_text(encoding="utf-8"), page
    assert "Show code cell" in (html_dir / "90_data.html").read_text(encoding="utf-8")
    executed = nbformat.read(built_book / "book/notebooks/01_sample.ipynb", as_version=4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and "remove-cell" in injected[0].metadata["tags"]
    assert any("from ics_leadership" in c.source for c in executed.cells if c.cell_type == "code")


def test_no_page_has_an_empty_table_header_cell(built_book):
    for page in (built_book / "book/_build/html").rglob("*.html"):
        empty = re.findall(r"<th\b[^>]*>\s*</th>", page.read_text(encoding="utf-8"))
        assert not empty, f"{page.name}: {len(empty)} empty header cells"


# --- demonstration data never read as findings --------------------------------------------------------


class _Tables(html.parser.HTMLParser):
    """The tables of a page, each a list of rows of cell texts (header cells included)."""

    def __init__(self):
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self.tables and self.tables[-1]:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append(re.sub(r"\s+", " ", "".join(self._cell)).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _pages(built_book):
    """(part caption, page, its HTML, whether its executed notebook shows synthetic data), in book order."""
    book = built_book / "book"
    for caption, file in chapters(book):
        executed = book / f"{file}.ipynb"
        synthetic = executed.is_file() and demonstration.notebook_data_source(executed) == demonstration.SYNTHETIC
        yield caption, file, (book / "_build/html" / f"{file}.html").read_text(encoding="utf-8"), synthetic


def test_demonstration_pages_carry_the_mark_and_one_badge_and_no_other_page_does(built_book):
    """The part is read from the table of contents; whether a page shows synthetic data, from its
    executed notebook. Pages under 'The study' (and every other part) carry neither mark nor badge."""
    seen = {caption: 0 for caption, *_ in _pages(built_book)}
    for caption, file, raw, synthetic in _pages(built_book):
        marks = raw.count(f'data-source="{demonstration.SYNTHETIC}"')
        badges = raw.count(f'class="{demonstration.BADGE_CLASS}"')
        if caption == demonstration.PART_CAPTION:
            assert (synthetic, marks, badges) == (True, 1, 1), file
            # The marked section encloses the whole page: it opens before the title, the badge follows it.
            assert re.search(
                r'<section class="compendium-demonstration[^"]*" data-source="synthetic" id="[^"]+">\s*<h1>', raw
            ), file
            assert re.search(rf'</h1>\s*<p class="{demonstration.BADGE_CLASS}"><strong>', raw), file
            seen[caption] += 1
        else:
            assert (synthetic, marks, badges) == (False, 0, 0), file
        # The badge replaces the caption prefixes: no caption or alt text starts with the label.
        assert not re.search(r"<(?:fig)?caption[^>]*>\s*Synthetic demonstration data", raw), file
        assert 'alt="Synthetic demonstration data' not in raw, file
    assert seen[demonstration.PART_CAPTION] >= 2 and seen["The study"] == 0


def test_no_claim_verdict_is_rendered_from_synthetic_data(built_book):
    """On every page showing synthetic data, every claim's status is a refusal, never a verdict."""
    verdicts = {claims.CONSISTENT, claims.NOT_CONSISTENT, claims.INCONCLUSIVE}
    statuses = []
    for _, file, raw, synthetic in _pages(built_book):
        if not synthetic:
            continue
        parser = _Tables()
        parser.feed(raw)
        for table in parser.tables:
            cells = [cell.lower() for row in table for cell in row]
            assert not verdicts & set(cells), file
            header = table[0] if table else []
            if "status" in header:
                statuses += [row[header.index("status")] for row in table[1:]]
    assert len(statuses) >= 10  # the claims ledger was found and read
    assert set(statuses) <= {claims.NOT_EVALUATED, claims.NOT_TESTABLE}, set(statuses)
    assert claims.NOT_EVALUATED in statuses
