"""Figures and tables for pages: accessible styles, the coding and model figures, captioned tables.

Modules: :mod:`.style` (palette, print sizes, the synthetic-data label, shared plot helpers),
:mod:`.coding` (theme coding figures), :mod:`.model` (Figure 1 and concentration charts), :mod:`.sample`
(the sample page's composition and observation figures), :mod:`.tables` (captioned tables for pages).
The names of :mod:`.style` are also importable from here, as they were when this was one module
(``ics_leadership.figures``), for one release.
"""

from ics_leadership.figures.style import *  # noqa: F401,F403  (the old module's names)
from ics_leadership.figures.style import OKABE_ITO, PRINT_WIDTH_IN, SYNTHETIC_LABEL  # noqa: F401
