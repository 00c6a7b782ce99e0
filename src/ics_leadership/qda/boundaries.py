"""Selection boundaries as evidence: is a boundary inside a word, or can its place not tell?

Each boundary (start or end of a selection) is classified by the characters either side of it, and
a reading's :class:`Score` counts its informative boundaries and those inside words (the rules are
step 4 of :mod:`ics_leadership.qda.offsets`). Separate from the decision because it is the hot,
table-driven part: characters are classified once, through ``bytes.translate`` tables, with no
Python loop per selection.

Scripts written without spaces (boundaries next to them carry no evidence), as code-point ranges:
Thai, Lao, Tibetan, Myanmar (and its extensions), Khmer (and symbols), Tai Le, New Tai Lue, Tai Tham,
Tai Viet, Buginese, Balinese, Javanese, Yi, the Han ideographs (unified, extensions A to H,
compatibility), CJK radicals, symbols and punctuation, strokes, Hiragana, Katakana (with phonetic
extensions, half-width forms and the Kana supplements), Bopomofo, Kanbun, Tangut and Nushu. Hangul
is *not* in the table: Korean separates words with spaces.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import itemgetter

from ics_leadership.qda.readings import Reading

_OTHER, _WORD, _MARK, _UNSPACED, _CR, _LF = 0, 1, 2, 3, 4, 5  # classes of characters

_UNSPACED_RANGES = sorted(
    [
        (0x0E00, 0x0E7F),
        (0x0E80, 0x0EFF),
        (0x0F00, 0x0FFF),
        (0x1000, 0x109F),  # Thai, Lao, Tibetan, Myanmar
        (0x1780, 0x17FF),
        (0x19E0, 0x19FF),  # Khmer, Khmer symbols
        (0x1950, 0x197F),
        (0x1980, 0x19DF),
        (0x1A00, 0x1A1F),
        (0x1A20, 0x1AAF),  # Tai Le, New Tai Lue, Buginese, Tai Tham
        (0x1B00, 0x1B7F),  # Balinese
        (0x2E80, 0x2FDF),
        (0x3000, 0x303F),
        (0x3040, 0x309F),
        (0x30A0, 0x30FF),  # radicals, CJK punct., kana
        (0x3100, 0x312F),
        (0x3190, 0x31FF),  # Bopomofo, Kanbun, Bopomofo ext., strokes, Katakana ext.
        (0x3400, 0x4DBF),
        (0x4E00, 0x9FFF),  # Han, extension A and unified
        (0xA000, 0xA4CF),  # Yi
        (0xA980, 0xA9DF),
        (0xA9E0, 0xA9FF),
        (0xAA60, 0xAA7F),
        (0xAA80, 0xAADF),  # Javanese, Myanmar ext., Tai Viet
        (0xF900, 0xFAFF),
        (0xFF61, 0xFF9F),  # Han compatibility, half-width CJK punctuation and Katakana
        (0x16FE0, 0x16FFF),
        (0x17000, 0x18AFF),
        (0x18D00, 0x18D8F),  # ideographic symbols, Tangut
        (0x1AFF0, 0x1B2FF),  # Kana extensions and supplements, Nushu
        (0x20000, 0x323AF),  # Han extensions B to H and the compatibility supplement
    ]
)
_RANGE_STARTS = [start for start, _ in _UNSPACED_RANGES]

# Class of each character (by code point), filled as characters are met; ASCII up front.
_TABLE: dict[int, int] = {i: (_WORD if chr(i).isalnum() else _OTHER) for i in range(128)}
_TABLE[13], _TABLE[10] = _CR, _LF
_ASCII_TABLE = bytes(_TABLE[i] for i in range(128)) + bytes(128)  # for bytes.translate


def _classify(ch: str) -> int:
    code = ord(ch)
    k = bisect_right(_RANGE_STARTS, code) - 1
    if k >= 0 and code <= _UNSPACED_RANGES[k][1]:
        cls = _UNSPACED
    else:
        major = unicodedata.category(ch)[0]
        cls = _MARK if major == "M" else _WORD if major in "LN" else _OTHER
    _TABLE[code] = cls
    return cls


def _classes(chars: str) -> bytes:
    """The class of each character of ``chars``, one byte each."""
    if chars.isascii():
        return chars.encode("ascii").translate(_ASCII_TABLE)
    for code in {ord(ch) for ch in set(chars)} - _TABLE.keys():
        _classify(chr(code))
    return chars.translate(_TABLE).encode("latin-1")


def _pair_table(test: Callable[[int, int], bool]) -> bytes:
    """A bytes.translate table over pair codes 8 * left class + right class: 1 where ``test`` holds."""
    return bytes(1 if code < 48 and test(code >> 3, code & 7) else 0 for code in range(256))


def _is_informative(left: int, right: int) -> bool:
    return left != _UNSPACED and right != _UNSPACED


def _is_inside(left: int, right: int) -> bool:
    return _is_informative(left, right) and (
        right == _MARK or (right == _WORD and left in (_WORD, _MARK)) or (left == _CR and right == _LF)
    )


_INFORMATIVE = _pair_table(_is_informative)
_INSIDE = _pair_table(_is_inside)


@dataclass
class Score:
    """How a reading places a document's selection boundaries."""

    reading: Reading
    informative: int = 0
    inside: int = 0
    members: list[Reading] = field(default_factory=list)  # readings placing every boundary the same
    matched: int = 0  # recorded excerpts that match the text at the spans

    @property
    def share(self) -> float:
        return self.inside / self.informative if self.informative else 0.0

    def describe(self) -> str:
        name = "=".join(r.id for r in self.members) or self.reading.id
        return f"{name} {self.inside}/{self.informative} ({self.share:.1%})"

    def describe_matched(self) -> str:
        return f"{'='.join(r.id for r in self.members)} {self.matched}"


def _count(text: str, bounds: list[int], score: Score) -> None:
    """Add the boundaries at code-point indices ``bounds`` (0 to ``len(text)``) to ``score``.

    Each boundary is classified by the characters either side of it (the text's start and end count
    as a space), with C-level string operations only: a document costs a few string copies and
    lookups, not a Python loop per selection.
    """
    if not bounds:
        return
    pick = itemgetter(*bounds)
    left = _classes("".join(pick(" " + text)))  # the character before each boundary
    right = _classes("".join(pick(text + " ")))  # and after it
    # One byte per boundary: 8 * left class + right class (at most 45, so no byte carries over).
    codes = (int.from_bytes(left, "little") * 8 + int.from_bytes(right, "little")).to_bytes(len(left), "little")
    score.informative += codes.translate(_INFORMATIVE).count(1)
    score.inside += codes.translate(_INSIDE).count(1)
