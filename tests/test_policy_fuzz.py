"""Fuzz: at least 1,000 malformed requests against one running pack; no gRPC error, no crash.

Requests start from resources the rules know (so the fuzz reaches rule code, not only the
"unknown type" exit) and are then broken: values replaced by other JSON types, preview
sentinels, non-finite numbers, secret markers, deep nesting; keys dropped; options and
providers garbled. Configure is fuzzed too, with arbitrary properties and enforcement levels.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import struct_pb2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pulumi.runtime.proto import analyzer_pb2

from thrifty.offline.analyzer_client import AnalyzerClient, PolicyConfigEntry
from thrifty.policies import all_policies

PACK_DIR = Path(__file__).resolve().parents[1] / "policies"
UNKNOWNS = [
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
]
SIG = "4dabf18193072939515e22adb298388d"
TYPES = [
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:eks/nodeGroup:NodeGroup",
    "aws:autoscaling/group:Group",
    "aws:ebs/volume:Volume",
    "aws:budgets/budget:Budget",
    "gcp:storage/bucket:Bucket",
    "gcp:container/nodePool:NodePool",
    "gcp:compute/instanceTemplate:InstanceTemplate",
    "azure-native:containerservice:ManagedCluster",
    "azure-native:storage:StorageAccount",
    # public-or-unencrypted-storage: every place data rests or is exposed (issue 15)
    "aws:ec2/instance:Instance",
    "aws:ec2/spotInstanceRequest:SpotInstanceRequest",
    "aws:ec2/launchConfiguration:LaunchConfiguration",
    "aws:ec2/launchTemplate:LaunchTemplate",
    "aws:rds/instance:Instance",
    "aws:rds/cluster:Cluster",
    "aws:rds/clusterInstance:ClusterInstance",
    "aws:efs/fileSystem:FileSystem",
    "aws:elasticache/replicationGroup:ReplicationGroup",
    "aws:opensearch/domain:Domain",
    "aws:elasticsearch/domain:Domain",
    "aws:sns/topic:Topic",
    "aws:sqs/queue:Queue",
    "aws:ecr/repositoryPolicy:RepositoryPolicy",
    "aws:ecr/registryPolicy:RegistryPolicy",
    "aws:ec2/snapshotCreateVolumePermission:SnapshotCreateVolumePermission",
    "aws:ec2/amiLaunchPermission:AmiLaunchPermission",
    "aws:rds/snapshot:Snapshot",
    "aws:rds/snapshotCopy:SnapshotCopy",
    "aws:rds/clusterSnapshot:ClusterSnapshot",
    "aws:rds/clusterSnapshotCopy:ClusterSnapshotCopy",
    "gcp:sql/databaseInstance:DatabaseInstance",
    "azure-native:sql:FirewallRule",
    "azure-native:sql:IPv6FirewallRule",
    "azure-native:sql:TransparentDataEncryption",
    "azure-native:dbforpostgresql:FirewallRule",
    "azure-native:dbforpostgresql:SingleServerFirewallRule",
    "azure-native:dbforpostgresql:SingleServer",
    "azure-native:dbformysql:FirewallRule",
    "azure-native:dbformysql:SingleServerFirewallRule",
    "azure-native:dbformysql:SingleServer",
    "azure-native:dbformariadb:FirewallRule",
    "azure-native:dbformariadb:Server",
    "kubernetes:apps/v1:Deployment",
    "kubernetes:batch/v1:CronJob",
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    "pulumi:providers:aws",
]
KEYS = [
    "rootBlockDevice",
    "ebsBlockDevices",
    "blockDeviceMappings",
    "ebs",
    "encrypted",
    "storageEncrypted",
    "publiclyAccessible",
    "encryptAtRest",
    "domainEndpointOptions",
    "policy",
    "sharedAccounts",
    "settings",
    "ipConfiguration",
    "authorizedNetworks",
    "startIpAddress",
    "endIpAddress",
    "tags",
    "tagsAll",
    "labels",
    "metadata",
    "spec",
    "template",
    "containers",
    "resources",
    "limits",
    "requests",
    "cpu",
    "memory",
    "instanceTypes",
    "capacityType",
    "scalingConfig",
    "maxSize",
    "nodeConfig",
    "machineType",
    "spot",
    "autoscaling",
    "maxNodeCount",
    "agentPoolProfiles",
    "vmSize",
    "maxCount",
    "size",
    "diskSizeGB",
    "lifecycleRules",
    "rules",
    "versioning",
    "enabled",
    "acl",
    "policy",
    "costFilters",
    "budgetFilter",
    "region",
    "location",
    "defaultTags",
    "project",
    "owner",
    "environment",
    "maxReplicas",
    "bucket",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from([*UNKNOWNS, "m5.24xlarge", "SPOT", "500m", "1Ti", "public-read", "*", "{"]),
)
keys = st.one_of(st.sampled_from(KEYS), st.text(max_size=8))
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(keys, inner, max_size=5),
        st.builds(lambda v: {SIG: "1b47061264138c4ac30d75fd1eb44270", "value": v}, inner),
        st.builds(lambda k: {SIG: k}, st.text(max_size=4)),
    ),
    max_leaves=25,
)
properties = st.dictionaries(keys, values, max_size=8)


def _struct(value: dict[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(value)
    return message


@st.composite
def resources(draw: st.DrawFn) -> analyzer_pb2.AnalyzerResource:
    type_token = draw(st.one_of(st.sampled_from(TYPES), st.text(max_size=12)))
    options = analyzer_pb2.AnalyzerResourceOptions(
        protect=draw(st.booleans()),
        ignoreChanges=draw(st.lists(st.text(max_size=5), max_size=2)),
        customTimeouts=analyzer_pb2.AnalyzerResourceOptions.CustomTimeouts(
            create=draw(st.floats(allow_nan=True)), delete=draw(st.floats(allow_nan=True))
        ),
        parent=draw(st.text(max_size=10)),
    )
    resource = analyzer_pb2.AnalyzerResource(
        type=type_token,
        name=draw(st.text(max_size=10)),
        urn=draw(st.text(max_size=30)),
        properties=_struct(draw(properties)),
        parent=draw(st.text(max_size=10)),
        dependencies=draw(st.lists(st.text(max_size=10), max_size=2)),
    )
    if draw(st.booleans()):
        resource.options.CopyFrom(options)
    if draw(st.booleans()):
        resource.provider.CopyFrom(
            analyzer_pb2.AnalyzerProviderResource(
                type=draw(st.sampled_from(["pulumi:providers:aws", "pulumi:providers:gcp", ""])),
                name="p",
                urn="urn:p",
                properties=_struct(draw(properties)),
            )
        )
    for key in draw(st.lists(st.sampled_from(KEYS), max_size=2)):
        resource.propertyDependencies[key].urns.extend(
            draw(st.lists(st.text(max_size=8), max_size=2))
        )
    return resource


def _analyze_request(resource: analyzer_pb2.AnalyzerResource) -> analyzer_pb2.AnalyzeRequest:
    request = analyzer_pb2.AnalyzeRequest(
        type=resource.type, name=resource.name, urn=resource.urn, properties=resource.properties
    )
    if resource.HasField("options"):
        request.options.CopyFrom(resource.options)
    if resource.HasField("provider"):
        request.provider.CopyFrom(resource.provider)
    return request


POLICY_NAMES = [policy.name for policy in all_policies()]
configs = st.dictionaries(
    st.sampled_from(POLICY_NAMES),
    st.tuples(st.integers(min_value=-1, max_value=5), properties),
    max_size=4,
)


@pytest.fixture(scope="module")
def pack() -> Iterator[AnalyzerClient]:
    with AnalyzerClient.start(PACK_DIR) as client:
        client.configure({"required-tags": PolicyConfigEntry("remediate", {"defaults": {}})})
        yield client


@settings(
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    batch=st.lists(resources(), min_size=1, max_size=4),
    config=st.one_of(st.none(), configs),
)
def test_malformed_requests_never_fail_the_rpc(
    pack: AnalyzerClient, batch: list[analyzer_pb2.AnalyzerResource], config: Any
) -> None:
    if config is not None:
        pack.stub.Configure(
            analyzer_pb2.ConfigureAnalyzerRequest(
                policyConfig={
                    name: analyzer_pb2.PolicyConfig(
                        enforcementLevel=level, properties=_struct(props)
                    )  # type: ignore[arg-type]
                    for name, (level, props) in config.items()
                }
            ),
            timeout=30,
        )
    try:
        for resource in batch:
            reply = pack.stub.Analyze(_analyze_request(resource), timeout=30)
            for diagnostic in reply.diagnostics:
                assert diagnostic.message
            pack.stub.Remediate(_analyze_request(resource), timeout=30)
        pack.stub.AnalyzeStack(analyzer_pb2.AnalyzeStackRequest(resources=batch), timeout=30)
    except grpc.RpcError as error:  # pragma: no cover - the assertion message is the point
        pytest.fail(f"the pack answered with a gRPC error: {error}")


def test_the_pack_survived_the_fuzz(pack: AnalyzerClient) -> None:
    assert pack.process.poll() is None
    assert pack.info().name == "thrifty-guard"
    assert "Traceback" not in pack.stderr_text()


def test_non_finite_numbers_are_not_checkable_not_a_crash(pack: AnalyzerClient) -> None:
    pack.configure({})
    volume = analyzer_pb2.AnalyzeRequest(
        type="aws:ebs/volume:Volume",
        urn="urn:v",
        name="v",
        properties=_struct({"size": math.inf, "encrypted": True}),
    )
    reply = pack.stub.Analyze(volume, timeout=30)
    messages = [d.message for d in reply.diagnostics if d.policyName == "disk-size-caps"]
    assert messages and all("not checkable" in message for message in messages)
