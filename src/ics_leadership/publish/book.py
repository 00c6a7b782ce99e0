"""Build the HTML book with Jupyter Book and swap it into ``book/_build`` only once it has built.

Separate from executing notebooks (:mod:`ics_leadership.publish.execute`): this module stages a
copy of the book's sources with freshly executed notebooks, runs Jupyter Book on it
(:mod:`ics_leadership.publish.jupyterbook`) and replaces the previous book and its notebooks only
when the build succeeded, so a failure leaves the last good book in place.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from ics_leadership.core import outputs, paths
from ics_leadership.publish import buildguard, jupyterbook

Reporter = Callable[[str], None]


def _print(message: str) -> None:
    print(message, flush=True)


def _book_source(book: Path, executed_rel: Path, executed: Path, scratch: Path) -> Path:
    """A copy of the book's sources in ``scratch`` with ``executed`` as its executed notebooks.

    The book is built from it, so that ``book/notebooks`` is replaced only once the book has built.
    """
    skip = {"_build", executed_rel.parts[0], buildguard.LOCK_FILE.name}
    source = scratch / book.name

    def ignore(folder: str, names: list[str]) -> set[str]:
        top = Path(folder) == book
        return {
            n
            for n in names
            if (top and n in skip)
            or n.startswith((".build-", ".staging-"))
            or n in ("__pycache__", ".ipynb_checkpoints")
        }

    shutil.copytree(book, source, ignore=ignore)
    shutil.copytree(executed, source / executed_rel)
    return source


def build_book(
    root: Path | None = None,
    book_dir: str = "book",
    report: Reporter = _print,
    executed: Path | None = None,
    executed_dir: str = "book/notebooks",
    warm: jupyterbook.WarmBook | None = None,
) -> Path:
    """Build the HTML book with Jupyter Book (execution off) and swap it into ``book/_build``.

    Warnings are errors, so a broken cross-reference or a missing glued value fails the build
    instead of shipping a page with a hole in it.

    Parameters
    ----------
    executed
        Freshly executed notebooks (a staging folder). The book is then built from a copy of its
        sources holding them, and only when it has built are they moved to ``executed_dir``:
        a failed build leaves both the previous book and its notebooks in place.
    warm
        A Jupyter Book child started ahead of time (:class:`~.jupyterbook.WarmBook`) to build in.

    Returns
    -------
    pathlib.Path
        ``book/_build/html/index.html``.
    """
    root = root or paths.project_root()
    book = root / book_dir
    scratch = outputs.new_dir(book, ".build-")
    try:
        source = book
        if executed is not None:
            source = _book_source(book, (root / executed_dir).relative_to(book), executed, scratch)
        report("Building the book with Jupyter Book (notebook execution off) ...")
        start = time.perf_counter()
        log = jupyterbook.build(
            source,
            scratch,
            cwd=root,
            failure=f"Jupyter Book failed (the previous book in {book_dir}/_build is unchanged)",
            env={"ICS_LEADERSHIP_ROOT": str(root)},
            warm=warm,
        )
        _swap_in(scratch / "_build", book / "_build")
        if executed is not None:
            _swap_in(executed, root / executed_dir)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    final = book / "_build"
    (final / "build.log").write_text(log, encoding="utf-8")
    index = final / "html" / "index.html"
    report(f"Book built in {time.perf_counter() - start:.1f} s: {paths.display_path(index)}")
    return index


def _swap_in(new: Path, target: Path) -> None:
    """Replace the generated folder ``target`` by ``new``: the old one is moved aside, then deleted."""
    old = target.parent / f".build-old-{target.name}-{os.getpid()}"
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(new, target)
    shutil.rmtree(old, ignore_errors=True)
