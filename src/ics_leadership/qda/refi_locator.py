"""Where a REFI-QDA source's plain text is read from: inside the archive, or a folder the user named.

Separate from reading the project XML (:mod:`ics_leadership.qda.refi`): a project names files by
``internal://`` and ``relative://`` paths, which come from an untrusted file, so finding them is a
safety concern of its own (:mod:`ics_leadership.qda.confine`).
"""

from __future__ import annotations

from pathlib import Path

from ics_leadership.qda.errors import UnsafeInputError, safe_text
from ics_leadership.qda.safety import Budget, SafeArchive, decode_text, open_regular, relative_parts, resolve_inside


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
