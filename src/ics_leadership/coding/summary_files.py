"""The files of ``ics-leadership summarise``: what each holds, and writing them all or nothing.

:func:`write_summary` writes a :class:`~ics_leadership.coding.summarise.CodingSummary`'s tables as CSV
into a new folder (and, on request, one workbook), through the safe publishing of
:mod:`ics_leadership.core.outputs`; :data:`TABLE_DESCRIPTIONS` says what each file holds (the Data page
prints it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ics_leadership.coding.coded import with_data_source
from ics_leadership.core import forking, outputs
from ics_leadership.core.derived import write_csvs

if TYPE_CHECKING:
    from ics_leadership.coding.summarise import CodingSummary, Prepared

#: What each file of ``summarise`` holds (the Data page prints this; tests check it lists every file).
TABLE_DESCRIPTIONS: dict[str, str] = {
    "frequencies": "Per code: codings of it or its descendants (segments), those merged where they overlap "
    "(passages), documents and participants.",
    "prevalence": "Per code, overall and by each --by attribute: participants in interviews, how many have "
    "the code or a descendant, the share and its Wilson 95% interval.",
    "association": "The paper's codebook only: each contribution against the three levels (chi-square, "
    "Fisher or Monte Carlo exact test; Cramer's V).",
    "cooccurrence": "Per pair of codes: pairs of codings whose spans overlap, and documents with both.",
    "agreement": "Per code and pair of coders, on documents both coded: kappa at character and segment "
    "level, Krippendorff's alpha, percent agreement.",
    "agreement_by_document": "The character-level agreement of each double-coded document and code.",
    "disagreements": "Each span one coder applied a code to and the other did not, with who did (the "
    "text only with --excerpts).",
    "saturation": "Each run of interviews after the base: new codes and new information (Guest, Namey "
    "and Chen 2020), and the saturation point.",
    "saturation_curve": "Per interview in data-collection order: new codes and distinct codes so far.",
    "coverage": "Per document, overall and per code: characters coded (each counted once) and their share.",
    "documents_by_code": "Codings per document (rows) and code (columns, parents counting descendants); "
    "documents_by_code_presence gives 0/1.",
    "cases_by_code": "Codings per participant and code; cases_by_code_presence gives 0/1.",
    "<attribute>_by_code": "Codings per value of each --by attribute and code.",
    "claims": "The paper's codebook only: the claims ledger, with verdicts only on real data in the "
    "paper's vocabulary.",
    "mapping_report": "With --mapping: each project code, its codings, and what the mapping did with it.",
}


def described_files() -> pd.DataFrame:
    """:data:`TABLE_DESCRIPTIONS` as a table of file names and what each holds (for the Data page)."""
    return pd.DataFrame({"file": [f"{n}.csv" for n in TABLE_DESCRIPTIONS], "holds": list(TABLE_DESCRIPTIONS.values())})


#: The command whose output :func:`write_summary` writes (named in the folder's marker).
KIND = "summarise"


def _earlier_summary(folder: Path) -> bool:
    """A folder written by ``summarise`` before output folders were marked: only its CSV tables."""
    names = {p.name for p in folder.iterdir()}
    return bool(names) and all(n.endswith(".csv") for n in names) and "frequencies.csv" in names


def check_out(out_dir: Path | str, force: bool = False) -> None:
    """Refuse ``out_dir`` before the analysis runs (see :func:`ics_leadership.core.outputs.check_folder`)."""
    outputs.check_folder(out_dir, KIND, force, _earlier_summary)


#: The tables the workbook holds: the aggregated ones (per-document and per-case tables, which can
#: have a row per document of a large corpus, are in the CSV files only).
WORKBOOK_TABLES = (
    "frequencies",
    "prevalence",
    "association",
    "cooccurrence",
    "agreement",
    "saturation",
    "saturation_curve",
    "claims",
    "mapping_report",
)
WORKBOOK = "summary.xlsx"


def write_summary(summary: CodingSummary, out_dir: Path | str, force: bool = False, xlsx: bool = False) -> list[Path]:
    """Write every table as ``<name>.csv`` into the new folder ``out_dir``; all or nothing.

    ``out_dir`` must be new or empty; with ``force``, an earlier summary there is replaced (never a
    folder ``summarise`` did not write). A ``.gitignore`` keeps the tables out of git: they come
    from coded data, which may be confidential. With ``xlsx``, also ``summary.xlsx``: the
    aggregated tables (:data:`WORKBOOK_TABLES` and the attribute-by-code matrices), a sheet each.
    """
    names = []

    def fill(folder: Path) -> None:
        tables = summary.tables()
        write_csvs(tables, folder)
        names.extend(f"{name}.csv" for name in tables)
        if xlsx:
            sheets = {
                n: t for n, t in tables.items() if n in WORKBOOK_TABLES or n in {f"{b}_by_code" for b in summary.by}
            }
            write_workbook(sheets, folder / WORKBOOK)
            names.append(WORKBOOK)

    out_dir = outputs.publish_folder(out_dir, fill, force=force, kind=KIND, gitignore=True, legacy=_earlier_summary)
    return [Path(out_dir) / name for name in names]


def labelled(tables: dict[str, pd.DataFrame], data_source: str) -> dict[str, pd.DataFrame]:
    """Each table with the ``data_source`` column first, so that a file cannot lose its label."""
    return {name: with_data_source(t, data_source) for name, t in tables.items()}


#: Codings from which :func:`summarise_into` computes the detail tables in a second process: below
#: this, forking costs more than it saves.
SPLIT_CODINGS = 50_000


def summarise_into(
    out_dir: Path | str,
    prepared: Prepared,
    analyse: Callable[[], CodingSummary],
    details: Sequence[Callable[[], dict[str, pd.DataFrame]]],
    force: bool = False,
    xlsx: bool = False,
) -> tuple[CodingSummary, list[Path]]:
    """Analyse ``prepared`` and write every table into the new folder ``out_dir``, as :func:`write_summary`.

    ``analyse`` computes the summary (:func:`ics_leadership.coding.summarise.analyse`, with the paper's
    analyses when they apply) and ``details`` the per-document and per-participant tables, in parts
    (:func:`~ics_leadership.coding.summarise.detail_parts`). On a large corpus (:data:`SPLIT_CODINGS`)
    with two cores a forked child computes and writes the parts while this process analyses, and this
    process then takes the parts still left (:func:`ics_leadership.core.forking.share`): the same
    files, in about half the time. The summary returned then lacks the detail tables (they are in
    the files); otherwise it has them. All or nothing, as :func:`write_summary`.
    """
    split = len(prepared.codings) >= SPLIT_CODINGS
    names: list[str] = []
    result: list[CodingSummary] = []

    def fill(folder: Path) -> None:
        detail: dict[str, pd.DataFrame] = {}

        def part_task(part: Callable[[], dict[str, pd.DataFrame]]) -> Callable[[], None]:
            def run() -> None:
                tables = part()
                detail.update(tables)
                write_csvs(labelled(tables, prepared.data_source), folder, parallel=False)

            return run

        def summary_written() -> tuple[CodingSummary, dict[str, pd.DataFrame]]:
            summary = analyse()
            tables = summary.tables()
            write_csvs(tables, folder, parallel=not split)
            return summary, tables

        summary, tables = forking.share([part_task(part) for part in details], summary_written, enabled=split)
        if not split:  # every part ran here: keep the tables with the summary
            summary.add_details({name: detail[name] for name in DETAIL_FILES})
        names.extend([*tables, *DETAIL_FILES])
        result.append(summary)
        if xlsx:
            sheets = {
                n: t for n, t in tables.items() if n in WORKBOOK_TABLES or n in {f"{b}_by_code" for b in summary.by}
            }
            write_workbook(sheets, folder / WORKBOOK)

    out_dir = outputs.publish_folder(out_dir, fill, force=force, kind=KIND, gitignore=True, legacy=_earlier_summary)
    files = [f"{n}.csv" for n in names] + ([WORKBOOK] if xlsx else [])
    return result[0], [Path(out_dir) / name for name in files]


#: The files of the detail tables (:func:`ics_leadership.coding.summarise.detail_tables`).
DETAIL_FILES = (
    "disagreements",
    "coverage",
    "documents_by_code",
    "documents_by_code_presence",
    "cases_by_code",
    "cases_by_code_presence",
)


def write_workbook(sheets: dict[str, pd.DataFrame], path: Path) -> Path:
    """Write ``sheets`` (name -> table) as one workbook, text cells protected as in the CSV files.

    A cell a spreadsheet would run as a formula gets a leading ``'`` (the CSV rule,
    :func:`ics_leadership.core.csvformat.protect`); openpyxl also stores text as text.
    """
    from ics_leadership.core.derived import spreadsheet_safe

    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, table in sheets.items():
            spreadsheet_safe(table).to_excel(writer, sheet_name=name[:31], index=False)
    return path
