"""Figures and tables for pages: accessible styles, the coding and model figures, captioned tables.

Modules: :mod:`.style` (palette, print sizes, the synthetic-data label, shared plot helpers),
:mod:`.tables` (captioned tables and figures for pages, how a notebook shows them, and the mark
of outputs shown from synthetic data),
:mod:`.canvas` (a drawing surface measured in inches), :mod:`.layering` (Figure 1's box order),
:mod:`.model` (Figure 1), :mod:`.concentration` (where the paper places each contribution),
:mod:`.sample` (the sample page's figures), :mod:`.coding` (the theme coding page's figures and
tables), :mod:`.model_page` and :mod:`.contribution` (the model page's, its weights page's and a contribution
page's captioned figures and tables), :mod:`.data_dictionary` (the data page's dictionary of the YAML
formats, from their schemas).
The names of :mod:`.style` are also importable from here, as they were when this was one module
(``ics_leadership.figures``), for one release.
"""

from ics_leadership.figures.style import *  # noqa: F401,F403  (the old module's names)
from ics_leadership.figures.style import OKABE_ITO, PRINT_WIDTH_IN, SYNTHETIC_LABEL  # noqa: F401
