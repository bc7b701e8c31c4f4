"""CostMonitoring from a stack's configuration: one call for the three reference platforms."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from thrifty.budget.spec import BudgetConfig
from thrifty.monitoring.component import CostMonitoring, CostMonitoringArgs
from thrifty.monitoring.spec import MonitoringSpec
from thrifty.tags import CostTags


def create_monitoring(
    spec: MonitoringSpec | None,
    *,
    budget: BudgetConfig,
    tags: CostTags,
    provider: k8s.Provider,
    name: str = "monitoring",
    opts: pulumi.ResourceOptions | None = None,
) -> CostMonitoring | None:
    """``thrifty:monitoring`` on the cluster behind ``provider``, with the budget's alert
    thresholds and monthly limit; None (nothing registered) when unset or disabled."""
    if spec is None or not spec.enabled:
        return None
    args = CostMonitoringArgs(
        tags=tags,
        monitoring=spec,
        alerts=budget.cost_alerts,
        monthly_budget_usd=budget.monthly_limit,
    )
    return CostMonitoring(name, args, provider=provider, opts=opts)


__all__ = ["create_monitoring"]
