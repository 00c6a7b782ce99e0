"""Moved to :mod:`ics_leadership.core.paths`; this alias keeps old imports working for one release."""

import sys

from ics_leadership.core import paths as _moved

sys.modules[__name__] = _moved
