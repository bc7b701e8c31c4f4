"""The cost-tag reader and its tables, as plain functions: where the bill sees tags, what is
billed, provider default tags, references between resources, unknown and malformed values."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlparse

import pytest

from thrifty import taggable
from thrifty.bill_tags import ROUTES, route_for
from thrifty.billable import FREE_OF_CHARGE, free_entry, needs_cost_tags
from thrifty.preview import UNKNOWN
from thrifty.tag_reader import (
    Stack,
    Subject,
    provider_default_tags,
    read_resource_tags,
    read_tags,
)
from thrifty.tags import COST_TAG_KEYS

TAGS = {
    "project": "churn-predictor",
    "environment": "development",
    "team": "ml-team",
    "cost-center": "engineering",
    "owner": "ml-team@company.com",
}
AWS_PROVIDER = "pulumi:providers:aws"


def subject(type_token: str, props: dict[str, Any], **extra: Any) -> Subject:
    name = extra.pop("name", "r")
    return Subject(type_token, name, f"urn:{type_token}::{name}", props, **extra)


def missing(type_token: str, props: dict[str, Any], **extra: Any) -> list[list[str]]:
    read = read_resource_tags(subject(type_token, props, **extra), stack=extra.get("stack"))
    assert read is not None
    return [part.missing(COST_TAG_KEYS) for part in read.parts]


# --- The tables ---------------------------------------------------------------------------------


def _location_exists(type_token: str, path: str) -> bool:
    """A table path is a top-level argument or a nested tag argument of the installed SDK."""
    if type_token.startswith("kubernetes:"):
        return path.endswith("metadata.labels")  # pod templates: core/v1 PodTemplateSpec
    return path in taggable.sdk_arguments(type_token) | taggable.sdk_tag_paths(type_token)


@pytest.mark.parametrize("type_token", sorted(t for t in ROUTES if "*" not in t))
def test_every_route_names_paths_the_installed_sdk_has(type_token: str) -> None:
    route = ROUTES[type_token]
    assert route.sources and all(urlparse(url).scheme == "https" for url in route.sources)
    for part in route.parts:
        assert part.hint, type_token
        for location in part.locations:
            if not location.computed:
                assert _location_exists(type_token, location.path), (type_token, location.path)
        for reference in part.references:
            for path in reference.paths:
                top = path.split(".", 1)[0]
                assert top in taggable.sdk_arguments(type_token), (type_token, path)
            for target in reference.target_types:
                for location in reference.locations:
                    assert _location_exists(target, location.path), (target, location.path)


def test_nested_tag_paths_of_the_table_come_from_the_sdk_input_types() -> None:
    """The nested locations the issue names are exactly what the SDK's *Args types show."""
    assert "nodeConfig.resourceLabels" in taggable.sdk_tag_paths("gcp:container/nodePool:NodePool")
    assert "settings.userLabels" in taggable.sdk_tag_paths(
        "gcp:sql/databaseInstance:DatabaseInstance"
    )
    assert "agentPoolProfiles.*.tags" in taggable.sdk_tag_paths(
        "azure-native:containerservice:ManagedCluster"
    )
    assert "tagSpecifications.*.tags" in taggable.sdk_tag_paths(
        "aws:ec2/launchTemplate:LaunchTemplate"
    )


OFFICIAL = (
    "aws.amazon.com",
    "docs.aws.amazon.com",
    "cloud.google.com",
    "azure.microsoft.com",
    "learn.microsoft.com",
)


@pytest.mark.parametrize("entry", FREE_OF_CHARGE, ids=lambda entry: entry.pattern)
def test_every_free_entry_is_cited_and_matches_installed_types(entry: Any) -> None:
    """A free entry cites its provider's own pricing or docs page, says why, and still names
    real types (a renamed type would otherwise silently start needing tags again)."""
    assert urlparse(entry.source).hostname in OFFICIAL, entry.source
    assert len(entry.reason) > 30
    package = entry.pattern.split(":", 1)[0]
    registry = taggable._registry(package)
    import fnmatch

    matches = [token for token in registry if fnmatch.fnmatchcase(token, entry.pattern)]
    assert matches, f"{entry.pattern} matches no installed type"
    assert any(route_for(token) for token in matches), f"{entry.pattern}: none can carry tags"


@pytest.mark.parametrize(
    "type_token",
    [
        "aws:iam/role:Role",
        "aws:iam/policy:Policy",
        "aws:s3/bucketObjectv2:BucketObjectv2",
        "aws:ec2/securityGroup:SecurityGroup",
        "aws:ec2/vpc:Vpc",
        "aws:ec2/routeTable:RouteTable",
        "aws:ec2/launchTemplate:LaunchTemplate",
        "gcp:compute/instanceTemplate:InstanceTemplate",
        "azure-native:network:VirtualNetwork",
        "azure-native:network:NetworkSecurityGroup",
        "kubernetes:core/v1:Secret",
        "kubernetes:core/v1:ConfigMap",
        "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
        "kubernetes:core/v1:ServiceAccount",
        "kubernetes:core/v1:Namespace",
    ],
)
def test_free_types_need_no_cost_tags_by_default(type_token: str) -> None:
    decision = needs_cost_tags(type_token, {})
    assert not decision.needed and decision.reason.startswith("not billed: ")
    assert needs_cost_tags(type_token, {}, scope="all-taggable").needed
    assert needs_cost_tags(type_token, {}, include_types=[type_token]).needed


@pytest.mark.parametrize(
    "type_token",
    [
        "aws:ec2/instance:Instance",
        "aws:s3/bucket:Bucket",
        "aws:eks/cluster:Cluster",
        "aws:eks/nodeGroup:NodeGroup",
        "aws:autoscaling/group:Group",
        "aws:ebs/volume:Volume",
        "aws:ec2/natGateway:NatGateway",
        "aws:ec2/eip:Eip",
        "aws:lb/loadBalancer:LoadBalancer",
        "aws:rds/instance:Instance",
        "gcp:compute/instance:Instance",
        "gcp:compute/disk:Disk",
        "gcp:compute/instanceGroupManager:InstanceGroupManager",
        "gcp:compute/forwardingRule:ForwardingRule",
        "gcp:storage/bucket:Bucket",
        "gcp:container/cluster:Cluster",
        "gcp:container/nodePool:NodePool",
        "gcp:sql/databaseInstance:DatabaseInstance",
        "azure-native:compute:VirtualMachine",
        "azure-native:compute:Disk",
        "azure-native:storage:StorageAccount",
        "azure-native:containerservice:ManagedCluster",
        "azure-native:containerservice:AgentPool",
        "azure-native:network:NatGateway",
        "azure-native:network:LoadBalancer",
        "azure-native:network:PublicIPAddress",
        "kubernetes:apps/v1:Deployment",
        "kubernetes:batch/v1:CronJob",
        "kubernetes:core/v1:PersistentVolumeClaim",
    ],
)
def test_billed_types_need_cost_tags(type_token: str) -> None:
    assert route_for(type_token) is not None, "a billed type must have a tag location"
    assert free_entry(type_token) is None
    assert needs_cost_tags(type_token, {}).needed


def test_a_load_balancer_service_is_billed_and_an_internal_one_is_not() -> None:
    service = "kubernetes:core/v1:Service"
    assert not needs_cost_tags(service, {"spec": {"type": "ClusterIP"}}).needed
    assert needs_cost_tags(service, {"spec": {"type": "LoadBalancer"}}).needed
    assert needs_cost_tags(service, {"spec": {"type": UNKNOWN}}).needed  # never a silent pass
    assert not needs_cost_tags(
        "kubernetes:core/v1:Service",
        {"spec": {"type": "LoadBalancer"}},
        exempt_types=["kubernetes:*"],
    ).needed


# --- Reading values --------------------------------------------------------------------------


def test_read_tags_takes_every_wire_shape() -> None:
    assert read_tags({"a": "1"}, "tags").values == {"a": "1"}
    assert read_tags('{"a": "1"}', "tags").values == {"a": "1"}
    assert read_tags(None, "tags").values == {}
    assert read_tags(UNKNOWN, "tags").unknown == ["tags is unknown during preview"]
    assert read_tags(7, "tags").problems == ["tags should be an object of tags, got 7"]
    entries = [
        {"key": "a", "value": "1", "propagateAtLaunch": True},
        {"key": "b", "value": "2", "propagateAtLaunch": False},
        {"key": "c", "value": "3", "propagateAtLaunch": UNKNOWN},
        "junk",
    ]
    read = read_tags(entries, "tags", propagating=True)
    assert read.values == {"a": "1"}
    assert read.unknown == ["tags.2.propagateAtLaunch is unknown during preview"]
    assert read.problems == ["tags.3 should be an object with a text key"]
    assert read_tags(entries[:2], "tags").values == {"a": "1", "b": "2"}


@pytest.mark.parametrize(
    ("provider_type", "props", "expected"),
    [
        (AWS_PROVIDER, {"defaultTags": json.dumps({"tags": TAGS})}, TAGS),
        (AWS_PROVIDER, {"defaultTags": {"tags": TAGS}}, TAGS),
        ("pulumi:providers:gcp", {"defaultLabels": json.dumps({"team": "a"})}, {"team": "a"}),
        ("pulumi:providers:azure-native", {"location": "eastus"}, {}),
        ("pulumi:providers:kubernetes", {}, {}),
        (AWS_PROVIDER, {"region": "us-east-1"}, {}),
    ],
)
def test_provider_default_tags(provider_type: str, props: Any, expected: Any) -> None:
    assert provider_default_tags(provider_type, props).values == expected


def test_provider_default_tags_that_are_unknown_or_malformed_say_so() -> None:
    unknown = provider_default_tags(AWS_PROVIDER, {"defaultTags": json.dumps({"tags": UNKNOWN})})
    assert unknown.values == {} and unknown.unknown
    broken = provider_default_tags(AWS_PROVIDER, {"defaultTags": json.dumps({"tags": [1]})})
    assert broken.problems == [
        "the provider's defaultTags.tags.0 should be an object with a text key"
    ]


def test_the_azure_native_and_kubernetes_providers_take_no_default_tags() -> None:
    """Checked against the installed SDKs: their Provider constructors have no such argument."""
    for package in ("azure-native", "kubernetes"):
        root = taggable._sdk_root(package)
        assert root is not None
        source = (root / "provider.py").read_text()
        start = source.index("def _internal_init")
        signature = source[start : source.index("__props__", start)]
        assert "tags" not in signature and "default_labels" not in signature


# --- Where the bill sees tags ---------------------------------------------------------------


def test_provider_defaults_count_only_where_the_provider_applies_them() -> None:
    defaults = {"defaultTags": json.dumps({"tags": TAGS})}
    assert missing(
        "aws:s3/bucket:Bucket", {}, provider_type=AWS_PROVIDER, provider_props=defaults
    ) == [[]]
    # The AWS provider does not apply default tags to Auto Scaling groups.
    assert missing(
        "aws:autoscaling/group:Group", {}, provider_type=AWS_PROVIDER, provider_props=defaults
    ) == [list(COST_TAG_KEYS)]


def test_an_auto_scaling_group_counts_only_tags_that_propagate() -> None:
    tags = [{"key": k, "value": v, "propagateAtLaunch": k != "team"} for k, v in TAGS.items()]
    assert missing("aws:autoscaling/group:Group", {"tags": tags}) == [["team"]]


def test_nested_labels_are_read_where_the_sdk_keeps_them() -> None:
    assert taggable.tag_path("gcp:sql/databaseInstance:DatabaseInstance") == (
        "settings",
        "userLabels",
    )
    sql = "gcp:sql/databaseInstance:DatabaseInstance"
    assert missing(sql, {"settings": {"userLabels": TAGS}}) == [[]]
    assert missing(sql, {"labels": TAGS}) == [list(COST_TAG_KEYS)]


def test_each_aks_agent_pool_profile_is_billed_on_its_own() -> None:
    props = {"tags": TAGS, "agentPoolProfiles": [{"name": "a", "tags": TAGS}, {"name": "b"}]}
    read = read_resource_tags(subject("azure-native:containerservice:ManagedCluster", props))
    assert read is not None
    assert [(part.what, part.missing(COST_TAG_KEYS)) for part in read.parts] == [
        ("the cluster and its node resource group", []),
        ("agent pool 'a'", []),
        ("agent pool 'b'", list(COST_TAG_KEYS)),
    ]
    assert read.parts[2].hint == "the agent pool profile's tags"


def test_azure_tag_keys_are_case_insensitive() -> None:
    tags = {**TAGS, "Cost-Center": "x"}
    del tags["cost-center"]
    assert missing("azure-native:resources:ResourceGroup", {"tags": tags}) == [[]]


def test_pods_take_their_labels_from_the_pod_template() -> None:
    deployment = "kubernetes:apps/v1:Deployment"
    assert missing(deployment, {"metadata": {"labels": TAGS}}) == [list(COST_TAG_KEYS)]
    assert missing(deployment, {"spec": {"template": {"metadata": {"labels": TAGS}}}}) == [[]]
    cron = {"spec": {"jobTemplate": {"spec": {"template": {"metadata": {"labels": TAGS}}}}}}
    assert missing("kubernetes:batch/v1:CronJob", cron) == [[]]


def test_unknown_values_are_unknown_never_present_nor_missing() -> None:
    read = read_resource_tags(subject("aws:s3/bucket:Bucket", {"tags": {**TAGS, "owner": UNKNOWN}}))
    assert read is not None
    (part,) = read.parts
    assert part.missing(COST_TAG_KEYS) == [] and part.unknown_keys(COST_TAG_KEYS) == ["owner"]
    whole = read_resource_tags(subject("aws:s3/bucket:Bucket", {"tags": UNKNOWN}))
    assert whole is not None
    assert whole.parts[0].missing(COST_TAG_KEYS) == []
    assert whole.parts[0].unknown_keys(COST_TAG_KEYS) == list(COST_TAG_KEYS)


# --- Tags that come from another resource of the stack -----------------------------------------

TEMPLATE = subject(
    "aws:ec2/launchTemplate:LaunchTemplate",
    {"name": "nodes", "tagSpecifications": [{"resourceType": "instance", "tags": TAGS}]},
    name="lt",
)


def node_group(launch_template: Any, **extra: Any) -> Subject:
    return subject(
        "aws:eks/nodeGroup:NodeGroup",
        {"tags": TAGS, "launchTemplate": launch_template},
        name="ng",
        **extra,
    )


def test_an_eks_node_group_takes_instance_and_volume_tags_from_its_launch_template() -> None:
    stack = Stack([TEMPLATE])
    by_dependency = node_group(
        {"id": UNKNOWN}, property_dependencies={"launchTemplate": [TEMPLATE.urn]}
    )
    by_name = node_group({"name": "nodes", "version": "1"})
    for group in (by_dependency, by_name):
        read = read_resource_tags(group, stack=stack)
        assert read is not None
        assert [part.missing(COST_TAG_KEYS) for part in read.parts] == [[], list(COST_TAG_KEYS)]
        assert all(part.from_stack for part in read.parts)
        assert "'volume'" in read.parts[1].hint


def test_without_a_stack_the_reference_is_left_to_the_stack_rule() -> None:
    read = read_resource_tags(node_group({"name": "nodes"}))
    assert read is not None and all(part.from_stack for part in read.parts)


def test_a_node_group_without_launch_template_gets_no_tags_on_its_instances() -> None:
    read = read_resource_tags(subject("aws:eks/nodeGroup:NodeGroup", {"tags": TAGS}))
    assert read is not None
    part = read.parts[0]
    assert not part.from_stack and part.missing(COST_TAG_KEYS) == list(COST_TAG_KEYS)
    assert part.unreachable == "the NodeGroup sets no launchTemplate"


def test_a_reference_out_of_the_stack_or_unknown_is_not_a_pass() -> None:
    outside = read_resource_tags(node_group({"name": "elsewhere"}), stack=Stack([TEMPLATE]))
    assert outside is not None
    assert outside.parts[0].problems == [
        "its launch template (launchTemplate: elsewhere) is not in this stack: its tags cannot "
        "be read"
    ]
    assert outside.parts[0].missing(COST_TAG_KEYS) == []
    unknown = read_resource_tags(node_group({"id": UNKNOWN}), stack=Stack([TEMPLATE]))
    assert unknown is not None
    assert unknown.parts[0].unknown == [
        "its launch template (launchTemplate) is unknown during preview"
    ]


def test_a_gke_node_pool_counts_its_clusters_labels_and_provider_defaults() -> None:
    cluster = subject(
        "gcp:container/cluster:Cluster",
        {"name": "platform", "resourceLabels": {"team": "ml-team"}},
        name="gke",
        provider_type="pulumi:providers:gcp",
        provider_props={"defaultLabels": json.dumps({"project": "churn-predictor"})},
    )
    pool = subject(
        "gcp:container/nodePool:NodePool",
        {
            "cluster": "projects/p/locations/us-central1/clusters/platform",
            "nodeConfig": {"resourceLabels": {"owner": "o"}},
        },
    )
    read = read_resource_tags(pool, stack=Stack([cluster, pool]))
    assert read is not None
    assert read.parts[0].missing(COST_TAG_KEYS) == ["environment", "cost-center"]


def test_a_managed_instance_group_takes_its_templates_labels() -> None:
    template = subject("gcp:compute/instanceTemplate:InstanceTemplate", {"labels": TAGS}, name="t")
    group = subject(
        "gcp:compute/instanceGroupManager:InstanceGroupManager",
        {"versions": [{"instanceTemplate": UNKNOWN}]},
        property_dependencies={"versions": [template.urn]},
    )
    read = read_resource_tags(group, stack=Stack([template, group]))
    assert read is not None and read.parts[0].missing(COST_TAG_KEYS) == []


def test_scope_all_taggable_adds_the_resources_own_tags() -> None:
    group = subject("aws:eks/nodeGroup:NodeGroup", {})
    read = read_resource_tags(group, scope="all-taggable")
    assert read is not None
    assert [part.what for part in read.parts] == [
        "its EC2 instances",
        "their EBS volumes",
        "the resource",
    ]
    assert read.parts[2].hint == "tags, or the provider's default tags"
