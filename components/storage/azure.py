"""Azure Blob: a StorageV2 account, one private container and a lifecycle management policy.

The account is HTTPS-only with TLS 1.2 minimum, blob public access off and Microsoft-managed
encryption for blobs; versioning is a blob-service property. A spec rule becomes one
management-policy rule [AZ-LCM]:

* filters: ``blockBlob`` only, ``prefixMatch`` scoped to the component's container
  (``<container>/<prefix>``), object tags as ``blobIndexMatch`` (``==``);
* transitions -> ``baseBlob.tierToCool`` / ``tierToCold`` / ``tierToArchive``, expiry ->
  ``baseBlob.delete``, all on ``daysAfterModificationGreaterThan`` (Azure acts once the age
  is *exceeded*, so at most a day after S3/GCS would: never earlier);
* noncurrent versions -> ``version.delete`` and ``snapshot.delete`` on
  ``daysAfterCreationGreaterThan``. Azure measures a previous version's age from its creation,
  not from when it was superseded [AZ-LCM-VER], and cannot keep the newest N (the spec check
  refuses ``keep_newest`` on Azure rather than silently dropping it). Because of the first,
  the spec check also refuses version cleanup with no undo window; blob soft delete
  (``azure.soft_delete_days``, set on the blob service) keeps deleted versions restorable;
* abandoned uploads need no rule: Azure discards uncommitted blocks on its own.

Account names are global, 3-24 lowercase letters and digits. Unless given, the name is the
component name and environment plus a suffix hashed from the subscription, the resource group
and the name (:func:`thrifty.storage.spec.unique_name`, after ARM's
``uniqueString(resourceGroup().id)``): the same stack always gets the same name, another
subscription or group another one. Pulumi's auto-naming is not used: azure-native may produce
invalid storage account names (pulumi/pulumi-azure-native#3665), and the children need the
name before the account exists.
"""

from __future__ import annotations

import re
from typing import Any

import pulumi
import pulumi_azure_native as azure_native

from thrifty.foundation.spec import ENVIRONMENT_SHORT
from thrifty.options import with_provider
from thrifty.storage._component import check_before_register, child_options, data_options
from thrifty.storage.spec import (
    AZURE_TIERS,
    LifecycleRule,
    StorageSpec,
    StorageSpecError,
    unique_name,
)
from thrifty.tags import CostTags

TYPE_TOKEN = "thrifty:storage:AzureBlobStorage"

_st = azure_native.storage

#: Storage account names: 3-24 lowercase letters and digits, globally unique.
ACCOUNT_NAME_MAX = 24


def derive_account_name(
    name: str, tags: CostTags, *, subscription_id: str, resource_group_name: str
) -> str:
    """``<name><env>`` cut to fit, then a hash of the subscription, group, project and name.

    Storage account names are global; pass ``account_name`` explicitly when this one is taken.
    """
    readable = f"{name}{ENVIRONMENT_SHORT[tags.environment]}"
    identity = (subscription_id.lower(), resource_group_name.lower(), tags.project, name)
    return unique_name(readable, identity, max_length=ACCOUNT_NAME_MAX)


def derive_container_name(name: str) -> str:
    """A container name (3-63 of lowercase letters, digits and single hyphens) from ``name``."""
    cleaned = re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9-]", "-", name.lower())).strip("-")
    return (cleaned or "data").ljust(3, "0")[:63]


def _check_names(name: str, account_name: str | None, container_name: str) -> None:
    """Azure's naming rules, checked before registering (the API would fail much later)."""
    problems = []
    if account_name is not None and not re.fullmatch(r"[a-z0-9]{3,24}", account_name):
        problems.append(
            f"account_name {account_name!r}: storage account names are 3-24 lowercase letters "
            "and digits"
        )
    if "--" in container_name or not re.fullmatch(
        r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]", container_name
    ):
        problems.append(
            f"container_name {container_name!r}: container names are 3-63 lowercase letters, "
            "digits and single hyphens, starting and ending with a letter or digit"
        )
    if problems:
        raise StorageSpecError(f"AzureBlobStorage {name!r}", problems)


def _days(days: int) -> Any:
    return _st.DateAfterModificationArgs(days_after_modification_greater_than=days)


def _azure_rule(rule: LifecycleRule, container: str) -> Any:
    """One management-policy rule, or ``None`` when nothing in it applies on Azure."""
    at = {AZURE_TIERS[step.tier]: step.after_days for step in rule.transitions}
    base_blob = None
    if at or rule.expire_after_days is not None:
        base_blob = _st.ManagementPolicyBaseBlobArgs(
            tier_to_cool=_days(at["Cool"]) if "Cool" in at else None,
            tier_to_cold=_days(at["Cold"]) if "Cold" in at else None,
            tier_to_archive=_days(at["Archive"]) if "Archive" in at else None,
            delete=_days(rule.expire_after_days) if rule.expire_after_days is not None else None,
        )
    version = snapshot = None
    if rule.noncurrent is not None:
        days = rule.noncurrent.delete_after_days
        version = _st.ManagementPolicyVersionArgs(
            delete=_st.DateAfterCreationArgs(days_after_creation_greater_than=days)
        )
        snapshot = _st.ManagementPolicySnapShotArgs(
            delete=_st.DateAfterCreationArgs(days_after_creation_greater_than=days)
        )
    if base_blob is None and version is None:
        return None
    return _st.ManagementPolicyRuleArgs(
        name=rule.id,
        enabled=True,
        type="Lifecycle",
        definition=_st.ManagementPolicyDefinitionArgs(
            actions=_st.ManagementPolicyActionArgs(
                base_blob=base_blob, version=version, snapshot=snapshot
            ),
            filters=_st.ManagementPolicyFilterArgs(
                blob_types=["blockBlob"],
                prefix_match=[f"{container}/{rule.prefix or ''}"],
                blob_index_match=[
                    _st.TagFilterArgs(name=key, op="==", value=value)
                    for key, value in rule.tags.items()
                ]
                or None,
            ),
        ),
    )


def azure_management_rules(spec: StorageSpec, container: str) -> list[Any]:
    """The spec's rules as Azure management-policy rules for one container."""
    rules = (_azure_rule(rule, container) for rule in spec.rules)
    return [rule for rule in rules if rule is not None]


class AzureBlobStorage(pulumi.ComponentResource):
    """A StorageV2 account with one private container and a lifecycle management policy.

    Invalid specs (including archive on a ZRS/GZRS/RA-GZRS SKU) raise
    :class:`~thrifty.storage.spec.StorageSpecError` before anything is registered. In
    production the account and the container are protected and retained on delete.
    """

    account_name: pulumi.Output[str]
    container_name: pulumi.Output[str]
    url: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        spec: StorageSpec,
        *,
        tags: CostTags,
        resource_group_name: pulumi.Input[str],
        location: pulumi.Input[str] | None = None,
        account_name: str | None = None,
        container_name: str | None = None,
        subscription_id: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
        provider: pulumi.ProviderResource | None = None,
    ) -> None:
        check_before_register("AzureBlobStorage", name, spec, tags, "azure")
        container_name = container_name or derive_container_name(name)
        _check_names(name, account_name, container_name)
        super().__init__(TYPE_TOKEN, name, None, with_provider(opts, provider))

        requested: pulumi.Input[str]
        if account_name is not None:
            requested = account_name
        else:
            if subscription_id is None:  # the provider's own subscription
                subscription_id = azure_native.authorization.get_client_config_output(
                    opts=pulumi.InvokeOutputOptions(parent=self)
                ).subscription_id
            requested = pulumi.Output.all(subscription_id, resource_group_name).apply(
                lambda ids: derive_account_name(
                    name, tags, subscription_id=str(ids[0]), resource_group_name=str(ids[1])
                )
            )
        account = _st.StorageAccount(
            name,
            account_name=requested,
            resource_group_name=resource_group_name,
            location=location,
            kind="StorageV2",
            sku=_st.SkuArgs(name=spec.azure.sku),
            access_tier=_st.AccessTier.HOT,
            enable_https_traffic_only=True,
            minimum_tls_version="TLS1_2",
            allow_blob_public_access=False,
            encryption=_st.EncryptionArgs(
                key_source="Microsoft.Storage",
                services=_st.EncryptionServicesArgs(
                    blob=_st.EncryptionServiceArgs(enabled=True, key_type="Account")
                ),
            ),
            tags=tags.azure(storage_account=True),
            opts=data_options(self, tags),
        )
        # The name we asked for (known in a preview, unlike the account's computed ``name``),
        # tied to the account's URN so every child depends on the account itself.
        account_ref = pulumi.Output.all(account.urn, requested).apply(lambda both: str(both[1]))
        soft_delete = spec.azure.soft_delete_days
        blob_service = _st.BlobServiceProperties(
            f"{name}-blob-service",
            account_name=account_ref,
            resource_group_name=resource_group_name,
            blob_services_name="default",
            is_versioning_enabled=spec.versioning,
            # Stated either way: lifecycle deletions of versions become restorable [AZ-SOFT].
            delete_retention_policy=(
                _st.DeleteRetentionPolicyArgs(enabled=True, days=soft_delete)
                if soft_delete
                else _st.DeleteRetentionPolicyArgs(enabled=False)
            ),
            opts=child_options(self, depends_on=[account]),
        )
        container = _st.BlobContainer(
            f"{name}-container",
            account_name=account_ref,
            resource_group_name=resource_group_name,
            container_name=container_name,
            public_access=_st.PublicAccess.NONE,
            opts=data_options(self, tags, depends_on=[account]),
        )
        rules = azure_management_rules(spec, container_name)
        if rules:
            _st.ManagementPolicy(
                f"{name}-lifecycle",
                account_name=account_ref,
                resource_group_name=resource_group_name,
                management_policy_name="default",
                policy=_st.ManagementPolicySchemaArgs(rules=rules),
                opts=child_options(self, depends_on=[blob_service, container]),
            )

        self.account_name = account_ref
        self.container_name = pulumi.Output.from_input(container_name)
        self.url = pulumi.Output.concat(
            "https://", account_ref, ".blob.core.windows.net/", container_name
        )
        self.register_outputs(
            {
                "accountName": self.account_name,
                "containerName": self.container_name,
                "url": self.url,
                "accountId": account.id,
            }
        )


__all__ = [
    "ACCOUNT_NAME_MAX",
    "TYPE_TOKEN",
    "AzureBlobStorage",
    "azure_management_rules",
    "derive_account_name",
    "derive_container_name",
]
