"""What every cloud's pricing rules share: the bill of one resource, instance and spot rates,
pools of nodes, disks, usage-priced parts and buckets.

Counting rules (the same on every cloud):

- Hours per month come from the catalog (730) unless the caller overrides them.
- Pools: the baseline runs the pool's minimum (``averageNodes`` from the usage file, clamped to
  min..max, replaces it in working hours) for ``hoursPerMonth`` (default: all hours); when an
  off-hours schedule or off-hours job was found for the pool, the share of the week it spends
  scaled down runs at the night size instead (the scheduled action's size; the pool's minimum
  for the off-hours jobs, whose nodes fall to each pool's minimum). thrifty's own schedules
  scale to the pool minimum, so with no ``averageNodes`` they leave the baseline unchanged.
  The nodes the Kubernetes workloads' pods need (:mod:`thrifty.cost.fit`) raise the working
  hours' count, and the night's for the pods that keep running, up to the maximum.
  The ceiling runs every pool at its maximum, 24x7, with no schedule.
- Several instance types in one pool are priced as the allocation strategy picks them
  (``prioritized``: the first listed type; ``lowest-price``: the cheapest; ``capacity-
  optimized`` and ``price-capacity-optimized``, which choose by spare capacity rather than
  price: the mean of the listed types). Every type the rule uses must have a price.
- Spot: the catalog's ``spot_hourly`` where it has one (GCP), else on-demand x (1 - the
  documented spot discount of the family, or the cloud's default discount); a maximum price
  caps it (a spot VM is evicted, not billed, above its maximum price).
- Commitments (usage file) lower the on-demand part only: hourly x (1 - share x discount),
  with the discount from the catalog for the kind, term and payment; the price without them is
  kept beside. Spot capacity is never covered by a commitment.
- Node disks exist as long as their node: they are billed per node-month of the pool.

Buckets (tier mix, requests, early deletions) are in :mod:`thrifty.cost.buckets`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from thrifty.cost import catalog as cat
from thrifty.cost.catalog import Cloud
from thrifty.cost.context import Context, PoolNeed, PoolShape
from thrifty.cost.props import NotPriced
from thrifty.cost.spec import CostInput, CostLine, ResourceCost, Status
from thrifty.cost.usage import Commitment, ResourceUsage

Strategy = str  # "prioritized" | "lowest-price" | "mean"


def money(value: float) -> str:
    """A price as text: $0.096, $19.71."""
    return f"${value:,.4f}".rstrip("0").rstrip(".") if value < 1 else f"${value:,.2f}"


def qty(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.2f}"


@dataclass
class Bill:
    """The priced parts of one resource, and what kept the rest from being priced."""

    resource: CostInput
    ctx: Context
    lines: list[CostLine] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    needs: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    saved: list[float] = field(default_factory=lambda: [0.0, 0.0])

    def add(
        self,
        description: str,
        unit: str,
        unit_price: float,
        baseline_quantity: float,
        ceiling_quantity: float | None = None,
        source: str = "",
    ) -> None:
        """One priced part: ``unit_price`` x quantity, for the baseline and the ceiling."""
        ceiling = baseline_quantity if ceiling_quantity is None else ceiling_quantity
        self.lines.append(
            CostLine(
                description=description,
                quantity=baseline_quantity,
                unit=unit,
                unit_price=unit_price,
                monthly_baseline=unit_price * baseline_quantity,
                monthly_ceiling=unit_price * ceiling,
                source_id=source,
            )
        )

    def hourly(self, description: str, hourly: float, source: str, count: float = 1) -> None:
        """A part billed every hour of the month (``count`` of them)."""
        hours = self.ctx.hours * count
        self.add(
            f"{description}, {qty(hours)} h x {money(hourly)}", "hour", hourly, hours, hours, source
        )

    def skip(self, reason: str) -> None:
        """A part that cannot be priced (the resource becomes not-priced, partly)."""
        self.missing.append(reason)

    def need(self, key: str, what: str) -> None:
        """A part that the usage file's ``key`` would price."""
        self.needs.setdefault(key, what)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def save(self, baseline: float, ceiling: float) -> None:
        """What a commitment took off the list price."""
        self.saved[0] += baseline
        self.saved[1] += ceiling

    def in_region(self, cloud: Cloud, region: str | None) -> None:
        """Say so when the catalog's reference-region prices stand in for another region."""
        reference = cat.reference_region(cloud)
        if region and region != reference:
            self.note(f"priced at {reference} list prices; the resource is in {region}")

    def result(self) -> ResourceCost:
        r = self.resource
        baseline = sum(line.monthly_baseline for line in self.lines)
        ceiling = sum(line.monthly_ceiling for line in self.lines)
        without = (baseline + self.saved[0], ceiling + self.saved[1]) if any(self.saved) else None
        notes = "; ".join(self.notes)
        tail = f"; {notes}" if notes else ""
        status: Status = "priced"
        reason = notes
        figures: tuple[float | None, float | None] = (baseline, ceiling)
        if self.missing:
            head = "partly priced; not priced: " if self.lines else "not priced: "
            status, reason = "not-priced", head + "; ".join(self.missing) + tail
            figures = figures if self.lines else (None, None)
        elif self.needs:
            wanted = ", ".join(f"{key} ({what})" for key, what in self.needs.items())
            status, reason = "needs-usage", f"needs usage: {wanted}{tail}"
        elif not self.lines:
            raise NotPriced("nothing to price was found in its properties")
        return ResourceCost(
            urn=r.urn,
            type=r.type,
            name=r.name,
            status=status,
            baseline=figures[0],
            ceiling=figures[1],
            reason=reason,
            lines=tuple(self.lines),
            usage_keys=tuple(self.needs),
            without_commitments=without,
        )


def free(resource: CostInput, reason: str) -> ResourceCost:
    """A resource the provider does not charge for."""
    return ResourceCost(
        urn=resource.urn, type=resource.type, name=resource.name, status="free",
        baseline=0.0, ceiling=0.0, reason=f"free: {reason}",
    )  # fmt: skip


# --- instances --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    """An hourly price for one node, and how it was found."""

    hourly: float
    label: str
    source: str
    family: str = ""
    spot: bool = False
    #: The instance types the price stands for (the node shapes a pool of this rate has).
    types: tuple[str, ...] = ()


def source_of(section: object) -> str:
    """The first source id a catalog section cites ("" when there is no section)."""
    ids = getattr(section, "source", ())
    return str(ids[0]) if ids else ""


_RATES: dict[tuple[Cloud, str, bool], Rate] = {}
_RATES_OF: list[object] = [None]  # the catalog the cached rates were read from


def instance_rate(cloud: Cloud, name: str, spot: bool) -> Rate:
    """On-demand or spot hourly price of one instance type (see the module docs), cached
    until the catalog is reloaded (a user catalog file, ``reset_catalog``)."""
    current = cat.catalog()
    if _RATES_OF[0] is not current:
        _RATES.clear()
        _RATES_OF[0] = current
    key = (cloud, name, spot)
    found = _RATES.get(key)
    if found is None:
        found = _RATES[key] = _instance_rate(cloud, name, spot)
    return found


def _instance_rate(cloud: Cloud, name: str, spot: bool) -> Rate:
    found = cat.instance_type(cloud, name)
    if found is None:
        raise NotPriced(f"instance type {name!r} is not in the {cloud} catalog")
    section = cat.catalog().clouds[cloud].instance_section
    if found.on_demand_hourly is None:
        raise NotPriced(f"{name} has no on-demand price in the {cloud} catalog")
    if not spot:
        label = f"{name} on-demand"
        return Rate(found.on_demand_hourly, label, source_of(section), found.family, False, (name,))
    if found.spot_hourly is not None:
        return Rate(
            found.spot_hourly, f"{name} spot", source_of(section), found.family, True, (name,)
        )
    spot_section = cat.pricing(cloud).spot
    discount = spot_section.discount(found.family) if spot_section else None
    if discount is None or spot_section is None:
        raise NotPriced(f"no spot figure for {name} (family {found.family}) in the catalog")
    hourly = found.on_demand_hourly * (1 - discount)
    label = f"{name} spot ({discount:.0%} off {money(found.on_demand_hourly)})"
    return Rate(hourly, label, source_of(spot_section), found.family, True, (name,))


def pick_rate(
    cloud: Cloud, names: list[str], spot: bool, strategy: Strategy, max_price: float | None = None
) -> Rate:
    """The price of a pool's node under its allocation strategy (see the module docs)."""
    if not names:
        raise NotPriced("no instance type is set")
    chosen = names[:1] if strategy == "prioritized" else names
    rates = [instance_rate(cloud, name, spot) for name in chosen]
    if max_price is not None and max_price > 0:
        rates = [
            Rate(
                max_price, f"{r.label}, capped at {money(max_price)}", r.source, r.family, True,
                r.types,
            )
            if r.hourly > max_price else r
            for r in rates
        ]  # fmt: skip
    if len(rates) == 1:
        return rates[0]
    if strategy == "lowest-price":
        return min(rates, key=lambda rate: rate.hourly)
    mean = sum(rate.hourly for rate in rates) / len(rates)
    kind = "spot" if spot else "on-demand"
    label = f"mean of {', '.join(names)} {kind}"
    return Rate(mean, label, rates[0].source, rates[0].family, spot, tuple(names))


# --- commitments ------------------------------------------------------------------------------

_KINDS: dict[str, tuple[str, ...]] = {
    "aws": ("reserved", "savings-plan"),
    "gcp": ("committed-use",),
    "azure": ("reservation",),
}


def commitment_for(ctx: Context, resource: CostInput, family: str) -> Commitment | None:
    """The usage file's commitment for this resource, else for its instance family."""
    for commitment in ctx.usage.commitments:
        if commitment.resource in (resource.urn, resource.name):
            ctx.used_usage_keys.add(f"commitment:{commitment.resource}")
            return commitment
    for commitment in ctx.usage.commitments:
        if commitment.family is not None and commitment.family.casefold() == family.casefold():
            ctx.used_usage_keys.add(f"commitment:{commitment.family}")
            return commitment
    return None


def commitment_discount(cloud: Cloud, commitment: Commitment) -> tuple[float | None, str]:
    """(discount, catalog key) of a commitment on ``cloud``; (None, why) when there is none."""
    if commitment.kind not in _KINDS[cloud]:
        allowed = " or ".join(_KINDS[cloud])
        return None, f"{commitment.kind} is not a {cloud} commitment kind (use {allowed})"
    key = f"{commitment.kind}/{commitment.term}"
    if cloud == "aws":
        key += f"/{commitment.payment}"
    section = cat.pricing(cloud).commitments
    rate = section.rates.get(key) if section else None
    return (rate, key) if rate is not None else (None, f"no {key} discount in the catalog")


# --- pools ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Segments:
    """Node counts and the hours they run, for the baseline and for the ceiling."""

    baseline: tuple[tuple[float, float], ...]
    ceiling: tuple[tuple[float, float], ...]
    describe: str


def pool_segments(
    bill: Bill,
    min_nodes: float,
    max_nodes: float,
    need: PoolNeed | None = None,
    scaling: str = "",
) -> Segments:
    """How many nodes run for how many hours (see the module docs); ``need``: the nodes the
    workloads' pods need (:mod:`thrifty.cost.fit`), which raise the baseline up to the
    maximum; ``scaling``: what sets the pool's size, said in its line ("autoscaled by ...")."""
    ctx, resource = bill.ctx, bill.resource
    if max_nodes < min_nodes:
        raise NotPriced(f"maximum size {qty(max_nodes)} is below minimum size {qty(min_nodes)}")
    use = ctx.usage_of(resource)
    hours = use.hours_per_month if use and use.hours_per_month else ctx.hours
    day = min_nodes
    if use and use.average_nodes is not None:
        day = min(max(use.average_nodes, min_nodes), max_nodes)
        if day != use.average_nodes:
            bill.note(f"averageNodes {qty(use.average_nodes)} clamped to {qty(day)} (pool bounds)")
    if need is not None:
        day = max(day, min(float(need.nodes), max_nodes))
    effect = ctx.night.get(resource.urn)
    ceiling = ((max_nodes, ctx.hours),)
    fixed = day == max_nodes
    span = (
        f"{qty(day)} node{'' if day == 1 else 's'}"
        if fixed
        else f"{qty(day)}-{qty(max_nodes)} nodes"
    )
    if need is not None:
        span += f" ({need.description})"
    if scaling:
        span += f" [{scaling}]"
    if effect is None:
        return Segments(((day, hours),), ceiling, span)
    night = min_nodes if effect.night_nodes is None else float(effect.night_nodes)
    if effect.night_nodes is None and need is not None and need.night_nodes is not None:
        night = min(max(night, float(need.night_nodes)), max_nodes)
    bill.note(
        f"{effect.description}: {effect.fraction * 168:.1f} of 168 h a week at {qty(night)} node(s)"
    )
    baseline = ((day, hours * (1 - effect.fraction)), (night, hours * effect.fraction))
    return Segments(baseline, ceiling, span)


Split = Callable[[float], tuple[float, float]]


def on_demand_only(nodes: float) -> tuple[float, float]:
    return (nodes, 0.0)


def spot_only(nodes: float) -> tuple[float, float]:
    return (0.0, nodes)


def _node_hours(segments: tuple[tuple[float, float], ...], split: Split, part: int) -> float:
    return sum(split(nodes)[part] * hours for nodes, hours in segments)


def price_nodes(
    bill: Bill,
    cloud: Cloud,
    label: str,
    segments: Segments,
    on_demand: Rate | None,
    spot: Rate | None,
    split: Split,
    disk: NodeDisk | None = None,
) -> None:
    """Lines for a pool's on-demand and spot node-hours, commitments and node disks."""
    for part, rate in ((0, on_demand), (1, spot)):
        b_hours = _node_hours(segments.baseline, split, part)
        c_hours = _node_hours(segments.ceiling, split, part)
        if rate is None or (b_hours == 0 and c_hours == 0):
            continue
        text = f"{label}: {segments.describe}, {rate.label} at {money(rate.hourly)}/h"
        hourly = rate.hourly
        if part == 0:
            hourly, text = _committed(bill, cloud, rate, text, b_hours, c_hours)
        bill.add(text, "node-hour", hourly, b_hours, c_hours, rate.source)
    if disk is not None:
        b_months = (
            _node_hours(segments.baseline, split, 0) + _node_hours(segments.baseline, split, 1)
        ) / bill.ctx.hours
        c_months = (
            _node_hours(segments.ceiling, split, 0) + _node_hours(segments.ceiling, split, 1)
        ) / bill.ctx.hours
        bill.add(
            f"{label}: {disk.label} per node",
            "node-disk-month",
            disk.monthly,
            b_months,
            c_months,
            disk.source,
        )


def price_pool(
    bill: Bill,
    cloud: Cloud,
    label: str,
    bounds: tuple[float, float],
    rate: Rate,
    spot: bool,
    disk: NodeDisk | None,
    props: Mapping[str, Any] | None = None,
    scaling: str = "",
) -> None:
    """A pool of one capacity type (all spot or all on-demand) between its min and max nodes.

    ``props`` (the pool's own: the resource's, or an inline pool's) let the workload fit
    survey the pool; the nodes its workloads need raise the baseline (:mod:`thrifty.cost.fit`).
    ``scaling`` says in the pool's line what sets its size (an autoscaler, a fixed count).
    """
    ctx = bill.ctx
    key = (bill.resource.urn, label)
    if ctx.survey is not None and props is not None:
        shape = PoolShape(bill.resource, label, cloud, bounds, rate.types, spot, rate.hourly, props)
        ctx.survey[key] = shape
    segments = pool_segments(bill, *bounds, need=ctx.pool_need.get(key), scaling=scaling)
    price_nodes(
        bill, cloud, label, segments, None if spot else rate, rate if spot else None,
        spot_only if spot else on_demand_only, disk,
    )  # fmt: skip


def _committed(
    bill: Bill, cloud: Cloud, rate: Rate, text: str, b_hours: float, c_hours: float
) -> tuple[float, str]:
    commitment = commitment_for(bill.ctx, bill.resource, rate.family)
    if commitment is None:
        return rate.hourly, text
    discount, key = commitment_discount(cloud, commitment)
    if discount is None:
        bill.note(f"commitment not applied: {key}")
        return rate.hourly, text
    cut = rate.hourly * commitment.share * discount
    bill.save(cut * b_hours, cut * c_hours)
    detail = f"{commitment.share:.0%} under {key} ({discount:.1%} off)"
    return rate.hourly - cut, f"{text}, {detail} = {money(rate.hourly - cut)}/h"


def price_instance(
    bill: Bill, cloud: Cloud, label: str, rate: Rate, disk: NodeDisk | None = None
) -> None:
    """One VM all month (``hoursPerMonth`` in the usage file shortens the baseline); its disk
    stays (and is billed) while the VM is stopped."""
    segments = pool_segments(bill, 1, 1)
    on_demand, spot = (None, rate) if rate.spot else (rate, None)
    price_nodes(
        bill, cloud, label, segments, on_demand, spot, spot_only if rate.spot else on_demand_only
    )
    if disk is not None:
        bill.add(f"{label} disk: {disk.label}", "disk-month", disk.monthly, 1, source=disk.source)


# --- disks ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NodeDisk:
    """One disk's monthly price, for a node or a volume."""

    monthly: float
    label: str
    source: str


def disk(cloud: Cloud, disk_type: str, size_gb: float) -> NodeDisk:
    """A block disk of ``disk_type`` and ``size_gb`` (a fixed tier bills its whole size)."""
    price = cat.disk_price(cloud, disk_type)
    if price is None:
        raise NotPriced(f"disk type {disk_type!r} is not in the {cloud} catalog")
    section = cat.catalog().clouds[cloud].block_storage_section
    try:
        monthly = price.monthly_cost(size_gb)
    except ValueError as error:
        raise NotPriced(str(error)) from None
    if price.per_gb_month is not None:
        label = f"{qty(size_gb)} GB {price.disk_type} at {money(price.per_gb_month)}/GB-month"
    else:
        label = f"{price.disk_type} ({price.fixed_size_gib} GiB tier) at {money(monthly)}/month"
    return NodeDisk(monthly, label, price.source or source_of(section))


def azure_disk_tier(sku: str, size_gb: float) -> str:
    """The managed-disk tier (P10, E4 ...) of SKU ``sku`` that holds ``size_gb``."""
    section = cat.pricing("azure").managed_disk_tiers
    tiers = section.skus.get(sku.replace("ZRS", "LRS")) if section else None
    if not tiers:
        raise NotPriced(f"managed disk SKU {sku!r} has no tier sizes in the catalog")
    for tier, size in tiers:
        if size_gb <= size:
            return tier
    raise NotPriced(f"{qty(size_gb)} GiB is larger than the largest {sku} tier")


def disk_performance(
    bill: Bill, cloud: Cloud, disk_type: str, iops: float | None, throughput: float | None
) -> None:
    """Provisioned IOPS and throughput above what the disk type includes."""
    section = cat.pricing(cloud).disk_performance
    terms = section.types.get(disk_type) if section else None
    if terms is None:
        return
    source = source_of(section)
    extra_iops = max(0.0, (iops or 0) - terms.included_iops)
    if extra_iops:
        if terms.iops_month is None:
            bill.skip(f"provisioned IOPS of {disk_type}: no price in the catalog")
        else:
            bill.add(
                f"{qty(extra_iops)} provisioned IOPS ({disk_type})",
                "IOPS-month",
                terms.iops_month,
                extra_iops,
                source=source,
            )
    extra_mbps = max(0.0, (throughput or 0) - terms.included_throughput_mbps)
    if extra_mbps:
        if terms.throughput_mbps_month is None:
            bill.skip(f"provisioned throughput of {disk_type}: no price in the catalog")
        else:
            bill.add(
                f"{qty(extra_mbps)} MB/s provisioned throughput ({disk_type})",
                "MBps-month",
                terms.throughput_mbps_month,
                extra_mbps,
                source=source,
            )


# --- usage-priced parts -------------------------------------------------------------------------


def per_usage(
    bill: Bill,
    use: ResourceUsage | None,
    key: str,
    value: float | None,
    what: str,
    unit: str,
    price: float | None,
    source: str,
) -> None:
    """A part priced from a usage figure: needs-usage without it, not priced without a price."""
    if value is None:
        bill.need(key, what)
        return
    if price is None:
        bill.skip(f"{what}: no price in the catalog")
        return
    bill.add(
        f"{qty(value)} {unit} {what} at {money(price)}/{unit}", unit, price, value, source=source
    )


def data_processed(
    bill: Bill, use: ResourceUsage | None, per_gb: float | None, source: str
) -> None:
    """The per-GB processing charge of NAT gateways and load balancers (usage
    ``dataProcessedGb``)."""
    value = use.data_processed_gb if use else None
    per_usage(bill, use, "dataProcessedGb", value, "data processed", "GB", per_gb, source)


def nat_gateway(cloud: Cloud, resource: CostInput, bill: Bill, ctx: Context) -> ResourceCost:
    """A managed NAT gateway billed per hour plus per GB processed (AWS, Azure)."""
    section = cat.pricing(cloud).nat_gateway
    if section is None or section.hourly is None:
        raise NotPriced("no NAT gateway price in the catalog")
    bill.hourly("NAT gateway", section.hourly, section.source[0])
    data_processed(bill, ctx.usage_of(resource), section.per_gb, section.source[0])
    return bill.result()


def egress(bill: Bill, cloud: Cloud, use: ResourceUsage | None) -> None:
    """Internet data transfer out, when the usage file gives ``egressGb``."""
    if use is None or use.egress_gb is None:
        return
    section = cat.pricing(cloud).egress
    per_usage(
        bill,
        use,
        "egressGb",
        use.egress_gb,
        "internet egress",
        "GB",
        section.per_gb if section else None,
        source_of(section),
    )


__all__ = [
    "Bill",
    "NodeDisk",
    "Rate",
    "Segments",
    "azure_disk_tier",
    "commitment_discount",
    "commitment_for",
    "disk",
    "disk_performance",
    "egress",
    "free",
    "instance_rate",
    "money",
    "on_demand_only",
    "per_usage",
    "pick_rate",
    "pool_segments",
    "price_instance",
    "price_nodes",
    "qty",
    "source_of",
    "spot_only",
]
