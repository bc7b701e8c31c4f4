"""The estimator engine: every resource's monthly cost, from its wire-form inputs and the catalog.

``estimate(resources)`` looks up each resource's pricing rule by its type token (one dict
lookup: the AWS, GCP, Azure and Kubernetes rule tables), else the documented free set
(:mod:`thrifty.cost.free`), else reports it not priced with the reason. A rule that meets an
unknown or malformed value raises :class:`~thrifty.cost.props.NotPriced`, which becomes the
resource's reason ("not priced: scalingConfig.minSize is unknown during preview"); the
estimator never raises on strange props, so a policy pack can run it on whatever the engine
sends. Before pricing, the Kubernetes workloads' pods are fitted onto their clusters' node
pools (:mod:`thrifty.cost.fit`), so a pool's baseline counts the nodes its pods need.
Imports no provider SDK and nothing from ``thrifty.offline`` or the components.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from thrifty.cost import aws, azure, fit, gcp, kubernetes
from thrifty.cost.catalog import catalog
from thrifty.cost.context import Context, Linker
from thrifty.cost.free import free_reason
from thrifty.cost.pricing import free
from thrifty.cost.props import NotPriced
from thrifty.cost.spec import CostInput, Estimate, ResourceCost
from thrifty.cost.usage import Usage

Rule = Callable[[CostInput, Context], ResourceCost]

RULES: dict[str, Rule] = {**aws.RULES, **gcp.RULES, **azure.RULES, **kubernetes.RULES, **fit.RULES}
LINKERS: tuple[Linker, ...] = (*aws.LINKERS, *kubernetes.LINKERS)


def _not_priced(resource: CostInput, reason: str) -> ResourceCost:
    return ResourceCost(
        urn=resource.urn, type=resource.type, name=resource.name, status="not-priced",
        baseline=None, ceiling=None, reason=f"not priced: {reason}",
    )  # fmt: skip


def price(resource: CostInput, ctx: Context) -> ResourceCost:
    """One resource's cost (never raises)."""
    rule = RULES.get(resource.type)
    try:
        if rule is not None:
            return rule(resource, ctx)
        reason = free_reason(resource, ctx)
        if reason is not None:
            return free(resource, reason)
        return _not_priced(resource, f"no pricing rule for {resource.type}")
    except NotPriced as problem:
        return _not_priced(resource, problem.reason)
    except Exception as error:
        return _not_priced(
            resource, f"estimator error {type(error).__name__}: {error} (please report)"
        )


def estimate(
    resources: Sequence[CostInput],
    *,
    usage: Usage | None = None,
    hours_per_month: float | None = None,
) -> Estimate:
    """Monthly baseline and ceiling of every resource (hours per month: the catalog's 730)."""
    hours = float(hours_per_month if hours_per_month is not None else catalog().hours_per_month)
    if hours <= 0:
        raise ValueError(f"hours_per_month must be > 0, got {hours_per_month}")
    try:
        ctx = Context(resources, usage, hours, LINKERS)
    except NotPriced:  # a linker met a strange value: price without off-hours effects
        ctx = Context(resources, usage, hours)
    # The nodes the workloads' pods need, before the pools are priced (pools it left as they
    # were come back priced).
    priced = fit.plan(ctx, price)
    items = [
        priced[resource.urn] if resource.urn in priced else price(resource, ctx)
        for resource in resources
    ]
    warnings: list[str] = list(fit.result(ctx).warnings)
    if usage is not None and usage.resources:
        names = {resource.name for resource in resources} | set(ctx.by_urn)
        warnings += [
            f"usage entry {key!r} matches no resource (by URN or logical name)"
            for key in usage.resources
            if key not in names
        ]
    for commitment in usage.commitments if usage else ():
        target = commitment.resource or commitment.family
        if f"commitment:{target}" not in ctx.used_usage_keys:
            warnings.append(f"commitment for {target!r} matched no on-demand usage")
    return Estimate(
        items=items,
        hours_per_month=hours,
        predictions_per_month=usage.predictions_per_month if usage else None,
        warnings=warnings,
    )


__all__ = ["LINKERS", "RULES", "estimate", "price"]
