"""Issue 12, storage items 8-10: each test failed against the code before the review's fixes.

8. Version cleanup vs minimum storage duration (and Azure's undo window).
9. GCS soft delete set deliberately (and Azure blob soft delete, which item 8 relies on).
10. Azure storage account names: valid, deterministic, unique per subscription and group.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pulumi
import pytest
from pydantic import ValidationError

from thrifty.offline.recording import RecordedResource, Recording, record_program
from thrifty.storage import (
    PRESETS,
    AzureOptions,
    GcpOptions,
    LifecycleRule,
    NoncurrentVersions,
    StorageConfig,
    StorageSpec,
    Transition,
    data_lake,
    model_artifacts,
)
from thrifty.storage.azure import AzureBlobStorage
from thrifty.storage.gcp import GcsBucket
from thrifty.storage.presets import preset
from thrifty.storage.spec import (
    CLOUDS,
    Cloud,
    check_for_cloud,
    minimum_days,
    noncurrent_days_floor,
    undo_window_days,
    unique_name,
    version_stays,
)
from thrifty.tags import CostTags

TAGS = CostTags.model_validate(
    {
        "project": "churn-predictor",
        "environment": "production",
        "team": "ml-team",
        "cost-center": "engineering",
        "owner": "ml-team@company.com",
    }
)
SUBSCRIPTION = "00000000-0000-0000-0000-000000000001"


def versioned(*transitions: Transition, delete_after_days: int, **spec: object) -> StorageSpec:
    """One rule with ``transitions`` that deletes noncurrent versions after the given days."""
    rule = LifecycleRule(
        id="r1",
        transitions=list(transitions),
        noncurrent=NoncurrentVersions(delete_after_days=delete_after_days),
    )
    return StorageSpec.model_validate({"rules": [rule], **spec})


def with_days(spec: StorageSpec, delete_after_days: int) -> StorageSpec:
    """``spec`` with its one rule's noncurrent versions deleted after ``delete_after_days``."""
    noncurrent = NoncurrentVersions(delete_after_days=delete_after_days)
    return spec.model_copy(
        update={"rules": [spec.rules[0].model_copy(update={"noncurrent": noncurrent})]}
    )


def version_problems(spec: StorageSpec, cloud: Cloud) -> list[str]:
    """The early-deletion problems of noncurrent versions among all of ``spec``'s problems."""
    return [
        problem
        for problem in check_for_cloud(spec, cloud, environment="production")
        if "noncurrent versions" in problem and "early deletion" in problem
    ]


# --- 8: noncurrent versions and the minimum storage duration ------------------------------


def test_s3_refuses_deleting_versions_in_glacier_before_90_days() -> None:
    spec = versioned(
        Transition(tier="warm", after_days=30),
        Transition(tier="cold", after_days=90),
        delete_after_days=30,
    )
    (problem,) = version_problems(spec, "aws")
    # A version overwritten the day it entered GLACIER_IR is deleted 30 days later, 60 early.
    assert "GLACIER_IR" in problem and "60 extra days" in problem
    assert "noncurrent.deleteAfterDays to 90 or more" in problem
    fixed = versioned(
        Transition(tier="warm", after_days=30),
        Transition(tier="cold", after_days=90),
        delete_after_days=90,
    )
    assert version_problems(fixed, "aws") == []


def test_gcs_counts_version_age_from_creation() -> None:
    # Archive from day 0: a version may be replaced on day 0 and deleted on day 30, 335 early.
    archived = versioned(Transition(tier="archive", after_days=0), delete_after_days=30)
    (problem,) = version_problems(archived, "gcp")
    assert "ARCHIVE" in problem and "noncurrent.deleteAfterDays to 365 or more" in problem
    # Nearline from day 30: a version is at least 30 + 30 days old when deleted: no fee.
    nearline = versioned(Transition(tier="warm", after_days=30), delete_after_days=30)
    assert version_problems(nearline, "gcp") == []


def test_azure_version_deletion_counts_from_the_versions_creation() -> None:
    spec = versioned(
        Transition(tier="warm", after_days=30),
        delete_after_days=30,
        azure=AzureOptions(soft_delete_days=7),
    )
    (problem,) = version_problems(spec, "azure")
    # Written day 0, in Cool from day 30, overwritten then: 30 days after *creation* is now.
    assert "Cool" in problem and "noncurrent.deleteAfterDays to 60 or more" in problem
    assert version_problems(with_days(spec, 60), "azure") == []


def test_allow_early_deletion_accepts_the_version_charge() -> None:
    spec = versioned(
        Transition(tier="cold", after_days=90), delete_after_days=30, allow_early_deletion=True
    )
    assert version_problems(spec, "aws") == []


@pytest.mark.parametrize("cloud", CLOUDS)
@pytest.mark.parametrize("entered", [0, 30, 90, 365])
@pytest.mark.parametrize("tier", ["warm", "cold", "archive"])
def test_the_floor_is_the_smallest_fee_free_retention(
    cloud: Cloud, entered: int, tier: str
) -> None:
    step = Transition.model_validate({"tier": tier, "afterDays": entered})
    spec = versioned(step, delete_after_days=1, azure=AzureOptions(soft_delete_days=7))
    floor = noncurrent_days_floor(spec, spec.rules[0], cloud)
    at_floor = with_days(spec, floor)
    assert version_problems(at_floor, cloud) == []
    if floor > 1:
        assert len(version_problems(with_days(spec, floor - 1), cloud)) == 1
    # The stays the check judges are the worst case: each version replaced the day it moved.
    stays = version_stays(at_floor, cloud)
    assert [(s.tier, s.entered, s.left_by) for s in stays] == [
        ("hot", 0, "version-deletion"),
        (tier, entered, "version-deletion"),
    ]
    assert all(s.left >= s.entered for s in stays)
    assert minimum_days(cloud, stays[1].storage_class) > 0


def test_azure_refuses_version_cleanup_that_leaves_no_undo_window() -> None:
    spec = versioned(Transition(tier="warm", after_days=30), delete_after_days=400)
    assert undo_window_days(spec, spec.rules[0], "azure") == 0
    problems = check_for_cloud(spec, "azure", environment="development")
    assert any("no undo window" in p and "azure.softDeleteDays" in p for p in problems), problems
    # Blob soft delete keeps lifecycle-deleted versions restorable for its retention.
    soft = spec.model_copy(update={"azure": AzureOptions(soft_delete_days=7)})
    assert undo_window_days(soft, soft.rules[0], "azure") == 7
    assert check_for_cloud(soft, "azure", environment="development") == []
    # Expiring current objects at 90 bounds a version's age at overwrite: 400 - 90 days left.
    expiring = StorageSpec(
        rules=[spec.rules[0].model_copy(update={"expire_after_days": 90})],
        expire_current_objects=True,
    )
    assert undo_window_days(expiring, expiring.rules[0], "azure") == 310
    assert check_for_cloud(expiring, "azure", environment="development") == []
    # S3 and GCS count from the overwrite: the retention itself is the undo window.
    assert undo_window_days(spec, spec.rules[0], "aws") == 400


PRESET_FLOORS = {
    # data_lake: S3 DEEP_ARCHIVE 180 d; GCS from creation; Azure Archive entered day 365 + 180.
    "data_lake": {"aws": 180, "gcp": 30, "azure": 545},
    "model_artifacts": {"aws": 30, "gcp": 30, "azure": 90},
    "logs": {"aws": 30, "gcp": 7, "azure": 60},
    "archive": {"aws": 365, "gcp": 365, "azure": 365},
}


@pytest.mark.parametrize("name", sorted(PRESETS))
@pytest.mark.parametrize("cloud", CLOUDS)
def test_presets_keep_versions_until_the_fee_is_free(name: str, cloud: Cloud) -> None:
    spec = preset(name, cloud=cloud)  # type: ignore[arg-type]
    if cloud == "azure" and name == "model_artifacts":
        spec = model_artifacts(keep_newest=0, cloud="azure")
    (rule,) = spec.rules
    assert rule.noncurrent is not None
    assert rule.noncurrent.delete_after_days == PRESET_FLOORS[name][cloud]
    assert check_for_cloud(spec, cloud, environment="production") == []


def test_cloud_neutral_presets_are_valid_everywhere() -> None:
    lake = data_lake()
    assert lake.rules[0].noncurrent == NoncurrentVersions(delete_after_days=545)
    for cloud in CLOUDS:
        assert check_for_cloud(lake, cloud, environment="production") == []


def test_config_uses_the_stacks_cloud_for_presets() -> None:
    config = StorageConfig.model_validate({"buckets": {"data-lake": {"preset": "data_lake"}}})
    assert config.specs(cloud="aws")["data-lake"] == data_lake(cloud="aws")
    # An override of one Azure option keeps the preset's other Azure options (soft delete).
    override = StorageConfig.model_validate(
        {"buckets": {"lake": {"preset": "data_lake", "azure": {"sku": "Standard_GRS"}}}}
    )
    spec = override.specs(cloud="azure")["lake"]
    assert spec.azure == AzureOptions(sku="Standard_GRS", soft_delete_days=7)
    assert override.problems(cloud="azure", environment="production") == []


# --- 9: soft delete, deliberately ----------------------------------------------------------


def record(program: Callable[[], None], **config: str) -> Recording:
    return record_program(
        program,
        project="storage",
        stack="production",
        # The offline engine answers getClientConfig with this subscription.
        config={"thrifty:azureSubscriptionId": SUBSCRIPTION, **config},
    )


def only(recording: Recording, type_token: str) -> RecordedResource:
    (found,) = recording.of_type(type_token)
    return found


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_presets_choose_soft_delete_on_both_clouds(name: str) -> None:
    spec = PRESETS[name]()  # type: ignore[index]
    # Versioned: noncurrent versions are the undo; GCS soft delete would bill them again.
    assert spec.versioning and spec.gcp.soft_delete_days == 0
    # Azure deletes versions by creation age: blob soft delete is the undo window.
    assert spec.azure.soft_delete_days == 7


def test_gcs_bucket_states_its_soft_delete_policy() -> None:
    lake = record(lambda: GcsBucket("lake", data_lake(), tags=TAGS, location="US"))
    assert only(lake, "gcp:storage/bucket:Bucket").inputs["softDeletePolicy"] == {
        "retentionDurationSeconds": 0
    }
    scratch = StorageSpec(
        rules=[LifecycleRule(id="tmp", expire_after_days=7)],
        versioning=False,
        expire_current_objects=True,
    )
    dev = TAGS.model_copy(update={"environment": "development"})
    rec = record(lambda: GcsBucket("tmp", scratch, tags=dev, location="US"))
    # Unversioned: soft delete is the only undo; GCS's own default (7 days), stated.
    assert only(rec, "gcp:storage/bucket:Bucket").inputs["softDeletePolicy"] == {
        "retentionDurationSeconds": 7 * 86_400
    }


@pytest.mark.parametrize("days", [1, 6, 91, -1])
def test_gcs_soft_delete_allows_zero_or_7_to_90_days(days: int) -> None:
    with pytest.raises(ValidationError, match=rf"softDeleteDays {days}.*0 \(off\) or 7-90"):
        GcpOptions.model_validate({"softDeleteDays": days})


def test_azure_blob_service_turns_soft_delete_on() -> None:
    rec = record(
        lambda: AzureBlobStorage("lake", data_lake(), tags=TAGS, resource_group_name="rg-churn")
    )
    service = only(rec, "azure-native:storage:BlobServiceProperties").inputs
    assert service["deleteRetentionPolicy"] == {"enabled": True, "days": 7}
    assert service["isVersioningEnabled"] is True


# --- 10: Azure storage account names --------------------------------------------------------

ACCOUNT = re.compile(r"^[a-z0-9]{3,24}$")


def account_name(subscription: str, group: str, name: str = "data-lake") -> str:
    rec = record(
        lambda: AzureBlobStorage(name, data_lake(), tags=TAGS, resource_group_name=group),
        **{"thrifty:azureSubscriptionId": subscription},
    )
    return str(only(rec, "azure-native:storage:StorageAccount").inputs["accountName"])


def test_account_names_are_unique_per_subscription_and_group() -> None:
    first = account_name(SUBSCRIPTION, "churn-prd-rg")
    assert ACCOUNT.match(first), first
    assert first == account_name(SUBSCRIPTION, "churn-prd-rg")  # deterministic
    assert first != account_name("00000000-0000-0000-0000-000000000002", "churn-prd-rg")
    assert first != account_name(SUBSCRIPTION, "churn-stg-rg")
    assert first != account_name(SUBSCRIPTION, "churn-prd-rg", name="model-artifacts")
    # The readable part says which bucket and environment it is.
    assert first.startswith("datalakeprd")


def test_children_and_url_use_the_derived_account() -> None:
    seen: dict[str, str] = {}

    def program() -> None:
        blob = AzureBlobStorage("lake", data_lake(), tags=TAGS, resource_group_name="rg")
        blob.url.apply(lambda url: seen.setdefault("url", url))

    rec = record(program)
    name = str(only(rec, "azure-native:storage:StorageAccount").inputs["accountName"])
    for token in (
        "azure-native:storage:BlobServiceProperties",
        "azure-native:storage:BlobContainer",
        "azure-native:storage:ManagementPolicy",
    ):
        child = only(rec, token)
        assert child.inputs["accountName"] == name
        # Linked to the account itself, so the policy pack ties them without name matching.
        assert only(rec, "azure-native:storage:StorageAccount").urn in child.dependencies
    assert seen["url"] == f"https://{name}.blob.core.windows.net/lake"


def test_unique_name_keeps_the_suffix_when_it_truncates() -> None:
    long = unique_name("a-very-long-logical-bucket-name", ("sub", "rg"), max_length=24)
    assert ACCOUNT.match(long) and len(long) == 24
    assert long[:16] == "averylonglogical"
    assert long != unique_name("a-very-long-logical-bucket-name", ("sub", "rg2"), max_length=24)
    assert unique_name("x", ("a",), max_length=24) == unique_name("x", ("a",), max_length=24)
    with pytest.raises(ValueError, match="max_length 8 leaves no room"):
        unique_name("x", ("a",), max_length=8)


def test_explicit_account_names_are_still_checked() -> None:
    caught: list[Exception] = []

    def program() -> None:
        try:
            AzureBlobStorage(
                "lake", data_lake(), tags=TAGS, resource_group_name="rg", account_name="Bad_Name"
            )
        except Exception as error:  # the test inspects it
            caught.append(error)

    rec = record(program)
    assert "account_name 'Bad_Name'" in str(caught[0])
    assert not rec.of_type("azure-native:storage:StorageAccount")


def test_pulumi_outputs_stay_outputs() -> None:
    # The derived name depends on the provider's subscription: an Output, not a plain str.
    seen: list[object] = []

    def program() -> None:
        blob = AzureBlobStorage("lake", data_lake(), tags=TAGS, resource_group_name="rg")
        seen.append(blob.account_name)

    record(program)
    assert isinstance(seen[0], pulumi.Output)
