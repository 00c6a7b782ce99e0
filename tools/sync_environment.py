"""Write environment.yml from requirements.lock, so conda and Binder get the same pins.

The scientific core comes from conda-forge (same versions as the lock); everything else is
installed by pip inside the conda environment with the exact versions of the lock.
tests/test_environment.py fails when the two files drift apart.

Usage: python tools/sync_environment.py   (run by `make lock`)
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")

#: Packages taken from conda-forge; their conda names equal their normalised PyPI names.
CONDA_PACKAGES = ("numpy", "pandas", "scipy", "matplotlib", "seaborn", "statsmodels")


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_lock(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            pins[normalise(match.group(1))] = match.group(2)
    return pins


def render(pins: dict[str, str], python: str = "3.11") -> str:
    lines = [
        "# Generated from requirements.lock by tools/sync_environment.py (`make lock`); do not edit by hand.",
        "# conda-forge provides Python and the scientific core, pip the rest, all at the lock's versions.",
        "name: ics-leadership",
        "channels:",
        "  - conda-forge",
        "  - nodefaults",
        "dependencies:",
        f"  - python={python}",
        "  - pip",
    ]
    lines += [f"  - {name}={pins[name]}" for name in CONDA_PACKAGES]
    lines.append("  - pip:")
    lines += [f"      - {name}=={version}" for name, version in sorted(pins.items()) if name not in CONDA_PACKAGES]
    lines.append("      - -e .")
    return "\n".join(lines) + "\n"


def main() -> int:
    pins = read_lock(ROOT / "requirements.lock")
    missing = [n for n in CONDA_PACKAGES if n not in pins]
    if missing:
        print(f"requirements.lock lacks {', '.join(missing)}", file=sys.stderr)
        return 1
    (ROOT / "environment.yml").write_text(render(pins), encoding="utf-8")
    print(f"environment.yml: {len(pins)} pinned packages")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
