"""The estimator on GCP resources, against figures computed by hand from the catalog.

Catalog figures used (us-central1): e2-standard-2 $0.06701142/h (spot $0.040212), e2-medium
$0.03350571/h, n2-standard-4 $0.194236/h (spot $0.09212); pd-balanced $0.10, pd-standard
$0.04, pd-ssd $0.17 per GB-month; GKE fee $0.10/h; Cloud NAT $0.0014 per VM-hour (first 32)
+ $0.045/GB; forwarding rules: first five $0.025/h together, then $0.01/h each; external IP
$0.005/h in use, $0.01/h idle; Cloud SQL db-g1-small $0.035/h, $0.0413 per vCPU-hour, $0.007
per GiB-hour, SSD $0.17/GB-month, regional x2; GCS Standard $0.02, Nearline $0.01, Coldline
$0.004 per GB-month (multi-region US/EU/ASIA: Standard $0.026, Nearline $0.015, Archive
$0.003); flexible CUD 28 % (1 year).
"""

from __future__ import annotations

from typing import Any

import pytest

from thrifty.cost import CostInput, estimate
from thrifty.cost.usage import parse_usage

H = 730


def res(type_: str, name: str, props: dict[str, Any], **extra: Any) -> CostInput:
    return CostInput(
        type=type_,
        name=name,
        urn=f"urn:pulumi:t::p::{type_}::{name}",
        props=props,
        provider_props={"region": "us-central1"},
        **extra,
    )


def price(*resources: CostInput, usage: dict[str, Any] | None = None):  # type: ignore[no-untyped-def]
    return estimate(list(resources), usage=parse_usage(usage) if usage else None)


def test_instance_on_demand_boot_disk_and_external_ip() -> None:
    vm = res(
        "gcp:compute/instance:Instance",
        "vm",
        {
            "machineType": "e2-standard-2",
            "zone": "us-central1-a",
            "bootDisk": {"initializeParams": {"size": 20, "type": "pd-balanced"}},
            "networkInterfaces": [{"network": "default", "accessConfigs": [{}]}],
        },
    )
    item = price(vm).item(vm.urn)
    assert item.status == "priced"
    assert item.baseline == pytest.approx(0.06701142 * H + 20 * 0.10 + 0.005 * H)


def test_spot_instance_uses_the_catalog_spot_price() -> None:
    vm = res(
        "gcp:compute/instance:Instance",
        "vm",
        {
            "machineType": "n2-standard-4",
            "scheduling": {"provisioningModel": "SPOT"},
            "bootDisk": {"initializeParams": {"size": 10}},
        },
    )
    assert price(vm).item(vm.urn).baseline == pytest.approx(0.09212 * H + 10 * 0.04)


def test_node_pool_total_counts_are_totals() -> None:
    pool = res(
        "gcp:container/nodePool:NodePool",
        "system",
        {
            "location": "us-central1",
            "cluster": "c",
            "autoscaling": {"totalMinNodeCount": 1, "totalMaxNodeCount": 4},
            "nodeConfig": {
                "machineType": "e2-standard-2",
                "diskSizeGb": 30,
                "diskType": "pd-balanced",
            },
        },
    )
    item = price(pool).item(pool.urn)
    node = 0.06701142 * H + 30 * 0.10
    assert item.baseline == pytest.approx(1 * node)
    assert item.ceiling == pytest.approx(4 * node)


def test_per_zone_counts_multiply_by_the_cluster_node_locations() -> None:
    cluster = res(
        "gcp:container/cluster:Cluster",
        "gke",
        {
            "name": "c1",
            "location": "us-central1",
            "removeDefaultNodePool": True,
            "nodeLocations": ["us-central1-a", "us-central1-b"],
        },
    )
    pool = res(
        "gcp:container/nodePool:NodePool",
        "spot",
        {
            "cluster": "c1",
            "location": "us-central1",
            "autoscaling": {"minNodeCount": 1, "maxNodeCount": 3},
            "nodeConfig": {"machineType": "n2-standard-4", "spot": True},
        },
    )
    result = price(cluster, pool)
    node = 0.09212 * H + 100 * 0.10  # GKE default 100 GB disk, pd-balanced
    assert result.item(pool.urn).baseline == pytest.approx(2 * node)
    assert result.item(pool.urn).ceiling == pytest.approx(6 * node)
    assert result.item(cluster.urn).baseline == pytest.approx(0.10 * H)


def test_regional_location_without_node_locations_is_three_zones() -> None:
    pool = res(
        "gcp:container/nodePool:NodePool",
        "fixed",
        {
            "location": "us-central1",
            "nodeCount": 1,
            "nodeConfig": {"machineType": "e2-medium", "diskSizeGb": 10, "diskType": "pd-standard"},
        },
    )
    item = price(pool).item(pool.urn)
    assert item.baseline == pytest.approx(3 * (0.03350571 * H + 10 * 0.04))
    assert "GKE's default of 3 zones" in item.reason


def test_cluster_default_pool_when_it_is_kept() -> None:
    cluster = res(
        "gcp:container/cluster:Cluster", "gke", {"location": "us-central1-a", "initialNodeCount": 2}
    )
    item = price(cluster).item(cluster.urn)
    # zonal: one zone; default e2-medium nodes with 100 GB pd-balanced disks.
    assert item.baseline == pytest.approx(0.10 * H + 2 * (0.03350571 * H + 100 * 0.10))


def test_autopilot_cluster_fee_only() -> None:
    cluster = res(
        "gcp:container/cluster:Cluster", "ap", {"location": "us-central1", "enableAutopilot": True}
    )
    item = price(cluster).item(cluster.urn)
    assert item.baseline == pytest.approx(0.10 * H)
    assert "Autopilot pods" in item.reason and "free tier" in item.reason


def test_persistent_disk_and_missing_size() -> None:
    disk = res("gcp:compute/disk:Disk", "d", {"size": 100, "type": "pd-ssd"})
    assert price(disk).item(disk.urn).baseline == pytest.approx(100 * 0.17)
    image = res("gcp:compute/disk:Disk", "img", {"image": "debian-12"})
    assert "size is not set" in price(image).item(image.urn).reason


def test_cloud_nat_from_assigned_vms_and_data() -> None:
    nat = res("gcp:compute/routerNat:RouterNat", "nat", {"router": "r"})
    bare = price(nat).item(nat.urn)
    assert bare.status == "needs-usage" and bare.baseline == 0.0
    assert set(bare.usage_keys) == {"assignedVms", "dataProcessedGb"}
    used = price(
        nat, usage={"resources": {"nat": {"assignedVms": 40, "dataProcessedGb": 1000}}}
    ).item(nat.urn)
    assert used.baseline == pytest.approx(32 * H * 0.0014 + 1000 * 0.045)  # billed VMs stop at 32


def test_forwarding_rules_first_five_together_then_each() -> None:
    rules = [res("gcp:compute/forwardingRule:ForwardingRule", f"fr{i}", {}) for i in range(7)]
    result = price(
        *rules, usage={"resources": {f"fr{i}": {"dataProcessedGb": 0} for i in range(7)}}
    )
    figures = [result.item(rule.urn).baseline for rule in rules]
    assert figures == pytest.approx([0.025 * H, 0, 0, 0, 0, 0.01 * H, 0.01 * H])
    assert result.total[0] == pytest.approx(0.025 * H + 2 * 0.01 * H)


def test_external_address_in_use_baseline_idle_ceiling_internal_free() -> None:
    ip = res("gcp:compute/address:Address", "ip", {})
    item = price(ip).item(ip.urn)
    assert (item.baseline, item.ceiling) == pytest.approx((0.005 * H, 0.01 * H))
    internal = res("gcp:compute/address:Address", "in", {"addressType": "INTERNAL"})
    assert price(internal).item(internal.urn).status == "free"


def test_cloud_sql_shared_core_custom_and_regional() -> None:
    small = res(
        "gcp:sql/databaseInstance:DatabaseInstance", "small", {"settings": {"tier": "db-g1-small"}}
    )
    custom = res(
        "gcp:sql/databaseInstance:DatabaseInstance",
        "custom",
        {
            "settings": {
                "tier": "db-custom-2-7680",
                "availabilityType": "REGIONAL",
                "diskSize": 50,
            },
        },
    )
    result = price(small, custom)
    assert result.item(small.urn).baseline == pytest.approx(0.035 * H + 10 * 0.17)
    per_hour = 2 * 0.0413 + 7.5 * 0.007
    assert result.item(custom.urn).baseline == pytest.approx(2 * (per_hour * H + 50 * 0.17))


def test_gcs_lifecycle_mix_and_early_deletion_counted_from_creation() -> None:
    bucket = res(
        "gcp:storage/bucket:Bucket",
        "lake",
        {
            "location": "us-central1",
            "storageClass": "STANDARD",
            "lifecycleRules": [
                {
                    "action": {"type": "SetStorageClass", "storageClass": "NEARLINE"},
                    "condition": {"age": 30, "withState": "LIVE"},
                },
                {
                    "action": {"type": "SetStorageClass", "storageClass": "COLDLINE"},
                    "condition": {"age": 60, "withState": "LIVE"},
                },
                {"action": {"type": "Delete"}, "condition": {"age": 120}},
                {
                    "action": {"type": "Delete"},
                    "condition": {"daysSinceNoncurrentTime": 30, "withState": "ARCHIVED"},
                },
            ],
        },
    )
    item = price(bucket, usage={"resources": {"lake": {"storageGb": 1200}}}).item(bucket.urn)
    storage = 1200 * 30 / 120 * 0.02 + 1200 * 30 / 120 * 0.01 + 1200 * 60 / 120 * 0.004
    # GCS counts minimums from creation: Nearline left at age 60 >= 30 (fine); Coldline data is
    # deleted at age 120, 90 days after creation would be 90: 120 >= 90 (fine). No charge.
    assert item.baseline == pytest.approx(storage)
    early = price(
        res(
            "gcp:storage/bucket:Bucket",
            "tmp",
            {
                "location": "us-central1",
                "lifecycleRules": [
                    {
                        "action": {"type": "SetStorageClass", "storageClass": "NEARLINE"},
                        "condition": {"age": 10},
                    },
                    {"action": {"type": "Delete"}, "condition": {"age": 20}},
                ],
            },
        ),
        usage={"resources": {"tmp": {"storageGb": 200}}},
    ).items[0]
    daily = 200 / 20
    assert early.baseline == pytest.approx(100 * 0.02 + 100 * 0.01 + daily * (30 - 20) * 0.01)


def test_us_multi_region_bucket_at_multi_region_prices_with_early_deletion() -> None:
    bucket = res(
        "gcp:storage/bucket:Bucket",
        "media",
        {
            "location": "US",
            "storageClass": "STANDARD",
            "lifecycleRules": [
                {
                    "action": {"type": "SetStorageClass", "storageClass": "NEARLINE"},
                    "condition": {"age": 10},
                },
                {"action": {"type": "Delete"}, "condition": {"age": 20}},
            ],
        },
    )
    item = price(bucket, usage={"resources": {"media": {"storageGb": 200}}}).item(bucket.urn)
    # Multi-region $0.026 (Standard) and $0.015 (Nearline) per GB-month, not us-central1's
    # $0.02 / $0.01; Nearline's 30-day minimum counts from creation: 10 GB/day leave at 20 days.
    daily = 200 / 20
    assert item.baseline == pytest.approx(100 * 0.026 + 100 * 0.015 + daily * (30 - 20) * 0.015)
    assert item.status == "priced"
    assert {line.source_id for line in item.lines} == {"gcp-gcs-pricing-page"}
    assert any("GB in STANDARD (US multi-region)" in line.description for line in item.lines)
    assert "priced at us-central1" not in item.reason


def test_multi_region_requests_are_not_priced_from_regional_prices() -> None:
    bucket = res("gcp:storage/bucket:Bucket", "eu", {"location": "eu", "storageClass": "ARCHIVE"})
    usage = {"storageGb": 1000, "monthlyRequests": {"put": 10_000}}
    item = price(bucket, usage={"resources": {"eu": usage}}).item(bucket.urn)
    assert item.baseline == pytest.approx(1000 * 0.003)  # the priced part: storage only
    assert item.status == "not-priced"
    assert "write requests (archive, EU multi-region): no price in the catalog" in item.reason


def test_dual_region_bucket_is_not_priced_with_the_reason() -> None:
    for location in ("NAM4", "us-central1+us-east1"):
        bucket = res("gcp:storage/bucket:Bucket", "dr", {"location": location})
        item = price(bucket, usage={"resources": {"dr": {"storageGb": 10}}}).item(bucket.urn)
        assert item.status == "not-priced" and item.baseline is None
        assert f"location {location} is a dual-region or multi-region without prices" in (
            item.reason
        )
        assert "US/EU/ASIA multi-region" in item.reason


def test_committed_use_discount_on_a_family() -> None:
    pool = res(
        "gcp:container/nodePool:NodePool",
        "base",
        {
            "location": "us-central1-a",
            "nodeCount": 2,
            "nodeConfig": {
                "machineType": "e2-standard-2",
                "diskSizeGb": 10,
                "diskType": "pd-standard",
            },
        },
    )
    usage = {"commitments": [{"family": "e2", "kind": "committed-use", "term": "1y"}]}
    item = price(pool, usage=usage).item(pool.urn)
    assert item.baseline == pytest.approx(2 * (0.06701142 * (1 - 0.28) * H + 10 * 0.04))
    assert item.without_commitments[0] == pytest.approx(2 * (0.06701142 * H + 10 * 0.04))
    wrong = price(
        pool, usage={"commitments": [{"family": "e2", "kind": "reserved", "term": "1y"}]}
    ).item(pool.urn)
    assert "reserved is not a gcp commitment kind" in wrong.reason
