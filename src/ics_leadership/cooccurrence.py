"""Moved to :mod:`ics_leadership.coding.cooccurrence`; this alias keeps old imports working for one release."""

import sys

from ics_leadership.coding import cooccurrence as _moved

sys.modules[__name__] = _moved
