"""Size caps: oversized-instances, node-count-caps, cluster-node-caps and disk-size-caps.

Instance sizes come from the pricing catalog (:mod:`thrifty.cost.catalog`), the same one the cost
estimate uses. GCP custom machine types (``n2-custom-8-32768``) carry their shape in the name and
are read from it.

A type the catalog does not know is never passed: ``unknown-instance-types`` reports it, with a
ready-to-paste catalog entry, at the level the user configures for that policy (advisory,
mandatory, or disabled to ignore). It is a policy of its own because pulumi_policy reports every
finding of a policy at that policy's one level; ``oversized-instances`` therefore judges only the
types whose size is known. A pack built from these functions needs both.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import Field

from thrifty.policies.compute import NodeGroup, cloud_of, disks, node_groups
from thrifty.policies.core import Finding, Resource, collecting, violation
from thrifty.policies.policy_config import DEFAULT_CAPS, EmptyConfig, PolicyConfig


@dataclass(frozen=True)
class Shape:
    """What a machine type offers."""

    vcpus: float
    memory_gib: float
    gpus: int


_GCP_CUSTOM = re.compile(r"^(?:[a-z0-9]+-)?custom-(\d+)-(\d+)(?:-ext)?$")


def instance_shape(cloud: str, name: str) -> Shape | None:
    """The shape of an instance type, or None when neither the catalog nor its name tells."""
    if cloud == "gcp":
        custom = _GCP_CUSTOM.match(name)
        if custom:
            return Shape(int(custom.group(1)), int(custom.group(2)) / 1024, 0)
    if cloud not in ("aws", "gcp", "azure"):
        return None
    from thrifty.cost import catalog  # its models load on the first lookup, not at the start

    known = catalog.instance_type(cloud, name)  # type: ignore[arg-type]
    if known is None:
        return None
    return Shape(known.vcpus, known.memory_gib, known.gpus)


class OversizedConfig(PolicyConfig):
    """The environment's machine caps (names as in ``thrifty:caps``) and an optional allow-list."""

    max_node_vcpus: int = Field(default=DEFAULT_CAPS.max_node_vcpus, ge=1)
    max_node_memory_gib: float = Field(default=DEFAULT_CAPS.max_node_memory_gib, gt=0)
    allow_gpu: bool = Field(default=DEFAULT_CAPS.allow_gpu)
    allowed_instance_types: list[str] = Field(
        default=[], description="When not empty, only these types may be used."
    )


def _check_type(cloud: str, name: str, group: NodeGroup, config: OversizedConfig) -> list[Finding]:
    where = group.where
    allowed = config.allowed_instance_types
    if allowed and name not in allowed:
        return [violation(f"instance type {name!r}{where} is not on the allow-list")]
    shape = instance_shape(cloud, name)
    if shape is None:
        return []  # unknown-instance-types reports it, at its own level
    findings: list[Finding] = []
    if shape.vcpus > config.max_node_vcpus:
        findings.append(
            violation(
                f"instance type {name!r}{where} has {shape.vcpus:g} vCPUs; "
                f"this environment allows at most {config.max_node_vcpus}"
            )
        )
    if shape.memory_gib > config.max_node_memory_gib:
        findings.append(
            violation(
                f"instance type {name!r}{where} has {shape.memory_gib:g} GiB memory; "
                f"this environment allows at most {config.max_node_memory_gib:g} GiB"
            )
        )
    if shape.gpus and not config.allow_gpu:
        findings.append(
            violation(
                f"instance type {name!r}{where} has {shape.gpus} GPU(s); GPUs are not allowed here"
            )
        )
    return findings


def check_oversized_instances(resource: Resource, config: OversizedConfig) -> list[Finding]:
    """Machine types above the caps, GPUs where not allowed, types off the allow-list."""
    cloud = cloud_of(resource)
    findings: list[Finding] = []
    for group in node_groups(resource):
        with collecting(findings):
            group.need("accelerators")
            if group.accelerators and not config.allow_gpu:
                findings.append(
                    violation(
                        f"{group.accelerators} GPU accelerator(s){group.where} attached; "
                        "GPUs are not allowed here"
                    )
                )
        with collecting(findings):
            group.need("instance_types")
        for name in group.instance_types:
            with collecting(findings):
                findings.extend(_check_type(cloud or group.cloud, name, group, config))
    return findings


def _how_to_add(cloud: str, name: str, where: str) -> str:
    from thrifty.cost.user_catalog import CATALOG_ENV, instance_entry_template

    return (
        f"instance type {name!r}{where} is not in thrifty's {cloud} catalog, so its size and "
        f"price cannot be checked. If the name is right, add it to a catalog file named by "
        f"{CATALOG_ENV} (or `thrifty plan --catalog FILE`), with its real figures:\n"
        + instance_entry_template(cloud, name)
    )


def check_unknown_instance_types(resource: Resource, config: EmptyConfig) -> list[Finding]:
    """Instance types that neither the catalog nor their name describes.

    Types that cannot be read at all (unknown during preview, malformed) are
    ``oversized-instances``' to report, so one problem is not reported twice.
    """
    cloud = cloud_of(resource)
    return [
        violation(_how_to_add(cloud or group.cloud, name, group.where))
        for group in node_groups(resource)
        for name in group.instance_types
        if instance_shape(cloud or group.cloud, name) is None
    ]


class NodeCountConfig(PolicyConfig):
    """Node cap per pool (name as in ``thrifty:caps``)."""

    max_nodes_per_pool: int = Field(default=DEFAULT_CAPS.max_nodes_per_pool, ge=1)


class ClusterNodeCountConfig(PolicyConfig):
    """Node cap per cluster, all its pools together (name as in ``thrifty:caps``)."""

    max_nodes_per_cluster: int = Field(default=DEFAULT_CAPS.max_nodes_per_cluster, ge=1)


def check_node_count(resource: Resource, config: NodeCountConfig) -> list[Finding]:
    """Node pools (separate or inline in a cluster) that may grow past the per-pool cap."""
    findings: list[Finding] = []
    for group in node_groups(resource):
        if not group.pool:
            continue
        with collecting(findings):
            group.need("max_nodes")
            if group.max_nodes is not None and group.max_nodes > config.max_nodes_per_pool:
                findings.append(
                    violation(
                        f"node pool{group.where} may grow to {group.max_nodes:g} nodes; "
                        f"at most {config.max_nodes_per_pool} per pool"
                    )
                )
    return findings


def check_cluster_node_count(
    resources: Sequence[Resource], config: ClusterNodeCountConfig
) -> list[Finding]:
    """Pools of one cluster (separate resources or inline) whose maxima add up past the cap."""
    findings: list[Finding] = []
    totals: dict[str, float] = defaultdict(float)
    first_urn: dict[str, str] = {}
    for resource in resources:
        with collecting(findings, resource.urn):
            for group in node_groups(resource):
                if not group.pool:
                    continue
                with collecting(findings, resource.urn):
                    group.need("cluster", "max_nodes")
                    if group.cluster:
                        totals[group.cluster] += group.max_nodes or 0
                        first_urn.setdefault(group.cluster, resource.urn)
    for cluster, total in totals.items():
        if total > config.max_nodes_per_cluster:
            findings.append(
                violation(
                    f"the node pools of cluster {cluster} may grow to {total:g} nodes together; "
                    f"at most {config.max_nodes_per_cluster} per cluster",
                    first_urn[cluster],
                )
            )
    return findings


class DiskSizeConfig(PolicyConfig):
    """The largest disk a single volume may have (name as in ``thrifty:caps``)."""

    max_disk_gib: int = Field(default=DEFAULT_CAPS.max_disk_gib, ge=1)


def check_disk_size(resource: Resource, config: DiskSizeConfig) -> list[Finding]:
    """Volumes and node disks above the cap."""
    return [
        violation(
            f"{disk.path} is {disk.size_gib:g} GiB; at most {config.max_disk_gib} GiB per disk"
        )
        for disk in disks(resource)
        if disk.size_gib > config.max_disk_gib
    ]
