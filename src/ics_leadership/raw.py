"""Moved to :mod:`ics_leadership.facts.raw`; this alias keeps old imports working for one release."""

import sys

from ics_leadership.facts import raw as _moved

sys.modules[__name__] = _moved
