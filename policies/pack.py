"""The thrifty-guard pack: every rule, wrapped, with its name, description and default level.

Defaults suit production (mandatory) except where the guide advises rather than requires
(spot capacity, region affinity). Each environment's ``config/<stack>.json`` sets caps and
levels; users can assemble their own pack from :func:`all_policies` or from the rule functions.
"""

from __future__ import annotations

from pulumi_policy import EnforcementLevel, Policy, Severity

from thrifty.policies.budget import BudgetConfig, check_budget_present
from thrifty.policies.cost_gate import (
    CostBudgetConfig,
    check_ceiling_within_budget,
    check_cost_within_budget,
)
from thrifty.policies.exposure import ExposureConfig, check_public_or_unencrypted_storage
from thrifty.policies.lifecycle import LifecycleConfig, check_storage_lifecycle
from thrifty.policies.policy_config import EmptyConfig
from thrifty.policies.regions import RegionConfig, check_region_affinity
from thrifty.policies.sizing import (
    ClusterNodeCountConfig,
    DiskSizeConfig,
    NodeCountConfig,
    OversizedConfig,
    check_cluster_node_count,
    check_disk_size,
    check_node_count,
    check_oversized_instances,
    check_unknown_instance_types,
)
from thrifty.policies.spot import (
    SpotConfig,
    SpotDiversityConfig,
    check_spot_diversity,
    check_spot_for_non_production,
)
from thrifty.policies.tagging import (
    CostTagsConfig,
    RequiredTagsConfig,
    check_cost_tags_reach_instances,
    check_required_tags,
    remediate_required_tags,
)
from thrifty.policies.workloads import ContainerResourcesConfig, check_container_resources
from thrifty.policies.wrap import resource_policy, stack_policy

PACK_NAME = "thrifty-guard"
PACK_DESCRIPTION = "Untagged, oversized and wasteful cloud resources, caught in preview."

MANDATORY = EnforcementLevel.MANDATORY
ADVISORY = EnforcementLevel.ADVISORY


def all_policies() -> list[Policy]:
    """Every thrifty rule as a pulumi_policy policy, in the order the README lists them."""
    return [
        resource_policy(
            name="required-tags",
            description="Billed resources carry the five cost tags, with valid values, where "
            "the bill sees them.",
            check=check_required_tags,
            remediate=remediate_required_tags,
            config=RequiredTagsConfig,
            enforcement_level=MANDATORY,
            severity=Severity.HIGH,
            remediation_steps="Tag with project, environment, team, cost-center and owner "
            "(thrifty.tags.CostTags renders them per cloud) at the path the message names, or "
            "set the provider's default tags where they reach.",
        ),
        stack_policy(
            name="cost-tags-reach-instances",
            description="Instances and nodes launched from another resource (an EKS node "
            "group's or Auto Scaling group's launch template, a GKE node pool's cluster, an "
            "instance group's template) get the five cost tags from it.",
            check=check_cost_tags_reach_instances,
            config=CostTagsConfig,
            enforcement_level=MANDATORY,
            severity=Severity.HIGH,
            remediation_steps="Put the cost tags where the message says: the launch "
            "template's tagSpecifications for 'instance' and 'volume', the node pool's "
            "nodeConfig.resourceLabels or the cluster's resourceLabels, the instance "
            "template's labels.",
        ),
        resource_policy(
            name="oversized-instances",
            description="Instance types stay within the environment's vCPU, memory and GPU caps.",
            check=check_oversized_instances,
            config=OversizedConfig,
            enforcement_level=MANDATORY,
            severity=Severity.HIGH,
        ),
        resource_policy(
            name="unknown-instance-types",
            description="Instance types are in thrifty's catalog, so their size and price can "
            "be checked.",
            check=check_unknown_instance_types,
            config=EmptyConfig,
            enforcement_level=MANDATORY,
            severity=Severity.MEDIUM,
            remediation_steps="Add the type to a catalog file named by THRIFTY_CATALOG (the "
            "message holds a ready-to-paste entry), or set this policy to advisory, or to "
            "disabled to ignore unknown types.",
        ),
        resource_policy(
            name="node-count-caps",
            description="Node pools may not grow past the per-pool node cap.",
            check=check_node_count,
            config=NodeCountConfig,
            enforcement_level=MANDATORY,
            severity=Severity.MEDIUM,
        ),
        stack_policy(
            name="cluster-node-caps",
            description="The node pools of one cluster may not grow past the per-cluster cap.",
            check=check_cluster_node_count,
            config=ClusterNodeCountConfig,
            enforcement_level=MANDATORY,
            severity=Severity.MEDIUM,
        ),
        resource_policy(
            name="disk-size-caps",
            description="Volumes and node disks stay within the disk size cap.",
            check=check_disk_size,
            config=DiskSizeConfig,
            enforcement_level=MANDATORY,
            severity=Severity.MEDIUM,
        ),
        resource_policy(
            name="container-resources",
            description="Kubernetes containers set requests and limits within caps; "
            "autoscalers stay within a replica cap.",
            check=check_container_resources,
            config=ContainerResourcesConfig,
            enforcement_level=MANDATORY,
            severity=Severity.MEDIUM,
        ),
        stack_policy(
            name="storage-lifecycle",
            description="Buckets have lifecycle rules; versioned buckets expire old versions.",
            check=check_storage_lifecycle,
            config=LifecycleConfig,
            enforcement_level=MANDATORY,
            severity=Severity.MEDIUM,
        ),
        resource_policy(
            name="spot-for-non-production",
            description="Node pools outside production run on spot capacity.",
            check=check_spot_for_non_production,
            config=SpotConfig,
            enforcement_level=ADVISORY,
            severity=Severity.LOW,
        ),
        resource_policy(
            name="spot-diversity",
            description="Spot node pools can use at least three instance types.",
            check=check_spot_diversity,
            config=SpotDiversityConfig,
            enforcement_level=ADVISORY,
            severity=Severity.LOW,
        ),
        resource_policy(
            name="public-or-unencrypted-storage",
            description="Storage is neither public nor unencrypted.",
            check=check_public_or_unencrypted_storage,
            config=ExposureConfig,
            enforcement_level=MANDATORY,
            severity=Severity.CRITICAL,
        ),
        stack_policy(
            name="budget-present",
            description="A stack with cloud resources has a budget scoped to its project.",
            check=check_budget_present,
            config=BudgetConfig,
            enforcement_level=MANDATORY,
            severity=Severity.HIGH,
        ),
        stack_policy(
            name="region-affinity",
            description="Storage and compute of a stack stay in one region unless allowed.",
            check=check_region_affinity,
            config=RegionConfig,
            enforcement_level=ADVISORY,
            severity=Severity.LOW,
        ),
        stack_policy(
            name="monthly-cost-within-budget",
            description="The estimated monthly baseline cost stays within the monthly budget.",
            check=check_cost_within_budget,
            config=CostBudgetConfig,
            enforcement_level=MANDATORY,
            severity=Severity.HIGH,
            remediation_steps="Run 'thrifty plan' for the cost breakdown; lower pool minimums, "
            "use spot or smaller types, or raise the budget.",
        ),
        stack_policy(
            name="monthly-cost-ceiling-within-budget",
            description="The estimated monthly ceiling (autoscalers at maximum) stays within "
            "the monthly budget.",
            check=check_ceiling_within_budget,
            config=CostBudgetConfig,
            enforcement_level=ADVISORY,
            severity=Severity.LOW,
        ),
    ]
