"""No command destroys what it did not create: one publish rule for every output (ics_leadership.core.outputs)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ics_leadership import cli
from ics_leadership.core import outputs
from ics_leadership.core.errors import OutputError

import qda_fixtures as fx
from conftest import ROOT

SRC = ROOT / "src"


def cli_in(cwd: Path, *args: str, umask: int | None = None) -> subprocess.CompletedProcess:
    """``python -m ics_leadership ARGS`` in a real process, in ``cwd`` (optionally under ``umask``)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
    env.pop("ICS_LEADERSHIP_ROOT", None)
    preexec = (lambda: os.umask(umask)) if umask is not None else None
    return subprocess.run(
        [sys.executable, "-m", "ics_leadership", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=preexec,
    )


def fill_with(name: str, text: str = "x"):
    return lambda folder: (folder / name).write_text(text)


# --- the rule, on the helper itself ---------------------------------------------------------------


def test_new_folder_gets_the_marker_and_nothing_is_left_beside_it(tmp_path):
    out = outputs.publish_folder(tmp_path / "a" / "b", fill_with("t.csv"), kind="summarise", gitignore=True)
    assert sorted(p.name for p in out.iterdir()) == [".gitignore", outputs.MARKER, "t.csv"]
    assert outputs.marker_kind(out) == "summarise" and (out / ".gitignore").read_text() == "*\n"
    assert sorted(p.name for p in tmp_path.rglob("*")) == sorted([".gitignore", outputs.MARKER, "t.csv", "a", "b"])


def test_a_folder_not_ours_is_never_replaced(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    for force in (False, True):
        with pytest.raises(OutputError, match="not empty|only a folder written by a previous summarise"):
            outputs.publish_folder(out, fill_with("t.csv"), force=force, kind="summarise")
    assert [p.name for p in out.iterdir()] == ["notes.txt"] and (out / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]


def test_our_own_output_is_replaced_only_with_force_and_only_by_the_same_command(tmp_path):
    out = outputs.publish_folder(tmp_path / "o", fill_with("old.csv"), kind="summarise")
    with pytest.raises(OutputError, match="holds a previous summarise; add --force"):
        outputs.publish_folder(out, fill_with("new.csv"), kind="summarise")
    with pytest.raises(OutputError, match="only a folder written by a previous import"):
        outputs.publish_folder(out, fill_with("new.csv"), force=True, kind="import")
    outputs.publish_folder(out, fill_with("new.csv"), force=True, kind="summarise")
    assert sorted(p.name for p in out.iterdir()) == [outputs.MARKER, "new.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o"]  # the old folder set aside was deleted


def test_force_refuses_an_output_folder_someone_has_added_to(tmp_path, capsys):
    # The marker lists what the output wrote; a thesis saved into the folder afterwards is not replaced.
    def nested(folder):
        (folder / "figures").mkdir()
        (folder / "figures" / "f.png").write_text("png")
        (folder / "t.csv").write_text("x")

    out = outputs.publish_folder(tmp_path / "o", nested, kind="run")
    assert outputs.recorded_entries(out) == {"figures", "figures/f.png", "t.csv"}
    for added in (out / "thesis.docx", out / "figures" / "draft.png", out / "notes"):
        added.mkdir() if added.name == "notes" else added.write_text("mine")
        said = rf"holds what the previous run did not write \({added.relative_to(out).as_posix()}\)"
        with pytest.raises(OutputError, match=said):
            outputs.publish_folder(out, fill_with("new.csv"), force=True, kind="run")
        assert added.exists() and (out / "t.csv").exists()  # nothing replaced
        added.rmdir() if added.is_dir() else added.unlink()
    outputs.publish_folder(out, fill_with("new.csv"), force=True, kind="run")  # its own output only: replaced
    assert sorted(p.name for p in out.iterdir()) == [outputs.MARKER, "new.csv"]
    # the commands say so before any work, with exit 1
    corpus = tmp_path / "corpus"
    assert cli.main(["synthesise", "--out", str(corpus)]) == 0
    (corpus / "thesis.docx").write_text("my thesis")
    assert cli.main(["synthesise", "--out", str(corpus), "--force"]) == 1
    assert "thesis.docx" in capsys.readouterr().err and (corpus / "thesis.docx").read_text() == "my thesis"


def test_a_failed_fill_keeps_the_earlier_output(tmp_path):
    out = outputs.publish_folder(tmp_path / "o", fill_with("old.csv", "before"), kind="run")

    def fail(folder):
        (folder / "half.csv").write_text("half")
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        outputs.publish_folder(out, fail, force=True, kind="run")
    assert (out / "old.csv").read_text() == "before" and not (out / "half.csv").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o"]


def test_refused_places(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    for place, why in (
        (Path("."), "working folder"),
        (tmp_path.parent, "contains the working folder"),
        (Path("/"), "root"),
        (tmp_path / "home", "home folder"),
        (repo, ".git"),
        (ROOT, "compendium's root"),
    ):
        with pytest.raises(OutputError, match=why):
            outputs.check_folder(place, "synthesise", force=True)
    (tmp_path / "file.csv").write_text("x")
    with pytest.raises(OutputError, match="not a folder"):
        outputs.check_folder(tmp_path / "file.csv", "summarise", force=True)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(OutputError, match="symbolic link"):
        outputs.check_folder(tmp_path / "link", "summarise", force=True)


def test_a_marked_folder_holding_a_repository_is_not_replaced(tmp_path):
    out = outputs.publish_folder(tmp_path / "o", fill_with("a.csv"), kind="run")
    (out / "sub" / ".git").mkdir(parents=True)
    with pytest.raises(OutputError, match="holds a .git repository"):
        outputs.publish_folder(out, fill_with("b.csv"), force=True, kind="run")
    assert (out / "a.csv").exists()


def test_leftovers_of_a_killed_publish_are_removed_next_time(tmp_path):
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    ).stdout.strip()
    stale = tmp_path / f".o.ics-tmp-{dead}-abcd1234"
    stale.mkdir()
    (stale / outputs.MARKER).write_text("command: run\n")
    unrelated = tmp_path / f".other.ics-tmp-{dead}-abcd1234"  # another output's: not ours to judge here
    unrelated.mkdir()
    alive = tmp_path / f".o.ics-tmp-{os.getpid()}-abcd1234"  # a live process's work in progress
    alive.mkdir()
    outputs.publish_folder(tmp_path / "o", fill_with("a.csv"), kind="run")
    assert not stale.exists() and unrelated.exists() and alive.exists()


def test_file_rule(tmp_path):
    target = tmp_path / "report.pdf"
    outputs.publish_file(target, lambda tmp: tmp.write_bytes(b"one"))
    with pytest.raises(OutputError, match="exists; add --force"):
        outputs.publish_file(target, lambda tmp: tmp.write_bytes(b"two"))
    outputs.publish_file(target, lambda tmp: tmp.write_bytes(b"two"), force=True)
    assert target.read_bytes() == b"two"
    with pytest.raises(OutputError, match="is a folder"):
        outputs.publish_file(tmp_path, lambda tmp: None, force=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf"]


# --- the commands ----------------------------------------------------------------------------------


def test_synthesise_out_dot_is_refused_and_the_folder_kept(tmp_path):
    (tmp_path / "thesis.docx").write_text("years of work")
    result = cli_in(tmp_path, "synthesise", "--out", ".", "--force")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr == (
        "error: .: refusing to write output here (it is the working folder); choose a new "
        "folder for --out, such as data/coded/NAME\n"
        "synthesise: 1 problem; nothing was written\n"
    )
    assert [p.name for p in tmp_path.iterdir()] == ["thesis.docx"]
    assert (tmp_path / "thesis.docx").read_text() == "years of work"


def test_synthesise_replaces_only_its_own_output(tmp_path, capsys):
    out = tmp_path / "syn"
    assert cli.main(["synthesise", "--out", str(out)]) == 0
    first = (out / "codings.csv").read_bytes()
    assert cli.main(["synthesise", "--out", str(out), "--seed", "99"]) == 1
    assert "holds a previous synthesise; add --force" in capsys.readouterr().err
    assert cli.main(["synthesise", "--out", str(out), "--seed", "99", "--force"]) == 0
    assert (out / "codings.csv").read_bytes() != first
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "a.txt").write_text("a")
    assert cli.main(["synthesise", "--out", str(mine), "--force"]) == 1
    assert "only a folder written by a previous synthesise" in capsys.readouterr().err
    assert [p.name for p in mine.iterdir()] == ["a.txt"]


def test_synthesise_recognises_a_corpus_written_before_markers(tmp_path, capsys):
    out = tmp_path / "syn"
    assert cli.main(["synthesise", "--out", str(out)]) == 0
    (out / outputs.MARKER).unlink()  # as an earlier version left it
    assert cli.main(["synthesise", "--out", str(out), "--force"]) == 0


@pytest.mark.parametrize("command", ["synthesise", "summarise"])
def test_out_pointing_at_a_file_is_a_clean_error(tmp_path, command, capsys):
    target = tmp_path / "results.csv"
    target.write_text("keep me")
    args = [command, *([str(tmp_path)] if command == "summarise" else []), "--out", str(target), "--force"]
    assert cli.main(args) == 1
    err = capsys.readouterr().err
    assert err == (
        f"error: {target}: exists and is not a folder; choose another --out\n"
        f"{command}: 1 problem; nothing was written\n"
    )
    assert target.read_text() == "keep me"


def test_outputs_respect_the_umask(tmp_path):
    for umask, dirs, files in ((0o022, 0o755, 0o644), (0o027, 0o750, 0o640)):
        imported, syn = tmp_path / f"imp{umask:o}", tmp_path / f"syn{umask:o}"
        assert cli_in(tmp_path, "import", str(fx.ATLAS), "--out", str(imported), umask=umask).returncode == 0
        assert cli_in(tmp_path, "synthesise", "--out", str(syn), umask=umask).returncode == 0
        for folder in (imported, syn):
            assert folder.stat().st_mode & 0o777 == dirs, folder
            modes = {p.name: p.stat().st_mode & 0o777 for p in folder.iterdir()}
            assert set(modes.values()) == {files}, modes
    qdc = tmp_path / "codebook.qdc"
    assert cli_in(tmp_path, "export-codebook", "--out", str(qdc), umask=0o022).returncode == 0
    assert qdc.stat().st_mode & 0o777 == 0o644


def test_import_output_carries_a_gitignore(tmp_path):
    assert cli.main(["import", str(fx.ATLAS), "--out", str(tmp_path / "o")]) == 0
    assert (tmp_path / "o" / ".gitignore").read_text() == "*\n"
    assert outputs.marker_kind(tmp_path / "o") == "import"


def test_coded_data_folder_is_git_ignored():
    ignored = subprocess.run(["git", "check-ignore", "-q", "data/coded/study/codings.csv"], cwd=ROOT)
    assert ignored.returncode == 0
