"""AWS: S3 buckets and objects open to anyone, and EBS volumes left unencrypted.

Canned ``acl`` values and ACL grants to the AllUsers / AuthenticatedUsers groups on buckets
(``Bucket``, ``BucketV2``, ``BucketAcl``, ``BucketAclV2``) and objects (``BucketObject``,
``BucketObjectv2``, ``ObjectCopy``); incomplete public access blocks; bucket policies that allow
``Principal: "*"`` without a condition. ``authenticated-read`` counts as public: the
AuthenticatedUsers group is every AWS account in the world, not the owner's
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html, "Amazon S3 predefined
groups"). EBS volumes are unencrypted unless asked. S3 objects are not judged for encryption:
since 5 January 2023 S3 encrypts every new object with SSE-S3 when nothing else is asked
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingServerSideEncryption.html).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from thrifty.policies.core import (
    MISSING,
    NotCheckable,
    get_bool,
    get_str,
    lookup,
    objects,
)
from thrifty.policies.exposure.common import Check, public_principal

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
_PUBLIC_ACCESS_FLAGS = (
    "blockPublicAcls",
    "blockPublicPolicy",
    "ignorePublicAcls",
    "restrictPublicBuckets",
)


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
        and public_principal(statement.get("Principal"))
        and not statement.get("Condition")
    ]


def _ebs_volume(props: Mapping[str, Any]) -> list[str]:
    if get_bool(props, "encrypted", default=False):
        return []
    return ["the volume is not encrypted; set encrypted to true"]


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
}
