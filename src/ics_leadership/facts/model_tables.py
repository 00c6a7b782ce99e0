"""The conceptual model as tables: nodes, links, theory crosswalk, domains and concentration.

:class:`ModelTables` is mixed into :class:`~ics_leadership.facts.model.Model`, so the tables are
its methods (``model.nodes_table()``). Each table comes in two forms from one builder: the
default keeps one fact per column (the CSV files in ``data/derived``); with ``compact=True``
related facts share a column, so the table fits the book's text column. Captions and page
formatting are :mod:`ics_leadership.figures`'.
"""

from __future__ import annotations

import pandas as pd

from ics_leadership.facts.codebook import Codebook
from ics_leadership.facts.model_types import DISPUTED, ContributionRelation, Link
from ics_leadership.facts.vocabulary import LEVELS, STAGES


class ModelTables:
    """Table builders of :class:`~ics_leadership.facts.model.Model` (a mixin: it uses the model's
    ``nodes``, ``links``, ``theories``, ``domains`` and ``concentration`` and its look-ups)."""

    def nodes_table(self, compact: bool = False) -> pd.DataFrame:
        """One row per node: layer, node, id, code, description, location."""
        frame = pd.DataFrame(
            [
                {
                    "layer": self.layer(n.layer).label,
                    "node": n.label,
                    "id": n.id,
                    "code": n.code or "",
                    "description": n.description,
                    "location": n.location,
                }
                for n in self.nodes
            ]
        )
        if compact:
            frame = frame[["layer", "node", "description", "location"]].rename(
                columns={"layer": "column", "node": "box", "location": "where in the paper"}
            )
        return frame

    def _reading(self, link: Link) -> str:
        """A link's summary with its note, primary effect and, if inferred, the reason."""
        text = link.summary
        if link.via:
            text += f" Primary effect on the way: {link.via}."
        if link.note:
            text += f" {link.note}"
        if link.basis == "inferred":
            text += f" Inferred: {link.reason}"
        return text

    def links_table(self, compact: bool = False) -> pd.DataFrame:
        """One row per link: source, target, from, to, basis, location, summary, via, note, reason."""
        if compact:
            return pd.DataFrame(
                [
                    {
                        "link": self.link_text(link),
                        "basis": link.basis,
                        "where in the paper": link.location,
                        "what it says": self._reading(link),
                    }
                    for link in self.links
                ]
            )
        return pd.DataFrame(
            [
                {
                    "source": link.source,
                    "target": link.target,
                    "from": self.label(link.source),
                    "to": self.label(link.target),
                    "basis": link.basis,
                    "location": link.location,
                    "summary": link.summary,
                    "via": link.via or "",
                    "note": link.note or "",
                    "reason": link.reason or "",
                }
                for link in self.links
            ]
        )

    def _mapping_text(self, mappings: tuple[ContributionRelation, ...]) -> str:
        return "; ".join(f"{self.contribution_node(m.contribution).label} ({m.basis})" for m in mappings)

    @staticmethod
    def _locations(mappings: tuple[ContributionRelation, ...]) -> str:
        parts = [part.strip() for m in mappings for part in m.location.split(";")]
        return "; ".join(dict.fromkeys(parts))

    def crosswalk_table(self, compact: bool = False) -> pd.DataFrame:
        """The theory crosswalk: one row per theory element with the contributions related to it.

        Columns: theory, element, definition, contributions (each with its basis), where defined,
        where related, reason or note. ``compact=True`` gives theory, element and contributions only
        (the overview); :meth:`crosswalk_detail` gives the rest.
        """
        rows = []
        for t in self.theories:
            for e in t.elements:
                reasons = [
                    f"{self.contribution_node(m.contribution).label}: {m.reason}"
                    for m in e.mappings
                    if m.basis == "inferred"
                ]
                rows.append(
                    {
                        "theory": f"{t.label} ({t.authors})",
                        "element": e.label,
                        "definition": e.definition,
                        "contributions": self._mapping_text(e.mappings) or "none in the paper",
                        "where defined": e.location,
                        "where related": self._locations(e.mappings),
                        "reason or note": " ".join(reasons) or (e.note or ""),
                    }
                )
        frame = pd.DataFrame(rows)
        return frame[["theory", "element", "contributions"]] if compact else frame

    def crosswalk_detail(self) -> pd.DataFrame:
        """The crosswalk's definitions, locations and reasons, in four columns for reading."""
        full = self.crosswalk_table()
        return pd.DataFrame(
            {
                "element": full["element"] + " (" + full["theory"].str.extract(r"\((.*)\)$")[0] + ")",
                "definition": full["definition"],
                "where in the paper": "defined: "
                + full["where defined"]
                + full["where related"].map(lambda w: f"; related: {w}" if w else ""),
                "reason or note": full["reason or note"],
            }
        )

    def domains_table(self, compact: bool = False) -> pd.DataFrame:
        """One row per domain: what it covers (stated) and the contributions we relate to it (inferred)."""
        rows = []
        for d in self.domains:
            reasons = " ".join(
                f"{self.contribution_node(m.contribution).label}: {m.reason}" for m in d.mappings if m.reason
            )
            if compact:
                why = " ".join(
                    f"{self.contribution_node(m.contribution).label} ({m.basis}): {m.reason or ''}" for m in d.mappings
                )
                rows.append(
                    {
                        "domain": f"{d.label}: {', '.join(d.covers)} ({d.location})",
                        "description": d.description,
                        "contributions and why": why.strip(),
                    }
                )
            else:
                rows.append(
                    {
                        "domain": d.label,
                        "covers": ", ".join(d.covers),
                        "description": d.description,
                        "location": d.location,
                        "contributions": self._mapping_text(d.mappings),
                        "reason": reasons,
                    }
                )
        return pd.DataFrame(rows)

    def concentration_reports(self, codebook: Codebook | None = None, compact: bool = False) -> pd.DataFrame:
        """Every concentration report, long: dimension, contribution, key, emphasis, basis, location, note, reason.

        ``compact=True`` (labels from ``codebook`` when given): contribution, level or stage,
        emphasis (marked when inferred), where in the paper, note (with the reason if inferred).
        """
        rows = []
        for dimension in ("levels", "stages"):
            for contribution, cells in self.concentration[dimension].items():
                for key, reports in cells.items():
                    for r in reports:
                        rows.append(
                            {
                                "dimension": dimension,
                                "contribution": contribution,
                                "key": key,
                                "emphasis": r.emphasis,
                                "basis": r.basis,
                                "location": r.location,
                                "note": r.note or "",
                                "reason": r.reason or "",
                            }
                        )
        frame = pd.DataFrame(rows)
        if not compact:
            return frame
        names = {**{k: v["label"] for k, v in (codebook.levels | codebook.stages).items()}} if codebook else {}
        return pd.DataFrame(
            {
                "contribution": frame["contribution"].map(lambda c: self.contribution_node(c).label),
                "level or stage": [names.get(k, k.capitalize()) for k in frame["key"]],
                "emphasis": frame["emphasis"] + frame["basis"].map({"inferred": " (inferred)", "stated": ""}),
                "where in the paper": frame["location"],
                "note": (frame["note"] + frame["reason"].map(lambda r: f" Inferred: {r}" if r else "")).str.strip(),
            }
        )

    def concentration_matrix(self, codebook: Codebook | None = None, cite: bool = False) -> pd.DataFrame:
        """Contributions (rows) by level and stage (columns): the emphasis of each cell.

        A cell whose reports disagree lists each emphasis (with its location when ``cite``); a cell
        resting on an inferred report is marked "(inferred)". Column labels come from ``codebook``
        when given.
        """
        level_label = {lvl: (codebook.levels[lvl]["label"] if codebook else lvl.capitalize()) for lvl in LEVELS}
        stage_label = {s: (codebook.stages[s]["label"] if codebook else s.capitalize()) for s in STAGES}
        data = {}
        for node in self.nodes_in("contribution"):
            row = {}
            for dimension, keys, labels in (("levels", LEVELS, level_label), ("stages", STAGES, stage_label)):
                for key in keys:
                    reports = self.concentration[dimension][node.code][key]
                    shown, inferred = self.concentration_cell(dimension, node.code, key)
                    if shown == DISPUTED:
                        text = f"{DISPUTED}: " + " / ".join(
                            f"{r.emphasis} ({r.location})" if cite else r.emphasis for r in reports
                        )
                    else:
                        text = shown + (" (inferred)" if inferred else "")
                    row[labels[key]] = text
            data[node.label] = row
        frame = pd.DataFrame(data).T
        frame.index.name = "Contribution"
        return frame
