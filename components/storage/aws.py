"""S3: a private, encrypted, TLS-only bucket whose lifecycle comes from a :class:`StorageSpec`.

pulumi-aws v7 resources: ``aws.s3.Bucket`` plus one resource per bucket setting (ownership
controls, public access block, server-side encryption, versioning, TLS-only policy, lifecycle
configuration, optional Intelligent-Tiering archive configuration). S3 specifics:

* a rule's filter becomes S3's ``filter`` (one criterion) or ``filter.and`` (several);
* ``NoncurrentVersions`` becomes ``noncurrentVersionExpiration`` (``newerNoncurrentVersions``
  is the number kept [S3-NCV]); a rule that cleans versions but never expires current objects
  also removes expired delete markers, which would otherwise pile up;
* ``transitionDefaultMinimumObjectSize`` is always explicit (``all_storage_classes_128K`` unless
  ``aws.transition_small_objects``) so the 128 KB floor is visible in the program [S3-128K].
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws

from thrifty.options import with_provider
from thrifty.storage._component import check_before_register, child_options, data_options
from thrifty.storage.spec import LifecycleRule, StorageSpec
from thrifty.tags import CostTags

TYPE_TOKEN = "thrifty:storage:S3Bucket"

_s3 = aws.s3


def tls_only_policy(bucket_arn: str) -> str:
    """A bucket policy that denies every request not made over TLS."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [bucket_arn, f"{bucket_arn}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            ],
        },
        sort_keys=True,
    )


def _filter(rule: LifecycleRule) -> Any:
    """S3 allows one criterion directly in ``filter``; two or more go into ``filter.and``."""
    criteria = (
        (rule.prefix is not None)
        + len(rule.tags)
        + (rule.object_size_greater_than is not None)
        + (rule.object_size_less_than is not None)
    )
    if criteria > 1:
        return _s3.BucketLifecycleConfigurationRuleFilterArgs(
            and_=_s3.BucketLifecycleConfigurationRuleFilterAndArgs(
                prefix=rule.prefix,
                tags=dict(rule.tags) or None,
                object_size_greater_than=rule.object_size_greater_than,
                object_size_less_than=rule.object_size_less_than,
            )
        )
    tag = next(iter(rule.tags.items()), None)
    return _s3.BucketLifecycleConfigurationRuleFilterArgs(
        prefix=rule.prefix,
        tag=(
            _s3.BucketLifecycleConfigurationRuleFilterTagArgs(key=tag[0], value=tag[1])
            if tag
            else None
        ),
        object_size_greater_than=rule.object_size_greater_than,
        object_size_less_than=rule.object_size_less_than,
    )


def _expiration(rule: LifecycleRule) -> Any:
    if rule.expire_after_days is not None:
        return _s3.BucketLifecycleConfigurationRuleExpirationArgs(days=rule.expire_after_days)
    if rule.noncurrent is not None:
        # S3 forbids days and expiredObjectDeleteMarker in one expiration; without days,
        # removing delete markers that no longer hide any version keeps LIST requests cheap.
        return _s3.BucketLifecycleConfigurationRuleExpirationArgs(expired_object_delete_marker=True)
    return None


def s3_lifecycle_rules(spec: StorageSpec) -> list[Any]:
    """The spec's rules as S3 lifecycle rules (v7 ``BucketLifecycleConfiguration.rules``)."""
    rules: list[Any] = []
    for rule in spec.rules:
        noncurrent = rule.noncurrent
        rules.append(
            _s3.BucketLifecycleConfigurationRuleArgs(
                id=rule.id,
                status="Enabled",
                filter=_filter(rule),
                transitions=[
                    _s3.BucketLifecycleConfigurationRuleTransitionArgs(
                        days=step.after_days, storage_class=spec.aws.storage_class(step.tier)
                    )
                    for step in rule.transitions
                ]
                or None,
                expiration=_expiration(rule),
                noncurrent_version_expiration=(
                    _s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                        noncurrent_days=noncurrent.delete_after_days,
                        newer_noncurrent_versions=noncurrent.keep_newest or None,
                    )
                    if noncurrent is not None
                    else None
                ),
                abort_incomplete_multipart_upload=(
                    _s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                        days_after_initiation=rule.abort_multipart_after_days
                    )
                    if rule.abort_multipart_after_days is not None
                    else None
                ),
            )
        )
    return rules


def transition_default_minimum_object_size(spec: StorageSpec) -> str:
    """S3's setting for objects under 128 KB, made explicit [S3-128K]."""
    return (
        "varies_by_storage_class"
        if spec.aws.transition_small_objects
        else "all_storage_classes_128K"
    )


class S3Bucket(pulumi.ComponentResource):
    """An S3 bucket with tiering, version cleanup, encryption, no public access and TLS only.

    Invalid specs (for S3 or for the environment in ``tags``) raise
    :class:`~thrifty.storage.spec.StorageSpecError` before anything is registered. In
    production the bucket is protected and retained on delete.
    """

    bucket_name: pulumi.Output[str]
    arn: pulumi.Output[str]
    url: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        spec: StorageSpec,
        *,
        tags: CostTags,
        bucket_name: str | None = None,
        kms_key_id: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
        provider: pulumi.ProviderResource | None = None,
    ) -> None:
        check_before_register("S3Bucket", name, spec, tags, "aws")
        super().__init__(TYPE_TOKEN, name, None, with_provider(opts, provider))

        bucket = _s3.Bucket(
            name,
            bucket=bucket_name,
            force_destroy=spec.force_destroy,
            tags=tags.aws(),
            opts=data_options(self, tags),
        )
        _s3.BucketOwnershipControls(
            f"{name}-ownership",
            bucket=bucket.id,
            rule=_s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=child_options(self),
        )
        public_access = _s3.BucketPublicAccessBlock(
            f"{name}-public-access",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child_options(self),
        )
        _s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=bucket.id,
            rules=[
                _s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=_s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="aws:kms" if kms_key_id is not None else "AES256",
                        kms_master_key_id=kms_key_id,
                    ),
                    bucket_key_enabled=kms_key_id is not None,
                )
            ],
            opts=child_options(self),
        )
        versioning = _s3.BucketVersioning(
            f"{name}-versioning",
            bucket=bucket.id,
            versioning_configuration=_s3.BucketVersioningVersioningConfigurationArgs(
                # "Disabled" is the provider's value for a bucket that was never versioned.
                status="Enabled" if spec.versioning else "Disabled"
            ),
            opts=child_options(self),
        )
        _s3.BucketPolicy(
            f"{name}-tls-only",
            bucket=bucket.id,
            # From the bucket's name, which a preview already knows (auto-naming happens at
            # plan time), not its ARN, which only exists after creation: the pack can then
            # judge the policy in `pulumi preview` instead of reporting it as unknown.
            policy=pulumi.Output.concat(
                "arn:",
                aws.get_partition_output(opts=pulumi.InvokeOutputOptions(parent=self)).partition,
                ":s3:::",
                bucket.bucket,
            ).apply(tls_only_policy),
            # S3 rejects policies while the public access block is being written.
            opts=child_options(self, depends_on=[public_access]),
        )
        if spec.rules:
            _s3.BucketLifecycleConfiguration(
                f"{name}-lifecycle",
                bucket=bucket.id,
                rules=s3_lifecycle_rules(spec),
                transition_default_minimum_object_size=transition_default_minimum_object_size(spec),
                # Version rules only make sense once versioning is in place.
                opts=child_options(self, depends_on=[versioning]),
            )
        tiering = spec.aws.intelligent_tiering
        if tiering is not None:
            tierings = [
                _s3.BucketIntelligentTieringConfigurationTieringArgs(
                    access_tier=access_tier, days=days
                )
                for access_tier, days in (
                    ("ARCHIVE_ACCESS", tiering.archive_access_days),
                    ("DEEP_ARCHIVE_ACCESS", tiering.deep_archive_access_days),
                )
                if days is not None
            ]
            _s3.BucketIntelligentTieringConfiguration(
                f"{name}-intelligent-tiering",
                bucket=bucket.id,
                name="EntireBucket",
                status="Enabled",
                tierings=tierings,
                opts=child_options(self),
            )

        self.bucket_name = bucket.bucket
        self.arn = bucket.arn
        self.url = bucket.bucket.apply(lambda value: f"s3://{value}")
        self.register_outputs({"bucketName": self.bucket_name, "arn": self.arn, "url": self.url})


__all__ = [
    "TYPE_TOKEN",
    "S3Bucket",
    "s3_lifecycle_rules",
    "tls_only_policy",
    "transition_default_minimum_object_size",
]
