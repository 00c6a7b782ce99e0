"""The command line: help that explains, clean errors, typed parameters."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest

from ics_leadership import cli

from conftest import ROOT, copy_compendium, run_cli


def test_help_explains_every_command():
    result = subprocess.run([sys.executable, "-m", "ics_leadership", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    for command in ("check", "build", "run", "update-manifest"):
        assert command in result.stdout
    assert "doi:10.1136/leader-2022-000709" in result.stdout
    assert "exit status" in result.stdout


@pytest.mark.parametrize(
    "command",
    ["check", "build", "run", "update-manifest", "pdf", "import", "summarise", "synthesise", "export-codebook", "plan"],
)
def test_each_command_has_its_own_help(command, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main([command, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert len(out) > 200
    # argparse does not %-format descriptions: a doubled %% would be printed as written.
    assert "%%" not in out


def test_check_on_the_real_data(capsys):
    assert cli.main(["check"]) == 0
    out = capsys.readouterr().out
    assert "files match data/raw/MANIFEST" in out
    assert "valid (25 participants, 3 sites observed" in out


def test_unknown_notebook_is_a_clean_error(capsys):
    assert cli.main(["run", "no_such_notebook"]) == 1
    err = capsys.readouterr().err
    known = "02_coding.ipynb, 03_model.ipynb, 04_model_weights.ipynb, 05_methods.ipynb"
    assert f"is not a notebook in pipeline.yaml (known: {known}" in err
    assert "'no_such_notebook'" in err


def test_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["frobnicate"])
    assert info.value.code == 2


def test_parameter_values_are_typed():
    assert cli._parse_value("3") == 3
    assert cli._parse_value("false") is False
    assert cli._parse_value("../data/raw") == "../data/raw"


def _tree(folder):
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_run_writes_into_its_own_folder_and_leaves_the_book_alone(tmp_path):
    """`run` on changed parameters never reaches book/notebooks or data/derived (byte-identical after)."""
    root = copy_compendium(tmp_path / "compendium")
    (root / "book" / "notebooks").mkdir()
    (root / "book" / "notebooks" / "01_sample.ipynb").write_text('{"the book": "page"}')
    (root / "data" / "derived" / "table1.csv").write_text("the book's table\n")
    before = {name: _tree(root / name) for name in ("book/notebooks", "data/derived")}
    out = tmp_path / "my run"
    result = run_cli(root, "run", "01_sample", "-p", "verify_manifest", "false", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert f"derived_dir='{out / 'derived'}'" in result.stdout and "verify_manifest=False" in result.stdout
    assert {name: _tree(root / name) for name in before} == before
    assert (out / "01_sample.ipynb").is_file() and (out / "derived" / "table1.csv").is_file()
    assert (out / ".gitignore").read_text() == "*\n"
    executed = (out / "01_sample.ipynb").read_text()
    assert str(out / "derived") in executed and ".ics-tmp-" not in executed  # the final folder, not the temporary
    # again: refused without --force, replaced with it
    again = run_cli(root, "run", "01_sample", "--out", str(out))
    assert again.returncode == 1 and "holds a previous run; add --force" in again.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["compendium", "my run"]


def test_the_readmes_own_data_workflow_runs(tmp_path):
    """README, 'Use your own data': import with --anonymise --no-excerpts, copy the example mapping, run 02."""
    root = copy_compendium(tmp_path / "compendium")
    coded = root / "data" / "coded"
    coded.mkdir()
    example = root / "examples" / "atlas_ti"
    imported = run_cli(
        root,
        "import",
        str(example / "atlas_ti_8_standard_project.qdpx"),
        "--out",
        "data/coded/study",
        "--anonymise",
        "--no-excerpts",
    )
    assert imported.returncode == 0, imported.stderr
    (coded / "mapping.yaml").write_bytes((example / "mapping.yaml").read_bytes())
    result = run_cli(
        root,
        "run",
        "02_coding",
        "-p",
        "coded_data",
        "../data/coded/study",
        "-p",
        "mapping",
        "../data/coded/mapping.yaml",
    )
    assert result.returncode == 0, result.stderr
    executed = (coded / "runs" / "02_coding" / "02_coding.ipynb").read_text(encoding="utf-8")
    # What the data cannot give is said on the page, not left to a silent gap or a crash.
    assert "saturation cannot be assessed" in executed and "not in the coded data, so they were not used" in executed
    assert "not evaluated: needs real coded data" in executed


def test_unknown_parameter_is_an_error_listing_the_notebooks_parameters(capsys):
    assert cli.main(["run", "02_coding", "-p", "coded_dta", "x", "-p", "threshold", "0.1"]) == 1
    err = capsys.readouterr().err
    # threshold is declared (in a tuple assignment papermill's inspection misses); coded_dta is not
    assert err == (
        "error: notebooks/02_coding.ipynb: -p coded_dta: the notebook has no such parameter (its "
        "parameters: coded_data, mapping, synthetic_seed, double_coded_share, agreement, coder, raw_dir, "
        "derived_dir, base_size, run_length, threshold)\n"
        "run: 1 problem; nothing was written\n"
    )
    assert not (ROOT / "data" / "coded" / "runs" / "02_coding").exists()


def test_unexpected_errors_are_one_line_unless_debug(monkeypatch, capsys):
    from ics_leadership.publish import pipeline

    def broken(raw_dir=None):
        raise KeyError("group")

    monkeypatch.setattr(pipeline, "check_raw", broken)
    assert cli.main(["check"]) == 1
    err = capsys.readouterr().err
    assert err == (
        "error: check stopped on an unexpected KeyError: 'group' (a bug, or input we did not foresee: "
        "please report it; --debug shows the traceback)\n"
        "check: 1 problem; nothing was written\n"
    )
    for argv in (["--debug", "check"], ["check", "--debug"]):
        assert cli.main(argv) == 1
        err = capsys.readouterr().err
        assert err.startswith("Traceback (most recent call last):") and "KeyError: 'group'" in err
        assert err.endswith("--debug shows the traceback)\ncheck: 1 problem; nothing was written\n")


def test_every_problem_on_its_own_line_then_a_summary(raw_copy, capsys):
    from conftest import replace_in

    replace_in(raw_copy / "observations.csv", ",22", ",-22")
    replace_in(raw_copy / "participants.csv", "executive", "exec")
    assert cli.main(["update-manifest", "--raw-dir", str(raw_copy)]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 3 and all(line.startswith("error: ") for line in lines[:2])
    assert lines[-1] == "update-manifest: 2 problems; nothing was written"
