"""Zip archives (``.qdpx``, ``.xlsx``) read member by member, never extracted to disk.

Every member name is checked when the archive is opened (no absolute paths, no ``..``, no
backslashes, no symbolic links, no duplicates, no encryption, only stored or deflated data), and
members are read as capped streams (:class:`ics_leadership.qda.limits.CountingReader`). Separate
from the XML parser because an archive also holds plain texts and spreadsheets.
"""

from __future__ import annotations

import stat
import zipfile
import zlib
from pathlib import Path

from ics_leadership.qda.confine import DRIVE_LETTER
from ics_leadership.qda.errors import ImportFormatError, UnsafeInputError, safe_text
from ics_leadership.qda.limits import Budget, CountingReader
from ics_leadership.qda.sizes import format_size


class SafeArchive:
    """A zip archive whose members are checked on opening and read only as capped streams.

    Parameters
    ----------
    path
        The archive.
    budget
        Shared byte budget of the import.
    shown
        How to name the archive in messages.
    """

    def __init__(self, path: Path, budget: Budget, shown: str):
        self.path = path
        self.shown = shown
        self.budget = budget
        limits = budget.limits
        try:
            with path.open("rb") as fh:
                magic = fh.read(4)
        except OSError as exc:
            raise ImportFormatError(f"{shown}: cannot be read ({exc.strerror})") from None
        if magic[:2] != b"PK":
            raise ImportFormatError(f"{shown}: not a zip archive (a .qdpx project is a zip file)")
        try:
            self._zip = zipfile.ZipFile(path)
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
            raise ImportFormatError(f"{shown}: truncated or damaged zip archive ({exc})") from None
        if len(infos) > limits.max_members:
            raise UnsafeInputError(f"{shown}: lists {len(infos)} members (limit {limits.max_members})")
        self._by_lower: dict[str, zipfile.ZipInfo] = {}
        declared = 0
        for info in infos:
            self._check_member(info)
            key = info.filename.lower()
            if key in self._by_lower:
                raise UnsafeInputError(
                    f"{shown}: member {safe_text(info.filename)} appears more than once (names compared ignoring case)"
                )
            self._by_lower[key] = info
            declared += info.file_size
            if declared > limits.max_total_bytes:
                raise UnsafeInputError(
                    f"{shown}: members declare more than {format_size(limits.max_total_bytes)} "
                    f"uncompressed (the limit; see --max-size)"
                )

    def _check_member(self, info: zipfile.ZipInfo) -> None:
        name = info.filename
        what = f"{self.shown}: member {safe_text(name)}"
        if any(ord(c) < 32 or c == "\x7f" for c in name):
            raise UnsafeInputError(f"{what}: control character in the name")
        if name.startswith(("/", "\\")) or DRIVE_LETTER.match(name):
            raise UnsafeInputError(f"{what}: absolute path (never allowed in an archive)")
        if "\\" in name:
            raise UnsafeInputError(f"{what}: backslash in the path (never allowed in an archive)")
        if any(part == ".." for part in name.split("/")):
            raise UnsafeInputError(f"{what}: path goes outside the archive ('..'; zip-slip)")
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise UnsafeInputError(f"{what}: symbolic link (never followed)")
        if info.flag_bits & 0x1:
            raise ImportFormatError(f"{what}: encrypted (export the project without a password)")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) and not info.is_dir():
            raise ImportFormatError(
                f"{what}: unsupported compression method {info.compress_type} (only stored and deflated are read)"
            )
        limits = self.budget.limits
        if info.file_size > limits.ratio_floor and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            ratio = info.file_size / max(info.compress_size, 1)
            raise UnsafeInputError(
                f"{what}: declares a compression ratio of {ratio:,.0f}:1 "
                f"(limit {limits.max_ratio:g}:1; compression bomb? if the file is genuine, raise "
                f"the limit with --max-ratio)"
            )

    def names(self) -> list[str]:
        return [i.filename for i in self._by_lower.values()]

    def find(self, name: str) -> str | None:
        """The member called ``name``, ignoring case; None if absent."""
        info = self._by_lower.get(name.lower())
        return None if info is None or info.is_dir() else info.filename

    def open(self, name: str) -> CountingReader:
        info = self._by_lower[name.lower()]
        where = f"member {safe_text(info.filename)}"
        try:
            raw = self._zip.open(info)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError) as exc:
            raise ImportFormatError(f"{self.shown}: {where}: cannot be read ({exc})") from None
        return CountingReader(raw, self.budget, where, compressed=info.compress_size, source=self.shown)

    def read(self, name: str) -> bytes:
        with self.open(name) as fh:
            return fh.read()

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> SafeArchive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_file(path: Path, budget: Budget, shown: str) -> CountingReader:
    """Open a plain file as a capped stream."""
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise ImportFormatError(f"{shown}: cannot be read ({exc.strerror})") from None
    return CountingReader(raw, budget, "while reading", source=shown)
