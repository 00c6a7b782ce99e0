"""Publishing: the notebook pipeline, the book, the PDF, reproducibility and the colophon.

- :mod:`~ics_leadership.publish.pipeline`      the order of work: check raw data, execute notebooks, build the book
- :mod:`~ics_leadership.publish.config`        ``pipeline.yaml``: which notebooks, in which order, with which parameters
- :mod:`~ics_leadership.publish.steps`         a declared step: notebook or command, parameters, reads, writes
- :mod:`~ics_leadership.publish.graph`         the order of steps, from their reads and writes; cycles, double writers
- :mod:`~ics_leadership.publish.buildstate`    what the last build depended on: run, re-render or skip a step
- :mod:`~ics_leadership.publish.hashing`       content hashes of files, folders, the package source, notebooks' cells
- :mod:`~ics_leadership.publish.mdrender`      a markdown-only change put into the executed copy without a kernel
- :mod:`~ics_leadership.publish.execute`       one notebook executed with papermill, its copy finished with nbformat
- :mod:`~ics_leadership.publish.book`          the HTML book built from staged sources and swapped into place
- :mod:`~ics_leadership.publish.jupyterbook`   the one Jupyter Book runner (HTML book and the PDF's single page)
- :mod:`~ics_leadership.publish.pdf`           the whole report as one PDF, from
  :mod:`~ics_leadership.publish.pdfpages` (chapters, one-page render, title page) and
  :mod:`~ics_leadership.publish.chromium` (headless printing, offline)
- :mod:`~ics_leadership.publish.demonstration` pages showing synthetic data, found from their outputs; their badge
- :mod:`~ics_leadership.publish.buildguard`    the build lock, leftovers of killed builds, child processes
- :mod:`~ics_leadership.publish.reproducible`  the same bytes on every build, no machine paths in outputs
- :mod:`~ics_leadership.publish.colophon`      the commit and date built, package versions
"""
