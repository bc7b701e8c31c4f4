"""Prometheus HTTP API responses (``/api/v1/query`` and ``/api/v1/query_range``), saved as JSON.

The envelope and result shapes are Prometheus' (``docs/querying/api.md`` at d15adb9):
``{"status": "success", "data": {"resultType": "vector" | "matrix", "result": [...]}}``; a
vector series is ``{"metric": {...}, "value": [<unix time>, "<value>"]}``, a matrix series
``{"metric": {...}, "values": [[<unix time>, "<value>"], ...]}``. Values are strings because
JSON has no NaN or Inf; samples that are not finite numbers (``"NaN"``, ``"+Inf"``, e.g. a
throttling ratio of a container with no CPU limit, 0/0) are skipped and not counted.

What a series measures is read from its labels, so one file may hold any mix:

- ``thrifty_metric``: the label the README's queries add with ``label_replace``: ``cpu``
  (cores), ``memory`` (bytes), ``throttling`` (throttled share of CFS periods), ``oom``
  (kube-state-metrics' OOMKilled gauge), ``node_cpu`` and ``node_memory`` (a pool's used /
  allocatable ratio);
- else the metric name a plain selector keeps: ``container_memory_working_set_bytes``
  (memory) and ``kube_pod_container_status_last_terminated_reason`` with
  ``reason="OOMKilled"`` (oom).

Containers are told by their ``namespace`` and ``container`` labels (cAdvisor's and
kube-state-metrics' names; a ``workload`` label, if the query adds one, names the workload,
else the container's name does, as thrifty's workloads name their container after
themselves). Pools by ``label_thrifty_io_pool`` (kube-state-metrics' ``kube_node_labels`` with
``--metric-labels-allowlist=nodes=[thrifty.io/pool]``) or ``thrifty_io_pool`` (the node label
through a ``labelmap`` of ``__meta_kubernetes_node_label_(.+)``). A pool series may keep the
nodes' instance type (``label_node_kubernetes_io_instance_type`` or
``node_kubernetes_io_instance_type``): a used / allocatable share means something only on the
type it was measured on, so the rules refuse a share measured on another type than the stack's.

A usage figure is the 95th percentile of every finite sample of its series (series of one
container from several pods are pooled); its window runs from the first sample to the last,
so a vector (one instant) has no window and is never enough to size anything. Throttling and
OOM kills are signals, read from vectors or matrices alike.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from thrifty.rightsize.measure import ContainerKey, Measurements, Resource, Signal, Usage, quantile
from thrifty.rightsize.reading import InputError, expect, load_json, looks_like

Kind = Literal["cpu", "memory", "throttling", "oom", "node_cpu", "node_memory"]
KINDS: tuple[Kind, ...] = ("cpu", "memory", "throttling", "oom", "node_cpu", "node_memory")
KIND_LABEL = "thrifty_metric"
#: Metric names a plain selector keeps in its result, and what they measure.
NAME_KINDS: dict[str, Kind] = {
    "container_memory_working_set_bytes": "memory",
    "kube_pod_container_status_last_terminated_reason": "oom",
}
POOL_LABELS = ("label_thrifty_io_pool", "thrifty_io_pool")
#: The well-known node label ``node.kubernetes.io/instance-type`` as kube-state-metrics'
#: ``kube_node_labels`` exports it, or as a ``labelmap`` of the node's labels names it.
TYPE_LABELS = ("label_node_kubernetes_io_instance_type", "node_kubernetes_io_instance_type")
HIGH_PERCENTILE = 0.95
_CONTAINER_KINDS: dict[Kind, Resource] = {"cpu": "cpu", "memory": "memory"}
_POOL_KINDS: dict[Kind, Resource] = {"node_cpu": "cpu", "node_memory": "memory"}


@dataclass
class _Group:
    """The samples of one measured thing, pooled over the series that share its key."""

    values: list[float] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    matrix: bool = False
    instance_types: set[str] = field(default_factory=set)

    @property
    def window(self) -> float | None:
        return max(self.times) - min(self.times) if self.matrix and self.times else None

    def source(self, path: Path) -> str:
        shown = ", ".join(self.places[:3]) + (" ..." if len(self.places) > 3 else "")
        return f"{path.name} {shown}"


def read_prometheus_file(path: Path, measurements: Measurements) -> int:
    """Add every series in ``path`` to ``measurements``; returns how many series were read."""
    document = expect(load_json(path), "top level", path, dict, "a Prometheus API response")
    status = document.get("status")
    if status == "error":
        raise InputError(
            f"{path}: the query failed in Prometheus ({document.get('errorType')}: "
            f"{document.get('error')}); save a successful response"
        )
    if status is None:
        raise InputError(
            f"{path}: expected a Prometheus API response (status and data), found "
            f"{looks_like(document)}"
        )
    if status != "success":
        raise InputError(f'{path}: status: expected "success", got {status!r}')
    data = expect(document.get("data"), "data", path, dict, "an object")
    result_type = data.get("resultType")
    if result_type not in ("vector", "matrix"):
        raise InputError(
            f'{path}: data.resultType: expected "vector" or "matrix" (a query over '
            f"series), got {result_type!r}"
        )
    result = expect(data.get("result"), "data.result", path, list, "a list of series")
    groups: dict[tuple[Kind, object], _Group] = {}
    for index, series in enumerate(result):
        where = f"data.result[{index}]"
        series = expect(series, where, path, dict, "a series object")
        metric = expect(series.get("metric"), f"{where}.metric", path, dict, "a label set")
        kind = _kind(path, where, metric, measurements)
        if kind is None:
            continue
        group = groups.setdefault((kind, _key(path, where, kind, metric)), _Group())
        group.places.append(where)
        group.instance_types.update(
            value for label in TYPE_LABELS if isinstance(value := metric.get(label), str) and value
        )
        _add_samples(path, where, series, result_type == "matrix", group)
    for (kind, key), group in groups.items():
        _record(path, kind, key, group, measurements)
    return len(result)


def _kind(
    path: Path, where: str, metric: Mapping[str, Any], measurements: Measurements
) -> Kind | None:
    label = metric.get(KIND_LABEL)
    if label is not None:
        if label not in KINDS:
            raise InputError(
                f"{path}: {where}.metric.{KIND_LABEL}: expected one of {', '.join(KINDS)}, "
                f"got {label!r}"
            )
        return label  # type: ignore[no-any-return]
    name = metric.get("__name__")
    kind = NAME_KINDS.get(str(name))
    if kind == "oom" and metric.get("reason") != "OOMKilled":
        measurements.notes.append(
            f"{path}: {where}: last terminated reason {metric.get('reason')!r} is not an "
            "OOM kill; set aside"
        )
        return None
    if kind is None:
        raise InputError(
            f"{path}: {where}.metric: cannot tell what this series measures: expected a "
            f"{KIND_LABEL} label ({', '.join(KINDS)}), as the README's queries add, or the "
            f"metric name {' or '.join(NAME_KINDS)}; got labels {sorted(metric)}"
        )
    return kind


def _label(path: Path, where: str, metric: Mapping[str, Any], name: str, kind: str) -> str:
    value = metric.get(name)
    if not isinstance(value, str) or not value:
        raise InputError(
            f"{path}: {where}.metric.{name}: a {kind} series needs its {name} label "
            f"(keep it in the query's 'by (...)'); got labels {sorted(metric)}"
        )
    return value


def _key(path: Path, where: str, kind: Kind, metric: Mapping[str, Any]) -> object:
    if kind in _POOL_KINDS:
        for label in POOL_LABELS:
            if isinstance(metric.get(label), str) and metric[label]:
                return metric[label]
        raise InputError(
            f"{path}: {where}.metric: a {kind} series needs the pool label "
            f"({' or '.join(POOL_LABELS)}); got labels {sorted(metric)}"
        )
    namespace = _label(path, where, metric, "namespace", kind)
    container = _label(path, where, metric, "container", kind)
    workload = metric.get("workload") or container
    return ContainerKey(str(workload), container, namespace)


def _sample(path: Path, where: str, pair: Any) -> tuple[float, float]:
    """One ``[<unix time>, "<value>"]`` pair; the value may be ``NaN`` (returned as NaN)."""
    if not (
        isinstance(pair, list)
        and len(pair) == 2
        and isinstance(pair[0], (int, float))
        and not isinstance(pair[0], bool)
        and isinstance(pair[1], str)
    ):
        raise InputError(f'{path}: {where}: expected [<unix time>, "<value>"], got {pair!r}')
    try:
        return float(pair[0]), float(pair[1])
    except ValueError:
        raise InputError(f"{path}: {where}: the value {pair[1]!r} is not a number") from None


def _add_samples(
    path: Path, where: str, series: Mapping[str, Any], matrix: bool, group: _Group
) -> None:
    field_name = "values" if matrix else "value"
    raw = series.get(field_name)
    if raw is None and (series.get("histograms") or series.get("histogram")):
        raise InputError(
            f"{path}: {where}: holds native histogram samples only; query usage as plain "
            "numbers (e.g. rate() of a counter, or a gauge)"
        )
    pairs = expect(raw, f"{where}.{field_name}", path, list, f"the series' {field_name}")
    if not matrix:
        pairs = [pairs]
    group.matrix = matrix
    for index, pair in enumerate(pairs):
        at = f"{where}.{field_name}[{index}]" if matrix else f"{where}.value"
        time, value = _sample(path, at, pair)
        if math.isfinite(value):
            group.values.append(value)
            group.times.append(time)


def _record(path: Path, kind: Kind, key: object, group: _Group, measurements: Measurements) -> None:
    source = group.source(path)
    if not group.values:
        measurements.notes.append(f"{source}: no finite samples ({kind}); set aside")
        return
    statistic = (
        f"p{HIGH_PERCENTILE * 100:.0f} of {len(group.values)} samples"
        if group.matrix
        else "an instant value"
    )
    high = quantile(HIGH_PERCENTILE, group.values)
    if isinstance(key, ContainerKey):
        if kind in _CONTAINER_KINDS:
            usage = Usage(high, statistic, group.window, len(group.values), source, "prometheus")
            measurements.add_usage(key, _CONTAINER_KINDS[kind], usage)
            return
        evidence = measurements.container(key)
        if kind == "throttling":
            signal = Signal(high, group.window, f"{source} ({statistic})")
            if evidence.throttled is None or signal.value > evidence.throttled.value:
                evidence.throttled = signal
        elif max(group.values) >= 1:  # oom: the gauge is 1 while the last kill was an OOM
            evidence.oom_killed = Signal(1.0, group.window, source)
        return
    usage = Usage(high, statistic, group.window, len(group.values), source, "prometheus")
    measurements.add_pool_usage(str(key), _POOL_KINDS[kind], usage)
    measurements.pool(str(key)).measured_on.update(group.instance_types)


__all__ = [
    "HIGH_PERCENTILE",
    "KINDS",
    "KIND_LABEL",
    "POOL_LABELS",
    "TYPE_LABELS",
    "read_prometheus_file",
]
