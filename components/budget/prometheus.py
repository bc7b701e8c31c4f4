"""Cost alerts for Prometheus: the guide's alert rules and recording rules for its KPIs.

A ``PrometheusRule`` (``monitoring.coreos.com/v1``, the Prometheus Operator's CRD) with two
groups:

* ``cost.rules``: the guide's "Cost Alerting" alerts, thresholds from
  :class:`~thrifty.budget.spec.CostAlertsConfig`: ``HighComputeCost`` (``compute_cost_per_hour``
  above N for 5m, warning) and ``StorageCostSpike`` (``storage_cost_total`` grew more than N in
  24h, for 1h, critical). Labels carry the cost tags (Kubernetes rendering) so Alertmanager can
  route by team / environment.
* ``cost.kpis``: recording rules for the guide's KPIs whose inputs exist as metrics:
  infrastructure utilization (used / requested CPU and memory, from cAdvisor and
  kube-state-metrics) and, when the workload exports a prediction counter, cost per prediction
  (compute cost per hour / predictions per hour).

The rules are built by :func:`cost_rule_groups`, a pure function, so tests check the structure
and the PromQL without a cluster.
"""

from __future__ import annotations

import re
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from thrifty.budget.spec import CostAlertsConfig
from thrifty.tags import CostTags

TYPE_TOKEN = "thrifty:budget:CostAlertRules"
API_VERSION = "monitoring.coreos.com/v1"
KIND = "PrometheusRule"

_METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_K8S_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


def _check_metric(field: str, value: str) -> None:
    if not _METRIC_NAME.match(value):
        raise ValueError(
            f"{field} {value!r} is not a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)"
        )


def prometheus_labels(tags: CostTags) -> dict[str, str]:
    """The cost tags as Prometheus rule labels: names limited to ``[a-zA-Z_][a-zA-Z0-9_]*``
    (``cost-center`` -> ``cost_center``), values kept as they are (any UTF-8 is allowed)."""
    labels: dict[str, str] = {}
    for key, value in tags.as_dict().items():
        name = re.sub(r"[^a-zA-Z0-9_]", "_", key)
        if not _LABEL_NAME.match(name):
            name = f"_{name}"
        if name in labels:
            raise ValueError(f"tags {key!r} and another tag both become Prometheus label {name!r}")
        labels[name] = value
    return labels


def cost_rule_groups(
    config: CostAlertsConfig,
    labels: dict[str, str],
    *,
    compute_cost_metric: str = "compute_cost_per_hour",
    storage_cost_metric: str = "storage_cost_total",
    predictions_metric: str | None = "predictions_total",
) -> list[dict[str, Any]]:
    """The rule groups of the PrometheusRule (``spec.groups``); ``labels`` go on every rule
    (use :func:`prometheus_labels`)."""
    for name in labels:
        if not _LABEL_NAME.match(name):
            raise ValueError(
                f"label {name!r} is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)"
            )
    _check_metric("compute_cost_metric", compute_cost_metric)
    _check_metric("storage_cost_metric", storage_cost_metric)
    if predictions_metric is not None:
        _check_metric("predictions_metric", predictions_metric)
    alerts = [
        {
            "alert": "HighComputeCost",
            "expr": f"{compute_cost_metric} > {config.compute_cost_per_hour:g}",
            "for": config.compute_for,
            "labels": {**labels, "severity": "warning"},
            "annotations": {
                "summary": "High compute cost detected",
                "description": "Compute cost is {{ $value }} per hour (threshold "
                f"{config.compute_cost_per_hour:g})",
            },
        },
        {
            "alert": "StorageCostSpike",
            "expr": f"increase({storage_cost_metric}[24h]) > {config.storage_cost_increase_24h:g}",
            "for": config.storage_for,
            "labels": {**labels, "severity": "critical"},
            "annotations": {
                "summary": "Storage cost spike detected",
                "description": "Storage cost increased by {{ $value }} in 24h (threshold "
                f"{config.storage_cost_increase_24h:g})",
            },
        },
    ]
    kpis: list[dict[str, Any]] = [
        {
            "record": "thrifty:cpu_utilization:ratio",
            "expr": 'sum(rate(container_cpu_usage_seconds_total{container!=""}[5m])) / '
            'sum(kube_pod_container_resource_requests{resource="cpu"})',
            "labels": dict(labels),
        },
        {
            "record": "thrifty:memory_utilization:ratio",
            "expr": 'sum(container_memory_working_set_bytes{container!=""}) / '
            'sum(kube_pod_container_resource_requests{resource="memory"})',
            "labels": dict(labels),
        },
        {
            "record": "thrifty:compute_cost_per_hour:sum",
            "expr": f"sum({compute_cost_metric})",
            "labels": dict(labels),
        },
    ]
    if predictions_metric is not None:
        kpis.append(
            {
                "record": "thrifty:cost_per_prediction:ratio_rate1h",
                "expr": f"sum({compute_cost_metric}) / "
                f"(sum(rate({predictions_metric}[1h])) * 3600)",
                "labels": dict(labels),
            }
        )
    return [
        {"name": "cost.rules", "rules": alerts},
        {"name": "cost.kpis", "interval": "5m", "rules": kpis},
    ]


class CostAlertRules(pulumi.ComponentResource):
    """A PrometheusRule with the guide's cost alerts and KPI recording rules, labelled with
    the cost tags. ``selector_labels`` adds labels the Prometheus' ``ruleSelector`` matches
    (e.g. ``{"release": "kube-prometheus-stack"}``)."""

    rule: k8s.apiextensions.CustomResource

    def __init__(
        self,
        name: str,
        config: CostAlertsConfig,
        *,
        tags: CostTags,
        namespace: str = "monitoring",
        selector_labels: dict[str, str] | None = None,
        compute_cost_metric: str = "compute_cost_per_hour",
        storage_cost_metric: str = "storage_cost_total",
        predictions_metric: str | None = "predictions_total",
        provider: k8s.Provider | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        if not _K8S_NAME.match(namespace):
            raise ValueError(
                f"CostAlertRules {name!r}: namespace {namespace!r} is not a Kubernetes "
                "namespace name (lowercase alphanumerics and '-', at most 63)"
            )
        metadata_labels = tags.kubernetes()
        groups = cost_rule_groups(
            config,
            prometheus_labels(tags),
            compute_cost_metric=compute_cost_metric,
            storage_cost_metric=storage_cost_metric,
            predictions_metric=predictions_metric,
        )
        super().__init__(TYPE_TOKEN, name, None, opts)
        self.rule = k8s.apiextensions.CustomResource(
            f"{name}-rule",
            api_version=API_VERSION,
            kind=KIND,
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=f"{name}-cost-rules",
                namespace=namespace,
                labels={**metadata_labels, **(selector_labels or {})},
            ),
            spec={"groups": groups},
            opts=pulumi.ResourceOptions(parent=self, provider=provider),
        )
        self.register_outputs({"name": f"{name}-cost-rules", "namespace": namespace})
