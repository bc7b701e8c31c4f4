"""The three bucket components under the recording engine: exact wire form, safety, errors."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from thrifty.offline.recording import RecordedResource, Recording, record_program
from thrifty.storage import (
    PRESETS,
    AzureOptions,
    LifecycleRule,
    StorageConfig,
    StorageSpec,
    StorageSpecError,
    Transition,
    data_lake,
    model_artifacts,
)
from thrifty.storage.aws import S3Bucket
from thrifty.storage.azure import AzureBlobStorage
from thrifty.storage.factory import create_buckets
from thrifty.storage.gcp import GcsBucket
from thrifty.tags import COST_TAG_KEYS, CostTags, TagRenderError

S3_BUCKET = "aws:s3/bucket:Bucket"
S3_LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
GCS_BUCKET = "gcp:storage/bucket:Bucket"
AZ_ACCOUNT = "azure-native:storage:StorageAccount"
AZ_POLICY = "azure-native:storage:ManagementPolicy"


def cost_tags(environment: str = "development", **extra: str) -> CostTags:
    return CostTags.model_validate(
        {
            "project": "churn",
            "environment": environment,
            "team": "ml-team",
            "cost-center": "engineering",
            "owner": "ml-team@company.com",
            "extra": extra,
        }
    )


def record(program: Callable[[], None], *, preview: bool = True) -> Recording:
    return record_program(program, project="storage", stack="test", preview=preview)


def only(recording: Recording, type_token: str) -> RecordedResource:
    found = recording.of_type(type_token)
    assert len(found) == 1, [r.type for r in recording]
    return found[0]


def build(cloud: str, spec: StorageSpec, tags: CostTags, name: str = "lake") -> None:
    if cloud == "aws":
        S3Bucket(name, spec, tags=tags)
    elif cloud == "gcp":
        GcsBucket(name, spec, tags=tags, location="US-CENTRAL1")
    else:
        AzureBlobStorage(name, spec, tags=tags, resource_group_name="rg-churn")


def azure_preset(name: str) -> StorageSpec:
    """Presets as used on Azure (model_artifacts cannot count versions there)."""
    if name == "model_artifacts":
        return model_artifacts(keep_newest=0, cloud="azure")
    return PRESETS[name](cloud="azure")  # type: ignore[index]


# --- exact lifecycle rules per preset, per cloud, in wire form -----------------------------

S3_RULES: dict[str, list[dict[str, Any]]] = {
    "data_lake": [
        {
            "id": "tiering",
            "status": "Enabled",
            "filter": {},
            "transitions": [
                {"days": 30, "storageClass": "STANDARD_IA"},
                {"days": 90, "storageClass": "GLACIER_IR"},
                {"days": 365, "storageClass": "DEEP_ARCHIVE"},
            ],
            "expiration": {"expiredObjectDeleteMarker": True},
            # A version may sit in DEEP_ARCHIVE (180 days minimum) when it is replaced.
            "noncurrentVersionExpiration": {"noncurrentDays": 180},
            "abortIncompleteMultipartUpload": {"daysAfterInitiation": 7},
        }
    ],
    "model_artifacts": [
        {
            "id": "artifacts",
            "status": "Enabled",
            "filter": {},
            "transitions": [{"days": 60, "storageClass": "STANDARD_IA"}],
            "expiration": {"expiredObjectDeleteMarker": True},
            "noncurrentVersionExpiration": {"noncurrentDays": 30, "newerNoncurrentVersions": 3},
            "abortIncompleteMultipartUpload": {"daysAfterInitiation": 7},
        }
    ],
    "logs": [
        {
            "id": "retention",
            "status": "Enabled",
            "filter": {},
            "transitions": [{"days": 30, "storageClass": "STANDARD_IA"}],
            "expiration": {"days": 90},
            "noncurrentVersionExpiration": {"noncurrentDays": 30},  # STANDARD_IA: 30 days
            "abortIncompleteMultipartUpload": {"daysAfterInitiation": 1},
        }
    ],
    "archive": [
        {
            "id": "archive",
            "status": "Enabled",
            "filter": {},
            "transitions": [{"days": 0, "storageClass": "DEEP_ARCHIVE"}],
            "expiration": {"expiredObjectDeleteMarker": True},
            "noncurrentVersionExpiration": {"noncurrentDays": 365},
            "abortIncompleteMultipartUpload": {"daysAfterInitiation": 7},
        }
    ],
}


def _gcs(action: dict[str, Any], **condition: Any) -> dict[str, Any]:
    return {"action": action, "condition": condition}


def _set_class(target: str) -> dict[str, str]:
    return {"type": "SetStorageClass", "storageClass": target}


DELETE = {"type": "Delete"}
ABORT = {"type": "AbortIncompleteMultipartUpload"}

GCS_RULES: dict[str, list[dict[str, Any]]] = {
    "data_lake": [
        _gcs(_set_class("NEARLINE"), age=30, matchesStorageClasses=["STANDARD"], withState="LIVE"),
        _gcs(
            _set_class("COLDLINE"),
            age=90,
            matchesStorageClasses=["STANDARD", "NEARLINE"],
            withState="LIVE",
        ),
        _gcs(
            _set_class("ARCHIVE"),
            age=365,
            matchesStorageClasses=["STANDARD", "NEARLINE", "COLDLINE"],
            withState="LIVE",
        ),
        _gcs(DELETE, daysSinceNoncurrentTime=30, withState="ARCHIVED"),
        _gcs(ABORT, age=7),
    ],
    "model_artifacts": [
        _gcs(_set_class("NEARLINE"), age=60, matchesStorageClasses=["STANDARD"], withState="LIVE"),
        # keep 3 noncurrent = at least 4 newer versions counting the live one.
        _gcs(DELETE, daysSinceNoncurrentTime=30, numNewerVersions=4, withState="ARCHIVED"),
        _gcs(ABORT, age=7),
    ],
    "logs": [
        _gcs(_set_class("NEARLINE"), age=30, matchesStorageClasses=["STANDARD"], withState="LIVE"),
        _gcs(DELETE, age=90, withState="LIVE"),
        _gcs(DELETE, daysSinceNoncurrentTime=7, withState="ARCHIVED"),
        _gcs(ABORT, age=1),
    ],
    "archive": [
        _gcs(
            _set_class("ARCHIVE"),
            age=0,
            sendAgeIfZero=True,
            matchesStorageClasses=["STANDARD", "NEARLINE", "COLDLINE"],
            withState="LIVE",
        ),
        _gcs(DELETE, daysSinceNoncurrentTime=365, withState="ARCHIVED"),
        _gcs(ABORT, age=7),
    ],
}


def _azure(name: str, base_blob: dict[str, int], versions_days: int) -> dict[str, Any]:
    return {
        "name": name,
        "enabled": True,
        "type": "Lifecycle",
        "definition": {
            "filters": {"blobTypes": ["blockBlob"], "prefixMatch": ["lake/"]},
            "actions": {
                "baseBlob": {
                    action: {"daysAfterModificationGreaterThan": days}
                    for action, days in base_blob.items()
                },
                "version": {"delete": {"daysAfterCreationGreaterThan": versions_days}},
                "snapshot": {"delete": {"daysAfterCreationGreaterThan": versions_days}},
            },
        },
    }


AZURE_RULES: dict[str, list[dict[str, Any]]] = {
    # Versions are deleted by creation age: one in Archive (entered day 365) stays 180 days.
    "data_lake": [
        _azure("tiering", {"tierToCool": 30, "tierToCold": 90, "tierToArchive": 365}, 545)
    ],
    "model_artifacts": [_azure("artifacts", {"tierToCool": 60}, 90)],
    "logs": [_azure("retention", {"tierToCool": 30, "delete": 90}, 60)],
    "archive": [_azure("archive", {"tierToArchive": 0}, 365)],
}


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_s3_lifecycle_rules_per_preset(preset: str) -> None:
    # preview=False: the lifecycle's bucket is the bucket's id, known only after apply.
    rec = record(
        lambda: build("aws", PRESETS[preset](cloud="aws"), cost_tags()),  # type: ignore[index]
        preview=False,
    )
    lifecycle = only(rec, S3_LIFECYCLE)
    assert lifecycle.inputs["rules"] == S3_RULES[preset]
    assert lifecycle.inputs["transitionDefaultMinimumObjectSize"] == "all_storage_classes_128K"
    assert lifecycle.inputs["bucket"] == "lake-id"


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_gcs_lifecycle_rules_per_preset(preset: str) -> None:
    rec = record(lambda: build("gcp", PRESETS[preset](cloud="gcp"), cost_tags()))  # type: ignore[index]
    assert only(rec, GCS_BUCKET).inputs["lifecycleRules"] == GCS_RULES[preset]


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_azure_management_policy_per_preset(preset: str) -> None:
    rec = record(lambda: build("azure", azure_preset(preset), cost_tags()))
    policy = only(rec, AZ_POLICY)
    assert policy.inputs["policy"] == {"rules": AZURE_RULES[preset]}
    account = only(rec, AZ_ACCOUNT).inputs["accountName"]
    assert policy.inputs["accountName"] == account and re.fullmatch(r"lakedev[0-9a-f]{8}", account)
    assert policy.inputs["managementPolicyName"] == "default"


def test_filters_render_per_cloud() -> None:
    spec = StorageSpec(
        rules=[
            LifecycleRule(
                id="raw",
                prefix="raw/",
                tags={"kind": "csv"},
                transitions=[Transition(tier="cold", after_days=90)],
            ),
            LifecycleRule(
                id="tmp", prefix="tmp/", expire_after_days=3, abort_multipart_after_days=1
            ),
        ],
        expire_current_objects=True,
    )
    s3 = only(record(lambda: build("aws", spec, cost_tags())), S3_LIFECYCLE).inputs["rules"]
    assert s3[0]["filter"] == {"and": {"prefix": "raw/", "tags": {"kind": "csv"}}}
    assert s3[1]["filter"] == {"prefix": "tmp/"}
    assert s3[1]["expiration"] == {"days": 3}
    azure = only(record(lambda: build("azure", spec, cost_tags())), AZ_POLICY).inputs["policy"]
    assert azure["rules"][0]["definition"]["filters"] == {
        "blobTypes": ["blockBlob"],
        "prefixMatch": ["lake/raw/"],
        "blobIndexMatch": [{"name": "kind", "op": "==", "value": "csv"}],
    }
    # Azure has no multipart rule to write; the expiry still becomes a delete.
    assert azure["rules"][1]["definition"]["actions"] == {
        "baseBlob": {"delete": {"daysAfterModificationGreaterThan": 3}}
    }
    gcs_spec = spec.model_copy(update={"rules": [spec.rules[1]]})
    gcs = only(record(lambda: build("gcp", gcs_spec, cost_tags())), GCS_BUCKET)
    assert gcs.inputs["lifecycleRules"] == [
        _gcs(DELETE, age=3, withState="LIVE", matchesPrefixes=["tmp/"]),
        _gcs(ABORT, age=1, matchesPrefixes=["tmp/"]),
    ]


# --- private, encrypted, TLS only, tagged; protected in production --------------------------


def test_s3_bucket_is_private_encrypted_tls_only_and_tagged() -> None:
    # preview=False: the TLS-only policy is built from the bucket's ARN, known after apply.
    rec = record(lambda: build("aws", data_lake(), cost_tags()), preview=False)
    component = only(rec, "thrifty:storage:S3Bucket")
    children = rec.children_of(component.urn)
    assert {child.type for child in children} == {
        S3_BUCKET,
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketVersioning:BucketVersioning",
        "aws:s3/bucketPolicy:BucketPolicy",
        S3_LIFECYCLE,
    }
    assert len(children) == len(rec.resources) - 1
    bucket = only(rec, S3_BUCKET)
    assert bucket.inputs["tags"] == cost_tags().aws()
    assert set(COST_TAG_KEYS) <= set(bucket.inputs["tags"])
    assert bucket.inputs["forceDestroy"] is False
    block = only(rec, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs
    assert all(
        block[key] is True
        for key in (
            "blockPublicAcls",
            "blockPublicPolicy",
            "ignorePublicAcls",
            "restrictPublicBuckets",
        )
    )
    ownership = only(rec, "aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs
    assert ownership["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    sse = only(
        rec,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    ).inputs
    assert sse["rules"] == [
        {
            "applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"},
            "bucketKeyEnabled": False,
        }
    ]
    policy = only(rec, "aws:s3/bucketPolicy:BucketPolicy")
    statement = json.loads(policy.inputs["policy"])["Statement"]
    # S3 ARNs carry no region or account; the bucket is auto-named (lake-<7 hex>) as by the
    # engine, and the policy is built from that name, which a preview already knows.
    arn = statement[0]["Resource"][0]
    assert re.fullmatch(r"arn:aws:s3:::lake-[0-9a-f]{7}", arn), arn
    assert statement == [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [arn, f"{arn}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ]
    public_access = only(rec, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    assert public_access.urn in policy.dependencies
    versioning = only(rec, "aws:s3/bucketVersioning:BucketVersioning")
    assert versioning.urn in only(rec, S3_LIFECYCLE).dependencies


def test_s3_kms_and_intelligent_tiering() -> None:
    spec = StorageSpec.model_validate(
        {
            **data_lake().model_dump(),
            "aws": {
                "warmClass": "INTELLIGENT_TIERING",
                "intelligentTiering": {"archiveAccessDays": 90},
            },
        }
    )
    rec = record(lambda: S3Bucket("lake", spec, tags=cost_tags(), kms_key_id="alias/data"))
    sse = rec.of_type(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    )[0]
    assert sse.inputs["rules"] == [
        {
            "applyServerSideEncryptionByDefault": {
                "sseAlgorithm": "aws:kms",
                "kmsMasterKeyId": "alias/data",
            },
            "bucketKeyEnabled": True,
        }
    ]
    tiering = only(
        rec, "aws:s3/bucketIntelligentTieringConfiguration:BucketIntelligentTieringConfiguration"
    )
    assert tiering.inputs["tierings"] == [{"accessTier": "ARCHIVE_ACCESS", "days": 90}]
    assert tiering.inputs["status"] == "Enabled"
    transitions = only(rec, S3_LIFECYCLE).inputs["rules"][0]["transitions"]
    assert transitions[0] == {"days": 30, "storageClass": "INTELLIGENT_TIERING"}


def test_gcs_bucket_is_private_uniform_and_labelled() -> None:
    rec = record(lambda: build("gcp", data_lake(), cost_tags()))
    bucket = only(rec, GCS_BUCKET)
    assert bucket.parent == only(rec, "thrifty:storage:GcsBucket").urn
    assert bucket.inputs["uniformBucketLevelAccess"] is True
    assert bucket.inputs["publicAccessPrevention"] == "enforced"
    assert bucket.inputs["versioning"] == {"enabled": True}
    assert bucket.inputs["forceDestroy"] is False
    assert bucket.inputs["labels"] == cost_tags().gcp()
    assert bucket.inputs["labels"]["owner"] == "ml-team_at_company_dot_com"
    assert bucket.inputs["location"] == "US-CENTRAL1"
    assert "encryption" not in bucket.inputs  # Google-managed encryption at rest
    keyed = record(
        lambda: GcsBucket("k", data_lake(), tags=cost_tags(), location="EU", kms_key_name="key")
    )
    assert only(keyed, GCS_BUCKET).inputs["encryption"] == {"defaultKmsKeyName": "key"}


def test_azure_account_is_https_tls12_private_and_tagged() -> None:
    rec = record(lambda: build("azure", data_lake(), cost_tags()))
    component = only(rec, "thrifty:storage:AzureBlobStorage")
    assert all(r.parent == component.urn for r in rec.resources if r is not component)
    account = only(rec, AZ_ACCOUNT).inputs
    assert account["kind"] == "StorageV2"
    assert account["sku"] == {"name": "Standard_LRS"}
    assert account["enableHttpsTrafficOnly"] is True
    assert account["minimumTlsVersion"] == "TLS1_2"
    assert account["allowBlobPublicAccess"] is False
    assert account["encryption"] == {
        "keySource": "Microsoft.Storage",
        "services": {"blob": {"enabled": True, "keyType": "Account"}},
    }
    assert account["tags"] == cost_tags().azure(storage_account=True)
    container = only(rec, "azure-native:storage:BlobContainer").inputs
    assert container["publicAccess"] == "None" and container["containerName"] == "lake"
    service = only(rec, "azure-native:storage:BlobServiceProperties").inputs
    assert service["isVersioningEnabled"] is True


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
@pytest.mark.parametrize("environment", ["development", "production"])
def test_production_data_is_protected_and_retained(cloud: str, environment: str) -> None:
    rec = record(lambda: build(cloud, data_lake(), cost_tags(environment)))
    holders = {
        "aws": [S3_BUCKET],
        "gcp": [GCS_BUCKET],
        "azure": [AZ_ACCOUNT, "azure-native:storage:BlobContainer"],
    }[cloud]
    production = environment == "production"
    for type_token in holders:
        resource = only(rec, type_token)
        assert resource.protect is production and resource.retain_on_delete is production


def test_unversioned_dev_bucket_says_so_explicitly() -> None:
    spec = StorageSpec(
        rules=[LifecycleRule(id="tmp", expire_after_days=7)],
        versioning=False,
        expire_current_objects=True,
        force_destroy=True,
    )
    rec = record(lambda: build("aws", spec, cost_tags()))
    versioning = only(rec, "aws:s3/bucketVersioning:BucketVersioning").inputs
    assert versioning["versioningConfiguration"] == {"status": "Disabled"}
    assert only(rec, S3_BUCKET).inputs["forceDestroy"] is True


def test_outputs_name_the_bucket() -> None:
    # Read the outputs through apply (not stack exports): the values the components expose.
    seen: dict[str, str] = {}

    def keep(key: str, output: pulumi.Output[str]) -> None:
        output.apply(lambda value: seen.__setitem__(key, value))

    def program() -> None:
        s3 = S3Bucket("lake", data_lake(), tags=cost_tags(), bucket_name="churn-lake")
        gcs = GcsBucket("lake", data_lake(), tags=cost_tags(), location="US", bucket_name="g")
        blob = AzureBlobStorage("lake", data_lake(), tags=cost_tags(), resource_group_name="rg")
        keep("s3.name", s3.bucket_name)
        keep("s3.arn", s3.arn)
        keep("s3.url", s3.url)
        keep("gcs.name", gcs.bucket_name)
        keep("gcs.url", gcs.url)
        keep("blob.account", blob.account_name)
        keep("blob.url", blob.url)

    # preview=False: the ARN and the GCS URL are known only after apply.
    record(program, preview=False)
    assert seen == {
        "s3.name": "churn-lake",
        "s3.arn": "arn:aws:s3:::churn-lake",
        "s3.url": "s3://churn-lake",
        "gcs.name": "g",
        "gcs.url": "gs://g",
        # <name><env> + a hash of (subscription, group, project, name): pinned, since a
        # change of the derivation would rename (replace) every existing account.
        "blob.account": "lakedev40212a30",
        "blob.url": "https://lakedev40212a30.blob.core.windows.net/lake",
    }


@pytest.mark.parametrize("how", ["opts", "provider"])
def test_explicit_provider_reaches_every_child(how: str) -> None:
    def program() -> None:
        provider = aws.Provider("aws-dev", region="eu-west-1")
        if how == "opts":
            S3Bucket(
                "lake",
                data_lake(),
                tags=cost_tags(),
                opts=pulumi.ResourceOptions(provider=provider),
            )
        else:  # the keyword the cluster and budget components take too
            S3Bucket("lake", data_lake(), tags=cost_tags(), provider=provider)

    rec = record(program)
    provider = only(rec, "pulumi:providers:aws")
    custom = [r for r in rec.resources if r.custom and not r.is_provider]
    assert len(custom) == 7
    assert all(r.provider_urn == provider.urn for r in custom)


# --- invalid specs fail before anything is registered -------------------------------------


def _failing(cloud: str, spec: StorageSpec, tags: CostTags) -> tuple[Recording, Exception]:
    caught: list[Exception] = []

    def program() -> None:
        with pytest.raises((StorageSpecError, TagRenderError)) as error:
            build(cloud, spec, tags)
        caught.append(error.value)

    rec = record(program)
    return rec, caught[0]


EARLY = StorageSpec(
    rules=[
        LifecycleRule(
            id="short",
            transitions=[Transition(tier="cold", after_days=30)],
            expire_after_days=60,
        )
    ],
    expire_current_objects=True,
)


@pytest.mark.parametrize(
    ("cloud", "spec", "environment", "expected"),
    [
        (
            "aws",
            EARLY,
            "development",
            "GLACIER_IR bills at least 90 days, so each object is billed 60 extra days",
        ),
        (
            "gcp",
            EARLY,
            "development",
            "COLDLINE bills at least 90 days, so each object is billed 30 extra days",
        ),
        (
            "azure",
            EARLY,
            "development",
            "Cold bills at least 90 days, so each object is billed 60 extra days",
        ),
        ("azure", model_artifacts(), "development", "keeps the newest 3 noncurrent versions"),
        (
            "aws",
            StorageSpec(versioning=False),
            "production",
            "production buckets must be versioned",
        ),
        (
            "gcp",
            StorageSpec(force_destroy=True),
            "production",
            "production buckets are never force-destroyed",
        ),
        (
            "azure",
            data_lake().model_copy(update={"azure": AzureOptions(sku="Standard_ZRS")}),
            "development",
            "Standard_ZRS accounts have no archive tier",
        ),
    ],
)
def test_invalid_spec_registers_nothing(
    cloud: str, spec: StorageSpec, environment: str, expected: str
) -> None:
    spec = StorageSpec.model_validate(spec.model_dump())
    rec, error = _failing(cloud, spec, cost_tags(environment))
    assert isinstance(error, StorageSpecError)
    assert expected in str(error)
    assert rec.resources == []


def test_untaggable_labels_fail_before_registering() -> None:
    # An extra tag whose key GCP labels cannot hold (upper case).
    rec, error = _failing("gcp", data_lake(), cost_tags(Service="api"))
    assert isinstance(error, TagRenderError) and "GCP: label key 'Service'" in str(error)
    assert rec.resources == []


def test_bad_azure_names_fail_before_registering() -> None:
    caught: list[Exception] = []

    def program() -> None:
        with pytest.raises(StorageSpecError) as error:
            AzureBlobStorage(
                "lake",
                data_lake(),
                tags=cost_tags(),
                resource_group_name="rg",
                account_name="Bad-Name",
                container_name="x",
            )
        caught.append(error.value)

    rec = record(program)
    assert rec.resources == []
    assert "account_name 'Bad-Name'" in str(caught[0]) and "container_name 'x'" in str(caught[0])


# --- the stack entry point -----------------------------------------------------------------

REFERENCE = {
    "buckets": {
        "data-lake": {"preset": "data_lake"},
        "model-artifacts": {"preset": "model_artifacts", "keepNewestVersions": 0},
    }
}


@pytest.mark.parametrize(
    ("cloud", "component"),
    [
        ("aws", "thrifty:storage:S3Bucket"),
        ("gcp", "thrifty:storage:GcsBucket"),
        ("azure", "thrifty:storage:AzureBlobStorage"),
    ],
)
def test_create_buckets_from_config(cloud: str, component: str) -> None:
    storage = StorageConfig.model_validate(REFERENCE)

    def program() -> None:
        create_buckets(
            storage,
            cloud=cloud,  # type: ignore[arg-type]
            tags=cost_tags("production"),
            location="us-central1" if cloud == "gcp" else None,
            resource_group_name="rg" if cloud == "azure" else None,
        )

    rec = record(program)
    assert sorted(r.name for r in rec.of_type(component)) == ["data-lake", "model-artifacts"]


def test_create_buckets_checks_every_bucket_first() -> None:
    storage = StorageConfig.model_validate(
        {
            "buckets": {
                "data-lake": {"preset": "data_lake"},
                "model-artifacts": {"preset": "model_artifacts"},
                "scratch": {"preset": "logs", "forceDestroy": True},
            }
        }
    )
    caught: list[Exception] = []

    def program() -> None:
        with pytest.raises(StorageSpecError) as error:
            create_buckets(
                storage, cloud="azure", tags=cost_tags("production"), resource_group_name="rg"
            )
        caught.append(error.value)

    rec = record(program)
    assert rec.resources == []
    problems = caught[0].problems  # type: ignore[attr-defined]
    assert problems == [
        "thrifty:storage.buckets.model-artifacts: azure: rule 'artifacts' keeps the newest 3 "
        "noncurrent versions; Azure lifecycle management can only delete previous versions by "
        "age (no version-count condition). Set noncurrent.keepNewest: 0 to delete them by age "
        "alone",
        "thrifty:storage.buckets.scratch: production buckets are never force-destroyed; set "
        "forceDestroy: false",
    ]
