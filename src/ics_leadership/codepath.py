"""Moved to :mod:`ics_leadership.coding.codepath`; this alias keeps old imports working for one release."""

import sys

from ics_leadership.coding import codepath as _moved

sys.modules[__name__] = _moved
