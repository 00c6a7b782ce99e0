"""Moved to :mod:`ics_leadership.core.derived`; this alias keeps old imports working for one release."""

import sys

from ics_leadership.core import derived as _moved

sys.modules[__name__] = _moved
