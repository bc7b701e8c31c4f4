"""thrifty's CrossGuard policies: pure rule functions over resource props, and the pack.

Every rule is a function ``check_*(resource, config) -> list[Finding]`` (or over a list of
resources for stack rules) that imports no provider SDK; :func:`all_policies` wraps them as
pulumi_policy policies. Build your own pack from either level::

    from pulumi_policy import PolicyPack
    from thrifty.policies import all_policies
    PolicyPack("my-pack", [p for p in all_policies() if p.name != "region-affinity"])
"""

from thrifty.policies.budget import check_budget_present
from thrifty.policies.core import Finding, FindingKind, NotCheckable, Resource
from thrifty.policies.exposure import check_public_or_unencrypted_storage
from thrifty.policies.lifecycle import check_storage_lifecycle
from thrifty.policies.pack import PACK_NAME, all_policies
from thrifty.policies.regions import check_region_affinity
from thrifty.policies.sizing import (
    check_cluster_node_count,
    check_disk_size,
    check_node_count,
    check_oversized_instances,
    check_unknown_instance_types,
)
from thrifty.policies.spot import check_spot_diversity, check_spot_for_non_production
from thrifty.policies.tagging import check_required_tags, remediate_required_tags
from thrifty.policies.workloads import check_container_resources
from thrifty.policies.wrap import resource_policy, stack_policy

__all__ = [
    "PACK_NAME",
    "Finding",
    "FindingKind",
    "NotCheckable",
    "Resource",
    "all_policies",
    "check_budget_present",
    "check_cluster_node_count",
    "check_container_resources",
    "check_disk_size",
    "check_node_count",
    "check_oversized_instances",
    "check_public_or_unencrypted_storage",
    "check_region_affinity",
    "check_required_tags",
    "check_spot_diversity",
    "check_spot_for_non_production",
    "check_storage_lifecycle",
    "check_unknown_instance_types",
    "remediate_required_tags",
    "resource_policy",
    "stack_policy",
]
