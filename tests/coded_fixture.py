"""Build small canonical coded-data folders for tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml


def make_coded(
    folder: Path,
    documents: list[dict],
    codings: list[dict],
    participants: list[dict] | None = None,
    synthetic: bool = False,
) -> Path:
    """Write documents.csv, codings.csv (and participants.csv, corpus.yaml) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(documents).to_csv(folder / "documents.csv", index=False)
    frame = pd.DataFrame(codings, columns=["document_id", "start", "end", "code", "coder"])
    frame.to_csv(folder / "codings.csv", index=False)
    if participants is not None:
        pd.DataFrame(participants).to_csv(folder / "participants.csv", index=False)
    (folder / "corpus.yaml").write_text(yaml.safe_dump({"synthetic": synthetic, "description": "test fixture"}))
    return folder


def doc(
    document_id: str, n_chars: int = 100, participant_id: str | None = None, source_type: str = "interview", **attrs
) -> dict:
    return {
        "document_id": document_id,
        "participant_id": participant_id or "",
        "source_type": source_type,
        "n_chars": n_chars,
        **attrs,
    }


def coding(document_id: str, start: int, end: int, code: str, coder: str = "A") -> dict:
    return {"document_id": document_id, "start": start, "end": end, "code": code, "coder": coder}


#: Five interviewees' themes: a-d in one each (Q1 = 4), e-f in two (Q2 = 2), g in three, h in four.
PILOT_THEMES = [{"a", "e", "g", "h"}, {"b", "e", "g", "h"}, {"c", "f", "g", "h"}, {"d", "f", "h"}, set()]


def pilot_project(folder: Path) -> Path:
    """PILOT_THEMES as coded interviews of P1-P5 (P5's coded nothing), plus a follow-up of P1 repeating a and e.

    Codes are paths: a-d under "one/", e-f under "two/", g and h top-level.
    """
    path = {t: f"one/{t}" for t in "abcd"} | {t: f"two/{t}" for t in "ef"} | {"g": "g", "h": "h"}
    docs = [doc(f"D{i}", 900, f"P{i}", sequence=i) for i in range(1, 6)]
    docs.append(doc("F1", 900, "P1", source_type="follow-up interview", sequence=6))
    cods = [
        coding(f"D{i}", 10 * j, 10 * j + 5, path[t])
        for i, themes in enumerate(PILOT_THEMES, 1)
        for j, t in enumerate(sorted(themes))
    ]
    cods += [coding("F1", 0, 5, path["a"]), coding("F1", 10, 15, path["e"])]
    people = [{"participant_id": f"P{i}", "level": "system"} for i in range(1, 6)]
    return make_coded(folder, docs, cods, people)
