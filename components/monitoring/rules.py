"""The cost rules: recording rules on OpenCost's metrics, the guide's alerts on them, the KPIs.

A ``PrometheusRule`` (``monitoring.coreos.com/v1``) with three groups, built by
:func:`cost_rule_groups`, a pure function (the tests check the structure and parse the PromQL):

* ``thrifty.cost`` (recording, every minute): compute cost per hour (the nodes' price from
  OpenCost, as OpenCost's own ``queryTotal`` sums it), storage cost per hour (each persistent
  volume's price per GiB-hour times its size), their total, the storage cost of the last 24 h,
  the cost per namespace (CPU and memory allocation times the node's prices), the monthly
  budget, the month projected from the current rate and its share of the budget;
* ``cost.rules`` (the guide's "Cost Alerting", thresholds from
  :class:`~thrifty.budget.spec.CostAlertsConfig`): ``HighComputeCost`` on the compute cost per
  hour, ``StorageCostSpike`` on the storage cost of the last 24 h (what ``increase()`` of the
  guide's cumulative ``storage_cost_total`` measured); and ``CostMetricsAbsent``, one rule per
  metric the cost figures need, so a missing exporter alerts instead of leaving the two alerts
  silently empty (``absent()``); ``PredictionsAbsent`` likewise for the service's counter;
* ``thrifty.kpis`` (recording, every 5 minutes): the guide's KPIs whose inputs are metrics:
  utilization against requests (cluster and per namespace, CPU and memory) and cost per
  prediction (cost per hour / predictions per hour).

Every rule carries the cost tags as labels, so Alertmanager can route by team and environment.
Where each metric comes from: :mod:`thrifty.monitoring.metrics`.
"""

from __future__ import annotations

import re
from typing import Any

from thrifty.budget.spec import CostAlertsConfig
from thrifty.monitoring.metrics import SOURCE_METRICS
from thrifty.monitoring.spec import METRIC_NAME
from thrifty.tags import CostTags

API_VERSION = "monitoring.coreos.com/v1"
KIND = "PrometheusRule"
GIB = 1024**3
#: Hours in the month the projection and OpenCost's monthly figures use (OpenCost: ``* 730``).
HOURS_PER_MONTH = 730
#: How long a cost input may be missing before ``CostMetricsAbsent`` fires.
ABSENT_FOR = "15m"

COMPUTE_COST = "thrifty:compute_cost_per_hour:sum"
STORAGE_COST = "thrifty:storage_cost_per_hour:sum"
TOTAL_COST = "thrifty:cost_per_hour:sum"
STORAGE_COST_24H = "thrifty:storage_cost:increase24h"
NAMESPACE_COST = "thrifty:namespace_cost_per_hour:sum"
MONTHLY_BUDGET = "thrifty:monthly_budget_usd"
MONTHLY_PROJECTED = "thrifty:monthly_cost:projected"
BUDGET_BURN = "thrifty:budget_burn:ratio"
CPU_UTILIZATION = "thrifty:cpu_utilization:ratio"
MEMORY_UTILIZATION = "thrifty:memory_utilization:ratio"
NAMESPACE_CPU_UTILIZATION = "thrifty:namespace_cpu_utilization:ratio"
NAMESPACE_MEMORY_UTILIZATION = "thrifty:namespace_memory_utilization:ratio"
PREDICTIONS_RATE = "thrifty:predictions:rate1h"
COST_PER_PREDICTION = "thrifty:cost_per_prediction:ratio"

_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
#: Labels the rules set themselves (and ``alertname``, which Prometheus sets on every alert).
RULE_LABELS = frozenset({"severity", "metric", "alertname"})
#: cAdvisor series of real containers, as kube-prometheus-stack scrapes them (kubelet job,
#: ``/metrics/cadvisor``; the pod-level cgroup has ``container=""``, the pause image none).
_CADVISOR = '{job="kubelet", metrics_path="/metrics/cadvisor", container!="", image!=""}'
#: Requests of pods that hold them: pending or running (finished pods keep their series).
_ACTIVE_PODS = 'max by (namespace, pod) (kube_pod_status_phase{phase=~"Pending|Running"} == 1)'


def prometheus_labels(tags: CostTags) -> dict[str, str]:
    """The cost tags as Prometheus rule labels: names limited to ``[a-zA-Z_][a-zA-Z0-9_]*``
    (``cost-center`` -> ``cost_center``), values kept as they are (any UTF-8 is allowed).
    A tag may not become a label the rules set themselves or one Prometheus reserves (``__``)."""
    labels: dict[str, str] = {}
    for key, value in tags.as_dict().items():
        name = re.sub(r"[^a-zA-Z0-9_]", "_", key)
        if not _LABEL_NAME.match(name):
            name = f"_{name}"
        if name in RULE_LABELS or name.startswith("__"):
            raise ValueError(
                f"tag {key!r} would become Prometheus label {name!r}, which the cost rules "
                f"set themselves or Prometheus reserves (not {', '.join(sorted(RULE_LABELS))} "
                "or __*); rename the tag"
            )
        if name in labels:
            raise ValueError(f"tags {key!r} and another tag both become Prometheus label {name!r}")
        labels[name] = value
    return labels


def _requests(resource: str, by: str = "") -> str:
    """Requested ``resource`` of active pods, summed (``by``: a grouping such as ``by (x) ``)."""
    aggregation = f"sum {by}" if by else "sum"
    return (
        f'{aggregation}(kube_pod_container_resource_requests{{resource="{resource}"}}'
        f" * on (namespace, pod) group_left () {_ACTIVE_PODS})"
    )


def cost_recording_rules(monthly_budget_usd: float) -> list[dict[str, str]]:
    """``thrifty.cost``: the cost figures every alert and panel reads (order matters: a rule
    reads the ones above it, evaluated in the same pass)."""
    if not monthly_budget_usd > 0:
        raise ValueError(
            f"monthly budget {monthly_budget_usd!r} USD: must be greater than 0 (the "
            "budget-burn ratio divides by it)"
        )
    node_price = "on (node) group_left () avg by (node)"
    return [
        {"record": COMPUTE_COST, "expr": "sum(avg by (node) (node_total_hourly_cost))"},
        {
            # No volume at all is a cost of 0; a missing exporter is CostMetricsAbsent's job.
            "record": STORAGE_COST,
            "expr": "sum(avg by (persistentvolume) (pv_hourly_cost) * on (persistentvolume) "
            f"avg by (persistentvolume) (kube_persistentvolume_capacity_bytes) / {GIB}) "
            "or vector(0)",
        },
        {"record": TOTAL_COST, "expr": f"{COMPUTE_COST} + {STORAGE_COST}"},
        {"record": STORAGE_COST_24H, "expr": f"avg_over_time({STORAGE_COST}[24h]) * 24"},
        {
            "record": NAMESPACE_COST,
            "expr": f"sum by (namespace) (container_cpu_allocation * {node_price} "
            "(node_cpu_hourly_cost)) + sum by (namespace) (container_memory_allocation_bytes "
            f"/ {GIB} * {node_price} (node_ram_hourly_cost))",
        },
        {"record": MONTHLY_BUDGET, "expr": f"vector({monthly_budget_usd:g})"},
        {"record": MONTHLY_PROJECTED, "expr": f"{TOTAL_COST} * {HOURS_PER_MONTH}"},
        {"record": BUDGET_BURN, "expr": f"{MONTHLY_PROJECTED} / {MONTHLY_BUDGET}"},
    ]


def kpi_recording_rules(predictions_metric: str | None) -> list[dict[str, str]]:
    """``thrifty.kpis``: utilization against requests and, with a counter, cost per prediction."""
    cpu_used = f"rate(container_cpu_usage_seconds_total{_CADVISOR}[5m])"
    memory_used = f"container_memory_working_set_bytes{_CADVISOR}"
    rules = [
        {"record": CPU_UTILIZATION, "expr": f"sum({cpu_used}) / {_requests('cpu')}"},
        {"record": MEMORY_UTILIZATION, "expr": f"sum({memory_used}) / {_requests('memory')}"},
        {
            "record": NAMESPACE_CPU_UTILIZATION,
            "expr": f"sum by (namespace) ({cpu_used}) / {_requests('cpu', 'by (namespace) ')}",
        },
        {
            "record": NAMESPACE_MEMORY_UTILIZATION,
            "expr": f"sum by (namespace) ({memory_used}) / "
            f"{_requests('memory', 'by (namespace) ')}",
        },
    ]
    if predictions_metric is not None:
        rules += [
            {"record": PREDICTIONS_RATE, "expr": f"sum(rate({predictions_metric}[1h]))"},
            {
                # Hours without predictions have no cost per prediction (not +Inf).
                "record": COST_PER_PREDICTION,
                "expr": f"{TOTAL_COST} / ({PREDICTIONS_RATE} * 3600 > 0)",
            },
        ]
    return rules


def alert_rules(
    config: CostAlertsConfig,
    predictions_metric: str | None,
    recording: list[dict[str, str]],
) -> list[dict[str, Any]]:
    """``cost.rules``: the guide's two alerts on the recorded costs, and the absence alerts
    (each naming the ``recording`` rules that read the missing metric)."""
    alerts: list[dict[str, Any]] = [
        {
            "alert": "HighComputeCost",
            "expr": f"{COMPUTE_COST} > {config.compute_cost_per_hour:g}",
            "for": config.compute_for,
            "labels": {"severity": "warning"},
            "annotations": {
                "summary": "High compute cost detected",
                "description": "Compute cost is {{ $value }} USD per hour (threshold "
                f"{config.compute_cost_per_hour:g}; the nodes' price from OpenCost)",
            },
        },
        {
            "alert": "StorageCostSpike",
            "expr": f"{STORAGE_COST_24H} > {config.storage_cost_increase_24h:g}",
            "for": config.storage_for,
            "labels": {"severity": "critical"},
            "annotations": {
                "summary": "Storage cost spike detected",
                "description": "Storage cost increased by {{ $value }} USD in 24h (threshold "
                f"{config.storage_cost_increase_24h:g}; persistent volumes priced by OpenCost)",
            },
        },
    ]
    for metric in (m for m in SOURCE_METRICS.values() if m.cost_input):
        readers = [r["record"] for r in recording if re.search(rf"\b{metric.name}\b", r["expr"])]
        alerts.append(
            {
                "alert": "CostMetricsAbsent",
                "expr": f"absent({metric.name})",
                "for": ABSENT_FOR,
                "labels": {"severity": "critical", "metric": metric.name},
                "annotations": {
                    "summary": f"{metric.name} is missing: the cost figures are incomplete",
                    "description": f"Prometheus has had no {metric.name} (exported by "
                    f"{metric.exporter}) for {ABSENT_FOR}; it feeds {', '.join(readers)}, and "
                    "the cost alerts on those stay silent without it.",
                },
            }
        )
    if predictions_metric is not None:
        alerts.append(
            {
                "alert": "PredictionsAbsent",
                "expr": f"absent({predictions_metric})",
                "for": "30m",
                "labels": {"severity": "warning", "metric": predictions_metric},
                "annotations": {
                    "summary": f"{predictions_metric} is missing: no cost per prediction",
                    "description": f"No service exports {predictions_metric} (or Prometheus "
                    "does not scrape it) for 30m.",
                },
            }
        )
    return alerts


def cost_rule_groups(
    config: CostAlertsConfig,
    labels: dict[str, str],
    *,
    monthly_budget_usd: float,
    predictions_metric: str | None = "predictions_total",
) -> list[dict[str, Any]]:
    """The rule groups of the PrometheusRule (``spec.groups``); ``labels`` go on every rule
    (use :func:`prometheus_labels`)."""
    for name in labels:
        if not _LABEL_NAME.match(name):
            raise ValueError(
                f"label {name!r} is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)"
            )
    if predictions_metric is not None and not re.match(METRIC_NAME, predictions_metric):
        raise ValueError(
            f"predictions_metric {predictions_metric!r} is not a Prometheus metric name "
            "([a-zA-Z_:][a-zA-Z0-9_:]*)"
        )

    def labelled(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**rule, "labels": {**labels, **rule.get("labels", {})}} for rule in rules]

    recording = cost_recording_rules(monthly_budget_usd)
    return [
        {"name": "thrifty.cost", "interval": "1m", "rules": labelled(recording)},
        {
            "name": "cost.rules",
            "rules": labelled(alert_rules(config, predictions_metric, recording)),
        },
        {
            "name": "thrifty.kpis",
            "interval": "5m",
            "rules": labelled(kpi_recording_rules(predictions_metric)),
        },
    ]


def prometheus_rule_manifest(
    name: str, namespace: str, labels: dict[str, str], groups: list[dict[str, Any]]
) -> dict[str, Any]:
    """The PrometheusRule object; ``labels`` must include what the Prometheus' ``ruleSelector``
    matches (:data:`thrifty.monitoring.charts.SELECTOR_LABELS`)."""
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {"groups": groups},
    }


__all__ = [
    "API_VERSION",
    "COMPUTE_COST",
    "COST_PER_PREDICTION",
    "KIND",
    "STORAGE_COST",
    "STORAGE_COST_24H",
    "TOTAL_COST",
    "alert_rules",
    "cost_recording_rules",
    "cost_rule_groups",
    "kpi_recording_rules",
    "prometheus_labels",
    "prometheus_rule_manifest",
]
