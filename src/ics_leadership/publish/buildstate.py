"""What each step of the last build depended on, and whether it must run, re-render or be skipped.

A step's key (:class:`StepKey`) is a set of content hashes (:mod:`~ics_leadership.publish.hashing`):
its notebook's code cells or its command, its markdown, its parameters, each declared read, the
package source and the lock file. After a step succeeds, :func:`record` stores its key and the
hashes of what it wrote (declared outputs, executed copy) in ``<root>/.build-state/state.json``;
:func:`decide` compares the current key and outputs with them and gives the reasons users read.
A change to markdown alone re-renders the executed copy without a kernel
(:func:`~ics_leadership.publish.mdrender.render_markdown`). The book has a key of its own
(:func:`book_key`).

The store is outside ``book/_build`` (replaced whole on every book build) and git-ignored;
``make clean`` removes it. It is written atomically. A missing or unreadable store only means that
every step runs ("no record").
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ics_leadership.publish.hashing import (
    MISSING,
    HashMemo,
    lock_hash,
    notebook_hashes,
    package_hash,
    tree_hash,
    value_hash,
)
from ics_leadership.publish.mdrender import render_markdown as render_markdown  # re-exported
from ics_leadership.publish.steps import Step

if TYPE_CHECKING:
    from ics_leadership.publish.config import PipelineConfig

#: The store, relative to the project root.
STATE_DIR, STATE_FILE = ".build-state", "state.json"
#: Bumped when the store's layout or the meaning of a hash changes (an old store is then ignored).
VERSION = 1

Reporter = Callable[[str], None]
_STORE_LOCK = threading.Lock()  # record() may be called from worker threads


def _print(message: str) -> None:
    print(message, flush=True)


@dataclass(frozen=True)
class StepKey:
    """What a step depends on, each part a hash. ``reads`` maps each declared read to its hash."""

    code: str
    markdown: str
    parameters: str
    reads: dict[str, str]
    package: str
    lock: str
    writes: str
    source: str = ""  # the commit and work-tree state, for a step that shows them (else a constant)

    def parts(self) -> dict[str, str]:
        """The key as a flat mapping (``read:<path>`` for each read), as stored."""
        names = ("code", "markdown", "parameters", "package", "lock", "writes", "source")
        flat = {name: getattr(self, name) for name in names}
        flat.update({f"read:{path}": value for path, value in self.reads.items()})
        return flat


def step_key(step: Step, root: Path, memo: HashMemo | None = None) -> StepKey:
    """The current key of ``step`` (see :class:`StepKey`)."""
    root, memo = Path(root), memo or HashMemo()
    if step.notebook is not None:
        code, markdown = notebook_hashes(root / step.notebook, step.title, memo)
    else:
        code, markdown = value_hash(["command", list(step.command or ())]), value_hash(None)
    return StepKey(
        code=code,
        markdown=markdown,
        parameters=value_hash(step.parameters),
        reads={path: tree_hash(root / path, memo=memo) for path in step.reads},
        package=package_hash(memo=memo),
        lock=lock_hash(root, memo),
        writes=value_hash([sorted(step.writes), step.output_name]),
        source=_source_hash(root, memo) if step.shows_commit else value_hash(None),
    )


def _source_hash(root: Path, memo: HashMemo) -> str:
    """Hash of what the colophon prints about the build's source: commit, uncommitted changes, date."""
    if memo.source is None:
        from ics_leadership.publish import colophon  # runs git; only steps that show the commit need it

        found = colophon.build_source(root)
        memo.source = value_hash([found.commit, found.dirty, found.epoch])
    return memo.source


@dataclass
class BuildState:
    """The store as loaded at the start of a build, and the build's hash memo.

    ``steps`` maps a step name to its record: ``key`` (:meth:`StepKey.parts`), ``writes`` (declared
    output -> hash) and, for a notebook, ``executed`` (``path``, ``hash``). ``book`` is the book's key.
    """

    root: Path
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)
    book: dict[str, str] | None = None
    memo: HashMemo = field(default_factory=HashMemo)


def state_path(root: Path) -> Path:
    """``<root>/.build-state/state.json``."""
    return Path(root) / STATE_DIR / STATE_FILE


def _read_store(root: Path) -> dict[str, Any]:
    """The stored data (empty when there is no store). Raises ValueError/OSError when unreadable."""
    path = state_path(root)
    if not path.exists():
        return {"version": VERSION, "steps": {}, "book": None}
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("steps"), dict):
        raise ValueError("not a build-state file")
    if data.get("version") != VERSION:
        raise ValueError(f"written by another version ({data.get('version')!r}, this is {VERSION})")
    return data


def load_state(root: Path, report: Reporter = _print) -> BuildState:
    """Load the store; when it cannot be read, warn in one line and start from an empty one."""
    root = Path(root)
    try:
        data = _read_store(root)
    except (OSError, ValueError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        detail = " ".join(str(exc).split())[:120]
        report(f"warning: {STATE_DIR}/{STATE_FILE} cannot be read ({detail}); it is ignored and every step runs")
        data = {"steps": {}, "book": None}
    return BuildState(root, dict(data["steps"]), data.get("book"))


def _update(root: Path, change: Callable[[dict[str, Any]], None]) -> None:
    """Read the store, apply ``change``, write it back atomically (an unreadable store starts empty)."""
    with _STORE_LOCK:
        try:
            data = _read_store(root)
        except (OSError, ValueError):
            data = {}
        data = {"version": VERSION, "steps": data.get("steps", {}), "book": data.get("book")}
        change(data)
        path = state_path(root)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".state-", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, indent=1, sort_keys=True)
                fh.write("\n")
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


@dataclass(frozen=True)
class Decision:
    """What to do with a step: ``action`` is "run", "render" or "skip"; ``reasons`` say why.

    ``key`` is the step's current key, to pass to :func:`record` once the step has run or rendered.
    """

    action: str
    reasons: tuple[str, ...]
    key: StepKey


#: Key parts and the reason a change to each gives (reads are named by their path).
_CHANGED = {
    "code": "changed: notebook code",
    "parameters": "changed: parameters",
    "package": "changed: package source",
    "lock": "changed: requirements.lock",
    "writes": "changed: declared outputs",
    "source": "changed: commit or uncommitted changes",
}


def _shown(root: Path, path: Path) -> str:
    """``path`` relative to the root in POSIX form (as declared), or as given when outside it."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def executed_path(step: Step, root: Path, executed_dir: Path | str) -> Path | None:
    """Where a notebook step's executed copy goes (``executed_dir`` may be relative to ``root``)."""
    if step.output_name is None:
        return None
    return Path(root) / executed_dir / step.output_name


def decide(step: Step, root: Path, state: BuildState, executed_dir: Path | str, force: bool = False) -> Decision:
    """Whether ``step`` must run, may only re-render its markdown, or is up to date.

    Parameters
    ----------
    step, root
        The step and the project root its paths are relative to.
    state
        The store, loaded once per build (:func:`load_state`); its memo spares re-reading files.
    executed_dir
        The folder of executed copies (relative to ``root``, or absolute).
    force
        Run whatever the record says ("forced").

    Returns
    -------
    Decision
        "run" with every reason found ("no record", "changed: notebook code", "changed: parameters",
        "changed: <declared read>", "changed: package source", "changed: requirements.lock",
        "changed: declared outputs", "changed: command" (a command step's arguments),
        "missing output: <path>", "output changed since it was written: <path>", "missing executed
        copy"); else "render" ("changed: notebook markdown") when only markdown or the title
        changed; else "skip" ("unchanged").
    """
    root = Path(root)
    key = step_key(step, root, state.memo)
    if force:
        return Decision("run", ("forced",), key)
    rec = state.steps.get(step.name)
    old = rec.get("key") if isinstance(rec, dict) else None
    if not isinstance(old, dict):
        return Decision("run", ("no record",), key)
    now = key.parts()
    reasons = [text for part, text in _CHANGED.items() if old.get(part) != now[part]]
    if step.command is not None and reasons[:1] == [_CHANGED["code"]]:
        reasons[0] = "changed: command"
    reads = [p for p in now if p.startswith("read:")] + [p for p in old if p.startswith("read:") and p not in now]
    reasons += [f"changed: {p[len('read:') :]}" for p in reads if old.get(p) != now.get(p)]
    written = rec.get("writes") if isinstance(rec.get("writes"), dict) else {}
    for path in step.writes:
        reasons += _output_reasons(path, tree_hash(root / path, memo=state.memo), written.get(path))
    copy = executed_path(step, root, executed_dir)
    if copy is not None:
        shown, current = _shown(root, copy), tree_hash(copy, memo=state.memo)
        recorded = rec.get("executed") if isinstance(rec.get("executed"), dict) else {}
        if current == MISSING:
            reasons.append("missing executed copy")
        elif recorded.get("path") != shown or recorded.get("hash") != current:
            reasons.append(f"output changed since it was written: {shown}")
    if reasons:
        return Decision("run", tuple(reasons), key)
    if old.get("markdown") != now["markdown"]:
        return Decision("render", ("changed: notebook markdown",), key)
    return Decision("skip", ("unchanged",), key)


def render_step(step: Step, root: Path, executed_dir: Path | str) -> bool:
    """:func:`render_markdown` for a notebook step: its source, executed copy and title.

    Returns False (run the step instead) for a command step or when the code cells differ.
    """
    copy = executed_path(step, root, executed_dir)
    if step.notebook is None or copy is None:
        return False
    return render_markdown(Path(root) / step.notebook, copy, title=step.title)


def _output_reasons(path: str, current: str, recorded: str | None) -> list[str]:
    if current == MISSING:
        return [f"missing output: {path}"]
    if current != recorded:
        return [f"output changed since it was written: {path}"]
    return []


def record(
    step: Step, root: Path, key: StepKey, executed_copy: Path | None = None, state: BuildState | None = None
) -> None:
    """Store, after ``step`` succeeded, its key and the hashes of its declared writes and executed copy.

    Safe to call from several threads. When the build's ``state`` is given, its memo forgets what
    the step wrote, so later hashes read the new contents.
    """
    root = Path(root)
    if state is not None:
        state.memo.forget([root / p for p in step.writes] + ([Path(executed_copy)] if executed_copy else []))
    memo = state.memo if state is not None else HashMemo()
    entry: dict[str, Any] = {
        "key": key.parts(),
        "writes": {path: tree_hash(root / path, memo=memo) for path in step.writes},
    }
    if executed_copy is not None:
        copy = Path(executed_copy)
        entry["executed"] = {"path": _shown(root, copy), "hash": tree_hash(copy, memo=memo)}
    _update(root, lambda data: data["steps"].__setitem__(step.name, entry))


def forget(root: Path, name: str) -> None:
    """Remove the record of step ``name`` (it will run next time: "no record")."""
    _update(Path(root), lambda data: data["steps"].pop(name, None))


def book_key(root: Path, config: PipelineConfig, state: BuildState | None = None) -> dict[str, str]:
    """What the book is built from: the executed copies, the book's own sources, package, lock.

    The book's sources are its folder without ``_build``, the executed folder and hidden entries
    (an interrupted build's leftovers, the build lock).
    """
    root, memo = Path(root), state.memo if state is not None else HashMemo()
    book, executed = root / config.book_dir, root / config.executed_dir
    skip = {"_build"} | {p.name for p in book.glob(".*")}
    if book in executed.parents:
        skip.add(executed.relative_to(book).parts[0])
    return {
        "executed": tree_hash(executed, memo=memo),
        "book": tree_hash(book, memo=memo, skip_top=skip),
        "package": package_hash(memo=memo),
        "lock": lock_hash(root, memo),
    }


def book_current(root: Path, config: PipelineConfig, state: BuildState) -> bool:
    """True when the built book exists and nothing it is built from changed since it was recorded."""
    built = Path(root) / config.book_dir / "_build" / "html" / "index.html"
    return state.book is not None and built.is_file() and state.book == book_key(root, config, state)


def record_book(root: Path, config: PipelineConfig, state: BuildState | None = None) -> None:
    """Store the book's key after the book was built and swapped into place."""
    key = book_key(root, config, state)
    _update(Path(root), lambda data: data.__setitem__("book", key))
