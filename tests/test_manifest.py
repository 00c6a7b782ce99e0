"""The SHA-256 manifest guards data/raw; updating it is a separate, deliberate command."""

from __future__ import annotations

import os
import subprocess

import pytest

from ics_leadership import cli
from ics_leadership.core import manifest
from ics_leadership.core.errors import ManifestError

from conftest import RAW, replace_in


def test_committed_manifest_matches_raw_files():
    verified = manifest.verify(RAW)
    assert set(verified) == {
        "participants.csv",
        "observations.csv",
        "study.yaml",
        "codebook.yaml",
        "claims.yaml",
        "synthetic_assumptions.yaml",
        "coreq.yaml",
        "model.yaml",
        "key_messages.yaml",
    }


def test_manifest_is_sha256sum_compatible():
    result = subprocess.run(["sha256sum", "-c", "MANIFEST"], cwd=RAW, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_changed_file_is_named_with_the_remedy(raw_copy):
    replace_in(raw_copy / "observations.csv", "A,22,", "A,23,")
    with pytest.raises(ManifestError) as info:
        manifest.verify(raw_copy)
    message = str(info.value)
    assert "observations.csv has changed since the manifest was written" in message
    assert "ics-leadership update-manifest" in message
    assert "participants.csv" not in message


def test_missing_and_unlisted_files(raw_copy):
    (raw_copy / "study.yaml").unlink()
    (raw_copy / "notes.txt").write_text("new\n")
    with pytest.raises(ManifestError) as info:
        manifest.verify(raw_copy)
    assert "study.yaml is listed in the manifest but missing" in str(info.value)
    assert "notes.txt is not in the manifest" in str(info.value)


def test_check_command_fails_cleanly_on_a_changed_file(raw_copy, capsys):
    replace_in(raw_copy / "participants.csv", "Midwifery Lead,Midwifery Lead", "Midwife,Midwife")
    assert cli.main(["check", "--raw-dir", str(raw_copy)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert "participants.csv has changed" in err
    assert "Traceback" not in err


def test_update_manifest_records_a_deliberate_change(raw_copy, capsys):
    replace_in(raw_copy / "observations.csv", "A,22,", "A,23,")
    assert cli.main(["update-manifest", "--raw-dir", str(raw_copy)]) == 0
    assert cli.main(["check", "--raw-dir", str(raw_copy)]) == 0
    assert f"{len(manifest.read(raw_copy))} files match" in capsys.readouterr().out


def test_update_manifest_refuses_invalid_data(raw_copy, capsys):
    before = (raw_copy / "MANIFEST").read_bytes()
    replace_in(raw_copy / "observations.csv", "A,22,", "A,-5,")
    assert cli.main(["update-manifest", "--raw-dir", str(raw_copy)]) == 1
    assert "field 'hours': -5 is below the minimum 0" in capsys.readouterr().err
    assert (raw_copy / "MANIFEST").read_bytes() == before


@pytest.mark.parametrize(
    "name, old, new, message",
    [
        ("claims.yaml", "min_group_size: 5", "min_group_size: -1", "min_group_size"),
        ("coreq.yaml", 'status: "not reported"', 'status: "maybe"', "status"),
    ],
)
def test_update_manifest_validates_what_check_validates(raw_copy, capsys, name, old, new, message):
    """claims.yaml, coreq.yaml and the synthetic assumptions are validated before checksums are recorded."""
    before = (raw_copy / "MANIFEST").read_bytes()
    replace_in(raw_copy / name, old, new)
    assert cli.main(["update-manifest", "--raw-dir", str(raw_copy)]) == 1
    assert message in capsys.readouterr().err
    assert (raw_copy / "MANIFEST").read_bytes() == before


def test_update_manifest_writes_an_ordinary_file(raw_copy):
    """MANIFEST is published like every output: the umask's permissions, not a temporary file's 0600."""
    old = os.umask(0o022)
    try:
        assert cli.main(["update-manifest", "--raw-dir", str(raw_copy)]) == 0
    finally:
        os.umask(old)
    assert (raw_copy / "MANIFEST").stat().st_mode & 0o777 == 0o644
    assert not [p.name for p in raw_copy.iterdir() if p.name.startswith(".")]  # no temporary left behind
