"""How many themes a pilot has not seen yet: Chao2 and iChao2 from theme-by-interview incidence.

The data are incidence: for each of ``m`` sampling units (interviewees) the set of themes coded in
what they said. ``Q_j`` is the number of themes found in exactly ``j`` units, ``S_obs`` the number
found at all. Themes seen in one unit only (``Q1``) against those seen in two (``Q2``) say how many
remain unseen: if many themes are still singletons, more are waiting.

Chao2 (Chao 1987; the incidence form as in Chiu et al. 2014), with ``A = (m - 1) / m``:

- ``Q1 > 0`` and ``Q2 > 0``: S = S_obs + A Q1^2 / (2 Q2);
- ``Q2 = 0`` and ``Q1 > 1``, the bias-corrected form: S = S_obs + A Q1 (Q1 - 1) / (2 (Q2 + 1));
- otherwise (no singletons, or one and no doubletons): S = S_obs.

Its variance and the 95% interval follow Chao's SpadeR: for the first case
var = Q2 (A r^2 / 2 + A^2 r^3 + A^2 r^4 / 4) with r = Q1 / Q2; for the second
var = A Q1 (Q1 - 1) / 2 + A^2 Q1 (2 Q1 - 1)^2 / 4 - A^2 Q1^4 / (4 S); the interval is log-normal
for the unseen part f0 = S - S_obs: [S_obs + f0 / C, S_obs + f0 C] with
C = exp(z sqrt(ln(1 + var / f0^2))), so it never falls below S_obs. With f0 = 0 (third case) the
interval is SpadeR's for the observed richness: with P = sum_i Q_i e^(-i) / S_obs and
var_obs = sum_i Q_i (e^(-i) - e^(-2i)) - (sum_i i e^(-i) Q_i)^2 / m, it is
[max(S_obs, S_obs / (1 - P) - z sqrt(var_obs) / (1 - P)), S_obs / (1 - P) + z sqrt(var_obs) / (1 - P)].

iChao2 (Chiu, Wang, Walther and Chao 2014, *Biometrics* 70(3):671-682) adds what themes seen in
three and four units say about the unseen:
S_iChao2 = S_Chao2 + ((m - 3) / (4 m)) (Q3 / Q4) max(Q1 - ((m - 3) / (2 (m - 1))) Q2 Q3 / Q4, 0),
with Q4 replaced by 1 when it is 0 (as SpadeR does). With three units or fewer it equals Chao2.
Its interval is not computed here.

Assumptions (:data:`ASSUMPTIONS`): the units are a random sample from one population of potential
interviewees; a theme's chance of being coded may differ between themes (unlike the model of Lowe
et al. 2018, *Field Methods* 30(3):191-207, which assumes all themes equally likely) but not between
units; the set of themes is fixed while sampling (a changing interview guide breaks this); and
coding is consistent. Chao2 is a lower bound: with few units and many singletons the true number
can be far higher, and the interval is wide. Tran et al. (2017, *J Clin Epidemiol* 82:71-78)
applied such models from ecology to predict data saturation in qualitative surveys.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

ASSUMPTIONS = (
    "The interviewees are a random sample from one population of potential interviewees, each interview "
    "an independent draw.",
    "Themes may differ in how likely they are to be coded (unlike the model of Lowe et al. 2018, which assumes "
    "all themes equally likely), but every interviewee is equally likely to express a given theme.",
    "The set of themes is fixed while sampling (a changing interview guide or codebook breaks this), and coding "
    "is consistent from interview to interview.",
    "Chao2 and iChao2 are lower bounds for the number of themes: with few interviews and many themes seen only "
    "once the true number can be far higher, and the interval is wide.",
)

REFERENCES = (
    "Chao A (1987). Estimating the population size for capture-recapture data with unequal catchability. "
    "Biometrics 43(4):783-791.",
    "Chiu C-H, Wang Y-T, Walther BA, Chao A (2014). An improved nonparametric lower bound of species richness "
    "via a modified Good-Turing frequency formula. Biometrics 70(3):671-682.",
    "Lowe A, Norris AC, Farris AJ, Babbage DR (2018). Quantifying thematic saturation in qualitative data "
    "analysis. Field Methods 30(3):191-207.",
    "Tran V-T, Porcher R, Tran V-C, Ravaud P (2017). Predicting data saturation in qualitative surveys with "
    "mathematical models from ecological research. Journal of Clinical Epidemiology 82:71-78.",
)


@dataclass(frozen=True)
class Incidence:
    """Frequency counts of incidence data: ``units`` (m), and ``counts[j]`` = Q_j for j = 1..m."""

    units: int
    counts: tuple[int, ...]  # Q_1, Q_2, ..., Q_m

    def q(self, j: int) -> int:
        """Q_j: themes found in exactly ``j`` units (0 beyond m)."""
        return self.counts[j - 1] if 1 <= j <= len(self.counts) else 0

    @property
    def observed(self) -> int:
        """S_obs: themes found in at least one unit."""
        return int(sum(self.counts))


@dataclass(frozen=True)
class Estimate:
    """An estimate of the number of themes, with its unseen part, standard error and 95% interval."""

    estimator: str
    form: str
    observed: int
    estimate: float
    se: float | None
    lower: float | None
    upper: float | None

    @property
    def unseen(self) -> float:
        return self.estimate - self.observed


def incidence(units: Sequence[Iterable[str]]) -> Incidence:
    """Frequency counts from the themes of each unit (the same theme twice in one unit counts once).

    Examples
    --------
    >>> inc = incidence([{"a", "b"}, {"a", "c"}, {"a"}])
    >>> inc.units, inc.counts, inc.observed
    (3, (2, 0, 1), 3)
    """
    seen: dict[str, int] = {}
    for themes in units:
        for theme in set(themes):
            seen[theme] = seen.get(theme, 0) + 1
    return from_theme_counts(list(seen.values()), len(units))


def from_theme_counts(in_units: Sequence[int] | np.ndarray, units: int) -> Incidence:
    """Frequency counts from the number of units each observed theme was found in."""
    found = np.asarray(in_units, dtype=np.int64)
    if units < 0 or (found.size and (found.min() < 1 or found.max() > units)):
        raise ValueError(f"each theme must be found in between 1 and {units} units")
    counts = np.bincount(found, minlength=units + 1)[1 : units + 1]
    return Incidence(units=int(units), counts=tuple(int(c) for c in counts))


def _check(inc: Incidence) -> None:
    if inc.units < 2:
        raise ValueError(
            f"estimating unseen themes needs at least 2 interviews (units), got {inc.units}: "
            "with one, every theme is seen once and nothing can be said about the unseen"
        )


def chao2(inc: Incidence, confidence: float = 0.95) -> Estimate:
    """Chao2 (bias-corrected when Q2 = 0), its standard error and log-normal interval (module docstring).

    Examples
    --------
    >>> e = chao2(Incidence(units=5, counts=(4, 2, 1, 1, 0)))
    >>> e.form, round(e.estimate, 4)
    ('classic', 11.2)
    """
    _check(inc)
    m, observed = inc.units, inc.observed
    q1, q2 = inc.q(1), inc.q(2)
    a = (m - 1) / m
    z = float(stats.norm.ppf(1 - (1 - confidence) / 2))
    if q1 > 0 and q2 > 0:
        form = "classic"
        unseen = a * q1**2 / (2 * q2)
        r = q1 / q2
        var = q2 * (a * r**2 / 2 + a**2 * r**3 + a**2 * r**4 / 4)
    elif q1 > 1 and q2 == 0:
        form = "bias-corrected (Q2 = 0)"
        unseen = a * q1 * (q1 - 1) / 2
        estimate = observed + unseen
        var = a * q1 * (q1 - 1) / 2 + a**2 * q1 * (2 * q1 - 1) ** 2 / 4 - a**2 * q1**4 / (4 * estimate)
    else:
        form = "no themes seen once" if q1 == 0 else "one theme seen once, none twice"
        lower, upper, se = _observed_interval(inc, z)
        return Estimate("Chao2", form, observed, float(observed), se, lower, upper)
    estimate = observed + unseen
    var = max(var, 0.0)
    factor = math.exp(z * math.sqrt(math.log(1 + var / unseen**2)))
    return Estimate(
        "Chao2", form, observed, estimate, math.sqrt(var), observed + unseen / factor, observed + unseen * factor
    )


def _observed_interval(inc: Incidence, z: float) -> tuple[float, float, float]:
    """SpadeR's interval when nothing is estimated unseen (module docstring); returns lower, upper, se."""
    j = np.arange(1, len(inc.counts) + 1, dtype=float)
    q = np.asarray(inc.counts, dtype=float)
    observed = inc.observed
    var = float(np.sum(q * (np.exp(-j) - np.exp(-2 * j))) - np.sum(j * np.exp(-j) * q) ** 2 / inc.units)
    var = max(var, 0.0)
    p = float(np.sum(q * np.exp(-j)) / observed) if observed else 0.0
    half = z * math.sqrt(var) / (1 - p)
    return max(observed, observed / (1 - p) - half), observed / (1 - p) + half, math.sqrt(var)


def ichao2(inc: Incidence) -> Estimate:
    """iChao2 (Chiu et al. 2014): Chao2 plus what Q3 and Q4 add (module docstring); no interval.

    Examples
    --------
    >>> round(ichao2(Incidence(units=5, counts=(4, 2, 1, 1, 0))).estimate, 4)
    11.55
    """
    base = chao2(inc)
    m = inc.units
    q1, q2, q3, q4 = inc.q(1), inc.q(2), inc.q(3), inc.q(4)
    q4 = q4 if q4 > 0 else 1  # SpadeR's replacement of an empty Q4
    extra = 0.0
    if m > 3:  # the factor (m - 3) is 0 at m = 3 (and Q3 is 0 below)
        extra = (m - 3) / (4 * m) * q3 / q4 * max(q1 - (m - 3) / (2 * (m - 1)) * q2 * q3 / q4, 0.0)
    return Estimate("iChao2", base.form, base.observed, base.estimate + extra, None, None, None)


def estimates_table(inc: Incidence, confidence: float = 0.95) -> pd.DataFrame:
    """Observed, Chao2 and iChao2 in one table, with m, S_obs and Q1-Q4 on every row."""
    rows = []
    for e in (chao2(inc, confidence), ichao2(inc)):
        rows.append(
            {
                "estimator": e.estimator,
                "form": e.form,
                "interviewees": inc.units,
                "themes_observed": e.observed,
                "Q1": inc.q(1),
                "Q2": inc.q(2),
                "Q3": inc.q(3),
                "Q4": inc.q(4),
                "themes_estimated": e.estimate,
                "themes_unseen": e.unseen,
                "se": e.se,
                f"lower_{round(confidence * 100)}": e.lower,
                f"upper_{round(confidence * 100)}": e.upper,
            }
        )
    return pd.DataFrame(rows)
