"""Moved to :mod:`ics_leadership.coding.agreement`; this alias keeps old imports working for one release."""

import sys

from ics_leadership.coding import agreement as _moved

sys.modules[__name__] = _moved
