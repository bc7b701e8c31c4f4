"""Azure: storage accounts and containers that serve data anonymously or unencrypted.

Accounts that allow public blob access, plain HTTP, TLS before 1.2 or disabled blob
encryption; containers whose ``publicAccess`` is ``Blob`` (anonymous clients read blob data) or
``Container`` (they also read container data and list the blobs:
https://learn.microsoft.com/dotnet/api/microsoft.azure.storage.blob.blobcontainerpublicaccesstype).
An Azure ``Blob`` has no access setting of its own: it is served anonymously exactly when its
container is public (and its account allows that). So the finding sits on the container, names
the setting to change and says that every blob in it is exposed. Judging each blob instead
would need the container's props, which only a stack policy sees; a stack policy runs after
resources are created in ``pulumi up``, while this resource policy stops the public container
before it exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from thrifty.policies.core import get_bool, get_str
from thrifty.policies.exposure.common import Check

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


#: Resource type -> the checks that apply to it, one concern each.
CHECKS: dict[str, tuple[Check, ...]] = {
    "azure-native:storage:StorageAccount": (
        _azure_public_blobs,
        _azure_https_only,
        _azure_tls,
        _azure_blob_encryption,
    ),
    "azure-native:storage:BlobContainer": (_azure_container,),
}
