"""The estimator on Azure resources, against figures computed by hand from the catalog.

Catalog figures used (eastus): Standard_D2s_v5 and D2s_v3 $0.096/h, D4s_v5 $0.192/h; spot: the
documented 60 % discount; managed disk tiers P4 (32 GiB) $5.28, P10 (128 GiB) $19.71, P15
(256 GiB) $38.01, E4 $2.40, E10 $9.60, E20 $38.40, S4 $1.54, S10 $5.89, S15 $11.33 a month;
AKS Free $0, Standard $0.10/h; NAT $0.045/h + $0.045/GB; Standard load balancer $0.01 per
rule-hour + $0.005/GB; public IP $0.005/h (global $0.01); Blob Hot $0.018, Cool $0.01, Archive
$0.00099 per GB-month; PostgreSQL flexible GP_Standard_D2ds_v5 $0.203/h, storage $0.138/GB-month;
reservation 3 years 62 % off.
"""

from __future__ import annotations

from typing import Any

import pytest

from thrifty.cost import CostInput, estimate
from thrifty.cost.azure import aks_default_os_disk_gb
from thrifty.cost.props import NotPriced
from thrifty.cost.usage import parse_usage

H = 730


def res(type_: str, name: str, props: dict[str, Any], **extra: Any) -> CostInput:
    props = {"location": "eastus", **props}
    return CostInput(
        type=type_, name=name, urn=f"urn:pulumi:t::p::{type_}::{name}", props=props, **extra
    )


def price(*resources: CostInput, usage: dict[str, Any] | None = None):  # type: ignore[no-untyped-def]
    return estimate(list(resources), usage=parse_usage(usage) if usage else None)


def test_spot_vm_is_capped_by_its_max_price_and_billed_its_disk_tiers() -> None:
    vm = res(
        "azure-native:compute:VirtualMachine",
        "vm",
        {
            "hardwareProfile": {"vmSize": "Standard_D4s_v5"},
            "priority": "Spot",
            "billingProfile": {"maxPrice": 0.05},
            "storageProfile": {
                "osDisk": {"diskSizeGB": 30, "managedDisk": {"storageAccountType": "Premium_LRS"}},
                "dataDisks": [
                    {
                        "diskSizeGB": 100,
                        "createOption": "Empty",
                        "managedDisk": {"storageAccountType": "Standard_LRS"},
                    }
                ],
            },
        },
    )
    item = price(vm).item(vm.urn)
    spot = min(0.192 * 0.40, 0.05)  # 60 % off is $0.0768, above the $0.05 cap
    assert item.baseline == pytest.approx(spot * H + 5.28 + 5.89)


def test_aks_cluster_tier_and_inline_pool_with_managed_os_disk() -> None:
    cluster = res(
        "azure-native:containerservice:ManagedCluster",
        "aks",
        {
            "sku": {"name": "Base", "tier": "Standard"},
            "agentPoolProfiles": [
                {
                    "name": "system",
                    "vmSize": "Standard_D2s_v5",
                    "enableAutoScaling": True,
                    "minCount": 1,
                    "maxCount": 3,
                    "osDiskSizeGB": 128,
                    "osDiskType": "Managed",
                }
            ],
        },
    )
    item = price(cluster).item(cluster.urn)
    node = 0.096 * H + 19.71
    assert item.baseline == pytest.approx(0.10 * H + 1 * node)
    assert item.ceiling == pytest.approx(0.10 * H + 3 * node)


def test_free_tier_cluster_and_spot_agent_pool_with_ephemeral_disks() -> None:
    cluster = res("azure-native:containerservice:ManagedCluster", "aks", {"sku": {"tier": "Free"}})
    pool = res(
        "azure-native:containerservice:AgentPool",
        "spot",
        {
            "vmSize": "Standard_D4s_v5",
            "scaleSetPriority": "Spot",
            "spotMaxPrice": -1,
            "enableAutoScaling": True,
            "minCount": 0,
            "maxCount": 4,
            "osDiskType": "Ephemeral",
        },
    )
    result = price(cluster, pool)
    assert result.item(cluster.urn).baseline == 0.0
    assert result.item(cluster.urn).status == "priced"
    assert result.item(pool.urn).baseline == 0.0
    assert result.item(pool.urn).ceiling == pytest.approx(4 * 0.192 * 0.40 * H)


def test_premium_tier_without_a_catalog_price_is_named() -> None:
    cluster = res(
        "azure-native:containerservice:ManagedCluster", "aks", {"sku": {"tier": "Premium"}}
    )
    item = price(cluster).item(cluster.urn)
    assert (
        item.status == "not-priced" and "AKS Premium tier: no price in the catalog" in item.reason
    )


def test_fixed_pool_and_scale_set_counts() -> None:
    pool = res(
        "azure-native:containerservice:AgentPool",
        "fixed",
        {
            "vmSize": "Standard_D2s_v3",
            "count": 2,
            "osDiskSizeGB": 30,
        },
    )
    vmss = res(
        "azure-native:compute:VirtualMachineScaleSet",
        "vmss",
        {
            "sku": {"name": "Standard_D2s_v3", "capacity": 3},
            "virtualMachineProfile": {
                "storageProfile": {
                    "osDisk": {
                        "diskSizeGB": 30,
                        "managedDisk": {"storageAccountType": "StandardSSD_LRS"},
                    }
                }
            },
        },
    )
    result = price(pool, vmss)
    assert result.item(pool.urn).baseline == pytest.approx(2 * (0.096 * H + 5.28))
    assert "osDiskType unset, priced as a Managed disk" in result.item(pool.urn).reason
    assert result.item(vmss.urn).baseline == pytest.approx(3 * (0.096 * H + 2.40))


def test_managed_disk_is_billed_as_its_tier() -> None:
    disk = res(
        "azure-native:compute:Disk", "d", {"sku": {"name": "Premium_LRS"}, "diskSizeGB": 100}
    )
    assert price(disk).item(disk.urn).baseline == pytest.approx(19.71)  # 100 GiB fits P10
    odd = res("azure-native:compute:Disk", "p6", {"sku": {"name": "Premium_LRS"}, "diskSizeGB": 50})
    assert "'P6' is not in the azure catalog" in price(odd).item(odd.urn).reason


def test_p15_e10_e20_s15_tiers_and_p6_still_not_priced() -> None:
    disks = {
        name: res("azure-native:compute:Disk", name, {"sku": {"name": sku}, "diskSizeGB": size})
        for name, sku, size in (
            ("p15", "Premium_LRS", 200),  # 129..256 GiB: P15
            ("e10", "StandardSSD_LRS", 100),
            ("e20", "StandardSSD_LRS", 300),
            ("s15", "Standard_LRS", 256),
            ("p6", "Premium_LRS", 64),  # no stored source gave P6's eastus price
        )
    }
    result = price(*disks.values())
    p15 = result.item(disks["p15"].urn)
    assert p15.baseline == pytest.approx(38.01)
    assert p15.lines[0].source_id == "azure-disk-terrapod-2026"  # the tier's own source
    assert result.item(disks["e10"].urn).baseline == pytest.approx(9.60)
    assert result.item(disks["e20"].urn).baseline == pytest.approx(38.40)
    assert result.item(disks["s15"].urn).baseline == pytest.approx(11.33)
    p6 = result.item(disks["p6"].urn)
    assert p6.status == "not-priced" and p6.baseline is None
    assert "disk type 'P6' is not in the azure catalog" in p6.reason


def test_aks_spot_pool_without_os_disk_size_gets_the_documented_default() -> None:
    pool = res(
        "azure-native:containerservice:AgentPool",
        "spot",
        {
            "vmSize": "Standard_D4s_v5",  # 4 vCPUs: AKS's default OS disk is P10/128G
            "scaleSetPriority": "Spot",
            "spotMaxPrice": -1,
            "enableAutoScaling": True,
            "minCount": 1,
            "maxCount": 3,
        },
    )
    item = price(pool).item(pool.urn)
    assert item.status == "priced"
    assert item.baseline == pytest.approx(1 * (0.192 * 0.40 * H + 19.71))
    assert item.ceiling == pytest.approx(3 * (0.192 * 0.40 * H + 19.71))
    assert "osDiskSizeGB unset, AKS's default for the VM size: 128 GB" in item.reason


def test_aks_default_os_disk_follows_the_vcpu_count_and_zero_means_default() -> None:
    big = res(
        "azure-native:containerservice:AgentPool",
        "big",
        {"vmSize": "Standard_D8s_v5", "count": 2, "osDiskSizeGB": 0, "osDiskType": "Managed"},
    )
    # 8-15 vCPUs: P15/256G at $38.01
    assert price(big).item(big.urn).baseline == pytest.approx(2 * (0.384 * H + 38.01))
    sizes = {
        vm: aks_default_os_disk_gb(vm)
        for vm in ("Standard_B1s", "Standard_D4s_v5", "Standard_D16s_v5", "Standard_D64ads_v5")
    }
    assert sizes == {
        "Standard_B1s": 128,
        "Standard_D4s_v5": 128,
        "Standard_D16s_v5": 512,
        "Standard_D64ads_v5": 1024,
    }
    with pytest.raises(NotPriced, match="VM size 'Acme_X9' is not in the catalog"):
        aks_default_os_disk_gb("Acme_X9")


def test_nat_gateway_load_balancer_and_public_ips() -> None:
    nat = res("azure-native:network:NatGateway", "nat", {})
    lb = res(
        "azure-native:network:LoadBalancer",
        "lb",
        {
            "sku": {"name": "Standard"},
            "loadBalancingRules": [{"name": "http"}, {"name": "https"}],
            "outboundRules": [{"name": "out"}],
        },
    )
    basic = res("azure-native:network:LoadBalancer", "basic", {"sku": {"name": "Basic"}})
    ip = res("azure-native:network:PublicIPAddress", "ip", {"sku": {"name": "Standard"}})
    glob = res(
        "azure-native:network:PublicIPAddress", "g", {"sku": {"name": "Standard", "tier": "Global"}}
    )
    usage = {"resources": {"nat": {"dataProcessedGb": 10}, "lb": {"dataProcessedGb": 100}}}
    result = price(nat, lb, basic, ip, glob, usage=usage)
    assert result.item(nat.urn).baseline == pytest.approx(0.045 * H + 10 * 0.045)
    assert result.item(lb.urn).baseline == pytest.approx(3 * 0.01 * H + 100 * 0.005)
    assert result.item(basic.urn).status == "free"
    assert result.item(ip.urn).baseline == pytest.approx(0.005 * H)
    assert result.item(glob.urn).baseline == pytest.approx(0.01 * H)


def test_storage_account_with_its_management_policy() -> None:
    account = res(
        "azure-native:storage:StorageAccount",
        "lake",
        {
            "accountName": "lakeacct",
            "sku": {"name": "Standard_LRS"},
            "kind": "StorageV2",
            "accessTier": "Hot",
        },
    )
    policy = res(
        "azure-native:storage:ManagementPolicy",
        "lake-policy",
        {
            "accountName": "lakeacct",
            "policy": {
                "rules": [
                    {
                        "enabled": True,
                        "name": "tiering",
                        "type": "Lifecycle",
                        "definition": {
                            "actions": {
                                "baseBlob": {
                                    "tierToCool": {"daysAfterModificationGreaterThan": 30},
                                    "tierToArchive": {"daysAfterModificationGreaterThan": 90},
                                    "delete": {"daysAfterModificationGreaterThan": 180},
                                }
                            }
                        },
                    }
                ]
            },
        },
    )
    result = price(account, policy, usage={"resources": {"lake": {"storageGb": 1800}}})
    item = result.item(account.urn)
    storage = 1800 * 30 / 180 * 0.018 + 1800 * 60 / 180 * 0.01 + 1800 * 90 / 180 * 0.00099
    daily = 1800 / 180
    early = daily * (180 - 90) * 0.00099  # Archive is kept 90 of its 180 minimum days
    assert item.baseline == pytest.approx(storage + early)
    assert result.item(policy.urn).status == "free"
    grs = res("azure-native:storage:StorageAccount", "grs", {"sku": {"name": "Standard_GRS"}})
    assert "LRS prices only" in price(grs).item(grs.urn).reason


def test_postgres_flexible_server_with_ha_and_unknown_skus() -> None:
    server = res(
        "azure-native:dbforpostgresql:Server",
        "pg",
        {
            "sku": {"name": "Standard_D2ds_v5", "tier": "GeneralPurpose"},
            "storage": {"storageSizeGB": 64},
            "highAvailability": {"mode": "ZoneRedundant"},
        },
    )
    assert price(server).item(server.urn).baseline == pytest.approx(2 * (0.203 * H + 64 * 0.138))
    mysql = res(
        "azure-native:dbformysql:Server",
        "my",
        {"sku": {"name": "Standard_B1ms", "tier": "Burstable"}},
    )
    assert (
        "MySQL flexible server B_Standard_B1ms is not in the catalog"
        in price(mysql).item(mysql.urn).reason
    )


def test_reservations_three_years_cited_one_year_not() -> None:
    pool = res(
        "azure-native:containerservice:AgentPool",
        "base",
        {"vmSize": "Standard_D2s_v3", "count": 1, "osDiskType": "Ephemeral"},
    )
    three = price(
        pool, usage={"commitments": [{"resource": "base", "kind": "reservation", "term": "3y"}]}
    ).item(pool.urn)
    assert three.baseline == pytest.approx(0.096 * (1 - 0.62) * H)
    one = price(
        pool, usage={"commitments": [{"resource": "base", "kind": "reservation", "term": "1y"}]}
    ).item(pool.urn)
    assert one.baseline == pytest.approx(0.096 * H)
    assert "no reservation/1y discount in the catalog" in one.reason
