"""AWS: a Budgets budget per period on the project *and* environment tags, Cost Anomaly
Detection, tag activation.

Facts this file relies on (docs search; see also thrifty.budget.spec):

* ``aws.budgets.Budget`` (pulumi-aws v7): ``budget_type``, ``limit_amount`` (string),
  ``limit_unit``, ``time_unit`` (MONTHLY | QUARTERLY | ANNUALLY), ``notifications``
  (comparison_operator, notification_type ACTUAL | FORECASTED, threshold, threshold_type
  PERCENTAGE, subscriber_email_addresses), ``tags``.
* Which spend a budget measures: the legacy ``cost_filters`` map cannot tell environments
  apart. A filter's values combine with OR (Cost Explorer ``Expression``: "lists of dimension
  values are combined with OR"; the SDK's own example lists two ``TagKeyValue`` values of
  different keys in one filter), so ``user:project$x`` plus ``user:environment$dev`` would
  count production spend too. The Budgets API's ``FilterExpression`` (API_budgets_Expression:
  ``And`` "return results that match both") says AND; pulumi-aws takes it as
  ``filter_expression`` ("conflicts with cost_filter and requires metrics"), with tag keys
  written plainly (the SDK's example: ``{"tags": {"key": "Environment", ...}}``).
  Alternatives weighed: a Cost Category (one more account-wide resource to own) and pinning
  each stack to its own account with the provider's ``allowed_account_ids`` (right when
  environments have their own accounts, but it does not help where they share one).
  Unsure: the Budgets docs show no worked example of ``Tags`` inside ``FilterExpression``
  beyond the SDK's; ``UnblendedCost`` is what the legacy COST budgets measure by default.
* A tag filters a budget only once it is an *activated* cost-allocation tag
  (``aws.costexplorer.CostAllocationTag``, status Active). Activation is account-wide, so thrifty
  retains it on delete: destroying one stack must not deactivate a tag other stacks report on.
* Cost Anomaly Detection: a CUSTOM ``AnomalyMonitor`` whose ``monitor_specification`` is a Cost
  Explorer Expression on the project tag (``{"Tags": {"Key": ..., "Values": [...]}}``; whether a
  CUSTOM monitor accepts an ``And`` of two tags is not documented, so it stays on the project:
  a shared account's monitor sees every environment of the project), and an
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
    environment_scope_tags,
    notifications,
    scope_tag,
)
from thrifty.tags import COST_TAG_KEYS, CostTags

TYPE_TOKEN = "thrifty:budget:AwsBudget"

TIME_UNITS: dict[Period, str] = {
    "monthly": "MONTHLY",
    "quarterly": "QUARTERLY",
    "annual": "ANNUALLY",
}
NOTIFICATION_TYPES = {"actual": "ACTUAL", "forecasted": "FORECASTED"}
#: What the budget sums (required with a filter expression; the legacy default).
BUDGET_METRIC = "UnblendedCost"


def environment_filter(tags: CostTags) -> aws.budgets.BudgetFilterExpressionArgs:
    """Spend tagged with this project AND this environment (see the module's notes)."""
    rendered = tags.aws()
    return aws.budgets.BudgetFilterExpressionArgs(
        ands=[
            aws.budgets.BudgetFilterExpressionAndArgs(
                tags=aws.budgets.BudgetFilterExpressionAndTagsArgs(
                    key=key, values=[rendered[key]], match_options=["EQUALS"]
                )
            )
            for key, _ in environment_scope_tags(tags)
        ]
    )


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
    """AWS Budgets on the project's and the environment's cost-allocation tags (both), one
    budget per configured period, each with the spec's notifications; plus, when configured,
    Cost Anomaly Detection on the project tag, and the activation of the five cost keys as
    cost-allocation tags.
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
                filter_expression=environment_filter(args.tags),
                metrics=BUDGET_METRIC,
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
