"""The storage spec without any engine: shared rules, per-cloud limits, presets, config."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from pydantic import ValidationError

from thrifty.storage import (
    PRESETS,
    AwsOptions,
    AzureOptions,
    IntelligentTiering,
    LifecycleRule,
    NoncurrentVersions,
    StorageConfig,
    StorageSpec,
    StorageSpecError,
    Transition,
    check_for_cloud,
    model_artifacts,
    validate_for_cloud,
)
from thrifty.storage.spec import CLOUDS, stays

ENVIRONMENTS = ("development", "staging", "production")


def rule(**fields: Any) -> LifecycleRule:
    return LifecycleRule.model_validate({"id": "r1", **fields})


def tiers(*steps: tuple[str, int]) -> list[Transition]:
    return [Transition.model_validate({"tier": tier, "afterDays": day}) for tier, day in steps]


def only_problem(spec: StorageSpec, cloud: str, environment: str = "development") -> str:
    problems = check_for_cloud(spec, cloud, environment=environment)  # type: ignore[arg-type]
    assert len(problems) == 1, problems
    return problems[0]


# --- what every cloud shares (the model itself) -------------------------------------------


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"transitions": tiers(("cold", 90), ("warm", 120))},
            "transitions[1] moves to 'warm' after 'cold'; tiers only move colder",
        ),
        (
            {"transitions": tiers(("warm", 90), ("cold", 90))},
            "transitions[1] at day 90 is not after day 90; ages must strictly increase",
        ),
        (
            {"transitions": tiers(("warm", 30), ("cold", 365)), "expireAfterDays": 365},
            "expireAfterDays 365 must be after the last transition (day 365)",
        ),
        ({}, "rule 'r1' does nothing"),
        (
            {"objectSizeGreaterThan": 500, "objectSizeLessThan": 500, "expireAfterDays": 5},
            "objectSizeGreaterThan 500 must be below objectSizeLessThan 500",
        ),
        ({"prefix": "/raw", "expireAfterDays": 5}, "must not start with '/'"),
        ({"id": "raw-data", "expireAfterDays": 5}, "should match pattern"),
    ],
)
def test_rule_shape_errors_name_the_rule(fields: dict[str, Any], expected: str) -> None:
    with pytest.raises(ValidationError) as error:
        rule(**fields)
    assert expected in str(error.value)


@pytest.mark.parametrize(
    ("noncurrent", "field", "limit"),
    [
        ({"keepNewest": 101, "deleteAfterDays": 30}, "keepNewest", "less than or equal to 100"),
        (
            {"keepNewest": 1, "deleteAfterDays": 0},
            "deleteAfterDays",
            "greater than or equal to 1",
        ),
    ],
)
def test_noncurrent_limits_follow_s3(noncurrent: dict[str, int], field: str, limit: str) -> None:
    with pytest.raises(ValidationError) as error:
        NoncurrentVersions.model_validate(noncurrent)
    assert field in str(error.value) and limit in str(error.value)


def test_duplicate_rule_ids_are_rejected() -> None:
    with pytest.raises(ValidationError, match="rule ids must be unique; repeated: r1"):
        StorageSpec(
            rules=[rule(expireAfterDays=5), rule(expireAfterDays=9)], expire_current_objects=True
        )


def test_version_cleanup_needs_versioning() -> None:
    with pytest.raises(
        ValidationError, match="cleans up noncurrent versions but versioning is off"
    ):
        StorageSpec(
            rules=[rule(noncurrent={"deleteAfterDays": 7})],
            versioning=False,
        )


def test_expiring_current_objects_must_be_explicit() -> None:
    expiring = rule(transitions=tiers(("warm", 30)), expireAfterDays=400)
    with pytest.raises(ValidationError, match="set expireCurrentObjects: true"):
        StorageSpec(rules=[expiring])
    assert StorageSpec(rules=[expiring], expire_current_objects=True).rules[0].expire_after_days


@pytest.mark.parametrize(
    ("tiering", "expected"),
    [
        ({"archiveAccessDays": 89}, "greater than or equal to 90"),
        ({"deepArchiveAccessDays": 179}, "greater than or equal to 180"),
        ({"archiveAccessDays": 731}, "less than or equal to 730"),
        ({}, "set archiveAccessDays and/or deepArchiveAccessDays"),
        ({"archiveAccessDays": 200, "deepArchiveAccessDays": 200}, "must be greater than"),
    ],
)
def test_intelligent_tiering_limits(tiering: dict[str, int], expected: str) -> None:
    with pytest.raises(ValidationError, match=expected):
        IntelligentTiering.model_validate(tiering)


# --- per-cloud limits ---------------------------------------------------------------------


def test_s3_ia_classes_need_30_day_old_objects() -> None:
    spec = StorageSpec(rules=[rule(transitions=tiers(("warm", 10)))])
    assert only_problem(spec, "aws") == (
        "aws: rule 'r1': transition to STANDARD_IA (warm) on day 10; S3 moves objects to "
        "STANDARD_IA only once they are at least 30 days old [S3 lifecycle transition "
        "constraints]"
    )
    # The same ages are fine where the warm class has no such floor.
    assert check_for_cloud(spec, "gcp", environment="development") == []
    # Early deletion can be accepted; the 30-day floor cannot (S3 rejects the rule).
    accepted = spec.model_copy(update={"allow_early_deletion": True})
    assert "at least 30 days old" in only_problem(accepted, "aws")


def test_s3_early_transition_out_of_ia_costs_the_missing_days() -> None:
    spec = StorageSpec(rules=[rule(transitions=tiers(("warm", 30), ("cold", 45)))])
    assert only_problem(spec, "aws") == (
        "aws: rule 'r1': objects enter STANDARD_IA (warm) on day 30 and are moved on on day 45, "
        "15 days in the class; STANDARD_IA bills at least 30 days, so each object is billed 15 "
        "extra days (early deletion). Move that step to day 60 or later, or set "
        "allowEarlyDeletion: true to accept the charge"
    )


@pytest.mark.parametrize(
    ("cold_class", "archive_class", "expire", "billed"),
    [
        (
            "GLACIER_IR",
            "DEEP_ARCHIVE",
            120,
            "GLACIER_IR bills at least 90 days, so each object is billed 60 extra days",
        ),
        (
            "GLACIER",
            "DEEP_ARCHIVE",
            100,
            "GLACIER bills at least 90 days, so each object is billed 80 extra days",
        ),
    ],
)
def test_s3_glacier_minimums(cold_class: str, archive_class: str, expire: int, billed: str) -> None:
    spec = StorageSpec(
        rules=[rule(transitions=tiers(("warm", 30), ("cold", 90)), expireAfterDays=expire)],
        expire_current_objects=True,
        aws=AwsOptions.model_validate({"coldClass": cold_class, "archiveClass": archive_class}),
    )
    problem = only_problem(spec, "aws")
    assert billed in problem and f"expired on day {expire}" in problem


def test_s3_deep_archive_minimum_is_180_days() -> None:
    spec = StorageSpec(
        rules=[rule(transitions=tiers(("archive", 0)), expireAfterDays=100)],
        expire_current_objects=True,
    )
    assert "DEEP_ARCHIVE bills at least 180 days, so each object is billed 80 extra days" in (
        only_problem(spec, "aws")
    )


def test_gcs_counts_minimums_from_creation_and_lifecycle_moves_are_free() -> None:
    # Nearline for 10 days, then Coldline: S3 and Azure bill the short stay, GCS does not.
    spec = StorageSpec(rules=[rule(transitions=tiers(("warm", 30), ("cold", 40)))])
    assert check_for_cloud(spec, "gcp", environment="development") == []
    assert "billed 20 extra days" in only_problem(spec, "aws")
    assert "billed 20 extra days" in only_problem(spec, "azure")


@pytest.mark.parametrize(
    ("steps", "expire", "expected"),
    [
        ((("warm", 0),), 20, "NEARLINE bills at least 30 days, so each object is billed 10 extra"),
        ((("cold", 30),), 60, "COLDLINE bills at least 90 days, so each object is billed 30 extra"),
        ((("archive", 0),), 200, "ARCHIVE bills at least 365 days, so each object is billed 165"),
    ],
)
def test_gcs_minimums(steps: tuple[tuple[str, int], ...], expire: int, expected: str) -> None:
    spec = StorageSpec(
        rules=[rule(transitions=tiers(*steps), expireAfterDays=expire)],
        expire_current_objects=True,
    )
    problem = only_problem(spec, "gcp")
    assert problem.startswith("gcp: rule 'r1'") and expected in problem
    assert "Move that step to day" in problem


@pytest.mark.parametrize(
    ("steps", "expire", "expected"),
    [
        ((("warm", 30),), 45, "Cool bills at least 30 days, so each object is billed 15 extra"),
        ((("cold", 30),), 100, "Cold bills at least 90 days, so each object is billed 20 extra"),
        ((("archive", 30),), 200, "Archive bills at least 180 days, so each object is billed 10"),
    ],
)
def test_azure_minimums(steps: tuple[tuple[str, int], ...], expire: int, expected: str) -> None:
    spec = StorageSpec(
        rules=[rule(transitions=tiers(*steps), expireAfterDays=expire)],
        expire_current_objects=True,
    )
    assert expected in only_problem(spec, "azure")


def test_early_deletion_is_allowed_only_when_opted_in() -> None:
    spec = StorageSpec(
        rules=[rule(transitions=tiers(("cold", 30)), expireAfterDays=60)],
        expire_current_objects=True,
    )
    for cloud in CLOUDS:
        assert check_for_cloud(spec, cloud, environment="development")
    opted_in = spec.model_copy(update={"allow_early_deletion": True})
    for cloud in CLOUDS:
        assert check_for_cloud(opted_in, cloud, environment="development") == []


def test_s3_small_objects_never_transition_by_default() -> None:
    small = rule(objectSizeLessThan=100_000, transitions=tiers(("archive", 30)))
    spec = StorageSpec(rules=[small])
    assert only_problem(spec, "aws") == (
        "aws: rule 'r1' only matches objects under 100000 bytes, and S3 does not transition "
        "objects under 128 KB to DEEP_ARCHIVE by default; set aws.transitionSmallObjects: true "
        "for GLACIER / DEEP_ARCHIVE"
    )
    opted = spec.model_copy(update={"aws": AwsOptions(transition_small_objects=True)})
    assert check_for_cloud(opted, "aws", environment="development") == []
    to_ia = StorageSpec(
        rules=[small.model_copy(update={"transitions": tiers(("warm", 30))})],
        aws=AwsOptions(transition_small_objects=True),
    )
    assert "to STANDARD_IA (only GLACIER and DEEP_ARCHIVE accept them)" in only_problem(
        to_ia, "aws"
    )


def test_gcs_cannot_filter_on_object_tags() -> None:
    spec = StorageSpec(
        rules=[rule(tags={"kind": "raw"}, expireAfterDays=400)], expire_current_objects=True
    )
    assert only_problem(spec, "gcp") == (
        "gcp: rule 'r1' filters on object tags ['kind']; GCS lifecycle conditions cannot match "
        "object tags (use prefix instead)"
    )
    assert check_for_cloud(spec, "aws", environment="development") == []
    assert check_for_cloud(spec, "azure", environment="development") == []


@pytest.mark.parametrize("sku", ["Standard_ZRS", "Standard_GZRS", "Standard_RAGZRS"])
def test_azure_archive_needs_lrs_grs_or_ragrs(sku: str) -> None:
    spec = StorageSpec(
        rules=[rule(transitions=tiers(("warm", 30), ("archive", 365)))],
        azure=AzureOptions.model_validate({"sku": sku}),
    )
    assert only_problem(spec, "azure") == (
        f"azure: rule 'r1' moves blobs to Archive, but {sku} accounts have no archive tier "
        "(Archive supports LRS, GRS and RA-GRS only); pick one of those SKUs or stop at cold"
    )
    for ok in ("Standard_LRS", "Standard_GRS", "Standard_RAGRS"):
        fine = spec.model_copy(update={"azure": AzureOptions.model_validate({"sku": ok})})
        assert check_for_cloud(fine, "azure", environment="development") == []


def test_azure_cannot_keep_the_newest_versions_or_filter_by_size() -> None:
    spec = StorageSpec(
        rules=[rule(objectSizeGreaterThan=1, noncurrent={"keepNewest": 3, "deleteAfterDays": 30})],
        azure={"softDeleteDays": 7},  # an undo window: not what this test is about
    )
    problems = check_for_cloud(spec, "azure", environment="development")
    assert problems == [
        "azure: rule 'r1' filters on object size; Azure lifecycle management has no size filter",
        "azure: rule 'r1' keeps the newest 3 noncurrent versions; Azure lifecycle management "
        "can only delete previous versions by age (no version-count condition). Set "
        "noncurrent.keepNewest: 0 to delete them by age alone",
    ]


# --- data safety --------------------------------------------------------------------------


def test_production_buckets_are_versioned_and_never_force_destroyed() -> None:
    spec = StorageSpec(versioning=False, force_destroy=True)
    for cloud in CLOUDS:
        assert check_for_cloud(spec, cloud, environment="production") == [
            "production buckets must be versioned; set versioning: true",
            "production buckets are never force-destroyed; set forceDestroy: false",
        ]
        assert check_for_cloud(spec, cloud, environment="development") == []


def test_validate_for_cloud_lists_every_problem_at_once() -> None:
    spec = StorageSpec(
        rules=[rule(transitions=tiers(("warm", 10)), tags={"a": "b"})], force_destroy=True
    )
    with pytest.raises(StorageSpecError) as error:
        validate_for_cloud(spec, "aws", environment="production", subject="S3Bucket 'x'")
    assert error.value.problems == [
        "production buckets are never force-destroyed; set forceDestroy: false",
        "aws: rule 'r1': transition to STANDARD_IA (warm) on day 10; S3 moves objects to "
        "STANDARD_IA only once they are at least 30 days old [S3 lifecycle transition "
        "constraints]",
    ]
    assert str(error.value).startswith("S3Bucket 'x': 2 problem(s) in the storage spec:")


# --- presets ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PRESETS))
@pytest.mark.parametrize("cloud", CLOUDS)
@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_every_preset_deploys_everywhere(name: str, cloud: str, environment: str) -> None:
    spec = PRESETS[name]()  # type: ignore[index]
    if cloud == "azure" and name == "model_artifacts":
        spec = model_artifacts(keep_newest=0)
    assert spec.versioning and not spec.force_destroy and not spec.allow_early_deletion
    assert check_for_cloud(spec, cloud, environment=environment) == []  # type: ignore[arg-type]


def test_only_presets_that_say_so_expire_current_objects() -> None:
    expiring = {
        name for name, make in PRESETS.items() if any(r.expire_after_days for r in make().rules)
    }
    assert expiring == {"logs"}
    assert {name for name, make in PRESETS.items() if make().expire_current_objects} == {"logs"}


def test_preset_stays_are_what_the_docs_table_says() -> None:
    lake = PRESETS["data_lake"]()
    assert [(s.storage_class, s.entered, s.left) for s in stays(lake, "aws")] == [
        ("STANDARD", 0, 30),
        ("STANDARD_IA", 30, 90),
        ("GLACIER_IR", 90, 365),
    ]


def test_model_artifacts_keeps_three_versions_and_refuses_azure() -> None:
    spec = model_artifacts(cloud="aws")
    assert spec.rules[0].noncurrent == NoncurrentVersions(keep_newest=3, delete_after_days=30)
    # Cloud-neutral: Azure's floor (Cool entered on day 60 + 30, by creation age) holds too.
    assert model_artifacts().rules[0].noncurrent == NoncurrentVersions(
        keep_newest=3, delete_after_days=90
    )
    assert "keeps the newest 3 noncurrent versions" in only_problem(model_artifacts(), "azure")


def test_presets_are_fresh_copies() -> None:
    assert PRESETS["data_lake"]() is not PRESETS["data_lake"]()


def test_spec_imports_no_provider_sdk() -> None:
    # A fresh interpreter: other tests in this process have loaded the SDKs already.
    code = (
        "import sys, thrifty.storage, thrifty.storage.factory; "
        "print(sorted({m.split('.')[0] for m in sys.modules if m.startswith('pulumi_')}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


# --- config -------------------------------------------------------------------------------


def test_config_builds_presets_with_overrides() -> None:
    config = StorageConfig.model_validate(
        {
            "buckets": {
                "data-lake": {"preset": "data_lake"},
                "model-artifacts": {"preset": "model_artifacts", "keepNewestVersions": 5},
                "audit": {
                    "rules": [{"id": "old", "transitions": [{"tier": "cold", "afterDays": 90}]}],
                    "azure": {"sku": "Standard_GRS"},
                },
            }
        }
    )
    specs = config.specs(cloud="aws")
    assert specs["data-lake"] == PRESETS["data_lake"](cloud="aws")
    assert specs["model-artifacts"].rules[0].noncurrent == NoncurrentVersions(
        keep_newest=5, delete_after_days=30
    )
    assert specs["audit"].azure.sku == "Standard_GRS" and specs["audit"].versioning
    assert config.problems(cloud="aws", environment="production") == []


@pytest.mark.parametrize(
    ("bucket", "expected"),
    [
        ({}, "set preset (data_lake, model_artifacts, logs, archive) or rules"),
        ({"preset": "datalake"}, "Input should be 'data_lake'"),
        ({"preset": "logs", "expireCurrentObjects": False}, "set expireCurrentObjects: true"),
        ({"preset": "data_lake", "retention": 5}, "Extra inputs are not permitted"),
        ({"preset": "data_lake", "versioning": False}, "versioning is off"),
    ],
)
def test_config_errors_name_the_bucket_and_field(bucket: dict[str, Any], expected: str) -> None:
    with pytest.raises(ValidationError) as error:
        StorageConfig.model_validate({"buckets": {"data-lake": bucket}})
    assert expected in str(error.value)
    assert "data-lake" in str(error.value)


def test_config_problems_carry_their_path() -> None:
    config = StorageConfig.model_validate(
        {"buckets": {"model-artifacts": {"preset": "model_artifacts"}}}
    )
    assert config.problems(cloud="azure", environment="development") == [
        "thrifty:storage.buckets.model-artifacts: azure: rule 'artifacts' keeps the newest 3 "
        "noncurrent versions; Azure lifecycle management can only delete previous versions by "
        "age (no version-count condition). Set noncurrent.keepNewest: 0 to delete them by age "
        "alone"
    ]
    fixed = StorageConfig.model_validate(
        {"buckets": {"model-artifacts": {"preset": "model_artifacts", "keepNewestVersions": 0}}}
    )
    assert fixed.problems(cloud="azure", environment="production") == []


def test_config_rejects_bad_bucket_keys() -> None:
    with pytest.raises(ValidationError, match=r"bucket names \['Data_Lake'\]"):
        StorageConfig.model_validate({"buckets": {"Data_Lake": {"preset": "data_lake"}}})
