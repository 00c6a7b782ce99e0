"""The one way the compendium runs Jupyter Book: for the HTML book and for the PDF's single page.

Notebook execution is off (the pipeline has executed the notebooks already), warnings are errors
(``-W -n --keep-going``), so a broken reference or a missing glued value fails the build instead of
shipping a page with a hole in it; the child dies with its parent (:func:`buildguard.run_child`);
Sphinx's dates come from the commit (``SOURCE_DATE_EPOCH``, see :mod:`.colophon`).

Jupyter Book runs as ``python -m ics_leadership.publish.jupyterbook_cli`` (see that module: the
same command line, a second faster), either started when needed or ahead of time as a
:class:`WarmBook`, which imports Sphinx while the parent is still busy.
"""

from __future__ import annotations

import importlib.util
import json
import os
import site
import subprocess
import sys
from pathlib import Path

from ics_leadership.core.errors import BookBuildError
from ics_leadership.publish import buildguard, colophon

#: The child's entry point (``python -m``).
CHILD_MODULE = "ics_leadership.publish.jupyterbook_cli"


def command(argv: list[str]) -> list[str]:
    """The command line that runs ``jupyter-book ARGV`` in a new child."""
    return [sys.executable, "-m", CHILD_MODULE, *argv]


def _installed() -> bool:
    return importlib.util.find_spec("jupyter_book") is not None


def _check_installed() -> None:
    if not _installed():
        raise BookBuildError("jupyter-book is not installed in this environment (run `make book`, which installs it)")


def _child_env() -> dict[str, str]:
    """This environment, with this package importable in the child however it was found here.

    A checkout's ``src`` is put on ``PYTHONPATH``; site-packages is not (it is on the child's path
    already, and on ``PYTHONPATH`` it would come before the standard library).
    """
    env = {**os.environ, "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    package_parent = str(Path(__file__).resolve().parents[2])
    if package_parent not in {*site.getsitepackages(), site.getusersitepackages()}:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, os.environ.get("PYTHONPATH", "")) if p)
    return env


class WarmBook:
    """A Jupyter Book child started ahead of time: it imports Sphinx, then waits for its command.

    Use it as a context manager around work that may end in a book build; :meth:`start` it when a
    build becomes likely (a cold build, or once a step has run); :func:`build` given it runs in the
    waiting child (or, if it was never started, in a new one). On leaving the ``with`` block a child
    that was never used is stopped, having done nothing but import. ``enabled=False`` never starts one.
    """

    def __init__(self, cwd: Path, enabled: bool = True) -> None:
        self.cwd = Path(cwd)
        self.enabled = enabled
        self._proc: subprocess.Popen | None = None

    def __enter__(self) -> WarmBook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Start the child, unless it is disabled, started already or Jupyter Book is not installed."""
        if self.enabled and self._proc is None and _installed():
            cmd = [sys.executable, "-m", CHILD_MODULE, "--wait"]
            self._proc = buildguard.start_child(cmd, env=_child_env(), cwd=self.cwd, stdin=True)

    def run(self, argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
        """Run ``jupyter-book ARGV`` with ``env`` added to the environment, in the waiting child if any."""
        proc, self._proc = self._proc, None
        self.enabled = False  # one build per child
        if proc is None:
            return buildguard.run_child(command(argv), env={**_child_env(), **env}, cwd=self.cwd)
        return buildguard.finish_child(proc, json.dumps({"argv": argv, "env": env}) + "\n")

    def close(self) -> None:
        """Stop the child if it was never used."""
        proc, self._proc = self._proc, None
        self.enabled = False
        if proc is not None:
            buildguard.stop_child(proc)


def build(
    source: Path,
    out: Path,
    cwd: Path,
    failure: str,
    builder: str = "html",
    env: dict[str, str] | None = None,
    warm: WarmBook | None = None,
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
    warm
        A child started ahead (:class:`WarmBook`) to run the build in, instead of a new one
        (used up by this build).

    Raises
    ------
    BookBuildError
        ``failure``, then the warnings and errors of the log (or its last 30 lines).
    """
    _check_installed()
    argv = [
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
    extra = {**colophon.source_date_env(cwd), **(env or {})}
    result = (warm if warm is not None and warm.cwd == Path(cwd) else WarmBook(cwd, enabled=False)).run(argv, extra)
    log = result.stdout + result.stderr
    if result.returncode != 0:
        tail = "\n".join(ln for ln in log.splitlines() if "WARNING" in ln or "ERROR" in ln or "Error" in ln)
        raise BookBuildError(f"{failure}:\n" + (tail or "\n".join(log.splitlines()[-30:])))
    return log
