"""How often codes occur, and how many participants express each contribution and activity.

*Frequency* counts coded segments (and documents). *Participant prevalence* counts people: how
many of the N participants in a group (a governance level, a site, any attribute) have at least one
coding of a code or of one of its descendants in their interviews, with a Wilson 95% interval
(statsmodels). Codes come from a :class:`~ics_leadership.coding.codetree.CodeTree` (the project's
own, or the compendium's codebook) and roll up to their parents. Groups are listed in the tree's
preferred order when the data use only those values, otherwise sorted
(:func:`ics_leadership.coding.format.ordered`).

Analyses of frequency and prevalence use one coder's codings (the *primary coder*: by default the
one with most codings), so that double-coded documents are not counted twice; agreement between
coders is the business of :mod:`ics_leadership.coding.agreement`. Every count is a grouped array
operation over the codings (no loop over codes or groups touches the codings).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from ics_leadership.coding import spans
from ics_leadership.coding.coded import CodedData
from ics_leadership.coding.codetree import CodeTree
from ics_leadership.coding.format import ordered

PARTICIPANT_SOURCES = ("interview", "follow-up interview")


def focus_applies(coded: CodedData, focus_group: str | None) -> bool:
    """Whether prevalence counts only ``focus_group`` (set, and some participant belongs to it)."""
    return focus_group is not None and bool((coded.documents["group"] == focus_group).fillna(False).any())


def primary_coder(coded: CodedData) -> str:
    """The coder with most codings (ties broken by name), whose codings the counts use."""
    counts = coded.codings.groupby("coder").size()
    return str(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0])


def attributes(coded: CodedData) -> pd.DataFrame:
    """Every document's attributes, with those of its participant that the document lacks.

    One row per document: the columns of documents.csv (``site``, ``level``, ``group``, any REFI
    variable) and of participants.csv (``role`` ...), so that any of them can group an analysis.
    """
    docs = coded.documents
    people = coded.participants
    if people is None:
        return docs
    extra = [c for c in people.columns if c != "participant_id" and c not in docs.columns]
    if not extra:
        return docs
    at = pd.Index(people["participant_id"]).get_indexer(docs["participant_id"])
    added = {c: people[c].to_numpy(dtype=object)[at] for c in extra}
    found = at >= 0
    return docs.assign(**{c: pd.array(np.where(found, v, None), dtype="string") for c, v in added.items()})


def analysis_codings(coded: CodedData, tree: CodeTree, coder: str | None = None) -> pd.DataFrame:
    """The primary coder's codings with their document's attributes and each code's top-level code.

    The top-level code is in the column named by ``tree.top_name`` ("contribution" for the
    compendium's codebook). ``code_index`` is the code's position in ``tree.codes`` (-1: not in
    the tree) and ``document_index`` the document's row in ``coded.documents``, so that later
    analyses need not look a million strings up again.
    """
    coder = coder or primary_coder(coded)
    codings = coded.codings[(coded.codings["coder"] == coder).to_numpy()].reset_index(drop=True)
    docs = attributes(coded)
    at = pd.Index(docs["document_id"]).get_indexer(codings["document_id"])
    joined = {c: docs[c].take(at).reset_index(drop=True) for c in docs.columns if c not in ("document_id", "n_chars")}
    frame = codings.assign(**joined)
    own = tree.index_of(frame["code"])
    position = {c: i for i, c in enumerate(tree.codes)}
    top_of = np.array([position[tree.top(c)] for c in tree.codes], dtype=np.int64)
    tops = np.asarray(tree.codes, dtype=object)[top_of[np.maximum(own, 0)]] if len(tree.codes) else own
    frame[tree.top_name] = pd.array(np.where(own >= 0, tops, None), dtype="string")
    frame["code_index"] = own
    frame["document_index"] = at
    return frame


def document_index(codings: pd.DataFrame, documents: pd.DataFrame) -> np.ndarray:
    """Each coding's row in ``documents``: the ``document_index`` column that :func:`analysis_codings`
    adds, else looked up (-1: not there). Document-level values then reach codings by position."""
    if "document_index" in codings:
        return codings["document_index"].to_numpy()
    return pd.Index(documents["document_id"]).get_indexer(codings["document_id"])


def wilson(count: int, nobs: int, alpha: float = 0.05) -> tuple[float, float]:
    """Wilson score interval for ``count`` successes in ``nobs`` trials (NaN, NaN when nobs is 0)."""
    if nobs == 0:
        return float("nan"), float("nan")
    # Imported on first use: scipy and statsmodels take ~0.4 s to load, which `summarise` then
    # pays after its work is split over two cores, not before.
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(count, nobs, alpha=alpha, method="wilson")
    return float(low), float(high)


def wilson_arrays(count: np.ndarray, nobs: np.ndarray, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """:func:`wilson` for arrays of counts (NaN where ``nobs`` is 0)."""
    count, nobs = np.asarray(count, dtype=float), np.asarray(nobs, dtype=float)
    safe = np.where(nobs > 0, nobs, 1.0)
    # Imported on first use: scipy and statsmodels take ~0.4 s to load, which `summarise` then
    # pays after its work is split over two cores, not before.
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(count, safe, alpha=alpha, method="wilson")
    empty = nobs == 0
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)


def _rolled(codings: pd.DataFrame, tree: CodeTree) -> pd.DataFrame:
    """Codings once per code they count for (their own and every ancestor): row, hit (code index)."""
    row, hit = tree.roll_up_codings(codings)
    return pd.DataFrame({"row": row, "hit": hit})


def _document_index_of(codings: pd.DataFrame) -> np.ndarray:
    """An integer per coding for its document (``document_index`` when there, else a factorisation)."""
    if "document_index" in codings:
        return codings["document_index"].to_numpy()
    return pd.factorize(codings["document_id"])[0]


def _by_document(codings: pd.DataFrame, doc_of: np.ndarray, number: Callable[[pd.Series], np.ndarray]) -> np.ndarray:
    """An integer per coding for its participant, computed once per document (a document has one
    participant): ``number`` turns the participant ids of one coding per document into integers."""
    if not len(codings):
        return np.zeros(0, dtype=np.int64)
    first = pd.Series(np.arange(len(codings))).groupby(doc_of).first().to_numpy()
    per_doc = np.full(int(doc_of.max()) + 1, -1, dtype=np.int64)
    per_doc[doc_of[first]] = number(codings["participant_id"].take(first))
    return per_doc[doc_of]


def _participant_of(codings: pd.DataFrame, doc_of: np.ndarray) -> np.ndarray:
    """An integer per coding for its participant (-1: none)."""
    return _by_document(codings, doc_of, lambda ids: pd.factorize(ids, use_na_sentinel=True)[0])


def participant_positions(codings: pd.DataFrame, people: pd.DataFrame) -> np.ndarray:
    """Each coding's participant as a row of ``people`` (-1: none, or not among them)."""
    index = pd.Index(people["participant_id"])
    return _by_document(codings, _document_index_of(codings), index.get_indexer)


def _distinct_per_code(hit: np.ndarray, values: np.ndarray, k: int) -> np.ndarray:
    """For each code index 0..k-1, how many distinct ``values`` (integers >= 0) its rows have."""
    keep = values >= 0
    pairs = spans.distinct(hit[keep] * (int(values.max(initial=0)) + 1) + values[keep])
    return np.bincount(pairs // (int(values.max(initial=0)) + 1), minlength=k)


FREQUENCY_COLUMNS = ["code", "label", "kind", "segments", "passages", "documents", "participants"]


def frequencies(codings: pd.DataFrame, tree: CodeTree) -> pd.DataFrame:
    """Per code of ``tree``, in its order, counting the code and its descendants.

    Columns: code, label, kind, the top-level code's label (column ``tree.top_name``), segments
    (codings), passages (those codings merged where they overlap in a document, so a span coded with
    a parent and its child is one passage of the parent), documents, participants.
    """
    k = len(tree.codes)
    codings = codings.reset_index(drop=True)
    r = _rolled(codings, tree)
    row, hit = r["row"].to_numpy(), r["hit"].to_numpy()
    doc_of = _document_index_of(codings)
    doc = doc_of[row]
    person = _participant_of(codings, doc_of)[row]
    merged = spans.merge(doc * k + hit, codings["start"].to_numpy()[row], codings["end"].to_numpy()[row])
    codes = list(tree.codes)
    return pd.DataFrame(
        {
            "code": codes,
            "label": [tree.label(c) for c in codes],
            "kind": [tree.kind(c) for c in codes],
            tree.top_name: [tree.label(tree.top(c)) for c in codes],
            "segments": np.bincount(hit, minlength=k),
            "passages": np.bincount(merged.group % k, minlength=k) if k else [],
            "documents": _distinct_per_code(hit, doc, k),
            "participants": _distinct_per_code(hit, person, k),
        },
        columns=["code", "label", "kind", tree.top_name, "segments", "passages", "documents", "participants"],
    )


def participant_universe(coded: CodedData, focus_group: str | None = None) -> pd.DataFrame:
    """The participants prevalence is computed over: everyone with an interview, or only the members of
    ``focus_group`` when it is given and the data record it. One row per participant with site, level
    and every other attribute of their first interview."""
    every = attributes(coded)
    docs = every[every["source_type"].isin(PARTICIPANT_SOURCES) & every["participant_id"].notna()]
    if focus_applies(coded, focus_group):
        docs = docs[docs["group"] == focus_group]
    columns = [c for c in docs.columns if c not in ("participant_id", "document_id", "n_chars", "sequence")]
    people = docs.groupby("participant_id", sort=True)[columns].first()
    return people.reset_index()


def prevalence(
    coded: CodedData,
    codings: pd.DataFrame,
    tree: CodeTree,
    by: str | None = None,
    alpha: float = 0.05,
    focus_group: str | None = None,
    people: pd.DataFrame | None = None,
    pairs: np.ndarray | None = None,
) -> pd.DataFrame:
    """Participant prevalence of every code of ``tree``, overall or by the attribute ``by``.

    Returns a long table: code, label, kind, by, group, participants (N), expressing (n),
    proportion, ci_low, ci_high (Wilson, 1 - ``alpha``), code by code in the tree's order.
    ``people`` (:func:`participant_universe` of ``coded`` and ``focus_group``) and ``pairs``
    (:func:`expressing_pairs` of them): when already computed, as for several ``by`` at once.
    """
    people = participant_universe(coded, focus_group) if people is None else people
    pairs = expressing_pairs(codings, tree, people) if pairs is None else pairs
    if by is not None and by not in people:
        people = people.assign(**{by: pd.NA})
    names = ["all"] if by is None else _ordered(people[by], by, tree)
    group_of_person = (
        np.zeros(len(people), dtype=np.int64)
        if by is None
        else pd.Index(names).get_indexer(people[by].astype("string"))
    )
    sizes = np.bincount(group_of_person[group_of_person >= 0], minlength=len(names))
    k = len(tree.codes)
    pair_group = group_of_person[pairs // max(k, 1)]
    valid = pair_group >= 0
    expressing = np.bincount((pairs % max(k, 1))[valid] * len(names) + pair_group[valid], minlength=k * len(names))
    n = np.tile(sizes, k)
    low, high = wilson_arrays(expressing, n, alpha)
    codes = list(tree.codes)
    with np.errstate(divide="ignore", invalid="ignore"):
        proportion = np.where(n > 0, expressing / np.where(n > 0, n, 1), np.nan)
    table = pd.DataFrame(
        {
            "code": np.repeat(codes, len(names)),
            "label": np.repeat([tree.label(c) for c in codes], len(names)),
            "kind": np.repeat([tree.kind(c) for c in codes], len(names)),
            "by": by or "overall",
            "group": np.tile(np.asarray(names, dtype=object), k),
            "participants": n.astype(int),
            "expressing": expressing.astype(int),
            "proportion": proportion,
            "ci_low": low,
            "ci_high": high,
        }
    )
    # Named columns even when there are no groups (no participant has a level): callers select them.
    return table.reindex(columns=PREVALENCE_COLUMNS)


def expressing_pairs(codings: pd.DataFrame, tree: CodeTree, people: pd.DataFrame) -> np.ndarray:
    """Who expresses which code: the distinct (participant, code) pairs as ``position * k + code``
    (``position`` in ``people``, ``code`` in ``tree.codes``, k their number), each code counting its
    descendants' codings."""
    codings = codings.reset_index(drop=True)
    person = participant_positions(codings, people)
    r = _rolled(codings, tree)
    k = len(tree.codes)
    who = person[r["row"].to_numpy()]
    hit = r["hit"].to_numpy()[who >= 0]
    who = who[who >= 0]
    return spans.distinct(who * max(k, 1) + hit)


PREVALENCE_COLUMNS = [
    "code",
    "label",
    "kind",
    "by",
    "group",
    "participants",
    "expressing",
    "proportion",
    "ci_low",
    "ci_high",
]


def _ordered(values: pd.Series, by: str, tree: CodeTree) -> list[str]:
    """Groups in the tree's preferred order of the attribute's values when the data use only those, else sorted."""
    preferred = tree.orders.get(by)
    return ordered(values.dropna().astype(str), list(preferred) if preferred else None)
