"""The command line: help that explains, clean errors, typed parameters."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import copy_compendium, run_cli
from ics_leadership import cli


def test_help_explains_every_command():
    result = subprocess.run([sys.executable, "-m", "ics_leadership", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    for command in ("check", "build", "run", "update-manifest"):
        assert command in result.stdout
    assert "doi:10.1136/leader-2022-000709" in result.stdout
    assert "exit status" in result.stdout


@pytest.mark.parametrize("command", ["check", "build", "run", "update-manifest"])
def test_each_command_has_its_own_help(command, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main([command, "--help"])
    assert info.value.code == 0
    assert len(capsys.readouterr().out) > 200


def test_check_on_the_real_data(capsys):
    assert cli.main(["check"]) == 0
    out = capsys.readouterr().out
    assert "files match data/raw/MANIFEST" in out
    assert "valid (25 participants, 3 sites observed" in out


def test_unknown_notebook_is_a_clean_error(capsys):
    assert cli.main(["run", "no_such_notebook"]) == 1
    err = capsys.readouterr().err
    assert "'no_such_notebook' is not a notebook in pipeline.yaml (known: 05_methods.ipynb, 01_sample.ipynb" in err


def test_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["frobnicate"])
    assert info.value.code == 2


def test_parameter_values_are_typed():
    assert cli._parse_value("3") == 3
    assert cli._parse_value("false") is False
    assert cli._parse_value("../data/raw") == "../data/raw"


def test_run_with_a_parameter_writes_where_told(tmp_path):
    root = copy_compendium(tmp_path / "compendium")
    result = run_cli(root, "run", "01_sample", "-p", "derived_dir", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert "[1/1] notebooks/01_sample.ipynb" in result.stdout
    assert f"derived_dir='{tmp_path / 'out'}'" in result.stdout
    assert (tmp_path / "out" / "table1.csv").is_file()
    assert (root / "book" / "notebooks" / "01_sample.ipynb").is_file()
    assert not list((root / "data" / "derived").iterdir())  # the default output folder was left alone
