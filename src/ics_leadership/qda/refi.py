"""REFI-QDA projects (``.qdpx``, ``.qde``) and codebooks (``.qdc``) from NVivo, ATLAS.ti, MAXQDA, ...

The project XML is streamed with :func:`ics_leadership.qda.safety.iterparse`; each source is
processed when its element ends and then cleared, so memory does not grow with the file.

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
- GUIDs are compared ignoring case and braces.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from ics_leadership.coding import codepath
from ics_leadership.qda.errors import ImportFormatError, UnsafeInputError, safe_text
from ics_leadership.qda.model import Code, Document, ImportResult, Participant, Span, settle_spans, unique_name
from ics_leadership.qda.safety import (
    Budget,
    Limits,
    SafeArchive,
    decode_text,
    iterparse,
    open_file,
    open_regular,
    relative_parts,
    resolve_inside,
)

NS_PROJECT = "urn:QDA-XML:project:1.0"
NS_CODEBOOK = "urn:QDA-XML:codebook:1.0"

_VALUE_TAGS = ("TextValue", "BooleanValue", "IntegerValue", "FloatValue", "DateValue", "DateTimeValue")
_SOURCE_TAGS = ("TextSource", "PDFSource", "PictureSource", "AudioSource", "VideoSource")
_SKIPPED_SELECTIONS = {
    "PictureSelection": "picture selection",
    "PDFSelection": "PDF region selection",
    "AudioSelection": "audio selection",
    "VideoSelection": "video selection",
    "TranscriptSelection": "transcript selection (sync-point based, no character offsets)",
}


def norm_guid(value: str | None) -> str:
    """GUIDs compare ignoring case and the optional braces."""
    return (value or "").strip().strip("{}").upper()


class _Tags:
    """Qualified tag names in one namespace, as attributes: ``T.Code`` -> ``{ns}Code``."""

    def __init__(self, ns: str):
        self.ns = ns

    def __getattr__(self, name: str) -> str:
        value = f"{{{self.ns}}}{name}"
        setattr(self, name, value)
        return value


class SourceLocator:
    """Finds a source's plain text, never outside the archive or a folder the user named.

    - ``internal://PATH``: the member ``Sources/PATH`` (or ``sources/PATH``, or ``PATH``) of the
      archive; for a bare ``.qde``, the file ``PATH`` in the ``Sources/`` folder beside it.
    - ``relative://PATH``: the file ``PATH`` in the folder given with ``--sources`` (``sources_dir``)
      and nowhere else. The project's ``basePath`` is ignored: it comes from the file, and
      ``basePath="/"`` with ``relative://etc/passwd`` would otherwise read ``/etc/passwd``. Without
      ``sources_dir`` such sources are not read, and the report says how to supply them.
    - Any other scheme (``file://``, ``http://``) and paths without a scheme are not read.

    Paths are percent-decoded once (REFI-QDA paths are URIs; the path as written is tried too when
    it differs, for a file whose name holds a "%"). A path that is absolute, has ``..``, a drive
    letter or a control character, or that leads out of its folder through a symbolic link, is
    refused: for ``internal://``, which can never legitimately do so, the import stops with an
    error; for ``relative://``, written against the exporting machine's folders, the source is
    not read and the report says why.
    """

    def __init__(
        self,
        archive: SafeArchive | None,
        project_dir: Path,
        budget: Budget,
        shown: str,
        sources_dir: Path | None = None,
    ):
        self.archive = archive
        self.project_dir = project_dir
        self.budget = budget
        self.shown = shown
        self.sources_dir = sources_dir
        self.relative_not_read = 0  # relative:// sources left unread because no --sources was given

    def load(self, uri: str, where: str) -> tuple[str | None, str]:
        """Return ``(text, "")`` or ``(None, why it is missing)``."""
        scheme, sep, rest = uri.partition("://")
        if not sep:
            return None, f"plainTextPath {safe_text(uri)} has no internal:// or relative:// scheme"
        scheme = scheme.lower()
        if scheme not in ("internal", "relative"):
            return None, f"{safe_text(scheme)}:// paths are not read (only internal:// and relative://)"
        if not rest.strip("/\\"):
            return None, "plainTextPath is empty"
        try:
            parts = relative_parts(rest)
        except ValueError as exc:
            if scheme == "internal":
                raise UnsafeInputError(
                    f"{where}: plainTextPath {safe_text(uri)} points outside the project ({exc})"
                ) from None
            return None, f"relative path {safe_text(uri)} refused ({exc}); not read"
        candidates = [parts]
        try:
            raw = relative_parts(rest, decode=False)
            if raw != parts:
                candidates.append(raw)
        except ValueError:
            pass
        rel = "/".join(parts)
        if scheme == "internal":
            return self._internal(candidates, rel, where)
        if self.sources_dir is None:
            self.relative_not_read += 1
            return None, (
                f"{safe_text('relative://' + rel)} names a file outside the project, which is read "
                f"only from a folder you name: give --sources DIR (the folder holding {safe_text(rel)}) "
                f"to read it"
            )
        for candidate in candidates:
            try:
                real = resolve_inside(self.sources_dir, candidate)
            except ValueError as exc:
                return None, f"{safe_text('relative://' + rel)} refused ({exc}; only files inside --sources are read)"
            if real is not None:
                return self._read_file(real, "/".join(candidate)), ""
        return None, f"{safe_text('relative://' + rel)} not found in the --sources folder"

    def _internal(self, candidates: list[tuple[str, ...]], rel: str, where: str) -> tuple[str | None, str]:
        if self.archive is not None:
            for parts in candidates:
                for folder in ("sources/", ""):
                    member = self.archive.find(folder + "/".join(parts))
                    if member:
                        return decode_text(self.archive.read(member), f"{self.shown}: member {safe_text(member)}"), ""
            return None, f"{safe_text('internal://' + rel)} is not in the archive"
        project_dir = self.project_dir.resolve()
        for name in ("Sources", "sources"):
            folder = project_dir / name
            if not folder.is_dir():
                continue
            if not folder.resolve().is_relative_to(project_dir):
                raise UnsafeInputError(
                    f"{where}: {name}/ beside the project file is a symbolic link out of its folder: refused"
                )
            for parts in candidates:
                try:
                    real = resolve_inside(folder, parts)
                except ValueError as exc:
                    raise UnsafeInputError(
                        f"{where}: {safe_text('internal://' + rel)}: {exc} ({name}/ beside the project file): refused"
                    ) from None
                if real is not None:
                    return self._read_file(real, f"{name}/{'/'.join(parts)}"), ""
        return None, f"{safe_text('internal://' + rel)} not found in Sources/ beside the project file"

    def _read_file(self, real: Path, rel: str) -> str:
        shown = f"{self.shown}: source file {safe_text(rel)}"
        with open_regular(real, self.budget, shown) as fh:
            return decode_text(fh.read(), shown)


@dataclass
class _Source:
    kind: str
    key: str
    name: str
    line: int | None
    text: str | None = None
    missing: str = ""  # why the text could not be read
    has_text_path: bool = False
    spans: list[Span] = field(default_factory=list)
    attributes: dict[str, str] = field(default_factory=dict)


def import_refi(path: Path, shown: str, limits: Limits, sources: Path | None = None) -> ImportResult:
    """Import a ``.qdpx`` archive, a bare ``.qde`` file or a ``.qdc`` codebook.

    ``sources`` is the folder from which ``relative://`` source files are read (see
    :class:`SourceLocator`); ``result.meta["relative_not_read"]`` counts those left unread without it.
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
                result = _RefiReader(f"{shown}: member {safe_text(member)}", locator, "qdpx").run(stream, limits)
    else:
        locator = SourceLocator(None, path.parent, budget, shown, sources)
        with open_file(path, budget, shown) as stream:
            result = _RefiReader(shown, locator, path.suffix.lower().lstrip(".") or "qde").run(stream, limits)
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


class _RefiReader:
    """Reads a project from end events only: when an element ends, its subtree is complete."""

    def __init__(self, where: str, locator: SourceLocator, container: str):
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
    def run(self, stream, limits: Limits) -> ImportResult:
        handlers: dict[str, object] | None = None
        for _event, el in iterparse(stream, self.where, limits, events=("end",), tag=_WATCHED):
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

    def _is_top_source(self, el: etree._Element | None) -> bool:
        if el is None or el.tag not in self.source_tags:
            return False
        parent = el.getparent()
        return parent is not None and parent.tag == self.T.Sources

    # -- sources --------------------------------------------------------------------------------
    def _source(self, el: etree._Element) -> None:
        if not self._is_top_source(el):
            return
        T = self.T
        kind = etree.QName(el).localname
        src = _Source(kind, self.guid(el.get("guid")), el.get("name") or "", el.sourceline)
        src.spans, self.pending = self.pending, []
        stashed, self.pending_content = self.pending_content, None
        self._text_parent = None
        self.n_sources += 1
        whole = [self._coding(child, el) for child in el.iterchildren(T.Coding)]
        if kind not in ("TextSource", "PDFSource"):
            what = kind.replace("Source", "").lower()
            for _ in whole:
                self.result.skip(f"coding of a whole {what} source", src.name, src.key, 1)
            self.result.skip(f"{what} source (not text)", src.name, src.key)
            _release(el)
            return
        holder = el if kind == "TextSource" else el.find(T.Representation)
        if holder is not None:
            if holder.get("plainTextPath"):
                src.has_text_path = True
                src.text, src.missing = self.locator.load(holder.get("plainTextPath"), self.at(holder))
            if src.text is None:  # no path, or the file is missing: the inline text, if any
                content = holder.find(T.PlainTextContent)
                if content is not None:
                    src.text = content.text or ""
                elif stashed is not None:
                    src.text = stashed
        for value in el.iterchildren(T.VariableValue):
            name, text = self._variable_value(value)
            src.attributes[name] = text
        self._settle(src, whole)
        _release(el)

    def _settle(self, src: _Source, whole: list[tuple[str, str]]) -> None:
        """Check the spans of a finished text source and record its document and codings."""
        result = self.result
        doc_id = unique_name(src.name, self.taken, src.key or "document")
        if doc_id != (src.name.strip() or src.key):
            result.note("document renamed (name missing or used twice)", doc_id, src.key)
        where = f"{self.where}, {src.kind} {safe_text(src.name or src.key)}"
        if src.text is None and (src.has_text_path or src.spans):
            result.skip(
                "source text missing",
                doc_id,
                src.key,
                detail=(src.missing or "no PlainTextContent or plainTextPath")
                + "; codings kept, n_chars is the largest offset, excerpts from selection names",
            )
        n_chars = settle_spans(result, doc_id, src.text, src.spans, where)
        for code_key, coder in whole:
            if n_chars > 0:
                result.codings.append((doc_id, 0, n_chars, code_key, coder, src.text or ""))
            else:
                result.skip("coding of a whole source of unknown length", doc_id, src.key, 1)
        # Code references must be in the codebook (which comes before the sources in the schema).
        codes = result.codes
        refs = [(code, s.line, s.item) for s in src.spans for code, _ in s.codings if code not in codes]
        refs += [(code, src.line, src.key) for code, _ in whole if code not in codes]
        if refs:
            if self.codebook_done:
                self._unknown_code(*refs[0])
            self.deferred.extend(refs)
        doc = Document(doc_id, n_chars, key=src.key, attributes=dict(src.attributes))
        self.by_key[src.key] = doc
        result.documents.append(doc)

    def _unknown_code(self, code: str, line: int | None, item: str) -> None:
        at = f"{self.where}, line {line}" if line else self.where
        raise ImportFormatError(
            f"{at}: a Coding of selection {norm_guid(item)} refers to code {code}, which is not in the codebook"
        )

    # -- codebook -------------------------------------------------------------------------------
    def _code(self, el: etree._Element) -> None:
        """A code ends after its children: its path comes from its Code ancestors' names."""
        T = self.T
        key = self.guid(el.get("guid"))
        name = el.get("name")
        if not key or name is None:
            raise ImportFormatError(f"{self.at(el)}: Code without guid or name")
        codes = self.result.codes
        if key in codes:
            raise ImportFormatError(f"{self.at(el)}: Code {key} appears twice in the codebook")
        parent_segments: list[str] = []
        for ancestor in el.iterancestors(T.Code):
            parent_segments[:0] = _split_name(ancestor.get("name") or "", self.guid(ancestor.get("guid")))
        segments = parent_segments + _split_name(name, key)
        # "Parent::Child" names: make sure each level exists, as a non-codable code if need be.
        for depth in range(len(parent_segments) + 1, len(segments)):
            prefix = tuple(segments[:depth])
            if prefix not in self.code_paths:
                vkey = "virtual:" + codepath.join(prefix)
                codes[vkey] = Code(codepath.join(prefix), codepath.join(prefix[:-1]), codable=False, key=vkey)
                self.code_paths[prefix] = vkey
        path_key = tuple(segments)
        existing = self.code_paths.get(path_key)
        if existing is not None and existing.startswith("virtual:"):
            del codes[existing]  # the real code, after a "::" name (or a child) implied it
        elif existing is not None:
            segments = segments[:-1] + [f"{segments[-1]} [{key[:8]}]"]
            self.result.note("two codes with the same path", item=key, detail=f"renamed to {codepath.join(segments)}")
            path_key = tuple(segments)
        self.code_paths[path_key] = key
        codable = (el.get("isCodable") or "true").strip().lower() not in ("false", "0")
        description = (el.findtext(T.Description) or "").strip()
        codes[key] = Code(codepath.join(segments), codepath.join(segments[:-1]), description, codable=codable, key=key)

    def _codebook_end(self, el: etree._Element) -> None:
        self.codebook_done = True
        for code, line, item in self.deferred:
            if code not in self.result.codes:
                self._unknown_code(code, line, item)
        self.deferred = []
        _release(el)

    def _user(self, el: etree._Element) -> None:
        self.result.coders[self.guid(el.get("guid"))] = (el.get("name") or el.get("id") or "").strip()

    # -- selections -----------------------------------------------------------------------------
    def _coding(self, coding: etree._Element, selection: etree._Element) -> tuple[str, str]:
        ref = coding[0] if len(coding) and coding[0].tag == self.T.CodeRef else coding.find(self.T.CodeRef)
        target = ref.get("targetGUID") if ref is not None else None
        if not target:
            raise ImportFormatError(f"{self.at(coding)}: Coding without a CodeRef targetGUID")
        guids = self._guids
        user = coding.get("creatingUser") or selection.get("creatingUser")
        return (guids.get(target) or self.guid(target), guids.get(user) or self.guid(user))

    def _selection(self, el: etree._Element) -> None:
        # The hot path (one call per selection): kept lean on purpose. A Coding's CodeRef is its
        # first child by the schema, so it is read by position and only searched for otherwise.
        coding_tag, ref_tag = self._coding_tag, self._ref_tag
        guids = self._guids
        codings = []
        for child in el:
            if child.tag == coding_tag:
                ref = child[0] if len(child) else None
                target = ref.get("targetGUID") if ref is not None else None
                if target is None or ref.tag != ref_tag:
                    ref = child.find(ref_tag)
                    target = ref.get("targetGUID") if ref is not None else None
                if not target:
                    raise ImportFormatError(f"{self.at(child)}: Coding without a CodeRef targetGUID")
                user = child.get("creatingUser") or el.get("creatingUser")
                codings.append((guids.get(target) or self.guid(target), guids.get(user) or self.guid(user)))
        parent = el.getparent()
        if parent is not self._text_parent:
            T = self.T
            in_text = (parent.tag == T.TextSource and self._is_top_source(parent)) or (
                parent.tag == T.Representation and self._is_top_source(parent.getparent())
            )
            self._text_parent = parent if in_text else None
        if parent is self._text_parent:
            try:
                start, end = int(el.get("startPosition")), int(el.get("endPosition"))
            except (TypeError, ValueError):
                raise ImportFormatError(
                    f"{self.at(el)}: PlainTextSelection {norm_guid(el.get('guid'))} needs "
                    f"whole-number startPosition and endPosition"
                ) from None
            self.pending.append(Span(start, end, codings, el.get("name"), el.get("guid") or "", el.sourceline))
            if not len(self.pending) & 1023:
                self._prune(parent, el)
        else:
            where = etree.QName(parent).localname
            what = "selection in a note (memo)" if where == "Note" else f"text selection inside {where}"
            owner = parent.getparent() if where == "TextDescription" else None
            self.result.skip(
                what, owner.get("name") or "" if owner is not None else "", norm_guid(el.get("guid")), len(codings)
            )
            el.clear()

    def _prune(self, parent: etree._Element, el: etree._Element) -> None:
        """Free the selections read so far in one go (cheaper than clearing each), keeping the text."""
        content = parent.find(self.T.PlainTextContent)
        if content is not None:
            self.pending_content = content.text or ""
        del parent[: parent.index(el)]

    def _skipped_selection(self, el: etree._Element) -> None:
        what = _SKIPPED_SELECTIONS[etree.QName(el).localname]
        source = el.getparent()
        if source is not None and source.tag == self.T.Transcript:
            source = source.getparent()
        n = sum(1 for _ in el.iterchildren(self.T.Coding))
        name = (source.get("name") or "") if source is not None else ""
        self.result.skip(what, name, norm_guid(el.get("guid")), n)
        el.clear()

    # -- cases and variables --------------------------------------------------------------------
    def _variable(self, el: etree._Element) -> None:
        self.variables[self.guid(el.get("guid"))] = (el.get("name") or "").strip()
        _release(el)

    def _variable_value(self, el: etree._Element) -> tuple[str, str]:
        ref = el.find(self.T.VariableRef)
        key = self.guid(ref.get("targetGUID")) if ref is not None else ""
        name = self.variables.get(key) or key or "variable"
        value = ""
        for child in el:
            if etree.QName(child).localname in _VALUE_TAGS:
                value = (child.text or "").strip()
        return name, value

    def _case(self, el: etree._Element) -> None:
        attrs: dict[str, str] = {}
        sources = []
        for child in el:
            if child.tag == self.T.VariableValue:
                name, value = self._variable_value(child)
                attrs[name] = value
            elif child.tag == self.T.SourceRef:
                sources.append(self.guid(child.get("targetGUID")))
        self.cases.append((self.guid(el.get("guid")), (el.get("name") or "").strip(), attrs, sources))
        _release(el)

    def _finish(self) -> ImportResult:
        result = self.result
        for code, line, item in self.deferred:  # a project without a codebook
            if code not in result.codes:
                self._unknown_code(code, line, item)
        if self.cases:
            people: list[Participant] = []
            ptaken: set[str] = set()
            for key, name, attrs, sources in self.cases:
                pid = unique_name(name, ptaken, key or "case")
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
        return result


def _split_name(name: str, key: str) -> list[str]:
    """A code name as path segments: ATLAS.ti writes a hierarchy as "Parent::Child"."""
    return [part.strip() for part in name.split("::") if part.strip()] or [key]


def _release(el: etree._Element) -> None:
    """Free a processed element and the already-processed siblings before it."""
    el.clear(keep_tail=False)
    parent = el.getparent()
    if parent is not None:
        while el.getprevious() is not None:
            del parent[0]
