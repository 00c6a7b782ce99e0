"""environment.yml (conda, Binder) states exactly the pins of requirements.lock, on every platform."""

from __future__ import annotations

import importlib.util
import re

import pytest
import yaml
from packaging.markers import Marker
from packaging.requirements import Requirement

from conftest import ROOT

spec = importlib.util.spec_from_file_location("sync_environment", ROOT / "tools" / "sync_environment.py")
sync = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sync)


def _environment_pins() -> dict[str, list[tuple[str, str | None]]]:
    """name -> [(version, marker or None)], read from environment.yml as pip and conda would."""
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pins: dict[str, list[tuple[str, str | None]]] = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for line in dep["pip"]:
                if line.startswith("-"):
                    continue
                req = Requirement(line)  # fails on a line pip could not read
                (specifier,) = req.specifier
                assert specifier.operator == "==", line
                marker = str(req.marker) if req.marker else None
                pins.setdefault(sync.normalise(req.name), []).append((specifier.version, marker))
        elif "=" in dep:
            name, version = dep.split("=", 1)
            if name != "python":
                pins.setdefault(sync.normalise(name), []).append((version, None))
    return pins


def test_environment_yml_matches_the_lock():
    lock = sync.read_lock(ROOT / "requirements.lock")
    env = _environment_pins()
    assert set(env) - {p.name for p in lock} == set(), "environment.yml has packages the lock does not"
    expected: dict[str, list[tuple[str, str | None]]] = {}
    for pin in lock:
        if pin.marker and sync.marker_outcomes(pin.marker) == {False}:
            assert pin.name not in env, f"{pin.name} never installs on Python 3.11 but environment.yml has it"
            continue
        assert pin.name in env, f"the lock has {pin.name}, environment.yml does not"
        # A marker is kept (packaging spells its quotes ") or decided, never changed.
        kept = str(Marker(pin.marker)) if pin.marker else None
        (match,) = [(v, m) for v, m in env[pin.name] if v == pin.version and m in (None, kept)]
        expected.setdefault(pin.name, []).append(match)
    assert {n: sorted(v, key=str) for n, v in env.items()} == {n: sorted(v, key=str) for n, v in expected.items()}


def test_environment_yml_installs_platform_packages_only_on_their_platform():
    env = _environment_pins()
    assert env["colorama"] == [("0.4.6", 'sys_platform == "win32"')]  # packaging writes markers with "
    assert env["pywinpty"] == [("3.1.2", 'os_name == "nt"')]
    assert env["appnope"] == [("1.0.0", 'sys_platform == "darwin"')]
    assert env["psutil"] == [("7.2.2", None)]  # its marker excludes only platforms conda does not serve
    assert env["overrides"] == [("7.7.0", None)]  # needed below 3.12: always, on 3.11
    assert "aiohttp" not in env  # the lock needs it on 3.12 only
    # One version for Intel Macs (the last with a wheel there), another for every other platform.
    assert sorted(env["argon2-cffi-bindings"]) == [
        ("25.1.0", 'platform_machine == "x86_64" and sys_platform == "darwin"'),
        ("26.2.0", 'platform_machine != "x86_64" or sys_platform != "darwin"'),
    ]


def test_lock_pins_every_package_with_hashes():
    text = (ROOT / "requirements.lock").read_text()
    pins = re.findall(r"^([A-Za-z0-9._-]+)==", text, flags=re.M)
    assert len(pins) > 100
    assert text.count("--hash=sha256:") >= len(pins)
    assert "file://" not in text and "--find-links" not in text  # no machine-specific sources


def test_lock_is_universal_and_made_by_make_lock():
    lock = {p.name: p for p in sync.read_lock(ROOT / "requirements.lock")}
    assert lock["colorama"].marker == "sys_platform == 'win32'"  # Windows-only packages are in, marked
    assert lock["pywinpty"].marker == "os_name == 'nt'"
    assert lock["appnope"].marker == "sys_platform == 'darwin'"
    assert lock["pandas"].marker is None
    assert "#    make lock\n" in (ROOT / "requirements.lock").read_text()
    makefile = (ROOT / "Makefile").read_text()
    assert "pip compile --quiet --universal --python-version 3.11 --all-extras --generate-hashes" in makefile


def test_environment_yml_is_what_the_generator_writes():
    lock = sync.read_lock(ROOT / "requirements.lock")
    assert (ROOT / "environment.yml").read_text() == sync.render(lock)


LOCK = """\
numpy==2.0.0 \\
    --hash=sha256:aa
pandas==2.0.0 \\
    --hash=sha256:bb
scipy==1.0.0 \\
    --hash=sha256:cc
matplotlib==3.0.0 \\
    --hash=sha256:dd
seaborn==0.13.0 \\
    --hash=sha256:ee
statsmodels==0.14.0 \\
    --hash=sha256:ff
colorama==0.4.6 ; sys_platform == 'win32' \\
    --hash=sha256:11
aiohttp==3.14.5 ; python_full_version == '3.12.*' \\
    --hash=sha256:22
overrides==7.7.0 ; python_full_version < '3.12' \\
    --hash=sha256:33
psutil==7.2.2 ; sys_platform != 'emscripten' \\
    --hash=sha256:44
odd==1.0 ; python_full_version < '3.11.4' \\
    --hash=sha256:55
kernel==2.0 ; platform_release >= '6' \\
    --hash=sha256:66
"""


def test_markers_map_for_conda_users(tmp_path):
    path = tmp_path / "requirements.lock"
    path.write_text(LOCK)
    pins = sync.read_lock(path)
    assert len(pins) == 12
    stated = {p.name: p.line() for p in sync.pip_pins(pins)}
    assert stated == {
        "colorama": "colorama==0.4.6; sys_platform == 'win32'",  # some platforms: pip decides
        "overrides": "overrides==7.7.0",  # every 3.11.x: unconditional
        "psutil": "psutil==7.2.2",  # every conda platform: unconditional
        "odd": "odd==1.0; python_full_version < '3.11.4'",  # some 3.11 releases: pip decides
        "kernel": "kernel==2.0; platform_release >= '6'",  # not decidable here: pip decides
    }  # aiohttp: never on 3.11, left out
    text = sync.render(pins)
    assert "  - numpy=2.0.0\n" in text
    assert "      - \"colorama==0.4.6; sys_platform == 'win32'\"\n" in text
    assert yaml.safe_load(text)["dependencies"][-1]["pip"][0] == "colorama==0.4.6; sys_platform == 'win32'"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("numpy==2.0.0 ; sys_platform == 'win32'", "cannot be conditional"),
        ("numpy==2.0.1 ; python_full_version == '3.12.*'", "pinned more than once"),
    ],
)
def test_conda_packages_cannot_be_conditional(tmp_path, line, message):
    path = tmp_path / "requirements.lock"
    text = LOCK if "2.0.1" in line else LOCK.replace("numpy==2.0.0 \\", line + " \\")
    path.write_text(text + (line + " \\\n    --hash=sha256:77\n" if "2.0.1" in line else ""))
    with pytest.raises(ValueError, match=message):
        sync.render(sync.read_lock(path))


def test_python_version_agrees_with_pyproject():
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'requires-python = ">=3.11"' in pyproject
    assert "  - python=3.11\n" in (ROOT / "environment.yml").read_text()
