"""The import and export-codebook commands as a user meets them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ics_leadership import cli

import qda_fixtures as fx

SRC = Path(__file__).resolve().parents[1] / "src"


@pytest.mark.parametrize("command", ["import", "export-codebook"])
def test_help(command, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main([command, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert len(out) > 300 and "--out" in out


def test_summary_line(tmp_path, capsys):
    assert cli.main(["import", str(fx.ATLAS), "--out", str(tmp_path / "out")]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == (
        f"Imported 8 documents, 9 codings, 14 codes, 1 coders into {tmp_path / 'out'}; "
        f"20 items skipped, 5 warnings (see import_report.csv)"
    )
    # One line per kind of warning, naming the documents; then one saying the project's notes were left out.
    assert captured.err.count("\n") == 2
    assert captured.err.startswith(
        "warning: offsets kept as exported (source text missing; reading unknown): "
        "5 documents: '1994 Diet Coke-Diet Coke Break.docx', "
    )
    assert captured.err.splitlines()[1] == (
        "note: the project has 2 notes (memos), not imported: they are confidential free text; "
        "give --notes to write them to notes.csv"
    )


def run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(
        [sys.executable, "-m", "ics_leadership", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_a_hostile_file_in_a_real_process(tmp_path):
    src = tmp_path / "evil.qdpx"
    fx.zip_with(src, [("project.qde", fx.project("").encode()), ("../../etc/evil", b"x")])
    result = run("import", str(src), "--out", str(tmp_path / "out"))
    assert result.returncode == 1
    assert result.stdout == ""
    # One line for the problem (a hostile member name cannot add lines), then the summary line.
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 2
    assert result.stderr.endswith("\nimport: 1 problem; nothing was written\n")
    assert "Traceback" not in result.stderr and "zip-slip" in result.stderr
    assert not (tmp_path / "out").exists()


def test_bad_max_size(tmp_path, capsys):
    assert cli.main(["import", str(fx.ATLAS), "--out", str(tmp_path / "o"), "--max-size", "lots"]) == 1
    assert "--max-size" in capsys.readouterr().err
