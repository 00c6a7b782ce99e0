"""Keep builds from harming each other: one at a time, no orphaned children, no stale leftovers.

- :func:`build_lock`: ``build``, ``pdf`` and ``run`` hold an exclusive lock on
  ``book/.build.lock`` (an OS file lock, released when the process ends however it ends), so two of
  them never interleave; the second waits, saying for whom, then stops with a message.
- :func:`run_child`: runs Jupyter Book in its own process group, so that Ctrl-C or SIGTERM stops
  the whole group, and (on Linux) with ``PR_SET_PDEATHSIG``, so that the child gets SIGTERM when
  its parent dies, even of SIGKILL.
- :func:`remove_leftovers`: the staging and scratch folders a killed build left in ``book/``
  (``.staging-*``, ``.build-*``), removed by the next build (under the lock, so no live build owns
  them) and by ``make clean``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import IO

from ics_leadership.core.errors import CompendiumError

#: The lock file, relative to the compendium's root (git-ignored).
LOCK_FILE = Path("book") / ".build.lock"
#: Folders the pipeline and the PDF create in ``book/`` while they work (see :func:`remove_leftovers`).
LEFTOVER_PATTERNS = (".staging-*", ".build-*")
#: How long a second build waits for the first by default, in seconds.
DEFAULT_WAIT = 900.0

_HELD: set[str] = set()  # lock files this process holds (the lock is re-entrant within a process)


class BuildBusyError(CompendiumError):
    """Another build, PDF or run holds the lock and did not finish in time."""


def _holder(fh: IO[str]) -> str:
    fh.seek(0)
    text = fh.read().strip()
    return f"pid {text}" if text.isdigit() else "another process"


@contextlib.contextmanager
def build_lock(root: Path, wait: float = DEFAULT_WAIT, report: Callable[[str], None] = print) -> Iterator[Path]:
    """Hold the compendium's build lock for the ``with`` block.

    Parameters
    ----------
    root
        The compendium's root; the lock is ``root/book/.build.lock``.
    wait
        Seconds to wait for another holder before giving up.
    report
        Told once, in one line, that this process waits and for whom.

    Raises
    ------
    BuildBusyError
        The lock is still held after ``wait`` seconds.
    """
    path = root / LOCK_FILE
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock (the build itself still works)
        yield path
        return
    key = str(path.absolute())
    if key in _HELD:  # this process holds it already (build runs the notebooks, ...)
        yield path
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="ascii") as fh:
        deadline = time.monotonic() + wait
        said = False
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _holder(fh)
                if time.monotonic() >= deadline:
                    raise BuildBusyError(
                        f"another build, pdf or run of this compendium ({holder}) is still running after "
                        f"{wait:.0f} s; try again when it has finished"
                    ) from None
                if not said:
                    report(f"Waiting for another build, pdf or run of this compendium to finish ({holder}) ...")
                    said = True
                time.sleep(min(0.25, max(0.0, deadline - time.monotonic())))
        try:
            fh.seek(0)
            fh.truncate()
            fh.write(f"{os.getpid()}\n")
            fh.flush()
            _HELD.add(key)
            yield path
        finally:
            _HELD.discard(key)
            with contextlib.suppress(OSError):
                fh.truncate(0)
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def remove_leftovers(book: Path) -> list[Path]:
    """Remove the staging and scratch folders of earlier builds in ``book`` (call it holding the lock).

    Only folders matching :data:`LEFTOVER_PATTERNS` directly in ``book`` are removed: the names the
    pipeline and the PDF give their own working folders.
    """
    removed = []
    if not book.is_dir():
        return removed
    for pattern in LEFTOVER_PATTERNS:
        for path in sorted(book.glob(pattern)):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
    return removed


def _die_with_parent(parent: int) -> Callable[[], None] | None:
    """A ``preexec_fn`` asking Linux to send the child SIGTERM when its parent dies (None elsewhere)."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None
    PR_SET_PDEATHSIG = 1

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the request took effect
            os._exit(1)

    return preexec


def _stop_group(proc: subprocess.Popen) -> None:
    """SIGTERM the child's process group, then SIGKILL it if it has not gone within 5 s."""
    for sig, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            return
        try:
            proc.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


def start_child(
    cmd: list[str], env: dict[str, str] | None = None, cwd: Path | str | None = None, *, stdin: bool = False
) -> subprocess.Popen:
    """Start ``cmd`` capturing its output as text (and, with ``stdin``, a pipe to its input).

    The child runs in a new session (its own process group), so :func:`finish_child` can stop the
    whole group; on Linux it also gets SIGTERM if this process is killed outright.
    """
    kwargs: dict = {"start_new_session": True} if os.name == "posix" else {}
    preexec = _die_with_parent(os.getpid()) if os.name == "posix" else None
    if preexec is not None:
        kwargs["preexec_fn"] = preexec
    return subprocess.Popen(
        cmd,
        stdin=subprocess.PIPE if stdin else None,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=cwd,
        **kwargs,
    )


def finish_child(proc: subprocess.Popen, text: str | None = None) -> subprocess.CompletedProcess:
    """Send ``text`` to a child of :func:`start_child`, wait for it and return what it printed.

    Ctrl-C, SIGTERM or an error while waiting stop the child's whole process group.
    """
    try:
        out, err = proc.communicate(text)
    except BaseException:
        stop_child(proc)
        raise
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def stop_child(proc: subprocess.Popen) -> None:
    """Stop a child of :func:`start_child` and its process group, and reap it."""
    if os.name == "posix":
        _stop_group(proc)
    else:
        proc.kill()
    proc.wait()


def run_child(
    cmd: list[str], env: dict[str, str] | None = None, cwd: Path | str | None = None
) -> subprocess.CompletedProcess:
    """Run ``cmd`` to completion, capturing its output as text, so that it never outlives us.

    See :func:`start_child` and :func:`finish_child`.
    """
    return finish_child(start_child(cmd, env=env, cwd=cwd))


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM into KeyboardInterrupt in the ``with`` block, so clean-up code runs (main thread only)."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
