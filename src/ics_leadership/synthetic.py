"""Moved to :mod:`ics_leadership.facts.demo_corpus` (the paper's corpus: ``generate``, ``write``, ...),
which feeds the generic generator :mod:`ics_leadership.coding.synthetic`; this alias keeps old imports
working for one release."""

import sys

from ics_leadership.facts import demo_corpus as _moved

sys.modules[__name__] = _moved
