"""The Grafana cost dashboard: cost per hour, cost per prediction, utilization against requests
and budget burn, as JSON in a ConfigMap that Grafana's dashboard sidecar loads.

Every query reads thrifty's recorded series (:mod:`thrifty.monitoring.rules`), so the dashboard
and the alerts show the same figures. The dashboard opens on "this month so far" (``now/M`` to
``now``, Grafana's time range syntax): the budget-burn panel's month-to-date cost is the
average cost per hour over the dashboard's range times its length in hours, written with
Grafana's ``$__range`` (a PromQL duration) and ``$__range_s`` (the same in seconds), which
Grafana substitutes before the query reaches Prometheus
(grafana.com/docs/grafana/latest/visualizations/dashboards/variables/global-variables/).
"""

from __future__ import annotations

import json
from typing import Any

from thrifty.monitoring.charts import DASHBOARD_LABEL, DATASOURCE_UID
from thrifty.monitoring.rules import (
    BUDGET_BURN,
    COMPUTE_COST,
    COST_PER_PREDICTION,
    CPU_UTILIZATION,
    MEMORY_UTILIZATION,
    MONTHLY_BUDGET,
    MONTHLY_PROJECTED,
    NAMESPACE_COST,
    NAMESPACE_CPU_UTILIZATION,
    NAMESPACE_MEMORY_UTILIZATION,
    STORAGE_COST,
    TOTAL_COST,
)
from thrifty.tags import CostTags

DASHBOARD_UID = "thrifty-cost"
#: The ConfigMap key (the sidecar writes each key as a file; Grafana loads ``*.json``).
DASHBOARD_FILE = "thrifty-cost.json"
#: Month-to-date cost: average cost per hour over the dashboard's range x its hours.
MONTH_TO_DATE = f"sum(avg_over_time({TOTAL_COST}[$__range])) * $__range_s / 3600"
#: Grafana's schema version of the dashboard JSON written here.
SCHEMA_VERSION = 39

_DATASOURCE = {"type": "prometheus", "uid": DATASOURCE_UID}


def _target(ref: str, expr: str, legend: str) -> dict[str, Any]:
    return {"refId": ref, "datasource": _DATASOURCE, "expr": expr, "legendFormat": legend}


def _panel(
    panel_id: int,
    title: str,
    kind: str,
    grid: tuple[int, int, int, int],
    targets: list[dict[str, Any]],
    unit: str,
    description: str,
    **extra: Any,
) -> dict[str, Any]:
    x, y, w, h = grid
    return {
        "id": panel_id,
        "title": title,
        "description": description,
        "type": kind,
        "datasource": _DATASOURCE,
        "gridPos": {"x": x, "y": y, "w": w, "h": h},
        "targets": targets,
        "fieldConfig": {"defaults": {"unit": unit, **extra.pop("defaults", {})}, "overrides": []},
        **extra,
    }


def cost_dashboard(
    tags: CostTags, monthly_budget_usd: float, *, predictions: bool = True
) -> dict[str, Any]:
    """The dashboard model (Grafana JSON), titled after the stack's project and environment;
    without ``predictions`` (no prediction counter) the cost-per-prediction panel is left out."""
    steps = [
        {"color": "green", "value": None},
        {"color": "orange", "value": 80},
        {"color": "red", "value": 100},
    ]
    panels = [
        _panel(
            1,
            "Cost per hour (USD)",
            "timeseries",
            (0, 0, 12, 8),
            [
                _target("A", TOTAL_COST, "total"),
                _target("B", COMPUTE_COST, "compute (nodes)"),
                _target("C", STORAGE_COST, "storage (persistent volumes)"),
            ],
            "currencyUSD",
            "Nodes and persistent volumes at OpenCost's prices.",
        ),
        _panel(
            2,
            "Cost per hour by namespace (USD)",
            "timeseries",
            (12, 0, 12, 8),
            [_target("A", f"sum by (namespace) ({NAMESPACE_COST})", "{{namespace}}")],
            "currencyUSD",
            "CPU and memory allocated to each namespace, at its nodes' prices.",
        ),
        _panel(
            3,
            "Cost per prediction (USD)",
            "timeseries",
            (0, 8, 12, 8),
            [_target("A", COST_PER_PREDICTION, "cost per prediction")],
            "currencyUSD",
            "Cost per hour / predictions per hour (the service's prediction counter).",
            defaults={"decimals": 6},
        ),
        _panel(
            4,
            "Utilization against requests",
            "timeseries",
            (12, 8, 12, 8),
            [
                _target("A", CPU_UTILIZATION, "cpu (cluster)"),
                _target("B", MEMORY_UTILIZATION, "memory (cluster)"),
                _target("C", NAMESPACE_CPU_UTILIZATION, "cpu {{namespace}}"),
                _target("D", NAMESPACE_MEMORY_UTILIZATION, "memory {{namespace}}"),
            ],
            "percentunit",
            "Used / requested: low means over-sized requests (right-size them).",
        ),
        _panel(
            5,
            "Budget burn: this month so far (USD)",
            "bargauge",
            (0, 16, 12, 8),
            [
                _target("A", MONTH_TO_DATE, "month to date"),
                _target("B", f"sum({MONTHLY_PROJECTED})", "month projected at the current rate"),
                _target("C", f"sum({MONTHLY_BUDGET})", "monthly budget"),
            ],
            "currencyUSD",
            f"Month-to-date cost against the monthly budget ({monthly_budget_usd:g} USD); keep "
            "the time range on 'This month so far'.",
            defaults={"max": monthly_budget_usd, "min": 0},
        ),
        _panel(
            6,
            "Budget used (%)",
            "gauge",
            (12, 16, 12, 8),
            [
                _target("A", f"100 * {MONTH_TO_DATE} / sum({MONTHLY_BUDGET})", "month to date"),
                _target("B", f"100 * sum({BUDGET_BURN})", "projected"),
            ],
            "percent",
            "Share of the monthly budget spent so far, and what the current rate projects.",
            defaults={"min": 0, "max": 120, "thresholds": {"mode": "absolute", "steps": steps}},
        ),
    ]
    if not predictions:
        panels = [panel for panel in panels if panel["id"] != 3]
    return {
        "uid": DASHBOARD_UID,
        "title": f"Cost: {tags.project} ({tags.environment})",
        "tags": ["thrifty", "cost", tags.project, tags.environment],
        "timezone": "utc",
        "schemaVersion": SCHEMA_VERSION,
        "editable": False,
        "refresh": "5m",
        "time": {"from": "now/M", "to": "now"},
        "panels": panels,
    }


def dashboard_configmap_manifest(
    name: str, namespace: str, labels: dict[str, str], dashboard: dict[str, Any]
) -> dict[str, Any]:
    """The ConfigMap Grafana's sidecar picks up (label :data:`DASHBOARD_LABEL`)."""
    key, value = DASHBOARD_LABEL
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace, "labels": {**labels, key: value}},
        "data": {DASHBOARD_FILE: json.dumps(dashboard, indent=2, sort_keys=True)},
    }


def queries(dashboard: dict[str, Any]) -> list[str]:
    """Every PromQL expression the dashboard sends (before Grafana's variable substitution)."""
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


__all__ = [
    "DASHBOARD_FILE",
    "DASHBOARD_UID",
    "MONTH_TO_DATE",
    "cost_dashboard",
    "dashboard_configmap_manifest",
    "queries",
]
