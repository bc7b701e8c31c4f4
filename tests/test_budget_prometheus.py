"""The PrometheusRule with the guide's cost alerts and KPI recording rules: structure as the
Prometheus Operator and Prometheus accept it, the guide's thresholds and durations, PromQL that
parses, and the recorded custom resource."""

from __future__ import annotations

import re
from typing import Any

import pulumi_kubernetes as k8s
import pytest

from thrifty.budget.prometheus import (
    CostAlertRules,
    cost_rule_groups,
    prometheus_labels,
)
from thrifty.budget.spec import CostAlertsConfig
from thrifty.offline.recording import Recording, record_program
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
# Prometheus' own rules for rule files (model/labels, rules/manager): legacy name charsets.
LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
DURATION = re.compile(r"^(\d+(ms|s|m|h|d|w|y))+$")
DNS_1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


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
    return cost_rule_groups(config or CostAlertsConfig(), prometheus_labels(TAGS), **kwargs)


def rules_by_name(rule_groups: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r.get("alert") or r["record"]: r for g in rule_groups for r in g["rules"]}


def test_guides_alerts_with_its_thresholds_durations_and_severities() -> None:
    rules = rules_by_name(groups())
    compute, storage = rules["HighComputeCost"], rules["StorageCostSpike"]
    assert compute["expr"] == "compute_cost_per_hour > 10"
    assert (compute["for"], compute["labels"]["severity"]) == ("5m", "warning")
    assert storage["expr"] == "increase(storage_cost_total[24h]) > 100"
    assert (storage["for"], storage["labels"]["severity"]) == ("1h", "critical")
    assert compute["annotations"]["summary"] == "High compute cost detected"
    assert "{{ $value }}" in compute["annotations"]["description"]
    assert storage["annotations"]["summary"] == "Storage cost spike detected"
    assert "{{ $value }}" in storage["annotations"]["description"]


def test_thresholds_and_durations_come_from_config() -> None:
    config = CostAlertsConfig.model_validate(
        {
            "computeCostPerHour": 2.5,
            "computeFor": "15m",
            "storageCostIncrease24h": 40,
            "storageFor": "2h",
        }
    )
    rules = rules_by_name(groups(config))
    assert rules["HighComputeCost"]["expr"] == "compute_cost_per_hour > 2.5"
    assert rules["HighComputeCost"]["for"] == "15m"
    assert rules["StorageCostSpike"]["expr"] == "increase(storage_cost_total[24h]) > 40"
    assert rules["StorageCostSpike"]["for"] == "2h"


def test_every_rule_carries_the_cost_labels_as_prometheus_label_names() -> None:
    labels = prometheus_labels(TAGS)
    assert labels == {
        "project": "churn-predictor",
        "environment": "production",
        "team": "ml-team",
        "cost_center": "engineering",
        "owner": "ml-team@company.com",
    }
    for rule in rules_by_name(groups()).values():
        assert labels.items() <= rule["labels"].items()


def test_kpi_recording_rules() -> None:
    rules = rules_by_name(groups())
    assert rules["thrifty:cost_per_prediction:ratio_rate1h"]["expr"] == (
        "sum(compute_cost_per_hour) / (sum(rate(predictions_total[1h])) * 3600)"
    )
    assert "kube_pod_container_resource_requests" in rules["thrifty:cpu_utilization:ratio"]["expr"]
    without = rules_by_name(groups(predictions_metric=None))
    assert "thrifty:cost_per_prediction:ratio_rate1h" not in without
    assert "thrifty:cpu_utilization:ratio" in without


@pytest.mark.parametrize("predictions", ["predictions_total", None])
def test_rule_groups_are_valid_prometheus_rule_groups(predictions: str | None) -> None:
    rule_groups = groups(predictions_metric=predictions)
    assert [g["name"] for g in rule_groups] == ["cost.rules", "cost.kpis"]
    for group in rule_groups:
        check_rule_group(group)


def test_the_structure_check_rejects_what_prometheus_rejects() -> None:
    """The checker above is not vacuous: each of these breaks one Prometheus rule."""
    good = groups()[0]
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


def test_expressions_parse_as_promql() -> None:
    promql = pytest.importorskip("promql_parser")
    for rule in rules_by_name(groups()).values():
        parsed = promql.parse(rule["expr"])
        assert parsed is not None
    with pytest.raises(ValueError):
        promql.parse("sum(rate(predictions_total[1h]) * ")


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"compute_cost_metric": "compute-cost"}, "compute_cost_metric 'compute-cost' is not"),
        ({"predictions_metric": "9predictions"}, "predictions_metric '9predictions' is not"),
        ({"namespace": "Monitoring"}, "namespace 'Monitoring' is not a Kubernetes namespace"),
    ],
)
def test_invalid_arguments_register_nothing(kwargs: dict[str, Any], expected: str) -> None:
    caught: list[Exception] = []

    def program() -> None:
        try:
            CostAlertRules("cost", CostAlertsConfig(), tags=TAGS, **kwargs)
        except ValueError as error:
            caught.append(error)

    recording = record_program(program, project="thrifty-test", stack="production")
    assert caught and expected in str(caught[0])
    assert list(recording) == []


def record_rules() -> Recording:
    def program() -> None:
        provider = k8s.Provider("k8s")
        CostAlertRules(
            "churn",
            CostAlertsConfig(),
            tags=TAGS,
            selector_labels={"release": "kube-prometheus-stack"},
            provider=provider,
        )

    return record_program(program, project="thrifty-test", stack="production")


def test_recorded_prometheus_rule_custom_resource() -> None:
    recording = record_rules()
    (component,) = recording.of_type("thrifty:budget:CostAlertRules")
    (rule,) = recording.of_type("kubernetes:monitoring.coreos.com/v1:PrometheusRule")
    assert rule.parent == component.urn
    (provider,) = recording.of_type("pulumi:providers:kubernetes")
    assert rule.provider_urn == provider.urn
    inputs = rule.inputs
    assert inputs["apiVersion"] == "monitoring.coreos.com/v1"
    assert inputs["kind"] == "PrometheusRule"
    metadata = inputs["metadata"]
    assert DNS_1123.match(metadata["name"]) and metadata["name"] == "churn-cost-rules"
    assert metadata["namespace"] == "monitoring"
    assert metadata["labels"] == {**TAGS.kubernetes(), "release": "kube-prometheus-stack"}
    assert metadata["labels"]["owner"] == "ml-team_at_company.com"
    for group in inputs["spec"]["groups"]:
        check_rule_group(group)
    assert rules_by_name(inputs["spec"]["groups"]) == rules_by_name(groups())
