"""environment.yml (conda, Binder) states exactly the pins of requirements.lock."""

from __future__ import annotations

import importlib.util
import re

import yaml

from conftest import ROOT

spec = importlib.util.spec_from_file_location("sync_environment", ROOT / "tools" / "sync_environment.py")
sync = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sync)


def _environment_pins() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pins: dict[str, str] = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for line in dep["pip"]:
                if line.startswith("-"):
                    continue
                name, version = line.split("==")
                pins[sync.normalise(name)] = version
        elif "=" in dep:
            name, version = dep.split("=", 1)
            if name != "python":
                pins[sync.normalise(name)] = version
    return pins


def test_environment_yml_matches_the_lock():
    lock = sync.read_lock(ROOT / "requirements.lock")
    env = _environment_pins()
    assert set(env) - set(lock) == set(), "environment.yml has packages the lock does not"
    assert set(lock) - set(env) == set(), "the lock has packages environment.yml does not"
    drift = {n: (env[n], lock[n]) for n in lock if env[n] != lock[n]}
    assert drift == {}


def test_lock_pins_every_package_with_hashes():
    text = (ROOT / "requirements.lock").read_text()
    pins = re.findall(r"^([A-Za-z0-9._-]+)==", text, flags=re.M)
    assert len(pins) > 100
    assert text.count("--hash=sha256:") >= len(pins)
    assert "file://" not in text and "--find-links" not in text  # no machine-specific sources


def test_environment_yml_is_what_the_generator_writes():
    lock = sync.read_lock(ROOT / "requirements.lock")
    assert (ROOT / "environment.yml").read_text() == sync.render(lock)


def test_python_version_agrees_with_pyproject():
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'requires-python = ">=3.11"' in pyproject
    assert "  - python=3.11\n" in (ROOT / "environment.yml").read_text()
