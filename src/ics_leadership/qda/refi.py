"""REFI-QDA projects (``.qdpx``, ``.qde``) and codebooks (``.qdc``) from NVivo, ATLAS.ti, MAXQDA, ...

The project XML is streamed with :func:`ics_leadership.qda.safety.iterparse`; each source is
processed when its element ends and then cleared, so memory does not grow with the file.

What becomes what
-----------------
- ``TextSource`` -> a document, its text from ``PlainTextContent`` or ``plainTextPath``
  (``internal://`` under ``Sources/`` or ``sources/`` of the archive, or beside a bare ``.qde``;
  ``relative://`` against the project's ``basePath`` or the project's folder, used only to find
  the file and never written out).
- ``PDFSource`` -> a document whose text is its ``Representation``; selections on the
  representation are text selections. PDF region selections (``PDFSelection``) are skipped.
- Picture, audio and video selections, transcript selections and selections in notes are skipped
  and listed in the report, with how many codings they carried.
- ``Coding`` -> one row per coding; the coder is the coding's ``creatingUser`` (else the
  selection's) resolved to the ``User`` name. Identical rows (NVivo writes one selection per code,
  sometimes twice) are removed by the writer.
- ``Code`` -> its full path, parents joined with "/"; names ATLAS.ti flattened as "Parent::Child"
  are split into the path too.
- ``Case`` -> a participant (its ``VariableValue``\\ s as attributes); the sources it refers to with
  ``SourceRef`` get it as ``participant_id``. Source ``VariableValue``\\ s become document attributes.
- GUIDs are compared ignoring case and braces.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from lxml import etree

from ics_leadership.qda.errors import ImportFormatError, UnsafeInputError, safe_text
from ics_leadership.qda.model import Code, Document, ImportResult, Participant, Span, settle_spans, unique_name
from ics_leadership.qda.safety import Budget, Limits, SafeArchive, decode_text, iterparse, open_file

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
    """Finds a source's plain text: in the archive, beside a bare ``.qde``, or under ``basePath``."""

    def __init__(self, archive: SafeArchive | None, project_dir: Path, budget: Budget, shown: str):
        self.archive = archive
        self.project_dir = project_dir
        self.budget = budget
        self.shown = shown
        self.base_path: str | None = None

    def load(self, uri: str, where: str) -> tuple[str | None, str]:
        """Return ``(text, "")`` or ``(None, why it is missing)``."""
        scheme, sep, rest = uri.partition("://")
        if not sep:
            return None, f"plainTextPath {safe_text(uri)} has no internal:// or relative:// scheme"
        rest = rest.replace("\\", "/")
        parts = PurePosixPath(rest.lstrip("/")).parts
        if ".." in parts or any(":" in p for p in parts):
            raise UnsafeInputError(f"{where}: plainTextPath {safe_text(uri)} points outside the project")
        rel = "/".join(parts)
        if not rel:
            return None, "plainTextPath is empty"
        scheme = scheme.lower()
        if scheme == "internal":
            if self.archive is not None:
                for folder in ("sources/", ""):
                    member = self.archive.find(folder + rel)
                    if member:
                        return decode_text(self.archive.read(member), f"{self.shown}: member {safe_text(member)}"), ""
                return None, f"internal://{rel} is not in the archive"
            for folder in ("Sources", "sources"):
                text = self._read_inside(self.project_dir / folder, rel)
                if text is not None:
                    return text, ""
            return None, f"internal://{rel} not found in Sources/ beside the project file"
        if scheme == "relative":
            roots = [Path(self.base_path)] if self.base_path else []
            roots.append(self.project_dir)
            for root in roots:
                text = self._read_inside(root, rel)
                if text is not None:
                    return text, ""
            return None, f"relative://{rel} not found under the project's basePath or folder"
        return None, f"{scheme}:// paths are not read (only internal:// and relative://)"

    def _read_inside(self, root: Path, rel: str) -> str | None:
        try:
            if not root.is_dir():
                return None
            candidate = (root / rel).resolve()
            if not candidate.is_relative_to(root.resolve()) or not candidate.is_file():
                return None
        except OSError:
            return None
        shown = f"{self.shown}: source file {safe_text(rel)}"
        with open_file(candidate, self.budget, shown) as fh:
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
    whole: list[tuple[str, str]] = field(default_factory=list)  # codings of the whole source
    attributes: dict[str, str] = field(default_factory=dict)


def import_refi(path: Path, shown: str, limits: Limits) -> ImportResult:
    """Import a ``.qdpx`` archive, a bare ``.qde`` file or a ``.qdc`` codebook."""
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
            locator = SourceLocator(archive, path.parent, budget, shown)
            with archive.open(member) as stream:
                return _RefiReader(f"{shown}: member {safe_text(member)}", locator, "qdpx").run(stream, limits)
    locator = SourceLocator(None, path.parent, budget, shown)
    with open_file(path, budget, shown) as stream:
        return _RefiReader(shown, locator, path.suffix.lower().lstrip(".") or "qde").run(stream, limits)


class _RefiReader:
    def __init__(self, where: str, locator: SourceLocator, container: str):
        self.where = where
        self.locator = locator
        self.container = container
        self.result = ImportResult(format="refi-qda")
        self.code_stack: list[tuple[str, list[str]]] = []  # (key, path segments)
        self.code_paths: dict[tuple[str, ...], str] = {}  # path -> key of the code holding it
        self.variables: dict[str, str] = {}
        self.cases: list[tuple[str, str, dict[str, str], list[str]]] = []
        self.sources: list[_Source] = []
        self.current: _Source | None = None

    def at(self, element: etree._Element) -> str:
        line = element.sourceline
        return f"{self.where}, line {line}" if line else self.where

    # -- main loop ------------------------------------------------------------------------------
    def run(self, stream, limits: Limits) -> ImportResult:
        T: _Tags | None = None
        for event, el in iterparse(stream, self.where, limits):
            if T is None:
                T = self._root(el)
                continue
            if event == "start":
                self._start(el, T)
            else:
                self._end(el, T)
        if T is None:
            raise ImportFormatError(f"{self.where}: empty document")
        return self._finish()

    def _root(self, el: etree._Element) -> _Tags:
        qname = etree.QName(el)
        expected = {"Project": NS_PROJECT, "CodeBook": NS_CODEBOOK}
        if qname.localname not in expected or qname.namespace != expected[qname.localname]:
            found = f"{{{qname.namespace}}}{qname.localname}" if qname.namespace else qname.localname
            raise ImportFormatError(
                f"{self.where}: root element is {safe_text(found)}; expected Project in namespace "
                f"{NS_PROJECT} (or CodeBook in {NS_CODEBOOK}): wrong namespace or not a REFI-QDA file")
        meta = self.result.meta
        meta["container"] = "qdc" if qname.localname == "CodeBook" else self.container
        if el.get("origin"):
            meta["origin"] = el.get("origin").strip()
        if el.get("name"):
            meta["project"] = el.get("name").strip()
        self.locator.base_path = el.get("basePath") or None  # to find files only; never written out
        return _Tags(qname.namespace)

    def _start(self, el: etree._Element, T: _Tags) -> None:
        tag = el.tag
        if tag == T.Code:
            self._code_start(el)
            return
        parent = el.getparent()
        if tag in (T.TextSource, T.PDFSource, T.PictureSource, T.AudioSource, T.VideoSource) and parent.tag == T.Sources:
            kind = etree.QName(tag).localname
            key = norm_guid(el.get("guid"))
            self.current = _Source(kind, key, el.get("name") or "", el.sourceline)
            if kind == "TextSource" and el.get("plainTextPath"):
                self._load_text(el.get("plainTextPath"), el)
        elif tag == T.Representation and parent.tag == T.PDFSource and self.current is not None:
            if el.get("plainTextPath"):
                self._load_text(el.get("plainTextPath"), el)

    def _load_text(self, uri: str, el: etree._Element) -> None:
        src = self.current
        src.has_text_path = True
        src.text, src.missing = self.locator.load(uri, self.at(el))

    def _end(self, el: etree._Element, T: _Tags) -> None:
        tag = el.tag
        parent = el.getparent()
        if tag == T.PlainTextSelection:
            self._selection(el, parent, T)
            _release(el)
        elif tag == T.Coding:
            if parent.tag in (T.TextSource, T.PDFSource, T.PictureSource, T.AudioSource, T.VideoSource):
                self._whole_source_coding(el, parent, T)
        elif tag == T.PlainTextContent:
            src = self.current
            grand = parent.getparent()
            if src is not None and ((parent.tag == T.TextSource and grand is not None and grand.tag == T.Sources)
                                    or (parent.tag == T.Representation and grand is not None and grand.tag == T.PDFSource)):
                src.text, src.missing = el.text or "", ""
            _release(el)
        elif etree.QName(tag).localname in _SKIPPED_SELECTIONS:
            self._skipped_selection(el, T)
            _release(el)
        elif tag == T.Code:
            self.code_stack.pop()
        elif tag == T.Description:
            if parent.tag == T.Code:
                self.result.codes[norm_guid(parent.get("guid"))].description = (el.text or "").strip()
        elif tag == T.User:
            name = (el.get("name") or el.get("id") or "").strip()
            self.result.coders[norm_guid(el.get("guid"))] = name
        elif tag == T.Variable:
            self.variables[norm_guid(el.get("guid"))] = (el.get("name") or "").strip()
            _release(el)
        elif tag == T.Case:
            self._case(el, T)
            _release(el)
        elif tag == T.VariableValue:
            if self.current is not None and parent.tag in (T.TextSource, T.PDFSource) and parent.getparent().tag == T.Sources:
                name, value = self._variable_value(el, T)
                self.current.attributes[name] = value
        elif self.current is not None and parent is not None and parent.tag == T.Sources and tag in (
                T.TextSource, T.PDFSource, T.PictureSource, T.AudioSource, T.VideoSource):
            self._source_end(self.current)
            self.current = None
            _release(el)
        elif tag in (T.Notes, T.Links, T.Sets, T.Graphs, T.Users, T.Variables, T.Cases, T.CodeBook):
            _release(el)

    # -- codebook -------------------------------------------------------------------------------
    def _code_start(self, el: etree._Element) -> None:
        key = norm_guid(el.get("guid"))
        name = el.get("name")
        if not key or name is None:
            raise ImportFormatError(f"{self.at(el)}: Code without guid or name")
        if key in self.result.codes:
            raise ImportFormatError(f"{self.at(el)}: Code {key} appears twice in the codebook")
        parent_segments = self.code_stack[-1][1] if self.code_stack else []
        own = [s.strip() for s in name.split("::") if s.strip()] or [key]
        segments = parent_segments + own
        codes = self.result.codes
        # "Parent::Child" names: make sure each level exists, as a non-codable code if need be.
        for depth in range(len(parent_segments) + 1, len(segments)):
            prefix = tuple(segments[:depth])
            if prefix not in self.code_paths:
                vkey = "virtual:" + "/".join(prefix)
                codes[vkey] = Code("/".join(prefix), "/".join(prefix[:-1]), codable=False, key=vkey)
                self.code_paths[prefix] = vkey
        path_key = tuple(segments)
        existing = self.code_paths.get(path_key)
        codable = (el.get("isCodable") or "true").strip().lower() not in ("false", "0")
        if existing is not None and existing.startswith("virtual:"):
            del codes[existing]  # the real code arrives after a "::" child named it
        elif existing is not None:
            segments = segments[:-1] + [f"{segments[-1]} [{key[:8]}]"]
            self.result.note("two codes with the same path", item=key,
                             detail=f"renamed to {'/'.join(segments)}")
            path_key = tuple(segments)
        self.code_paths[path_key] = key
        codes[key] = Code("/".join(segments), "/".join(segments[:-1]), codable=codable, key=key)
        if existing is not None and existing.startswith("virtual:"):
            # children recorded under the virtual key keep pointing at the path, which is unchanged
            pass
        self.code_stack.append((key, segments))

    # -- selections -----------------------------------------------------------------------------
    def _codings_of(self, el: etree._Element, T: _Tags) -> list[tuple[str, str]]:
        out = []
        for coding in el.iterchildren(T.Coding):
            ref = coding.find(T.CodeRef)
            target = norm_guid(ref.get("targetGUID")) if ref is not None else ""
            if not target:
                raise ImportFormatError(f"{self.at(coding)}: Coding without a CodeRef targetGUID")
            coder = norm_guid(coding.get("creatingUser") or el.get("creatingUser"))
            out.append((target, coder))
        return out

    def _selection(self, el: etree._Element, parent: etree._Element, T: _Tags) -> None:
        src = self.current
        grand = parent.getparent()
        in_text = src is not None and grand is not None and (
            (parent.tag == T.TextSource and grand.tag == T.Sources)
            or (parent.tag == T.Representation and grand.tag == T.PDFSource))
        item = norm_guid(el.get("guid"))
        codings = self._codings_of(el, T)
        if not in_text:
            where = etree.QName(parent).localname
            what = "selection in a note (memo)" if where == "Note" else f"text selection inside {where}"
            self.result.skip(what, src.name if src else "", item, len(codings))
            return
        try:
            start, end = int(el.get("startPosition")), int(el.get("endPosition"))
        except (TypeError, ValueError):
            raise ImportFormatError(f"{self.at(el)}: PlainTextSelection {item} needs whole-number "
                                    f"startPosition and endPosition") from None
        src.spans.append(Span(start, end, codings, hint=el.get("name"), item=item, line=el.sourceline))

    def _whole_source_coding(self, el: etree._Element, parent: etree._Element, T: _Tags) -> None:
        ref = el.find(T.CodeRef)
        target = norm_guid(ref.get("targetGUID")) if ref is not None else ""
        if not target:
            raise ImportFormatError(f"{self.at(el)}: Coding without a CodeRef targetGUID")
        coder = norm_guid(el.get("creatingUser") or parent.get("creatingUser"))
        if self.current is not None and self.current.kind in ("TextSource", "PDFSource"):
            self.current.whole.append((target, coder))
        else:
            kind = etree.QName(parent).localname
            self.result.skip(f"coding of a whole {kind.replace('Source', '').lower()} source",
                             parent.get("name") or "", norm_guid(el.get("guid")), 1)

    def _skipped_selection(self, el: etree._Element, T: _Tags) -> None:
        what = _SKIPPED_SELECTIONS[etree.QName(el).localname]
        n = len(list(el.iterchildren(T.Coding)))
        self.result.skip(what, self.current.name if self.current else "", norm_guid(el.get("guid")), n)

    # -- cases and variables --------------------------------------------------------------------
    def _variable_value(self, el: etree._Element, T: _Tags) -> tuple[str, str]:
        ref = el.find(T.VariableRef)
        key = norm_guid(ref.get("targetGUID")) if ref is not None else ""
        name = self.variables.get(key) or key or "variable"
        value = ""
        for child in el:
            if etree.QName(child).localname in _VALUE_TAGS:
                value = (child.text or "").strip()
        return name, value

    def _case(self, el: etree._Element, T: _Tags) -> None:
        attrs: dict[str, str] = {}
        sources = []
        for child in el:
            if child.tag == T.VariableValue:
                name, value = self._variable_value(child, T)
                attrs[name] = value
            elif child.tag == T.SourceRef:
                sources.append(norm_guid(child.get("targetGUID")))
        self.cases.append((norm_guid(el.get("guid")), (el.get("name") or "").strip(), attrs, sources))

    # -- sources --------------------------------------------------------------------------------
    def _source_end(self, src: _Source) -> None:
        self.sources.append(src)
        if src.kind in ("PictureSource", "AudioSource", "VideoSource"):
            self.result.skip(f"{src.kind.replace('Source', '').lower()} source (not text)", src.name, src.key)
            src.spans = []

    def _finish(self) -> ImportResult:
        result = self.result
        taken: set[str] = set()
        by_key: dict[str, Document] = {}
        for src in self.sources:
            if src.kind not in ("TextSource", "PDFSource"):
                continue
            doc_id = unique_name(src.name, taken, src.key or "document")
            if doc_id != (src.name.strip() or src.key):
                result.note("document renamed (name missing or used twice)", doc_id, src.key)
            where = f"{self.where}, {src.kind} {safe_text(src.name or src.key)}"
            if src.text is None:
                if src.has_text_path or src.spans:
                    result.skip("source text missing", doc_id, src.key,
                                detail=(src.missing or "no PlainTextContent or plainTextPath")
                                + "; codings kept, n_chars is the largest offset, excerpts from selection names")
            n_chars = settle_spans(result, doc_id, src.text, src.spans, where)
            for code_key, coder in src.whole:
                if n_chars > 0:
                    excerpt = src.text if src.text is not None else ""
                    result.codings.append((doc_id, 0, n_chars, code_key, coder, excerpt, src.line, src.key))
                else:
                    result.skip("coding of a whole source of unknown length", doc_id, src.key, 1)
            doc = Document(doc_id, n_chars, key=src.key, attributes=dict(src.attributes))
            by_key[src.key] = doc
            result.documents.append(doc)
        # Codes referred to must be in the codebook.
        for doc_id, start, end, code_key, coder, _excerpt, line, item in result.codings:
            if code_key not in result.codes:
                at = f"{self.where}, line {line}" if line else self.where
                raise ImportFormatError(f"{at}: a Coding of selection {item} refers to code {code_key}, "
                                        f"which is not in the codebook")
        if self.cases:
            people: list[Participant] = []
            ptaken: set[str] = set()
            for key, name, attrs, sources in self.cases:
                pid = unique_name(name, ptaken, key or "case")
                people.append(Participant(pid, key, attrs))
                for source_key in sources:
                    doc = by_key.get(source_key)
                    if doc is None:
                        continue
                    if doc.participant_key is None:
                        doc.participant_key = pid
                    elif doc.participant_key != pid:
                        result.note("source in more than one case", doc.document_id, source_key,
                                    detail=f"participant_id is '{doc.participant_key}'; also in case '{pid}'")
            result.participants = people
        result.meta["sources"] = len(self.sources)
        return result


def _release(el: etree._Element) -> None:
    """Free a processed element and the already-processed siblings before it."""
    el.clear(keep_tail=False)
    parent = el.getparent()
    if parent is not None:
        while el.getprevious() is not None:
            del parent[0]
