"""Research compendium for Waring et al. (2023), *What can clinical leaders contribute to the
governance of integrated care systems?* BMJ Leader 7(4):279-284.

Three products in one package, in subpackages whose imports run one way (checked by the
import-linter contracts in ``pyproject.toml``; docs/ARCHITECTURE.md draws them):

- :mod:`ics_leadership.core`     paths, errors, safe publishing of outputs, the manifest, tables and YAML
- :mod:`ics_leadership.coding`   the toolkit for coded qualitative data: the canonical format, mappings,
  prevalence, association, agreement, co-occurrence, saturation, the synthetic generator, summaries
- :mod:`ics_leadership.qda`      importers from QDA tools (REFI-QDA, QualCoder, Taguette, CSV) into the
  canonical format; the codebook exporter
- :mod:`ics_leadership.facts`    the paper as data: study facts, Table 1, codebook, conceptual model, claims
  and their evaluation, COREQ, consistency checks
- :mod:`ics_leadership.figures`  figures and captioned tables for the book's pages
- :mod:`ics_leadership.publish`  the notebook pipeline, the book, the PDF, reproducible builds, the colophon
- :mod:`ics_leadership.cli`      the ``ics-leadership`` command, composing the above

The flat module names of earlier releases (``ics_leadership.model``, ``ics_leadership.display``, ...)
still import, as aliases of their new homes, for one release: see ``MOVED``.
"""

__version__ = "0.1.0"

#: Old module name -> its new home (the aliases at the old paths go in the next release).
MOVED = {
    "paths": "core.paths",
    "errors": "core.errors",
    "outputs": "core.outputs",
    "manifest": "core.manifest",
    "derived": "core.derived",
    "csvio": "core.csvio",
    "csvformat": "core.csvformat",
    "schema": "core.schema",
    "coded": "coding.coded",
    "codepath": "coding.codepath",
    "mapping": "coding.mapping",
    "prevalence": "coding.prevalence",
    "association": "coding.association",
    "agreement": "coding.agreement",
    "cooccurrence": "coding.cooccurrence",
    "saturation": "coding.saturation",
    "synthetic": "facts.demo_corpus",
    "summarise": "coding.summarise",
    "raw": "facts.raw",
    "sample": "facts.sample",
    "codebook": "facts.codebook",
    "model": "facts.model",
    "claims": "facts.claims",
    "consistency": "facts.consistency",
    "reporting": "facts.coreq",
    "figures": "figures.style",
    "coding_figures": "figures.coding",
    "model_figure": "figures.model",
    "display": "figures.tables",
    "pipeline": "publish.pipeline",
    "buildguard": "publish.buildguard",
    "reproducible": "publish.reproducible",
    "pdf": "publish.pdf",
    "colophon": "publish.colophon",
}
