"""Compute shapes read from provider props: node pools, instances, templates, VMs and disks.

The sizing and spot rules judge the same few facts (instance types, spot or not, how many
nodes at most, disk sizes, attached GPUs) that each cloud spells differently. This module turns
each known resource type into :class:`NodeGroup` s and :class:`Disk` s once, so the rules are
written against one shape. Defaults are the providers' documented ones (an EKS node group
without ``instanceTypes`` runs ``t3.medium``; a GKE node pool without ``machineType`` runs
``e2-medium``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from thrifty.policies.core import (
    NotCheckable,
    Resource,
    get_bool,
    get_map,
    get_number,
    get_str,
    get_str_list,
    objects,
)

Cloud = str  # "aws" | "gcp" | "azure"

_CLOUD_OF_PACKAGE = {"aws": "aws", "gcp": "gcp", "azure-native": "azure"}


@dataclass(frozen=True)
class Disk:
    """A disk size in GiB and where it is set."""

    path: str
    size_gib: float


@dataclass(frozen=True)
class NodeGroup:
    """Machines of one or more types that a resource creates (or templates).

    A fact that could not be read (unknown during preview, malformed) is kept in ``problems``
    under its field name, so a rule that does not need it still judges the others.
    """

    path: str
    cloud: Cloud
    instance_types: tuple[str, ...]
    spot: bool
    max_nodes: float | None = None
    accelerators: int = 0
    pool: bool = True
    system: bool = False
    cluster: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    problems: Mapping[str, NotCheckable] = field(default_factory=dict)

    @property
    def where(self) -> str:
        """How a message names the group (``agentPoolProfiles.1``, or empty for the resource)."""
        return f" ({self.path})" if self.path else ""

    def need(self, *facts: str) -> None:
        """Raise the problem of the first of ``facts`` that could not be read."""
        for fact in facts:
            if fact in self.problems:
                raise self.problems[fact]


T = TypeVar("T")
_NO_TYPES: tuple[str, ...] = ()


class _Facts:
    """Reads a node group's facts one by one, keeping each failure as that fact's problem."""

    def __init__(self) -> None:
        self.problems: dict[str, NotCheckable] = {}

    def read(self, fact: str, reader: Callable[[], T], default: T) -> T:
        try:
            return reader()
        except NotCheckable as problem:
            self.problems[fact] = problem
            return default


def _dependency_or_value(resource: Resource, key: str) -> str | None:
    """What a pool belongs to: the resource its ``key`` came from, else the literal value.

    During preview a new cluster's name is unknown, but the engine still sends the property
    dependency, so grouping by it works before anything exists. Raises when neither tells.
    """
    urns = resource.property_dependencies.get(key) or ()
    if urns:
        return str(urns[0])
    return get_str(resource.props, key)


def _count(props: Mapping[str, Any], path: str, default: float | None = None) -> float | None:
    value = get_number(props, path)
    return default if value is None else value


def _accelerators(props: Mapping[str, Any], path: str) -> int:
    return sum(int(_count(item, "count", 0) or 0) for _, item in objects(props, path))


# --- AWS -------------------------------------------------------------------------------------


def _labels(props: Mapping[str, Any], path: str) -> dict[str, str]:
    """The Kubernetes node labels a pool puts on its nodes (non-text values are left out)."""
    found = get_map(props, path) or {}
    return {str(key): value for key, value in found.items() if isinstance(value, str)}


def _eks_node_group(resource: Resource) -> list[NodeGroup]:
    props = resource.props
    facts = _Facts()

    def types() -> tuple[str, ...]:
        names = get_str_list(props, "instanceTypes")
        if not names and get_map(props, "launchTemplate") is None:
            names = ["t3.medium"]  # the EKS default
        return tuple(names)

    return [
        NodeGroup(
            path="",
            cloud="aws",
            instance_types=facts.read("instance_types", types, _NO_TYPES),
            spot=facts.read(
                "spot", lambda: (get_str(props, "capacityType") or "").upper() == "SPOT", False
            ),
            max_nodes=facts.read(
                "max_nodes", lambda: get_number(props, "scalingConfig.maxSize", required=True), None
            ),
            cluster=facts.read(
                "cluster", lambda: _dependency_or_value(resource, "clusterName"), None
            ),
            labels=facts.read("labels", lambda: _labels(props, "labels"), {}),
            problems=facts.problems,
        )
    ]


def _aws_autoscaling_group(resource: Resource) -> list[NodeGroup]:
    props = resource.props
    base = "mixedInstancesPolicy"
    facts = _Facts()

    def types() -> tuple[str, ...]:
        overrides = objects(props, f"{base}.launchTemplate.overrides")
        return tuple(name for _, item in overrides if (name := get_str(item, "instanceType")))

    def spot() -> bool:
        share = get_number(
            props, f"{base}.instancesDistribution.onDemandPercentageAboveBaseCapacity"
        )
        return share is not None and share == 0

    return [
        NodeGroup(
            path="",
            cloud="aws",
            instance_types=facts.read("instance_types", types, _NO_TYPES),
            spot=facts.read("spot", spot, False),
            max_nodes=facts.read(
                "max_nodes", lambda: get_number(props, "maxSize", required=True), None
            ),
            problems=facts.problems,
        )
    ]


def _aws_machine(resource: Resource) -> list[NodeGroup]:
    """An instance (type required) or a launch template (type optional)."""
    props = resource.props
    facts = _Facts()
    required = resource.type == "aws:ec2/instance:Instance"

    def types() -> tuple[str, ...]:
        name = get_str(props, "instanceType", required=required)
        return (name,) if name else ()

    def spot() -> bool:
        return (get_str(props, "instanceMarketOptions.marketType") or "").lower() == "spot"

    return [
        NodeGroup(
            path="",
            cloud="aws",
            instance_types=facts.read("instance_types", types, _NO_TYPES),
            spot=facts.read("spot", spot, False),
            pool=False,
            problems=facts.problems,
        )
    ]


# --- GCP -------------------------------------------------------------------------------------


def _gke_pool_facts(
    props: Mapping[str, Any], config_path: str, facts: _Facts
) -> tuple[tuple[str, ...], bool, int]:
    prefix = f"{config_path}."

    def spot() -> bool:
        return bool(get_bool(props, f"{prefix}spot", default=False)) or bool(
            get_bool(props, f"{prefix}preemptible", default=False)
        )

    machine = facts.read(
        "instance_types",
        lambda: (get_str(props, f"{prefix}machineType") or "e2-medium",),  # the GKE default
        _NO_TYPES,
    )
    gpus = facts.read("accelerators", lambda: _accelerators(props, f"{prefix}guestAccelerators"), 0)
    return machine, facts.read("spot", spot, False), gpus


def _gke_max_nodes(props: Mapping[str, Any]) -> float:
    """GKE's ``maxNodeCount`` and ``nodeCount`` count per zone; ``totalMaxNodeCount`` does not."""
    zones = max(1, len(get_str_list(props, "nodeLocations")))
    total = get_number(props, "autoscaling.totalMaxNodeCount")
    per_zone = get_number(props, "autoscaling.maxNodeCount")
    fixed = _count(props, "nodeCount", _count(props, "initialNodeCount"))
    if total is not None:
        return total
    if per_zone is not None:
        return per_zone * zones
    if fixed is not None:
        return fixed * zones
    raise NotCheckable("none of autoscaling.maxNodeCount, nodeCount, initialNodeCount is set")


def _gke_node_pool(resource: Resource) -> list[NodeGroup]:
    facts = _Facts()
    machine, spot, gpus = _gke_pool_facts(resource.props, "nodeConfig", facts)
    return [
        NodeGroup(
            path="",
            cloud="gcp",
            instance_types=machine,
            spot=spot,
            max_nodes=facts.read("max_nodes", lambda: _gke_max_nodes(resource.props), None),
            accelerators=gpus,
            cluster=facts.read("cluster", lambda: _dependency_or_value(resource, "cluster"), None),
            labels=facts.read("labels", lambda: _labels(resource.props, "nodeConfig.labels"), {}),
            problems=facts.problems,
        )
    ]


def _gke_cluster(resource: Resource) -> list[NodeGroup]:
    props = resource.props
    if get_bool(props, "removeDefaultNodePool", default=False) or get_bool(
        props, "enableAutopilot", default=False
    ):
        return []
    facts = _Facts()
    machine, spot, gpus = _gke_pool_facts(props, "nodeConfig", facts)
    return [
        NodeGroup(
            path="nodeConfig",
            cloud="gcp",
            instance_types=machine,
            spot=spot,
            max_nodes=facts.read("max_nodes", lambda: _count(props, "initialNodeCount", 1), None),
            accelerators=gpus,
            cluster=resource.urn or resource.name,
            problems=facts.problems,
        )
    ]


def _gcp_machine(resource: Resource) -> list[NodeGroup]:
    props = resource.props
    facts = _Facts()

    def types() -> tuple[str, ...]:
        machine = get_str(props, "machineType", required=True) or ""
        return (machine.rsplit("/", 1)[-1],)

    def spot() -> bool:
        model = (get_str(props, "scheduling.provisioningModel") or "").upper()
        return model == "SPOT" or bool(get_bool(props, "scheduling.preemptible", default=False))

    return [
        NodeGroup(
            path="",
            cloud="gcp",
            instance_types=facts.read("instance_types", types, _NO_TYPES),
            spot=facts.read("spot", spot, False),
            accelerators=facts.read(
                "accelerators", lambda: _accelerators(props, "guestAccelerators"), 0
            ),
            pool=False,
            problems=facts.problems,
        )
    ]


# --- Azure -----------------------------------------------------------------------------------


def _aks_pool(props: Mapping[str, Any], path: str, cluster: Callable[[], str | None]) -> NodeGroup:
    prefix = f"{path}." if path else ""
    facts = _Facts()

    def max_nodes() -> float | None:
        count = _count(props, f"{prefix}count", 1)
        if get_bool(props, f"{prefix}enableAutoScaling", default=False):
            return _count(props, f"{prefix}maxCount", count)
        return count

    return NodeGroup(
        path=path,
        cloud="azure",
        instance_types=facts.read(
            "instance_types",
            lambda: (get_str(props, f"{prefix}vmSize", required=True) or "",),
            _NO_TYPES,
        ),
        spot=facts.read(
            "spot",
            lambda: (get_str(props, f"{prefix}scaleSetPriority") or "").lower() == "spot",
            False,
        ),
        max_nodes=facts.read("max_nodes", max_nodes, None),
        system=facts.read(
            "system", lambda: (get_str(props, f"{prefix}mode") or "").lower() == "system", False
        ),
        cluster=facts.read("cluster", cluster, None),
        labels=facts.read("labels", lambda: _labels(props, f"{prefix}nodeLabels"), {}),
        problems=facts.problems,
    )


def _aks_agent_pool(resource: Resource) -> list[NodeGroup]:
    return [_aks_pool(resource.props, "", lambda: _dependency_or_value(resource, "resourceName"))]


def _aks_managed_cluster(resource: Resource) -> list[NodeGroup]:
    cluster = resource.urn or resource.name
    return [
        _aks_pool(resource.props, path, lambda: cluster)
        for path, _ in objects(resource.props, "agentPoolProfiles")
    ]


def _azure_vm(resource: Resource, size_path: str, priority_path: str, pool: bool) -> NodeGroup:
    props = resource.props
    facts = _Facts()
    return NodeGroup(
        path="",
        cloud="azure",
        instance_types=facts.read(
            "instance_types", lambda: (get_str(props, size_path, required=True) or "",), _NO_TYPES
        ),
        spot=facts.read(
            "spot", lambda: (get_str(props, priority_path) or "").lower() == "spot", False
        ),
        max_nodes=facts.read("max_nodes", lambda: _count(props, "sku.capacity"), None),
        pool=pool,
        problems=facts.problems,
    )


def _azure_virtual_machine(resource: Resource) -> list[NodeGroup]:
    return [_azure_vm(resource, "hardwareProfile.vmSize", "priority", pool=False)]


def _azure_scale_set(resource: Resource) -> list[NodeGroup]:
    return [_azure_vm(resource, "sku.name", "virtualMachineProfile.priority", pool=True)]


NODE_GROUP_READERS: dict[str, Callable[[Resource], list[NodeGroup]]] = {
    "aws:eks/nodeGroup:NodeGroup": _eks_node_group,
    "aws:autoscaling/group:Group": _aws_autoscaling_group,
    "aws:ec2/instance:Instance": _aws_machine,
    "aws:ec2/launchTemplate:LaunchTemplate": _aws_machine,
    "gcp:container/nodePool:NodePool": _gke_node_pool,
    "gcp:container/cluster:Cluster": _gke_cluster,
    "gcp:compute/instance:Instance": _gcp_machine,
    "gcp:compute/instanceTemplate:InstanceTemplate": _gcp_machine,
    "gcp:compute/regionInstanceTemplate:RegionInstanceTemplate": _gcp_machine,
    "azure-native:containerservice:AgentPool": _aks_agent_pool,
    "azure-native:containerservice:ManagedCluster": _aks_managed_cluster,
    "azure-native:compute:VirtualMachine": _azure_virtual_machine,
    "azure-native:compute:VirtualMachineScaleSet": _azure_scale_set,
}


def node_groups(resource: Resource) -> list[NodeGroup]:
    """The node groups a resource creates; empty for types that create no machines."""
    reader = NODE_GROUP_READERS.get(resource.type)
    return reader(resource) if reader else []


# --- Disks -----------------------------------------------------------------------------------

# Type -> list of (list path or "", size key within each item / the resource).
_DISK_PATHS: dict[str, tuple[tuple[str, str], ...]] = {
    "aws:ebs/volume:Volume": (("", "size"),),
    "aws:eks/nodeGroup:NodeGroup": (("", "diskSize"),),
    "aws:ec2/instance:Instance": (
        ("", "rootBlockDevice.volumeSize"),
        ("ebsBlockDevices", "volumeSize"),
    ),
    "aws:ec2/launchTemplate:LaunchTemplate": (("blockDeviceMappings", "ebs.volumeSize"),),
    "gcp:compute/disk:Disk": (("", "size"),),
    "gcp:container/nodePool:NodePool": (("", "nodeConfig.diskSizeGb"),),
    "gcp:container/cluster:Cluster": (("", "nodeConfig.diskSizeGb"),),
    "gcp:compute/instance:Instance": (("", "bootDisk.initializeParams.size"),),
    "gcp:compute/instanceTemplate:InstanceTemplate": (("disks", "diskSizeGb"),),
    "gcp:compute/regionInstanceTemplate:RegionInstanceTemplate": (("disks", "diskSizeGb"),),
    "azure-native:compute:Disk": (("", "diskSizeGB"),),
    "azure-native:containerservice:AgentPool": (("", "osDiskSizeGB"),),
    "azure-native:containerservice:ManagedCluster": (("agentPoolProfiles", "osDiskSizeGB"),),
    "azure-native:compute:VirtualMachine": (
        ("", "storageProfile.osDisk.diskSizeGB"),
        ("storageProfile.dataDisks", "diskSizeGB"),
    ),
}


def disks(resource: Resource) -> list[Disk]:
    """Every disk size a resource sets explicitly (provider defaults are small)."""
    found: list[Disk] = []
    for list_path, size_key in _DISK_PATHS.get(resource.type, ()):
        items = (
            [("", resource.props)] if not list_path else list(objects(resource.props, list_path))
        )
        for item_path, item in items:
            size = get_number(item, size_key)
            if size is not None:
                path = f"{item_path}.{size_key}" if item_path else size_key
                found.append(Disk(path, size))
    return found


def cloud_of(resource: Resource) -> Cloud | None:
    """``aws`` / ``gcp`` / ``azure`` for a resource of those providers."""
    return _CLOUD_OF_PACKAGE.get(resource.package)
