"""Offline answers for lookups: common invokes of every cloud, called through the real SDK."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_azure_native as azure_native
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s
import pytest
import yaml
from pulumi.runtime.mocks import MockCallArgs

from thrifty.offline.answers import OfflineMocks, UnknownInvokeError
from thrifty.offline.answers.generic import generic_answer
from thrifty.offline.answers.sdk import invoke_result_class
from thrifty.offline.recording import record_program

# (token, the SDK call a program makes). Each call runs inside a recorded program, so the
# answer goes through the mock monitor and is deserialized into the SDK's own result class.
LOOKUPS: list[tuple[str, Callable[[], Any]]] = [
    (
        "aws:ec2/getAmi:getAmi",
        lambda: aws.ec2.get_ami(
            owners=["amazon"],
            most_recent=True,
            filters=[{"name": "name", "values": ["al2023-ami-*-x86_64"]}],
        ),
    ),
    ("aws:route53/getZone:getZone", lambda: aws.route53.get_zone(name="example.com")),
    ("aws:ec2/getVpc:getVpc", lambda: aws.ec2.get_vpc(default=True)),
    ("aws:ec2/getSubnets:getSubnets", lambda: aws.ec2.get_subnets()),
    ("aws:ec2/getSecurityGroup:getSecurityGroup", lambda: aws.ec2.get_security_group(name="web")),
    (
        "aws:iam/getPolicyDocument:getPolicyDocument",
        lambda: aws.iam.get_policy_document(statements=[{"actions": ["s3:GetObject"]}]),
    ),
    ("aws:acm/getCertificate:getCertificate", lambda: aws.acm.get_certificate(domain="a.example")),
    ("aws:eks/getCluster:getCluster", lambda: aws.eks.get_cluster(name="prod")),
    ("aws:eks/getClusterAuth:getClusterAuth", lambda: aws.eks.get_cluster_auth(name="prod")),
    ("aws:ssm/getParameter:getParameter", lambda: aws.ssm.get_parameter(name="/app/db-url")),
    ("aws:secretsmanager/getSecret:getSecret", lambda: aws.secretsmanager.get_secret(name="db")),
    ("aws:iam/getRole:getRole", lambda: aws.iam.get_role(name="deployer")),
    ("aws:kms/getKey:getKey", lambda: aws.kms.get_key(key_id="alias/app")),
    ("aws:s3/getBucket:getBucket", lambda: aws.s3.get_bucket(bucket="logs")),
    ("aws:ecr/getRepository:getRepository", lambda: aws.ecr.get_repository(name="app")),
    ("aws:lambda/getFunction:getFunction", lambda: aws.lambda_.get_function(function_name="f")),
    ("aws:index/getCallerIdentity:getCallerIdentity", lambda: aws.get_caller_identity()),
    ("aws:index/getRegion:getRegion", lambda: aws.get_region()),
    ("aws:index/getAvailabilityZones:getAvailabilityZones", lambda: aws.get_availability_zones()),
    (
        "gcp:compute/getImage:getImage",
        lambda: gcp.compute.get_image(family="debian-12", project="debian-cloud"),
    ),
    ("gcp:compute/getNetwork:getNetwork", lambda: gcp.compute.get_network(name="default")),
    (
        "gcp:compute/getSubnetwork:getSubnetwork",
        lambda: gcp.compute.get_subnetwork(name="default", region="us-central1"),
    ),
    (
        "gcp:container/getEngineVersions:getEngineVersions",
        lambda: gcp.container.get_engine_versions(location="us-central1"),
    ),
    ("gcp:compute/getZones:getZones", lambda: gcp.compute.get_zones()),
    ("gcp:organizations/getProject:getProject", lambda: gcp.organizations.get_project()),
    (
        "gcp:secretmanager/getSecretVersion:getSecretVersion",
        lambda: gcp.secretmanager.get_secret_version(secret="db"),
    ),
    (
        "azure-native:resources:getResourceGroup",
        lambda: azure_native.resources.get_resource_group(resource_group_name="rg"),
    ),
    (
        "azure-native:network:getPublicIPAddress",
        lambda: azure_native.network.get_public_ip_address(
            public_ip_address_name="ingress", resource_group_name="rg"
        ),
    ),
    (
        "azure-native:network:getVirtualNetwork",
        lambda: azure_native.network.get_virtual_network(
            virtual_network_name="vnet", resource_group_name="rg"
        ),
    ),
    (
        "azure-native:network:getSubnet",
        lambda: azure_native.network.get_subnet(
            subnet_name="nodes", virtual_network_name="vnet", resource_group_name="rg"
        ),
    ),
    (
        "azure-native:authorization:getClientConfig",
        lambda: azure_native.authorization.get_client_config(),
    ),
    (
        "azure-native:storage:listStorageAccountKeys",
        lambda: azure_native.storage.list_storage_account_keys(
            account_name="lake", resource_group_name="rg"
        ),
    ),
    (
        "azure-native:keyvault:getVault",
        lambda: azure_native.keyvault.get_vault(vault_name="kv", resource_group_name="rg"),
    ),
    (
        "azure-native:containerservice:getManagedCluster",
        lambda: azure_native.containerservice.get_managed_cluster(
            resource_name="aks", resource_group_name="rg"
        ),
    ),
]


LOOKUP = dict(LOOKUPS)


def call(lookup: Callable[[], Any], preview: bool = True) -> Any:
    """Run ``lookup`` inside a recorded program and return what the SDK handed back."""
    seen: dict[str, Any] = {}
    record_program(lambda: seen.update(result=lookup()), preview=preview)
    return seen["result"]


@pytest.mark.parametrize(("token", "lookup"), LOOKUPS, ids=[token for token, _ in LOOKUPS])
def test_common_lookups_answer_into_the_sdks_result_class(
    token: str, lookup: Callable[[], Any]
) -> None:
    result_class = invoke_result_class(token)
    assert result_class is not None, f"{token}: the SDK declares no result class"
    result = call(lookup)
    assert isinstance(result, result_class)
    assert call(lookup) == result  # deterministic


def test_lookups_echo_their_arguments_and_look_like_the_cloud() -> None:
    zone = call(LOOKUP["aws:route53/getZone:getZone"])
    assert zone.name == "example.com"
    ami = aws.ec2.GetAmiResult  # the fields of the real class
    image = call(LOOKUP["aws:ec2/getAmi:getAmi"])
    assert isinstance(image, ami) and image.owners == ["amazon"] and image.most_recent is True
    assert image.id == image.image_id and image.id.startswith("ami-") and len(image.id) == 21
    group = call(lambda: aws.ec2.get_security_group(name="web"))
    assert group.id.startswith("sg-") and group.vpc_id.startswith("vpc-")
    assert group.arn.startswith("arn:aws:ec2:us-east-1:123456789012:security-group/")
    cluster = call(lambda: aws.eks.get_cluster(name="prod"))
    assert base64.b64decode(cluster.certificate_authorities[0].data).startswith(b"-----BEGIN")
    assert cluster.endpoint.startswith("https://")
    network = call(lambda: gcp.compute.get_network(name="default"))
    assert network.self_link.endswith("/projects/offline/networks/default")
    ip = call(LOOKUP["azure-native:network:getPublicIPAddress"])
    assert ip.name == "ingress" and ip.location == "us-east-1"
    assert ip.id.endswith(
        "/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/ingress"
    )
    assert ip.ip_address is not None and ip.ip_address.startswith("192.0.2.")


def test_the_policy_document_is_rendered_as_the_provider_does() -> None:
    document = call(
        lambda: aws.iam.get_policy_document(
            source_policy_documents=[
                json.dumps(
                    {"Version": "2012-10-17", "Statement": [{"Sid": "Old", "Effect": "Deny"}]}
                )
            ],
            statements=[
                {
                    "sid": "Old",
                    "actions": ["s3:GetObject", "s3:ListBucket"],
                    "resources": ["arn:aws:s3:::b/*"],
                    "principals": [{"type": "Service", "identifiers": ["ec2.amazonaws.com"]}],
                    "conditions": [
                        {"test": "Bool", "variable": "aws:SecureTransport", "values": ["true"]}
                    ],
                },
                {
                    "effect": "Deny",
                    "actions": ["*"],
                    "principals": [{"type": "*", "identifiers": ["*"]}],
                },
            ],
        )
    )
    assert json.loads(document.json) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Old",
                "Effect": "Allow",
                "Action": ["s3:ListBucket", "s3:GetObject"],
                "Resource": "arn:aws:s3:::b/*",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Condition": {"Bool": {"aws:SecureTransport": "true"}},
            },
            {"Effect": "Deny", "Action": "*", "Principal": "*"},
        ],
    }
    assert json.loads(document.minified_json) == json.loads(document.json)


def test_invokes_are_answered_in_up_mode_too() -> None:
    assert call(LOOKUP["aws:route53/getZone:getZone"], preview=False).name == "example.com"


def test_kubernetes_yaml_is_decoded_for_real(tmp_path: Path) -> None:
    manifest = tmp_path / "app.yaml"
    manifest.write_text(
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: team}\n---\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: team}\ndata: {a: b}\n"
    )
    recording = record_program(lambda: k8s.yaml.ConfigFile("app", file=str(manifest)))
    made = {(r.type, r.inputs.get("metadata", {}).get("name")) for r in recording if r.custom}
    assert made == {
        ("kubernetes:core/v1:Namespace", "team"),
        ("kubernetes:core/v1:ConfigMap", "app"),
    }


def test_an_invoke_no_sdk_declares_names_its_token_and_shows_the_yaml() -> None:
    mocks = OfflineMocks()
    with pytest.raises(UnknownInvokeError) as raised:
        mocks.call(MockCallArgs("acme:index/getWidget:getWidget", {"size": "L"}, ""))
    message = str(raised.value)
    assert "no offline answer for invoke 'acme:index/getWidget:getWidget'" in message
    assert "thrifty-answers.yaml" in message and "thrifty:answers" in message
    snippet = message.split("\n\n")[1]
    assert yaml.safe_load(snippet) == {
        "invokes": {
            "acme:index/getWidget:getWidget": [
                {"when": {"size": "L"}, "answer": {"id": "replace-me"}}
            ]
        }
    }
    assert generic_answer(mocks.cloud, "aws:nothing/getNothing:getNothing", {}) is None


def test_a_program_calling_an_unknown_invoke_fails_with_that_message() -> None:
    def program() -> None:
        pulumi.runtime.invoke("acme:index/getWidget:getWidget", {"size": "L"})

    with pytest.raises(Exception, match=r"no offline answer for invoke 'acme:index/getWidget"):
        record_program(program)


def test_default_tags_are_those_of_the_provider_the_call_goes_through() -> None:
    config = {"aws:defaultTags": json.dumps({"tags": {"team": "web"}})}
    seen: dict[str, Any] = {}

    def program() -> None:
        seen["default"] = aws.get_default_tags().tags
        provider = aws.Provider("other", default_tags={"tags": {"team": "data"}})
        options = pulumi.InvokeOptions(provider=provider)
        seen["explicit"] = aws.get_default_tags(opts=options).tags

    record_program(program, config=config)
    assert seen == {"default": {"team": "web"}, "explicit": {"team": "data"}}


def test_a_provider_not_configured_yet_answers_nothing_in_preview(tmp_path: Path) -> None:
    """A Kubernetes provider fed a cluster's (unknown) endpoint cannot be asked anything while
    planning: the engine gives an empty result, so a ConfigFile through it makes nothing."""
    manifest = tmp_path / "ns.yaml"
    manifest.write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: team}\n")

    def program() -> None:
        cluster = aws.eks.Cluster(
            "eks", role_arn="arn:aws:iam::123456789012:role/eks", vpc_config={"subnet_ids": ["s"]}
        )
        provider = k8s.Provider("k8s", kubeconfig=cluster.endpoint)
        options = pulumi.ResourceOptions(provider=provider)
        k8s.yaml.ConfigFile("ns", file=str(manifest), opts=options)

    def namespaces(preview: bool) -> list[str]:
        recording = record_program(program, preview=preview)
        return [r.name for r in recording.of_type("kubernetes:core/v1:Namespace")]

    assert namespaces(preview=True) == []
    assert namespaces(preview=False) == ["team"]
