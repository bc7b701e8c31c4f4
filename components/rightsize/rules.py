"""The right-sizing rules: pure functions from what was measured and what is configured to a
verdict with its evidence and the config changes it asks for.

Containers (one verdict per workload, each resource judged on its own):

- **gets more** when it hits its limit (the high percentile at ``limit_hit`` of the limit or
  above), is throttled (a throttled share of CFS periods at ``throttling`` or above: the
  kubernetes-mixin ``CPUThrottlingHigh`` alert's 25 %, ``alerts/resource_alerts.libsonnet``
  at aa38e2b) or was OOM-killed: the request grows by ``grow`` (the VPA recommender's OOM
  bump, 1.2, ``pkg/recommender/model/aggregations_config.go``), after an OOM kill the limit
  by at least ``oomMinBump`` (the recommender's 100 MiB) too, and never to less than the
  measured figure plus headroom. A signal that the container needs more is acted on whatever
  the window.
- **oversized** when the measured high percentile is below the threshold share of the request
  (the guide's CPU < 30 %, memory < 40 %): the new request is that figure x (1 + headroom),
  never below the floor; limits keep the workload's limit/request ratio.
- **too little data** when the figure is missing, has no window (an instant value), covers
  less than ``min_window``, or counts fewer than ``min_samples`` samples;
- else **already right**.

Node pools: a pool is under-used when both its CPU and its memory (used / allocatable, high
percentile) stay below the thresholds. It then gets the next smaller type of each instance
type's family and architecture (:func:`thrifty.rightsize.capacity.smaller_type`), if every
type has one, the measured load would still leave the headroom free on the same number of
smaller nodes (judged on absolute usage: the share times the allocatable of the type it was
measured on; a share measured on a type the pool no longer has is refused: measure again),
and every workload's minimum replicas still fit (:mod:`.capacity`, with each
workload's larger request, before or after its own change, so that any subset of the changes
fits). Otherwise its minimum comes down to what its workloads need (a system pool keeps one
node, and in production one per zone). A pool whose workloads would not fit is never shrunk.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Literal

from thrifty.cluster.spec import SHAPE_TOLERANCE, PoolSpec
from thrifty.cost.catalog import Cloud, same_shape
from thrifty.cost.spec import Range
from thrifty.quantities import parse_quantity
from thrifty.rightsize.capacity import (
    Amounts,
    CapacityUnknown,
    Demand,
    Placement,
    PoolCapacity,
    node_allocatable,
    place,
    smaller_type,
)
from thrifty.rightsize.changes import ConfigChange
from thrifty.rightsize.measure import (
    DAY,
    RESOURCES,
    ContainerEvidence,
    PoolEvidence,
    Resource,
    Signal,
    Usage,
    format_duration,
    show,
    show_written,
)
from thrifty.rightsize.stack import (
    CLUSTER_KEY,
    WORKLOADS_KEY,
    PoolState,
    StackState,
    WorkloadState,
)

MIB = 2**20
Verdict = Literal["change", "already-right", "too-little-data", "would-not-fit"]
VERDICTS: tuple[Verdict, ...] = ("change", "would-not-fit", "too-little-data", "already-right")


class SettingsError(ValueError):
    """A threshold outside what makes sense; names the setting, the value and the range."""


#: What each setting may be (thresholds are shares of a request; 0 would never size).
_RANGES: dict[str, tuple[float, float]] = {
    "cpu_threshold": (0.01, 1.0),
    "memory_threshold": (0.01, 1.0),
    "headroom": (0.0, 10.0),
    "min_window": (0.0, math.inf),
    "min_samples": (1.0, math.inf),
    "cpu_floor": (0.001, math.inf),
    "memory_floor": (float(MIB), math.inf),
    "limit_hit": (0.01, 1.0),
    "throttling": (0.01, 1.0),
    "grow": (1.01, 10.0),
    "oom_min_bump": (0.0, math.inf),
}


@dataclass(frozen=True)
class Settings:
    """The rules' thresholds; the defaults are the guide's and the cited tools'."""

    cpu_threshold: float = 0.30
    memory_threshold: float = 0.40
    #: Added to the measured figure (the VPA recommender's default safety margin, 15 %).
    headroom: float = 0.15
    min_window: float = 7 * DAY
    #: One sample an hour over the default window.
    min_samples: int = 168
    cpu_floor: float = 0.010
    memory_floor: float = 32 * MIB
    limit_hit: float = 0.90
    throttling: float = 0.25
    grow: float = 1.2
    oom_min_bump: float = 100 * MIB

    def __post_init__(self) -> None:
        problems = []
        for item in fields(self):
            low, high = _RANGES[item.name]
            value = getattr(self, item.name)
            if not low <= value <= high:
                problems.append(f"{item.name} {value!r} is outside {low:g}..{high:g}")
        if problems:
            raise SettingsError("; ".join(problems))

    def threshold(self, resource: Resource) -> float:
        return self.cpu_threshold if resource == "cpu" else self.memory_threshold

    def floor(self, resource: Resource) -> float:
        return self.cpu_floor if resource == "cpu" else self.memory_floor


@dataclass(frozen=True)
class Evidence:
    """One measured figure beside what it was compared with."""

    subject: str
    measured: str
    compared: str
    window: str
    source: str

    def line(self) -> str:
        window = f"; {self.window}" if self.window else ""
        return f"{self.subject}: {self.measured} {self.compared}{window} [{self.source}]"

    def to_json(self) -> dict[str, str]:
        return {
            "subject": self.subject,
            "measured": self.measured,
            "compared": self.compared,
            "window": self.window,
            "source": self.source,
        }


@dataclass
class Finding:
    """The verdict on one workload or pool, its evidence and the changes it asks for."""

    kind: Literal["workload", "pool"]
    name: str
    verdict: Verdict
    reason: str
    evidence: list[Evidence] = field(default_factory=list)
    changes: list[ConfigChange] = field(default_factory=list)
    #: Monthly (baseline, ceiling) saved by this finding's changes alone, from the estimator;
    #: ``unpriced`` says why there is none when a change could not be priced.
    saving: Range | None = None
    unpriced: str | None = None


def rounded(resource: Resource, amount: float) -> float:
    """The amount a written quantity holds (millicores, MiB, rounded up)."""
    return parse_quantity(show(resource, amount), resource)


def too_little(usage: Usage | None, settings: Settings) -> str | None:
    """Why ``usage`` cannot size anything, or None when it can."""
    if usage is None:
        return "no measurement"
    if usage.window is None:
        return f"{usage.statistic} has no window (query a range, not an instant)"
    if usage.window < settings.min_window:
        return (
            f"window {format_duration(usage.window)} is shorter than "
            f"{format_duration(settings.min_window)}"
        )
    if usage.samples is not None and usage.samples < settings.min_samples:
        return f"{usage.samples} samples, fewer than {settings.min_samples}"
    return None


# --------------------------------------------------------------------------- containers


@dataclass
class _Judgement:
    """One resource of one container: a new request, or why it stays."""

    request: float | None = None
    said: str = ""
    short: str | None = None


def _usage_evidence(w: WorkloadState, resource: Resource, usage: Usage, s: Settings) -> Evidence:
    share = usage.value / w.request(resource)
    return Evidence(
        subject=resource,
        measured=f"{show(resource, usage.value)} ({usage.statistic})",
        compared=(
            f"= {share:.0%} of request {w.written('requests', resource)} (oversized below "
            f"{s.threshold(resource):.0%}), {usage.value / w.limit(resource):.0%} of limit "
            f"{w.written('limits', resource)}"
        ),
        window=usage.describe_window(),
        source=usage.source,
    )


def _signal_evidence(subject: str, signal: Signal, compared: str) -> Evidence:
    window = (
        "window unknown" if signal.window is None else f"window {format_duration(signal.window)}"
    )
    measured = f"{signal.value:.0%} of CFS periods" if subject == "throttling" else "seen"
    return Evidence(subject, measured, compared, window, signal.source)


def _needs_more(
    w: WorkloadState, resource: Resource, ev: ContainerEvidence, s: Settings, usable: bool
) -> list[tuple[str, float]]:
    """Why the container needs more of ``resource``, each with the least request it needs."""
    request, limit = w.request(resource), w.limit(resource)
    usage = ev.usage.get(resource)
    needs: list[tuple[str, float]] = []
    if usage is not None and usable and usage.value >= s.limit_hit * limit:
        needs.append(
            (f"p95 at {usage.value / limit:.0%} of its limit (at {s.limit_hit:.0%} or more)",
             request * s.grow)
        )  # fmt: skip
    if resource == "cpu" and ev.throttled is not None and ev.throttled.value >= s.throttling:
        needs.append(
            (f"throttled in {ev.throttled.value:.0%} of CFS periods (at {s.throttling:.0%} "
             "or more)", request * s.grow)
        )  # fmt: skip
    if resource == "memory" and ev.oom_killed is not None:
        bumped = max(limit * s.grow, limit + s.oom_min_bump)
        needs.append(("OOM-killed", bumped / w.ratio(resource)))
    return needs


def _judge(w: WorkloadState, resource: Resource, ev: ContainerEvidence, s: Settings) -> _Judgement:
    usage = ev.usage.get(resource)
    short = too_little(usage, s)
    request = w.request(resource)
    needs = _needs_more(w, resource, ev, s, short is None)
    if needs:
        target = max(need for _, need in needs)
        if usage is not None and short is None:
            target = max(target, usage.value * (1 + s.headroom))
        why = "; ".join(reason for reason, _ in needs)
        return _Judgement(target, f"{resource} needs more: {why}")
    if short is not None or usage is None:
        return _Judgement(said=f"{resource}: too little data ({short})", short=short)
    share = usage.value / request
    if share >= s.threshold(resource):
        return _Judgement(
            said=f"{resource} at {share:.0%} of its request (oversized below "
            f"{s.threshold(resource):.0%})"
        )
    target = max(s.floor(resource), usage.value * (1 + s.headroom))
    if rounded(resource, target) >= request:
        return _Judgement(
            said=f"{resource} already at its floor {show(resource, s.floor(resource))}"
        )
    return _Judgement(
        target,
        f"{resource} oversized: p95 {show(resource, usage.value)} is {share:.0%} of request "
        f"{w.written('requests', resource)}, below {s.threshold(resource):.0%}",
    )


def _quantity(resource: str, written: str | None) -> str:
    """A VPA's quantity in the report's units (``681574400`` as ``650Mi``); ``?`` if absent."""
    if written is None:
        return "?"
    return show_written("cpu" if resource == "cpu" else "memory", written)


def _config_evidence(w: WorkloadState) -> Evidence:
    """What the figures are compared with: the stack's current requests and limits. The files
    do not say which requests were in force while they were measured, so the data must have
    been gathered after the last change of them (else a rerun after ``--write`` would shrink
    or grow again on the same figures)."""
    current = ", ".join(
        f"{section} {w.written(section, 'cpu')} / {w.written(section, 'memory')}"
        for section in ("requests", "limits")
    )
    return Evidence(
        "config",
        f"compared with the stack's current {current}",
        "(the files do not say what was in force while measuring: the data must postdate the "
        "current config)",
        "",
        "thrifty:workloads",
    )


def workload_finding(w: WorkloadState, ev: ContainerEvidence, s: Settings) -> Finding:
    """The verdict on one workload's main container (see the module docs)."""
    evidence = [
        _usage_evidence(w, resource, usage, s)
        for resource in RESOURCES
        if (usage := ev.usage.get(resource)) is not None
    ]
    if ev.throttled is not None:
        evidence.append(
            _signal_evidence("throttling", ev.throttled, f"(gets more at {s.throttling:.0%})")
        )
    if ev.oom_killed is not None:
        evidence.append(
            _signal_evidence(
                "OOM kill",
                ev.oom_killed,
                "(gets more memory; the file does not say when: a kill from before the last "
                "change of the limit would count again)",
            )
        )
    if ev.vpa is not None:
        vpa = ev.vpa
        target = ", ".join(
            f"{key} {_quantity(key, value)}" for key, value in sorted(vpa.target.items())
        )
        bounds = ", ".join(
            f"{key} {_quantity(key, vpa.lower_bound.get(key))}.."
            f"{_quantity(key, vpa.upper_bound.get(key))}"
            for key in sorted(vpa.target)
        )
        evidence.append(
            Evidence("VPA", f"target {target}", f"(bounds {bounds})", "", ev.vpa.source)
        )
    if evidence:
        evidence.append(_config_evidence(w))
    changes: list[ConfigChange] = []
    said: list[str] = []
    short = False
    for resource in RESOURCES:
        judgement = _judge(w, resource, ev, s)
        said.append(judgement.said)
        short = short or judgement.short is not None
        if judgement.request is not None:
            changes.extend(_resource_changes(w, resource, judgement.request))
    verdict: Verdict = "change" if changes else "too-little-data" if short else "already-right"
    return Finding(
        "workload", f"{w.namespace}/{w.name}", verdict, "; ".join(said), evidence, changes
    )


def _resource_changes(w: WorkloadState, resource: Resource, request: float) -> list[ConfigChange]:
    """New request and limit (in the workload's ratio), where the written value changes."""
    new_request = show(resource, request)
    new_limit = show(resource, parse_quantity(new_request, resource) * w.ratio(resource))
    changes = []
    for section, new in (("requests", new_request), ("limits", new_limit)):
        current = w.limit(resource) if section == "limits" else w.request(resource)
        if parse_quantity(new, resource) != current:
            # Where the file has no requests/limits mapping yet, it gets a whole one.
            fill = tuple((key, w.written(section, key)) for key in RESOURCES)
            old = w.written(section, resource)
            changes.append(ConfigChange(WORKLOADS_KEY, w.path(section, resource), old, new, fill))
    return changes


def proposed_requests(w: WorkloadState, changes: Sequence[ConfigChange]) -> Amounts:
    """The larger of each request before and after ``changes`` (placement uses it so that any
    subset of the changes fits)."""
    amounts = {resource: w.request(resource) for resource in RESOURCES}
    for change in changes:
        if change.key == WORKLOADS_KEY and change.path[:3] == (w.name, "resources", "requests"):
            resource: Resource = "cpu" if change.path[3] == "cpu" else "memory"
            amounts[resource] = max(amounts[resource], parse_quantity(change.new, resource))
    return Amounts(amounts["cpu"], amounts["memory"])


# --------------------------------------------------------------------------- pools


def pool_capacity(cloud: Cloud, pool: PoolState, spec: PoolSpec | None = None) -> PoolCapacity:
    """A pool (or the same pool with ``spec`` instead) as placement sees it; raises
    :class:`~.capacity.CapacityUnknown` when its node size cannot be told."""
    spec = spec or pool.spec
    return PoolCapacity(
        name=pool.name,
        role=pool.role,
        node=node_allocatable(cloud, spec.instance_types),
        min_size=spec.min_size,
        max_size=spec.max_size,
        tainted=bool(spec.taints),
    )


def cluster_capacity(stack: StackState, changed: PoolCapacity | None = None) -> list[PoolCapacity]:
    """Every pool of the stack (``changed`` in place of its namesake); a pool whose node size
    is unknown holds nothing, so that nothing is shrunk on a guess."""
    pools = []
    for pool in stack.pools:
        if changed is not None and changed.name == pool.name:
            pools.append(changed)
            continue
        try:
            pools.append(pool_capacity(stack.config.cloud, pool))
        except CapacityUnknown:
            pools.append(
                PoolCapacity(pool.name, pool.role, Amounts(0.0, 0.0), pool.spec.min_size, 0)
            )
    return pools


def demands(stack: StackState, changes: Sequence[ConfigChange]) -> list[Demand]:
    """Every workload's minimum replicas at its larger request (see :func:`proposed_requests`)."""
    return [
        Demand(w.name, proposed_requests(w, changes), w.min_replicas, w.tolerant)
        for w in stack.workloads
    ]


def _pool_evidence(usage: Usage, resource: Resource, node: Amounts | None, s: Settings) -> Evidence:
    """The share measured and the absolute usage per node it stands for on the measured type."""
    absolute = ""
    if node is not None:
        per_node = usage.value * (node.cpu if resource == "cpu" else node.memory)
        absolute = f" = {show(resource, per_node)} per node"
    return Evidence(
        subject=f"{resource} used / allocatable",
        measured=f"{usage.value:.0%}{absolute} ({usage.statistic})",
        compared=f"(under-used below {s.threshold(resource):.0%})",
        window=usage.describe_window(),
        source=usage.source,
    )


def _type_evidence(measured_on: Sequence[str] | None, current: Sequence[str] = ()) -> Evidence:
    """Which instance type the shares are of: as the files say, or assumed to be the stack's."""
    if measured_on:
        return Evidence(
            "measured on",
            ", ".join(measured_on),
            "(the nodes' node.kubernetes.io/instance-type)",
            "",
            "the files",
        )
    return Evidence(
        "measured on",
        f"assumed {', '.join(current)}, the stack's current types",
        "(the files do not say the nodes' instance type: the data must postdate the pool's "
        "last change)",
        "",
        "thrifty:cluster",
    )


def _minimum_floor(stack: StackState, pool: PoolState) -> int:
    if pool.role != "system":
        return 0
    zones = stack.config.cluster.zones if stack.config.cluster else 1
    return zones if stack.config.environment == "production" else 1


@dataclass(frozen=True)
class _Attempt:
    changes: list[ConfigChange]
    blocked: str
    fit: bool = True


def _smaller_spec(stack: StackState, pool: PoolState) -> tuple[PoolSpec | None, str]:
    """The pool on the next smaller type of each family, or why there is none."""
    cloud = stack.config.cloud
    smaller = [smaller_type(cloud, name) for name in pool.spec.instance_types]
    names = pool.spec.instance_types
    missing = [name for name, found in zip(names, smaller, strict=True) if found is None]
    if missing:
        return None, f"no smaller priced type of the same family for {', '.join(missing)}"
    types = [found for found in smaller if found is not None]
    first = types[0]
    odd = [t.name for t in types if not same_shape(first, t, SHAPE_TOLERANCE)]
    if odd:
        return None, f"the smaller types are not one shape ({', '.join(odd)} vs {first.name})"
    update = {
        "instance_types": [t.name for t in types],
        "vcpus": first.vcpus,
        "memory_gib": _number(first.memory_gib),
    }
    return pool.spec.model_copy(update=update), ""


def _smaller_types(
    stack: StackState,
    pool: PoolState,
    usage: Mapping[Resource, Usage],
    measured: Amounts | None,
    wanted: list[Demand],
    s: Settings,
) -> _Attempt:
    """The smaller type, judged on absolute usage: the measured share times the allocatable
    of the type it was measured on (``measured``), against the smaller type's allocatable."""
    spec, why = _smaller_spec(stack, pool)
    if spec is None:
        return _Attempt([], why)
    cloud, smaller = stack.config.cloud, spec.instance_types[0]
    if measured is None:
        return _Attempt([], "cannot tell what the measured nodes hold", fit=False)
    try:
        after = pool_capacity(cloud, pool, spec)
    except CapacityUnknown as problem:
        return _Attempt([], f"cannot tell what the nodes hold ({problem})", fit=False)
    ceiling = 1 / (1 + s.headroom)
    for resource in RESOURCES:
        old = measured.cpu if resource == "cpu" else measured.memory
        new = after.node.cpu if resource == "cpu" else after.node.memory
        projected = usage[resource].value * old / new
        if projected > ceiling:
            return _Attempt(
                [],
                f"the measured {resource} would use {projected:.0%} of {smaller} nodes, more "
                f"than {ceiling:.0%} (headroom {s.headroom:.0%})",
                fit=False,
            )
    now = place(cluster_capacity(stack), wanted)
    then = place(cluster_capacity(stack, after), wanted)
    if _unplaced(then) > _unplaced(now):
        return _Attempt(
            [],
            f"on {smaller} nodes the workloads would not fit: {then.describe_unplaced()} have "
            f"no room (a node holds {show('cpu', after.node.cpu)} CPU, "
            f"{show('memory', after.node.memory)}; at most {spec.max_size} nodes)",
            fit=False,
        )
    old_spec = pool.spec
    changes = [
        ConfigChange(
            CLUSTER_KEY,
            (*pool.path, "instanceTypes"),
            tuple(old_spec.instance_types),
            tuple(spec.instance_types),
        ),
        ConfigChange(CLUSTER_KEY, (*pool.path, "vcpus"), old_spec.vcpus, spec.vcpus),
        ConfigChange(
            CLUSTER_KEY, (*pool.path, "memoryGib"), _number(old_spec.memory_gib), spec.memory_gib
        ),
    ]
    return _Attempt([change for change in changes if change.old != change.new], "")


def _number(value: float) -> int | float:
    """A whole number as an int (``memoryGib: 4``, not ``4.0``)."""
    return int(value) if float(value).is_integer() else value


def _unplaced(placement: Placement) -> int:
    return sum(pods for _, pods in placement.unplaced)


def _lower_minimum(stack: StackState, pool: PoolState, wanted: list[Demand]) -> _Attempt:
    try:
        capacity = pool_capacity(stack.config.cloud, pool)
    except CapacityUnknown as problem:
        return _Attempt([], f"cannot tell what its nodes hold ({problem})", fit=False)
    needed = place(cluster_capacity(stack), wanted).nodes_needed(capacity)
    floor = _minimum_floor(stack, pool)
    target = max(floor, needed)
    if target >= pool.spec.min_size:
        why = (
            f"its minimum {pool.spec.min_size} is what it needs ({needed} node(s) for the pods "
            f"placed on it, at least {floor} for a {pool.role} pool)"
        )
        return _Attempt([], why)
    return _Attempt(
        [ConfigChange(CLUSTER_KEY, (*pool.path, "minSize"), pool.spec.min_size, target)], ""
    )


def pool_finding(
    stack: StackState,
    pool: PoolState,
    evidence: PoolEvidence | None,
    wanted: list[Demand],
    s: Settings,
) -> Finding:
    """The verdict on one node pool (see the module docs)."""
    usage = evidence.usage if evidence is not None else {}
    name, current = pool.name, list(pool.spec.instance_types)
    measured_on = sorted(evidence.measured_on) if evidence is not None else []
    stale = [t for t in measured_on if t not in current]
    if usage and stale:
        reason = (
            f"measured on {', '.join(measured_on)}, the stack now says {', '.join(current)}: "
            "measure again"
        )
        return Finding("pool", name, "too-little-data", reason, [_type_evidence(measured_on)])
    try:
        node: Amounts | None = node_allocatable(stack.config.cloud, measured_on or current)
    except CapacityUnknown:
        node = None
    lines = [_pool_evidence(usage[r], r, node, s) for r in RESOURCES if r in usage]
    if usage:
        lines.append(_type_evidence(measured_on or None, current))
    shorts = {r: too_little(usage.get(r), s) for r in RESOURCES}
    if any(shorts.values()):
        said = "; ".join(f"{r}: {why}" for r, why in shorts.items() if why)
        return Finding("pool", name, "too-little-data", f"too little data ({said})", lines)
    busy = [r for r in RESOURCES if usage[r].value >= s.threshold(r)]
    if busy:
        said = ", ".join(
            f"{r} at {usage[r].value:.0%} of allocatable (under-used below {s.threshold(r):.0%})"
            for r in busy
        )
        return Finding("pool", name, "already-right", said, lines)
    shares = ", ".join(f"{r} {usage[r].value:.0%}" for r in RESOURCES)
    smaller = _smaller_types(stack, pool, usage, node, wanted, s)
    if smaller.changes:
        reason = f"under-used ({shares} of allocatable): the next smaller type of each family"
        return Finding("pool", name, "change", reason, lines, smaller.changes)
    lower = _lower_minimum(stack, pool, wanted)
    if lower.changes:
        reason = (
            f"under-used ({shares} of allocatable), no smaller type ({smaller.blocked}): "
            "a lower minimum"
        )
        return Finding("pool", name, "change", reason, lines, lower.changes)
    verdict: Verdict = "already-right" if smaller.fit and lower.fit else "would-not-fit"
    reason = (
        f"under-used ({shares} of allocatable) but not shrunk: {smaller.blocked}; {lower.blocked}"
    )
    return Finding("pool", name, verdict, reason, lines)


__all__ = [
    "VERDICTS",
    "Evidence",
    "Finding",
    "Settings",
    "SettingsError",
    "Verdict",
    "cluster_capacity",
    "demands",
    "pool_capacity",
    "pool_finding",
    "proposed_requests",
    "too_little",
    "workload_finding",
]
