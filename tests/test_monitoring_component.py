"""CostMonitoring recorded with the SDK's mock engine: the two pinned releases from their real
repositories, requests and limits, the PrometheusRule Prometheus will select, the PodMonitor,
the dashboard the sidecar loads; every object valid against its schema; bad input refused
before anything is registered."""

from __future__ import annotations

import json
from typing import Any

import promql_parser
import pulumi_kubernetes as k8s
import pytest
from pydantic import ValidationError

from tests.k8s_schema import validate_manifest
from tests.test_monitoring_rules import substitute_grafana
from thrifty.budget.spec import BudgetConfig, CostAlertsConfig
from thrifty.cost import CostInput, estimate
from thrifty.monitoring.component import CostMonitoring, CostMonitoringArgs
from thrifty.monitoring.factory import create_monitoring
from thrifty.monitoring.rules import COMPUTE_COST, STORAGE_COST_24H
from thrifty.monitoring.spec import MonitoringSpec
from thrifty.offline.manifests import render
from thrifty.offline.recording import RecordedResource, Recording, record_program
from thrifty.tags import CostTags, TagRenderError

TAGS = CostTags.model_validate(
    {
        "project": "churn-predictor",
        "environment": "production",
        "team": "ml-team",
        "cost-center": "engineering",
        "owner": "ml-team@company.com",
    }
)
RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
POD_MONITOR = "kubernetes:monitoring.coreos.com/v1:PodMonitor"
RELEASE = "kubernetes:helm.sh/v3:Release"


def record(args: CostMonitoringArgs, name: str = "monitoring") -> Recording:
    def program() -> None:
        provider = k8s.Provider("cluster-k8s")
        CostMonitoring(name, args, provider=provider)

    return record_program(program, project="thrifty-test", stack="production")


@pytest.fixture(scope="module")
def recording() -> Recording:
    return record(CostMonitoringArgs(tags=TAGS, monthly_budget_usd=5000))


def releases(recording: Recording) -> dict[str, RecordedResource]:
    return {r.inputs["name"]: r for r in recording.of_type(RELEASE)}


def test_children_use_the_clusters_provider_and_are_parented(recording: Recording) -> None:
    (component,) = recording.of_type("thrifty:monitoring:CostMonitoring")
    (provider,) = recording.of_type("pulumi:providers:kubernetes")
    children = [r for r in recording if r.parent == component.urn]
    assert sorted(r.type for r in children) == sorted(
        [
            "kubernetes:core/v1:Namespace",
            "kubernetes:core/v1:ConfigMap",
            RELEASE,
            RELEASE,
            RULE,
            POD_MONITOR,
        ]
    )
    assert all(r.provider_urn == provider.urn for r in children)


def test_releases_name_the_real_repositories_and_pinned_versions(recording: Recording) -> None:
    by_name = releases(recording)
    assert set(by_name) == {"kube-prometheus-stack", "opencost"}
    stack, opencost = by_name["kube-prometheus-stack"], by_name["opencost"]
    assert (stack.inputs["chart"], stack.inputs["version"]) == ("kube-prometheus-stack", "88.5.3")
    assert stack.inputs["repositoryOpts"] == {
        "repo": "https://prometheus-community.github.io/helm-charts"
    }
    assert (opencost.inputs["chart"], opencost.inputs["version"]) == ("opencost", "2.5.17")
    assert opencost.inputs["repositoryOpts"] == {
        "repo": "https://opencost.github.io/opencost-helm-chart"
    }
    assert stack.inputs["namespace"] == opencost.inputs["namespace"] == "monitoring"


def test_order_namespace_then_stack_then_what_needs_its_crds(recording: Recording) -> None:
    (namespace,) = recording.of_type("kubernetes:core/v1:Namespace")
    stack = releases(recording)["kube-prometheus-stack"]
    assert namespace.urn in stack.dependencies
    for resource in (
        releases(recording)["opencost"],
        *recording.of_type(RULE),
        *recording.of_type(POD_MONITOR),
    ):
        assert stack.urn in resource.dependencies, resource.name


def test_values_set_requests_and_limits_for_every_pod(recording: Recording) -> None:
    values = releases(recording)["kube-prometheus-stack"].inputs["values"]
    opencost = releases(recording)["opencost"].inputs["values"]
    found = [
        values["prometheus"]["prometheusSpec"]["resources"],
        values["alertmanager"]["alertmanagerSpec"]["resources"],
        values["prometheusOperator"]["resources"],
        values["grafana"]["resources"],
        values["kube-state-metrics"]["resources"],
        values["prometheus-node-exporter"]["resources"],
        opencost["opencost"]["exporter"]["resources"],
        opencost["opencost"]["ui"]["resources"],
    ]
    for resources in found:
        assert set(resources) == {"requests", "limits"}
        assert set(resources["requests"]) == set(resources["limits"]) == {"cpu", "memory"}
    assert values["prometheus"]["prometheusSpec"]["resources"]["limits"] == {
        "cpu": "1",
        "memory": "4Gi",
    }


def test_the_rule_carries_the_label_prometheus_selects_and_the_cost_labels(
    recording: Recording,
) -> None:
    (rule,) = recording.of_type(RULE)
    stack = releases(recording)["kube-prometheus-stack"]
    labels = rule.inputs["metadata"]["labels"]
    # The chart's Prometheus: ruleSelectorNilUsesHelmValues -> matchLabels release=<release>.
    assert stack.inputs["values"]["prometheus"]["prometheusSpec"]["ruleSelectorNilUsesHelmValues"]
    assert labels["release"] == stack.inputs["name"]
    assert labels == {**TAGS.kubernetes(), "release": "kube-prometheus-stack"}
    assert rule.inputs["metadata"]["name"] == "monitoring-cost-rules"
    assert rule.inputs["metadata"]["namespace"] == "monitoring"
    (pod_monitor,) = recording.of_type(POD_MONITOR)
    assert pod_monitor.inputs["metadata"]["labels"]["release"] == stack.inputs["name"]
    assert pod_monitor.inputs["spec"]["selector"] == {
        "matchLabels": {"app.kubernetes.io/managed-by": "thrifty"}
    }
    assert pod_monitor.inputs["spec"]["podMetricsEndpoints"] == [
        {"port": "http", "path": "/metrics"}
    ]


def test_every_recorded_expression_parses(recording: Recording) -> None:
    (rule,) = recording.of_type(RULE)
    rules = [r for group in rule.inputs["spec"]["groups"] for r in group["rules"]]
    assert len(rules) > 10
    for entry in rules:
        promql_parser.parse(entry["expr"])


def test_dashboard_configmap_for_the_sidecar(recording: Recording) -> None:
    (configmap,) = recording.of_type("kubernetes:core/v1:ConfigMap")
    sidecar = releases(recording)["kube-prometheus-stack"].inputs["values"]["grafana"]["sidecar"]
    label, value = sidecar["dashboards"]["label"], sidecar["dashboards"]["labelValue"]
    assert configmap.inputs["metadata"]["labels"][label] == value == "1"
    assert label == "grafana_dashboard"
    (document,) = configmap.inputs["data"].values()
    dashboard = json.loads(document)
    assert dashboard["title"] == "Cost: churn-predictor (production)"
    assert dashboard["time"] == {"from": "now/M", "to": "now"}
    titles = [panel["title"] for panel in dashboard["panels"]]
    assert titles == [
        "Cost per hour (USD)",
        "Cost per hour by namespace (USD)",
        "Cost per prediction (USD)",
        "Utilization against requests",
        "Budget burn: this month so far (USD)",
        "Budget used (%)",
    ]
    for panel in dashboard["panels"]:
        assert panel["datasource"] == {"type": "prometheus", "uid": sidecar["datasources"]["uid"]}
        assert panel["targets"]
        for target in panel["targets"]:
            promql_parser.parse(substitute_grafana(target["expr"]))
    burn = dashboard["panels"][4]
    assert burn["fieldConfig"]["defaults"]["max"] == 5000
    assert any("$__range" in target["expr"] for target in burn["targets"])


def test_every_object_is_valid_against_its_schema(recording: Recording) -> None:
    checked = []
    for resource in recording:
        if resource.package != "kubernetes" or resource.is_provider or resource.type == RELEASE:
            continue
        verdict = validate_manifest(render(resource))
        assert verdict.ok, verdict.report()
        checked.append(resource.type)
    assert sorted(checked) == sorted(
        ["kubernetes:core/v1:Namespace", "kubernetes:core/v1:ConfigMap", RULE, POD_MONITOR]
    )


def test_thresholds_budget_and_counter_come_from_the_arguments() -> None:
    args = CostMonitoringArgs(
        tags=TAGS,
        monitoring=MonitoringSpec(predictions_metric="churn_predictions_total", scrape=None),
        alerts=CostAlertsConfig(compute_cost_per_hour=3, storage_cost_increase_24h=25),
        monthly_budget_usd=2000,
    )
    recording = record(args)
    (rule,) = recording.of_type(RULE)
    rules = {
        (r.get("alert"), r["expr"])
        for group in rule.inputs["spec"]["groups"]
        for r in group["rules"]
    }
    assert ("HighComputeCost", f"{COMPUTE_COST} > 3") in rules
    assert ("StorageCostSpike", f"{STORAGE_COST_24H} > 25") in rules
    assert (None, "vector(2000)") in rules
    assert ("PredictionsAbsent", "absent(churn_predictions_total)") in rules
    assert not recording.of_type(POD_MONITOR)


def test_the_estimator_says_the_releases_are_not_priced(recording: Recording) -> None:
    inputs = [
        CostInput(type=r.type, name=r.name, urn=r.urn, props=r.inputs, parent=r.parent)
        for r in recording
    ]
    result = estimate(inputs)
    for release in recording.of_type(RELEASE):
        item = result.item(release.urn)
        assert item.status == "not-priced"
        assert "Helm release" in item.reason


def args_from(**overrides: Any) -> CostMonitoringArgs:
    return CostMonitoringArgs.model_validate(
        {"tags": TAGS, "monthly_budget_usd": 5000, **overrides}
    )


@pytest.mark.parametrize(
    ("make", "name", "error", "message"),
    [
        (lambda: args_from(), "Monitoring", ValueError, "CostMonitoring name 'Monitoring'"),
        (lambda: args_from(), "m" * 41, ValueError, "must be 1-40 of a-z 0-9"),
        (
            lambda: args_from(monitoring={"enabled": False}),
            "monitoring",
            ValueError,
            "monitoring.enabled is false",
        ),
        (
            lambda: args_from(tags=TAGS.model_copy(update={"extra": {"metric": "x"}})),
            "monitoring",
            ValueError,
            "tag 'metric' would become Prometheus label 'metric'",
        ),
        (
            lambda: args_from(tags=TAGS.model_copy(update={"extra": {"note": "x" * 70}})),
            "monitoring",
            TagRenderError,
            "label 'note' value",
        ),
    ],
)
def test_invalid_input_registers_nothing(
    make: Any, name: str, error: type[Exception], message: str
) -> None:
    caught: list[Exception] = []

    def program() -> None:
        provider = k8s.Provider("cluster-k8s")
        try:
            CostMonitoring(name, make(), provider=provider)
        except error as raised:
            caught.append(raised)

    recording = record_program(program, project="thrifty-test", stack="production")
    assert caught and message in str(caught[0])
    assert [r.type for r in recording] == ["pulumi:providers:kubernetes"]


@pytest.mark.parametrize(
    ("overrides", "location", "message"),
    [
        ({"monthly_budget_usd": 0}, ("monthly_budget_usd",), "greater than 0"),
        ({"alerts": {"computeCostPerHour": -1}}, ("alerts", "computeCostPerHour"), "than 0"),
        ({"alerts": {"storageFor": "1 hour"}}, ("alerts", "storageFor"), "Prometheus duration"),
        ({"monitoring": {"retention": "14d"}}, ("monitoring", "retention"), "shorter than 31d"),
    ],
)
def test_bad_thresholds_and_figures_fail_in_the_arguments(
    overrides: dict[str, Any], location: tuple[str, ...], message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        args_from(**overrides)
    (problem,) = caught.value.errors()
    assert problem["loc"] == location and message in problem["msg"]


def test_from_stack_config_with_the_budgets_thresholds_and_limit() -> None:
    budget = BudgetConfig.model_validate(
        {
            "monthlyLimit": 2000,
            "alerts": [{"threshold": 80, "recipients": ["ml-team@company.com"]}],
            "costAlerts": {"computeCostPerHour": 4},
        }
    )
    created: list[CostMonitoring | None] = []

    def program() -> None:
        provider = k8s.Provider("cluster-k8s")
        for spec in (None, MonitoringSpec(enabled=False), MonitoringSpec()):
            created.append(create_monitoring(spec, budget=budget, tags=TAGS, provider=provider))

    recording = record_program(program, project="thrifty-test", stack="production")
    assert created[0] is None and created[1] is None and created[2] is not None
    (component,) = recording.of_type("thrifty:monitoring:CostMonitoring")
    assert component.name == "monitoring"
    (rule,) = recording.of_type(RULE)
    exprs = [r["expr"] for group in rule.inputs["spec"]["groups"] for r in group["rules"]]
    assert f"{COMPUTE_COST} > 4" in exprs and "vector(2000)" in exprs
