"""Which types carry cost tags, derived from the installed SDKs rather than a hand list."""

from __future__ import annotations

import random

import pytest

from thrifty import taggable


@pytest.mark.parametrize(
    ("type_token", "path"),
    [
        ("aws:s3/bucket:Bucket", ("tags",)),
        ("aws:eks/nodeGroup:NodeGroup", ("tags",)),
        ("aws:s3/bucketPolicy:BucketPolicy", None),
        ("gcp:storage/bucket:Bucket", ("labels",)),
        ("gcp:container/cluster:Cluster", ("resourceLabels",)),
        # no top-level labels: the nested cloud labels the SDK's input types show
        ("gcp:container/nodePool:NodePool", ("nodeConfig", "resourceLabels")),
        ("gcp:sql/databaseInstance:DatabaseInstance", ("settings", "userLabels")),
        # a nested plain ``labels`` is ambiguous and never taken
        ("gcp:compute/instanceGroupManager:InstanceGroupManager", None),
        # a notification channel's ``labels`` configure it; its cost labels are user labels
        ("gcp:monitoring/notificationChannel:NotificationChannel", ("userLabels",)),
        ("gcp:projects/service:Service", None),
        ("azure-native:resources:ResourceGroup", ("tags",)),
        ("azure-native:storage:ManagementPolicy", None),
        ("kubernetes:apps/v1:Deployment", ("metadata", "labels")),
        ("kubernetes:helm.sh/v3:Release", None),
        ("pulumi:providers:aws", None),
        ("aws:nothing/here:Nope", None),
    ],
)
def test_tag_paths(type_token: str, path: tuple[str, ...] | None) -> None:
    assert taggable.tag_path(type_token) == path


@pytest.mark.parametrize("package", ["aws", "gcp", "azure-native", "kubernetes"])
def test_source_reading_agrees_with_the_imported_signature(package: str) -> None:
    """The fast path (reading the generated source) must give what importing the class gives."""
    registry = taggable._registry(package)
    assert len(registry) > 50
    sample = random.Random(7).sample(sorted(registry), 12)
    compared = 0
    for token in sample:
        module_name, class_name = registry[token]
        from_source = taggable._source_arguments(package, module_name, class_name)
        if from_source is None:
            continue
        imported = taggable._imported_arguments(module_name, class_name)
        assert from_source == imported - {"__self__", "__props__"}, token
        compared += 1
    assert compared >= 9, "the source files of most sampled classes should be found"


def test_tags_of_reads_the_wire_form() -> None:
    assert taggable.tags_of("kubernetes:apps/v1:Deployment",
                            {"metadata": {"labels": {"team": "a"}}}) == {"team": "a"}
    assert taggable.tags_of("aws:s3/bucket:Bucket", {"tags": "not a map"}) is None
    assert taggable.tags_of("aws:s3/bucketPolicy:BucketPolicy", {"tags": {}}) is None


@pytest.mark.parametrize(
    ("type_token", "reached"),
    [
        ("aws:s3/bucket:Bucket", True),
        ("aws:eks/nodeGroup:NodeGroup", True),
        ("aws:autoscaling/group:Group", False),  # no tagsAll: default tags never reach it
        ("gcp:storage/bucket:Bucket", True),
        ("gcp:container/cluster:Cluster", True),
        ("gcp:container/nodePool:NodePool", False),  # no pulumiLabels
        ("gcp:sql/databaseInstance:DatabaseInstance", False),
        ("azure-native:resources:ResourceGroup", False),
        ("kubernetes:apps/v1:Deployment", False),
    ],
)
def test_provider_defaults_reach_types_with_the_merged_tags_output(
    type_token: str, reached: bool
) -> None:
    assert taggable.provider_defaults_reach(type_token) is reached


def test_sdk_tag_paths_follow_nested_input_types_in_wire_form() -> None:
    assert taggable.sdk_tag_paths("gcp:container/cluster:Cluster") >= {
        "nodeConfig.resourceLabels",
        "nodePools.*.nodeConfig.resourceLabels",
    }
    assert taggable.sdk_tag_paths("aws:ec2/instance:Instance") == {
        "rootBlockDevice.tags",
        "ebsBlockDevices.*.tags",
    }
    assert "volumeTags" in taggable.sdk_arguments("aws:ec2/instance:Instance")
    assert taggable.sdk_tag_paths("aws:nothing/here:Nope") == frozenset()
