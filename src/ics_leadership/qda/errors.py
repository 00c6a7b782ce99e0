"""Errors raised while importing a QDA project or exporting a codebook.

Each message is one line naming the input file and, where it helps, the archive member or the
XML element (with its line). The command line prints it after ``error:`` and exits with 1.
"""

from __future__ import annotations

from ics_leadership.core.errors import CompendiumError


class QDAImportError(CompendiumError):
    """Base class: the project could not be imported (nothing was written)."""


class UnsafeInputError(QDAImportError):
    """The input looks hostile or exceeds a safety limit (XXE, zip-slip, zip bomb, ...)."""


class ImportFormatError(QDAImportError):
    """The input is not a readable project of the expected format (damaged, wrong namespace, ...)."""


class OutputExistsError(QDAImportError):
    """The output folder or file exists and may not be replaced."""


def safe_text(value: object, limit: int = 120) -> str:
    """Quote a name taken from untrusted input for a one-line message.

    Control characters (a newline or terminal escape in a member name, say) are escaped and long
    names shortened, so a hostile file cannot forge extra output lines.
    """
    text = str(value)
    out = []
    for ch in text:
        if ch.isprintable() and ch not in "\x85\u2028\u2029":
            out.append(ch)
        else:
            out.append(ch.encode("unicode_escape").decode("ascii"))
    shown = "".join(out)
    if len(shown) > limit:
        shown = shown[: limit - 3] + "..."
    return f"'{shown}'"
