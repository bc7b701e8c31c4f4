"""GCP: Cloud Storage granted to ``allUsers`` / ``allAuthenticatedUsers``; Cloud SQL open to the
internet.

Encryption at rest is never flagged on GCP: Google Cloud encrypts all customer content stored at
rest without any action from the customer
(https://cloud.google.com/docs/security/encryption/default-encryption), Cloud Storage objects,
Compute Engine persistent disks, snapshots and images and Cloud SQL instances included
(https://cloud.google.com/docs/security/encryption/gcp-encryption-granularity).

Cloud Storage: IAM members on buckets; ACL entities and predefined ACLs (``publicRead``,
``publicReadWrite``; ``authenticatedRead`` gives READER to every Google account:
https://cloud.google.com/storage/docs/access-control/lists, "Predefined ACLs") on buckets
(``BucketACL``, ``BucketAccessControl``), on objects (``ObjectACL``, ``ObjectAccessControl``)
and on a bucket's default object ACL (``DefaultObjectACL``, ``DefaultObjectAccessControl``,
which every new object inherits). pulumi-gcp's ``BucketObject`` has no ACL input (10.x): an
object is opened up only through those ACL resources.

Cloud SQL (``DatabaseInstance``): an instance gets a public IPv4 address unless
``settings.ipConfiguration.ipv4Enabled`` is false. The provider's schema defaults it to true
(terraform-provider-google ``resource_sql_database_instance.go``, which pulumi-gcp bridges), as
does the console ("the default setting is to assign a public IP address":
https://cloud.google.com/sql/docs/postgres/authorize-networks). A public IP alone admits no
direct connection: only addresses in ``authorizedNetworks`` may connect (connections through the
Cloud SQL Auth Proxy or connectors are authorised by IAM and always encrypted), so an instance is
flagged when its public IP is on and an authorized network is the whole internet (prefix length
0: ``0.0.0.0/0``, ``::/0``); narrower networks pass. Once any authorized network admits direct
connections on the public IP, ``sslMode`` must refuse plaintext: Cloud SQL's default
``ALLOW_UNENCRYPTED_AND_ENCRYPTED`` accepts unencrypted connections, and Google "strongly
recommend[s]" enforcing SSL on public IP
(https://cloud.google.com/sql/docs/postgres/configure-ssl-instance, "Enforce SSL/TLS
encryption"). pulumi-gcp 10.x has no ``requireSsl`` input any more; ``sslMode`` is the setting.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from thrifty.policies.core import (
    MISSING,
    NotCheckable,
    get_bool,
    get_str,
    get_str_list,
    lookup,
    objects,
)
from thrifty.policies.exposure.common import PUBLIC_MEMBERS, Check
from thrifty.preview import is_unknown

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


_SQL_IP = "settings.ipConfiguration"
#: Cloud SQL ``sslMode`` values and whether they refuse unencrypted connections.
CLOUD_SQL_SSL_MODES: dict[str, bool] = {
    "ALLOW_UNENCRYPTED_AND_ENCRYPTED": False,
    "ENCRYPTED_ONLY": True,
    "TRUSTED_CLIENT_CERTIFICATE_REQUIRED": True,
}


def _cloud_sql_public_ip(props: Mapping[str, Any]) -> bool:
    """Whether the instance has a public IPv4 address (``ipv4Enabled`` defaults to true)."""
    return get_bool(props, f"{_SQL_IP}.ipv4Enabled", default=True) is not False


def _whole_internet(cidr: str, path: str) -> bool:
    """Whether an authorized network admits every address (prefix length 0)."""
    try:
        return ipaddress.ip_network(cidr.strip(), strict=False).prefixlen == 0
    except ValueError:
        raise NotCheckable(f"{path} {cidr!r} is not an IP address or CIDR range") from None


def _cloud_sql_open_networks(props: Mapping[str, Any]) -> list[str]:
    """Authorized networks that admit everyone; one unknown entry does not hide a known one."""
    open_entries: list[str] = []
    pending: NotCheckable | None = None
    for item_path, item in objects(props, f"{_SQL_IP}.authorizedNetworks"):
        try:
            cidr = get_str(props, f"{item_path}.value", required=True) or ""
            if not _whole_internet(cidr, f"{item_path}.value"):
                continue
        except NotCheckable as problem:
            pending = pending or problem
            continue
        name = item.get("name")
        named = isinstance(name, str) and name and not is_unknown(name)
        label = f"{item_path} ({name!r})" if named else item_path
        open_entries.append(f"{label} value {cidr!r}")
    if not (open_entries or pending) or not _cloud_sql_public_ip(props):
        return []
    if pending and not open_entries:
        raise pending
    return [
        f"{entry} lets every address on the internet connect to the instance's public IP; "
        "set it to your clients' ranges (or connect through the Cloud SQL Auth Proxy), or set "
        f"{_SQL_IP}.ipv4Enabled to false"
        for entry in open_entries
    ]


def _cloud_sql_plaintext(props: Mapping[str, Any]) -> list[str]:
    path = f"{_SQL_IP}.authorizedNetworks"
    networks = lookup(props, path)  # only whether there are any: an unknown entry still counts
    if networks is MISSING:
        return []
    if not isinstance(networks, list):
        raise NotCheckable(f"{path} should be a list, got {type(networks).__name__}")
    if not networks or not _cloud_sql_public_ip(props):
        return []
    mode = get_str(props, f"{_SQL_IP}.sslMode")
    if mode is None:
        shown = "is unset, so Cloud SQL's default 'ALLOW_UNENCRYPTED_AND_ENCRYPTED' applies and"
    elif mode not in CLOUD_SQL_SSL_MODES:
        allowed = ", ".join(repr(known) for known in CLOUD_SQL_SSL_MODES)
        raise NotCheckable(f"{_SQL_IP}.sslMode {mode!r} is not one of {allowed}")
    elif CLOUD_SQL_SSL_MODES[mode]:
        return []
    else:
        shown = f"{mode!r}"
    return [
        f"{_SQL_IP}.sslMode {shown} accepts unencrypted connections from the authorized "
        f"networks on the public IP; set {_SQL_IP}.sslMode to 'ENCRYPTED_ONLY'"
    ]


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
    "gcp:sql/databaseInstance:DatabaseInstance": (_cloud_sql_open_networks, _cloud_sql_plaintext),
}
