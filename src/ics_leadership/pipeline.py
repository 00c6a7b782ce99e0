"""Moved to :mod:`ics_leadership.publish.pipeline`; this alias keeps old imports working for one release."""

import sys

from ics_leadership.publish import pipeline as _moved

sys.modules[__name__] = _moved
