"""Theme coding summaries from the command line and notebook 02; synthetic outputs are always marked."""

from __future__ import annotations

import re

import nbformat
import pandas as pd
import pytest
from PIL import Image

from ics_leadership import cli
from ics_leadership.facts import claims
from ics_leadership.facts import demo_corpus as synthetic
from ics_leadership.publish import demonstration, pipeline

from coded_fixture import coding, doc, make_coded
from conftest import ROOT

LABEL = "Synthetic demonstration data"
TABLES = {
    "frequencies",
    "prevalence",
    "association",
    "cooccurrence",
    "agreement",
    "agreement_by_document",
    "saturation",
    "saturation_curve",
    "claims",
    "disagreements",
    "coverage",
    "documents_by_code",
    "documents_by_code_presence",
    "cases_by_code",
    "cases_by_code_presence",
    "level_by_code",
    "site_by_code",
}


@pytest.fixture(scope="module")
def real_fixture(tmp_path_factory):
    """A small non-synthetic coded project: 6 leaders at three levels, one document coded twice."""
    folder = tmp_path_factory.mktemp("real")
    people = [
        {"participant_id": f"P{i}", "site": "XY"[i % 2], "level": lvl, "group": "clinical"}
        for i, lvl in enumerate(["executive", "executive", "thematic", "thematic", "project", "project"], start=1)
    ]
    docs = [doc(f"D{i}", 3000, f"P{i}", stage="early" if i % 2 else "later", sequence=i) for i in range(1, 7)]
    codes = [
        "analytical_insight/evidence_and_data",
        "representation/clinical_voice",
        "relational/alliance_building",
        "translating_communicating/framing",
    ]
    cods = [
        coding(f"D{i}", 100 * j, 100 * j + 80, code) for i in range(1, 7) for j, code in enumerate(codes) if (i + j) % 3
    ]
    cods += [coding("D1", 100 * j, 100 * j + 70, code, coder="B") for j, code in enumerate(codes) if (1 + j) % 3]
    return make_coded(folder / "coded", docs, cods, people, synthetic=False)


def test_summarise_command_writes_labelled_tables(tmp_path, capsys):
    corpus = synthetic.write(tmp_path / "syn")
    assert cli.main(["summarise", str(corpus), "--out", str(tmp_path / "out")]) == 0
    assert "Synthetic demonstration data: wrote 17 files" in capsys.readouterr().out
    assert {p.stem for p in (tmp_path / "out").glob("*.csv")} == TABLES
    for path in (tmp_path / "out").glob("*.csv"):
        frame = pd.read_csv(path)
        assert frame.columns[0] == "data_source" and set(frame["data_source"]) == {LABEL}, path.name
    agreement = pd.read_csv(tmp_path / "out" / "agreement.csv")
    assert "kappa" in agreement.columns and agreement["kappa"].between(-1, 1).all()
    assert len(agreement) == 13  # one row per activity


def test_summarise_real_data_is_not_labelled_synthetic(tmp_path, real_fixture, capsys):
    assert cli.main(["summarise", str(real_fixture), "--out", str(tmp_path / "out")]) == 0
    frame = pd.read_csv(tmp_path / "out" / "frequencies.csv")
    assert set(frame["data_source"]) == {"Real coded data"}
    agreement = pd.read_csv(tmp_path / "out" / "agreement.csv").set_index("code")
    assert agreement.loc["representation/clinical_voice", "documents"] == 1
    # Two leaders per level: every claim about levels is inconclusive, with the reason and the counts.
    ledger = pd.read_csv(tmp_path / "out" / "claims.csv", keep_default_na=False).set_index("id")
    assert ledger.loc["C02", "status"] == "inconclusive"
    assert (
        ledger.loc["C02", "reason"]
        == "The smallest compared group (executive, 2 participants) is below the minimum of 5."
    )
    assert ledger.loc["C02", "group_sizes"] == "thematic + project: 4; executive: 2 (participants)"
    assert ledger.loc["C02", "smallest_group"] == "2" and ledger.loc["C02", "min_group_size"] == "5"
    # representation (j = 1) in D1, D3, D4, D6: thematic + project 3/4 vs executive 1/2;
    # one-sided Fisher P(X >= 3) = (C(4,3) C(2,1) + C(4,4)) / C(6,4) = 9/15
    assert ledger.loc["C02", "observed"] == "thematic + project 3/4 (75%); executive 1/2 (50%)"
    assert (
        ledger.loc["C02", "p_shown"] == "0.600"
        and float(ledger.loc["C02", "p_value"]) == pytest.approx(0.6)
        and ledger.loc["C02", "effect_size"] == "0.25"
    )
    assert set(ledger["status"]) <= {"consistent", "not consistent", "inconclusive", "not testable on coded data"}
    assert "claims.csv lists the paper's claims without verdicts" not in capsys.readouterr().out


def test_summarise_gives_no_verdicts_on_the_synthetic_corpus(tmp_path, capsys):
    corpus = synthetic.write(tmp_path / "syn")
    assert cli.main(["summarise", str(corpus), "--out", str(tmp_path / "out")]) == 0
    assert "note: claims.csv lists the paper's claims without verdicts: These are synthetic" in capsys.readouterr().out
    text = (tmp_path / "out" / "claims.csv").read_text(encoding="utf-8")
    assert "supported" not in text and "0.000" not in text
    ledger = pd.read_csv(tmp_path / "out" / "claims.csv", keep_default_na=False)
    assert list(ledger.columns) == ["data_source", *claims.COLUMNS]
    assert ledger["status"].value_counts().to_dict() == {
        "not evaluated: needs real coded data": 13,
        "not testable on coded data": 3,
    }
    assert (ledger[claims.RESULT_COLUMNS] == "").all().all()
    assert (
        ledger.loc[1, "proposition"]
        == "Prevalence of representation is higher at thematic + project than at executive."
    )


def test_summarise_errors_are_clean(tmp_path, capsys):
    assert cli.main(["summarise", str(tmp_path / "nothing"), "--out", str(tmp_path / "o")]) == 1
    assert "coded-data folder not found" in capsys.readouterr().err
    assert cli.main(["summarise", str(tmp_path), "--out", str(tmp_path / "o"), "--threshold", "3"]) == 2
    assert not (tmp_path / "o").exists()


def _outputs(path):
    nb = nbformat.read(path, as_version=4)
    html, plain = [], []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            html.append("".join(data.get("text/html", "")))
            plain.append("".join(data.get("text/plain", "")) + "".join(out.get("text", "")))
    return "\n".join(html), "\n".join(plain)


@pytest.fixture(scope="module")
def synthetic_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("nb02")
    executed = pipeline.execute_notebook(
        ROOT / "notebooks" / "02_coding.ipynb",
        out / "02.ipynb",
        parameters={
            "raw_dir": str(ROOT / "data" / "raw"),
            "derived_dir": str(out / "derived"),
            "coded_data": "synthetic",
        },
    )
    return executed, out / "derived"


def test_every_synthetic_table_and_figure_is_marked_and_its_files_keep_the_label(synthetic_run):
    """The page is marked as a demonstration through its outputs' metadata (the book draws one badge
    from it), captions carry no label, and the files that leave the page keep it inside them."""
    executed, derived = synthetic_run
    html, _ = _outputs(executed)
    captions = re.findall(r"<caption[^>]*>(.*?)</caption>", html, flags=re.S)
    assert len(captions) >= 9  # no evidence tables for the claims: no test runs on synthetic data
    assert not any("Evidence for claim" in c for c in captions)
    assert "no verdict is given. These are synthetic demonstration data" in executed.read_text(encoding="utf-8")
    assert not any(c.strip().startswith(LABEL) for c in captions)
    figures_html = re.findall(r"<figure.*?</figure>", html, flags=re.S)
    assert len(figures_html) == 3 and not any(LABEL in f for f in figures_html)
    # Every table, figure and the note naming the data carries the mark; the page is a demonstration.
    for cell in nbformat.read(executed, as_version=4).cells:
        for out in cell.get("outputs", []):
            shown = "".join(out.get("data", {}).get("text/html", ""))
            if "<caption" in shown or "<figure" in shown or "compendium-banner" in shown:
                assert demonstration.output_data_source(out) == "synthetic", shown[:120]
    assert demonstration.notebook_data_source(executed) == "synthetic"
    for svg in derived.glob("coding_*.svg"):
        assert LABEL in svg.read_text(), svg.name  # the title banner is in the figure itself
    for png in derived.glob("coding_*.png"):
        assert Image.open(png).text["Title"] == LABEL, png.name  # and in the file's metadata
    assert {p.stem for p in (derived / "tables").glob("*.csv")} == TABLES
    for table in (derived / "tables").glob("*.csv"):
        assert set(pd.read_csv(table)["data_source"]) <= {LABEL}, table.name
    # The captions name the tables where this run wrote them, not where the book's run writes its own.
    assert f"(all runs in {derived / 'tables' / 'saturation.csv'})" in html
    assert f"(all columns in {derived / 'tables' / 'claims.csv'})" in html


def test_notebook_runs_on_real_coded_data_without_the_label(tmp_path, real_fixture):
    executed = pipeline.execute_notebook(
        ROOT / "notebooks" / "02_coding.ipynb",
        tmp_path / "02.ipynb",
        parameters={
            "raw_dir": str(ROOT / "data" / "raw"),
            "derived_dir": str(tmp_path / "derived"),
            "coded_data": str(real_fixture),
        },
    )
    html, plain = _outputs(executed)
    assert LABEL not in html and LABEL not in plain
    assert demonstration.notebook_data_source(executed) is None  # the book would not mark the page
    assert not (tmp_path / "derived" / "synthetic").exists()
    assert "<caption" in html


# --- the README's own workflow: import, then summarise through a mapping ---------------------------

ATLAS = ROOT / "examples" / "atlas_ti" / "atlas_ti_8_standard_project.qdpx"


@pytest.fixture(scope="module")
def atlas_import(tmp_path_factory):
    out = tmp_path_factory.mktemp("atlas") / "coded"
    assert cli.main(["import", str(ATLAS), "--out", str(out)]) == 0
    return out


def _mapping(path, codes: dict) -> str:
    path.write_text("codes:\n" + "".join(f'  "{k}": {v}\n' for k, v in codes.items()), encoding="utf-8")
    return str(path)


def test_a_mapping_with_only_codes_on_a_fresh_import(tmp_path, atlas_import, capsys):
    """No participants, levels or groups: the tables are written; level-based claims say why they cannot be tested."""
    mapping = _mapping(
        tmp_path / "m.yaml",
        {"Coke/diet Coke": "analytical_insight/evidence_and_data", "happiness": "relational/alliance_building"},
    )
    assert cli.main(["summarise", str(atlas_import), "--mapping", mapping, "--out", str(tmp_path / "s")]) == 0
    out = capsys.readouterr().out
    assert "Real coded data: wrote 18 files" in out
    # listed once each, with counts, pointing at the mapping (the import has 9 codings: 3 mapped)
    assert (
        "note: 4 project code(s) not in " + mapping + " were left out, with their codings: 'Feelings' (1), "
        "'bacon and eggs' (2), 'cornflakes' (2), 'waste of time' (1); map them"
    ) in out
    frequencies = pd.read_csv(tmp_path / "s" / "frequencies.csv").set_index("code")
    assert frequencies.loc["relational/alliance_building", "segments"] == 2
    assert frequencies.loc["analytical_insight/evidence_and_data", "segments"] == 1
    assert (tmp_path / "s" / ".gitignore").read_text() == "*\n"
    # No document is an interview without the mapping's 'documents': said, and the curve has its header.
    assert "note: No document is an interview (source_type 'interview' or 'follow-up interview')" in out
    assert (tmp_path / "s" / "saturation_curve.csv").read_text().splitlines() == [
        "data_source,interview,new_codes,distinct_codes"
    ]


def test_mapping_documents_missing_from_the_data_are_named(tmp_path, capsys):
    """The example mapping names documents by their names; an --anonymise import calls them document_N."""
    coded = tmp_path / "coded"
    assert cli.main(["import", str(ATLAS), "--out", str(coded), "--anonymise"]) == 0
    mapping = str(ROOT / "examples" / "atlas_ti" / "mapping.yaml")
    assert cli.main(["summarise", str(coded), "--mapping", mapping, "--out", str(tmp_path / "s")]) == 0
    out = capsys.readouterr().out
    assert (
        "sets attributes of 3 document(s) that are not in the coded data, so they were not used: "
        "'1994 Diet Coke-Diet Coke Break.docx', 'Mabel.txt', 'Simon.docx' (a typo?"
    ) in out


def test_unknown_codes_in_the_papers_codebook_are_listed_once_each(atlas_import, tmp_path, capsys):
    assert cli.main(["summarise", str(atlas_import), "--codebook", "paper", "--out", str(tmp_path / "s")]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 7  # 6 distinct codes, then the summary
    assert err[0].endswith(
        "codings.csv, row 1 (line 2), field 'code': unknown code 'Coke/diet Coke' (1 coding; not "
        "in the codebook): map it to a compendium code with a mapping file (--mapping, or the "
        "notebooks' mapping parameter)"
    )
    assert sum("'happiness' (2 codings" in line for line in err) == 1
    assert err[-1] == "summarise: 6 problems; nothing was written"
    assert not (tmp_path / "s").exists()


def test_a_codebook_only_project_says_it_has_no_codings(tmp_path, capsys):
    qdc, coded = tmp_path / "codebook.qdc", tmp_path / "coded"
    assert cli.main(["export-codebook", "--out", str(qdc)]) == 0
    assert cli.main(["import", str(qdc), "--out", str(coded)]) == 0
    capsys.readouterr()
    mapping = _mapping(tmp_path / "m.yaml", {"representation": "representation"})
    for extra in ([], ["--mapping", mapping]):
        assert cli.main(["summarise", str(coded), *extra, "--out", str(tmp_path / "s")]) == 1
        err = capsys.readouterr().err
        assert "codings.csv: the project has 0 codings, so there is nothing to summarise" in err
        assert "check the mapping report" not in err and "Traceback" not in err
        assert err.endswith("summarise: 1 problem; nothing was written\n")
    assert not (tmp_path / "s").exists()


def test_a_mapping_that_maps_nothing_names_each_unmapped_code(atlas_import, tmp_path, capsys):
    mapping = _mapping(tmp_path / "m.yaml", {"waste of time": "ignore"})
    assert cli.main(["summarise", str(atlas_import), "--mapping", mapping, "--out", str(tmp_path / "s")]) == 1
    err = capsys.readouterr().err.splitlines()
    assert (
        f"error: {mapping}, field 'codes': project code 'happiness' (2 codings) is not mapped: add it under "
        f"'codes' with a compendium code (or 'ignore')" in err
    )
    assert err[-2] == (
        f"error: {mapping}: none of the project's 9 codings maps to a compendium code, so there is "
        f"nothing to summarise (see --mapping)"
    )
    assert err[-1] == "summarise: 6 problems; nothing was written"


def test_summarise_replaces_only_its_own_output(tmp_path, real_fixture, capsys):
    out = tmp_path / "s"
    assert cli.main(["summarise", str(real_fixture), "--out", str(out)]) == 0
    assert cli.main(["summarise", str(real_fixture), "--out", str(out)]) == 1
    assert "holds a previous summarise; add --force" in capsys.readouterr().err
    assert cli.main(["summarise", str(real_fixture), "--out", str(out), "--force"]) == 0
    assert cli.main(["summarise", str(real_fixture), "--out", str(real_fixture), "--force"]) == 1
    assert "only a folder written by a previous summarise" in capsys.readouterr().err
