"""Moved to :mod:`ics_leadership.publish.colophon`; this alias keeps old imports working for one release."""

import sys

from ics_leadership.publish import colophon as _moved

sys.modules[__name__] = _moved
