"""Moved to :mod:`ics_leadership.facts.codebook`; this alias keeps old imports working for one release."""

import sys

from ics_leadership.facts import codebook as _moved

sys.modules[__name__] = _moved
