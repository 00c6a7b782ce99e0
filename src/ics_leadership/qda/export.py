"""The compendium codebook as a REFI-QDA codebook (``.qdc``), for coding in NVivo, ATLAS.ti, MAXQDA, ...

Contributions are top-level codes and their activities are child codes. A code's ``name`` is its id
segment (``representation``, ``critical_challenge``), so a project coded with this codebook and
imported back has code paths equal to compendium code ids ("representation/critical_challenge")
and needs no mapping. The label, definition and its location in the paper are the
``Description``. GUIDs are uuid5 of the code id, so every export gives the same GUIDs.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from lxml import etree

from ics_leadership import __version__
from ics_leadership.facts.codebook import Codebook, load_codebook
from ics_leadership.core.errors import OutputError
from ics_leadership.core.outputs import publish_file
from ics_leadership.qda.errors import OutputExistsError
from ics_leadership.qda.refi import NS_CODEBOOK

#: Namespace of the compendium's code GUIDs (uuid5 of "ics-leadership-codebook").
GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "ics-leadership-codebook")


def code_guid(code_id: str) -> str:
    return str(uuid.uuid5(GUID_NAMESPACE, code_id)).upper()


def codebook_xml(codebook: Codebook) -> bytes:
    """The REFI-QDA codebook document (namespace ``urn:QDA-XML:codebook:1.0``)."""
    E = f"{{{NS_CODEBOOK}}}"
    root = etree.Element(E + "CodeBook", nsmap={None: NS_CODEBOOK}, origin=f"ics-leadership {__version__}")
    codes = etree.SubElement(root, E + "Codes")
    for contribution in codebook.contributions:
        parent = etree.SubElement(codes, E + "Code", guid=code_guid(contribution.id), name=contribution.id,
                                  isCodable="true")
        etree.SubElement(parent, E + "Description").text = (
            f"{contribution.label}. {contribution.definition} (Waring et al. 2023, {contribution.location})")
        for activity in contribution.activities:
            child = etree.SubElement(parent, E + "Code", guid=code_guid(activity.id),
                                     name=activity.id.split("/", 1)[1], isCodable="true")
            etree.SubElement(child, E + "Description").text = (
                f"{activity.label}. {activity.definition} (Waring et al. 2023, {activity.location})")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + etree.tostring(root, encoding="utf-8", pretty_print=True)


def export_codebook(out: Path | str, codebook_path: Path | str | None = None, force: bool = False) -> Path:
    """Write the compendium codebook to ``out`` (a ``.qdc`` file), atomically.

    Raises
    ------
    OutputExistsError
        ``out`` exists and ``force`` is not set.
    """
    out = Path(out)
    if out.is_dir():
        raise OutputExistsError(f"{out}: is a folder; give a file name such as codebook.qdc")
    if (out.exists() or out.is_symlink()) and not force:
        raise OutputExistsError(f"{out}: exists; add --force to replace it")
    data = codebook_xml(load_codebook(codebook_path))
    try:
        return publish_file(out, lambda tmp: tmp.write_bytes(data), force=force)
    except OutputError as exc:
        raise OutputExistsError(str(exc)) from None
