"""GCP: Cloud Billing budgets on the stack's GCP project, one per period and recipient.

Facts this file relies on (docs search; see also thrifty.budget.spec):

* ``gcp.billing.Budget``: ``billing_account``, ``display_name``, ``amount.specified_amount``
  (``currency_code``, ``units`` as a string), ``budget_filter`` (``calendar_period`` MONTH |
  QUARTER | YEAR; ``labels``: "a single label and value pair"; ``projects``:
  ``projects/{project_number}``), ``threshold_rules`` (``threshold_percent`` 1.0-based,
  ``spend_basis`` CURRENT_SPEND | FORECASTED_SPEND), ``all_updates_rule``
  (``monitoring_notification_channels``, at most five; ``pubsub_topic``;
  ``disable_default_iam_recipients``). Budgets take no labels.
* Custom email recipients are Cloud Monitoring email channels (``type="email"``,
  ``labels={"email_address": ...}``) and receive *every* threshold of the budget they are linked
  to. To keep the escalation exact (finance hears of 95 % only), thrifty makes one budget per
  recipient holding that recipient's thresholds, with the default billing-admin emails off.
* One scope: the budget filters on the project only. A ``labels`` filter on top would drop
  the project's unlabelled spend (SKUs that carry no resource labels), and an environment has
  a project of its own (``thrifty:gcpProject``).
* The Billing Budget API needs a quota project under user credentials ("The
  billingbudgets.googleapis.com API requires a quota project"): the foundation's provider sets
  ``billing_project`` and ``user_project_override`` (see thrifty.foundation.gcp), and its
  creation waits for the APIs, so budgets and channels do too.
"""

from __future__ import annotations

import re

import pulumi
import pulumi_gcp as gcp

from thrifty.budget._component import check_before_register, warn_slack_limits
from thrifty.budget.spec import BudgetArgs, Notification, Period, notifications_by_recipient

TYPE_TOKEN = "thrifty:budget:GcpBudget"

CALENDAR_PERIODS: dict[Period, str] = {"monthly": "MONTH", "quarterly": "QUARTER", "annual": "YEAR"}
SPEND_BASIS = {"actual": "CURRENT_SPEND", "forecasted": "FORECASTED_SPEND"}
BILLING_ACCOUNT = re.compile(r"^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$")


def threshold_rule(notification: Notification) -> gcp.billing.BudgetThresholdRuleArgs:
    """A percent threshold as GCP's 1.0-based fraction (80 % -> 0.8) on its spend basis."""
    return gcp.billing.BudgetThresholdRuleArgs(
        threshold_percent=round(notification.threshold / 100, 6),
        spend_basis=SPEND_BASIS[notification.spend],
    )


def _slug(address: str) -> str:
    """A resource-name-safe form of an email address (``a.b@c.com`` -> ``a-b-at-c-com``)."""
    return re.sub(r"[^a-z0-9]+", "-", address.lower().replace("@", "-at-")).strip("-")


def split_amount(amount: float) -> tuple[str, int]:
    """USD as the API's ``units`` (string) and ``nanos`` (10^-9 units)."""
    units = int(amount)
    return str(units), round((amount - units) * 1_000_000_000)


class GcpBudget(pulumi.ComponentResource):
    """Cloud Billing budgets scoped to this stack's GCP project (all of its spend), one per
    configured period and alert recipient, with email channels (labelled) and, optionally, a
    labelled Pub/Sub topic for programmatic notifications.
    """

    budgets: dict[tuple[Period, str], gcp.billing.Budget]
    channels: dict[str, gcp.monitoring.NotificationChannel]
    topic: gcp.pubsub.Topic | None

    def __init__(
        self,
        name: str,
        args: BudgetArgs,
        *,
        billing_account: str,
        gcp_project: str,
        pubsub_topic: bool = False,
        provider: gcp.Provider | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        if not BILLING_ACCOUNT.match(billing_account):
            raise ValueError(
                f"GcpBudget {name!r}: billing_account {billing_account!r} is not a billing "
                "account id; expected XXXXXX-XXXXXX-XXXXXX (uppercase hex)"
            )
        prefix = check_before_register("GcpBudget", name, args, "gcp")
        labels = args.tags.gcp()
        super().__init__(TYPE_TOKEN, name, None, opts)
        warn_slack_limits(self, args)
        child = pulumi.ResourceOptions(parent=self, provider=provider)

        project = gcp.organizations.get_project_output(
            project_id=gcp_project, opts=pulumi.InvokeOutputOptions(parent=self, provider=provider)
        )
        self.topic = None
        if pubsub_topic:
            self.topic = gcp.pubsub.Topic(
                f"{name}-alerts",
                name=f"{prefix}-budget-alerts",
                project=gcp_project,
                labels=labels,
                opts=child,
            )
        grouped = notifications_by_recipient(args.budget)
        self.channels = {
            address: gcp.monitoring.NotificationChannel(
                f"{name}-{_slug(address)}",
                project=gcp_project,
                display_name=f"{prefix} budget: {address}",
                type="email",
                labels={"email_address": address},
                user_labels=labels,
                opts=child,
            )
            for address in grouped
        }
        units_and_nanos = {p: split_amount(a) for p, a in args.budget.limits().items()}
        self.budgets = {}
        for period, (units, nanos) in units_and_nanos.items():
            for index, (address, received) in enumerate(grouped.items()):
                self.budgets[(period, address)] = gcp.billing.Budget(
                    f"{name}-{period}-{_slug(address)}",
                    billing_account=billing_account,
                    display_name=f"{prefix} {period} -> {address}"[:60],
                    amount=gcp.billing.BudgetAmountArgs(
                        specified_amount=gcp.billing.BudgetAmountSpecifiedAmountArgs(
                            currency_code=args.budget.currency, units=units, nanos=nanos or None
                        )
                    ),
                    budget_filter=gcp.billing.BudgetBudgetFilterArgs(
                        calendar_period=CALENDAR_PERIODS[period],
                        projects=[project.number.apply(lambda n: f"projects/{n}")],
                    ),
                    threshold_rules=[threshold_rule(n) for n in received],
                    all_updates_rule=gcp.billing.BudgetAllUpdatesRuleArgs(
                        monitoring_notification_channels=[self.channels[address].id],
                        # Pub/Sub gets every update regardless of thresholds: one budget per
                        # period carries it, so subscribers see each period once.
                        pubsub_topic=self.topic.id if self.topic and index == 0 else None,
                        disable_default_iam_recipients=True,
                    ),
                    opts=child,
                )
        self.register_outputs(
            {
                "budgetIds": [budget.id for budget in self.budgets.values()],
                "topic": self.topic.id if self.topic else None,
            }
        )
