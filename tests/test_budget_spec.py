"""The cloud-neutral budget spec: the guide's defaults, every validation rule, per-cloud limits,
and the spec reaching the stack config (one ConfigError naming the key)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from thrifty.budget.spec import (
    GUIDE_LIMITS,
    BudgetConfig,
    BudgetSpecError,
    CostAlertsConfig,
    budget_warnings,
    check_for_cloud,
    guide_alerts,
    guide_budget,
    notifications,
    notifications_by_recipient,
    validate_for_cloud,
)
from thrifty.config import ConfigError, validate_environment_config

TEAM, MANAGER, FINANCE = "ml-team@company.com", "manager@company.com", "finance@company.com"


def budget(**overrides: Any) -> dict[str, Any]:
    """A valid ``thrifty:budget`` value (camelCase, as in a stack file) with overrides."""
    base: dict[str, Any] = {
        "monthlyLimit": 5000,
        "quarterlyLimit": 14000,
        "annualLimit": 50000,
        "alerts": [
            {"threshold": 50, "recipients": [TEAM]},
            {"threshold": 80, "recipients": [TEAM, MANAGER]},
            {"threshold": 95, "recipients": [TEAM, MANAGER, FINANCE]},
        ],
    }
    base.update(overrides)
    return base


def error_text(raw: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        BudgetConfig.model_validate(raw)
    return str(caught.value)


def test_guide_budget_is_the_guides_production_budget() -> None:
    spec = guide_budget(TEAM, MANAGER, FINANCE)
    assert spec.limits() == {"monthly": 5000, "quarterly": 14000, "annual": 50000}
    assert spec.limits() == GUIDE_LIMITS
    steps = [(n.threshold, n.spend, n.recipients) for n in notifications(spec)]
    assert steps == [
        (50, "actual", (TEAM,)),
        (80, "actual", (TEAM, MANAGER)),
        (95, "actual", (TEAM, MANAGER, FINANCE)),
        (100, "forecasted", (TEAM, MANAGER)),
    ]
    assert budget_warnings(spec) == []


def test_guide_alerts_without_forecast_are_exactly_the_guides_three() -> None:
    alerts = guide_alerts(TEAM, MANAGER, FINANCE, forecast_threshold=None)
    assert [(a.threshold, a.spend, a.recipients) for a in alerts] == [
        (50, "actual", [TEAM]),
        (80, "actual", [TEAM, MANAGER]),
        (95, "actual", [TEAM, MANAGER, FINANCE]),
    ]


def test_recipients_are_grouped_for_per_recipient_budgets() -> None:
    grouped = notifications_by_recipient(guide_budget(TEAM, MANAGER, FINANCE))
    assert {a: [(n.threshold, n.spend) for n in ns] for a, ns in grouped.items()} == {
        TEAM: [(50, "actual"), (80, "actual"), (95, "actual"), (100, "forecasted")],
        MANAGER: [(80, "actual"), (95, "actual"), (100, "forecasted")],
        FINANCE: [(95, "actual")],
    }


def test_camel_case_keys_load_and_emails_are_lowercased() -> None:
    spec = BudgetConfig.model_validate(
        budget(
            alerts=[{"threshold": 80, "recipients": ["ML-Team@Company.com"], "spend": "forecasted"}]
        )
    )
    assert spec.alerts[0].recipients == [TEAM]
    assert spec.alerts[0].spend == "forecasted"
    assert spec.cost_alerts == CostAlertsConfig()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            budget(
                alerts=[
                    {"threshold": 80, "recipients": [TEAM]},
                    {"threshold": 50, "recipients": [TEAM]},
                ]
            ),
            "actual thresholds must ascend (escalation order), got [80.0, 50.0]",
        ),
        (
            budget(
                alerts=[
                    {"threshold": 80, "recipients": [TEAM]},
                    {"threshold": 80, "recipients": [MANAGER]},
                ]
            ),
            "actual threshold(s) [80.0] appear twice",
        ),
        (budget(alerts=[{"threshold": 0, "recipients": [TEAM]}]), "greater than 0"),
        (budget(alerts=[{"threshold": 1200, "recipients": [TEAM]}]), "less than or equal to 1000"),
        (
            budget(alerts=[{"threshold": 50, "recipients": ["not-an-email"]}]),
            "value is not a valid email address",
        ),
        (budget(alerts=[{"threshold": 50, "recipients": []}]), "at least 1 item"),
        (
            budget(alerts=[{"threshold": 50, "recipients": [TEAM, TEAM.upper()]}]),
            f"recipients repeat {TEAM}",
        ),
        (
            budget(alerts=[{"threshold": 50, "recipients": [TEAM], "spend": "predicted"}]),
            "'actual' or 'forecasted'",
        ),
        (budget(alerts=[]), "at least 1 item"),
        (budget(monthlyLimit=-5), "greater than 0"),
        (budget(currency="EUR"), "'USD'"),
        (budget(quarterlyLimit=4000), "quarterlyLimit 4000 is below monthlyLimit 5000"),
        (budget(annualLimit=12000), "annualLimit 12000 is below quarterlyLimit 14000"),
        (
            budget(quarterlyLimit=None, annualLimit=4000),
            "annualLimit 4000 is below monthlyLimit 5000",
        ),
        (budget(monthlyLimt=5000), "Extra inputs are not permitted"),
        (
            budget(anomalyDetection={"recipients": [TEAM], "frequency": "IMMEDIATE"}),
            "'DAILY' or 'WEEKLY'",
        ),
        (budget(anomalyDetection={"recipients": []}), "at least 1 item"),
        (budget(costAlerts={"computeFor": "5 minutes"}), "is not a Prometheus duration"),
        (budget(costAlerts={"storageCostIncrease24h": 0}), "greater than 0"),
    ],
)
def test_each_invalid_budget_is_refused_with_a_clear_message(
    raw: dict[str, Any], expected: str
) -> None:
    assert expected in error_text(raw)


def test_slack_limits_warn_but_are_allowed() -> None:
    spec = BudgetConfig.model_validate(budget(quarterlyLimit=16000, annualLimit=70000))
    warnings = budget_warnings(spec)
    assert warnings == [
        "quarterlyLimit 16000 exceeds 3 x monthlyLimit (15000): the quarterly budget only "
        "alerts after monthly budgets were overrun",
        "annualLimit 70000 exceeds 4 x quarterlyLimit (64000): the annual budget only alerts "
        "after quarterly budgets were overrun",
        "annualLimit 70000 exceeds 12 x monthlyLimit (60000): the annual budget only alerts "
        "after monthly budgets were overrun",
    ]


def six_alerts() -> BudgetConfig:
    return BudgetConfig.model_validate(
        budget(alerts=[{"threshold": t, "recipients": [TEAM]} for t in (10, 20, 30, 40, 50, 60)])
    )


def test_aws_and_azure_allow_five_notifications_gcp_more() -> None:
    spec = six_alerts()
    assert check_for_cloud(spec, "aws") == [
        "alerts: 6 alerts, AWS Budgets allow at most 5 per budget (actual and forecasted together)"
    ]
    assert check_for_cloud(spec, "azure") == [
        "alerts: 6 alerts, Azure consumption budgets allow at most 5 per budget (actual and "
        "forecasted together)"
    ]
    assert check_for_cloud(spec, "gcp") == []


def test_aws_allows_ten_email_subscribers_per_notification() -> None:
    eleven = [f"person{i}@company.com" for i in range(11)]
    spec = BudgetConfig.model_validate(budget(alerts=[{"threshold": 50, "recipients": eleven}]))
    assert check_for_cloud(spec, "aws") == [
        "alerts[0].recipients: 11 addresses, AWS Budgets allow at most 10 email subscribers per "
        "notification"
    ]
    assert check_for_cloud(spec, "azure") == []
    ten = BudgetConfig.model_validate(budget(alerts=[{"threshold": 50, "recipients": eleven[:10]}]))
    assert check_for_cloud(ten, "aws") == []


def test_anomaly_detection_is_aws_only() -> None:
    spec = BudgetConfig.model_validate(budget(anomalyDetection={"recipients": [TEAM]}))
    assert check_for_cloud(spec, "aws") == []
    for cloud in ("gcp", "azure"):
        (problem,) = check_for_cloud(spec, cloud)
        assert problem.startswith("anomalyDetection: set, but thrifty implements anomaly")
        assert cloud in problem


def test_validate_for_cloud_raises_every_problem_at_once() -> None:
    spec = BudgetConfig.model_validate(
        budget(
            alerts=[{"threshold": t, "recipients": [TEAM]} for t in (10, 20, 30, 40, 50, 60)],
            anomalyDetection={"recipients": [TEAM]},
        )
    )
    with pytest.raises(BudgetSpecError) as caught:
        validate_for_cloud(spec, "azure", subject="AzureBudget 'x'")
    assert len(caught.value.problems) == 2
    assert str(caught.value).startswith("AzureBudget 'x': 2 problem(s) in the budget:")


def stack_config(cloud: str, budget_value: dict[str, Any]) -> dict[str, object]:
    regions = {"aws": "us-east-1", "gcp": "us-central1", "azure": "eastus"}
    config: dict[str, object] = {
        "thrifty:cloud": cloud,
        "thrifty:region": regions[cloud],
        "thrifty:environment": "development",
        "thrifty:tags": json.dumps(
            {
                "project": "churn-predictor",
                "team": "ml-team",
                "cost-center": "engineering",
                "owner": TEAM,
            }
        ),
        "thrifty:budget": json.dumps(budget_value),
    }
    if cloud == "gcp":
        config["thrifty:gcpProject"] = "churn-predictor-dev"
        config["thrifty:gcpBillingAccount"] = "0A1B2C-3D4E5F-6A7B8C"
    return config


def test_stack_config_uses_the_budget_spec() -> None:
    config = validate_environment_config(stack_config("aws", budget()), stack="dev")
    assert isinstance(config.budget, BudgetConfig)
    assert config.budget.limits()["quarterly"] == 14000


def test_stack_config_reports_cloud_limits_as_config_errors() -> None:
    raw = budget(alerts=[{"threshold": t, "recipients": [TEAM]} for t in (10, 20, 30, 40, 50, 60)])
    with pytest.raises(ConfigError) as caught:
        validate_environment_config(stack_config("azure", raw), stack="azure-dev")
    assert caught.value.problems == [
        "thrifty:budget.alerts: 6 alerts, Azure consumption budgets allow at most 5 per budget "
        "(actual and forecasted together)"
    ]
    # The same budget is fine on GCP (one budget per recipient, no notification cap).
    validate_environment_config(stack_config("gcp", raw), stack="gcp-dev")


def test_stack_config_names_a_bad_budget_key() -> None:
    raw = budget(alerts=[{"threshold": 50, "recipients": ["nobody"]}])
    with pytest.raises(ConfigError) as caught:
        validate_environment_config(stack_config("aws", raw), stack="dev")
    (problem,) = caught.value.problems
    assert problem.startswith("thrifty:budget.alerts[0].recipients[0]:")
    assert '"nobody"' in problem


def test_gcp_needs_a_billing_account() -> None:
    raw = stack_config("gcp", budget())
    del raw["thrifty:gcpBillingAccount"]
    with pytest.raises(ConfigError) as caught:
        validate_environment_config(raw, stack="gcp-dev")
    assert "thrifty:gcpBillingAccount: required when cloud is gcp" in str(caught.value)
    raw["thrifty:gcpBillingAccount"] = "0a1b2c-3d4e5f"
    with pytest.raises(ConfigError) as caught:
        validate_environment_config(raw, stack="gcp-dev")
    assert "thrifty:gcpBillingAccount:" in str(caught.value)
