"""The monitoring spec: its defaults, every validation rule with a message that names the field,
the value and what is allowed, and ``thrifty:monitoring`` in a stack's configuration."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from thrifty.config import ConfigError, validate_environment_config
from thrifty.monitoring.spec import (
    KUBE_PROMETHEUS_STACK_VERSION,
    OPENCOST_VERSION,
    MonitoringSpec,
    duration_seconds,
)
from thrifty.workload.component import MANAGED_BY, PORT_NAME


def test_defaults() -> None:
    spec = MonitoringSpec()
    assert spec.enabled and spec.namespace == "monitoring"
    assert (spec.charts.kube_prometheus_stack, spec.charts.opencost) == ("88.5.3", "2.5.17")
    assert (KUBE_PROMETHEUS_STACK_VERSION, OPENCOST_VERSION) == ("88.5.3", "2.5.17")
    assert (spec.retention, spec.storage_gib, spec.retention_size()) == ("35d", 50, "42GB")
    assert spec.predictions_metric == "predictions_total"
    opencost = spec.resources.opencost
    assert (opencost.requests.cpu, opencost.requests.memory) == ("100m", "256Mi")
    assert (opencost.limits.cpu, opencost.limits.memory) == ("500m", "1Gi")


def test_the_scrape_defaults_find_the_workload_components_pods() -> None:
    """A Workload's pods carry MANAGED_BY and name their port PORT_NAME: the PodMonitor's
    defaults must select exactly that, or the prediction counter is never scraped."""
    scrape = MonitoringSpec().scrape
    assert scrape is not None
    assert scrape.pod_labels == MANAGED_BY
    assert scrape.port == PORT_NAME
    assert scrape.path == "/metrics"


def test_camel_case_keys_as_in_a_stack_file() -> None:
    spec = MonitoringSpec.model_validate(
        {
            "namespace": "observability",
            "charts": {"kubePrometheusStack": "88.5.3", "opencost": "2.5.17"},
            "retention": "6w",
            "storageGib": 80,
            "predictionsMetric": "churn_predictions_total",
            "resources": {
                "prometheus": {
                    "requests": {"cpu": 1, "memory": "4Gi"},
                    "limits": {"cpu": 2, "memory": "8Gi"},
                }
            },
            "scrape": {"podLabels": {"app": "churn"}, "port": "metrics", "path": "/prom"},
        }
    )
    assert spec.retention == "6w" and spec.storage_gib == 80
    assert spec.resources.prometheus.limits.cpu == "2"
    assert spec.resources.grafana == MonitoringSpec().resources.grafana
    assert spec.scrape is not None and spec.scrape.port == "metrics"
    assert MonitoringSpec.model_validate({"scrape": None, "predictionsMetric": None}).scrape is None


@pytest.mark.parametrize(
    ("raw", "location", "message"),
    [
        ({"namespace": "Monitoring"}, ("namespace",), "should match pattern"),
        ({"namespace": "kube-system"}, ("namespace",), "namespace 'kube-system' belongs to"),
        ({"retention": "30d"}, ("retention",), "retention '30d' is shorter than 31d"),
        ({"retention": "35 days"}, ("retention",), "'35 days' is not a Prometheus duration"),
        ({"storageGib": 5}, ("storageGib",), "greater than or equal to 10"),
        ({"charts": {"opencost": "latest"}}, ("charts", "opencost"), "should match pattern"),
        ({"predictionsMetric": "predictions-total"}, ("predictionsMetric",), "match pattern"),
        (
            {
                "resources": {
                    "prometheus": {
                        "requests": {"cpu": "2", "memory": "2Gi"},
                        "limits": {"cpu": "1", "memory": "4Gi"},
                    }
                }
            },
            ("resources", "prometheus"),
            "limits.cpu '1' is below requests.cpu '2'",
        ),
        (
            {"resources": {"grafana": {"requests": {"cpu": "lots", "memory": "1Gi"}}}},
            ("resources", "grafana", "requests", "cpu"),
            "'lots' is not a Kubernetes quantity",
        ),
        ({"scrape": {"port": "8080"}}, ("scrape", "port"), "port '8080' is not a container port"),
        ({"scrape": {"port": "my--port"}}, ("scrape", "port"), "no '--'"),
        ({"scrape": {"path": "metrics"}}, ("scrape", "path"), "should match pattern"),
        (
            {"scrape": {"podLabels": {"app": "-churn"}}},
            ("scrape", "podLabels"),
            "podLabels values {'app': '-churn'} are not Kubernetes label values",
        ),
        ({"alerts": {"computeCostPerHour": 5}}, ("alerts",), "Extra inputs are not permitted"),
    ],
)
def test_each_rule_names_the_field_and_the_value(
    raw: dict[str, Any], location: tuple[str, ...], message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        MonitoringSpec.model_validate(raw)
    (error,) = caught.value.errors()
    assert error["loc"] == location
    assert message in error["msg"]


def test_prometheus_durations() -> None:
    assert duration_seconds("35d") == 35 * 86400
    assert duration_seconds("1h30m") == 5400
    assert duration_seconds("1y") == 365 * 86400
    for bad in ("1.5d", "30m1h", "5d5d", "35 days", ""):
        with pytest.raises(ValueError, match="not a Prometheus duration"):
            duration_seconds(bad)


#: A small stack of its own (the reference stack files are other tests' subject).
STACK: dict[str, object] = {
    "thrifty:cloud": "aws",
    "thrifty:region": "us-east-1",
    "thrifty:environment": "staging",
    "thrifty:tags": json.dumps(
        {
            "project": "churn-predictor",
            "team": "ml-team",
            "cost-center": "engineering",
            "owner": "ml-team@company.com",
        }
    ),
    "thrifty:budget": json.dumps(
        {"monthlyLimit": 2000, "alerts": [{"threshold": 80, "recipients": ["a@company.com"]}]}
    ),
    "thrifty:cluster": json.dumps(
        {
            "zones": 2,
            "systemPool": {
                "name": "system",
                "instanceTypes": ["m5.large", "m5a.large", "m6i.large"],
                "vcpus": 2,
                "memoryGib": 8,
                "minSize": 2,
                "maxSize": 3,
            },
            "spotPools": [
                {
                    "name": "spot",
                    "instanceTypes": ["m5.2xlarge", "m5a.2xlarge", "m6i.2xlarge"],
                    "vcpus": 8,
                    "memoryGib": 32,
                    "minSize": 0,
                    "maxSize": 4,
                }
            ],
        }
    ),
}


def test_monitoring_in_a_stack_file() -> None:
    raw = dict(STACK)
    assert validate_environment_config(raw, stack="staging").monitoring is None
    raw["thrifty:monitoring"] = json.dumps({"retention": "40d", "storageGib": 100})
    config = validate_environment_config(raw, stack="staging")
    assert config.monitoring is not None and config.monitoring.storage_gib == 100
    raw["thrifty:monitoring"] = json.dumps({"retention": "7d", "storageGib": 1})
    with pytest.raises(ConfigError) as caught:
        validate_environment_config(raw, stack="staging")
    problems = "\n".join(caught.value.problems)
    assert "thrifty:monitoring.retention: retention '7d' is shorter than 31d" in problems
    assert "thrifty:monitoring.storageGib" in problems


def test_monitoring_needs_a_cluster_unless_disabled() -> None:
    raw = {k: v for k, v in STACK.items() if k != "thrifty:cluster"}
    raw["thrifty:monitoring"] = json.dumps({})
    with pytest.raises(ConfigError, match="monitoring is enabled but there is no thrifty:cluster"):
        validate_environment_config(raw, stack="staging")
    raw["thrifty:monitoring"] = json.dumps({"enabled": False})
    config = validate_environment_config(raw, stack="staging")
    assert config.monitoring is not None and not config.monitoring.enabled
