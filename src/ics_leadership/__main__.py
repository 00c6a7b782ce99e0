"""Allow ``python -m ics_leadership``."""

from ics_leadership.cli import main

raise SystemExit(main())
