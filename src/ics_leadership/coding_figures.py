"""Moved to :mod:`ics_leadership.figures.coding`; this alias keeps old imports working for one release."""

import sys

from ics_leadership.figures import coding as _moved

sys.modules[__name__] = _moved
