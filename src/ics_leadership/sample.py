"""Moved to :mod:`ics_leadership.facts.sample`; this alias keeps old imports working for one release."""

import sys

from ics_leadership.facts import sample as _moved

sys.modules[__name__] = _moved
