"""What right-sizing measured: usage figures with their window, and the signals that ask for more.

Every reader (:mod:`.vpa`, :mod:`.prometheus`, :mod:`.csv_input`) turns its file into these
records, so the rules never know where a figure came from, and the report can always say it:
each :class:`Usage` carries the file and the place in it.

Percentiles are computed the way Prometheus' ``quantile_over_time`` computes them (linear
interpolation between the two nearest ranks, ``promql/quantile.go``), so a figure thrifty
reports can be checked with the same function in Prometheus.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from thrifty.durations import duration_seconds
from thrifty.quantities import format_cpu, format_memory, parse_quantity

Resource = Literal["cpu", "memory"]
RESOURCES: tuple[Resource, ...] = ("cpu", "memory")

DAY = 86_400.0


def parse_duration(text: str) -> float:
    """A window as a Prometheus duration (``7d``, ``168h``, ``1w2d``) in seconds."""
    try:
        return duration_seconds(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a duration such as 7d, 168h or 1w2d") from None


def format_duration(seconds: float) -> str:
    """Seconds as days and hours (``7d``, ``6d 12h``, ``45m``) for evidence lines."""
    if seconds >= DAY:
        days, rest = divmod(seconds, DAY)
        hours = round(rest / 3600)
        return f"{days:.0f}d" + (f" {hours}h" if hours else "")
    if seconds >= 3600:
        return f"{seconds / 3600:.0f}h"
    return f"{seconds / 60:.0f}m"


def show(resource: Resource, amount: float) -> str:
    """An amount as a quantity a person writes (``12m``, ``75Mi``), for evidence and changes."""
    return format_cpu(amount) if resource == "cpu" else format_memory(amount)


def show_written(resource: Resource, quantity: str) -> str:
    """A quantity as a file wrote it (``681574400``, ``589824k``) in the form :func:`show`
    gives; left as written when it is not a quantity."""
    try:
        return show(resource, parse_quantity(quantity, resource))
    except ValueError:
        return quantity


def quantile(q: float, values: Sequence[float]) -> float:
    """The ``q``-quantile of ``values`` as PromQL's ``quantile_over_time`` computes it."""
    if not values:
        raise ValueError("quantile of no values")
    ordered = sorted(values)
    rank = q * (len(ordered) - 1)
    lower = math.floor(rank)
    upper = min(lower + 1, len(ordered) - 1)
    weight = rank - lower
    return ordered[lower] * (1 - weight) + ordered[upper] * weight


@dataclass(frozen=True)
class Usage:
    """One measured figure: a high percentile of usage (cores, bytes or a 0-1 ratio).

    ``window`` is the time the figure covers in seconds (None: the file does not say, as for
    an instant query); ``samples`` how many values it was computed from (None: the source
    does not count them, as for a VPA or a CSV row). ``source`` names the file and place,
    ``kind`` the reader.
    """

    value: float
    statistic: str
    window: float | None
    samples: int | None
    source: str
    kind: Literal["prometheus", "csv", "vpa"]

    def describe_window(self) -> str:
        """``window 7d, 2017 samples`` for evidence lines."""
        window = (
            "window unknown" if self.window is None else f"window {format_duration(self.window)}"
        )
        return window if self.samples is None else f"{window}, {self.samples} samples"


@dataclass(frozen=True)
class Signal:
    """Evidence that a container needs more: throttling (``value`` = throttled share of CFS
    periods) or an OOM kill (``value`` = 1)."""

    value: float
    window: float | None
    source: str


@dataclass(frozen=True)
class VpaRecommendation:
    """A VerticalPodAutoscaler's recommendation for one container, as it printed it."""

    target: dict[str, str]
    lower_bound: dict[str, str]
    upper_bound: dict[str, str]
    uncapped_target: dict[str, str]
    source: str


@dataclass(frozen=True)
class ContainerKey:
    """A container of a workload; ``namespace`` None matches the workload in any namespace
    (a CSV row names no namespace)."""

    workload: str
    container: str
    namespace: str | None = None


@dataclass
class ContainerEvidence:
    """Everything measured about one container, from any number of files."""

    usage: dict[Resource, Usage] = field(default_factory=dict)
    throttled: Signal | None = None
    oom_killed: Signal | None = None
    vpa: VpaRecommendation | None = None


@dataclass
class PoolEvidence:
    """A node pool's utilization: used / allocatable, per resource, as a 0-1 ratio."""

    usage: dict[Resource, Usage] = field(default_factory=dict)
    #: The instance types the nodes measured were (their ``node.kubernetes.io/instance-type``
    #: label, when the query keeps it); empty when the files do not say.
    measured_on: set[str] = field(default_factory=set)


#: Which source wins when two give the same figure: samples counted (Prometheus) beat a
#: stated window (CSV), which beats a VPA's own estimate; then the longer window.
SOURCE_RANK = {"prometheus": 0, "csv": 1, "vpa": 2}


def better(candidate: Usage, current: Usage | None) -> bool:
    """Whether ``candidate`` should replace ``current`` (see :data:`SOURCE_RANK`)."""
    if current is None:
        return True
    ranks = SOURCE_RANK[candidate.kind], SOURCE_RANK[current.kind]
    if ranks[0] != ranks[1]:
        return ranks[0] < ranks[1]
    return (candidate.window or 0.0) > (current.window or 0.0)


@dataclass
class Measurements:
    """All files read, keyed by container and by pool; ``notes`` says what was set aside."""

    containers: dict[ContainerKey, ContainerEvidence] = field(default_factory=dict)
    pools: dict[str, PoolEvidence] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def container(self, key: ContainerKey) -> ContainerEvidence:
        return self.containers.setdefault(key, ContainerEvidence())

    def pool(self, name: str) -> PoolEvidence:
        return self.pools.setdefault(name, PoolEvidence())

    def add_usage(self, key: ContainerKey, resource: Resource, usage: Usage) -> None:
        """Keep ``usage`` unless a better source already gave this figure."""
        figures = self.container(key).usage
        if better(usage, figures.get(resource)):
            figures[resource] = usage

    def add_pool_usage(self, pool: str, resource: Resource, usage: Usage) -> None:
        figures = self.pool(pool).usage
        if better(usage, figures.get(resource)):
            figures[resource] = usage

    def for_workload(self, workload: str, container: str, namespace: str) -> ContainerEvidence:
        """The evidence of one container, from files that name its namespace or none."""
        merged = ContainerEvidence()
        for key in (
            ContainerKey(workload, container, None),
            ContainerKey(workload, container, namespace),
        ):
            found = self.containers.get(key)
            if found is None:
                continue
            for resource, usage in found.usage.items():
                if better(usage, merged.usage.get(resource)):
                    merged.usage[resource] = usage
            merged.throttled = _stronger(merged.throttled, found.throttled)
            merged.oom_killed = _stronger(merged.oom_killed, found.oom_killed)
            merged.vpa = found.vpa or merged.vpa
        return merged


def _stronger(a: Signal | None, b: Signal | None) -> Signal | None:
    if a is None:
        return b
    if b is None:
        return a
    return b if b.value > a.value else a


__all__ = [
    "DAY",
    "RESOURCES",
    "ContainerEvidence",
    "ContainerKey",
    "Measurements",
    "PoolEvidence",
    "Resource",
    "Signal",
    "Usage",
    "VpaRecommendation",
    "better",
    "format_duration",
    "parse_duration",
    "quantile",
    "show",
    "show_written",
]
