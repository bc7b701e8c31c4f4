"""The cloud-neutral monitoring spec: what ``thrifty:monitoring`` may set, checked at once.

Cost monitoring is opt-in per stack (it needs cluster capacity): a stack without the key, or
with ``enabled: false``, gets none. What it sets: the namespace, the pinned chart versions,
Prometheus' retention and volume, the requests and limits of every long-running pod the two
charts start, the prediction counter the service exports and where to scrape it from.

The alert thresholds are not here: they are the budget's
(:class:`thrifty.budget.spec.CostAlertsConfig`, ``thrifty:budget.costAlerts``), beside the
monthly limit the budget-burn panel compares against, so one stack file section holds every
money figure.

Imports no provider SDK (see DESIGN.md "Which part may know which").
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from thrifty.durations import duration_seconds
from thrifty.workload.spec import (
    DNS_LABEL,
    SYSTEM_NAMESPACES,
    ContainerResources,
    ResourceAmounts,
)

#: kube-prometheus-stack (prometheus-community/helm-charts) chart version: Prometheus Operator
#: v0.93.1 with Grafana chart 12.11.1, kube-state-metrics 8.4.0, node-exporter 4.56.1.
KUBE_PROMETHEUS_STACK_VERSION = "88.5.3"
#: opencost (opencost/opencost-helm-chart) chart version: OpenCost 1.120.1.
OPENCOST_VERSION = "2.5.17"
#: The budget-burn panel reads the month so far: Prometheus must keep at least a month.
MIN_RETENTION_DAYS = 31
#: A Prometheus metric name (``model/labels``: the legacy, always-valid character set).
METRIC_NAME = r"^[a-zA-Z_:][a-zA-Z0-9_:]*$"
#: A Kubernetes label value: at most 63 of ``[A-Za-z0-9._-]``, alphanumeric at both ends.
LABEL_VALUE = r"^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$"
#: A named container port (IANA_SVC_NAME): 1-15 of ``[a-z0-9-]``, alphanumeric at both ends,
#: at least one letter, no ``--`` (RFC 6335 5.1; ContainerPort.name "must be an IANA_SVC_NAME").
PORT_NAME = r"^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$"
#: Semantic version of a chart (Helm requires SemVer 2 chart versions).
CHART_VERSION = r"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$"


class _Model(BaseModel):
    """camelCase keys as in the stack files, unknown keys rejected, immutable."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


def _resources(requests: tuple[str, str], limits: tuple[str, str]) -> ContainerResources:
    return ContainerResources(
        requests=ResourceAmounts(cpu=requests[0], memory=requests[1]),
        limits=ResourceAmounts(cpu=limits[0], memory=limits[1]),
    )


class MonitoringResources(_Model):
    """Requests and limits of each long-running container the two charts start.

    Defaults fit a cluster of tens of nodes; Prometheus grows with the number of series (pods
    x metrics), so a bigger cluster raises ``prometheus`` first.
    """

    prometheus: ContainerResources = Field(
        default_factory=lambda: _resources(("500m", "2Gi"), ("1", "4Gi"))
    )
    alertmanager: ContainerResources = Field(
        default_factory=lambda: _resources(("50m", "64Mi"), ("200m", "256Mi"))
    )
    operator: ContainerResources = Field(
        default_factory=lambda: _resources(("100m", "128Mi"), ("500m", "256Mi"))
    )
    #: The config-reloader sidecar the operator adds to the Prometheus and Alertmanager pods.
    config_reloader: ContainerResources = Field(
        default_factory=lambda: _resources(("10m", "32Mi"), ("100m", "64Mi"))
    )
    grafana: ContainerResources = Field(
        default_factory=lambda: _resources(("100m", "256Mi"), ("500m", "512Mi"))
    )
    #: Grafana's dashboard and datasource sidecars (the chart gives them one setting).
    grafana_sidecar: ContainerResources = Field(
        default_factory=lambda: _resources(("50m", "64Mi"), ("200m", "256Mi"))
    )
    kube_state_metrics: ContainerResources = Field(
        default_factory=lambda: _resources(("50m", "128Mi"), ("200m", "256Mi"))
    )
    node_exporter: ContainerResources = Field(
        default_factory=lambda: _resources(("50m", "32Mi"), ("200m", "64Mi"))
    )
    #: The OpenCost exporter (the chart's defaults are 10m / 55Mi requests, 1Gi memory limit).
    opencost: ContainerResources = Field(
        default_factory=lambda: _resources(("100m", "256Mi"), ("500m", "1Gi"))
    )
    opencost_ui: ContainerResources = Field(
        default_factory=lambda: _resources(("10m", "55Mi"), ("100m", "128Mi"))
    )


class ChartVersions(_Model):
    """The pinned chart versions. Changing one means checking the values thrifty sets against
    that version's ``values.yaml`` (README, "Cost monitoring")."""

    kube_prometheus_stack: str = Field(default=KUBE_PROMETHEUS_STACK_VERSION, pattern=CHART_VERSION)
    opencost: str = Field(default=OPENCOST_VERSION, pattern=CHART_VERSION)


class ServiceScrape(_Model):
    """Where Prometheus scrapes the services' own metrics (the prediction counter): a
    PodMonitor over every namespace, on the pods with these labels, at this port and path.

    The defaults match what :class:`thrifty.workload.component.Workload` creates: its pods
    carry ``app.kubernetes.io/managed-by: thrifty`` and name their port ``http``.
    """

    pod_labels: dict[str, str] = Field(
        default_factory=lambda: {"app.kubernetes.io/managed-by": "thrifty"}, min_length=1
    )
    port: str = Field(default="http", description="The named container port.")
    path: str = Field(default="/metrics", pattern=r"^/\S*$")

    @field_validator("port")
    @classmethod
    def _port_name(cls, value: str) -> str:
        if not re.match(PORT_NAME, value) or "--" in value or not re.search("[a-z]", value):
            raise ValueError(
                f"port {value!r} is not a container port name (1-15 of a-z 0-9 '-', "
                "alphanumeric at both ends, at least one letter, no '--')"
            )
        return value

    @field_validator("pod_labels")
    @classmethod
    def _label_values(cls, value: dict[str, str]) -> dict[str, str]:
        bad = {key: text for key, text in value.items() if not re.match(LABEL_VALUE, text)}
        if bad:
            raise ValueError(
                f"podLabels values {bad} are not Kubernetes label values (at most 63 of "
                "A-Z a-z 0-9 . _ -, starting and ending alphanumeric)"
            )
        return value


class MonitoringSpec(_Model):
    """``thrifty:monitoring``: kube-prometheus-stack + OpenCost, the cost rules and dashboard."""

    enabled: bool = Field(default=True, description="False keeps the settings, installs nothing.")
    namespace: Annotated[str, Field(pattern=DNS_LABEL)] = "monitoring"
    charts: ChartVersions = Field(default_factory=ChartVersions)
    retention: str = Field(
        default="35d",
        description=f"How long Prometheus keeps samples; at least {MIN_RETENTION_DAYS}d.",
    )
    storage_gib: int = Field(
        default=50, ge=10, le=16384, description="Prometheus' persistent volume, in GiB."
    )
    resources: MonitoringResources = Field(default_factory=MonitoringResources)
    predictions_metric: str | None = Field(
        default="predictions_total",
        pattern=METRIC_NAME,
        description="The counter of predictions the service exports; None: no cost per "
        "prediction and no alert on its absence.",
    )
    scrape: ServiceScrape | None = Field(
        default_factory=ServiceScrape,
        description="Scrape the services' metrics with a PodMonitor; None if something else "
        "already does.",
    )

    @field_validator("namespace")
    @classmethod
    def _own_namespace(cls, value: str) -> str:
        if value in SYSTEM_NAMESPACES:
            raise ValueError(
                f"namespace {value!r} belongs to the cluster; use a namespace of its own "
                f"(not {', '.join(sorted(SYSTEM_NAMESPACES))})"
            )
        return value

    @field_validator("retention")
    @classmethod
    def _retention(cls, value: str) -> str:
        if duration_seconds(value) < MIN_RETENTION_DAYS * 86400:
            raise ValueError(
                f"retention {value!r} is shorter than {MIN_RETENTION_DAYS}d: the budget-burn "
                "panel reads the month so far (allowed: 31d or more)"
            )
        return value

    def retention_size(self) -> str:
        """Prometheus' size cap: 85 % of the volume. The write-ahead log counts towards it but
        is never deleted to honour it, so the volume needs headroom; ``GB`` is 2^30 bytes
        (prometheus.io/docs/prometheus/latest/storage/, ``--storage.tsdb.retention.size``)."""
        return f"{self.storage_gib * 85 // 100}GB"


__all__ = [
    "KUBE_PROMETHEUS_STACK_VERSION",
    "MIN_RETENTION_DAYS",
    "OPENCOST_VERSION",
    "ChartVersions",
    "MonitoringResources",
    "MonitoringSpec",
    "ServiceScrape",
    "duration_seconds",
]
