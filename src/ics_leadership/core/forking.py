"""Use the second core: one piece of work in a forked child while this process does another.

Writing a large table set is mostly turning values into text, which holds the GIL, so threads do
not help; a forked child sees this process's tables as they are (copy-on-write: nothing is pickled)
and works on the other core. :func:`in_child` is the one way the package does that; where ``fork``
or a second core is missing it runs the work here, in order, with the same result.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from multiprocessing.connection import Connection
from typing import TypeVar

T = TypeVar("T")


def can_fork() -> bool:
    """Whether a forked child can run beside this process: ``fork`` exists and there are two cores."""
    return (os.cpu_count() or 1) >= 2 and "fork" in multiprocessing.get_all_start_methods()


@contextmanager
def in_child(work: Callable[[], None], enabled: bool = True) -> Iterator[None]:
    """Run ``work`` in a forked child while the ``with`` block runs here; then wait for it.

    An error in ``work`` is raised here after the block (the exception itself, or a RuntimeError with
    its text when it cannot be sent); an error in the block stops the child first. A child that dies
    without a word (killed, out of memory) is a RuntimeError naming its exit code. Not ``enabled``, or
    without :func:`can_fork`: ``work`` runs here before the block.
    """
    if not (enabled and can_fork()):
        work()
        yield
        return
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_run, args=(work, send), daemon=True)
    child.start()
    send.close()
    try:
        yield
    except BaseException:
        child.terminate()
        child.join()
        raise
    try:
        outcome = receive.recv()
    except EOFError:
        child.join()
        stopped = f"the second process stopped before finishing its work (exit code {child.exitcode})"
        raise RuntimeError(stopped) from None
    finally:
        receive.close()
    child.join()
    if outcome is not None:
        raise outcome


def share(tasks: Sequence[Callable[[], None]], own: Callable[[], T], enabled: bool = True) -> T:
    """Run ``own`` here while a forked child runs ``tasks``; then help it with the tasks left. Return ``own()``.

    Both processes take the next task from one shared counter, so each task runs once, in either
    process, and neither waits while tasks remain: the child starts on them at once, this process
    joins when ``own`` is done. A fixed split would leave one core idle when the halves' costs differ
    (they do: ``own`` is the analysis, the tasks its largest outputs). Put the costliest tasks first.
    Errors as :func:`in_child`. Not ``enabled``, or without :func:`can_fork`: ``own`` runs, then every
    task, here and in order.
    """
    if not (enabled and can_fork()):
        result = own()
        for task in tasks:
            task()
        return result
    taken = multiprocessing.get_context("fork").Value("l", 0)  # the next task's position; carries a lock

    def work_through() -> None:
        while True:
            with taken.get_lock():
                i = taken.value
                taken.value += 1
            if i >= len(tasks):
                return
            tasks[i]()

    with in_child(work_through):
        result = own()
        work_through()
    return result


def _run(work: Callable[[], None], send: Connection) -> None:
    """The child: do the work, send None or the error."""
    try:
        work()
        send.send(None)
    except BaseException as exc:  # noqa: BLE001  (every failure goes back to the parent)
        try:
            send.send(exc)
        except Exception:  # an exception that cannot be pickled: its text
            send.send(RuntimeError(f"{type(exc).__name__}: {exc}"))
    finally:
        send.close()
