"""REFI-QDA projects (``.qdpx``, ``.qde``) and codebooks (``.qdc``) from NVivo, ATLAS.ti, MAXQDA, ...

The project XML is streamed with :func:`ics_leadership.qda.safety.iterparse`; each source is
processed when its element ends and then cleared, so memory does not grow with the file.
This module opens the file and runs the reader; its handlers live beside it, one concern each:
:mod:`~ics_leadership.qda.refi_sources` (sources and selections), :mod:`~ics_leadership.qda.refi_codebook`
(codes, users, variables, cases), :mod:`~ics_leadership.qda.refi_locator` (where a source's text is
read from) and :mod:`~ics_leadership.qda.refi_xml` (the namespaces and element names).

What becomes what
-----------------
- ``TextSource`` -> a document, its text from ``PlainTextContent`` or ``plainTextPath``
  (``internal://`` under ``Sources/`` or ``sources/`` of the archive, or beside a bare ``.qde``;
  ``relative://`` only from the folder the user names with ``--sources``, never against the
  project's ``basePath``: see :class:`SourceLocator`).
- ``PDFSource`` -> a document whose text is its ``Representation``; selections on the
  representation are text selections. PDF region selections (``PDFSelection``) are skipped.
- Picture, audio and video selections, transcript selections and selections in notes are skipped
  and listed in the report, with how many codings they carried.
- ``Coding`` -> one row per coding; the coder is the coding's ``creatingUser`` (else the
  selection's) resolved to the ``User`` name. Identical rows (NVivo writes one selection per code,
  sometimes twice) are removed by the writer.
- ``Code`` -> its full path, parents joined with "/" (a "/" or "\\" inside a name is escaped as
  :mod:`ics_leadership.coding.codepath` says, so "yes/no" stays one code); names ATLAS.ti flattened as
  "Parent::Child" are split into the path too.
- ``Case`` -> a participant (its ``VariableValue``\\ s as attributes); the sources it refers to with
  ``SourceRef`` get it as ``participant_id``. Source ``VariableValue``\\ s become document attributes.
- ``Note`` -> with ``notes`` (``import --notes``), one row of ``notes.csv`` per note and thing it is
  attached to (:mod:`~ics_leadership.qda.refi_notes`); otherwise notes are only counted.
- GUIDs are compared ignoring case and braces.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

from lxml import etree

from ics_leadership.qda.errors import ImportFormatError, safe_text
from ics_leadership.qda.model import Document, ImportResult, Participant, Span, unique_name
from ics_leadership.qda.refi_codebook import _CodebookHandlers
from ics_leadership.qda.refi_locator import SourceLocator
from ics_leadership.qda.refi_notes import _NoteHandlers
from ics_leadership.qda.refi_sources import _SourceHandlers
from ics_leadership.qda.refi_xml import (
    _SKIPPED_SELECTIONS,
    _SOURCE_TAGS,
    NS_CODEBOOK,
    NS_PROJECT,
    _release,
    _Tags,
    norm_guid,
)
from ics_leadership.qda.safety import Budget, Limits, SafeArchive, iterparse, open_file

__all__ = ["NS_CODEBOOK", "NS_PROJECT", "SourceLocator", "import_refi", "norm_guid"]


def import_refi(
    path: Path, shown: str, limits: Limits, sources: Path | None = None, notes: bool = False
) -> ImportResult:
    """Import a ``.qdpx`` archive, a bare ``.qde`` file or a ``.qdc`` codebook.

    ``sources`` is the folder from which ``relative://`` source files are read (see
    :class:`SourceLocator`); ``result.meta["relative_not_read"]`` counts those left unread without it.
    With ``notes`` the project's notes go to ``result.notes``; without, ``result.meta["notes_found"]``
    counts them.
    """
    budget = Budget(limits, shown)
    with path.open("rb") as fh:
        is_zip = fh.read(2) == b"PK"
    if is_zip or path.suffix.lower() == ".qdpx":
        with SafeArchive(path, budget, shown) as archive:
            member = archive.find("project.qde")
            if member is None:
                qdes = [n for n in archive.names() if "/" not in n and n.lower().endswith(".qde")]
                if len(qdes) != 1:
                    raise ImportFormatError(f"{shown}: no project.qde in the archive (is it a REFI-QDA .qdpx?)")
                member = qdes[0]
            locator = SourceLocator(archive, path.parent, budget, shown, sources)
            with archive.open(member) as stream:
                reader = _RefiReader(f"{shown}: member {safe_text(member)}", locator, "qdpx", notes)
                result = reader.run(stream, limits)
    else:
        locator = SourceLocator(None, path.parent, budget, shown, sources)
        with open_file(path, budget, shown) as stream:
            reader = _RefiReader(shown, locator, path.suffix.lower().lstrip(".") or "qde", notes)
            result = reader.run(stream, limits)
    result.meta["relative_not_read"] = locator.relative_not_read
    return result


#: Elements whose end the reader handles (any namespace: the root's is checked first). Codings,
#: CodeRefs, descriptions and texts, most of the file, are read from their parent when it ends.
_WATCHED = tuple(
    f"{{*}}{name}"
    for name in (
        "Project",
        "CodeBook",
        "Users",
        "User",
        "Code",
        "Variables",
        "Variable",
        "Cases",
        "Case",
        *_SOURCE_TAGS,
        "PlainTextSelection",
        *_SKIPPED_SELECTIONS,
        "Notes",
        "Links",
        "Sets",
        "Graphs",
    )
)


class _RefiReader(_SourceHandlers, _CodebookHandlers, _NoteHandlers):
    """Reads a project from end events only: when an element ends, its subtree is complete."""

    def __init__(self, where: str, locator: SourceLocator, container: str, notes: bool = False):
        self.where = where
        self.locator = locator
        self.container = container
        self.result = ImportResult(format="refi-qda")
        self.code_paths: dict[tuple[str, ...], str] = {}  # path -> key of the code holding it
        self.codebook_done = False
        self.deferred: list[tuple[str, int | None, str]] = []  # code refs met before the codebook
        self.variables: dict[str, str] = {}
        self.cases: list[tuple[str, str, dict[str, str], list[str]]] = []
        self.pending: list[Span] = []  # text selections of the source being read
        self.pending_content: str | None = None  # its PlainTextContent, if pruned from the tree
        self.n_sources = 0
        self.taken: set[str] = set()
        self.by_key: dict[str, Document] = {}
        self._guids: dict[str | None, str] = {}
        self._text_parent: etree._Element | None = None  # the element holding the current text selections
        self._init_notes(notes)

    def guid(self, raw: str | None) -> str:
        """:func:`norm_guid`, memoised: GUIDs repeat, and one string per GUID keeps memory flat."""
        value = self._guids.get(raw)
        if value is None:
            value = self._guids[raw] = norm_guid(raw)
        return value

    def at(self, element: etree._Element) -> str:
        line = element.sourceline
        return f"{self.where}, line {line}" if line else self.where

    # -- main loop ------------------------------------------------------------------------------
    def run(self, stream: IO[bytes], limits: Limits) -> ImportResult:
        handlers: dict[str, object] | None = None
        watched = _WATCHED + tuple(f"{{*}}{name}" for name in self._note_tags())
        for _event, el in iterparse(stream, self.where, limits, events=("end",), tag=watched):
            if handlers is None:
                handlers = self._handlers(self._root(el.getroottree().getroot()))
            handler = handlers.get(el.tag)
            if handler is not None:
                handler(el)
        if handlers is None:
            raise ImportFormatError(f"{self.where}: not a REFI-QDA file (expected Project in namespace {NS_PROJECT})")
        return self._finish()

    def _handlers(self, T: _Tags) -> dict:
        self.T = T
        self._coding_tag, self._ref_tag = T.Coding, T.CodeRef  # read once per selection
        self.source_tags = {getattr(T, name) for name in _SOURCE_TAGS}
        return {
            T.PlainTextSelection: self._selection,
            T.Code: self._code,
            T.User: self._user,
            T.Variable: self._variable,
            T.Case: self._case,
            **{getattr(T, name): self._skipped_selection for name in _SKIPPED_SELECTIONS},
            **{getattr(T, name): self._source for name in _SOURCE_TAGS},
            **{
                getattr(T, name): _release
                for name in ("Notes", "Links", "Sets", "Graphs", "Users", "Variables", "Cases")
            },
            T.CodeBook: self._codebook_end,
            T.Note: self._note,
            T.NoteRef: self._note_ref,
            T.Link: self._link,
        }

    def _root(self, el: etree._Element) -> _Tags:
        qname = etree.QName(el)
        expected = {"Project": NS_PROJECT, "CodeBook": NS_CODEBOOK}
        if qname.localname not in expected or qname.namespace != expected[qname.localname]:
            found = f"{{{qname.namespace}}}{qname.localname}" if qname.namespace else qname.localname
            raise ImportFormatError(
                f"{self.where}: root element is {safe_text(found)}; expected Project in namespace "
                f"{NS_PROJECT} (or CodeBook in {NS_CODEBOOK}): wrong namespace or not a REFI-QDA file"
            )
        meta = self.result.meta
        meta["container"] = "qdc" if qname.localname == "CodeBook" else self.container
        if el.get("origin"):
            meta["origin"] = el.get("origin").strip()
        if el.get("name"):
            meta["project"] = el.get("name").strip()
        # basePath is deliberately not used: it comes from the file (see SourceLocator).
        return _Tags(qname.namespace)

    def _finish(self) -> ImportResult:
        result = self.result
        for code, line, item in self.deferred:  # a project without a codebook
            if code not in result.codes:
                self._unknown_code(code, line, item)
        case_ids: dict[str, str] = {}
        if self.cases:
            people: list[Participant] = []
            ptaken: set[str] = set()
            for key, name, attrs, sources in self.cases:
                pid = unique_name(name, ptaken, key or "case")
                case_ids.setdefault(key, pid)
                people.append(Participant(pid, key, attrs))
                for source_key in sources:
                    doc = self.by_key.get(source_key)
                    if doc is None:
                        continue
                    if doc.participant_key is None:
                        doc.participant_key = pid
                    elif doc.participant_key != pid:
                        result.note(
                            "source in more than one case",
                            doc.document_id,
                            source_key,
                            detail=f"participant_id is '{doc.participant_key}'; also in case '{pid}'",
                        )
            result.participants = people
        result.meta["sources"] = self.n_sources
        self._finish_notes(case_ids)
        return result
