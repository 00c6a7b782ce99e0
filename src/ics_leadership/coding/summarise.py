"""Theme coding summaries: every table of notebook 02, computed in one place.

:func:`summarise` runs the analyses on coded data and returns a :class:`CodingSummary`;
:func:`write_summary` writes its tables as CSV (``ics-leadership summarise``). Each CSV starts with
a ``data_source`` column saying whether the numbers come from the synthetic demonstration corpus,
so a table cannot lose its label when it leaves the book.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ics_leadership.coding import agreement, association, cooccurrence, prevalence, saturation
from ics_leadership.coding.coded import SYNTHETIC_LABEL, CodedData
from ics_leadership.coding.mapping import load_for_analysis
from ics_leadership.core import outputs, paths
from ics_leadership.core.derived import write_csv
from ics_leadership.core.errors import DataValidationError, Problem
from ics_leadership.facts import claims
from ics_leadership.facts.codebook import Codebook, load_codebook

REAL_LABEL = "Real coded data"


@dataclass
class CodingSummary:
    coded: CodedData
    codebook: Codebook
    coder: str
    codings: pd.DataFrame  # the primary coder's codings with attributes
    frequencies: pd.DataFrame
    prevalence: pd.DataFrame  # overall, by level and by site, long form
    association: pd.DataFrame
    contingency: dict[str, pd.DataFrame]
    overlap: pd.DataFrame  # activity x activity
    same_document: pd.DataFrame  # activity x activity
    agreement: pd.DataFrame
    agreement_by_document: pd.DataFrame
    saturation: saturation.Saturation
    claims: pd.DataFrame
    evidence: dict[str, pd.DataFrame]
    mapping_report: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def synthetic(self) -> bool:
        return self.coded.synthetic

    @property
    def data_source(self) -> str:
        return SYNTHETIC_LABEL if self.synthetic else REAL_LABEL

    def tables(self) -> dict[str, pd.DataFrame]:
        """The CSV tables by file stem."""
        s = self.saturation
        sat = s.runs.assign(
            base_size=s.base_size,
            run_length=s.run_length,
            threshold=s.threshold,
            saturation_point=s.point if s.point is not None else pd.NA,
        )
        co = pd.concat(
            [
                cooccurrence.long_form(self.overlap, "overlapping spans"),
                cooccurrence.long_form(self.same_document, "same document"),
            ],
            ignore_index=True,
        )
        tables = {
            "frequencies": self.frequencies,
            "prevalence": self.prevalence,
            "association": self.association,
            "cooccurrence": co,
            "agreement": self.agreement,
            "agreement_by_document": self.agreement_by_document,
            "saturation": sat,
            "saturation_curve": s.cumulative,
            "claims": self.claims,
        }
        if self.mapping_report is not None:
            tables["mapping_report"] = self.mapping_report
        return {name: t.assign(data_source=self.data_source)[["data_source", *t.columns]] for name, t in tables.items()}


def summarise(
    coded_dir: Path | str,
    mapping: Path | str | None = None,
    coder: str | None = None,
    base_size: int = 4,
    run_length: int = 2,
    threshold: float = 0.05,
    codebook: Codebook | None = None,
    claims_path: Path | str | None = None,
    permutations: int = association.PERMUTATIONS,
) -> CodingSummary:
    """Run every coding analysis on the coded data in ``coded_dir`` (through ``mapping`` if given).

    Parameters
    ----------
    coded_dir
        Folder of canonical coded data (documents.csv, codings.csv, ...).
    mapping
        Optional mapping file from project codes to compendium codes.
    coder
        Whose codings the counts use (default: the coder with most codings).
    base_size, run_length, threshold
        Saturation parameters (Guest, Namey and Chen 2020).
    """
    codebook = codebook or load_codebook()
    coded, report = load_for_analysis(coded_dir, mapping, codebook)
    notes = _check_codings(coded, report, coded_dir, mapping)
    coder = coder or prevalence.primary_coder(coded)
    if coder not in set(coded.codings["coder"]):
        raise DataValidationError([Problem(str(coded_dir), f"coder '{coder}' has no codings")])
    codings = prevalence.analysis_codings(coded, codebook, coder)
    groups = sorted({str(g) for g in coded.documents["group"].dropna()})
    if groups and not prevalence.focus_applies(coded):
        notes.append(
            f"Prevalence counts every participant with an interview: the data's groups ({', '.join(groups)}) "
            f"do not include '{prevalence.FOCUS_GROUP}', the group it counts when the data record it."
        )
    by_group = {b: prevalence.prevalence(coded, codings, codebook, by=b) for b in (None, "level", "site")}
    prev = pd.concat(by_group.values(), ignore_index=True)
    assoc, tables = association.contribution_by_level(coded, codings, codebook, permutations=permutations)
    acts = codebook.activity_ids
    overlap = cooccurrence.overlap_counts(codings, acts)
    same_doc = cooccurrence.document_counts(codings, acts)
    agree, agree_docs = agreement.agreement(coded.codings, coded.documents, acts)
    if agree.empty:
        notes.append("No document was coded by more than one coder, so agreement cannot be computed.")
    ids, seq = saturation.interview_sequence(codings, coded.documents)
    if not ids:
        notes.append(
            "No document is an interview (source_type 'interview' or 'follow-up interview'), so saturation "
            "cannot be assessed; set source_type in documents.csv or in the mapping's 'documents'."
        )
    sat = saturation.saturation(seq, base_size, run_length, threshold)
    claim_list, rules = claims.load_claims(claims_path, codebook)
    ledger, evidence = claims.evaluate(claim_list, coded, codings, codebook, rules, by_level=by_group["level"])
    if ledger["status"].isin(claims.REFUSED).any():
        notes.append(f"claims.csv lists the paper's claims without verdicts: {claims.why_not_evaluated(coded)}")
    return CodingSummary(
        coded=coded,
        codebook=codebook,
        coder=coder,
        codings=codings,
        frequencies=prevalence.frequencies(codings, codebook),
        prevalence=prev,
        association=assoc,
        contingency=tables,
        overlap=overlap,
        same_document=same_doc,
        agreement=agree,
        agreement_by_document=agree_docs,
        saturation=sat,
        claims=ledger,
        evidence=evidence,
        mapping_report=report,
        notes=notes,
    )


def _check_codings(
    coded: CodedData, report: pd.DataFrame | None, coded_dir: Path | str, mapping: Path | str | None
) -> list[str]:
    """Stop when nothing is left to analyse, saying why; return notes on what the mapping left out."""
    shown = paths.display_path(Path(coded_dir) / "codings.csv")
    project_codings = len(coded.codings) if report is None else int(report["codings"].sum())
    if project_codings == 0:
        raise DataValidationError(
            [
                Problem(
                    shown,
                    "the project has 0 codings, so there is nothing to summarise "
                    "(a codebook-only export? code some documents first)",
                )
            ]
        )
    unmapped = (
        []
        if report is None
        else [(r["project code"], int(r["codings"])) for _, r in report.iterrows() if r["status"] == "unmapped"]
    )
    where = paths.display_path(mapping) if mapping is not None else "the mapping"
    if coded.codings.empty:
        problems = [
            Problem(
                where,
                f"project code '{code}' ({n} coding{'s' if n != 1 else ''}) is not mapped: add "
                f"it under 'codes' with a compendium code (or 'ignore')",
                field="codes",
            )
            for code, n in unmapped
        ]
        problems.append(
            Problem(
                where,
                f"none of the project's {project_codings} codings maps to a compendium "
                f"code, so there is nothing to summarise (see --mapping)",
            )
        )
        raise DataValidationError(problems)
    notes = []
    if unmapped:
        listed = ", ".join(f"'{code}' ({n})" for code, n in unmapped)
        notes.append(
            f"{len(unmapped)} project code(s) not in {where} were left out, with their codings: {listed}; "
            f"map them (or set them to 'ignore') under 'codes'"
        )
    unmatched = coded.metadata.get("mapping_unmatched_documents") or []
    if unmatched:
        listed = ", ".join(f"'{d}'" for d in unmatched[:10]) + (
            f" and {len(unmatched) - 10} more" if len(unmatched) > 10 else ""
        )
        notes.append(
            f"{where} sets attributes of {len(unmatched)} document(s) that are not in the coded data, so "
            f"they were not used: {listed} (a typo? data imported with --anonymise name documents "
            f"document_1, ...)"
        )
    return notes


#: The command whose output :func:`write_summary` writes (named in the folder's marker).
KIND = "summarise"


def _earlier_summary(folder: Path) -> bool:
    """A folder written by ``summarise`` before output folders were marked: only its CSV tables."""
    names = {p.name for p in folder.iterdir()}
    return bool(names) and all(n.endswith(".csv") for n in names) and "frequencies.csv" in names


def check_out(out_dir: Path | str, force: bool = False) -> None:
    """Refuse ``out_dir`` before the analysis runs (see :func:`ics_leadership.core.outputs.check_folder`)."""
    outputs.check_folder(out_dir, KIND, force, _earlier_summary)


def write_summary(summary: CodingSummary, out_dir: Path | str, force: bool = False) -> list[Path]:
    """Write every table as ``<name>.csv`` into the new folder ``out_dir``; all or nothing.

    ``out_dir`` must be new or empty; with ``force``, an earlier summary there is replaced (never a
    folder ``summarise`` did not write). A ``.gitignore`` keeps the tables out of git: they come
    from coded data, which may be confidential.
    """
    names = []

    def fill(folder: Path) -> None:
        for name, table in summary.tables().items():
            write_csv(table, folder / f"{name}.csv")
            names.append(f"{name}.csv")

    out_dir = outputs.publish_folder(out_dir, fill, force=force, kind=KIND, gitignore=True, legacy=_earlier_summary)
    return [Path(out_dir) / name for name in names]
