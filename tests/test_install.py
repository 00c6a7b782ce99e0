"""A light, standard install: the wheel carries data/raw and runs the toolkit without the book's stack.

The wheel is built offline from a copy of the checkout (nothing is written into the tree) and
unpacked: a pure-Python wheel unpacked on the path is what pip installs. Its command line then runs
from an unrelated folder with the extras' packages (Jupyter Book, papermill, matplotlib, seaborn,
Playwright, ...) made unimportable, as on a machine where only ``pip install .`` was run.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

from ics_leadership.core import manifest, paths

from conftest import RAW, ROOT

#: Top-level packages of the extras ([book], [pdf], [test]) that the base install must not need.
BLOCKED = (
    "matplotlib",
    "seaborn",
    "papermill",
    "jupyter_book",
    "myst_nb",
    "nbformat",
    "nbclient",
    "IPython",
    "ipykernel",
    "jupyter_client",
    "sphinx",
    "playwright",
    "pypdf",
    "xmlschema",
    "pytest",
)

#: Run inside the unpacked wheel: block the extras, then run each command as a user would.
DRIVER = textwrap.dedent(
    """
    import contextlib, io, json, sys

    BLOCKED = set(sys.argv[1].split(","))
    attempts = []

    class Block:  # a finder ahead of all others: these packages are "not installed"
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                attempts.append(name)
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, Block())

    import ics_leadership
    from ics_leadership import cli
    from ics_leadership.core import paths

    results = {"package": ics_leadership.__file__, "raw_dir": str(paths.raw_dir()), "runs": []}
    for argv in json.loads(sys.argv[2]):
        attempts.clear()
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli.main(argv)
            except SystemExit as exc:
                code = exc.code
        results["runs"].append(
            {"argv": argv, "code": code, "out": out.getvalue(), "err": err.getvalue(),
             "attempts": sorted(set(attempts))}
        )
    results["loaded"] = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
    print(json.dumps(results))
    """
)

COMMANDS = [
    ["check"],
    ["synthesise", "--out", "corpus", "--seed", "7"],
    ["summarise", "corpus", "--out", "summary"],
    ["export-codebook", "--out", "codebook.qdc"],
    ["import", "codebook.qdc", "--out", "imported-codebook"],
    ["import", "corpus", "--format", "csv", "--out", "imported-corpus"],
    ["plan", "frame", "--paper", "--out", "frame"],
    ["plan", "sample-size", "--frame", "frame/sampling_frame.csv", "--population", "executive=6", "--out", "tiers"],
    ["plan", "unseen", "corpus", "--interviews", "6", "--out", "plan-pilot"],
    ["plan", "sample-size", "--figure", "--out", "sizes-figure"],
    ["build"],
    ["run", "01_sample"],
    ["pdf"],
    ["update-manifest"],
]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built offline with the shared environment's setuptools from a copy of the checkout."""
    source = tmp_path_factory.mktemp("source")
    for name in ("setup.py", "pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    shutil.copytree(RAW, source / "data" / "raw")
    out = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index"]
    result = subprocess.run([*command, "-w", str(out), str(source)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    (built,) = out.glob("ics_leadership-*.whl")
    return built


@pytest.fixture(scope="module")
def light_run(wheel, tmp_path_factory) -> dict:
    """The commands of COMMANDS run in order, from an empty folder, by the unpacked wheel."""
    site = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    work = tmp_path_factory.mktemp("work")
    env = {k: v for k, v in os.environ.items() if k not in (paths.ROOT_ENV, "PYTHONPATH")}
    env["PYTHONPATH"] = str(site)
    result = subprocess.run(
        [sys.executable, "-c", DRIVER, ",".join(BLOCKED), json.dumps(COMMANDS)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    found["site"], found["work"] = site, work
    found["by_command"] = {" ".join(run["argv"]): run for run in found["runs"]}
    return found


def _metadata(wheel: Path):
    with zipfile.ZipFile(wheel) as zf:
        (name,) = [n for n in zf.namelist() if n.endswith(".dist-info/METADATA")]
        return Parser().parsestr(zf.read(name).decode("utf-8"))


def test_wheel_carries_data_raw_matching_the_manifest(wheel):
    recorded = manifest.read(RAW)
    assert len(recorded) == 9  # the nine raw files of data/raw/MANIFEST
    with zipfile.ZipFile(wheel) as zf:
        prefix = "ics_leadership/data/raw/"
        packaged = {n[len(prefix) :]: zf.read(n) for n in zf.namelist() if n.startswith(prefix)}
    assert set(packaged) == set(recorded) | {"MANIFEST"}
    assert packaged["MANIFEST"] == (RAW / "MANIFEST").read_bytes()
    digests = {name: hashlib.sha256(data).hexdigest() for name, data in packaged.items() if name != "MANIFEST"}
    assert digests == recorded


def test_wheel_metadata_base_is_light_and_licence_is_spdx(wheel):
    meta = _metadata(wheel)
    assert meta["License-Expression"] == "MIT AND CC-BY-4.0"
    requires = meta.get_all("Requires-Dist")
    base = {r.split(";")[0].split("<")[0].split(">")[0].split("=")[0].strip().lower() for r in requires if ";" not in r}
    assert base == {
        "pandas",
        "numpy",
        "scipy",
        "statsmodels",
        "krippendorff",
        "pyyaml",
        "jsonschema",
        "lxml",
        "openpyxl",
        "defusedxml",
    }
    assert set(meta.get_all("Provides-Extra")) == {"book", "pdf", "test", "bench"}
    book = {r.split(";")[0].strip() for r in requires if 'extra == "book"' in r}
    assert {"jupyter-book<2,>=1", "papermill", "matplotlib", "seaborn"} <= book
    assert any(r.startswith("playwright") and 'extra == "pdf"' in r for r in requires)


def test_wheel_runs_from_its_own_files_and_packaged_data(light_run):
    site = Path(light_run["site"]).resolve()
    assert Path(light_run["package"]).resolve().is_relative_to(site)
    assert Path(light_run["raw_dir"]).resolve() == site / "ics_leadership" / "data" / "raw"


def test_light_commands_work_without_the_extras(light_run):
    work = Path(light_run["work"])
    runs = light_run["by_command"]
    light = ("check", "synthesise", "summarise", "export-codebook", "import codebook.qdc", "import corpus")
    for command in (*light, "plan frame", "plan sample-size --frame", "plan unseen"):
        (run,) = [r for key, r in runs.items() if key.startswith(command)]
        assert run["code"] == 0, run["err"]
        assert "Traceback" not in run["err"]
        assert run["attempts"] == [], f"{command} tried to import {run['attempts']}"
    assert "Raw data: 9 files match" in runs["check"]["out"]
    assert "25 participants" in runs["check"]["out"]
    assert {p.name for p in (work / "corpus").iterdir()} >= {"documents.csv", "codings.csv", "corpus.yaml"}
    assert (work / "summary" / "prevalence.csv").is_file()
    assert (work / "tiers" / "sample_size_by_tier.csv").is_file()
    assert (work / "plan-pilot" / "unseen_themes.csv").is_file()
    assert (work / "codebook.qdc").read_bytes().startswith(b"<?xml")
    # The paper's codebook exported and imported back: 4 contributions and their activities.
    codes = (work / "imported-codebook" / "codebook.csv").read_text(encoding="utf-8").splitlines()
    assert len(codes) - 1 > 4
    assert light_run["loaded"] == []


@pytest.mark.parametrize(
    ("command", "extra", "named"),
    [
        ("build", "book", "build"),
        ("run 01_sample", "book", "run"),
        ("pdf", "pdf", "pdf"),
        ("plan sample-size --figure --out sizes-figure", "book", "plan sample-size --figure"),
    ],
)
def test_publishing_commands_name_the_missing_extra(light_run, command, extra, named):
    run = light_run["by_command"][command]
    assert run["code"] == 1
    assert f"pip install 'ics-leadership[{extra}]'" in run["err"]
    assert "Traceback" not in run["err"]
    first = run["err"].splitlines()[0]
    assert first.startswith(f"error: `ics-leadership {named}` needs the {extra} extra")


def test_update_manifest_refuses_the_packaged_copy(light_run):
    run = light_run["by_command"]["update-manifest"]
    assert run["code"] == 1
    assert "installed package's copy of data/raw" in run["err"]
    site = Path(light_run["site"])
    assert (site / "ics_leadership" / "data" / "raw" / "MANIFEST").read_bytes() == (RAW / "MANIFEST").read_bytes()


def test_raw_dir_in_a_checkout_and_with_the_environment_variable(monkeypatch, tmp_path):
    monkeypatch.delenv(paths.ROOT_ENV, raising=False)
    assert paths.raw_dir() == ROOT / "data" / "raw"  # a checkout (this one) wins over a packaged copy
    assert not paths.is_packaged(paths.raw_dir())
    monkeypatch.setenv(paths.ROOT_ENV, str(tmp_path))
    assert paths.raw_dir() == tmp_path.resolve() / "data" / "raw"
    assert paths.project_root() == tmp_path.resolve()
