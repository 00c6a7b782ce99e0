"""A codebook as a REFI-QDA codebook (``.qdc``), for coding in NVivo, ATLAS.ti, MAXQDA, ...

Generic: the codes come in as a tree of :class:`Code` (a name, a description, children), from
any study. A code's GUID is uuid5 of its path (the names from the top down joined by ``/``, e.g.
``"representation/critical_challenge"``), so every export of the same codes gives the same GUIDs,
and a project coded with the codebook and imported back has code paths equal to those paths.
(The command ``export-codebook`` turns the compendium's codebook into these codes: see
:func:`ics_leadership.facts.codebook.qda_codes`.)
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from ics_leadership import __version__
from ics_leadership.core.errors import OutputError
from ics_leadership.core.outputs import check_file, publish_file
from ics_leadership.qda.errors import OutputExistsError
from ics_leadership.qda.refi import NS_CODEBOOK

#: Namespace of the exported code GUIDs (uuid5 of "ics-leadership-codebook").
GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "ics-leadership-codebook")
SEP = "/"


@dataclass(frozen=True)
class Code:
    """One code of a codebook to export.

    Parameters
    ----------
    name
        The code's name in the QDA tool: one segment of its path, so it may not contain ``/``.
    description
        Shown by the tool beside the code (``""`` writes no description).
    children
        Child codes, in the order the tool should show them.
    """

    name: str
    description: str = ""
    children: tuple[Code, ...] = ()


def code_guid(code_path: str) -> str:
    """The GUID a code at ``code_path`` (``"parent/child"``) gets in every export."""
    return str(uuid.uuid5(GUID_NAMESPACE, code_path)).upper()


def _check(codes: Sequence[Code], parent: str, seen: set[str]) -> None:
    # Two codes with one path would get one GUID, which the tools reject or merge silently.
    for code in codes:
        if not code.name or SEP in code.name or code.name != code.name.strip():
            raise ValueError(
                f"code {code.name!r}{f' under {parent!r}' if parent else ''}: a name is one "
                f"non-empty path segment (no '/', no leading or trailing spaces)"
            )
        path = f"{parent}{SEP}{code.name}" if parent else code.name
        if path in seen:
            raise ValueError(f"code {path!r}: appears twice; a path names one code")
        seen.add(path)
        _check(code.children, path, seen)


def codebook_xml(codes: Sequence[Code]) -> bytes:
    """The REFI-QDA codebook document (namespace ``urn:QDA-XML:codebook:1.0``) of ``codes``.

    Raises
    ------
    ValueError
        A name is empty, holds ``/`` or is padded with spaces, or two codes share a path.
    """
    _check(codes, "", set())
    E = f"{{{NS_CODEBOOK}}}"
    root = etree.Element(E + "CodeBook", nsmap={None: NS_CODEBOOK}, origin=f"ics-leadership {__version__}")

    def add(parent: etree._Element, code: Code, path: str) -> None:
        element = etree.SubElement(parent, E + "Code", guid=code_guid(path), name=code.name, isCodable="true")
        if code.description:
            etree.SubElement(element, E + "Description").text = code.description
        for child in code.children:
            add(element, child, f"{path}{SEP}{child.name}")

    top = etree.SubElement(root, E + "Codes")
    for code in codes:
        add(top, code, code.name)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + etree.tostring(root, encoding="utf-8", pretty_print=True)


def check_out(out: Path | str, force: bool = False) -> Path:
    """Refuse ``out`` before any work: a folder, or an existing file without ``force``.

    Raises
    ------
    OutputExistsError
        ``out`` is a folder, or exists and ``force`` is not set.
    """
    out = Path(out)
    if out.is_dir():
        raise OutputExistsError(f"{out}: is a folder; give a file name such as codebook.qdc")
    if (out.exists() or out.is_symlink()) and not force:
        raise OutputExistsError(f"{out}: exists; add --force to replace it")
    try:
        check_file(out, force, ours=written_by_us)
    except OutputError as exc:
        raise OutputExistsError(str(exc)) from None
    return out


def written_by_us(path: Path) -> bool:
    """Whether ``path`` is a codebook this exporter wrote (its root says ``origin="ics-leadership ..."``)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(512)
    except OSError:
        return False
    return b"<CodeBook " in head and b'origin="ics-leadership ' in head


def export_codebook(out: Path | str, codes: Sequence[Code], force: bool = False) -> Path:
    """Write ``codes`` to ``out`` (a ``.qdc`` file), atomically.

    Raises
    ------
    OutputExistsError
        ``out`` is a folder, or exists and ``force`` is not set.
    ValueError
        The codes are not a tree of distinct paths (see :func:`codebook_xml`).
    """
    out = check_out(out, force)
    data = codebook_xml(codes)
    try:
        return publish_file(out, lambda tmp: tmp.write_bytes(data), force=force, ours=written_by_us)
    except OutputError as exc:
        raise OutputExistsError(str(exc)) from None
