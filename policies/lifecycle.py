"""storage-lifecycle: every bucket moves or expires data on a schedule, and versioned buckets
clean up noncurrent versions (the guide: "Data Lifecycle Management", "Artifact Cleanup").

Lifecycle rules and versioning may be inline on the bucket or separate resources (AWS
``BucketLifecycleConfiguration`` / ``BucketVersioning``, Azure ``ManagementPolicy`` /
``BlobServiceProperties``), so this is a stack policy: a per-resource check cannot see the
separate resource. A separate resource belongs to the bucket its reference property depends on
(known even during preview), or else whose name it names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from thrifty.policies.core import (
    MISSING,
    Finding,
    Resource,
    collecting,
    get_bool,
    get_str,
    lookup,
    objects,
    violation,
)
from thrifty.policies.policy_config import PolicyConfig


@dataclass
class BucketState:
    """What the stack says about one bucket."""

    resource: Resource
    name: str | None
    rules: int = 0
    versioned: bool = False
    noncurrent_cleanup: bool = False


@dataclass(frozen=True)
class BucketKind:
    """A bucket type: its name property and how to read inline lifecycle and versioning."""

    name_key: str
    inline: Callable[[Mapping[str, Any]], tuple[int, bool, bool]] | None


def _has_any(item: Mapping[str, Any], paths: Sequence[str]) -> bool:
    return any(lookup(item, path) is not MISSING for path in paths)


def _aws_inline(props: Mapping[str, Any]) -> tuple[int, bool, bool]:
    rules = [
        rule
        for _, rule in objects(props, "lifecycleRules")
        if get_bool(rule, "enabled", default=True)
    ]
    noncurrent = any(_has_any(rule, ("noncurrentVersionExpiration",)) for rule in rules)
    return len(rules), bool(get_bool(props, "versioning.enabled", default=False)), noncurrent


_GCP_NONCURRENT = (
    "condition.numNewerVersions",
    "condition.daysSinceNoncurrentTime",
    "condition.noncurrentTimeBefore",
)


def _gcp_inline(props: Mapping[str, Any]) -> tuple[int, bool, bool]:
    rules = [rule for _, rule in objects(props, "lifecycleRules")]
    noncurrent = any(
        (get_str(rule, "action.type") or "") == "Delete"
        and (
            _has_any(rule, _GCP_NONCURRENT)
            or (get_str(rule, "condition.withState") or "").upper() == "ARCHIVED"
        )
        for rule in rules
    )
    return len(rules), bool(get_bool(props, "versioning.enabled", default=False)), noncurrent


BUCKETS: dict[str, BucketKind] = {
    "aws:s3/bucket:Bucket": BucketKind("bucket", _aws_inline),
    "aws:s3/bucketV2:BucketV2": BucketKind("bucket", _aws_inline),
    "gcp:storage/bucket:Bucket": BucketKind("name", _gcp_inline),
    "azure-native:storage:StorageAccount": BucketKind("accountName", None),
}


def _aws_rules(props: Mapping[str, Any]) -> tuple[int, bool]:
    rules = [
        rule
        for _, rule in objects(props, "rules")
        if (get_str(rule, "status") or "Enabled") == "Enabled"
    ]
    return len(rules), any(_has_any(rule, ("noncurrentVersionExpiration",)) for rule in rules)


def _azure_rules(props: Mapping[str, Any]) -> tuple[int, bool]:
    rules = [
        rule
        for _, rule in objects(props, "policy.rules")
        if get_bool(rule, "enabled", default=True)
    ]
    return len(rules), any(_has_any(rule, ("definition.actions.version.delete",)) for rule in rules)


# Separate lifecycle resources: type -> (reference property, reader of (rule count, cleanup)).
LIFECYCLE_RESOURCES: dict[str, tuple[str, Callable[[Mapping[str, Any]], tuple[int, bool]]]] = {
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": ("bucket", _aws_rules),
    "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2": ("bucket", _aws_rules),
    "azure-native:storage:ManagementPolicy": ("accountName", _azure_rules),
}


def _aws_versioning(props: Mapping[str, Any]) -> bool:
    return (get_str(props, "versioningConfiguration.status") or "") == "Enabled"


def _azure_versioning(props: Mapping[str, Any]) -> bool:
    return bool(get_bool(props, "isVersioningEnabled", default=False))


VERSIONING_RESOURCES: dict[str, tuple[str, Callable[[Mapping[str, Any]], bool]]] = {
    "aws:s3/bucketVersioning:BucketVersioning": ("bucket", _aws_versioning),
    "aws:s3/bucketVersioningV2:BucketVersioningV2": ("bucket", _aws_versioning),
    "azure-native:storage:BlobServiceProperties": ("accountName", _azure_versioning),
}


class LifecycleConfig(PolicyConfig):
    """Whether versioned buckets must expire noncurrent versions."""

    require_noncurrent_cleanup: bool = Field(default=True)


def _owner(
    resource: Resource,
    key: str,
    by_urn: Mapping[str, BucketState],
    by_name: Mapping[str, BucketState],
) -> BucketState | None:
    for urn in resource.property_dependencies.get(key) or ():
        if urn in by_urn:
            return by_urn[urn]
    name = get_str(resource.props, key)
    return by_name.get(name) if name else None


def check_storage_lifecycle(
    resources: Sequence[Resource], config: LifecycleConfig
) -> list[Finding]:
    """Buckets without lifecycle rules; versioned buckets that never expire old versions."""
    findings: list[Finding] = []
    buckets: dict[str, BucketState] = {}
    for resource in resources:
        kind = BUCKETS.get(resource.type)
        if kind is None:
            continue
        with collecting(findings, resource.urn):
            state = BucketState(resource, get_str(resource.props, kind.name_key))
            if kind.inline is not None:
                state.rules, state.versioned, state.noncurrent_cleanup = kind.inline(resource.props)
            buckets[resource.urn] = state
    by_name = {state.name: state for state in buckets.values() if state.name}
    for resource in resources:
        with collecting(findings, resource.urn):
            if resource.type in LIFECYCLE_RESOURCES:
                key, read_rules = LIFECYCLE_RESOURCES[resource.type]
                owner = _owner(resource, key, buckets, by_name)
                if owner is not None:
                    count, cleanup = read_rules(resource.props)
                    owner.rules += count
                    owner.noncurrent_cleanup = owner.noncurrent_cleanup or cleanup
            elif resource.type in VERSIONING_RESOURCES:
                key, read_versioning = VERSIONING_RESOURCES[resource.type]
                owner = _owner(resource, key, buckets, by_name)
                if owner is not None:
                    owner.versioned = owner.versioned or read_versioning(resource.props)
    for urn, state in buckets.items():
        label = state.resource.label
        if state.rules == 0:
            findings.append(
                violation(
                    f"{label} has no lifecycle rules (inline or as a separate lifecycle resource)",
                    urn,
                )
            )
        elif config.require_noncurrent_cleanup and state.versioned and not state.noncurrent_cleanup:
            findings.append(
                violation(f"{label} is versioned but no rule expires noncurrent versions", urn)
            )
    return findings
