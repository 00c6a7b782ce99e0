"""Run the compendium: verify raw data, execute notebooks with papermill, build the book.

The notebooks, their order and their parameters are named in one file, ``pipeline.yaml``.
Executed copies are written to a staging folder first and only replace the book's copies when
every notebook succeeded; the book is built into a temporary folder and only then swapped in.
A failure therefore leaves the last good book in place.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ics_leadership import manifest, paths, raw
from ics_leadership.derived import move_into
from ics_leadership.errors import BookBuildError, NotebookExecutionError, PipelineConfigError

Reporter = Callable[[str], None]


def _print(message: str) -> None:
    print(message, flush=True)


@dataclass(frozen=True)
class NotebookSpec:
    """One notebook to execute: its source path (relative to the project) and parameters."""

    path: str
    parameters: dict[str, Any] = field(default_factory=dict)
    output: str | None = None  # name of the executed copy (default: the source's name)
    title: str | None = None  # replaces the notebook's first "# " heading in the executed copy

    @property
    def output_name(self) -> str:
        return self.output or Path(self.path).name


@dataclass(frozen=True)
class PipelineConfig:
    notebooks: tuple[NotebookSpec, ...]
    executed_dir: str = "book/notebooks"
    book_dir: str = "book"

    def find(self, name: str) -> NotebookSpec:
        """The configured notebook whose path or file name (with or without suffix) is ``name``."""
        for spec in self.notebooks:
            p, out = Path(spec.path), Path(spec.output_name)
            if name in (spec.path, p.name, p.stem, out.name, out.stem) or \
                    Path(name).resolve() == (paths.project_root() / p).resolve():
                return spec
        known = ", ".join(s.output_name for s in self.notebooks)
        raise PipelineConfigError(f"'{name}' is not a notebook in pipeline.yaml (known: {known})")


def load_config(path: Path | str | None = None) -> PipelineConfig:
    """Read and check ``pipeline.yaml``."""
    path = Path(path) if path is not None else paths.pipeline_config()
    shown = paths.display_path(path)
    if not path.is_file():
        raise PipelineConfigError(f"{shown}: file not found")
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise PipelineConfigError(f"{shown}: not valid YAML ({exc})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("notebooks"), list) or not doc["notebooks"]:
        raise PipelineConfigError(f"{shown}: expected a non-empty list under 'notebooks'")
    specs = []
    root = path.parent
    for i, item in enumerate(doc["notebooks"]):
        if isinstance(item, str):
            item = {"path": item}
        if not isinstance(item, dict) or not isinstance(item.get("path"), str):
            raise PipelineConfigError(f"{shown}, notebooks[{i}]: expected a mapping with 'path'")
        params = item.get("parameters") or {}
        if not isinstance(params, dict):
            raise PipelineConfigError(f"{shown}, notebooks[{i}].parameters: expected a mapping")
        if not (root / item["path"]).is_file():
            raise PipelineConfigError(f"{shown}, notebooks[{i}].path: {item['path']} does not exist")
        output = item.get("output")
        if output is not None and (not isinstance(output, str) or not output.endswith(".ipynb") or "/" in output):
            raise PipelineConfigError(f"{shown}, notebooks[{i}].output: expected a file name ending in .ipynb")
        title = item.get("title")
        if title is not None and (not isinstance(title, str) or not title.strip()):
            raise PipelineConfigError(f"{shown}, notebooks[{i}].title: expected text")
        specs.append(NotebookSpec(item["path"], dict(params), output, title))
    outputs = [s.output_name for s in specs]
    for name in sorted({o for o in outputs if outputs.count(o) > 1}):
        raise PipelineConfigError(f"{shown}: two notebooks would write the executed copy {name}; give one an 'output'")
    return PipelineConfig(
        notebooks=tuple(specs),
        executed_dir=str(doc.get("executed_dir", "book/notebooks")),
        book_dir=str(doc.get("book_dir", "book")),
    )


def check_raw(raw_dir: Path | str | None = None, report: Reporter = _print) -> raw.RawData:
    """Verify the manifest, then load and validate every raw file."""
    raw_dir = Path(raw_dir) if raw_dir is not None else paths.raw_dir()
    verified = manifest.verify(raw_dir)
    report(f"Raw data: {len(verified)} files match {paths.display_path(raw_dir / manifest.MANIFEST_NAME)}")
    data = raw.load_raw(raw_dir)
    extra = validate_supporting_files(raw_dir, data.codebook)
    report(
        f"Raw data: valid ({len(data.participants)} participants, {len(data.observations)} sites observed, "
        f"{len(data.study.facts)} study facts, {extra})"
    )
    if data.model is not None:
        summary = data.model.summary()
        report(f"Raw data: model valid ({summary['n_nodes']} nodes, {summary['n_links']} links: "
               f"{summary['n_stated']} stated, {summary['n_inferred']} inferred)")
    return data


def validate_supporting_files(raw_dir: Path, loaded_codebook=None) -> str:
    """Validate the claims ledger, synthetic assumptions and COREQ checklist (and the codebook, unless
    :func:`raw.load_raw` already loaded it); return a one-line summary."""
    from ics_leadership import claims, codebook, reporting, synthetic
    from ics_leadership.errors import DataValidationError

    problems = []
    found = {"codebook": loaded_codebook} if loaded_codebook is not None else {}
    if not found:
        try:
            found["codebook"] = codebook.load_codebook(raw_dir / codebook.CODEBOOK_FILE)
        except DataValidationError as exc:
            problems.extend(exc.problems)
    for name, load in (("claims", lambda: claims.load_claims(raw_dir / claims.CLAIMS_FILE, found.get("codebook"))),
                       ("assumptions", lambda: synthetic.load_assumptions(raw_dir / synthetic.ASSUMPTIONS_FILE)),
                       ("coreq", lambda: reporting.load_coreq(raw_dir / reporting.COREQ_FILE))):
        try:
            found[name] = load()
        except DataValidationError as exc:
            problems.extend(exc.problems)
    if problems:
        raise DataValidationError(problems)
    return (f"{len(found['codebook'].codes)} codes, {len(found['claims'][0])} claims, "
            f"{len(found['assumptions'].values)} synthetic-corpus assumptions, {len(found['coreq'])} COREQ items")


def _quiet_kernel_manager():
    """A kernel manager whose kernel does not write start-up chatter to the terminal.

    ipykernel warns on stderr at every start that its local TCP sockets are unencrypted; that
    line would be repeated under every notebook in the build's progress output. Errors raised in
    cells still reach us through the Jupyter protocol, and a dying kernel is still reported.
    """
    from jupyter_client.manager import AsyncKernelManager

    class QuietKernelManager(AsyncKernelManager):
        async def _async_launch_kernel(self, kernel_cmd, **kw):
            kw.setdefault("stderr", subprocess.DEVNULL)
            await super()._async_launch_kernel(kernel_cmd, **kw)

    return QuietKernelManager


def execute_notebook(
    source: Path | str,
    output: Path | str,
    parameters: dict[str, Any] | None = None,
    cwd: Path | str | None = None,
    progress_bar: bool = False,
    source_label: str | None = None,
    title: str | None = None,
) -> Path:
    """Execute one notebook with papermill.

    Parameters
    ----------
    source, output
        Notebook to run and where to write the executed copy.
    parameters
        Values injected after the cell tagged ``parameters``.
    cwd
        Working directory of the kernel (default: the source notebook's folder, so relative
        paths in parameters mean the same as in JupyterLab).
    source_label
        If given, recorded with the parameters in the executed copy's metadata (the book's launch
        buttons open that source, since one source may give several pages).
    title
        If given, replaces the first "# " heading of the executed copy.

    Raises
    ------
    NotebookExecutionError
        Naming the notebook and the cell (1-based, as in the source notebook) that failed.
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    source, output = Path(source), Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    shown = paths.display_path(source)
    try:
        pm.execute_notebook(
            str(source),
            str(output),
            parameters=parameters or {},
            cwd=str(cwd or source.parent),
            progress_bar=progress_bar,
            log_output=False,
            request_save_on_cell_execute=False,
            kernel_name="python3",
            kernel_manager_class=_quiet_kernel_manager(),
        )
    except PapermillExecutionError as exc:
        cell = _source_cell_number(output, exc.cell_index)
        first_line = next((ln for ln in str(exc.source).splitlines() if ln.strip()), "")
        raise NotebookExecutionError(shown, cell, f"{exc.ename}: {exc.evalue}  [cell starts: {first_line.strip()}]") from None
    except Exception as exc:  # kernel could not start, notebook unreadable, ...
        raise NotebookExecutionError(shown, None, f"{type(exc).__name__}: {exc}") from None
    _finish_executed(output, source_label, parameters or {}, title)
    return output


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _save(path: Path, nb: dict) -> None:
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _finish_executed(executed: Path, source_label: str | None, parameters: dict[str, Any],
                     title: str | None) -> None:
    """Post-process an executed copy in one read and one write.

    Papermill's injected-parameters cell is tagged ``hide-cell`` (the book shows it folded); the
    source and parameters are recorded when ``source_label`` is given; the title is set when given.
    """
    nb = _load(executed)
    for cell in nb["cells"]:
        tags = cell.setdefault("metadata", {}).setdefault("tags", [])
        if "injected-parameters" in tags and "hide-cell" not in tags:
            tags.append("hide-cell")
    if source_label is not None:
        nb.setdefault("metadata", {})["compendium"] = {"source": source_label, "parameters": parameters}
    if title:
        _retitle(nb, title, executed.name)
    _save(executed, nb)


def _retitle(nb: dict, title: str, name: str) -> None:
    for cell in nb["cells"]:
        if cell.get("cell_type") != "markdown":
            continue
        text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        lines = text.split("\n")
        for i, line in enumerate(lines):
            if line.startswith("# "):
                lines[i] = f"# {title}"
                cell["source"] = "\n".join(lines)
                return
    raise PipelineConfigError(f"{name}: no '# ' heading to set the title '{title}' on")


def set_title(executed: Path, title: str) -> None:
    """Replace the first level-1 heading of an executed notebook (one source, several pages)."""
    nb = _load(executed)
    _retitle(nb, title, executed.name)
    _save(executed, nb)


def _source_cell_number(executed: Path, index: int) -> int:
    """Find the failed cell's position in the *source* notebook (1-based, as JupyterLab counts).

    The executed copy has extra cells that the user never wrote (papermill's injected parameters
    and its error banners), so the failed cell is located by its error output and counted among
    the user's own cells only.
    """
    added = {"injected-parameters", "papermill-error-cell-tag"}
    try:
        cells = _load(executed)["cells"]
    except (OSError, ValueError, KeyError):
        return index + 1
    position = 0
    for cell in cells:
        if added & set(cell.get("metadata", {}).get("tags", [])):
            continue
        position += 1
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return position
    return index + 1


def run_notebooks(
    config: PipelineConfig,
    root: Path | None = None,
    only: list[str] | None = None,
    extra_parameters: dict[str, Any] | None = None,
    report: Reporter = _print,
) -> list[Path]:
    """Execute the configured notebooks in order into the book's executed folder.

    All notebooks run into a staging folder; the executed copies are moved into place only when
    every one succeeded.
    """
    root = root or paths.project_root()
    specs = [config.find(n) for n in only] if only else list(config.notebooks)
    target_dir = root / config.executed_dir
    target_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=target_dir.parent))
    done: list[Path] = []
    try:
        for number, spec in enumerate(specs, start=1):
            source = root / spec.path
            params = {**spec.parameters, **(extra_parameters or {})}
            shown_params = ", ".join(f"{k}={v!r}" for k, v in params.items())
            label = spec.path if spec.output is None else f"{spec.path} -> {spec.output}"
            report(f"[{number}/{len(specs)}] {label}" + (f"  ({shown_params})" if shown_params else ""))
            start = time.perf_counter()
            execute_notebook(source, staging / spec.output_name, params, cwd=source.parent,
                             progress_bar=sys.stderr.isatty(), source_label=spec.path, title=spec.title)
            report(f"      done in {time.perf_counter() - start:.1f} s")
        done = move_into(staging, target_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return done


def _jupyter_book() -> str:
    beside = Path(sys.executable).parent / "jupyter-book"
    found = str(beside) if beside.exists() else shutil.which("jupyter-book")
    if not found:
        raise BookBuildError("jupyter-book is not installed in this environment (run `make book`, which installs it)")
    return found


def build_book(root: Path | None = None, book_dir: str = "book", report: Reporter = _print) -> Path:
    """Build the HTML book with Jupyter Book (execution off) and swap it into ``book/_build``.

    Warnings are errors, so a broken cross-reference or a missing glued value fails the build
    instead of shipping a page with a hole in it.

    Returns
    -------
    pathlib.Path
        ``book/_build/html/index.html``.
    """
    root = root or paths.project_root()
    book = root / book_dir
    scratch = Path(tempfile.mkdtemp(prefix=".build-", dir=book))
    report("Building the book with Jupyter Book (notebook execution off) ...")
    start = time.perf_counter()
    cmd = [_jupyter_book(), "build", str(book), "--path-output", str(scratch), "-W", "-n", "--keep-going", "--all"]
    env = {**os.environ, "ICS_LEADERSHIP_ROOT": str(root), "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=root)
    log = result.stdout + result.stderr
    if result.returncode != 0:
        shutil.rmtree(scratch, ignore_errors=True)
        tail = "\n".join(line for line in log.splitlines() if "WARNING" in line or "ERROR" in line or "Error" in line)
        tail = tail or "\n".join(log.splitlines()[-30:])
        raise BookBuildError(f"Jupyter Book failed (the previous book in {book_dir}/_build is unchanged):\n{tail}")
    final = book / "_build"
    old = book / f".build-old-{os.getpid()}"
    if final.exists():
        os.replace(final, old)
    os.replace(scratch / "_build", final)
    shutil.rmtree(old, ignore_errors=True)
    shutil.rmtree(scratch, ignore_errors=True)
    (final / "build.log").write_text(log, encoding="utf-8")
    index = final / "html" / "index.html"
    report(f"Book built in {time.perf_counter() - start:.1f} s: {paths.display_path(index)}")
    return index


def build(root: Path | None = None, config_path: Path | None = None, report: Reporter = _print) -> Path:
    """The whole pipeline: check raw data, run every notebook, build the book."""
    root = root or paths.project_root()
    check_raw(root / "data" / "raw", report=report)
    config = load_config(config_path or root / "pipeline.yaml")
    run_notebooks(config, root=root, report=report)
    return build_book(root, config.book_dir, report=report)
