"""Azure: storage served anonymously or unencrypted, databases open to the internet.

Encryption at rest is flagged only where it can be switched off. Azure Storage encryption is on
for every account and cannot be disabled, and it covers blobs, files, queues, tables and disks
(https://learn.microsoft.com/azure/storage/common/storage-service-encryption); managed disks,
their snapshots and images are encrypted server-side by default (temporary VM disks are not
managed disks and are outside this rule)
(https://learn.microsoft.com/azure/virtual-machines/disk-encryption); PostgreSQL flexible servers
are always encrypted at rest
(https://learn.microsoft.com/azure/postgresql/flexible-server/concepts-data-encryption), and so
is MySQL's storage, "always on and can't be disabled"
(https://learn.microsoft.com/azure/mysql/single-server/concepts-infrastructure-double-encryption).
Azure SQL enables transparent data encryption by default for new databases, but it can be turned
off per database
(https://learn.microsoft.com/azure/azure-sql/database/transparent-data-encryption-tde-overview):
a ``TransparentDataEncryption`` with ``state`` ``Disabled`` is flagged.

Storage accounts that allow public blob access, plain HTTP, TLS before 1.2 or disabled blob
encryption; containers whose ``publicAccess`` is ``Blob`` (anonymous clients read blob data) or
``Container`` (they also read container data and list the blobs:
https://learn.microsoft.com/dotnet/api/microsoft.azure.storage.blob.blobcontainerpublicaccesstype).
An Azure ``Blob`` has no access setting of its own: it is served anonymously exactly when its
container is public (and its account allows that). So the finding sits on the container, names
the setting to change and says that every blob in it is exposed. Judging each blob instead
would need the container's props, which only a stack policy sees; a stack policy runs after
resources are created in ``pulumi up``, while this resource policy stops the public container
before it exists. Shared Key access (``allowSharedKeyAccess``, unset means true per the SDK's
schema) is flagged only when the rule's config says the organisation forbids it
(``forbidSharedKeyAccess``).

Databases: Azure SQL servers and PostgreSQL / MySQL / MariaDB servers deny every connection on
their public endpoint until a firewall rule admits it
(https://learn.microsoft.com/azure/azure-sql/database/network-access-controls-overview,
https://learn.microsoft.com/azure/postgresql/flexible-server/concepts-firewall-rules), so a
server's ``publicNetworkAccess`` alone exposes nothing and is not judged (Microsoft's pages
disagree on its default: connectivity-settings, below, once called public access the default and
now gives the portal's default as Disable). What opens a server is a firewall rule, a resource of
its own, flagged where it is declared: ``0.0.0.0`` to ``255.255.255.255`` (or all of IPv6)
admits the whole internet, and ``0.0.0.0`` to ``0.0.0.0`` is Azure's "allow Azure services"
rule, which admits "all resources inside the Azure boundary, regardless of whether they are part
of your subscription" (network-access-controls-overview, above): every Azure customer, flagged as
``allAuthenticatedUsers`` is on GCP. Narrower ranges pass. Azure SQL refuses firewall rules while
public network access is disabled
(https://learn.microsoft.com/azure/azure-sql/database/connectivity-settings, error 42101), so
such a rule always comes with a public endpoint. Single servers (retired, still in the SDK) also
carry ``sslEnforcement``, on by default
(https://learn.microsoft.com/azure/postgresql/single-server/concepts-ssl-connection-security);
``Disabled`` lets clients connect without TLS and is flagged.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from thrifty.policies.core import NotCheckable, get_bool, get_str
from thrifty.policies.exposure.common import Check
from thrifty.policies.exposure.config import ConfiguredCheck, ExposureConfig

_OLD_TLS = frozenset({"TLS1_0", "TLS1_1"})


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


def _azure_shared_key(props: Mapping[str, Any], config: ExposureConfig) -> list[str]:
    if not config.forbid_shared_key_access:
        return []
    allowed = get_bool(props, "allowSharedKeyAccess")
    if allowed is False:
        return []
    shown = "true" if allowed else "unset (Azure treats it as true)"
    return [
        f"allowSharedKeyAccess {shown} lets requests authorize with the account key (Shared Key "
        "and account-key SAS), which this organisation forbids; set allowSharedKeyAccess to "
        "false and authorize with Microsoft Entra ID"
    ]


_ADDRESS_SPACE = {
    4: (ipaddress.ip_address("0.0.0.0"), ipaddress.ip_address("255.255.255.255")),
    6: (ipaddress.ip_address("::"), ipaddress.ip_address("ffff:" * 7 + "ffff")),
}


def _address(props: Mapping[str, Any], path: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    text = get_str(props, path, required=True) or ""
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        raise NotCheckable(f"{path} {text!r} is not an IP address") from None


def _firewall_rule(start_key: str, end_key: str) -> Check:
    """A check of a firewall rule admitting ``start_key`` .. ``end_key``."""

    def check(props: Mapping[str, Any]) -> list[str]:
        start, end = _address(props, start_key), _address(props, end_key)
        first, last = _ADDRESS_SPACE[start.version]
        span = f"{start_key} {str(start)!r} to {end_key} {str(end)!r}"
        if start == first and end == last:
            return [
                f"{span} lets every address on the internet connect to the server; set them to "
                "your clients' addresses, or delete the rule and connect through a private "
                "endpoint"
            ]
        if start.version == 4 and start == end == first:
            return [
                f"{span} is Azure's 'allow Azure services' rule: every Azure customer's "
                "services may connect, not only yours; delete the rule and admit your services' "
                "outbound addresses (or use a virtual network rule or private endpoint) instead"
            ]
        return []

    return check


def _single_server_tls(props: Mapping[str, Any]) -> list[str]:
    enforcement = get_str(props, "properties.sslEnforcement")
    if enforcement is None or enforcement.casefold() != "disabled":
        return []
    return [
        f"properties.sslEnforcement {enforcement!r} lets clients connect without TLS; "
        "set properties.sslEnforcement to 'Enabled'"
    ]


def _sql_tde(props: Mapping[str, Any]) -> list[str]:
    state = get_str(props, "state", required=True) or ""
    if state.casefold() != "disabled":
        return []
    return [
        f"state {state!r} turns transparent data encryption off, leaving the database, its logs "
        "and backups unencrypted at rest; set state to 'Enabled'"
    ]


_IPV4_RULE = _firewall_rule("startIpAddress", "endIpAddress")
_IPV6_RULE = _firewall_rule("startIPv6Address", "endIPv6Address")

#: Resource type -> the checks that apply to it, one concern each.
CHECKS: dict[str, tuple[Check, ...]] = {
    "azure-native:storage:StorageAccount": (
        _azure_public_blobs,
        _azure_https_only,
        _azure_tls,
        _azure_blob_encryption,
    ),
    "azure-native:storage:BlobContainer": (_azure_container,),
    "azure-native:sql:FirewallRule": (_IPV4_RULE,),
    "azure-native:sql:IPv6FirewallRule": (_IPV6_RULE,),
    "azure-native:sql:TransparentDataEncryption": (_sql_tde,),
    "azure-native:dbforpostgresql:FirewallRule": (_IPV4_RULE,),
    "azure-native:dbforpostgresql:SingleServerFirewallRule": (_IPV4_RULE,),
    "azure-native:dbforpostgresql:SingleServer": (_single_server_tls,),
    "azure-native:dbformysql:FirewallRule": (_IPV4_RULE,),
    "azure-native:dbformysql:SingleServerFirewallRule": (_IPV4_RULE,),
    "azure-native:dbformysql:SingleServer": (_single_server_tls,),
    "azure-native:dbformariadb:FirewallRule": (_IPV4_RULE,),
    "azure-native:dbformariadb:Server": (_single_server_tls,),
}

#: Resource type -> the checks that also read the rule's config.
CONFIGURED_CHECKS: dict[str, tuple[ConfiguredCheck, ...]] = {
    "azure-native:storage:StorageAccount": (_azure_shared_key,),
}
