"""GCS: a bucket with uniform access, public access prevention, labels and lifecycle rules.

A spec rule becomes several GCS lifecycle rules, because GCS pairs one action with one
condition set [GCS-LC]:

* each transition -> ``SetStorageClass`` at ``age``, matching only live objects in a warmer
  class (so a rule never re-applies to objects that already moved further);
* expiry -> ``Delete`` of live objects at ``age`` (in a versioned bucket that makes them
  noncurrent; the noncurrent rule then removes them);
* noncurrent versions -> ``Delete`` of archived objects at ``daysSinceNoncurrentTime``, with
  ``numNewerVersions = keep_newest + 1`` because GCS counts the live version among the newer
  ones while S3's ``newerNoncurrentVersions`` does not;
* abandoned uploads -> ``AbortIncompleteMultipartUpload`` at ``age``.

Prefix and size filters are repeated on every generated rule. GCS encrypts every object at
rest (Google-managed keys unless ``kms_key_name``) and serves its APIs over TLS.

Soft delete is always stated, never left at the bucket's default (on, 7 days): the spec's
``gcp.soft_delete_days``, else off on a versioned bucket, whose noncurrent versions already
undo deletes and overwrites (soft delete would keep and bill each of them again after the
lifecycle deletes it), else GCS's 7 days [GCS-SOFT] (see ``spec.gcs_soft_delete_days``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_gcp as gcp

from thrifty.options import with_provider
from thrifty.storage._component import check_before_register, data_options
from thrifty.storage.spec import (
    GCS_CLASSES,
    TIERS,
    LifecycleRule,
    StorageSpec,
    gcs_soft_delete_days,
)
from thrifty.tags import CostTags

TYPE_TOKEN = "thrifty:storage:GcsBucket"

_storage = gcp.storage

SECONDS_PER_DAY = 86_400


def _condition(
    rule: LifecycleRule,
    *,
    age: int | None = None,
    send_age_if_zero: bool | None = None,
    matches_storage_classes: Sequence[str] | None = None,
    days_since_noncurrent_time: int | None = None,
    num_newer_versions: int | None = None,
    with_state: str | None = None,
) -> Any:
    """A condition with the rule's filters (prefix, size) plus the action's own fields."""
    return _storage.BucketLifecycleRuleConditionArgs(
        age=age,
        send_age_if_zero=send_age_if_zero,
        matches_storage_classes=matches_storage_classes,
        days_since_noncurrent_time=days_since_noncurrent_time,
        num_newer_versions=num_newer_versions,
        with_state=with_state,
        matches_prefixes=[rule.prefix] if rule.prefix is not None else None,
        size_above_bytes=rule.object_size_greater_than,
        size_below_bytes=rule.object_size_less_than,
    )


def gcs_lifecycle_rules(spec: StorageSpec) -> list[Any]:
    """The spec's rules as GCS lifecycle rules, in spec order."""
    rules: list[Any] = []
    for rule in spec.rules:
        for step in rule.transitions:
            target = GCS_CLASSES[step.tier]
            warmer = [GCS_CLASSES[tier] for tier in TIERS[: TIERS.index(step.tier)]]
            rules.append(
                _storage.BucketLifecycleRuleArgs(
                    action=_storage.BucketLifecycleRuleActionArgs(
                        type="SetStorageClass", storage_class=target
                    ),
                    condition=_condition(
                        rule,
                        age=step.after_days,
                        # GCS drops age 0 unless told to send it.
                        send_age_if_zero=True if step.after_days == 0 else None,
                        matches_storage_classes=warmer,
                        with_state="LIVE",
                    ),
                )
            )
        if rule.expire_after_days is not None:
            rules.append(
                _storage.BucketLifecycleRuleArgs(
                    action=_storage.BucketLifecycleRuleActionArgs(type="Delete"),
                    condition=_condition(rule, age=rule.expire_after_days, with_state="LIVE"),
                )
            )
        if rule.noncurrent is not None:
            keep = rule.noncurrent.keep_newest
            rules.append(
                _storage.BucketLifecycleRuleArgs(
                    action=_storage.BucketLifecycleRuleActionArgs(type="Delete"),
                    condition=_condition(
                        rule,
                        days_since_noncurrent_time=rule.noncurrent.delete_after_days,
                        num_newer_versions=keep + 1 if keep else None,
                        with_state="ARCHIVED",
                    ),
                )
            )
        if rule.abort_multipart_after_days is not None:
            rules.append(
                _storage.BucketLifecycleRuleArgs(
                    action=_storage.BucketLifecycleRuleActionArgs(
                        type="AbortIncompleteMultipartUpload"
                    ),
                    condition=_condition(rule, age=rule.abort_multipart_after_days),
                )
            )
    return rules


class GcsBucket(pulumi.ComponentResource):
    """A GCS bucket: uniform bucket-level access, public access prevention enforced, labelled.

    Invalid specs raise :class:`~thrifty.storage.spec.StorageSpecError` before anything is
    registered. In production the bucket is protected and retained on delete.
    """

    bucket_name: pulumi.Output[str]
    url: pulumi.Output[str]
    self_link: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        spec: StorageSpec,
        *,
        tags: CostTags,
        location: str,
        project: pulumi.Input[str] | None = None,
        bucket_name: str | None = None,
        kms_key_name: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
        provider: pulumi.ProviderResource | None = None,
    ) -> None:
        check_before_register("GcsBucket", name, spec, tags, "gcp")
        super().__init__(TYPE_TOKEN, name, None, with_provider(opts, provider))

        bucket = _storage.Bucket(
            name,
            name=bucket_name,
            location=location,
            project=project,
            storage_class="STANDARD",
            uniform_bucket_level_access=True,
            public_access_prevention="enforced",
            versioning=_storage.BucketVersioningArgs(enabled=spec.versioning),
            soft_delete_policy=_storage.BucketSoftDeletePolicyArgs(
                retention_duration_seconds=gcs_soft_delete_days(spec) * SECONDS_PER_DAY
            ),
            force_destroy=spec.force_destroy,
            labels=tags.gcp(),
            lifecycle_rules=gcs_lifecycle_rules(spec) or None,
            encryption=(
                _storage.BucketEncryptionArgs(default_kms_key_name=kms_key_name)
                if kms_key_name is not None
                else None
            ),
            opts=data_options(self, tags),
        )
        self.bucket_name = bucket.name
        self.url = bucket.url
        self.self_link = bucket.self_link
        self.register_outputs(
            {"bucketName": self.bucket_name, "url": self.url, "selfLink": self.self_link}
        )


__all__ = ["TYPE_TOKEN", "GcsBucket", "gcs_lifecycle_rules"]
