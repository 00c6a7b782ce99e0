"""The data page's dictionary of YAML formats: every shipped schema, in a fixed order, captioned."""

from __future__ import annotations

from importlib import resources

from ics_leadership.figures import data_dictionary


def _shipped() -> set[str]:
    folder = resources.files("ics_leadership").joinpath("schemas")
    return {p.name.removesuffix(".schema.json") for p in folder.iterdir() if p.name.endswith(".schema.json")}


def test_every_shipped_schema_is_shown_raw_files_first():
    formats = data_dictionary.yaml_formats()
    assert set(formats) == _shipped()
    assert [f for f in formats if f != "model"][:6] == [
        "study",
        "codebook",
        "claims",
        "coreq",
        "key_messages",
        "synthetic_assumptions",
    ]


def test_a_new_schema_appears_without_touching_the_notebook(tmp_path, monkeypatch):
    for name in ("zeta", "pipeline", "coreq", "study"):
        (tmp_path / f"{name}.schema.json").write_text("{}")
    (tmp_path / "notes.txt").write_text("not a schema")
    monkeypatch.setattr(data_dictionary.resources, "files", lambda package: _Package(tmp_path))
    assert data_dictionary.yaml_formats() == ["study", "coreq", "pipeline", "zeta"]


class _Package:
    """Stands in for the installed package: its ``schemas`` folder is ``folder``."""

    def __init__(self, folder):
        self.folder = folder

    def joinpath(self, *parts):
        assert parts == ("schemas",)
        return self.folder


def test_each_table_is_captioned_with_its_file_and_describes_every_field():
    shown = dict(zip(data_dictionary.yaml_formats(), data_dictionary.yaml_dictionaries()))
    codebook = shown["codebook"]
    assert codebook.caption.startswith("data/raw/codebook.yaml: The paper&#x27;s codebook")
    rows = codebook.data.set_index("field")
    assert rows.loc["contributions[].activities[].id", "required"] == "yes"
    assert rows.loc["contributions[].by_stage.<stage>.emphasis", "allowed values"] == "associated, not described"
    assert list(codebook.data.columns) == ["field", "type", "required", "allowed values", "description"]
    for name, table in shown.items():
        blank = table.data.loc[table.data["description"] == "", "field"].tolist()
        assert blank == [], f"{name}: fields without a description: {blank}"


def test_long_paths_and_values_may_wrap_but_read_as_written():
    codebook = dict(zip(data_dictionary.yaml_formats(), data_dictionary.yaml_dictionaries()))["codebook"]
    page = codebook.to_html()
    assert "contributions[].<wbr>by_stage.<wbr>&lt;stage&gt;.<wbr>emphasis</td>" in page
    assert "contributions[].by_stage.<stage>.emphasis" in repr(codebook)  # the text form keeps the path
    claims = dict(zip(data_dictionary.yaml_formats(), data_dictionary.yaml_dictionaries()))["claims"]
    assert "cooccur_<wbr>more_<wbr>than_<wbr>chance" in claims.to_html()  # a long allowed value may wrap too
