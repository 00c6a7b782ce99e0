"""What built this book: commit, date, environment and data.

The date shown in the book and the PDF is the *source* date, not the clock's, so that two builds of
one commit are byte-identical (the ``SOURCE_DATE_EPOCH`` convention of reproducible builds,
https://reproducible-builds.org/specs/source-date-epoch/). It is, in order:

1. ``$SOURCE_DATE_EPOCH`` when set (seconds since 1970, UTC);
2. else the commit time of ``HEAD``;
3. else, in a copy that is not a git checkout (a tarball), the newest modification time among the
   compendium's input files, and the book says so.

A work tree with uncommitted changes to tracked files is never shown as a clean commit.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import pandas as pd

from ics_leadership.core import manifest, paths
from ics_leadership.core.errors import PipelineConfigError

#: Packages whose versions readers most often need; the full list is in requirements.lock.
KEY_PACKAGES = (
    "ics-leadership",
    "pandas",
    "numpy",
    "matplotlib",
    "seaborn",
    "statsmodels",
    "papermill",
    "jupyter-book",
    "myst-nb",
    "sphinx",
    "ipykernel",
    "pyyaml",
)

#: The reproducible-builds variable: the date every build of one source shows.
SOURCE_DATE_ENV = "SOURCE_DATE_EPOCH"

#: Inputs of the book, relative to the root, whose newest file dates a copy without git.
INPUTS = ("data/raw", "notebooks", "book", "src", "examples", "pipeline.yaml", "requirements.lock", "pyproject.toml")
#: Generated files and folders among them (written by the build itself, so never its date).
GENERATED = ("_build", "__pycache__", ".ipynb_checkpoints", ".build.lock")
GENERATED_PREFIXES = (".build-", ".staging-")


def _git(args: list[str], root: Path) -> str | None:
    try:
        # --no-optional-locks: `git status` must not write the index of a tree someone is working in.
        out = subprocess.run(
            ["git", "--no-optional-locks", *args], cwd=root, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


@dataclass(frozen=True)
class BuildSource:
    """What a build is built from, and the date it shows.

    Attributes
    ----------
    commit
        Full hash of ``HEAD``, or None outside a git checkout.
    dirty
        Tracked files have uncommitted changes.
    epoch
        The date shown, in seconds since 1970 (UTC).
    basis
        Where ``epoch`` comes from, in words ("the commit's date", ...).
    """

    commit: str | None
    dirty: bool
    epoch: int
    basis: str

    @property
    def date(self) -> datetime:
        return datetime.fromtimestamp(self.epoch, UTC)

    def describe(self) -> str:
        """``commit <hash>``, marked when the tree has uncommitted changes, or says there is no commit."""
        if self.commit is None:
            return "a copy that is not a git checkout"
        return f"commit {self.commit} with uncommitted changes" if self.dirty else f"commit {self.commit}"


def _epoch_from_env() -> int | None:
    value = os.environ.get(SOURCE_DATE_ENV)
    if value is None or value == "":
        return None
    if not (value.isascii() and value.isdigit()):  # the specification: a non-negative decimal integer
        raise PipelineConfigError(f"{SOURCE_DATE_ENV} must be a whole number of seconds since 1970, got {value!r}")
    return int(value)


def _generated(relative: Path) -> bool:
    parts = relative.parts
    return parts[:2] == ("book", "notebooks") or any(
        p in GENERATED or p.startswith(GENERATED_PREFIXES) or p.endswith(".egg-info") for p in parts
    )


def newest_input_mtime(root: Path) -> int | None:
    """The newest modification time (whole seconds) among the book's input files; None if there are none."""
    newest = None
    for name in INPUTS:
        top = root / name
        found = [top] if top.is_file() else sorted(top.rglob("*")) if top.is_dir() else []
        for path in found:
            if path.is_file() and not _generated(path.relative_to(root)):
                mtime = int(path.stat().st_mtime)
                newest = mtime if newest is None else max(newest, mtime)
    return newest


def build_source(root: Path | None = None) -> BuildSource:
    """The commit, its state and the date a build of ``root`` shows (see the module's docstring).

    Raises
    ------
    PipelineConfigError
        ``$SOURCE_DATE_EPOCH`` is set but not a whole number of seconds.
    """
    root = root or paths.project_root()
    from_env = _epoch_from_env()
    head = _git(["rev-parse", "--verify", "HEAD"], root) or None
    dirty = bool(head) and bool(_git(["status", "--porcelain", "--untracked-files=no"], root))
    if from_env is not None:
        return BuildSource(head, dirty, from_env, f"set by {SOURCE_DATE_ENV}")
    if head:
        committed = _git(["log", "-1", "--format=%ct", "HEAD"], root)
        if committed and committed.isdigit():
            return BuildSource(head, dirty, int(committed), "the commit's date")
    newest = newest_input_mtime(root)
    return BuildSource(
        head,
        dirty,
        newest or 0,
        "the date of the newest input file: not a git checkout"
        if newest is not None
        else "unknown: no git checkout and no input files",
    )


def source_date_env(root: Path | None = None) -> dict[str, str]:
    """``{"SOURCE_DATE_EPOCH": ...}`` for child processes (Sphinx and chromium date their output by it)."""
    return {SOURCE_DATE_ENV: str(build_source(root).epoch)}


def commit(root: Path | None = None, source: BuildSource | None = None) -> str:
    """The checked-out commit, marked when the work tree has uncommitted changes."""
    source = source or build_source(root)
    if source.commit is None:
        return "unknown (not a git checkout)"
    return f"{source.commit} (with uncommitted changes)" if source.dirty else source.commit


def build_facts(root: Path | None = None) -> pd.DataFrame:
    """The build's provenance as a two-column table (item, value)."""
    root = root or paths.project_root()
    raw_dir = root / "data" / "raw"
    lock = root / "requirements.lock"
    source = build_source(root)
    rows = [
        ("Commit", commit(root, source)),
        ("Date (UTC)", f"{source.date:%Y-%m-%d %H:%M}, {source.basis}"),
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
