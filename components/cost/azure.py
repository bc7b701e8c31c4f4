"""Azure pricing rules, by type token (azure-native wire form; eastus catalog prices).

- Virtual machines: ``hardwareProfile.vmSize``, spot when ``priority`` is Spot
  (``billingProfile.maxPrice`` caps it; -1 means up to the pay-as-you-go price); the OS disk
  and data disks created with the VM, each billed as the smallest managed-disk tier of its SKU
  that holds its size.
- Scale sets: ``sku.name`` x ``sku.capacity`` (fixed: autoscale settings are separate).
- AKS: the control plane by ``sku.tier`` (Free, Standard, Premium where the catalog has it),
  every inline ``agentPoolProfiles`` pool and every ``AgentPool``: ``enableAutoScaling`` with
  ``minCount``/``maxCount``, else ``count``; ``vmSize``; ``scaleSetPriority`` Spot with
  ``spotMaxPrice``; the OS disk: ``osDiskType`` Ephemeral costs nothing, Managed (and unset,
  where AKS may still pick Ephemeral for a VM size with a large enough cache: priced as
  Managed, an upper bound) is a Premium SSD tier holding ``osDiskSizeGB`` (unset or 0: AKS's
  documented default for the VM size's vCPUs, 128 GB for 1-7).
- Managed disks, NAT gateways, load balancers (Standard: per load-balancing and outbound
  rule-hour plus data processed; Basic: no charge), public IP addresses, storage accounts with
  their management policy (blob storage priced like a bucket: LRS only), PostgreSQL and MySQL
  flexible servers where the catalog holds the SKU.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from thrifty.cost import catalog as cat
from thrifty.cost.buckets import price_bucket
from thrifty.cost.catalog import Cloud
from thrifty.cost.context import Context
from thrifty.cost.lifecycle import Lifecycle, Transition
from thrifty.cost.pricing import (
    Bill,
    NodeDisk,
    azure_disk_tier,
    data_processed,
    disk,
    free,
    on_demand_only,
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
    NotPriced,
    count,
    flag,
    mapping,
    number,
    objects,
    strings,
    text,
)
from thrifty.cost.spec import CostInput, ResourceCost, is_unknown

AZURE: Cloud = "azure"
MANAGED_CLUSTER = "azure-native:containerservice:ManagedCluster"
AGENT_POOL = "azure-native:containerservice:AgentPool"
STORAGE_ACCOUNT = "azure-native:storage:StorageAccount"
MANAGEMENT_POLICY = "azure-native:storage:ManagementPolicy"
_DB_TIER_PREFIX = {"Burstable": "B", "GeneralPurpose": "GP", "MemoryOptimized": "MO"}
#: AKS's default managed OS disk (GB) up to a number of vCPUs; 1024 above (see
#: aks_default_os_disk_gb).
_AKS_OS_DISK_GB = ((7, 128), (15, 256), (63, 512))
_TIERING = (("tierToCool", "Cool"), ("tierToCold", "Cold"), ("tierToArchive", "Archive"))
_AGES = (
    "daysAfterModificationGreaterThan",
    "daysAfterCreationGreaterThan",
    "daysAfterLastAccessTimeGreaterThan",
)

Rule = Callable[[CostInput, Context], ResourceCost]


def region(resource: CostInput) -> str | None:
    value = resource.props.get("location")
    return (
        value.replace(" ", "").lower() if isinstance(value, str) and not is_unknown(value) else None
    )


def _bill(resource: CostInput, ctx: Context) -> Bill:
    bill = Bill(resource, ctx)
    bill.in_region(AZURE, region(resource))
    return bill


def managed_disk(sku: str, size_gb: float) -> NodeDisk:
    """A managed disk of ``sku`` billed as its tier (P10, E4, S6 ...)."""
    return disk(AZURE, azure_disk_tier(sku, size_gb), size_gb)


def _vm_disks(bill: Bill, profile: Mapping[str, Any]) -> NodeDisk | None:
    os_disk = mapping(profile, "osDisk")
    size = number(os_disk, "diskSizeGB", None)
    if size is None:
        bill.skip("OS disk: diskSizeGB is not set (it comes from the image)")
        return None
    sku = text(os_disk, "managedDisk.storageAccountType", "Premium_LRS")
    try:
        return managed_disk(sku, size)
    except NotPriced as problem:
        bill.skip(f"OS disk: {problem.reason}")
        return None


def _data_disks(bill: Bill, profile: Mapping[str, Any], copies: float = 1) -> None:
    for index, data in enumerate(objects(profile, "dataDisks")):
        if text(data, "createOption", "Empty") == "Attach":
            continue  # an existing disk resource, priced on its own
        try:
            size = number(data, "diskSizeGB")
            found = managed_disk(text(data, "managedDisk.storageAccountType", "Standard_LRS"), size)
            bill.add(
                f"data disk {index}: {found.label}",
                "disk-month",
                found.monthly,
                copies,
                source=found.source,
            )
        except NotPriced as problem:
            bill.skip(f"data disk {index}: {problem.reason}")


def virtual_machine(resource: CostInput, ctx: Context) -> ResourceCost:
    bill = _bill(resource, ctx)
    props = resource.props
    spot = text(props, "priority", "Regular") == "Spot"
    max_price = number(props, "billingProfile.maxPrice", -1)
    rate = pick_rate(AZURE, [text(props, "hardwareProfile.vmSize")], spot, "prioritized", max_price)
    profile = mapping(props, "storageProfile")
    price_instance(bill, AZURE, "VM", rate, _vm_disks(bill, profile))
    _data_disks(bill, profile)
    return bill.result()


def scale_set(resource: CostInput, ctx: Context) -> ResourceCost:
    bill = _bill(resource, ctx)
    props = resource.props
    capacity = count(props, "sku.capacity")
    spot = text(props, "virtualMachineProfile.priority", "Regular") == "Spot"
    max_price = number(props, "virtualMachineProfile.billingProfile.maxPrice", -1)
    rate = pick_rate(AZURE, [text(props, "sku.name")], spot, "prioritized", max_price)
    profile = mapping(props, "virtualMachineProfile.storageProfile")
    node_disk = _vm_disks(bill, profile)
    segments = pool_segments(bill, capacity, capacity)
    price_nodes(
        bill,
        AZURE,
        "instances",
        segments,
        None if spot else rate,
        rate if spot else None,
        spot_only if spot else on_demand_only,
        node_disk,
    )
    _data_disks(bill, profile, capacity)
    return bill.result()


def aks_default_os_disk_gb(vm_size: str) -> int:
    """The managed OS disk size AKS gives a node of ``vm_size`` when the pool sets none: by the
    size's vCPUs, 1-7: 128 GB (P10), 8-15: 256 (P15), 16-63: 512 (P20), 64+: 1024 (P30)
    (catalog source azure-aks-os-disk, "Default OS disk sizing" in the AKS docs; a size that
    takes an Ephemeral OS disk gets that instead, which the caller prices as Managed, an upper
    bound)."""
    found = cat.instance_type(AZURE, vm_size)
    if found is None:
        raise NotPriced(
            f"osDiskSizeGB is not set and VM size {vm_size!r} is not in the catalog "
            "(AKS sizes the OS disk by the VM size's vCPUs)"
        )
    return next((gb for most, gb in _AKS_OS_DISK_GB if found.vcpus <= most), 1024)


def _agent_pool(bill: Bill, pool: Mapping[str, Any], label: str) -> None:
    """Nodes and OS disks of one AKS pool (an AgentPool's props or an inline profile)."""
    if flag(pool, "enableAutoScaling", False):
        low, high = count(pool, "minCount"), count(pool, "maxCount")
        scaling = "autoscaled by AKS (enableAutoScaling)"
    else:
        low = high = count(pool, "count", 1)
        scaling = "count, enableAutoScaling off"
    spot = text(pool, "scaleSetPriority", "Regular") == "Spot"
    rate = pick_rate(
        AZURE, [text(pool, "vmSize")], spot, "prioritized", number(pool, "spotMaxPrice", -1)
    )
    node_disk: NodeDisk | None = None
    kind = text(pool, "osDiskType", None)
    if kind == "Ephemeral":
        bill.note(f"{label}: Ephemeral OS disks (no disk charge)")
    else:
        try:
            size = number(pool, "osDiskSizeGB", None)
            if not size:  # unset, or 0: "the default osDisk size according to the vmSize"
                size = aks_default_os_disk_gb(text(pool, "vmSize"))
                bill.note(f"{label}: osDiskSizeGB unset, AKS's default for the VM size: {size} GB")
            node_disk = managed_disk("Premium_LRS", size)
            if kind is None:
                bill.note(f"{label}: osDiskType unset, priced as a Managed disk (an upper bound)")
        except NotPriced as problem:
            bill.skip(f"{label} OS disk: {problem.reason}")
    price_pool(bill, AZURE, label, (low, high), rate, spot, node_disk, pool, scaling)


def managed_cluster(resource: CostInput, ctx: Context) -> ResourceCost:
    bill = _bill(resource, ctx)
    tier = text(resource.props, "sku.tier", "Free")
    fee = cat.control_plane_price(AZURE, tier)
    source = cat.catalog().clouds[AZURE].control_plane_section.source[0]
    if fee is None:
        bill.skip(f"AKS {tier} tier: no price in the catalog")
    elif fee.hourly == 0:
        bill.add(
            f"AKS control plane, {tier} tier: no charge", "hour", 0.0, ctx.hours, source=source
        )
    else:
        bill.hourly(f"AKS control plane, {tier} tier", fee.hourly, source)
    for index, pool in enumerate(objects(resource.props, "agentPoolProfiles")):
        _agent_pool(bill, pool, f"pool {text(pool, 'name', str(index))}")
    return bill.result()


def agent_pool(resource: CostInput, ctx: Context) -> ResourceCost:
    bill = _bill(resource, ctx)
    _agent_pool(bill, resource.props, "nodes")
    return bill.result()


def disk_resource(resource: CostInput, ctx: Context) -> ResourceCost:
    bill = _bill(resource, ctx)
    size = number(resource.props, "diskSizeGB", None)
    if size is None:
        raise NotPriced("diskSizeGB is not set (it comes from the image or snapshot)")
    found = managed_disk(text(resource.props, "sku.name", "Standard_LRS"), size)
    bill.add(f"managed disk: {found.label}", "month", found.monthly, 1, source=found.source)
    return bill.result()


def nat_gateway(resource: CostInput, ctx: Context) -> ResourceCost:
    return shared_nat_gateway(AZURE, resource, _bill(resource, ctx), ctx)


def load_balancer(resource: CostInput, ctx: Context) -> ResourceCost:
    props = resource.props
    kind = text(props, "sku.name", "Basic").lower()
    section = cat.pricing(AZURE).load_balancers
    price = section.kinds.get(kind) if section else None
    if section is None or price is None:
        raise NotPriced(f"load balancer SKU {kind!r} is not in the catalog")
    if price.hourly == 0 and price.rule_hourly is None:
        return free(resource, f"a {kind} load balancer carries no charge")
    bill = _bill(resource, ctx)
    source = section.source[0]
    if price.rule_hourly is None:
        raise NotPriced(f"no {kind} load balancer price in the catalog")
    rules = len(objects(props, "loadBalancingRules")) + len(objects(props, "outboundRules"))
    if rules:
        bill.hourly(f"{rules} load-balancing / outbound rule(s)", price.rule_hourly, source, rules)
    else:
        bill.add("no rules: no rule-hours billed", "hour", 0.0, 0.0, source=source)
    use = ctx.usage_of(resource)
    data_processed(bill, use, price.per_gb, source)
    return bill.result()


def public_ip(resource: CostInput, ctx: Context) -> ResourceCost:
    bill = _bill(resource, ctx)
    section = cat.pricing(AZURE).public_ipv4
    kind = "global" if text(resource.props, "sku.tier", "Regional") == "Global" else "in_use"
    price = section.kinds.get(kind) if section else None
    if section is None or price is None or price.hourly is None:
        raise NotPriced("no public IP price in the catalog")
    bill.hourly(
        f"public IP address ({'global' if kind == 'global' else 'regional'})",
        price.hourly,
        section.source[0],
    )
    return bill.result()


def _policy_lifecycle(policy: CostInput) -> tuple[list[Transition], float | None, list[str]]:
    transitions: list[Transition] = []
    expire: float | None = None
    notes: list[str] = []
    for index, rule in enumerate(objects(policy.props, "policy.rules")):
        if not flag(rule, "enabled", True):
            continue
        if strings(rule, "definition.filters.prefixMatch") or objects(
            rule, "definition.filters.blobIndexMatch"
        ):
            notes.append(f"policy rule {index} filters blobs; assumed to cover all data")
        base = mapping(rule, "definition.actions.baseBlob")
        for action, tier in (*_TIERING, ("delete", "")):
            days = _age(mapping(base, action), notes, f"policy rule {index} {action}")
            if days is None:
                continue
            if tier:
                transitions.append(Transition(days, tier))
            else:
                expire = days if expire is None else min(expire, days)
    return transitions, expire, notes


def _age(action: Mapping[str, Any], notes: list[str], where: str) -> float | None:
    for key in _AGES:
        days = number(action, key, None)
        if days is not None:
            if key == "daysAfterLastAccessTimeGreaterThan":
                notes.append(f"{where} counts days since last access; priced as age")
            return float(days)
    return None


def storage_account(resource: CostInput, ctx: Context) -> ResourceCost:
    props = resource.props
    sku = text(props, "sku.name")
    kind = text(props, "kind", "StorageV2")
    if kind in ("FileStorage", "BlockBlobStorage") or sku.startswith("Premium"):
        raise NotPriced(f"premium storage ({kind}, {sku}) is not in the catalog")
    bill = _bill(resource, ctx)
    if not sku.endswith("_LRS"):
        raise NotPriced(f"redundancy {sku}: the catalog holds LRS prices only")
    transitions: list[Transition] = []
    expire: float | None = None
    notes: list[str] = []
    for policy in ctx.referrers(
        (MANAGEMENT_POLICY,), "accountName", (STORAGE_ACCOUNT,), ("accountName",)
    ).get(resource.urn, []):
        more, days, extra = _policy_lifecycle(policy)
        transitions += more
        notes += extra
        if days is not None:
            expire = days if expire is None else min(expire, days)
    initial = text(props, "accessTier", "Hot")
    price_bucket(bill, AZURE, Lifecycle(initial, tuple(transitions), expire, tuple(notes)))
    return bill.result()


def management_policy(resource: CostInput, ctx: Context) -> ResourceCost:
    owners = ctx.referrers(
        (MANAGEMENT_POLICY,), "accountName", (STORAGE_ACCOUNT,), ("accountName",)
    )
    target = next((ctx.by_urn[urn].name for urn, refs in owners.items() if resource in refs), None)
    where = (
        f"storage account {target}"
        if target
        else "its storage account (not found among the resources)"
    )
    return free(resource, f"lifecycle rules; their tier mix is priced on {where}")


def flexible_server(resource: CostInput, ctx: Context) -> ResourceCost:
    bill = _bill(resource, ctx)
    props = resource.props
    section = cat.pricing(AZURE).databases
    if section is None:
        raise NotPriced("no flexible server prices in the catalog")
    tier, name = text(props, "sku.tier"), text(props, "sku.name")
    key = f"{_DB_TIER_PREFIX.get(tier, tier)}_{name}"
    price = section.instance_classes.get(key)
    engine = "MySQL" if "dbformysql" in resource.type else "PostgreSQL"
    if engine == "MySQL" or price is None or price.hourly is None:
        raise NotPriced(f"{engine} flexible server {key} is not in the catalog")
    mode = text(props, "highAvailability.mode", "Disabled")
    factor = section.high_availability_factor if mode in ("ZoneRedundant", "SameZone") else 1.0
    source = section.source[0]
    bill.hourly(
        f"{engine} flexible server {key}" + (f" with {mode} HA standby" if factor > 1 else ""),
        price.hourly * factor,
        source,
    )
    size = number(props, "storage.storageSizeGB", None)
    per_gb = section.storage.get("Premium_LRS")
    if size is None:
        bill.skip("storage.storageSizeGB is not set")
    elif per_gb is None:
        bill.skip("flexible server storage: no price in the catalog")
    else:
        bill.add(f"{qty(size)} GB storage", "GB-month", per_gb * factor, size, source=source)
    return bill.result()


RULES: dict[str, Rule] = {
    "azure-native:compute:VirtualMachine": virtual_machine,
    "azure-native:compute:VirtualMachineScaleSet": scale_set,
    MANAGED_CLUSTER: managed_cluster,
    AGENT_POOL: agent_pool,
    "azure-native:compute:Disk": disk_resource,
    "azure-native:network:NatGateway": nat_gateway,
    "azure-native:network:LoadBalancer": load_balancer,
    "azure-native:network:PublicIPAddress": public_ip,
    STORAGE_ACCOUNT: storage_account,
    MANAGEMENT_POLICY: management_policy,
    "azure-native:dbforpostgresql:Server": flexible_server,
    "azure-native:dbformysql:Server": flexible_server,
}

__all__ = ["RULES", "aks_default_os_disk_gb", "managed_disk", "region"]
