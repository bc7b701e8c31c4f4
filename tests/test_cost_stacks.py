"""thrifty's own reference stacks, recorded offline and estimated.

Every node pool, cluster and disk is priced; NAT gateways price their hours and need usage
for the data they process, buckets need usage for what they store; the production node pools
re-derive by hand from the catalog.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from thrifty.cost import Estimate, estimate
from thrifty.offline.cost_step import cost_inputs
from thrifty.offline.recording import record_stack

ROOT = Path(__file__).resolve().parents[1]
H = 730
POOLS = (
    "aws:eks/nodeGroup:NodeGroup",
    "gcp:container/nodePool:NodePool",
    "azure-native:containerservice:AgentPool",
    "azure-native:containerservice:ManagedCluster",
)
CLUSTERS = ("aws:eks/cluster:Cluster", "gcp:container/cluster:Cluster")
BUCKETS = (
    "aws:s3/bucket:Bucket",
    "gcp:storage/bucket:Bucket",
    "azure-native:storage:StorageAccount",
)
OTHERS = (
    "aws:ebs/volume:Volume",
    "gcp:compute/disk:Disk",
    "azure-native:compute:Disk",
)
NATS = ("aws:ec2/natGateway:NatGateway", "gcp:compute/routerNat:RouterNat")


@pytest.fixture(scope="module")
def estimates() -> dict[str, Estimate]:
    return {
        stack: estimate(cost_inputs(record_stack(ROOT, stack)))
        for stack in ("production", "staging", "dev", "gcp-dev", "azure-dev")
    }


@pytest.mark.parametrize("stack", ["production", "staging", "dev", "gcp-dev"])
def test_pools_clusters_disks_nat_and_buckets_are_priced(
    estimates: dict[str, Estimate], stack: str
) -> None:
    result = estimates[stack]
    watched = [item for item in result.items if item.type in POOLS + CLUSTERS + OTHERS]
    assert watched, "the stack has pools and clusters"
    for item in watched:
        assert item.status == "priced", (item.name, item.reason)
    for item in (item for item in result.items if item.type in NATS):
        assert item.status == "needs-usage", (item.name, item.reason)
        # AWS bills the gateway's hours (priced) and its data; Cloud NAT bills per VM it
        # serves (assignedVms) and its data.
        expected = (
            ("dataProcessedGb",)
            if item.type.startswith("aws:")
            else ("assignedVms", "dataProcessedGb")
        )
        assert item.usage_keys == expected, item.reason
        if item.type.startswith("aws:"):
            assert item.baseline is not None and item.baseline > 0
    buckets = [item for item in result.items if item.type in BUCKETS]
    assert len(buckets) == 2
    for item in buckets:
        assert item.status == "needs-usage" and item.usage_keys == ("storageGb",)


def test_azure_dev_gaps_are_the_catalogs_and_named(estimates: dict[str, Estimate]) -> None:
    """The Azure catalog has no price for Standard_D4as_v5 nor for the P6 disk tier (64 GiB) of
    the spot pools' 50 GiB OS disks: those pools say so; everything else is priced."""
    result = estimates["azure-dev"]
    for item in result.items:
        if item.type not in POOLS + CLUSTERS + BUCKETS + OTHERS:
            continue
        if item.type in BUCKETS:
            assert item.status == "needs-usage"
        elif item.name in ("cluster-spot0", "cluster-spot1", "cluster-spot2"):
            assert item.status == "not-priced"
            assert "Standard_D4as_v5 has no on-demand price" in item.reason or "'P6'" in item.reason
        else:
            assert item.status == "priced", (item.name, item.reason)


def test_production_node_pools_rederive_from_the_catalog(estimates: dict[str, Estimate]) -> None:
    result = estimates["production"]
    pools = {item.name: item for item in result.items if item.type == POOLS[0]}
    # system: 3-4 x m5.large ($0.096/h, prioritized: the first type) with 50 GiB gp3 ($0.08).
    assert pools["cluster-system"].baseline == pytest.approx(3 * (0.096 * H + 50 * 0.08))
    assert pools["cluster-system"].ceiling == pytest.approx(4 * (0.096 * H + 50 * 0.08))
    # base: 3-9 x m5.2xlarge ($0.384/h) with 100 GiB gp3.
    assert pools["cluster-base"].baseline == pytest.approx(3 * (0.384 * H + 100 * 0.08))
    assert pools["cluster-base"].ceiling == pytest.approx(9 * (0.384 * H + 100 * 0.08))
    # spot: 0-20 nodes at the mean spot figure of five types (m5 70 % off, m6i 57 %, the
    # other families the default 60 %).
    spot = (0.384 * 0.30 + 0.344 * 0.40 + 0.384 * 0.43 + 0.3456 * 0.40 + 0.4032 * 0.40) / 5
    assert pools["cluster-spot"].baseline == 0.0
    assert pools["cluster-spot"].ceiling == pytest.approx(20 * (spot * H + 100 * 0.08))


def test_dev_schedules_keep_the_minimum_at_night(estimates: dict[str, Estimate]) -> None:
    system = next(item for item in estimates["dev"].items if item.name == "cluster-system")
    # thrifty scales to the pool minimum at night: the baseline is the 24x7 minimum.
    assert system.baseline == pytest.approx(0.0832 * H + 30 * 0.08)
    assert "118.0 of 168 h a week at 1 node(s)" in system.reason
