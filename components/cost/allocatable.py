"""What a node leaves to pods: capacity minus the cloud's reservations, per instance type.

Kubernetes schedules pods against a node's *allocatable* resources: its capacity less what the
kubelet reserves for itself and the system (kube-reserved) and the memory eviction threshold.
Each managed Kubernetes service computes the reservation from the node's size with its own
formula; the parameters live in ``thrifty/cost/data/node_reservations.json``, each with its
source:

- EKS (the AL2023 AMI's ``nodeadm``): CPU 6 % of the first core, 1 % of the second, 0.5 % of
  the next two, 0.25 % above four; memory 11 MiB per pod of the ENI-based max pods + 255 MiB;
  100 MiB eviction. Pods per node: ENIs x (IPv4 per ENI - 1) + 2, capped by managed node
  groups at 110 below 30 vCPUs and 250 above.
- GKE: the same CPU brackets; memory 255 MiB up to 1000 MiB, else 25 % of the first 4 GB, 20 %
  of the next 4, 10 % of the next 8, 6 % of the next 112 and 2 % above (in MiB with a GB of
  1000 MiB, as cluster-autoscaler predicts it); 100 MiB eviction; 110 pods unless set.
- AKS (1.29 and later): CPU from the documented table by cores (linear between the listed core
  counts, 10 m a core beyond 64: the table's own slope); memory the lesser of 20 MiB per max pod
  + 50 MiB and 25 % of memory, + 100 MiB eviction (+ 2 GiB on Windows); max pods from the pool,
  else the default of the cluster's network plugin.

Capacity is the catalog's vCPUs and memory. What cannot be seen from a program (the kernel's
share of memory, the cloud's own DaemonSets) is not subtracted, so allocatable is an upper
bound. Plain Python + pydantic, no SDK.
"""

from __future__ import annotations

import bisect
import functools
import json
from dataclasses import dataclass
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field

from thrifty.cost import catalog as cat
from thrifty.cost.catalog import Cloud, Source
from thrifty.cost.props import NotPriced

DATA_FILE = "data/node_reservations.json"
MIB = 2**20
GIB = 2**30


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AwsReservations(_Model):
    source: tuple[str, ...]
    cpu_brackets: tuple[tuple[float, float], ...]
    memory_mib_per_max_pod: float = Field(gt=0)
    memory_mib_base: float = Field(ge=0)
    eviction_memory_mib: float = Field(ge=0)
    max_pods_cap_below_vcpus: int = Field(gt=0)
    max_pods_cap_small: int = Field(gt=0)
    max_pods_cap_large: int = Field(gt=0)
    #: instance type -> (default ENIs, IPv4 addresses per ENI)
    eni: dict[str, tuple[int, int]]


class GcpReservations(_Model):
    source: tuple[str, ...]
    cpu_brackets: tuple[tuple[float, float], ...]
    memory_brackets_mib: tuple[tuple[float, float], ...]
    small_memory_mib: float = Field(gt=0)
    small_memory_reserved_mib: float = Field(ge=0)
    eviction_memory_mib: float = Field(ge=0)
    default_max_pods: int = Field(gt=0)


class AzureReservations(_Model):
    source: tuple[str, ...]
    cpu_millicores_by_cores: tuple[tuple[int, float], ...] = Field(min_length=2)
    memory_mib_per_max_pod: float = Field(gt=0)
    memory_mib_base: float = Field(ge=0)
    memory_max_share: float = Field(gt=0, le=1)
    eviction_memory_mib: float = Field(ge=0)
    windows_extra_memory_mib: float = Field(ge=0)
    #: network plugin ("overlay", "pod-subnet", "azure", "kubenet") -> default max pods
    default_max_pods: dict[str, int]


class Clouds(_Model):
    aws: AwsReservations
    gcp: GcpReservations
    azure: AzureReservations


class Reservations(_Model):
    schema_version: int
    as_of: str
    notes: tuple[str, ...]
    sources: tuple[Source, ...]
    clouds: Clouds


@functools.cache
def reservations() -> Reservations:
    """The shipped reservation figures, validated once."""
    text = resources.files("thrifty.cost").joinpath(DATA_FILE).read_text(encoding="utf-8")
    return Reservations.model_validate(json.loads(text))


@dataclass(frozen=True)
class Allocatable:
    """What one node of a type offers pods: cores, bytes and a pod count, with the derivation."""

    cpu: float
    memory: float
    pods: int
    detail: str


def bracketed(amount: float, brackets: tuple[tuple[float, float], ...]) -> float:
    """``amount`` reserved at marginal rates: each (threshold, rate) applies up to the next."""
    reserved = 0.0
    for index, (threshold, rate) in enumerate(brackets):
        upper = brackets[index + 1][0] if index + 1 < len(brackets) else amount
        reserved += max(0.0, min(amount, upper) - threshold) * rate
    return reserved


def _instance(cloud: Cloud, name: str) -> cat.InstanceType:
    found = cat.instance_type(cloud, name)
    if found is None:
        raise NotPriced(f"instance type {name!r} is not in the {cloud} catalog (size unknown)")
    return found


def _result(
    shape: cat.InstanceType, cpu_m: float, memory_mib: float, eviction_mib: float, pods: int
) -> Allocatable:
    cpu = shape.vcpus - cpu_m / 1000
    memory = shape.memory_gib * GIB - (memory_mib + eviction_mib) * MIB
    detail = (
        f"{shape.name}: {shape.vcpus} vCPU - {cpu_m:.0f}m, {shape.memory_gib:g} GiB - "
        f"{memory_mib:.0f} MiB kube-reserved - {eviction_mib:.0f} MiB eviction, {pods} pods"
    )
    if cpu <= 0 or memory <= 0:
        raise NotPriced(f"{shape.name} leaves nothing allocatable ({detail})")
    return Allocatable(cpu, memory, pods, detail)


def eks(name: str) -> Allocatable:
    """An EKS managed node group's node of type ``name`` (AL2023 AMI defaults)."""
    figures = reservations().clouds.aws
    shape = _instance("aws", name)
    eni = figures.eni.get(name)
    if eni is None:
        raise NotPriced(f"{name} is not in the EKS AMI's ENI table (its max pods is unknown)")
    eni_pods = eni[0] * (eni[1] - 1) + 2
    cap = (
        figures.max_pods_cap_small
        if shape.vcpus < figures.max_pods_cap_below_vcpus
        else figures.max_pods_cap_large
    )
    cpu_m = int(bracketed(shape.vcpus * 1000, _millis(figures.cpu_brackets)))
    memory = figures.memory_mib_per_max_pod * eni_pods + figures.memory_mib_base
    return _result(shape, cpu_m, memory, figures.eviction_memory_mib, min(eni_pods, cap))


def gke(name: str, max_pods: int | None) -> Allocatable:
    """A GKE Standard node of machine type ``name`` (``max_pods`` None: GKE's default)."""
    figures = reservations().clouds.gcp
    shape = _instance("gcp", name)
    cpu_m = int(bracketed(shape.vcpus * 1000, _millis(figures.cpu_brackets)))
    capacity_mib = shape.memory_gib * 1024
    memory = (
        figures.small_memory_reserved_mib
        if capacity_mib <= figures.small_memory_mib
        else int(bracketed(capacity_mib, figures.memory_brackets_mib))
    )
    pods = figures.default_max_pods if max_pods is None else max_pods
    return _result(shape, cpu_m, memory, figures.eviction_memory_mib, pods)


def aks(name: str, max_pods: int, windows: bool = False) -> Allocatable:
    """An AKS node of VM size ``name`` with ``max_pods`` (AKS 1.29 and later)."""
    figures = reservations().clouds.azure
    shape = _instance("azure", name)
    cpu_m = _aks_cpu(shape.vcpus, figures.cpu_millicores_by_cores)
    capacity_mib = shape.memory_gib * 1024
    memory = min(
        figures.memory_mib_per_max_pod * max_pods + figures.memory_mib_base,
        figures.memory_max_share * capacity_mib,
    )
    if windows:
        memory += figures.windows_extra_memory_mib
    return _result(shape, cpu_m, memory, figures.eviction_memory_mib, max_pods)


def aks_default_max_pods(plugin: str | None, mode: str | None, pod_subnet: bool) -> int | None:
    """AKS's default max pods for a network plugin (None when the plugin is not known)."""
    table = reservations().clouds.azure.default_max_pods
    if plugin is None:
        return None
    plugin = plugin.lower()
    if plugin == "azure":
        if (mode or "").lower() == "overlay":
            return table["overlay"]
        return table["pod-subnet"] if pod_subnet else table["azure"]
    return table.get(plugin)


def _millis(brackets: tuple[tuple[float, float], ...]) -> tuple[tuple[float, float], ...]:
    """Core thresholds as millicores."""
    return tuple((threshold * 1000, rate) for threshold, rate in brackets)


def _aks_cpu(cores: int, table: tuple[tuple[int, float], ...]) -> float:
    """The documented reservation for ``cores``, linear between the table's core counts."""
    counts = [count for count, _ in table]
    if cores <= counts[0]:
        return table[0][1]
    index = bisect.bisect_left(counts, cores)
    if index < len(table) and counts[index] == cores:
        return table[index][1]
    (low, low_m), (high, high_m) = (
        (table[index - 1], table[index]) if index < len(table) else (table[-2], table[-1])
    )
    return low_m + (cores - low) * (high_m - low_m) / (high - low)


__all__ = [
    "Allocatable",
    "Reservations",
    "aks",
    "aks_default_max_pods",
    "bracketed",
    "eks",
    "gke",
    "reservations",
]
