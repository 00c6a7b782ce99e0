"""The PDF's executive summary: the question, the study, the four contributions and the key messages.

One page after the title page, for a reader who reads nothing else. Everything on it comes from the
paper's facts in ``data/raw``, each with the place the paper states it: the question is the paper's
title, the study's numbers are its study facts (where the paper states a number differently in
different places, every value is given, with its locations), the contributions are the codebook's,
and the key messages are those of ``data/raw/key_messages.yaml`` (an inferred message says it is
the compendium's reading).
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from ics_leadership.facts import consistency
from ics_leadership.facts import key_messages as km
from ics_leadership.facts.codebook import load_codebook
from ics_leadership.facts.raw import STUDY_FILE, Fact, StudyFacts, format_value, load_study

#: The study facts the summary's account of the study quotes, in its order.
STUDY_FACTS = ("clinical_leaders", "non_clinical_leaders", "stps_studied", "meetings_observed", "observation_hours")

_e = html.escape


def _values(fact: Fact) -> list[tuple[Any, list[str]]]:
    """The fact's distinct values, each with the locations that state it, in the paper's order."""
    grouped: list[tuple[Any, list[str]]] = []
    for report in fact.reports:
        for value, locations in grouped:
            if consistency.same_value(value, report.value):
                locations.append(report.location)
                break
        else:
            grouped.append((report.value, [report.location]))
    return grouped


def fact_value(fact: Fact) -> str:
    """The fact as the summary's text gives it: its value, or its values joined by "or"."""
    texts = [format_value(value) for value, _ in _values(fact)]
    if fact.unit == "years":
        texts = [t.replace("-", "\u2013") for t in texts]
    return " or ".join(texts)


def fact_locations(fact: Fact) -> str:
    """Where the paper states the fact: its locations, grouped by value when the values differ."""
    grouped = _values(fact)
    if len(grouped) == 1:
        return "; ".join(grouped[0][1])
    return "; ".join(f"{format_value(value)}: {', '.join(where)}" for value, where in grouped)


def _study(study: StudyFacts) -> str:
    f = {key: study[key] for key in STUDY_FACTS}
    period = study.facts.get("study_period")
    when = f" in {fact_value(period)}" if period is not None else ""
    sentence = (
        f"The authors interviewed {fact_value(f['clinical_leaders'])} clinical leaders and "
        f"{fact_value(f['non_clinical_leaders'])} non-clinical leaders in {fact_value(f['stps_studied'])} "
        "Sustainability and Transformation Partnerships (STPs) of the English NHS, and observed "
        f"{fact_value(f['meetings_observed'])} meetings over {fact_value(f['observation_hours'])} hours{when}."
    )
    shown = [*f.values(), *([period] if period is not None else [])]
    where = " | ".join(f"{fact.label}: {fact_locations(fact)}" for fact in shown)
    return (
        f"<p><b>The study.</b> {_e(sentence)} Where the paper gives a number differently in different places, "
        "both values are shown (Reproduction notes lists every such disagreement).</p>"
        f'<p class="where">Where the paper states these: {_e(where)}.</p>'
    )


def _contributions(root: Path) -> str:
    codebook = load_codebook(root / "data" / "raw" / "codebook.yaml")
    items = "".join(
        f'<li><b>{_e(c.label)}</b>: {_e(c.definition)} <span class="where">({_e(c.location)})</span></li>'
        for c in codebook.contributions
    )
    return f"<h3>Four contributions</h3><ol>{items}</ol>"


def key_messages(root: Path) -> list[dict[str, str]]:
    """The key messages for ICS leaders from ``data/raw/key_messages.yaml`` (headline, message, location,
    and the reason when a message is the compendium's inference)."""
    return [
        {"headline": m.headline, "message": m.message, "location": m.location, "reason": m.reason or ""}
        if m.inferred
        else {"headline": m.headline, "message": m.message, "location": m.location}
        for m in km.load_key_messages(root / "data" / "raw" / km.KEY_MESSAGES_FILE)
    ]


def _messages(root: Path) -> str:
    items = []
    for m in key_messages(root):
        reading = (
            f" <i>The compendium's reading, not the paper's finding: {_e(m['reason'])}</i>" if "reason" in m else ""
        )
        items.append(
            f"<li><b>{_e(m['headline'])}.</b> {_e(m['message'])} "
            f'<span class="where">({_e(m["location"])})</span>{reading}</li>'
        )
    return f'<h3>Key messages for leaders of integrated care systems</h3><ol class="messages">{"".join(items)}</ol>'


def executive_summary(root: Path) -> str:
    """The HTML of the executive summary page (``<section id="compendium-summary">``)."""
    study = load_study(root / "data" / "raw" / STUDY_FILE)
    question = study.citation["title"]
    return (
        '<section id="compendium-summary"><h2>Executive summary</h2>'
        f'<p><b>The question.</b> {_e(question)} <span class="where">(the paper\'s title)</span></p>'
        f"{_study(study)}{_contributions(root)}{_messages(root)}"
        '<p class="where">Every statement above paraphrases the paper in the compendium\'s own words; '
        "the chapters that follow give the sources, the data and the checks.</p>"
        # The home page's graphical abstract goes here when the book has one (pdfdom.adopt_home_items).
        '<div class="graphical"></div>'
        "</section>"
    )
