"""The cloud-neutral workload spec: one service's container, autoscaler and namespace guardrails.

The same models are the ``thrifty:workloads`` and ``thrifty:namespaces`` keys of a stack file
and the arguments of :class:`thrifty.workload.component.Workload` and
:class:`thrifty.workload.guardrails.NamespaceGuardrails`. Defaults are the guide's (container
requests 100m / 256Mi, limits 500m / 512Mi; an HPA of 2-10 replicas at 70 % CPU and 80 %
memory). Rules that need more than one model (a workload against its namespace's LimitRange
and ResourceQuota) are :func:`workload_problems`, which the config and the components run
before any resource is registered.

Imports no provider SDK; quantities are read by :mod:`thrifty.quantities`, the one parser.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from typing import Annotated, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from thrifty.quantities import QuantityError, format_cpu, format_memory, parse_quantity

#: A Kubernetes namespace, container or object name that must be a DNS label (RFC 1123).
DNS_LABEL = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"
#: Namespaces every cluster already has: thrifty can neither create nor own them.
SYSTEM_NAMESPACES = frozenset({"default", "kube-system", "kube-public", "kube-node-lease"})
#: The guide's container resources ("Resource Allocation").
GUIDE_REQUESTS = {"cpu": "100m", "memory": "256Mi"}
GUIDE_LIMITS = {"cpu": "500m", "memory": "512Mi"}
#: A guarded namespace's default per-container maximum (LimitRange ``max``).
DEFAULT_CONTAINER_MAX = {"cpu": "2", "memory": "4Gi"}
#: Kubernetes bounds ``behavior.scaleDown.stabilizationWindowSeconds`` to one hour (API docs
#: of HPAScalingRules, autoscaling/v2).
MAX_STABILIZATION_SECONDS = 3600
#: The smallest amounts a container may ask for: 1m is the finest CPU the API keeps; memory
#: under 1Mi is almost always ``256m`` (millibytes) written for ``256Mi``.
MIN_CPU_CORES = 0.001
MIN_MEMORY_BYTES = 2**20
#: The fewest replicas an HPA bound may name.
MIN_REPLICAS = 1
#: What a probe path must look like, and how to say so.
PROBE_PATH_PATTERN = r"^/\S*$"
PROBE_PATH_MEANING = "an absolute URL path such as /healthz"

Resource = Literal["cpu", "memory"]
RESOURCES: tuple[Resource, ...] = ("cpu", "memory")
DnsLabel = Annotated[str, Field(pattern=DNS_LABEL, description="A DNS label (RFC 1123).")]


class WorkloadSpecError(ValueError):
    """Every problem of a workload or namespace spec at once, raised before registration."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        count = len(self.problems)
        super().__init__(f"invalid workload spec ({count} problem{'s' * (count != 1)}):\n{lines}")


def _as_text(value: object) -> object:
    """YAML hands ``cpu: 2`` over as a number; keep it as the quantity text ``"2"``."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value


def _readable(value: str) -> str:
    """A quantity the API accepts, not negative (``-1`` parses but is never a size)."""
    try:
        amount = parse_quantity(value, "value")
    except QuantityError:
        raise ValueError(
            f"{value!r} is not a Kubernetes quantity (such as 500m, 2, 512Mi or 4Gi)"
        ) from None
    if amount < 0:
        raise ValueError(f"{value!r} is negative; a quantity is 0 or more")
    return value


#: A Kubernetes quantity as written (``500m``, ``2``, ``512Mi``), checked with the one parser.
Quantity = Annotated[str, BeforeValidator(_as_text), AfterValidator(_readable)]


def _enough_cpu(value: str) -> str:
    if parse_quantity(value, "cpu") < MIN_CPU_CORES:
        raise ValueError(f"cpu {value!r} is below 1m, the smallest CPU amount Kubernetes keeps")
    return value


def _enough_memory(value: str) -> str:
    if parse_quantity(value, "memory") < MIN_MEMORY_BYTES:
        raise ValueError(
            f"memory {value!r} is below 1Mi (at least 1Mi; 'm' means milli, so write "
            "256Mi, not 256m)"
        )
    return value


#: A container's CPU and memory amounts: a quantity, and at least the smallest one that means
#: something (one type each, so that an amount can be read alone when its neighbours fail).
CpuQuantity = Annotated[Quantity, AfterValidator(_enough_cpu)]
MemoryQuantity = Annotated[Quantity, AfterValidator(_enough_memory)]


class _SpecModel(BaseModel):
    """camelCase keys as in a stack file, unknown keys rejected, immutable."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


class ResourceAmounts(_SpecModel):
    """CPU and memory of one container, as quantities kept as the user wrote them."""

    cpu: CpuQuantity
    memory: MemoryQuantity

    def amount(self, resource: Resource) -> float:
        """Cores (cpu) or bytes (memory)."""
        return parse_quantity(getattr(self, resource), resource)

    def as_dict(self) -> dict[str, str]:
        """``{"cpu": ..., "memory": ...}`` as a Kubernetes resource list."""
        return {"cpu": self.cpu, "memory": self.memory}


def _at_most(
    lower: Mapping[str, str], upper: Mapping[str, str], lower_name: str, upper_name: str, why: str
) -> list[str]:
    """Where ``lower`` exceeds ``upper``, per resource given on both sides, with both values."""
    return [
        f"{upper_name}.{resource} {upper[resource]!r} is below {lower_name}.{resource} "
        f"{lower[resource]!r}; {why}"
        for resource in RESOURCES
        if resource in lower
        and resource in upper
        and parse_quantity(lower[resource], resource) > parse_quantity(upper[resource], resource)
    ]


def limits_problems(requests: Mapping[str, str], limits: Mapping[str, str]) -> list[str]:
    """A container's limits against its requests (resources missing on a side are skipped)."""
    return _at_most(requests, limits, "requests", "limits", "a limit must be at least its request")


class ContainerResources(_SpecModel):
    """The main container's requests (what the scheduler reserves) and limits (its ceiling)."""

    requests: ResourceAmounts = Field(
        default_factory=lambda: ResourceAmounts.model_validate(GUIDE_REQUESTS)
    )
    limits: ResourceAmounts = Field(
        default_factory=lambda: ResourceAmounts.model_validate(GUIDE_LIMITS)
    )

    @model_validator(mode="after")
    def _limits_cover_requests(self) -> ContainerResources:
        problems = limits_problems(self.requests.as_dict(), self.limits.as_dict())
        if problems:
            raise ValueError("; ".join(problems))
        return self


def _within(name: str, value: int, low: int, high: int | None, what: str) -> int:
    """``value`` when ``low <= value <= high``, else an error naming the field and the range."""
    if value < low or (high is not None and value > high):
        allowed = f"{low}-{high}" if high is not None else f"at least {low}"
        raise ValueError(f"{name} {value} is out of range: {what} is {allowed}")
    return value


def replica_problems(min_replicas: int, max_replicas: int) -> list[str]:
    """An HPA's bounds in order."""
    if min_replicas <= max_replicas:
        return []
    return [
        f"minReplicas {min_replicas} is above maxReplicas {max_replicas}; minReplicas must be "
        "at most maxReplicas"
    ]


class AutoscalingSpec(_SpecModel):
    """An ``autoscaling/v2`` HorizontalPodAutoscaler on CPU and memory (the guide's figures).

    Utilization is a percentage of the container's *requests*; 1-100 keeps the pods within
    what the scheduler reserved for them. Scale-down waits out the stabilization window so a
    short dip does not remove pods that the next minute needs again.
    """

    min_replicas: int = 2
    max_replicas: int = 10
    cpu_utilization: int = 70
    memory_utilization: int = 80
    scale_down_stabilization_seconds: int = 300

    @field_validator("min_replicas", "max_replicas")
    @classmethod
    def _replicas(cls, value: int, info: ValidationInfo) -> int:
        name = to_camel(str(info.field_name))
        return _within(name, value, MIN_REPLICAS, None, "an HPA's replica bound")

    @field_validator("cpu_utilization", "memory_utilization")
    @classmethod
    def _percent(cls, value: int, info: ValidationInfo) -> int:
        name = to_camel(str(info.field_name))
        return _within(name, value, 1, 100, "a target utilization (percent of requests)")

    @field_validator("scale_down_stabilization_seconds")
    @classmethod
    def _window(cls, value: int) -> int:
        return _within(
            "scaleDownStabilizationSeconds",
            value,
            0,
            MAX_STABILIZATION_SECONDS,
            "the scale-down stabilization window Kubernetes accepts (seconds)",
        )

    @model_validator(mode="after")
    def _ordered(self) -> AutoscalingSpec:
        problems = replica_problems(self.min_replicas, self.max_replicas)
        if problems:
            raise ValueError("; ".join(problems))
        return self


class ProbeSpec(_SpecModel):
    """HTTP readiness and liveness probes on the workload's port."""

    path: str = Field(
        default="/healthz", pattern=PROBE_PATH_PATTERN, description=PROBE_PATH_MEANING
    )
    initial_delay_seconds: int = Field(default=10, ge=0, le=3600)
    period_seconds: int = Field(default=10, ge=1, le=3600)


class WorkloadSpec(_SpecModel):
    """``thrifty:workloads.<name>``: one service (a Deployment and what keeps it right-sized).

    ``interruptionTolerant`` puts the pods on spot nodes where there are some (toleration and
    a *preferred* spot affinity, so they fall back to on-demand); otherwise a *required*
    affinity keeps them off spot nodes.
    """

    namespace: DnsLabel = "default"
    image: str = Field(pattern=r"^\S+$", description="Container image, e.g. registry/app:1.4.2.")
    port: int = Field(default=8080, ge=1, le=65535, description="The container's HTTP port.")
    resources: ContainerResources = Field(default_factory=ContainerResources)
    autoscaling: AutoscalingSpec = Field(default_factory=AutoscalingSpec)
    interruption_tolerant: bool = False
    probes: ProbeSpec = Field(default_factory=ProbeSpec)


def limit_range_problems(
    default_request: Mapping[str, str], default: Mapping[str, str], maximum: Mapping[str, str]
) -> list[str]:
    """``defaultRequest <= default <= max``, per resource given on both sides."""
    return _at_most(
        default_request,
        default,
        "defaultRequest",
        "default",
        "a default limit must be at least the default request",
    ) + _at_most(default, maximum, "default", "max", "the default limit must be within max")


class LimitRangeSpec(_SpecModel):
    """The namespace's per-container defaults and maximum (a ``LimitRange`` of type Container).

    Containers that name no requests or limits get ``defaultRequest`` / ``default``; none may
    go above ``max``. Kubernetes requires ``defaultRequest <= default <= max``.
    """

    default_request: ResourceAmounts = Field(
        default_factory=lambda: ResourceAmounts.model_validate(GUIDE_REQUESTS)
    )
    default: ResourceAmounts = Field(
        default_factory=lambda: ResourceAmounts.model_validate(GUIDE_LIMITS)
    )
    maximum: ResourceAmounts = Field(
        alias="max", default_factory=lambda: ResourceAmounts.model_validate(DEFAULT_CONTAINER_MAX)
    )

    @model_validator(mode="after")
    def _ordered(self) -> LimitRangeSpec:
        problems = limit_range_problems(
            self.default_request.as_dict(), self.default.as_dict(), self.maximum.as_dict()
        )
        if problems:
            raise ValueError("; ".join(problems))
        return self


class QuotaSpec(_SpecModel):
    """The namespace's ``ResourceQuota``: what all its pods and claims may add up to."""

    requests_cpu: Quantity = "8"
    requests_memory: Quantity = "16Gi"
    limits_cpu: Quantity = "16"
    limits_memory: Quantity = "32Gi"
    gpus: int = Field(default=0, ge=0, description="requests.nvidia.com/gpu")
    persistent_volume_claims: int = Field(default=10, ge=0)
    storage: Quantity = Field(default="200Gi", description="requests.storage of all claims")

    @model_validator(mode="after")
    def _requests_within_limits(self) -> QuotaSpec:
        problems = [
            f"{request_key} {getattr(self, request_field)!r} is above {limit_key} "
            f"{getattr(self, limit_field)!r}; every pod's limits are at least its requests, so "
            f"{request_key} must be at most {limit_key}"
            for request_field, limit_field, request_key, limit_key in (
                ("requests_cpu", "limits_cpu", "requestsCpu", "limitsCpu"),
                ("requests_memory", "limits_memory", "requestsMemory", "limitsMemory"),
            )
            if parse_quantity(getattr(self, request_field), request_key)
            > parse_quantity(getattr(self, limit_field), limit_key)
        ]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def hard(self) -> dict[str, str]:
        """``spec.hard`` of the ResourceQuota (Kubernetes' resource names)."""
        return {
            "requests.cpu": self.requests_cpu,
            "requests.memory": self.requests_memory,
            "limits.cpu": self.limits_cpu,
            "limits.memory": self.limits_memory,
            "requests.nvidia.com/gpu": str(self.gpus),
            "persistentvolumeclaims": str(self.persistent_volume_claims),
            "requests.storage": self.storage,
        }


class NamespaceSpec(_SpecModel):
    """``thrifty:namespaces.<name>``: a namespace with its LimitRange and ResourceQuota."""

    limit_range: LimitRangeSpec = Field(default_factory=LimitRangeSpec)
    quota: QuotaSpec = Field(default_factory=QuotaSpec)


# --------------------------------------------------------------------------- cross-checks

#: ``(quota field, its key, the container's section)`` for the minimum-replicas check.
_QUOTA_SECTIONS: tuple[tuple[str, str, Literal["requests", "limits"], Resource], ...] = (
    ("requests_cpu", "requestsCpu", "requests", "cpu"),
    ("requests_memory", "requestsMemory", "requests", "memory"),
    ("limits_cpu", "limitsCpu", "limits", "cpu"),
    ("limits_memory", "limitsMemory", "limits", "memory"),
)


def _shown(resource: Resource, amount: float) -> str:
    return format_cpu(amount) if resource == "cpu" else format_memory(amount)


def _fits_limit_range(name: str, spec: WorkloadSpec, guard: NamespaceSpec) -> list[str]:
    """The container's limits within the namespace's per-container maximum."""
    maximum = guard.limit_range.maximum
    return [
        f"workloads.{name}.resources.limits.{resource}: "
        f"{getattr(spec.resources.limits, resource)!r} is above limitRange.max.{resource} "
        f"{getattr(maximum, resource)!r} of namespace {spec.namespace!r}; the API server refuses "
        f"such pods (allowed: at most {getattr(maximum, resource)})"
        for resource in RESOURCES
        if spec.resources.limits.amount(resource) > maximum.amount(resource)
    ]


def _fits_quota(
    namespace: str, guard: NamespaceSpec, workloads: Mapping[str, WorkloadSpec]
) -> list[str]:
    """The namespace's workloads at their minimum replicas within its quota."""
    problems = []
    for field, key, section, resource in _QUOTA_SECTIONS:
        quota = parse_quantity(getattr(guard.quota, field), key)
        parts = {
            name: spec.autoscaling.min_replicas * getattr(spec.resources, section).amount(resource)
            for name, spec in workloads.items()
        }
        total = sum(parts.values())
        if total > quota:
            detail = ", ".join(
                f"{name} {workloads[name].autoscaling.min_replicas} x "
                f"{getattr(getattr(workloads[name].resources, section), resource)}"
                for name in parts
            )
            needed = _shown(resource, total)
            problems.append(
                f"namespaces.{namespace}.quota.{key}: {getattr(guard.quota, field)!r} cannot "
                f"hold the minimum replicas of its workloads ({detail} = {needed}); allowed: "
                f"a quota of at least {needed}"
            )
    return problems


def workload_problems(
    workloads: Mapping[str, WorkloadSpec],
    namespaces: Mapping[str, NamespaceSpec],
    *,
    invalid_workloads: Collection[str] = (),
    invalid_namespaces: Collection[str] = (),
) -> list[str]:
    """Every rule between workloads and their namespaces; empty when they fit.

    Paths are relative to ``thrifty:`` (``workloads.<name>...``, ``namespaces.<name>...``).
    When namespaces are declared, every workload's namespace must be one of them; a guarded
    namespace's LimitRange must admit each container, and its quota must hold every workload
    at its minimum replicas. ``invalid_*`` name entries that failed their own validation
    (reported already): their names are still checked and a workload may name such a
    namespace, but what needs their contents is checked for the valid entries only.
    """
    declared = [*namespaces, *invalid_namespaces]
    problems = [
        f"{section}.{name}: {name!r} must be a DNS label (1-63 of [a-z0-9-], starting and "
        "ending with a letter or digit)"
        for section, names in (
            ("workloads", [*workloads, *invalid_workloads]),
            ("namespaces", declared),
        )
        for name in names
        if not re.fullmatch(DNS_LABEL, name)
    ]
    for namespace in declared:
        if namespace in SYSTEM_NAMESPACES:
            problems.append(
                f"namespaces.{namespace}: {namespace!r} exists in every cluster and cannot be "
                f"created or owned by a stack; guard a namespace of your own (not one of "
                f"{', '.join(sorted(SYSTEM_NAMESPACES))})"
            )
    for name, spec in workloads.items():
        guard = namespaces.get(spec.namespace)
        if guard is not None:
            problems.extend(_fits_limit_range(name, spec, guard))
        elif declared and spec.namespace not in declared:
            problems.append(
                f"workloads.{name}.namespace: {spec.namespace!r} is not a key of "
                f"thrifty:namespaces (allowed: {', '.join(sorted(declared))}); a guarded "
                "stack runs no workload outside its guardrails"
            )
    for namespace, guard in namespaces.items():
        members = {name: spec for name, spec in workloads.items() if spec.namespace == namespace}
        if members:
            problems.extend(_fits_quota(namespace, guard, members))
    return problems


# ------------------------------------------------------------ entries that failed their fields

_T = TypeVar("_T")
_REPLICAS: TypeAdapter[int] = TypeAdapter(Annotated[int, Field(ge=MIN_REPLICAS)])
_AMOUNTS: dict[str, TypeAdapter[str]] = {
    "cpu": TypeAdapter(CpuQuantity),
    "memory": TypeAdapter(MemoryQuantity),
}


def _fields_failed(model: type[BaseModel], raw: object) -> bool:
    """Whether ``raw`` fails ``model`` on its fields (so its cross-field rules never ran)."""
    try:
        model.model_validate(raw)
    except ValidationError as error:
        return any(detail["loc"] for detail in error.errors())
    return False


def _value(
    raw: Mapping[str, object], field: str, adapter: TypeAdapter[_T], default: _T
) -> _T | None:
    """One field of a raw section read alone (camelCase or snake_case key); None if invalid."""
    key = to_camel(field) if to_camel(field) in raw else field
    if key not in raw:
        return default
    try:
        return adapter.validate_python(raw[key])
    except ValidationError:
        return None


def _amounts(raw: object, default: Mapping[str, str]) -> dict[str, str]:
    """The resources of a raw ``requests`` / ``limits`` that are valid alone (absent: default)."""
    if raw is None:
        return dict(default)
    if not isinstance(raw, Mapping):
        return {}
    return {
        resource: amount
        for resource in RESOURCES
        if resource in raw and (amount := _value(raw, resource, _AMOUNTS[resource], "")) is not None
    }


def _section(raw: Mapping[str, object], key: str) -> Mapping[str, object] | None:
    value = raw.get(key, {})
    return value if isinstance(value, Mapping) else None


def entry_problems(raw: object) -> list[str]:
    """The cross-field rules of a raw workload entry whose own fields fail, on what parses.

    Pydantic runs a model's cross-field rule only when all its fields are valid; this checks
    them on the fields that are (min vs max replicas when both parse, limits vs requests per
    resource when both parse), so one run lists every problem. Paths are relative to the
    entry; empty for an entry whose sections validate (pydantic reported their rules).
    """
    if not isinstance(raw, Mapping):
        return []
    problems: list[str] = []
    autoscaling = _section(raw, "autoscaling")
    if autoscaling is not None and _fields_failed(AutoscalingSpec, autoscaling):
        defaults = AutoscalingSpec.model_fields
        low = _value(autoscaling, "min_replicas", _REPLICAS, defaults["min_replicas"].default)
        high = _value(autoscaling, "max_replicas", _REPLICAS, defaults["max_replicas"].default)
        if low is not None and high is not None:
            problems.extend(f"autoscaling: {p}" for p in replica_problems(low, high))
    resources = _section(raw, "resources")
    if resources is not None and _fields_failed(ContainerResources, resources):
        problems.extend(
            f"resources: {problem}"
            for problem in limits_problems(
                _amounts(resources.get("requests"), GUIDE_REQUESTS),
                _amounts(resources.get("limits"), GUIDE_LIMITS),
            )
        )
    return problems


def namespace_entry_problems(raw: object) -> list[str]:
    """:func:`entry_problems` for a raw namespace entry: its LimitRange order, on what parses."""
    if not isinstance(raw, Mapping):
        return []
    limit_range = _section(raw, "limitRange") or _section(raw, "limit_range")
    if limit_range is None or not _fields_failed(LimitRangeSpec, limit_range):
        return []
    return [
        f"limitRange: {problem}"
        for problem in limit_range_problems(
            _amounts(limit_range.get("defaultRequest"), GUIDE_REQUESTS),
            _amounts(limit_range.get("default"), GUIDE_LIMITS),
            _amounts(limit_range.get("max"), DEFAULT_CONTAINER_MAX),
        )
    ]


def validate_workloads(
    workloads: Mapping[str, WorkloadSpec], namespaces: Mapping[str, NamespaceSpec]
) -> None:
    """Raise :class:`WorkloadSpecError` with every problem of :func:`workload_problems`."""
    problems = workload_problems(workloads, namespaces)
    if problems:
        raise WorkloadSpecError(problems)


__all__ = [
    "DNS_LABEL",
    "GUIDE_LIMITS",
    "GUIDE_REQUESTS",
    "SYSTEM_NAMESPACES",
    "AutoscalingSpec",
    "ContainerResources",
    "LimitRangeSpec",
    "NamespaceSpec",
    "ProbeSpec",
    "QuotaSpec",
    "ResourceAmounts",
    "WorkloadSpec",
    "WorkloadSpecError",
    "entry_problems",
    "limit_range_problems",
    "limits_problems",
    "namespace_entry_problems",
    "replica_problems",
    "validate_workloads",
    "workload_problems",
]
