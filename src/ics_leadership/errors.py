"""Moved to :mod:`ics_leadership.core.errors`; this alias keeps old imports working for one release."""

import sys

from ics_leadership.core import errors as _moved

sys.modules[__name__] = _moved
