"""The thrifty-guard pack driven as the Pulumi CLI drives it: a process, its port, gRPC calls.

One pack process serves the whole module. Every test configures it first (Configure replaces
the whole config), so tests do not depend on each other's order. Each policy has a violating
and a compliant resource per cloud it applies to; both must come back as expected.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from thrifty.offline.analyzer_client import (
    AnalyzerClient,
    AnalyzeResult,
    PolicyConfigEntry,
    PolicyPackError,
    ProviderSpec,
    ResourceSpec,
    load_policy_config,
    parse_policy_config,
    reconcile_policy_config,
)
from thrifty.tags import CostTags

PACK_DIR = Path(__file__).resolve().parents[1] / "policies"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
AWS_ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
SECRET_SIG = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}

TAGS = CostTags.model_validate(
    {
        "project": "churn-predictor",
        "environment": "development",
        "team": "ml-team",
        "cost-center": "engineering",
        "owner": "ml-team@company.com",
    }
)
AWS_TAGS = TAGS.aws()
GCP_LABELS = TAGS.gcp()
AZURE_TAGS = TAGS.azure()
K8S_LABELS = TAGS.kubernetes()

AWS = ProviderSpec(
    "pulumi:providers:aws",
    "default",
    "urn:pulumi:dev::test::pulumi:providers:aws::default",
    {"region": "us-east-1"},
)
GCP = ProviderSpec(
    "pulumi:providers:gcp",
    "default",
    "urn:pulumi:dev::test::pulumi:providers:gcp::default",
    {"region": "us-central1", "project": "churn-dev"},
)
AZURE = ProviderSpec(
    "pulumi:providers:azure-native",
    "default",
    "urn:pulumi:dev::test::pulumi:providers:azure-native::default",
    {"location": "eastus"},
)
K8S = ProviderSpec(
    "pulumi:providers:kubernetes",
    "default",
    "urn:pulumi:dev::test::pulumi:providers:kubernetes::default",
    {},
)
_PROVIDERS = {"aws": AWS, "gcp": GCP, "azure-native": AZURE, "kubernetes": K8S}


def urn(type_token: str, name: str) -> str:
    return f"urn:pulumi:dev::test::{type_token}::{name}"


def res(
    type_token: str,
    props: Mapping[str, Any],
    *,
    name: str = "r",
    provider: ProviderSpec | None = None,
    deps: Mapping[str, tuple[str, ...]] | None = None,
) -> ResourceSpec:
    """A custom resource as the engine sends it, with its package's default provider."""
    return ResourceSpec(
        type=type_token,
        name=name,
        urn=urn(type_token, name),
        properties=props,
        property_dependencies=deps or {},
        custom_timeouts={"create": 300.0},
        provider=provider or _PROVIDERS[type_token.split(":", 1)[0]],
    )


@pytest.fixture(scope="module")
def running_pack() -> Iterator[AnalyzerClient]:
    with AnalyzerClient.start(PACK_DIR, project="test", stack="dev") as client:
        yield client


@pytest.fixture
def pack(running_pack: AnalyzerClient) -> AnalyzerClient:
    """The module's pack, reset to its default config and a dev stack."""
    configure(running_pack)
    running_pack.configure_stack(project="test", stack="dev", dry_run=True)
    return running_pack


def configure(client: AnalyzerClient, document: Mapping[str, object] | None = None) -> None:
    """Configure as the engine does for a ``--policy-pack-config`` document."""
    given = parse_policy_config(document) if document is not None else None
    client.configure(reconcile_policy_config(client.info(), given))


def flagged(result: AnalyzeResult, policy: str) -> list[str]:
    """Definite violations of ``policy`` (not "not checkable" ones)."""
    return [v.detail for v in result.violations if v.policy_name == policy and not v.not_checkable]


def mentioned(result: AnalyzeResult, policy: str) -> list[str]:
    return [v.message for v in result.violations if v.policy_name == policy]


def run(client: AnalyzerClient, subject: ResourceSpec | Sequence[ResourceSpec]) -> AnalyzeResult:
    if isinstance(subject, ResourceSpec):
        return client.analyze(subject)
    return client.analyze_stack(subject)


# --- The protocol ------------------------------------------------------------------------------


def test_analyzer_info_lists_every_policy_with_schema_defaults(pack: AnalyzerClient) -> None:
    info = pack.info()
    assert info.name == "thrifty-guard"
    names = [policy.name for policy in info.policies]
    assert names == [
        "required-tags",
        "cost-tags-reach-instances",
        "oversized-instances",
        "unknown-instance-types",
        "node-count-caps",
        "cluster-node-caps",
        "disk-size-caps",
        "container-resources",
        "storage-lifecycle",
        "spot-for-non-production",
        "spot-diversity",
        "public-or-unencrypted-storage",
        "budget-present",
        "region-affinity",
        "monthly-cost-within-budget",
        "monthly-cost-ceiling-within-budget",
    ]
    for policy in info.policies:
        assert policy.description
        assert policy.enforcement_level in ("advisory", "mandatory")
        assert all("default" in prop for prop in policy.config_schema.values()), policy.name
    assert info.policy("spot-for-non-production").enforcement_level == "advisory"
    assert info.policy("public-or-unencrypted-storage").enforcement_level == "mandatory"
    assert info.policy("storage-lifecycle").policy_type == "stack"
    assert info.policy("oversized-instances").config_schema["maxNodeVcpus"]["default"] == 32


@pytest.mark.parametrize("config_file", sorted((PACK_DIR / "config").glob("*.json")), ids=str)
def test_shipped_config_files_pass_the_schema_and_configure(
    pack: AnalyzerClient, config_file: Path
) -> None:
    given = load_policy_config(config_file)
    reconciled = reconcile_policy_config(pack.info(), given)
    pack.configure(reconciled)
    assert set(given) <= set(reconciled) | {"all"}


def test_invalid_config_is_rejected_listing_every_problem(pack: AnalyzerClient) -> None:
    document = {
        "oversized-instances": {"maxNodeVcpus": "lots", "allowGpu": "yes"},
        "disk-size-caps": {"maxDiskGib": -5},
    }
    with pytest.raises(PolicyPackError) as raised:
        reconcile_policy_config(pack.info(), parse_policy_config(document))
    text = str(raised.value)
    assert "maxNodeVcpus" in text and "allowGpu" in text and "maxDiskGib" in text
    with pytest.raises(PolicyPackError, match="enforcement level"):
        parse_policy_config({"required-tags": "sometimes"})


def test_config_changes_caps_and_enforcement(pack: AnalyzerClient) -> None:
    pool = res(
        "aws:eks/nodeGroup:NodeGroup",
        {"instanceTypes": ["m5.4xlarge"], "scalingConfig": {"maxSize": 3}, "tags": AWS_TAGS},
    )
    assert not flagged(pack.analyze(pool), "oversized-instances")
    configure(pack, {"oversized-instances": {"enforcementLevel": "advisory", "maxNodeVcpus": 8}})
    result = pack.analyze(pool)
    assert flagged(result, "oversized-instances")
    assert {
        v.enforcement_level for v in result.violations if v.policy_name == "oversized-instances"
    } == {"advisory"}
    configure(pack, {"all": "disabled"})
    assert pack.analyze(pool).violations == []


def test_invalid_config_sent_directly_makes_the_policy_not_checkable(pack: AnalyzerClient) -> None:
    pack.configure({"disk-size-caps": PolicyConfigEntry("mandatory", {"maxDiskGib": "huge"})})
    result = pack.analyze(res("aws:ebs/volume:Volume", {"size": 10, "encrypted": True}))
    messages = mentioned(result, "disk-size-caps")
    assert messages and all("not checkable: invalid policy config" in m for m in messages)


# --- One violating and one compliant case per policy and cloud ----------------------------------


def eks(
    types: list[str], max_size: Any = 3, capacity: str = "ON_DEMAND", **extra: Any
) -> ResourceSpec:
    props = {
        "instanceTypes": types,
        "capacityType": capacity,
        "scalingConfig": {"minSize": 1, "desiredSize": 1, "maxSize": max_size},
        "tags": AWS_TAGS,
        **extra,
    }
    return res("aws:eks/nodeGroup:NodeGroup", props, name="pool")


def gke(machine: str, max_count: int = 3, spot: bool = False, **config: Any) -> ResourceSpec:
    props = {
        "nodeConfig": {"machineType": machine, "spot": spot, "labels": {}, **config},
        "autoscaling": {"minNodeCount": 0, "maxNodeCount": max_count},
    }
    return res("gcp:container/nodePool:NodePool", props)


def aks(
    size: str, max_count: int = 3, priority: str = "Regular", mode: str = "User"
) -> ResourceSpec:
    props = {
        "vmSize": size,
        "enableAutoScaling": True,
        "count": 1,
        "maxCount": max_count,
        "scaleSetPriority": priority,
        "mode": mode,
        "tags": AZURE_TAGS,
    }
    return res("azure-native:containerservice:AgentPool", props)


def pod(resources: Mapping[str, Any] | None) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "app", "image": "app:1"}
    if resources is not None:
        container["resources"] = resources
    return {
        "metadata": {"labels": K8S_LABELS},
        "spec": {"template": {"spec": {"containers": [container]}}},
    }


GOOD_RESOURCES = {
    "requests": {"cpu": "100m", "memory": "256Mi"},
    "limits": {"cpu": "500m", "memory": "512Mi"},
}

CLUSTER = urn("aws:eks/cluster:Cluster", "cluster")
EKS_CLUSTER = res("aws:eks/cluster:Cluster", {"roleArn": UNKNOWN, "tags": AWS_TAGS}, name="cluster")


#: cluster-autoscaler as thrifty's EksCluster installs it: what lets a node group grow.
CLUSTER_AUTOSCALER = res(
    "kubernetes:helm.sh/v3:Release",
    {
        "chart": "cluster-autoscaler",
        "repositoryOpts": {"repo": "https://kubernetes.github.io/autoscaler"},
    },
    name="autoscaler",
)


def eks_in_cluster(name: str, max_size: int) -> ResourceSpec:
    props = {
        "instanceTypes": ["m5.large"],
        "clusterName": UNKNOWN,
        "scalingConfig": {"maxSize": max_size},
        "tags": AWS_TAGS,
    }
    return res("aws:eks/nodeGroup:NodeGroup", props, name=name, deps={"clusterName": (CLUSTER,)})


def aks_cluster(*max_counts: int, profile_tags: Mapping[str, str] | None = None) -> ResourceSpec:
    profiles = [
        {
            "name": f"p{i}",
            "vmSize": "Standard_D2s_v3",
            "count": 1,
            "maxCount": count,
            "enableAutoScaling": True,
            "mode": "User",
            **({"tags": profile_tags} if profile_tags is not None else {}),
        }
        for i, count in enumerate(max_counts)
    ]
    return res(
        "azure-native:containerservice:ManagedCluster",
        {"agentPoolProfiles": profiles, "tags": AZURE_TAGS},
    )


def workload(pod_labels: Mapping[str, str]) -> dict[str, Any]:
    """A workload whose pod template carries ``pod_labels`` (and good container resources)."""
    spec = pod(GOOD_RESOURCES)
    spec["spec"]["template"]["metadata"] = {"labels": dict(pod_labels)}
    return spec


def asg(propagate: bool) -> ResourceSpec:
    tags = [
        {"key": key, "value": value, "propagateAtLaunch": propagate or key != "owner"}
        for key, value in AWS_TAGS.items()
    ]
    return res("aws:autoscaling/group:Group", {"maxSize": 2, "minSize": 1, "tags": tags})


LAUNCH_TEMPLATE = urn("aws:ec2/launchTemplate:LaunchTemplate", "nodes-lt")


def launch_template(tag_specifications: bool) -> ResourceSpec:
    specs = [{"resourceType": kind, "tags": AWS_TAGS} for kind in ("instance", "volume")]
    props: dict[str, Any] = {"tags": AWS_TAGS}
    if tag_specifications:
        props["tagSpecifications"] = specs
    return res("aws:ec2/launchTemplate:LaunchTemplate", props, name="nodes-lt")


def eks_with_template() -> ResourceSpec:
    """A node group naming its launch template by an id unknown during preview."""
    return replace(
        eks(["m5.large"], launchTemplate={"id": UNKNOWN, "version": UNKNOWN}),
        property_dependencies={"launchTemplate": (LAUNCH_TEMPLATE,)},
    )


GKE_CLUSTER = res(
    "gcp:container/cluster:Cluster", {"name": "platform", "location": "us-central1"}, name="gke"
)


def gke_in_cluster(resource_labels: Mapping[str, str] | None) -> ResourceSpec:
    config: dict[str, Any] = {"machineType": "e2-standard-4"}
    if resource_labels is not None:
        config["resourceLabels"] = dict(resource_labels)
    return res(
        "gcp:container/nodePool:NodePool",
        {"cluster": "platform", "nodeConfig": config},
        name="pool",
    )


def s3(name: str = "data", **props: Any) -> ResourceSpec:
    return res("aws:s3/bucket:Bucket", {"bucket": name, "tags": AWS_TAGS, **props}, name=name)


def s3_lifecycle(bucket: ResourceSpec, *rules: Mapping[str, Any]) -> ResourceSpec:
    return res(
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        {"bucket": UNKNOWN, "rules": list(rules)},
        name=f"{bucket.name}-lifecycle",
        deps={"bucket": (bucket.urn,)},
    )


def s3_versioning(bucket: ResourceSpec) -> ResourceSpec:
    return res(
        "aws:s3/bucketVersioning:BucketVersioning",
        {"bucket": bucket.name, "versioningConfiguration": {"status": "Enabled"}},
        name=f"{bucket.name}-versioning",
    )


EXPIRE = {"id": "expire", "status": "Enabled", "expiration": {"days": 90}}
NONCURRENT = {
    "id": "old",
    "status": "Enabled",
    "noncurrentVersionExpiration": {"noncurrentDays": 30},
}

GCS_RULES = [
    {"action": {"type": "SetStorageClass", "storageClass": "COLDLINE"}, "condition": {"age": 90}}
]
GCS_NONCURRENT = {"action": {"type": "Delete"}, "condition": {"numNewerVersions": 3}}


def gcs(**props: Any) -> ResourceSpec:
    return res(
        "gcp:storage/bucket:Bucket",
        {"name": "gcs-data", "location": "US-CENTRAL1", "labels": GCP_LABELS, **props},
        name="gcs",
    )


AZ_ACCOUNT = res(
    "azure-native:storage:StorageAccount",
    {
        "accountName": "churndata",
        "resourceGroupName": "rg",
        "tags": AZURE_TAGS,
        "location": "eastus",
        "kind": "StorageV2",
    },
    name="account",
)
AZ_POLICY = res(
    "azure-native:storage:ManagementPolicy",
    {
        "accountName": UNKNOWN,
        "resourceGroupName": "rg",
        "managementPolicyName": "default",
        "policy": {
            "rules": [
                {
                    "name": "cool",
                    "enabled": True,
                    "type": "Lifecycle",
                    "definition": {
                        "actions": {
                            "baseBlob": {"tierToCool": {"daysAfterModificationGreaterThan": 30}}
                        }
                    },
                }
            ]
        },
    },
    name="policy",
    deps={"accountName": (AZ_ACCOUNT.urn,)},
)

AWS_BUDGET = res(
    "aws:budgets/budget:Budget",
    {
        "budgetType": "COST",
        "limitAmount": "1000",
        "timeUnit": "MONTHLY",
        "costFilters": [{"name": "TagKeyValue", "values": ["user:project$churn-predictor"]}],
        "tags": AWS_TAGS,
    },
    name="budget",
)
AWS_UNSCOPED_BUDGET = res(
    "aws:budgets/budget:Budget",
    {"budgetType": "COST", "limitAmount": "1000", "timeUnit": "MONTHLY", "tags": AWS_TAGS},
    name="budget",
)
GCP_BUDGET = res(
    "gcp:billing/budget:Budget",
    {
        "billingAccount": "000000-000000-000000",
        "budgetFilter": {"labels": {"project": "churn-predictor"}},
        "amount": {"specifiedAmount": {"units": "1000"}},
    },
    name="budget",
)
AZ_BUDGET = res(
    "azure-native:consumption:Budget",
    {
        "scope": "/subscriptions/0/resourceGroups/rg",
        "amount": 1000,
        "category": "Cost",
        "timeGrain": "Monthly",
    },
    name="budget",
)
GCS_BUCKET = gcs(lifecycleRules=GCS_RULES)


CASES: list[tuple[str, str, Any, Any]] = [
    # policy, case, violating, compliant
    ("required-tags", "aws", s3(tags={"project": "churn-predictor"}), s3()),
    (
        "required-tags",
        "aws-provider-default-tags",
        res(
            "aws:s3/bucket:Bucket",
            {"bucket": "b"},
            provider=ProviderSpec(
                AWS.type,
                "tagged",
                AWS.urn,
                {"defaultTags": json.dumps({"tags": {"team": "ml-team"}})},
            ),
        ),
        res(
            "aws:s3/bucket:Bucket",
            {"bucket": "b"},
            provider=ProviderSpec(
                AWS.type, "tagged", AWS.urn, {"defaultTags": json.dumps({"tags": AWS_TAGS})}
            ),
        ),
    ),
    (
        "required-tags",
        "aws-tags-all",
        s3(tags={}, tagsAll={"team": "ml-team"}),
        s3(tags={}, tagsAll=AWS_TAGS),
    ),
    ("required-tags", "aws-invalid-values", s3(tags={**AWS_TAGS, "environment": "prod"}), s3()),
    (
        "required-tags",
        "aws-autoscaling-tag-list",
        res(
            "aws:autoscaling/group:Group",
            {
                "maxSize": 2,
                "minSize": 1,
                "tags": [{"key": "project", "value": "churn-predictor", "propagateAtLaunch": True}],
            },
        ),
        res(
            "aws:autoscaling/group:Group",
            {
                "maxSize": 2,
                "minSize": 1,
                "tags": [
                    {"key": key, "value": value, "propagateAtLaunch": True}
                    for key, value in AWS_TAGS.items()
                ],
            },
        ),
    ),
    ("required-tags", "gcp", gcs(labels={**GCP_LABELS, "owner": "ml-team@company.com"}), gcs()),
    (
        "required-tags",
        "gcp-provider-default-labels",
        gcs(labels={}),
        res(
            "gcp:storage/bucket:Bucket",
            {"name": "b", "labels": {}},
            provider=ProviderSpec(
                GCP.type, "p", GCP.urn, {"defaultLabels": json.dumps(GCP_LABELS)}
            ),
        ),
    ),
    (
        "required-tags",
        "azure",
        res("azure-native:resources:ResourceGroup", {"tags": {"project": "churn-predictor"}}),
        res(
            "azure-native:resources:ResourceGroup",
            {
                "tags": {
                    **{k: v for k, v in AZURE_TAGS.items() if k != "cost-center"},
                    "Cost-Center": "engineering",
                }
            },
        ),
    ),
    (
        "required-tags",
        "kubernetes",
        res("kubernetes:core/v1:PersistentVolumeClaim", {"metadata": {"labels": {"app": "x"}}}),
        res("kubernetes:core/v1:PersistentVolumeClaim", {"metadata": {"labels": K8S_LABELS}}),
    ),
    # Cost allocation reads the labels of Pods: a workload's own metadata labels do not count.
    (
        "required-tags",
        "kubernetes-pod-template",
        res("kubernetes:apps/v1:Deployment", pod(None)),
        res("kubernetes:apps/v1:Deployment", workload(K8S_LABELS)),
    ),
    (
        "required-tags",
        "aws-autoscaling-tags-that-do-not-propagate",
        asg(propagate=False),
        asg(propagate=True),
    ),
    (
        "required-tags",
        "aws-instance-root-volume",
        res("aws:ec2/instance:Instance", {"instanceType": "t3.micro", "tags": AWS_TAGS}),
        res(
            "aws:ec2/instance:Instance",
            {"instanceType": "t3.micro", "tags": AWS_TAGS, "volumeTags": AWS_TAGS},
        ),
    ),
    (
        "required-tags",
        "gcp-cloud-sql-user-labels",
        res("gcp:sql/databaseInstance:DatabaseInstance", {"settings": {"tier": "db-f1-micro"}}),
        res(
            "gcp:sql/databaseInstance:DatabaseInstance",
            {"settings": {"tier": "db-f1-micro", "userLabels": GCP_LABELS}},
        ),
    ),
    (
        "required-tags",
        "azure-aks-agent-pool-profile",
        aks_cluster(3),
        aks_cluster(3, profile_tags=AZURE_TAGS),
    ),
    (
        "cost-tags-reach-instances",
        "aws-eks-launch-template",
        [launch_template(tag_specifications=False), eks_with_template()],
        [launch_template(tag_specifications=True), eks_with_template()],
    ),
    (
        "cost-tags-reach-instances",
        "gcp-node-pool",
        [GKE_CLUSTER, gke_in_cluster(resource_labels=None)],
        [GKE_CLUSTER, gke_in_cluster(resource_labels=GCP_LABELS)],
    ),
    ("oversized-instances", "aws", eks(["m5.24xlarge"]), eks(["m5.large"])),
    ("oversized-instances", "aws-gpu", eks(["g4dn.xlarge"]), eks(["m5.xlarge"])),
    (
        "oversized-instances",
        "aws-instance",
        res("aws:ec2/instance:Instance", {"instanceType": "m5.24xlarge", "tags": AWS_TAGS}),
        res("aws:ec2/instance:Instance", {"instanceType": "t3.medium", "tags": AWS_TAGS}),
    ),
    ("oversized-instances", "gcp", gke("c2-standard-60"), gke("e2-standard-4")),
    (
        "oversized-instances",
        "gcp-custom-type",
        gke("n2-custom-48-196608"),
        gke("n2-custom-4-16384"),
    ),
    (
        "oversized-instances",
        "gcp-accelerators",
        gke("n1-standard-4", guestAccelerators=[{"type": "nvidia-tesla-t4", "count": 1}]),
        gke("n1-standard-4"),
    ),
    ("oversized-instances", "azure", aks("Standard_D64s_v5"), aks("Standard_D4s_v5")),
    ("unknown-instance-types", "aws", eks(["x9.mega"]), eks(["t2.micro"])),
    ("unknown-instance-types", "gcp", gke("n9-standard-4"), gke("f1-micro")),
    ("unknown-instance-types", "azure", aks("Standard_Z4s_v9"), aks("Standard_A1_v2")),
    ("node-count-caps", "aws", eks(["m5.large"], max_size=100), eks(["m5.large"], max_size=10)),
    ("node-count-caps", "gcp", gke("e2-medium", max_count=30), gke("e2-medium", max_count=5)),
    ("node-count-caps", "azure", aks("Standard_D2s_v3", max_count=50), aks("Standard_D2s_v3")),
    (
        "cluster-node-caps",
        "aws",
        [EKS_CLUSTER, *[eks_in_cluster(f"pool{i}", 20) for i in range(3)]],
        [EKS_CLUSTER, *[eks_in_cluster(f"pool{i}", 20) for i in range(2)]],
    ),
    ("cluster-node-caps", "azure-inline", [aks_cluster(20, 20, 20)], [aks_cluster(20, 20)]),
    (
        "disk-size-caps",
        "aws",
        res("aws:ebs/volume:Volume", {"size": 2000, "encrypted": True}),
        res("aws:ebs/volume:Volume", {"size": 100, "encrypted": True}),
    ),
    (
        "disk-size-caps",
        "gcp",
        res("gcp:compute/disk:Disk", {"size": 1000}),
        res("gcp:compute/disk:Disk", {"size": 50}),
    ),
    (
        "disk-size-caps",
        "azure",
        res("azure-native:compute:Disk", {"diskSizeGB": 4096}),
        res("azure-native:compute:Disk", {"diskSizeGB": 128}),
    ),
    (
        "container-resources",
        "kubernetes-deployment",
        res("kubernetes:apps/v1:Deployment", pod(None)),
        res("kubernetes:apps/v1:Deployment", pod(GOOD_RESOURCES)),
    ),
    (
        "container-resources",
        "kubernetes-limits-cap",
        res(
            "kubernetes:apps/v1:StatefulSet",
            pod({**GOOD_RESOURCES, "limits": {"cpu": 16, "memory": "1Ti"}}),
        ),
        res("kubernetes:apps/v1:StatefulSet", pod(GOOD_RESOURCES)),
    ),
    (
        "container-resources",
        "kubernetes-hpa",
        res(
            "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
            {"metadata": {"labels": K8S_LABELS}, "spec": {"minReplicas": 2, "maxReplicas": 100}},
        ),
        res(
            "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
            {"metadata": {"labels": K8S_LABELS}, "spec": {"minReplicas": 2, "maxReplicas": 10}},
        ),
    ),
    ("storage-lifecycle", "aws-separate-resource", [s3()], [s3(), s3_lifecycle(s3(), EXPIRE)]),
    (
        "storage-lifecycle",
        "aws-versioned-noncurrent",
        [s3(), s3_lifecycle(s3(), EXPIRE), s3_versioning(s3())],
        [s3(), s3_lifecycle(s3(), EXPIRE, NONCURRENT), s3_versioning(s3())],
    ),
    (
        "storage-lifecycle",
        "gcp-inline",
        [gcs(versioning={"enabled": True}, lifecycleRules=GCS_RULES)],
        [gcs(versioning={"enabled": True}, lifecycleRules=[*GCS_RULES, GCS_NONCURRENT])],
    ),
    ("storage-lifecycle", "azure-management-policy", [AZ_ACCOUNT], [AZ_ACCOUNT, AZ_POLICY]),
    (
        "spot-for-non-production",
        "aws",
        eks(["m5.large", "m5a.large", "m6i.large"]),
        eks(["m5.large", "m5a.large", "m6i.large"], capacity="SPOT"),
    ),
    ("spot-for-non-production", "gcp", gke("e2-standard-4"), gke("e2-standard-4", spot=True)),
    (
        "spot-for-non-production",
        "azure",
        aks("Standard_D4s_v5"),
        aks("Standard_D4s_v5", priority="Spot"),
    ),
    (
        "spot-diversity",
        "aws",
        eks(["m5.large"], capacity="SPOT"),
        eks(["m5.large", "m5a.large", "m6i.large"], capacity="SPOT"),
    ),
    ("public-or-unencrypted-storage", "aws-acl", s3(acl="public-read"), s3(acl="private")),
    (
        "public-or-unencrypted-storage",
        "aws-public-access-block",
        res(
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
            {"bucket": "b", "blockPublicAcls": True, "blockPublicPolicy": False},
        ),
        res(
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
            {
                "bucket": "b",
                "blockPublicAcls": True,
                "blockPublicPolicy": True,
                "ignorePublicAcls": True,
                "restrictPublicBuckets": True,
            },
        ),
    ),
    (
        "public-or-unencrypted-storage",
        "aws-policy",
        res(
            "aws:s3/bucketPolicy:BucketPolicy",
            {
                "bucket": "b",
                "policy": json.dumps(
                    {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}]}
                ),
            },
        ),
        res(
            "aws:s3/bucketPolicy:BucketPolicy",
            {
                "bucket": "b",
                "policy": json.dumps(
                    {
                        "Statement": [
                            {
                                "Effect": "Deny",
                                "Principal": "*",
                                "Action": "s3:*",
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        ]
                    }
                ),
            },
        ),
    ),
    (
        "public-or-unencrypted-storage",
        "aws-ebs",
        res("aws:ebs/volume:Volume", {"size": 10}),
        res("aws:ebs/volume:Volume", {"size": 10, "encrypted": True}),
    ),
    (
        "public-or-unencrypted-storage",
        "gcp-iam",
        res(
            "gcp:storage/bucketIAMMember:BucketIAMMember",
            {"bucket": "b", "role": "roles/storage.objectViewer", "member": "allUsers"},
        ),
        res(
            "gcp:storage/bucketIAMMember:BucketIAMMember",
            {"bucket": "b", "role": "roles/storage.objectViewer", "member": "user:a@company.com"},
        ),
    ),
    (
        "public-or-unencrypted-storage",
        "azure-account",
        res(
            "azure-native:storage:StorageAccount",
            {"allowBlobPublicAccess": True, "enableHttpsTrafficOnly": False, "tags": AZURE_TAGS},
        ),
        res(
            "azure-native:storage:StorageAccount",
            {"allowBlobPublicAccess": False, "minimumTlsVersion": "TLS1_2", "tags": AZURE_TAGS},
        ),
    ),
    (
        "public-or-unencrypted-storage",
        "aws-object-acl",
        res("aws:s3/bucketObjectv2:BucketObjectv2", {"bucket": "b", "acl": "public-read"}),
        res("aws:s3/bucketObjectv2:BucketObjectv2", {"bucket": "b", "acl": "private"}),
    ),
    (
        "public-or-unencrypted-storage",
        "aws-object-copy-grant",
        res(
            "aws:s3/objectCopy:ObjectCopy",
            {"grants": [{"type": "Group", "uri": AWS_ALL_USERS, "permissions": ["READ"]}]},
        ),
        res(
            "aws:s3/objectCopy:ObjectCopy",
            {"grants": [{"type": "CanonicalUser", "id": "abc", "permissions": ["READ"]}]},
        ),
    ),
    (
        "public-or-unencrypted-storage",
        "gcp-object-acl",
        res("gcp:storage/objectACL:ObjectACL", {"object": "a", "predefinedAcl": "publicRead"}),
        res("gcp:storage/objectACL:ObjectACL", {"object": "a", "predefinedAcl": "private"}),
    ),
    (
        "public-or-unencrypted-storage",
        "gcp-object-access-control",
        res("gcp:storage/objectAccessControl:ObjectAccessControl", {"entity": "allUsers"}),
        res(
            "gcp:storage/objectAccessControl:ObjectAccessControl",
            {"entity": "user-a@company.com"},
        ),
    ),
    (
        "public-or-unencrypted-storage",
        "azure-container",
        res("azure-native:storage:BlobContainer", {"publicAccess": "Container"}),
        res("azure-native:storage:BlobContainer", {"publicAccess": "None"}),
    ),
    ("budget-present", "aws", [s3()], [s3(), AWS_BUDGET]),
    ("budget-present", "aws-unscoped", [s3(), AWS_UNSCOPED_BUDGET], [s3(), AWS_BUDGET]),
    ("budget-present", "gcp", [GCS_BUCKET], [GCS_BUCKET, GCP_BUDGET]),
    ("budget-present", "azure", [AZ_ACCOUNT], [AZ_ACCOUNT, AZ_BUDGET]),
    (
        "region-affinity",
        "aws",
        [s3(), eks(["m5.large"], region="us-west-2"), s3("logs")],
        [s3(), eks(["m5.large"], region="us-east-1"), s3("logs")],
    ),
    (
        "region-affinity",
        "gcp-zone",
        [
            GCS_BUCKET,
            res(
                "gcp:container/nodePool:NodePool",
                {
                    "location": "europe-west1-b",
                    "nodeConfig": {"machineType": "e2-medium"},
                    "nodeCount": 1,
                },
            ),
        ],
        [
            GCS_BUCKET,
            res(
                "gcp:container/nodePool:NodePool",
                {
                    "location": "us-central1-a",
                    "nodeConfig": {"machineType": "e2-medium"},
                    "nodeCount": 1,
                },
            ),
        ],
    ),
    (
        "region-affinity",
        "azure",
        [
            AZ_ACCOUNT,
            replace(
                AZ_ACCOUNT,
                name="b",
                urn="urn:b",
                properties={**AZ_ACCOUNT.properties, "location": "West Europe"},
            ),
            aks("Standard_D2s_v3"),
        ],
        [AZ_ACCOUNT, aks("Standard_D2s_v3")],
    ),
    # One m5.24xlarge node at the minimum: 4.608 $/h x 730 h = 3,363.84 > the 1,000 budget.
    (
        "monthly-cost-within-budget",
        "aws-baseline",
        [AWS_BUDGET, eks(["m5.24xlarge"])],
        [AWS_BUDGET, eks(["m5.large"])],
    ),
    # Twenty m5.large at the maximum: 20 x 0.096 x 730 = 1,401.60 > 1,000; three: 210.24.
    # (A managed node group grows only with an autoscaler in the stack.)
    (
        "monthly-cost-ceiling-within-budget",
        "aws-ceiling",
        [AWS_BUDGET, CLUSTER_AUTOSCALER, eks(["m5.large"], max_size=20)],
        [AWS_BUDGET, CLUSTER_AUTOSCALER, eks(["m5.large"], max_size=3)],
    ),
    (
        "monthly-cost-ceiling-within-budget",
        "gcp-ceiling",
        [
            GCP_BUDGET,
            replace(
                gke("n2-standard-32", max_count=10),
                properties={
                    **gke("n2-standard-32", max_count=10).properties,
                    "location": "us-central1",
                },
            ),
        ],
        [
            GCP_BUDGET,
            replace(
                gke("e2-medium", max_count=3),
                properties={**gke("e2-medium", max_count=3).properties, "location": "us-central1"},
            ),
        ],
    ),
]


@pytest.mark.parametrize(
    ("policy", "violating", "compliant"),
    [pytest.param(policy, bad, good, id=f"{policy}-{case}") for policy, case, bad, good in CASES],
)
def test_policy_flags_the_violating_case_and_passes_the_compliant_one(
    pack: AnalyzerClient, policy: str, violating: Any, compliant: Any
) -> None:
    configure(pack, {"spot-for-non-production": {"environment": "development"}})
    assert flagged(run(pack, violating), policy), f"{policy} missed the violating case"
    assert mentioned(run(pack, compliant), policy) == [], f"{policy} flagged the compliant case"


def test_every_policy_has_cases() -> None:
    covered = {policy for policy, *_ in CASES}
    from thrifty.policies import all_policies

    assert covered == {policy.name for policy in all_policies()}


# --- Behaviour worth its own test ------------------------------------------------------------


def test_spot_is_not_asked_of_production_or_aks_system_pools(pack: AnalyzerClient) -> None:
    configure(pack, {"spot-for-non-production": {"environment": "production"}})
    assert not mentioned(pack.analyze(eks(["m5.large"])), "spot-for-non-production")
    configure(pack)  # no environment configured: the environment tag decides
    prod_tags = {**AWS_TAGS, "environment": "production"}
    assert not mentioned(pack.analyze(eks(["m5.large"], tags=prod_tags)), "spot-for-non-production")
    assert flagged(pack.analyze(eks(["m5.large"])), "spot-for-non-production")
    assert not mentioned(
        pack.analyze(aks("Standard_D2s_v3", mode="System")), "spot-for-non-production"
    )


def test_labelled_system_pools_may_stay_on_demand(pack: AnalyzerClient) -> None:
    configure(pack, {"spot-for-non-production": {"environment": "development"}})
    system = {"thrifty.io/role": "system"}
    assert not mentioned(pack.analyze(eks(["m5.large"], labels=system)), "spot-for-non-production")
    assert not mentioned(
        pack.analyze(gke("e2-standard-4", labels=system)), "spot-for-non-production"
    )
    # The label must match exactly, and the exemption is configurable (here: switched off).
    worker = {"thrifty.io/role": "worker"}
    assert flagged(pack.analyze(eks(["m5.large"], labels=worker)), "spot-for-non-production")
    configure(
        pack,
        {"spot-for-non-production": {"environment": "development", "exemptNodeLabels": {}}},
    )
    assert flagged(pack.analyze(eks(["m5.large"], labels=system)), "spot-for-non-production")


def test_unknown_preview_values_are_advisory_not_checkable_not_a_pass(pack: AnalyzerClient) -> None:
    result = pack.analyze(eks(["m5.large"], max_size=UNKNOWN))
    result.violations += pack.analyze(s3(tags={**AWS_TAGS, "owner": UNKNOWN})).violations
    by_policy = {v.policy_name: v for v in result.violations}
    for policy in ("node-count-caps", "required-tags"):
        assert by_policy[policy].not_checkable
        assert by_policy[policy].enforcement_level == "advisory"
    assert "'owner' is unknown during preview" in by_policy["required-tags"].message
    assert "oversized-instances" not in by_policy  # the instance types were known and fine


def test_malformed_values_are_not_checkable_at_the_policy_level(pack: AnalyzerClient) -> None:
    result = pack.analyze(
        res(
            "aws:eks/nodeGroup:NodeGroup",
            {"instanceTypes": "m5.large", "scalingConfig": [1, 2], "launchTemplate": "lt"},
        )
    )
    # A node group's own tags never reach the bill: required-tags judges the bucket's.
    result.violations += pack.analyze(s3(tags="everything")).violations
    for policy in ("required-tags", "oversized-instances", "node-count-caps"):
        messages = mentioned(result, policy)
        assert messages and all("not checkable" in m for m in messages), policy
    levels = {
        v.enforcement_level
        for v in result.violations
        if v.not_checkable and v.policy_name in ("required-tags", "node-count-caps")
    }
    assert levels == {"mandatory"}


def test_unknown_instance_types_are_reported_by_their_own_policy(pack: AnalyzerClient) -> None:
    """Not passed, not duplicated: oversized-instances judges only the known types."""
    result = pack.analyze(eks(["x9.mega", "m5.large"]))
    messages = flagged(result, "unknown-instance-types")
    assert len(messages) == 1 and "x9.mega" in messages[0]
    assert not mentioned(result, "oversized-instances")


def test_allow_list_limits_instance_types(pack: AnalyzerClient) -> None:
    configure(pack, {"oversized-instances": {"allowedInstanceTypes": ["m5.large"]}})
    assert not mentioned(pack.analyze(eks(["m5.large"])), "oversized-instances")
    assert flagged(pack.analyze(eks(["m5.xlarge"])), "oversized-instances")


def test_expected_environment_catches_a_wrongly_tagged_resource(pack: AnalyzerClient) -> None:
    configure(pack, {"required-tags": {"expectedEnvironment": "production"}})
    assert any("environment" in m for m in flagged(pack.analyze(s3()), "required-tags"))


def test_remediation_adds_missing_tags_and_keeps_secrets(pack: AnalyzerClient) -> None:
    configure(
        pack,
        {
            "required-tags": {
                "enforcementLevel": "remediate",
                "defaults": {"team": "ml-team", "owner": "ml-team@company.com"},
            }
        },
    )
    secret = {**SECRET_SIG, "value": "hunter2"}
    partial = {k: v for k, v in AWS_TAGS.items() if k not in ("team", "owner")}
    bucket = s3(tags=partial, password=secret)
    [remediation] = pack.remediate(bucket)
    assert remediation.policy_name == "required-tags"
    assert remediation.properties is not None
    assert remediation.properties["tags"] == {
        **partial,
        "team": "ml-team",
        "owner": "ml-team@company.com",
    }
    assert remediation.properties["password"] == secret
    remediated = replace(bucket, properties=remediation.properties)
    assert not mentioned(pack.analyze(remediated), "required-tags")


def test_gcp_remediation_renders_labels(pack: AnalyzerClient) -> None:
    configure(
        pack,
        {
            "required-tags": {
                "enforcementLevel": "remediate",
                "defaults": {"owner": "ml-team@company.com"},
            }
        },
    )
    labels = {k: v for k, v in GCP_LABELS.items() if k != "owner"}
    [remediation] = pack.remediate(gcs(labels=labels))
    assert remediation.properties is not None
    assert remediation.properties["labels"]["owner"] == "ml-team_at_company_dot_com"


def test_kubernetes_patches_and_lists_need_no_cost_labels(pack: AnalyzerClient) -> None:
    for kind in ("kubernetes:apps/v1:DeploymentPatch", "kubernetes:core/v1:ConfigMapList"):
        assert not mentioned(pack.analyze(res(kind, {"metadata": {}})), "required-tags")
