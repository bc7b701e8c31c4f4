"""Offline answers for resources: preview vs up outputs, auto-names, and robustness."""

from __future__ import annotations

import json
import re
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_azure_native as azure_native
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pulumi.output import Unknown
from pulumi.runtime.mocks import MockResourceArgs
from pulumi.runtime.rpc import UNKNOWN

from thrifty.offline.answers import OfflineMocks
from thrifty.offline.answers.autoname import autoname_rule, autonamed
from thrifty.offline.answers.mocks import SPECIFIC_OUTPUTS
from thrifty.offline.recording import Recording, record_program

SECRET_SIG = "4dabf18193072939515e22adb298388d"
SECRET = "1b47061264138c4ac30d75fd1eb44270"


def new(mocks: OfflineMocks, typ: str, name: str, inputs: dict[str, Any], **extra: Any) -> Any:
    return mocks.new_resource(MockResourceArgs(typ, name, inputs, custom=True, **extra))


def only(recording: Recording, typ: str) -> dict[str, Any]:
    (resource,) = recording.of_type(typ)
    return resource.inputs


def bucket_and_policy() -> None:
    """An auto-named bucket whose policy is built from its (computed) ARN."""
    bucket = aws.s3.Bucket("logs")
    aws.s3.BucketPolicy(
        "logs-policy",
        bucket=bucket.bucket,
        policy=bucket.arn.apply(lambda arn: json.dumps({"Resource": f"{arn}/*"})),
    )


def test_preview_knows_the_auto_name_but_not_the_arn() -> None:
    policy = only(
        record_program(bucket_and_policy, preview=True), "aws:s3/bucketPolicy:BucketPolicy"
    )
    assert policy["bucket"].startswith("logs-") and len(policy["bucket"]) == len("logs-") + 7
    assert policy["policy"] == UNKNOWN


def test_up_computes_the_arn_from_the_same_auto_name() -> None:
    preview = only(record_program(bucket_and_policy), "aws:s3/bucketPolicy:BucketPolicy")
    up = only(record_program(bucket_and_policy, preview=False), "aws:s3/bucketPolicy:BucketPolicy")
    assert up["bucket"] == preview["bucket"]  # deterministic: two runs agree
    assert json.loads(up["policy"]) == {"Resource": f"arn:aws:s3:::{up['bucket']}/*"}


def test_new_resources_have_no_id_in_preview_but_reads_do() -> None:
    mocks = OfflineMocks(preview=True)
    resource_id, _ = new(mocks, "aws:ec2/vpc:Vpc", "net", {"cidrBlock": "10.0.0.0/16"})
    assert resource_id == ""
    read_id, state = mocks.new_resource(
        MockResourceArgs("aws:ec2/vpc:Vpc", "existing", {}, resource_id="vpc-123")
    )
    assert read_id == "vpc-123" and state["arn"].startswith("arn:aws:ec2:us-east-1:")
    _, role = mocks.new_resource(
        MockResourceArgs("aws:iam/role:Role", "admin", {}, resource_id="admin")
    )
    assert "name" not in role  # an existing resource keeps its own name: no auto-name


def test_preview_outputs_are_inputs_plus_what_is_known_while_planning() -> None:
    mocks = OfflineMocks(preview=True)
    _, state = new(
        mocks, "aws:iam/role:Role", "app", {"assumeRolePolicy": "{}", "tags": {"a": "b"}}
    )
    assert set(state) == {"assumeRolePolicy", "tags", "name", "tagsAll"}
    _, cluster = new(mocks, "aws:eks/cluster:Cluster", "eks", {"roleArn": "arn"})
    assert "endpoint" not in cluster and "certificateAuthority" not in cluster


def test_up_keeps_the_outputs_components_read_back() -> None:
    mocks = OfflineMocks(preview=False, region="eu-west-1")
    _, cluster = new(mocks, "aws:eks/cluster:Cluster", "eks", {})
    assert cluster["endpoint"] == "https://eks.offline.eu-west-1.eks.amazonaws.com"
    _, group = new(mocks, "aws:eks/nodeGroup:NodeGroup", "ng", {"nodeGroupName": "spot"})
    assert group["resources"][0]["autoscalingGroups"][0]["name"] == "eks-spot-0000-offline"
    _, account = new(mocks, "gcp:serviceaccount/account:Account", "sa", {"accountId": "nodes"})
    assert account["email"] == "nodes@offline-project.iam.gserviceaccount.com"
    _, aks = new(mocks, "azure-native:containerservice:ManagedCluster", "aks", {"dnsPrefix": "p"})
    assert aks["fqdn"] == "p.hcp.eu-west-1.azmk8s.io"
    assert aks["name"] == aks["resourceName"] and aks["id"].endswith(f"/{aks['resourceName']}")


@pytest.mark.parametrize(
    ("typ", "inputs", "expected"),
    [
        ("aws:iam/role:Role", {}, {"name"}),
        ("aws:s3/bucket:Bucket", {}, {"bucket"}),
        ("aws:ec2/keyPair:KeyPair", {"publicKey": "ssh-ed25519 x"}, {"keyName"}),
        ("gcp:storage/bucket:Bucket", {"location": "US"}, {"name"}),
        ("azure-native:storage:StorageAccount", {"resourceGroupName": "rg"}, {"accountName"}),
        (
            "azure-native:network:PublicIPAddress",
            {"resourceGroupName": "rg"},
            {"publicIpAddressName"},
        ),
        ("azure-native:resources:ResourceGroup", {}, {"resourceGroupName"}),
        ("kubernetes:core/v1:ConfigMap", {"data": {}}, {"metadata"}),
    ],
)
def test_each_provider_auto_names_its_own_property(
    typ: str, inputs: dict[str, Any], expected: set[str]
) -> None:
    added = autonamed(typ, "Data", inputs)
    assert set(added) == expected
    rule = autoname_rule(typ)
    assert rule is not None
    value = added["metadata"]["name"] if typ.startswith("kubernetes") else added[rule.path[0]]
    suffix = value.removeprefix("data" if rule.lowercase else "Data").removeprefix(rule.separator)
    assert len(suffix) == rule.random_length and all(c in "0123456789abcdef" for c in suffix)
    assert autonamed(typ, "Data", inputs) == added  # the same in every run


def test_kubernetes_auto_name_keeps_metadata_and_marks_it() -> None:
    added = autonamed("kubernetes:apps/v1:Deployment", "web", {"metadata": {"labels": {"a": "b"}}})
    assert added["metadata"]["labels"] == {"a": "b"}
    assert added["metadata"]["annotations"] == {"pulumi.com/autonamed": "true"}


@pytest.mark.parametrize(
    ("typ", "inputs"),
    [
        ("aws:iam/role:Role", {"name": "explicit"}),
        ("aws:iam/role:Role", {"namePrefix": "app-"}),  # the provider builds it
        ("aws:iam/role:Role", {"name": None}),  # unknown during preview: stays unknown
        ("aws:s3/bucket:Bucket", {"bucketPrefix": "logs-"}),
        ("kubernetes:core/v1:ConfigMap", {"metadata": {"generateName": "cm-"}}),
        ("kubernetes:core/v1:ConfigMap", {"metadata": None}),
        ("aws:iam/rolePolicyAttachment:RolePolicyAttachment", {}),  # has no name
        ("acme:index:Thing", {}),  # no installed SDK
    ],
)
def test_no_auto_name_where_the_program_or_provider_decides(
    typ: str, inputs: dict[str, Any]
) -> None:
    assert autonamed(typ, "x", inputs) == {}


def test_tags_all_merges_the_providers_default_tags_under_the_resources_own() -> None:
    def program() -> None:
        provider = aws.Provider("p", default_tags={"tags": {"team": "ml", "env": "dev"}})
        opts = pulumi.ResourceOptions(provider=provider)
        role = aws.iam.Role("r", assume_role_policy="{}", tags={"env": "prod"}, opts=opts)
        aws.sns.Topic("t", display_name=role.tags_all.apply(json.dumps), opts=opts)

    topic = only(record_program(program), "aws:sns/topic:Topic")
    assert json.loads(topic["displayName"]) == {"team": "ml", "env": "prod"}


def test_default_provider_tags_come_from_stack_config() -> None:
    config = {"aws:defaultTags": json.dumps({"tags": {"owner": "a@b.c"}})}
    mocks = OfflineMocks.from_config(config, preview=True)
    _, state = new(mocks, "aws:sqs/queue:Queue", "q", {"tags": {"x": "y"}})
    assert state["tagsAll"] == {"owner": "a@b.c", "x": "y"}


def test_an_auto_scaling_group_with_a_tag_list_plans() -> None:
    """Issue 9: ``tags`` as ``[{key, value, propagateAtLaunch}]`` used to crash the mocks."""

    def program() -> None:
        tags = [{"key": "team", "value": "ml", "propagate_at_launch": True}]
        aws.autoscaling.Group("asg", max_size=2, min_size=0, tags=tags)

    for preview in (True, False):
        group = only(record_program(program, preview=preview), "aws:autoscaling/group:Group")
        assert group["tags"] == [{"key": "team", "value": "ml", "propagateAtLaunch": True}]


def test_unknown_tags_leave_tags_all_unknown() -> None:
    mocks = OfflineMocks(preview=True)
    _, state = new(mocks, "aws:sqs/queue:Queue", "q", {"tags": {"x": None}})
    assert "tagsAll" not in state


def test_programs_on_every_cloud_plan_in_both_modes() -> None:
    def program() -> None:
        group = azure_native.resources.ResourceGroup("rg")
        azure_native.storage.StorageAccount(
            "sa",
            resource_group_name=group.name,
            kind="StorageV2",
            sku={"name": "Standard_LRS"},
        )
        gcp.storage.Bucket("b", location="US")
        k8s.core.v1.ConfigMap("cm", data={"a": "b"})

    preview = record_program(program)
    assert only(preview, "azure-native:storage:StorageAccount")["resourceGroupName"] == UNKNOWN
    up = record_program(program, preview=False)
    group_name = only(up, "azure-native:storage:StorageAccount")["resourceGroupName"]
    assert re.fullmatch(r"rg[0-9a-f]{8}", group_name)  # azure-native: no separator, 8 hex


# Arbitrary wire-form inputs: JSON values, the unknown sentinel, secrets, None.
_SCALARS = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
)
_WIRE = st.recursive(
    _SCALARS | st.just(UNKNOWN) | st.builds(Unknown),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=6), inner, max_size=3)
        | st.builds(lambda value: {SECRET_SIG: SECRET, "value": value}, inner)
    ),
    max_leaves=12,
)
_KEYS = st.sampled_from(
    [
        "tags",
        "name",
        "bucket",
        "metadata",
        "nodeGroupName",
        "accountId",
        "dnsPrefix",
        "resourceName",
        "resourceGroupName",
        "project",
        "region",
        "defaultTags",
        "x",
    ]
)
_TYPES = sorted(
    {
        *SPECIFIC_OUTPUTS,
        "aws:autoscaling/group:Group",
        "aws:iam/role:Role",
        "pulumi:providers:aws",
        "kubernetes:core/v1:ConfigMap",
        "azure-native:storage:StorageAccount",
    }
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    typ=st.sampled_from(_TYPES),
    inputs=st.dictionaries(_KEYS, _WIRE, max_size=6),
    preview=st.booleans(),
    read=st.booleans(),
)
def test_new_resource_never_raises_on_any_input_shape(
    typ: str, inputs: dict[str, Any], preview: bool, read: bool
) -> None:
    mocks = OfflineMocks(preview=preview)
    resource_id, state = mocks.new_resource(
        MockResourceArgs(typ, "n", inputs, resource_id="r-1" if read else None, custom=True)
    )
    assert isinstance(resource_id, str) and isinstance(state, dict)
    assert set(inputs) <= set(state)  # outputs always include the inputs
    assert (resource_id == "") == (preview and not read)


def test_up_semantics_give_a_load_balancer_service_an_ingress_address() -> None:
    """`service.status.load_balancer.ingress[0].ip` reads a value after `pulumi up`, not None."""
    import pulumi_kubernetes as k8s

    def program() -> None:
        web = k8s.core.v1.Service("web", spec={"type": "LoadBalancer", "ports": [{"port": 80}]})
        inner = k8s.core.v1.Service("inner", spec={"ports": [{"port": 80}]})
        pulumi.export("ip", web.status.apply(lambda s: s.load_balancer.ingress[0].ip))
        pulumi.export("host", web.status.apply(lambda s: s.load_balancer.ingress[0].hostname))
        pulumi.export("inner", inner.status.apply(lambda s: s.load_balancer.ingress))

    recording = record_program(program, preview=False)
    assert recording.outputs["ip"] == "203.0.113.10"
    assert recording.outputs["host"].startswith("web.offline.elb.")
    assert recording.outputs.get("inner") in (None, [])
