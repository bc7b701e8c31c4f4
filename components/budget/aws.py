"""AWS: a Budgets budget per period on the project tag, Cost Anomaly Detection, tag activation.

Facts this file relies on (docs search; see also thrifty.budget.spec):

* ``aws.budgets.Budget`` (pulumi-aws v7): ``budget_type``, ``limit_amount`` (string),
  ``limit_unit``, ``time_unit`` (MONTHLY | QUARTERLY | ANNUALLY), ``cost_filters`` (name/values;
  ``TagKeyValue`` values are ``user:<key>$<value>``, as in the SDK's own example
  ``user:business-unit$human_resources``), ``notifications`` (comparison_operator,
  notification_type ACTUAL | FORECASTED, threshold, threshold_type PERCENTAGE,
  subscriber_email_addresses), ``tags``.
* A tag filters a budget only once it is an *activated* cost-allocation tag
  (``aws.costexplorer.CostAllocationTag``, status Active). Activation is account-wide, so thrifty
  retains it on delete: destroying one stack must not deactivate a tag other stacks report on.
* Cost Anomaly Detection: a CUSTOM ``AnomalyMonitor`` whose ``monitor_specification`` is a Cost
  Explorer Expression on the tag (``{"Tags": {"Key": ..., "Values": [...]}}``), and an
  ``AnomalySubscription`` with a ``threshold_expression`` on ``ANOMALY_TOTAL_IMPACT_ABSOLUTE`` /
  ``ANOMALY_TOTAL_IMPACT_PERCENTAGE`` (GREATER_THAN_OR_EQUAL); email subscribers need a DAILY or
  WEEKLY frequency (API_AnomalySubscription).
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws

from thrifty.budget._component import check_before_register, warn_slack_limits
from thrifty.budget.spec import (
    AnomalyDetectionConfig,
    BudgetArgs,
    Notification,
    Period,
    notifications,
    scope_tag,
)
from thrifty.tags import COST_TAG_KEYS

TYPE_TOKEN = "thrifty:budget:AwsBudget"

TIME_UNITS: dict[Period, str] = {
    "monthly": "MONTHLY",
    "quarterly": "QUARTERLY",
    "annual": "ANNUALLY",
}
NOTIFICATION_TYPES = {"actual": "ACTUAL", "forecasted": "FORECASTED"}


def tag_key_value(key: str, value: str) -> str:
    """The Budgets ``TagKeyValue`` filter value for a user-defined tag: ``user:key$value``."""
    return f"user:{key}${value}"


def render_notification(notification: Notification) -> aws.budgets.BudgetNotificationArgs:
    """One escalation step as an AWS Budgets notification (percent of the limit)."""
    return aws.budgets.BudgetNotificationArgs(
        comparison_operator="GREATER_THAN",
        notification_type=NOTIFICATION_TYPES[notification.spend],
        threshold=notification.threshold,
        threshold_type="PERCENTAGE",
        subscriber_email_addresses=list(notification.recipients),
    )


def anomaly_threshold_expression(
    config: AnomalyDetectionConfig,
) -> aws.costexplorer.AnomalySubscriptionThresholdExpressionArgs:
    """Absolute impact, and percentage impact too when configured (both must hold)."""

    def dimension(key: str, value: float) -> dict[str, Any]:
        return {"key": key, "match_options": ["GREATER_THAN_OR_EQUAL"], "values": [f"{value:g}"]}

    absolute = dimension("ANOMALY_TOTAL_IMPACT_ABSOLUTE", config.impact_usd)
    if config.impact_percent is None:
        return aws.costexplorer.AnomalySubscriptionThresholdExpressionArgs(
            dimension=aws.costexplorer.AnomalySubscriptionThresholdExpressionDimensionArgs(
                **absolute
            )
        )
    percent = dimension("ANOMALY_TOTAL_IMPACT_PERCENTAGE", config.impact_percent)
    return aws.costexplorer.AnomalySubscriptionThresholdExpressionArgs(
        ands=[
            aws.costexplorer.AnomalySubscriptionThresholdExpressionAndArgs(
                dimension=aws.costexplorer.AnomalySubscriptionThresholdExpressionAndDimensionArgs(
                    **part
                )
            )
            for part in (absolute, percent)
        ]
    )


class AwsBudget(pulumi.ComponentResource):
    """AWS Budgets on the project's cost-allocation tag, one budget per configured period, each
    with the spec's notifications; plus, when configured, Cost Anomaly Detection on the same
    tag, and the activation of the five cost keys as cost-allocation tags.
    """

    budgets: dict[Period, aws.budgets.Budget]
    anomaly_monitor: aws.costexplorer.AnomalyMonitor | None
    anomaly_subscription: aws.costexplorer.AnomalySubscription | None
    cost_allocation_tags: list[aws.costexplorer.CostAllocationTag]

    def __init__(
        self,
        name: str,
        args: BudgetArgs,
        *,
        provider: aws.Provider | None = None,
        activate_cost_allocation_tags: bool = True,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        prefix = check_before_register("AwsBudget", name, args, "aws")
        tags = args.tags.aws()
        super().__init__(TYPE_TOKEN, name, None, opts)
        warn_slack_limits(self, args)
        child = pulumi.ResourceOptions(parent=self, provider=provider)
        key, value = scope_tag(args.tags)

        self.cost_allocation_tags = []
        if activate_cost_allocation_tags:
            self.cost_allocation_tags = [
                aws.costexplorer.CostAllocationTag(
                    f"{name}-tag-{tag_key}",
                    tag_key=tag_key,
                    status="Active",
                    opts=pulumi.ResourceOptions.merge(
                        child, pulumi.ResourceOptions(retain_on_delete=True)
                    ),
                )
                for tag_key in COST_TAG_KEYS
            ]
        budget_opts = pulumi.ResourceOptions.merge(
            child, pulumi.ResourceOptions(depends_on=list(self.cost_allocation_tags))
        )
        rendered = [render_notification(n) for n in notifications(args.budget)]
        self.budgets = {
            period: aws.budgets.Budget(
                f"{name}-{period}",
                name=f"{prefix}-{period}",
                budget_type="COST",
                limit_amount=f"{amount:.2f}",
                limit_unit=args.budget.currency,
                time_unit=TIME_UNITS[period],
                cost_filters=[
                    aws.budgets.BudgetCostFilterArgs(
                        name="TagKeyValue", values=[tag_key_value(key, value)]
                    )
                ],
                notifications=rendered,
                tags=tags,
                opts=budget_opts,
            )
            for period, amount in args.budget.limits().items()
        }

        self.anomaly_monitor = None
        self.anomaly_subscription = None
        anomaly = args.budget.anomaly_detection
        if anomaly is not None:
            self.anomaly_monitor = aws.costexplorer.AnomalyMonitor(
                f"{name}-anomaly-monitor",
                name=f"{prefix}-anomalies",
                monitor_type="CUSTOM",
                monitor_specification=json.dumps(
                    {"Tags": {"Key": key, "Values": [value], "MatchOptions": ["EQUALS"]}}
                ),
                tags=tags,
                opts=budget_opts,
            )
            self.anomaly_subscription = aws.costexplorer.AnomalySubscription(
                f"{name}-anomaly-alerts",
                name=f"{prefix}-anomaly-alerts",
                frequency=anomaly.frequency,
                monitor_arn_lists=[self.anomaly_monitor.arn],
                subscribers=[
                    aws.costexplorer.AnomalySubscriptionSubscriberArgs(
                        type="EMAIL", address=str(address)
                    )
                    for address in anomaly.recipients
                ],
                threshold_expression=anomaly_threshold_expression(anomaly),
                tags=tags,
                opts=child,
            )

        self.register_outputs(
            {
                "budgetNames": {period: b.name for period, b in self.budgets.items()},
                "anomalyMonitorArn": self.anomaly_monitor.arn if self.anomaly_monitor else None,
            }
        )
