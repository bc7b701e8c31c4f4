"""The stack with some of the changes: its config checked, its program recorded, its cost
estimated and, for the change that is to be written, the policy pack run over it.

Nothing here prices anything itself: the changed stack file is read by
:mod:`thrifty.offline.project` (a copy in a temporary config directory, so project defaults and
the engine's config form are the project module's), recorded by
:func:`thrifty.offline.recording.record_stack` with the changed keys as overrides, and priced
and judged by the same steps ``thrifty plan`` runs (:func:`thrifty.offline.cost_step.
add_cost_section`, :func:`thrifty.offline.policy_step.add_policy_section`). A saving is the
difference of two such estimates, so it moves exactly as ``thrifty plan``'s figure does.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from thrifty.config import ConfigError, validate_environment_config
from thrifty.cost.spec import Range
from thrifty.offline.answers import AnswersError
from thrifty.offline.cost_step import CostOptions, add_cost_section
from thrifty.offline.plan import Plan, PlanSection, plan_recording
from thrifty.offline.policy_step import PolicyOptions, add_policy_section
from thrifty.offline.project import ProjectError
from thrifty.offline.recording import record_stack
from thrifty.rightsize.changes import ConfigChange
from thrifty.rightsize.stack import StackState
from thrifty.rightsize.yaml_edit import edit_text


@dataclass
class WhatIf:
    """One variant of the stack: its file text, whether its config is valid, its cost and,
    when asked for, the policy pack's verdict."""

    changes: list[ConfigChange]
    text: str
    problems: list[str] = field(default_factory=list)
    cost: Range | None = None
    policies: PlanSection | None = None
    error: str | None = None

    @property
    def valid(self) -> bool:
        return not self.problems and self.error is None

    @property
    def passes_policies(self) -> bool:
        return self.policies is not None and not self.policies.failed


class ProgramFailed(RuntimeError):
    """The stack's program raised while recording the stack as it is (exit code 3)."""


def changed_engine_config(stack: StackState, text: str) -> dict[str, object]:
    """The engine-form config of the stack file ``text``, read as the project reads it."""
    with tempfile.TemporaryDirectory(prefix="thrifty-rightsize-") as directory:
        copy = dataclasses.replace(stack.project, stack_config_dir=Path(directory))
        copy.stack_file(stack.stack).write_text(text, encoding="utf-8")
        return copy.stack_config(stack.stack)


def _plan(stack: StackState, config: dict[str, object]) -> Plan:
    overrides = {
        key: value for key, value in config.items() if stack.engine_config.get(key) != value
    }
    recording = record_stack(stack.project.root, stack.stack, config_overrides=overrides)
    return plan_recording(recording)


def estimate_as_is(stack: StackState) -> Range:
    """The stack's monthly (baseline, ceiling), as ``thrifty plan`` estimates it."""
    try:
        plan = _plan(stack, stack.engine_config)
    except (ProjectError, ConfigError, AnswersError):
        raise  # bad input (exit 2), as in thrifty plan
    except Exception as error:  # the program's own failure, reported like thrifty plan's
        raise ProgramFailed(
            f"the program of stack {stack.stack!r} failed: {type(error).__name__}: {error}"
        ) from error
    return add_cost_section(plan, stack.engine_config, CostOptions()).total


def what_if(
    stack: StackState, before: str, changes: Sequence[ConfigChange], *, policies: bool = False
) -> WhatIf:
    """The stack with ``changes`` applied to its file text ``before``."""
    text, _ = edit_text(before, changes, str(stack.stack_file))
    result = WhatIf(list(changes), text)
    try:
        config = changed_engine_config(stack, text)
        validate_environment_config(config, stack=stack.stack, project=stack.project.name)
    except ConfigError as error:
        result.problems = list(error.problems)
        return result
    except ProjectError as error:
        result.problems = [str(error)]
        return result
    try:
        plan = _plan(stack, config)
    except Exception as error:  # a program error under the change is reported, not raised
        result.error = f"the program failed with this change: {type(error).__name__}: {error}"
        return result
    result.cost = add_cost_section(plan, config, CostOptions()).total
    if policies:
        add_policy_section(plan, stack.project.root, PolicyOptions())
        result.policies = plan.sections[-1]
    return result


__all__ = ["ProgramFailed", "WhatIf", "changed_engine_config", "estimate_as_is", "what_if"]
