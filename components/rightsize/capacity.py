"""What a node can hold, and where a stack's pods would go: the check that keeps a pool from
being shrunk under its workloads.

**Allocatable** comes from :mod:`thrifty.cost.allocatable`, the one model of what each cloud's
nodes leave to pods (kube-reserved CPU and memory and the eviction threshold, per instance
type, each figure cited there), the same the estimator counts nodes with. A pool can be given
any of its instance types, so its node is taken as the smallest allocatable among them. AKS
pools use the default max pods of Azure CNI overlay, the network thrifty's AKS clusters use
(:mod:`thrifty.cluster.azure`). DaemonSets and add-ons take part of allocatable too; they are
not known here, so "fits" means "fits beside nothing else".

**Placement** follows the workload contract: an interruption-tolerant workload carries the
spot toleration and *prefers* spot nodes, so its pods go to the spot pools first, then to
on-demand worker pools, then to the system pool; any other workload is kept off spot nodes
(on-demand workers, then the system pool). A pool with taints of its own takes no workload
(thrifty's workloads tolerate only the spot taint). Each workload's minimum replicas are
placed, pod by pod, on the first node with room (first fit) of the first pool that allows it,
the pool growing up to its maximum size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from thrifty.cluster.spec import Role
from thrifty.cost import allocatable as nodes
from thrifty.cost.catalog import Cloud, InstanceType, instance_type, instance_types
from thrifty.cost.props import NotPriced
from thrifty.quantities import format_cpu, format_memory


class CapacityUnknown(ValueError):
    """A pool's node size cannot be told (an instance type the allocatable model lacks)."""


@dataclass(frozen=True)
class Amounts:
    """CPU in cores and memory in bytes."""

    cpu: float
    memory: float

    def fits_in(self, other: Amounts) -> bool:
        return self.cpu <= other.cpu + 1e-9 and self.memory <= other.memory + 1e-9


def node_allocatable(cloud: Cloud, types: Sequence[str]) -> Amounts:
    """What one node of a pool offers pods: the smallest allocatable of its instance types."""
    found: list[Amounts] = []
    for name in types:
        try:
            if cloud == "aws":
                node = nodes.eks(name)
            elif cloud == "gcp":
                node = nodes.gke(name, None)
            else:
                pods = nodes.aks_default_max_pods("azure", "overlay", False)
                if pods is None:
                    raise NotPriced("AKS overlay's default max pods is not in the data")
                node = nodes.aks(name, pods)
        except NotPriced as problem:
            raise CapacityUnknown(f"{name}: {problem.reason}") from None
        found.append(Amounts(node.cpu, node.memory))
    if not found:
        raise CapacityUnknown("the pool names no instance type")
    return Amounts(min(a.cpu for a in found), min(a.memory for a in found))


@dataclass(frozen=True)
class PoolCapacity:
    """A pool as placement sees it: its role, one node's allocatable and its size bounds."""

    name: str
    role: Role
    node: Amounts
    min_size: int
    max_size: int
    tainted: bool = False


@dataclass(frozen=True)
class Demand:
    """One workload's pods: each pod's requests and how many run at least."""

    workload: str
    pod: Amounts
    replicas: int
    tolerant: bool


@dataclass
class Placement:
    """Which pods each pool holds, on how many of its nodes, and the pods no pool has room for."""

    placed: dict[str, list[tuple[Demand, int]]] = field(default_factory=dict)
    unplaced: list[tuple[Demand, int]] = field(default_factory=list)
    nodes_used: dict[str, int] = field(default_factory=dict)

    def nodes_needed(self, pool: PoolCapacity) -> int:
        """Nodes of ``pool`` its placed pods use (first fit, pod by pod)."""
        return self.nodes_used.get(pool.name, 0)

    def describe_unplaced(self) -> str:
        return ", ".join(
            f"{pods} pod(s) of {demand.workload} ({_amounts(demand.pod)} each)"
            for demand, pods in self.unplaced
        )


def _amounts(amounts: Amounts) -> str:
    return f"{format_cpu(amounts.cpu)} CPU, {format_memory(amounts.memory)}"


def smaller_type(cloud: Cloud, name: str) -> InstanceType | None:
    """The next smaller catalog type of ``name``'s family: same architecture, category, GPUs
    and burstability, no more vCPUs or memory, priced; the largest such (None: it is the
    smallest, or unknown)."""
    base = instance_type(cloud, name)
    if base is None:
        return None
    options = [
        other
        for other in instance_types(cloud)
        if other.family == base.family
        and other.architecture == base.architecture
        and other.category == base.category
        and other.gpus == base.gpus
        and other.burstable == base.burstable
        and other.vcpus <= base.vcpus
        and other.memory_gib <= base.memory_gib
        and (other.vcpus, other.memory_gib) != (base.vcpus, base.memory_gib)
        and other.on_demand_hourly is not None
    ]
    return max(options, key=lambda t: (t.vcpus, t.memory_gib, t.name)) if options else None


_PREFERENCE: dict[bool, tuple[Role, ...]] = {
    True: ("spot", "on-demand", "system"),
    False: ("on-demand", "system"),
}


def candidates(pools: Sequence[PoolCapacity], demand: Demand) -> list[PoolCapacity]:
    """The pools a workload's pods may run on, in the order the contract prefers them."""
    return [
        pool
        for role in _PREFERENCE[demand.tolerant]
        for pool in pools
        if pool.role == role and not pool.tainted
    ]


def place(pools: Sequence[PoolCapacity], demands: Sequence[Demand]) -> Placement:
    """Place every workload's minimum replicas, pod by pod, first fit on the nodes of the
    first pool the contract allows (module docs); deterministic."""
    placement = Placement()
    free: dict[str, list[Amounts]] = {pool.name: [] for pool in pools}
    for demand in sorted(demands, key=lambda item: item.workload):
        counts: dict[str, int] = {}
        left = demand.replicas
        while left:
            pool = next((p for p in candidates(pools, demand) if _put(p, demand.pod, free)), None)
            if pool is None:
                break
            counts[pool.name] = counts.get(pool.name, 0) + 1
            left -= 1
        for name, pods in counts.items():
            placement.placed.setdefault(name, []).append((demand, pods))
        if left:
            placement.unplaced.append((demand, left))
    placement.nodes_used = {name: len(nodes) for name, nodes in free.items() if nodes}
    return placement


def _put(pool: PoolCapacity, pod: Amounts, free: dict[str, list[Amounts]]) -> bool:
    """Put one pod on the first node of ``pool`` with room, starting a node if allowed."""
    nodes = free[pool.name]
    for index, room in enumerate(nodes):
        if pod.fits_in(room):
            nodes[index] = Amounts(room.cpu - pod.cpu, room.memory - pod.memory)
            return True
    if len(nodes) < pool.max_size and pod.fits_in(pool.node):
        nodes.append(Amounts(pool.node.cpu - pod.cpu, pool.node.memory - pod.memory))
        return True
    return False


__all__ = [
    "Amounts",
    "CapacityUnknown",
    "Demand",
    "Placement",
    "PoolCapacity",
    "candidates",
    "node_allocatable",
    "place",
    "smaller_type",
]
