"""A node pool as the scheduler sees it: its nodes' labels, taints and allocatable resources.

Built from what the pool's pricing rule recorded (:class:`~thrifty.cost.context.PoolShape`:
bounds, instance types, capacity type, price, props) and the labels and taints each cloud
records on the pool:

- EKS ``aws:eks/nodeGroup:NodeGroup``: ``labels``, ``taints`` (``NO_SCHEDULE`` ...), and the
  labels EKS adds, ``eks.amazonaws.com/capacityType`` (``SPOT`` / ``ON_DEMAND``) and
  ``eks.amazonaws.com/nodegroup`` (docs.aws.amazon.com/eks/latest/userguide/
  managed-node-groups.html, "Managed node group capacity types");
- GKE ``gcp:container/nodePool:NodePool`` (and a cluster's inline or default pool):
  ``nodeConfig.labels``, ``nodeConfig.taints``, and GKE's ``cloud.google.com/gke-nodepool``,
  ``cloud.google.com/gke-spot: "true"`` on Spot VMs and ``cloud.google.com/gke-preemptible:
  "true"`` on preemptible ones (cloud.google.com/kubernetes-engine/docs/how-to/spot-vms);
- AKS ``AgentPool`` and a ``ManagedCluster``'s ``agentPoolProfiles``: ``nodeLabels``,
  ``nodeTaints`` (``key=value:Effect``), and AKS's ``kubernetes.azure.com/agentpool``,
  ``agentpool``, ``kubernetes.azure.com/mode``, and on spot pools the label and taint
  ``kubernetes.azure.com/scalesetpriority=spot`` that AKS puts on every spot node
  (learn.microsoft.com/azure/aks/spot-node-pool);
- on every cloud the well-known ``kubernetes.io/os``, ``kubernetes.io/arch`` (from the
  catalog), ``node.kubernetes.io/instance-type`` (the pool's types) and, with values the program
  cannot know, ``topology.kubernetes.io/zone``, ``topology.kubernetes.io/region`` and
  ``kubernetes.io/hostname`` (kubernetes.io/docs/reference/labels-annotations-taints/).

A pool of several instance types is sized by the smallest of them in each dimension
(cluster-autoscaler assumes the types of a group alike; the smallest is what every node has).
Allocatable comes from :mod:`thrifty.cost.allocatable`. A pool whose labels, taints or sizes
cannot be read (unknown during preview, a type not in the catalog) keeps the reason in
``problem`` and takes no pods.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from thrifty.cost import allocatable as alloc
from thrifty.cost import catalog as cat
from thrifty.cost.azure import MANAGED_CLUSTER
from thrifty.cost.catalog import Cloud
from thrifty.cost.context import Context, PoolKey, PoolShape
from thrifty.cost.gcp import CLUSTER as GKE_CLUSTER
from thrifty.cost.props import NotPriced, count, flag, mapping, objects, strings, text
from thrifty.cost.scheduling import EFFECTS, LabelValues, Taint
from thrifty.cost.spec import CostInput, is_unknown

_ENUM_EFFECTS = {
    "NO_SCHEDULE": "NoSchedule",
    "NO_EXECUTE": "NoExecute",
    "PREFER_NO_SCHEDULE": "PreferNoSchedule",
}
_ARCH = {"x86_64": "amd64", "arm64": "arm64"}
_UNKNOWN_VALUED = ("topology.kubernetes.io/zone", "topology.kubernetes.io/region")
HOSTNAME = "kubernetes.io/hostname"
AKS_SPOT = Taint("kubernetes.azure.com/scalesetpriority", "spot", "NoSchedule")


@dataclass(frozen=True)
class NodePool:
    """One pool's nodes as the scheduler sees them, and its bounds and node price."""

    key: PoolKey
    name: str
    labels: Mapping[str, LabelValues]
    taints: tuple[Taint, ...]
    node: alloc.Allocatable | None
    problem: str
    low: int
    high: int
    hourly: float
    spot: bool


@dataclass(frozen=True)
class _Nodes:
    """What one cloud's reader finds: labels, taints, the node's allocatable."""

    labels: dict[str, LabelValues]
    taints: tuple[Taint, ...]
    node: alloc.Allocatable


def node_pool(ctx: Context, shape: PoolShape) -> NodePool:
    """The scheduler's view of the pool ``shape`` describes (``problem`` when unreadable)."""
    resource = shape.resource
    name = resource.name if shape.label == "nodes" else f"{resource.name} {shape.label}"
    low, high = int(shape.bounds[0]), int(shape.bounds[1])
    key = (resource.urn, shape.label)
    try:
        if high < low:
            raise NotPriced(f"its maximum {high} is below its minimum {low}")
        found = _READERS[shape.cloud](ctx, shape)
    except NotPriced as problem:
        return NodePool(key, name, {}, (), None, problem.reason, low, high, shape.hourly, False)
    return NodePool(
        key, name, found.labels, found.taints, found.node, "", low, high, shape.hourly, shape.spot
    )


def unreadable(resource: CostInput, reason: str) -> NodePool:
    """A pool whose rule could not price it (so recorded no shape): it takes no pods."""
    return NodePool((resource.urn, "nodes"), resource.name, {}, (), None, reason, 0, 0, 0.0, False)


def _common(shape: PoolShape, windows: bool) -> dict[str, LabelValues]:
    """The well-known labels every node of the pool has (see the module docs)."""
    types = frozenset(shape.instance_types)
    arches = {
        _ARCH.get(found.architecture, found.architecture)
        for name in types
        if (found := cat.instance_type(shape.cloud, name)) is not None
    }
    labels: dict[str, LabelValues] = {
        "kubernetes.io/os": frozenset({"windows" if windows else "linux"}),
        "kubernetes.io/arch": frozenset(arches) if arches else None,
        "node.kubernetes.io/instance-type": types or None,
        "beta.kubernetes.io/instance-type": types or None,
        HOSTNAME: None,
    }
    labels.update({key: None for key in _UNKNOWN_VALUED})
    return labels


def _own_labels(props: Mapping[str, Any], path: str) -> dict[str, LabelValues]:
    """The labels a pool sets (a value unknown during preview is a label of unknown value)."""
    found: dict[str, LabelValues] = {}
    for key, value in mapping(props, path).items():
        if is_unknown(value):
            found[str(key)] = None
        elif isinstance(value, str):
            found[str(key)] = frozenset({value})
        else:
            raise NotPriced(f"{path}.{key} should be a string, got {value!r}")
    return found


def _enum_taints(props: Mapping[str, Any], path: str) -> tuple[Taint, ...]:
    """Taints as EKS and GKE record them: objects with an upper-case ``effect``."""
    found: list[Taint] = []
    for index, item in enumerate(objects(props, path)):
        raw = text(item, "effect")
        effect = _ENUM_EFFECTS.get(raw, raw)
        if effect not in EFFECTS:
            allowed = ", ".join(sorted(_ENUM_EFFECTS))
            raise NotPriced(f"{path}.{index}.effect should be one of {allowed}, got {raw!r}")
        found.append(Taint(text(item, "key"), text(item, "value", ""), effect))
    return tuple(found)


def _smallest(nodes: list[alloc.Allocatable]) -> alloc.Allocatable:
    """What every node of a pool of these types has: the least of each dimension."""
    smallest = min(nodes, key=lambda node: (node.cpu, node.memory))
    return alloc.Allocatable(
        min(node.cpu for node in nodes),
        min(node.memory for node in nodes),
        min(node.pods for node in nodes),
        smallest.detail,
    )


def _sized(shape: PoolShape, size: Callable[[str], alloc.Allocatable]) -> alloc.Allocatable:
    if not shape.instance_types:
        raise NotPriced("the pool's instance type is not known")
    return _smallest([size(name) for name in shape.instance_types])


def _optional_name(props: Mapping[str, Any], path: str) -> LabelValues:
    """A pool's name as a label value (None: not set, or unknown during preview)."""
    try:
        name = text(props, path, None)
    except NotPriced as problem:
        if problem.unknown:
            return None
        raise
    return frozenset({name}) if name else None


def _aws(ctx: Context, shape: PoolShape) -> _Nodes:
    props = shape.props
    windows = text(props, "amiType", "AL2023_x86_64_STANDARD").upper().startswith("WINDOWS")
    labels = _common(shape, windows)
    labels.update(_own_labels(props, "labels"))
    labels["eks.amazonaws.com/capacityType"] = frozenset({"SPOT" if shape.spot else "ON_DEMAND"})
    labels["eks.amazonaws.com/nodegroup"] = _optional_name(props, "nodeGroupName")
    return _Nodes(labels, _enum_taints(props, "taints"), _sized(shape, alloc.eks))


def _gcp(ctx: Context, shape: PoolShape) -> _Nodes:
    props = shape.props
    windows = text(props, "nodeConfig.imageType", "COS_CONTAINERD").upper().startswith("WINDOWS")
    labels = _common(shape, windows)
    labels.update(_own_labels(props, "nodeConfig.labels"))
    default_pool = shape.label == "default node pool"
    labels["cloud.google.com/gke-nodepool"] = (
        frozenset({"default-pool"}) if default_pool else _optional_name(props, "name")
    )
    if shape.spot:
        spot = flag(props, "nodeConfig.spot", False)
        key = "cloud.google.com/gke-spot" if spot else "cloud.google.com/gke-preemptible"
        labels[key] = frozenset({"true"})
    max_pods = None if default_pool else count(props, "maxPodsPerNode", None)
    if max_pods is None:
        cluster = (
            shape.resource
            if shape.resource.type == GKE_CLUSTER
            else ctx.resolve(shape.resource, "cluster", (GKE_CLUSTER,), ("name",))
        )
        if cluster is not None:
            max_pods = count(cluster.props, "defaultMaxPodsPerNode", None)
    node = _sized(shape, lambda name: alloc.gke(name, max_pods))
    return _Nodes(labels, _enum_taints(props, "nodeConfig.taints"), node)


def _azure(ctx: Context, shape: PoolShape) -> _Nodes:
    props = shape.props
    windows = text(props, "osType", "Linux") == "Windows"
    labels = _common(shape, windows)
    labels.update(_own_labels(props, "nodeLabels"))
    inline = shape.resource.type == MANAGED_CLUSTER
    name = _optional_name(props, "name" if inline else "agentPoolName")
    labels["kubernetes.azure.com/agentpool"] = name
    labels["agentpool"] = name
    labels["kubernetes.azure.com/mode"] = frozenset({text(props, "mode", "User").lower()})
    taints = list(_aks_taints(props))
    if shape.spot:
        labels[AKS_SPOT.key] = frozenset({AKS_SPOT.value})
        if AKS_SPOT not in taints:
            taints.append(AKS_SPOT)
    max_pods = count(props, "maxPods", None)
    if max_pods is None:
        max_pods = _aks_default_max_pods(ctx, shape)
    node = _sized(shape, lambda size: alloc.aks(size, max_pods, windows))
    return _Nodes(labels, tuple(taints), node)


def _aks_taints(props: Mapping[str, Any]) -> tuple[Taint, ...]:
    """``nodeTaints`` entries: ``key=value:Effect`` or ``key:Effect``."""
    found: list[Taint] = []
    for index, entry in enumerate(strings(props, "nodeTaints")):
        head, _, effect = entry.rpartition(":")
        key, _, value = head.partition("=")
        if not key or effect not in EFFECTS:
            raise NotPriced(
                f"nodeTaints.{index} should be key=value:Effect with Effect one of "
                f"{', '.join(sorted(EFFECTS))}, got {entry!r}"
            )
        found.append(Taint(key, value, effect))
    return tuple(found)


def _aks_default_max_pods(ctx: Context, shape: PoolShape) -> int:
    """The cluster's network plugin's default max pods (the pool sets no ``maxPods``)."""
    cluster: CostInput | None = (
        shape.resource
        if shape.resource.type == MANAGED_CLUSTER
        else ctx.resolve(shape.resource, "resourceName", (MANAGED_CLUSTER,), ("resourceName",))
    )
    if cluster is None:
        raise NotPriced("maxPods is not set and the pool's cluster is not among the resources")
    plugin = text(cluster.props, "networkProfile.networkPlugin", None)
    mode = text(cluster.props, "networkProfile.networkPluginMode", None)
    pod_subnet = text(shape.props, "podSubnetID", None) is not None
    found = alloc.aks_default_max_pods(plugin, mode, pod_subnet)
    if found is None:
        raise NotPriced(
            f"maxPods is not set and cluster {cluster.name}'s networkProfile.networkPlugin is "
            f"{plugin!r} (AKS's default max pods depends on the network plugin)"
        )
    return found


_READERS: dict[Cloud, Callable[[Context, PoolShape], _Nodes]] = {
    "aws": _aws,
    "gcp": _gcp,
    "azure": _azure,
}

__all__ = ["NodePool", "node_pool", "unreadable"]
