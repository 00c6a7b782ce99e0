r"""Code paths: a code's place in its codebook, written as one string.

A code path is the names of the code's ancestors and its own name, from the top, joined with "/":
``Leadership/Clinical voice`` is the code "Clinical voice" under "Leadership". A name may itself
contain "/" (``yes/no``) or a backslash: inside a path such a character is written with a
backslash before it, ``\/`` and ``\\``. So ``yes\/no`` is one top-level code named "yes/no", and
``yes/no`` is the code "no" under "yes"; a top-level ``a\/b`` and the child ``a/b`` stay two codes.

This is format version 2 of the canonical coded data (see :mod:`ics_leadership.core.csvformat`).
Version 1, the form of folders and mapping files without a ``format_version``, had no escapes:
every "/" separated two levels and a backslash was an ordinary character. Every function that
reads a path takes the ``version`` it was written in.

Every importer, the import writer, the canonical loader and the mapping use these functions and no
other rule, so a path means the same thing everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable

from ics_leadership.core.csvformat import FORMAT_VERSION

SEPARATOR = "/"
ESCAPE = "\\"


def escape(name: str) -> str:
    r"""One code name as a path segment: ``\`` becomes ``\\`` and ``/`` becomes ``\/``."""
    if ESCAPE not in name and SEPARATOR not in name:
        return name  # the common case, kept cheap
    return name.replace(ESCAPE, ESCAPE * 2).replace(SEPARATOR, ESCAPE + SEPARATOR)


def join(names: Iterable[str]) -> str:
    """The path of the code named ``names[-1]`` under ``names[:-1]`` (top level first)."""
    return SEPARATOR.join(escape(n) for n in names)


def split(path: str, version: int = FORMAT_VERSION) -> list[str]:
    r"""The names along ``path``, top level first (the inverse of :func:`join`).

    Raises
    ------
    ValueError
        In version 2, a backslash not followed by ``/`` or ``\`` (the message says what to write).
    """
    if version < 2 or ESCAPE not in path:
        return path.split(SEPARATOR)
    names, current, i = [], [], 0
    while i < len(path):
        ch = path[i]
        if ch == ESCAPE:
            nxt = path[i + 1 : i + 2]
            if nxt not in (ESCAPE, SEPARATOR):
                shown = f"'{ESCAPE}{nxt}'" if nxt else "a backslash at the end"
                raise ValueError(
                    f"code path '{path}': {shown} is not an escape "
                    rf"(inside a name write '\/' for '/' and '\\' for '\')"
                )
            current.append(nxt)
            i += 2
            continue
        if ch == SEPARATOR:
            names.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    names.append("".join(current))
    return names


def parent(path: str, version: int = FORMAT_VERSION) -> str:
    """The path of the code's parent, in the same version; "" for a top-level code."""
    names = split(path, version)
    if version < 2:
        return SEPARATOR.join(names[:-1])
    return join(names[:-1])


def ancestors(path: str, version: int = FORMAT_VERSION) -> list[str]:
    """The paths of every ancestor of ``path``, top level first, in the same version."""
    names = split(path, version)
    glue = (lambda part: SEPARATOR.join(part)) if version < 2 else join
    return [glue(names[:depth]) for depth in range(1, len(names))]


def convert(path: str, version: int) -> str:
    """A path written in format ``version``, rewritten in the current format."""
    return path if version >= FORMAT_VERSION else join(split(path, version))
