"""What built this book: commit, date, environment and data."""

from __future__ import annotations

import platform
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import pandas as pd

from ics_leadership import manifest, paths

#: Packages whose versions readers most often need; the full list is in requirements.lock.
KEY_PACKAGES = (
    "ics-leadership", "pandas", "numpy", "matplotlib", "seaborn", "statsmodels", "papermill",
    "jupyter-book", "myst-nb", "sphinx", "ipykernel", "pyyaml",
)


def _git(args: list[str], root: Path) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def commit(root: Path | None = None) -> str:
    """The checked-out commit, marked when the work tree has uncommitted changes."""
    root = root or paths.project_root()
    head = _git(["rev-parse", "HEAD"], root)
    if not head:
        return "unknown (not a git checkout)"
    dirty = _git(["status", "--porcelain", "--untracked-files=no"], root)
    return f"{head} (with uncommitted changes)" if dirty else head


def build_facts(root: Path | None = None) -> pd.DataFrame:
    """The build's provenance as a two-column table (item, value)."""
    root = root or paths.project_root()
    raw_dir = root / "data" / "raw"
    lock = root / "requirements.lock"
    rows = [
        ("Commit", commit(root)),
        ("Built (UTC)", datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M")),
        ("Python", sys.version.split()[0]),
        ("Platform", platform.platform()),
        ("Raw data manifest (SHA-256 of data/raw/MANIFEST)", manifest.manifest_digest(raw_dir)),
        ("Lock file (SHA-256 of requirements.lock)", manifest.sha256_file(lock) if lock.is_file() else "missing"),
        ("Packages installed", str(sum(1 for _ in metadata.distributions()))),
    ]
    return pd.DataFrame(rows, columns=["item", "value"])


def package_versions(names: tuple[str, ...] = KEY_PACKAGES) -> pd.DataFrame:
    """Versions of the key packages in the running environment."""
    rows = []
    for name in names:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "not installed"
        rows.append((name, version))
    return pd.DataFrame(rows, columns=["package", "version"])
