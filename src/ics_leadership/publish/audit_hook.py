"""The audit hook's source, and how it gets into the process that runs a step.

Split from :mod:`ics_leadership.publish.audit` (which reads the log and judges it) because this is
code of another kind: a self-contained string run inside a notebook's kernel or a child Python,
before anything of ours is imported there.
"""

from __future__ import annotations

import base64
import sys
from collections.abc import Sequence
from pathlib import Path

# The hook, as source run first in the step's process. Self-contained (standard library only: the
# kernel may not import our package before the first cell). The log is written with os.write on a
# descriptor opened before the hook is installed: os.write raises no audit event, and a per-thread
# flag stops any event the hook itself raises from being recorded (or recursing). A failure inside
# the hook is logged, never raised: raising would abort the notebook's own file operation.
_HOOK = r"""
def _ics_audit_install(log_path, root):
    import json, os, sys, threading

    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    roots = tuple(dict.fromkeys([os.path.abspath(root), os.path.realpath(root)]))
    prefixes = tuple(r.rstrip(os.sep) + os.sep for r in roots)
    local = threading.local()
    write, dumps, abspath, fsdecode, fspath = os.write, json.dumps, os.path.abspath, os.fsdecode, os.fspath
    accmode, rdonly, wronly = os.O_ACCMODE, os.O_RDONLY, os.O_WRONLY
    changes = os.O_CREAT | os.O_TRUNC | os.O_APPEND

    def emit(**record):
        write(fd, (dumps(record) + "\n").encode("ascii"))

    def norm(p):
        if p is None or isinstance(p, int):
            return None  # a file descriptor: its path was recorded when it was opened
        try:
            return abspath(fsdecode(fspath(p)))
        except TypeError:
            return None

    def inside(p):
        return p is not None and (p in roots or p.startswith(prefixes))

    def by_fd(dir_fd):
        return dir_fd is not None and dir_fd != -1  # relative to an open folder: shutil.rmtree's walk

    def in_rmtree():
        # os.open raises "open" without its dir_fd; shutil.rmtree opens names relative to a folder
        # it holds open, which would resolve against the working folder. Its top event names the tree.
        f = sys._getframe(2)
        while f is not None:
            code = f.f_code
            if code.co_name.startswith(("rmtree", "_rmtree")) and code.co_filename.endswith("shutil.py"):
                return True
            f = f.f_back
        return False

    def on_path(op, p):
        p = norm(p)
        if inside(p):
            emit(op=op, path=p)

    def handle(event, args):
        if event == "open":
            path, mode, flags = args
            if mode is None and in_rmtree():
                return
            flags = flags or 0
            acc = flags & accmode
            if acc != wronly:
                on_path("read", path)
            if acc != rdonly or flags & changes:
                on_path("write", path)
        elif event == "os.rename":
            src, dst, src_fd, dst_fd = args
            if by_fd(src_fd) or by_fd(dst_fd):
                return
            src, dst = norm(src), norm(dst)
            if src is not None and dst is not None and (inside(src) or inside(dst)):
                emit(op="rename", path=src, dest=dst)
        elif event == "os.mkdir":
            p = None if by_fd(args[2]) else norm(args[0])
            if inside(p) and not os.path.isdir(p):  # mkdir(exist_ok=True) of a folder that is there changes nothing
                emit(op="mkdir", path=p)
        elif event in ("os.remove", "os.rmdir", "shutil.rmtree"):
            if not by_fd(args[1]):
                on_path("write", args[0])
        elif event in ("os.link", "os.symlink"):
            on_path("write", args[1])
        elif event in ("os.truncate", "os.chmod", "os.utime", "os.chown"):
            on_path("write", args[0])
        elif event in ("os.listdir", "os.scandir"):
            p = norm(args[0])
            # The import system lists every folder on sys.path: not the step's reading.
            if inside(p) and p not in {abspath(e or ".") for e in sys.path if isinstance(e, str)}:
                emit(op="list", path=p)
        elif event == "subprocess.Popen":
            executable, argv = args[0], args[1]
            name = executable or (argv if isinstance(argv, (str, bytes)) else (list(argv) or [""])[0])
            emit(op="exec", path=os.path.basename(fsdecode(name)) if name else "")

    def hook(event, args):
        if getattr(local, "busy", False):
            return
        local.busy = True
        try:
            handle(event, args)
        except Exception as exc:
            try:
                emit(op="error", path=f"{event}: {type(exc).__name__}: {exc}")
            except Exception:
                pass
        finally:
            local.busy = False

    emit(op="start", pid=os.getpid(), roots=list(roots))
    sys.addaudithook(hook)


_ics_audit_install(__LOG__, __ROOT__)
del _ics_audit_install
"""


def hook_source(log_path: Path, root: Path) -> str:
    """Python source that installs the recording hook; run it first in the step's process.

    Parameters
    ----------
    log_path
        File the events are appended to, one JSON object a line (created if missing). Keep it
        outside ``root``: events on it are not recorded anyway (it is opened before the hook).
    root
        Only paths under this folder (as given, or with symbolic links resolved) are recorded.
    """
    return _HOOK.replace("__LOG__", repr(str(Path(log_path).absolute()))).replace(
        "__ROOT__", repr(str(Path(root).absolute()))
    )


def kernel_arguments(log_path: Path, root: Path) -> list[str]:
    """Kernel command-line arguments that run the hook before the notebook's first cell.

    Pass them to papermill as ``extra_arguments`` (:func:`ics_leadership.publish.execute.execute_notebook`
    takes them as ``kernel_arguments``). The source is base64-encoded so that no quoting of the
    command line or of traitlets can change it, and executed in a namespace of its own.
    """
    encoded = base64.b64encode(hook_source(log_path, root).encode("utf-8")).decode("ascii")
    return [f"--IPKernelApp.exec_lines=exec(__import__('base64').b64decode('{encoded}').decode('utf-8'), {{}})"]


def python_command(argv: Sequence[str], log_path: Path, root: Path) -> list[str]:
    """The command line running ``ics-leadership ARGV`` in a child Python with the hook first."""
    run = f"\nimport sys\nfrom ics_leadership.cli import main\nsys.exit(main({list(argv)!r}))\n"
    return [sys.executable, "-c", hook_source(log_path, root) + run]
