"""Executed notebooks without the builder's paths, commit-dated builds, stable tables and PDFs.

Fast tests of the parts; tests/test_determinism.py builds the book twice and compares the bytes.
"""

from __future__ import annotations

import copy
import hashlib
import io
import os
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from ics_leadership.core.errors import PipelineConfigError
from ics_leadership.figures import tables
from ics_leadership.publish import colophon, pdf, reproducible

from conftest import ROOT

HOME = "/home/ana"
PROJECT = "/home/ana/compendium"
SITE = "/opt/venv/lib/python3.11/site-packages"
PORTABLE = [(PROJECT, ""), (SITE, "site-packages"), (HOME, "~")]


def _executed(cell_ids=("a1b2c3d4", "5e6f7a8b", "0c1d2e3f"), stamp="2026-11-27T07:43:46") -> dict:
    """A notebook as papermill leaves it: its paths, timings and (partly random) cell ids."""
    timing = {"start_time": f"{stamp}.1+00:00", "end_time": f"{stamp}.2+00:00", "duration": 0.1}
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3"},
            "papermill": {
                "input_path": f"{PROJECT}/notebooks/01_sample.ipynb",
                "output_path": f"{PROJECT}/book/.staging-x1y2/01_sample.ipynb",
                "parameters": {"raw_dir": "../data/raw"},
                "version": "2.7.0",
                "exception": None,
                **timing,
            },
        },
        "cells": [
            {"cell_type": "markdown", "id": cell_ids[0], "metadata": {}, "source": "# Sample"},
            {
                "cell_type": "code",
                "id": cell_ids[1],
                "execution_count": 1,
                "source": 'raw_dir = "../data/raw"\n',
                "metadata": {
                    "tags": ["injected-parameters"],
                    "papermill": {"status": "completed", **timing},
                    "execution": {"iopub.status.busy": f"{stamp}.15Z"},
                },
                "outputs": [],
            },
            {
                "cell_type": "code",
                "id": cell_ids[2],
                "execution_count": 2,
                "source": "show(table)",
                "metadata": {"papermill": {"status": "completed", **timing}},
                "outputs": [
                    {
                        "output_type": "stream",
                        "name": "stderr",
                        "text": [
                            f"{PROJECT}/src/ics_leadership/figures/style.py:132: UserWarning: collapsed\n",
                            f"{SITE}/pandas/core/frame.py:9: FutureWarning: soon\n",
                            f"{HOME}/.config/matplotlib is not writable\n",
                        ],
                    },
                    {
                        "output_type": "display_data",
                        "metadata": {},
                        "data": {"text/plain": "a table", "image/png": f"iVBOR{PROJECT}/AAAA"},
                    },
                ],
            },
        ],
    }


# --- executed notebooks --------------------------------------------------------------------------


def test_scrub_removes_paths_and_timings_and_keeps_the_rest():
    nb = reproducible.scrub_notebook(_executed(), PORTABLE)
    assert nb["metadata"]["papermill"] == {
        "parameters": {"raw_dir": "../data/raw"},
        "version": "2.7.0",
        "exception": None,
    }
    code = nb["cells"][2]
    assert code["metadata"] == {"papermill": {"status": "completed"}}
    assert "execution" not in nb["cells"][1]["metadata"]
    assert code["execution_count"] == 2 and code["source"] == "show(table)"
    assert code["outputs"][0]["text"] == [
        "src/ics_leadership/figures/style.py:132: UserWarning: collapsed\n",  # relative to the project
        "site-packages/pandas/core/frame.py:9: FutureWarning: soon\n",
        "~/.config/matplotlib is not writable\n",
    ]
    assert code["outputs"][1]["data"] == {
        "text/plain": "a table",
        "image/png": f"iVBOR{PROJECT}/AAAA",
    }  # images untouched


def test_scrubbed_cell_ids_are_stable_unique_and_follow_the_source():
    one = reproducible.scrub_notebook(_executed(), PORTABLE)
    # Another run: papermill's random ids and the clock differ, nothing else.
    two = reproducible.scrub_notebook(_executed(("ffffffff", "eeeeeeee", "dddddddd"), "2026-11-28T09:00:00"), PORTABLE)
    assert one == two
    ids = [cell["id"] for cell in one["cells"]]
    # position, then the first 8 hex digits of SHA-256("markdown\0# Sample")
    assert ids[0] == "00-" + hashlib.sha256(b"markdown\x00# Sample").hexdigest()[:8] == "00-7feb0df9"
    assert [i[:3] for i in ids] == ["00-", "01-", "02-"] and len(set(ids)) == 3
    changed = _executed()
    changed["cells"][2]["source"] = "show(other_table)"
    assert reproducible.scrub_notebook(changed)["cells"][2]["id"] != ids[2]


def test_leftover_paths_and_addresses_are_found_with_their_cell():
    nb = _executed()
    nb["cells"][2]["outputs"].append(
        {
            "output_type": "execute_result",
            "metadata": {},
            "execution_count": 2,
            "data": {"text/plain": "<pandas.io.formats.style.Styler at 0x7f2d361879d0>"},
        }
    )
    found = reproducible.private_paths_in(reproducible.scrub_notebook(nb), [PROJECT, HOME])
    # Without replacements, the warnings' paths are left: the project and the home folder, in cell 3
    # (the path inside the image's data is not a path); and the Styler's address.
    assert "cell 3: /home/ana/compendium" in found and "cell 3: /home/ana" in found
    assert "cell 3: <pandas.io.formats.style.Styler at 0x7f2d361879d0>" in found
    assert not [f for f in found if f.startswith(("metadata", "cell 1", "cell 2"))]  # papermill's paths are gone
    assert reproducible.private_paths_in(reproducible.scrub_notebook(_executed(), PORTABLE), [PROJECT, HOME]) == []


def test_only_whole_paths_count_and_parameters_are_the_users():
    def cell(text):
        return {"nbformat": 4, "metadata": {}, "cells": [{"cell_type": "markdown", "metadata": {}, "source": text}]}

    markers = reproducible.private_markers("/root")
    assert "/root" in markers
    for innocent in ("/rooted/x", "/srv/root/x", "see https://example.org/root/page", "~/x", "iVBOR+/root+/"):
        assert reproducible.private_paths_in(cell(innocent), ["/root"]) == [], innocent
    for leak in ("/root", "at /root/x.csv", 'path "/root"', "file:///root/x.html"):
        assert reproducible.private_paths_in(cell(leak), ["/root"]) == ["cell 1: /root"], leak
    # A path the user passed as a parameter is theirs to publish.
    given = cell('coded_data = "/root/coded"\nread /root/coded/corpus.yaml')
    assert reproducible.private_paths_in(given, ["/root"], allowed=["/root/coded", 3, None]) == []
    assert reproducible.private_paths_in(given, ["/root"], allowed=["/root/other"]) == ["cell 1: /root"]


def test_a_notebook_showing_an_object_or_the_home_folder_stops_with_its_cell(tmp_path):
    import nbformat

    from ics_leadership.core.errors import NotebookExecutionError
    from ics_leadership.publish import pipeline

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("import os\nprint(os.environ['HOME'])"),
        nbformat.v4.new_code_cell("object()"),
    ]
    nb.cells[0].metadata["tags"] = ["parameters"]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "leaky.ipynb")
    out = tmp_path / "out" / "leaky.ipynb"
    with pytest.raises(NotebookExecutionError) as info:
        pipeline.execute_notebook(tmp_path / "leaky.ipynb", out, parameters={"x": 2}, source_label="leaky.ipynb")
    message = str(info.value)
    # Cells counted in the executed copy (papermill's injected parameters are cell 2).
    assert message.startswith("leaky.ipynb failed: the executed copy would publish this machine's paths")
    assert f"cell 3: {os.environ['HOME']}" in message
    assert re.search(r"cell 4: <object at 0x[0-9a-f]+>", message)  # IPython's text form of object()
    assert not out.exists()  # not left for anyone to publish


def test_private_markers_skip_the_file_system_root(monkeypatch):
    monkeypatch.setenv("HOME", "/")
    assert reproducible.private_markers("/srv/book/", None, "") == ["/srv/book"]


# --- tables --------------------------------------------------------------------------------------


def test_table_text_form_is_the_table_and_its_id_follows_its_content():
    frame = pd.DataFrame({"p_value": [0.25, None], "name": ["A & B", "𝒜"]})
    shown = tables.table(frame, caption="Two rows & a caption.")
    assert repr(shown) == "Two rows & a caption.\n p value  name\n    0.25 A & B\n             𝒜"
    again = tables.table(frame, caption="Two rows & a caption.")
    other = tables.table(frame, caption="Another caption.")
    assert again.uuid == shown.uuid + "-2"  # the same table twice on a page: distinct HTML ids
    assert shown.uuid.startswith("tbl-") and other.uuid != shown.uuid
    assert f'<table id="T_{shown.uuid}" class="compendium-table">' in shown.to_html()


# --- dates ---------------------------------------------------------------------------------------


def _git(repo: Path, *args: str, when: str = "2025-06-01T12:00:00+00:00") -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_DATE": when,
        "GIT_COMMITTER_DATE": when,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": str(repo),
    }
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def repo(tmp_path, monkeypatch):
    monkeypatch.delenv(colophon.SOURCE_DATE_ENV, raising=False)
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "a.ipynb").write_text("{}")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "one")
    return tmp_path


def test_date_is_the_commits_and_a_dirty_tree_says_so(repo):
    head = _git(repo, "rev-parse", "HEAD")
    source = colophon.build_source(repo)
    assert source == colophon.BuildSource(head, False, 1748779200, "the commit's date")  # 2025-06-01 12:00 UTC
    assert source.describe() == f"commit {head}"
    (repo / "untracked.txt").write_text("new")  # untracked files do not make a tree dirty
    assert colophon.build_source(repo).dirty is False
    (repo / "notebooks" / "a.ipynb").write_text('{"changed": 1}')
    dirty = colophon.build_source(repo)
    assert dirty.dirty and dirty.epoch == 1748779200
    assert dirty.describe() == f"commit {head} with uncommitted changes"
    assert colophon.commit(repo) == f"{head} (with uncommitted changes)"
    page = pdf.title_page(ROOT, ROOT / "book", dirty)
    assert f"Built from commit {head} with uncommitted changes, dated 2025-06-01 (the commit's date)." in page


def test_source_date_epoch_wins_and_must_be_a_number(repo, monkeypatch):
    monkeypatch.setenv(colophon.SOURCE_DATE_ENV, "1709251200")
    source = colophon.build_source(repo)
    assert (source.epoch, source.basis, source.date) == (
        1709251200,
        "set by SOURCE_DATE_EPOCH",
        datetime(2024, 3, 1, tzinfo=UTC),
    )
    assert source.commit == _git(repo, "rev-parse", "HEAD")  # the commit is still named
    assert colophon.source_date_env(repo) == {"SOURCE_DATE_EPOCH": "1709251200"}
    for bad in ("yesterday", "-5", "1.5", "²"):
        monkeypatch.setenv(colophon.SOURCE_DATE_ENV, bad)
        with pytest.raises(PipelineConfigError, match=f"SOURCE_DATE_EPOCH must be a whole number.*'{bad}'"):
            colophon.build_source(repo)


def test_without_git_the_newest_input_file_dates_the_build(tmp_path, monkeypatch):
    monkeypatch.delenv(colophon.SOURCE_DATE_ENV, raising=False)
    files = {
        "notebooks/a.ipynb": 1_600_000_000,
        "data/raw/x.csv": 1_700_000_000,
        "book/intro.md": 1_650_000_000,
        # generated by a build: never its date
        "book/_build/html/index.html": 1_900_000_000,
        "book/notebooks/a.ipynb": 1_900_000_000,
        "book/.staging-abc/a.ipynb": 1_900_000_000,
        "book/.build.lock": 1_900_000_000,  # every build writes it (a no-op rebuild re-ran the colophon)
        "data/derived/t.csv": 1_900_000_000,
    }
    for name, mtime in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
        os.utime(path, (mtime, mtime))
    source = colophon.build_source(tmp_path)
    assert source == colophon.BuildSource(
        None, False, 1_700_000_000, "the date of the newest input file: not a git checkout"
    )
    assert source.describe() == "a copy that is not a git checkout"
    assert colophon.commit(tmp_path) == "unknown (not a git checkout)"
    assert f"{source.date:%Y-%m-%d %H:%M}" == "2023-11-14 22:13"


# --- the PDF -------------------------------------------------------------------------------------


def _pdf(created: str, file_id: str | None) -> bytes:
    """A one-page PDF laid out as chromium's Skia writes it (Info first), with correct offsets."""
    objects = [
        f"<</Producer (Skia/PDF m156)\n/CreationDate ({created})\n/ModDate ({created})>>",
        "<</Type /Pages /Count 1 /Kids [4 0 R]>>",
        "<</Type /Catalog /Pages 2 0 R>>",
        "<</Type /Page /Parent 2 0 R /MediaBox [0 0 100 100]>>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n{body}\nendobj\n".encode())
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    out.write("".join(f"{o:010d} 00000 n \n" for o in offsets).encode())
    ident = f"\n/ID [<{file_id}> <{file_id}>]" if file_id else ""
    out.write(
        f"trailer\n<</Size {len(objects) + 1}\n/Root 3 0 R\n/Info 1 0 R{ident}>>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def test_pdf_dates_and_id_are_normalised_in_place():
    from pypdf import PdfReader

    when = datetime(2024, 3, 1, 9, 30, 5, tzinfo=UTC)
    one = _pdf("D:20261127074828+00'00'", "1A2B3C4D5E6F708192A3B4C5D6E7F801")
    two = _pdf("D:20261128101500+00'00'", "FFEEDDCCBBAA99887766554433221100")
    fixed = reproducible.normalise_pdf(one, when)
    assert fixed == reproducible.normalise_pdf(two, when) and len(fixed) == len(one)
    reader = PdfReader(io.BytesIO(fixed), strict=True)  # the cross-reference table still holds
    assert reader.metadata.creation_date == when and reader.metadata.modification_date == when
    assert b"/CreationDate (D:20240301093005+00'00')" in fixed
    blanked = fixed.replace(fixed[fixed.index(b"/ID [<") + 6 :][:32], b"0" * 32)
    digest = hashlib.md5(blanked, usedforsecurity=False).hexdigest().upper()
    assert reader.trailer["/ID"][0] == reader.trailer["/ID"][1] == bytes.fromhex(digest)
    # Skia writes no /ID today: only the dates change.
    assert reproducible.normalise_pdf(_pdf("D:20261127074828+00'00'", None), when) == _pdf(
        "D:20240301093005+00'00'", None
    )


def test_pdf_shorter_date_forms_are_padded_and_too_short_ones_refused():
    when = datetime(2024, 3, 1, tzinfo=UTC)
    fixed = reproducible.normalise_pdf(_pdf("D:20261127074828Z  ", None), when)
    assert b"/CreationDate (D:20240301000000Z)  \n" in fixed
    with pytest.raises(ValueError, match=r"/CreationDate entry b'\(D:2026\)' is too short"):
        reproducible.normalise_pdf(_pdf("D:2026", None), when)


def test_scrubbing_twice_changes_nothing():
    once = reproducible.scrub_notebook(_executed(), PORTABLE)
    assert reproducible.scrub_notebook(copy.deepcopy(once), PORTABLE) == once


def test_structure_element_ids_are_renumbered_in_order():
    """Chromium numbers tagged-PDF elements by DOM creation order, which can shift by a node between
    prints of the same page; normalise_pdf renumbers them so the bytes match, references included."""
    from datetime import UTC, datetime

    from ics_leadership.publish.reproducible import normalise_pdf

    def pdf(first: int, second: int) -> bytes:
        return (
            b"%%PDF-1.3\n1 0 obj\n<< /S /TH /ID (node%08d) >>\nendobj\n"
            b"2 0 obj\n<< /S /TD /A [ << /Headers [ (node%08d) ] >> ] /ID (node%08d) >>\nendobj\n"
            b"3 0 obj\n<< /CreationDate (D:20260101120000+00'00') >>\nendobj\n" % (first, first, second)
        )

    when = datetime(2024, 3, 1, tzinfo=UTC)
    one, two = normalise_pdf(pdf(1219, 1230), when), normalise_pdf(pdf(1221, 1233), when)
    assert one == two and len(one) == len(pdf(1219, 1230))
    assert b"/ID (node00000001)" in one and b"/Headers [ (node00000001) ]" in one and b"/ID (node00000002)" in one
