"""Research compendium for Waring et al. (2023), *What can clinical leaders contribute to the
governance of integrated care systems?* BMJ Leader 7(4):279-284.

One module per concern:

- :mod:`~ics_leadership.paths`        where the compendium's folders are
- :mod:`~ics_leadership.errors`       the exceptions a user can act on
- :mod:`~ics_leadership.schema`       declared columns of the raw tables; row/field validation
- :mod:`~ics_leadership.codepath`     code paths: levels joined with "/", escapes inside a name
- :mod:`~ics_leadership.csvformat`    the coded-data format version; spreadsheet-safe CSV cells
- :mod:`~ics_leadership.raw`          loading and validating ``data/raw``
- :mod:`~ics_leadership.manifest`     SHA-256 manifest of ``data/raw``
- :mod:`~ics_leadership.sample`       Table 1 and the sample's composition
- :mod:`~ics_leadership.consistency`  the paper's stated numbers against each other and the data
- :mod:`~ics_leadership.model`        the conceptual model (Figure 1) as data; link weights from coded data
- :mod:`~ics_leadership.model_figure` drawing the model and where each contribution concentrates
- :mod:`~ics_leadership.figures`      accessible, deterministic figures
- :mod:`~ics_leadership.derived`      deterministic, atomic writing of ``data/derived``
- :mod:`~ics_leadership.pipeline`     running the notebooks with papermill and building the book
- :mod:`~ics_leadership.colophon`     what built the book
- :mod:`~ics_leadership.qda`          importing coded data from QDA tools; exporting the codebook (.qdc)
- :mod:`~ics_leadership.pdf`          the whole report as one PDF (headless chromium)
- :mod:`~ics_leadership.cli`          the ``ics-leadership`` command
"""

__version__ = "0.1.0"
