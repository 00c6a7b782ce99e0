"""Moved to :mod:`ics_leadership.core.csvio`; this alias keeps old imports working for one release."""

import sys

from ics_leadership.core import csvio as _moved

sys.modules[__name__] = _moved
