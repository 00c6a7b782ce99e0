"""Interviews needed to see a theme (Fugard and Potts 2015), with the finite-population version.

The model of Fugard and Potts (2015, *Int J Soc Res Methodol* 18(6):669-684): a theme is expressed
(and recognised by the analyst) by a share ``p`` of the population; each interviewee is drawn at
random, so the number of interviewees expressing it among ``n`` is binomial, X ~ Bin(n, p). The
sample size is the smallest ``n`` with P(X >= k) >= the chosen probability.

Where a tier is small and finite (a handful of executive leaders in an integrated care system),
interviewees are drawn without replacement from its ``N`` members, ``K = floor(p N)`` of whom hold
the theme: X is hypergeometric, X ~ Hypergeom(N, K, n), and ``n`` cannot exceed ``N``. When fewer
than ``k`` members hold the theme no sample size is enough, and the tables say so.

Hand checks: p = 0.1, k = 1, probability 0.8 needs 16 interviews (1 - 0.9^16 = 0.815, while 15
give 0.794); k = 2 needs 29. With N = 5 and p = 0.4 (K = 2), k = 1 needs 3 (1 - 1/10 = 0.9; 2 give
1 - 3/10 = 0.7), where the binomial needs 4.

The distributions are scipy's (:data:`scipy.stats.binom`, :data:`scipy.stats.hypergeom`). A
probability is taken to reach the target when it is within :data:`TOLERANCE` of it, so that rounding
in the last digit cannot move a sample size.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ics_leadership.planning import DEFAULT_KS, DEFAULT_PROBABILITY, DEFAULT_SHARES

#: A probability this close below the target counts as reaching it (floating-point rounding only).
TOLERANCE = 1e-12
#: The largest sample size searched (a share of one in a million would need millions).
MAX_INTERVIEWS = 10_000_000

BINOMIAL = "binomial"
HYPERGEOMETRIC = "hypergeometric"

#: What the model assumes, in the words the outputs and captions use.
ASSUMPTIONS = (
    "Interviewees are a random sample of the population (or of the tier) the share refers to; "
    "purposive or snowball recruitment breaks this.",
    "p is the prevalence of a theme being expressed in an interview and recognised in the analysis, "
    "not of the theme being held: a theme people hold but do not voice, or that coding misses, has a lower p.",
    "Interviews are independent and each is a single draw: one interview per person, no follow-up counted twice.",
    "Binomial: the population is large enough to sample with replacement. Hypergeometric: a finite tier "
    "of N people sampled without replacement, floor(p N) of whom express the theme.",
    "Seeing a theme k times says nothing about how well it is understood; the sample size is a planning "
    "estimate, not a guarantee or a substitute for judgement about saturation.",
)

#: The model and its published critiques, cited together wherever it is used.
REFERENCES = (
    "Fugard AJB, Potts HWW (2015). Supporting thinking on sample sizes for thematic analyses: a quantitative "
    "tool. International Journal of Social Research Methodology 18(6):669-684.",
    "Emmel N (2015). Response to Fugard and Potts. International Journal of Social Research Methodology 18(6).",
    "Hammersley M (2015). Response to Fugard and Potts. International Journal of Social Research Methodology 18(6).",
    "Hennink M, Kaiser BN (2022). Sample sizes for saturation in qualitative research: a systematic review of "
    "empirical tests. Social Science & Medicine 292:114523.",
)

#: The critiques in one sentence, for captions and notes.
CRITIQUE = (
    "Responses in the same issue (Emmel 2015; Hammersley 2015) question whether themes can be treated as "
    "countable properties of a population and whether a calculated sample size fits interpretive qualitative "
    "research; Hennink and Kaiser (2022) review empirical tests of how many interviews reach saturation."
)


@dataclass(frozen=True)
class SampleSize:
    """The smallest sample reaching the target, and the probabilities at it and one below.

    ``interviews`` is None when no sample size is enough (a finite tier where fewer than ``k``
    members express the theme).
    """

    share: float
    k: int
    probability: float
    model: str
    population: int | None
    holders: int | None  # members of a finite population who express the theme (hypergeometric only)
    interviews: int | None
    reached: float | None  # P(X >= k) with ``interviews``
    one_fewer: float | None  # P(X >= k) with one interview fewer


def check_share(share: float, what: str = "share") -> float:
    """``share`` as a float, or ValueError: a share of the population is above 0 and at most 1."""
    value = float(share)
    if not 0 < value <= 1 or math.isnan(value):
        raise ValueError(f"a {what} of the population must be above 0 and at most 1, got {share:g}")
    return value


def check_k(k: int) -> int:
    """``k`` as an int, or ValueError: a theme is seen at least once."""
    if int(k) != k or k < 1:
        raise ValueError(f"k (times the theme is seen) must be a whole number of at least 1, got {k}")
    return int(k)


def check_probability(probability: float) -> float:
    """``probability`` as a float, or ValueError: strictly between 0 and 1."""
    value = float(probability)
    if not 0 < value < 1 or math.isnan(value):
        raise ValueError(f"the probability must be above 0 and below 1, got {probability:g}")
    return value


def check_population(population: int | None) -> int | None:
    """``population`` as an int (None: unlimited, the binomial), or ValueError."""
    if population is None:
        return None
    if int(population) != population or population < 1:
        raise ValueError(f"a population must be a whole number of at least 1, got {population}")
    return int(population)


def holders(share: float, population: int) -> int:
    """Members of a population of ``population`` who express a theme of share ``share``: floor(p N).

    Rounding down is the cautious reading (never more holders than the share says); the small
    allowance keeps 0.3 x 10 at 3 despite floating point.
    """
    return int(math.floor(share * population + 1e-9))


def probability_at_least(
    n: int | np.ndarray, share: float, k: int, population: int | None = None
) -> float | np.ndarray:
    """P(X >= k) for ``n`` interviews: binomial, or hypergeometric when ``population`` is given.

    Examples
    --------
    >>> round(float(probability_at_least(16, 0.1, 1)), 3), round(float(probability_at_least(15, 0.1, 1)), 3)
    (0.815, 0.794)
    >>> round(float(probability_at_least(3, 0.4, 1, population=5)), 3)
    0.9
    """
    # Imported on first use: scipy and statsmodels take ~0.4 s to load, which `summarise` then
    # pays after its work is split over two cores, not before.
    from scipy import stats

    if population is None:
        return stats.binom.sf(k - 1, n, share)
    return stats.hypergeom.sf(k - 1, population, holders(share, population), n)


def sample_size(
    share: float, k: int = 1, probability: float = DEFAULT_PROBABILITY, population: int | None = None
) -> SampleSize:
    """The smallest number of interviews seeing a theme of share ``share`` at least ``k`` times.

    Parameters
    ----------
    share
        p, the share of the population (or tier) expressing the theme: above 0, at most 1.
    k
        How many interviewees must express it (at least 1).
    probability
        The chance of that required (strictly between 0 and 1), e.g. 0.8.
    population
        N, the size of a finite population sampled without replacement (hypergeometric); None for
        the binomial model of Fugard and Potts.

    Raises
    ------
    ValueError
        A share, k, probability or population out of range.

    Examples
    --------
    >>> sample_size(0.1, 1, 0.8).interviews, sample_size(0.1, 2, 0.8).interviews
    (16, 29)
    >>> sample_size(0.4, 1, 0.8, population=5).interviews
    3
    """
    share, k, probability = check_share(share), check_k(k), check_probability(probability)
    population = check_population(population)
    if population is None:
        n = _binomial_search(share, k, probability)
        return _result(share, k, probability, None, None, n)
    held = holders(share, population)
    if held < k:  # no sample, even the whole tier, shows k holders
        return SampleSize(share, k, probability, HYPERGEOMETRIC, population, held, None, None, None)
    sizes = np.arange(k, population + 1)
    reached = probability_at_least(sizes, share, k, population) >= probability - TOLERANCE
    return _result(share, k, probability, population, held, int(sizes[np.argmax(reached)]))


def _binomial_search(share: float, k: int, probability: float) -> int:
    """Smallest n with P(Bin(n, p) >= k) >= probability: doubling, then bisection (P grows with n)."""

    def enough(n: int) -> bool:
        return bool(probability_at_least(n, share, k) >= probability - TOLERANCE)

    low, high = k - 1, k  # enough(low) is False (fewer than k interviews cannot show k)
    while not enough(high):
        low, high = high, high * 2
        if high > MAX_INTERVIEWS:
            raise ValueError(
                f"a share of {share:g} needs more than {MAX_INTERVIEWS:,} interviews to be seen {k} time(s)"
            )
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if enough(middle) else (middle, high)
    return high


def _result(share: float, k: int, probability: float, population: int | None, held: int | None, n: int) -> SampleSize:
    return SampleSize(
        share=share,
        k=k,
        probability=probability,
        model=BINOMIAL if population is None else HYPERGEOMETRIC,
        population=population,
        holders=held,
        interviews=n,
        reached=float(probability_at_least(n, share, k, population)),
        one_fewer=float(probability_at_least(n - 1, share, k, population)) if n > 0 else None,
    )


def sample_size_table(
    shares: Sequence[float] = DEFAULT_SHARES,
    ks: Sequence[int] = DEFAULT_KS,
    probability: float = DEFAULT_PROBABILITY,
    population: int | None = None,
) -> pd.DataFrame:
    """Interviews needed for every share and k: one row each (tidy).

    Columns: ``share``, ``k``, ``probability`` (the target), ``model``, ``population``, ``holders``,
    ``interviews`` (blank: not reachable), ``probability_reached`` (with those interviews) and
    ``probability_one_fewer`` (with one fewer, which falls short: the hand check).
    """
    rows = [_row(sample_size(p, k, probability, population)) for k in ks for p in shares]
    return _frame(rows)


def _row(s: SampleSize) -> dict[str, object]:
    return {
        "share": s.share,
        "k": s.k,
        "probability": s.probability,
        "model": s.model,
        "population": s.population,
        "holders": s.holders,
        "interviews": s.interviews,
        "probability_reached": s.reached,
        "probability_one_fewer": s.one_fewer,
    }


def _frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    for column in ("population", "holders", "interviews", "planned", "needed"):
        if column in frame:
            frame[column] = frame[column].astype("Int64")
    return frame


def tier_table(
    planned: Mapping[str, int],
    shares: Sequence[float] = DEFAULT_SHARES,
    ks: Sequence[int] = DEFAULT_KS,
    probability: float = DEFAULT_PROBABILITY,
    populations: Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """For each tier of a design: interviews needed, and the chance the planned ones see the theme.

    Parameters
    ----------
    planned
        Interviewees planned per tier, in the order to list them (a design's
        :meth:`~ics_leadership.planning.frame.Design.by_tier`).
    populations
        N per tier, for the tiers that are small and finite (hypergeometric); the others are binomial.

    Returns
    -------
    pandas.DataFrame
        One row per tier, k and share: ``tier``, ``planned``, ``model``, ``population``, ``holders``,
        ``share``, ``k``, ``probability`` (the target), ``needed`` (blank: not reachable),
        ``probability_planned`` (P(X >= k) with the planned interviews) and ``enough``.

    Raises
    ------
    ValueError
        A tier with no one planned, a population for a tier not in ``planned`` or smaller than what
        is planned, or a share, k or probability out of range.
    """
    populations = dict(populations or {})
    unknown = [t for t in populations if t not in planned]
    if unknown:
        raise ValueError(
            f"a population was given for tier(s) {', '.join(repr(t) for t in unknown)}, in which the design "
            f"plans no one (its tiers: {', '.join(repr(t) for t in planned)})"
        )
    rows = []
    for tier, n in planned.items():
        if n < 1:
            raise ValueError(f"tier {tier!r} plans no one: a tier of the design needs at least one interviewee")
        population = check_population(populations.get(tier))
        if population is not None and population < n:
            raise ValueError(f"tier {tier!r} plans {n} interviews but its population is {population}")
        for k in ks:
            for share in shares:
                s = sample_size(share, k, probability, population)
                chance = float(probability_at_least(n, s.share, s.k, population))
                rows.append(
                    {
                        "tier": tier,
                        "planned": n,
                        "model": s.model,
                        "population": s.population,
                        "holders": s.holders,
                        "share": s.share,
                        "k": s.k,
                        "probability": s.probability,
                        "needed": s.interviews,
                        "probability_planned": chance,
                        "enough": chance >= s.probability - TOLERANCE,
                    }
                )
    return _frame(rows)


def curve(
    shares: Sequence[float] | np.ndarray,
    ks: Sequence[int] = DEFAULT_KS,
    probability: float = DEFAULT_PROBABILITY,
    population: int | None = None,
) -> pd.DataFrame:
    """Interviews needed over a fine grid of shares (for a figure): ``share``, ``k``, ``interviews``."""
    table = sample_size_table([float(s) for s in shares], ks, probability, population)
    return table[["share", "k", "interviews"]]
