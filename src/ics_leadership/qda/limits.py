"""The safety caps of one import and the stream that enforces them while reading.

:class:`Limits` holds the caps (total uncompressed bytes, compression ratio per member, members,
XML prolog); :class:`Budget` counts the bytes one import has read; :class:`CountingReader` charges
every byte a stream actually produces, so the caps bite while reading, not only on the sizes an
archive's headers declare. Separate from the archive (:mod:`ics_leadership.qda.archive`), the
confined files (:mod:`ics_leadership.qda.confine`) and the XML parser (:mod:`ics_leadership.qda.safexml`),
which all read through it.
"""

from __future__ import annotations

import math
import zipfile
import zlib
from dataclasses import dataclass
from typing import BinaryIO

from ics_leadership.qda.errors import ImportFormatError, UnsafeInputError
from ics_leadership.qda.sizes import GiB, KiB, MiB, format_size


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
