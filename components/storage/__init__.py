"""Tiered storage: one cloud-neutral spec, presets, and a bucket component per cloud.

Importing ``thrifty.storage`` loads no provider SDK. The components live in
``thrifty.storage.aws`` (``S3Bucket``), ``thrifty.storage.gcp`` (``GcsBucket``) and
``thrifty.storage.azure`` (``AzureBlobStorage``); ``thrifty.storage.factory.create_buckets``
builds a stack's buckets from ``thrifty:storage`` config.
"""

from thrifty.storage.config import BucketConfig, StorageConfig
from thrifty.storage.presets import PRESETS, PresetName, archive, data_lake, logs, model_artifacts
from thrifty.storage.spec import (
    AwsOptions,
    AzureOptions,
    GcpOptions,
    IntelligentTiering,
    LifecycleRule,
    NoncurrentVersions,
    StorageSpec,
    StorageSpecError,
    Transition,
    check_for_cloud,
    validate_for_cloud,
)

__all__ = [
    "PRESETS",
    "AwsOptions",
    "AzureOptions",
    "BucketConfig",
    "GcpOptions",
    "IntelligentTiering",
    "LifecycleRule",
    "NoncurrentVersions",
    "PresetName",
    "StorageConfig",
    "StorageSpec",
    "StorageSpecError",
    "Transition",
    "archive",
    "check_for_cloud",
    "data_lake",
    "logs",
    "model_artifacts",
    "validate_for_cloud",
]
