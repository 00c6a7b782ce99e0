"""Files a project names (``relative://`` sources, ``Sources/`` beside a bare ``.qde``), read only inside one folder.

:func:`relative_parts` checks the path as written, :func:`resolve_inside` checks where it really
leads (symbolic links followed), and :func:`open_regular` opens the result without following a link
swapped in meanwhile. Separate from the archive (:mod:`ics_leadership.qda.archive`): these are files
on disk, whose paths come from an untrusted project.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from urllib.parse import unquote

from ics_leadership.qda.errors import ImportFormatError, UnsafeInputError
from ics_leadership.qda.limits import Budget, CountingReader

#: A Windows drive letter at the start of a path ("C:").
DRIVE_LETTER = re.compile(r"^[A-Za-z]:")


def relative_parts(written: str, decode: bool = True) -> tuple[str, ...]:
    """The segments of a path written after ``internal://`` or ``relative://`` in a project.

    REFI-QDA paths are URIs, so percent-encoding is decoded once (``decode``); backslashes are read
    as "/", and the one "/" that begins a URI path (``relative:///texts/a.txt``) is dropped.

    Raises
    ------
    ValueError
        With the reason the path is refused: empty, a control character, absolute (``//``, a drive
        letter), a ``:`` in a name (drive, alternate data stream) or a ``..`` segment.
    """
    text = written
    if decode:
        try:
            text = unquote(written, errors="strict")
        except UnicodeDecodeError:
            raise ValueError("percent-encoded bytes that are not UTF-8") from None
    if any(ord(c) < 32 or c == "\x7f" for c in text):
        raise ValueError("control character in the path")
    text = text.replace("\\", "/")
    text = text[1:] if text.startswith("/") else text
    if text.startswith("/") or DRIVE_LETTER.match(text):
        raise ValueError("absolute path")
    parts = tuple(p for p in text.split("/") if p not in ("", "."))
    if ".." in parts:
        raise ValueError("'..' leads out of the folder")
    if any(":" in p for p in parts):
        raise ValueError("':' in a name (a drive letter or an alternate data stream)")
    if not parts:
        raise ValueError("empty path")
    return parts


def resolve_inside(root: Path, parts: tuple[str, ...]) -> Path | None:
    """The real path of the regular file ``root/parts``, which must lie inside ``root``.

    Symbolic links are followed and the result compared with the real path of ``root``, so a link
    that leads out of the folder is caught wherever it is.

    Returns
    -------
    Path or None
        None when there is no such file (or it is not a regular file: a folder, a FIFO, a device).

    Raises
    ------
    ValueError
        When the path resolves outside ``root``.
    """
    try:
        real_root = root.resolve(strict=True)
        real = real_root.joinpath(*parts).resolve(strict=True)
    except (OSError, RuntimeError):  # missing, unreadable, or a loop of links
        return None
    if not real.is_relative_to(real_root):
        raise ValueError("a symbolic link leads out of the folder")
    return real if real.is_file() else None


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


def open_regular(path: Path, budget: Budget, shown: str) -> CountingReader:
    """Open a regular file as a capped stream, refusing a symbolic link or anything but a file.

    ``O_NOFOLLOW`` makes the check and the opening one step, so a link swapped in after a check
    (or a FIFO that would block the read) is refused too.
    """
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW)
    except OSError as exc:
        if path.is_symlink():
            raise UnsafeInputError(f"{shown}: a symbolic link (never followed)") from None
        raise ImportFormatError(f"{shown}: cannot be read ({exc.strerror})") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise UnsafeInputError(f"{shown}: not a regular file")
    return CountingReader(os.fdopen(fd, "rb"), budget, "while reading", source=shown)
