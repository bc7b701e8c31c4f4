"""The Workload and NamespaceGuardrails components under the recording engine: the exact
inputs each Kubernetes object gets, spot placement on each cloud against the labels and taints
the cluster components really put on their nodes, and nothing registered on bad input."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import pytest

from tests.conftest import REPO_ROOT
from thrifty.cluster.spec import SPOT_TAINTS
from thrifty.monitoring.scrape import pod_monitor_manifest
from thrifty.monitoring.spec import ServiceScrape
from thrifty.offline.recording import RecordedResource, Recording, record_program, record_stack
from thrifty.tags import CostTags
from thrifty.workload.component import Workload, WorkloadArgs
from thrifty.workload.factory import create_workloads
from thrifty.workload.guardrails import NamespaceArgs, NamespaceGuardrails
from thrifty.workload.spec import NamespaceSpec, WorkloadSpec, WorkloadSpecError

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
SERVICE = "kubernetes:core/v1:Service"
HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
PDB = "kubernetes:policy/v1:PodDisruptionBudget"
VPA = "kubernetes:autoscaling.k8s.io/v1:VerticalPodAutoscaler"
NAMESPACE = "kubernetes:core/v1:Namespace"
LIMIT_RANGE = "kubernetes:core/v1:LimitRange"
QUOTA = "kubernetes:core/v1:ResourceQuota"
WORKLOAD_OBJECTS = (DEPLOYMENT, SERVICE, HPA, PDB, VPA)
GUARDRAIL_OBJECTS = (NAMESPACE, LIMIT_RANGE, QUOTA)
CLOUDS = ("aws", "gcp", "azure")

TAGS = CostTags.model_validate(
    {
        "project": "churn-predictor",
        "environment": "staging",
        "team": "ml-team",
        "cost-center": "engineering",
        "owner": "ml-team@company.com",
    }
)
COST_LABELS = TAGS.kubernetes()


def churn(**changes: Any) -> WorkloadSpec:
    return WorkloadSpec.model_validate(
        {"namespace": "ml", "image": "ghcr.io/company/churn-predictor:1.4.2", **changes}
    )


def record(program: Callable[[k8s.Provider], None]) -> Recording:
    def run() -> None:
        program(k8s.Provider("cluster-k8s", kubeconfig="{}"))

    return record_program(run, project="workload", stack="test")


def only(recording: Recording, type_token: str) -> RecordedResource:
    found = recording.of_type(type_token)
    assert len(found) == 1, [r.type for r in recording]
    return found[0]


def workload_recording(spec: WorkloadSpec, cloud: str = "aws") -> Recording:
    return record(
        lambda provider: Workload(
            "churn-predictor",
            WorkloadArgs(tags=TAGS, workload=spec, cloud=cloud, guardrails=NamespaceSpec()),
            provider=provider,
        )
    )


@pytest.fixture(scope="module")
def guide() -> Recording:
    """The guide's workload: every default, interruption-tolerant, on AWS."""
    return workload_recording(churn(interruptionTolerant=True))


def pod_of(recording: Recording) -> dict[str, Any]:
    spec: dict[str, Any] = only(recording, DEPLOYMENT).inputs["spec"]["template"]["spec"]
    return spec


# --------------------------------------------------------------------------- the objects


def test_the_deployment_has_the_guides_container(guide: Recording) -> None:
    deployment = only(guide, DEPLOYMENT).inputs
    assert deployment["metadata"]["name"] == "churn-predictor"
    assert deployment["metadata"]["namespace"] == "ml"
    assert "replicas" not in deployment["spec"]  # the HPA owns it
    selector = {"app.kubernetes.io/name": "churn-predictor"}
    assert deployment["spec"]["selector"] == {"matchLabels": selector}
    template_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert selector.items() <= template_labels.items()
    (container,) = pod_of(guide)["containers"]
    assert container["name"] == "churn-predictor"
    assert container["image"] == "ghcr.io/company/churn-predictor:1.4.2"
    assert container["ports"] == [{"name": "http", "containerPort": 8080}]
    assert container["resources"] == {
        "requests": {"cpu": "100m", "memory": "256Mi"},
        "limits": {"cpu": "500m", "memory": "512Mi"},
    }
    assert container["securityContext"]["allowPrivilegeEscalation"] is False


def test_readiness_and_liveness_probes(guide: Recording) -> None:
    (container,) = pod_of(guide)["containers"]
    for probe, failures in (("readinessProbe", 3), ("livenessProbe", 6)):
        assert container[probe] == {
            "httpGet": {"path": "/healthz", "port": "http"},
            "initialDelaySeconds": 10,
            "periodSeconds": 10,
            "failureThreshold": failures,
        }
    custom = workload_recording(churn(probes={"path": "/ready", "periodSeconds": 5}))
    (container,) = pod_of(custom)["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert container["livenessProbe"]["periodSeconds"] == 5


def test_the_hpa_has_the_guides_figures(guide: Recording) -> None:
    hpa = only(guide, HPA).inputs
    assert hpa["metadata"]["name"] == "churn-predictor"
    assert hpa["metadata"]["namespace"] == "ml"
    assert hpa["spec"] == {
        "scaleTargetRef": {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": "churn-predictor",
        },
        "minReplicas": 2,
        "maxReplicas": 10,
        "metrics": [
            {
                "type": "Resource",
                "resource": {
                    "name": "cpu",
                    "target": {"type": "Utilization", "averageUtilization": 70},
                },
            },
            {
                "type": "Resource",
                "resource": {
                    "name": "memory",
                    "target": {"type": "Utilization", "averageUtilization": 80},
                },
            },
        ],
        "behavior": {"scaleDown": {"stabilizationWindowSeconds": 300}},
    }


def test_the_hpa_follows_the_spec() -> None:
    recording = workload_recording(
        churn(
            autoscaling={
                "minReplicas": 3,
                "maxReplicas": 7,
                "cpuUtilization": 55,
                "memoryUtilization": 65,
                "scaleDownStabilizationSeconds": 600,
            }
        )
    )
    spec = only(recording, HPA).inputs["spec"]
    assert (spec["minReplicas"], spec["maxReplicas"]) == (3, 7)
    targets = [metric["resource"]["target"]["averageUtilization"] for metric in spec["metrics"]]
    assert targets == [55, 65]
    assert spec["behavior"]["scaleDown"]["stabilizationWindowSeconds"] == 600


def test_the_disruption_budget_allows_one_pod_at_a_time(guide: Recording) -> None:
    pdb = only(guide, PDB).inputs
    assert pdb["metadata"]["name"] == "churn-predictor"
    assert pdb["spec"] == {
        "maxUnavailable": 1,
        "selector": {"matchLabels": {"app.kubernetes.io/name": "churn-predictor"}},
        "unhealthyPodEvictionPolicy": "AlwaysAllow",
    }


def test_the_vpa_only_recommends(guide: Recording) -> None:
    vpa = only(guide, VPA).inputs
    assert vpa["apiVersion"] == "autoscaling.k8s.io/v1"
    assert vpa["kind"] == "VerticalPodAutoscaler"
    assert vpa["metadata"]["name"] == "churn-predictor"
    assert vpa["spec"] == {
        "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "churn-predictor"},
        "updatePolicy": {"updateMode": "Off"},
        "resourcePolicy": {
            "containerPolicies": [
                {
                    "containerName": "churn-predictor",
                    "controlledResources": ["cpu", "memory"],
                    "maxAllowed": {"cpu": "2", "memory": "4Gi"},  # the namespace's max
                }
            ]
        },
    }


def test_pods_spread_over_zones_and_nodes(guide: Recording) -> None:
    selector = {"matchLabels": {"app.kubernetes.io/name": "churn-predictor"}}
    assert pod_of(guide)["topologySpreadConstraints"] == [
        {
            "maxSkew": 1,
            "topologyKey": "topology.kubernetes.io/zone",
            "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": selector,
        },
        {
            "maxSkew": 1,
            "topologyKey": "kubernetes.io/hostname",
            "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": selector,
        },
    ]


def test_a_cluster_ip_service_routes_the_port_to_the_pods(guide: Recording) -> None:
    service = only(guide, SERVICE).inputs
    assert (service["metadata"]["name"], service["metadata"]["namespace"]) == (
        "churn-predictor",
        "ml",
    )
    assert service["spec"] == {
        "type": "ClusterIP",
        "selector": {"app.kubernetes.io/name": "churn-predictor"},
        "ports": [{"name": "http", "port": 8080, "targetPort": "http", "protocol": "TCP"}],
    }
    # It selects exactly the Deployment's pods and targets their container's named port.
    deployment = only(guide, DEPLOYMENT).inputs["spec"]
    assert service["spec"]["selector"] == deployment["selector"]["matchLabels"]
    assert (
        service["spec"]["selector"].items() <= deployment["template"]["metadata"]["labels"].items()
    )
    (container,) = deployment["template"]["spec"]["containers"]
    assert container["ports"] == [{"name": "http", "containerPort": 8080}]
    other = only(workload_recording(churn(port=9000)), SERVICE).inputs["spec"]["ports"]
    assert [(port["port"], port["targetPort"]) for port in other] == [(9000, "http")]


def test_the_monitoring_pod_monitor_scrapes_the_workloads_pods(guide: Recording) -> None:
    """The monitoring component's default PodMonitor selects these pods and their port."""
    monitor = pod_monitor_manifest("services", "monitoring", {}, ServiceScrape())
    template = only(guide, DEPLOYMENT).inputs["spec"]["template"]
    assert (
        monitor["spec"]["selector"]["matchLabels"].items() <= template["metadata"]["labels"].items()
    )
    (endpoint,) = monitor["spec"]["podMetricsEndpoints"]
    (container,) = template["spec"]["containers"]
    assert endpoint["port"] in {port["name"] for port in container["ports"]}


def test_the_vpa_waits_for_what_the_cluster_installs_for_it() -> None:
    def program(provider: k8s.Provider) -> None:
        # Stands for the cluster's VPA installation (its Helm release on EKS).
        addon = k8s.core.v1.ConfigMap(
            "vpa-installation",
            metadata={"name": "stand-in", "namespace": "kube-system"},
            opts=pulumi.ResourceOptions(provider=provider),
        )
        create_workloads(
            {"churn-predictor": churn()},
            {"ml": NamespaceSpec()},
            tags=TAGS,
            cluster=_Cluster(provider, addons=[addon]),
        )

    recording = record(program)
    addon = only(recording, "kubernetes:core/v1:ConfigMap")
    assert addon.urn in only(recording, VPA).dependencies
    for type_token in (DEPLOYMENT, SERVICE, HPA, PDB):  # nothing else waits for it
        assert addon.urn not in only(recording, type_token).dependencies


def test_every_object_and_the_pod_template_carry_the_cost_labels(guide: Recording) -> None:
    for type_token in WORKLOAD_OBJECTS:
        labels = only(guide, type_token).inputs["metadata"]["labels"]
        assert COST_LABELS.items() <= labels.items(), type_token
    template = only(guide, DEPLOYMENT).inputs["spec"]["template"]["metadata"]["labels"]
    assert COST_LABELS.items() <= template.items()
    assert COST_LABELS["owner"] == "ml-team_at_company.com"  # rendered for Kubernetes


def test_children_use_the_clusters_provider_and_the_component(guide: Recording) -> None:
    (component,) = guide.of_type("thrifty:workload:Workload")
    (provider,) = guide.of_type("pulumi:providers:kubernetes")
    for type_token in WORKLOAD_OBJECTS:
        child = only(guide, type_token)
        assert child.parent == component.urn
        assert child.provider_urn == provider.urn
    for type_token in (HPA, VPA):  # they name the Deployment: created after it
        assert only(guide, DEPLOYMENT).urn in only(guide, type_token).dependencies


# --------------------------------------------------------------------------- spot placement


def spot_preference() -> dict[str, Any]:
    return {
        "nodeAffinity": {
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {
                    "weight": 100,
                    "preference": {
                        "matchExpressions": [
                            {
                                "key": "thrifty.io/capacity-type",
                                "operator": "In",
                                "values": ["spot"],
                            }
                        ]
                    },
                }
            ]
        }
    }


@pytest.mark.parametrize("cloud", CLOUDS)
def test_a_tolerant_workload_prefers_spot_on_each_cloud(cloud: str) -> None:
    pod = pod_of(workload_recording(churn(interruptionTolerant=True), cloud))
    taint = SPOT_TAINTS[cloud]
    assert pod["tolerations"] == [
        {"key": taint.key, "operator": "Equal", "value": taint.value, "effect": "NoSchedule"}
    ]
    assert pod["affinity"] == spot_preference()
    assert pod["terminationGracePeriodSeconds"] == 25  # within GCP's and Azure's 30 s notice


@pytest.mark.parametrize("cloud", CLOUDS)
def test_other_workloads_stay_off_spot_nodes(cloud: str) -> None:
    pod = pod_of(workload_recording(churn(interruptionTolerant=False), cloud))
    assert "tolerations" not in pod
    assert "terminationGracePeriodSeconds" not in pod
    assert pod["affinity"] == {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {
                        "matchExpressions": [
                            {
                                "key": "thrifty.io/capacity-type",
                                "operator": "NotIn",
                                "values": ["spot"],
                            }
                        ]
                    }
                ]
            }
        }
    }


AKS_CLUSTER = "azure-native:containerservice:ManagedCluster"
AKS_POOL = "azure-native:containerservice:AgentPool"
#: Where each cloud's node pool resource holds its Kubernetes node labels and taints, and the
#: cloud's own word on whether its nodes are spot capacity.
POOL_TYPES: dict[str, tuple[str, str, Callable[[dict[str, Any]], bool]]] = {
    "aws:eks/nodeGroup:NodeGroup": (
        "labels",
        "taints",
        lambda inputs: inputs.get("capacityType") == "SPOT",
    ),
    "gcp:container/nodePool:NodePool": (
        "nodeConfig.labels",
        "nodeConfig.taints",
        lambda inputs: _at(inputs, "nodeConfig.spot") is True,
    ),
    AKS_POOL: (
        "nodeLabels",
        "nodeTaints",
        lambda inputs: inputs.get("scaleSetPriority") == "Spot",
    ),
}
_EFFECTS = {"NO_SCHEDULE": "NoSchedule", "PREFER_NO_SCHEDULE": "PreferNoSchedule"}


def _at(inputs: Any, path: str) -> Any:
    for part in path.split("."):
        inputs = inputs.get(part) if isinstance(inputs, dict) else None
    return inputs


def node_pools(
    recording: Recording,
) -> Iterator[tuple[str, bool, dict[str, str], set[tuple[str, str, str]]]]:
    """(pool, spot per the cloud, node labels, taints as key/value/effect) of every node pool."""
    pools = [(resource.name, resource.type, resource.inputs) for resource in recording]
    for resource in recording.of_type(AKS_CLUSTER):  # its inline (system) pool
        pools += [(resource.name, AKS_POOL, pool) for pool in resource.inputs["agentPoolProfiles"]]
    for name, type_token, inputs in pools:
        if type_token not in POOL_TYPES:
            continue
        labels_path, taints_path, is_spot = POOL_TYPES[type_token]
        taints: set[tuple[str, str, str]] = set()
        for taint in _at(inputs, taints_path) or []:
            if isinstance(taint, str):  # AKS: "key=value:Effect"
                pair, _, effect = taint.rpartition(":")
                key, _, value = pair.partition("=")
                taints.add((key, value, effect))
            else:
                taints.add((taint["key"], taint["value"], _EFFECTS[taint["effect"]]))
        yield name, is_spot(inputs), _at(inputs, labels_path) or {}, taints


def tolerated(pod: dict[str, Any], taints: set[tuple[str, str, str]]) -> bool:
    tolerations = {(t["key"], t["value"], t["effect"]) for t in pod.get("tolerations", [])}
    return taints <= tolerations


def matches(labels: dict[str, str], expression: dict[str, Any]) -> bool:
    """A node selector requirement (In / NotIn) against a node's labels, as the scheduler reads
    it: NotIn also matches a node without the label."""
    value = labels.get(expression["key"])
    inside = value is not None and value in expression["values"]
    return inside if expression["operator"] == "In" else not inside


@pytest.mark.parametrize("stack", ["dev", "gcp-dev", "azure-dev"])
def test_spot_rules_match_the_labels_and_taints_the_cluster_puts_on_its_nodes(stack: str) -> None:
    """Place the reference workload, by its recorded affinity and tolerations, on the node
    pools the cluster component recorded: a tolerant pod may run anywhere and prefers exactly
    the pools the cloud runs as spot; a non-tolerant one is kept off exactly those."""
    recording = record_stack(REPO_ROOT, stack)
    tolerant = pod_of(recording)
    assert tolerant.get("tolerations"), "the dev stacks' workload is interruption-tolerant"
    cloud = {"dev": "aws", "gcp-dev": "gcp", "azure-dev": "azure"}[stack]
    strict = pod_of(workload_recording(churn(interruptionTolerant=False), cloud))
    (preferred,) = tolerant["affinity"]["nodeAffinity"][
        "preferredDuringSchedulingIgnoredDuringExecution"
    ]
    (prefers,) = preferred["preference"]["matchExpressions"]
    (required,) = strict["affinity"]["nodeAffinity"][
        "requiredDuringSchedulingIgnoredDuringExecution"
    ]["nodeSelectorTerms"]
    (excludes,) = required["matchExpressions"]
    pools = list(node_pools(recording))
    assert any(spot for _, spot, _, _ in pools) and not all(spot for _, spot, _, _ in pools)
    for name, spot, labels, taints in pools:
        assert matches(labels, prefers) == spot, (name, labels)
        assert tolerated(tolerant, taints), (name, taints)
        assert matches(labels, excludes) == (not spot), (name, labels)
        if spot:
            assert not tolerated(strict, taints)  # the taint keeps it off, too
            assert (SPOT_TAINTS[cloud].key, SPOT_TAINTS[cloud].value, "NoSchedule") in taints


# --------------------------------------------------------------------------- guardrails


@pytest.fixture(scope="module")
def guarded() -> Recording:
    return record(
        lambda provider: NamespaceGuardrails(
            "ml", NamespaceArgs(tags=TAGS, namespace=NamespaceSpec()), provider=provider
        )
    )


def test_the_namespace_limit_range_and_quota(guarded: Recording) -> None:
    assert only(guarded, NAMESPACE).inputs["metadata"]["name"] == "ml"
    limits = only(guarded, LIMIT_RANGE).inputs
    assert limits["metadata"]["namespace"] == "ml"
    assert limits["spec"] == {
        "limits": [
            {
                "type": "Container",
                "defaultRequest": {"cpu": "100m", "memory": "256Mi"},
                "default": {"cpu": "500m", "memory": "512Mi"},
                "max": {"cpu": "2", "memory": "4Gi"},
            }
        ]
    }
    quota = only(guarded, QUOTA).inputs
    assert quota["metadata"]["namespace"] == "ml"
    assert quota["spec"] == {
        "hard": {
            "requests.cpu": "8",
            "requests.memory": "16Gi",
            "limits.cpu": "16",
            "limits.memory": "32Gi",
            "requests.nvidia.com/gpu": "0",
            "persistentvolumeclaims": "10",
            "requests.storage": "200Gi",
        }
    }


def test_guardrails_are_labelled_and_made_inside_their_namespace(guarded: Recording) -> None:
    namespace = only(guarded, NAMESPACE)
    for type_token in GUARDRAIL_OBJECTS:
        labels = only(guarded, type_token).inputs["metadata"]["labels"]
        assert COST_LABELS.items() <= labels.items(), type_token
    for type_token in (LIMIT_RANGE, QUOTA):
        assert namespace.urn in only(guarded, type_token).dependencies


def test_create_workloads_builds_guardrails_before_workloads() -> None:
    recording = record(
        lambda provider: create_workloads(
            {"churn-predictor": churn()},
            {"ml": NamespaceSpec()},
            tags=TAGS,
            cluster=_Cluster(provider),
        )
    )
    (component,) = recording.of_type("thrifty:workload:Workload")
    for type_token in GUARDRAIL_OBJECTS:
        assert only(recording, type_token).urn in component.dependencies
    assert only(recording, DEPLOYMENT).inputs["metadata"]["namespace"] == "ml"


class _Cluster:
    """A stand-in for a cluster component: its plan's cloud, its provider and add-ons, and no
    off hours (the real components are in test_cluster_addons and test_cluster_offhours)."""

    def __init__(
        self, provider: k8s.Provider, cloud: str = "gcp", addons: list[Any] | None = None
    ) -> None:
        self.kubernetes_provider = provider
        self.plan = type("Plan", (), {"cloud": cloud})()
        self.addons = addons or []
        self.off_hours = None


# --------------------------------------------------------------------------- bad input


def registered(program: Callable[[k8s.Provider], None]) -> tuple[list[str], BaseException | None]:
    """The types a program registered (providers aside) and the error it raised."""

    def run() -> None:
        program(k8s.Provider("cluster-k8s", kubeconfig="{}"))

    recording = record_program(run, project="workload", stack="test", raise_errors=False)
    return [
        r.type for r in recording if not r.is_provider and r.type != "pulumi:pulumi:Stack"
    ], recording.error


def test_a_container_above_the_namespace_max_registers_nothing() -> None:
    big = churn(
        resources={
            "requests": {"cpu": "1", "memory": "1Gi"},
            "limits": {"cpu": "4", "memory": "1Gi"},
        }
    )
    types, error = registered(
        lambda provider: Workload(
            "churn-predictor",
            WorkloadArgs(tags=TAGS, workload=big, cloud="aws", guardrails=NamespaceSpec()),
            provider=provider,
        )
    )
    assert types == []
    assert isinstance(error, WorkloadSpecError)
    assert "limits.cpu: '4' is above limitRange.max.cpu '2' of namespace 'ml'" in str(error)


def test_an_unguarded_workload_in_a_guarded_stack_registers_nothing() -> None:
    types, error = registered(
        lambda provider: create_workloads(
            {"churn-predictor": churn(namespace="web")},
            {"ml": NamespaceSpec()},
            tags=TAGS,
            cluster=_Cluster(provider),
        )
    )
    assert types == []  # not even the namespace that was fine
    assert isinstance(error, WorkloadSpecError)
    assert "'web' is not a key of thrifty:namespaces (allowed: ml)" in str(error)


def test_guarding_a_system_namespace_registers_nothing() -> None:
    types, error = registered(
        lambda provider: NamespaceGuardrails(
            "kube-system", NamespaceArgs(tags=TAGS, namespace=NamespaceSpec()), provider=provider
        )
    )
    assert types == []
    assert isinstance(error, WorkloadSpecError)
    assert "'kube-system' exists in every cluster" in str(error)


def test_invalid_specs_fail_before_the_component_exists() -> None:
    types, error = registered(
        lambda provider: Workload(
            "churn-predictor",
            WorkloadArgs(
                tags=TAGS,
                workload=churn(autoscaling={"minReplicas": 4, "maxReplicas": 2}),
                cloud="aws",
            ),
            provider=provider,
        )
    )
    assert types == []
    assert "minReplicas 4 is above maxReplicas 2" in str(error)


def test_a_quota_too_small_for_the_minimum_registers_nothing() -> None:
    tiny = NamespaceSpec.model_validate({"quota": {"requestsCpu": "100m"}})
    types, error = registered(
        lambda provider: Workload(
            "churn-predictor",
            WorkloadArgs(tags=TAGS, workload=churn(), cloud="gcp", guardrails=tiny),
            provider=provider,
        )
    )
    assert types == []
    assert "namespaces.ml.quota.requestsCpu: '100m' cannot hold" in str(error)
