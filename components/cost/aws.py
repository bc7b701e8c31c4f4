"""AWS pricing rules, by type token (pulumi-aws 7 wire form; us-east-1 catalog prices).

- EC2 instances: ``instanceType`` (or its launch template's), spot when
  ``instanceMarketOptions.marketType`` is ``spot``; root and EBS block devices; a public IPv4
  address when ``associatePublicIpAddress`` is true (AWS bills every public IPv4 address,
  $0.005/h, since 2024-02-01).
- EKS managed node groups: ``scalingConfig`` min/max when a node autoscaler (cluster-autoscaler
  or Karpenter, :func:`thrifty.cost.kubernetes.node_autoscaler`) is in the stack, else
  ``desiredSize`` (a managed node group does not scale by itself), ``instanceTypes`` (default
  t3.medium, the provider's default), ``capacityType``. On-demand capacity is priced at the
  first listed type (EKS launches on-demand types in ``prioritized`` order); spot at the mean
  of the listed types' spot figures (EKS uses a capacity-based spot strategy, which does not
  pick by price). The node disk comes from the launch template's block device mappings when
  one is set, else ``diskSize`` (default 20 GiB) of the catalog's default node disk type.
- Auto Scaling groups: ``minSize``/``maxSize``; a ``mixedInstancesPolicy`` takes its types from
  the overrides (else its launch template), counts on-demand nodes as
  ``onDemandBaseCapacity`` + ``onDemandPercentageAboveBaseCapacity`` % of the rest and the
  others as spot, and prices on-demand by ``onDemandAllocationStrategy`` (``prioritized``:
  first type, ``lowest-price``: cheapest) and spot by ``spotAllocationStrategy``
  (``lowest-price``: cheapest spot; every capacity-based strategy: the mean), ``spotMaxPrice``
  capping it. Without a policy, the launch template's or launch configuration's type.
- Scheduled actions (``aws:autoscaling/schedule``) that scale a group or node group down and
  back up with two ``recurrence`` crons set the group's night size in the baseline (see
  :mod:`thrifty.cost.schedules`); the actions themselves are free.
- EKS control plane: ``upgradePolicy.supportType`` STANDARD is the standard rate; EXTENDED (or
  unset) is standard in the baseline and the extended-support rate in the ceiling, since the
  cluster enters extended support when its version leaves standard support.
- VPC endpoints: gateway endpoints free, other kinds not priced (billed, not in the catalog).
- EBS volumes, NAT gateways, Elastic IPs, load balancers (application, network, gateway,
  classic; internet-facing ALBs and NLBs add one public IPv4 address per subnet), RDS
  instances (engine/class in the catalog; Multi-AZ doubles instance and storage), S3 buckets
  with their lifecycle rules (inline ``lifecycleRules`` or ``BucketLifecycleConfiguration``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from thrifty.cost import catalog as cat
from thrifty.cost import kubernetes
from thrifty.cost.buckets import price_bucket
from thrifty.cost.catalog import Cloud
from thrifty.cost.context import Context, NightEffect
from thrifty.cost.lifecycle import Lifecycle, Transition
from thrifty.cost.pricing import (
    Bill,
    NodeDisk,
    Rate,
    data_processed,
    disk,
    disk_performance,
    free,
    money,
    on_demand_only,
    per_usage,
    pick_rate,
    pool_segments,
    price_instance,
    price_nodes,
    price_pool,
    qty,
    spot_only,
)
from thrifty.cost.pricing import nat_gateway as shared_nat_gateway
from thrifty.cost.props import (
    MISSING,
    NotPriced,
    as_number,
    count,
    flag,
    mapping,
    number,
    objects,
    strings,
    text,
    value_at,
)
from thrifty.cost.schedules import ScheduleError, weekly_schedule
from thrifty.cost.spec import CostInput, ResourceCost, is_unknown

AWS: Cloud = "aws"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
LAUNCH_CONFIGURATION = "aws:ec2/launchConfiguration:LaunchConfiguration"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
GROUP = "aws:autoscaling/group:Group"
SCHEDULE = "aws:autoscaling/schedule:Schedule"
BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
LIFECYCLES = (
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
)
DEFAULT_NODE_GROUP_TYPE = "t3.medium"  # pulumi-aws NodeGroup.instance_types default
DEFAULT_NODE_GROUP_DISK_GIB = 20  # pulumi-aws NodeGroup.disk_size default (non-Windows)

Rule = Callable[[CostInput, Context], ResourceCost]


def region(resource: CostInput) -> str | None:
    """The resource's own ``region`` (pulumi-aws 7) or its provider's."""
    for props in (resource.props, resource.provider_props):
        value = props.get("region")
        if isinstance(value, str) and value and not is_unknown(value):
            return value
    return None


def _bill(resource: CostInput, ctx: Context) -> Bill:
    bill = Bill(resource, ctx)
    bill.in_region(AWS, region(resource))
    return bill


def _template(ctx: Context, resource: CostInput, prefix: str) -> CostInput | None:
    """The launch template a ``{id, name}`` reference at ``prefix`` points to."""
    for key, match in (
        ("id", ()),
        ("name", ("name",)),
        ("launchTemplateId", ()),
        ("launchTemplateName", ("name",)),
    ):
        found = ctx.resolve(resource, f"{prefix}.{key}", (LAUNCH_TEMPLATE,), match)
        if found is not None:
            return found
    return None


def _referenced(resource: CostInput, prefix: str) -> bool:
    """Whether ``prefix`` holds a launch template reference (known or not)."""
    try:
        return value_at(resource.props, prefix) is not MISSING
    except NotPriced:
        return True


def _unresolved(resource: CostInput, prefix: str) -> str:
    """Why a launch template reference at ``prefix`` found no template."""
    try:
        reference = value_at(resource.props, prefix)
    except NotPriced:
        return "its launch template is unknown during preview"
    if isinstance(reference, Mapping):
        known = [v for v in reference.values() if isinstance(v, str) and not is_unknown(v)]
        if not known or len(known) < len(reference):
            return "its launch template is unknown during preview"
        return f"its launch template {known[0]!r} is not among the resources"
    return "its launch template is not set"


def _ebs_disk(
    ebs: Mapping[str, Any], where: str, size_key: str, type_key: str
) -> tuple[NodeDisk, float | None, float | None, str]:
    size = number(ebs, size_key, None)
    if size is None:
        raise NotPriced(f"{where}.{size_key} is not set (the size comes from the AMI)")
    kind = text(ebs, type_key, "gp2")
    return disk(AWS, kind, size), number(ebs, "iops", None), number(ebs, "throughput", None), kind


def _node_disks(bill: Bill, template: CostInput) -> NodeDisk | None:
    """The per-node disks a launch template maps (their sum), None when it maps none."""
    found: list[NodeDisk] = []
    for index, mapping_ in enumerate(objects(template.props, "blockDeviceMappings")):
        ebs = mapping(mapping_, "ebs")
        if not ebs:
            continue
        where = f"launch template {template.name} blockDeviceMappings.{index}.ebs"
        node_disk, iops, throughput, kind = _ebs_disk(ebs, where, "volumeSize", "volumeType")
        if kind in ("gp3", "io1", "io2") and (iops or throughput):
            bill.note(f"{where}: provisioned IOPS/throughput per node not priced on node groups")
        found.append(node_disk)
    if not found:
        return None
    return NodeDisk(
        sum(d.monthly for d in found), " + ".join(d.label for d in found), found[0].source
    )


def _template_type(template: CostInput | None) -> str | None:
    return text(template.props, "instanceType", None) if template is not None else None


def _template_spot(template: CostInput | None) -> bool:
    return (
        template is not None
        and text(template.props, "instanceMarketOptions.marketType", "") == "spot"
    )


def instance(resource: CostInput, ctx: Context) -> ResourceCost:
    bill = _bill(resource, ctx)
    props = resource.props
    template = _template(ctx, resource, "launchTemplate")
    name = text(props, "instanceType", None) or _template_type(template)
    if name is None:
        if _referenced(resource, "launchTemplate"):
            raise NotPriced(f"instance type unknown: {_unresolved(resource, 'launchTemplate')}")
        raise NotPriced("instanceType is not set")
    spot = text(props, "instanceMarketOptions.marketType", "") == "spot" or _template_spot(template)
    max_price = number(props, "instanceMarketOptions.spotOptions.maxPrice", None)
    rate = pick_rate(AWS, [name], spot, "prioritized", max_price)
    root: NodeDisk | None = None
    root_props = mapping(props, "rootBlockDevice")
    try:
        if root_props:
            root, iops, throughput, kind = _ebs_disk(
                root_props, "rootBlockDevice", "volumeSize", "volumeType"
            )
            disk_performance(bill, AWS, kind, iops, throughput)
        elif template is not None:
            root = _node_disks(bill, template)
        if root is None:
            bill.skip("root volume: its size comes from the AMI (set rootBlockDevice.volumeSize)")
    except NotPriced as problem:
        bill.skip(f"root volume: {problem.reason}")
    price_instance(bill, AWS, "instance", rate, root)
    for index, device in enumerate(objects(props, "ebsBlockDevices")):
        try:
            extra, iops, throughput, kind = _ebs_disk(
                device, f"ebsBlockDevices.{index}", "volumeSize", "volumeType"
            )
            bill.add(
                f"EBS block device {index}: {extra.label}",
                "month",
                extra.monthly,
                1,
                source=extra.source,
            )
            disk_performance(bill, AWS, kind, iops, throughput)
        except NotPriced as problem:
            bill.skip(problem.reason)
    public = value_at(props, "associatePublicIpAddress")
    if public is MISSING:
        bill.note("a public IPv4 address depends on the subnet (associatePublicIpAddress unset)")
    elif flag(props, "associatePublicIpAddress", False):
        _public_ipv4(bill, "public IPv4 address", 1)
    return bill.result()


def _public_ipv4(bill: Bill, what: str, addresses: float) -> None:
    section = cat.pricing(AWS).public_ipv4
    price = section.kinds.get("in_use") if section else None
    if price is None or price.hourly is None:
        bill.skip(f"{what}: no public IPv4 price in the catalog")
        return
    bill.hourly(
        f"{qty(addresses)} x {what}", price.hourly, section.source[0] if section else "", addresses
    )


def node_group(resource: CostInput, ctx: Context) -> ResourceCost:
    bill = _bill(resource, ctx)
    props = resource.props
    low, high, scaling = _node_group_bounds(ctx, props)
    template = _template(ctx, resource, "launchTemplate")
    has_template = _referenced(resource, "launchTemplate")
    types = strings(props, "instanceTypes")
    if not types:
        from_template = _template_type(template)
        if from_template:
            types = [from_template]
        elif has_template and template is None:
            raise NotPriced(f"instance type unknown: {_unresolved(resource, 'launchTemplate')}")
        else:
            types = [DEFAULT_NODE_GROUP_TYPE]
            bill.note(f"instanceTypes unset: the provider's default {DEFAULT_NODE_GROUP_TYPE}")
    spot = text(props, "capacityType", "ON_DEMAND") == "SPOT"
    rate = pick_rate(AWS, types, spot, "mean" if spot else "prioritized")
    node_disk: NodeDisk | None = None
    try:
        if has_template:
            if template is None:
                raise NotPriced(_unresolved(resource, "launchTemplate"))
            node_disk = _node_disks(bill, template)
            if node_disk is None:
                raise NotPriced(f"launch template {template.name} maps no EBS volume (the AMI's)")
        else:
            size = number(props, "diskSize", DEFAULT_NODE_GROUP_DISK_GIB)
            node_disk = disk(AWS, cat.default_node_disk(AWS).disk_type, size)
    except NotPriced as problem:
        bill.skip(f"node disk: {problem.reason}")
    price_pool(bill, AWS, "nodes", (low, high), rate, spot, node_disk, props, scaling)
    return bill.result()


def _node_group_bounds(ctx: Context, props: Mapping[str, Any]) -> tuple[int, int, str]:
    """(baseline floor, ceiling, why) of a managed node group's size: minSize..maxSize when a
    node autoscaler runs in the stack, else ``desiredSize`` (a managed node group does not
    scale by itself; its desiredSize is what runs: see :func:`kubernetes.node_autoscaler`)."""
    low, high = count(props, "scalingConfig.minSize"), count(props, "scalingConfig.maxSize")
    autoscaler = kubernetes.node_autoscaler(ctx)
    if autoscaler is not None:
        return low, high, f"autoscaled by {autoscaler}"
    # minSize = maxSize leaves desiredSize one value (the schema requires it; inputs written
    # by hand may leave it out).
    desired = count(props, "scalingConfig.desiredSize", low if low == high else MISSING)
    if not low <= desired <= high:
        raise NotPriced(
            f"scalingConfig.desiredSize {desired} should be between minSize {low} and "
            f"maxSize {high}"
        )
    return desired, desired, "desiredSize, no autoscaler in the stack"


def _mixed_split(base: float, percent: float) -> Callable[[float], tuple[float, float]]:
    def split(nodes: float) -> tuple[float, float]:
        on_demand = min(nodes, base) + max(0.0, nodes - base) * percent / 100
        return (on_demand, nodes - on_demand)

    return split


def group(resource: CostInput, ctx: Context) -> ResourceCost:
    bill = _bill(resource, ctx)
    props = resource.props
    low, high = count(props, "minSize"), count(props, "maxSize")
    segments = pool_segments(bill, low, high)
    policy = mapping(props, "mixedInstancesPolicy")
    configuration: CostInput | None = None
    on_demand: Rate | None
    spot_rate: Rate | None = None
    if policy:
        prefix = "mixedInstancesPolicy.launchTemplate.launchTemplateSpecification"
        template = _template(ctx, resource, prefix)
        overrides = objects(props, "mixedInstancesPolicy.launchTemplate.overrides")
        types = [text(o, "instanceType") for o in overrides if "instanceType" in o]
        if len(types) < len(overrides):
            raise NotPriced("overrides by instanceRequirements are not priced (no instance type)")
        if not types:
            found = _template_type(template)
            if found is None:
                raise NotPriced(f"instance type unknown: {_unresolved(resource, prefix)}")
            types = [found]
        dist = "mixedInstancesPolicy.instancesDistribution"
        base = count(props, f"{dist}.onDemandBaseCapacity", 0)
        percent = number(props, f"{dist}.onDemandPercentageAboveBaseCapacity", 100.0)
        od_strategy = text(props, f"{dist}.onDemandAllocationStrategy", "prioritized")
        spot_strategy = text(props, f"{dist}.spotAllocationStrategy", "lowest-price")
        raw_max = value_at(props, f"{dist}.spotMaxPrice")
        max_price = None if raw_max in (MISSING, "") else as_number(raw_max, f"{dist}.spotMaxPrice")
        on_demand = pick_rate(
            AWS, types, False, od_strategy if od_strategy == "lowest-price" else "prioritized"
        )
        if percent < 100:
            spot_rate = pick_rate(
                AWS,
                types,
                True,
                "lowest-price" if spot_strategy == "lowest-price" else "mean",
                max_price,
            )
        bill.note(
            f"on-demand nodes: {base} base + {qty(percent)}% above it, "
            f"the rest spot ({spot_strategy})"
        )
        split = _mixed_split(base, percent)
    else:
        template = _template(ctx, resource, "launchTemplate")
        configuration = ctx.resolve(resource, "launchConfiguration", (LAUNCH_CONFIGURATION,))
        name = _template_type(template) or _template_type(configuration)
        if name is None:
            if _referenced(resource, "launchTemplate"):
                raise NotPriced(f"instance type unknown: {_unresolved(resource, 'launchTemplate')}")
            raise NotPriced("instance type unknown: its launch configuration is not resolved")
        spot = _template_spot(template) or (
            configuration is not None and value_at(configuration.props, "spotPrice") is not MISSING
        )
        rate = pick_rate(AWS, [name], spot, "prioritized")
        on_demand, spot_rate = (None, rate) if spot else (rate, None)
        split = spot_only if spot else on_demand_only
    node_disk: NodeDisk | None = None
    try:
        if template is not None:
            node_disk = _node_disks(bill, template)
        elif configuration is not None:
            root = mapping(configuration.props, "rootBlockDevice")
            if root:
                node_disk = _ebs_disk(root, "rootBlockDevice", "volumeSize", "volumeType")[0]
        if node_disk is None:
            raise NotPriced("the root volume's size comes from the AMI")
    except NotPriced as problem:
        bill.skip(f"node disk: {problem.reason}")
    price_nodes(bill, AWS, "instances", segments, on_demand, spot_rate, split, node_disk)
    return bill.result()


def eks_cluster(resource: CostInput, ctx: Context) -> ResourceCost:
    bill = _bill(resource, ctx)
    support = text(resource.props, "upgradePolicy.supportType", "EXTENDED").upper()
    standard = cat.control_plane_price(AWS, "standard")
    extended = cat.control_plane_price(AWS, "extended")
    if standard is None:
        raise NotPriced("no EKS standard-support price in the catalog")
    source = cat.catalog().clouds[AWS].control_plane_section.source[0]
    bill.hourly("EKS control plane (standard support)", standard.hourly, source)
    if support != "STANDARD":
        if extended is None:
            bill.skip("extended support: no price in the catalog")
        else:
            extra = extended.hourly - standard.hourly
            bill.add(
                f"extended support once the version leaves standard support (supportType "
                f"{support}): +{money(extra)}/h, ceiling only",
                "hour", extra, 0, ctx.hours, source,
            )  # fmt: skip
    return bill.result()


def volume(resource: CostInput, ctx: Context) -> ResourceCost:
    bill = _bill(resource, ctx)
    props = resource.props
    size = number(props, "size", None)
    if size is None:
        raise NotPriced("size is not set (it comes from the snapshot)")
    kind = text(props, "type", "gp2")
    ebs = disk(AWS, kind, size)
    bill.add(f"EBS volume: {ebs.label}", "month", ebs.monthly, 1, source=ebs.source)
    disk_performance(
        bill, AWS, kind, number(props, "iops", None), number(props, "throughput", None)
    )
    return bill.result()


def nat_gateway(resource: CostInput, ctx: Context) -> ResourceCost:
    bill = _bill(resource, ctx)
    if text(resource.props, "connectivityType", "public") == "public":
        bill.note("its public IPv4 address is priced on its Elastic IP")
    return shared_nat_gateway(AWS, resource, bill, ctx)


def eip(resource: CostInput, ctx: Context) -> ResourceCost:
    bill = _bill(resource, ctx)
    _public_ipv4(bill, "Elastic IP (public IPv4, in use or idle)", 1)
    return bill.result()


def vpc_endpoint(resource: CostInput, ctx: Context) -> ResourceCost:
    """Gateway endpoints (S3, DynamoDB) are free; the other kinds are billed per hour."""
    kind = text(resource.props, "vpcEndpointType", "Gateway")  # the provider's default
    if is_unknown(kind):
        raise NotPriced("vpcEndpointType is unknown during preview")
    if kind == "Gateway":
        return free(
            resource,
            "a gateway endpoint has no charge of its own (https://docs.aws.amazon.com/vpc/"
            "latest/privatelink/gateway-endpoints.html); traffic through it skips the NAT",
        )
    raise NotPriced(
        f"{kind} endpoints are billed per endpoint-hour in each zone and per GB processed "
        "(https://aws.amazon.com/privatelink/pricing/); the catalog has no price for them"
    )


def load_balancer(resource: CostInput, ctx: Context) -> ResourceCost:
    bill = _bill(resource, ctx)
    props = resource.props
    kind = text(props, "loadBalancerType", "application")
    _load_balancer(bill, kind)
    if kind in ("application", "network") and not flag(props, "internal", False):
        try:
            subnets = len(strings(props, "subnets")) or len(objects(props, "subnetMappings"))
        except NotPriced as problem:
            bill.skip(f"public IPv4 addresses: {problem.reason}")
        else:
            if subnets:
                _public_ipv4(bill, "public IPv4 address (one per subnet, internet-facing)", subnets)
            else:
                bill.skip("public IPv4 addresses: the subnets are not set")
    return bill.result()


def classic_load_balancer(resource: CostInput, ctx: Context) -> ResourceCost:
    bill = _bill(resource, ctx)
    _load_balancer(bill, "classic")
    return bill.result()


def _load_balancer(bill: Bill, kind: str) -> None:
    section = cat.pricing(AWS).load_balancers
    price = section.kinds.get(kind) if section else None
    if section is None or price is None:
        raise NotPriced(f"load balancer type {kind!r} is not in the catalog")
    if price.hourly is None:
        raise NotPriced(f"no price for a {kind} load balancer in the catalog")
    source = section.source[0]
    bill.hourly(f"{kind} load balancer", price.hourly, source)
    use = bill.ctx.usage_of(bill.resource)
    if price.capacity_unit_hourly is not None:
        units = (
            None
            if use is None or use.capacity_units is None
            else use.capacity_units * bill.ctx.hours
        )
        per_usage(
            bill,
            use,
            "capacityUnits",
            units,
            "capacity-unit hours",
            "LCU-hour",
            price.capacity_unit_hourly,
            source,
        )
    if price.per_gb is not None:
        data_processed(bill, use, price.per_gb, source)


def rds_instance(resource: CostInput, ctx: Context) -> ResourceCost:
    bill = _bill(resource, ctx)
    props = resource.props
    section = cat.pricing(AWS).databases
    if section is None:
        raise NotPriced("no RDS prices in the catalog")
    engine, klass = text(props, "engine"), text(props, "instanceClass")
    price = section.instance_classes.get(f"{engine}/{klass}")
    if price is None or price.hourly is None:
        raise NotPriced(f"RDS {engine} {klass} is not in the catalog")
    multi = flag(props, "multiAz", False)
    factor = section.high_availability_factor if multi else 1.0
    where = "Multi-AZ" if multi else "Single-AZ"
    source = section.source[0]
    bill.hourly(f"RDS {engine} {klass} ({where})", price.hourly * factor, price.source or source)
    storage = number(props, "allocatedStorage", None)
    iops = number(props, "iops", None)
    kind = text(props, "storageType", "io1" if iops else "gp2")
    if storage is None:
        bill.skip("allocatedStorage is not set")
    elif kind not in section.storage:
        bill.skip(f"RDS storage type {kind!r} is not in the catalog")
    else:
        per_gb = section.storage[kind] * factor
        bill.add(
            f"{qty(storage)} GB {kind} storage ({where}) at {money(per_gb)}/GB-month",
            "GB-month",
            per_gb,
            storage,
            source=source,
        )
    if iops and kind in section.iops_month:
        per_iops = section.iops_month[kind] * factor
        bill.add(
            f"{qty(iops)} provisioned IOPS ({kind})", "IOPS-month", per_iops, iops, source=source
        )
    return bill.result()


_FILTERS = (
    "prefix",
    "filter.prefix",
    "filter.tag",
    "filter.and",
    "filter.objectSizeGreaterThan",
    "filter.objectSizeLessThan",
)


def _rules_lifecycle(
    rules: list[Mapping[str, Any]], enabled: Callable[[Mapping[str, Any]], bool], where: str
) -> tuple[list[Transition], float | None, list[str]]:
    transitions: list[Transition] = []
    expire: float | None = None
    notes: list[str] = []
    for index, rule in enumerate(rules):
        if not enabled(rule):
            continue
        if any(value_at(rule, key) is not MISSING for key in _FILTERS):
            notes.append(f"{where} rule {index} filters objects; assumed to cover all data")
        for step in objects(rule, "transitions"):
            days = number(step, "days", None)
            if days is None:
                notes.append(f"{where} rule {index}: a date-based transition is not modelled")
                continue
            transitions.append(Transition(days, text(step, "storageClass")))
        days = number(rule, "expiration.days", None)
        if days is not None:
            expire = days if expire is None else min(expire, days)
    return transitions, expire, notes


def _bucket_lifecycle(resource: CostInput, ctx: Context) -> Lifecycle:
    transitions, expire, notes = _rules_lifecycle(
        objects(resource.props, "lifecycleRules"),
        lambda rule: flag(rule, "enabled", True),
        "lifecycleRules",
    )
    linked = ctx.referrers(LIFECYCLES, "bucket", BUCKETS, ("bucket",)).get(resource.urn, [])
    for config in linked:
        more, days, extra = _rules_lifecycle(
            objects(config.props, "rules"),
            lambda rule: text(rule, "status", "Enabled") == "Enabled",
            f"lifecycle {config.name}",
        )
        transitions += more
        notes += extra
        if days is not None:
            expire = days if expire is None else min(expire, days)
    return Lifecycle("STANDARD", tuple(transitions), expire, tuple(notes))


def bucket(resource: CostInput, ctx: Context) -> ResourceCost:
    bill = _bill(resource, ctx)
    price_bucket(bill, AWS, _bucket_lifecycle(resource, ctx))
    return bill.result()


def lifecycle_configuration(resource: CostInput, ctx: Context) -> ResourceCost:
    owners = ctx.referrers(LIFECYCLES, "bucket", BUCKETS, ("bucket",))
    target = next((ctx.by_urn[urn].name for urn, refs in owners.items() if resource in refs), None)
    where = f"bucket {target}" if target else "its bucket (not found among the resources)"
    return free(resource, f"lifecycle rules; their tier mix is priced on {where}")


def schedule(resource: CostInput, ctx: Context) -> ResourceCost:
    pool = ctx.applied.get(resource.urn)
    if pool is not None:
        return free(
            resource,
            f"a scheduled action; its off hours are applied to {ctx.by_urn[pool].name}'s baseline",
        )
    why = ctx.link_notes.get(resource.urn, "its group was not found among the resources")
    return free(resource, f"a scheduled action; not applied to any baseline: {why}")


def _schedule_target(ctx: Context, action: CostInput) -> CostInput | None:
    found = ctx.resolve(action, "autoscalingGroupName", (GROUP, NODE_GROUP), ("name",))
    if found is not None:
        return found
    try:
        name = text(action.props, "autoscalingGroupName", None)
    except NotPriced:
        return None
    if not name:
        return None
    # EKS names a managed node group's Auto Scaling group eks-<node group name>-<uuid>.
    matches = []
    for group_ in ctx.of_type(NODE_GROUP):
        try:
            ng_name = text(group_.props, "nodeGroupName", None) or group_.name
        except NotPriced:
            continue
        if name.startswith(f"eks-{ng_name}-"):
            matches.append((len(ng_name), group_))
    return max(matches, key=lambda m: m[0])[1] if matches else None


def _sizes(action: CostInput) -> tuple[float, float, float]:
    """(max, desired, min) a scheduled action sets; an unset one counts as unknown (-1)."""
    props = action.props
    return (
        float(number(props, "maxSize", -1.0)),
        float(number(props, "desiredCapacity", -1.0)),
        float(number(props, "minSize", -1.0)),
    )


def scheduled_actions(ctx: Context) -> dict[str, NightEffect]:
    """Night effects of scale-down / scale-up scheduled-action pairs, by group URN."""
    by_target: dict[str, list[CostInput]] = {}
    for action in ctx.of_type(SCHEDULE):
        try:
            target = _schedule_target(ctx, action)
        except NotPriced as problem:
            ctx.link_notes[action.urn] = problem.reason
            continue
        if target is None:
            ctx.link_notes[action.urn] = "autoscalingGroupName matches no group or node group"
            continue
        by_target.setdefault(target.urn, []).append(action)
    effects: dict[str, NightEffect] = {}
    for pool, actions in by_target.items():
        try:
            effects[pool] = _pair(actions)
        except (NotPriced, ScheduleError) as problem:
            reason = getattr(problem, "reason", str(problem))
            for action in actions:
                ctx.link_notes[action.urn] = reason
    return effects


def _pair(actions: list[CostInput]) -> NightEffect:
    """The scale-down / scale-up pair: the action with the smaller sizes is the night one."""
    if len(actions) != 2:
        raise NotPriced(
            f"{len(actions)} scheduled actions on one group; a down/up pair is understood"
        )
    down, up = sorted(actions, key=_sizes)
    if _sizes(down) == _sizes(up):
        raise NotPriced("the two scheduled actions set the same sizes")
    night = next((size for size in _sizes(down)[1:] if size >= 0), _sizes(down)[0])
    cron_down, cron_up = text(down.props, "recurrence"), text(up.props, "recurrence")
    week = weekly_schedule(cron_down, cron_up)
    return NightEffect(
        fraction=week.night_fraction,
        description=f"scheduled actions {down.name} ('{cron_down}') / {up.name} ('{cron_up}')",
        by=(down.urn, up.urn),
        night_nodes=max(0, int(night)),
    )


RULES: dict[str, Rule] = {
    "aws:ec2/instance:Instance": instance,
    NODE_GROUP: node_group,
    GROUP: group,
    SCHEDULE: schedule,
    "aws:eks/cluster:Cluster": eks_cluster,
    "aws:ebs/volume:Volume": volume,
    "aws:ec2/natGateway:NatGateway": nat_gateway,
    "aws:ec2/eip:Eip": eip,
    "aws:ec2/vpcEndpoint:VpcEndpoint": vpc_endpoint,
    "aws:lb/loadBalancer:LoadBalancer": load_balancer,
    "aws:alb/loadBalancer:LoadBalancer": load_balancer,
    "aws:elb/loadBalancer:LoadBalancer": classic_load_balancer,
    "aws:rds/instance:Instance": rds_instance,
    **{token: bucket for token in BUCKETS},
    **{token: lifecycle_configuration for token in LIFECYCLES},
}

LINKERS = (scheduled_actions,)

__all__ = ["LINKERS", "RULES", "region", "scheduled_actions"]
