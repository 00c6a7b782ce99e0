"""The four readings of REFI-QDA offsets, what is known of how each tool counts, and conversion.

A reading says whether offsets count UTF-16 code units or code points, and a CR LF as one or two;
:class:`_Map` converts a reading's offsets to code points of the text as stored. Which reading a
document's offsets follow is decided in :mod:`ics_leadership.qda.offsets`; this module holds what
the decision chooses among and what it knows of the tools (:data:`PRIORS`), separate from the
evidence it weighs (:mod:`ics_leadership.qda.boundaries`).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass


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


def place(text: str, reading: str, spans: list[tuple[int, int]]) -> list[tuple[int, int] | None]:
    """``spans`` counted by the reading whose id is ``reading`` as code points of ``text``.

    For spans recorded apart from the codings (QualCoder's annotations), read the way the
    document's codings were. A span that does not fit (negative, reversed, past the end) is None.
    Offsets of no known reading (``unknown``, ``none``) are taken as code points.
    """
    chosen = next((r for r in READINGS if r.id == reading), CODE_POINTS)
    specials = [] if chosen is CODE_POINTS else [(m.start(), m.end() - m.start() == 2) for m in _SPECIAL.finditer(text)]
    m = _Map(len(text), chosen, specials)
    out: list[tuple[int, int] | None] = []
    for start, end in spans:
        if not 0 <= start <= end <= m.total:
            out.append(None)
            continue
        (a,), _ = _convert(m, [start], up=False)
        (b,), _ = _convert(m, [end], up=True)
        out.append((a, b))
    return out
