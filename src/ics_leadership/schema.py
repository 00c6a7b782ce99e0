"""Moved to :mod:`ics_leadership.core.schema`; this alias keeps old imports working for one release."""

import sys

from ics_leadership.core import schema as _moved

sys.modules[__name__] = _moved
