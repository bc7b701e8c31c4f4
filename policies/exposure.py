"""public-or-unencrypted-storage: storage that is readable by anyone, or not encrypted.

Public data is a security incident and, through egress, a cost one. Checked where each cloud
lets a program open storage up: AWS bucket ACLs, public access blocks and bucket policies; GCP
bucket IAM and ACLs granting ``allUsers`` / ``allAuthenticatedUsers``; Azure accounts that allow
public blob access, plain HTTP or old TLS, and public containers. Encryption is checked where
it is not the cloud's default or can be switched off: EBS volumes (unencrypted unless asked)
and Azure blob encryption. S3 and GCS encrypt every object at rest since 2023 / always.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from thrifty.policies.core import (
    MISSING,
    Finding,
    NotCheckable,
    Resource,
    get_bool,
    get_str,
    get_str_list,
    lookup,
    objects,
    violation,
)
from thrifty.policies.policy_config import EmptyConfig

PUBLIC_ACLS = frozenset({"public-read", "public-read-write", "authenticated-read"})
PUBLIC_MEMBERS = frozenset({"allUsers", "allAuthenticatedUsers"})
_ALL_USERS_URIS = (
    "acs.amazonaws.com/groups/global/AllUsers",
    "acs.amazonaws.com/groups/global/AuthenticatedUsers",
)
_PUBLIC_ACCESS_FLAGS = (
    "blockPublicAcls",
    "blockPublicPolicy",
    "ignorePublicAcls",
    "restrictPublicBuckets",
)
_OLD_TLS = frozenset({"TLS1_0", "TLS1_1"})


def _s3_bucket(props: Mapping[str, Any]) -> list[str]:
    acl = get_str(props, "acl")
    return [f"acl {acl!r} makes the bucket public"] if acl in PUBLIC_ACLS else []


def _s3_bucket_acl(props: Mapping[str, Any]) -> list[str]:
    problems = _s3_bucket(props)
    for path, grant in objects(props, "accessControlPolicy.grants"):
        uri = get_str(grant, "grantee.uri") or ""
        if uri.endswith(_ALL_USERS_URIS):
            problems.append(f"{path} grants access to {uri.rsplit('/', 1)[-1]}")
    return problems


def _s3_public_access_block(props: Mapping[str, Any]) -> list[str]:
    off = [flag for flag in _PUBLIC_ACCESS_FLAGS if not get_bool(props, flag, default=False)]
    return [f"public access block leaves {', '.join(off)} off"] if off else []


def _public_principal(principal: object) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, Mapping):
        aws = principal.get("AWS")
        return aws == "*" or (isinstance(aws, list) and "*" in aws)
    return False


def _s3_bucket_policy(props: Mapping[str, Any]) -> list[str]:
    raw = lookup(props, "policy")
    if raw is MISSING:
        return []
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise NotCheckable("policy is not valid JSON") from None
    if not isinstance(raw, Mapping):
        raise NotCheckable("policy should be a JSON policy document")
    statements = raw.get("Statement", [])
    statements = [statements] if isinstance(statements, Mapping) else statements
    if not isinstance(statements, list):
        raise NotCheckable("policy.Statement should be a list")
    return [
        f"policy statement {index} allows anyone (Principal '*') without a condition"
        for index, statement in enumerate(statements)
        if isinstance(statement, Mapping)
        and statement.get("Effect") == "Allow"
        and _public_principal(statement.get("Principal"))
        and not statement.get("Condition")
    ]


def _ebs_volume(props: Mapping[str, Any]) -> list[str]:
    if get_bool(props, "encrypted", default=False):
        return []
    return ["the volume is not encrypted (set encrypted: true)"]


def _gcs_member(props: Mapping[str, Any]) -> list[str]:
    member = get_str(props, "member")
    return [f"grants {member} access"] if member in PUBLIC_MEMBERS else []


def _gcs_binding(props: Mapping[str, Any]) -> list[str]:
    public = sorted(set(get_str_list(props, "members")) & PUBLIC_MEMBERS)
    return [f"grants {', '.join(public)} access"] if public else []


def _gcs_acl(props: Mapping[str, Any]) -> list[str]:
    entities = get_str_list(props, "roleEntities")
    public = [entity for entity in entities if entity.split(":", 1)[-1] in PUBLIC_MEMBERS]
    acl = get_str(props, "predefinedAcl") or ""
    problems = [f"role entity {entity} is public" for entity in public]
    if acl in ("publicRead", "publicReadWrite"):
        problems.append(f"predefinedAcl {acl} makes the bucket public")
    return problems


def _gcs_access_control(props: Mapping[str, Any]) -> list[str]:
    entity = get_str(props, "entity")
    return [f"entity {entity} is public"] if entity in PUBLIC_MEMBERS else []


def _azure_account(props: Mapping[str, Any]) -> list[str]:
    problems = []
    if get_bool(props, "allowBlobPublicAccess", default=False):
        problems.append("allowBlobPublicAccess lets containers be public")
    if get_bool(props, "enableHttpsTrafficOnly", default=True) is False:
        problems.append("enableHttpsTrafficOnly is false: data travels unencrypted")
    tls = get_str(props, "minimumTlsVersion")
    if tls in _OLD_TLS:
        problems.append(f"minimumTlsVersion {tls} is outdated; use TLS1_2")
    if get_bool(props, "encryption.services.blob.enabled", default=True) is False:
        problems.append("blob encryption is disabled")
    return problems


def _azure_container(props: Mapping[str, Any]) -> list[str]:
    access = get_str(props, "publicAccess") or "None"
    return [f"publicAccess {access} makes blobs public"] if access != "None" else []


CHECKS: dict[str, Callable[[Mapping[str, Any]], list[str]]] = {
    "aws:s3/bucket:Bucket": _s3_bucket,
    "aws:s3/bucketV2:BucketV2": _s3_bucket,
    "aws:s3/bucketAcl:BucketAcl": _s3_bucket_acl,
    "aws:s3/bucketAclV2:BucketAclV2": _s3_bucket_acl,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": _s3_public_access_block,
    "aws:s3/bucketPolicy:BucketPolicy": _s3_bucket_policy,
    "aws:ebs/volume:Volume": _ebs_volume,
    "gcp:storage/bucketIAMMember:BucketIAMMember": _gcs_member,
    "gcp:storage/bucketIAMBinding:BucketIAMBinding": _gcs_binding,
    "gcp:storage/bucketACL:BucketACL": _gcs_acl,
    "gcp:storage/bucketAccessControl:BucketAccessControl": _gcs_access_control,
    "azure-native:storage:StorageAccount": _azure_account,
    "azure-native:storage:BlobContainer": _azure_container,
}


def check_public_or_unencrypted_storage(resource: Resource, config: EmptyConfig) -> list[Finding]:
    """Public exposure or missing encryption on storage resources."""
    check = CHECKS.get(resource.type)
    return [violation(problem) for problem in check(resource.props)] if check else []
