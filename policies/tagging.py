"""The cost tags, checked where the bill sees them: ``required-tags`` and
``cost-tags-reach-instances``.

Which resources need the tags is :mod:`thrifty.billable`'s rule (the billed ones, unless the
config widens or narrows it); where their tags must be is :mod:`thrifty.bill_tags`' table; the
reading itself (provider defaults, nested labels, propagating list entries, unknown and
malformed values) is :mod:`thrifty.tag_reader`, the reader ``thrifty plan`` uses too, so the
plan's tree and the pack cannot disagree.

- ``required-tags`` judges every billed part whose tags are on the resource itself (own tags,
  ``nodeConfig.resourceLabels``, ``settings.userLabels``, an Auto Scaling group's propagating
  tags, each AKS agent pool profile) and remediates missing keys from ``defaults``.
- ``cost-tags-reach-instances`` (a stack rule) judges the parts whose tags come from another
  resource of the stack: an EKS node group's instances and volumes from its launch template, an
  Auto Scaling group's instances from its launch template, a GKE node pool's nodes from its
  cluster, a managed instance group's VMs from its instance template.

Values are checked with the tag standard's own model (:class:`thrifty.tags.CostTags`) after
undoing the GCP / Kubernetes label escaping, so the pack and the renderers cannot disagree.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import Field, ValidationError

from thrifty.bill_tags import own_route
from thrifty.billable import Scope
from thrifty.policies.core import (
    Finding,
    FindingKind,
    NotCheckable,
    Resource,
    lookup,
    unknown,
    violation,
)
from thrifty.policies.policy_config import Environment, PolicyConfig
from thrifty.preview import is_unknown
from thrifty.tag_reader import PartTags, ResourceTags, Stack, read_resource_tags, read_route
from thrifty.tags import (
    COST_TAG_KEYS,
    CostTags,
    TagRenderError,
    decode_label_value,
    render_gcp,
    render_kubernetes,
)


class CostTagsConfig(PolicyConfig):
    """Which keys are required, on which resources, and what they may hold."""

    required_keys: list[str] = Field(
        default=list(COST_TAG_KEYS), description="Keys every resource in scope must carry."
    )
    expected_environment: Environment | None = Field(
        default=None, description="When set, the environment tag must have this value."
    )
    scope: Scope = Field(
        default="cost-bearing",
        description="cost-bearing: resources the bill charges for (thrifty.billable lists what "
        "is free and why); all-taggable: every resource that can carry tags.",
    )
    include_types: list[str] = Field(
        default=[], description="Type tokens (shell patterns) that need the tags in any scope."
    )
    exempt_types: list[str] = Field(
        default=[], description="Type tokens (shell patterns) this rule skips."
    )


class RequiredTagsConfig(CostTagsConfig):
    """:class:`CostTagsConfig` plus the values remediation fills in."""

    defaults: dict[str, str] = Field(
        default={}, description="Values remediation adds for missing keys (unrendered)."
    )


_ESCAPED_PACKAGES = frozenset({"gcp", "kubernetes"})
_VALID_PLACEHOLDERS = {
    "project": "project",
    "environment": "development",
    "team": "team",
    "cost-center": "cost-center",
    "owner": "owner@company.com",
}


def _read(resource: Resource, config: CostTagsConfig, stack: Stack | None) -> ResourceTags | None:
    return read_resource_tags(
        resource,
        stack=stack,
        scope=config.scope,
        include_types=config.include_types,
        exempt_types=config.exempt_types,
    )


#: How an owner's e-mail address is written where labels cannot hold it as it is.
_ESCAPE_HINTS = {
    "gcp": " (GCP labels cannot hold '@' or '.': write ml-team@company.com as "
    "ml-team_at_company_dot_com, as thrifty.tags.render_gcp does)",
    "kubernetes": " (Kubernetes labels cannot hold '@': write ml-team@company.com as "
    "ml-team_at_company.com, as thrifty.tags.render_kubernetes does)",
}


def _render(package: str, key: str, value: str) -> str:
    if package == "gcp":
        return render_gcp({key: value})[key]
    if package == "kubernetes":
        return render_kubernetes({key: value})[key]
    return value


def _value_problems(package: str, values: Mapping[str, str]) -> dict[str, str]:
    """Problems with present standard-key values, judged by the tag standard's model.

    GCP and Kubernetes values are escaped renderings: they must decode, and re-rendering the
    decoded value must give the same text (so a raw ``@`` in a GCP label is caught).
    A stack repeats the same few tag sets on every resource, and the model's e-mail check is
    the slowest step of the pack, so answers are remembered per (package, values).
    """
    try:
        return dict(_remembered_problems(package, tuple(values.items())))
    except TypeError:  # a value that cannot be a cache key (a list, a map): judge it afresh
        return _judged_problems(package, values)


@functools.lru_cache(maxsize=1024)
def _remembered_problems(package: str, items: tuple[tuple[str, str], ...]) -> dict[str, str]:
    return _judged_problems(package, dict(items))


def _judged_problems(package: str, values: Mapping[str, str]) -> dict[str, str]:
    problems: dict[str, str] = {}
    candidate = dict(_VALID_PLACEHOLDERS)
    for key, value in values.items():
        decoded = value
        if package in _ESCAPED_PACKAGES:
            try:
                decoded = decode_label_value(value)
                rendered = _render(package, key, decoded)
            except (ValueError, TagRenderError) as error:
                problems[key] = str(error)
                continue
            if rendered != value:
                problems[key] = f"not a valid {package} label value (expected {rendered!r})"
                continue
        candidate[key] = decoded
    try:
        CostTags.model_validate(candidate)
    except ValidationError as error:
        for detail in error.errors():
            key = str(detail["loc"][0]).replace("_", "-") if detail["loc"] else ""
            if key in values and key not in problems:
                problems[key] = str(detail["msg"])
    return problems


def judge_part(
    resource: Resource, part: PartTags, config: CostTagsConfig, *, named: bool
) -> list[Finding]:
    """Findings about one billed part: missing, unknown, malformed and invalid cost tags.

    Every message names the resource (and the part, when it has several) and says where the
    tags go, as a wire path.
    """
    label = f"{resource.label} ({part.what})" if named else resource.label
    urn = resource.urn
    findings = [
        Finding(f"{label}: {problem}", FindingKind.NOT_CHECKABLE, urn) for problem in part.problems
    ]
    findings += [unknown(f"{label}: {reason}", urn) for reason in part.unknown]
    missing = part.missing(config.required_keys)
    if missing:
        why = f" ({part.unreachable})" if part.unreachable else ""
        findings.append(
            violation(
                f"{label} is missing cost tags: {', '.join(missing)}{why}; put them in {part.hint}",
                urn,
            )
        )
    values: dict[str, str] = {}
    for key in config.required_keys:
        value = part.value(key)
        if is_unknown(value):
            findings.append(unknown(f"{label}: tag {key!r} is unknown during preview", urn))
        elif value is not None and not isinstance(value, str):
            findings.append(violation(f"{label}: tag {key!r} should be text, got {value!r}", urn))
        elif isinstance(value, str) and value and key in COST_TAG_KEYS:
            values[key] = value
    for key, problem in _value_problems(resource.package, values).items():
        hint = _ESCAPE_HINTS.get(resource.package, "") if key == "owner" else ""
        findings.append(
            violation(f"{label}: tag {key!r} = {values[key]!r} is not valid: {problem}{hint}", urn)
        )
    expected = config.expected_environment
    if expected and values.get("environment") not in (None, expected):
        findings.append(
            violation(
                f"{label}: tag 'environment' is {values['environment']!r}, this stack is "
                f"{expected!r}",
                urn,
            )
        )
    return findings


def _judge(
    resource: Resource, read: ResourceTags | None, config: CostTagsConfig, *, stack_level: bool
) -> list[Finding]:
    if read is None or not read.needed:
        return []
    named = len(read.parts) > 1
    return [
        finding
        for part in read.parts
        if part.from_stack == stack_level
        for finding in judge_part(resource, part, config, named=named)
    ]


def check_required_tags(resource: Resource, config: CostTagsConfig) -> list[Finding]:
    """Missing or invalid cost tags where the bill sees them, on the resource's own props."""
    return _judge(resource, _read(resource, config, None), config, stack_level=False)


def check_cost_tags_reach_instances(
    resources: Sequence[Resource], config: CostTagsConfig
) -> list[Finding]:
    """Missing or invalid cost tags on what a resource launches from another resource of the
    stack (a launch template, a cluster, an instance template)."""
    stack = Stack(resources)
    return [
        finding
        for resource in resources
        for finding in _judge(resource, _read(resource, config, stack), config, stack_level=True)
    ]


def remediate_required_tags(
    resource: Resource, config: RequiredTagsConfig
) -> dict[str, Any] | None:
    """A patch ``{tag path: tags}`` adding the missing keys the config has defaults for.

    Only parts whose tags live at a plain path of the resource itself are patched; an Auto
    Scaling group's list gets entries that propagate at launch.
    """
    if not config.defaults:
        return None
    read = _read(resource, config, None)
    if read is None or not read.needed:
        return None
    patch: dict[str, Any] = {}
    for part in read.parts:
        if part.from_stack or not part.target or part.problems or part.target in patch:
            continue
        additions = _additions(resource.package, part, config)
        if additions:
            patch[part.target] = _patched(resource.props, part.target, additions)
    return patch or None


def _additions(package: str, part: PartTags, config: RequiredTagsConfig) -> dict[str, str]:
    additions: dict[str, str] = {}
    for key in part.missing(config.required_keys):
        if key in config.defaults:
            try:
                additions[key] = _render(package, key, config.defaults[key])
            except TagRenderError:
                continue
    return additions


def _patched(props: Mapping[str, Any], path: str, additions: Mapping[str, str]) -> Any:
    own = lookup(props, path)
    if isinstance(own, list):
        return copy.deepcopy(own) + [
            {"key": key, "value": value, "propagateAtLaunch": True}
            for key, value in additions.items()
        ]
    base = dict(own) if isinstance(own, Mapping) else {}
    return {**base, **additions}


# --- For other rules: a resource's own tags --------------------------------------------------


def own_tag_path(type_token: str) -> str | None:
    """The dotted wire path of a type's own tags (None: the type cannot carry tags)."""
    route = own_route(type_token)
    return route.parts[0].locations[0].path if route else None


def effective_tags(resource: Resource, own_path: str) -> dict[str, object]:
    """The tags at ``own_path`` (:func:`own_tag_path`'s answer) merged over the provider's
    default tags where they reach, plus what the provider computed. Raises
    :class:`NotCheckable` when they cannot be read or are unknown during preview."""
    route = own_route(resource.type)
    if route is None or route.parts[0].locations[0].path != own_path:
        raise NotCheckable(f"{resource.type} keeps no tags at {own_path}")
    (part,) = read_route(route, resource)
    if part.problems:
        raise NotCheckable(part.problems[0])
    if part.unknown:
        raise NotCheckable(part.unknown[0], unknown=True)
    return part.values
