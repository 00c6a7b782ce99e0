"""Moved to :mod:`ics_leadership.facts.consistency`; this alias keeps old imports working for one release."""

import sys

from ics_leadership.facts import consistency as _moved

sys.modules[__name__] = _moved
