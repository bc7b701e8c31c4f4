"""The Helm releases' values: every key thrifty sets exists in the pinned chart version's
``values.yaml`` (flattened in tests/fixtures/charts, each file citing the repository, path and
commit it was read at), and the values wire the two charts together."""

from __future__ import annotations

import importlib.util
import re
from typing import Any

import pytest

from tests.chart_keys import CHARTS, chart_keys, key_files
from thrifty.monitoring.charts import (
    DASHBOARD_LABEL,
    DATASOURCE_UID,
    PROMETHEUS_SERVICE,
    PROMETHEUS_STACK_RELEASE,
    SELECTOR_LABELS,
    opencost_values,
    prometheus_stack_values,
)
from thrifty.monitoring.spec import (
    KUBE_PROMETHEUS_STACK_VERSION,
    OPENCOST_VERSION,
    MonitoringSpec,
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
LABELS = TAGS.kubernetes()


def test_flatten_lists_every_key_and_marks_empty_maps_open() -> None:
    spec = importlib.util.spec_from_file_location("flatten_values", CHARTS / "flatten_values.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    values = {"a": {"b": 1, "c": {}, "d": [1]}, "e": None}
    assert module.flatten(values) == {"a": "", "a.b": "", "a.c": "{}", "a.d": "", "e": ""}


def test_key_files_cite_the_chart_version_they_were_read_at() -> None:
    expected = {
        ("kube-prometheus-stack", KUBE_PROMETHEUS_STACK_VERSION): (
            "prometheus-community/helm-charts",
            "charts/kube-prometheus-stack/values.yaml",
        ),
        ("opencost", OPENCOST_VERSION): (
            "opencost/opencost-helm-chart",
            "charts/opencost/values.yaml",
        ),
        ("grafana", "12.11.1"): ("grafana-community/helm-charts", "charts/grafana/values.yaml"),
        ("kube-state-metrics", "8.4.0"): (
            "prometheus-community/helm-charts",
            "charts/kube-state-metrics/values.yaml",
        ),
        ("prometheus-node-exporter", "4.56.1"): (
            "prometheus-community/helm-charts",
            "charts/prometheus-node-exporter/values.yaml",
        ),
    }
    assert set(expected) <= key_files()
    for name, version in key_files():  # every keys file cites the version it is named after
        assert chart_keys(name, version).source["version"] == version, name
    for (name, version), (repo, path) in expected.items():
        keys = chart_keys(name, version)
        assert (keys.source["repo"], keys.source["path"]) == (repo, path)
        assert keys.source["version"] == version
        assert len(keys.keys) > 100
    stack = chart_keys("kube-prometheus-stack", KUBE_PROMETHEUS_STACK_VERSION)
    assert stack.dependencies == {
        "kube-state-metrics": "8.4.0",
        "prometheus-node-exporter": "4.56.1",
        "grafana": "12.11.1",
    }


def test_every_prometheus_stack_value_is_a_documented_key() -> None:
    keys = chart_keys("kube-prometheus-stack", KUBE_PROMETHEUS_STACK_VERSION)
    values = prometheus_stack_values(MonitoringSpec(), LABELS)
    assert list(keys.unknown(values)) == []


def test_every_opencost_value_is_a_documented_key() -> None:
    keys = chart_keys("opencost", OPENCOST_VERSION)
    values = opencost_values(MonitoringSpec(), LABELS, cluster_id="churn-predictor-prd")
    assert list(keys.unknown(values)) == []


@pytest.mark.parametrize(
    ("chart", "version", "values", "unknown"),
    [
        (
            "kube-prometheus-stack",
            KUBE_PROMETHEUS_STACK_VERSION,
            {"prometheus": {"prometheusSpec": {"retentionn": "35d", "retention": "35d"}}},
            ["prometheus.prometheusSpec.retentionn"],
        ),
        (  # a subchart's key, looked up in the subchart's own values
            "kube-prometheus-stack",
            KUBE_PROMETHEUS_STACK_VERSION,
            {"grafana": {"resourcez": {}, "resources": {"limits": {"cpu": "1"}}}},
            ["grafana.resourcez"],
        ),
        (  # a key only commented out in values.yaml is not a key
            "kube-prometheus-stack",
            KUBE_PROMETHEUS_STACK_VERSION,
            {"grafana": {"podLabels": {"a": "b"}}},
            ["grafana.podLabels"],
        ),
        (
            "opencost",
            OPENCOST_VERSION,
            {"opencost": {"exporter": {"resource": {}}, "prometheus": {"intern": {}}}},
            ["opencost.exporter.resource", "opencost.prometheus.intern"],
        ),
        (  # below a map the chart passes through whole, anything goes
            "opencost",
            OPENCOST_VERSION,
            {"opencost": {"exporter": {"resources": {"limits": {"cpu": "1"}}}}},
            [],
        ),
    ],
)
def test_the_key_check_finds_unknown_keys(
    chart: str, version: str, values: dict[str, Any], unknown: list[str]
) -> None:
    assert list(chart_keys(chart, version).unknown(values)) == unknown


def test_every_long_running_container_gets_requests_and_limits() -> None:
    spec = MonitoringSpec()
    stack = prometheus_stack_values(spec, LABELS)
    opencost = opencost_values(spec, LABELS, cluster_id="c")
    placed = {
        "prometheus": stack["prometheus"]["prometheusSpec"]["resources"],
        "alertmanager": stack["alertmanager"]["alertmanagerSpec"]["resources"],
        "operator": stack["prometheusOperator"]["resources"],
        "config_reloader": stack["prometheusOperator"]["prometheusConfigReloader"]["resources"],
        "grafana": stack["grafana"]["resources"],
        "grafana_sidecar": stack["grafana"]["sidecar"]["resources"],
        "kube_state_metrics": stack["kube-state-metrics"]["resources"],
        "node_exporter": stack["prometheus-node-exporter"]["resources"],
        "opencost": opencost["opencost"]["exporter"]["resources"],
        "opencost_ui": opencost["opencost"]["ui"]["resources"],
    }
    assert set(placed) == set(type(spec.resources).model_fields)
    for field, resources in placed.items():
        configured = getattr(spec.resources, field)
        assert resources == {
            "requests": configured.requests.as_dict(),
            "limits": configured.limits.as_dict(),
        }
        assert set(resources["requests"]) == set(resources["limits"]) == {"cpu", "memory"}
    assert placed["prometheus"] == {
        "requests": {"cpu": "500m", "memory": "2Gi"},
        "limits": {"cpu": "1", "memory": "4Gi"},
    }


def test_the_charts_are_wired_together() -> None:
    spec = MonitoringSpec.model_validate({"namespace": "observability", "storageGib": 100})
    stack = prometheus_stack_values(spec, LABELS)
    opencost = opencost_values(spec, LABELS, cluster_id="c")
    # Prometheus selects rules, ServiceMonitors and PodMonitors by the release label.
    prometheus = stack["prometheus"]["prometheusSpec"]
    for selector in ("rule", "serviceMonitor", "podMonitor"):
        assert prometheus[f"{selector}SelectorNilUsesHelmValues"] is True
    assert SELECTOR_LABELS == {"release": PROMETHEUS_STACK_RELEASE}
    assert opencost["opencost"]["metrics"]["serviceMonitor"] == {
        "enabled": True,
        "additionalLabels": SELECTOR_LABELS,
    }
    # OpenCost queries the chart's Prometheus Service: <fullnameOverride>-prometheus:<port>.
    internal = opencost["opencost"]["prometheus"]["internal"]
    assert stack["fullnameOverride"] == PROMETHEUS_STACK_RELEASE
    assert len(stack["fullnameOverride"]) <= 26  # the chart truncates the full name to 26
    service = f"{stack['fullnameOverride']}-prometheus"
    assert internal["serviceName"] == PROMETHEUS_SERVICE == service
    assert internal["port"] == stack["prometheus"]["service"]["port"] == 9090
    assert internal["namespaceName"] == "observability"
    # Grafana's sidecar loads the dashboard ConfigMap by this label; its datasource uid.
    sidecar = stack["grafana"]["sidecar"]
    assert (sidecar["dashboards"]["label"], sidecar["dashboards"]["labelValue"]) == DASHBOARD_LABEL
    assert sidecar["dashboards"]["searchNamespace"] == "ALL"
    assert sidecar["datasources"]["uid"] == DATASOURCE_UID
    # Retention, a volume that outlives the pod, and a size cap inside it.
    assert prometheus["retention"] == "35d"
    claim = prometheus["storageSpec"]["volumeClaimTemplate"]["spec"]
    assert claim["resources"]["requests"]["storage"] == "100Gi"
    assert prometheus["retentionSize"] == "85GB"
    # Operator CRD pattern for retentionSize (crd-prometheuses.yaml at the pinned commit).
    assert re.search(r"(^0|([0-9]*[.])?[0-9]+((K|M|G|T|E|P)i?)?B)$", prometheus["retentionSize"])
    # The cost labels on the objects and on the pods that run.
    assert stack["commonLabels"] == LABELS == prometheus["podMetadata"]["labels"]
    assert opencost["podLabels"] == LABELS
