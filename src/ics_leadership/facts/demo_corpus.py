"""The paper's synthetic demonstration corpus: the generic generator fed from ``data/raw``.

:mod:`ics_leadership.coding.synthetic` generates coded data from a study's shape, a codebook and
stated assumptions, taken as arguments. This module reads them for this paper (the Table 1 roster,
the non-clinical leaders and observed meetings of ``study.yaml``, the hours of ``observations.csv``,
``codebook.yaml`` and ``synthetic_assumptions.yaml``) and calls it. The ``synthesise`` command and
notebook 02 use :func:`write`; the old import path ``ics_leadership.synthetic`` leads here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ics_leadership.coding import synthetic
from ics_leadership.coding.synthetic import (  # noqa: F401  (KIND, Assumptions: for the old import path)
    ASSUMPTIONS_FILE,
    KIND,
    Assumptions,
    StudyShape,
    check_out,
    load_assumptions,
)
from ics_leadership.core import paths
from ics_leadership.facts.codebook import CODEBOOK_FILE, load_codebook
from ics_leadership.facts.raw import RawData, load_raw


def study_shape(raw: RawData) -> StudyShape:
    """The study's shape as the generator takes it, from the validated raw data."""
    return StudyShape(
        participants=raw.participants,
        non_clinical=int(raw.study["non_clinical_leaders"].reports[0].value),
        meetings=int(raw.study["meetings_observed"].reports[0].value),
        hours=dict(zip(raw.observations["site"], raw.observations["hours"].astype(float))),
    )


def inputs(raw_dir: Path | str | None = None) -> dict[str, Any]:
    """The generator's inputs read from ``raw_dir`` (default: ``data/raw``): study, codebook, assumptions."""
    raw_dir = Path(raw_dir) if raw_dir is not None else paths.raw_dir()
    return {
        "study": study_shape(load_raw(raw_dir)),
        "codebook": load_codebook(raw_dir / CODEBOOK_FILE),
        "assumptions": load_assumptions(raw_dir / ASSUMPTIONS_FILE),
    }


def generate(
    seed: int | None = None,
    double_coded_share: float | None = None,
    agreement: float | None = None,
    raw_dir: Path | str | None = None,
) -> dict[str, pd.DataFrame | dict]:
    """The paper's synthetic corpus in memory (see :func:`ics_leadership.coding.synthetic.generate`)."""
    return synthetic.generate(**inputs(raw_dir), seed=seed, double_coded_share=double_coded_share, agreement=agreement)


def write(out_dir: Path | str, force: bool = False, raw_dir: Path | str | None = None, **kwargs: Any) -> Path:
    """Write the paper's synthetic corpus into the new folder ``out_dir``.

    ``out_dir`` is checked first (new or empty; ``force`` replaces only an earlier corpus), then
    ``raw_dir`` (default ``data/raw``) is read. Other keyword arguments (``seed``,
    ``double_coded_share``, ``agreement``) go to :func:`ics_leadership.coding.synthetic.generate`.
    """
    check_out(out_dir, force)
    return synthetic.write(out_dir, force=force, **inputs(raw_dir), **kwargs)
