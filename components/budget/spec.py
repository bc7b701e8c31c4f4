"""The cloud-neutral budget spec: limits, the alert escalation, and the checks every cloud shares.

A :class:`BudgetConfig` holds what the guide's "Budget Management" block holds (monthly,
quarterly and annual limits in USD; alerts at a percentage of the limit, each with its own
recipients) plus what the guide's "Cost Forecasting" asks for: alerts on *forecasted* spend as
well as actual. The same spec drives the AWS, GCP and Azure components, so the escalation a
team reviews is the escalation every cloud gets. It also holds the optional AWS anomaly
detection settings and the thresholds of the Prometheus cost alerts.

Two layers of validation, both before any resource exists:

* the model itself (pydantic): thresholds ascend per spend basis, no duplicate alert, emails
  valid and distinct per alert, quarterly / annual limits not below the shorter periods
  (inconsistent by construction: the shorter budget could never be reached first);
* :func:`check_for_cloud`: what one cloud enforces (table :data:`CLOUD_LIMITS`), and
  :func:`budget_warnings`: limits that are consistent but slack (a quarter above three months).

This module imports no provider SDK (see DESIGN.md "Which part may know which").

Sources (checked with the docs search):

[AWS-NOTIF]  docs.aws.amazon.com/aws-cost-management/latest/APIReference/
             API_budgets_NotificationWithSubscribers.html
             "A notification can have one SNS subscriber and up to 10 email subscribers, for a
             total of 11 subscribers." The issue and older quota pages say 5 notifications per
             budget; the current API reference (API_budgets_Notification) says "up to ten".
             thrifty keeps 5: it is what Azure allows too, so one escalation fits every cloud.
[AWS-THRESH] API_budgets_Notification: thresholds are a percentage; "The maximum limit for
             your threshold is 1,000,000% above the budgeted amount".
[AWS-ANOM]   docs.aws.amazon.com/aws-cost-management/latest/APIReference/
             API_AnomalySubscription.html
             "Notifications are sent either over email (for DAILY and WEEKLY frequencies) or SNS
             (for IMMEDIATE frequency)."
[AZ-NOTIF]   pulumi_azure_native.consumption.Budget ``notifications``: "Budget can have up to five
             notifications"; learn.microsoft.com/javascript/api/@azure/arm-consumption/notification
             threshold "is always percent and has to be between 0 and 1000".
[GCP-RULE]   pulumi_gcp.billing.Budget ``threshold_rules.threshold_percent``: "a 1.0-based
             percentage, so 0.5 = 50%. Must be >= 0"; spend_basis CURRENT_SPEND | FORECASTED_SPEND.
[GCP-CHAN]   cloud.google.com/billing/docs/how-to/budgets-notification-recipients: custom email
             recipients are Cloud Monitoring email channels, "up to five" per budget, and they
             receive every threshold of the budget they are linked to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator
from pydantic.alias_generators import to_camel

from thrifty.durations import duration_seconds
from thrifty.tags import CostTags

Spend = Literal["actual", "forecasted"]
Period = Literal["monthly", "quarterly", "annual"]
BudgetCloud = Literal["aws", "gcp", "azure"]

#: The guide's limits ("Budget Management"), the production defaults of :func:`guide_budget`.
GUIDE_LIMITS: dict[Period, float] = {"monthly": 5000.0, "quarterly": 14000.0, "annual": 50000.0}
#: Months in each period, for the consistency checks between limits.
PERIOD_MONTHS: dict[Period, int] = {"monthly": 1, "quarterly": 3, "annual": 12}


class _Model(BaseModel):
    """camelCase keys as in the stack files, unknown keys rejected, immutable."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


class BudgetAlert(_Model):
    """One alert: a percentage of the limit, actual or forecasted spend, and who hears of it."""

    threshold: float = Field(gt=0, le=1000, description="Percent of the limit (e.g. 80).")
    recipients: list[EmailStr] = Field(min_length=1)
    spend: Spend = Field(
        default="actual",
        description="'actual': spend so far crossed the threshold; 'forecasted': the cloud "
        "forecasts the period to end above it (an early warning).",
    )

    @field_validator("recipients")
    @classmethod
    def _distinct_recipients(cls, value: list[str]) -> list[str]:
        # Lower-cased so that one person is one subscriber (and one GCP channel) everywhere.
        lowered = [address.lower() for address in value]
        duplicates = sorted({a for a in lowered if lowered.count(a) > 1})
        if duplicates:
            raise ValueError(f"recipients repeat {', '.join(duplicates)}; list each once")
        return lowered


class AnomalyDetectionConfig(_Model):
    """AWS Cost Anomaly Detection on the project's tag: alert when an anomaly's impact is big.

    Email subscribers get DAILY or WEEKLY digests; IMMEDIATE needs an SNS topic [AWS-ANOM].
    """

    impact_usd: float = Field(
        default=100, gt=0, description="Alert when an anomaly's total impact reaches this (USD)."
    )
    impact_percent: float | None = Field(
        default=None,
        gt=0,
        description="And, when set, when the impact is also at least this percent of the "
        "expected spend (both must hold).",
    )
    frequency: Literal["DAILY", "WEEKLY"] = "DAILY"
    recipients: list[EmailStr] = Field(min_length=1, max_length=10)


class CostAlertsConfig(_Model):
    """Thresholds of the guide's Prometheus alerts ("Cost Alerting"); defaults are the guide's."""

    compute_cost_per_hour: float = Field(
        default=10, gt=0, description="HighComputeCost fires above this many USD per hour."
    )
    compute_for: str = Field(default="5m", description="How long before HighComputeCost fires.")
    storage_cost_increase_24h: float = Field(
        default=100,
        gt=0,
        alias="storageCostIncrease24h",  # to_camel would say ...24H
        description="StorageCostSpike fires when storage cost grew more in 24h.",
    )
    storage_for: str = Field(default="1h", description="How long before StorageCostSpike fires.")

    @field_validator("compute_for", "storage_for")
    @classmethod
    def _duration(cls, value: str) -> str:
        duration_seconds(value)  # raises, naming the value and the allowed form
        return value


class BudgetConfig(_Model):
    """``thrifty:budget``: limits in USD, the alert escalation, anomaly detection, cost alerts."""

    monthly_limit: float = Field(gt=0, description="Monthly limit in USD.")
    quarterly_limit: float | None = Field(default=None, gt=0, description="Per calendar quarter.")
    annual_limit: float | None = Field(default=None, gt=0, description="Per calendar year.")
    currency: Literal["USD"] = "USD"
    alerts: list[BudgetAlert] = Field(min_length=1, max_length=10)
    anomaly_detection: AnomalyDetectionConfig | None = Field(
        default=None, description="AWS only: Cost Anomaly Detection on the project tag."
    )
    cost_alerts: CostAlertsConfig = Field(default_factory=CostAlertsConfig)

    @model_validator(mode="after")
    def _consistent(self) -> BudgetConfig:
        problems: list[str] = []
        for spend in ("actual", "forecasted"):
            thresholds = [alert.threshold for alert in self.alerts if alert.spend == spend]
            if thresholds != sorted(thresholds):
                problems.append(
                    f"alerts: {spend} thresholds must ascend (escalation order), got {thresholds}"
                )
            repeated = sorted({t for t in thresholds if thresholds.count(t) > 1})
            if repeated:
                problems.append(
                    f"alerts: {spend} threshold(s) {repeated} appear twice; merge their "
                    "recipients into one alert"
                )
        limits = self.limits()
        for longer, shorter in (
            ("quarterly", "monthly"),
            ("annual", "quarterly"),
            ("annual", "monthly"),
        ):
            if longer in limits and shorter in limits and limits[longer] < limits[shorter]:
                problems.append(
                    f"{to_camel(longer + '_limit')} {limits[longer]:g} is below "
                    f"{to_camel(shorter + '_limit')} {limits[shorter]:g}: the {longer} budget "
                    f"would be exceeded before the {shorter} one (allowed: at least "
                    f"{limits[shorter]:g})"
                )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def limits(self) -> dict[Period, float]:
        """The configured limits, shortest period first."""
        limits: dict[Period, float] = {"monthly": self.monthly_limit}
        if self.quarterly_limit is not None:
            limits["quarterly"] = self.quarterly_limit
        if self.annual_limit is not None:
            limits["annual"] = self.annual_limit
        return limits

    def recipients(self) -> list[str]:
        """Every alert recipient once, in the order they first appear in the escalation."""
        seen: dict[str, None] = {}
        for alert in self.alerts:
            for address in alert.recipients:
                seen.setdefault(str(address), None)
        return list(seen)


def guide_alerts(
    team: str, manager: str, finance: str, *, forecast_threshold: float | None = 100
) -> list[BudgetAlert]:
    """The guide's escalation (50 % the team, 80 % team and manager, 95 % all three on actual
    spend), plus, unless ``forecast_threshold`` is None, a forecast alert to team and manager
    when the period is forecast to end above ``forecast_threshold`` % (thrifty's addition)."""
    alerts = [
        BudgetAlert(threshold=50, recipients=[team]),
        BudgetAlert(threshold=80, recipients=[team, manager]),
        BudgetAlert(threshold=95, recipients=[team, manager, finance]),
    ]
    if forecast_threshold is not None:
        alerts.append(
            BudgetAlert(
                threshold=forecast_threshold, recipients=[team, manager], spend="forecasted"
            )
        )
    return alerts


def guide_budget(team: str, manager: str, finance: str) -> BudgetConfig:
    """The guide's production budget: 5,000 / 14,000 / 50,000 USD and its escalation."""
    return BudgetConfig(
        monthly_limit=GUIDE_LIMITS["monthly"],
        quarterly_limit=GUIDE_LIMITS["quarterly"],
        annual_limit=GUIDE_LIMITS["annual"],
        alerts=guide_alerts(team, manager, finance),
    )


@dataclass(frozen=True)
class CloudLimits:
    """What one cloud accepts in a budget (see the module's sources)."""

    label: str
    max_notifications: int | None
    max_recipients_per_notification: int | None
    max_threshold: float
    anomaly_detection: bool


CLOUD_LIMITS: dict[BudgetCloud, CloudLimits] = {
    # [AWS-NOTIF] [AWS-THRESH]
    "aws": CloudLimits("AWS Budgets", 5, 10, 1_000_000, anomaly_detection=True),
    # [AZ-NOTIF]
    "azure": CloudLimits("Azure consumption budgets", 5, None, 1000, anomaly_detection=False),
    # [GCP-RULE] [GCP-CHAN]: one budget per recipient (one channel each), so neither count caps.
    "gcp": CloudLimits("GCP billing budgets", None, None, 1000, anomaly_detection=False),
}


class BudgetSpecError(ValueError):
    """A budget that a cloud would reject, listing every problem."""

    def __init__(self, subject: str, problems: list[str]) -> None:
        self.subject = subject
        self.problems = problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"{subject}: {len(problems)} problem(s) in the budget:\n{lines}")


def check_for_cloud(budget: BudgetConfig, cloud: BudgetCloud) -> list[str]:
    """Problems ``cloud`` would reject, each naming the field, the value and what is allowed."""
    limits = CLOUD_LIMITS[cloud]
    problems: list[str] = []
    count = len(budget.alerts)
    if limits.max_notifications is not None and count > limits.max_notifications:
        problems.append(
            f"alerts: {count} alerts, {limits.label} allow at most {limits.max_notifications} "
            "per budget (actual and forecasted together)"
        )
    for index, alert in enumerate(budget.alerts):
        cap = limits.max_recipients_per_notification
        if cap is not None and len(alert.recipients) > cap:
            problems.append(
                f"alerts[{index}].recipients: {len(alert.recipients)} addresses, {limits.label} "
                f"allow at most {cap} email subscribers per notification"
            )
        if alert.threshold > limits.max_threshold:
            problems.append(
                f"alerts[{index}].threshold: {alert.threshold:g} %, {limits.label} allow "
                f"0-{limits.max_threshold:g} %"
            )
    if budget.anomaly_detection is not None and not limits.anomaly_detection:
        problems.append(
            f"anomalyDetection: set, but thrifty implements anomaly detection on AWS only "
            f"(Cost Anomaly Detection); remove it for {cloud}"
        )
    return problems


def validate_for_cloud(budget: BudgetConfig, cloud: BudgetCloud, *, subject: str) -> None:
    """Raise :class:`BudgetSpecError` with every problem of ``budget`` on ``cloud``."""
    problems = check_for_cloud(budget, cloud)
    if problems:
        raise BudgetSpecError(subject, problems)


def budget_warnings(budget: BudgetConfig) -> list[str]:
    """Limits that are consistent but slack: a longer period above the sum of shorter ones
    can only alert after a shorter budget has been overrun."""
    limits = budget.limits()
    warnings: list[str] = []
    for longer, shorter in (
        ("quarterly", "monthly"),
        ("annual", "quarterly"),
        ("annual", "monthly"),
    ):
        if longer not in limits or shorter not in limits:
            continue
        factor = PERIOD_MONTHS[longer] // PERIOD_MONTHS[shorter]
        ceiling = limits[shorter] * factor
        if limits[longer] > ceiling:
            warnings.append(
                f"{to_camel(longer + '_limit')} {limits[longer]:g} exceeds {factor} x "
                f"{to_camel(shorter + '_limit')} ({ceiling:g}): the {longer} budget only alerts "
                f"after {shorter} budgets were overrun"
            )
    return warnings


@dataclass(frozen=True)
class Notification:
    """One alert as every cloud renders it: percent of the limit, basis, recipients."""

    threshold: float
    spend: Spend
    recipients: tuple[str, ...]


def notifications(budget: BudgetConfig) -> list[Notification]:
    """The escalation as notifications, in the spec's order (AWS and Azure render these)."""
    return [
        Notification(alert.threshold, alert.spend, tuple(str(r) for r in alert.recipients))
        for alert in budget.alerts
    ]


def notifications_by_recipient(budget: BudgetConfig) -> dict[str, list[Notification]]:
    """recipient -> the notifications they receive (GCP renders one budget per recipient,
    because a GCP budget's channels receive every threshold of that budget [GCP-CHAN])."""
    grouped: dict[str, list[Notification]] = {address: [] for address in budget.recipients()}
    for notification in notifications(budget):
        for address in notification.recipients:
            grouped[address].append(notification)
    return grouped


class BudgetArgs(BaseModel):
    """What every cloud's budget component takes: the spec and the stack's cost tags."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    budget: BudgetConfig
    tags: CostTags
    name_prefix: str | None = Field(
        default=None,
        pattern=r"^[a-z][a-z0-9-]{0,40}$",
        description="Prefix of the cloud budgets' names; default ``<project>-<env>``.",
    )


def scope_tag(tags: CostTags) -> tuple[str, str]:
    """The cost-allocation tag of the project: ``("project", <project>)``."""
    return ("project", tags.project)


def environment_scope_tags(tags: CostTags) -> tuple[tuple[str, str], tuple[str, str]]:
    """The tags that pick one environment's spend where several share an account or a
    subscription: the project's and the environment's (both must match)."""
    return (scope_tag(tags), ("environment", tags.environment))
