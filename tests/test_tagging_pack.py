"""``required-tags`` and ``cost-tags-reach-instances`` over the real Analyzer protocol: the cost
tags are checked where the bill sees them, and every message says where to put them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.test_policy_pack import (
    AWS_TAGS,
    GCP_LABELS,
    K8S_LABELS,
    UNKNOWN,
    configure,
    flagged,
    mentioned,
    res,
    s3,
)
from thrifty.offline.analyzer_client import AnalyzerClient, ResourceSpec, Violation

PACK_DIR = Path(__file__).resolve().parents[1] / "policies"
REACH = "cost-tags-reach-instances"


@pytest.fixture(scope="module")
def running_pack() -> Iterator[AnalyzerClient]:
    with AnalyzerClient.start(PACK_DIR, project="test", stack="dev") as client:
        yield client


@pytest.fixture
def pack(running_pack: AnalyzerClient) -> AnalyzerClient:
    configure(running_pack)
    return running_pack


def template(name: str = "nodes-lt", **specs: Mapping[str, Any]) -> ResourceSpec:
    """A launch template with one tag specification per keyword (resource type -> tags)."""
    props = {
        "tags": AWS_TAGS,
        "tagSpecifications": [{"resourceType": kind, "tags": tags} for kind, tags in specs.items()],
    }
    return res("aws:ec2/launchTemplate:LaunchTemplate", props, name=name)


def node_group(launch_template: ResourceSpec | None, **props: Any) -> ResourceSpec:
    group = res(
        "aws:eks/nodeGroup:NodeGroup",
        {"instanceTypes": ["m5.large"], "tags": AWS_TAGS, **props},
        name="workers",
    )
    if launch_template is None:
        return group
    return replace(
        group,
        properties={**group.properties, "launchTemplate": {"id": UNKNOWN, "version": "1"}},
        property_dependencies={"launchTemplate": (launch_template.urn,)},
    )


def reach(client: AnalyzerClient, resources: list[ResourceSpec]) -> list[Violation]:
    """What ``cost-tags-reach-instances`` said about a stack of ``resources``."""
    return [v for v in client.analyze_stack(resources).violations if v.policy_name == REACH]


def test_an_s3_object_needs_no_cost_tags_unless_the_scope_is_all_taggable(
    pack: AnalyzerClient,
) -> None:
    obj = res("aws:s3/bucketObjectv2:BucketObjectv2", {"bucket": "data", "key": "a.csv"})
    role = res("aws:iam/role:Role", {"assumeRolePolicy": "{}"})
    for resource in (obj, role):
        assert not mentioned(pack.analyze(resource), "required-tags")
    configure(pack, {"required-tags": {"scope": "all-taggable"}})
    assert flagged(pack.analyze(obj), "required-tags") == [
        "aws:s3/bucketObjectv2:BucketObjectv2 'r' is missing cost tags: project, environment, "
        "team, cost-center, owner; put them in tags, or the provider's default tags"
    ]


def test_include_and_exempt_types_widen_and_narrow_the_set(pack: AnalyzerClient) -> None:
    secret = res("kubernetes:core/v1:Secret", {"metadata": {"name": "s"}})
    configure(pack, {"required-tags": {"includeTypes": ["kubernetes:*:Secret"]}})
    assert flagged(pack.analyze(secret), "required-tags")
    configure(pack, {"required-tags": {"exemptTypes": ["aws:s3/*"]}})
    assert not mentioned(pack.analyze(s3(tags={})), "required-tags")


def test_an_eks_node_group_without_launch_template_says_where_the_tags_go(
    pack: AnalyzerClient,
) -> None:
    found = flagged(pack.analyze(node_group(None)), "required-tags")
    assert found == [
        f"aws:eks/nodeGroup:NodeGroup 'workers' ({part}) is missing cost tags: project, "
        "environment, team, cost-center, owner (the NodeGroup sets no launchTemplate); put them "
        "in the launch template's tagSpecifications for 'instance' and 'volume'"
        for part in ("its EC2 instances", "their EBS volumes")
    ]


def test_a_launch_template_tagging_instances_but_not_volumes_fails_on_the_volumes(
    pack: AnalyzerClient,
) -> None:
    lt = template(instance=AWS_TAGS)
    found = reach(pack, [lt, node_group(lt)])
    assert [(v.urn.rsplit("::", 1)[-1], v.detail) for v in found] == [
        (
            "workers",
            "aws:eks/nodeGroup:NodeGroup 'workers' (their EBS volumes) is missing cost tags: "
            "project, environment, team, cost-center, owner; put them in the launch template's "
            "tagSpecifications for 'instance' and 'volume'",
        )
    ]
    full = template(instance=AWS_TAGS, volume=AWS_TAGS)
    assert reach(pack, [full, node_group(full)]) == []
    # Required-tags leaves the node group to the stack rule: its own tags do not count.
    assert not mentioned(pack.analyze(node_group(lt, tags={})), "required-tags")


def test_a_launch_template_out_of_the_stack_is_not_checkable_not_a_pass(
    pack: AnalyzerClient,
) -> None:
    group = res(
        "aws:eks/nodeGroup:NodeGroup",
        {"launchTemplate": {"name": "shared-nodes", "version": "3"}},
        name="workers",
    )
    found = reach(pack, [group])
    assert [v.not_checkable for v in found] == [True, True]
    assert "its launch template (launchTemplate: shared-nodes) is not in this stack" in (
        found[0].detail
    )


def test_unknown_tag_values_on_a_launch_template_are_reported_as_unknown(
    pack: AnalyzerClient,
) -> None:
    tags = {**AWS_TAGS, "owner": UNKNOWN}
    lt = template(instance=tags, volume=tags)
    [finding] = reach(pack, [lt, node_group(lt)])
    assert finding.enforcement_level == "advisory"
    assert "can't run policy" in finding.message
    assert "(its EC2 instances): tag 'owner' is unknown during preview" in finding.message


def gke_pool(**node_config: Any) -> ResourceSpec:
    return res(
        "gcp:container/nodePool:NodePool",
        {"cluster": "platform", "nodeConfig": {"machineType": "e2-standard-4", **node_config}},
        name="pool",
    )


def gke_cluster(**labels: str) -> ResourceSpec:
    props: dict[str, Any] = {"name": "platform", "location": "us-central1"}
    if labels:
        props["resourceLabels"] = labels
    return res("gcp:container/cluster:Cluster", props, name="gke")


def test_a_gke_node_pool_gets_its_labels_from_itself_or_its_cluster(
    pack: AnalyzerClient,
) -> None:
    [finding] = reach(pack, [gke_cluster(), gke_pool()])
    assert finding.detail == (
        "gcp:container/nodePool:NodePool 'pool' is missing cost tags: project, environment, "
        "team, cost-center, owner; put them in nodeConfig.resourceLabels (or the cluster's "
        "resourceLabels, which GKE copies to the cluster's nodes)"
    )
    assert reach(pack, [gke_cluster(), gke_pool(resourceLabels=GCP_LABELS)]) == []
    assert reach(pack, [gke_cluster(**GCP_LABELS), gke_pool()]) == []


def test_cloud_sql_remediation_writes_the_nested_user_labels(pack: AnalyzerClient) -> None:
    configure(
        pack,
        {
            "required-tags": {
                "enforcementLevel": "remediate",
                "defaults": {"owner": "ml-team@company.com"},
            }
        },
    )
    labels = {key: value for key, value in GCP_LABELS.items() if key != "owner"}
    sql = res(
        "gcp:sql/databaseInstance:DatabaseInstance",
        {"settings": {"tier": "db-f1-micro", "userLabels": labels}},
    )
    [remediation] = pack.remediate(sql)
    assert remediation.properties is not None
    assert remediation.properties["settings"] == {
        "tier": "db-f1-micro",
        "userLabels": {**labels, "owner": "ml-team_at_company_dot_com"},
    }


def test_a_workloads_message_names_the_pod_template(pack: AnalyzerClient) -> None:
    job = res(
        "kubernetes:batch/v1:CronJob",
        {"metadata": {"labels": K8S_LABELS}, "spec": {"schedule": "0 * * * *"}},
    )
    [message] = flagged(pack.analyze(job), "required-tags")
    assert message.endswith("put them in spec.jobTemplate.spec.template.metadata.labels")
