"""Budgets, forecasts and cost alerts: one cloud-neutral spec, one component per cloud.

Import the cloud you need (``thrifty.budget.aws`` ...); this package itself loads no SDK.
"""

from thrifty.budget.spec import (
    GUIDE_LIMITS,
    AnomalyDetectionConfig,
    BudgetAlert,
    BudgetArgs,
    BudgetConfig,
    BudgetSpecError,
    CostAlertsConfig,
    budget_warnings,
    check_for_cloud,
    guide_alerts,
    guide_budget,
    validate_for_cloud,
)

__all__ = [
    "GUIDE_LIMITS",
    "AnomalyDetectionConfig",
    "BudgetAlert",
    "BudgetArgs",
    "BudgetConfig",
    "BudgetSpecError",
    "CostAlertsConfig",
    "budget_warnings",
    "check_for_cloud",
    "guide_alerts",
    "guide_budget",
    "validate_for_cloud",
]
