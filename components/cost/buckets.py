"""Buckets: storage at the steady-state tier mix, early deletions, requests, retrievals.

Shared by S3 buckets, GCS buckets and Azure storage accounts: each cloud module turns its
lifecycle rules into a :class:`~thrifty.cost.lifecycle.Lifecycle`, and this module prices it
from the usage file (``storageGb`` and the optional figures, see :mod:`thrifty.cost.usage`)
and the catalog's storage tiers and storage operations. Without ``storageGb`` a bucket is
"needs usage" with nothing fixed to pay; optional figures that are missing are listed in the
reason ("requests not included"), never priced at zero silently.

A bucket in a location whose storage prices are not the catalog tiers' (a GCS multi-region) is
priced with a :class:`Placement`: its own per GB-month prices for storage and early deletions;
its request and transition prices are not in the catalog, so given requests are not priced.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from thrifty.cost import catalog as cat
from thrifty.cost.catalog import Cloud
from thrifty.cost.lifecycle import (
    Lifecycle,
    TierShare,
    retention_window,
    shortfall_days,
    steady_state,
)
from thrifty.cost.pricing import Bill, egress, money, per_usage, qty, source_of
from thrifty.cost.props import NotPriced


@dataclass(frozen=True)
class Placement:
    """Where a bucket's data lives when its prices are not the catalog tiers': a name for the
    reason ("US multi-region"), per GB-month prices by canonical tier, and their source."""

    name: str
    per_gb_month: Mapping[str, float]
    source: str


def _tier(cloud: Cloud, name: str) -> cat.StoragePrice:
    price = cat.storage_price(cloud, name)
    if price is None:
        raise NotPriced(f"storage class {name!r} is not in the {cloud} catalog")
    return price


def _per_gb(cloud: Cloud, name: str, placement: Placement | None) -> float:
    """GB-month price of storage class ``name``, in ``placement`` when there is one."""
    tier = _tier(cloud, name)
    if placement is None:
        return tier.price_per_gb_month
    price = placement.per_gb_month.get(tier.tier)
    if price is None:
        raise NotPriced(f"storage class {name!r} has no {placement.name} price in the catalog")
    return price


def _colder(cloud: Cloud) -> Callable[[str, str], bool]:
    def colder(a: str, b: str) -> bool:
        pa, pb = cat.storage_price(cloud, a), cat.storage_price(cloud, b)
        return pa is not None and pb is not None and pa.price_per_gb_month < pb.price_per_gb_month

    return colder


def price_bucket(
    bill: Bill, cloud: Cloud, lifecycle: Lifecycle, placement: Placement | None = None
) -> None:
    """Storage at the steady-state tier mix, early deletions, requests, retrievals, egress
    (see :mod:`thrifty.cost.lifecycle` for the mix), at ``placement``'s prices if given."""
    for text in lifecycle.notes:
        bill.note(text)
    use = bill.ctx.usage_of(bill.resource)
    if use is None or use.storage_gb is None:
        bill.need("storageGb", "stored GB at steady state")
        return
    storage = cat.catalog().clouds[cloud].storage_section
    ops = cat.pricing(cloud).storage_operations
    storage_source = placement.source if placement else source_of(storage)
    transitions = lifecycle.ordered(_colder(cloud))
    stored = use.storage_gb
    if use.storage_classes:
        shares = [(name, fraction) for name, fraction in use.storage_classes.items()]
        bill.note("tier mix from the usage file's storageClasses")
        window = None
    else:
        window = retention_window(lifecycle, stored, use.monthly_ingest_gb, bill.ctx.days_per_month)
        if window is None:
            shares = [(lifecycle.initial_tier, 1.0)]
            if transitions:
                bill.note(
                    f"nothing expires and no monthlyIngestGb: all {qty(stored)} GB priced in "
                    f"{lifecycle.initial_tier}, an upper bound (monthlyIngestGb gives the mix)"
                )
        else:
            mix = steady_state(lifecycle.initial_tier, transitions, window)
            shares = [(share.tier, share.fraction) for share in mix]
            _early_deletions(bill, cloud, mix, lifecycle, stored, window, placement)
    where = f" ({placement.name})" if placement else ""
    for name, fraction in shares:
        gb = stored * fraction
        per_gb = _per_gb(cloud, name, placement)
        text = f"{qty(gb)} GB in {name}{where} ({fraction:.1%} of {qty(stored)} GB)"
        text += f" at {money(per_gb)}/GB-month"
        bill.add(text, "GB-month", per_gb, gb, source=storage_source)
    first = _tier(cloud, lifecycle.initial_tier).tier
    # request and transition prices are the catalog's regional ones: none for a placement
    first_ops = ops.tiers.get(first) if ops and placement is None else None
    if use.monthly_requests is not None:
        requests = use.monthly_requests
        for what, count, price in (
            ("write requests", requests.write_count, first_ops.write_per_1k if first_ops else None),
            ("read requests", requests.read_count, first_ops.read_per_1k if first_ops else None),
        ):
            if count:
                per_usage(
                    bill,
                    use,
                    "monthlyRequests",
                    count / 1000,
                    f"{what} ({first}{', ' + placement.name if placement else ''})",
                    "1k",
                    price,
                    source_of(ops),
                )
    else:
        bill.note("requests not included (give monthlyRequests)")
    if use.monthly_transitions:
        for name, count in use.monthly_transitions.items():
            terms = ops.tiers.get(_tier(cloud, name).tier) if ops and placement is None else None
            per_usage(
                bill,
                use,
                "monthlyTransitions",
                count / 1000,
                f"lifecycle transitions into {name}",
                "1k",
                terms.transition_per_1k if terms else None,
                source_of(ops),
            )
    elif transitions:
        bill.note("lifecycle transition requests not included (give monthlyTransitions)")
    for name, gb in (use.retrieval_gb or {}).items():
        terms = ops.tiers.get(_tier(cloud, name).tier) if ops else None
        per_usage(
            bill,
            use,
            "retrievalGb",
            gb,
            f"retrieval from {name}",
            "GB",
            terms.retrieval_per_gb if terms else None,
            source_of(ops),
        )
    egress(bill, cloud, use)


def _early_deletions(
    bill: Bill,
    cloud: Cloud,
    mix: list[TierShare],
    lifecycle: Lifecycle,
    stored: float,
    window: float,
    placement: Placement | None,
) -> None:
    """Minimum-duration charges where data leaves a class early (see lifecycle docs)."""
    ops = cat.pricing(cloud).storage_operations
    if ops is None:
        return
    daily = stored / window
    for index, share in enumerate(mix):
        leaves = index + 1 < len(mix) or lifecycle.expire_days is not None
        terms = ops.tiers.get(_tier(cloud, share.tier).tier)
        if not leaves or terms is None or not terms.min_storage_days:
            continue
        short = shortfall_days(share, terms.min_storage_days, ops.min_duration_basis)
        if short > 0:
            price = _per_gb(cloud, share.tier, placement)
            bill.add(
                f"early deletion: {qty(daily)} GB/day leave {share.tier} {qty(short)} days before "
                f"its {terms.min_storage_days}-day minimum",
                "GB-month", price, daily * short,
                source=placement.source if placement else source_of(ops),
            )  # fmt: skip


__all__ = ["Placement", "price_bucket"]
