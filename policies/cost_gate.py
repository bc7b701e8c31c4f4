"""The budget gate: the stack's estimated monthly cost stays within its monthly budget.

Two stack policies share one rule: ``monthly-cost-within-budget`` judges the **baseline**
(minimum sizes, schedules applied) and is mandatory, so a pull request whose steady cost would
exceed the budget fails its preview; ``monthly-cost-ceiling-within-budget`` judges the
**ceiling** (every autoscaler at its maximum, 24x7) and is advisory, a warning that a busy
month could overrun. Both run the same estimator as ``thrifty plan`` (:mod:`thrifty.cost`) over
the resources the engine sends, so the figures agree.

The budget is, in order: the policy config's ``monthlyBudgetUsd``; the ``THRIFTY_BUDGET_USD``
environment variable (``thrifty plan --budget`` sets it for the pack it starts); the monthly
budget the stack's own budget resources set (:mod:`thrifty.cost.budget`). With none of them, the
rule has nothing to judge and passes; ``budget-present`` is the rule that asks for a budget.
Usage figures (stored GB, requests) come from the file named by ``usageFile`` or
``THRIFTY_USAGE`` (``thrifty plan --usage`` sets it).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from thrifty.policies.core import Finding, NotCheckable, Resource, violation
from thrifty.policies.policy_config import PolicyConfig

if TYPE_CHECKING:  # the estimator loads on the first AnalyzeStack, not at the pack's start
    from thrifty.cost.spec import CostInput, Estimate, ResourceCost
    from thrifty.cost.usage import Usage

BUDGET_ENVIRONMENT = "THRIFTY_BUDGET_USD"
USAGE_ENVIRONMENT = "THRIFTY_USAGE"
#: How many of the most expensive resources a finding names.
TOP_RESOURCES = 5


class CostBudgetConfig(PolicyConfig):
    """Where the budget and the usage figures come from (both optional)."""

    monthly_budget_usd: float | None = Field(
        default=None, gt=0, description="Monthly budget in USD (default: the stack's budgets)."
    )
    usage_file: str | None = Field(
        default=None, description="Usage file (YAML) for usage-priced resources."
    )


def cost_input(resource: Resource) -> CostInput:
    """A policy resource as the estimator takes it."""
    from thrifty.cost.spec import CostInput

    return CostInput(
        type=resource.type,
        name=resource.name,
        urn=resource.urn,
        props=resource.props,
        parent=resource.parent,
        provider_props=resource.provider_props,
        property_dependencies=resource.property_dependencies,
    )


def _usage(config: CostBudgetConfig) -> Usage | None:
    path = config.usage_file or os.environ.get(USAGE_ENVIRONMENT)
    if not path:
        return None
    from thrifty.cost.usage import load_usage  # with the estimator: not at the pack's start

    try:
        return load_usage(Path(path))
    except (OSError, ValueError) as error:
        raise NotCheckable(f"usage file {path}: {error}") from None


def _configured_budget(config: CostBudgetConfig) -> tuple[float | None, str]:
    """The configured monthly budget (None: the stack's own), and where it was set."""
    if config.monthly_budget_usd is not None:
        return config.monthly_budget_usd, "policy config monthlyBudgetUsd"
    raw = os.environ.get(BUDGET_ENVIRONMENT)
    if not raw:
        return None, ""
    try:
        value = float(raw)
    except ValueError:
        raise NotCheckable(f"{BUDGET_ENVIRONMENT}={raw!r} is not a number of USD") from None
    if value <= 0:
        raise NotCheckable(f"{BUDGET_ENVIRONMENT}={raw!r} must be above 0")
    return value, f"{BUDGET_ENVIRONMENT} (thrifty plan --budget)"


def _breakdown(result: Estimate, figure: Literal["baseline", "ceiling"]) -> str:
    def amount(item: ResourceCost) -> float:
        value = item.baseline if figure == "baseline" else item.ceiling
        return value or 0.0

    top = sorted(result.items, key=lambda item: (-amount(item), item.name))[:TOP_RESOURCES]
    shown = ", ".join(f"{item.name} {amount(item):,.2f}" for item in top if amount(item) > 0)
    unpriced = len(result.unpriced)
    tail = f"; {unpriced} resources not fully priced (run thrifty plan for the list)"
    return f"largest: {shown}" + (tail if unpriced else "")


#: The last stack estimated: its resources (by identity), the usage file, the estimate.
_last: tuple[Sequence[Resource], str | None, Estimate] | None = None


def _estimate(
    resources: Sequence[Resource], inputs: list[CostInput], config: CostBudgetConfig
) -> Estimate:
    """The stack's estimate, once per stack: the baseline and the ceiling policies judge the
    same stack, and thrifty's server hands both the same tuple of read-only resources (only a
    tuple is remembered: a list could change between the two calls)."""
    global _last
    usage_file = config.usage_file or os.environ.get(USAGE_ENVIRONMENT)
    last = _last  # one read: gRPC worker threads may replace it meanwhile
    if last is not None and last[0] is resources and last[1] == usage_file:
        return last[2]
    # The estimator (every cloud's pricing rules) loads on first use, not at the pack's start.
    from thrifty.cost.engine import estimate

    result = estimate(inputs, usage=_usage(config))
    if isinstance(resources, tuple):
        _last = (resources, usage_file, result)
    return result


def check_cost_within_budget(
    resources: Sequence[Resource],
    config: CostBudgetConfig,
    figure: Literal["baseline", "ceiling"] = "baseline",
) -> list[Finding]:
    """A finding when the stack's estimated ``figure`` exceeds its monthly budget."""
    from thrifty.cost.budget import stack_budget

    inputs = [cost_input(resource) for resource in resources]
    budget = stack_budget(inputs, *_configured_budget(config))
    if budget is None:
        return []  # nothing to hold the estimate to; budget-present reports the missing budget
    result = _estimate(resources, inputs, config)
    baseline, ceiling = result.total
    amount = baseline if figure == "baseline" else ceiling
    if amount <= budget.monthly:
        return []
    what = (
        "baseline (minimum sizes, schedules applied)"
        if figure == "baseline"
        else "ceiling (every autoscaler at its maximum, 24x7)"
    )
    return [
        violation(
            f"estimated monthly {what} {amount:,.2f} USD exceeds the budget "
            f"{budget.monthly:,.2f} USD ({budget.source}) by {amount - budget.monthly:,.2f}; "
            f"{_breakdown(result, figure)}"
        )
    ]


def check_ceiling_within_budget(
    resources: Sequence[Resource], config: CostBudgetConfig
) -> list[Finding]:
    """The same rule on the ceiling figure (the advisory policy)."""
    return check_cost_within_budget(resources, config, "ceiling")
