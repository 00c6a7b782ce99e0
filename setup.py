"""Build hook: the wheel carries a copy of ``data/raw`` as ``ics_leadership/data/raw``.

Everything else about the package is declared in ``pyproject.toml``. ``data/raw`` stays the one
source of truth (no copy or link of it is committed under ``src/``): ``build_py`` copies its files,
MANIFEST included, into the wheel at build time, so a pip-installed toolkit runs ``import``,
``summarise``, ``synthesise``, ``export-codebook`` and ``check`` from any folder.
``ics_leadership.core.paths.raw_dir`` finds the copy; ``tests/test_install.py`` checks it against
``data/raw/MANIFEST``.

Editable installs (``make``'s ``pip install -e .``) copy nothing: they read the checkout's
``data/raw`` directly, so an edit there is seen at once (and must pass ``check``).
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

#: Relative paths, as setuptools expects from get_source_files (the build runs in this folder).
RAW = Path("data", "raw")
PACKAGED = Path("ics_leadership", "data", "raw")


class BuildPyWithRawData(build_py):
    """``build_py`` that also copies ``data/raw`` into the package."""

    def _raw_mapping(self) -> dict[str, str]:
        """Destination in the build folder -> source file, for every file under data/raw."""
        if self.editable_mode:
            return {}  # the checkout's data/raw is read in place (core/paths.py)
        files = sorted(p for p in RAW.rglob("*") if p.is_file())
        if not (RAW / "MANIFEST").is_file() or len(files) < 2:
            # A wheel without its data would fail only later, on a user's machine: stop the build here.
            raise SystemExit(f"{RAW.as_posix()} is missing or incomplete: build the wheel from a checkout or the sdist")
        return {str(Path(self.build_lib, PACKAGED, p.relative_to(RAW))): str(p) for p in files}

    def run(self) -> None:
        super().run()
        for target, source in self._raw_mapping().items():
            self.mkpath(str(Path(target).parent))
            self.copy_file(source, target, preserve_mode=False)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        return [*super().get_outputs(include_bytecode), *self._raw_mapping()]

    def get_output_mapping(self) -> dict[str, str]:
        return {**super().get_output_mapping(), **self._raw_mapping()}

    def get_source_files(self) -> list[str]:
        # sdist collects these, so a wheel built from the sdist has the data too.
        return [*super().get_source_files(), *sorted(str(p) for p in RAW.rglob("*") if p.is_file())]


setup(cmdclass={"build_py": BuildPyWithRawData})
