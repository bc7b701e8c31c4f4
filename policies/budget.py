"""budget-present: a stack that creates cloud resources has a budget scoped to its project.

The guide puts a monthly budget with 50/80/95 % alerts on every environment; a budget that is
not filtered to the project's spend alerts on somebody else's bill. Per cloud the stack uses,
one budget of that cloud must exist and name the project: AWS by a ``user:project$<project>``
tag filter or a filter expression on the ``project`` tag (alone or in an ``ands``), GCP by a
``project`` label filter or a project scope, Azure by a ``project`` tag filter, a resource-group
scope or a ``ResourceGroupName`` filter. The project comes from the config or, when unset, from the
cost tags the stack's resources carry (the most common ``project`` value).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pydantic import Field

from thrifty.policies.compute import cloud_of
from thrifty.policies.core import (
    Finding,
    NotCheckable,
    Resource,
    get_map,
    get_str,
    get_str_list,
    objects,
    violation,
)
from thrifty.policies.policy_config import PolicyConfig
from thrifty.policies.tagging import effective_tags, own_tag_path
from thrifty.tags import decode_label_value


def _aws_scoped(props: Mapping[str, Any], project: str) -> bool:
    wanted = (f"user:project${project}", f"project${project}")
    for _, item in objects(props, "costFilters"):
        if get_str(item, "name") == "TagKeyValue" and any(
            value in wanted for value in get_str_list(item, "values")
        ):
            return True
    expression = get_map(props, "filterExpression")
    return expression is not None and _aws_expression_scoped(expression, project)


def _aws_expression_scoped(node: Mapping[str, Any], project: str) -> bool:
    """A ``filterExpression`` on the project tag, alone or as one condition of an ``ands``."""
    tags = get_map(node, "tags")
    if tags is not None and get_str(tags, "key") in ("project", "user:project"):
        return project in get_str_list(tags, "values")
    return any(_aws_expression_scoped(item, project) for _, item in objects(node, "ands"))


def _gcp_scoped(props: Mapping[str, Any], project: str) -> bool:
    if get_str_list(props, "budgetFilter.projects"):
        return True
    labels = get_map(props, "budgetFilter.labels") or {}
    value = labels.get("project")
    return value == project or (isinstance(value, list) and project in value)


def _azure_tag_filter(node: Mapping[str, Any], project: str) -> bool:
    tags = get_map(node, "tags")
    if tags is not None and get_str(tags, "name") == "project":
        return project in get_str_list(tags, "values")
    return any(_azure_tag_filter(item, project) for _, item in objects(node, "and"))


def _azure_scoped(props: Mapping[str, Any], project: str) -> bool:
    if "/resourcegroups/" in (get_str(props, "scope") or "").lower():
        return True
    flt = get_map(props, "filter")
    return flt is not None and (_azure_tag_filter(flt, project) or _azure_group_filter(flt))


def _azure_group_filter(node: Mapping[str, Any]) -> bool:
    """Filtered to named resource groups (the environment's groups, as thrifty's budget is)."""
    dimension = get_map(node, "dimensions")
    if dimension is not None and get_str(dimension, "name") == "ResourceGroupName":
        return bool(get_str_list(dimension, "values"))
    return any(_azure_group_filter(item) for _, item in objects(node, "and"))


BUDGETS: dict[str, tuple[str, Callable[[Mapping[str, Any], str], bool]]] = {
    "aws:budgets/budget:Budget": ("aws", _aws_scoped),
    "gcp:billing/budget:Budget": ("gcp", _gcp_scoped),
    "azure-native:consumption:Budget": ("azure", _azure_scoped),
    "azure-native:costmanagement:Budget": ("azure", _azure_scoped),
}


#: How to scope a budget to the project, per cloud (the message says it).
_SCOPE_HINTS = {
    "aws": "add the cost filter TagKeyValue 'user:project${project}' (or filterExpression.tags "
    "key 'project', values ['{project}'])",
    "gcp": "set budgetFilter.projects, or budgetFilter.labels {{project: ['{project}']}}",
    "azure": "scope it to the resource group (or filter on ResourceGroupName), or filter on tag "
    "'project' in ['{project}']",
}


class BudgetConfig(PolicyConfig):
    """The project the budget must be scoped to (default: the resources' project tag)."""

    project: str | None = Field(default=None, description="The cost tag 'project' value.")


def _project_tag(resource: Resource) -> str | None:
    path = own_tag_path(resource.type)
    if path is None:
        return None
    value = effective_tags(resource, path).get("project")
    if not isinstance(value, str) or not value:
        return None
    return decode_label_value(value) if resource.package in ("gcp", "kubernetes") else value


def stack_project(resources: Sequence[Resource]) -> str | None:
    """The most common ``project`` cost tag among the resources (None when none is tagged)."""
    counts: Counter[str] = Counter()
    for resource in resources:
        try:
            project = _project_tag(resource)
        except (NotCheckable, ValueError):
            continue
        if project:
            counts[project] += 1
    return counts.most_common(1)[0][0] if counts else None


def check_budget_present(resources: Sequence[Resource], config: BudgetConfig) -> list[Finding]:
    """Clouds the stack uses that have no budget, or only budgets not scoped to the project.

    A budget whose scope cannot be judged yet (a resource group id that is unknown during
    preview) still counts as the cloud's budget: its scope is reported as not checkable (or
    unknown), never as a missing budget, and never as a pass.
    """
    findings: list[Finding] = []
    used = sorted({cloud for r in resources if r.type not in BUDGETS and (cloud := cloud_of(r))})
    project = config.project or stack_project(resources)
    budgets: dict[str, list[tuple[Resource, bool | None]]] = {cloud: [] for cloud in used}
    undecided: dict[str, list[Finding]] = {}
    for resource in resources:
        if resource.type not in BUDGETS:
            continue
        cloud, scoped = BUDGETS[resource.type]
        is_scoped: bool | None
        try:
            is_scoped = project is None or scoped(resource.props, project)
        except NotCheckable as problem:
            is_scoped = None
            undecided.setdefault(cloud, []).append(problem.finding(resource.urn))
        budgets.setdefault(cloud, []).append((resource, is_scoped))
    for cloud in used:
        found = budgets.get(cloud, [])
        if not found:
            findings.append(violation(f"the stack creates {cloud} resources but no {cloud} budget"))
        elif any(scoped is True for _, scoped in found):
            continue
        elif any(scoped is None for _, scoped in found):
            findings.extend(undecided.get(cloud, []))
        else:
            findings.extend(
                violation(
                    f"{budget.label} is not scoped to project {project!r}: "
                    f"{_SCOPE_HINTS[cloud].format(project=project)}",
                    budget.urn,
                )
                for budget, _ in found
            )
    return findings
