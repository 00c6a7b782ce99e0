"""Coding summaries of any coded data: every table ``ics-leadership summarise`` writes.

:func:`summarise` runs the analyses on a folder of canonical coded data with a
:class:`~ics_leadership.coding.codetree.CodeTree`: the project's own codes (``codebook.csv`` or its
code paths; the default) or the compendium's codebook (through a mapping, or when the data use
its codes). It returns a :class:`CodingSummary`; :func:`write_summary` writes its tables as CSV
(and, on request, one workbook). Each table starts with a ``data_source`` column saying whether the
numbers come from the synthetic demonstration corpus, so a table cannot lose its label when it
leaves the book.

The analyses specific to the paper (association with its three levels, prevalence among clinical
leaders, the claims ledger) are added by :func:`ics_leadership.facts.replication.summarise_paper`,
only to data that speak the paper's codebook.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from ics_leadership.coding import (
    agreement,
    cooccurrence,
    coverage,
    disagreements,
    matrices,
    prevalence,
    saturation,
)
from ics_leadership.coding.coded import REAL_LABEL, CodedData, data_source_label, load_coded  # noqa: F401  (REAL_LABEL was defined here)
from ics_leadership.coding.codetree import CodeTree, load_project_tree
from ics_leadership.coding.format import ordered
from ics_leadership.coding.mapping import load_for_analysis
from ics_leadership.coding.summary_files import (  # noqa: F401  (summarise's file API, importable from here)
    DETAIL_FILES,
    KIND,
    TABLE_DESCRIPTIONS,
    WORKBOOK,
    WORKBOOK_TABLES,
    check_out,
    described_files,
    labelled,
    summarise_into,
    write_summary,
    write_workbook,
)
from ics_leadership.core import paths
from ics_leadership.core.errors import DataValidationError, Problem

#: Attributes prevalence and the matrices group by unless told otherwise.
DEFAULT_BY = ("level", "site")


@dataclass
class CodingSummary:
    """Every table of one summarise run. The paper's analyses (``association`` ... ``evidence``) are
    None unless :func:`ics_leadership.facts.replication.summarise_paper` added them."""

    coded: CodedData
    tree: CodeTree
    coder: str
    codings: pd.DataFrame  # the primary coder's codings with attributes
    frequencies: pd.DataFrame
    prevalence: pd.DataFrame  # overall and by each attribute, long form
    overlap: pd.DataFrame  # code x code (leaf codes)
    same_document: pd.DataFrame  # code x code (leaf codes)
    agreement: pd.DataFrame
    agreement_by_document: pd.DataFrame
    saturation: saturation.Saturation
    matrices: dict[str, pd.DataFrame] = field(default_factory=dict)
    coverage: pd.DataFrame | None = None
    disagreements: pd.DataFrame | None = None
    by: tuple[str, ...] = DEFAULT_BY
    codebook: Any = None  # the compendium's Codebook, when the paper's analyses ran
    association: pd.DataFrame | None = None
    contingency: dict[str, pd.DataFrame] | None = None
    claims: pd.DataFrame | None = None
    evidence: dict[str, pd.DataFrame] | None = None
    mapping_report: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def synthetic(self) -> bool:
        return self.coded.synthetic

    @property
    def data_source(self) -> str:
        return data_source_label(self.synthetic)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The CSV tables by file stem, each with the ``data_source`` column first."""
        co = pd.concat(
            [
                cooccurrence.long_form(self.overlap, "overlapping spans"),
                cooccurrence.long_form(self.same_document, "same document"),
            ],
            ignore_index=True,
        )
        tables: dict[str, pd.DataFrame | None] = {
            "frequencies": self.frequencies,
            "prevalence": self.prevalence,
            "association": self.association,
            "cooccurrence": co,
            "agreement": self.agreement,
            "agreement_by_document": self.agreement_by_document,
            "disagreements": self.disagreements,
            "saturation": self.saturation.table(),
            "saturation_curve": self.saturation.cumulative,
            "coverage": self.coverage,
            **self.matrices,
            "claims": self.claims,
            "mapping_report": self.mapping_report,
        }
        return labelled({name: t for name, t in tables.items() if t is not None}, self.data_source)

    def add_details(self, details: dict[str, pd.DataFrame]) -> None:
        """Attach the tables of :func:`detail_tables` (disagreements, coverage, the document and case
        matrices), which :func:`analyse` leaves out."""
        self.disagreements = details["disagreements"]
        self.coverage = details["coverage"]
        self.matrices = {**{n: details[n] for n in DETAIL_MATRICES}, **self.matrices}


def load_project(coded_dir: Path | str) -> CodedData:
    """Load ``coded_dir`` checking its structure only (any codes), for :func:`uses_other_codes` and then
    :func:`prepare` (``loaded``): ``--codebook auto`` reads the files once."""
    return load_coded(coded_dir, check_codes=False)


def uses_other_codes(coded: CodedData, known: Sequence[str]) -> bool:
    """Whether ``coded`` uses a code that is not in ``known`` (then the project's own codes apply)."""
    return not coded.codings["code"].drop_duplicates().isin(set(known)).all()


def summarise(
    coded_dir: Path | str,
    mapping: Path | str | None = None,
    coder: str | None = None,
    base_size: int = 4,
    run_length: int = 2,
    threshold: float = 0.05,
    tree: CodeTree | None = None,
    by: Sequence[str] = DEFAULT_BY,
    focus_group: str | None = None,
    excerpts: bool = False,
    orders: Mapping[str, Sequence[str]] | None = None,
) -> CodingSummary:
    """Run every generic analysis on the coded data in ``coded_dir``.

    Parameters
    ----------
    coded_dir
        Folder of canonical coded data (documents.csv, codings.csv, ...).
    mapping
        Optional mapping file from project codes to the codes of ``tree`` (the compendium's).
    coder
        Whose codings the counts use (default: the coder with most codings).
    base_size, run_length, threshold
        Saturation parameters (Guest, Namey and Chen 2020).
    tree
        The codes to analyse; None: the project's own (its ``codebook.csv``, else its code paths).
    by
        Document or participant attributes to group prevalence and the attribute matrices by.
    focus_group
        Count only participants of this group when the data record it (the paper: clinical leaders).
    excerpts
        Add the disagreed text to the disagreement list (the user's own output only).
    orders
        Attribute -> its values in the order tables list them (every value the data have).
    """
    prepared = prepare(coded_dir, mapping, coder, tree, by, focus_group, orders=orders)
    summary = analyse(prepared, base_size, run_length, threshold)
    summary.add_details(detail_tables(prepared, excerpts))
    return summary


@dataclass
class Prepared:
    """What every analysis starts from: the loaded data, the codes, whose codings count, and the
    coder pairs of double-coded documents (:func:`prepare`). :func:`analyse` computes the summary
    tables from it and :func:`detail_tables` the per-document and per-participant ones, so that the
    two can run in different processes (:func:`ics_leadership.coding.summary_files.summarise_into`)."""

    coded: CodedData
    tree: CodeTree
    coder: str
    codings: pd.DataFrame  # the primary coder's codings with attributes (prevalence.analysis_codings)
    people: pd.DataFrame  # prevalence.participant_universe
    leaves: list[str]  # the codes agreement and co-occurrence compare
    by: tuple[str, ...]
    focus_group: str | None
    report: pd.DataFrame | None
    notes: list[str]

    @property
    def data_source(self) -> str:
        return data_source_label(self.coded.synthetic)

    @cached_property
    def paired(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """:func:`agreement.pair_up` of every coder's codings, for agreement and the disagreement list.

        Computed on first use, not in :func:`prepare`: when the two run in different processes
        (:func:`ics_leadership.coding.summary_files.summarise_into`) each computes it beside the
        other's work, which is quicker than computing it once before the split."""
        return agreement.pair_up(self.coded.codings)


def prepare(
    coded_dir: Path | str,
    mapping: Path | str | None = None,
    coder: str | None = None,
    tree: CodeTree | None = None,
    by: Sequence[str] = DEFAULT_BY,
    focus_group: str | None = None,
    loaded: CodedData | None = None,
    orders: Mapping[str, Sequence[str]] | None = None,
) -> Prepared:
    """Load and check ``coded_dir`` and compute what the analyses share (parameters as :func:`summarise`).

    ``loaded``: the folder as :func:`load_project` read it, when the caller has checked that its codes
    are all in ``tree`` (or analyses the project's own codes); it is not read again. Not with a mapping.
    ``orders``: attribute -> its values in the order tables list them (``--order``; every value the data
    have), replacing the tree's.

    Raises :class:`~ics_leadership.core.errors.DataValidationError` naming the file and field for
    data with nothing to analyse, an unknown ``--by`` attribute, an ``--order`` that does not list every
    value of its attribute, or a coder without codings.
    """
    if tree is None:
        if mapping is not None:
            raise DataValidationError(
                [
                    Problem(
                        paths.display_path(mapping),
                        "a mapping translates codes to the compendium's codebook; "
                        "it cannot be used with the project's own codes (--codebook project)",
                    )
                ]
            )
        coded = loaded if loaded is not None else load_project(coded_dir)
        tree = load_project_tree(coded_dir, coded.codings["code"].unique(), coded.format_version)
        report = None
    elif loaded is not None and mapping is None:
        if uses_other_codes(loaded, tree.codes):
            raise ValueError("prepare(loaded=...): the data use codes outside the tree; load them with it")
        coded, report = loaded, None
    else:
        coded, report = load_for_analysis(coded_dir, mapping, tree)
    notes = _check_codings(coded, report, coded_dir, mapping)
    every = prevalence.attributes(coded)
    known = [c for c in every.columns if c not in ("document_id", "n_chars")]
    documents_csv = paths.display_path(Path(coded_dir) / "documents.csv")
    unknown = [f"--by {b}" for b in by if b not in known] + [f"--order {a}" for a in orders or {} if a not in known]
    if unknown:
        raise DataValidationError(
            [
                Problem(
                    documents_csv,
                    f"{option}: no such attribute in documents.csv or participants.csv (they have: {', '.join(known)})",
                )
                for option in unknown
            ]
        )
    if orders:
        unlisted = {a: sorted(set(ordered(every[a])) - set(values)) for a, values in orders.items()}
        if any(unlisted.values()):
            raise DataValidationError(
                [
                    Problem(
                        documents_csv,
                        f"--order {a}: the data also have {', '.join(repr(v) for v in left)}; list every value",
                    )
                    for a, left in unlisted.items()
                    if left
                ]
            )
        tree = replace(tree, orders={**tree.orders, **{a: tuple(values) for a, values in orders.items()}})
    coder = coder or prevalence.primary_coder(coded)
    if coder not in set(coded.codings["coder"].unique()):
        raise DataValidationError([Problem(str(coded_dir), f"coder '{coder}' has no codings")])
    groups = sorted({str(g) for g in coded.documents["group"].dropna().unique()})
    if focus_group is not None and groups and not prevalence.focus_applies(coded, focus_group):
        notes.append(
            f"Prevalence counts every participant with an interview: the data's groups ({', '.join(groups)}) "
            f"do not include '{focus_group}', the group it counts when the data record it."
        )
    people = prevalence.participant_universe(coded, focus_group)
    if people.empty:
        notes.append(
            "Prevalence counts participants with an interview (a document with source_type 'interview' or "
            "'follow-up interview' and a participant_id); these data have none, so its tables are empty."
        )
    else:
        missing = [b for b in by if b not in people or people[b].isna().all()]
        recorded = [c for c in people.columns if c != "participant_id" and people[c].notna().any()]
        if missing:
            notes.append(
                f"No participant has a value of {', '.join(repr(b) for b in missing)}: prevalence by "
                f"{'it' if len(missing) == 1 else 'them'} has no groups (attributes with values: "
                f"{', '.join(recorded) or 'none'}; choose with --by)."
            )
    # Agreement and co-occurrence compare codes as applied (no roll-up): the codes used, and every
    # activity of the compendium's codebook, so that its tables keep their shape.
    used = set(coded.codings["code"].unique())
    return Prepared(
        coded=coded,
        tree=tree,
        coder=coder,
        codings=prevalence.analysis_codings(coded, tree, coder),
        people=people,
        leaves=[c for c in tree.codes if c in used or tree.kind(c) == "activity"],
        by=tuple(by),
        focus_group=focus_group,
        report=report,
        notes=notes,
    )


def analyse(prepared: Prepared, base_size: int = 4, run_length: int = 2, threshold: float = 0.05) -> CodingSummary:
    """The summary tables of ``prepared``: every table but the per-document and per-participant ones
    (:func:`detail_tables`; add them with :meth:`CodingSummary.add_details`)."""
    p = prepared
    coded, codings, tree = p.coded, p.codings, p.tree
    notes = list(p.notes)
    pairs = prevalence.expressing_pairs(codings, tree, p.people)  # once for every grouping
    prev = pd.concat(
        [
            prevalence.prevalence(coded, codings, tree, by=b, focus_group=p.focus_group, people=p.people, pairs=pairs)
            for b in (None, *p.by)
        ],
        ignore_index=True,
    )
    agree, agree_docs = agreement.agreement(coded.codings, coded.documents, p.leaves, p.paired)
    if agree.empty:
        notes.append("No document was coded by more than one coder, so agreement cannot be computed.")
    ids, first = saturation.interview_first_appearances(codings, coded.documents)
    if not ids:
        notes.append(
            "No document is an interview (source_type 'interview' or 'follow-up interview'), so saturation "
            "cannot be assessed; set source_type in documents.csv or in the mapping's 'documents'."
        )
    sat = saturation.from_first_appearances(first, len(ids), base_size, run_length, threshold)
    return CodingSummary(
        coded=coded,
        tree=tree,
        coder=p.coder,
        codings=codings,
        frequencies=prevalence.frequencies(codings, tree),
        prevalence=prev,
        overlap=cooccurrence.overlap_counts(codings, p.leaves),
        same_document=cooccurrence.document_counts(codings, p.leaves),
        agreement=agree,
        agreement_by_document=agree_docs,
        saturation=sat,
        matrices={f"{b}_by_code": matrices.attribute_by_code(codings, tree, b) for b in p.by},
        by=p.by,
        mapping_report=p.report,
        notes=notes,
    )


#: The detail tables that :meth:`CodingSummary.add_details` puts in ``matrices``.
DETAIL_MATRICES = DETAIL_FILES[2:]


def detail_tables(prepared: Prepared, excerpts: bool = False) -> dict[str, pd.DataFrame]:
    """The per-document and per-participant tables of ``prepared`` (``summary_files.DETAIL_FILES``), unlabelled.

    ``excerpts``: add the disagreed text to the disagreement list (the user's own output only).
    """
    tables: dict[str, pd.DataFrame] = {}
    for part in detail_parts(prepared, excerpts):
        tables.update(part())
    return {name: tables[name] for name in DETAIL_FILES}


def detail_parts(prepared: Prepared, excerpts: bool = False) -> list[Callable[[], dict[str, pd.DataFrame]]]:
    """:func:`detail_tables` as independent parts, each giving one table, the costliest first (on the
    synthetic corpus scaled up), so that two processes can share them
    (:func:`ics_leadership.coding.summary_files.summarise_into`). A matrix and its presence form are
    separate parts; the counts they share are computed once in each process that needs them."""
    p = prepared
    by_document = cache(lambda: matrices.document_by_code(p.codings, p.coded.documents, p.tree))
    by_case = cache(lambda: matrices.case_by_code(p.codings, p.tree))

    def differ() -> dict[str, pd.DataFrame]:
        found = disagreements.disagreements(p.coded.codings, p.tree, p.paired)
        return {"disagreements": disagreements.add_excerpts(found, p.coded.codings) if excerpts else found}

    return [
        lambda: {"coverage": coverage.coverage(p.codings, p.coded.documents, p.tree)},
        differ,
        lambda: {"cases_by_code": by_case()},
        lambda: {"cases_by_code_presence": matrices.presence(by_case())},
        lambda: {"documents_by_code": by_document()},
        lambda: {"documents_by_code_presence": matrices.presence(by_document())},
    ]


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
