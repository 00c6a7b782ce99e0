"""Moved to :mod:`ics_leadership.figures.tables`; this alias keeps old imports working for one release."""

import sys

from ics_leadership.figures import tables as _moved

sys.modules[__name__] = _moved
