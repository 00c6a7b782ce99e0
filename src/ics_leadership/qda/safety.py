"""Reading untrusted archives and XML safely.

A project file comes from outside: it may be damaged, or built to attack the machine that opens
it. Two rules follow.

Archives (``.qdpx``, ``.xlsx``) are never extracted to disk. Every member name is checked when the
archive is opened (no absolute paths, no ``..``, no backslashes, no symbolic links, no duplicates,
no encryption, only stored or deflated data), and members are read as streams that count the bytes
they actually produce: the total for one import and the ratio of each member are capped while
reading, not only from the sizes the headers declare.

XML is parsed by lxml with entity resolution, network access and DTD loading switched off. A
DOCTYPE with an internal subset or an external DTD is refused before parsing starts (no XXE, no
"billion laughs"); REFI-QDA files never need one. libxml2's own size limits are lifted
(``huge_tree=True``: a 15 MB interview in one ``PlainTextContent`` is legitimate): with entities
and DTDs refused, the limits that matter are this module's, which the user sets (``--max-size``,
``--max-ratio``) and every message names.

Files a project names (``relative://`` sources, ``Sources/`` beside a bare ``.qde``) are read only
inside one folder: :func:`relative_parts` checks the path as written, :func:`resolve_inside` checks
where it really leads (symbolic links followed), and :func:`open_regular` opens the result without
following a link swapped in meanwhile.
"""

from __future__ import annotations

import math
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote

from lxml import etree

from ics_leadership.qda.errors import ImportFormatError, UnsafeInputError, safe_text

KiB = 1 << 10
MiB = 1 << 20
GiB = 1 << 30


@dataclass(frozen=True)
class Limits:
    """Safety caps for one import.

    Attributes
    ----------
    max_total_bytes
        Uncompressed bytes that may be read from the input, all members and files together.
    max_ratio
        Largest uncompressed/compressed ratio of one archive member.
    ratio_floor
        Members that expand to no more than this are not ratio-checked: tiny members compress
        unevenly and cannot exhaust anything.
    max_members
        Largest number of members an archive may list.
    max_prolog
        Longest XML prolog (declaration, comments, DOCTYPE) before the root element.
    """

    max_total_bytes: int = 2 * GiB
    max_ratio: float = 100.0
    ratio_floor: int = 1 * MiB
    max_members: int = 100_000
    max_prolog: int = 1 * MiB

    def __post_init__(self) -> None:
        # Checked here too, not only on the command line: nan or 0 would silently switch a cap off.
        if not isinstance(self.max_total_bytes, int) or self.max_total_bytes <= 0:
            raise ValueError(f"max_total_bytes must be a whole number of bytes above 0, not {self.max_total_bytes!r}")
        if not (isinstance(self.max_ratio, (int, float)) and math.isfinite(self.max_ratio) and self.max_ratio >= 1):
            raise ValueError(f"max_ratio must be a finite number of at least 1, not {self.max_ratio!r}")


def format_size(n: float) -> str:
    for unit, size in (("GiB", GiB), ("MiB", MiB), ("KiB", KiB)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{int(n)} bytes"


def parse_size(text: str) -> int:
    """Read a size such as ``2GiB``, ``500MB`` or ``1048576`` (bytes); it must be at least 1 byte.

    Raises
    ------
    ValueError
        Not a size, or zero (a cap of 0 would refuse everything; negative sizes are not sizes).
    """
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMG]i?B?|B)?\s*", text, flags=re.IGNORECASE)
    if not match:
        raise ValueError(f"'{text}' is not a size (examples: 2GiB, 500MiB, 1048576)")
    number, unit = float(match.group(1)), (match.group(2) or "B").upper()
    factor = {"B": 1, "K": KiB, "M": MiB, "G": GiB}[unit[0]]
    size = int(number * factor)
    if size < 1:
        raise ValueError(f"'{text}' is not above 0 bytes (examples: 2GiB, 500MiB, 1048576)")
    return size


def parse_ratio(text: str) -> float:
    """Read a compression-ratio cap such as ``100`` (meaning 100:1): a finite number of at least 1.

    Raises
    ------
    ValueError
        Not a number, or nan, infinite, or below 1 (0 and negatives included).
    """
    try:
        ratio = float(text)
    except ValueError:
        raise ValueError(f"'{text}' is not a number (example: 100, meaning 100:1)") from None
    if not math.isfinite(ratio) or ratio < 1:
        raise ValueError(f"'{text}' is not a finite number of at least 1 (example: 100, meaning 100:1)")
    return ratio


class Budget:
    """Counts the uncompressed bytes read during one import and stops at the cap."""

    def __init__(self, limits: Limits, source: str):
        self.limits = limits
        self.source = source
        self.total = 0

    def charge(self, n: int, where: str) -> None:
        self.total += n
        if self.total > self.limits.max_total_bytes:
            raise UnsafeInputError(
                f"{self.source}: {where}: more than {format_size(self.limits.max_total_bytes)} of uncompressed "
                f"data (the limit; raise it with --max-size if the project is really this large)"
            )


class CountingReader:
    """A read-only stream that charges every byte to a :class:`Budget` and checks a member's ratio."""

    def __init__(self, raw: BinaryIO, budget: Budget, where: str, compressed: int | None = None, source: str = ""):
        self._raw = raw
        self._budget = budget
        self._where = where
        self._source = source or budget.source
        self._count = 0
        limits = budget.limits
        self._ratio_cap = None if compressed is None else max(limits.ratio_floor, limits.max_ratio * max(compressed, 1))

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:  # read all, in bounded steps so the caps bite early
            parts = []
            while chunk := self._read_chunk(64 * KiB):
                parts.append(chunk)
            return b"".join(parts)
        return self._read_chunk(n)

    def _read_chunk(self, n: int) -> bytes:
        try:
            data = self._raw.read(n)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise ImportFormatError(f"{self._source}: {self._where}: damaged or truncated data ({exc})") from None
        self._account(data)
        return data

    def _account(self, data: bytes) -> None:
        self._count += len(data)
        self._budget.charge(len(data), self._where)
        if self._ratio_cap is not None and self._count > self._ratio_cap:
            raise UnsafeInputError(
                f"{self._source}: {self._where}: expands more than {self._budget.limits.max_ratio:g}:1 "
                f"(compression bomb? if the file is genuine, raise the limit with --max-ratio)"
            )

    def close(self) -> None:
        self._raw.close()

    def __enter__(self) -> CountingReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_DRIVE = re.compile(r"^[A-Za-z]:")


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
        if name.startswith(("/", "\\")) or _DRIVE.match(name):
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


# --- files a project names -------------------------------------------------------------------------


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
    if text.startswith("/") or _DRIVE.match(text):
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


# --- XML -----------------------------------------------------------------------------------------


class _PrologGuard:
    """Look at the XML prolog before libxml2 does, and refuse DOCTYPEs that declare anything."""

    def __init__(self, raw: CountingReader | BinaryIO, where: str, limits: Limits):
        self._raw = raw
        self._where = where
        self._limits = limits
        self._pending: bytes | None = None

    def read(self, n: int = -1) -> bytes:
        if self._pending is None:
            self._pending = self._scan()
        if self._pending:
            data, self._pending = self._pending, b""
            return data
        return self._raw.read(n)

    def _scan(self) -> bytes:
        buf = b""
        while True:
            chunk = self._raw.read(64 * KiB)
            buf += chunk
            verdict = _prolog_verdict(buf, eof=not chunk)
            if verdict is not None:
                if verdict:
                    raise UnsafeInputError(f"{self._where}: {verdict}")
                return buf
            if len(buf) > self._limits.max_prolog:
                raise UnsafeInputError(
                    f"{self._where}: more than {format_size(self._limits.max_prolog)} before the root element"
                )


def _prolog_verdict(buf: bytes, eof: bool) -> str | None:
    """ "" if the prolog is fine, a reason if it must be refused, None if more bytes are needed."""
    if buf.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = buf.decode("utf-16", errors="ignore")
    else:
        text = buf.decode("latin-1")  # markup is ASCII; the scan needs no exact decoding
    i = 0
    while True:
        j = text.find("<", i)
        if j < 0:
            return "" if eof else None
        if text.startswith("<?", j):
            k = text.find("?>", j)
            step = 2
        elif text.startswith("<!--", j):
            k = text.find("-->", j)
            step = 3
        elif text[j : j + 9].upper() == "<!DOCTYPE":
            k = text.find(">", j)
            head = text[j : k if k >= 0 else len(text)]
            if "[" in head or re.search(r"<!ENTITY", text[j:]):
                return (
                    "DOCTYPE declares an internal subset or entities (<!ENTITY ...>): refused (XXE / entity expansion)"
                )
            if re.search(r"\b(SYSTEM|PUBLIC)\b", head):
                return "DOCTYPE refers to an external DTD: refused (no network, no local files)"
            step = 1
        else:
            return ""  # the root element starts here
        if k < 0:
            return "" if eof else None
        i = k + step


def iterparse(
    stream: CountingReader | BinaryIO,
    where: str,
    limits: Limits,
    events: tuple[str, ...] = ("start", "end"),
    tag: tuple[str, ...] | None = None,
) -> Iterator[tuple[str, etree._Element]]:
    """Stream ``(event, element)`` pairs from untrusted XML, with every protection on.

    ``tag`` restricts the events to those elements (lxml's filter, ``{*}Name`` wildcards allowed).
    Parse errors become :class:`ImportFormatError` naming ``where`` and the line.
    """
    parser_events = etree.iterparse(
        _PrologGuard(stream, where, limits),
        events=events,
        tag=tag,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=True,
        remove_comments=True,
        remove_pis=True,
        dtd_validation=False,
    )
    try:
        for event, element in parser_events:
            _check_docinfo(element, where)
            yield event, element
            break
        yield from parser_events
    except etree.XMLSyntaxError as exc:
        raise ImportFormatError(f"{where}: not well-formed XML ({_xml_reason(exc)})") from None


def _check_docinfo(element: etree._Element, where: str) -> None:
    # Belt and braces: the prolog scan should already have refused these.
    info = element.getroottree().docinfo
    dtd = info.internalDTD
    if dtd is not None and list(dtd.entities()):
        raise UnsafeInputError(f"{where}: DOCTYPE declares entities: refused (XXE / entity expansion)")
    if info.system_url or info.public_id:
        raise UnsafeInputError(f"{where}: DOCTYPE refers to an external DTD: refused")


def _xml_reason(exc: etree.XMLSyntaxError) -> str:
    msg = str(exc.msg if getattr(exc, "msg", None) else exc)
    msg = re.sub(r"\s*\(<string>, line \d+\)\s*$", "", msg)
    msg = re.sub(r",?\s*line \d+, column \d+\s*$", "", msg)
    line = exc.lineno
    return f"line {line}: {msg}" if line else msg


def decode_text(data: bytes, where: str) -> str:
    """Decode a plain-text source as strict UTF-8 (REFI-QDA's encoding), dropping a leading BOM."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ImportFormatError(f"{where}: not valid UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return text[1:] if text.startswith("\ufeff") else text
