"""``thrifty plan``'s cost step: price the recorded stack with the estimator and judge the budget.

The estimator (:mod:`thrifty.cost`) prices wire-form inputs; this step hands it every recorded
resource with its provider's props (explicit provider or the default one from stack config, as
the policy step sends them), the usage file if any, and then adds to the plan:

- a cost section: totals (baseline and ceiling), a table by component and by resource, the
  chargeback totals by ``team`` and ``cost-center`` (the plan's effective tags, provider
  defaults included), the budget with its headroom, cost per prediction, and every resource the
  estimate could not price, with the reason;
- the JSON contract: ``cost`` at the top level, ``monthlyCost`` on each resource.

The section fails the plan (exit code 1) when the baseline exceeds the monthly budget, which
comes from ``--budget``, else from the budget resources the program creates
(:mod:`thrifty.cost.budget`), as in the pack's ``monthly-cost-within-budget`` gate.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from thrifty.cost import estimate, load_usage
from thrifty.cost.budget import StackBudget, stack_budget
from thrifty.cost.spec import CostInput, Estimate, Range, ResourceCost
from thrifty.cost.usage import Usage, UsageError
from thrifty.offline.analyzer_client import resource_specs
from thrifty.offline.plan import Plan, PlanSection
from thrifty.offline.recording import RecordedResource, Recording

CHARGEBACK_KEYS = ("team", "cost-center")
COST_SECTION = "Cost"


@dataclass(frozen=True)
class CostOptions:
    """What the user adds to the estimate: usage figures and a budget to hold it to."""

    usage_file: Path | None = None
    budget_monthly: float | None = None


def cost_inputs(
    recording: Recording, stack_config: Mapping[str, object] | None = None
) -> list[CostInput]:
    """The recorded resources as the estimator takes them, each with its provider's props
    (explicit provider, or the default one from ``stack_config``: the recording's own when
    None), exactly as the policy step sends them to the pack."""
    specs = resource_specs(recording, stack_config)
    return [
        CostInput(
            type=spec.type,
            name=spec.name,
            urn=spec.urn,
            props=spec.properties,
            parent=spec.parent,
            provider_props=spec.provider.properties if spec.provider else {},
            id=resource.resource_id,
            property_dependencies=resource.property_dependencies,
            provider=spec.provider.urn if spec.provider else "",
        )
        for spec, resource in zip(specs, recording.resources, strict=True)
    ]


def _money(value: float | None) -> str:
    return "-" if value is None else f"{value:,.2f}"


def _range_text(pair: Range) -> str:
    return f"{_money(pair[0])} .. {_money(pair[1])}"


def top_component(resource: RecordedResource, plan: Plan) -> RecordedResource | None:
    """The outermost ancestor under the stack (None: the resource sits directly under it)."""
    top: RecordedResource | None = None
    parent = plan.recording.get(resource.parent)
    while parent is not None:
        top = parent
        parent = plan.recording.get(parent.parent)
    return top


def by_component(plan: Plan, result: Estimate) -> list[tuple[str, Range]]:
    """Totals per top-level component (``(stack)`` for resources outside components)."""
    totals: dict[str, list[float]] = {}
    items = {item.urn: item for item in result.items}
    for resource in plan.resources:
        item = items.get(resource.urn)
        if item is None:
            continue
        component = top_component(resource, plan)
        label = f"{component.type} {component.name}" if component else "(stack)"
        pair = totals.setdefault(label, [0.0, 0.0])
        pair[0] += item.baseline or 0.0
        pair[1] += item.ceiling or 0.0
    ordered = sorted(totals.items(), key=lambda entry: (-entry[1][1], entry[0]))
    return [(label, (pair[0], pair[1])) for label, pair in ordered]


def _costs(pair: Range | Mapping[str, Any]) -> bool:
    """Whether a (baseline, ceiling) pair, or its JSON form, is more than zero."""
    values = (pair.get("baseline"), pair.get("ceiling")) if isinstance(pair, Mapping) else pair
    return any(value for value in values)


def _pair(item: ResourceCost) -> Range:
    return (item.baseline or 0.0, item.ceiling or 0.0)


def _item_line(item: ResourceCost) -> str:
    """One resource: its figures and derivation, and what is missing when not fully priced."""
    figures = _range_text(_pair(item))
    detail = "; ".join(line.description for line in item.lines)
    if item.status == "priced":
        return f"{item.type} {item.name}: {figures}  ({detail})"
    usage = f"needs usage ({', '.join(item.usage_keys)})" if item.usage_keys else ""
    if item.status == "needs-usage":
        return f"{item.type} {item.name}: {figures} fixed part; {usage}"
    if item.baseline is None and item.ceiling is None:
        return f"{item.type} {item.name}: {item.reason}"
    known = f" ({detail})" if detail else ""
    extra = f"; {usage}" if usage else ""
    return f"{item.type} {item.name}: at least {figures}{known}; {item.reason}{extra}"


def budget_document(budget: StackBudget | None, baseline: float, ceiling: float) -> dict[str, Any]:
    """The JSON ``cost.budget`` object (``monthly`` null when the stack has no budget)."""
    if budget is None:
        return {"monthly": None, "source": None, "headroom": None, "exceeded": False}
    return {
        "monthly": round(budget.monthly, 2),
        "source": budget.source,
        "headroom": {
            "baseline": round(budget.monthly - baseline, 2),
            "ceiling": round(budget.monthly - ceiling, 2),
        },
        "exceeded": baseline > budget.monthly,
        "ceilingExceeded": ceiling > budget.monthly,
    }


def _budget_lines(budget: StackBudget | None, total: Range) -> list[str]:
    if budget is None:
        return ["budget: none found (create a budget resource, or give --budget USD)"]
    headroom = budget.monthly - total[0]
    share = total[0] / budget.monthly * 100
    lines = [
        f"budget {_money(budget.monthly)}/month ({budget.source}): baseline uses {share:.0f} %, "
        f"headroom {_money(headroom)}"
    ]
    if total[0] > budget.monthly:
        lines.append(f"OVER BUDGET: baseline {_money(total[0])} > {_money(budget.monthly)}")
    elif total[1] > budget.monthly:
        lines.append(
            f"advisory: the ceiling {_money(total[1])} (every autoscaler at its maximum, 24x7) "
            f"exceeds the budget"
        )
    lines += [f"budget skipped: {skipped}" for skipped in budget.skipped]
    return lines


def cost_section(
    plan: Plan, result: Estimate, budget: StackBudget | None, usage_file: Path | None
) -> PlanSection:
    """The plan section: totals, tables, chargeback, budget and what was not priced."""
    total = result.total
    tags_of = _tags_of(plan)
    lines = [
        f"monthly total (USD, baseline .. ceiling): {_range_text(total)}; "
        f"{result.hours_per_month:g} h/month; usage file: {usage_file or 'none'}",
        *_budget_lines(budget, total),
    ]
    lines += [f"warning: {warning}" for warning in result.warnings]
    saving = result.commitment_saving
    if saving != (0.0, 0.0):
        lines.append(f"commitments save {_range_text(saving)} a month")
    per_prediction = result.cost_per_prediction
    if per_prediction is not None:
        lines.append(
            f"cost per prediction: {per_prediction[0]:.6f} .. {per_prediction[1]:.6f} USD "
            f"({result.predictions_per_month:,.0f} predictions/month)"
        )
    components = by_component(plan, result)
    costly = [(label, pair) for label, pair in components if _costs(pair)]
    lines.append("by component:" if costly else "by component: nothing priced")
    lines += [f"  {label}: {_range_text(pair)}" for label, pair in costly]
    for key in CHARGEBACK_KEYS:
        groups = result.by_tag(key, tags_of)
        shown = "; ".join(f"{v} {_range_text(p)}" for v, p in groups.items() if _costs(p))
        lines.append(f"by {key}: {shown or 'nothing priced'}")
    priced = sorted(
        (item for item in result.items if item.status != "free" and _costs(_pair(item))),
        key=lambda item: (-(item.ceiling or 0.0), item.type, item.name),
    )
    lines.append("by resource:" if priced else "by resource: nothing priced")
    lines += [f"  {_item_line(item)}" for item in priced]
    unpriced = result.unpriced
    if unpriced:
        lines.append(f"not fully priced ({len(unpriced)}):")
        lines += [f"  {_item_line(item)}" for item in unpriced]
    data = result.to_json(tags_of=tags_of, tag_keys=CHARGEBACK_KEYS)
    data["budget"] = budget_document(budget, *total)
    data["byComponent"] = {
        label: {"baseline": round(pair[0], 2), "ceiling": round(pair[1], 2)}
        for label, pair in components
    }
    over = budget is not None and total[0] > budget.monthly
    summary = f"cost {_money(total[0])} .. {_money(total[1])} USD/month"
    if budget is not None:
        summary += f" (budget {_money(budget.monthly)}{', OVER' if over else ''})"
    return PlanSection(
        title=COST_SECTION,
        lines=lines,
        data=data,
        failed=over,
        summary=summary,
        json_key="cost",
        markdown=markdown_lines(data, budget, result),
    )


def _md_row(*cells: str) -> str:
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def markdown_lines(
    data: Mapping[str, Any], budget: StackBudget | None, result: Estimate
) -> list[str]:
    """The cost section as a pull-request comment: totals, budget, and tables."""
    total = result.total
    lines = [f"**Monthly cost (USD):** {_money(total[0])} baseline, {_money(total[1])} ceiling"]
    lines += [f"- {line}" for line in _budget_lines(budget, total)]
    lines += ["", _md_row("component", "baseline", "ceiling"), _md_row("---", "---:", "---:")]
    lines += [
        _md_row(label, _money(pair["baseline"]), _money(pair["ceiling"]))
        for label, pair in data["byComponent"].items()
        if _costs(pair)
    ]
    for key, groups in data.get("byTag", {}).items():
        lines += ["", _md_row(key, "baseline", "ceiling"), _md_row("---", "---:", "---:")]
        lines += [
            _md_row(value, _money(pair["baseline"]), _money(pair["ceiling"]))
            for value, pair in groups.items()
            if _costs(pair)
        ]
    unpriced = result.unpriced
    if unpriced:
        lines += ["", f"<details><summary>Not fully priced ({len(unpriced)})</summary>", ""]
        lines += [f"- `{item.type}` {item.name}: {_unpriced_reason(item)}" for item in unpriced]
        lines += ["", "</details>"]
    return lines


def _unpriced_reason(item: ResourceCost) -> str:
    if item.status == "needs-usage":
        return f"needs usage ({', '.join(item.usage_keys)})"
    return item.reason


def _tags_of(plan: Plan) -> Callable[[str], Mapping[str, str]]:
    """Each resource's effective tags (provider defaults included), for chargeback."""

    def tags_of(urn: str) -> Mapping[str, str]:
        status = plan.statuses.get(urn)
        return status.effective if status is not None else {}

    return tags_of


def check_usage_names(path: Path, usage: Usage, inputs: list[CostInput]) -> None:
    """A usage entry that names no resource is a typo: stop, naming it and the closest names."""
    names = {item.name for item in inputs} | {item.urn for item in inputs}
    problems = []
    for key in usage.resources:
        if key not in names:
            close = difflib.get_close_matches(key, sorted(names), n=3)
            hint = f"; did you mean {', '.join(repr(name) for name in close)}?" if close else ""
            problems.append(f"resources.{key}: matches no resource of the stack{hint}")
    if problems:
        raise UsageError(f"{path}: " + "; ".join(problems))


def add_cost_section(
    plan: Plan, stack_config: Mapping[str, object], options: CostOptions
) -> Estimate:
    """Estimate the plan's resources and append the cost section to the plan."""
    usage = load_usage(options.usage_file) if options.usage_file else None
    inputs = cost_inputs(plan.recording, stack_config)
    if usage is not None and options.usage_file is not None:
        check_usage_names(options.usage_file, usage, inputs)
    result = estimate(inputs, usage=usage)
    # Registration order follows asyncio scheduling: sort so two plans print the same report.
    result.items.sort(key=lambda item: (item.type, item.name, item.urn))
    budget = stack_budget(inputs, options.budget_monthly, "--budget")
    section = cost_section(plan, result, budget, options.usage_file)
    plan.sections.append(section)
    for urn, entry in section.data["resources"].items():
        plan.annotations.setdefault(urn, {})["monthlyCost"] = entry["monthlyCost"]
    return result
