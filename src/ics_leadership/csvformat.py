"""Moved to :mod:`ics_leadership.core.csvformat`; this alias keeps old imports working for one release."""

import sys

from ics_leadership.core import csvformat as _moved

sys.modules[__name__] = _moved
