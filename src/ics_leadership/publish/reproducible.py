"""Outputs that say nothing about the machine that built them, and are the same on every build.

Two builds of one commit give byte-identical executed notebooks, HTML and PDF, and the executed
notebooks a reader downloads carry no path of the builder's machine. What would otherwise differ
or leak, and where it is dealt with:

- papermill's and nbclient's timings, the absolute input and output paths papermill records, and
  this machine's folders in outputs, such as the file a warning comes from (:func:`scrub_notebook`);
- the random id nbformat gives each cell papermill adds (:func:`scrub_notebook`);
- the date the book shows (:mod:`ics_leadership.publish.colophon`, ``SOURCE_DATE_EPOCH``);
- pandas Styler's random table ids and its ``<Styler at 0x...>`` text form
  (:func:`ics_leadership.figures.tables.table`);
- the creation date chromium writes into the PDF, and a PDF ``/ID`` (:func:`normalise_pdf`).

:func:`private_paths_in` then checks each executed notebook, so a path that slips through stops
the build instead of reaching a reader.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

#: Notebook-level papermill metadata that records this run, not the notebook.
RUN_METADATA = ("input_path", "output_path", "start_time", "end_time", "duration")
#: Cell-level papermill metadata of the same kind.
CELL_RUN_METADATA = ("start_time", "end_time", "duration")

#: A Python object's default text form, which holds its memory address (differs on every run):
#: ``<object object at 0x7f...>``, ``<function f at 0x7f...>``, also HTML-escaped.
ADDRESS_REPR = re.compile(r"(?:<|&lt;)[^<>&\n]{1,200}? at 0x[0-9a-fA-F]{4,}(?:>|&gt;)")


def scrub_notebook(nb: dict, portable: Iterable[tuple[str, str]] = ()) -> dict:
    """Remove what records the run rather than the notebook; give every cell a stable id.

    Removed: papermill's ``input_path``, ``output_path`` and timings (notebook and cells), and
    nbclient's per-cell ``execution`` timestamps. Kept: parameters, execution counts, outputs.
    Cell ids become ``<position>-<hash of type and source>``: papermill gives the cells it adds
    (and, for an older notebook, every cell) a random id, so ids must be derived to be stable.

    Parameters
    ----------
    portable
        ``(folder, replacement)`` pairs (see :func:`machine_paths`): in outputs (a warning names
        the file it comes from), ``folder/`` is written ``replacement/``, or dropped when the
        replacement is empty. Images are left alone.

    Returns
    -------
    dict
        ``nb``, changed in place.
    """
    portable = sorted(portable, key=lambda pair: len(pair[0]), reverse=True)
    run = nb.get("metadata", {}).get("papermill")
    if isinstance(run, dict):
        for key in RUN_METADATA:
            run.pop(key, None)
    for position, cell in enumerate(nb.get("cells", [])):
        meta = cell.setdefault("metadata", {})
        meta.pop("execution", None)
        if isinstance(meta.get("papermill"), dict):
            for key in CELL_RUN_METADATA:
                meta["papermill"].pop(key, None)
        if "id" in cell or nb.get("nbformat_minor", 0) >= 5:
            cell["id"] = stable_cell_id(position, cell)
        if portable and cell.get("outputs"):
            _replace_paths(cell["outputs"], portable)
    return nb


def _replace_paths(node: dict | list, portable: list[tuple[str, str]]) -> None:
    """Rewrite ``folder/`` prefixes in every string under ``node`` except images, in place."""
    for key, value in list(node.items() if isinstance(node, dict) else enumerate(node)):
        if str(key).startswith("image/"):
            continue
        if isinstance(value, str):
            for folder, replacement in portable:
                value = value.replace(folder + "/", replacement + "/" if replacement else "")
            node[key] = value
        elif isinstance(value, (dict, list)):
            _replace_paths(value, portable)


def machine_paths(root: Path | str) -> list[tuple[str, str]]:
    """This machine's folders that outputs may name, with what to write instead.

    The project root is dropped (paths become relative to the project), Python's library folders
    are written by their last name (``site-packages/pandas/...``, ``python3.11/warnings.py``) and
    the home folder as ``~``. Each folder appears as given and resolved (symlinks).
    """
    import sysconfig

    pairs: dict[str, str] = {}
    library = [sysconfig.get_paths().get(name) for name in ("purelib", "platlib", "stdlib", "platstdlib")]
    for folder, replacement in ((root, ""), *((p, Path(p).name) for p in library if p), (os.environ.get("HOME"), "~")):
        for form in _forms(folder):
            pairs.setdefault(form, replacement)
    return sorted(pairs.items(), key=lambda pair: len(pair[0]), reverse=True)


def _forms(path: Path | str | None) -> list[str]:
    """``path`` as given and resolved, without a trailing slash; nothing for the file system's root."""
    if not path:
        return []
    forms = {str(Path(path)).rstrip("/"), str(Path(path).resolve()).rstrip("/")}
    return sorted(form for form in forms if form not in ("", "."))


def stable_cell_id(position: int, cell: dict) -> str:
    """``<position>-<8 hex digits of the SHA-256 of the cell's type and source>``: unique and stable."""
    source = cell.get("source", "")
    source = "".join(source) if isinstance(source, list) else source
    digest = hashlib.sha256(f"{cell.get('cell_type')}\0{source}".encode()).hexdigest()[:8]
    return f"{position:02d}-{digest}"


def private_markers(*paths: Path | str | None) -> list[str]:
    """The given folders and the home folder, as written and resolved (symlinks), longest first.

    The file system root and empty paths are left out: they would match every path.
    """
    found = {form for path in (*paths, os.environ.get("HOME")) for form in _forms(path)}
    return sorted(found, key=len, reverse=True)


def private_paths_in(nb: dict, markers: Iterable[str], allowed: Iterable[Any] = ()) -> list[str]:
    """Where ``nb`` still holds one of the ``markers`` (folders of this machine) or an object's address.

    Parameters
    ----------
    markers
        Folders whose mention is a leak (see :func:`private_markers`). A marker counts only as a
        whole path: ``/root`` matches ``/root``, ``/root/x`` and ``file:///root``, not ``/rooted``,
        ``/srv/root`` or ``https://x.org/root``.
    allowed
        Values the user chose to put in the notebook (its parameters): a path given as a parameter
        is theirs to publish, so its occurrences are not reported.

    Returns
    -------
    list of str
        One entry per finding, e.g. ``"cell 4: /home/ana/compendium"`` or ``"metadata: ..."``.
    """
    # A whole path: not inside a longer name or path (base64 images included), but in a file URL.
    patterns = [(m, re.compile(r"(?:(?<=file://)|(?<![\w.+/-]))" + re.escape(m) + r"(?![\w.-])")) for m in markers]
    exempt = sorted(
        (str(v) for v in allowed if isinstance(v, (str, os.PathLike)) and str(v).strip()), key=len, reverse=True
    )

    def scan(where: str, part: Any) -> list[str]:
        text = json.dumps(part, ensure_ascii=False)
        for value in exempt:
            text = text.replace(value, "")
        hits = [f"{where}: {m}" for m, pattern in patterns if pattern.search(text)]
        hits += [f"{where}: {a}" for a in sorted(set(ADDRESS_REPR.findall(text)))]
        return hits

    found = scan("metadata", nb.get("metadata", {}))
    for number, cell in enumerate(nb.get("cells", []), start=1):
        found += scan(f"cell {number}", cell)
    return found


#: A PDF date string as an Info entry, e.g. ``/CreationDate (D:20260304120000+00'00')``.
_PDF_DATE = re.compile(rb"/(CreationDate|ModDate)\s*(\((?:[^()\\]|\\.)*\))")
#: The trailer's file identifier: two hexadecimal strings.
_PDF_ID = re.compile(rb"/ID\s*\[\s*<([0-9A-Fa-f]*)>\s*<([0-9A-Fa-f]*)>\s*\]")


#: The ids chromium gives the structure elements of a tagged PDF (``/ID (node00001219)``, and the
#: same string in a table cell's ``/Headers``): the DOM node's creation number.
_NODE_ID = re.compile(rb"\(node(\d+)\)")


def _numbered_nodes(data: bytes) -> bytes:
    """``data`` with chromium's structure-element ids renumbered in order of first appearance.

    The numbers count DOM nodes in the order they were created, which the theme's scripts can shift
    by a node or two from one print to the next while the page itself is the same; renumbering keeps
    every id and reference consistent, and each number keeps its digit count, so byte offsets hold.
    """
    order: dict[bytes, int] = {}

    def renumber(match: re.Match) -> bytes:
        digits = match.group(1)
        number = order.setdefault(digits, len(order) + 1)
        text = str(number).zfill(len(digits)).encode("ascii")
        if len(text) != len(digits):  # more ids than the digits can count: leave them as chromium wrote
            return match.group(0)
        return b"(node" + text + b")"

    return _NODE_ID.sub(renumber, data)


def normalise_pdf(data: bytes, when: datetime) -> bytes:
    """Set the PDF's ``/CreationDate`` and ``/ModDate`` to ``when``, renumber its structure-element
    ids in order (:func:`_numbered_nodes`), and set its ``/ID`` to a content hash.

    Chromium stamps the PDF with the clock's time (it ignores ``SOURCE_DATE_EPOCH``). Every value
    is rewritten in place at its exact byte length, so the cross-reference offsets stay valid; a
    shorter date form is padded with spaces, which PDF syntax allows between tokens. The ``/ID``
    (Skia writes none today) becomes the MD5 of the file with the dates set and the ID blanked, as
    the PDF standard suggests: the same content always gets the same ID.

    Raises
    ------
    ValueError
        A date entry too short to hold a date (not a PDF chromium wrote).
    """
    stamp = when.astimezone(UTC).strftime("%Y%m%d%H%M%S")

    def date(match: re.Match) -> bytes:
        old = match.group(2)
        for form in (f"(D:{stamp}+00'00')", f"(D:{stamp}Z)"):
            if len(form) <= len(old):
                value = form.encode("ascii").ljust(len(old), b" ")
                return match.group(0)[: match.start(2) - match.start(0)] + value
        raise ValueError(f"PDF /{match.group(1).decode()} entry {old!r} is too short to hold a date")

    data = _numbered_nodes(_PDF_DATE.sub(date, data))
    if not _PDF_ID.search(data):
        return data
    digest = hashlib.md5(_set_id(data, lambda n: b"0" * n), usedforsecurity=False).hexdigest().upper().encode()
    return _set_id(data, lambda n: (digest * (1 + n // len(digest)))[:n])


def _set_id(data: bytes, value: Callable[[int], bytes]) -> bytes:
    """``data`` with both hexadecimal strings of the trailer's ``/ID`` replaced by ``value(length)``."""

    def put(match: re.Match) -> bytes:
        out = bytearray(match.group(0))
        for group in (1, 2):
            start, end = match.start(group) - match.start(0), match.end(group) - match.start(0)
            out[start:end] = value(end - start)
        return bytes(out)

    return _PDF_ID.sub(put, data)
