"""Moved to :mod:`ics_leadership.coding.synthetic`; this alias keeps old imports working for one release."""

import sys

from ics_leadership.coding import synthetic as _moved

sys.modules[__name__] = _moved
