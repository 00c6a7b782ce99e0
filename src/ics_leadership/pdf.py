"""Moved to :mod:`ics_leadership.publish.pdf`; this alias keeps old imports working for one release."""

import sys

from ics_leadership.publish import pdf as _moved

sys.modules[__name__] = _moved
