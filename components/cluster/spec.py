"""The cloud-neutral cluster spec: pools, sizes, spot rules and off-hours, validated once.

A cluster is a small on-demand *system* pool (add-ons and anything that must not be
interrupted), optional on-demand worker pools (a baseline that never disappears) and one or
more *spot* pools. Every pool names a node shape (vCPU, memory, GPUs) and the interchangeable
instance types that have it. Every cloud file (``aws.py``, ``gcp.py``, ``azure.py``) turns the
same spec into its own resources through :func:`plan_cluster`, which validates everything
first and raises one :class:`ClusterSpecError` naming every bad field, its value and what is
allowed, before any resource is registered.

Imports no provider SDK (and not :mod:`thrifty.config`, which imports this module): the
environment's caps arrive as any object with :class:`NodeCaps`' attributes, such as
:class:`thrifty.config.CapsConfig`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.alias_generators import to_camel

from thrifty.cost.catalog import InstanceType, instance_type, same_shape, same_shape_as
from thrifty.foundation.spec import resource_prefix
from thrifty.tags import CostTags, Environment, TagRenderError, render_kubernetes

Cloud = Literal["aws", "gcp", "azure"]
Role = Literal["system", "on-demand", "spot"]
TaintEffect = Literal["NoSchedule", "PreferNoSchedule", "NoExecute"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

#: Instance types of one pool may differ by this fraction in vCPUs and memory (catalog rule).
SHAPE_TOLERANCE = 0.25
#: Interruption diversity: a spot pool that can draw from fewer capacity pools is evicted
#: together more often, and the autoscaler has nothing to fall back to within the pool.
MIN_SPOT_INSTANCE_TYPES = 3
MAX_INSTANCE_TYPES = 10

#: Labels thrifty puts on every node; users may not set keys under this prefix.
LABEL_PREFIX = "thrifty.io/"
POOL_LABEL = "thrifty.io/pool"
ROLE_LABEL = "thrifty.io/role"
CAPACITY_LABEL = "thrifty.io/capacity-type"
#: Deployments / StatefulSets with this label set to ``exempt`` keep running off hours.
OFF_HOURS_LABEL = "thrifty.io/off-hours"
#: kubelet refuses node labels under these domains (kubernetes.io, k8s.io and subdomains).
_RESERVED_LABEL_DOMAINS = ("kubernetes.io", "k8s.io")
_K8S_LABEL_VALUE = re.compile(r"([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?")


class ClusterSpecError(ValueError):
    """Every problem of a cluster spec at once, raised before any resource is registered."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        count = len(self.problems)
        super().__init__(f"invalid cluster spec ({count} problem{'s' * (count != 1)}):\n{lines}")


@runtime_checkable
class NodeCaps(Protocol):
    """The environment's size caps (``thrifty.config.CapsConfig`` satisfies this)."""

    @property
    def max_node_vcpus(self) -> int: ...
    @property
    def max_node_memory_gib(self) -> float: ...
    @property
    def max_nodes_per_pool(self) -> int: ...
    @property
    def max_nodes_per_cluster(self) -> int: ...
    @property
    def max_disk_gib(self) -> int: ...
    @property
    def allow_gpu(self) -> bool: ...


class _SpecModel(BaseModel):
    """camelCase keys as in a stack file, unknown keys rejected, immutable."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


def _valid_k8s_label(key: str, value: str) -> str | None:
    """None when ``key: value`` is a Kubernetes label as written, else the reason."""
    try:
        render_kubernetes({key: ""})  # the tag standard's key rules
    except TagRenderError as error:
        return str(error)
    if not _K8S_LABEL_VALUE.fullmatch(value):
        return (
            f"value {value!r} is not a valid Kubernetes label value (at most 63 of "
            "[A-Za-z0-9._-], starting and ending alphanumeric, or empty)"
        )
    return None


def _reserved(key: str) -> str | None:
    """Why a user may not set ``key`` on a node (kubelet's and thrifty's own prefixes)."""
    prefix = key.rpartition("/")[0]
    if prefix and (
        prefix.endswith(_RESERVED_LABEL_DOMAINS) or f"{prefix}/".startswith(LABEL_PREFIX)
    ):
        return (
            f"key {key!r} uses a reserved prefix (*kubernetes.io/, *k8s.io/ and "
            f"{LABEL_PREFIX} are set by Kubernetes or thrifty)"
        )
    return None


class Taint(_SpecModel):
    """A node taint; workloads need a matching toleration to be scheduled on the node."""

    key: str
    value: str = ""
    effect: TaintEffect = "NoSchedule"

    @model_validator(mode="after")
    def _valid(self) -> Taint:
        problem = _valid_k8s_label(self.key, self.value)
        if problem:
            raise ValueError(f"taint {self.key}={self.value}: {problem}")
        return self

    def __str__(self) -> str:
        return f"{self.key}={self.value}:{self.effect}"


class PoolSpec(_SpecModel):
    """One node pool: its shape, the interchangeable instance types, sizes, labels, taints.

    ``desiredSize`` defaults to ``minSize`` (start small, let the autoscaler grow it).
    """

    name: str = Field(
        pattern=r"^[a-z][a-z0-9]{0,9}$",
        description="1-10 of [a-z0-9], starting with a letter (AKS pool names, plus a digit).",
    )
    instance_types: list[str] = Field(min_length=1, max_length=MAX_INSTANCE_TYPES)
    vcpus: int = Field(ge=1, description="vCPUs per node.")
    memory_gib: float = Field(gt=0, description="Memory per node, GiB.")
    gpus: int = Field(default=0, ge=0, description="GPUs per node.")
    min_size: int = Field(ge=0)
    desired_size: int | None = Field(default=None, ge=0)
    max_size: int = Field(ge=1)
    disk_gib: int = Field(default=50, ge=20, description="Node OS disk, GiB.")
    labels: dict[str, str] = Field(default_factory=dict)
    taints: list[Taint] = Field(default_factory=list)

    @field_validator("instance_types")
    @classmethod
    def _unique_types(cls, value: list[str]) -> list[str]:
        repeated = sorted({name for name in value if value.count(name) > 1})
        if repeated:
            raise ValueError(f"instance types are listed more than once: {repeated}")
        return value

    @field_validator("labels")
    @classmethod
    def _valid_labels(cls, value: dict[str, str]) -> dict[str, str]:
        for key, label in value.items():
            problem = _valid_k8s_label(key, label) or _reserved(key)
            if problem:
                raise ValueError(f"label {key}={label}: {problem}")
        return value

    @field_validator("taints")
    @classmethod
    def _unreserved_taints(cls, value: list[Taint]) -> list[Taint]:
        for taint in value:
            problem = _reserved(taint.key)
            if problem:
                raise ValueError(f"taint {taint}: {problem}")
        return value

    @model_validator(mode="after")
    def _ordered_sizes(self) -> PoolSpec:
        desired = self.desired
        if not self.min_size <= desired <= self.max_size:
            raise ValueError(
                f"sizes must satisfy minSize <= desiredSize <= maxSize, got minSize="
                f"{self.min_size} desiredSize={desired} maxSize={self.max_size}"
            )
        return self

    @property
    def desired(self) -> int:
        """The desired size, defaulting to the minimum."""
        return self.min_size if self.desired_size is None else self.desired_size


class ClusterSpec(_SpecModel):
    """``thrifty:cluster``: the pools of one Kubernetes cluster and where its nodes run."""

    kubernetes_version: str | None = Field(
        default=None, pattern=r"^1\.\d{2}$", description="e.g. 1.31; the cloud's default if unset."
    )
    zones: int = Field(default=2, ge=1, le=3, description="Zones the nodes spread over.")
    system_pool: PoolSpec
    on_demand_pools: list[PoolSpec] = Field(default_factory=list)
    spot_pools: list[PoolSpec] = Field(min_length=1)
    metrics_server: bool = Field(
        default=True,
        description="EKS: install metrics-server (EKS's community add-on), the resource "
        "metrics every HorizontalPodAutoscaler and the VPA read. false only where you install "
        "your own; GKE and AKS always run theirs (false is refused there).",
    )
    vertical_pod_autoscaler: bool = Field(
        default=True,
        description="Make the VerticalPodAutoscaler API available, in recommendation mode, "
        "for right-sizing: EKS gets its recommender (Helm chart), GKE and AKS their managed "
        "VPA. false: thrifty installs none, and workloads' VPA objects need one of yours.",
    )

    @model_validator(mode="after")
    def _unique_names(self) -> ClusterSpec:
        names = [pool.name for _, pool in self.pools()]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"pool names must be unique in a cluster, repeated: {repeated}")
        return self

    def pools(self) -> list[tuple[Role, PoolSpec]]:
        """Every pool with its role: system first, then on-demand, then spot."""
        return [
            ("system", self.system_pool),
            *(("on-demand", pool) for pool in self.on_demand_pools),
            *(("spot", pool) for pool in self.spot_pools),
        ]


def _namespace_names(value: list[str]) -> list[str]:
    """``value`` when every entry is a namespace name (a DNS label), else the first that isn't."""
    for namespace in value:
        if not re.fullmatch(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?", namespace):
            raise ValueError(f"namespace {namespace!r} is not a DNS label")
    return value


WORKING_DAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")
_DAY_NUMBER: dict[Weekday, int] = {
    "sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6
}  # fmt: skip


class OffHoursSpec(_SpecModel):
    """``thrifty:offHours``: working hours; outside them non-production pools scale to minimum.

    Nodes scale down at ``end`` on each working day and back up at ``start``; days not listed
    stay scaled down (a weekend). Production never gets a schedule.
    """

    time_zone: str = Field(description="IANA time zone, e.g. Europe/Berlin.")
    start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="HH:MM, 24 h.")
    end: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="HH:MM, 24 h.")
    days: list[Weekday] = Field(
        default_factory=lambda: list(WORKING_DAYS), min_length=1, max_length=7
    )
    namespaces: list[str] = Field(
        default_factory=lambda: ["default"],
        min_length=1,
        description="Namespaces whose workloads the Kubernetes off-hours job scales to zero.",
    )
    image: str = Field(
        default="alpine/k8s:1.31.12",
        min_length=1,
        description="Image of the Kubernetes off-hours job; needs kubectl and /bin/sh.",
    )

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{value!r} is not an IANA time zone (e.g. Europe/Berlin, America/New_York)"
            ) from None
        return value

    @field_validator("days")
    @classmethod
    def _unique_days(cls, value: list[Weekday]) -> list[Weekday]:
        if len(set(value)) != len(value):
            raise ValueError(f"days are listed more than once: {value}")
        return value

    @field_validator("namespaces")
    @classmethod
    def _dns_labels(cls, value: list[str]) -> list[str]:
        return _namespace_names(value)

    @model_validator(mode="after")
    def _start_before_end(self) -> OffHoursSpec:
        if self.start >= self.end:
            raise ValueError(
                f"start {self.start} must be before end {self.end} (working hours within a day)"
            )
        return self

    def _cron(self, hhmm: str) -> str:
        hour, minute = (int(part) for part in hhmm.split(":"))
        numbers = sorted(_DAY_NUMBER[day] for day in self.days)
        days = ",".join(str(number) for number in numbers)
        return f"{minute} {hour} * * {days}"

    @property
    def scale_up_cron(self) -> str:
        """Cron expression (in ``time_zone``) for the start of working hours."""
        return self._cron(self.start)

    @property
    def scale_down_cron(self) -> str:
        """Cron expression (in ``time_zone``) for the end of working hours."""
        return self._cron(self.end)


class ClusterArgs(BaseModel):
    """What every cloud's cluster component takes; the cloud files add where it lives."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    tags: CostTags
    cluster: ClusterSpec
    caps: NodeCaps | None = Field(
        default=None, description="The environment's caps (thrifty.config.CapsConfig)."
    )
    off_hours: OffHoursSpec | None = Field(
        default=None, description="Working hours; non-production only."
    )
    owned_namespaces: list[str] = Field(
        default_factory=list,
        description="Namespaces the program creates after the cluster (a stack's "
        "thrifty:namespaces, which create_workloads guards). The off-hours job is bound in "
        "them by whoever creates them, once they exist (OffHoursScaler.bind), never with the "
        "cluster, so a first `pulumi up` does not bind it in a namespace that is not there yet.",
    )

    @field_validator("owned_namespaces")
    @classmethod
    def _dns_labels(cls, value: list[str]) -> list[str]:
        return _namespace_names(value)


# --------------------------------------------------------------------------- planning


@dataclass(frozen=True)
class NodePoolPlan:
    """One node pool as a cloud creates it (GKE and AKS split a spot pool per type)."""

    pool: str
    name: str
    role: Role
    instance_types: tuple[str, ...]
    min_size: int
    desired_size: int
    max_size: int
    disk_gib: int
    labels: dict[str, str]
    taints: tuple[Taint, ...]

    @property
    def spot(self) -> bool:
        return self.role == "spot"

    @property
    def priority(self) -> int:
        """Priority-expander weight: spot first, then on-demand workers, then the rest."""
        return PRIORITIES[self.role]


#: Higher wins in cluster-autoscaler's priority expander.
PRIORITIES: dict[Role, int] = {"spot": 50, "on-demand": 20, "system": 10}

#: Spot taint per cloud. AKS puts its own on every spot node (and it must be declared to
#: avoid drift); GKE labels spot nodes and documents this taint; EKS has none, so thrifty's.
SPOT_TAINTS: dict[Cloud, Taint] = {
    "aws": Taint(key="thrifty.io/spot", value="true", effect="NoSchedule"),
    "gcp": Taint(key="cloud.google.com/gke-spot", value="true", effect="NoSchedule"),
    "azure": Taint(key="kubernetes.azure.com/scalesetpriority", value="spot", effect="NoSchedule"),
}

#: The managed Kubernetes service of each cloud, for messages.
CLOUD_NAMES: dict[Cloud, str] = {"aws": "EKS", "gcp": "GKE", "azure": "AKS"}

#: Clouds whose node pools take one machine type: a spot pool becomes one pool per type.
SPLIT_CLOUDS: frozenset[Cloud] = frozenset({"gcp", "azure"})

_CLUSTER_NAME_RULES: dict[Cloud, tuple[str, int, str]] = {
    "aws": (r"^[0-9A-Za-z][A-Za-z0-9_-]*$", 100, "letters, digits, - and _"),
    "gcp": (r"^[a-z]([-a-z0-9]*[a-z0-9])?$", 40, "lowercase letters, digits and -"),
    "azure": (r"^[a-zA-Z0-9]([-_a-zA-Z0-9]*[a-zA-Z0-9])?$", 54, "letters, digits, - and _"),
}


@dataclass(frozen=True)
class ClusterPlan:
    """A validated spec made concrete for one cloud: names, pools, schedule."""

    cloud: Cloud
    cluster_name: str
    environment: Environment
    spec: ClusterSpec
    pools: tuple[NodePoolPlan, ...]
    off_hours: OffHoursSpec | None
    spot_taint: Taint
    extra: dict[str, str] = field(default_factory=dict)
    #: Namespaces the program creates after the cluster (``ClusterArgs.owned_namespaces``).
    owned_namespaces: tuple[str, ...] = ()

    @property
    def production(self) -> bool:
        return self.environment == "production"

    def spot_tolerations(self) -> list[dict[str, str]]:
        """The toleration a workload needs to run on this cluster's spot nodes."""
        taint = self.spot_taint
        return [
            {"key": taint.key, "operator": "Equal", "value": taint.value, "effect": taint.effect}
        ]

    def spot_node_selector(self) -> dict[str, str]:
        """A node selector that keeps a workload on spot nodes."""
        return {CAPACITY_LABEL: "spot"}

    def expander_priorities(self, group_pattern: Mapping[str, str]) -> str:
        """cluster-autoscaler priority-expander config (``priorities`` key of the ConfigMap).

        ``group_pattern`` maps a plan's name to the regex of its autoscaling group's name;
        the lowest tier is ``.*`` so anything unmatched is still a fallback.
        """
        tiers: dict[int, list[str]] = {}
        for plan in self.pools:
            if plan.role != "system":
                tiers.setdefault(plan.priority, []).append(group_pattern[plan.name])
        tiers.setdefault(PRIORITIES["system"], []).append(".*")
        return "".join(
            f"{weight}:\n" + "".join(f"  - {json.dumps(pattern)}\n" for pattern in patterns)
            for weight, patterns in sorted(tiers.items(), reverse=True)
        )


def split_evenly(total: int, parts: int) -> list[int]:
    """``total`` spread over ``parts`` as evenly as possible, earlier parts taking the rest."""
    base, rest = divmod(total, parts)
    return [base + (1 if index < rest else 0) for index in range(parts)]


def _node_labels(role: Role, pool: PoolSpec) -> dict[str, str]:
    capacity = "spot" if role == "spot" else "on-demand"
    return {**pool.labels, POOL_LABEL: pool.name, ROLE_LABEL: role, CAPACITY_LABEL: capacity}


def _plans_for(cloud: Cloud, role: Role, pool: PoolSpec) -> list[NodePoolPlan]:
    labels = _node_labels(role, pool)
    taints = tuple(pool.taints) + ((SPOT_TAINTS[cloud],) if role == "spot" else ())
    if cloud not in SPLIT_CLOUDS:
        return [
            NodePoolPlan(
                pool.name, pool.name, role, tuple(pool.instance_types), pool.min_size,
                pool.desired, pool.max_size, pool.disk_gib, labels, taints,
            )
        ]  # fmt: skip
    # One machine type per pool: spot pools get one pool per type (the autoscaler picks
    # among them, which is the diversity); on-demand pools use their first type.
    types = pool.instance_types if role == "spot" else pool.instance_types[:1]
    count = len(types)
    mins, desireds, maxes = (
        split_evenly(value, count) for value in (pool.min_size, pool.desired, pool.max_size)
    )
    return [
        NodePoolPlan(
            pool.name,
            pool.name if count == 1 else f"{pool.name}{index}",
            role,
            (machine,),
            mins[index],
            desireds[index],
            maxes[index],
            pool.disk_gib,
            labels,
            taints,
        )
        for index, machine in enumerate(types)
    ]


def _shape_of(pool: PoolSpec, reference: InstanceType) -> InstanceType:
    """The declared shape as a catalog entry, so the catalog's own rule compares shapes."""
    return reference.model_copy(
        update={
            "name": f"{pool.vcpus} vCPU / {pool.memory_gib:g} GiB / {pool.gpus} GPU",
            "vcpus": pool.vcpus,
            "memory_gib": pool.memory_gib,
            "gpus": pool.gpus,
        }
    )


def _pool_path(role: Role, index: int) -> str:
    if role == "system":
        return "systemPool"
    return f"{'spotPools' if role == 'spot' else 'onDemandPools'}[{index}]"


def _type_problems(cloud: Cloud, path: str, role: Role, pool: PoolSpec) -> list[str]:
    problems: list[str] = []
    known: list[InstanceType] = []
    for name in pool.instance_types:
        found = instance_type(cloud, name)
        if found is None:
            problems.append(
                f"{path}.instanceTypes: {name!r} is not in thrifty's {cloud} catalog, so its "
                "shape cannot be checked; use a catalogued type (see thrifty.cost.catalog)"
            )
        else:
            known.append(found)
    if role == "spot" and len(pool.instance_types) < MIN_SPOT_INSTANCE_TYPES:
        alternatives = same_shape_as(cloud, known[0].name, SHAPE_TOLERANCE) if known else None
        hint = (
            f"; same-shape types in the catalog: {', '.join(t.name for t in alternatives)}"
            if alternatives
            else ""
        )
        problems.append(
            f"{path}.instanceTypes: a spot pool needs at least {MIN_SPOT_INSTANCE_TYPES} "
            f"interchangeable instance types for interruption diversity, got "
            f"{len(pool.instance_types)} {pool.instance_types}{hint}"
        )
    if known:
        declared = _shape_of(pool, known[0])
        for found in known:
            if not same_shape(declared, found, SHAPE_TOLERANCE):
                problems.append(
                    f"{path}.instanceTypes: {found.name!r} ({found.vcpus} vCPU, "
                    f"{found.memory_gib:g} GiB, {found.gpus} GPU, {found.architecture}) is not "
                    f"the pool's shape ({declared.name}, {known[0].architecture}) within "
                    f"{SHAPE_TOLERANCE:.0%}"
                )
    return problems


def _cap_problems(path: str, pool: PoolSpec, caps: NodeCaps, cloud: Cloud) -> list[str]:
    problems: list[str] = []
    largest_vcpus, largest_memory, gpus = pool.vcpus, pool.memory_gib, pool.gpus
    for name in pool.instance_types:
        found = instance_type(cloud, name)
        if found is not None:
            largest_vcpus = max(largest_vcpus, found.vcpus)
            largest_memory = max(largest_memory, found.memory_gib)
            gpus = max(gpus, found.gpus)
    if largest_vcpus > caps.max_node_vcpus:
        problems.append(
            f"{path}: nodes of {largest_vcpus} vCPUs exceed caps.maxNodeVcpus {caps.max_node_vcpus}"
        )
    if largest_memory > caps.max_node_memory_gib:
        problems.append(
            f"{path}: nodes of {largest_memory:g} GiB exceed caps.maxNodeMemoryGib "
            f"{caps.max_node_memory_gib:g}"
        )
    if gpus and not caps.allow_gpu:
        problems.append(f"{path}: GPU nodes ({gpus} per node) need caps.allowGpu: true")
    if pool.max_size > caps.max_nodes_per_pool:
        problems.append(
            f"{path}.maxSize: {pool.max_size} exceeds caps.maxNodesPerPool "
            f"{caps.max_nodes_per_pool}"
        )
    if pool.disk_gib > caps.max_disk_gib:
        problems.append(
            f"{path}.diskGib: {pool.disk_gib} exceeds caps.maxDiskGib {caps.max_disk_gib}"
        )
    return problems


def cluster_problems(
    spec: ClusterSpec,
    *,
    cloud: Cloud,
    environment: Environment,
    caps: NodeCaps | None = None,
    off_hours: OffHoursSpec | None = None,
) -> list[str]:
    """Every rule that needs the cloud, the environment or the caps; empty when valid.

    Paths are relative to the cluster spec (``spotPools[0].instanceTypes``) except
    ``offHours``, which is its own config key.
    """
    problems: list[str] = []
    counters: dict[Role, int] = {"system": 0, "on-demand": 0, "spot": 0}
    for role, pool in spec.pools():
        path = _pool_path(role, counters[role])
        counters[role] += 1
        problems.extend(_type_problems(cloud, path, role, pool))
        if caps is not None:
            problems.extend(_cap_problems(path, pool, caps, cloud))
        if role == "spot" and cloud in SPLIT_CLOUDS and pool.max_size < len(pool.instance_types):
            problems.append(
                f"{path}.maxSize: {pool.max_size} is below the number of instance types "
                f"({len(pool.instance_types)}); on {cloud} each type is its own node pool and "
                "needs room for at least one node"
            )
    if caps is not None:
        total = sum(pool.max_size for _, pool in spec.pools())
        if total > caps.max_nodes_per_cluster:
            problems.append(
                f"maxSize: the pools' maxSize add up to {total}, above "
                f"caps.maxNodesPerCluster {caps.max_nodes_per_cluster}"
            )
    if environment == "production" and spec.system_pool.min_size < spec.zones:
        problems.append(
            f"systemPool.minSize: production keeps at least one on-demand node in each of its "
            f"{spec.zones} zones, so minSize must be >= {spec.zones} "
            f"(got {spec.system_pool.min_size})"
        )
    if not spec.metrics_server and cloud != "aws":
        problems.append(
            f"metricsServer: false is for EKS only; {CLOUD_NAMES[cloud]} runs metrics-server "
            "itself and it cannot be turned off (leave metricsServer unset or true)"
        )
    if environment == "production" and off_hours is not None:
        problems.append(
            "offHours: production never scales down on a schedule; remove offHours from "
            "the production stack"
        )
    return problems


def plan_cluster(
    name: str, args: ClusterArgs, cloud: Cloud, *, path: str = "cluster"
) -> ClusterPlan:
    """Validate ``args`` for ``cloud`` and lay out its pools; raises :class:`ClusterSpecError`.

    Called by every cluster component before it registers anything.
    """
    environment = args.tags.environment
    problems = [
        problem if problem.startswith("offHours") else f"{path}.{problem}"
        for problem in cluster_problems(
            args.cluster,
            cloud=cloud,
            environment=environment,
            caps=args.caps,
            off_hours=args.off_hours,
        )
    ]
    cluster_name = f"{resource_prefix(args.tags)}-{name}"
    pattern, limit, allowed = _CLUSTER_NAME_RULES[cloud]
    if len(cluster_name) > limit or not re.match(pattern, cluster_name):
        problems.append(
            f"name: cluster name {cluster_name!r} (<project>-<env>-<component name>) must be at "
            f"most {limit} characters of {allowed} on {cloud}"
        )
    if problems:
        raise ClusterSpecError(problems)
    pools = tuple(
        plan for role, pool in args.cluster.pools() for plan in _plans_for(cloud, role, pool)
    )
    return ClusterPlan(
        cloud=cloud,
        cluster_name=cluster_name,
        environment=environment,
        spec=args.cluster,
        pools=pools,
        off_hours=None if environment == "production" else args.off_hours,
        spot_taint=SPOT_TAINTS[cloud],
        owned_namespaces=tuple(args.owned_namespaces),
    )


def exec_kubeconfig(
    cluster_name: str,
    server: str,
    ca_data: str,
    command: str,
    exec_args: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
) -> str:
    """A kubeconfig (JSON, which is YAML) that authenticates through an exec plugin.

    EKS (``aws eks get-token``) and GKE (``gke-gcloud-auth-plugin``) hand out short-lived
    tokens this way, so the kubeconfig itself holds no long-lived credential.
    """
    user: dict[str, object] = {
        "apiVersion": "client.authentication.k8s.io/v1beta1",
        "command": command,
        "args": list(exec_args),
        "interactiveMode": "Never",
    }
    if env:
        user["env"] = [{"name": key, "value": value} for key, value in env.items()]
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": cluster_name,
                "cluster": {"server": server, "certificate-authority-data": ca_data},
            }
        ],
        "contexts": [
            {"name": cluster_name, "context": {"cluster": cluster_name, "user": cluster_name}}
        ],
        "current-context": cluster_name,
        "users": [{"name": cluster_name, "user": {"exec": user}}],
    }
    return json.dumps(config, indent=2)


__all__ = [
    "CAPACITY_LABEL",
    "CLOUD_NAMES",
    "MIN_SPOT_INSTANCE_TYPES",
    "OFF_HOURS_LABEL",
    "POOL_LABEL",
    "PRIORITIES",
    "ROLE_LABEL",
    "SHAPE_TOLERANCE",
    "SPOT_TAINTS",
    "ClusterArgs",
    "ClusterPlan",
    "ClusterSpec",
    "ClusterSpecError",
    "NodeCaps",
    "NodePoolPlan",
    "OffHoursSpec",
    "PoolSpec",
    "Taint",
    "cluster_problems",
    "exec_kubeconfig",
    "plan_cluster",
    "split_evenly",
]
