"""The package's architecture: subpackages, their one direction of imports, the old import paths."""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import ics_leadership

from conftest import ROOT


def test_import_contracts_hold():
    """The import-linter contracts of pyproject.toml (layers; importers import no analysis)."""
    lint = Path(sys.executable).parent / "lint-imports"
    if not lint.exists():
        lint = shutil.which("lint-imports")
    result = subprocess.run(
        [str(lint)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "broken" not in result.stdout.lower().split("contracts:")[-1].replace("0 broken", "")


@pytest.mark.parametrize("old, new", sorted(ics_leadership.MOVED.items()))
def test_old_module_paths_are_aliases_of_the_new(old, new):
    """Users' notebooks written against the flat package keep working for one release."""
    moved = importlib.import_module(f"ics_leadership.{new}")
    if old == "figures":  # the package took the module's name and re-exports its names
        alias = importlib.import_module("ics_leadership.figures")
        assert alias.SYNTHETIC_LABEL == moved.SYNTHETIC_LABEL and alias.set_style is moved.set_style
        return
    assert importlib.import_module(f"ics_leadership.{old}") is moved


def test_every_module_is_in_a_subpackage():
    """Only the package index, the command line and the old-path aliases live at the top."""
    top = {p.stem for p in (ROOT / "src" / "ics_leadership").glob("*.py")}
    assert top - set(ics_leadership.MOVED) == {"__init__", "__main__", "cli", "cli_parser"}


def test_ruff_lint_and_format_are_clean():
    """ruff (configured in pyproject.toml) finds nothing to fix and nothing to reformat."""
    ruff = Path(sys.executable).parent / "ruff"
    for args in (["check", "."], ["format", "--check", "."]):
        result = subprocess.run([str(ruff), *args], cwd=ROOT, capture_output=True, text=True)
        assert result.returncode == 0, f"ruff {' '.join(args)}:\n{result.stdout[-3000:]}{result.stderr[-1000:]}"
