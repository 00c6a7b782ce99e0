"""Where the compendium's folders are.

Functions take explicit paths wherever a user might point them elsewhere (their own data, a
temporary build); these defaults are the compendium's own layout.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Set this to use a compendium checkout other than the one the package was installed from.
ROOT_ENV = "ICS_LEADERSHIP_ROOT"


def project_root() -> Path:
    """Return the top folder of the compendium (the one holding ``pyproject.toml``)."""
    if os.environ.get(ROOT_ENV):
        return Path(os.environ[ROOT_ENV]).resolve()
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file() and (parent / "data" / "raw").is_dir():
            return parent
    # Installed without a checkout: fall back to the working directory.
    return Path.cwd()


def raw_dir() -> Path:
    return project_root() / "data" / "raw"


def derived_dir() -> Path:
    return project_root() / "data" / "derived"


def book_dir() -> Path:
    return project_root() / "book"


def pipeline_config() -> Path:
    return project_root() / "pipeline.yaml"


def display_path(path: Path | str) -> str:
    """Show ``path`` relative to the project root when it lies inside it, for short messages."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(project_root()))
    except ValueError:
        return str(path)
