"""What every cluster component installs for workloads: the resource metrics their
HorizontalPodAutoscalers read and the VerticalPodAutoscaler API their right-sizing reads.

EKS runs neither by default: it gets metrics-server as EKS's community add-on and the VPA's
recommender from the official chart (recommendation mode only), whose every value is a key of
the pinned chart version's values.yaml (tests/fixtures/charts). GKE and AKS run metrics-server
themselves and switch their managed VPA on in the cluster resource. Both switches
(``metricsServer``, ``verticalPodAutoscaler``) default to on; the workloads' VPA objects are
created after what installs the API. Recorded under the SDK mock engine.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.chart_keys import chart_keys
from thrifty.cluster.kube import (
    AUTOSCALER_REPOSITORY,
    VPA_CHART,
    VPA_CHART_VERSION,
    VPA_RECOMMENDER_RESOURCES,
    vpa_values,
)
from thrifty.cluster.spec import Cloud, ClusterArgs, ClusterSpec, ClusterSpecError, plan_cluster
from thrifty.config import validate_environment_config
from thrifty.offline.project import load_project
from thrifty.offline.recording import RecordedResource, Recording, record_program, record_stack
from thrifty.quantities import parse_quantity
from thrifty.tags import CostTags

ROOT = Path(__file__).resolve().parents[1]
ADDON = "aws:eks/addon:Addon"
RELEASE = "kubernetes:helm.sh/v3:Release"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
GKE = "gcp:container/cluster:Cluster"
AKS = "azure-native:containerservice:ManagedCluster"
VPA = "kubernetes:autoscaling.k8s.io/v1:VerticalPodAutoscaler"
OFF = {"metricsServer": False, "verticalPodAutoscaler": False}


def tags(environment: str) -> CostTags:
    return CostTags.model_validate(
        {
            "project": "churn-predictor",
            "environment": environment,
            "team": "ml-team",
            "cost-center": "engineering",
            "owner": "ml-team@company.com",
        }
    )


def spec(types: dict[str, list[str]], **switches: bool) -> ClusterSpec:
    """A one-zone cluster (a system pool, a spot pool) of ``types`` with ``switches``."""
    return ClusterSpec.model_validate(
        {
            "zones": 1,
            "systemPool": {
                "name": "system", "instanceTypes": types["system"], "vcpus": 2,
                "memoryGib": 8, "minSize": 1, "maxSize": 2,
            },
            "spotPools": [
                {
                    "name": "spot", "instanceTypes": types["spot"], "vcpus": 4,
                    "memoryGib": 16, "minSize": 0, "maxSize": 6,
                }
            ],
            **switches,
        }
    )  # fmt: skip


TYPES = {
    "aws": {"system": ["t3.large"], "spot": ["m5.xlarge", "m5a.xlarge", "m6i.xlarge"]},
    "gcp": {
        "system": ["e2-standard-2"],
        "spot": ["e2-standard-4", "n2-standard-4", "n2d-standard-4"],
    },
    "azure": {
        "system": ["Standard_D2s_v5"],
        "spot": ["Standard_D4s_v5", "Standard_D4as_v5", "Standard_D4s_v4"],
    },
}  # fmt: skip


def cluster_program(cloud: str, cluster: ClusterSpec) -> Callable[[], None]:
    """A development cluster on ``cloud`` behind its foundation's provider."""

    def program() -> None:
        from thrifty.foundation.spec import FoundationArgs

        development = tags("development")
        if cloud == "aws":
            from thrifty.cluster.aws import EksCluster, EksClusterArgs
            from thrifty.foundation.aws import AwsFoundation

            aws = AwsFoundation("platform", FoundationArgs(tags=development, region="us-east-1"))
            EksCluster(
                "cluster",
                EksClusterArgs(tags=development, cluster=cluster, region="us-east-1"),
                provider=aws.provider,
            )
        elif cloud == "gcp":
            from thrifty.cluster.gcp import GkeCluster, GkeClusterArgs

            GkeCluster(
                "cluster",
                GkeClusterArgs(
                    tags=development, cluster=cluster, project="churn-dev", region="us-central1"
                ),
            )
        else:
            from thrifty.cluster.azure import AksCluster, AksClusterArgs
            from thrifty.foundation.azure import AzureFoundation

            azure = AzureFoundation("platform", FoundationArgs(tags=development, region="eastus"))
            AksCluster(
                "cluster",
                AksClusterArgs(
                    tags=development,
                    cluster=cluster,
                    resource_group_name=azure.resource_group.name,
                    location="eastus",
                ),
                provider=azure.provider,
            )

    return program


@cache
def recorded(cloud: str, switched_off: tuple[str, ...] = ()) -> Recording:
    switches = {key: False for key in switched_off}
    config = {"aws": {}, "gcp": {"gcp:project": "churn-dev"}, "azure": {}}[cloud]
    return record_program(
        cluster_program(cloud, spec(TYPES[cloud], **switches)), stack="dev", config=config
    )


@cache
def dev_stack() -> Recording:
    return record_stack(ROOT, "dev")


def only(resources: list[RecordedResource]) -> RecordedResource:
    assert len(resources) == 1, [resource.name for resource in resources]
    return resources[0]


def vpa_release(recording: Recording) -> list[RecordedResource]:
    return [r for r in recording.of_type(RELEASE) if r.inputs["chart"] == VPA_CHART]


def metrics_server(recording: Recording) -> list[RecordedResource]:
    return [r for r in recording.of_type(ADDON) if r.inputs["addonName"] == "metrics-server"]


def dev_plan(environment: str = "development") -> Any:
    cluster = spec(TYPES["aws"]).model_copy(update={"zones": 2})
    if environment == "production":
        cluster = cluster.model_copy(
            update={"system_pool": cluster.system_pool.model_copy(update={"min_size": 2})}
        )
    return plan_cluster("cluster", ClusterArgs(tags=tags(environment), cluster=cluster), "aws")


# --------------------------------------------------------------------------- the switches


def test_both_switches_default_to_on_and_read_camel_case() -> None:
    cluster = spec(TYPES["aws"])
    assert (cluster.metrics_server, cluster.vertical_pod_autoscaler) == (True, True)
    off = spec(TYPES["aws"], **OFF)
    assert (off.metrics_server, off.vertical_pod_autoscaler) == (False, False)


@pytest.mark.parametrize(("cloud", "service"), [("gcp", "GKE"), ("azure", "AKS")])
def test_metrics_server_cannot_be_switched_off_where_the_cloud_runs_it(
    cloud: Cloud, service: str
) -> None:
    args = ClusterArgs(tags=tags("development"), cluster=spec(TYPES[cloud], metricsServer=False))
    with pytest.raises(ClusterSpecError) as raised:
        plan_cluster("cluster", args, cloud)
    assert raised.value.problems == [
        f"cluster.metricsServer: false is for EKS only; {service} runs metrics-server itself "
        "and it cannot be turned off (leave metricsServer unset or true)"
    ]
    aws = ClusterArgs(tags=tags("development"), cluster=spec(TYPES["aws"], metricsServer=False))
    assert plan_cluster("cluster", aws, "aws").spec.metrics_server is False


def test_the_reference_stacks_keep_the_defaults() -> None:
    project = load_project(ROOT)
    for stack in ("dev", "staging", "production", "gcp-dev", "azure-dev"):
        config = validate_environment_config(project.stack_config(stack), stack=stack)
        assert config.cluster is not None
        assert config.cluster.metrics_server and config.cluster.vertical_pod_autoscaler, stack


# --------------------------------------------------------------------------- the VPA chart


def test_the_vpa_keys_file_cites_the_pinned_chart_release() -> None:
    keys = chart_keys(VPA_CHART, VPA_CHART_VERSION)
    assert keys.source["repo"] == "kubernetes/autoscaler"
    assert (
        keys.source["path"] == "vertical-pod-autoscaler/charts/vertical-pod-autoscaler/values.yaml"
    )
    assert keys.source["version"] == VPA_CHART_VERSION == "0.11.0"
    assert keys.source["commit"] == "49ef1cb46052db6dac5a59e25e8ab8f9385f4c89"
    assert len(keys.keys) > 100 and not keys.dependencies


@pytest.mark.parametrize("environment", ["development", "production"])
def test_every_vpa_value_is_a_documented_key(environment: str) -> None:
    keys = chart_keys(VPA_CHART, VPA_CHART_VERSION)
    assert list(keys.unknown(vpa_values(dev_plan(environment), tags(environment)))) == []


def test_the_key_check_finds_a_misspelt_vpa_value() -> None:
    keys = chart_keys(VPA_CHART, VPA_CHART_VERSION)
    values = {"recommender": {"replica": 1, "podDisruptionBudget": {"enable": False}}}
    assert list(keys.unknown(values)) == [
        "recommender.replica",
        "recommender.podDisruptionBudget.enable",
    ]


def test_the_vpa_only_recommends_with_resources_of_its_own() -> None:
    values = vpa_values(dev_plan(), tags("development"))
    assert values["admissionController"] == {"enabled": False}  # never rewrites a pod
    assert values["updater"] == {"enabled": False}  # never evicts one
    recommender = values["recommender"]
    assert recommender["enabled"] is True
    assert (
        recommender["resources"]
        == VPA_RECOMMENDER_RESOURCES
        == {
            "requests": {"cpu": "50m", "memory": "500Mi"},
            "limits": {"cpu": "200m", "memory": "1000Mi"},
        }
    )
    for resource in ("cpu", "memory"):
        request = parse_quantity(recommender["resources"]["requests"][resource], resource)
        assert request <= parse_quantity(recommender["resources"]["limits"][resource], resource)
    assert recommender["nodeSelector"] == {"thrifty.io/role": "system"}  # on-demand, not spot
    labels = tags("development").kubernetes()
    assert values["commonLabels"] == recommender["podLabels"] == labels


def test_one_recommender_outside_production_and_no_budget_that_blocks_its_node() -> None:
    development = vpa_values(dev_plan(), tags("development"))["recommender"]
    assert development["replicas"] == 1
    assert development["podDisruptionBudget"] == {"enabled": False}
    production = vpa_values(dev_plan("production"), tags("production"))["recommender"]
    assert production["replicas"] == 2
    assert production["podDisruptionBudget"] == {"enabled": True}


# --------------------------------------------------------------------------- EKS


def test_eks_gets_metrics_server_as_its_community_addon() -> None:
    recording = dev_stack()
    addon = only(metrics_server(recording))
    assert addon.inputs["tags"]["environment"] == "development"
    assert "addonVersion" not in addon.inputs  # EKS picks the cluster version's default
    (eks,) = recording.of_type("aws:eks/cluster:Cluster")
    assert eks.urn in addon.dependencies
    for group in recording.of_type(NODE_GROUP):  # its pods need nodes
        assert group.urn in addon.dependencies


def test_eks_gets_the_vpa_recommender_through_the_cluster_provider() -> None:
    recording = dev_stack()
    release = only(vpa_release(recording))
    inputs = release.inputs
    assert (inputs["name"], inputs["chart"], inputs["version"]) == (
        VPA_CHART,
        VPA_CHART,
        VPA_CHART_VERSION,
    )
    assert inputs["repositoryOpts"] == {"repo": AUTOSCALER_REPOSITORY}
    assert AUTOSCALER_REPOSITORY == "https://kubernetes.github.io/autoscaler"
    assert inputs["namespace"] == "kube-system"
    assert inputs["skipCrds"] is False  # the chart's CRDs, on first install
    config = validate_environment_config(load_project(ROOT).stack_config("dev"), stack="dev")
    assert config.cluster is not None
    plan = plan_cluster(
        "cluster", ClusterArgs(tags=config.cost_tags(), cluster=config.cluster), "aws"
    )
    assert inputs["values"] == vpa_values(plan, config.cost_tags())
    provider = recording.provider_of(release)
    (cluster,) = recording.of_type("thrifty:cluster:EksCluster")
    assert provider is not None and provider.parent == cluster.urn
    assert provider.type == "pulumi:providers:kubernetes"
    # After the nodes it runs on and the metrics it reads.
    assert only(metrics_server(recording)).urn in release.dependencies
    for group in recording.of_type(NODE_GROUP):
        assert group.urn in release.dependencies


def test_the_workloads_vpa_waits_for_the_eks_installation() -> None:
    recording = dev_stack()
    (vpa,) = recording.of_type(VPA)
    assert only(vpa_release(recording)).urn in vpa.dependencies
    assert only(metrics_server(recording)).urn in vpa.dependencies


@pytest.mark.parametrize(
    ("switched_off", "addons", "vpa"),
    [
        ((), True, True),
        (("verticalPodAutoscaler",), True, False),
        (("metricsServer",), False, True),
        (("metricsServer", "verticalPodAutoscaler"), False, False),
    ],
)
def test_eks_installs_what_its_switches_say(
    switched_off: tuple[str, ...], addons: bool, vpa: bool
) -> None:
    recording = recorded("aws", switched_off)
    assert len(metrics_server(recording)) == int(addons)
    assert len(vpa_release(recording)) == int(vpa)
    # Whatever the switches, the cluster-autoscaler is still there.
    charts = {r.inputs["chart"] for r in recording.of_type(RELEASE)}
    assert "cluster-autoscaler" in charts


# --------------------------------------------------------------------------- GKE and AKS


@pytest.mark.parametrize("switched_off", [(), ("verticalPodAutoscaler",)])
def test_gke_switches_its_managed_vpa(switched_off: tuple[str, ...]) -> None:
    recording = recorded("gcp", switched_off)
    gke = only(recording.of_type(GKE))
    assert gke.inputs["verticalPodAutoscaling"] == {"enabled": not switched_off}
    assert not vpa_release(recording) and not recording.of_type(ADDON)


@pytest.mark.parametrize("switched_off", [(), ("verticalPodAutoscaler",)])
def test_aks_switches_its_managed_vpa(switched_off: tuple[str, ...]) -> None:
    recording = recorded("azure", switched_off)
    aks = only(recording.of_type(AKS))
    assert aks.inputs["workloadAutoScalerProfile"] == {
        "verticalPodAutoscaler": {"enabled": not switched_off}
    }
    assert not vpa_release(recording)


def test_on_gke_and_aks_the_workloads_vpa_comes_after_the_cluster() -> None:
    recording = record_stack(ROOT, "azure-dev")
    (vpa,) = recording.of_type(VPA)
    assert only(recording.of_type(AKS)).urn in vpa.dependencies
    assert not vpa_release(recording)
