"""Where the compendium's folders are.

Functions take explicit paths wherever a user might point them elsewhere (their own data, a
temporary build); these defaults are the compendium's own layout.

Where ``data/raw`` (the paper's facts) is found, first match wins:

1. ``$ICS_LEADERSHIP_ROOT/data/raw`` when the environment variable ``ICS_LEADERSHIP_ROOT`` is set
   (a compendium checkout other than the one the package runs from);
2. the checkout's ``data/raw`` when the package runs from a source checkout or an editable install
   (``make``, ``pip install -e .``), so edits to the raw files are seen at once;
3. the copy inside the installed package (``ics_leadership/data/raw``) when it was installed from a
   wheel (``pip install .``): ``setup.py`` copies ``data/raw``, MANIFEST included, into the wheel at
   build time, so ``import``, ``summarise``, ``synthesise``, ``export-codebook`` and ``check`` work
   from any folder. That copy is read-only: ``update-manifest`` refuses it.

The book, the notebooks and ``pipeline.yaml`` are not packaged: ``build``, ``run`` and ``pdf`` need
a checkout, found by rules 1 and 2, else the working directory.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Set this to use a compendium checkout other than the one the package was installed from.
ROOT_ENV = "ICS_LEADERSHIP_ROOT"

#: The copy of data/raw that an installed wheel carries (absent in a checkout: setup.py makes it).
PACKAGED_RAW_DIR = Path(__file__).resolve().parents[1] / "data" / "raw"


def _checkout_root() -> Path | None:
    """The source checkout this package runs from, or None when it runs from an installed wheel."""
    for parent in Path(__file__).resolve().parents:
        if (parent / "pyproject.toml").is_file() and (parent / "data" / "raw").is_dir():
            return parent
    return None


def project_root() -> Path:
    """Return the top folder of the compendium (the one holding ``pyproject.toml``)."""
    if os.environ.get(ROOT_ENV):
        return Path(os.environ[ROOT_ENV]).resolve()
    # Installed without a checkout: fall back to the working directory.
    return _checkout_root() or Path.cwd()


def raw_dir() -> Path:
    """The paper's raw data: see the module docstring for the order in which it is looked for."""
    if not os.environ.get(ROOT_ENV) and _checkout_root() is None and PACKAGED_RAW_DIR.is_dir():
        return PACKAGED_RAW_DIR
    return project_root() / "data" / "raw"


def is_packaged(path: Path | str) -> bool:
    """Whether ``path`` is the installed package's read-only copy of data/raw."""
    return Path(path).resolve() == PACKAGED_RAW_DIR


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
