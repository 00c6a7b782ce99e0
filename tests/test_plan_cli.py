"""``ics-leadership plan``: its subcommands end to end on tiny cases, their --out rules and their errors."""

from __future__ import annotations

import pandas as pd
import pytest

from ics_leadership import cli
from ics_leadership.core.outputs import MARKER

from coded_fixture import coding, doc, make_coded


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_plan_help_names_every_subcommand_and_the_models(capsys):
    with pytest.raises(SystemExit):
        cli.main(["plan", "--help"])
    text = capsys.readouterr().out
    for name in ("frame", "sample-size", "unseen"):
        assert name in text
    with pytest.raises(SystemExit):
        cli.main(["plan", "sample-size", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "Fugard and Potts 2015" in text and "hypergeometric" in text and "needs 16 interviews" in text
    assert "--paper" in text and "--population" in text and "Hammersley" in text


def test_frame_template_then_the_papers_design_per_tier(tmp_path, capsys):
    code, out, _ = run(capsys, "plan", "frame", "--out", str(tmp_path / "template"))
    assert code == 0 and "0 rows" in out
    template = tmp_path / "template"
    assert (template / "sampling_frame.csv").read_text() == "site,tier,role,profession,leaders,follow_up,stage,notes\n"
    assert {p.name for p in template.iterdir()} >= {"sampling_frame_dictionary.csv", "README.md", MARKER}

    code, out, _ = run(capsys, "plan", "frame", "--paper", "--out", str(tmp_path / "paper"))
    assert code == 0 and "25 rows" in out
    frame = tmp_path / "paper" / "sampling_frame.csv"
    read = pd.read_csv(frame)
    assert read.groupby("tier", sort=False)["leaders"].sum().to_dict() == {"executive": 4, "thematic": 8, "project": 13}

    # The written frame read back as the design: per tier, the executive tier finite (N = 6).
    out_dir = tmp_path / "sizes"
    argv = ["plan", "sample-size", "--frame", str(frame), "--share", "0.1", "0.5", "--k", "1", "2"]
    code, out, _ = run(capsys, *argv, "--population", "executive=6", "--out", str(out_dir))
    assert code == 0 and "hypergeometric): executive (N = 6)" in out
    overall = pd.read_csv(out_dir / "sample_size.csv").set_index(["share", "k"])
    assert overall.loc[(0.1, 1), "interviews"] == 16 and overall.loc[(0.1, 2), "interviews"] == 29
    tiers = pd.read_csv(out_dir / "sample_size_by_tier.csv").set_index(["tier", "share", "k"])
    assert tiers.loc[("executive", 0.5, 1), "model"] == "hypergeometric"
    assert tiers.loc[("executive", 0.5, 2), "probability_planned"] == pytest.approx(0.8)  # 1 - C(3,1)C(3,3)/C(6,4)
    assert tiers.loc[("thematic", 0.1, 1), "probability_planned"] == pytest.approx(1 - 0.9**8, abs=1e-6)
    design = pd.read_csv(out_dir / "design.csv")
    assert design["Total"].tolist() == [4, 8, 13, 25]
    readme = (out_dir / "README.md").read_text()
    assert "Hypergeometric (sampling without replacement)" in readme and "Emmel" in readme and "Hennink" in readme


def test_out_rules_and_a_filled_in_frame_is_never_replaced(tmp_path, capsys):
    folder = tmp_path / "frame"
    assert run(capsys, "plan", "frame", "--out", str(folder))[0] == 0
    code, _, err = run(capsys, "plan", "frame", "--out", str(folder))
    assert code == 1 and "add --force" in err
    assert run(capsys, "plan", "frame", "--out", str(folder), "--force")[0] == 0  # unchanged: replaced
    code, _, err = run(capsys, "plan", "sample-size", "--out", str(folder), "--force")
    assert code == 1 and "only a folder written by a previous plan sample-size" in err
    frame = folder / "sampling_frame.csv"
    frame.write_text(frame.read_text() + "North,system,,,,,,\n")
    code, _, err = run(capsys, "plan", "frame", "--out", str(folder), "--force")
    assert code == 1 and "was edited after `plan frame` wrote it" in err
    assert frame.read_text().endswith("North,system,,,,,,\n")
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    code, _, err = run(capsys, "plan", "sample-size", "--out", str(other), "--force")
    assert code == 1 and (other / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--share", "0"], "--share: a share of the population must be above 0 and at most 1, got 0"),
        (["--share", "0.2", "1.5"], "got 1.5"),
        (["--k", "0"], "--k: k (times the theme is seen) must be a whole number of at least 1, got 0"),
        (["--probability", "1"], "--probability: the probability must be above 0 and below 1, got 1"),
        (["--paper", "--population", "neighbourhood=4"], "the design plans no one in tier 'neighbourhood'"),
        (["--paper", "--population", "executive=3"], "plans 4 interviews in tier 'executive', more than N"),
        (["--paper", "--population", "executive=0"], "N must be a whole number of at least 1"),
        (["--population", "executive=6"], "a tier's population needs a design"),
    ],
)
def test_bad_options_are_one_line_errors_and_nothing_is_written(tmp_path, capsys, argv, message):
    out_dir = tmp_path / "out"
    code, _, err = run(capsys, "plan", "sample-size", *argv, "--out", str(out_dir))
    lines = err.splitlines()
    assert code == 1 and len(lines) == 2 and message in lines[0]
    assert lines[1] == "plan sample-size: 1 problem; nothing was written"
    assert not out_dir.exists()


def test_a_bad_frame_names_file_row_and_field(tmp_path, capsys):
    frame = tmp_path / "frame.csv"
    frame.write_text("site,tier,leaders\nA,executive,2\nB,,1\n")
    code, _, err = run(capsys, "plan", "sample-size", "--frame", str(frame), "--out", str(tmp_path / "out"))
    assert code == 1 and "frame.csv, row 2 (line 3), field 'tier': is blank but required" in err
    assert "Traceback" not in err and not (tmp_path / "out").exists()


def test_unseen_on_a_tiny_pilot(tmp_path, capsys):
    # Four interviewees: a, b, c once each (Q1 = 3), d in all four; S_obs = 4; no theme in exactly two.
    themes = [{"a", "d"}, {"b", "d"}, {"c", "d"}, {"d"}]
    docs = [doc(f"D{i}", 500, f"P{i}", sequence=i) for i in range(1, 5)]
    cods = [coding(f"D{i}", 10 * j, 10 * j + 5, t) for i, ts in enumerate(themes, 1) for j, t in enumerate(sorted(ts))]
    coded = make_coded(tmp_path / "coded", docs, cods, synthetic=False)
    out_dir = tmp_path / "pilot"
    code, out, _ = run(capsys, "plan", "unseen", str(coded), "--base-size", "2", "--out", str(out_dir))
    assert code == 0 and "4 themes seen in 4 interviewees" in out
    estimates = pd.read_csv(out_dir / "unseen_themes.csv").set_index("estimator")
    # Bias-corrected Chao2: 4 + (3/4) x 3 x 2 / 2 = 6.25.
    assert estimates.loc["Chao2", "themes_estimated"] == pytest.approx(6.25)
    assert estimates.loc["Chao2", "form"].startswith("bias-corrected")
    assert (estimates["data_source"] == "Real coded data").all()
    assert (out_dir / ".gitignore").read_text() == "*\n"
    assert {"saturation.csv", "saturation_curve.csv", "theme_incidence.csv", "README.md"} <= {
        p.name for p in out_dir.iterdir()
    }
    code, _, err = run(capsys, "plan", "unseen", str(coded), "--interviews", "1", "--out", str(tmp_path / "x"))
    assert code == 1 and "at least 2 interviews" in err and not (tmp_path / "x").exists()


def test_sample_size_figure_is_written_and_identical_twice(tmp_path, capsys):
    for name in ("a", "b"):
        code, _, _ = run(capsys, "plan", "sample-size", "--paper", "--figure", "--out", str(tmp_path / name))
        assert code == 0
    assert (tmp_path / "a" / "sample_size.svg").read_bytes() == (tmp_path / "b" / "sample_size.svg").read_bytes()
    assert (tmp_path / "a" / "sample_size.png").stat().st_size > 10_000


def test_plan_power_reads_a_sampling_frame_as_its_design(tmp_path, capsys):
    """The paper's frame, written by `plan frame --paper`, is the paper's leaders for `plan power --frame`."""
    assert run(capsys, "plan", "frame", "--paper", "--out", str(tmp_path / "paper"))[0] == 0
    frame = tmp_path / "paper" / "sampling_frame.csv"
    quick = ["--claim", "C02", "--replicates", "20", "--no-search"]
    code, out, _ = run(capsys, "plan", "power", "--frame", str(frame), *quick)
    flat = " ".join(out.split())
    assert code == 0 and "executive 4, thematic 8, project 13 leaders (5 follow-ups)" in flat
    assert "0 non-clinical interviews; 0 observed meetings" in flat
    code, _, err = run(capsys, "plan", "power", "--frame", str(frame), "--leaders", "executive=3", *quick)
    assert code == 1 and "give the leaders with --frame or with --leaders, not both" in err
    other = tmp_path / "system.csv"
    other.write_text("site,tier,stage\nNorth,system,early\n")
    code, _, err = run(capsys, "plan", "power", "--frame", str(other), *quick)
    assert code == 1 and "system.csv, tier 'system': not one of the paper's tiers" in err
