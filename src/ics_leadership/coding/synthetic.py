"""The synthetic demonstration corpus: coded data shaped like the study, generated from stated assumptions.

The study's transcripts are confidential. So that the coding analyses can be shown and tested, this
module generates canonical coded data whose structure follows a study's shape (:class:`StudyShape`:
the roster with its follow-up interviews, the non-clinical leaders, the observed meetings by site)
and whose coding rates follow ``synthetic_assumptions.yaml``, where every assumption cites the
passage it encodes or says it is an assumption (loaded by
:mod:`ics_leadership.coding.synthetic_assumptions`, whose names this module re-exports). The same
seed gives byte-identical tables.

The generator takes its inputs as arguments and reads none of the paper's files: the paper's corpus
(its roster, study facts and codebook from ``data/raw``) is composed in
:mod:`ics_leadership.facts.demo_corpus`, which the ``synthesise`` command and notebook 02 call.

The corpus has no text: documents are lengths, codings are character spans with codes and coder
labels, and excerpts are empty. Nothing here is, or imitates, a quotation.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd
import yaml

from ics_leadership import __version__
from ics_leadership.coding.synthetic_assumptions import (  # noqa: F401  (loading assumptions: part of this API)
    ASSUMPTIONS_FILE,
    REQUIRED,
    Assumptions,
    load_assumptions,
)
from ics_leadership.core import outputs
from ics_leadership.core.csvformat import FORMAT_VERSION
from ics_leadership.core.derived import atomic_write, write_csv

CODERS = ("coder_1", "coder_2")


@dataclass(frozen=True)
class StudyShape:
    """What the corpus is shaped like: who was interviewed and which meetings were observed.

    Parameters
    ----------
    participants
        One row per clinical participant: ``participant_id``, ``site``, ``level``, ``follow_up`` (bool).
    non_clinical
        How many non-clinical leaders were also interviewed (spread over sites and levels like the
        clinical ones).
    meetings
        How many meetings were observed in all (spread over sites by ``hours``).
    hours
        Hours of meetings observed, by site.

    The sites are those of ``hours`` in its order, then any other site of the roster; the levels are
    those of the ``meeting_levels`` assumption in its order, then any other level of the roster. The
    generator takes these values as given: it knows no study's vocabulary.
    """

    participants: pd.DataFrame
    non_clinical: int
    meetings: int
    hours: dict[str, float]


class CodesLike(Protocol):
    """The codebook the generator codes with: contributions, each with activities (``"c/a"`` ids)."""

    contributions: tuple[Any, ...]

    @property
    def activity_ids(self) -> list[str]: ...

    def contribution(self, contribution_id: str) -> Any: ...


def largest_remainder(total: int, weights: dict[str, float]) -> dict[str, int]:
    """Split ``total`` into whole numbers proportional to ``weights`` (Hamilton's method, ties by key order)."""
    keys = list(weights)
    wsum = float(sum(weights.values()))
    quotas = {k: total * weights[k] / wsum for k in keys}
    shares = {k: int(np.floor(quotas[k])) for k in keys}
    left = total - sum(shares.values())
    for k in sorted(keys, key=lambda k: (-(quotas[k] - shares[k]), keys.index(k)))[:left]:
        shares[k] += 1
    return shares


def _sites(study: StudyShape) -> list[str]:
    """The study's sites: those with observation hours, in their order, then any other site of the roster."""
    return list(dict.fromkeys([*map(str, study.hours), *study.participants["site"].astype(str)]))


def _levels(study: StudyShape, a: Assumptions) -> list[str]:
    """The study's levels: those of the meeting_levels assumption, in its order, then any other of the roster."""
    return list(dict.fromkeys([*map(str, a["meeting_levels"]), *study.participants["level"].astype(str)]))


def _participants(study: StudyShape, a: Assumptions, rng: np.random.Generator) -> pd.DataFrame:
    clinical = study.participants[["participant_id", "site", "level", "follow_up"]].copy()
    clinical["group"] = "clinical"
    n_nc = int(study.non_clinical)
    sites, all_levels = _sites(study), _levels(study, a)
    by_site = largest_remainder(n_nc, clinical["site"].value_counts().reindex(sites, fill_value=0).to_dict())
    by_level = largest_remainder(n_nc, clinical["level"].value_counts().reindex(all_levels, fill_value=0).to_dict())
    levels = np.array([lvl for lvl in all_levels for _ in range(by_level[lvl])])
    rng.shuffle(levels)
    rows, k = [], 0
    for site in sites:
        for j in range(by_site[site]):
            rows.append(
                {
                    "participant_id": f"NC-{site}{j + 1:02d}",
                    "site": site,
                    "level": str(levels[k]),
                    "follow_up": False,
                    "group": "non-clinical",
                }
            )
            k += 1
    return pd.concat([clinical, pd.DataFrame(rows)], ignore_index=True)


def _documents(study: StudyShape, people: pd.DataFrame, a: Assumptions, rng: np.random.Generator) -> pd.DataFrame:
    def length(spec: dict[str, float]) -> int:
        return int(max(2000, round(rng.normal(spec["mean"], spec["sd"]))))

    later = a["later_stage_share"]
    sites, levels = _sites(study), _levels(study, a)
    docs = []
    # First interviews: site by site, random order within a site (interview_order assumption).
    for site in sites:
        here = people[people["site"] == site]
        for idx in rng.permutation(len(here)):
            p = here.iloc[int(idx)]
            docs.append(
                {
                    "document_id": f"INT-{p.participant_id}",
                    "participant_id": p.participant_id,
                    "source_type": "interview",
                    "n_chars": length(a["interview_chars"]),
                    "site": site,
                    "level": p.level,
                    "stage": "later" if rng.random() < later["interview"] else "early",
                }
            )
    for p in people[people["follow_up"]].itertuples():
        docs.append(
            {
                "document_id": f"FU-{p.participant_id}",
                "participant_id": p.participant_id,
                "source_type": "follow-up interview",
                "n_chars": length(a["follow_up_chars"]),
                "site": p.site,
                "level": p.level,
                "stage": "later" if rng.random() < later["follow-up interview"] else "early",
            }
        )
    n_meetings = int(study.meetings)
    hours = {site: float(h) for site, h in study.hours.items()}
    meetings = largest_remainder(n_meetings, hours)
    level_probs = np.array([a["meeting_levels"].get(lvl, 0.0) for lvl in levels], dtype=float)
    level_probs /= level_probs.sum()
    for site in sites:
        if not meetings.get(site):
            continue
        per_meeting = hours[site] / meetings[site]
        for j in range(meetings[site]):
            docs.append(
                {
                    "document_id": f"OBS-{site}{j + 1:02d}",
                    "participant_id": None,
                    "source_type": "observation",
                    "n_chars": int(round(per_meeting * a["field_note_chars_per_hour"])),
                    "site": site,
                    "level": str(rng.choice(levels, p=level_probs)),
                    "stage": "later" if rng.random() < later["observation"] else "early",
                }
            )
    frame = pd.DataFrame(docs)
    frame["sequence"] = range(1, len(frame) + 1)
    return frame


def _rate(code_contribution: str, activity: str, doc: pd.Series, group: str | None, a: Assumptions) -> float:
    rate = float(a["base_rate"])
    st = a["source_type_multiplier"]
    if doc["source_type"] == "interview":
        rate *= st["clinical interview"] if group == "clinical" else st["non-clinical interview"]
    else:
        rate *= st[doc["source_type"]]
    rate *= a.values.get(f"level_multiplier.{code_contribution}", {}).get(doc["level"], 1.0)
    rate *= a.values.get(f"activity_level_multiplier.{activity}", {}).get(doc["level"], 1.0)
    rate *= a["stage_multiplier"].get(code_contribution, {}).get(doc["stage"], 1.0)
    return rate


def _code_document(
    doc: pd.Series, group: str | None, codebook: CodesLike, a: Assumptions, rng: np.random.Generator
) -> list[dict[str, Any]]:
    seg = a["segment_chars"]
    rows = []
    for contribution in codebook.contributions:
        for activity in contribution.activities:
            n = rng.poisson(_rate(contribution.id, activity.id, doc, group, a))
            for _ in range(int(n)):
                span = int(rng.integers(seg["min"], seg["max"] + 1))
                span = min(span, int(doc["n_chars"]))
                start = int(rng.integers(0, int(doc["n_chars"]) - span + 1))
                rows.append(
                    {
                        "document_id": doc["document_id"],
                        "start": start,
                        "end": start + span,
                        "code": activity.id,
                        "coder": CODERS[0],
                    }
                )
    return rows


def _second_coder(
    rows: list[dict[str, Any]],
    doc: pd.Series,
    codebook: CodesLike,
    a: Assumptions,
    agreement: float,
    rng: np.random.Generator,
) -> list[dict[str, Any]]:
    """An independent second coding of the same document, agreeing with probability ``agreement``."""
    jitter = float(a["boundary_jitter"])
    n_chars = int(doc["n_chars"])
    out = []
    for r in rows:
        span = r["end"] - r["start"]
        shift = max(1, int(span * jitter))
        start = int(np.clip(r["start"] + rng.integers(-shift, shift + 1), 0, n_chars - 1))
        end = int(np.clip(r["end"] + rng.integers(-shift, shift + 1), start + 1, n_chars))
        if rng.random() < agreement:
            out.append({**r, "start": start, "end": end, "coder": CODERS[1]})
            continue
        choice = rng.random()
        if choice < 1 / 3:
            continue  # the second coder did not code this segment
        if choice < 2 / 3:
            siblings = [x.id for x in codebook.contribution(r["code"].split("/")[0]).activities if x.id != r["code"]]
            out.append({**r, "start": start, "end": end, "code": str(rng.choice(siblings)), "coder": CODERS[1]})
        else:
            out.append({**r, "start": start, "end": end, "coder": CODERS[1]})
            # ... and also marked a segment the first coder left uncoded
            span = min(int(rng.integers(a["segment_chars"]["min"], a["segment_chars"]["max"] + 1)), n_chars)
            s = int(rng.integers(0, n_chars - span + 1))
            out.append(
                {
                    "document_id": r["document_id"],
                    "start": s,
                    "end": s + span,
                    "code": str(rng.choice(codebook.activity_ids)),
                    "coder": CODERS[1],
                }
            )
    return out


def generate(
    study: StudyShape,
    codebook: CodesLike,
    assumptions: Assumptions,
    seed: int | None = None,
    double_coded_share: float | None = None,
    agreement: float | None = None,
) -> dict[str, pd.DataFrame | dict]:
    """Generate the synthetic corpus in memory.

    Parameters
    ----------
    study
        The shape of the study (roster, non-clinical leaders, observed meetings by site).
    codebook
        The codes to code with (e.g. :class:`ics_leadership.facts.codebook.Codebook`).
    assumptions
        Coding rates and lengths (:func:`load_assumptions`).
    seed
        Random seed (default: ``default_seed`` of the assumptions file). Same seed, same tables.
    double_coded_share, agreement
        Share of documents coded by a second coder, and the probability that the second coder
        agrees on a segment (defaults from the assumptions file).

    Returns
    -------
    dict
        ``documents``, ``codings``, ``participants`` frames and ``metadata`` (for corpus.yaml).
    """
    a = assumptions
    seed = a.default_seed if seed is None else int(seed)
    share = float(a["double_coded_share"] if double_coded_share is None else double_coded_share)
    agree = float(a["agreement"] if agreement is None else agreement)
    for name, value in (("double_coded_share", share), ("agreement", agree)):
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{name} must be between 0 and 1, got {value}")
    rng = np.random.default_rng(seed)

    people = _participants(study, a, rng)
    documents = _documents(study, people, a, rng)
    group = dict(zip(people["participant_id"], people["group"]))
    n_double = int(round(share * len(documents)))
    double = set(documents["document_id"].iloc[np.sort(rng.choice(len(documents), n_double, replace=False))])
    rows: list[dict[str, Any]] = []
    for _, doc in documents.iterrows():
        first = _code_document(doc, group.get(doc["participant_id"]), codebook, a, rng)
        rows.extend(first)
        if doc["document_id"] in double:
            rows.extend(_second_coder(first, doc, codebook, a, agree, rng))
    codings = pd.DataFrame(rows, columns=["document_id", "start", "end", "code", "coder"])
    codings = (
        codings.drop_duplicates(["document_id", "start", "end", "code", "coder"])
        .sort_values(["document_id", "coder", "start", "end", "code"], kind="mergesort")
        .reset_index(drop=True)
    )
    codings["excerpt"] = ""
    metadata = {
        "format_version": FORMAT_VERSION,
        "synthetic": True,
        "label": a.label,
        "description": (
            f"{a.label}: generated by ics_leadership {__version__} from "
            f"data/raw/{ASSUMPTIONS_FILE}; contains no interview text and no quotations."
        ),
        "seed": seed,
        "double_coded_share": share,
        "agreement": agree,
        "assumptions_sha256": a.digest,
        "counts": {
            "documents": int(len(documents)),
            "codings": int(len(codings)),
            "participants": int(len(people)),
            "double_coded_documents": n_double,
        },
    }
    participants = people[["participant_id", "site", "level", "group"]]
    return {"documents": documents, "codings": codings, "participants": participants, "metadata": metadata}


#: The command whose output :func:`write` writes (named in the folder's marker).
KIND = "synthesise"
_FILES = {"documents.csv", "codings.csv", "participants.csv", "corpus.yaml"}


def _earlier_corpus(folder: Path) -> bool:
    """A corpus written before output folders were marked: exactly its four files, saying it is synthetic."""
    names = {p.name for p in folder.iterdir()}
    if names != _FILES:
        return False
    try:
        return yaml.safe_load((folder / "corpus.yaml").read_text(encoding="utf-8")).get("synthetic") is True
    except (OSError, ValueError, AttributeError, yaml.YAMLError):
        return False


def check_out(out_dir: Path | str, force: bool = False) -> None:
    """Refuse ``out_dir`` before generating (see :func:`ics_leadership.core.outputs.check_folder`)."""
    outputs.check_folder(out_dir, KIND, force, _earlier_corpus)


def write(out_dir: Path | str, force: bool = False, **kwargs: Any) -> Path:
    """Generate the corpus and write it as canonical coded data into the new folder ``out_dir``.

    ``out_dir`` must be new or empty; with ``force`` an earlier corpus written here is replaced, never
    a folder this function did not write. Other keyword arguments (``study``, ``codebook``,
    ``assumptions``, ``seed``, ...) go to :func:`generate`.
    """
    check_out(out_dir, force)
    corpus = generate(**kwargs)
    text = yaml.safe_dump(corpus["metadata"], sort_keys=True, allow_unicode=True)

    def fill(tmp: Path) -> None:
        write_csv(corpus["documents"], tmp / "documents.csv")
        write_csv(corpus["codings"], tmp / "codings.csv")
        write_csv(corpus["participants"], tmp / "participants.csv")
        atomic_write(tmp / "corpus.yaml", lambda fh: fh.write(text.encode("utf-8")))

    return Path(outputs.publish_folder(out_dir, fill, force=force, kind=KIND, legacy=_earlier_corpus))
