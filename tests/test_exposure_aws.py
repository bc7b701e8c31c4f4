"""public-or-unencrypted-storage on AWS: disks, databases, file systems, caches, search domains,
topics and queues, container registries and shared snapshots.

Each resource kind has a bad and a good example in wire form (camelCase props, as the engine
sends them), judged by the rule directly; a recorded program then goes through the pack over
gRPC, so the property names are the ones the SDK really sends; and thrifty's own reference
stacks (their EKS node launch templates included) must come out clean.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.test_exposure import by_name
from thrifty.offline.analyzer_client import Analysis, analyze_recording
from thrifty.offline.recording import Recording, record_program, record_stack
from thrifty.policies.core import Finding, FindingKind, Resource, plain
from thrifty.policies.exposure import ExposureConfig, check_public_or_unencrypted_storage
from thrifty.policies.exposure.aws import CHECKS as AWS_CHECKS
from thrifty.preview import UNKNOWN

REPO_ROOT = Path(__file__).resolve().parents[1]
PACK_DIR = REPO_ROOT / "policies"
POLICY = "public-or-unencrypted-storage"

VOLUME = "aws:ebs/volume:Volume"
INSTANCE = "aws:ec2/instance:Instance"
SPOT_REQUEST = "aws:ec2/spotInstanceRequest:SpotInstanceRequest"
LAUNCH_CONFIG = "aws:ec2/launchConfiguration:LaunchConfiguration"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
DB = "aws:rds/instance:Instance"
CLUSTER = "aws:rds/cluster:Cluster"
CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
EFS = "aws:efs/fileSystem:FileSystem"
CACHE = "aws:elasticache/replicationGroup:ReplicationGroup"
SEARCH = "aws:opensearch/domain:Domain"
LEGACY_SEARCH = "aws:elasticsearch/domain:Domain"
TOPIC = "aws:sns/topic:Topic"
QUEUE = "aws:sqs/queue:Queue"
REPO_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
REGISTRY_POLICY = "aws:ecr/registryPolicy:RegistryPolicy"
SNAPSHOT_PERMISSION = "aws:ec2/snapshotCreateVolumePermission:SnapshotCreateVolumePermission"
AMI_PERMISSION = "aws:ec2/amiLaunchPermission:AmiLaunchPermission"
DB_SNAPSHOT = "aws:rds/snapshot:Snapshot"
DB_SNAPSHOT_COPY = "aws:rds/snapshotCopy:SnapshotCopy"
CLUSTER_SNAPSHOT = "aws:rds/clusterSnapshot:ClusterSnapshot"
CLUSTER_SNAPSHOT_COPY = "aws:rds/clusterSnapshotCopy:ClusterSnapshotCopy"

#: Props of a domain with every protection on; bad cases replace one block.
SAFE_DOMAIN = {
    "encryptAtRest": {"enabled": True},
    "nodeToNodeEncryption": {"enabled": True},
    "domainEndpointOptions": {"enforceHttps": True},
}
SAFE_CACHE = {"description": "d", "atRestEncryptionEnabled": True, "transitEncryptionEnabled": True}


def policy(*statements: Mapping[str, Any]) -> str:
    """A policy document as the SDK sends it: JSON text."""
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: str | list[str], principal: object = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": principal, "Action": action, **extra}


def judge(type_token: str, props: Mapping[str, Any]) -> list[Finding]:
    resource = Resource(type=type_token, props=props, urn=f"urn:pulumi:dev::t::{type_token}::r")
    return check_public_or_unencrypted_storage(resource, ExposureConfig())


# --- The rule over props: one bad and one good example per kind ---------------------------------

#: (type, props, words the single finding must contain: the property, its value, the fix)
BAD = [
    (VOLUME, {"size": 10}, ["encrypted is not set", "set encrypted to true"]),
    (
        INSTANCE,
        {"ami": "ami-1", "instanceType": "t3.micro"},
        ["rootBlockDevice is not set", "EBS encryption by default", "rootBlockDevice.encrypted"],
    ),
    (
        INSTANCE,
        {"rootBlockDevice": {"encrypted": False, "volumeSize": 8}},
        ["rootBlockDevice.encrypted is false", "set rootBlockDevice.encrypted to true"],
    ),
    (
        INSTANCE,
        {
            "rootBlockDevice": {"encrypted": True},
            "ebsBlockDevices": [{"deviceName": "/dev/sdf", "volumeSize": 100}],
        },
        [
            "ebsBlockDevices.0.encrypted is not set (/dev/sdf)",
            "ebsBlockDevices.0.encrypted to true",
        ],
    ),
    (SPOT_REQUEST, {"spotPrice": "0.03"}, ["rootBlockDevice is not set"]),
    (
        LAUNCH_CONFIG,
        {"rootBlockDevice": {"encrypted": True}, "ebsBlockDevices": [{"deviceName": "/dev/sdg"}]},
        ["ebsBlockDevices.0.encrypted is not set (/dev/sdg)"],
    ),
    (LAUNCH_CONFIG, {"imageId": "ami-1"}, ["rootBlockDevice is not set"]),
    (
        LAUNCH_TEMPLATE,
        {"blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": "false"}}]},
        [
            "blockDeviceMappings.0.ebs.encrypted is 'false' (/dev/xvda)",
            "set blockDeviceMappings.0.ebs.encrypted to 'true'",
        ],
    ),
    (
        LAUNCH_TEMPLATE,
        {"blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"volumeSize": 20}}]},
        ["blockDeviceMappings.0.ebs.encrypted is not set"],
    ),
    (
        DB,
        {"engine": "postgres", "instanceClass": "db.t3.micro"},
        ["storageEncrypted is not set", "set storageEncrypted to true"],
    ),
    (
        DB,
        {"engine": "mysql", "storageEncrypted": True, "publiclyAccessible": True},
        ["publiclyAccessible is true", "set publiclyAccessible to false"],
    ),
    (
        CLUSTER,
        {"engine": "aurora-postgresql", "engineMode": "provisioned", "storageEncrypted": False},
        ["storageEncrypted is false", "set storageEncrypted to true"],
    ),
    (
        CLUSTER,
        {"engine": "postgres", "storageEncrypted": True, "dbClusterInstanceClass": "db.m5d.large"},
        ["publiclyAccessible is not set", "dbSubnetGroupName is not set", "to false"],
    ),
    (
        CLUSTER,
        {"engine": "mysql", "storageEncrypted": True, "dbSubnetGroupName": "default"},
        ["dbSubnetGroupName is 'default'", "set publiclyAccessible to false"],
    ),
    (CLUSTER_INSTANCE, {"engine": "aurora-mysql", "publiclyAccessible": True}, ["is true"]),
    (EFS, {}, ["encrypted is not set", "file system", "set encrypted to true"]),
    (
        CACHE,
        {**SAFE_CACHE, "atRestEncryptionEnabled": None, "engine": "redis"},
        ["atRestEncryptionEnabled is not set (engine 'redis')", "to true"],
    ),
    (
        CACHE,
        {**SAFE_CACHE, "transitEncryptionEnabled": False},
        ["transitEncryptionEnabled is false", "set transitEncryptionEnabled to true"],
    ),
    (
        CACHE,
        {**SAFE_CACHE, "transitEncryptionMode": "preferred"},
        ["transitEncryptionMode 'preferred'", "set transitEncryptionMode to 'required'"],
    ),
    (
        SEARCH,
        {**SAFE_DOMAIN, "encryptAtRest": {"enabled": False}},
        ["encryptAtRest.enabled is false", "set encryptAtRest.enabled to true"],
    ),
    (
        SEARCH,
        {**SAFE_DOMAIN, "nodeToNodeEncryption": None},
        ["nodeToNodeEncryption.enabled is not set", "set nodeToNodeEncryption.enabled to true"],
    ),
    (
        SEARCH,
        {**SAFE_DOMAIN, "domainEndpointOptions": {"enforceHttps": False}},
        ["domainEndpointOptions.enforceHttps is false", "to true"],
    ),
    (
        LEGACY_SEARCH,
        {**SAFE_DOMAIN, "domainEndpointOptions": None},
        ["domainEndpointOptions is not set", "set domainEndpointOptions.enforceHttps to true"],
    ),
    (TOPIC, {"name": "alerts"}, ["kmsMasterKeyId is not set", "set kmsMasterKeyId"]),
    (TOPIC, {"kmsMasterKeyId": ""}, ["kmsMasterKeyId is not set"]),
    (
        QUEUE,
        {"sqsManagedSseEnabled": False},
        ["sqsManagedSseEnabled is false and kmsMasterKeyId is not set", "or set it to true"],
    ),
    (
        REPO_POLICY,
        {"repository": "app", "policy": policy(allow(["ecr:PutImage", "ecr:BatchGetImage"]))},
        ["policy statement 0", "Principal '*'", "push or delete images (ecr:PutImage)"],
    ),
    (
        REPO_POLICY,
        {"repository": "app", "policy": policy(allow("ecr:*", {"AWS": "*"}, Sid="Everyone"))},
        ["statement 0 ('Everyone')", "push or delete images (ecr:*)", "aws:PrincipalOrgID"],
    ),
    (
        REPO_POLICY,
        {"repository": "app", "policy": policy(allow(["ecr:BatchGetImage", "ecr:Get*"]))},
        ["pull images (ecr:BatchGetImage, ecr:Get*)", "private images become public"],
    ),
    (
        REGISTRY_POLICY,
        {"policy": policy(allow(["ecr:ReplicateImage", "ecr:CreateRepository"]))},
        ["push or delete images (ecr:ReplicateImage, ecr:CreateRepository)"],
    ),
    (
        SNAPSHOT_PERMISSION,
        {"snapshotId": "snap-1", "accountId": "all"},
        ["accountId 'all'", "every AWS account", "set accountId"],
    ),
    (
        AMI_PERMISSION,
        {"imageId": "ami-1", "group": "all"},
        ["group 'all' makes the AMI public", "remove group"],
    ),
    (DB_SNAPSHOT, {"sharedAccounts": ["123456789012", "all"]}, ["sharedAccounts includes 'all'"]),
    (DB_SNAPSHOT_COPY, {"sharedAccounts": ["all"]}, ["sharedAccounts includes 'all'"]),
    (CLUSTER_SNAPSHOT, {"sharedAccounts": ["all"]}, ["the snapshot is public"]),
    (CLUSTER_SNAPSHOT_COPY, {"sharedAccounts": ["ALL"]}, ["sharedAccounts includes 'all'"]),
]

GOOD = [
    (VOLUME, {"size": 10, "encrypted": True}),
    (INSTANCE, {"rootBlockDevice": {"encrypted": True}}),
    (
        INSTANCE,
        {
            "rootBlockDevice": {"encrypted": True, "kmsKeyId": "arn:aws:kms:us-east-1:1:key/k"},
            "ebsBlockDevices": [{"deviceName": "/dev/sdf", "encrypted": True}],
        },
    ),
    # The disks are the template's, judged on the template.
    (INSTANCE, {"launchTemplate": {"id": "lt-1", "version": "$Latest"}}),
    # A device from a snapshot is encrypted as the snapshot is; `encrypted` is refused with it.
    (
        INSTANCE,
        {
            "rootBlockDevice": {"encrypted": True},
            "ebsBlockDevices": [{"deviceName": "/dev/sdf", "snapshotId": "snap-1"}],
        },
    ),
    (SPOT_REQUEST, {"rootBlockDevice": {"encrypted": True}}),
    (
        LAUNCH_CONFIG,
        {
            "rootBlockDevice": {"encrypted": True},
            "ebsBlockDevices": [{"deviceName": "/dev/sdg", "noDevice": True}],
        },
    ),
    (
        LAUNCH_TEMPLATE,
        {"blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": "true"}}]},
    ),
    (LAUNCH_TEMPLATE, {"blockDeviceMappings": [{"deviceName": "/dev/sdb", "virtualName": "e0"}]}),
    (LAUNCH_TEMPLATE, {"metadataOptions": {"httpTokens": "required"}}),
    (DB, {"engine": "postgres", "storageEncrypted": True, "publiclyAccessible": False}),
    (DB, {"engine": "postgres", "replicateSourceDb": "primary-db"}),  # the source's encryption
    (CLUSTER, {"engine": "aurora-postgresql", "storageEncrypted": True}),
    (CLUSTER, {"engine": "aurora-mysql", "engineMode": "serverless"}),  # always encrypted
    (CLUSTER, {"engine": "aurora-mysql", "snapshotIdentifier": "snap"}),  # the snapshot's
    (CLUSTER, {"engine": "postgres", "storageEncrypted": True, "dbSubnetGroupName": "private"}),
    (CLUSTER, {"engine": "mysql", "storageEncrypted": True, "publiclyAccessible": False}),
    (CLUSTER_INSTANCE, {"engine": "aurora-mysql", "clusterIdentifier": "c"}),
    (EFS, {"encrypted": True, "kmsKeyId": "arn:aws:kms:us-east-1:1:key/k"}),
    (CACHE, SAFE_CACHE),
    (CACHE, {**SAFE_CACHE, "atRestEncryptionEnabled": None, "engine": "valkey"}),  # default on
    (CACHE, {**SAFE_CACHE, "transitEncryptionMode": "required"}),
    (SEARCH, SAFE_DOMAIN),
    (SEARCH, {**SAFE_DOMAIN, "domainEndpointOptions": {"tlsSecurityPolicy": "x"}}),  # default on
    (LEGACY_SEARCH, SAFE_DOMAIN),
    (TOPIC, {"kmsMasterKeyId": "alias/aws/sns"}),
    (QUEUE, {}),  # SSE-SQS by default
    (QUEUE, {"sqsManagedSseEnabled": True}),
    (QUEUE, {"sqsManagedSseEnabled": False, "kmsMasterKeyId": "alias/aws/sqs"}),
    (
        REPO_POLICY,
        {"policy": policy(allow("ecr:*", {"AWS": "arn:aws:iam::123456789012:root"}))},
    ),
    (
        REPO_POLICY,
        {
            "policy": policy(
                allow(
                    ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                    Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc"}},
                )
            )
        },
    ),
    (REPO_POLICY, {"policy": policy({"Effect": "Deny", "Principal": "*", "Action": "ecr:*"})}),
    (REGISTRY_POLICY, {"policy": policy(allow("ecr:ReplicateImage", {"AWS": "111122223333"}))}),
    (SNAPSHOT_PERMISSION, {"snapshotId": "snap-1", "accountId": "123456789012"}),
    (AMI_PERMISSION, {"imageId": "ami-1", "accountId": "123456789012"}),
    (DB_SNAPSHOT, {"sharedAccounts": ["123456789012"]}),
    (DB_SNAPSHOT_COPY, {"sharedAccounts": []}),
    (CLUSTER_SNAPSHOT, {"dbClusterIdentifier": "c"}),
    (CLUSTER_SNAPSHOT_COPY, {"sharedAccounts": ["123456789012", "210987654321"]}),
]


@pytest.mark.parametrize(("type_token", "props", "words"), BAD)
def test_bad_examples_are_flagged_naming_property_value_and_fix(
    type_token: str, props: Mapping[str, Any], words: list[str]
) -> None:
    findings = judge(type_token, props)
    assert [finding.kind for finding in findings] == [FindingKind.VIOLATION], findings
    for word in words:
        assert word in findings[0].message, (word, findings[0].message)


@pytest.mark.parametrize(("type_token", "props"), GOOD)
def test_good_examples_pass(type_token: str, props: Mapping[str, Any]) -> None:
    assert judge(type_token, props) == []


def test_every_checked_type_has_a_bad_and_a_good_example() -> None:
    """New AWS types come with both examples (S3 is covered by tests/test_exposure.py)."""
    checked = {type_token for type_token in AWS_CHECKS if not type_token.startswith("aws:s3/")}
    assert checked <= {type_token for type_token, _, _ in BAD}
    assert checked <= {type_token for type_token, _ in GOOD}


def test_each_unencrypted_disk_of_an_instance_is_its_own_finding() -> None:
    props = {
        "rootBlockDevice": {"encrypted": False},
        "ebsBlockDevices": [
            {"deviceName": "/dev/sdf", "encrypted": True},
            {"deviceName": "/dev/sdg", "encrypted": False},
            {"deviceName": "/dev/sdh"},
        ],
    }
    messages = [finding.message for finding in judge(INSTANCE, props)]
    assert [message.split(":", 1)[0] for message in messages] == [
        "rootBlockDevice.encrypted is false",
        "ebsBlockDevices.1.encrypted is false (/dev/sdg)",
        "ebsBlockDevices.2.encrypted is not set (/dev/sdh)",
    ]


def test_a_domain_without_any_protection_gets_three_findings() -> None:
    messages = [finding.message for finding in judge(SEARCH, {"engineVersion": "OpenSearch_2.11"})]
    assert [message.split(" ", 1)[0] for message in messages] == [
        "encryptAtRest.enabled",
        "nodeToNodeEncryption.enabled",
        "domainEndpointOptions",
    ]


def test_a_public_write_and_a_public_read_statement_are_told_apart() -> None:
    document = policy(allow("ecr:BatchGetImage", Sid="Pull"), allow("ecr:Batch*", Sid="Batch"))
    messages = [finding.message for finding in judge(REPO_POLICY, {"policy": document})]
    assert len(messages) == 2
    assert "statement 0 ('Pull')" in messages[0] and "pull images" in messages[0]
    # ecr:Batch* covers ecr:BatchDeleteImage.
    assert "statement 1 ('Batch')" in messages[1] and "push or delete" in messages[1]


@pytest.mark.parametrize(
    ("statement", "words"),
    [
        (
            {"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::1:root"}, "Action": "ecr:*"},
            ["NotPrincipal: everyone except", "push or delete"],
        ),
        (
            {"Effect": "Allow", "Principal": "*", "NotAction": "ecr:DeleteRepository"},
            ["every action except ['ecr:DeleteRepository']"],
        ),
        (
            {"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::1:root", "*"]}, "Action": "*"},
            ["Principal '*'", "push or delete images (*)"],
        ),
    ],
)
def test_ecr_policies_read_every_way_a_statement_opens_up(
    statement: Mapping[str, Any], words: list[str]
) -> None:
    findings = judge(REPO_POLICY, {"policy": policy(statement)})
    assert [finding.kind for finding in findings] == [FindingKind.VIOLATION]
    for word in words:
        assert word in findings[0].message, (word, findings[0].message)


def test_a_policy_given_as_an_object_is_read_like_json_text() -> None:
    """pulumi-aws types ECR policies as `str | PolicyDocumentArgs`; both reach the wire."""
    document = {
        "Version": "2012-10-17",
        "Statement": {"Effect": "Allow", "Principal": "*", "Action": ["ecr:UploadLayerPart"]},
    }
    findings = judge(REPO_POLICY, {"policy": document})
    assert [finding.kind for finding in findings] == [FindingKind.VIOLATION]
    assert "push or delete images (ecr:UploadLayerPart)" in findings[0].message


@pytest.mark.parametrize(
    ("type_token", "props", "reason"),
    [
        (VOLUME, {"encrypted": UNKNOWN}, "encrypted is unknown during preview"),
        (INSTANCE, {"rootBlockDevice": UNKNOWN}, "rootBlockDevice is unknown during preview"),
        (
            INSTANCE,
            {"rootBlockDevice": {"encrypted": True}, "ebsBlockDevices": [{"encrypted": UNKNOWN}]},
            "ebsBlockDevices.0.encrypted is unknown",
        ),
        (
            LAUNCH_TEMPLATE,
            {"blockDeviceMappings": [{"ebs": UNKNOWN}]},
            "blockDeviceMappings.0.ebs is unknown during preview",
        ),
        (DB, {"storageEncrypted": UNKNOWN}, "storageEncrypted is unknown during preview"),
        (DB, {"storageEncrypted": True, "publiclyAccessible": UNKNOWN}, "publiclyAccessible"),
        (CLUSTER, {"storageEncrypted": True, "engine": UNKNOWN}, "engine is unknown"),
        (CLUSTER, {"engine": "aurora-mysql", "engineMode": UNKNOWN}, "engineMode is unknown"),
        (CLUSTER_INSTANCE, {"publiclyAccessible": UNKNOWN}, "publiclyAccessible is unknown"),
        (EFS, {"encrypted": UNKNOWN}, "encrypted is unknown during preview"),
        (CACHE, {**SAFE_CACHE, "atRestEncryptionEnabled": None, "engine": UNKNOWN}, "engine"),
        (SEARCH, {**SAFE_DOMAIN, "encryptAtRest": UNKNOWN}, "encryptAtRest is unknown"),
        (TOPIC, {"kmsMasterKeyId": UNKNOWN}, "kmsMasterKeyId is unknown during preview"),
        (QUEUE, {"sqsManagedSseEnabled": UNKNOWN}, "sqsManagedSseEnabled is unknown"),
        (REPO_POLICY, {"policy": UNKNOWN}, "policy is unknown during preview"),
        (
            REPO_POLICY,
            {"policy": {"Statement": [{"Effect": "Allow", "Principal": UNKNOWN, "Action": "*"}]}},
            "policy.Statement.0.Principal is unknown during preview",
        ),
        (
            REPO_POLICY,
            {"policy": {"Statement": [allow("ecr:*", {"AWS": [UNKNOWN]})]}},
            "policy.Statement.0.Principal.AWS is unknown during preview",
        ),
        (SNAPSHOT_PERMISSION, {"accountId": UNKNOWN}, "accountId is unknown during preview"),
        (AMI_PERMISSION, {"group": UNKNOWN}, "group is unknown during preview"),
        (DB_SNAPSHOT, {"sharedAccounts": [UNKNOWN]}, "sharedAccounts.0 is unknown"),
    ],
)
def test_values_unknown_during_preview_are_reported_as_unknown_never_passed(
    type_token: str, props: Mapping[str, Any], reason: str
) -> None:
    findings = judge(type_token, props)
    assert [finding.kind for finding in findings] == [FindingKind.UNKNOWN], findings
    assert reason in findings[0].message


@pytest.mark.parametrize(
    ("type_token", "props", "reason"),
    [
        (INSTANCE, {"rootBlockDevice": {"encrypted": "yes"}}, "should be a boolean, got 'yes'"),
        (LAUNCH_TEMPLATE, {"blockDeviceMappings": {"ebs": {}}}, "should be a list"),
        (CLUSTER, {"storageEncrypted": True}, "engine is missing"),
        (REPO_POLICY, {"policy": "{not json"}, "policy is not valid JSON"),
        (REPO_POLICY, {"policy": json.dumps({"Statement": ["x"]})}, "Statement.0 should be an"),
        (DB_SNAPSHOT, {"sharedAccounts": "all"}, "sharedAccounts should be a list"),
    ],
)
def test_malformed_values_are_not_checkable(
    type_token: str, props: Mapping[str, Any], reason: str
) -> None:
    findings = judge(type_token, props)
    assert [finding.kind for finding in findings] == [FindingKind.NOT_CHECKABLE], findings
    assert reason in findings[0].message


def test_a_replica_whose_source_is_unknown_is_still_a_replica() -> None:
    """The source's identifier is often computed; that it is set is known all the same."""
    assert judge(DB, {"engine": "postgres", "replicateSourceDb": UNKNOWN}) == []


def test_an_unknown_value_does_not_hide_another_concern_of_the_same_resource() -> None:
    props = {"atRestEncryptionEnabled": UNKNOWN, "transitEncryptionEnabled": False}
    findings = judge(CACHE, props)
    assert [finding.kind for finding in findings] == [FindingKind.UNKNOWN, FindingKind.VIOLATION]
    assert "transitEncryptionEnabled is false" in findings[1].message


def test_s3_bucket_policies_use_the_same_reader() -> None:
    """One statement given as an object, and NotPrincipal, open a bucket as they open a repo."""
    document = json.dumps(
        {"Statement": {"Effect": "Allow", "NotPrincipal": {"AWS": "x"}, "Action": "s3:*"}}
    )
    findings = judge("aws:s3/bucketPolicy:BucketPolicy", {"bucket": "b", "policy": document})
    assert [finding.message for finding in findings] == [
        "policy statement 0 allows anyone (NotPrincipal: everyone except the principals listed) "
        "without a condition; name the principals or add a Condition"
    ]


# --- A real program, recorded, through the pack over gRPC --------------------------------------

CONFIG = {"aws:region": "us-east-1"}


def aws_program() -> None:
    import pulumi_aws as aws

    aws.ec2.Instance("plain-instance", ami="ami-1", instance_type="t3.micro")
    aws.ec2.Instance(
        "sealed-instance",
        ami="ami-1",
        instance_type="t3.micro",
        root_block_device={"encrypted": True, "volume_size": 20},
        ebs_block_devices=[{"device_name": "/dev/sdf", "encrypted": True, "volume_size": 50}],
    )
    aws.ec2.LaunchTemplate(
        "plain-template",
        block_device_mappings=[{"device_name": "/dev/xvda", "ebs": {"encrypted": "false"}}],
    )
    aws.rds.Instance(
        "plain-db",
        engine="postgres",
        instance_class="db.t3.micro",
        allocated_storage=20,
        storage_encrypted=True,
        publicly_accessible=True,
    )
    cluster = aws.rds.Cluster("sealed-cluster", engine="aurora-postgresql", storage_encrypted=True)
    aws.sns.Topic("plain-topic")
    aws.sqs.Queue("default-queue")
    aws.ecr.RepositoryPolicy(
        "open-repository-policy",
        repository="app",
        policy=policy(allow(["ecr:PutImage", "ecr:BatchDeleteImage"], Sid="AnyonePushes")),
    )
    aws.ec2.AmiLaunchPermission("public-ami", image_id="ami-1", group="all")
    # Known only once the cluster exists: unknown during preview.
    aws.rds.ClusterInstance(
        "computed-instance",
        cluster_identifier=cluster.id,
        engine="aurora-postgresql",
        instance_class="db.r6g.large",
        publicly_accessible=cluster.arn.apply(lambda _: True),
    )


@pytest.fixture(scope="module")
def analysis() -> Analysis:
    recording = record_program(aws_program, config=CONFIG, preview=True)
    return analyze_recording(recording, PACK_DIR, stack_config=CONFIG)


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("plain-instance", "rootBlockDevice is not set"),
        ("plain-template", "blockDeviceMappings.0.ebs.encrypted is 'false'"),
        ("plain-db", "publiclyAccessible is true"),
        ("plain-topic", "kmsMasterKeyId is not set"),
        ("open-repository-policy", "statement 0 ('AnyonePushes')"),
        ("public-ami", "group 'all'"),
    ],
)
def test_bad_resources_of_a_recorded_program_are_mandatory_violations(
    analysis: Analysis, name: str, words: str
) -> None:
    found = by_name(analysis).get(name, [])
    assert [(kind, level) for kind, level, _ in found] == [("violation", "mandatory")], found
    assert words in found[0][2]


def test_good_resources_of_a_recorded_program_pass(analysis: Analysis) -> None:
    found = by_name(analysis)
    for name in ("sealed-instance", "sealed-cluster", "default-queue"):
        assert name not in found, (name, found.get(name))


def test_a_value_unknown_during_preview_is_reported_as_unknown_over_grpc(
    analysis: Analysis,
) -> None:
    found = by_name(analysis)["computed-instance"]
    assert [(kind, level) for kind, level, _ in found] == [("unknown", "advisory")]
    assert "publiclyAccessible is unknown during preview" in found[0][2]


# --- thrifty's own reference stacks ------------------------------------------------------------


@pytest.fixture(scope="module", params=["dev", "staging", "production"])
def reference_stack(request: pytest.FixtureRequest) -> Recording:
    return record_stack(REPO_ROOT, request.param)


def test_reference_stacks_store_nothing_unencrypted_or_public(reference_stack: Recording) -> None:
    judged = [resource for resource in reference_stack if resource.type in AWS_CHECKS]
    # Not vacuous: the EKS node pools' launch templates, with their root disks, are judged.
    assert any(resource.type == LAUNCH_TEMPLATE for resource in judged)
    findings = {
        resource.name: check_public_or_unencrypted_storage(
            Resource(type=resource.type, props=plain(resource.inputs), urn=resource.urn),
            ExposureConfig(),
        )
        for resource in judged
    }
    assert {name: found for name, found in findings.items() if found} == {}
