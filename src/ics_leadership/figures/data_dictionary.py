"""The data dictionary of the YAML formats, one captioned table per shipped schema.

The data page shows, for every YAML format, the fields its JSON Schema defines (from
:func:`ics_leadership.core.yamlschema.dictionary`), so what the page says a file holds is what the
loaders check. Every schema shipped in ``ics_leadership/schemas`` is shown, so a new format appears
on the page without touching the notebook: the files of ``data/raw`` first, in :data:`RAW_YAML`'s
order, then any others by name.
"""

from __future__ import annotations

import html
from importlib import resources

from ics_leadership.core.yamlschema import dictionary, load_schema
from ics_leadership.figures.tables import Table, table

#: The YAML files of ``data/raw`` (each schema is named after its file), in the order the page shows them.
RAW_YAML = ("study", "codebook", "model", "claims", "coreq", "key_messages", "synthetic_assumptions")

_SUFFIX = ".schema.json"


def yaml_formats() -> list[str]:
    """Names of every shipped YAML schema: ``data/raw``'s files in :data:`RAW_YAML` order, then the rest by name."""
    folder = resources.files("ics_leadership").joinpath("schemas")
    shipped = {p.name.removesuffix(_SUFFIX) for p in folder.iterdir() if p.name.endswith(_SUFFIX)}
    return [name for name in RAW_YAML if name in shipped] + sorted(shipped - set(RAW_YAML))


def caption(name: str) -> str:
    """The table's caption: where the file lives and what it holds, from the schema's title and description."""
    schema = load_schema(name)
    title = schema.get("title", f"{name}.yaml")
    where = f"data/raw/{title}" if name in RAW_YAML else title
    description = schema.get("description")
    return f"{where}: {description}" if description else where


def yaml_dictionaries() -> list[Table]:
    """One captioned table per YAML format (field, type, required, allowed values, description).

    The PDF prints their captions only, with where to find them: at one row per field they would
    fill a third of it, and the schemas they come from ship with the package.
    """
    return [
        _narrow(
            table(
                dictionary(name),
                caption=caption(name),
                online_only=(
                    "Its fields are listed in the online book and in the schema "
                    f"src/ics_leadership/schemas/{name}{_SUFFIX}."
                ),
            )
        )
        for name in yaml_formats()
    ]


def _breakable(text: str, after: str) -> str:
    """``text`` as HTML that may wrap after each ``after`` (``<wbr>``: nothing is added when copied)."""
    return html.escape(text).replace(after, f"{after}<wbr>")


def _narrow(shown: Table) -> Table:
    """Fit the text column: long field paths wrap at their dots, long values at their underscores.

    Without this, ``contributions[].by_stage.<stage>.description`` or ``cooccur_more_than_chance``
    cannot break, their columns take the width, and the descriptions shrink to a word a line or
    leave the column. The table's data (and its text form) keep everything as written.
    """
    shown = shown.format(lambda v: _breakable(v, "."), subset=["field"], escape=None)
    shown = shown.format(lambda v: _breakable(v, "_"), subset=["allowed values"], escape=None)
    return shown.set_table_styles(
        [{"selector": "td.col0", "props": "min-width: 8em;"}, {"selector": "td.col4", "props": "min-width: 15em;"}],
        overwrite=False,
    )
