"""What running one step of the build does: a notebook into its executed copy, or a command.

The scheduler (:mod:`ics_leadership.publish.scheduler`) calls these from worker threads, several at
once, so each touches only what its step owns:

- a notebook step is executed by papermill (:func:`ics_leadership.publish.execute.execute_notebook`)
  into a scratch folder beside the executed folder, and its copy then replaces the step's own
  executed copy in one :func:`os.replace`: a reader (or the book) sees the old copy or the new one,
  never half of one, and a failed run leaves the old copy in place;
- a command step (``synthesise``) runs in this process through the function behind the command
  line (:func:`ics_leadership.publish.commands.run_command`), with its paths under the root.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from ics_leadership.core import outputs
from ics_leadership.publish.execute import check_parameters, execute_notebook
from ics_leadership.publish.steps import Step

#: Prefix of the scratch folder a notebook step runs into (a killed build's is removed by the next
#: build: :data:`ics_leadership.publish.buildguard.LEFTOVER_PATTERNS`).
SCRATCH_PREFIX = ".staging-"


def run_step(step: Step, root: Path, executed_dir: Path, kernel_arguments: Sequence[str] = ()) -> None:
    """Run ``step``: execute its notebook into its executed copy, or run its command.

    ``kernel_arguments`` go to the notebook's kernel (``build --check-deps`` passes its audit
    hook's: :mod:`ics_leadership.publish.audit`).

    Raises
    ------
    NotebookExecutionError
        The notebook failed (naming it and the cell); its previous executed copy is kept.
    DataValidationError
        pipeline.yaml gives the notebook a parameter it does not declare.
    """
    if step.notebook is None:
        from ics_leadership.publish import commands

        commands.run_command(step.command or (), root)
        return
    source = root / step.notebook
    check_parameters(source, step.parameters, origin="pipeline.yaml parameter")
    executed_dir.mkdir(parents=True, exist_ok=True)
    # The scratch folder sits beside the executed folder (one file system: the replace is atomic).
    scratch = outputs.new_dir(executed_dir.parent, SCRATCH_PREFIX)
    try:
        copy = execute_notebook(
            source,
            scratch / step.output_name,
            step.parameters,
            cwd=source.parent,
            progress_bar=False,  # several run at once: one line per step is the progress
            source_label=step.notebook,
            title=step.title,
            kernel_arguments=kernel_arguments,
        )
        os.replace(copy, executed_dir / step.output_name)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
