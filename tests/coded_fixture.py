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
