"""GCP pricing rules, by type token (pulumi-gcp wire form; us-central1 catalog prices).

- Compute Engine instances: ``machineType``, spot when ``scheduling.provisioningModel`` is SPOT
  or ``scheduling.preemptible``; the boot disk (``bootDisk.initializeParams``, type default
  pd-standard; its size must be set, else it comes from the image); an external IP for each
  network interface with an ``accessConfigs`` entry.
- GKE clusters: the cluster management fee for the standard or Autopilot mode (the GKE free
  tier credits one zonal or Autopilot cluster per billing account, $74.40 a month: it is not
  applied, as the estimate does not know the billing account); the default node pool unless
  ``removeDefaultNodePool``; inline ``nodePools``.
- GKE node pools: GKE counts nodes per zone. ``autoscaling.totalMinNodeCount``/
  ``totalMaxNodeCount`` are totals; ``minNodeCount``/``maxNodeCount``, ``nodeCount`` and
  ``initialNodeCount`` are per zone and are multiplied by the pool's zones: ``nodeLocations``,
  else the cluster's ``nodeLocations`` (plus the cluster's own zone when it is zonal: "If this
  is specified for a zonal cluster, omit the cluster's zone"), else one zone for a zonal
  location and three for a regional one (GKE's default for regional clusters).
  ``nodeConfig.machineType`` (default e2-medium), ``spot``/``preemptible``, ``diskSizeGb``
  (default 100) and ``diskType`` (default: the catalog's GKE node disk, pd-balanced).
- Persistent disks, Cloud NAT (per assigned VM-hour up to the catalog's VM cap, plus data
  processed: both from usage), forwarding rules (the first five of a project cost $0.025/h
  together: charged to the first rule of the stack, $0.01/h each after the fifth), external
  addresses (in use in the baseline, idle in the ceiling: the price differs and the program
  does not say whether something will use it; internal addresses are free), Cloud SQL and
  Cloud Storage buckets with their lifecycle rules (regional, or the US/EU/ASIA multi-regions
  at the catalog's multi-region prices; dual-regions are not priced).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from thrifty.cost import catalog as cat
from thrifty.cost.buckets import Placement, price_bucket
from thrifty.cost.catalog import Cloud
from thrifty.cost.context import Context
from thrifty.cost.lifecycle import Lifecycle, Transition
from thrifty.cost.pricing import (
    Bill,
    NodeDisk,
    data_processed,
    disk,
    free,
    money,
    per_usage,
    pick_rate,
    price_instance,
    price_pool,
    qty,
)
from thrifty.cost.props import (
    MISSING,
    NotPriced,
    count,
    flag,
    mapping,
    number,
    objects,
    strings,
    text,
    value_at,
)
from thrifty.cost.spec import CostInput, ResourceCost, is_unknown

GCP: Cloud = "gcp"
CLUSTER = "gcp:container/cluster:Cluster"
NODE_POOL = "gcp:container/nodePool:NodePool"
FORWARDING_RULES = (
    "gcp:compute/forwardingRule:ForwardingRule",
    "gcp:compute/globalForwardingRule:GlobalForwardingRule",
)
DEFAULT_MACHINE = "e2-medium"  # GKE's default node machine type
DEFAULT_NODE_DISK_GB = 100  # GKE's default node boot disk size
REGIONAL_ZONES = 3  # GKE puts a regional cluster's nodes in three zones by default

Rule = Callable[[CostInput, Context], ResourceCost]


def _zonal(location: str) -> bool:
    """us-central1-a is a zone, us-central1 a region."""
    return location.count("-") >= 2


def region(resource: CostInput) -> str | None:
    """The region of a resource: its own region, zone or location, else its provider's."""
    for props in (resource.props, resource.provider_props):
        for key in ("region", "zone", "location"):
            value = props.get(key)
            if isinstance(value, str) and value and not is_unknown(value):
                return value.rsplit("-", 1)[0] if _zonal(value) else value.lower()
    return None


def _bill(resource: CostInput, ctx: Context) -> Bill:
    bill = Bill(resource, ctx)
    bill.in_region(GCP, region(resource))
    return bill


def _basename(value: str) -> str:
    return value.rsplit("/", 1)[-1]


def instance(resource: CostInput, ctx: Context) -> ResourceCost:
    bill = _bill(resource, ctx)
    props = resource.props
    machine = _basename(text(props, "machineType"))
    spot = text(props, "scheduling.provisioningModel", "STANDARD") == "SPOT" or flag(
        props, "scheduling.preemptible", False
    )
    rate = pick_rate(GCP, [machine], spot, "prioritized")
    boot: NodeDisk | None = None
    try:
        size = number(props, "bootDisk.initializeParams.size", None)
        if size is None:
            raise NotPriced("bootDisk.initializeParams.size is not set (it comes from the image)")
        kind = _basename(text(props, "bootDisk.initializeParams.type", "pd-standard"))
        boot = disk(GCP, kind, size)
    except NotPriced as problem:
        bill.skip(f"boot disk: {problem.reason}")
    price_instance(bill, GCP, "instance", rate, boot)
    external = sum(
        1
        for nic in objects(props, "networkInterfaces")
        if value_at(nic, "accessConfigs") is not MISSING
    )
    if external:
        _address(bill, "in_use_preemptible" if spot else "in_use", external, "external IP (in use)")
    return bill.result()


def _address(bill: Bill, kind: str, addresses: float, what: str) -> None:
    section = cat.pricing(GCP).public_ipv4
    price = section.kinds.get(kind) if section else None
    if section is None or price is None or price.hourly is None:
        bill.skip(f"{what}: no price in the catalog")
        return
    bill.hourly(f"{qty(addresses)} x {what}", price.hourly, section.source[0], addresses)


def _zones(ctx: Context, pool: Mapping[str, Any], cluster: CostInput | None, bill: Bill) -> int:
    """How many zones a pool's per-zone counts are multiplied by (see the module docs)."""
    locations = strings(pool, "nodeLocations")
    if not locations and cluster is not None:
        locations = strings(cluster.props, "nodeLocations")
        home = text(cluster.props, "location", None)
        if locations and home is not None and _zonal(home):
            # A zonal cluster's nodeLocations leave out its own zone (pulumi-gcp docs).
            locations = [*locations, home]
    if locations:
        return len(set(locations))
    location = text(pool, "location", None) or (
        text(cluster.props, "location", None) if cluster else None
    )
    if location is None:
        raise NotPriced("the pool's zones are unknown (no nodeLocations or location)")
    if _zonal(location):
        return 1
    bill.note(f"regional location {location}: GKE's default of {REGIONAL_ZONES} zones")
    return REGIONAL_ZONES


def _pool(bill: Bill, pool: Mapping[str, Any], cluster: CostInput | None, label: str) -> None:
    """Nodes and node disks of one GKE node pool (a NodePool's props or an inline pool)."""
    autoscaling = mapping(pool, "autoscaling")
    zones: int | None = None

    def per_zone(value: int) -> int:
        nonlocal zones
        if zones is None:
            zones = _zones(bill.ctx, pool, cluster, bill)
        return value * zones

    scaling = "autoscaled by GKE (autoscaling)"
    if autoscaling and value_at(autoscaling, "totalMaxNodeCount") is not MISSING:
        low = count(autoscaling, "totalMinNodeCount", 0)
        high = count(autoscaling, "totalMaxNodeCount")
    elif autoscaling:
        low = per_zone(count(autoscaling, "minNodeCount", 0))
        high = per_zone(count(autoscaling, "maxNodeCount"))
    else:
        fixed, field = count(pool, "nodeCount", None), "nodeCount"
        if fixed is None:
            fixed, field = count(pool, "initialNodeCount", 1), "initialNodeCount"
        low = high = per_zone(fixed)
        scaling = f"{field}, no autoscaling block"
    machine = text(pool, "nodeConfig.machineType", None)
    if machine is None:
        machine = DEFAULT_MACHINE
        bill.note(f"{label}: nodeConfig.machineType unset, GKE's default {DEFAULT_MACHINE}")
    spot = flag(pool, "nodeConfig.spot", False) or flag(pool, "nodeConfig.preemptible", False)
    rate = pick_rate(GCP, [machine], spot, "prioritized")
    node_disk: NodeDisk | None = None
    try:
        size = number(pool, "nodeConfig.diskSizeGb", DEFAULT_NODE_DISK_GB)
        kind = text(pool, "nodeConfig.diskType", cat.default_node_disk(GCP).disk_type)
        node_disk = disk(GCP, kind, size)
    except NotPriced as problem:
        bill.skip(f"{label} node disk: {problem.reason}")
    price_pool(bill, GCP, label, (low, high), rate, spot, node_disk, pool, scaling)


def node_pool(resource: CostInput, ctx: Context) -> ResourceCost:
    bill = _bill(resource, ctx)
    cluster = ctx.resolve(resource, "cluster", (CLUSTER,), ("name",))
    _pool(bill, resource.props, cluster, "nodes")
    return bill.result()


def cluster(resource: CostInput, ctx: Context) -> ResourceCost:
    bill = _bill(resource, ctx)
    props = resource.props
    autopilot = flag(props, "enableAutopilot", False)
    tier = "autopilot" if autopilot else "standard"
    fee = cat.control_plane_price(GCP, tier)
    if fee is None:
        raise NotPriced(f"no GKE {tier} management fee in the catalog")
    source = cat.catalog().clouds[GCP].control_plane_section.source[0]
    bill.hourly(f"GKE cluster management fee ({tier})", fee.hourly, source)
    bill.note("the GKE free tier ($74.40/month per billing account) is not applied")
    if autopilot:
        bill.note("Autopilot pods are billed per requested vCPU and memory: not priced here")
        return bill.result()
    inline = objects(props, "nodePools")
    for index, pool in enumerate(inline):
        _pool(bill, pool, resource, f"node pool {text(pool, 'name', str(index))}")
    if not inline and not flag(props, "removeDefaultNodePool", False):
        default = {**props, "nodeCount": props.get("initialNodeCount", 1)}
        default.pop("autoscaling", None)
        default.pop("nodeLocations", None)  # the cluster's: counted with its own zone
        _pool(bill, default, resource, "default node pool")
    return bill.result()


def persistent_disk(resource: CostInput, ctx: Context) -> ResourceCost:
    bill = _bill(resource, ctx)
    size = number(resource.props, "size", None)
    if size is None:
        raise NotPriced("size is not set (it comes from the image or snapshot)")
    found = disk(GCP, _basename(text(resource.props, "type", "pd-standard")), size)
    bill.add(f"persistent disk: {found.label}", "month", found.monthly, 1, source=found.source)
    return bill.result()


def router_nat(resource: CostInput, ctx: Context) -> ResourceCost:
    bill = _bill(resource, ctx)
    section = cat.pricing(GCP).nat_gateway
    if section is None:
        raise NotPriced("no Cloud NAT price in the catalog")
    use = ctx.usage_of(resource)
    vms = None
    if use is not None and use.assigned_vms is not None:
        billed = min(use.assigned_vms, section.max_billed_vms or use.assigned_vms)
        vms = billed * ctx.hours
    source = section.source[0]
    per_usage(
        bill, use, "assignedVms", vms, "assigned VM-hours", "VM-hour", section.per_vm_hour, source
    )
    data_processed(bill, use, section.per_gb, source)
    return bill.result()


def forwarding_rule(resource: CostInput, ctx: Context) -> ResourceCost:
    bill = _bill(resource, ctx)
    rule_hours(bill, ctx.ordinal(resource, FORWARDING_RULES))
    use = ctx.usage_of(resource)
    section = cat.pricing(GCP).load_balancers
    price = section.kinds.get("forwarding_rule") if section else None
    data_processed(bill, use, price.per_gb if price else None, section.source[0] if section else "")
    return bill.result()


def rule_hours(bill: Bill, ordinal: int) -> None:
    """A forwarding rule's hours by its position among the stack's rules (module docs)."""
    section = cat.pricing(GCP).load_balancers
    price = section.kinds.get("forwarding_rule") if section else None
    if section is None or price is None or price.rule_hourly is None:
        raise NotPriced("no forwarding rule price in the catalog")
    first = price.first_rules or 0
    if ordinal == 0 and price.first_rules_hourly is not None:
        bill.hourly(
            f"forwarding rules 1-{first} (charged together)",
            price.first_rules_hourly,
            section.source[0],
        )
    elif ordinal < first:
        bill.add(
            f"forwarding rule {ordinal + 1}: within the first {first}, charged on the first",
            "hour",
            0.0,
            0.0,
            source=section.source[0],
        )
    else:
        bill.hourly(
            f"forwarding rule {ordinal + 1} (beyond the first {first})",
            price.rule_hourly,
            section.source[0],
        )


def address(resource: CostInput, ctx: Context) -> ResourceCost:
    if text(resource.props, "addressType", "EXTERNAL") == "INTERNAL":
        return free(resource, "an internal address")
    bill = _bill(resource, ctx)
    section = cat.pricing(GCP).public_ipv4
    in_use = section.kinds.get("in_use") if section else None
    idle = section.kinds.get("idle") if section else None
    if section is None or in_use is None or in_use.hourly is None:
        raise NotPriced("no external IP price in the catalog")
    bill.hourly("external IP address, in use by a VM", in_use.hourly, section.source[0])
    if idle is not None and idle.hourly is not None and idle.hourly > in_use.hourly:
        extra = idle.hourly - in_use.hourly
        bill.add(
            f"+{money(extra)}/h if the address is left unused (ceiling)",
            "hour",
            extra,
            0,
            ctx.hours,
            section.source[0],
        )
    return bill.result()


_MEMORY_PER_VCPU = {"standard": 3.75, "highmem": 6.5}


def sql_instance(resource: CostInput, ctx: Context) -> ResourceCost:
    bill = _bill(resource, ctx)
    props = resource.props
    section = cat.pricing(GCP).databases
    if section is None:
        raise NotPriced("no Cloud SQL prices in the catalog")
    if text(props, "settings.edition", "ENTERPRISE") != "ENTERPRISE":
        raise NotPriced(
            f"Cloud SQL edition {text(props, 'settings.edition')} is not in the catalog"
        )
    tier = text(props, "settings.tier")
    regional = text(props, "settings.availabilityType", "ZONAL") == "REGIONAL"
    factor = section.high_availability_factor if regional else 1.0
    where = "regional (HA)" if regional else "zonal"
    source = section.source[0]
    listed = section.instance_classes.get(tier)
    if listed is not None and listed.hourly is not None:
        bill.hourly(f"Cloud SQL {tier} ({where})", listed.hourly * factor, source)
    else:
        vcpus, gib = _sql_shape(tier)
        if section.per_vcpu_hour is None or section.per_gib_hour is None:
            raise NotPriced("no Cloud SQL per-vCPU / per-GiB prices in the catalog")
        bill.hourly(
            f"Cloud SQL {tier}: {qty(vcpus)} vCPU ({where})",
            section.per_vcpu_hour * factor,
            source,
            vcpus,
        )
        bill.hourly(
            f"Cloud SQL {tier}: {qty(gib)} GiB memory ({where})",
            section.per_gib_hour * factor,
            source,
            gib,
        )
    size = number(props, "settings.diskSize", 10)
    kind = text(props, "settings.diskType", "PD_SSD")
    per_gb = section.storage.get(kind)
    if per_gb is None:
        bill.skip(f"Cloud SQL storage type {kind} is not in the catalog")
    else:
        bill.add(
            f"{qty(size)} GB {kind} storage ({where})",
            "GB-month",
            per_gb * factor,
            size,
            source=source,
        )
    return bill.result()


def _sql_shape(tier: str) -> tuple[float, float]:
    """vCPUs and GiB of a dedicated-core tier: db-custom-C-M(MiB) or db-n1-{standard,highmem}-N."""
    parts = tier.split("-")
    if (
        tier.startswith("db-custom-")
        and len(parts) == 4
        and parts[2].isdigit()
        and parts[3].isdigit()
    ):
        return float(parts[2]), int(parts[3]) / 1024
    if (
        tier.startswith("db-n1-")
        and len(parts) == 4
        and parts[2] in _MEMORY_PER_VCPU
        and parts[3].isdigit()
    ):
        vcpus = float(parts[3])
        return vcpus, vcpus * _MEMORY_PER_VCPU[parts[2]]
    raise NotPriced(f"Cloud SQL tier {tier!r} is not in the catalog")


def _bucket_lifecycle(resource: CostInput) -> Lifecycle:
    initial = text(resource.props, "storageClass", "STANDARD")
    transitions: list[Transition] = []
    expire: float | None = None
    notes: list[str] = []
    for index, rule in enumerate(objects(resource.props, "lifecycleRules")):
        kind = text(rule, "action.type")
        condition = mapping(rule, "condition")
        if text(condition, "withState", "ANY") == "ARCHIVED" or any(
            value_at(condition, key) is not MISSING
            for key in ("daysSinceNoncurrentTime", "numNewerVersions", "noncurrentTimeBefore")
        ):
            continue  # noncurrent versions are not modelled
        age = number(condition, "age", None)
        if kind not in ("SetStorageClass", "Delete") or age is None:
            continue
        if any(
            value_at(condition, key) is not MISSING for key in ("matchesPrefix", "matchesSuffix")
        ):
            notes.append(f"lifecycleRules.{index} filters objects; assumed to cover all data")
        if kind == "SetStorageClass":
            transitions.append(Transition(age, text(rule, "action.storageClass")))
        else:
            expire = age if expire is None else min(expire, age)
    return Lifecycle(initial, tuple(transitions), expire, tuple(notes))


#: Cloud Storage multi-regions and predefined dual-regions (not regional prices).
_MULTI_REGIONS = frozenset({"US", "EU", "ASIA", "NAM4", "EUR4", "EUR5", "EUR7", "EUR8", "ASIA1"})


def _regional(location: str) -> bool:
    return location.count("-") == 1 and location[-1].isdigit()


def bucket(resource: CostInput, ctx: Context) -> ResourceCost:
    location = text(resource.props, "location")
    multi = cat.pricing(GCP).multi_region_storage
    if multi is not None and multi.covers(location):
        name = f"{location.strip().upper()} multi-region"
        bill = Bill(resource, ctx)  # multi-region prices: not the reference region's
        placement = Placement(name, multi.tiers, multi.source[0])
        price_bucket(bill, GCP, _bucket_lifecycle(resource), placement)
        return bill.result()
    if location.upper() in _MULTI_REGIONS or "+" in location or not _regional(location):
        held = f" and {'/'.join(multi.locations)} multi-region" if multi else ""
        raise NotPriced(
            f"location {location} is a dual-region or multi-region without prices in the "
            f"catalog (it holds regional{held} prices)"
        )
    bill = _bill(resource, ctx)
    price_bucket(bill, GCP, _bucket_lifecycle(resource))
    return bill.result()


RULES: dict[str, Rule] = {
    "gcp:compute/instance:Instance": instance,
    CLUSTER: cluster,
    NODE_POOL: node_pool,
    "gcp:compute/disk:Disk": persistent_disk,
    "gcp:compute/routerNat:RouterNat": router_nat,
    **{token: forwarding_rule for token in FORWARDING_RULES},
    "gcp:compute/address:Address": address,
    "gcp:compute/globalAddress:GlobalAddress": address,
    "gcp:sql/databaseInstance:DatabaseInstance": sql_instance,
    "gcp:storage/bucket:Bucket": bucket,
}

__all__ = ["FORWARDING_RULES", "RULES", "region", "rule_hours"]
