"""Moved to :mod:`ics_leadership.core.outputs`; this alias keeps old imports working for one release."""

import sys

from ics_leadership.core import outputs as _moved

sys.modules[__name__] = _moved
