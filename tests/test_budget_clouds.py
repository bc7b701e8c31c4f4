"""The budget components, recorded under the SDK mock engine: the exact notifications the
guide's escalation produces on each cloud, scoping to the project tag, tagging, parenting,
explicit providers, and refusals that register nothing."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pulumi_aws as aws
import pulumi_azure_native as azure_native
import pulumi_gcp as gcp
import pytest

from thrifty.budget.aws import AwsBudget
from thrifty.budget.azure import AzureBudget, period_start
from thrifty.budget.gcp import GcpBudget, split_amount
from thrifty.budget.spec import BudgetArgs, BudgetConfig, BudgetSpecError, guide_budget
from thrifty.offline.recording import RecordedResource, Recording, record_program
from thrifty.taggable import tags_of
from thrifty.tags import COST_TAG_KEYS, CostTags, TagRenderError

TEAM, MANAGER, FINANCE = "ml-team@company.com", "manager@company.com", "finance@company.com"
TAGS = CostTags.model_validate(
    {
        "project": "churn-predictor",
        "environment": "production",
        "team": "ml-team",
        "cost-center": "engineering",
        "owner": TEAM,
    }
)
GUIDE = guide_budget(TEAM, MANAGER, FINANCE)
BILLING = "0A1B2C-3D4E5F-6A7B8C"


def record(build: Callable[[], object], *, preview: bool = True) -> Recording:
    return record_program(build, project="thrifty-test", stack="production", preview=preview)


def record_refusal(build: Callable[[], object]) -> tuple[Exception, Recording]:
    """Run ``build`` expecting it to raise; return the error and what was registered."""
    caught: list[Exception] = []

    def program() -> None:
        try:
            build()
        except Exception as error:
            caught.append(error)

    recording = record(program)
    assert caught, "the component accepted invalid arguments"
    return caught[0], recording


def only(recording: Recording, type_token: str) -> list[RecordedResource]:
    return recording.of_type(type_token)


def assert_parented_and_provided(recording: Recording, component_type: str) -> None:
    """Every resource but the test's provider is the component's child, on that provider."""
    (component,) = recording.of_type(component_type)
    # Registration order follows asyncio scheduling: find the test's provider by kind.
    (provider,) = [r for r in recording if r.is_provider]
    children = [r for r in recording if r.urn not in (component.urn, provider.urn)]
    assert children
    for resource in children:
        assert resource.parent == component.urn, resource.name
        if resource.custom:
            assert resource.provider_urn == provider.urn, resource.name


def assert_tagged_where_taggable(recording: Recording) -> int:
    tagged = 0
    for resource in recording:
        if not resource.custom or resource.is_provider:
            continue
        tags = tags_of(resource.type, resource.inputs)
        if tags is not None or resource.type.startswith(("aws:budgets", "aws:costexplorer/anom")):
            assert tags is not None, f"{resource.type} can carry tags but has none"
            assert all(key in tags for key in COST_TAG_KEYS), resource.name
            tagged += 1
    return tagged


# --------------------------------------------------------------------------------------- AWS


def aws_program(spec: BudgetConfig = GUIDE, **kwargs: Any) -> Callable[[], None]:
    def program() -> None:
        provider = aws.Provider("aws", region="us-east-1")
        AwsBudget("budget", BudgetArgs(budget=spec, tags=TAGS), provider=provider, **kwargs)

    return program


def test_aws_guide_escalation_notifications_exactly() -> None:
    recording = record(aws_program())
    budgets = {b.inputs["timeUnit"]: b.inputs for b in only(recording, "aws:budgets/budget:Budget")}
    assert sorted(budgets) == ["ANNUALLY", "MONTHLY", "QUARTERLY"]
    assert {u: b["limitAmount"] for u, b in budgets.items()} == {
        "MONTHLY": "5000.00",
        "QUARTERLY": "14000.00",
        "ANNUALLY": "50000.00",
    }
    expected = [
        ("ACTUAL", 50.0, [TEAM]),
        ("ACTUAL", 80.0, [TEAM, MANAGER]),
        ("ACTUAL", 95.0, [TEAM, MANAGER, FINANCE]),
        ("FORECASTED", 100.0, [TEAM, MANAGER]),
    ]
    for inputs in budgets.values():
        assert inputs["budgetType"] == "COST" and inputs["limitUnit"] == "USD"
        got = [
            (n["notificationType"], n["threshold"], n["subscriberEmailAddresses"])
            for n in inputs["notifications"]
        ]
        assert got == expected
        assert {n["comparisonOperator"] for n in inputs["notifications"]} == {"GREATER_THAN"}
        assert {n["thresholdType"] for n in inputs["notifications"]} == {"PERCENTAGE"}
        # Project AND environment (item 4 of issue 12; tests/test_review_budgets.py).
        assert inputs["filterExpression"]["ands"] == [
            {"tags": {"key": "project", "values": ["churn-predictor"], "matchOptions": ["EQUALS"]}},
            {"tags": {"key": "environment", "values": ["production"], "matchOptions": ["EQUALS"]}},
        ]
    assert budgets["MONTHLY"]["name"] == "churn-predictor-prd-monthly"


def test_aws_activates_the_cost_tags_and_keeps_them_on_delete() -> None:
    recording = record(aws_program())
    tags = only(recording, "aws:costexplorer/costAllocationTag:CostAllocationTag")
    assert sorted(t.inputs["tagKey"] for t in tags) == sorted(COST_TAG_KEYS)
    assert all(t.inputs["status"] == "Active" and t.retain_on_delete for t in tags)
    tag_urns = {t.urn for t in tags}
    for budget in only(recording, "aws:budgets/budget:Budget"):
        assert tag_urns <= set(budget.dependencies)


def test_aws_tag_activation_can_be_left_to_the_payer_account() -> None:
    recording = record(aws_program(activate_cost_allocation_tags=False))
    assert only(recording, "aws:costexplorer/costAllocationTag:CostAllocationTag") == []
    assert len(only(recording, "aws:budgets/budget:Budget")) == 3


def test_aws_anomaly_detection_on_the_project_tag() -> None:
    spec = GUIDE.model_copy(
        update={
            "anomaly_detection": BudgetConfig.model_validate(
                {
                    "monthlyLimit": 1,
                    "alerts": [{"threshold": 50, "recipients": [TEAM]}],
                    "anomalyDetection": {
                        "impactUsd": 250,
                        "impactPercent": 20,
                        "frequency": "WEEKLY",
                        "recipients": [TEAM, MANAGER],
                    },
                }
            ).anomaly_detection
        }
    )
    recording = record(aws_program(spec))
    (monitor,) = only(recording, "aws:costexplorer/anomalyMonitor:AnomalyMonitor")
    assert monitor.inputs["monitorType"] == "CUSTOM"
    assert json.loads(monitor.inputs["monitorSpecification"]) == {
        "Tags": {"Key": "project", "Values": ["churn-predictor"], "MatchOptions": ["EQUALS"]}
    }
    (subscription,) = only(recording, "aws:costexplorer/anomalySubscription:AnomalySubscription")
    assert subscription.inputs["frequency"] == "WEEKLY"
    assert subscription.inputs["subscribers"] == [
        {"type": "EMAIL", "address": TEAM},
        {"type": "EMAIL", "address": MANAGER},
    ]
    assert subscription.inputs["thresholdExpression"] == {
        "ands": [
            {
                "dimension": {
                    "key": "ANOMALY_TOTAL_IMPACT_ABSOLUTE",
                    "matchOptions": ["GREATER_THAN_OR_EQUAL"],
                    "values": ["250"],
                }
            },
            {
                "dimension": {
                    "key": "ANOMALY_TOTAL_IMPACT_PERCENTAGE",
                    "matchOptions": ["GREATER_THAN_OR_EQUAL"],
                    "values": ["20"],
                }
            },
        ]
    }
    assert monitor.urn in subscription.dependencies


def test_aws_without_anomaly_detection_has_no_monitor() -> None:
    recording = record(aws_program())
    assert only(recording, "aws:costexplorer/anomalyMonitor:AnomalyMonitor") == []


def test_aws_resources_tagged_parented_and_on_the_foundation_provider() -> None:
    recording = record(
        aws_program(
            GUIDE.model_copy(
                update={
                    "anomaly_detection": BudgetConfig.model_validate(
                        {
                            "monthlyLimit": 1,
                            "alerts": [{"threshold": 50, "recipients": [TEAM]}],
                            "anomalyDetection": {"recipients": [TEAM]},
                        }
                    ).anomaly_detection
                }
            )
        )
    )
    assert_parented_and_provided(recording, "thrifty:budget:AwsBudget")
    assert assert_tagged_where_taggable(recording) == 5  # 3 budgets, monitor, subscription


# --------------------------------------------------------------------------------------- GCP


def gcp_program(spec: BudgetConfig = GUIDE, **kwargs: Any) -> Callable[[], None]:
    def program() -> None:
        provider = gcp.Provider("gcp", project="churn-predictor-prd")
        options: dict[str, Any] = {"billing_account": BILLING, "gcp_project": "churn-predictor-prd"}
        options.update(kwargs)
        GcpBudget("budget", BudgetArgs(budget=spec, tags=TAGS), provider=provider, **options)

    return program


def test_gcp_guide_escalation_one_budget_per_recipient() -> None:
    # preview=False: budgets name their notification channels by id, known only after apply.
    recording = record(gcp_program(), preview=False)
    channels = {
        c.urn: c.inputs
        for c in only(recording, "gcp:monitoring/notificationChannel:NotificationChannel")
    }
    assert sorted(c["labels"]["email_address"] for c in channels.values()) == sorted(
        [TEAM, MANAGER, FINANCE]
    )
    assert all(c["type"] == "email" for c in channels.values())
    channel_ids = {
        f"{r.name}-id": r.inputs["labels"]["email_address"]
        for r in only(recording, "gcp:monitoring/notificationChannel:NotificationChannel")
    }
    monthly: dict[str, list[tuple[float, str]]] = {}
    budgets = only(recording, "gcp:billing/budget:Budget")
    assert len(budgets) == 9  # 3 periods x 3 recipients
    for budget in budgets:
        inputs = budget.inputs
        assert inputs["billingAccount"] == BILLING
        assert "labels" not in inputs["budgetFilter"]  # all of the project's spend
        assert inputs["budgetFilter"]["projects"] == ["projects/123456789"]
        rule = inputs["allUpdatesRule"]
        assert rule["disableDefaultIamRecipients"] is True
        (channel,) = rule["monitoringNotificationChannels"]
        if inputs["budgetFilter"]["calendarPeriod"] == "MONTH":
            assert inputs["amount"]["specifiedAmount"] == {"currencyCode": "USD", "units": "5000"}
            monthly[channel_ids[channel]] = [
                (r["thresholdPercent"], r["spendBasis"]) for r in inputs["thresholdRules"]
            ]
    assert monthly == {
        TEAM: [
            (0.5, "CURRENT_SPEND"),
            (0.8, "CURRENT_SPEND"),
            (0.95, "CURRENT_SPEND"),
            (1.0, "FORECASTED_SPEND"),
        ],
        MANAGER: [(0.8, "CURRENT_SPEND"), (0.95, "CURRENT_SPEND"), (1.0, "FORECASTED_SPEND")],
        FINANCE: [(0.95, "CURRENT_SPEND")],
    }
    periods = sorted(b.inputs["budgetFilter"]["calendarPeriod"] for b in budgets)
    assert periods == ["MONTH"] * 3 + ["QUARTER"] * 3 + ["YEAR"] * 3


def test_gcp_optional_pubsub_topic_once_per_period() -> None:
    recording = record(gcp_program(pubsub_topic=True))
    (topic,) = only(recording, "gcp:pubsub/topic:Topic")
    assert topic.inputs["name"] == "churn-predictor-prd-budget-alerts"
    with_topic = [
        b.inputs["budgetFilter"]["calendarPeriod"]
        for b in only(recording, "gcp:billing/budget:Budget")
        if "pubsubTopic" in b.inputs["allUpdatesRule"]
    ]
    assert sorted(with_topic) == ["MONTH", "QUARTER", "YEAR"]
    assert_parented_and_provided(recording, "thrifty:budget:GcpBudget")
    assert assert_tagged_where_taggable(recording) == 4  # 3 channels (user_labels) + topic


def test_gcp_refuses_a_bad_billing_account_before_registering() -> None:
    error, recording = record_refusal(gcp_program(billing_account="0a1b2c"))
    assert isinstance(error, ValueError)
    assert "billing_account '0a1b2c' is not a billing account id" in str(error)
    assert [r.type for r in recording] == ["pulumi:providers:gcp"]


def test_split_amount_into_units_and_nanos() -> None:
    assert split_amount(5000) == ("5000", 0)
    assert split_amount(1234.5) == ("1234", 500_000_000)


# ------------------------------------------------------------------------------------- Azure


def azure_program(spec: BudgetConfig = GUIDE, **kwargs: Any) -> Callable[[], None]:
    def program() -> None:
        provider = azure_native.Provider("azure", location="eastus")
        options: dict[str, Any] = {
            "resource_group_name": "churn-predictor-prd-rg",
            "start": dt.date(2025, 8, 14),
        }
        options.update(kwargs)
        AzureBudget("budget", BudgetArgs(budget=spec, tags=TAGS), provider=provider, **options)

    return program


def test_azure_guide_escalation_notifications_exactly() -> None:
    recording = record(azure_program())
    budgets = {b.inputs["timeGrain"]: b for b in only(recording, "azure-native:consumption:Budget")}
    assert sorted(budgets) == ["Annually", "Monthly", "Quarterly"]
    starts = {grain: b.inputs["timePeriod"]["startDate"] for grain, b in budgets.items()}
    assert starts == {
        "Monthly": "2025-08-01T00:00:00Z",
        "Quarterly": "2025-07-01T00:00:00Z",
        "Annually": "2025-01-01T00:00:00Z",
    }
    for budget in budgets.values():
        inputs = budget.inputs
        assert budget.ignore_changes == ("timePeriod",)
        assert inputs["category"] == "Cost"
        assert inputs["scope"] == "/subscriptions/00000000-0000-0000-0000-000000000000"
        assert inputs["filter"] == {
            "dimensions": {
                "name": "ResourceGroupName",
                "operator": "In",
                "values": ["churn-predictor-prd-rg"],
            }
        }
        assert inputs["notifications"] == {
            "Actual_GreaterThan_50_Percent": {
                "enabled": True,
                "operator": "GreaterThan",
                "threshold": 50.0,
                "thresholdType": "Actual",
                "contactEmails": [TEAM],
            },
            "Actual_GreaterThan_80_Percent": {
                "enabled": True,
                "operator": "GreaterThan",
                "threshold": 80.0,
                "thresholdType": "Actual",
                "contactEmails": [TEAM, MANAGER],
            },
            "Actual_GreaterThan_95_Percent": {
                "enabled": True,
                "operator": "GreaterThan",
                "threshold": 95.0,
                "thresholdType": "Actual",
                "contactEmails": [TEAM, MANAGER, FINANCE],
            },
            "Forecasted_GreaterThan_100_Percent": {
                "enabled": True,
                "operator": "GreaterThan",
                "threshold": 100.0,
                "thresholdType": "Forecasted",
                "contactEmails": [TEAM, MANAGER],
            },
        }
    assert budgets["Monthly"].inputs["amount"] == 5000.0
    assert_parented_and_provided(recording, "thrifty:budget:AzureBudget")


def test_azure_subscription_scope_filters_project_and_environment() -> None:
    recording = record(
        azure_program(
            scope="subscription",
            resource_group_name=None,
            subscription_id="12345678-1234-1234-1234-123456789abc",
        )
    )
    for budget in only(recording, "azure-native:consumption:Budget"):
        assert budget.inputs["scope"] == "/subscriptions/12345678-1234-1234-1234-123456789abc"
        assert budget.inputs["filter"] == {
            "and": [
                {"tags": {"name": "project", "operator": "In", "values": ["churn-predictor"]}},
                {"tags": {"name": "environment", "operator": "In", "values": ["production"]}},
            ]
        }


def test_azure_refuses_resource_group_scope_without_a_group() -> None:
    error, recording = record_refusal(azure_program(resource_group_name=None))
    assert "scope 'resource-groups' needs resource_group_name (got None)" in str(error)
    assert [r.type for r in recording] == ["pulumi:providers:azure-native"]


def test_period_start_aligns_to_calendar_periods() -> None:
    day = dt.date(2025, 11, 30)
    assert period_start("monthly", day) == dt.date(2025, 11, 1)
    assert period_start("quarterly", day) == dt.date(2025, 10, 1)
    assert period_start("annual", day) == dt.date(2025, 1, 1)


# ------------------------------------------------------------- refusals on every cloud


def too_many_alerts() -> BudgetConfig:
    return BudgetConfig.model_validate(
        {
            "monthlyLimit": 100,
            "alerts": [{"threshold": t, "recipients": [TEAM]} for t in (10, 20, 30, 40, 50, 60)],
        }
    )


def with_anomaly() -> BudgetConfig:
    return BudgetConfig.model_validate(
        {
            "monthlyLimit": 100,
            "alerts": [{"threshold": 50, "recipients": [TEAM]}],
            "anomalyDetection": {"recipients": [TEAM]},
        }
    )


@pytest.mark.parametrize(
    ("program", "provider_type", "expected"),
    [
        (
            aws_program(too_many_alerts()),
            "pulumi:providers:aws",
            "AwsBudget 'budget': 1 problem(s) in the budget:\n  - alerts: 6 alerts, AWS Budgets "
            "allow at most 5 per budget",
        ),
        (
            azure_program(too_many_alerts()),
            "pulumi:providers:azure-native",
            "AzureBudget 'budget': 1 problem(s) in the budget:\n  - alerts: 6 alerts, Azure "
            "consumption budgets allow at most 5 per budget",
        ),
        (
            gcp_program(with_anomaly()),
            "pulumi:providers:gcp",
            "GcpBudget 'budget': 1 problem(s) in the budget:\n  - anomalyDetection: set, but "
            "thrifty implements anomaly detection on AWS only",
        ),
        (
            azure_program(with_anomaly()),
            "pulumi:providers:azure-native",
            "  - anomalyDetection: set, but thrifty implements anomaly detection on AWS only",
        ),
    ],
)
def test_cloud_limits_refused_before_anything_is_registered(
    program: Callable[[], None], provider_type: str, expected: str
) -> None:
    error, recording = record_refusal(program)
    assert isinstance(error, BudgetSpecError)
    assert expected in str(error)
    assert [r.type for r in recording] == [provider_type]  # only the test's own provider


def test_tags_that_do_not_render_are_refused_before_registering() -> None:
    bad_tags = TAGS.model_copy(update={"extra": {"a" * 200: "x"}})

    def program() -> None:
        AwsBudget("budget", BudgetArgs(budget=GUIDE, tags=bad_tags))

    error, recording = record_refusal(program)
    assert isinstance(error, TagRenderError)
    assert list(recording) == []


def test_slack_limits_are_logged_as_warnings_on_the_component() -> None:
    slack = GUIDE.model_copy(update={"quarterly_limit": 16000.0})
    recording = record(aws_program(slack))
    warnings = [m.message for m in recording.messages if m.severity == "warning"]
    assert warnings == [
        "budget: quarterlyLimit 16000 exceeds 3 x monthlyLimit (15000): the quarterly budget "
        "only alerts after monthly budgets were overrun"
    ]


def test_spec_is_plain_python() -> None:
    """The spec imports no provider SDK (DESIGN.md): policies and the CLI can use it cheaply."""
    import subprocess
    import sys

    code = (
        "import sys, thrifty.budget, thrifty.budget.spec;"
        "print(sorted(m for m in sys.modules if m.startswith(('pulumi_', 'pulumi.'))"
        " and not m.startswith('pulumi.runtime')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert "pulumi_aws" not in result.stdout and "pulumi_gcp" not in result.stdout
    assert "pulumi_azure_native" not in result.stdout and "pulumi_kubernetes" not in result.stdout
