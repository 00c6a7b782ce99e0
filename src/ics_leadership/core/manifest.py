"""SHA-256 manifest of ``data/raw``.

The manifest is a plain ``sha256sum`` file (``<hex>  <path>``), so it can also be checked with
``cd data/raw && sha256sum -c MANIFEST``. The build verifies it before anything else; updating it
is a separate, deliberate command (``ics-leadership update-manifest``), so a raw file cannot
change unnoticed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ics_leadership.core import paths
from ics_leadership.core.errors import ManifestError
from ics_leadership.core.outputs import publish_file

MANIFEST_NAME = "MANIFEST"
_UPDATE_HINT = "If the change is deliberate, record it with `ics-leadership update-manifest` (or `make manifest`)."


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def raw_files(raw_dir: Path) -> list[Path]:
    """Every file the manifest covers: all regular files under ``raw_dir`` except the manifest."""
    found = []
    for path in sorted(raw_dir.rglob("*")):
        if path.is_file() and path.name != MANIFEST_NAME:
            found.append(path)
    return found


def compute(raw_dir: Path | str | None = None) -> dict[str, str]:
    """Checksums of the raw files now, keyed by POSIX path relative to ``raw_dir``."""
    raw_dir = Path(raw_dir) if raw_dir is not None else paths.raw_dir()
    return {p.relative_to(raw_dir).as_posix(): sha256_file(p) for p in raw_files(raw_dir)}


def read(raw_dir: Path | str | None = None) -> dict[str, str]:
    """The recorded checksums, keyed by relative path."""
    raw_dir = Path(raw_dir) if raw_dir is not None else paths.raw_dir()
    path = raw_dir / MANIFEST_NAME
    if not path.is_file():
        raise ManifestError(f"{paths.display_path(path)} is missing. Create it with `ics-leadership update-manifest`.")
    recorded: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64 or not name:
            raise ManifestError(f"{paths.display_path(path)}, line {number}: expected '<sha256>  <file>'")
        recorded[name] = digest
    return recorded


def verify(raw_dir: Path | str | None = None) -> dict[str, str]:
    """Check every raw file against the manifest.

    Returns
    -------
    dict
        The verified checksums.

    Raises
    ------
    ManifestError
        Naming each file that changed, is missing or is not recorded.
    """
    raw_dir = Path(raw_dir) if raw_dir is not None else paths.raw_dir()
    recorded = read(raw_dir)
    current = compute(raw_dir)
    problems = []
    for name, digest in recorded.items():
        shown = paths.display_path(raw_dir / name)
        if name not in current:
            problems.append(f"{shown} is listed in the manifest but missing")
        elif current[name] != digest:
            problems.append(
                f"{shown} has changed since the manifest was written "
                f"(recorded sha256 {digest[:12]}…, now {current[name][:12]}…)"
            )
    for name in current:
        if name not in recorded:
            problems.append(f"{paths.display_path(raw_dir / name)} is not in the manifest")
    if problems:
        raise ManifestError("\n".join(problems + [_UPDATE_HINT]))
    return current


def write(raw_dir: Path | str | None = None) -> Path:
    """Record the current checksums (atomically), returning the manifest's path."""
    raw_dir = Path(raw_dir) if raw_dir is not None else paths.raw_dir()
    lines = [f"{digest}  {name}\n" for name, digest in sorted(compute(raw_dir).items())]
    target = raw_dir / MANIFEST_NAME
    # One publishing mechanism for every file the tool writes: atomic, with the umask's permissions.
    publish_file(target, lambda tmp: tmp.write_text("".join(lines), encoding="utf-8", newline="\n"), force=True)
    return target


def manifest_digest(raw_dir: Path | str | None = None) -> str:
    """SHA-256 of the manifest file itself: one value that identifies the whole raw data set."""
    raw_dir = Path(raw_dir) if raw_dir is not None else paths.raw_dir()
    return sha256_file(raw_dir / MANIFEST_NAME)
