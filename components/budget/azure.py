"""Azure: a consumption budget per period over the environment's resource groups.

Facts this file relies on (docs search and the installed azure-native v3 SDK):

* ``azure_native.consumption.Budget``: ``scope`` (``/subscriptions/{id}`` or
  ``/subscriptions/{id}/resourceGroups/{name}``), ``budget_name``, ``amount``, ``category``
  Cost, ``time_grain`` Monthly | Quarterly | Annually, ``time_period.start_date`` (first of a
  month, not more than twelve months ahead), ``filter`` ("may be used to filter budgets by
  resource group, resource, or meter": ``dimensions`` / ``tags`` / ``and_`` of
  ``BudgetComparisonExpression`` name / operator ``In`` / values) and ``notifications``: a map
  keyed by a name, "up to five", each with ``enabled``, ``operator`` (GreaterThan recommended),
  ``threshold`` (percent, 0-1000), ``threshold_type`` Actual | Forecasted, ``contact_emails``.
* What an environment spends: everything in its resource group, and everything AKS puts in
  the cluster's node resource group (VMs, disks, load balancers, public IPs). A budget has
  one scope, so thrifty scopes it to the subscription and filters on the ``ResourceGroupName``
  dimension (the dimension the Pulumi azure examples and the azurerm budget docs use) with
  every group: all spend of those groups counts, tagged or not (no tag filter on top, which
  would drop untagged spend such as what AKS creates itself). Unsure: whether cost data
  reports group names in their own case; Azure group names are case-insensitive, so the
  filter lists each name as given and lower-cased.
* ``scope="subscription"`` instead watches the whole subscription filtered to the project and
  environment tags, for environments that share groups; that counts tagged spend only.
* Budgets take no tags; the resource group they watch is tagged by the foundation.
* The start date is computed once (start of the current calendar period) and then ignored, so
  a later ``pulumi up`` does not try to move a running budget.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

import pulumi
import pulumi_azure_native as azure_native

from thrifty.budget._component import check_before_register, warn_slack_limits
from thrifty.budget.spec import (
    BudgetArgs,
    Notification,
    Period,
    environment_scope_tags,
    notifications,
)

TYPE_TOKEN = "thrifty:budget:AzureBudget"

TIME_GRAINS: dict[Period, str] = {
    "monthly": "Monthly",
    "quarterly": "Quarterly",
    "annual": "Annually",
}
THRESHOLD_TYPES = {"actual": "Actual", "forecasted": "Forecasted"}


def period_start(period: Period, today: dt.date) -> dt.date:
    """First day of the calendar month / quarter / year that holds ``today``."""
    if period == "monthly":
        return today.replace(day=1)
    if period == "quarterly":
        return today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1)
    return today.replace(month=1, day=1)


def notification_key(notification: Notification) -> str:
    """A stable key per escalation step in Azure's own naming, e.g.
    ``Actual_GreaterThan_80_Percent`` (the map needs unique keys; thresholds are unique per
    spend basis by the spec)."""
    kind = THRESHOLD_TYPES[notification.spend]
    return f"{kind}_GreaterThan_{notification.threshold:g}_Percent".replace(".", "_")


def render_notification(notification: Notification) -> azure_native.consumption.NotificationArgs:
    """One escalation step as an Azure budget notification (percent of the amount)."""
    return azure_native.consumption.NotificationArgs(
        enabled=True,
        operator="GreaterThan",
        threshold=notification.threshold,
        threshold_type=THRESHOLD_TYPES[notification.spend],
        contact_emails=list(notification.recipients),
    )


def group_filter_values(names: Sequence[str]) -> list[str]:
    """Each group name as given and lower-cased, once each, in order (see the module notes)."""
    values: dict[str, None] = {}
    for name in names:
        values.setdefault(name, None)
        values.setdefault(name.lower(), None)
    return list(values)


def resource_groups_filter(
    groups: Sequence[pulumi.Input[str]],
) -> azure_native.consumption.BudgetFilterArgs:
    """All spend of ``groups``: the ``ResourceGroupName`` dimension, no tag condition."""
    return azure_native.consumption.BudgetFilterArgs(
        dimensions=azure_native.consumption.BudgetComparisonExpressionArgs(
            name="ResourceGroupName",
            operator="In",
            values=pulumi.Output.all(*groups).apply(
                lambda names: group_filter_values([str(n) for n in names])
            ),
        )
    )


def environment_tags_filter(args: BudgetArgs) -> azure_native.consumption.BudgetFilterArgs:
    """Spend tagged with the project AND the environment (``scope="subscription"``)."""
    return azure_native.consumption.BudgetFilterArgs(
        and_=[
            azure_native.consumption.BudgetFilterPropertiesArgs(
                tags=azure_native.consumption.BudgetComparisonExpressionArgs(
                    name=key, operator="In", values=[value]
                )
            )
            for key, value in environment_scope_tags(args.tags)
        ]
    )


class AzureBudget(pulumi.ComponentResource):
    """Azure consumption budgets for this environment, one per configured period, with the
    spec's actual and forecasted notifications.

    ``subscription_id`` defaults to the provider's subscription.
    ``scope="resource-groups"`` (default) counts all spend of the foundation's resource group
    and of ``additional_resource_groups`` (pass the AKS node resource group,
    ``AksCluster.cluster.node_resource_group``); ``scope="subscription"`` watches the whole
    subscription, filtered to the project *and* environment tags so that environments sharing
    a subscription are told apart.
    """

    budgets: dict[Period, azure_native.consumption.Budget]

    def __init__(
        self,
        name: str,
        args: BudgetArgs,
        *,
        subscription_id: pulumi.Input[str] | None = None,
        resource_group_name: pulumi.Input[str] | None = None,
        additional_resource_groups: Sequence[pulumi.Input[str]] = (),
        scope: Literal["resource-groups", "subscription"] = "resource-groups",
        start: dt.date | None = None,
        provider: azure_native.Provider | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        if scope not in ("resource-groups", "subscription"):
            raise ValueError(
                f"AzureBudget {name!r}: scope {scope!r} is not allowed "
                "(allowed: 'resource-groups', 'subscription')"
            )
        if scope == "resource-groups" and resource_group_name is None:
            raise ValueError(
                f"AzureBudget {name!r}: scope 'resource-groups' needs resource_group_name "
                "(got None); pass the foundation's resource group name or scope='subscription'"
            )
        prefix = check_before_register("AzureBudget", name, args, "azure")
        super().__init__(TYPE_TOKEN, name, None, opts)
        warn_slack_limits(self, args)
        if subscription_id is None:  # the provider's own subscription
            subscription_id = azure_native.authorization.get_client_config_output(
                opts=pulumi.InvokeOutputOptions(parent=self, provider=provider)
            ).subscription_id

        scope_id = pulumi.Output.concat("/subscriptions/", subscription_id)
        if scope == "subscription":
            budget_filter = environment_tags_filter(args)
        else:
            assert resource_group_name is not None  # checked above
            budget_filter = resource_groups_filter(
                [resource_group_name, *additional_resource_groups]
            )

        today = start or dt.date.today()
        rendered = {notification_key(n): render_notification(n) for n in notifications(args.budget)}
        self.budgets = {
            period: azure_native.consumption.Budget(
                f"{name}-{period}",
                budget_name=f"{prefix}-{period}",
                scope=scope_id,
                amount=amount,
                category="Cost",
                time_grain=TIME_GRAINS[period],
                time_period=azure_native.consumption.BudgetTimePeriodArgs(
                    start_date=f"{period_start(period, today).isoformat()}T00:00:00Z"
                ),
                filter=budget_filter,
                notifications=rendered,
                opts=pulumi.ResourceOptions(
                    parent=self, provider=provider, ignore_changes=["timePeriod"]
                ),
            )
            for period, amount in args.budget.limits().items()
        }
        self.register_outputs(
            {"budgetNames": {period: b.name for period, b in self.budgets.items()}}
        )
