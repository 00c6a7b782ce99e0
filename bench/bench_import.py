"""Benchmark: REFI-QDA import, ours against pyrefiqda 0.3.1, on the same generated project.

Generates a deterministic project (project.qde of about 18 MB with about 30,000 text selections and
their codings, plus the sources' plain texts) as a .qdpx in a temporary folder, then times, each in
a fresh subprocess and several times:

- ours: ``ics_leadership.qda.import_project(qdpx, out)``, which writes the canonical CSVs, codebook,
  corpus.yaml and report (the library call; the ``ics-leadership`` command adds the start-up of the
  main CLI and its argument parser for every subcommand);
- pyrefiqda: ``RefiProject.load(qdpx, extract_dir)`` (extracts the archive, parses the XML into
  pydantic models), then the same rows built from the models (code paths, coder names, excerpts
  from the extracted texts) and written as CSV, so both do the same job.

Runs alternate between the two. Wall and CPU (user + system) time are medians; peak memory is the
largest maximum resident set size, from getrusage(RUSAGE_CHILDREN) in a wrapper process that runs
just that one child. CPU time is the steadier figure on a shared machine. A benchmark, not a test:

    PYTHONPATH=src .venv/bin/python bench/bench_import.py [--runs 3] [--selections 30000]
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import subprocess
import sys
import tempfile
import textwrap
import uuid
import zipfile
from pathlib import Path
from xml.sax.saxutils import quoteattr

NS = "urn:QDA-XML:project:1.0"
WORDS = (
    "clinical leader board system integration evidence plan priority service patient care trust "
    "primary secondary commissioning workforce budget partnership governance voice challenge data "
    "meeting strategy pathway network population health local national change team engagement"
).split()

OURS = """
import sys
from ics_leadership.qda import import_project
counts = import_project(sys.argv[1], sys.argv[2])
print(counts["codings"])
"""

CLI = """
import sys
from ics_leadership.cli import main
sys.exit(main(["import", sys.argv[1], "--out", sys.argv[2]]))
"""

PYREFIQDA = """
import csv, sys
from pyrefiqda import RefiProject
qdpx, out, extract = sys.argv[1], sys.argv[2], sys.argv[3]
project = RefiProject.load(qdpx, extract_dir=extract)
users = {u.guid.upper(): u.name for u in project.users.user}
paths = {}
def walk(codes, prefix):
    for c in codes:
        path = prefix + [c.name]
        paths[c.guid.upper()] = "/".join(path)
        walk(c.code, path)
walk(project.code_book.codes.code, [])
rows = []
for src in project.sources.text_source:
    with open(RefiProject.resolve_source_path(src.plain_text_path, extract), encoding="utf-8") as fh:
        text = fh.read()
    for sel in src.plain_text_selection:
        for c in sel.coding:
            rows.append((src.name, sel.start_position, sel.end_position, paths[c.code_ref.target_guid.upper()],
                         users[(c.creating_user or sel.creating_user).upper()],
                         text[sel.start_position:sel.end_position]))
rows = sorted(set(rows))
with open(out, "w", newline="", encoding="utf-8") as fh:
    w = csv.writer(fh)
    w.writerow(["document_id", "start", "end", "code", "coder", "excerpt"])
    w.writerows(rows)
print(len(rows))
"""


def make_project(folder: Path, n_selections: int, n_sources: int = 120, seed: int = 20231) -> Path:
    """Write a deterministic .qdpx into ``folder``; return its path."""
    rng = random.Random(seed)
    gid = lambda: str(uuid.UUID(int=rng.getrandbits(128), version=4)).upper()  # noqa: E731
    users = [(gid(), f"Coder {i}") for i in range(1, 7)]
    leaf_guids = []
    code_xml = []
    for a in range(8):
        ga = gid()
        children = []
        for b in range(6):
            gb = gid()
            leaves = []
            for c in range(3):
                gc = gid()
                leaf_guids.append(gc)
                leaves.append(f'<Code guid="{gc}" name="Code {a}.{b}.{c}" isCodable="true"/>')
            leaf_guids.append(gb)
            children.append(
                f'<Code guid="{gb}" name="Theme {a}.{b}" isCodable="true">'
                f"<Description>Theme {a}.{b} description</Description>{''.join(leaves)}</Code>"
            )
        code_xml.append(f'<Code guid="{ga}" name="Area {a}" isCodable="false">{"".join(children)}</Code>')
    texts: dict[str, str] = {}
    source_xml = []
    per_source = n_selections // n_sources
    date = "2023-05-04T10:11:12Z"
    for s in range(n_sources):
        words = [rng.choice(WORDS) for _ in range(3500)]
        text = " ".join(words)
        text = "\n".join(textwrap.wrap(text, 90))
        key = gid()
        fname = f"{key}.txt"
        texts[fname] = text
        sels = []
        for _ in range(per_source):
            start = rng.randrange(0, len(text) - 400)
            end = start + rng.randrange(20, 400)
            excerpt = text[start:end]
            name = excerpt if len(excerpt) <= 80 else excerpt[:80] + "\u2026"  # as ATLAS.ti names quotations
            user = rng.choice(users)[0]
            n_codings = 1 if rng.random() < 0.5 else 2
            codings = "".join(
                f'<Coding guid="{gid()}" creatingUser="{user}" creationDateTime="{date}">'
                f'<CodeRef targetGUID="{rng.choice(leaf_guids)}"/></Coding>'
                for _ in range(n_codings)
            )
            sels.append(
                f'<PlainTextSelection guid="{gid()}" name={quoteattr(name)} startPosition="{start}" '
                f'endPosition="{end}" creatingUser="{user}" creationDateTime="{date}">'
                f"{codings}</PlainTextSelection>"
            )
        source_xml.append(
            f'<TextSource guid="{key}" name="Interview {s + 1:03d}" plainTextPath="internal://{fname}" '
            f'creatingUser="{users[0][0]}" creationDateTime="{date}">{"".join(sels)}</TextSource>'
        )
    qde = (
        f'<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="{NS}" name="Benchmark project" '
        f'origin="bench_import.py">'
        f"<Users>{''.join(f'<User guid={quoteattr(g)} name={quoteattr(n)}/>' for g, n in users)}</Users>"
        f"<CodeBook><Codes>{''.join(code_xml)}</Codes></CodeBook>"
        f"<Sources>{''.join(source_xml)}</Sources></Project>"
    )
    path = folder / "bench.qdpx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.qde", qde.encode("utf-8"))
        for name, text in texts.items():
            zf.writestr(f"sources/{name}", text.encode("utf-8"))
    return path


WRAPPER = """
import os, resource, subprocess, sys, time
started = time.perf_counter()
proc = subprocess.run(sys.argv[1:], capture_output=True)
elapsed = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
sys.stderr.buffer.write(proc.stderr)
print(f"{elapsed} {usage.ru_utime + usage.ru_stime} {usage.ru_maxrss * 1024} {proc.returncode} "
      f"{proc.stdout.decode().strip()}")
"""


def measure(code: str, args: list[str]) -> tuple[float, float, int, str]:
    """Run one fresh child; return (wall s, CPU s, peak RSS bytes, its output).

    A small wrapper process starts the child and reads getrusage(RUSAGE_CHILDREN), which then
    covers that one child only.
    """
    proc = subprocess.run(
        [sys.executable, "-c", WRAPPER, sys.executable, "-c", code, *args], capture_output=True, text=True
    )
    try:
        elapsed, cpu, rss, rc, result = proc.stdout.split(maxsplit=4)
    except ValueError:
        raise SystemExit(f"benchmark wrapper failed:\n{proc.stderr}") from None
    if rc != "0":
        raise SystemExit(f"benchmark child failed:\n{proc.stderr}")
    return float(elapsed), float(cpu), int(rss), result.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--selections", type=int, default=30_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_import_") as tmp:
        tmp_path = Path(tmp)
        qdpx = make_project(tmp_path, args.selections)
        with zipfile.ZipFile(qdpx) as zf:
            qde_size = zf.getinfo("project.qde").file_size
            n_sel = zf.read("project.qde").count(b"<PlainTextSelection ")
        print(f"project.qde: {qde_size / 1e6:.1f} MB, {n_sel} selections; archive {qdpx.stat().st_size / 1e6:.1f} MB")
        results: dict[str, list[tuple[float, float, int, str]]] = {"ours": [], "ours (CLI)": [], "pyrefiqda": []}
        for i in range(args.runs):  # interleaved, so all see the same machine load
            results["ours"].append(measure(OURS, [str(qdpx), str(tmp_path / f"ours_{i}")]))
            results["ours (CLI)"].append(measure(CLI, [str(qdpx), str(tmp_path / f"cli_{i}")]))
            results["pyrefiqda"].append(
                measure(PYREFIQDA, [str(qdpx), str(tmp_path / f"py_{i}.csv"), str(tmp_path / f"extract_{i}")])
            )
        rows = {}
        for name, runs in results.items():
            said = runs[0][3]
            n = re.search(r"(\d+) codings", said).group(1) if "codings" in said else said
            rows[name] = (
                statistics.median(r[0] for r in runs),
                statistics.median(r[1] for r in runs),
                max(r[2] for r in runs),
                n,
            )
        print()
        print(
            f"{'importer':<12} {'wall s':>8} {'CPU s':>8} {'peak RSS MiB':>13} {'codings':>8}   "
            f"(median of {args.runs} runs; peak RSS: largest)"
        )
        for name, (wall, cpu, rss, n) in rows.items():
            print(f"{name:<12} {wall:>8.2f} {cpu:>8.2f} {rss / 2**20:>13.1f} {n:>8}")
        ours, theirs = rows["ours"], rows["pyrefiqda"]
        print()
        print(
            f"speed-up: {theirs[0] / ours[0]:.1f}x wall, {theirs[1] / ours[1]:.1f}x CPU (target >= 10x); "
            f"memory: {theirs[2] / ours[2]:.1f}x less peak RSS (target >= 3x)"
        )
        cli = rows["ours (CLI)"]
        print(
            f"via the ics-leadership command: {theirs[0] / cli[0]:.1f}x wall, {theirs[1] / cli[1]:.1f}x CPU, "
            f"{theirs[2] / cli[2]:.1f}x less memory (includes the main CLI's start-up)"
        )
        if ours[3] != theirs[3]:
            print(f"note: the two wrote different numbers of codings ({ours[3]} and {theirs[3]})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
