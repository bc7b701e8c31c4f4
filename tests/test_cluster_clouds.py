"""The cluster components per cloud, recorded under the SDK mock engine from the reference
stacks (and production programs for GCP and Azure): spot pools are spot with >= 3 types,
autoscaling bounds match the stack's config, spot nodes are tainted, IMDSv2 is required on
AWS, every taggable resource is tagged, production keeps an on-demand baseline, dev has the
off-hours schedule and production none, and the autoscaler / kubeconfig wiring is right."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from thrifty.cluster.spec import ClusterArgs, ClusterSpec, OffHoursSpec, plan_cluster
from thrifty.config import CapsConfig, EnvironmentConfig, validate_environment_config
from thrifty.offline.project import load_project
from thrifty.offline.recording import RecordedResource, Recording, record_program, record_stack
from thrifty.taggable import tag_path, tags_of
from thrifty.tags import COST_TAG_KEYS, CostTags

ROOT = Path(__file__).resolve().parents[1]
SECRET_SIG = "4dabf18193072939515e22adb298388d"
CLUSTER_TYPES = {
    "aws": "thrifty:cluster:EksCluster",
    "gcp": "thrifty:cluster:GkeCluster",
    "azure": "thrifty:cluster:AksCluster",
}
OWNER = "ml-team@company.com"


def stack_config(stack: str) -> EnvironmentConfig:
    project = load_project(ROOT)
    return validate_environment_config(project.stack_config(stack), stack=stack)


def cluster_of(config: EnvironmentConfig) -> ClusterSpec:
    assert config.cluster is not None
    return config.cluster


def in_component(recording: Recording, type_token: str) -> list[RecordedResource]:
    """Every resource below the (single) component of ``type_token``."""
    (component,) = recording.of_type(type_token)
    by_urn = recording.by_urn()

    def below(resource: RecordedResource) -> bool:
        parent = resource.parent
        while parent:
            if parent == component.urn:
                return True
            parent = by_urn[parent].parent if parent in by_urn else ""
        return False

    return [resource for resource in recording if below(resource)]


def of_type(resources: list[RecordedResource], type_token: str) -> list[RecordedResource]:
    return [resource for resource in resources if resource.type == type_token]


def unsecret(value: Any) -> Any:
    """The plain value of a secret in wire form."""
    if isinstance(value, dict) and SECRET_SIG in value:
        return value["value"]
    return value


def assert_cost_tags(resource: RecordedResource, tags: dict[str, Any] | None) -> None:
    assert tags is not None, f"{resource.type} {resource.name} has no tags"
    missing = [key for key in COST_TAG_KEYS if not tags.get(key)]
    assert not missing, f"{resource.type} {resource.name} lacks {missing}"


def assert_every_taggable_resource_tagged(resources: list[RecordedResource]) -> int:
    checked = 0
    for resource in resources:
        if resource.custom and not resource.is_provider and tag_path(resource.type):
            assert_cost_tags(resource, tags_of(resource.type, resource.inputs))
            checked += 1
    return checked


@pytest.fixture(scope="module")
def aws_dev() -> Recording:
    return record_stack(ROOT, "dev")


@pytest.fixture(scope="module")
def aws_production() -> Recording:
    return record_stack(ROOT, "production")


@pytest.fixture(scope="module")
def gcp_dev() -> Recording:
    return record_stack(ROOT, "gcp-dev")


@pytest.fixture(scope="module")
def azure_dev() -> Recording:
    return record_stack(ROOT, "azure-dev")


# The same stacks as `pulumi up` leaves them (preview=False), for the tests that check values
# known only after apply: resource ids, Auto Scaling group names, cluster endpoints and
# certificates, service-account emails.
@pytest.fixture(scope="module")
def aws_dev_up() -> Recording:
    return record_stack(ROOT, "dev", preview=False)


@pytest.fixture(scope="module")
def aws_production_up() -> Recording:
    return record_stack(ROOT, "production", preview=False)


@pytest.fixture(scope="module")
def gcp_dev_up() -> Recording:
    return record_stack(ROOT, "gcp-dev", preview=False)


@pytest.fixture(scope="module")
def azure_dev_up() -> Recording:
    return record_stack(ROOT, "azure-dev", preview=False)


def production_tags() -> CostTags:
    return CostTags.model_validate(
        {
            "project": "churn-predictor",
            "environment": "production",
            "team": "ml-team",
            "cost-center": "engineering",
            "owner": OWNER,
        }
    )


def production_spec(system: list[str], base: list[str], spot: list[str]) -> ClusterSpec:
    return ClusterSpec.model_validate(
        {
            "zones": 3,
            "systemPool": {
                "name": "system", "instanceTypes": system, "vcpus": 2, "memoryGib": 8,
                "minSize": 3, "maxSize": 4,
            },
            "onDemandPools": [
                {
                    "name": "base", "instanceTypes": base, "vcpus": 4, "memoryGib": 16,
                    "minSize": 3, "maxSize": 6,
                }
            ],
            "spotPools": [
                {
                    "name": "spot", "instanceTypes": spot, "vcpus": 4, "memoryGib": 16,
                    "minSize": 0, "desiredSize": 3, "maxSize": 12,
                }
            ],
        }
    )  # fmt: skip


GCP_PRODUCTION = production_spec(
    ["e2-standard-2"], ["n2-standard-4"], ["e2-standard-4", "n2-standard-4", "n2d-standard-4"]
)
AZURE_PRODUCTION = production_spec(
    ["Standard_D2s_v5"],
    ["Standard_D4s_v5"],
    ["Standard_D4s_v5", "Standard_D4as_v5", "Standard_D4s_v4"],
)


@pytest.fixture(scope="module")
def gcp_production() -> Recording:
    def program() -> None:
        from thrifty.cluster.gcp import GkeCluster, GkeClusterArgs
        from thrifty.foundation.gcp import GcpFoundation
        from thrifty.foundation.spec import FoundationArgs

        tags = production_tags()
        foundation = GcpFoundation(
            "platform", FoundationArgs(tags=tags, region="us-central1", gcp_project="churn-prd")
        )
        GkeCluster(
            "cluster",
            GkeClusterArgs(
                tags=tags, cluster=GCP_PRODUCTION, caps=CapsConfig(), project="churn-prd",
                region="us-central1", public_access_cidrs=["203.0.113.0/24"],
            ),
            provider=foundation.provider,
        )  # fmt: skip

    # preview=False: its pools' service-account email is known only after apply.
    return record_program(
        program, stack="production", config={"thrifty:region": "us-central1"}, preview=False
    )


@pytest.fixture(scope="module")
def azure_production() -> Recording:
    def program() -> None:
        from thrifty.cluster.azure import AksCluster, AksClusterArgs
        from thrifty.foundation.azure import AzureFoundation
        from thrifty.foundation.spec import FoundationArgs

        tags = production_tags()
        foundation = AzureFoundation("platform", FoundationArgs(tags=tags, region="eastus"))
        AksCluster(
            "cluster",
            AksClusterArgs(
                tags=tags, cluster=AZURE_PRODUCTION, caps=CapsConfig(),
                resource_group_name=foundation.resource_group.name, location="eastus",
                public_access_cidrs=["203.0.113.0/24"],
            ),
            provider=foundation.provider,
        )  # fmt: skip

    return record_program(program, stack="production", config={"thrifty:region": "eastus"})


# ----------------------------------------------------------------------------------- AWS

NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"


def node_groups(recording: Recording) -> dict[str, RecordedResource]:
    return {group.inputs["nodeGroupName"]: group for group in recording.of_type(NODE_GROUP)}


@pytest.mark.parametrize("stack", ["dev", "production"])
def test_eks_pools_match_the_stack_config(
    stack: str, aws_dev: Recording, aws_production: Recording
) -> None:
    recording = {"dev": aws_dev, "production": aws_production}[stack]
    spec = cluster_of(stack_config(stack))
    groups = node_groups(recording)
    assert set(groups) == {pool.name for _, pool in spec.pools()}
    for role, pool in spec.pools():
        inputs = groups[pool.name].inputs
        assert inputs["capacityType"] == ("SPOT" if role == "spot" else "ON_DEMAND")
        assert inputs["instanceTypes"] == pool.instance_types
        if role == "spot":
            assert len(inputs["instanceTypes"]) >= 3
        assert inputs["scalingConfig"] == {
            "minSize": pool.min_size,
            "desiredSize": pool.desired,
            "maxSize": pool.max_size,
        }
        assert groups[pool.name].ignore_changes == ("scalingConfig.desiredSize",)


@pytest.mark.parametrize("stack", ["dev", "production"])
def test_eks_spot_nodes_are_tainted_and_labelled(
    stack: str, aws_dev: Recording, aws_production: Recording
) -> None:
    recording = {"dev": aws_dev, "production": aws_production}[stack]
    spot_taint = {"key": "thrifty.io/spot", "value": "true", "effect": "NO_SCHEDULE"}
    for group in recording.of_type(NODE_GROUP):
        spot = group.inputs["capacityType"] == "SPOT"
        assert (spot_taint in group.inputs.get("taints", [])) == spot, group.name
        assert group.inputs["labels"]["thrifty.io/capacity-type"] == (
            "spot" if spot else "on-demand"
        )


def test_eks_launch_templates_require_imdsv2_and_every_group_uses_one(
    aws_dev_up: Recording, aws_production_up: Recording
) -> None:
    for recording in (aws_dev_up, aws_production_up):
        templates = {
            lt.resource_id: lt for lt in recording.of_type("aws:ec2/launchTemplate:LaunchTemplate")
        }
        for lt in templates.values():
            assert lt.inputs["metadataOptions"]["httpTokens"] == "required"
            assert lt.inputs["metadataOptions"]["httpPutResponseHopLimit"] == 1
            (disk,) = lt.inputs["blockDeviceMappings"]
            assert disk["ebs"]["encrypted"] == "true" and disk["ebs"]["volumeType"] == "gp3"
            kinds = {spec["resourceType"] for spec in lt.inputs["tagSpecifications"]}
            assert {"instance", "volume"} <= kinds
            for spec in lt.inputs["tagSpecifications"]:
                assert_cost_tags(lt, spec["tags"])
        groups = recording.of_type(NODE_GROUP)
        assert groups and all(g.inputs["launchTemplate"]["id"] in templates for g in groups)


def test_eks_leaves_the_autoscaler_discovery_tags_to_eks(aws_dev_up: Recording) -> None:
    # EKS tags each managed node group's Auto Scaling group itself (issue 12, item 13;
    # tests/test_network_clusters.py): no Pulumi copies that would delete EKS's tag with them.
    assert not aws_dev_up.of_type("aws:autoscaling/tag:Tag")
    for group in aws_dev_up.of_type(NODE_GROUP):
        assert not [key for key in group.inputs["tags"] if key.startswith("k8s.io/")]


def test_eks_production_has_an_on_demand_baseline_and_no_schedule(
    aws_production: Recording,
) -> None:
    spec = cluster_of(stack_config("production"))
    groups = node_groups(aws_production)
    on_demand = [g for g in groups.values() if g.inputs["capacityType"] == "ON_DEMAND"]
    assert sum(g.inputs["scalingConfig"]["minSize"] for g in on_demand) >= spec.zones + 1
    assert groups["system"].inputs["scalingConfig"]["minSize"] >= spec.zones == 3
    assert len(groups["system"].inputs["subnetIds"]) == 3
    assert not aws_production.of_type("aws:autoscaling/schedule:Schedule")
    assert not aws_production.of_type("kubernetes:batch/v1:CronJob")


def test_eks_autoscaler_installed_through_the_cluster_provider(aws_dev_up: Recording) -> None:
    (release,) = [
        r for r in aws_dev_up.of_type("kubernetes:helm.sh/v3:Release")
        if r.inputs["chart"] == "cluster-autoscaler"
    ]  # fmt: skip
    provider = aws_dev_up.provider_of(release)
    assert provider is not None and provider.type == "pulumi:providers:kubernetes"
    kubeconfig = json.loads(unsecret(provider.inputs["kubeconfig"]))
    assert SECRET_SIG in provider.inputs["kubeconfig"], "kubeconfig must be secret"
    (server,) = kubeconfig["clusters"]
    assert server["name"] == kubeconfig["current-context"] == "churn-predictor-dev-cluster"
    # The endpoint and CA are the EKS cluster's outputs (offline answers here).
    assert re.match(r"https://\S+\.eks\.amazonaws\.com$", server["cluster"]["server"])
    assert server["cluster"]["certificate-authority-data"]
    exec_ = kubeconfig["users"][0]["user"]["exec"]
    assert exec_["command"] == "aws" and "get-token" in exec_["args"]

    inputs = release.inputs
    assert inputs["chart"] == "cluster-autoscaler" and inputs["namespace"] == "kube-system"
    assert inputs["repositoryOpts"]["repo"] == "https://kubernetes.github.io/autoscaler"
    values = inputs["values"]
    assert values["autoDiscovery"]["clusterName"] == "churn-predictor-dev-cluster"
    assert values["extraArgs"]["expander"] == "priority"
    assert values["rbac"]["serviceAccount"]["name"] == "cluster-autoscaler"
    assert values["nodeSelector"] == {"thrifty.io/role": "system"}

    (expander,) = [
        c for c in aws_dev_up.of_type("kubernetes:core/v1:ConfigMap")
        if c.inputs["metadata"]["name"] == "cluster-autoscaler-priority-expander"
    ]  # fmt: skip
    assert expander.inputs["metadata"]["namespace"] == "kube-system"
    tiers = yaml.safe_load(expander.inputs["data"]["priorities"])
    assert tiers[max(tiers)] == ["^eks-spot-.*"] and tiers[min(tiers)] == [".*"]
    assert expander.urn in release.dependencies

    (association,) = aws_dev_up.of_type("aws:eks/podIdentityAssociation:PodIdentityAssociation")
    assert association.inputs["serviceAccount"] == values["rbac"]["serviceAccount"]["name"]
    assert association.inputs["namespace"] == "kube-system"
    assert SECRET_SIG in aws_dev_up.outputs["kubeconfig"], "the stack exports it as a secret"


def test_eks_iam_is_least_privilege(aws_dev: Recording) -> None:
    attachments = {
        a.inputs["policyArn"].rsplit("/", 1)[-1]
        for a in aws_dev.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    }
    assert attachments == {
        "AmazonEKSClusterPolicy",
        "AmazonEKSWorkerNodePolicy",
        "AmazonEC2ContainerRegistryPullOnly",
        "AmazonEKS_CNI_Policy",
    }
    (policy,) = aws_dev.of_type("aws:iam/rolePolicy:RolePolicy")
    statements = json.loads(policy.inputs["policy"])["Statement"]
    writes = [s for s in statements if "autoscaling:SetDesiredCapacity" in s["Action"]]
    assert writes == [
        {
            "Sid": "ScaleOwnGroups",
            "Effect": "Allow",
            "Action": [
                "autoscaling:SetDesiredCapacity",
                "autoscaling:TerminateInstanceInAutoScalingGroup",
            ],
            "Resource": "*",
            "Condition": {
                "StringEquals": {
                    "aws:ResourceTag/k8s.io/cluster-autoscaler/churn-predictor-dev-cluster": "owned"
                }
            },
        }
    ]
    (cni,) = [
        a for a in aws_dev.of_type("aws:eks/addon:Addon") if a.inputs["addonName"] == "vpc-cni"
    ]
    assert cni.inputs["podIdentityAssociations"][0]["serviceAccount"] == "aws-node"


# ----------------------------------------------------------------------------------- GCP

NODE_POOL = "gcp:container/nodePool:NodePool"


def pools_by_logical_name(recording: Recording) -> dict[str, list[RecordedResource]]:
    pools: dict[str, list[RecordedResource]] = {}
    for pool in recording.of_type(NODE_POOL):
        pools.setdefault(pool.inputs["nodeConfig"]["labels"]["thrifty.io/pool"], []).append(pool)
    return pools


def assert_gke_pools_match(recording: Recording, spec: ClusterSpec) -> None:
    pools = pools_by_logical_name(recording)
    assert set(pools) == {pool.name for _, pool in spec.pools()}
    for role, pool in spec.pools():
        physical = pools[pool.name]
        machines = [p.inputs["nodeConfig"]["machineType"] for p in physical]
        spot = role == "spot"
        assert all(p.inputs["nodeConfig"]["spot"] is spot for p in physical)
        if spot:
            assert sorted(machines) == sorted(pool.instance_types) and len(machines) >= 3
        else:
            assert machines == pool.instance_types[:1]
        autoscaling = [p.inputs["autoscaling"] for p in physical]
        assert sum(a["totalMinNodeCount"] for a in autoscaling) == pool.min_size
        assert sum(a["totalMaxNodeCount"] for a in autoscaling) == pool.max_size
        assert all(a["totalMaxNodeCount"] >= 1 for a in autoscaling)
        gke_spot = {"key": "cloud.google.com/gke-spot", "value": "true", "effect": "NO_SCHEDULE"}
        for p in physical:
            assert (gke_spot in p.inputs["nodeConfig"].get("taints", [])) == spot
            assert_cost_tags(p, p.inputs["nodeConfig"]["resourceLabels"])
            assert p.inputs["nodeConfig"]["serviceAccount"].endswith(".iam.gserviceaccount.com")
            assert set(p.ignore_changes) == {"initialNodeCount", "nodeCount"}


def test_gke_dev_pools_match_the_stack_config(gcp_dev_up: Recording) -> None:
    assert_gke_pools_match(gcp_dev_up, cluster_of(stack_config("gcp-dev")))


def test_gke_production_pools_and_baseline(gcp_production: Recording) -> None:
    assert_gke_pools_match(gcp_production, GCP_PRODUCTION)
    (system,) = pools_by_logical_name(gcp_production)["system"]
    assert system.inputs["autoscaling"]["totalMinNodeCount"] >= GCP_PRODUCTION.zones
    (cluster,) = gcp_production.of_type("gcp:container/cluster:Cluster")
    assert cluster.inputs["deletionProtection"] is True
    assert cluster.inputs["clusterAutoscaling"]["autoscalingProfile"] == "BALANCED"
    assert not gcp_production.of_type("kubernetes:batch/v1:CronJob")


def test_gke_cluster_is_cost_oriented_outside_production(gcp_dev: Recording) -> None:
    (cluster,) = gcp_dev.of_type("gcp:container/cluster:Cluster")
    inputs = cluster.inputs
    assert inputs["removeDefaultNodePool"] is True
    assert inputs["clusterAutoscaling"]["autoscalingProfile"] == "OPTIMIZE_UTILIZATION"
    assert inputs["costManagementConfig"]["enabled"] is True
    # Zonal outside production (issue 12, item 12): the free tier's credit applies; the
    # nodeLocations of a zonal cluster leave its own zone out.
    zones = cluster_of(stack_config("gcp-dev")).zones
    assert inputs["location"] == "us-central1-a"
    assert inputs.get("nodeLocations", []) == ["us-central1-b", "us-central1-c"][: zones - 1]
    (grant,) = gcp_dev.of_type("gcp:projects/iAMMember:IAMMember")
    assert grant.inputs["role"] == "roles/container.defaultNodeServiceAccount"


# --------------------------------------------------------------------------------- Azure

AGENT_POOL = "azure-native:containerservice:AgentPool"
MANAGED_CLUSTER = "azure-native:containerservice:ManagedCluster"


def assert_aks_pools_match(recording: Recording, spec: ClusterSpec) -> None:
    (cluster,) = recording.of_type(MANAGED_CLUSTER)
    (system,) = cluster.inputs["agentPoolProfiles"]
    assert system["mode"] == "System" and system["name"] == spec.system_pool.name
    assert "scaleSetPriority" not in system
    assert (system["minCount"], system["maxCount"]) == (
        spec.system_pool.min_size,
        spec.system_pool.max_size,
    )
    assert cluster.ignore_changes == ("agentPoolProfiles[0].count",)
    pools: dict[str, list[dict[str, Any]]] = {}
    for pool in recording.of_type(AGENT_POOL):
        assert pool.ignore_changes == ("count",)
        assert_cost_tags(pool, pool.inputs["tags"])
        pools.setdefault(pool.inputs["nodeLabels"]["thrifty.io/pool"], []).append(pool.inputs)
    for role, pool_spec in spec.pools():
        if role == "system":
            continue
        physical = pools[pool_spec.name]
        spot = role == "spot"
        assert sum(p["minCount"] for p in physical) == pool_spec.min_size
        assert sum(p["maxCount"] for p in physical) == pool_spec.max_size
        for inputs in physical:
            assert inputs["mode"] == "User" and inputs["enableAutoScaling"] is True
            taint = "kubernetes.azure.com/scalesetpriority=spot:NoSchedule"
            assert (taint in inputs.get("nodeTaints", [])) == spot
            if spot:
                assert inputs["scaleSetPriority"] == "Spot"
                assert inputs["scaleSetEvictionPolicy"] == "Delete"
                assert inputs["spotMaxPrice"] == -1
            else:
                assert "scaleSetPriority" not in inputs
        if spot:
            assert sorted(p["vmSize"] for p in physical) == sorted(pool_spec.instance_types)
            assert len(physical) >= 3


def test_aks_dev_pools_match_the_stack_config(azure_dev: Recording) -> None:
    assert_aks_pools_match(azure_dev, cluster_of(stack_config("azure-dev")))
    (cluster,) = azure_dev.of_type(MANAGED_CLUSTER)
    assert cluster.inputs["sku"]["tier"] == "Free"
    assert cluster.inputs["autoScalerProfile"]["expander"] == "priority"


def test_aks_production_pools_and_baseline(azure_production: Recording) -> None:
    assert_aks_pools_match(azure_production, AZURE_PRODUCTION)
    (cluster,) = azure_production.of_type(MANAGED_CLUSTER)
    assert cluster.inputs["sku"]["tier"] == "Standard"
    assert cluster.inputs["agentPoolProfiles"][0]["minCount"] >= AZURE_PRODUCTION.zones
    assert cluster.inputs["agentPoolProfiles"][0]["availabilityZones"] == ["1", "2", "3"]
    assert not azure_production.of_type("kubernetes:batch/v1:CronJob")


def test_aks_priority_expander_prefers_the_spot_scale_sets(azure_dev_up: Recording) -> None:
    (configmap,) = [
        c for c in azure_dev_up.of_type("kubernetes:core/v1:ConfigMap")
        if c.inputs["metadata"]["name"] == "cluster-autoscaler-priority-expander"
    ]  # fmt: skip
    tiers = yaml.safe_load(configmap.inputs["data"]["priorities"])
    top = tiers[max(tiers)]
    assert top == ["^aks-spot0-.*", "^aks-spot1-.*", "^aks-spot2-.*"]
    assert any(re.match(pattern, "aks-spot1-12345678-vmss") for pattern in top)
    assert not any(re.match(pattern, "aks-system-12345678-vmss") for pattern in top)
    provider = azure_dev_up.provider_of(configmap)
    assert provider is not None and SECRET_SIG in provider.inputs["kubeconfig"]
    assert "server: https://" in unsecret(provider.inputs["kubeconfig"])


# --------------------------------------------------------------------- every cloud, together


def dev_recordings(
    aws_dev: Recording, gcp_dev: Recording, azure_dev: Recording
) -> Iterator[tuple[str, Recording]]:
    yield from (("aws", aws_dev), ("gcp", gcp_dev), ("azure", azure_dev))


def test_every_taggable_cluster_resource_is_tagged(
    aws_dev: Recording,
    aws_production: Recording,
    gcp_dev: Recording,
    gcp_production: Recording,
    azure_dev: Recording,
    azure_production: Recording,
) -> None:
    for cloud, recording in (
        ("aws", aws_dev), ("aws", aws_production), ("gcp", gcp_dev),
        ("gcp", gcp_production), ("azure", azure_dev), ("azure", azure_production),
    ):  # fmt: skip
        resources = in_component(recording, CLUSTER_TYPES[cloud])
        assert assert_every_taggable_resource_tagged(resources) >= 1, cloud


def test_children_are_parented_and_use_the_foundation_provider(
    aws_dev: Recording, gcp_dev: Recording, azure_dev: Recording
) -> None:
    for cloud, recording in dev_recordings(aws_dev, gcp_dev, azure_dev):
        (component,) = recording.of_type(CLUSTER_TYPES[cloud])
        children = recording.children_of(component.urn)
        assert children
        package = {"aws": "aws", "gcp": "gcp", "azure": "azure-native"}[cloud]
        for resource in in_component(recording, CLUSTER_TYPES[cloud]):
            if resource.package == package and resource.custom and not resource.is_provider:
                provider = recording.provider_of(resource)
                assert provider is not None and provider.name == "platform-provider", resource.type


@pytest.mark.parametrize("stack", ["dev", "gcp-dev", "azure-dev"])
def test_dev_workload_off_hours_jobs_follow_the_config(
    stack: str, aws_dev: Recording, gcp_dev: Recording, azure_dev: Recording
) -> None:
    # One mechanism on every cloud: EKS too, with no Auto Scaling group schedule.
    recording = {"dev": aws_dev, "gcp-dev": gcp_dev, "azure-dev": azure_dev}[stack]
    assert not recording.of_type("aws:autoscaling/schedule:Schedule")
    hours = stack_config(stack).off_hours
    assert isinstance(hours, OffHoursSpec)
    jobs = {job.inputs["metadata"]["name"]: job.inputs for job in recording.of_type(
        "kubernetes:batch/v1:CronJob"
    )}  # fmt: skip
    assert jobs["off-hours-scale-down"]["spec"]["schedule"] == hours.scale_down_cron
    assert jobs["off-hours-scale-up"]["spec"]["schedule"] == hours.scale_up_cron
    for job in jobs.values():
        assert job["spec"]["timeZone"] == hours.time_zone
        pod = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        assert pod["nodeSelector"] == {"thrifty.io/role": "system"}
    bindings = [
        b for b in recording.of_type("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding")
        if b.inputs["roleRef"]["kind"] == "ClusterRole"
    ]  # fmt: skip
    assert {b.inputs["metadata"]["namespace"] for b in bindings} == set(hours.namespaces)


def test_exported_spot_toleration_tolerates_the_recorded_spot_taints(
    aws_dev: Recording, gcp_dev: Recording, azure_dev: Recording
) -> None:
    """Workloads use the toleration the components export; it must match the nodes' taint."""
    stacks = {"aws": "dev", "gcp": "gcp-dev", "azure": "azure-dev"}
    for cloud, recording in dev_recordings(aws_dev, gcp_dev, azure_dev):
        config = stack_config(stacks[cloud])
        plan = plan_cluster(
            "cluster", ClusterArgs(tags=config.cost_tags(), cluster=cluster_of(config)), cloud
        )
        (toleration,) = plan.spot_tolerations()
        wire = {
            "aws": lambda r: (
                [f"{t['key']}={t['value']}:{t['effect']}" for t in r.inputs.get("taints", [])]
                if r.inputs.get("capacityType") == "SPOT"
                else None
            ),
            "gcp": lambda r: (
                [
                    f"{t['key']}={t['value']}:{t['effect']}"
                    for t in r.inputs["nodeConfig"].get("taints", [])
                ]
                if r.inputs["nodeConfig"]["spot"]
                else None
            ),
            "azure": lambda r: (
                r.inputs.get("nodeTaints") if r.inputs.get("scaleSetPriority") == "Spot" else None
            ),
        }[cloud]
        token = {"aws": NODE_GROUP, "gcp": NODE_POOL, "azure": AGENT_POOL}[cloud]
        effect = {"NoSchedule": "NO_SCHEDULE"} if cloud != "azure" else {}
        expected = (
            f"{toleration['key']}={toleration['value']}:"
            f"{effect.get(toleration['effect'], toleration['effect'])}"
        )
        spot_taints = [taints for r in recording.of_type(token) if (taints := wire(r))]
        assert spot_taints and all(expected in taints for taints in spot_taints), cloud
        assert plan.spot_node_selector() == {"thrifty.io/capacity-type": "spot"}
