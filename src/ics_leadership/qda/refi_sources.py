"""REFI-QDA sources and their text selections mapped to documents and codings.

The methods of the reader (:class:`ics_leadership.qda.refi._RefiReader`) that handle a source when
its element ends: its text (through :class:`ics_leadership.qda.refi_locator.SourceLocator`), its
selections and their codings, what is skipped (pictures, audio, video, PDF regions, selections in
notes) and why. A mixin, kept apart from the codebook and cases
(:mod:`ics_leadership.qda.refi_codebook`); it uses the reader's state.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from ics_leadership.qda.errors import ImportFormatError, safe_text
from ics_leadership.qda.model import Document, Span, settle_spans, unique_name
from ics_leadership.qda.refi_xml import _SKIPPED_SELECTIONS, _release, norm_guid


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


class _SourceHandlers:
    """Sources and selections (see the module docstring)."""

    def _is_top_source(self, el: etree._Element | None) -> bool:
        if el is None or el.tag not in self.source_tags:
            return False
        parent = el.getparent()
        return parent is not None and parent.tag == self.T.Sources

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
            self._not_imported(el)
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
        placed: dict[str, tuple[int, int]] | None = {} if self.notes_wanted else None
        n_chars = settle_spans(result, doc_id, src.text, src.spans, where, placed=placed)
        if placed:
            self._placed(doc_id, placed)
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
        self._not_imported(el)
        source = el.getparent()
        if source is not None and source.tag == self.T.Transcript:
            source = source.getparent()
        n = sum(1 for _ in el.iterchildren(self.T.Coding))
        name = (source.get("name") or "") if source is not None else ""
        self.result.skip(what, name, norm_guid(el.get("guid")), n)
        el.clear()
