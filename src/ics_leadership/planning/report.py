"""The files the ``plan`` subcommands write, and the notes that go with them.

Each subcommand writes one folder through :func:`ics_leadership.core.outputs.publish_folder`: new or
empty, or (with ``--force``) only that subcommand's own earlier output; nothing is written unless
everything is. Every folder has a ``README.md`` saying what the files are, the model's assumptions
and its references (with the published critiques of the sample-size model beside it).

A sampling frame the team has filled in inside a folder that ``plan frame`` wrote is never replaced,
even with ``--force``: the folder records the frame's checksum when it is written, and a frame that
no longer matches it is the team's work.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pandas as pd

from ics_leadership.core.derived import write_csv
from ics_leadership.core.errors import OutputError
from ics_leadership.core.outputs import check_folder, publish_folder
from ics_leadership.planning import frame as frames
from ics_leadership.planning import sample_size, unseen

#: The marker kinds of the subcommands' folders (``--force`` replaces only the same kind).
KINDS = {"sample-size": "plan sample-size", "unseen": "plan unseen", "frame": "plan frame"}
#: Where a frame's checksum is kept in the folder ``plan frame`` wrote.
FRAME_DIGEST = ".sampling_frame.sha256"


def write_tables(
    out: Path | str,
    kind: str,
    tables: Mapping[str, pd.DataFrame],
    readme: str,
    force: bool = False,
    gitignore: bool = False,
    extra: Callable[[Path], None] | None = None,
) -> list[Path]:
    """Write ``tables`` as ``NAME.csv`` and ``readme`` as ``README.md`` into ``out``, all or nothing.

    ``extra(folder)`` writes anything else (a figure) into the same temporary folder. Returns the
    files written, as they will be under ``out``.
    """
    written: list[str] = []

    def fill(tmp: Path) -> None:
        for name, table in tables.items():
            write_csv(table, tmp / f"{name}.csv")
            written.append(f"{name}.csv")
        (tmp / "README.md").write_text(readme, encoding="utf-8")
        written.append("README.md")
        if extra is not None:
            before = {p.name for p in tmp.iterdir()}
            extra(tmp)
            written.extend(sorted({p.name for p in tmp.iterdir()} - before))

    publish_folder(out, fill, force=force, kind=kind, gitignore=gitignore)
    return [Path(out) / name for name in written]


def check_out(out: Path | str, subcommand: str, force: bool = False) -> None:
    """Refuse ``out`` before any work (the same rule :func:`write_tables` applies again at the end)."""
    replacing = check_folder(out, KINDS[subcommand], force)
    if replacing and subcommand == "frame":
        _check_frame_unchanged(Path(out))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _check_frame_unchanged(out: Path) -> None:
    """Refuse to replace a frame the team has edited since ``plan frame`` wrote it."""
    path, recorded = out / frames.FRAME_FILE, out / FRAME_DIGEST
    try:
        same = path.is_file() and recorded.read_text(encoding="ascii").strip() == _digest(path)
    except (OSError, UnicodeDecodeError):
        same = False
    if not same:
        raise OutputError(
            f"{out}: its {frames.FRAME_FILE} was edited after `plan frame` wrote it; --force never replaces "
            f"a frame someone filled in (move it away, or choose another --out)"
        )


def write_frame(out: Path | str, table: pd.DataFrame, source: str, force: bool = False) -> list[Path]:
    """Write a sampling frame (the empty template, or a design such as the paper's) with its dictionary."""
    check_out(out, "frame", force)

    def record(folder: Path) -> None:
        (folder / FRAME_DIGEST).write_text(_digest(folder / frames.FRAME_FILE) + "\n", encoding="ascii")

    tables = {Path(frames.FRAME_FILE).stem: table, Path(frames.DICTIONARY_FILE).stem: frames.dictionary()}
    written = write_tables(out, KINDS["frame"], tables, frame_readme(source, len(table)), force, extra=record)
    return [p for p in written if p.name != FRAME_DIGEST]


def frame_readme(source: str, rows: int) -> str:
    """README of a ``plan frame`` folder."""
    what = "an empty template (its header only)" if rows == 0 else f"{source} ({rows} rows)"
    lines = [
        "# Sampling frame",
        "",
        f"`{frames.FRAME_FILE}` is {what}. Fill in one row per planned interviewee (or per group of alike",
        "interviewees, with `leaders`), in your study's own terms; `sampling_frame_dictionary.csv` describes",
        "each column. Then read it as the design:",
        "",
        f"    ics-leadership plan sample-size --frame {frames.FRAME_FILE} --out DIR",
        "",
        "Edit a copy, or edit it here: `plan frame --force` never replaces a frame that was changed after it was",
        "written.",
        "",
    ]
    return "\n".join(lines)


def _bullets(items: Sequence[str]) -> list[str]:
    return [f"- {item}" for item in items]


def sample_size_readme(
    probability: float, design_source: str | None, populations: Mapping[str, int], overall_population: int | None
) -> str:
    """README of a ``plan sample-size`` folder: the files, the model, its assumptions and critiques."""
    finite = [f"{tier} (N = {n})" for tier, n in populations.items()]
    lines = [
        "# Interviews needed to see a theme (planning estimates)",
        "",
        "Every number here is a planning estimate under the assumptions below, not a property of any study.",
        "",
        "## Files",
        "",
        f"- `sample_size.csv`: for each share p and count k, the interviews needed so that a theme expressed by a "
        f"share p of the population is seen at least k times with probability {probability:g} "
        "(`probability_reached`), and the probability with one interview fewer (`probability_one_fewer`), "
        "which falls short.",
    ]
    if design_source is not None:
        lines += [
            f"- `design.csv`, `design_by_tier.csv`: the design read from {design_source}: interviewees by tier "
            "and site, and per tier the sites, follow-ups and stages planned.",
            "- `sample_size_by_tier.csv`: per tier, the interviews needed and the probability that the planned "
            "interviews see the theme at least k times (`probability_planned`, `enough`).",
        ]
    lines += [
        "",
        "## Model",
        "",
        "Binomial (Fugard and Potts 2015): the number of interviewees expressing the theme among n is "
        "Bin(n, p); n is the smallest with P(X >= k) >= the probability.",
    ]
    if finite or overall_population is not None:
        named = ", ".join(finite + ([f"overall (N = {overall_population})"] if overall_population else []))
        lines.append(
            f"Hypergeometric (sampling without replacement) for the small, finite populations given: {named}. "
            "floor(p N) members express the theme (`holders`); n cannot exceed N, and when fewer than k members "
            "express it no n is enough (`interviews` blank)."
        )
    lines += ["", "## Assumptions", "", *_bullets(sample_size.ASSUMPTIONS), "", "## Critiques", ""]
    lines += [sample_size.CRITIQUE, "", "## References", "", *_bullets(sample_size.REFERENCES), ""]
    return "\n".join(lines)


def unseen_readme(data_source: str, source: str, coder: str, themes: str, interviews: int, units: int) -> str:
    """README of a ``plan unseen`` folder."""
    lines = [
        "# Saturation and unseen themes in pilot interviews",
        "",
        f"{data_source}: {source}; coder {coder}; themes: "
        + ("codes as applied" if themes == "applied" else "top-level codes, counting their descendants")
        + f"; {interviews} interviews from {units} interviewees.",
        "",
        "## Files",
        "",
        "- `unseen_themes.csv`: themes observed and estimated (Chao2, bias-corrected when Q2 = 0; iChao2), the "
        "unseen part, and for Chao2 a standard error and 95% interval. Q_j: themes found in exactly j interviewees.",
        "- `theme_incidence.csv`: each theme and the number of interviewees it was found in.",
        "- `saturation.csv`, `saturation_curve.csv`: the base/run/threshold assessment of Guest, Namey and Chen "
        "(2020, PLoS One 15(5):e0232076) over the interviews in order. It says whether saturation was reached; "
        "it does not predict how many more interviews are needed.",
        "",
        "## Assumptions of the unseen-theme estimates",
        "",
        *_bullets(unseen.ASSUMPTIONS),
        "",
        "## References",
        "",
        *_bullets(unseen.REFERENCES),
        "",
    ]
    return "\n".join(lines)
