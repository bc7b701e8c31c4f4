"""The nodes Kubernetes workloads need (thrifty.cost.fit), against figures derived by hand.

Catalog figures used: m5.large 2 vCPU / 8 GiB $0.096/h (spot: m5's 70 % discount, $0.0288/h),
t3.medium 2 vCPU / 4 GiB $0.0416/h, EKS node disk 20 GB gp3 at $0.08 (an EKS node costs
0.096 x 730 + 1.60 = $71.68 a month on demand, 0.0288 x 730 + 1.60 = $22.624 on spot);
e2-standard-4 4 vCPU / 16 GiB $0.13402284/h (spot $0.080424), GKE node disk 100 GB
pd-balanced at $0.10 ($10 a node); Standard_D2s_v5 2 vCPU / 8 GiB $0.096/h, Standard_D4s_v5
4 vCPU / 16 GiB $0.192/h, Azure spot 60 % off DSv5.

Allocatable (data/node_reservations.json): m5.large 2 - 0.07 = 1.93 CPU, 29 pods; t3.medium
17 pods; e2-standard-4 4 - 0.08 = 3.92 CPU; D2s_v5 2 - 0.1 = 1.9 CPU; D4s_v5 4 - 0.14 = 3.86.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from thrifty.cost import CostInput, Estimate, estimate
from thrifty.cost import allocatable as alloc
from thrifty.cost.props import NotPriced
from thrifty.cost.scheduling import Constraints, Requirement, Taint, Toleration
from thrifty.offline.cost_step import cost_inputs
from thrifty.offline.recording import record_stack

H = 730
MIB = 2**20
GIB = 2**30
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
EKS_NODE = 0.096 * H + 20 * 0.08
EKS_SPOT_NODE = 0.096 * (1 - 0.7) * H + 20 * 0.08
GKE_NODE = 0.13402284 * H + 100 * 0.10
GKE_SPOT_NODE = 0.080424 * H + 100 * 0.10
CAPACITY_LABEL = "thrifty.io/capacity-type"
SPOT_TOLERANCE = {"key": "thrifty.io/spot", "operator": "Equal", "value": "true"}
COMPONENT = "urn:pulumi:t::p::thrifty:cluster:EksCluster::cluster"


def res(
    type_: str, name: str, props: dict[str, Any], parent: str = COMPONENT, **extra: Any
) -> CostInput:
    return CostInput(
        type=type_,
        name=name,
        urn=f"urn:pulumi:t::p::{type_}::{name}",
        props=props,
        parent=parent,
        **extra,
    )


def component(urn: str = COMPONENT) -> CostInput:
    kind, name = urn.rsplit("::", 2)[-2:]
    return CostInput(type=kind, name=name, urn=urn, props={})


#: thrifty's EksCluster installs cluster-autoscaler (the tests' EKS pools scale with it).
AUTOSCALER = res(
    "kubernetes:helm.sh/v3:Release", "cluster-autoscaler", {"chart": "cluster-autoscaler"}
)


def node_group(
    name: str,
    low: int,
    high: int,
    *,
    spot: bool = False,
    types: tuple[str, ...] = ("m5.large",),
    parent: str = COMPONENT,
    **props: Any,
) -> CostInput:
    labels = {CAPACITY_LABEL: "spot" if spot else "on-demand"}
    taints = [{"key": "thrifty.io/spot", "value": "true", "effect": "NO_SCHEDULE"}] if spot else []
    return res(
        "aws:eks/nodeGroup:NodeGroup",
        name,
        {
            "scalingConfig": {"minSize": low, "maxSize": high, "desiredSize": low},
            "instanceTypes": list(types),
            "capacityType": "SPOT" if spot else "ON_DEMAND",
            "labels": labels,
            "taints": taints,
            **props,
        },
        parent,
    )


def pod_spec(
    cpu: Any = "1",
    memory: Any = "1Gi",
    *,
    tolerations: list[dict[str, Any]] | None = None,
    affinity: dict[str, Any] | None = None,
    node_selector: dict[str, str] | None = None,
    resources: dict[str, Any] | None = None,
) -> dict[str, Any]:
    container = {
        "name": "main",
        "resources": resources
        if resources is not None
        else {"requests": {"cpu": cpu, "memory": memory}},
    }
    spec: dict[str, Any] = {"containers": [container]}
    if tolerations:
        spec["tolerations"] = tolerations
    if affinity:
        spec["affinity"] = {"nodeAffinity": affinity}
    if node_selector:
        spec["nodeSelector"] = node_selector
    return spec


def deployment(
    name: str,
    replicas: Any,
    spec: dict[str, Any],
    *,
    namespace: str = "ml",
    labels: dict[str, str] | None = None,
    kind: str = "Deployment",
    parent: str = COMPONENT,
    **extra: Any,
) -> CostInput:
    body: dict[str, Any] = {"template": {"spec": spec}}
    if replicas is not None:
        body["replicas"] = replicas
    metadata: dict[str, Any] = {"name": name, "namespace": namespace}
    if labels:
        metadata["labels"] = labels
    return res(
        f"kubernetes:apps/v1:{kind}", name, {"metadata": metadata, "spec": body}, parent, **extra
    )


def hpa(name: str, target: str, low: Any, high: Any, **extra: Any) -> CostInput:
    return res(
        "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
        name,
        {
            "metadata": {"name": name, "namespace": "ml"},
            "spec": {
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target},
                "minReplicas": low,
                "maxReplicas": high,
            },
        },
        **extra,
    )


def spot_preferred() -> dict[str, Any]:
    return {
        "preferredDuringSchedulingIgnoredDuringExecution": [
            {
                "weight": 100,
                "preference": {
                    "matchExpressions": [
                        {"key": CAPACITY_LABEL, "operator": "In", "values": ["spot"]}
                    ]
                },
            }
        ]
    }


def not_on_spot() -> dict[str, Any]:
    return {
        "requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [
                {
                    "matchExpressions": [
                        {"key": CAPACITY_LABEL, "operator": "NotIn", "values": ["spot"]}
                    ]
                }
            ]
        }
    }


def provider(parent: str = COMPONENT) -> CostInput:
    return res("pulumi:providers:kubernetes", "k8s", {"kubeconfig": UNKNOWN}, parent)


def by_name(result: Estimate) -> dict[str, Any]:
    return {item.name: item for item in result.items}


def pool_line(result: Estimate, name: str) -> str:
    return by_name(result)[name].lines[0].description


# --- placement per cloud ---------------------------------------------------------------------


def test_eks_spot_tolerant_pods_go_to_spot_and_the_others_stay_on_demand() -> None:
    k8s = provider()
    tolerant = deployment(
        "tolerant",
        4,
        pod_spec(tolerations=[SPOT_TOLERANCE], affinity=spot_preferred()),
        provider=k8s.urn,
    )
    steady = deployment("steady", 3, pod_spec(affinity=not_on_spot()), provider=k8s.urn)
    pools = [node_group("base", 0, 10), node_group("spot", 0, 10, spot=True)]
    result = estimate([component(), AUTOSCALER, *pools, k8s, tolerant, steady])
    items = by_name(result)
    # 1 CPU pods on 1.93-CPU nodes: one pod a node.
    assert items["spot"].baseline == pytest.approx(4 * EKS_SPOT_NODE)
    assert items["base"].baseline == pytest.approx(3 * EKS_NODE)
    assert items["spot"].ceiling == pytest.approx(10 * EKS_SPOT_NODE)  # the ceiling is the max
    assert "4-10 nodes (4 for the pods of tolerant x4; minimum 0)" in pool_line(result, "spot")
    assert items["tolerant"].status == "free"
    assert "4 on spot" in items["tolerant"].reason
    assert "3 on base" in items["steady"].reason
    assert result.warnings == []


def test_a_pod_without_the_spot_toleration_never_lands_on_spot() -> None:
    plain = deployment("plain", 2, pod_spec(affinity=spot_preferred()))
    result = estimate([component(), AUTOSCALER, node_group("spot", 0, 10, spot=True), plain])
    item = by_name(result)["plain"]
    assert item.status == "free"
    assert "unschedulable: 2 of 2 pods" in item.reason
    assert "taint thrifty.io/spot=true:NoSchedule not tolerated" in item.reason
    assert by_name(result)["spot"].baseline == 0
    assert any("plain: 2 of 2 pods unschedulable" in warning for warning in result.warnings)


def test_spare_room_on_the_minimum_nodes_is_used_before_a_node_is_added() -> None:
    # One on-demand node is always there (minimum 1): a spot-preferring 500m pod fits on it,
    # as the scheduler puts a pod on any node with room; the autoscaler adds nothing.
    small = deployment(
        "small",
        3,
        pod_spec("500m", "256Mi", tolerations=[SPOT_TOLERANCE], affinity=spot_preferred()),
    )
    result = estimate(
        [component(), node_group("base", 1, 4), node_group("spot", 0, 10, spot=True), small]
    )
    items = by_name(result)
    assert items["spot"].baseline == 0
    assert items["base"].baseline == pytest.approx(EKS_NODE)
    assert "the pods of small x3 fit on the minimum 1" in pool_line(result, "base")


def gke_pool(name: str, low: int, high: int, *, spot: bool = False) -> CostInput:
    config: dict[str, Any] = {"machineType": "e2-standard-4", "labels": {"team": "ml"}}
    if spot:
        config["spot"] = True
        config["taints"] = [
            {"key": "cloud.google.com/gke-spot", "value": "true", "effect": "NO_SCHEDULE"}
        ]
    return res(
        "gcp:container/nodePool:NodePool",
        name,
        {
            "name": name,
            "location": "us-central1",
            "autoscaling": {"totalMinNodeCount": low, "totalMaxNodeCount": high},
            "nodeConfig": config,
        },
        provider_props={"region": "us-central1"},
    )


def test_gke_spot_pool_by_toleration_and_gke_spot_node_selector() -> None:
    batch = deployment(
        "batch",
        3,
        pod_spec(
            "3",
            "4Gi",
            tolerations=[{"key": "cloud.google.com/gke-spot", "operator": "Exists"}],
            node_selector={"cloud.google.com/gke-spot": "true"},
        ),
    )
    web = deployment("web", 2, pod_spec("2", "2Gi"))
    result = estimate(
        [component(), gke_pool("ondemand", 0, 6), gke_pool("spot", 0, 6, spot=True), batch, web]
    )
    items = by_name(result)
    # 3 CPU a pod on 3.92-CPU nodes: one a node; 2 CPU web pods: one a node (4 > 3.92).
    assert items["spot"].baseline == pytest.approx(3 * GKE_SPOT_NODE)
    assert items["ondemand"].baseline == pytest.approx(2 * GKE_NODE)
    assert "3 on spot" in items["batch"].reason and "2 on ondemand" in items["web"].reason


def test_gke_node_selector_on_the_pool_name_label() -> None:
    pinned = deployment(
        "pinned", 1, pod_spec("1", "1Gi", node_selector={"cloud.google.com/gke-nodepool": "b"})
    )
    result = estimate([component(), gke_pool("a", 0, 3), gke_pool("b", 0, 3), pinned])
    assert by_name(result)["b"].baseline == pytest.approx(GKE_NODE)
    assert by_name(result)["a"].baseline == 0


def aks_cluster() -> CostInput:
    return res(
        "azure-native:containerservice:ManagedCluster",
        "aks",
        {
            "location": "eastus",
            "resourceName": "aks",
            "sku": {"name": "Base", "tier": "Free"},
            "networkProfile": {"networkPlugin": "azure", "networkPluginMode": "overlay"},
            "agentPoolProfiles": [
                {
                    "name": "system",
                    "mode": "System",
                    "vmSize": "Standard_D2s_v5",
                    "enableAutoScaling": True,
                    "minCount": 1,
                    "maxCount": 3,
                    "osDiskType": "Ephemeral",
                }
            ],
        },
    )


def aks_spot_pool() -> CostInput:
    return res(
        "azure-native:containerservice:AgentPool",
        "spot",
        {
            "agentPoolName": "spot",
            "resourceName": "aks",
            "vmSize": "Standard_D4s_v5",
            "scaleSetPriority": "Spot",
            "enableAutoScaling": True,
            "minCount": 0,
            "maxCount": 5,
            "osDiskType": "Ephemeral",
        },
    )


def test_aks_spot_pool_gets_its_automatic_taint_and_the_system_pool_the_rest() -> None:
    tolerant = deployment(
        "tolerant",
        3,
        pod_spec(
            "3",
            "4Gi",
            tolerations=[
                {
                    "key": "kubernetes.azure.com/scalesetpriority",
                    "operator": "Equal",
                    "value": "spot",
                    "effect": "NoSchedule",
                }
            ],
        ),
    )
    plain = deployment("plain", 2, pod_spec("500m", "512Mi"))
    big = deployment("big", 1, pod_spec("3", "1Gi"))  # no toleration: only fits spot nodes
    result = estimate([component(), aks_cluster(), aks_spot_pool(), tolerant, plain, big])
    items = by_name(result)
    # 3 CPU pods on 3.86-CPU D4s_v5 spot nodes: one a node.
    assert items["spot"].baseline == pytest.approx(3 * 0.192 * 0.4 * H)
    # 2 x 500m fit on the one 1.9-CPU system node: the cluster stays at its minimum.
    assert items["aks"].lines[1].quantity == H
    assert "2 on aks pool system" in items["plain"].reason
    assert "unschedulable: 1 of 1 pods" in items["big"].reason
    assert "taint kubernetes.azure.com/scalesetpriority=spot:NoSchedule" in items["big"].reason


def test_aks_max_pods_come_from_the_network_plugin() -> None:
    cluster = aks_cluster()
    props = dict(cluster.props)
    props["networkProfile"] = {"networkPlugin": "azure"}  # legacy Azure CNI: 30 pods a node
    legacy = CostInput(cluster.type, cluster.name, cluster.urn, props, cluster.parent)
    tiny = deployment("tiny", 40, pod_spec("10m", "10Mi"))
    result = estimate([component(), legacy, tiny])
    system = next(
        line for line in by_name(result)["aks"].lines if "pool system" in line.description
    )
    assert "2-3 nodes (2 for the pods of tiny x40; minimum 1)" in system.description
    props["networkProfile"] = {}
    unknown = CostInput(cluster.type, cluster.name, cluster.urn, props, cluster.parent)
    item = by_name(estimate([component(), unknown, tiny]))["tiny"]
    assert item.status == "not-priced"
    assert "networkProfile.networkPlugin is None" in item.reason


# --- HPA, DaemonSets, bounds ---------------------------------------------------------------


def test_hpa_min_replicas_set_the_baseline_and_max_replicas_are_checked_at_the_ceiling() -> None:
    api = deployment("api", None, pod_spec("1", "1Gi"))
    scaler = hpa("api-hpa", "api", 3, 12)
    result = estimate([component(), AUTOSCALER, node_group("base", 1, 5), api, scaler])
    items = by_name(result)
    assert items["base"].baseline == pytest.approx(3 * EKS_NODE)
    assert items["base"].ceiling == pytest.approx(5 * EKS_NODE)
    assert "HPA api-hpa: 3-12 replicas" in items["api"].reason
    assert "at the ceiling 7 of 12 pods would not fit" in items["api"].reason
    assert "base (5 nodes)" in items["api"].reason
    assert any("at the ceiling 7 of 12 pods" in warning for warning in result.warnings)


def test_hpa_found_by_property_dependency_when_its_target_name_is_unknown() -> None:
    api = deployment("api", 1, pod_spec("1", "1Gi"))
    scaler = hpa("api-hpa", UNKNOWN, 2, 4, property_dependencies={"spec": [api.urn]})
    result = estimate([component(), AUTOSCALER, node_group("base", 0, 5), api, scaler])
    assert by_name(result)["base"].baseline == pytest.approx(2 * EKS_NODE)


def test_daemonset_requests_come_off_every_node_it_runs_on() -> None:
    web = deployment("web", 4, pod_spec("500m", "512Mi"))
    without = estimate([component(), AUTOSCALER, node_group("base", 0, 10), web])
    # 3 x 500m fit in 1.93 CPU: 4 pods need 2 nodes.
    assert by_name(without)["base"].baseline == pytest.approx(2 * EKS_NODE)
    agent = deployment("agent", None, pod_spec("1", "512Mi"), kind="DaemonSet")
    elsewhere = deployment(
        "gpu-agent", None, pod_spec("1", "1Gi", node_selector={"gpu": "yes"}), kind="DaemonSet"
    )
    result = estimate([component(), AUTOSCALER, node_group("base", 0, 10), web, agent, elsewhere])
    # 1.93 - 1 = 0.93 CPU left a node: one 500m pod a node, 4 nodes; gpu-agent runs nowhere.
    assert by_name(result)["base"].baseline == pytest.approx(4 * EKS_NODE)
    assert "DaemonSet agent on every node" in pool_line(result, "base")
    assert "one pod per node, on every node of base" in by_name(result)["agent"].reason
    assert "on no pool" in by_name(result)["gpu-agent"].reason


def test_a_pool_never_goes_below_its_configured_minimum() -> None:
    web = deployment("web", 1, pod_spec("100m", "128Mi"))
    result = estimate([component(), AUTOSCALER, node_group("base", 3, 6), web])
    assert by_name(result)["base"].baseline == pytest.approx(3 * EKS_NODE)
    assert "the pods of web x1 fit on the minimum 3" in pool_line(result, "base")


def test_capped_at_the_maximum_with_an_unschedulable_note() -> None:
    web = deployment("web", 10, pod_spec("1500m", "1Gi"))
    result = estimate([component(), AUTOSCALER, node_group("base", 0, 4), web])
    assert by_name(result)["base"].baseline == pytest.approx(4 * EKS_NODE)
    reason = by_name(result)["web"].reason
    assert "unschedulable: 6 of 10 pods: every pool that may take them is at its maximum" in reason
    assert result.warnings == [
        "Deployment web: 6 of 10 pods unschedulable: every pool that may take them is at its "
        "maximum: base (4 nodes)"
    ]


def test_a_pod_larger_than_any_node_is_unschedulable_and_adds_no_node() -> None:
    huge = deployment("huge", 2, pod_spec("4", "1Gi"))
    result = estimate([component(), AUTOSCALER, node_group("base", 1, 4), huge])
    assert by_name(result)["base"].baseline == pytest.approx(EKS_NODE)
    reason = by_name(result)["huge"].reason
    assert "no pool may take them: base (a pod requests 4 CPU / 1Gi, a node has 1930m CPU" in reason


def test_the_per_node_pod_limit_counts() -> None:
    tiny = deployment("tiny", 40, pod_spec("10m", "10Mi"))
    result = estimate(
        [component(), AUTOSCALER, node_group("base", 0, 10, types=("t3.medium",)), tiny]
    )
    # t3.medium: 3 ENIs x (6 - 1) + 2 = 17 pods a node: 17 + 17 + 6.
    assert by_name(result)["base"].baseline == pytest.approx(3 * (0.0416 * H + 1.6))


def test_a_change_to_requests_moves_the_estimate_by_the_node_difference() -> None:
    def total(cpu: str) -> tuple[float, float]:
        web = deployment("web", 6, pod_spec(cpu, "1Gi"))
        return estimate([component(), AUTOSCALER, node_group("base", 0, 10), web]).total

    before, after = total("1"), total("900m")
    # 1 CPU: one pod a node (2 > 1.93), 6 nodes; 900m: two a node (1.8 <= 1.93), 3 nodes.
    assert before[0] - after[0] == pytest.approx(3 * (0.096 * 730 + 20 * 0.08))
    assert before[0] - after[0] == pytest.approx(215.04)
    assert before[1] == after[1]


# --- unknown and malformed values ---------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "replicas", "expected"),
    [
        (pod_spec(UNKNOWN), 2, "spec.template.spec.containers.0.resources.requests.cpu is unknown"),
        (pod_spec("lots"), 2, "should be a quantity such as 500m or 512Mi, got 'lots'"),
        (pod_spec("1", "-1Gi"), 2, "resources.requests.memory should not be negative"),
        (pod_spec(), UNKNOWN, "spec.replicas is unknown during preview"),
    ],
)
def test_unknown_or_malformed_requests_are_reported_not_counted(
    spec: dict[str, Any], replicas: Any, expected: str
) -> None:
    web = deployment("web", replicas, spec)
    result = estimate([component(), AUTOSCALER, node_group("base", 1, 5), web])
    item = by_name(result)["web"]
    assert item.status == "not-priced"
    assert item.reason.startswith("not priced: its pods are not counted on the node pools: ")
    assert expected in item.reason
    assert item in result.unpriced
    assert by_name(result)["base"].baseline == pytest.approx(EKS_NODE)  # its minimum


def test_unknown_hpa_bounds_are_reported_on_the_workload() -> None:
    api = deployment("api", None, pod_spec())
    result = estimate(
        [component(), node_group("base", 0, 5), api, hpa("api-hpa", "api", UNKNOWN, 4)]
    )
    item = by_name(result)["api"]
    assert item.status == "not-priced"
    assert (
        "HorizontalPodAutoscaler api-hpa: spec.minReplicas is unknown during preview" in item.reason
    )


def test_a_pool_that_cannot_be_priced_leaves_its_pods_not_counted_not_unschedulable() -> None:
    unknown = node_group("spot", 0, 10, spot=True)
    props = {**unknown.props, "scalingConfig": {"minSize": UNKNOWN, "maxSize": 10}}
    blind = CostInput(unknown.type, unknown.name, unknown.urn, props, unknown.parent)
    tolerant = deployment("tolerant", 2, pod_spec("3", "1Gi", tolerations=[SPOT_TOLERANCE]))
    result = estimate([component(), AUTOSCALER, node_group("base", 0, 5), blind, tolerant])
    item = by_name(result)["tolerant"]
    assert item.status == "not-priced"
    assert "spot (cannot be told: not priced: scalingConfig.minSize is unknown" in item.reason
    assert result.warnings == []


def test_match_fields_cannot_be_told_for_a_pool() -> None:
    affinity = {
        "requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [
                {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n1"]}]}
            ]
        }
    }
    web = deployment("web", 1, pod_spec(affinity=affinity))
    item = by_name(estimate([component(), AUTOSCALER, node_group("base", 0, 5), web]))["web"]
    assert item.status == "not-priced" and "matchFields selects nodes by name" in item.reason


# --- requests: limits and LimitRange defaults --------------------------------------------


def test_limits_and_limit_range_defaults_stand_in_for_missing_requests() -> None:
    by_limit = deployment("by-limit", 2, pod_spec(resources={"limits": {"cpu": "1"}}))
    by_range = deployment("by-range", 2, pod_spec(resources={}))
    limits = res(
        "kubernetes:core/v1:LimitRange",
        "defaults",
        {
            "metadata": {"name": "defaults", "namespace": "ml"},
            "spec": {"limits": [{"type": "Container", "default": {"cpu": "1", "memory": "1Gi"}}]},
        },
    )
    result = estimate(
        [component(), AUTOSCALER, node_group("base", 0, 10), by_limit, by_range, limits]
    )
    # Four 1-CPU pods: the limit stands for the request, the LimitRange's default (its
    # defaultRequest defaults to it) for the other's.
    assert by_name(result)["base"].baseline == pytest.approx(4 * EKS_NODE)
    bare = estimate([component(), AUTOSCALER, node_group("base", 0, 10), by_range])
    # No request anywhere: pods of nothing, which still need a node to run on.
    assert by_name(bare)["base"].baseline == pytest.approx(EKS_NODE)


def test_init_containers_and_sidecars() -> None:
    spec = pod_spec("300m", "128Mi")
    spec["initContainers"] = [
        {"name": "proxy", "restartPolicy": "Always", "resources": {"requests": {"cpu": "200m"}}},
        {"name": "migrate", "resources": {"requests": {"cpu": "1500m"}}},
    ]
    web = deployment("web", 2, spec)
    result = estimate([component(), AUTOSCALER, node_group("base", 0, 10), web])
    # max(300m + 200m sidecar, 1500m + 200m sidecar) = 1.7 CPU: one pod a node.
    assert by_name(result)["base"].baseline == pytest.approx(2 * EKS_NODE)
    assert "1700m CPU / 128Mi each" in by_name(result)["web"].reason


# --- which cluster -------------------------------------------------------------------------


def test_a_workload_outside_the_cluster_component_is_placed_through_its_provider() -> None:
    k8s = provider()
    web = deployment("web", 2, pod_spec(), parent="", provider=k8s.urn)
    other = "urn:pulumi:t::p::thrifty:cluster:EksCluster::other"
    pools = [node_group("base", 0, 5), node_group("b2", 0, 5, parent=other)]
    result = estimate([component(), AUTOSCALER, component(other), *pools, k8s, web])
    assert by_name(result)["base"].baseline == pytest.approx(2 * EKS_NODE)
    assert by_name(result)["b2"].baseline == 0


def test_which_cluster_cannot_be_told_with_two_clusters_and_no_provider() -> None:
    other = "urn:pulumi:t::p::thrifty:cluster:EksCluster::other"
    clusters = [
        res("aws:eks/cluster:Cluster", name, {}, parent)
        for name, parent in (("a", COMPONENT), ("b", other))
    ]
    web = deployment("web", 2, pod_spec(), parent="")
    pools = [node_group("base", 0, 5), node_group("b2", 0, 5, parent=other)]
    result = estimate([component(), AUTOSCALER, component(other), *clusters, *pools, web])
    item = by_name(result)["web"]
    assert item.status == "not-priced"
    assert "its cluster cannot be told" in item.reason and "the stack has 2 clusters" in item.reason


def test_the_stacks_only_cluster_takes_an_unattached_workload_and_says_so() -> None:
    cluster = res("aws:eks/cluster:Cluster", "eks", {})
    web = deployment("web", 2, pod_spec(), parent="")
    result = estimate([component(), AUTOSCALER, cluster, node_group("base", 0, 5), web])
    assert by_name(result)["base"].baseline == pytest.approx(2 * EKS_NODE)
    assert "assumed to run on the stack's only cluster, eks" in by_name(result)["web"].reason


def test_without_any_node_pool_a_workload_runs_on_a_cluster_priced_elsewhere() -> None:
    result = estimate([deployment("web", 2, pod_spec(), parent="")])
    item = by_name(result)["web"]
    assert item.status == "free" and "a cluster outside this stack" in item.reason
    # The table shows warnings, not free verdicts: the reason must reach it as a warning.
    assert result.warnings == [
        "1 Kubernetes workload runs on a cluster outside this stack (web): no node pool is in "
        "the estimate, so its nodes are priced where that cluster is"
    ]
    many = estimate([deployment(f"w{i}", 1, pod_spec(), parent="") for i in range(7)])
    assert many.warnings[0].startswith(
        "7 Kubernetes workloads run on a cluster outside this stack (w0, w1, w2, w3, w4 and "
        "2 more): no node pool is in the estimate, so their nodes"
    )


def test_pods_without_requests_are_said_to_make_the_node_count_a_lower_bound() -> None:
    bare = deployment("bare", 3, pod_spec(resources={}))
    half = deployment("half", 1, pod_spec(resources={"requests": {"cpu": "1"}}))
    full = deployment("full", 1, pod_spec())
    result = estimate([component(), AUTOSCALER, node_group("base", 0, 10), bare, half, full])
    items = by_name(result)
    # Only the two 1-CPU pods take room: 2 nodes of 1.93 CPU (bare's pods count as nothing).
    assert items["base"].baseline == pytest.approx(2 * EKS_NODE)
    assert (
        "its pods were counted with no requests (no request, limit or LimitRange default "
        "gives cpu or memory), so the node count is a lower bound"
    ) in items["bare"].reason
    assert "its pods were counted with no memory request" in items["half"].reason
    assert "counted with no" not in items["full"].reason
    assert [w for w in result.warnings if "counted with no" in w] == [
        "Deployment bare: its pods were counted with no requests (no request, limit or "
        "LimitRange default gives cpu or memory), so the node count is a lower bound",
        "Deployment half: its pods were counted with no memory request (no request, limit or "
        "LimitRange default gives memory), so the node count is a lower bound",
    ]


def test_without_a_node_autoscaler_an_eks_pool_stays_at_desired_size() -> None:
    # min 1, desired 2, max 4 and five 1-CPU pods (one a node): 2 nodes run, 3 pods wait.
    web = deployment("web", 5, pod_spec())
    group = node_group("base", 1, 4, scalingConfig={"minSize": 1, "desiredSize": 2, "maxSize": 4})
    result = estimate([component(), group, web])
    items = by_name(result)
    assert items["base"].baseline == pytest.approx(2 * EKS_NODE)
    assert items["base"].ceiling == pytest.approx(2 * EKS_NODE)
    assert "2 nodes (" in pool_line(result, "base")
    assert "[desiredSize, no autoscaler in the stack]" in pool_line(result, "base")
    assert "unschedulable: 3 of 5 pods" in items["web"].reason
    assert any("3 of 5 pods unschedulable" in warning for warning in result.warnings)
    # With cluster-autoscaler the same pool grows to the pods' five nodes, capped at 4.
    scaled = estimate([component(), AUTOSCALER, group, web])
    assert by_name(scaled)["base"].baseline == pytest.approx(4 * EKS_NODE)
    assert "[autoscaled by cluster-autoscaler (Helm release cluster-autoscaler)]" in pool_line(
        scaled, "base"
    )


def test_gke_and_aks_pools_say_what_sets_their_size() -> None:
    fixed = res(
        "gcp:container/nodePool:NodePool",
        "fixed",
        {"name": "fixed", "location": "us-central1-a", "nodeCount": 2,
         "nodeConfig": {"machineType": "e2-standard-4"}},
    )  # fmt: skip
    result = estimate([component(), gke_pool("auto", 0, 3), fixed])
    assert "[autoscaled by GKE (autoscaling)]" in pool_line(result, "auto")
    assert "2 nodes [nodeCount, no autoscaling block]" in pool_line(result, "fixed")
    assert by_name(result)["fixed"].ceiling == pytest.approx(2 * GKE_NODE)
    aks = by_name(estimate([component(), aks_cluster(), aks_spot_pool()]))
    assert "[autoscaled by AKS (enableAutoScaling)]" in aks["spot"].lines[0].description


# --- off hours --------------------------------------------------------------------------------


def off_hours_job(name: str, schedule: str) -> CostInput:
    container = {"name": "kubectl", "env": [{"name": "NAMESPACES", "value": "ml"}]}
    return res(
        "kubernetes:batch/v1:CronJob",
        name,
        {
            "metadata": {
                "name": name,
                "namespace": "thrifty-off-hours",
                "labels": {"app.kubernetes.io/managed-by": "thrifty"},
            },
            "spec": {
                "schedule": schedule,
                "jobTemplate": {"spec": {"template": {"spec": {"containers": [container]}}}},
            },
        },
    )


def test_workloads_scaled_to_zero_at_night_need_no_nodes_at_night() -> None:
    scaled = deployment("batch", 2, pod_spec("3", "4Gi"))
    exempt = deployment(
        "always", 1, pod_spec("3", "4Gi"), labels={"thrifty.io/off-hours": "exempt"}
    )
    elsewhere = deployment("tools", 1, pod_spec("3", "4Gi"), namespace="tools")
    jobs = [
        off_hours_job("off-hours-scale-down", "0 18 * * 1-5"),
        off_hours_job("off-hours-scale-up", "0 8 * * 1-5"),
    ]
    result = estimate([component(), gke_pool("pool", 0, 6), scaled, exempt, elsewhere, *jobs])
    # By day 4 pods of 3 CPU, one a node; at night (118 of 168 h) the exempt workload and the
    # one outside the jobs' namespaces: 2 nodes.
    expected = (4 * 50 / 168 + 2 * 118 / 168) * GKE_NODE
    assert by_name(result)["pool"].baseline == pytest.approx(expected)
    assert "118.0 of 168 h a week at 2 node(s)" in by_name(result)["pool"].reason


# --- allocatable, from the cited formulas ---------------------------------------------------


def test_eks_allocatable_from_the_ami_formulas() -> None:
    node = alloc.eks("m5.large")
    # ENI max pods 3 x (10 - 1) + 2 = 29; CPU 6 % of 1000m + 1 % of 1000m = 70m;
    # memory 11 x 29 + 255 = 574 MiB, + 100 MiB eviction.
    assert node.pods == 29
    assert node.cpu == pytest.approx(2 - 0.070)
    assert node.memory == 8 * GIB - (574 + 100) * MIB
    big = alloc.eks("m5.24xlarge")
    # 15 x (50 - 1) + 2 = 737 ENI pods, capped at 250 (96 vCPUs >= 30); reserved memory from
    # 737: 11 x 737 + 255 = 8362 MiB; CPU 60 + 10 + 10 + 0.25 % of 92,000m = 310m.
    assert big.pods == 250
    assert big.memory == 384 * GIB - (8362 + 100) * MIB
    assert big.cpu == pytest.approx(96 - 0.310)
    with pytest.raises(NotPriced, match="not in the aws catalog"):
        alloc.eks("m99.huge")


def test_gke_allocatable_from_the_documented_brackets() -> None:
    node = alloc.gke("e2-standard-4", None)
    # 16,384 MiB: 25 % of 4000 + 20 % of 4000 + 10 % of 8000 + 6 % of 384 = 2623 MiB.
    assert node.memory == 16 * GIB - (2623 + 100) * MIB
    assert node.cpu == pytest.approx(4 - 0.080) and node.pods == 110
    assert alloc.gke("e2-standard-4", 32).pods == 32
    tiny = alloc.gke("f1-micro", None)  # 0.6 GiB = 614 MiB <= 1000 MiB: 255 MiB
    assert tiny.memory == pytest.approx(0.6 * GIB - (255 + 100) * MIB)


def test_aks_allocatable_from_the_documented_table_and_formula() -> None:
    overlay = alloc.aks("Standard_D2s_v5", 250)
    # lesser of 20 x 250 + 50 = 5050 MiB and 25 % of 8192 = 2048 MiB; 2 cores: 100m.
    assert overlay.memory == 8 * GIB - (2048 + 100) * MIB
    assert overlay.cpu == pytest.approx(1.9)
    legacy = alloc.aks("Standard_D4s_v5", 30)  # 20 x 30 + 50 = 650 MiB; 4 cores: 140m
    assert legacy.memory == 16 * GIB - (650 + 100) * MIB and legacy.cpu == pytest.approx(3.86)
    assert (
        alloc.aks("Standard_D2s_v5", 30, windows=True).memory == 8 * GIB - (650 + 2048 + 100) * MIB
    )
    assert alloc.aks_default_max_pods("azure", "overlay", False) == 250
    assert alloc.aks_default_max_pods("azure", None, True) == 110
    assert alloc.aks_default_max_pods("azure", None, False) == 30
    assert alloc.aks_default_max_pods("kubenet", None, False) == 110
    assert alloc.aks_default_max_pods(None, None, False) is None


def test_aks_cpu_between_and_beyond_the_documented_core_counts() -> None:
    table = alloc.reservations().clouds.azure.cpu_millicores_by_cores
    assert alloc._aks_cpu(3, table) == 120  # between 2 (100m) and 4 (140m)
    assert alloc._aks_cpu(48, table) == 580  # between 32 (420m) and 64 (740m)
    assert alloc._aks_cpu(96, table) == 1060  # 740 + 32 x 10m, the table's own slope


def test_every_reservation_figure_cites_a_listed_source() -> None:
    data = alloc.reservations()
    ids = {source.id for source in data.sources}
    for cloud in (data.clouds.aws, data.clouds.gcp, data.clouds.azure):
        assert cloud.source and set(cloud.source) <= ids


# --- scheduling rules ------------------------------------------------------------------------


def test_requirements_on_pools_with_several_or_unknown_label_values() -> None:
    labels = {"kubernetes.io/arch": frozenset({"amd64"}), "zone": None, "size": frozenset({"4"})}
    assert Requirement("kubernetes.io/arch", "In", ("amd64", "arm64")).holds(labels)
    assert not Requirement("kubernetes.io/arch", "NotIn", ("amd64",)).holds(labels)
    assert Requirement("missing", "NotIn", ("x",)).holds(labels)  # absent labels pass NotIn
    assert Requirement("zone", "In", ("us-east-1a",)).holds(labels)  # unknown value: could be
    assert Requirement("zone", "Exists", ()).holds(labels)
    assert not Requirement("zone", "DoesNotExist", ()).holds(labels)
    assert Requirement("missing", "DoesNotExist", ()).holds(labels)
    assert Requirement("size", "Gt", ("3",)).holds(labels)
    assert not Requirement("size", "Lt", ("4",)).holds(labels)


def test_tolerations_and_taint_effects() -> None:
    taint = Taint("dedicated", "ml", "NoSchedule")
    assert Toleration("dedicated", "Equal", "ml", "").tolerates(taint)
    assert not Toleration("dedicated", "Equal", "web", "").tolerates(taint)
    assert Toleration("dedicated", "Exists", "", "NoSchedule").tolerates(taint)
    assert not Toleration("dedicated", "Exists", "", "NoExecute").tolerates(taint)
    assert Toleration("", "Exists", "", "").tolerates(taint)
    soft = Taint("busy", "", "PreferNoSchedule")
    assert Constraints().refusal({}, (soft,)) is None  # only discouraged, never refused
    assert Constraints().refusal({}, (taint,)) == "taint dedicated=ml:NoSchedule not tolerated"


# --- never raising ----------------------------------------------------------------------------

_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 50)
    | st.sampled_from(["1", "500m", "-1", "1Gi", "lots", UNKNOWN, "In", "Exists", "NoSchedule"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
_specs = st.fixed_dictionaries(
    {},
    optional={
        "containers": st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "resources": st.fixed_dictionaries(
                        {}, optional={"requests": _values, "limits": _values}
                    )
                    | _values
                },
            )
            | _values,
            max_size=2,
        )
        | _values,
        "initContainers": _values,
        "tolerations": _values,
        "nodeSelector": _values,
        "affinity": st.fixed_dictionaries({}, optional={"nodeAffinity": _values}) | _values,
        "overhead": _values,
    },
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=_specs, replicas=_values, kind=st.sampled_from(["Deployment", "DaemonSet"]))
def test_the_fit_never_raises_on_strange_pod_specs(
    spec: dict[str, Any], replicas: Any, kind: str
) -> None:
    web = deployment("web", replicas, spec, kind=kind)
    result = estimate(
        [component(), node_group("base", 1, 5), node_group("spot", 0, 5, spot=True), web]
    )
    item = by_name(result)["web"]
    assert item.status in ("free", "not-priced")
    assert "estimator error" not in item.reason, item.reason
    for pool in ("base", "spot"):
        assert by_name(result)[pool].status == "priced"


# --- a recorded stack -------------------------------------------------------------------------


def test_the_dev_stacks_workloads_run_on_its_pools() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    result = estimate(cost_inputs(record_stack(root, "dev")))
    workloads = [item for item in result.items if item.type == "kubernetes:apps/v1:Deployment"]
    assert workloads, "the dev stack runs a workload"
    for item in workloads:
        assert item.status == "free" and "runs on the node pools" in item.reason, item.reason
