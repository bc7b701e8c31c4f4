"""GCP: Cloud Storage buckets and objects granted to ``allUsers`` / ``allAuthenticatedUsers``.

IAM members on buckets; ACL entities and predefined ACLs (``publicRead``, ``publicReadWrite``;
``authenticatedRead`` gives READER to every Google account:
https://cloud.google.com/storage/docs/access-control/lists, "Predefined ACLs") on buckets
(``BucketACL``, ``BucketAccessControl``), on objects (``ObjectACL``, ``ObjectAccessControl``)
and on a bucket's default object ACL (``DefaultObjectACL``, ``DefaultObjectAccessControl``,
which every new object inherits). pulumi-gcp's ``BucketObject`` has no ACL input (10.x): an
object is opened up only through those ACL resources. GCS encrypts all data at rest always.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from thrifty.policies.core import get_str, get_str_list
from thrifty.policies.exposure.common import PUBLIC_MEMBERS, Check

#: GCS predefined ACLs that grant READER to a public member (bucket and object ACLs).
GCS_PUBLIC_PREDEFINED_ACLS: dict[str, str] = {
    "publicRead": "allUsers",
    "publicReadWrite": "allUsers",
    "authenticatedRead": "allAuthenticatedUsers",
}


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


#: Resource type -> the checks that apply to it, one concern each.
CHECKS: dict[str, tuple[Check, ...]] = {
    "gcp:storage/bucketIAMMember:BucketIAMMember": (_gcs_member,),
    "gcp:storage/bucketIAMBinding:BucketIAMBinding": (_gcs_members,),
    "gcp:storage/bucketACL:BucketACL": (_gcs_predefined_acl, _gcs_role_entities),
    "gcp:storage/bucketAccessControl:BucketAccessControl": (_gcs_entity,),
    "gcp:storage/objectACL:ObjectACL": (_gcs_predefined_acl, _gcs_role_entities),
    "gcp:storage/objectAccessControl:ObjectAccessControl": (_gcs_entity,),
    "gcp:storage/defaultObjectACL:DefaultObjectACL": (_gcs_role_entities,),
    "gcp:storage/defaultObjectAccessControl:DefaultObjectAccessControl": (_gcs_entity,),
}
