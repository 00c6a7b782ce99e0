"""Moved to :mod:`ics_leadership.coding.coded`; this alias keeps old imports working for one release."""

import sys

from ics_leadership.coding import coded as _moved

sys.modules[__name__] = _moved
