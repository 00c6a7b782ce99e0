"""Moved to :mod:`ics_leadership.coding.association`; this alias keeps old imports working for one release."""

import sys

from ics_leadership.coding import association as _moved

sys.modules[__name__] = _moved
