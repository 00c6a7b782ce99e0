"""Publish a command's output without ever destroying what the tool did not create.

Every command that writes goes through :func:`publish_folder` or :func:`publish_file`, so they all
follow one rule:

- **Folders** (``import``, ``synthesise``, ``summarise``, ``run --out``). A folder that does not
  exist or is empty is used. A non-empty folder is used only with ``--force`` and only if it holds
  the marker file :data:`MARKER` naming the same command (written into every folder the tool
  publishes), i.e. it is that command's own earlier output, and only if it holds nothing but what
  that output wrote: the marker lists every file and folder written, and a file added since (a
  thesis saved into the output folder) makes ``--force`` refuse, naming it. The working folder and its ancestors,
  the home folder, ``/``, the compendium's root and any folder holding ``.git`` are always refused,
  as are an existing file or symbolic link at ``--out``.
- **Files** (``pdf``, ``export-codebook``). An existing file is replaced only with ``--force``; a
  folder is refused.
- The output is written to a temporary sibling (``.NAME.ics-tmp-PID-XXXX``) and renamed into place
  only when complete; an earlier output being replaced is first moved aside, then deleted. A
  failure, or Ctrl-C, leaves the previous output as it was. Siblings left by a killed process are
  removed by the next publish to the same place (only ones carrying the tool's name pattern whose
  process is gone).
- Files and folders get ordinary permissions: the process's umask applies (``tempfile`` would make
  them private, 0600/0700).

This module imports nothing heavy: the ``import`` command uses it and must start fast.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path

from ics_leadership.core.errors import OutputError

#: The file marking a folder as a command's own output; it holds the command's name.
MARKER = ".ics-leadership-output"
#: Temporary and set-aside siblings: ``.NAME.ics-tmp-PID-TOKEN`` and ``.NAME.ics-old-PID-TOKEN``.
_SIBLING = re.compile(r"^\.(?P<name>.+)\.ics-(?:tmp|old)-(?P<pid>\d+)-[0-9a-f]+$")


def current_umask() -> int:
    """The process's umask (read from /proc where possible: setting it to read it is not thread-safe)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def make_readable(path: Path | str) -> None:
    """Give a file made by ``tempfile.mkstemp`` (0600) the permissions an ordinary file would have."""
    os.chmod(path, 0o666 & ~current_umask())


def new_dir(parent: Path, prefix: str) -> Path:
    """A new, uniquely named folder in ``parent``, with the umask's permissions (unlike mkdtemp's 0700)."""
    for _ in range(100):
        path = parent / f"{prefix}{os.getpid()}-{secrets.token_hex(4)}"
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return path
    raise OutputError(f"{parent}: cannot create a temporary folder")


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True


def remove_stale_siblings(out: Path) -> list[Path]:
    """Remove temporary or set-aside siblings of ``out`` left by a process that no longer runs.

    Only entries with the tool's name pattern are touched, and only folders that are empty or carry
    the marker (a temporary folder gets it first) and plain files: nothing the tool did not create.
    """
    removed = []
    parent = out.parent
    if not parent.is_dir():
        return removed
    for entry in parent.iterdir():
        m = _SIBLING.match(entry.name)
        if not m or m["name"] != out.name or _pid_alive(int(m["pid"])):
            continue
        if entry.is_symlink():
            continue
        if entry.is_dir():
            if any(entry.iterdir()) and not (entry / MARKER).is_file() and not _marked_inside(entry):
                continue
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed.append(entry)
    return removed


def _marked_inside(entry: Path) -> bool:
    # A set-aside folder holds the replaced output one level down ("previous").
    return (entry / "previous" / MARKER).is_file()


def _entries(folder: Path) -> list[str]:
    """Every file and folder under ``folder`` except the marker, as sorted relative POSIX paths (a
    symbolic link is an entry, never followed)."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        base = Path(dirpath).relative_to(folder)
        found += [(base / name).as_posix() for name in (*dirnames, *filenames)]
    return sorted(e for e in found if e != MARKER)


def _marker_text(kind: str, written: list[str] | None = None) -> str:
    listed = "".join(f"written: {json.dumps(entry, ensure_ascii=False)}\n" for entry in written or [])
    return f"# Written by ics-leadership; `--force` may replace this folder.\ncommand: {kind}\n{listed}"


def recorded_entries(folder: Path) -> set[str] | None:
    """What the output in ``folder`` wrote, as its marker lists it; None when the marker lists nothing
    (written by a version of the tool before the list, or no marker)."""
    try:
        lines = (folder / MARKER).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    written = [line.removeprefix("written: ") for line in lines if line.startswith("written: ")]
    try:
        return {json.loads(entry) for entry in written} if written else None
    except json.JSONDecodeError:
        return None


def marker_kind(folder: Path) -> str | None:
    """The command named by ``folder``'s marker, or None when it has none."""
    try:
        text = (folder / MARKER).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    for line in text.splitlines():
        if line.startswith("command:"):
            return line.split(":", 1)[1].strip()
    return None


def _protected(out: Path) -> str | None:
    """Why ``out`` may never be written into, or None."""
    from ics_leadership.core import paths

    real = out.resolve()
    cwd = Path.cwd().resolve()
    if real == Path(real.anchor):
        return "it is the file system's root"
    if real == cwd:
        return "it is the working folder"
    if real in cwd.parents:
        return "it contains the working folder"
    if real == Path.home().resolve():
        return "it is your home folder"
    if real == paths.project_root().resolve():
        return "it is the compendium's root folder"
    if (real / ".git").exists():
        return "it holds a .git repository"
    return None


def check_folder(out: Path | str, kind: str, force: bool, legacy: Callable[[Path], bool] | None = None) -> bool:
    """Refuse ``out`` unless it is new, empty, or (with ``force``) ``kind``'s own earlier output.

    Parameters
    ----------
    out
        The output folder, as the user gave it (messages show it so).
    kind
        The command writing it ("import", "summarise", ...): the marker must name the same one.
    legacy
        Recognises a folder written by an earlier version, before markers existed.

    Returns
    -------
    bool
        True when ``out`` holds an earlier output that will be replaced.

    Raises
    ------
    OutputError
        With a one-line message saying why and what to do.
    """
    out = Path(out)
    why = _protected(out)
    if why:
        raise OutputError(
            f"{out}: refusing to write output here ({why}); choose a new folder for --out, such as data/coded/NAME"
        )
    if out.is_symlink():
        raise OutputError(f"{out}: is a symbolic link; give a real folder for --out")
    if not out.exists():
        return False
    if not out.is_dir():
        raise OutputError(f"{out}: exists and is not a folder; choose another --out")
    if not any(out.iterdir()):
        return False
    ours = marker_kind(out) == kind or (legacy is not None and marker_kind(out) is None and legacy(out))
    if not force:
        if ours:
            raise OutputError(f"{out}: holds a previous {kind}; add --force to replace it, or choose another --out")
        raise OutputError(
            f"{out}: exists and is not empty; choose another --out (a folder the command did not "
            f"create is never replaced)"
        )
    if not ours:
        raise OutputError(
            f"{out}: --force replaces only a folder written by a previous {kind} (it holds "
            f"{MARKER}); this one was not, so it is left alone"
        )
    for dirpath, dirnames, _ in os.walk(out):
        if ".git" in dirnames:
            raise OutputError(f"{out}: holds a .git repository ({Path(dirpath, '.git')}); not replacing it")
    recorded = recorded_entries(out)
    added = [] if recorded is None else [e for e in _entries(out) if e not in recorded]
    if added:
        shown = ", ".join(added[:3]) + (f" and {len(added) - 3} more" if len(added) > 3 else "")
        raise OutputError(
            f"{out}: holds what the previous {kind} did not write ({shown}); --force replaces only its own "
            f"output, so move those out first, or choose another --out"
        )
    return True


def _existing_ancestor(path: Path) -> Path:
    for candidate in (path.parent, *path.parent.parents):
        if candidate.is_dir():
            return candidate
    return Path.cwd()


def publish_folder(
    out: Path | str,
    fill: Callable[[Path], None],
    force: bool = False,
    kind: str = "output",
    gitignore: bool = False,
    legacy: Callable[[Path], bool] | None = None,
) -> Path:
    """Call ``fill(tmp)`` on a new temporary folder and rename it to ``out`` only if it succeeds.

    Parameters
    ----------
    out
        Folder to write (see :func:`check_folder` for what is refused).
    fill
        Writes the output into the folder it is given.
    force
        Replace ``kind``'s own earlier output at ``out``.
    kind
        The command's name, written into the marker file.
    gitignore
        Also write a ``.gitignore`` holding ``*``, so that git never picks up the folder (coded
        data are confidential).
    legacy
        Recognises ``kind``'s output from earlier versions (no marker) as its own.

    Returns
    -------
    pathlib.Path
        ``out``.
    """
    out = Path(out)
    target = out.absolute()
    check_folder(out, kind, force, legacy)  # fail before the work, not after
    remove_stale_siblings(target)
    tmp = new_dir(_existing_ancestor(target), f".{target.name}.ics-tmp-")
    try:
        (tmp / MARKER).write_text(_marker_text(kind), encoding="utf-8")
        if gitignore:
            (tmp / ".gitignore").write_text("*\n", encoding="utf-8")
        fill(tmp)
        # What this output wrote, so that a later --force replaces nothing else.
        (tmp / MARKER).write_text(_marker_text(kind, _entries(tmp)), encoding="utf-8")
        target.parent.mkdir(parents=True, exist_ok=True)
        if tmp.parent != target.parent:  # the parent folders did not exist when we started
            tmp = Path(shutil.move(tmp, new_dir_name(target.parent, f".{target.name}.ics-tmp-")))
        replacing = check_folder(out, kind, force, legacy)  # still allowed, after all this time
        if replacing:
            aside = new_dir(target.parent, f".{target.name}.ics-old-")
            os.replace(target, aside / "previous")
            try:
                os.replace(tmp, target)
            except BaseException:
                os.replace(aside / "previous", target)
                raise
            shutil.rmtree(aside, ignore_errors=True)
        else:
            if target.is_dir():
                target.rmdir()  # empty: checked above
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def new_dir_name(parent: Path, prefix: str) -> Path:
    """A fresh name in ``parent`` with the temporary-sibling pattern (nothing is created)."""
    return parent / f"{prefix}{os.getpid()}-{secrets.token_hex(4)}"


def check_file(out: Path | str, force: bool = False, ours: Callable[[Path], bool] | None = None) -> None:
    """Refuse ``out`` if it is a folder, or exists and ``force`` is not set (:class:`OutputError`).

    ``ours``, for a file a user names with ``--out``: with ``force``, an existing file is replaced
    only when ``ours(out)`` recognises it as this command's own earlier output (a file cannot carry
    the marker a folder does), so ``--force`` can never overwrite someone's document.
    """
    out = Path(out)
    if out.is_dir():
        raise OutputError(f"{out}: is a folder; give a file name for --out")
    if (out.exists() or out.is_symlink()) and not force:
        raise OutputError(f"{out}: exists; add --force to replace it, or choose another --out")
    if force and ours is not None and (out.exists() or out.is_symlink()) and not ours(out):
        raise OutputError(
            f"{out}: --force replaces only a file this command wrote before; this one was not, so it is left alone"
        )


def publish_file(
    out: Path | str, write: Callable[[Path], None], force: bool = False, ours: Callable[[Path], bool] | None = None
) -> Path:
    """Call ``write(tmp)`` on a temporary sibling of ``out`` and rename it to ``out`` when done.

    ``tmp`` exists, empty, with ordinary permissions; ``write`` may write to it or replace it.

    Raises
    ------
    OutputError
        ``out`` is a folder, or exists and ``force`` is not set, or (with ``ours``) is not this
        command's own earlier output (see :func:`check_file`).
    """
    out = Path(out)
    target = out.absolute()
    check_file(out, force, ours)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_siblings(target)
    tmp = new_dir_name(target.parent, f".{target.name}.ics-tmp-")
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))  # the umask applies
    try:
        write(tmp)
        if target.is_dir():
            raise OutputError(f"{out}: is a folder; give a file name for --out")
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return out
