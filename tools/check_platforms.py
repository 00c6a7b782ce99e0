"""Check, without a machine of each kind, that requirements.lock installs on Linux, macOS and Windows.

For each platform, pip resolves the lock as it would there (``pip install --dry-run --only-binary
:all: --platform ... --python-version 3.11 --require-hashes``): every pin must have a wheel for that
platform whose hash the lock records. pip evaluates environment markers, the lock's and those of
each package's own dependencies, for the machine it runs on, not for ``--platform``. So the lock's
markers are decided here first: a line stays when its marker holds on the target platform (else a
Windows-only package would never be checked) or on this machine (else pip, following a dependency's
marker as this machine reads it, would ask for a pin the file lacks). The check is therefore a
little wider than the real install (a Linux-only pure-Python package such as pexpect is also
checked for Windows), never narrower.

``--toolkit`` checks the light install instead: the wheel of this checkout (``pip install .``)
with its base dependencies only, held to the lock's versions.

Needs the package index (it downloads wheel metadata); not run by the tests.

Usage: python tools/check_platforms.py [--toolkit WHEEL] [PLATFORM ...]   (`make platforms`)
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from packaging.markers import Marker

ROOT = Path(__file__).resolve().parents[1]

#: name -> (pip --platform tags, marker environment). pip widens macOS tags to older releases itself,
#: but not manylinux ones, so those are listed from the oldest glibc up to 2.28.
PLATFORMS = {
    "linux-x86_64": (
        ["manylinux1_x86_64", "manylinux2010_x86_64", "manylinux2014_x86_64"]
        + [f"manylinux_2_{minor}_x86_64" for minor in range(5, 29)],
        {"sys_platform": "linux", "os_name": "posix", "platform_system": "Linux", "platform_machine": "x86_64"},
    ),
    "macos-arm64": (
        ["macosx_14_0_arm64"],
        {"sys_platform": "darwin", "os_name": "posix", "platform_system": "Darwin", "platform_machine": "arm64"},
    ),
    "macos-x86_64": (
        ["macosx_14_0_x86_64"],
        {"sys_platform": "darwin", "os_name": "posix", "platform_system": "Darwin", "platform_machine": "x86_64"},
    ),
    "windows-amd64": (
        ["win_amd64"],
        {"sys_platform": "win32", "os_name": "nt", "platform_system": "Windows", "platform_machine": "AMD64"},
    ),
}
_PYTHON = {
    "python_version": "3.11",
    "python_full_version": "3.11.9",
    "implementation_name": "cpython",
    "implementation_version": "3.11.9",
    "platform_python_implementation": "CPython",
}
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*==[^\s;\\]+)\s*(?:;\s*(.*?))?\s*(\\?)\s*$")


def for_platform(lock_text: str, environment: dict[str, str]) -> str:
    """The lock with its markers decided for ``environment`` (see the module docstring)."""
    blocks: list[tuple[str, str | None, list[str]]] = []  # (name, marker, lines) per pin
    for line in lock_text.splitlines():
        match = _PIN.match(line)
        if match:
            requirement, marker, continued = match.groups()
            blocks.append((requirement.split("==")[0].lower(), marker, [f"{requirement} {continued}".rstrip()]))
        elif line.startswith(" ") and blocks and not line.lstrip().startswith("#"):
            blocks[-1][2].append(line)  # a hash of the pin above

    def holds(marker: str | None, env: dict[str, str] | None) -> bool:
        return marker is None or Marker(marker).evaluate(env)

    target = {**_PYTHON, **environment}
    on_target = {name for name, marker, _ in blocks if holds(marker, target)}
    out = []
    for name, marker, lines in blocks:
        # This machine's reading only fills in a package the target would not install at all.
        if holds(marker, target) or (name not in on_target and holds(marker, None)):
            out += lines
    return "\n".join(out) + "\n"


def dry_run(name: str, requirements: list[str], workdir: Path) -> tuple[bool, str]:
    """pip's dry run for platform ``name``; (ok, one-line summary)."""
    tags, _ = PLATFORMS[name]
    report = workdir / f"{name}.json"
    command = [sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--ignore-installed"]
    command += ["--only-binary=:all:", "--python-version", "3.11", "--implementation", "cp"]
    command += [arg for tag in tags for arg in ("--platform", tag)]
    command += ["--target", str(workdir / f"target-{name}"), "--report", str(report), *requirements]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        errors = [ln for ln in result.stderr.splitlines() if ln.startswith("ERROR")] or result.stderr.splitlines()[-1:]
        return False, " | ".join(errors)
    installed = json.loads(report.read_text())["install"]
    pure = sum(Path(item["download_info"]["url"]).name.endswith("-none-any.whl") for item in installed)
    return True, f"{len(installed)} packages, all from wheels ({len(installed) - pure} built for the platform)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("platforms", nargs="*", metavar="PLATFORM", help=f"default: all of {', '.join(PLATFORMS)}")
    parser.add_argument("--toolkit", type=Path, metavar="WHEEL", help="check this wheel's base install instead")
    parser.add_argument("--lock", type=Path, default=ROOT / "requirements.lock")
    args = parser.parse_args(argv)
    unknown = set(args.platforms) - set(PLATFORMS)
    if unknown:
        parser.error(f"unknown platform {', '.join(sorted(unknown))}; choose from {', '.join(PLATFORMS)}")
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for name in args.platforms or PLATFORMS:
            text = for_platform(args.lock.read_text(encoding="utf-8"), PLATFORMS[name][1])
            if args.toolkit:  # the wheel and what it needs, at the lock's versions (constraints carry no hashes)
                pins = "\n".join(ln.rstrip(" \\") for ln in text.splitlines() if ln and not ln.startswith(" "))
                (workdir / f"{name}.txt").write_text(pins + "\n", encoding="utf-8")
                requirements = [str(args.toolkit.resolve()), "-c", str(workdir / f"{name}.txt")]
            else:
                (workdir / f"{name}.txt").write_text(text, encoding="utf-8")
                requirements = ["--require-hashes", "-r", str(workdir / f"{name}.txt")]
            ok, summary = dry_run(name, requirements, workdir)
            failed += not ok
            print(f"{name}: {'ok' if ok else 'FAILED'}: {summary}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
