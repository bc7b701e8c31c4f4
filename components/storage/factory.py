"""Create a stack's buckets from ``thrifty:storage`` on the stack's cloud, all checks first.

The reference program calls :func:`create_buckets` once; every bucket's spec is checked for
the cloud and the environment before the first bucket is registered, so a bad third bucket
never leaves two half-created ones behind. The cloud module is imported only for the cloud in
use (provider SDKs are slow to import).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Union

import pulumi

from thrifty.options import with_provider
from thrifty.storage.config import StorageConfig
from thrifty.storage.spec import Cloud, StorageSpecError
from thrifty.tags import CostTags

if TYPE_CHECKING:
    from thrifty.storage.aws import S3Bucket
    from thrifty.storage.azure import AzureBlobStorage
    from thrifty.storage.gcp import GcsBucket

#: Any of the three bucket components; each exposes ``url`` (and its cloud's own outputs).
BucketComponent = Union["S3Bucket", "GcsBucket", "AzureBlobStorage"]


def create_buckets(
    storage: StorageConfig,
    *,
    cloud: Cloud,
    tags: CostTags,
    location: str | None = None,
    gcp_project: pulumi.Input[str] | None = None,
    resource_group_name: pulumi.Input[str] | None = None,
    opts: pulumi.ResourceOptions | None = None,
    provider: pulumi.ProviderResource | None = None,
) -> dict[str, BucketComponent]:
    """One bucket component per configured bucket, keyed by logical name.

    ``location`` is the GCS location (required on GCP) or the Azure location (optional);
    ``resource_group_name`` is required on Azure. ``provider`` (the foundation's) and
    ``opts`` are passed to every bucket component.
    """
    opts = with_provider(opts, provider)
    problems = storage.problems(cloud=cloud, environment=tags.environment)
    if cloud == "gcp" and storage.buckets and location is None:
        problems.append("thrifty:storage: GCS buckets need a location (the stack's region)")
    if cloud == "azure" and storage.buckets and resource_group_name is None:
        problems.append("thrifty:storage: Azure storage needs a resource group")
    if problems:
        raise StorageSpecError("thrifty:storage", problems)

    created: dict[str, BucketComponent] = {}
    for name, bucket in storage.buckets.items():
        spec = bucket.spec(cloud)
        if cloud == "aws":
            from thrifty.storage.aws import S3Bucket

            created[name] = S3Bucket(
                name, spec, tags=tags, bucket_name=bucket.bucket_name, opts=opts
            )
        elif cloud == "gcp":
            from thrifty.storage.gcp import GcsBucket

            assert location is not None  # checked above
            created[name] = GcsBucket(
                name,
                spec,
                tags=tags,
                location=location,
                project=gcp_project,
                bucket_name=bucket.bucket_name,
                opts=opts,
            )
        else:
            from thrifty.storage.azure import AzureBlobStorage

            assert resource_group_name is not None  # checked above
            created[name] = AzureBlobStorage(
                name,
                spec,
                tags=tags,
                resource_group_name=resource_group_name,
                location=location,
                account_name=bucket.account_name,
                container_name=bucket.bucket_name,
                opts=opts,
            )
    return created


__all__ = ["create_buckets"]
