"""The REFI-QDA codebook, users, variables and cases mapped to codes, coders and participants.

The methods of the reader (:class:`ics_leadership.qda.refi._RefiReader`) for the project's
vocabulary: code paths from nested ``Code`` elements (and ATLAS.ti's "Parent::Child" names),
coders from ``User``, attributes from ``Variable`` and ``VariableValue``, participants from ``Case``.
A mixin, kept apart from sources and selections (:mod:`ics_leadership.qda.refi_sources`); it uses
the reader's state.
"""

from __future__ import annotations

from lxml import etree

from ics_leadership.coding import codepath
from ics_leadership.qda.errors import ImportFormatError
from ics_leadership.qda.model import Code
from ics_leadership.qda.refi_xml import _VALUE_TAGS, _release, norm_guid


class _CodebookHandlers:
    """Codebook, users, variables and cases (see the module docstring)."""

    def _unknown_code(self, code: str, line: int | None, item: str) -> None:
        at = f"{self.where}, line {line}" if line else self.where
        raise ImportFormatError(
            f"{at}: a Coding of selection {norm_guid(item)} refers to code {code}, which is not in the codebook"
        )

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


def _split_name(name: str, key: str) -> list[str]:
    """A code name as path segments: ATLAS.ti writes a hierarchy as "Parent::Child"."""
    return [part.strip() for part in name.split("::") if part.strip()] or [key]
