"""The one way the compendium runs Jupyter Book: for the HTML book and for the PDF's single page.

Notebook execution is off (the pipeline has executed the notebooks already), warnings are errors
(``-W -n --keep-going``), so a broken reference or a missing glued value fails the build instead of
shipping a page with a hole in it; the child dies with its parent (:func:`buildguard.run_child`);
Sphinx's dates come from the commit (``SOURCE_DATE_EPOCH``, see :mod:`.colophon`).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from ics_leadership.core.errors import BookBuildError
from ics_leadership.publish import buildguard, colophon


def executable() -> str:
    """The ``jupyter-book`` beside this Python, else on PATH."""
    beside = Path(sys.executable).parent / "jupyter-book"
    found = str(beside) if beside.exists() else shutil.which("jupyter-book")
    if not found:
        raise BookBuildError("jupyter-book is not installed in this environment (run `make book`, which installs it)")
    return found


def build(
    source: Path, out: Path, cwd: Path, failure: str, builder: str = "html", env: dict[str, str] | None = None
) -> str:
    """Run ``jupyter-book build SOURCE --path-output OUT`` and return its log.

    Parameters
    ----------
    source
        The book's folder (``_config.yml``, ``_toc.yml``).
    out
        Where Jupyter Book writes ``_build/<builder>``.
    cwd
        The compendium's root: the child's working folder and the commit that dates the pages.
    failure
        The first line of the error if the build fails (what failed, and what stays as it was).
    builder
        ``html`` or ``singlehtml``.
    env
        Extra environment variables for the child.

    Raises
    ------
    BookBuildError
        ``failure``, then the warnings and errors of the log (or its last 30 lines).
    """
    cmd = [
        executable(),
        "build",
        str(source),
        *([] if builder == "html" else ["--builder", builder]),
        "--path-output",
        str(out),
        "-W",
        "-n",
        "--keep-going",
        "--all",
    ]
    child_env = {**os.environ, "PYDEVD_DISABLE_FILE_VALIDATION": "1", **colophon.source_date_env(cwd), **(env or {})}
    result = buildguard.run_child(cmd, env=child_env, cwd=cwd)
    log = result.stdout + result.stderr
    if result.returncode != 0:
        tail = "\n".join(ln for ln in log.splitlines() if "WARNING" in ln or "ERROR" in ln or "Error" in ln)
        raise BookBuildError(f"{failure}:\n" + (tail or "\n".join(log.splitlines()[-30:])))
    return log
