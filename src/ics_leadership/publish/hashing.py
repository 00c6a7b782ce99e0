"""Content hashes for the build: files, folders, the package source, the lock file, notebooks.

Hashes are of contents (SHA-256), never of times: a file touched but unchanged hashes the same, and
a file changed within the same second does not. Within one build each file is read once
(:class:`HashMemo`); a memo entry is used only while the file's inode, size, modification and change times
are those it was hashed with, so a step that rewrites a file (atomically: a new inode) is seen by
the steps after it. The memo lives for one build only: nothing is trusted from a previous one.
Used by :mod:`ics_leadership.publish.buildstate`.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import ics_leadership
from ics_leadership.core.errors import PipelineConfigError

#: Folders never hashed: Python's and Jupyter's own caches.
SKIPPED = frozenset({"__pycache__", ".ipynb_checkpoints"})
#: A hash standing for a path that does not exist.
MISSING = "missing"
#: Cell metadata that records an editor's view or a run, not the notebook (not hashed).
VOLATILE_METADATA = frozenset({"execution", "collapsed", "scrolled", "jupyter", "papermill", "ExecuteTime"})


def _signature(st: os.stat_result) -> tuple[int, ...]:
    """What changes when a file is rewritten: a new inode (atomic replace), its size, its times.

    The change time cannot be set back by a program (the modification time can).
    """
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


class HashMemo:
    """Content hashes of files for one build, each file read once while it is unchanged."""

    def __init__(self) -> None:
        self._files: dict[str, tuple[tuple[int, ...], str]] = {}
        self.notebooks: dict[str, tuple[tuple[int, ...], tuple[str, str]]] = {}
        self.packages: dict[str, str] = {}
        self.source: str | None = None  # the commit and work-tree state, computed once per build
        self._lock = threading.Lock()

    def forget(self, paths: Iterable[Path]) -> None:
        """Drop the entries of these files and of everything inside these folders."""
        prefixes = [str(p) for p in paths]
        with self._lock:
            for store in (self._files, self.notebooks):
                for key in [k for k in store if any(k == p or k.startswith(p + os.sep) for p in prefixes)]:
                    del store[key]

    def file(self, path: Path) -> str:
        """SHA-256 of the file's bytes (``missing`` when it cannot be found)."""
        try:
            st = path.stat()
        except FileNotFoundError:
            return MISSING
        sig, key = _signature(st), str(path)
        with self._lock:
            hit = self._files.get(key)
        if hit and hit[0] == sig:
            return hit[1]
        with path.open("rb") as fh:
            digest = hashlib.file_digest(fh, "sha256").hexdigest()
        with self._lock:
            self._files[key] = (sig, digest)
        return digest


def tree_hash(
    path: Path | str, suffixes: Iterable[str] | None = None, memo: HashMemo | None = None, skip_top: Iterable[str] = ()
) -> str:
    """SHA-256 of a file, or of a folder's sorted (relative path, contents) pairs.

    Parameters
    ----------
    path
        A file or a folder; ``__pycache__`` and ``.ipynb_checkpoints`` folders are left out.
    suffixes
        If given, only files with these suffixes count (``(".py", ".json")``).
    memo
        The build's memo (default: a fresh one).
    skip_top
        Names of entries of the folder itself to leave out (``_build`` of the book).

    Returns
    -------
    str
        The hex digest, or ``"missing"`` when the path does not exist.
    """
    return _tree(Path(path), frozenset(suffixes) if suffixes else None, frozenset(skip_top), memo or HashMemo())


def _tree(path: Path, suffixes: frozenset[str] | None, skip_top: frozenset[str], memo: HashMemo) -> str:
    if path.is_file():
        return hashlib.sha256(b"file\0" + memo.file(path).encode()).hexdigest()
    if not path.is_dir():
        return MISSING
    entries = []
    for folder, dirs, files in os.walk(path):
        top = Path(folder) == path
        dirs[:] = [d for d in dirs if d not in SKIPPED and not (top and d in skip_top)]
        for name in files:
            if (top and name in skip_top) or (suffixes and Path(name).suffix not in suffixes):
                continue
            file = Path(folder, name)
            entries.append((file.relative_to(path).as_posix(), memo.file(file)))
    digest = hashlib.sha256(b"folder\0")
    for rel, content in sorted(entries):
        digest.update(f"{rel}\0{content}\0".encode())
    return digest.hexdigest()


def package_hash(package: Path | None = None, memo: HashMemo | None = None) -> str:
    """Hash of the package's source (``.py`` and ``.json``; default: the imported ``ics_leadership``).

    With a memo, the package is hashed once per build: no step writes into it, and the code that
    runs the build was imported at its start.
    """
    package = package or Path(ics_leadership.__file__).parent
    if memo is None:
        return tree_hash(package, (".py", ".json"))
    with memo._lock:
        known = memo.packages.get(str(package))
    if known is None:
        known = memo.packages[str(package)] = tree_hash(package, (".py", ".json"), memo)
    return known


def lock_hash(root: Path, memo: HashMemo | None = None) -> str:
    """Hash of ``requirements.lock`` (the exact environment)."""
    return tree_hash(Path(root) / "requirements.lock", memo=memo)


def value_hash(value: Any) -> str:
    """SHA-256 of a value's canonical JSON (sorted keys; what JSON cannot hold, as text)."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def notebook_hashes(notebook: Path, title: str | None = None, memo: HashMemo | None = None) -> tuple[str, str]:
    """``(code, markdown)`` hashes of a notebook, read with nbformat.

    ``code`` covers the code cells' sources and metadata (tags), the kernel and the notebook's
    metadata; ``markdown`` the other cells, where they stand among the code cells, and ``title``.
    What an editor records about its view (collapsed, scrolled, timings) is left out.
    """
    import nbformat

    memo = memo or HashMemo()
    try:
        st = notebook.stat()
        sig = _signature(st)
        hit = memo.notebooks.get(str(notebook))
        if not hit or hit[0] != sig:
            nb = nbformat.read(notebook, as_version=4)
            hit = (sig, _split_cells(nb))
            memo.notebooks[str(notebook)] = hit
    except Exception as exc:  # missing, not JSON, not a notebook: the step cannot run
        raise PipelineConfigError(f"{notebook}: cannot read the notebook ({type(exc).__name__}: {exc})") from None
    code, markdown = hit[1]
    return code, value_hash([markdown, title])


def _split_cells(nb: Any) -> tuple[str, str]:
    meta = {k: v for k, v in nb.metadata.items() if k != "language_info"}
    code: list[Any] = [meta]
    markdown = []
    for cell in nb.cells:
        kept = {k: v for k, v in cell.get("metadata", {}).items() if k not in VOLATILE_METADATA}
        if cell.cell_type == "code":
            code.append([cell.source, kept])
        else:  # where it stands (code cells before it) so that moving it re-renders
            markdown.append([len(code) - 1, cell.cell_type, cell.source, kept, cell.get("attachments")])
    return value_hash(code), value_hash(markdown)
