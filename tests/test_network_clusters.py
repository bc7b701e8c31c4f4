"""Issue 12, clusters: GKE dev is zonal and every GKE pool starts with exactly the nodes asked
(item 12), and EKS leaves the autoscaler's discovery tags to EKS (item 13). Recorded under the
SDK mock engine; the GKE per-zone arithmetic is also checked directly."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from thrifty.cluster.spec import ClusterArgs, ClusterSpec, ClusterSpecError, plan_cluster
from thrifty.config import CapsConfig
from thrifty.cost import CostInput, estimate
from thrifty.offline.recording import Recording, record_program
from thrifty.tags import CostTags

OWNER = "ml-team@company.com"
NODE_POOL = "gcp:container/nodePool:NodePool"
GKE = "gcp:container/cluster:Cluster"


def tags(environment: str) -> CostTags:
    return CostTags.model_validate(
        {
            "project": "churn-predictor",
            "environment": environment,
            "team": "ml-team",
            "cost-center": "engineering",
            "owner": OWNER,
        }
    )


def gke_spec(zones: int, system_min: int, spot_desired: int, spot_min: int = 0) -> ClusterSpec:
    return ClusterSpec.model_validate(
        {
            "zones": zones,
            "systemPool": {
                "name": "system", "instanceTypes": ["e2-standard-2"], "vcpus": 2, "memoryGib": 8,
                "minSize": system_min, "maxSize": system_min + 3,
            },
            "spotPools": [
                {
                    "name": "spot",
                    "instanceTypes": ["e2-standard-4", "n2-standard-4", "n2d-standard-4"],
                    "vcpus": 4, "memoryGib": 16, "minSize": spot_min,
                    "desiredSize": spot_desired, "maxSize": 12,
                }
            ],
        }
    )  # fmt: skip


def gke(environment: str, spec: ClusterSpec, **args: Any) -> Callable[[], None]:
    def program() -> None:
        from thrifty.cluster.gcp import GkeCluster, GkeClusterArgs

        GkeCluster(
            "cluster",
            GkeClusterArgs(
                tags=tags(environment), cluster=spec, caps=CapsConfig(), project="churn-prd",
                region="us-central1", public_access_cidrs=["203.0.113.0/24"], **args,
            ),
        )  # fmt: skip

    return program


def record_gke(environment: str, spec: ClusterSpec, **args: Any) -> Recording:
    stack = "production" if environment == "production" else "dev"
    return record_program(
        gke(environment, spec, **args), stack=stack, config={"gcp:project": "churn-prd"}
    )


def started_with(recording: Recording, zones: int) -> dict[str, int]:
    """Nodes each spec pool starts with: GKE creates initialNodeCount in every zone."""
    started: dict[str, int] = {}
    for pool in recording.of_type(NODE_POOL):
        name = pool.inputs["nodeConfig"]["labels"]["thrifty.io/pool"]
        started[name] = started.get(name, 0) + pool.inputs["initialNodeCount"] * zones
    return started


# ---------------------------------------------------------------- item 12: zonal dev, counts


def test_gke_dev_is_zonal_so_the_free_tier_credit_applies() -> None:
    recording = record_gke("development", gke_spec(zones=2, system_min=2, spot_desired=2))
    (cluster,) = recording.of_type(GKE)
    # A zone as location: a zonal (here multi-zonal) cluster, one control plane.
    assert cluster.inputs["location"] == "us-central1-a"
    # A zonal cluster's nodeLocations name the other zones only (the provider's docs).
    assert cluster.inputs["nodeLocations"] == ["us-central1-b"]
    for pool in recording.of_type(NODE_POOL):
        assert pool.inputs["location"] == "us-central1-a"


def test_gke_single_zone_dev_has_no_extra_node_locations() -> None:
    recording = record_gke("development", gke_spec(zones=1, system_min=1, spot_desired=1))
    (cluster,) = recording.of_type(GKE)
    assert cluster.inputs["location"] == "us-central1-a"
    assert "nodeLocations" not in cluster.inputs
    assert started_with(recording, 1) == {"system": 1, "spot": 1}


def test_gke_production_stays_regional_and_dev_can_ask_for_it() -> None:
    production = record_gke("production", gke_spec(zones=3, system_min=3, spot_desired=3))
    (cluster,) = production.of_type(GKE)
    assert cluster.inputs["location"] == "us-central1"
    assert cluster.inputs["nodeLocations"] == ["us-central1-a", "us-central1-b", "us-central1-c"]
    regional_dev = record_gke(
        "development", gke_spec(zones=2, system_min=2, spot_desired=0), location_type="regional"
    )
    (cluster,) = regional_dev.of_type(GKE)
    assert cluster.inputs["location"] == "us-central1"


@pytest.mark.parametrize(
    ("environment", "zones", "system_min", "spot_desired"),
    [("production", 3, 3, 3), ("production", 3, 3, 6), ("development", 2, 2, 4)],
)
def test_gke_pools_start_with_exactly_the_nodes_asked(
    environment: str, zones: int, system_min: int, spot_desired: int
) -> None:
    spec = gke_spec(zones=zones, system_min=system_min, spot_desired=spot_desired)
    recording = record_gke(environment, spec)
    assert started_with(recording, zones) == {"system": system_min, "spot": spot_desired}
    for pool in recording.of_type(NODE_POOL):
        autoscaling = pool.inputs["autoscaling"]
        started = pool.inputs["initialNodeCount"] * zones
        assert autoscaling["totalMinNodeCount"] <= started <= autoscaling["totalMaxNodeCount"]


def test_a_size_gke_cannot_start_exactly_is_refused_before_anything_is_registered() -> None:
    spec = gke_spec(zones=2, system_min=1, spot_desired=3)
    recording = record_program(
        gke("development", spec),
        stack="dev",
        config={"gcp:project": "churn-prd"},
        raise_errors=False,
    )
    error = recording.error
    assert isinstance(error, ClusterSpecError)
    message = str(error)
    assert "pool 'system'" in message and "desiredSize 1" in message and "2 zones" in message
    assert "pool 'spot'" in message and "desiredSize 3" in message and "use 2 or 4" in message
    assert not recording.of_type(GKE) and not recording.of_type(NODE_POOL)


def test_per_type_minimums_are_respected_when_the_spot_pool_starts() -> None:
    """A spot pool's minimum is split over its per-type pools; each must start at its share."""
    from thrifty.cluster.gcp import initial_node_counts

    # minSize 4 over three types is 2 + 1 + 1: every type pool needs a node in each zone.
    spec = gke_spec(zones=2, system_min=2, spot_desired=6, spot_min=4)
    plan = plan_cluster("cluster", ClusterArgs(tags=tags("development"), cluster=spec), "gcp")
    counts = initial_node_counts(plan, 2)
    assert counts == {"system": 1, "spot0": 1, "spot1": 1, "spot2": 1}
    minimums = {pool.name: pool.min_size for pool in plan.pools}
    assert all(counts[name] * 2 >= minimum for name, minimum in minimums.items())
    too_few = gke_spec(zones=2, system_min=2, spot_desired=2, spot_min=2)
    plan = plan_cluster("cluster", ClusterArgs(tags=tags("development"), cluster=too_few), "gcp")
    with pytest.raises(ClusterSpecError, match=r"pool 'spot'.*at least 4"):
        initial_node_counts(plan, 2)


def _res(type_: str, name: str, props: dict[str, Any]) -> CostInput:
    return CostInput(
        type=type_,
        name=name,
        urn=f"urn:pulumi:t::p::{type_}::{name}",
        props=props,
        provider_props={"region": "us-central1"},
    )


def test_the_estimate_counts_a_zonal_clusters_own_zone() -> None:
    """The estimator multiplies per-zone counts by the zones; a zonal cluster's
    nodeLocations leave out its own zone (the provider's docs), which holds nodes too."""
    cluster = _res(
        GKE,
        "gke",
        {
            "name": "c1",
            "location": "us-central1-a",
            "removeDefaultNodePool": True,
            "nodeLocations": ["us-central1-b"],
        },
    )
    pool = _res(
        NODE_POOL,
        "fixed",
        {
            "cluster": "c1",
            "location": "us-central1-a",
            "nodeCount": 2,
            "nodeConfig": {"machineType": "e2-standard-2", "diskSizeGb": 20},
        },
    )
    item = estimate([cluster, pool]).item(pool.urn)
    node = 0.06701142 * 730 + 20 * 0.10  # e2-standard-2 (catalog), 20 GB pd-balanced
    assert item.baseline == pytest.approx(2 * 2 * node)


# ------------------------------------------------------ item 13: EKS's own discovery tags


@pytest.fixture(scope="module")
def eks_up() -> Recording:
    spec = ClusterSpec.model_validate(
        {
            "zones": 2,
            "systemPool": {
                "name": "system", "instanceTypes": ["m5.large", "m5a.large", "m6i.large"],
                "vcpus": 2, "memoryGib": 8, "minSize": 1, "maxSize": 2,
            },
            "spotPools": [
                {
                    "name": "spot", "instanceTypes": ["m5.xlarge", "m5a.xlarge", "m6i.xlarge"],
                    "vcpus": 4, "memoryGib": 16, "minSize": 0, "maxSize": 5,
                }
            ],
        }
    )  # fmt: skip

    def program() -> None:
        from thrifty.cluster.aws import EksCluster, EksClusterArgs

        EksCluster(
            "cluster",
            EksClusterArgs(
                tags=tags("development"), cluster=spec, region="us-east-1",
                subnet_ids=["subnet-a", "subnet-b"],
            ),
        )  # fmt: skip

    return record_program(program, stack="dev", config={"aws:region": "us-east-1"}, preview=False)


def test_eks_leaves_the_discovery_tags_to_eks(eks_up: Recording) -> None:
    """EKS tags every managed node group's Auto Scaling group for auto-discovery; a Pulumi
    copy would take EKS's tag with it when deleted."""
    assert not eks_up.of_type("aws:autoscaling/tag:Tag")
    groups = eks_up.of_type("aws:eks/nodeGroup:NodeGroup")
    assert len(groups) == 2
    for group in groups:
        assert not [key for key in group.inputs["tags"] if key.startswith("k8s.io/")]


def test_the_autoscaler_still_finds_and_may_scale_only_this_clusters_groups(
    eks_up: Recording,
) -> None:
    name = "churn-predictor-dev-cluster"
    (release,) = [
        r
        for r in eks_up.of_type("kubernetes:helm.sh/v3:Release")
        if r.inputs["chart"] == "cluster-autoscaler"
    ]
    assert release.inputs["values"]["autoDiscovery"]["clusterName"] == name
    (policy,) = eks_up.of_type("aws:iam/rolePolicy:RolePolicy")
    (writes,) = [
        s for s in json.loads(policy.inputs["policy"])["Statement"] if s["Sid"] == "ScaleOwnGroups"
    ]
    assert writes["Condition"] == {
        "StringEquals": {f"aws:ResourceTag/k8s.io/cluster-autoscaler/{name}": "owned"}
    }


def test_the_estimate_counts_a_zonal_clusters_default_pool_in_every_zone() -> None:
    cluster = _res(
        GKE,
        "gke",
        {"location": "us-central1-a", "nodeLocations": ["us-central1-b"], "initialNodeCount": 1},
    )
    item = estimate([cluster]).item(cluster.urn)
    node = 0.03350571 * 730 + 100 * 0.10  # GKE's default e2-medium, 100 GB pd-balanced
    assert item.baseline == pytest.approx(0.10 * 730 + 2 * node)
