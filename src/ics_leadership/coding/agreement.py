"""Inter-coder agreement on documents coded by more than one coder.

Three views, per code:

- **Character level**, as NVivo computes it: for one document and one code, every character is a
  unit, coded or not by each coder; Cohen's kappa compares the two. NVivo reports kappa 1 when both
  coders left the document uncoded; a code's summary kappa is the average over documents weighted
  by document length.
- **Segment level**: the spans either coder marked in a document are merged where they overlap;
  each merged span is a unit, and each coder either applied the code within it or not. Cohen's
  kappa, Krippendorff's alpha (nominal) and percent agreement are computed over those units.
- **Percent agreement** at both levels, which is easy to read but ignores chance.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd


def cohen_kappa_binary(a: np.ndarray, b: np.ndarray) -> float:
    """Cohen's kappa for two binary ratings of the same units; 1.0 when they agree on every unit."""
    a, b = np.asarray(a, dtype=bool), np.asarray(b, dtype=bool)
    n = a.size
    if n == 0:
        return float("nan")
    po = float(np.mean(a == b))
    pa, pb = a.mean(), b.mean()
    pe = float(pa * pb + (1 - pa) * (1 - pb))
    if po == 1.0:
        return 1.0
    if pe == 1.0:
        return float("nan")
    return (po - pe) / (1 - pe)


def _mask(spans: pd.DataFrame, n_chars: int) -> np.ndarray:
    mask = np.zeros(n_chars, dtype=bool)
    for s, e in zip(spans["start"], spans["end"]):
        mask[int(s) : int(e)] = True
    return mask


def character_kappa(spans_a: pd.DataFrame, spans_b: pd.DataFrame, n_chars: int) -> tuple[float, float]:
    """Character-level (kappa, percent agreement) for one code in one document."""
    a, b = _mask(spans_a, n_chars), _mask(spans_b, n_chars)
    return cohen_kappa_binary(a, b), float(np.mean(a == b)) if n_chars else float("nan")


def merged_units(spans: pd.DataFrame) -> list[tuple[int, int]]:
    """Merge overlapping [start, end) spans into units."""
    units: list[list[int]] = []
    for s, e in sorted(zip(spans["start"].astype(int), spans["end"].astype(int))):
        if units and s < units[-1][1]:
            units[-1][1] = max(units[-1][1], e)
        else:
            units.append([s, e])
    return [(s, e) for s, e in units]


def krippendorff_alpha(a: np.ndarray, b: np.ndarray) -> float:
    """Krippendorff's alpha (nominal) for two coders; 1.0 when they agree on every unit."""
    import krippendorff

    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.size == 0:
        return float("nan")
    if np.array_equal(a, b):
        return 1.0
    if len(np.unique(np.concatenate([a, b]))) < 2:
        return float("nan")
    return float(krippendorff.alpha(reliability_data=np.vstack([a, b]), level_of_measurement="nominal"))


def agreement(codings: pd.DataFrame, documents: pd.DataFrame, codes: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Agreement per code over every document coded by two or more coders (each pair of coders).

    Returns
    -------
    (by_code, by_document)
        ``by_code``: code, coder pair, documents, kappa (character level, NVivo style, weighted by
        length), percent_agreement (character level), units, segment_kappa, krippendorff_alpha,
        segment_percent_agreement. ``by_document``: the character-level figures per code and document.
    """
    length = dict(zip(documents["document_id"], documents["n_chars"].astype(int)))
    per_doc, segment_rows = [], {}
    coders_by_doc = codings.groupby("document_id")["coder"].unique()
    for doc_id, coders in coders_by_doc.items():
        if len(coders) < 2:
            continue
        doc = codings[codings["document_id"] == doc_id]
        for ca, cb in combinations(sorted(coders), 2):
            da, db = doc[doc["coder"] == ca], doc[doc["coder"] == cb]
            units = merged_units(pd.concat([da, db]))
            for code in codes:
                sa, sb = da[da["code"] == code], db[db["code"] == code]
                kappa, pct = character_kappa(sa, sb, length[doc_id])
                per_doc.append(
                    {
                        "code": code,
                        "coders": f"{ca} / {cb}",
                        "document_id": doc_id,
                        "n_chars": length[doc_id],
                        "kappa": kappa,
                        "percent_agreement": pct,
                        "coded_by_either": bool(len(sa) or len(sb)),
                    }
                )
                seg = segment_rows.setdefault((code, f"{ca} / {cb}"), ([], []))
                for s, e in units:
                    seg[0].append(bool(((sa["start"] < e) & (sa["end"] > s)).any()))
                    seg[1].append(bool(((sb["start"] < e) & (sb["end"] > s)).any()))
    by_document = pd.DataFrame(
        per_doc, columns=["code", "coders", "document_id", "n_chars", "kappa", "percent_agreement", "coded_by_either"]
    )
    rows = []
    for (code, pair), group in by_document.groupby(["code", "coders"], sort=False):
        weights = group["n_chars"].astype(float)
        a, b = (np.array(x) for x in segment_rows[(code, pair)])
        rows.append(
            {
                "code": code,
                "coders": pair,
                "documents": int(len(group)),
                "kappa": float(np.average(group["kappa"], weights=weights)),
                "percent_agreement": float(np.average(group["percent_agreement"], weights=weights)),
                "units": int(a.size),
                "segment_kappa": cohen_kappa_binary(a, b),
                "krippendorff_alpha": krippendorff_alpha(a, b),
                "segment_percent_agreement": float(np.mean(a == b)) if a.size else float("nan"),
            }
        )
    return pd.DataFrame(rows), by_document
