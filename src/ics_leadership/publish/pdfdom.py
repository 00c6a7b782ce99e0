"""The one-page book made ready for paper: print styles, and what is read from or changed in its page.

Chromium prints the single-page book (:mod:`ics_leadership.publish.chromium`); before it does, this
module's scripts run in that page: they read the chapters' titles and the numbered tables and
figures (for the contents and the lists of figures and tables), move the long evidence tables
(``data-print="appendix"``, see :func:`ics_leadership.figures.tables.table`) to an appendix with a
pointer in their place, print only the caption of a reference table kept online
(``data-print="online"``), mark where long identifiers in table cells may wrap, check the layout
(:func:`layout_problems`), and, after a first print, write the page numbers in.

Print layout: every chapter starts a page, and its sections (the contribution pages) follow on; the
home page gives way to the executive summary; headings keep with what follows them; table text is
small, and a cell wraps only between words or after ``_ / . : - >`` inside an identifier, never
inside a word.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # playwright is imported only when the PDF is printed
    from playwright.sync_api import Page

#: The print-only appendix that holds the long evidence tables, as the contents name it.
EVIDENCE_FILE = "#evidence-tables"
EVIDENCE_TITLE = "Evidence tables"
#: The part of ``_toc.yml`` the evidence appendix opens (else it goes at the end of the book).
APPENDICES = "Appendices"

#: Print styles for the single-page book: what a reader of paper does not need goes, each chapter
#: starts a page, and nothing is cut at the page's right edge or split across pages.
PRINT_CSS = """
@page { size: A4; }
html { font-size: 9.5pt; }
body { background: #fff !important; line-height: 1.4; }
.bd-header, .bd-header-article, .bd-sidebar-primary, .bd-sidebar-secondary, .bd-footer,
.bd-footer-content, .bd-footer-article, .prev-next-footer, .header-article-items, .search-button,
.theme-switch-button, .copybtn, .headerlink, .toggle-details, button, .skip-link,
.bd-search, #pst-back-to-top, details.hide, .cell_input, .tag_hide-cell,
#jb-print-docs-body { display: none !important; }
.bd-main .bd-content { margin-left: 0 !important; }
.bd-main, .bd-content, .bd-article-container, .bd-page-width, .bd-container, .bd-container__inner,
.bd-article, article { max-width: none !important; width: auto !important; margin: 0 !important;
                       padding: 0 !important; display: block !important; overflow: visible !important; }
.cell_output .output, .cell_output .output.text_html { overflow: visible !important; }
div.cell, div.cell_output, .cell_output .output { margin: 0 !important; padding: 0 !important; }
.pst-scrollable-table-container { overflow: visible !important; }
p { margin: 0 0 0.55em 0; orphans: 3; widows: 3; }
ul, ol { margin-bottom: 0.55em; }
li > p { margin-bottom: 0.2em; }
blockquote { margin: 0 0 0.6em 0; padding: 0.3em 0.8em; }
/* The empty anchor before each page of the one-page book makes a line of its own: at the foot of a
   full page it spills onto a blank one before the next chapter's page break. Out of the flow it cannot. */
span[id^="document-"] { position: absolute; }
/* The home page is the web's way in; on paper the executive summary stands for it (its own tables
   and figures move there), and only the chapters it holds are printed. */
.compendium-home > :not(.toctree-wrapper) { display: none !important; }
/* Each chapter begins a new sheet (marked by the page script); its sections follow on. A chapter
   drawn in a box (a demonstration page) loses its bottom padding: at the foot of a full page the
   padding alone would spill onto a sheet of its own. */
.compendium-chapter, #compendium-summary, #compendium-contents { break-before: page; }
.compendium-chapter { padding-bottom: 0 !important; margin-bottom: 0 !important; }
h1, h2, h3, h4, h5, h6 { break-after: avoid; break-inside: avoid; color: #111 !important;
                         margin: 0.9em 0 0.35em 0 !important; line-height: 1.25 !important; }
/* Chapter titles (h2 once the pages are joined) stand out from their sections. */
.compendium-chapter > h2, .compendium-chapter > h3:first-child, #compendium-evidence > h2 {
    font-size: 1.75rem !important; font-weight: 700 !important; margin: 0 0 4mm 0 !important;
    padding-bottom: 1.5mm; border-bottom: 1.5px solid #777; }
.compendium-section > h3:first-child { font-size: 1.45rem !important; font-weight: 700 !important;
    margin-top: 1.4em !important; }
h3, article > section > section > h2 { font-size: 1.25rem !important; font-weight: 700 !important; }
h4 { font-size: 1.1rem !important; font-weight: 700 !important; }
h5, h6 { font-size: 1.05rem !important; font-weight: 700 !important; }
figcaption, caption { color: #222 !important; }
figcaption { font-weight: 600 !important; }
figure, img, .compendium-banner, .admonition { break-inside: avoid; }
.admonition { margin: 0.6em 0 !important; padding: 0.3em 0.8em !important; }
img { max-width: 100% !important; max-height: 95mm; width: auto; height: auto !important; }
figure.compendium-figure { text-align: center; margin: 0.6em 0 !important; }
figure.compendium-figure figcaption { text-align: left; font-size: 8.5pt; }
/* The theme keeps every table on one page (break-inside: avoid), which leaves half pages empty;
   a long table may break between rows instead, its header repeated. */
.bd-main .bd-content table, table { break-inside: auto !important; }
table { width: 100% !important; max-width: 100% !important; font-size: 7.5pt !important;
        line-height: 1.25 !important; margin: 0.3em 0 0.8em 0 !important; }
table caption { break-after: avoid; font-size: 8.5pt !important; padding: 0 0 0.25em 0 !important;
                line-height: 1.3; }
thead { display: table-header-group; }
tr, td, th { break-inside: avoid; }
td, th { padding: 0.12em 0.4em !important; }
/* Cells wrap between words, and inside identifiers only where the page script put a <wbr>. */
td, th { overflow-wrap: normal !important; word-break: normal !important; hyphens: manual !important; }
pre { white-space: pre-wrap !important; overflow-wrap: anywhere; font-size: 8pt; }
a { color: inherit !important; text-decoration: none !important; }
/* A pointer left where an evidence table was, and the appendix it went to. */
.compendium-moved { font-style: italic; }
.compendium-online-only { font-size: 8.5pt; font-weight: 600; margin: 0.3em 0 0.6em 0; }
.compendium-online-only .where { font-weight: 400; font-style: italic; }
#compendium-evidence { break-before: page; }
#compendium-evidence > p.intro { margin-bottom: 1em; }
"""

#: The front matter: title page, executive summary, contents and the lists of figures and tables.
FRONT_CSS = """
#compendium-title-page { min-height: 236mm; display: flex; flex-direction: column; }
#compendium-title-page .title { font-size: 24pt; font-weight: 700; line-height: 1.2; margin: 30mm 0 6mm 0; }
#compendium-title-page .subtitle { font-size: 12pt; margin: 0 0 8mm 0; }
#compendium-title-page .citation { font-size: 11pt; border-left: 3px solid #555; padding-left: 4mm;
                                   margin: 0 0 auto 0; }
#compendium-title-page .build { font-size: 9pt; color: #333; margin-top: 10mm; }
#compendium-summary { font-size: 8.5pt; line-height: 1.27; }
#compendium-summary h2, #compendium-contents h2 { font-size: 1.75rem !important; font-weight: 700 !important;
    margin: 0 0 3mm 0 !important; padding-bottom: 1.5mm; border-bottom: 1.5px solid #777; }
#compendium-summary h3 { font-size: 1.1rem !important; margin: 0.6em 0 0.25em 0 !important; }
#compendium-summary p, #compendium-summary li { margin: 0 0 0.25em 0; }
#compendium-summary .where { color: #444; font-size: 0.88em; }
#compendium-summary p.where { line-height: 1.2; }
#compendium-summary ol.messages { padding-left: 5mm; }
#compendium-summary .graphical:not(:empty) { break-before: page; }
#compendium-summary .graphical figure { margin: 0 0 6mm 0 !important; }
#compendium-contents { font-size: 9pt; }
#compendium-contents .lists { font-size: 8pt; line-height: 1.25; }
#compendium-contents .lists li { margin: 0; }
#compendium-contents h3 { font-size: 1.05rem !important; margin: 2.5mm 0 1mm 0 !important; color: #333 !important; }
#compendium-contents h2.list { margin-top: 6mm !important; }
#compendium-contents .toc { columns: 2; column-gap: 9mm; }
#compendium-contents .toc h3 { break-after: avoid; }
#compendium-contents ol { margin: 0; padding-left: 0; list-style: none; }
#compendium-contents li { display: flex; gap: 2mm; break-inside: avoid; margin: 0 0 0.6mm 0; }
#compendium-contents .toc li { padding-left: 4mm; }
#compendium-contents li .entry { flex: 1; }
#compendium-contents li .number { flex: 0 0 17mm; font-weight: 600; }
#compendium-contents .lists li .entry { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
#compendium-contents li .pageno { font-variant-numeric: tabular-nums; min-width: 6mm; text-align: right; }
"""

#: Tables, figures and code blocks whose right edge passes the text column's.
OVERFLOW_JS = """() => {
    const column = document.querySelector('article.bd-article') || document.body;
    const right = column.getBoundingClientRect().right + 1;
    const out = [];
    column.querySelectorAll('table, figure, img, pre').forEach(el => {
        const box = el.getBoundingClientRect();
        if (box.width > 0 && box.right > right) {
            const caption = el.querySelector('caption, figcaption');
            const what = (caption ? caption.textContent : el.textContent).trim().slice(0, 80);
            out.push(`${el.tagName.toLowerCase()} ${Math.round(box.right - right)}px too wide: ${what}`);
        }
    });
    return out;
}"""

#: Chapter titles by page (``<span id="document-X">`` before each), the root page's as ``__root__``;
#: each chapter's section is marked ``compendium-chapter`` (a page break), a section of a chapter
#: ``compendium-section``.
_CHAPTERS_JS = """() => {
    const out = {};
    const home = document.querySelector('article section');  // the home page holds every other page
    document.querySelectorAll('span[id^="document-"]').forEach(span => {
        const sec = span.nextElementSibling;
        const h = sec && sec.querySelector('h1, h2, h3');
        if (h) out[span.id.slice('document-'.length)] = h.textContent.replace(/#$/, '').trim();
        if (sec && sec.tagName === 'SECTION') {
            const within = sec.parentElement.closest('section');
            sec.classList.add(within && within !== home ? 'compendium-section' : 'compendium-chapter');
        }
    });
    const first = document.querySelector('article h1');
    if (first) out['__root__'] = first.textContent.replace(/#$/, '').trim();
    if (home) home.classList.add('compendium-home');
    return out;
}"""

#: The home page's own tables and figures (its graphical abstract) join the executive summary,
#: which stands for the home page on paper.
_HOME_ITEMS_JS = """() => {
    const target = document.querySelector('#compendium-summary .graphical');
    const home = document.querySelector('.compendium-home');
    if (!target || !home) return 0;
    const own = Array.from(home.querySelectorAll('figure, table')).filter(el => !el.closest('.toctree-wrapper'));
    if (!own.length) return 0;
    target.insertAdjacentHTML('beforeend', '<h3>Graphical abstract</h3>');
    own.filter(el => !own.some(other => other !== el && other.contains(el))).forEach(el => target.appendChild(el));
    return own.length;
}"""

#: The numbered tables and figures in reading order: id, kind, number ("Table 5") and caption.
_ITEMS_JS = """() => Array.from(document.querySelectorAll('article .compendium-number')).map(span => {
    const el = span.closest('table, figure');
    const caption = span.closest('caption, figcaption');
    const text = caption ? caption.textContent.replace(span.textContent, '').replace(/#$/, '') : '';
    return {anchor: el ? el.id : '', kind: el ? el.tagName.toLowerCase() : '',
            number: span.textContent.trim().replace(/\\.$/, ''), caption: text.replace(/\\s+/g, ' ').trim()};
}).filter(item => item.anchor)"""

#: Move every ``table[data-print="appendix"]`` into the evidence appendix, leaving a pointer with a
#: slot for its page number. Returns how many moved.
_RELOCATE_JS = """([beforeId, title, intro]) => {
    const moved = Array.from(document.querySelectorAll('article table[data-print="appendix"]'));
    if (!moved.length) return 0;
    const section = document.createElement('section');
    section.id = 'compendium-evidence';
    section.innerHTML = `<h2>${title}</h2><p class="intro">${intro}</p>`;
    for (const table of moved) {
        const number = table.querySelector('.compendium-number');
        const name = number ? number.textContent.trim().replace(/\\.$/, '') : 'A table';
        const pointer = document.createElement('p');
        pointer.className = 'compendium-moved';
        pointer.innerHTML = `${name} is printed with the ${title.toLowerCase()} (appendix), page `
            + `<a class="pageno" href="#${table.id}"></a>.`;
        table.replaceWith(pointer);
        section.appendChild(table);
    }
    const before = beforeId && document.getElementById(beforeId);
    const article = document.querySelector('article.bd-article') || document.body;
    if (before) before.parentElement.insertBefore(section, before);
    else article.appendChild(section);
    return moved.length;
}"""

#: Print only the caption of a ``table[data-print="online"]``, with the text saying where the table is.
_ONLINE_ONLY_JS = """() => {
    const tables = Array.from(document.querySelectorAll('article table[data-print="online"]'));
    for (const table of tables) {
        const pointer = document.createElement('p');
        pointer.className = 'compendium-online-only';
        pointer.id = table.id;
        const caption = table.querySelector('caption');
        const rows = table.querySelectorAll('tbody tr').length;
        pointer.innerHTML = (caption ? caption.innerHTML : '')
            + ` <span class="where">(${rows} rows, not printed. ${table.dataset.printWhere || ''})</span>`;
        table.replaceWith(pointer);
    }
    return tables.length;
}"""

#: Let long identifiers in table cells wrap after ``_ / . : - >`` (a <wbr>), and nowhere else inside a word.
_IDENTIFIERS_JS = """() => {
    const breakable = /([_/.:>-])(?=[^\\s])/g;
    let marked = 0;
    document.querySelectorAll('article td, article th').forEach(cell => {
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        const texts = [];
        while (walker.nextNode()) texts.push(walker.currentNode);
        for (const text of texts) {
            if (!/\\S{13,}/.test(text.data)) continue;
            const parts = text.data.split(/(\\s+)/);
            const fragment = document.createDocumentFragment();
            for (const part of parts) {
                if (part.length >= 13 && /[_/.:>-]/.test(part)) {
                    const pieces = part.replace(breakable, '$1\\u0000').split('\\u0000');
                    pieces.forEach((piece, i) => {
                        fragment.appendChild(document.createTextNode(piece));
                        if (i < pieces.length - 1) { fragment.appendChild(document.createElement('wbr')); marked++; }
                    });
                } else {
                    fragment.appendChild(document.createTextNode(part));
                }
            }
            text.replaceWith(fragment);
        }
    });
    return marked;
}"""

#: Words of table cells that the layout breaks inside (not after ``_ / . : - >``): "particip|ants".
BROKEN_WORDS_JS = """() => {
    const allowed = /[_\\/.:\\->]/;
    const out = [];
    const range = document.createRange();
    const lineOf = (node, i) => {
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const rect = range.getClientRects()[0];
        return rect ? Math.round(rect.top) : null;
    };
    document.querySelectorAll('article td, article th').forEach(cell => {
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) {
            const node = walker.currentNode;
            for (const word of node.data.matchAll(/\\S{2,}/g)) {
                range.setStart(node, word.index);
                range.setEnd(node, word.index + word[0].length);
                const lines = new Set(Array.from(range.getClientRects()).filter(r => r.width > 0)
                    .map(r => Math.round(r.top)));
                if (lines.size < 2) continue;
                let previous = lineOf(node, word.index);
                for (let i = 1; i < word[0].length; i++) {
                    const line = lineOf(node, word.index + i);
                    if (line !== null && previous !== null && line > previous + 1 && !allowed.test(word[0][i - 1])) {
                        const table = cell.closest('table');
                        const number = table && table.querySelector('.compendium-number');
                        const which = number ? number.textContent : 'a table';
                        out.push(`${word[0].slice(0, i)}|${word[0].slice(i)} (${which})`);
                        break;
                    }
                    if (line !== null) previous = line;
                }
            }
        }
    });
    return out;
}"""

#: Write page numbers: chapters by ``data-chapter``, anything else by the anchor its link points to.
_PAGE_NUMBERS_JS = """([chapters, anchors]) => {
    document.querySelectorAll('#compendium-contents li[data-chapter]').forEach(li => {
        const n = chapters[li.dataset.chapter];
        li.querySelector('.pageno').textContent = n === undefined ? '' : String(n);
    });
    document.querySelectorAll('a.pageno[href^="#"]').forEach(a => {
        const n = anchors[decodeURIComponent(a.getAttribute('href').slice(1))];
        a.textContent = n === undefined ? '' : String(n);
    });
}"""


@dataclass
class PrintedBook:
    """What the front matter is made from: the chapters in print order, their titles, the numbered items."""

    chapters: list[tuple[str | None, str]]
    titles: dict[str, str]
    items: list[dict[str, str]] = field(default_factory=list)


def prepare(page: Page, chapters: list[tuple[str | None, str]]) -> PrintedBook:
    """Read and change the one-page book for print (before the front matter goes in).

    Marks chapters, reads their titles and the numbered tables and figures, moves the evidence
    tables to their appendix (which then joins ``chapters``, at the start of the Appendices part, or
    at the end), and marks where identifiers in table cells may wrap.
    """
    titles = page.evaluate(_CHAPTERS_JS)
    items = page.evaluate(_ITEMS_JS)
    files = [file for _, file in chapters]
    first_appendix = next((i for i, (caption, _) in enumerate(chapters) if caption == APPENDICES), None)
    before = f"document-{files[first_appendix]}" if first_appendix is not None else ""
    intro = (
        "The long tables that give each statement with its place in the paper, moved here from the chapters "
        "they belong to (each chapter says where its table went). They are numbered as in the online book."
    )
    if page.evaluate(_RELOCATE_JS, [before, EVIDENCE_TITLE, intro]):
        titles[EVIDENCE_FILE] = EVIDENCE_TITLE
        entry = (APPENDICES if first_appendix is not None else None, EVIDENCE_FILE)
        at = first_appendix if first_appendix is not None else len(chapters)
        chapters = [*chapters[:at], entry, *chapters[at:]]
    page.evaluate(_ONLINE_ONLY_JS)
    page.evaluate(_IDENTIFIERS_JS)
    return PrintedBook(chapters, titles, items)


def adopt_home_items(page: Page) -> int:
    """Move the home page's own tables and figures into the executive summary; return how many."""
    return page.evaluate(_HOME_ITEMS_JS)


def fill_page_numbers(page: Page, chapters: dict[str, int], anchors: dict[str, int]) -> None:
    """Write the page numbers found by a print into the contents, the lists and the pointers."""
    page.evaluate(_PAGE_NUMBERS_JS, [chapters, anchors])


def layout_problems(page: Page) -> list[str]:
    """What would print badly: each table, figure or code block wider than the printable width
    (cut at the page's right edge), and each word a table cell breaks inside (wrapping is allowed
    between words and after ``_ / . : - >``, nowhere else)."""
    too_wide = [f"wider than the page, cut at its right edge: {item}" for item in page.evaluate(OVERFLOW_JS)]
    broken = [f"a word breaks inside a table cell: {item}" for item in page.evaluate(BROKEN_WORDS_JS)]
    return too_wide + broken
