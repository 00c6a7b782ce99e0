"""How a QDA tool counted a document's offsets, decided from evidence, and conversion to code points.

REFI-QDA says that ``startPosition`` and ``endPosition`` count the characters of a source's plain
text, but tools count differently. NVivo (Windows) counts UTF-16 code units (a character beyond
U+FFFF, such as an emoji or 𝒜, is two) and a CR LF line end as two; some tools count a CR LF as
one; Python programs (QualCoder) count code points. Read the wrong way, every excerpt after the
first emoji or line end is shifted. This module decides, per document, which reading the offsets
follow, and converts them.

Whatever the reading, the offsets, ``n_chars`` and excerpts the importer writes refer to code points
of the document's plain text exactly as stored (a CR LF stays two characters); ``n_chars`` is the
text's length in code points.

Readings
--------
========================  ===========================================================================
``code_points``           code points of the text as stored, CR LF as two (the standard's wording)
``utf16``                 UTF-16 code units, CR LF as two (NVivo)
``code_points_crlf_one``  code points, each CR LF counted as one
``utf16_crlf_one``        UTF-16 code units, each CR LF counted as one
``unknown``               the source text is missing: offsets kept as exported, unchecked (warning)
``none``                  the document has no text selections: nothing to read
========================  ===========================================================================

Deciding (:func:`decide`)
-------------------------
1. **Readings that coincide need no decision.** Without characters beyond U+FFFF and without CR LF
   all four readings are the same (the fast path: ``isascii`` or a UTF-16 length, and one substring
   test; the offsets are used as they are).
   Readings that put every selection boundary at the same place also count as one.
2. **Feasible readings.** A reading that would place a selection past the end of the text is not
   used while another reading places them all; when none does, the import fails naming the
   selection.
3. **Recorded excerpts.** Where the tool recorded a selection's text with it (ATLAS.ti names a
   quotation by its first characters and an ellipsis; QualCoder keeps ``seltext``), the readings
   whose spans match the most recorded excerpts (ignoring differences in white space) are kept and
   the others set aside. Names that are labels ("Quotation 1:3") match no reading and say nothing.
4. **Score.** Each boundary (start or end of a selection) is converted to a code-point index and
   classified under each reading:

   - *against the reading*: it splits a surrogate pair (UTF-16 readings), or falls between a CR and
     its LF (CR LF as two). It counts as informative and inside a word.
   - *uninformative*: either neighbour belongs to a script written without spaces (table below),
     where a word boundary cannot be told from the characters.
   - *inside a word*: the character after it is a combining mark (Unicode category M: a mark belongs
     to the letter before it), or it lies between two letters or digits (categories L and N; a mark
     on the left counts as the letter it follows).
   - otherwise informative and not inside a word (the start and the end of the text count as
     bordered by a space).

   A reading's score is its share of informative boundaries inside words. The best reading decides
   when it has at least :data:`MIN_INFORMATIVE` informative boundaries and is *clearly best*: its
   share is lower than every other distinct reading's by at least :data:`CLEAR_MARGIN`, with at
   least :data:`MIN_EXTRA_INSIDE` fewer boundaries inside words.
5. **Origin.** Otherwise the exporting tool decides where there is public evidence of how it counts
   (:data:`PRIORS`, matched in the project's ``origin``), provided that leaves one distinct reading.
6. **Default.** Otherwise code points (the standard's wording; CR LF as two, the text as stored),
   among the readings the origin allows, with a warning. When code points cannot place every
   selection, the next feasible reading in the order of :data:`READINGS` is used.

Whatever decided, when the reading used still puts more than :data:`WARN_INSIDE_SHARE` of the
informative boundaries inside words (and at least :data:`WARN_INSIDE_MIN` of them), the import warns
(the text may not be the coded text, or the tool counts in yet another way, e.g. bytes).

Scripts written without spaces (boundaries next to them carry no evidence), as code-point ranges:
Thai, Lao, Tibetan, Myanmar (and its extensions), Khmer (and symbols), Tai Le, New Tai Lue, Tai Tham,
Tai Viet, Buginese, Balinese, Javanese, Yi, the Han ideographs (unified, extensions A to H,
compatibility), CJK radicals, symbols and punctuation, strokes, Hiragana, Katakana (with phonetic
extensions, half-width forms and the Kana supplements), Bopomofo, Kanbun, Tangut and Nushu. Hangul
is *not* in the table: Korean separates words with spaces.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from operator import itemgetter

#: The score decides only with at least this many informative boundaries (under the best reading).
MIN_INFORMATIVE = 20
#: "Clearly best": a share of boundaries inside words lower than every other reading's by this much ...
CLEAR_MARGIN = 0.05
#: ... and at least this many fewer boundaries inside words (one misplaced boundary is not evidence).
MIN_EXTRA_INSIDE = 2
#: Warn when the reading used puts more than this share of informative boundaries inside words ...
WARN_INSIDE_SHARE = 0.10
#: ... and at least this many (one selection of part of a word, in a short document, is no cause).
WARN_INSIDE_MIN = 2

# How a reading was decided (corpus.yaml counts documents per basis).
AGREE, FEASIBLE, EXCERPTS, SCORE, ORIGIN, DEFAULT, MISSING_TEXT, NO_SELECTIONS, SYNTHETIC = (
    "readings agree",
    "only feasible reading",
    "recorded excerpts",
    "score",
    "origin",
    "default",
    "source text missing",
    "no selections",
    "synthetic",
)
ELLIPSES = ("\u2026", "...")
UNKNOWN, NONE = "unknown", "none"


@dataclass(frozen=True)
class Reading:
    """One way of counting offsets: in UTF-16 code units or code points, CR LF as one or two."""

    id: str
    utf16: bool
    crlf_one: bool
    label: str


CODE_POINTS = Reading("code_points", False, False, "code points, CR LF as two")
UTF16 = Reading("utf16", True, False, "UTF-16 code units, CR LF as two")
CODE_POINTS_CRLF_ONE = Reading("code_points_crlf_one", False, True, "code points, CR LF as one")
UTF16_CRLF_ONE = Reading("utf16_crlf_one", True, True, "UTF-16 code units, CR LF as one")
#: Every reading, in the order the default prefers them.
READINGS = (CODE_POINTS, UTF16, CODE_POINTS_CRLF_ONE, UTF16_CRLF_ONE)


@dataclass(frozen=True)
class Prior:
    """What is known of how a tool counts: ``utf16`` and ``crlf_one`` are None where nothing is."""

    tool: str
    utf16: bool | None
    crlf_one: bool | None
    evidence: str

    def allows(self, reading: Reading) -> bool:
        return (self.utf16 is None or reading.utf16 == self.utf16) and (
            self.crlf_one is None or reading.crlf_one == self.crlf_one
        )


#: Tools whose counting is known from public evidence, matched (regex, ignoring case) in ``origin``.
PRIORS: tuple[tuple[str, Prior], ...] = (
    # Stated in issue 9 from a real NVivo 12.6 (Windows) export: read as UTF-16 code units with CR LF
    # as two, 3 of 606 boundaries fall inside words; read as code points, 335 do.
    (r"nvivo", Prior("NVivo", True, False, "NVivo counts UTF-16 code units, CR LF as two")),
    # QualCoder writes code_text.pos0/pos1, indices into a Python str, as startPosition/endPosition
    # (ccbogel/QualCoder, src/qualcoder/refi.py, RefiExport.text_selection_xml). Its CR LF counting is
    # left open: its export can add a CR before every LF "for MAXQDA" without changing the offsets
    # (RefiExport.export_project), which then count each CR LF as one.
    (r"qualcoder", Prior("QualCoder", False, None, "QualCoder counts code points (Python string indices)")),
    # QualCoder's REFI importer (ccbogel/QualCoder, src/qualcoder/refi.py, RefiImport.load_text_source)
    # notes that ATLAS.ti writes positions as though a CR LF were one character while its source .txt
    # files keep CR LF. Nothing public says whether ATLAS.ti counts code points or UTF-16 code units.
    (r"atlas\.?\s*ti", Prior("ATLAS.ti", None, True, "ATLAS.ti counts a CR LF as one character")),
    # MAXQDA: no public evidence found of how its exports count (QualCoder's "line ending for MAXQDA"
    # option concerns what MAXQDA expects on import), so no prior.
)

#: QualCoder's own database (not a REFI export): pos0/pos1 index the Python string ``fulltext``.
QUALCODER_DATABASE = Prior(
    "QualCoder database", False, False, "QualCoder's pos0/pos1 index its fulltext as a Python string (code points)"
)


def prior_for(origin: str | None) -> Prior | None:
    """The prior for a project's ``origin`` attribute (e.g. "NVivo 12.6"), or None."""
    if origin:
        for pattern, prior in PRIORS:
            if re.search(pattern, origin, re.IGNORECASE):
                return prior
    return None


def recorded_excerpt(hint: str | None, length: int) -> str | None:
    """The tool's record of a span's text, if it looks like the text rather than a label.

    ATLAS.ti names a quotation by its first 100 characters and an ellipsis, unless the user
    renamed it ("damage done by fatty foods", "Quotation 6:1"). A name is taken as the excerpt
    only when it is exactly as long as the span, or shorter and ends with an ellipsis.
    """
    if not hint:
        return None
    if len(hint) == length:
        return hint
    if hint.endswith(ELLIPSES) and len(hint.rstrip("\u2026.")) <= length:
        return hint
    return None


def _squash(text: str) -> str:
    return " ".join(text.split())


def _matches(text: str, start: int, end: int, hint: str) -> bool:
    """Whether a recorded excerpt is the text at [start, end) (a cut-short one: its beginning)."""
    if hint.endswith(ELLIPSES):
        stem = _squash(hint.rstrip("\u2026").rstrip("."))
        return bool(stem) and _squash(text[start:end]).startswith(stem)
    return _squash(text[start:end]) == _squash(hint)


# --- characters ------------------------------------------------------------------------------------

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


def _pair_table(test) -> bytes:
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


# --- conversion ------------------------------------------------------------------------------------

_SPECIAL = re.compile("[\U00010000-\U0010ffff]|\r\n")


class _Map:
    """Offsets of one reading -> code-point indices of the text.

    The text is a run of ordinary characters (one unit each) broken by special items: a character
    beyond U+FFFF (one code point, two units, under UTF-16) or a CR LF (two code points, one unit,
    when CR LF counts as one). ``units[k]`` is the offset just before item ``k``.
    """

    def __init__(self, n: int, reading: Reading, specials: list[tuple[int, bool]]):
        self.units: list[int] = []
        self.items: list[tuple[int, int, int]] = []  # (code-point index, code points, units)
        shift = 0
        for p, crlf in specials:
            if crlf and reading.crlf_one:
                width, units = 2, 1
            elif not crlf and reading.utf16:
                width, units = 1, 2
            else:
                continue
            self.units.append(p + shift)
            self.items.append((p, width, units))
            shift += units - width
        self.total = n + shift  # the text's length in this reading's units

    def index(self, offset: int, up: bool) -> tuple[int, bool]:
        """(code-point index, True) for ``offset``; (index, False) for an offset inside a surrogate
        pair, rounded down (a start, ``up`` False) or up (an end). The caller checks ``total``."""
        k = bisect_left(self.units, offset) - 1  # the last item starting before the offset
        if k < 0:
            return offset, True
        p, width, units = self.items[k]
        after = self.units[k] + units
        if offset < after:
            return (p + width if up else p), False
        return p + width + offset - after, True


@dataclass
class Decision:
    """The reading used for one document, why, and the converted offsets."""

    reading: str  # a Reading id, UNKNOWN or NONE
    basis: str
    detail: str
    warning: str | None = None  # the report's "what" when the decision itself is a warning
    starts: list[int] | None = None  # converted offsets; None: use the offsets as exported
    ends: list[int] | None = None
    score: Score | None = None  # of the reading used
    outside: int | None = None  # index of a selection that no reading can place in the text
    units: int | None = None  # the text's length in the largest reading (for that message)

    @property
    def inside_warning(self) -> str | None:
        """Detail of the "boundaries inside words" warning, or None."""
        s = self.score
        if s is None or s.inside < WARN_INSIDE_MIN or s.share <= WARN_INSIDE_SHARE:
            return None
        return (
            f"reading: {self.reading}; {s.inside} of {s.informative} informative selection boundaries "
            f"({s.share:.1%}) fall inside words, more than {WARN_INSIDE_SHARE:.0%}: check this document's "
            f"excerpts (its text may differ from the coded text, or the tool counts offsets in another way)"
        )


def missing_text(spans: int) -> Decision:
    """The decision for a document whose text is missing: offsets kept as exported."""
    if not spans:
        return Decision(NONE, NO_SELECTIONS, "reading: none; no text selections")
    return Decision(
        UNKNOWN,
        MISSING_TEXT,
        "reading: unknown; without the source text the offsets cannot be checked or converted: kept as exported",
        warning="offsets kept as exported (source text missing; reading unknown)",
    )


def synthetic() -> Decision:
    """The decision for offsets the importer built itself (code points of its own text)."""
    return Decision(CODE_POINTS.id, SYNTHETIC, "reading: code_points; the offsets were built by the importer")


def decide(
    text: str, starts: list[int], ends: list[int], prior: Prior | None, hints: Iterable[str | None] | None = None
) -> Decision:
    """Decide how the offsets ``starts``/``ends`` (checked: 0 <= start <= end) count ``text``.

    ``hints`` are the texts the tool recorded for the selections (None where it recorded none),
    read only when the readings differ.

    See the module docstring. On return, ``outside`` is set (and nothing else is meaningful) when no
    reading places every selection inside the text.
    """
    if not starts:
        return Decision(NONE, NO_SELECTIONS, "reading: none; no text selections")
    n = len(text)
    has_crlf = "\r" in text and "\r\n" in text  # one character is found much faster than two
    # Characters beyond U+FFFF are two UTF-16 code units (encoding is several times faster than max()).
    has_astral = not text.isascii() and len(text.encode("utf-16-le", "surrogatepass")) != 2 * n
    if not (has_crlf or has_astral):  # the fast path: every reading is the same
        if max(ends) > n:
            return Decision(UNKNOWN, "", "", outside=_first_outside(ends, n), units=n)
        score = Score(CODE_POINTS, members=[CODE_POINTS])
        _count(text, starts + ends, score)
        return Decision(
            CODE_POINTS.id,
            AGREE,
            "reading: code_points; every reading agrees (no characters beyond U+FFFF, no CR LF)",
            score=score,
        )

    specials = [(m.start(), m.end() - m.start() == 2) for m in _SPECIAL.finditer(text)]
    hints = list(hints) if hints is not None else []
    groups: dict[tuple, Score] = {}
    converted: dict[tuple, tuple[list[int], list[int]]] = {}
    infeasible: list[tuple[Reading, int, int]] = []
    for reading in READINGS:
        if (reading.utf16 and not has_astral) or (reading.crlf_one and not has_crlf):
            continue  # the same as a reading already tried, for this text
        m = _Map(n, reading, specials)
        if max(ends) > m.total:
            infeasible.append((reading, _first_outside(ends, m.total), m.total))
            continue
        new_starts, bad_starts = _convert(m, starts, up=False)
        new_ends, bad_ends = _convert(m, ends, up=True)
        key = (tuple(new_starts), tuple(new_ends))
        if key in groups:
            groups[key].members.append(reading)
            continue
        score = groups[key] = Score(reading, members=[reading])
        score.informative += bad_starts + bad_ends  # boundaries splitting a surrogate pair
        score.inside += bad_starts + bad_ends
        _count(text, new_starts + new_ends, score)
        if hints:
            score.matched = sum(1 for h, a, b in zip(hints, new_starts, new_ends) if h and _matches(text, a, b, h))
        converted[key] = (new_starts, new_ends)
    if not groups:  # report the selection against the most generous reading
        reading, index, total = max(infeasible, key=lambda item: item[2])
        return Decision(UNKNOWN, "", "", outside=index, units=total)

    scores = list(groups.values())
    for s in scores:  # the reading that stands for a group: one the origin allows, if any
        allowed = [r for r in s.members if prior is not None and prior.allows(r)]
        s.reading = (allowed or s.members)[0]
    chosen, basis, warning = _choose(scores, prior)
    if basis == AGREE and infeasible:
        basis = FEASIBLE
    starts_, ends_ = converted[next(k for k, s in groups.items() if s is chosen)]
    unplaced = "; ".join(f"{r.id} places a selection past the end" for r, _, _ in infeasible)
    evidence = ", ".join(s.describe() for s in sorted(scores, key=lambda s: s.share))
    if any(s.matched for s in scores):
        evidence += "; recorded excerpts matched: " + ", ".join(s.describe_matched() for s in scores)
    why = {
        AGREE: "every feasible reading places the selections alike",
        FEASIBLE: "the only reading that places every selection inside the text",
        EXCERPTS: "the selections' recorded excerpts match this reading best",
        SCORE: (
            f"decided by the boundaries (best with at least {MIN_INFORMATIVE} informative and at least "
            f"{CLEAR_MARGIN:.0%} and {MIN_EXTRA_INSIDE} boundaries fewer inside words than any other)"
        ),
        ORIGIN: f"the boundaries do not decide; the origin does: {prior.evidence if prior else ''}",
        DEFAULT: (
            "neither the boundaries nor the origin decide: code points by default (the standard's wording)"
            + (f"; the origin narrows the choice: {prior.evidence}" if prior is not None else "")
        ),
    }[basis]
    detail = (
        f"reading: {chosen.reading.id} ({chosen.reading.label}); {why}; boundaries inside words: {evidence}"
        + (f"; {unplaced}" if unplaced else "")
        + "; converted to code points of the text as stored"
    )
    return Decision(chosen.reading.id, basis, detail, warning=warning, starts=starts_, ends=ends_, score=chosen)


def _choose(scores: list[Score], prior: Prior | None) -> tuple[Score, str, str | None]:
    """Apply steps 1 and 3 to 6 of the module docstring to the distinct feasible readings."""
    if len(scores) == 1:
        return scores[0], AGREE, None
    most = max(s.matched for s in scores)
    if most:
        scores = [s for s in scores if s.matched == most]
        if len(scores) == 1:
            return scores[0], EXCERPTS, None
    ranked = sorted(scores, key=lambda s: (s.share, READINGS.index(s.reading)))
    best = ranked[0]
    if best.informative >= MIN_INFORMATIVE and all(
        other.share - best.share >= CLEAR_MARGIN and other.inside - best.inside >= MIN_EXTRA_INSIDE
        for other in ranked[1:]
    ):
        return best, SCORE, None
    pool = scores
    if prior is not None:
        allowed = [s for s in scores if any(prior.allows(r) for r in s.members)]
        if len(allowed) == 1:
            return allowed[0], ORIGIN, None
        pool = allowed or scores
    chosen = min(pool, key=lambda s: min(READINGS.index(r) for r in s.members))
    return chosen, DEFAULT, f"offsets read as {chosen.reading.label} by default (no evidence decided)"


def _convert(m: _Map, offsets: list[int], up: bool) -> tuple[list[int], int]:
    """Offsets as code-point indices, and how many split a surrogate pair."""
    if not m.items:
        return offsets, 0
    index = m.index
    out = []
    bad = 0
    for o in offsets:
        i, ok = index(o, up)
        out.append(i)
        if not ok:
            bad += 1
    return out, bad


def _first_outside(ends: list[int], total: int) -> int:
    return next(k for k, e in enumerate(ends) if e > total)
