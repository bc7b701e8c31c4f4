"""public-or-unencrypted-storage on objects: S3 objects, GCS object ACLs, Azure blobs.

The rule's checks run directly over props (each case names the property, its value and the
fix); a real program using the provider SDKs is then recorded and sent through the pack over
gRPC, so the wire names the rule reads are the ones the SDKs send.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pulumi
import pytest

from thrifty.offline.analyzer_client import Analysis, analyze_recording
from thrifty.offline.policy_step import finding_kind
from thrifty.offline.recording import record_program
from thrifty.policies.core import Finding, FindingKind, Resource
from thrifty.policies.exposure import ExposureConfig, check_public_or_unencrypted_storage
from thrifty.preview import UNKNOWN

PACK_DIR = Path(__file__).resolve().parents[1] / "policies"
POLICY = "public-or-unencrypted-storage"
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"

S3_OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2"
S3_LEGACY_OBJECT = "aws:s3/bucketObject:BucketObject"
S3_COPY = "aws:s3/objectCopy:ObjectCopy"
GCS_OBJECT_ACL = "gcp:storage/objectACL:ObjectACL"
GCS_OBJECT_ENTITY = "gcp:storage/objectAccessControl:ObjectAccessControl"
GCS_DEFAULT_ACL = "gcp:storage/defaultObjectACL:DefaultObjectACL"
GCS_DEFAULT_ENTITY = "gcp:storage/defaultObjectAccessControl:DefaultObjectAccessControl"
GCS_BUCKET_ACL = "gcp:storage/bucketACL:BucketACL"
AZ_ACCOUNT = "azure-native:storage:StorageAccount"
AZ_CONTAINER = "azure-native:storage:BlobContainer"
AZ_BLOB = "azure-native:storage:Blob"


def judge(type_token: str, props: Mapping[str, Any]) -> list[Finding]:
    resource = Resource(type=type_token, props=props, urn=f"urn:pulumi:dev::t::{type_token}::r")
    return check_public_or_unencrypted_storage(resource, ExposureConfig())


# --- The rule over props ------------------------------------------------------------------------

#: (type, props, words every message must contain: the property, its value, the fix)
PUBLIC = [
    (S3_OBJECT, {"acl": "public-read"}, ["acl 'public-read'", "everyone", "set acl to 'private'"]),
    (S3_OBJECT, {"acl": "authenticated-read"}, ["'authenticated-read'", "every AWS account"]),
    (S3_LEGACY_OBJECT, {"acl": "public-read-write"}, ["'public-read-write'", "READ and WRITE"]),
    (S3_COPY, {"acl": "public-read", "key": "k"}, ["acl 'public-read'", "set acl to 'private'"]),
    (
        S3_COPY,
        {"grants": [{"type": "Group", "uri": ALL_USERS, "permissions": ["READ"]}]},
        ["grants.0.uri", ALL_USERS, "everyone", "remove the grant"],
    ),
    (
        S3_COPY,
        {"grants": [{"type": "Group", "uri": AUTHENTICATED_USERS, "permissions": ["READ"]}]},
        ["grants.0.uri", "every AWS account"],
    ),
    (GCS_OBJECT_ACL, {"predefinedAcl": "publicRead"}, ["predefinedAcl 'publicRead'", "allUsers"]),
    (
        GCS_OBJECT_ACL,
        {"predefinedAcl": "authenticatedRead"},
        ["'authenticatedRead'", "allAuthenticatedUsers", "set predefinedAcl to 'private'"],
    ),
    (
        GCS_OBJECT_ACL,
        {"roleEntities": ["OWNER:user-a@company.com", "READER:allUsers"]},
        ["roleEntities entry 'READER:allUsers'", "remove it"],
    ),
    (GCS_OBJECT_ENTITY, {"entity": "allUsers", "role": "READER"}, ["entity 'allUsers'"]),
    (GCS_OBJECT_ENTITY, {"entity": "allAuthenticatedUsers"}, ["'allAuthenticatedUsers'"]),
    (GCS_DEFAULT_ACL, {"roleEntities": ["READER:allAuthenticatedUsers"]}, ["roleEntities"]),
    (GCS_DEFAULT_ENTITY, {"entity": "allUsers", "role": "READER"}, ["entity 'allUsers'"]),
    (GCS_BUCKET_ACL, {"predefinedAcl": "authenticatedRead"}, ["'authenticatedRead'"]),
    (
        AZ_CONTAINER,
        {"publicAccess": "Blob"},
        ["publicAccess 'Blob'", "every blob in this container", "set publicAccess to 'None'"],
    ),
    (AZ_CONTAINER, {"publicAccess": "Container"}, ["publicAccess 'Container'"]),
]

PRIVATE = [
    (S3_OBJECT, {"bucket": "b", "key": "k"}),
    (S3_OBJECT, {"acl": "private"}),
    (S3_OBJECT, {"acl": "bucket-owner-full-control", "serverSideEncryption": "aws:kms"}),
    (S3_LEGACY_OBJECT, {"acl": "bucket-owner-read"}),
    (S3_COPY, {"grants": [{"type": "CanonicalUser", "id": "abc", "permissions": ["READ"]}]}),
    (GCS_OBJECT_ACL, {"predefinedAcl": "projectPrivate"}),
    (GCS_OBJECT_ACL, {"roleEntities": ["READER:group-data@company.com"]}),
    (GCS_OBJECT_ENTITY, {"entity": "user-a@company.com", "role": "READER"}),
    (GCS_DEFAULT_ACL, {"roleEntities": ["OWNER:project-owners-123"]}),
    (GCS_DEFAULT_ENTITY, {"entity": "project-viewers-123"}),
    (AZ_CONTAINER, {"publicAccess": "None"}),
    (AZ_CONTAINER, {}),
]


@pytest.mark.parametrize(("type_token", "props", "words"), PUBLIC)
def test_public_objects_are_flagged_naming_property_value_and_fix(
    type_token: str, props: Mapping[str, Any], words: list[str]
) -> None:
    findings = judge(type_token, props)
    assert len(findings) == 1, findings
    assert findings[0].kind is FindingKind.VIOLATION
    for word in words:
        assert word in findings[0].message, (word, findings[0].message)


@pytest.mark.parametrize(("type_token", "props"), PRIVATE)
def test_private_objects_pass(type_token: str, props: Mapping[str, Any]) -> None:
    assert judge(type_token, props) == []


def test_s3_objects_are_never_flagged_as_unencrypted() -> None:
    """S3 encrypts every new object with SSE-S3 since January 2023: no SSE setting is needed."""
    assert judge(S3_OBJECT, {"bucket": "b", "content": "x"}) == []
    assert judge(S3_COPY, {"bucket": "b", "key": "k", "source": "b/k"}) == []


def test_an_object_with_a_public_acl_and_a_public_grant_gets_both_findings() -> None:
    props = {"acl": "public-read", "grants": [{"type": "Group", "uri": ALL_USERS}]}
    messages = [finding.message for finding in judge(S3_COPY, props)]
    assert len(messages) == 2
    assert messages[0].startswith("acl 'public-read'")
    assert messages[1].startswith("grants.0.uri")


@pytest.mark.parametrize(
    ("type_token", "props", "reason"),
    [
        (S3_OBJECT, {"acl": UNKNOWN}, "acl is unknown during preview"),
        (S3_COPY, {"grants": [UNKNOWN]}, "grants.0 is unknown during preview"),
        (S3_COPY, {"grants": [{"uri": UNKNOWN}]}, "grants.0.uri is unknown during preview"),
        (GCS_OBJECT_ACL, {"predefinedAcl": UNKNOWN}, "predefinedAcl is unknown"),
        (
            GCS_OBJECT_ACL,
            {"roleEntities": "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2"},
            "roleEntities is unknown",
        ),
        (GCS_OBJECT_ENTITY, {"entity": UNKNOWN}, "entity is unknown during preview"),
        (AZ_CONTAINER, {"publicAccess": UNKNOWN}, "publicAccess is unknown during preview"),
    ],
)
def test_values_unknown_during_preview_are_reported_as_unknown(
    type_token: str, props: Mapping[str, Any], reason: str
) -> None:
    findings = judge(type_token, props)
    assert [finding.kind for finding in findings] == [FindingKind.UNKNOWN]
    assert reason in findings[0].message


@pytest.mark.parametrize(
    ("type_token", "props", "reason"),
    [
        (S3_OBJECT, {"acl": 5}, "acl should be a string"),
        (S3_COPY, {"grants": {"uri": ALL_USERS}}, "grants should be a list"),
        (S3_COPY, {"grants": ["READ"]}, "grants.0 should be an object"),
        (GCS_OBJECT_ACL, {"roleEntities": [1]}, "roleEntities.0 should be a string"),
    ],
)
def test_malformed_values_are_not_checkable(
    type_token: str, props: Mapping[str, Any], reason: str
) -> None:
    findings = judge(type_token, props)
    assert [finding.kind for finding in findings] == [FindingKind.NOT_CHECKABLE]
    assert reason in findings[0].message


def test_an_unknown_value_does_not_hide_another_concern_of_the_same_resource() -> None:
    findings = judge(AZ_ACCOUNT, {"allowBlobPublicAccess": UNKNOWN, "minimumTlsVersion": "TLS1_0"})
    kinds = sorted(finding.kind.value for finding in findings)
    assert kinds == ["unknown", "violation"]
    violation = next(f for f in findings if f.kind is FindingKind.VIOLATION)
    assert "minimumTlsVersion 'TLS1_0'" in violation.message and "TLS1_2" in violation.message
    copy_findings = judge(S3_COPY, {"acl": UNKNOWN, "grants": [{"uri": ALL_USERS}]})
    assert sorted(f.kind.value for f in copy_findings) == ["unknown", "violation"]


def test_an_azure_blob_is_judged_at_its_container_and_account() -> None:
    """A blob has no access setting: its public container carries the finding."""
    blob = {"accountName": "acct", "containerName": "public", "resourceGroupName": "rg"}
    assert judge(AZ_BLOB, blob) == []
    account = judge(AZ_ACCOUNT, {"allowBlobPublicAccess": True})
    assert ["set allowBlobPublicAccess to false" in f.message for f in account] == [True]


# --- A real program, recorded, through the pack over gRPC --------------------------------------

CONFIG = {
    "aws:region": "us-east-1",
    "gcp:project": "churn-dev",
    "gcp:region": "us-central1",
    "azure-native:location": "eastus",
}


def objects_program() -> None:
    import pulumi_aws as aws
    import pulumi_azure_native as azure_native
    import pulumi_gcp as gcp

    bucket = aws.s3.Bucket("data", tags={"project": "p"})
    aws.s3.BucketObjectv2("public-object", bucket=bucket.id, key="a", acl="public-read")
    aws.s3.BucketObject("legacy-object", bucket=bucket.id, key="b", acl="authenticated-read")
    aws.s3.BucketObjectv2("private-object", bucket=bucket.id, key="c", content="x")
    aws.s3.ObjectCopy(
        "copied-object",
        bucket=bucket.id,
        key="d",
        source="other/d",
        grants=[{"type": "Group", "uri": ALL_USERS, "permissions": ["READ"]}],
    )
    # Known only once the bucket exists: unknown during preview.
    computed_acl = bucket.bucket_domain_name.apply(lambda _: "public-read")
    aws.s3.BucketObjectv2("computed-acl-object", bucket=bucket.id, key="e", acl=computed_acl)

    gcp.storage.ObjectACL(
        "public-object-acl", bucket="lake", object="a.csv", predefined_acl="publicRead"
    )
    gcp.storage.ObjectAccessControl(
        "public-object-entity", bucket="lake", object="b.csv", entity="allUsers", role="READER"
    )
    gcp.storage.DefaultObjectACL(
        "public-default-acl", bucket="lake", role_entities=["READER:allAuthenticatedUsers"]
    )
    gcp.storage.ObjectACL(
        "private-object-acl",
        bucket="lake",
        object="c.csv",
        role_entities=["OWNER:user-ml-team@company.com"],
    )

    account = azure_native.storage.StorageAccount(
        "account",
        resource_group_name="rg",
        kind="StorageV2",
        sku={"name": "Standard_LRS"},
        allow_blob_public_access=False,
    )
    container = azure_native.storage.BlobContainer(
        "public-container",
        account_name=account.name,
        resource_group_name="rg",
        public_access="Blob",
    )
    azure_native.storage.Blob(
        "blob",
        account_name=account.name,
        container_name=container.name,
        resource_group_name="rg",
        source=pulumi.StringAsset("hello"),
    )


@pytest.fixture(scope="module")
def analysis() -> Analysis:
    recording = record_program(objects_program, config=CONFIG, preview=True)
    return analyze_recording(recording, PACK_DIR, stack_config=CONFIG)


def by_name(analysis: Analysis) -> dict[str, list[tuple[str, str, str]]]:
    """Resource name -> (kind, level, detail) of each finding of the exposure policy."""
    result: dict[str, list[tuple[str, str, str]]] = {}
    for violation in analysis.violations:
        if violation.policy_name == POLICY:
            name = violation.urn.rsplit("::", 1)[-1]
            entry = (finding_kind(violation), violation.enforcement_level, violation.detail)
            result.setdefault(name, []).append(entry)
    return result


def test_public_objects_of_a_recorded_program_are_mandatory_violations(
    analysis: Analysis,
) -> None:
    found = by_name(analysis)
    for name in (
        "public-object",
        "legacy-object",
        "copied-object",
        "public-object-acl",
        "public-object-entity",
        "public-default-acl",
        "public-container",
    ):
        assert [(kind, level) for kind, level, _ in found.get(name, [])] == [
            ("violation", "mandatory")
        ], name
    assert "every blob in this container" in found["public-container"][0][2]


def test_private_objects_and_blobs_of_a_recorded_program_pass(analysis: Analysis) -> None:
    found = by_name(analysis)
    for name in ("data", "private-object", "private-object-acl", "account", "blob"):
        assert name not in found, (name, found.get(name))


def test_an_acl_unknown_during_preview_is_reported_as_unknown_not_passed(
    analysis: Analysis,
) -> None:
    found = by_name(analysis)["computed-acl-object"]
    assert [(kind, level) for kind, level, _ in found] == [("unknown", "advisory")]
    assert "during preview" in found[0][2] and "acl" in found[0][2]
