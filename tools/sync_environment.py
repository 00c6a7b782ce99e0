"""Write environment.yml from requirements.lock, so conda and Binder get the same pins.

The scientific core comes from conda-forge (same versions as the lock); everything else is
installed by pip inside the conda environment with the exact versions of the lock.
tests/test_environment.py fails when the two files drift apart.

requirements.lock is universal: a package needed on some platforms or Pythons only carries an
environment marker (``colorama==0.4.6 ; sys_platform == 'win32'``). environment.yml serves conda users
on conda's platforms (Linux, macOS and Windows; x86-64 and ARM) with Python fixed at 3.11, so each
marker is evaluated here on every one of those platforms, for any 3.11.x:

- true on all of them: the package is stated without its marker (``psutil ; sys_platform != 'emscripten'``);
- false on all of them: the package is left out (``aiohttp ; python_full_version == '3.12.*'`` would
  never install);
- true on some only: the marker stays, verbatim, on the pip line: conda hands its pip list to pip,
  which evaluates the marker on the user's machine, so one file installs on Linux, macOS and Windows
  exactly what the lock does there. A conda-forge package in this case is refused: conda's own list
  has no markers, and stating it unconditionally or not at all would be wrong somewhere.

A marker naming anything else (a kernel release, say) cannot be decided here and is kept for pip.

Usage: python tools/sync_environment.py   (run by `make lock`)
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import NamedTuple

from packaging.markers import Marker

ROOT = Path(__file__).resolve().parents[1]
#: ``name==version``, then an optional ``; marker``, then the line continuation of the hashes.
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)\s*(?:;\s*(.*?))?\s*\\?\s*$")

#: Packages taken from conda-forge; their conda names equal their normalised PyPI names.
CONDA_PACKAGES = ("numpy", "pandas", "scipy", "matplotlib", "seaborn", "statsmodels")

#: The environment's Python (environment.yml pins it; the lock is checked for it).
PYTHON = "3.11"

#: conda's platforms, as the marker variables describe them (CPython only: conda-forge's Python).
PLATFORMS = (
    {"sys_platform": "linux", "os_name": "posix", "platform_system": "Linux", "platform_machine": "x86_64"},
    {"sys_platform": "linux", "os_name": "posix", "platform_system": "Linux", "platform_machine": "aarch64"},
    {"sys_platform": "darwin", "os_name": "posix", "platform_system": "Darwin", "platform_machine": "x86_64"},
    {"sys_platform": "darwin", "os_name": "posix", "platform_system": "Darwin", "platform_machine": "arm64"},
    {"sys_platform": "win32", "os_name": "nt", "platform_system": "Windows", "platform_machine": "AMD64"},
)
_CPYTHON = {"implementation_name": "cpython", "platform_python_implementation": "CPython"}
#: The marker variables PLATFORMS, _CPYTHON and the Python version decide.
_DECIDED = {*PLATFORMS[0], *_CPYTHON, "python_version", "python_full_version", "implementation_version"}
_KEYWORDS = {"and", "or", "in", "not"}


class Pin(NamedTuple):
    """One pinned requirement of the lock: ``name==version`` on the platforms ``marker`` selects."""

    name: str
    version: str
    marker: str | None = None

    def line(self) -> str:
        return f"{self.name}=={self.version}" + (f"; {self.marker}" if self.marker else "")


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_lock(path: Path) -> list[Pin]:
    """Every pin of the lock, in file order, with its marker (None when it applies everywhere)."""
    pins = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            pins.append(Pin(normalise(match.group(1)), match.group(2), match.group(3) or None))
    return pins


def _variables(marker: str) -> set[str]:
    """The variable names a marker uses (its quoted values removed first)."""
    unquoted = re.sub(r"'[^']*'|\"[^\"]*\"", " ", marker)
    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_.]*", unquoted)) - _KEYWORDS


def marker_outcomes(marker: str, python: str = PYTHON) -> set[bool]:
    """What ``marker`` evaluates to over conda's platforms and the first and a late release of ``python``."""
    outcomes = set()
    for platform in PLATFORMS:
        for patch in (0, 99):
            version = f"{python}.{patch}"
            env = {**platform, **_CPYTHON, "python_version": python, "python_full_version": version}
            outcomes.add(Marker(marker).evaluate({**env, "implementation_version": version}))
    return outcomes


def for_environment(pin: Pin, python: str = PYTHON) -> Pin | None:
    """The pin as environment.yml states it (see the module docstring); None: it never installs there."""
    if pin.marker is None or not _variables(pin.marker) <= _DECIDED:
        return pin
    outcomes = marker_outcomes(pin.marker, python)
    if outcomes == {True}:
        return Pin(pin.name, pin.version)
    if outcomes == {False}:
        return None
    return pin


def pip_pins(pins: list[Pin], python: str = PYTHON) -> list[Pin]:
    """The pins environment.yml gives to pip, as it states them, sorted by name."""
    stated = (for_environment(p, python) for p in pins if p.name not in CONDA_PACKAGES)
    return sorted((p for p in stated if p is not None), key=lambda p: (p.name, p.marker or ""))


def render(pins: list[Pin], python: str = PYTHON) -> str:
    """environment.yml for ``pins``.

    Raises
    ------
    ValueError
        When a conda-forge package is missing from the lock, pinned twice (a version per platform) or
        needed on some of conda's platforms only.
    """
    conda = {p.name: p for p in pins if p.name in CONDA_PACKAGES}
    missing = [n for n in CONDA_PACKAGES if n not in conda]
    if missing:
        raise ValueError(f"requirements.lock lacks {', '.join(missing)}")
    twice = sorted({p.name for p in pins if p.name in CONDA_PACKAGES and conda[p.name] != p})
    if twice:
        raise ValueError(f"conda-forge packages pinned more than once in requirements.lock: {', '.join(twice)}")
    stated = {name: for_environment(pin, python) for name, pin in conda.items()}
    marked = [conda[name].line() for name, pin in stated.items() if pin is None or pin.marker]
    if marked:
        raise ValueError(f"conda-forge packages cannot be conditional in environment.yml: {', '.join(marked)}")
    lines = [
        "# Generated from requirements.lock by tools/sync_environment.py (`make lock`); do not edit by hand.",
        "# conda-forge provides Python and the scientific core, pip the rest, all at the lock's versions.",
        "# Pip lines with a marker (`; sys_platform == 'win32'`) install only where pip finds it true.",
        "name: ics-leadership",
        "channels:",
        "  - conda-forge",
        "  - nodefaults",
        "dependencies:",
        f"  - python={python}",
        "  - pip",
    ]
    lines += [f"  - {name}={conda[name].version}" for name in CONDA_PACKAGES]
    lines.append("  - pip:")
    for pin in pip_pins(pins, python):
        # Quoted: a marker holds quotes and spaces that a plain YAML scalar would misread.
        lines.append(f'      - "{pin.line()}"' if pin.marker else f"      - {pin.line()}")
    lines.append("      - -e .")
    return "\n".join(lines) + "\n"


def main() -> int:
    try:
        text = render(read_lock(ROOT / "requirements.lock"))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    (ROOT / "environment.yml").write_text(text, encoding="utf-8")
    pins = read_lock(ROOT / "requirements.lock")
    print(f"environment.yml: {len(CONDA_PACKAGES) + len(pip_pins(pins))} pinned packages of the lock's {len(pins)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
