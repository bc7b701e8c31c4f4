"""Every bucket in every reference stack: private, encrypted, tagged; production protected and
versioned. Read from the recorded wire form, per cloud."""

from __future__ import annotations

import json

import pytest

from tests.conftest import REFERENCE_STACKS, REPO_ROOT
from thrifty.offline.recording import RecordedResource, Recording, record_stack
from thrifty.tags import COST_TAG_KEYS

BUCKET_COMPONENTS = {
    "thrifty:storage:S3Bucket",
    "thrifty:storage:GcsBucket",
    "thrifty:storage:AzureBlobStorage",
}


@pytest.fixture(scope="module", params=REFERENCE_STACKS)
def recording(request: pytest.FixtureRequest) -> Recording:
    # preview=False: the TLS-only bucket policy is built from the bucket's ARN (after apply).
    return record_stack(REPO_ROOT, request.param, preview=False)


def child(recording: Recording, component: RecordedResource, type_token: str) -> RecordedResource:
    (found,) = [r for r in recording.children_of(component.urn) if r.type == type_token]
    return found


def check_s3(recording: Recording, component: RecordedResource, production: bool) -> None:
    bucket = child(recording, component, "aws:s3/bucket:Bucket")
    assert set(COST_TAG_KEYS) <= set(bucket.inputs["tags"])
    assert bucket.inputs.get("forceDestroy") is False
    block = child(recording, component, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    assert all(block.inputs[key] is True for key in (
        "blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"))
    sse = child(recording, component, "aws:s3/bucketServerSideEncryptionConfiguration:"
                "BucketServerSideEncryptionConfiguration")
    (rule,) = sse.inputs["rules"]
    assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] in ("AES256", "aws:kms")
    policy = json.loads(child(recording, component, "aws:s3/bucketPolicy:BucketPolicy")
                        .inputs["policy"])
    assert any(
        statement["Effect"] == "Deny"
        and statement["Condition"]["Bool"]["aws:SecureTransport"] == "false"
        for statement in policy["Statement"]
    )
    versioning = child(recording, component, "aws:s3/bucketVersioning:BucketVersioning")
    if production:
        assert versioning.inputs["versioningConfiguration"]["status"] == "Enabled"
        assert bucket.protect and bucket.retain_on_delete


def check_gcs(recording: Recording, component: RecordedResource, production: bool) -> None:
    bucket = child(recording, component, "gcp:storage/bucket:Bucket")
    assert set(COST_TAG_KEYS) <= set(bucket.inputs["labels"])
    assert bucket.inputs["publicAccessPrevention"] == "enforced"
    assert bucket.inputs["uniformBucketLevelAccess"] is True
    assert bucket.inputs["forceDestroy"] is False
    # GCS encrypts every object at rest with Google-managed keys; a CMEK is optional.
    if production:
        assert bucket.inputs["versioning"] == {"enabled": True}
        assert bucket.protect


def check_azure(recording: Recording, component: RecordedResource, production: bool) -> None:
    account = child(recording, component, "azure-native:storage:StorageAccount")
    assert set(COST_TAG_KEYS) <= set(account.inputs["tags"])
    assert account.inputs["allowBlobPublicAccess"] is False
    assert account.inputs["enableHttpsTrafficOnly"] is True
    assert account.inputs["minimumTlsVersion"] == "TLS1_2"
    assert account.inputs["encryption"]["services"]["blob"]["enabled"] is True
    container = child(recording, component, "azure-native:storage:BlobContainer")
    assert container.inputs["publicAccess"] == "None"
    if production:
        service = child(recording, component, "azure-native:storage:BlobServiceProperties")
        assert service.inputs["isVersioningEnabled"] is True
        assert account.protect and container.protect


CHECKS = {
    "thrifty:storage:S3Bucket": check_s3,
    "thrifty:storage:GcsBucket": check_gcs,
    "thrifty:storage:AzureBlobStorage": check_azure,
}


def test_every_bucket_is_private_encrypted_tagged_and_safe(recording: Recording) -> None:
    components = [r for r in recording if r.type in BUCKET_COMPONENTS]
    # The reference platform keeps a data lake and a model-artifact store in every stack.
    assert len(components) == 2, [r.name for r in components]
    production = recording.stack == "production"
    for component in components:
        CHECKS[component.type](recording, component, production)


def test_production_buckets_are_versioned_with_noncurrent_cleanup() -> None:
    recording = record_stack(REPO_ROOT, "production")
    for lifecycle in recording.of_type(
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
    ):
        rules = lifecycle.inputs["rules"]
        assert any("noncurrentVersionExpiration" in rule for rule in rules), lifecycle.name
