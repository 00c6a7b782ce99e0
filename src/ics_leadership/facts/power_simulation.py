"""Simulated coding outcomes of a design, leader by leader and document by document (vectorised).

The synthetic generator (:mod:`ics_leadership.coding.synthetic`) writes whole corpora, spans and
all; to judge a claim only who shows a code, and which documents do, matter. This module draws just
that, for many replicates at once, from the same model (:mod:`ics_leadership.facts.power_design`):
for each leader, whether there is a follow-up, the stage each interview speaks to, and for each code
whether each interview shows it; for the non-clinical interviews and observed meetings, their stage
(and a meeting's level) and whether they show it. ``tests/test_claim_power.py`` checks the draws
against the generator's corpora.

Common random numbers. Every leader's draws come from their own stream, keyed by the seed, the
claim, their tier and their place in it, so that a design with more leaders per tier keeps the
leaders of a smaller one with the same draws and adds new ones. A sample-size search then compares
like with like, and the estimated power rises with n as the true power does, instead of jittering.

:func:`poisson_binomial` gives the exact distribution of the number of leaders who show a code
(independent leaders with unequal chances), for exact enumeration.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ics_leadership.facts.power_design import (
    EARLY,
    FOLLOW_UP,
    INTERVIEW,
    LATER,
    NON_CLINICAL,
    OBSERVATION,
    Design,
    shown,
)
from ics_leadership.facts.vocabulary import LEVELS

#: Per leader and replicate: follow-up, stage of the first interview, stage of the follow-up.
_FIXED_DRAWS = 3


class Draws:
    """Uniform draws per leader slot (tier, place in the tier), made once and kept for a search."""

    def __init__(self, seed: int, stream: int, replicates: int, n_codes: int):
        self.seed, self.stream, self.replicates, self.n_codes = int(seed), int(stream), int(replicates), n_codes
        self._slots: dict[tuple[int, int], np.ndarray] = {}

    def slot(self, tier: int, place: int) -> np.ndarray:
        """The draws of one leader slot: [replicate, draw] (follow-up, two stages, then two per code)."""
        key = (tier, place)
        if key not in self._slots:
            rng = np.random.default_rng([self.seed, self.stream, tier, place])
            self._slots[key] = rng.random((self.replicates, _FIXED_DRAWS + 2 * self.n_codes), dtype=np.float32)
        return self._slots[key]

    def leaders(self, leaders: pd.DataFrame) -> np.ndarray:
        """Draws for every leader of a design, in its row order: [replicate, leader, draw]."""
        tier = pd.Index(LEVELS).get_indexer(leaders["level"])
        place = pd.Series(tier).groupby(tier).cumcount().to_numpy()
        if not len(tier):
            return np.zeros((self.replicates, 0, _FIXED_DRAWS + 2 * self.n_codes), dtype=np.float32)
        return np.stack([self.slot(int(t), int(p)) for t, p in zip(tier, place)], axis=1)

    def others(self, n_documents: int) -> np.ndarray:
        """Draws for the non-clinical interviews and meetings: [replicate, document, (level, stage, show)]."""
        rng = np.random.default_rng([self.seed, self.stream, len(LEVELS)])
        return rng.random((self.replicates, n_documents, 3), dtype=np.float32)


@dataclass(frozen=True)
class LeaderOutcomes:
    """What the draws gave for each replicate and leader: [replicate, leader] and [..., code]."""

    follow_up: np.ndarray
    first_later: np.ndarray
    follow_later: np.ndarray
    first_shows: np.ndarray
    follow_shows: np.ndarray  # False where there is no follow-up

    @property
    def any_shows(self) -> np.ndarray:
        return self.first_shows | self.follow_shows


def leader_outcomes(design: Design, rate: np.ndarray, mult: np.ndarray, u: np.ndarray) -> LeaderOutcomes:
    """Simulate every leader of ``design``: ``rate`` [code, source, level, stage], ``mult`` [code, level,
    stage] (the planted multipliers) and ``u`` from :meth:`Draws.leaders`."""
    n_codes = rate.shape[0]
    lvl = pd.Index(LEVELS).get_indexer(design.leaders["level"])
    follow = u[..., 0] < design.leaders["follow_up"].to_numpy(float)
    first_later = u[..., 1] < design.leaders["later"].to_numpy(float)
    follow_later = u[..., 2] < design.later[FOLLOW_UP]
    q = shown(rate[:, :, lvl, :], mult[:, None, lvl, :])  # [code, source, leader, stage]

    def shows(source: int, later: np.ndarray, draws: np.ndarray) -> np.ndarray:
        chance = np.where(later[..., None], q[:, source, :, LATER].T, q[:, source, :, EARLY].T)
        return draws < chance

    first = shows(INTERVIEW, first_later, u[..., _FIXED_DRAWS : _FIXED_DRAWS + n_codes])
    second = follow[..., None] & shows(FOLLOW_UP, follow_later, u[..., _FIXED_DRAWS + n_codes :])
    return LeaderOutcomes(follow, first_later, follow_later, first, second)


def counts_by_level(design: Design, outcomes: LeaderOutcomes) -> tuple[np.ndarray, np.ndarray]:
    """Leaders showing each code at each level, [replicate, level, code], and leaders per level."""
    lvl = pd.Index(LEVELS).get_indexer(design.leaders["level"])
    onehot = (lvl[:, None] == np.arange(len(LEVELS))[None, :]).astype(np.int64)  # [leader, level]
    k = np.einsum("rlc,lv->rvc", outcomes.any_shows.astype(np.int64), onehot)
    return k, onehot.sum(axis=0)


def documents_by_stage(
    design: Design,
    outcomes: LeaderOutcomes,
    rate: np.ndarray,
    mult: np.ndarray,
    meeting_levels: np.ndarray,
    u: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Documents at each stage and those showing the (single) code: two [replicate, stage] arrays.

    The leaders' interviews and follow-ups come from ``outcomes``; the non-clinical interviews and
    the meetings are drawn here from ``u`` (:meth:`Draws.others`), one code (the first of ``rate``).
    """
    first_at = [~outcomes.first_later, outcomes.first_later]
    follow_at = [outcomes.follow_up & ~outcomes.follow_later, outcomes.follow_up & outcomes.follow_later]
    n = np.stack([first_at[s].sum(1) + follow_at[s].sum(1) for s in (EARLY, LATER)], axis=1)
    k = np.stack(
        [
            (first_at[s] & outcomes.first_shows[..., 0]).sum(1) + (follow_at[s] & outcomes.follow_shows[..., 0]).sum(1)
            for s in (EARLY, LATER)
        ],
        axis=1,
    )
    nc_levels = np.array(
        [i for i, lvl in enumerate(LEVELS) for _ in range(design.non_clinical_levels.get(lvl, 0))], dtype=np.int64
    )
    n_docs = len(nc_levels) + design.meetings
    if n_docs:
        meeting = np.searchsorted(np.cumsum(meeting_levels)[:-1], u[..., 0], side="right")
        is_nc = np.arange(n_docs) < len(nc_levels)
        level = np.where(
            is_nc[None, :], np.concatenate([nc_levels, np.zeros(design.meetings, np.int64)])[None, :], meeting
        )
        p_later = np.where(is_nc, design.later[NON_CLINICAL], design.later[OBSERVATION])
        later = u[..., 1] < p_later
        source = np.where(is_nc, NON_CLINICAL, OBSERVATION)
        q = shown(rate[0], mult[0][None])  # [source, level, stage]
        chance = q[source[None, :], level, np.where(later, LATER, EARLY)]
        show = u[..., 2] < chance
        n = n + np.stack([(~later).sum(1), later.sum(1)], axis=1)
        k = k + np.stack([(~later & show).sum(1), (later & show).sum(1)], axis=1)
    return n, k


def poisson_binomial(chances: np.ndarray) -> np.ndarray:
    """Exact distribution of the number of successes of independent trials with these chances."""
    pmf = np.ones(1)
    for p in np.asarray(chances, dtype=float):
        pmf = np.convolve(pmf, [1.0 - p, p])
    return pmf
