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

Both levels need only counts, never a mask per character: at the character level, the lengths of
each coder's coded characters and of their union per document and code
(:func:`ics_leadership.coding.spans.merge`); at the segment level, in how many units each coder,
or both, applied the code. Every coding lies inside exactly one unit (units are the merged spans
of both coders), so a coder "applied the code within a unit" when one of their codings of it maps
there. :func:`agreement` is therefore linear in the number of codings (times a log for sorting);
:func:`character_kappa` and :func:`merged_units` remain, for one document, as the definitions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ics_leadership.coding import spans


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


def kappa_from_counts(both: np.ndarray, only_a: np.ndarray, only_b: np.ndarray, units: np.ndarray) -> np.ndarray:
    """Cohen's kappa of two binary ratings from their 2 x 2 counts, as :func:`cohen_kappa_binary`.

    ``both``: units rated 1 by both; ``only_a``, ``only_b``: by one of them; ``units``: all units.
    1.0 where they agree on every unit, NaN where there is no unit.
    """
    both, only_a, only_b, units = (np.asarray(x, dtype=np.int64) for x in (both, only_a, only_b, units))
    with np.errstate(divide="ignore", invalid="ignore"):
        po = (units - only_a - only_b) / units
        pa = (both + only_a) / units
        pb = (both + only_b) / units
        pe = pa * pb + (1 - pa) * (1 - pb)
        kappa = (po - pe) / (1 - pe)
    kappa = np.where(pe == 1.0, np.nan, kappa)
    kappa = np.where(only_a + only_b == 0, 1.0, kappa)
    return np.where(units == 0, np.nan, kappa)


def alpha_from_counts(both: np.ndarray, only_a: np.ndarray, only_b: np.ndarray, units: np.ndarray) -> np.ndarray:
    """Krippendorff's alpha (nominal, two coders, binary values) from the 2 x 2 counts.

    The coincidence matrix of two coders rating every unit has ``o11 = 2 both``, ``o00 = 2 neither``
    and ``o01 = o10 = only_a + only_b``; with ``n = 2 units``, alpha = 1 - (n - 1) (o01 + o10) /
    (2 n0 n1). 1.0 where the coders agree on every unit; NaN where all ratings are one value (as
    :func:`krippendorff_alpha`).
    """
    both, only_a, only_b, units = (np.asarray(x, dtype=np.int64) for x in (both, only_a, only_b, units))
    differ = only_a + only_b
    n1 = 2 * both + differ
    n0 = 2 * (units - both - differ) + differ
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = 1 - (2 * units - 1) * differ / (n0 * n1)
    alpha = np.where((n0 == 0) | (n1 == 0), np.nan, alpha)
    alpha = np.where((differ == 0) & (units > 0), 1.0, alpha)
    return np.where(units == 0, np.nan, alpha)


BY_DOCUMENT_COLUMNS = ["code", "coders", "document_id", "n_chars", "kappa", "percent_agreement", "coded_by_either"]
BY_CODE_COLUMNS = [
    "code",
    "coders",
    "documents",
    "kappa",
    "percent_agreement",
    "units",
    "segment_kappa",
    "krippendorff_alpha",
    "segment_percent_agreement",
]


def pair_up(codings: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Coder pairs of each document coded by two or more, and each coding once per pair it is in.

    Returns ``(pairs, paired)``. ``pairs``: document_id, coder_a < coder_b, sorted by document then
    coders. ``paired``: row (position in ``codings``), pair (row of ``pairs``), side (0: coder_a,
    1: coder_b). Documents and coders are factorised once and matched as integers.
    """
    docs, doc_names = pd.factorize(codings["document_id"])
    coders, coder_names = pd.factorize(codings["coder"])
    keys = pd.DataFrame({"doc": docs, "coder": coders})
    who = keys.drop_duplicates()
    pairs = who.merge(who, on="doc", suffixes=("_a_key", "_b_key"))
    names = np.asarray(coder_names, dtype=object).astype(str)
    pairs = pairs[names[pairs["coder_a_key"].to_numpy()] < names[pairs["coder_b_key"].to_numpy()]]
    pairs = pairs.assign(
        document_id=np.asarray(doc_names, dtype=object)[pairs["doc"].to_numpy()],
        coder_a=names[pairs["coder_a_key"].to_numpy()],
        coder_b=names[pairs["coder_b_key"].to_numpy()],
    )
    pairs = pairs.sort_values(["document_id", "coder_a", "coder_b"], key=lambda c: c.astype(str)).reset_index(drop=True)
    keys = keys.assign(row=np.arange(len(codings)))
    sides = [
        keys.merge(
            pairs[["doc", key]].assign(pair=np.arange(len(pairs))).rename(columns={key: "coder"}),
            on=["doc", "coder"],
        ).assign(side=k)
        for k, key in enumerate(("coder_a_key", "coder_b_key"))
    ]
    paired = pd.concat(sides, ignore_index=True)[["row", "pair", "side"]]
    return pairs[["document_id", "coder_a", "coder_b"]], paired


def agreement(
    codings: pd.DataFrame,
    documents: pd.DataFrame,
    codes: list[str],
    paired: tuple[pd.DataFrame, pd.DataFrame] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Agreement per code over every document coded by two or more coders (each pair of coders).

    Returns
    -------
    (by_code, by_document)
        ``by_code``: code, coder pair, documents, kappa (character level, NVivo style, weighted by
        length), percent_agreement (character level), units, segment_kappa, krippendorff_alpha,
        segment_percent_agreement. ``by_document``: the character-level figures per code and
        document, in the order of documents, coder pairs and ``codes``. ``paired``: :func:`pair_up`
        of ``codings``, when the caller has it already.
    """
    pairs, rows = paired if paired is not None else pair_up(codings)
    pairs = pairs.copy()
    if pairs.empty or not codes:
        return pd.DataFrame(columns=BY_CODE_COLUMNS), pd.DataFrame(columns=BY_DOCUMENT_COLUMNS)
    pairs["pair"] = np.arange(len(pairs))
    pairs["coders"] = pairs["coder_a"].astype(str) + " / " + pairs["coder_b"].astype(str)
    length = documents.set_index("document_id")["n_chars"].astype(np.int64)
    pairs["n_chars"] = pairs["document_id"].map(length).to_numpy(dtype=np.int64)
    code_index = pd.Index(codes)
    n_pairs, n_codes = len(pairs), len(codes)

    # Each coding once per pair its coder belongs to, on side 0 (coder_a) or 1 (coder_b).
    row = rows["row"].to_numpy()
    pair = rows["pair"].to_numpy(dtype=np.int64)
    side = rows["side"].to_numpy(dtype=np.int64)
    start = codings["start"].to_numpy(dtype=np.int64)[row]
    end = codings["end"].to_numpy(dtype=np.int64)[row]
    code = code_index.get_indexer(codings["code"])[row]  # -1: not among the codes compared

    # Character level: |A|, |B| and |A u B| for each pair and code, from merged spans.
    mine = code >= 0
    cell = pair[mine] * n_codes + code[mine]
    cells = n_pairs * n_codes
    per_side = spans.merge(cell * 2 + side[mine], start[mine], end[mine]).union_length(cells * 2).reshape(cells, 2)
    either = spans.merge(cell, start[mine], end[mine]).union_length(cells)
    len_a, len_b = per_side[:, 0], per_side[:, 1]
    both = len_a + len_b - either
    n_chars = np.repeat(pairs["n_chars"].to_numpy(dtype=np.int64), n_codes)
    kappa = kappa_from_counts(both, len_a - both, len_b - both, n_chars)
    with np.errstate(divide="ignore", invalid="ignore"):
        percent = np.where(n_chars > 0, (n_chars - len_a - len_b + 2 * both) / n_chars, np.nan)
    by_document = pd.DataFrame(
        {
            "code": np.tile(np.asarray(codes, dtype=object), n_pairs),
            "coders": np.repeat(pairs["coders"].to_numpy(dtype=object), n_codes),
            "document_id": np.repeat(pairs["document_id"].to_numpy(dtype=object), n_codes),
            "n_chars": n_chars,
            "kappa": kappa,
            "percent_agreement": percent,
            "coded_by_either": either > 0,
        }
    )

    # Segment level: units are both coders' spans merged (all codes); count, per coder pair and
    # code, the units where coder a, coder b, or both applied the code.
    units = spans.merge(pair, start, end)
    label = pd.Index(sorted(pairs["coders"].unique()))
    label_of_pair = label.get_indexer(pairs["coders"])
    units_per_label = np.bincount(label_of_pair[units.group], minlength=len(label))
    hit = pd.DataFrame({"unit": units.unit_of[mine], "code": code[mine], "side": side[mine] + 1}).drop_duplicates()
    mask = hit.groupby(["unit", "code"], sort=False)["side"].sum()  # 1: a only, 2: b only, 3: both
    unit_ids = mask.index.get_level_values("unit").to_numpy()
    key = label_of_pair[units.group[unit_ids]] * n_codes + mask.index.get_level_values("code").to_numpy()
    counts = np.zeros((len(label) * n_codes, 4), dtype=np.int64)
    np.add.at(counts, (key, mask.to_numpy()), 1)
    seg_a, seg_b, seg_both = counts[:, 1], counts[:, 2], counts[:, 3]
    seg_units = np.repeat(units_per_label, n_codes)
    seg_kappa = kappa_from_counts(seg_both, seg_a, seg_b, seg_units)
    seg_alpha = alpha_from_counts(seg_both, seg_a, seg_b, seg_units)
    with np.errstate(divide="ignore", invalid="ignore"):
        seg_percent = np.where(seg_units > 0, (seg_units - seg_a - seg_b) / seg_units, np.nan)
    segment = pd.DataFrame(
        {
            "coders": np.repeat(label.to_numpy(dtype=object), n_codes),
            "code": np.tile(np.asarray(codes, dtype=object), len(label)),
            "units": seg_units,
            "segment_kappa": seg_kappa,
            "krippendorff_alpha": seg_alpha,
            "segment_percent_agreement": seg_percent,
        }
    )

    weighted = by_document.assign(
        kw=by_document["kappa"] * by_document["n_chars"], pw=by_document["percent_agreement"] * by_document["n_chars"]
    )
    grouped = weighted.groupby(["code", "coders"], sort=False)
    by_code = grouped.agg(documents=("document_id", "size"), kw=("kw", "sum"), pw=("pw", "sum"), w=("n_chars", "sum"))
    by_code = by_code.assign(
        kappa=_weighted(grouped["kappa"], by_code["kw"], by_code["w"]),
        percent_agreement=_weighted(grouped["percent_agreement"], by_code["pw"], by_code["w"]),
    ).reset_index()
    by_code = by_code.merge(segment, on=["code", "coders"], how="left")
    return by_code[BY_CODE_COLUMNS], by_document[BY_DOCUMENT_COLUMNS]


def _weighted(values: pd.core.groupby.SeriesGroupBy, weighted_sum: pd.Series, weights: pd.Series) -> pd.Series:
    """Weighted mean per group; NaN when a value of the group is NaN, as ``np.average`` gives."""
    has_nan = (values.count() < values.size()).to_numpy()
    return (weighted_sum / weights).where(~has_nan, np.nan)
