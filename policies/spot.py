"""spot-for-non-production and spot-diversity.

Outside production, node pools should run on spot capacity (the guide: "Use spot instances for
non-critical development tasks"). Spot capacity is reclaimed per instance type, so a spot pool
that can use only one or two types is drained all at once when that type runs short; AWS
recommends diversifying across several. GKE and AKS pools have exactly one machine type each
(diversify with several pools there), so spot-diversity judges AWS pools only.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import Field

from thrifty.policies.compute import node_groups
from thrifty.policies.core import Finding, NotCheckable, Resource, violation
from thrifty.policies.policy_config import Environment, PolicyConfig
from thrifty.policies.tagging import effective_tags, own_tag_path
from thrifty.tags import decode_label_value

#: The label thrifty's cluster components put on the small on-demand system pool.
SYSTEM_POOL_LABELS = {"thrifty.io/role": "system"}


class SpotConfig(PolicyConfig):
    """Which environment the stack is; empty means "read the resource's environment tag"."""

    environment: Environment | None = Field(
        default=None, description="The stack's environment; default: the environment tag."
    )
    exempt_node_labels: dict[str, str] = Field(
        default_factory=lambda: dict(SYSTEM_POOL_LABELS),
        description="Pools whose node labels include any of these key/value pairs may stay "
        "on-demand: the small system pool for add-ons that must not be interrupted.",
    )


def _environment(resource: Resource, config: SpotConfig) -> str:
    if config.environment:
        return config.environment
    path = own_tag_path(resource.type)
    value = effective_tags(resource, path).get("environment") if path else None
    if not isinstance(value, str) or not value:
        raise NotCheckable(
            "the environment is neither configured (environment) nor tagged on the resource"
        )
    return decode_label_value(value) if resource.package in ("gcp", "kubernetes") else value


def _exempt(labels: Mapping[str, str], exempt: Mapping[str, str]) -> bool:
    return any(labels.get(key) == value for key, value in exempt.items())


def check_spot_for_non_production(resource: Resource, config: SpotConfig) -> list[Finding]:
    """Non-production node pools that are not spot. AKS system pools cannot be spot, and pools
    labelled as the system pool (``exemptNodeLabels``) are meant to be on-demand: both skipped."""
    groups = [group for group in node_groups(resource) if group.pool]
    for group in groups:
        group.need("spot", "system", "labels")
    groups = [
        group
        for group in groups
        if not group.system and not _exempt(group.labels, config.exempt_node_labels)
    ]
    if not groups or all(group.spot for group in groups):
        return []
    environment = _environment(resource, config)
    if environment == "production":
        return []
    return [
        violation(f"node pool{group.where} is on-demand in {environment}; use spot capacity")
        for group in groups
        if not group.spot
    ]


class SpotDiversityConfig(PolicyConfig):
    """How many instance types a spot pool must be able to use."""

    min_instance_types: int = Field(default=3, ge=1, le=20)


def check_spot_diversity(resource: Resource, config: SpotDiversityConfig) -> list[Finding]:
    """AWS spot pools listing fewer instance types than the minimum."""
    findings: list[Finding] = []
    for group in node_groups(resource):
        if not group.pool or group.cloud != "aws":
            continue
        group.need("spot", "instance_types")
        count = len(set(group.instance_types))
        if group.spot and count < config.min_instance_types:
            listed = (
                f"lists {count} instance type(s)"
                if count
                else "lists no instance type of its own (it launches its launch template's one)"
            )
            findings.append(
                violation(
                    f"spot node pool{group.where} {listed}; list at least "
                    f"{config.min_instance_types} so one type's shortage does not drain it"
                )
            )
    return findings
