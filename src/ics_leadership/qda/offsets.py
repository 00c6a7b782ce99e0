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
   - *uninformative*: either neighbour belongs to a script written without spaces (listed in
     :mod:`ics_leadership.qda.boundaries`), where a word boundary cannot be told from the characters.
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

"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ics_leadership.qda.boundaries import Score, _count
from ics_leadership.qda.readings import (
    _SPECIAL,
    CODE_POINTS,
    CODE_POINTS_CRLF_ONE,
    PRIORS,
    QUALCODER_DATABASE,
    READINGS,
    UTF16,
    UTF16_CRLF_ONE,
    Prior,
    Reading,
    _convert,
    _first_outside,
    _Map,
    prior_for,
)

__all__ = [
    "CODE_POINTS",
    "CODE_POINTS_CRLF_ONE",
    "PRIORS",
    "QUALCODER_DATABASE",
    "READINGS",
    "UTF16",
    "UTF16_CRLF_ONE",
    "Decision",
    "Prior",
    "Reading",
    "Score",
    "decide",
    "missing_text",
    "prior_for",
    "recorded_excerpt",
    "synthetic",
]

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
