"""The cost rules: structure as Prometheus accepts it, the guide's alerts and thresholds on
recorded costs, PromQL that parses, every metric read exported by a cited exporter or recorded
by a rule, and an absence alert for every metric the cost alerts depend on."""

from __future__ import annotations

import re
from typing import Any

import promql_parser
import pytest

from thrifty.budget.spec import CostAlertsConfig
from thrifty.monitoring.dashboard import cost_dashboard, queries
from thrifty.monitoring.metrics import RECORDED_PREFIX, SOURCE_METRICS
from thrifty.monitoring.rules import (
    COMPUTE_COST,
    GIB,
    HOURS_PER_MONTH,
    STORAGE_COST,
    STORAGE_COST_24H,
    cost_rule_groups,
    prometheus_labels,
)
from thrifty.tags import CostTags

TAGS = CostTags.model_validate(
    {
        "project": "churn-predictor",
        "environment": "production",
        "team": "ml-team",
        "cost-center": "engineering",
        "owner": "ml-team@company.com",
    }
)
BUDGET = 5000.0
# Prometheus' own rules for rule files (model/labels, rules/manager): legacy name charsets.
LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
DURATION = re.compile(r"^(\d+(ms|s|m|h|d|w|y))+$")
#: Grafana substitutes these before a query reaches Prometheus (global variables: $__range is a
#: duration, $__range_s the same in seconds); the values are a 31-day range.
GRAFANA_VARIABLES = {"$__range_s": "2678400", "$__range": "2678400s"}


def check_rule_group(group: dict[str, Any]) -> None:
    """Raise AssertionError unless ``group`` is a valid Prometheus rule group."""
    assert set(group) <= {"name", "interval", "rules", "limit", "partial_response_strategy"}
    assert isinstance(group["name"], str) and group["name"]
    if "interval" in group:
        assert DURATION.match(group["interval"])
    assert group["rules"], "a group needs rules"
    for rule in group["rules"]:
        assert ("alert" in rule) != ("record" in rule), rule
        assert isinstance(rule["expr"], str) and rule["expr"].strip()
        if "alert" in rule:
            assert set(rule) <= {"alert", "expr", "for", "keep_firing_for", "labels", "annotations"}
            assert LABEL_NAME.match(rule["alert"])
            if "for" in rule:
                assert DURATION.match(rule["for"]), rule["for"]
            assert all(isinstance(v, str) for v in rule.get("annotations", {}).values())
        else:
            assert set(rule) <= {"record", "expr", "labels"}
            assert METRIC_NAME.match(rule["record"])
        for name, value in rule.get("labels", {}).items():
            assert LABEL_NAME.match(name), name
            assert isinstance(value, str)


def groups(config: CostAlertsConfig | None = None, **kwargs: Any) -> list[dict[str, Any]]:
    return cost_rule_groups(
        config or CostAlertsConfig(),
        prometheus_labels(TAGS),
        monthly_budget_usd=kwargs.pop("monthly_budget_usd", BUDGET),
        **kwargs,
    )


def all_rules(rule_groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [rule for group in rule_groups for rule in group["rules"]]


def alerts(rule_groups: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [rule for rule in all_rules(rule_groups) if rule.get("alert") == name]


def recorded(rule_groups: list[dict[str, Any]]) -> dict[str, str]:
    return {rule["record"]: rule["expr"] for rule in all_rules(rule_groups) if "record" in rule}


def metrics_read(expr: str) -> set[str]:
    """Every metric name a PromQL expression selects (parsed, not grepped)."""
    names: set[str] = set()

    def visit(node: promql_parser.Expr) -> None:
        if isinstance(node, promql_parser.VectorSelector) and node.name:
            names.add(node.name)

    promql_parser.walk(promql_parser.parse(expr), visit)
    return names


def sources_behind(metric: str, records: dict[str, str]) -> set[str]:
    """The exporter metrics a recorded (or exported) metric is computed from, transitively."""
    if metric not in records:
        return {metric}
    return set().union(*(sources_behind(m, records) for m in metrics_read(records[metric])))


def substitute_grafana(expr: str) -> str:
    for variable, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(variable, value)
    assert "$" not in expr, f"a Grafana variable the test does not know: {expr}"
    return expr


def test_guides_alerts_on_recorded_costs_with_the_guides_thresholds() -> None:
    rule_groups = groups()
    (compute,) = alerts(rule_groups, "HighComputeCost")
    (storage,) = alerts(rule_groups, "StorageCostSpike")
    assert compute["expr"] == f"{COMPUTE_COST} > 10"
    assert (compute["for"], compute["labels"]["severity"]) == ("5m", "warning")
    assert storage["expr"] == f"{STORAGE_COST_24H} > 100"
    assert (storage["for"], storage["labels"]["severity"]) == ("1h", "critical")
    assert compute["annotations"]["summary"] == "High compute cost detected"
    assert "{{ $value }}" in compute["annotations"]["description"]
    assert storage["annotations"]["summary"] == "Storage cost spike detected"
    assert "{{ $value }}" in storage["annotations"]["description"]
    # The group name is the guide's.
    assert any(g["name"] == "cost.rules" and compute in g["rules"] for g in rule_groups)


def test_thresholds_and_durations_come_from_config() -> None:
    config = CostAlertsConfig.model_validate(
        {
            "computeCostPerHour": 2.5,
            "computeFor": "15m",
            "storageCostIncrease24h": 40,
            "storageFor": "2h",
        }
    )
    rule_groups = groups(config)
    (compute,) = alerts(rule_groups, "HighComputeCost")
    (storage,) = alerts(rule_groups, "StorageCostSpike")
    assert (compute["expr"], compute["for"]) == (f"{COMPUTE_COST} > 2.5", "15m")
    assert (storage["expr"], storage["for"]) == (f"{STORAGE_COST_24H} > 40", "2h")


def test_recorded_costs_follow_opencosts_own_queries() -> None:
    """Compute: the nodes' total price (OpenCost's queryTotal sums avg by node); storage: the
    price per GiB-hour times the volume's size, joined on the volume; 24h storage: the
    integral of the hourly cost over a day (what increase() of a cumulative cost measured)."""
    records = recorded(groups())
    compute = promql_parser.parse(records[COMPUTE_COST])
    assert isinstance(compute, promql_parser.AggregateExpr)
    inner = compute.expr
    assert isinstance(inner, promql_parser.AggregateExpr)
    assert inner.modifier is not None and inner.modifier.labels == ["node"]
    assert metrics_read(records[COMPUTE_COST]) == {"node_total_hourly_cost"}

    storage = promql_parser.parse(records[STORAGE_COST])
    assert isinstance(storage, promql_parser.BinaryExpr)  # sum(...) or vector(0)
    assert isinstance(storage.rhs, promql_parser.Call)  # vector(0): no volume costs nothing
    total = storage.lhs
    assert isinstance(total, promql_parser.AggregateExpr)
    division = total.expr
    assert isinstance(division, promql_parser.BinaryExpr)
    assert isinstance(division.rhs, promql_parser.NumberLiteral) and division.rhs.val == GIB
    join = division.lhs
    assert isinstance(join, promql_parser.BinaryExpr)
    assert join.modifier is not None and join.modifier.matching is not None
    assert join.modifier.matching.labels == ["persistentvolume"]
    assert metrics_read(records[STORAGE_COST]) == {
        "pv_hourly_cost",
        "kube_persistentvolume_capacity_bytes",
    }
    assert records[STORAGE_COST_24H] == f"avg_over_time({STORAGE_COST}[24h]) * 24"
    assert GIB == 1024**3 and HOURS_PER_MONTH == 730


def test_budget_figures_from_the_budget() -> None:
    records = recorded(groups(monthly_budget_usd=2000))
    assert records["thrifty:monthly_budget_usd"] == "vector(2000)"
    assert records["thrifty:monthly_cost:projected"] == "thrifty:cost_per_hour:sum * 730"
    assert records["thrifty:budget_burn:ratio"] == (
        "thrifty:monthly_cost:projected / thrifty:monthly_budget_usd"
    )


def test_every_metric_read_is_exported_by_a_cited_exporter_or_recorded() -> None:
    rule_groups = groups()
    records = recorded(rule_groups)
    assert all(name.startswith(RECORDED_PREFIX) for name in records)
    dashboard = cost_dashboard(TAGS, BUDGET)
    expressions = [rule["expr"] for rule in all_rules(rule_groups)]
    expressions += [substitute_grafana(expr) for expr in queries(dashboard)]
    for expr in expressions:
        for metric in metrics_read(expr):
            assert metric in SOURCE_METRICS or metric in records or metric == "predictions_total", (
                f"{metric} in {expr!r} is neither exported (SOURCE_METRICS) nor recorded"
            )
    for metric in SOURCE_METRICS.values():
        assert metric.exporter in {"opencost", "kube-state-metrics", "cadvisor"}
        assert metric.source in {"[OPENCOST]", "[KSM]", "[CADVISOR]"}


def test_a_missing_cost_input_alerts_instead_of_staying_silent() -> None:
    """Every exporter metric behind HighComputeCost and StorageCostSpike has an absent() alert."""
    rule_groups = groups()
    records = recorded(rule_groups)
    absent = {rule["labels"]["metric"]: rule for rule in alerts(rule_groups, "CostMetricsAbsent")}
    for name in ("HighComputeCost", "StorageCostSpike"):
        (alert,) = alerts(rule_groups, name)
        behind = set().union(*(sources_behind(m, records) for m in metrics_read(alert["expr"])))
        assert behind, name
        assert behind <= set(absent), f"{name} reads {behind - set(absent)} with no absent()"
    assert behind == {"pv_hourly_cost", "kube_persistentvolume_capacity_bytes"}
    for metric, rule in absent.items():
        assert rule["expr"] == f"absent({metric})"
        readers = [name for name, expr in records.items() if metric in metrics_read(expr)]
        assert readers, f"{metric} is alerted on but no rule reads it"
        assert f"it feeds {', '.join(readers)}," in rule["annotations"]["description"]
        assert (rule["for"], rule["labels"]["severity"]) == ("15m", "critical")
        assert SOURCE_METRICS[metric].cost_input
    assert set(absent) == {m.name for m in SOURCE_METRICS.values() if m.cost_input}


def test_kpi_recording_rules() -> None:
    records = recorded(groups())
    assert records["thrifty:predictions:rate1h"] == "sum(rate(predictions_total[1h]))"
    assert records["thrifty:cost_per_prediction:ratio"] == (
        "thrifty:cost_per_hour:sum / (thrifty:predictions:rate1h * 3600 > 0)"
    )
    cpu = records["thrifty:cpu_utilization:ratio"]
    assert metrics_read(cpu) == {
        "container_cpu_usage_seconds_total",
        "kube_pod_container_resource_requests",
        "kube_pod_status_phase",
    }
    assert 'resource="cpu"' in cpu and 'metrics_path="/metrics/cadvisor"' in cpu
    memory = records["thrifty:namespace_memory_utilization:ratio"]
    assert "container_memory_working_set_bytes" in metrics_read(memory)
    assert "by (namespace)" in memory
    (absent,) = alerts(groups(), "PredictionsAbsent")
    assert absent["expr"] == "absent(predictions_total)"

    custom = recorded(groups(predictions_metric="churn_predictions_total"))
    assert custom["thrifty:predictions:rate1h"] == "sum(rate(churn_predictions_total[1h]))"
    without = groups(predictions_metric=None)
    assert "thrifty:cost_per_prediction:ratio" not in recorded(without)
    assert not alerts(without, "PredictionsAbsent")
    assert "thrifty:cpu_utilization:ratio" in recorded(without)


def test_every_rule_carries_the_cost_labels_as_prometheus_label_names() -> None:
    labels = prometheus_labels(TAGS)
    assert labels == {
        "project": "churn-predictor",
        "environment": "production",
        "team": "ml-team",
        "cost_center": "engineering",
        "owner": "ml-team@company.com",
    }
    for rule in all_rules(groups()):
        assert labels.items() <= rule["labels"].items()


@pytest.mark.parametrize("predictions", ["predictions_total", None])
def test_rule_groups_are_valid_prometheus_rule_groups(predictions: str | None) -> None:
    rule_groups = groups(predictions_metric=predictions)
    assert [g["name"] for g in rule_groups] == ["thrifty.cost", "cost.rules", "thrifty.kpis"]
    for group in rule_groups:
        check_rule_group(group)


def test_the_structure_check_rejects_what_prometheus_rejects() -> None:
    """The checker above is not vacuous: each of these breaks one Prometheus rule."""
    good = groups()[1]
    broken = [
        {**good, "rules": [{**good["rules"][0], "for": "5 minutes"}]},
        {**good, "rules": [{**good["rules"][0], "labels": {"cost-center": "x"}}]},
        {**good, "rules": [{**good["rules"][0], "record": "x"}]},
        {**good, "rules": [{**good["rules"][0], "expr": " "}]},
        {**good, "rules": []},
    ]
    for group in broken:
        with pytest.raises(AssertionError):
            check_rule_group(group)


def test_every_expression_parses_as_promql() -> None:
    for rule in all_rules(groups()):
        assert promql_parser.parse(rule["expr"]) is not None, rule
    for expr in queries(cost_dashboard(TAGS, BUDGET)):
        assert promql_parser.parse(substitute_grafana(expr)) is not None, expr
    with pytest.raises(ValueError):
        promql_parser.parse("sum(rate(predictions_total[1h]) * ")
    with pytest.raises(ValueError):  # unsubstituted Grafana variables are not PromQL
        promql_parser.parse(queries(cost_dashboard(TAGS, BUDGET))[-2])


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"predictions_metric": "9predictions"}, "predictions_metric '9predictions' is not"),
        ({"monthly_budget_usd": 0}, "monthly budget 0 USD: must be greater than 0"),
    ],
)
def test_bad_arguments_are_refused(kwargs: dict[str, Any], expected: str) -> None:
    with pytest.raises(ValueError, match=re.escape(expected)):
        groups(**kwargs)
    with pytest.raises(ValueError, match="label 'cost-center' is not a Prometheus label name"):
        cost_rule_groups(CostAlertsConfig(), {"cost-center": "x"}, monthly_budget_usd=BUDGET)


def test_tags_that_would_shadow_the_rules_labels_are_refused() -> None:
    tags = TAGS.model_copy(update={"extra": {"severity": "low"}})
    with pytest.raises(ValueError, match="tag 'severity' would become Prometheus label"):
        prometheus_labels(tags)
