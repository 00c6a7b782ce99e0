"""Benchmark: ``ics-leadership build`` against Jupyter Book 1.x executing the same notebooks itself.

Each round works on fresh copies of the compendium (the git-tracked files of the checkout this
script lives in, copied into a temporary folder and committed there as in a fresh clone, since the
colophon shows the commit; ``--no-git`` leaves them plain folders, as an unpacked archive; no
``.build-state/``, ``book/_build``, ``book/notebooks`` or derived data) and times, in this order,
so that all five see the same machine load:

1. ours cold: ``python -m ics_leadership build`` in the copy (``ICS_LEADERSHIP_ROOT`` and
   ``PYTHONPATH`` point at the copy, so it runs the copy's code with this interpreter);
2. Jupyter Book ``force``: in a second copy, the benchmark writes the parameterised notebooks
   into ``book/notebooks`` first (papermill ``prepare_only``, each step's parameters from
   ``pipeline.yaml``, one copy per executed page, so four of ``20_contribution``; relative path
   parameters such as ``../data/raw`` become absolute paths in the copy, because Jupyter Book runs
   each notebook in its own folder; each page gets its title). Not timed. Timed: the command steps
   of ``pipeline.yaml`` (the synthetic corpus), then ``jupyter-book build book`` with
   ``execute_notebooks: force`` set in the copy's ``_config.yml``;
3. ours no-op: the same build again in copy 1, nothing changed;
4. Jupyter Book ``cache`` no-op: in copy 2, ``execute_notebooks: cache``, one untimed build to fill
   the cache, then the timed second one;
5. ours one change: one word of one code cell of ``notebooks/90_data.ipynb`` changed (in a comment
   if a code cell has one, else in a prose string), then the build again in copy 1.

Both tools run Jupyter Book with the same checks (``-W -n --keep-going``: warnings are errors) and a
notebook error fails Jupyter Book's build (``nb_execution_raise_on_error``), so neither can be fast
by skipping work silently. A failed build prints the tail of its log and the benchmark exits 1.

Printed: the median wall time of each, the ratios the issue's targets name (cold / JB force <= 0.6,
no-op / JB cache <= 1.0, one change / JB force <= 0.2) with PASS or FAIL, whether the no-op build
started any step (a kernel), and which steps the one-change build re-ran against the ones it should
(``90_data``, the steps downstream of it by the declared reads and writes, and the colophon, which
declares ``shows_commit``: the edit makes the checkout dirty). A benchmark, not a test; each round
takes a few minutes:

    PYTHONPATH=src .venv/bin/python bench/bench_build.py [--repeats 3] [--jobs N] [--keep] [--no-git]
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tokenize
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

CHECKOUT = Path(__file__).resolve().parents[1]
#: The notebook whose code the one-change build edits (the issue names it).
CHANGED_NOTEBOOK = "notebooks/90_data.ipynb"
REPLACEMENT_WORD = "benchmarked"
#: Wall-clock limit of one build (a hung kernel should fail the benchmark, not stall it).
BUILD_TIMEOUT = 3600
#: Lines of a failed build's log printed.
TAIL = 40

TARGETS = (  # (label, numerator, denominator, limit)
    ("cold / JB force", "ours cold", "JB force", 0.6),
    ("no-op / JB cache no-op", "ours no-op", "JB cache no-op", 1.0),
    ("one change / JB force", "ours one change", "JB force", 0.2),
)


@dataclass
class Step:
    """What the benchmark needs of one step of pipeline.yaml (either form)."""

    name: str
    notebook: str | None = None
    command: list[str] | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    reads: list[str] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)
    output: str | None = None
    title: str | None = None
    shows_commit: bool = False  # the colophon: re-runs when the commit, its state or the source date change
    label: str = ""  # how the old build's progress names it ("[3/13] LABEL")


def read_steps(pipeline: Path) -> tuple[list[Step], str, str]:
    """The steps of ``pipeline.yaml``, in file order, with its executed and book folders.

    Reads the ``steps:`` form (named steps, notebook or command, reads and writes) and the older
    ``notebooks:`` list (no commands, no declarations; a step is named after its executed copy).
    """
    config = yaml.safe_load(pipeline.read_text(encoding="utf-8")) or {}
    executed_dir = config.get("executed_dir", "book/notebooks")
    book_dir = config.get("book_dir", "book")
    steps = []
    if "steps" in config:
        for entry in config["steps"]:
            command = entry.get("command")
            if isinstance(command, str):
                command = command.split()
            steps.append(
                Step(
                    name=entry["name"],
                    notebook=entry.get("notebook"),
                    command=list(command) if command else None,
                    parameters=dict(entry.get("parameters") or {}),
                    reads=list(entry.get("reads") or []),
                    writes=list(entry.get("writes") or []),
                    output=entry.get("output"),
                    title=entry.get("title"),
                    shows_commit=bool(entry.get("shows_commit")),
                    label=entry["name"],
                )
            )
    else:
        for entry in config.get("notebooks") or []:
            output = entry.get("output")
            steps.append(
                Step(
                    name=Path(output or entry["path"]).stem,
                    notebook=entry["path"],
                    parameters=dict(entry.get("parameters") or {}),
                    output=output,
                    title=entry.get("title"),
                    label=entry["path"] if output is None else f"{entry['path']} -> {output}",
                )
            )
    return steps, executed_dir, book_dir


def _overlap(a: str, b: str) -> bool:
    pa, pb = PurePosixPath(a), PurePosixPath(b)
    return pa == pb or pa in pb.parents or pb in pa.parents


def affected_by(steps: list[Step], notebook: str) -> set[str]:
    """The steps that must re-run after a change to ``notebook``'s code.

    Its own steps, every step downstream of them by the declared reads and writes, and the steps
    that show the source's state (``shows_commit``: an edit makes a clean checkout dirty, and in a
    copy without git it moves the date of the newest input).
    """
    hit = {s.name for s in steps if s.notebook == notebook or s.shows_commit}
    grew = True
    while grew:
        grew = False
        for step in steps:
            if step.name in hit:
                continue
            upstream = [s for s in steps if s.name in hit]
            if any(_overlap(r, w) for r in step.reads for s in upstream for w in s.writes):
                hit.add(step.name)
                grew = True
    return hit


# --- copies ----------------------------------------------------------------------------------------


def fresh_copy(dest: Path, git: bool = True) -> Path:
    """Copy the checkout's git-tracked files (as they are in the work tree) into ``dest``.

    With ``git``, the copy is made a git repository with those files committed, as a fresh clone
    is (the colophon shows the commit and dates the book by it); else it is a plain folder, as an
    unpacked archive of the compendium is.
    """
    listed = subprocess.run(
        ["git", "-C", str(CHECKOUT), "ls-files", "-z"], capture_output=True, check=True
    ).stdout.decode("utf-8")
    for rel in filter(None, listed.split("\0")):
        src = CHECKOUT / rel
        if not src.exists() and not src.is_symlink():  # deleted in the work tree
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target, follow_symlinks=False)
    for generated in (".build-state", "book/_build", "book/notebooks"):
        assert not (dest / generated).exists(), f"{generated} is tracked by git; the copy would not be cold"
    if git:
        quiet = {"capture_output": True, "check": True, "cwd": dest}
        subprocess.run(["git", "init", "-q"], **quiet)
        subprocess.run(["git", "add", "-A"], **quiet)
        who = ["-c", "user.name=bench_build", "-c", "user.email=bench_build@localhost"]
        subprocess.run(["git", *who, "commit", "-q", "--no-verify", "-m", "bench_build copy"], **quiet)
    return dest


def child_env(copy: Path) -> dict[str, str]:
    """Run the copy's package with this interpreter, and have its notebooks find the copy."""
    env = dict(os.environ)
    env["ICS_LEADERSHIP_ROOT"] = str(copy)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(copy / "src"), env.get("PYTHONPATH")]))
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # as our build sets it for Jupyter Book
    return env


class BuildFailed(Exception):
    pass


def timed(cmd: list[str], copy: Path, log: Path, what: str) -> tuple[float, str]:
    """Run ``cmd`` in ``copy``; return (wall seconds, its output). The output is also kept in ``log``."""
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            cmd,
            cwd=copy,
            env=child_env(copy),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=BUILD_TIMEOUT,
        )
        output, rc = proc.stdout, proc.returncode
    except subprocess.TimeoutExpired as exc:
        output = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        output, rc = output + f"\n(timed out after {BUILD_TIMEOUT} s)", -1
    elapsed = time.perf_counter() - start
    with log.open("a", encoding="utf-8") as fh:
        fh.write(f"$ {' '.join(cmd)}\n{output}\n(exit {rc}, {elapsed:.1f} s)\n")
    if rc != 0:
        tail = "\n".join(output.splitlines()[-TAIL:])
        raise BuildFailed(f"{what} failed (exit {rc}); last lines of {log}:\n{tail}")
    return elapsed, output


# --- ours ------------------------------------------------------------------------------------------

#: A step starting, in the new build's progress ("start sample (changed: ...)") and the old one's
#: ("[3/13] notebooks/10_codebook.ipynb  (raw_dir='../data/raw')").
NEW_START = re.compile(r"^\s*start\s+(\S+)")
OLD_START = re.compile(r"^\s*\[\d+/\d+\]\s+(.+?)(?:\s{2}\(.*)?$")


def started_steps(output: str, steps: list[Step]) -> list[str]:
    """The names of the steps a build's output says it started, in order."""
    by_label = {s.label: s.name for s in steps}
    names = []
    for line in output.splitlines():
        if m := NEW_START.match(line):
            names.append(m.group(1))
        elif (m := OLD_START.match(line)) and m.group(1).strip() in by_label:
            names.append(by_label[m.group(1).strip()])
    return names


def ours(copy: Path, log: Path, jobs: int | None, what: str) -> tuple[float, list[str]]:
    cmd = [sys.executable, "-m", "ics_leadership", "build", *(["-j", str(jobs)] if jobs else [])]
    elapsed, output = timed(cmd, copy, log, what)
    return elapsed, started_steps(output, read_steps(copy / "pipeline.yaml")[0])


def change_one_word(notebook: Path) -> str:
    """Change one word of one code cell of ``notebook`` in place; return a description.

    A word of a comment if a code cell other than the parameters cell has one, else a word of a
    prose string literal (one with a space, not an f-string) of such a cell, else of a comment of
    the parameters cell: a change to a code cell's source that cannot break the notebook.
    """
    import nbformat

    nb = nbformat.read(notebook, as_version=nbformat.NO_CONVERT)
    code = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    is_params = lambda c: "parameters" in c.get("metadata", {}).get("tags", [])  # noqa: E731
    plain = [(i, c) for i, c in code if not is_params(c)]
    params = [(i, c) for i, c in code if is_params(c)]

    def tokens(source: str, kind: int) -> list[tokenize.TokenInfo]:
        try:
            found = list(tokenize.generate_tokens(io.StringIO(source).readline))
        except (tokenize.TokenError, SyntaxError):
            return []
        if kind == tokenize.STRING:
            return [t for t in found if t.type == kind and " " in t.string and not re.match(r"[rbRB]*[fF]", t.string)]
        return [t for t in found if t.type == kind]

    for cells, kind, where in (
        (plain, tokenize.COMMENT, "a comment"),
        (plain, tokenize.STRING, "a string"),
        (params, tokenize.COMMENT, "a comment of the parameters cell"),
    ):
        for index, cell in cells:
            for tok in tokens(cell.source, kind):
                word = re.search(r"(?<![\w{])[A-Za-z]{4,}(?![\w}])", tok.string)
                if word is None or word.group() == REPLACEMENT_WORD:
                    continue
                lines = cell.source.split("\n")
                row, col = tok.start[0] - 1, tok.start[1] + word.start()
                new = REPLACEMENT_WORD.capitalize() if word.group()[0].isupper() else REPLACEMENT_WORD
                lines[row] = lines[row][:col] + new + lines[row][col + len(word.group()) :]
                cell.source = "\n".join(lines)
                nbformat.write(nb, notebook)
                return f"cell {index + 1}, {where}: {word.group()!r} -> {new!r}"
    raise SystemExit(f"{notebook}: no code cell with a comment or prose string to change")


# --- Jupyter Book ----------------------------------------------------------------------------------


def jupyter_book() -> str:
    beside = Path(sys.executable).parent / "jupyter-book"
    found = str(beside) if beside.exists() else shutil.which("jupyter-book")
    if not found:
        raise SystemExit("jupyter-book is not installed beside this Python or on PATH")
    return found


def absolute_parameters(parameters: dict[str, Any], folder: Path) -> dict[str, Any]:
    """Relative path parameters (``../data/raw``, ``./x``) as absolute paths from ``folder``."""
    return {
        k: str((folder / v).resolve()) if isinstance(v, str) and v.startswith(("../", "./")) else v
        for k, v in parameters.items()
    }


def finish_page(notebook: Path, title: str | None) -> None:
    """Fold the injected parameters and set the title, as our build does to its executed copies."""
    import nbformat

    nb = nbformat.read(notebook, as_version=nbformat.NO_CONVERT)
    for cell in nb.cells:
        tags = cell.setdefault("metadata", {}).setdefault("tags", [])
        if "injected-parameters" in tags and "hide-cell" not in tags:
            tags.append("hide-cell")
    for cell in nb.cells if title else []:
        if cell.cell_type == "markdown":
            lines = cell.source.split("\n")
            for i, line in enumerate(lines):
                if line.startswith("# "):
                    lines[i] = f"# {title}"
                    cell.source = "\n".join(lines)
                    nbformat.write(nb, notebook)
                    return
    nbformat.write(nb, notebook)


def prepare_for_jupyter_book(copy: Path) -> list[Step]:
    """Write the parameterised notebooks into the copy's executed folder; return the command steps."""
    import papermill as pm

    steps, executed_dir, _ = read_steps(copy / "pipeline.yaml")
    target = copy / executed_dir
    target.mkdir(parents=True, exist_ok=True)
    for step in steps:
        if step.notebook is None:
            continue
        source = copy / step.notebook
        out = target / (step.output or source.name)
        pm.execute_notebook(
            str(source),
            str(out),
            parameters=absolute_parameters(step.parameters, source.parent),
            prepare_only=True,
            kernel_name="python3",
            progress_bar=False,
            log_output=False,
        )
        finish_page(out, step.title)
    return [s for s in steps if s.command]


def set_execution(copy: Path, book_dir: str, mode: str) -> None:
    """Turn Jupyter Book's own execution on (``force`` or ``cache``) in the copy's _config.yml.

    The compendium's config also sets ``nb_execution_mode: off`` under ``sphinx.config``, which
    would win, so it is set there too; a notebook error fails the build instead of a warning.
    """
    path = copy / book_dir / "_config.yml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config.setdefault("execute", {}).update({"execute_notebooks": mode, "timeout": 1800})
    sphinx = config.setdefault("sphinx", {}).setdefault("config", {})
    sphinx.update({"nb_execution_mode": mode, "nb_execution_timeout": 1800, "nb_execution_raise_on_error": True})
    path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")


def jb_build(copy: Path, book_dir: str, log: Path, what: str) -> tuple[float, int]:
    """Run Jupyter Book on the copy; return (wall seconds, how many notebooks it executed)."""
    cmd = [jupyter_book(), "build", str(copy / book_dir), "-W", "-n", "--keep-going"]
    elapsed, output = timed(cmd, copy, log, what)
    return elapsed, sum(1 for line in output.splitlines() if "Executing notebook" in line)


# --- the rounds ------------------------------------------------------------------------------------


@dataclass
class Round:
    times: dict[str, float]
    noop_started: list[str]
    change_started: list[str]
    change: str


def one_round(tmp: Path, number: int, jobs: int | None, git: bool) -> Round:
    ours_copy = fresh_copy(tmp / f"ours_{number}", git)
    jb_copy = fresh_copy(tmp / f"jb_{number}", git)
    ours_log, jb_log = tmp / f"ours_{number}.log", tmp / f"jb_{number}.log"
    times: dict[str, float] = {}
    say = lambda m: print(f"  round {number}: {m}", flush=True)  # noqa: E731

    times["ours cold"], _ = ours(ours_copy, ours_log, jobs, "our cold build")
    say(f"ours cold {times['ours cold']:.1f} s")

    commands = prepare_for_jupyter_book(jb_copy)
    _, _, book_dir = read_steps(jb_copy / "pipeline.yaml")
    set_execution(jb_copy, book_dir, "force")
    total = 0.0
    for step in commands:
        total += timed([sys.executable, "-m", "ics_leadership", *step.command], jb_copy, jb_log, f"step {step.name}")[0]
    elapsed, executed = jb_build(jb_copy, book_dir, jb_log, "Jupyter Book (force)")
    times["JB force"] = total + elapsed
    with_commands = f", with {', '.join(s.name for s in commands)} {total:.1f} s" if commands else ""
    say(f"JB force {times['JB force']:.1f} s ({executed} notebooks executed{with_commands})")

    times["ours no-op"], noop_started = ours(ours_copy, ours_log, jobs, "our no-op build")
    say(f"ours no-op {times['ours no-op']:.1f} s, {len(noop_started)} steps started")

    set_execution(jb_copy, book_dir, "cache")
    shutil.rmtree(jb_copy / book_dir / "_build")
    fill, executed = jb_build(jb_copy, book_dir, jb_log, "Jupyter Book (cache, filling the cache)")
    say(f"JB cache fill {fill:.1f} s, untimed ({executed} notebooks executed)")
    times["JB cache no-op"], executed = jb_build(jb_copy, book_dir, jb_log, "Jupyter Book (cache, no-op)")
    say(f"JB cache no-op {times['JB cache no-op']:.1f} s ({executed} notebooks executed)")

    change = change_one_word(ours_copy / CHANGED_NOTEBOOK)
    times["ours one change"], change_started = ours(ours_copy, ours_log, jobs, "our one-change build")
    say(f"ours one change {times['ours one change']:.1f} s, re-ran {', '.join(change_started) or 'nothing'}")
    return Round(times, noop_started, change_started, change)


def report(rounds: list[Round], expected: set[str]) -> bool:
    """Print the table; return whether every target passed."""
    n = len(rounds)
    medians = {k: statistics.median(r.times[k] for r in rounds) for k in rounds[0].times}
    print()
    print(f"{'build':<22} {'wall s':>8}   runs (s)   (median of {n})")
    for name, median in medians.items():
        runs = " ".join(f"{r.times[name]:.2f}" for r in rounds)
        print(f"{name:<22} {median:>8.2f}   {runs}")
    print()
    print(f"{'target':<24} {'ratio':>6} {'limit':>7}")
    ok = True
    for label, num, den, limit in TARGETS:
        ratio = medians[num] / medians[den]
        passed = ratio <= limit
        ok &= passed
        print(f"{label:<24} {ratio:>6.3f} {'<= ' + str(limit):>7}  {'PASS' if passed else 'FAIL'}")
    noop = [r.noop_started for r in rounds]
    passed = not any(noop)
    ok &= passed
    shown = "; ".join(", ".join(s) or "none" for s in noop)
    print(f"{'no-op started no step':<32} {'PASS' if passed else 'FAIL'}  (steps started per round: {shown})")
    ran = [set(r.change_started) for r in rounds]
    passed = all(r == expected for r in ran)
    ok &= passed
    print(
        f"{'one change re-ran exactly':<32} {'PASS' if passed else 'FAIL'}  (expected {', '.join(sorted(expected))}; "
        f"re-ran " + "; ".join(", ".join(sorted(r)) or "nothing" for r in ran) + ")"
    )
    print(f"the change: {CHANGED_NOTEBOOK} {rounds[0].change}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3, help="rounds (default 3); medians are printed")
    parser.add_argument("--jobs", "-j", type=int, default=None, help="passed to our build as -j N (default: its own)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary copies and logs, and print where")
    parser.add_argument(
        "--no-git",
        dest="git",
        action="store_false",
        help="copies are plain folders, as an unpacked archive is (default: each copy is a git repository "
        "with its files committed, as a fresh clone is)",
    )
    args = parser.parse_args()
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")

    steps, _, _ = read_steps(CHECKOUT / "pipeline.yaml")
    expected = affected_by(steps, CHANGED_NOTEBOOK)
    head = subprocess.run(["git", "-C", str(CHECKOUT), "log", "-1", "--format=%h %s"], capture_output=True, text=True)
    print(f"checkout: {CHECKOUT} at {head.stdout.strip()[:90]}")
    print(
        f"{len(steps)} steps ({sum(1 for s in steps if s.command)} commands); {os.cpu_count()} cores; "
        f"our build with {'-j ' + str(args.jobs) if args.jobs else 'its default jobs'}; "
        f"copies {'committed to git, as a clone' if args.git else 'without git, as an archive'}"
    )
    tmp = Path(tempfile.mkdtemp(prefix="bench_build_"))
    rounds = []
    try:
        for number in range(1, args.repeats + 1):
            rounds.append(one_round(tmp, number, args.jobs, args.git))
            if not args.keep:  # the copies hold built books; keep the logs only
                for copy in (tmp / f"ours_{number}", tmp / f"jb_{number}"):
                    shutil.rmtree(copy, ignore_errors=True)
    except BuildFailed as exc:
        print(f"\n{exc}", file=sys.stderr)
        print(f"copies and logs kept in {tmp}", file=sys.stderr)
        return 1
    report(rounds, expected)
    if args.keep:
        print(f"copies and logs kept in {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0  # a target's FAIL is a finding, printed; only a failed build exits 1


if __name__ == "__main__":
    raise SystemExit(main())
