"""Shared fixtures: the compendium's root, and editable copies of its raw data."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"


@pytest.fixture(scope="module")
def codebook():
    """The compendium's codebook, from data/raw (read once per test module)."""
    from ics_leadership.facts.codebook import load_codebook

    return load_codebook(RAW / "codebook.yaml")


@pytest.fixture(scope="module")
def model(codebook):
    """The conceptual model, from data/raw (read once per test module)."""
    from ics_leadership.facts.model import load_model

    return load_model(RAW / "model.yaml", codebook)


@pytest.fixture
def raw_copy(tmp_path: Path) -> Path:
    """A private copy of data/raw that a test may break."""
    target = tmp_path / "raw"
    shutil.copytree(RAW, target)
    return target


def replace_in(path: Path, old: str, new: str, count: int = 1) -> None:
    """Edit a fixture file, failing loudly if the text to replace is not there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


#: What a book build needs from the checkout; everything else is generated.
BOOK_INPUTS = (
    "data/raw",
    "notebooks",
    "book",
    "examples",
    "pipeline.yaml",
    "requirements.lock",
    "pyproject.toml",
    "CITATION.cff",  # the PDF's keywords
)


def copy_compendium(target: Path) -> Path:
    """Copy the compendium's sources (not its generated files) to ``target``."""
    ignore = shutil.ignore_patterns("_build", ".build-*", ".staging-*", ".ipynb_checkpoints", "__pycache__")
    for name in BOOK_INPUTS:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, target / name, ignore=ignore)
        else:
            shutil.copy2(src, target / name)
    shutil.rmtree(target / "book" / "notebooks", ignore_errors=True)  # executed copies: rebuilt
    (target / "data" / "derived").mkdir(parents=True, exist_ok=True)
    return target


#: The date books built by the tests show (2024-03-01 00:00 UTC): the copies are not git checkouts,
#: and two builds must show the same date to be byte-identical.
SOURCE_DATE_EPOCH = "1709251200"


def run_cli(root: Path, *args: str, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    """Run ``python -m ics_leadership ARGS`` against the compendium copy at ``root``."""
    env = {**os.environ, "ICS_LEADERSHIP_ROOT": str(root), "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH}
    return subprocess.run(
        [sys.executable, "-m", "ics_leadership", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="session")
def built_book(tmp_path_factory) -> Path:
    """A compendium copy on which `ics-leadership build` has run; returns its root."""
    root = copy_compendium(tmp_path_factory.mktemp("compendium"))
    result = run_cli(root, "build")
    assert result.returncode == 0, result.stdout + result.stderr
    (root / "build-stdout.txt").write_text(result.stdout)
    return root


#: The browser that the browser and PDF tests drive (Debian's chromium unless CHROMIUM says otherwise).
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def need_chromium() -> None:
    """Skip the test when there is no chromium, except under CI, where a missing browser fails it."""
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM):
        return
    message = f"browser and PDF tests need Debian's chromium at {CHROMIUM} (.ci/run installs it)"
    if os.environ.get("CI"):
        pytest.fail(message)  # in CI a missing browser is a failure, never a skip
    pytest.skip(message)


def pdf_outline(reader) -> list[tuple[int, str, int]]:
    """A PDF's bookmarks (a pypdf reader's), flattened in order: (depth, title, 1-based page)."""

    def walk(items, depth=0):
        out = []
        for item in items:
            if isinstance(item, list):
                out += walk(item, depth + 1)
            else:
                out.append((depth, item.title, reader.get_destination_page_number(item) + 1))
        return out

    return walk(reader.outline)


@pytest.fixture(scope="session")
def pdf_build(built_book) -> tuple[Path, str]:
    """`ics-leadership pdf` (what `make pdf` runs after the build) on the built copy: the PDF and its output.

    Built once for every PDF test of the session (the browser tests and tests/test_pdf.py).
    """
    need_chromium()
    result = run_cli(built_book, "pdf", timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return built_book / "book" / "_build" / "pdf" / "compendium.pdf", result.stdout
