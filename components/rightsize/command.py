"""``thrifty rightsize --stack <name>``: from measured utilization to the stack-file change that
saves money, priced by the estimator and checked as ``thrifty plan`` checks a stack.

Steps: read the stack (as the program reads it) and the utilization files; apply the rules;
price each finding's changes alone and all of them together (two estimates of the recorded
stack, before and after); run config validation and the policy pack on the stack with every
change; print the report with the change as a unified diff; with ``--write``, write it, unless
a check failed.

Exit codes (as ``thrifty plan``'s): 0 the report was made (and, with ``--write``, the change
written or there was none); 1 the change fails config validation or the policy pack, nothing
written; 2 the run cannot start or read its input (no input file, an unreadable or malformed
file, an unknown stack, invalid config, a bad flag, a pack that does not start); 3 the stack's
program itself raised.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from thrifty.config import ConfigError
from thrifty.offline.analyzer_client import PolicyPackError
from thrifty.offline.answers import AnswersError
from thrifty.offline.project import ProjectError
from thrifty.rightsize.inputs import InputFiles, read_inputs
from thrifty.rightsize.reading import InputError
from thrifty.rightsize.recommend import recommend
from thrifty.rightsize.report import Result, render
from thrifty.rightsize.rules import Settings
from thrifty.rightsize.stack import StackState, load_stack
from thrifty.rightsize.whatif import ProgramFailed, estimate_as_is, what_if
from thrifty.rightsize.yaml_edit import StackFileError, edit_stack_file

EXIT_OK = 0
EXIT_CHECKS_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_PROGRAM_ERROR = 3

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Request:
    """What the user asked for on the command line."""

    stack: str
    project_dir: Path
    files: InputFiles
    settings: Settings
    as_of: datetime
    fmt: str = "table"
    write: bool = False
    output: Path | None = None


def _label(stack: StackState) -> str:
    """The stack file's path relative to the project (``stacks/Pulumi.dev.yaml``)."""
    path = stack.stack_file
    try:
        return str(path.relative_to(stack.project.root))
    except ValueError:
        return str(path)


def analyze(request: Request, progress: Progress) -> Result:
    """Everything but writing: findings, savings, the change and its checks.

    Raises InputError, ProjectError, ConfigError, StackFileError (exit 2) and ProgramFailed
    (exit 3); PolicyPackError when the pack does not start.
    """
    stack = load_stack(request.project_dir, request.stack)
    measurements = read_inputs(request.files, as_of=request.as_of)
    recommendations = recommend(stack, measurements, request.settings)
    result = Result(
        project=stack.project.name,
        stack=stack.stack,
        files=request.files.names(),
        settings=request.settings,
        recommendations=recommendations,
    )
    changes = [change for finding in recommendations.changes for change in finding.changes]
    edit = edit_stack_file(stack.stack_file, changes, _label(stack))
    result.edit = edit
    if not changes:
        return result
    progress(f"estimating stack {stack.stack} as it is")
    result.before = estimate_as_is(stack)
    for finding in recommendations.changes:
        progress(f"pricing the change to {finding.kind} {finding.name}")
        alone = what_if(stack, edit.before, finding.changes)
        if alone.cost is not None:
            finding.saving = (result.before[0] - alone.cost[0], result.before[1] - alone.cost[1])
        else:
            finding.unpriced = "; ".join(alone.problems) or alone.error or "not priced"
    progress("checking the stack with every change (config, program, cost, policy pack)")
    result.after = what_if(stack, edit.before, changes, policies=True)
    return result


def _emit(text: str, output: Path | None) -> None:
    if output is not None:
        output.write_text(text + "\n", encoding="utf-8")
        return
    try:
        print(text, flush=True)
    except BrokenPipeError:  # `thrifty rightsize ... | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def run(request: Request, progress: Progress) -> int:
    """Run the command; returns its exit code (module docs). Errors go to stderr in one line."""
    if not request.files:
        _error("give at least one utilization file: --vpa, --prometheus or --csv")
        return EXIT_BAD_INPUT
    try:
        result = analyze(request, progress)
    except (InputError, ProjectError, ConfigError, StackFileError, AnswersError) as error:
        _error(str(error))
        return EXIT_BAD_INPUT
    except PolicyPackError as error:
        _error(f"the policy pack could not run: {error}")
        return EXIT_BAD_INPUT
    except ProgramFailed as error:
        _error(str(error))
        return EXIT_PROGRAM_ERROR
    edit = result.edit
    if request.write and edit is not None and edit.changed and not result.failed:
        try:
            edit.path.write_text(
                result.after.text if result.after else edit.after, encoding="utf-8"
            )
        except OSError as error:
            _error(f"cannot write {edit.path}: {error.strerror}")
            return EXIT_BAD_INPUT
        result.written = True
        progress(f"wrote {edit.path}")
    try:
        _emit(render(result, request.fmt), request.output)
    except OSError as error:
        _error(f"cannot write {request.output}: {error.strerror}")
        return EXIT_BAD_INPUT
    return EXIT_CHECKS_FAILED if result.failed else EXIT_OK


def _error(message: str) -> None:
    print(f"thrifty rightsize: {message}", file=sys.stderr)


__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_CHECKS_FAILED",
    "EXIT_OK",
    "EXIT_PROGRAM_ERROR",
    "Request",
    "analyze",
    "run",
]
