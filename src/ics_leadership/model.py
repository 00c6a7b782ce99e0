"""Moved to :mod:`ics_leadership.facts.model`; this alias keeps old imports working for one release."""

import sys

from ics_leadership.facts import model as _moved

sys.modules[__name__] = _moved
