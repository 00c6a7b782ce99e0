"""Planning a qualitative study: how many interviews, at which tiers, and what a pilot says.

Generic tools that know nothing of the paper (its design, read from ``data/raw``, is given to them
by :mod:`ics_leadership.facts.sample` and the command line):

- :mod:`~ics_leadership.planning.sample_size`: interviews needed to see a theme held by a share of
  the population at least k times (Fugard and Potts 2015), with the hypergeometric model for a small
  finite tier;
- :mod:`~ics_leadership.planning.unseen`: how many themes a pilot has not seen yet, from
  theme-by-interview incidence (Chao2, iChao2);
- :mod:`~ics_leadership.planning.pilot`: both of those and the saturation assessment of Guest,
  Namey and Chen (2020) on a folder of canonical coded data;
- :mod:`~ics_leadership.planning.frame`: the sampling frame (a CSV a team fills in: site, tier,
  role, profession, follow-up, stage) and the design it describes;
- :mod:`~ics_leadership.planning.report` and :mod:`~ics_leadership.planning.cli`: the files and
  the ``ics-leadership plan`` subcommands.

Every number is a planning estimate under stated assumptions, not a claim about a study.
"""

# The sample-size tables' defaults live here, not in sample_size (which re-exports them), so that
# the command line's parser can show them without loading numpy and pandas for every command.
#: Shares, counts and probability the tables use unless told otherwise.
DEFAULT_SHARES = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5)
DEFAULT_KS = (1, 2, 3)
DEFAULT_PROBABILITY = 0.8
