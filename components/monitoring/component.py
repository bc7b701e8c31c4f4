"""``thrifty:monitoring:CostMonitoring``: cost monitoring that can fire, in the stack's cluster.

What a :class:`~thrifty.monitoring.spec.MonitoringSpec` becomes, through the ``k8s.Provider``
the cluster components export (``cluster.kubernetes_provider``):

- a Namespace (the cost labels on it);
- kube-prometheus-stack and OpenCost as Helm releases, pinned, sized
  (:mod:`thrifty.monitoring.charts`); OpenCost queries the chart's Prometheus and is scraped by
  it;
- a PrometheusRule with the cost recording rules, the guide's alerts on them, the absence
  alerts and the KPIs (:mod:`thrifty.monitoring.rules`);
- a PodMonitor for the services' own metrics (:mod:`thrifty.monitoring.scrape`);
- the Grafana cost dashboard in a ConfigMap (:mod:`thrifty.monitoring.dashboard`).

Everything is computed by :func:`plan_monitoring` first, a pure function: a bad name, tags
that cannot become Kubernetes or Prometheus labels, or a disabled spec raise before anything
is registered. The custom resources wait for the stack's release (it installs their CRDs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
from pydantic import BaseModel, ConfigDict, Field

from thrifty.budget.spec import CostAlertsConfig
from thrifty.foundation.spec import resource_prefix
from thrifty.monitoring.charts import (
    OPENCOST_CHART,
    OPENCOST_RELEASE,
    OPENCOST_REPO,
    PROMETHEUS_PORT,
    PROMETHEUS_SERVICE,
    PROMETHEUS_STACK_CHART,
    PROMETHEUS_STACK_RELEASE,
    PROMETHEUS_STACK_REPO,
    SELECTOR_LABELS,
    helm_release,
    opencost_values,
    prometheus_stack_values,
)
from thrifty.monitoring.dashboard import (
    DASHBOARD_UID,
    cost_dashboard,
    dashboard_configmap_manifest,
)
from thrifty.monitoring.rules import cost_rule_groups, prometheus_labels, prometheus_rule_manifest
from thrifty.monitoring.scrape import pod_monitor_manifest
from thrifty.monitoring.spec import MonitoringSpec
from thrifty.tags import CostTags

TYPE_TOKEN = "thrifty:monitoring:CostMonitoring"
#: The component's name prefixes Kubernetes object names (``<name>-cost-rules``): a DNS label
#: short enough for the longest suffix.
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$")


class CostMonitoringArgs(BaseModel):
    """What CostMonitoring takes: the tags, the spec, the budget's alert thresholds and its
    monthly limit (the budget-burn figures compare against it)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tags: CostTags
    monitoring: MonitoringSpec = Field(default_factory=MonitoringSpec)
    alerts: CostAlertsConfig = Field(
        default_factory=CostAlertsConfig, description="``thrifty:budget.costAlerts``."
    )
    monthly_budget_usd: float = Field(gt=0, description="``thrifty:budget.monthlyLimit``.")


@dataclass(frozen=True)
class MonitoringPlan:
    """Everything CostMonitoring registers, computed and checked before it registers any."""

    namespace: str
    labels: dict[str, str]
    prometheus_stack_values: dict[str, Any]
    opencost_values: dict[str, Any]
    rule: dict[str, Any]
    pod_monitor: dict[str, Any] | None
    dashboard: dict[str, Any]


def plan_monitoring(name: str, args: CostMonitoringArgs) -> MonitoringPlan:
    """The objects and values of a CostMonitoring called ``name``; raises ValueError (naming
    the field, the value and what is allowed) or TagRenderError before anything exists."""
    spec = args.monitoring
    if not _NAME.match(name):
        raise ValueError(
            f"CostMonitoring name {name!r}: must be 1-40 of a-z 0-9 '-', starting and ending "
            "alphanumeric (it prefixes Kubernetes object names)"
        )
    if not spec.enabled:
        raise ValueError(
            f"CostMonitoring {name!r}: monitoring.enabled is false; create no CostMonitoring "
            "for this stack (or set enabled: true)"
        )
    labels = args.tags.kubernetes()
    rule_labels = prometheus_labels(args.tags)
    groups = cost_rule_groups(
        args.alerts,
        rule_labels,
        monthly_budget_usd=args.monthly_budget_usd,
        predictions_metric=spec.predictions_metric,
    )
    selected = {**labels, **SELECTOR_LABELS}
    dashboard = cost_dashboard(
        args.tags, args.monthly_budget_usd, predictions=spec.predictions_metric is not None
    )
    return MonitoringPlan(
        namespace=spec.namespace,
        labels=labels,
        prometheus_stack_values=prometheus_stack_values(spec, labels),
        opencost_values=opencost_values(spec, labels, cluster_id=resource_prefix(args.tags)),
        rule=prometheus_rule_manifest(f"{name}-cost-rules", spec.namespace, selected, groups),
        pod_monitor=(
            pod_monitor_manifest(f"{name}-services", spec.namespace, selected, spec.scrape)
            if spec.scrape is not None
            else None
        ),
        dashboard=dashboard_configmap_manifest(
            f"{name}-cost-dashboard", spec.namespace, labels, dashboard
        ),
    )


def _custom_resource(
    resource_name: str, manifest: dict[str, Any], opts: pulumi.ResourceOptions
) -> k8s.apiextensions.CustomResource:
    return k8s.apiextensions.CustomResource(
        resource_name,
        api_version=manifest["apiVersion"],
        kind=manifest["kind"],
        metadata=manifest["metadata"],
        spec=manifest["spec"],
        opts=opts,
    )


class CostMonitoring(pulumi.ComponentResource):
    """kube-prometheus-stack + OpenCost, the cost rules, the services' PodMonitor and the
    cost dashboard, in ``monitoring.namespace`` of the cluster behind ``provider``."""

    namespace: k8s.core.v1.Namespace
    prometheus_stack: k8s.helm.v3.Release
    opencost: k8s.helm.v3.Release
    rule: k8s.apiextensions.CustomResource
    pod_monitor: k8s.apiextensions.CustomResource | None
    dashboard: k8s.core.v1.ConfigMap

    def __init__(
        self,
        name: str,
        args: CostMonitoringArgs,
        *,
        provider: k8s.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        plan = plan_monitoring(name, args)
        charts = args.monitoring.charts
        super().__init__(TYPE_TOKEN, name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=provider)
        self.namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=plan.namespace, labels=plan.labels),
            opts=child,
        )
        # Plain names (known in preview), ordered after the namespace by dependency.
        namespace = plan.namespace
        in_namespace = pulumi.ResourceOptions.merge(
            child, pulumi.ResourceOptions(depends_on=[self.namespace])
        )
        self.prometheus_stack = helm_release(
            f"{name}-{PROMETHEUS_STACK_RELEASE}",
            release=PROMETHEUS_STACK_RELEASE,
            chart=PROMETHEUS_STACK_CHART,
            repo=PROMETHEUS_STACK_REPO,
            version=charts.kube_prometheus_stack,
            namespace=namespace,
            values=plan.prometheus_stack_values,
            opts=in_namespace,
        )
        # The operator's CRDs (ServiceMonitor, PodMonitor, PrometheusRule) and Prometheus'
        # Service come with the stack's release: everything below waits for it.
        after_stack = pulumi.ResourceOptions.merge(
            in_namespace, pulumi.ResourceOptions(depends_on=[self.prometheus_stack])
        )
        self.opencost = helm_release(
            f"{name}-{OPENCOST_RELEASE}",
            release=OPENCOST_RELEASE,
            chart=OPENCOST_CHART,
            repo=OPENCOST_REPO,
            version=charts.opencost,
            namespace=namespace,
            values=plan.opencost_values,
            opts=after_stack,
        )
        self.rule = _custom_resource(f"{name}-cost-rules", plan.rule, after_stack)
        self.pod_monitor = (
            _custom_resource(f"{name}-services", plan.pod_monitor, after_stack)
            if plan.pod_monitor is not None
            else None
        )
        dashboard = plan.dashboard
        self.dashboard = k8s.core.v1.ConfigMap(
            f"{name}-cost-dashboard",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=dashboard["metadata"]["name"],
                namespace=namespace,
                labels=dashboard["metadata"]["labels"],
            ),
            data=dashboard["data"],
            opts=in_namespace,
        )
        self.register_outputs(
            {
                "namespace": namespace,
                "prometheusUrl": f"http://{PROMETHEUS_SERVICE}.{namespace}.svc:{PROMETHEUS_PORT}",
                "rule": plan.rule["metadata"]["name"],
                "dashboardUid": DASHBOARD_UID,
            }
        )


__all__ = [
    "TYPE_TOKEN",
    "CostMonitoring",
    "CostMonitoringArgs",
    "MonitoringPlan",
    "plan_monitoring",
]
