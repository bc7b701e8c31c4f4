"""public-or-unencrypted-storage: storage that is readable by anyone, or not encrypted.

Public data is a security incident and, through egress, a cost one. Checked where each cloud
lets a program open storage up, on buckets and on the objects in them:

* AWS: canned ``acl`` values and ACL grants to the AllUsers / AuthenticatedUsers groups on
  buckets (``Bucket``, ``BucketV2``, ``BucketAcl``, ``BucketAclV2``) and on objects
  (``BucketObject``, ``BucketObjectv2``, ``ObjectCopy``); incomplete public access blocks; bucket
  policies that allow ``Principal: "*"`` without a condition. ``authenticated-read`` counts as
  public: the AuthenticatedUsers group is every AWS account in the world, not the owner's
  (https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html, "Amazon S3
  predefined groups").
* GCP: IAM members ``allUsers`` / ``allAuthenticatedUsers`` on buckets; ACL entities and
  predefined ACLs (``publicRead``, ``publicReadWrite``; ``authenticatedRead`` gives READER to
  every Google account: https://cloud.google.com/storage/docs/access-control/lists, "Predefined
  ACLs") on buckets (``BucketACL``, ``BucketAccessControl``), on objects (``ObjectACL``,
  ``ObjectAccessControl``) and on a bucket's default object ACL (``DefaultObjectACL``,
  ``DefaultObjectAccessControl``, which every new object inherits). pulumi-gcp's
  ``BucketObject`` has no ACL input (checked in its SDK, 10.x): an object is opened up only
  through those ACL resources.
* Azure: accounts that allow public blob access, plain HTTP, TLS before 1.2 or disabled blob
  encryption; containers whose ``publicAccess`` is ``Blob`` (anonymous clients read blob data)
  or ``Container`` (they also read container data and list the blobs:
  https://learn.microsoft.com/dotnet/api/microsoft.azure.storage.blob.blobcontainerpublicaccesstype).
  An Azure ``Blob`` has no access setting of its own: it is served anonymously exactly when
  its container is public (and its account allows that). So the finding sits on the container,
  names the setting to change and says that every blob in it is exposed. Judging each blob
  instead would need the container's props, which only a stack policy sees; a stack policy
  runs after resources are created in ``pulumi up``, while this resource policy stops the
  public container before it exists.

Encryption is checked where it is not the cloud's default or can be switched off: EBS volumes
(unencrypted unless asked) and Azure blob encryption. S3 objects are not: since 5 January 2023
S3 encrypts every new object with SSE-S3 when nothing else is asked, and an object's
``serverSideEncryption`` has no "none" value
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingServerSideEncryption.html). GCS
encrypts all data at rest always.

Each finding names the property, its value and what to set instead. Each concern is its own
check, run on its own: a value unknown during preview makes that check "unknown" without hiding
what the other checks of the same resource find.
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
    collecting,
    get_bool,
    get_str,
    get_str_list,
    lookup,
    objects,
    violation,
)
from thrifty.policies.policy_config import EmptyConfig

#: A check reads one concern from a resource's props and returns its problems as text.
Check = Callable[[Mapping[str, Any]], list[str]]

#: S3 canned ACLs that grant access beyond the owner's account, and to whom.
S3_PUBLIC_ACLS: dict[str, str] = {
    "public-read": "grants READ to everyone (the AllUsers group)",
    "public-read-write": "grants READ and WRITE to everyone (the AllUsers group)",
    "authenticated-read": "grants READ to every AWS account (the AuthenticatedUsers group)",
}
#: S3 predefined group URIs (``http://acs.amazonaws.com/groups/global/<name>``) and who they are.
_S3_PUBLIC_GROUPS = {
    "acs.amazonaws.com/groups/global/AllUsers": "everyone",
    "acs.amazonaws.com/groups/global/AuthenticatedUsers": "every AWS account",
}
PUBLIC_MEMBERS = frozenset({"allUsers", "allAuthenticatedUsers"})
#: GCS predefined ACLs that grant READER to a public member (bucket and object ACLs).
GCS_PUBLIC_PREDEFINED_ACLS: dict[str, str] = {
    "publicRead": "allUsers",
    "publicReadWrite": "allUsers",
    "authenticatedRead": "allAuthenticatedUsers",
}
_PUBLIC_ACCESS_FLAGS = (
    "blockPublicAcls",
    "blockPublicPolicy",
    "ignorePublicAcls",
    "restrictPublicBuckets",
)
_OLD_TLS = frozenset({"TLS1_0", "TLS1_1"})


# --- AWS ---------------------------------------------------------------------------------------


def _s3_canned_acl(props: Mapping[str, Any]) -> list[str]:
    acl = get_str(props, "acl")
    if acl not in S3_PUBLIC_ACLS:
        return []
    return [f"acl {acl!r} {S3_PUBLIC_ACLS[acl]}; set acl to 'private' (or leave it unset)"]


def _s3_grants(path: str, uri_key: str) -> Check:
    """A check of the grants listed at ``path``, each naming its grantee group at ``uri_key``."""

    def check(props: Mapping[str, Any]) -> list[str]:
        problems = []
        for item_path, _ in objects(props, path):
            uri = get_str(props, f"{item_path}.{uri_key}") or ""  # full path in any reason
            who = next((who for group, who in _S3_PUBLIC_GROUPS.items() if uri.endswith(group)), "")
            if who:
                problems.append(
                    f"{item_path}.{uri_key} {uri!r} grants access to {who}; "
                    "remove the grant or name a specific account"
                )
        return problems

    return check


def _s3_public_access_block(props: Mapping[str, Any]) -> list[str]:
    off = [flag for flag in _PUBLIC_ACCESS_FLAGS if not get_bool(props, flag, default=False)]
    if not off:
        return []
    return [f"public access block leaves {', '.join(off)} off; set each to true"]


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
        f"policy statement {index} allows anyone (Principal '*') without a condition; "
        "name the principals or add a Condition"
        for index, statement in enumerate(statements)
        if isinstance(statement, Mapping)
        and statement.get("Effect") == "Allow"
        and _public_principal(statement.get("Principal"))
        and not statement.get("Condition")
    ]


def _ebs_volume(props: Mapping[str, Any]) -> list[str]:
    if get_bool(props, "encrypted", default=False):
        return []
    return ["the volume is not encrypted; set encrypted to true"]


# --- GCP ---------------------------------------------------------------------------------------


def _gcs_member(props: Mapping[str, Any]) -> list[str]:
    member = get_str(props, "member")
    if member not in PUBLIC_MEMBERS:
        return []
    return [f"member {member!r} is public; grant the role to specific users, groups or accounts"]


def _gcs_members(props: Mapping[str, Any]) -> list[str]:
    public = sorted(set(get_str_list(props, "members")) & PUBLIC_MEMBERS)
    if not public:
        return []
    return [f"members include {', '.join(public)}; remove them from members"]


def _gcs_role_entities(props: Mapping[str, Any]) -> list[str]:
    return [
        f"roleEntities entry {entry!r} is public; remove it from roleEntities"
        for entry in get_str_list(props, "roleEntities")
        if entry.split(":", 1)[-1] in PUBLIC_MEMBERS
    ]


def _gcs_predefined_acl(props: Mapping[str, Any]) -> list[str]:
    acl = get_str(props, "predefinedAcl")
    if acl not in GCS_PUBLIC_PREDEFINED_ACLS:
        return []
    member = GCS_PUBLIC_PREDEFINED_ACLS[acl]
    return [f"predefinedAcl {acl!r} grants {member} access; set predefinedAcl to 'private'"]


def _gcs_entity(props: Mapping[str, Any]) -> list[str]:
    entity = get_str(props, "entity")
    if entity not in PUBLIC_MEMBERS:
        return []
    return [f"entity {entity!r} is public; name a user, group, domain or project team instead"]


# --- Azure -------------------------------------------------------------------------------------


def _azure_public_blobs(props: Mapping[str, Any]) -> list[str]:
    if not get_bool(props, "allowBlobPublicAccess", default=False):
        return []
    return [
        "allowBlobPublicAccess true lets containers serve blobs anonymously; "
        "set allowBlobPublicAccess to false"
    ]


def _azure_https_only(props: Mapping[str, Any]) -> list[str]:
    if get_bool(props, "enableHttpsTrafficOnly", default=True) is not False:
        return []
    return [
        "enableHttpsTrafficOnly false lets data travel unencrypted; "
        "set enableHttpsTrafficOnly to true"
    ]


def _azure_tls(props: Mapping[str, Any]) -> list[str]:
    tls = get_str(props, "minimumTlsVersion")
    if tls not in _OLD_TLS:
        return []
    return [f"minimumTlsVersion {tls!r} is outdated; set minimumTlsVersion to 'TLS1_2'"]


def _azure_blob_encryption(props: Mapping[str, Any]) -> list[str]:
    if get_bool(props, "encryption.services.blob.enabled", default=True) is not False:
        return []
    return ["blob encryption is disabled; set encryption.services.blob.enabled to true"]


def _azure_container(props: Mapping[str, Any]) -> list[str]:
    access = get_str(props, "publicAccess") or "None"
    if access == "None":
        return []
    return [
        f"publicAccess {access!r} serves every blob in this container anonymously; "
        "set publicAccess to 'None'"
    ]


_S3_ACL_GRANTS = _s3_grants("accessControlPolicy.grants", "grantee.uri")
_S3_COPY_GRANTS = _s3_grants("grants", "uri")

#: Resource type -> the checks that apply to it, one concern each.
CHECKS: dict[str, tuple[Check, ...]] = {
    "aws:s3/bucket:Bucket": (_s3_canned_acl,),
    "aws:s3/bucketV2:BucketV2": (_s3_canned_acl,),
    "aws:s3/bucketAcl:BucketAcl": (_s3_canned_acl, _S3_ACL_GRANTS),
    "aws:s3/bucketAclV2:BucketAclV2": (_s3_canned_acl, _S3_ACL_GRANTS),
    "aws:s3/bucketObject:BucketObject": (_s3_canned_acl,),
    "aws:s3/bucketObjectv2:BucketObjectv2": (_s3_canned_acl,),
    "aws:s3/objectCopy:ObjectCopy": (_s3_canned_acl, _S3_COPY_GRANTS),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": (_s3_public_access_block,),
    "aws:s3/bucketPolicy:BucketPolicy": (_s3_bucket_policy,),
    "aws:ebs/volume:Volume": (_ebs_volume,),
    "gcp:storage/bucketIAMMember:BucketIAMMember": (_gcs_member,),
    "gcp:storage/bucketIAMBinding:BucketIAMBinding": (_gcs_members,),
    "gcp:storage/bucketACL:BucketACL": (_gcs_predefined_acl, _gcs_role_entities),
    "gcp:storage/bucketAccessControl:BucketAccessControl": (_gcs_entity,),
    "gcp:storage/objectACL:ObjectACL": (_gcs_predefined_acl, _gcs_role_entities),
    "gcp:storage/objectAccessControl:ObjectAccessControl": (_gcs_entity,),
    "gcp:storage/defaultObjectACL:DefaultObjectACL": (_gcs_role_entities,),
    "gcp:storage/defaultObjectAccessControl:DefaultObjectAccessControl": (_gcs_entity,),
    "azure-native:storage:StorageAccount": (
        _azure_public_blobs,
        _azure_https_only,
        _azure_tls,
        _azure_blob_encryption,
    ),
    "azure-native:storage:BlobContainer": (_azure_container,),
}


def check_public_or_unencrypted_storage(resource: Resource, config: EmptyConfig) -> list[Finding]:
    """Public exposure or missing encryption on storage resources, one finding per problem."""
    findings: list[Finding] = []
    for check in CHECKS.get(resource.type, ()):
        with collecting(findings):
            findings.extend(violation(problem) for problem in check(resource.props))
    return findings
