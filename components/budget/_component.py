"""What the cloud budget components share beyond the spec: the check that runs first.

Only ``pulumi`` core is imported here, never a provider SDK.
"""

from __future__ import annotations

import pulumi

from thrifty.budget.spec import BudgetArgs, BudgetCloud, budget_warnings, validate_for_cloud
from thrifty.foundation.spec import resource_prefix


def check_before_register(component: str, name: str, args: BudgetArgs, cloud: BudgetCloud) -> str:
    """Validate ``args`` for ``cloud`` before anything is registered; return the name prefix.

    Raises :class:`~thrifty.budget.spec.BudgetSpecError` naming every problem, or
    :class:`~thrifty.tags.TagRenderError` when the tags cannot be rendered on ``cloud``.
    """
    validate_for_cloud(args.budget, cloud, subject=f"{component} {name!r}")
    {"aws": args.tags.aws, "gcp": args.tags.gcp, "azure": args.tags.azure}[cloud]()
    return args.name_prefix or resource_prefix(args.tags)


def warn_slack_limits(component: pulumi.Resource, args: BudgetArgs) -> None:
    """Log the spec's slack-limit warnings against the component (seen in preview/plan)."""
    for warning in budget_warnings(args.budget):
        pulumi.log.warn(f"budget: {warning}", resource=component)
