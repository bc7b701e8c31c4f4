"""Cost monitoring that can fire: kube-prometheus-stack and OpenCost as pinned Helm releases,
cost recording rules and the guide's alerts on metrics OpenCost really exports, an alert when
those metrics are missing, the KPIs and a Grafana cost dashboard.

The component is :class:`thrifty.monitoring.component.CostMonitoring`; this package itself
loads no SDK (the spec is plain pydantic, like every ``*/spec.py``).
"""

from thrifty.monitoring.spec import (
    KUBE_PROMETHEUS_STACK_VERSION,
    OPENCOST_VERSION,
    ChartVersions,
    MonitoringResources,
    MonitoringSpec,
    ServiceScrape,
)

__all__ = [
    "KUBE_PROMETHEUS_STACK_VERSION",
    "OPENCOST_VERSION",
    "ChartVersions",
    "MonitoringResources",
    "MonitoringSpec",
    "ServiceScrape",
]
