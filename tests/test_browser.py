"""The rendered book in a real headless browser (Debian's chromium driven by Playwright)."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest

from conftest import ROOT
from test_sample import PAPER_TABLE1

pytestmark = pytest.mark.slow

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Flags for a closed network and a root user (see README, "Browser tests").
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _need_browser() -> None:
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM):
        return
    message = f"browser tests need Debian's chromium at {CHROMIUM} (.ci/run installs it)"
    if os.environ.get("CI"):
        pytest.fail(message)  # in CI a missing browser is a failure, never a skip
    pytest.skip(message)


@pytest.fixture(scope="module")
def site(built_book):
    """Serve the built HTML on a loopback port for the duration of the module."""
    html_dir = built_book / "book" / "_build" / "html"
    handler = functools.partial(_QuietHandler, directory=str(html_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output readable
        pass


@pytest.fixture(scope="module")
def browser():
    _need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.problems = []
    pg.on("console", lambda m: m.type == "error" and pg.problems.append(f"console: {m.text}"))
    pg.on("pageerror", lambda e: pg.problems.append(f"page error: {e}"))
    pg.on("requestfailed", lambda r: pg.problems.append(f"failed request: {r.url}"))
    yield pg
    context.close()


def _book_pages() -> list[str]:
    """Every page of the book, from its table of contents."""
    import yaml

    toc = yaml.safe_load((ROOT / "book" / "_toc.yml").read_text())
    files = [toc["root"]] + [ch["file"] for part in toc.get("parts", []) for ch in part["chapters"]]
    return [f"{f}.html" for f in files]


@pytest.mark.parametrize("path", _book_pages())
def test_page_loads_cleanly(page, site, path):
    response = page.goto(f"{site}/{path}", wait_until="networkidle")
    assert response.status == 200
    broken = page.evaluate("Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)")
    assert broken == []
    assert page.problems == []


def test_table1_is_visible_with_every_role(page, site):
    page.goto(f"{site}/notebooks/01_sample.html", wait_until="networkidle")
    table = page.locator("table", has=page.locator("caption", has_text="Table 1 of Waring et al. (2023)"))
    assert table.count() == 1
    table.scroll_into_view_if_needed()
    assert table.is_visible()
    text = table.inner_text()
    for entries in PAPER_TABLE1.values():
        for entry in entries:
            assert entry in text


def test_figures_have_alt_text(page, site):
    page.goto(f"{site}/notebooks/01_sample.html", wait_until="networkidle")
    alts = page.evaluate("Array.from(document.querySelectorAll('main article img')).map(i => i.getAttribute('alt') || '')")
    assert len(alts) == 2
    assert all(len(a) > 40 for a in alts)


def test_home_page_numbers_are_rendered(page, site):
    page.goto(f"{site}/intro.html", wait_until="networkidle")
    text = page.locator("main").inner_text()
    assert "interviewed 25 clinical leaders" in text
    assert "observed 28 meetings over 49 hours" in text
