"""The cloud-neutral storage spec: tiers, lifecycle rules, and the checks every cloud shares.

A :class:`StorageSpec` says how a bucket's objects age: hot -> warm -> cold -> archive at given
ages, optional expiry of current objects, cleanup of noncurrent versions and of abandoned
multipart uploads. The same spec drives the S3, GCS and Azure components, so the rules a team
reviews are the rules every cloud gets.

Two layers of validation, both before any resource exists:

* the model itself (pydantic) checks what holds on every cloud: ages strictly increasing,
  tiers only moving colder, expiry after the last transition, version cleanup only on a
  versioned bucket, current-object expiry only when ``expire_current_objects`` says so;
* :func:`check_for_cloud` checks what one cloud enforces or bills, from the tables below
  (minimum storage durations, for current objects and for noncurrent versions, S3's 30-day
  rule for the IA classes and its 128 KB transition floor, what each lifecycle engine can
  filter on, which Azure SKUs have no archive tier, Azure's undo window for versions), and
  the data-safety rules of the environment (production: versioned, never force-destroyed).

This module imports no provider SDK (see DESIGN.md "Which part may know which").

Sources for every number below (checked 2025 with the docs search; repeated in docs/storage.md):

[S3-CLASSES]  docs.aws.amazon.com/AmazonS3/latest/userguide/storage-class-intro.html#sc-compare
              minimum storage duration: Standard-IA 30, One Zone-IA 30, Glacier Instant
              Retrieval 90, Glacier Flexible Retrieval 90, Glacier Deep Archive 180 days;
              Intelligent-Tiering none.
[S3-TRANS]    docs.aws.amazon.com/AmazonS3/latest/userguide/
              lifecycle-transition-general-considerations.html
              objects must be stored at least 30 days before a transition to Standard-IA or One
              Zone-IA; objects deleted, overwritten or transitioned before the minimum duration
              are charged a prorated early-deletion fee.
[S3-API-TR]   docs.aws.amazon.com/AmazonS3/latest/API/API_Transition.html (Days for STANDARD_IA /
              ONEZONE_IA; 0 allowed for INTELLIGENT_TIERING, GLACIER_IR, GLACIER, DEEP_ARCHIVE).
[S3-128K]     docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketLifecycleConfiguration.html
              TransitionDefaultMinimumObjectSize: ``all_storage_classes_128K`` (default): objects
              smaller than 128 KB do not transition to any class; ``varies_by_storage_class``:
              they transition only to Glacier Flexible Retrieval and Glacier Deep Archive.
[S3-NCV]      docs.aws.amazon.com/AmazonS3/latest/API/API_NoncurrentVersionExpiration.html
              NewerNoncurrentVersions: up to 100 retained; NoncurrentDays a non-zero positive int.
[S3-IT]       docs.aws.amazon.com/AmazonS3/latest/API/API_Tiering.html  Intelligent-Tiering
              Archive Access >= 90 days, Deep Archive Access >= 180 days, both <= 730 days.
[GCS-CLASSES] cloud.google.com/storage/docs/storage-classes  minimum storage duration: Nearline
              30, Coldline 90, Archive 365 days; Standard none.
[GCS-EARLY]   cloud.google.com/storage/pricing#early-delete  an object deleted, replaced or moved
              before its minimum duration is charged as if stored for the minimum; an object
              whose class is changed by Object Lifecycle Management keeps its creation time,
              so the duration counts from creation (not from the class change).
[GCS-LC]      cloud.google.com/storage/docs/lifecycle  conditions: age, matchesPrefix,
              matchesStorageClass, numNewerVersions ("at least N versions, including the live
              version, newer than this one"), daysSinceNoncurrentTime, size filters; no
              object-tag condition.
[AZ-TIERS]    learn.microsoft.com/azure/storage/blobs/access-tiers-overview  Cool: 30 days,
              Cold: 90 days, Archive: 180 days, each counted from the move into the tier,
              prorated early-deletion fee; "The Archive tier is not supported for ZRS, GZRS, or
              RA-GZRS accounts".
[AZ-LCM]      learn.microsoft.com/azure/storage/blobs/lifecycle-management-overview  filters:
              blobTypes, prefixMatch (``container/prefix``), blobIndexMatch; actions on baseBlob,
              version and snapshot; no size filter and no "keep the newest N versions" condition.
[AZ-LCM-VER]  learn.microsoft.com/azure/storage/blobs/lifecycle-management-policy-structure
              (MicrosoftDocs/azure-docs, "Action run conditions"): "Rules for previous versions
              use the creation time of that version when the blob was first written (not when
              the version became a previous version)"; ``daysAfterCreationGreaterThan`` is the
              only age condition for versions.
[AZ-SOFT]     learn.microsoft.com/azure/storage/blobs/soft-delete-blob-overview  retention 1-365
              days; "When soft delete is enabled, deleting a version creates a soft-deleted
              version" (restorable with Undelete Blob); lifecycle-management-policy-delete:
              "Lifecycle management policies that delete blobs in a storage account with
              soft-delete enabled will put the blob in a soft-deleted state."
[GCS-SOFT]    cloud.google.com/storage/docs/soft-delete  on by default, 7 days, every deleted or
              overwritten object (lifecycle deletions included) kept and billed for the
              retention; pulumi_gcp ``BucketSoftDeletePolicyArgs.retention_duration_seconds``:
              0 (off) or 604800-7776000 (7-90 days).
[S3-NCV-DAYS] docs.aws.amazon.com/AmazonS3/latest/API/API_NoncurrentVersionExpiration.html
              NoncurrentDays counts "the number of days an object is noncurrent"; a
              noncurrent version keeps the storage class it had when it was current.

Where the documentation left doubt (the checks take the conservative reading):
* whether a version soft-deleted on Azure (or GCS) is billed an early-deletion fee when it is
  soft-deleted or when it is purged: the checks ignore soft-delete days for the minimum;
* S3 and GCS keep a noncurrent version in the class it had when it was replaced (thrifty adds
  no noncurrent transitions), so the worst case is a version replaced the day it entered a
  class; Azure versions keep their tier too ("Set Blob Tier ... versions remain in the
  original tier", soft-delete-blob-overview).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.alias_generators import to_camel

from thrifty.tags import Environment

Cloud = Literal["aws", "gcp", "azure"]
CLOUDS: tuple[Cloud, ...] = ("aws", "gcp", "azure")

Tier = Literal["hot", "warm", "cold", "archive"]
#: Tiers from hottest to coldest; a rule may only move objects to the right.
TIERS: tuple[Tier, ...] = ("hot", "warm", "cold", "archive")
ColderTier = Literal["warm", "cold", "archive"]

#: A lifecycle age beyond which a rule is almost certainly a typo (100 years).
MAX_DAYS = 36_500
#: S3 keeps at most this many noncurrent versions in a NoncurrentVersionExpiration [S3-NCV].
MAX_KEEP_NEWEST = 100
#: S3's default transition floor: smaller objects do not transition [S3-128K].
S3_SMALL_OBJECT_BYTES = 128 * 1024

AwsStorageClass = Literal[
    "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"
]
GcsStorageClass = Literal["STANDARD", "NEARLINE", "COLDLINE", "ARCHIVE"]
AzureTier = Literal["Hot", "Cool", "Cold", "Archive"]
AzureSku = Literal[
    "Standard_LRS",
    "Standard_GRS",
    "Standard_RAGRS",
    "Standard_ZRS",
    "Standard_GZRS",
    "Standard_RAGZRS",
]

#: Minimum billable storage duration, in days, per storage class.
AWS_MIN_DAYS: Mapping[str, int] = {  # [S3-CLASSES]
    "STANDARD": 0,
    "STANDARD_IA": 30,
    "ONEZONE_IA": 30,
    "INTELLIGENT_TIERING": 0,
    "GLACIER_IR": 90,
    "GLACIER": 90,
    "DEEP_ARCHIVE": 180,
}
GCS_MIN_DAYS: Mapping[str, int] = {  # [GCS-CLASSES]
    "STANDARD": 0,
    "NEARLINE": 30,
    "COLDLINE": 90,
    "ARCHIVE": 365,
}
AZURE_MIN_DAYS: Mapping[str, int] = {  # [AZ-TIERS]
    "Hot": 0,
    "Cool": 30,
    "Cold": 90,
    "Archive": 180,
}
#: S3 classes a lifecycle rule may enter only once objects are at least 30 days old [S3-TRANS].
AWS_MIN_AGE_DAYS: Mapping[str, int] = {"STANDARD_IA": 30, "ONEZONE_IA": 30}
#: S3 classes that accept objects under 128 KB with ``varies_by_storage_class`` [S3-128K].
AWS_SMALL_OBJECT_CLASSES = frozenset({"GLACIER", "DEEP_ARCHIVE"})
#: Redundancy SKUs that have no archive tier [AZ-TIERS].
AZURE_NO_ARCHIVE_SKUS = frozenset({"Standard_ZRS", "Standard_GZRS", "Standard_RAGZRS"})

#: How each cloud counts a minimum duration: from the move into the tier, or from creation.
MinimumBasis = Literal["time_in_tier", "object_age"]
MINIMUM_BASIS: Mapping[Cloud, MinimumBasis] = {
    "aws": "time_in_tier",  # [S3-TRANS]
    "gcp": "object_age",  # [GCS-EARLY]
    "azure": "time_in_tier",  # [AZ-TIERS]
}
#: What a noncurrent version's deletion age counts from: the overwrite, or its first write.
VersionAgeBasis = Literal["noncurrent", "creation"]
VERSION_AGE_BASIS: Mapping[Cloud, VersionAgeBasis] = {
    "aws": "noncurrent",  # [S3-NCV-DAYS]
    "gcp": "noncurrent",  # [GCS-LC] daysSinceNoncurrentTime
    "azure": "creation",  # [AZ-LCM-VER]
}
#: GCS soft delete: off, or 7-90 days [GCS-SOFT]; its default (7) when nothing else undoes.
GCS_SOFT_DELETE_DAYS = (7, 90)
GCS_DEFAULT_SOFT_DELETE_DAYS = 7
#: Azure blob soft delete retention: 1-365 days, 0 here meaning off [AZ-SOFT].
AZURE_MAX_SOFT_DELETE_DAYS = 365


class StorageSpecError(ValueError):
    """A spec that a cloud rejects, bills unexpectedly, or that breaks a data-safety rule."""

    def __init__(self, subject: str, problems: list[str]) -> None:
        self.subject = subject
        self.problems = problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"{subject}: {len(problems)} problem(s) in the storage spec:\n{lines}")


class SpecModel(BaseModel):
    """Base for spec models: camelCase in config files, snake_case in Python, no unknown keys."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


class Transition(SpecModel):
    """Move current objects to a colder tier once they are ``after_days`` old."""

    tier: ColderTier
    after_days: int = Field(ge=0, le=MAX_DAYS)


class NoncurrentVersions(SpecModel):
    """What happens to versions that are no longer current (overwritten or deleted).

    The newest ``keep_newest`` noncurrent versions are kept whatever their age; the others are
    deleted once they have been noncurrent for ``delete_after_days``.
    """

    keep_newest: int = Field(default=0, ge=0, le=MAX_KEEP_NEWEST)  # [S3-NCV]
    delete_after_days: int = Field(ge=1, le=MAX_DAYS)  # [S3-NCV]: non-zero


class LifecycleRule(SpecModel):
    """One rule: a filter (prefix, object tags, size) and what happens to matching objects."""

    # Alphanumeric only: Azure rule names allow nothing else, S3 ids and GCS accept it.
    id: str = Field(pattern=r"^[A-Za-z0-9]{1,64}$")
    prefix: str | None = Field(default=None, min_length=1, max_length=1024)
    tags: dict[str, str] = Field(default_factory=dict, description="Object tags to match (AND).")
    object_size_greater_than: int | None = Field(default=None, ge=0)
    object_size_less_than: int | None = Field(default=None, ge=1)
    transitions: list[Transition] = Field(default_factory=list, max_length=3)
    expire_after_days: int | None = Field(default=None, ge=1, le=MAX_DAYS)
    noncurrent: NoncurrentVersions | None = None
    abort_multipart_after_days: int | None = Field(default=None, ge=1, le=MAX_DAYS)

    @field_validator("prefix")
    @classmethod
    def _relative_prefix(cls, value: str | None) -> str | None:
        if value is not None and value.startswith("/"):
            raise ValueError(f"prefix {value!r} must not start with '/' (keys have no leading /)")
        return value

    @model_validator(mode="after")
    def _shared_rules(self) -> LifecycleRule:
        where = f"rule {self.id!r}"
        if not (
            self.transitions
            or self.expire_after_days
            or self.noncurrent
            or self.abort_multipart_after_days
        ):
            raise ValueError(
                f"{where} does nothing: give it transitions, expireAfterDays, noncurrent or "
                "abortMultipartAfterDays"
            )
        previous_tier: Tier = "hot"
        previous_day = -1
        for index, step in enumerate(self.transitions):
            if TIERS.index(step.tier) <= TIERS.index(previous_tier):
                raise ValueError(
                    f"{where}: transitions[{index}] moves to {step.tier!r} after "
                    f"{previous_tier!r}; tiers only move colder (hot -> warm -> cold -> archive)"
                )
            if step.after_days <= previous_day:
                raise ValueError(
                    f"{where}: transitions[{index}] at day {step.after_days} is not after day "
                    f"{previous_day}; ages must strictly increase"
                )
            previous_tier, previous_day = step.tier, step.after_days
        if self.expire_after_days is not None and self.expire_after_days <= previous_day:
            raise ValueError(
                f"{where}: expireAfterDays {self.expire_after_days} must be after the last "
                f"transition (day {previous_day})"
            )
        low, high = self.object_size_greater_than, self.object_size_less_than
        if low is not None and high is not None and low >= high:
            raise ValueError(
                f"{where}: objectSizeGreaterThan {low} must be below objectSizeLessThan {high}"
            )
        for key in self.tags:
            if not key:
                raise ValueError(f"{where}: tag filter keys may not be empty")
        return self

    def stages(self) -> list[tuple[Tier, int]]:
        """``(tier, day entered)`` from creation (hot, day 0) through each transition."""
        return [("hot", 0), *((step.tier, step.after_days) for step in self.transitions)]


class IntelligentTiering(SpecModel):
    """S3 Intelligent-Tiering's optional archive tiers (days without access) [S3-IT]."""

    archive_access_days: int | None = Field(default=None, ge=90, le=730)
    deep_archive_access_days: int | None = Field(default=None, ge=180, le=730)

    @model_validator(mode="after")
    def _something_and_ordered(self) -> IntelligentTiering:
        archive, deep = self.archive_access_days, self.deep_archive_access_days
        if archive is None and deep is None:
            raise ValueError("set archiveAccessDays and/or deepArchiveAccessDays")
        if archive is not None and deep is not None and deep <= archive:
            raise ValueError(
                f"deepArchiveAccessDays {deep} must be greater than archiveAccessDays {archive}"
            )
        return self


class AwsOptions(SpecModel):
    """How tiers map onto S3 storage classes, and S3-only features."""

    warm_class: Literal["STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING"] = "STANDARD_IA"
    cold_class: Literal["GLACIER_IR", "GLACIER"] = "GLACIER_IR"
    archive_class: Literal["GLACIER", "DEEP_ARCHIVE"] = "DEEP_ARCHIVE"
    #: ``False`` keeps S3's default (objects under 128 KB never transition) [S3-128K].
    transition_small_objects: bool = False
    intelligent_tiering: IntelligentTiering | None = None

    def storage_class(self, tier: Tier) -> str:
        """The S3 storage class a tier maps to."""
        return {
            "hot": "STANDARD",
            "warm": self.warm_class,
            "cold": self.cold_class,
            "archive": self.archive_class,
        }[tier]


class GcpOptions(SpecModel):
    """GCS bucket settings beyond the lifecycle rules."""

    #: Soft delete retention in days: 0 (off) or 7-90 [GCS-SOFT]. ``None``: 0 on a versioned
    #: bucket (its noncurrent versions are the undo; soft delete would bill deleted data a
    #: second time), GCS's default of 7 otherwise. Never left to the bucket's default.
    soft_delete_days: int | None = None

    @field_validator("soft_delete_days")
    @classmethod
    def _gcs_range(cls, value: int | None) -> int | None:
        low, high = GCS_SOFT_DELETE_DAYS
        if value is not None and value != 0 and not low <= value <= high:
            raise ValueError(
                f"softDeleteDays {value}: GCS soft delete retention is 0 (off) or {low}-{high} "
                "days"
            )
        return value


class AzureOptions(SpecModel):
    """Azure account settings that change what the lifecycle policy may do."""

    sku: AzureSku = "Standard_LRS"
    #: Blob soft delete retention in days (0: off). Azure deletes previous versions by their
    #: creation age, so this is what keeps a lifecycle-deleted version restorable [AZ-SOFT].
    soft_delete_days: int = Field(default=0, ge=0, le=AZURE_MAX_SOFT_DELETE_DAYS)


#: Fixed tier -> class maps for the clouds that have one class per tier.
GCS_CLASSES: Mapping[Tier, GcsStorageClass] = {
    "hot": "STANDARD",
    "warm": "NEARLINE",
    "cold": "COLDLINE",
    "archive": "ARCHIVE",
}
AZURE_TIERS: Mapping[Tier, AzureTier] = {
    "hot": "Hot",
    "warm": "Cool",
    "cold": "Cold",
    "archive": "Archive",
}


class StorageSpec(SpecModel):
    """A bucket's lifecycle and safety settings, the same for S3, GCS and Azure Blob.

    ``expire_current_objects`` must be set for any rule to expire current objects: deleting
    live data is never a side effect of copying a rule. ``allow_early_deletion`` accepts rules
    that leave a tier before its minimum billable duration (the cloud then bills the rest).
    """

    rules: list[LifecycleRule] = Field(default_factory=list, max_length=100)
    versioning: bool = True
    expire_current_objects: bool = False
    allow_early_deletion: bool = False
    force_destroy: bool = False
    aws: AwsOptions = Field(default_factory=AwsOptions)
    gcp: GcpOptions = Field(default_factory=GcpOptions)
    azure: AzureOptions = Field(default_factory=AzureOptions)

    @model_validator(mode="after")
    def _shared_rules(self) -> StorageSpec:
        ids = [rule.id for rule in self.rules]
        duplicates = sorted({rule_id for rule_id in ids if ids.count(rule_id) > 1})
        if duplicates:
            raise ValueError(f"rule ids must be unique; repeated: {', '.join(duplicates)}")
        for rule in self.rules:
            if rule.noncurrent is not None and not self.versioning:
                raise ValueError(
                    f"rule {rule.id!r} cleans up noncurrent versions but versioning is off; "
                    "set versioning: true or drop noncurrent"
                )
            if rule.expire_after_days is not None and not self.expire_current_objects:
                raise ValueError(
                    f"rule {rule.id!r} expires current objects after {rule.expire_after_days} "
                    "days; deleting live data must be explicit: set expireCurrentObjects: true"
                )
        return self


StayEnd = Literal["transition", "expiration", "version-deletion"]


@dataclass(frozen=True)
class TierStay:
    """How long objects of one rule stay in one storage class, and what ends the stay.

    Days are object ages (day 0: the object is written). A ``version-deletion`` stay is the
    worst case for noncurrent versions: a version replaced the day it entered the class and
    deleted by the rule's noncurrent cleanup.
    """

    rule: str
    tier: Tier
    storage_class: str
    entered: int
    left: int
    left_by: StayEnd


def storage_class_for(spec: StorageSpec, cloud: Cloud, tier: Tier) -> str:
    """The provider's name for ``tier`` on ``cloud`` (S3 class, GCS class, Azure tier)."""
    if cloud == "aws":
        return spec.aws.storage_class(tier)
    if cloud == "gcp":
        return GCS_CLASSES[tier]
    return AZURE_TIERS[tier]


def minimum_days(cloud: Cloud, storage_class: str) -> int:
    """Minimum billable storage duration of a class on a cloud, in days."""
    table = {"aws": AWS_MIN_DAYS, "gcp": GCS_MIN_DAYS, "azure": AZURE_MIN_DAYS}[cloud]
    return table[storage_class]


def stays(spec: StorageSpec, cloud: Cloud) -> list[TierStay]:
    """Every finite stay of a rule's objects in a class: entered on one day, left on another."""
    result: list[TierStay] = []
    for rule in spec.rules:
        stages = rule.stages()
        for index, (tier, entered) in enumerate(stages):
            left_by: StayEnd
            if index + 1 < len(stages):
                left, left_by = stages[index + 1][1], "transition"
            elif rule.expire_after_days is not None:
                left, left_by = rule.expire_after_days, "expiration"
            else:
                continue
            result.append(
                TierStay(
                    rule.id, tier, storage_class_for(spec, cloud, tier), entered, left, left_by
                )
            )
    return result


def version_deleted_on(cloud: Cloud, entered: int, delete_after_days: int) -> int:
    """Object age at which a version replaced on day ``entered`` is deleted.

    S3 and GCS count ``delete_after_days`` from the replacement [S3-NCV-DAYS] [GCS-LC]; Azure
    counts it from the version's first write, so a version older than that goes at the next
    run, the day it was replaced [AZ-LCM-VER].
    """
    if VERSION_AGE_BASIS[cloud] == "noncurrent":
        return entered + delete_after_days
    return max(entered, delete_after_days)


def version_stays(spec: StorageSpec, cloud: Cloud) -> list[TierStay]:
    """For each class a rule's objects pass through, the shortest stay of a noncurrent version
    in it: replaced the day it entered the class (versions keep their class), then deleted."""
    result: list[TierStay] = []
    for rule in spec.rules:
        if rule.noncurrent is None:
            continue
        days = rule.noncurrent.delete_after_days
        for tier, entered in rule.stages():
            left = version_deleted_on(cloud, entered, days)
            storage_class = storage_class_for(spec, cloud, tier)
            result.append(
                TierStay(rule.id, tier, storage_class, entered, left, "version-deletion")
            )
    return result


def _counted_from(cloud: Cloud, stay: TierStay) -> int:
    """The day a class's minimum duration starts counting for ``stay`` [S3-TRANS] [GCS-EARLY]."""
    return stay.entered if MINIMUM_BASIS[cloud] == "time_in_tier" else 0


def _version_floor(cloud: Cloud, entered: int, minimum: int) -> int:
    """Smallest ``delete_after_days`` for which a version in a class entered on ``entered``
    stays ``minimum`` days (the inverse of :func:`version_deleted_on`)."""
    start = entered if MINIMUM_BASIS[cloud] == "time_in_tier" else 0
    needed = start + minimum  # the deletion day that meets the minimum
    if VERSION_AGE_BASIS[cloud] == "noncurrent":
        return max(1, needed - entered)
    return 1 if entered >= needed else needed


def noncurrent_days_floor(spec: StorageSpec, rule: LifecycleRule, cloud: Cloud) -> int:
    """The smallest ``noncurrent.delete_after_days`` for ``rule`` on ``cloud`` that deletes no
    version before the minimum duration of the class it sits in (at least 1)."""
    floors = (
        _version_floor(cloud, entered, minimum_days(cloud, storage_class_for(spec, cloud, tier)))
        for tier, entered in rule.stages()
    )
    return max(floors, default=1)


def early_deletion_problems(spec: StorageSpec, cloud: Cloud) -> list[str]:
    """Stays shorter than the class's minimum billable duration, with the days billed for nothing.

    On S3 and Azure the minimum counts from the move into the class, and moving on early is
    billed like deleting. On GCS it counts from object creation and lifecycle class changes
    are not billed, so only a deletion before the minimum (measured as object age) is
    [GCS-EARLY]. Noncurrent versions are judged at their worst case (:func:`version_stays`):
    deleting one early is billed the rest of the minimum anyway, so it saves nothing and only
    shortens the undo window.
    """
    problems: list[str] = []
    for stay in [*stays(spec, cloud), *version_stays(spec, cloud)]:
        minimum = minimum_days(cloud, stay.storage_class)
        if minimum == 0:
            continue
        if MINIMUM_BASIS[cloud] == "object_age" and stay.left_by == "transition":
            continue  # GCS: a lifecycle class change is no deletion
        held = stay.left - _counted_from(cloud, stay)
        if held < minimum:
            problems.append(_early_deletion_message(cloud, stay, minimum, held))
    return problems


def _early_deletion_message(cloud: Cloud, stay: TierStay, minimum: int, held: int) -> str:
    """What happens, what it costs and the smallest fix, for one early stay."""
    counted = "in the class" if MINIMUM_BASIS[cloud] == "time_in_tier" else "old"
    if stay.left_by == "version-deletion":
        what = (
            f"noncurrent versions in {stay.storage_class} ({stay.tier}, entered on day "
            f"{stay.entered}) can be deleted on day {stay.left}"
        )
        each = "such version"
        fix = (
            f"Set noncurrent.deleteAfterDays to {_version_floor(cloud, stay.entered, minimum)} "
            "or more"
        )
    else:
        verb = "expired" if stay.left_by == "expiration" else "moved on"
        what = (
            f"objects enter {stay.storage_class} ({stay.tier}) on day {stay.entered} and are "
            f"{verb} on day {stay.left}"
        )
        each = "object"
        fix = f"Move that step to day {_counted_from(cloud, stay) + minimum} or later"
    return (
        f"{cloud}: rule {stay.rule!r}: {what}, {held} days {counted}; {stay.storage_class} "
        f"bills at least {minimum} days, so each {each} is billed {minimum - held} extra days "
        f"(early deletion). {fix}, or set allowEarlyDeletion: true to accept the charge"
    )


def gcs_soft_delete_days(spec: StorageSpec) -> int:
    """The GCS soft delete retention a bucket gets: the spec's, else 0 when versioned (the
    noncurrent versions already undo deletes), else GCS's default of 7 [GCS-SOFT]."""
    if spec.gcp.soft_delete_days is not None:
        return spec.gcp.soft_delete_days
    return 0 if spec.versioning else GCS_DEFAULT_SOFT_DELETE_DAYS


def undo_window_days(spec: StorageSpec, rule: LifecycleRule, cloud: Cloud) -> int | None:
    """Fewest days an object that ``rule`` covers stays recoverable after it is overwritten or
    deleted (``None``: versions are never cleaned up, so always).

    S3 and GCS delete a version ``delete_after_days`` after the overwrite (plus GCS soft
    delete). Azure counts from the version's first write [AZ-LCM-VER]: only an expiry of current
    objects before that day bounds a version's age at overwrite, and blob soft delete keeps a
    deleted version restorable for its retention [AZ-SOFT].
    """
    if rule.noncurrent is None or not spec.versioning:
        return None
    days = rule.noncurrent.delete_after_days
    if cloud == "aws":
        return days
    if cloud == "gcp":
        return days + gcs_soft_delete_days(spec)
    expiry = rule.expire_after_days
    lifecycle = days - expiry if expiry is not None and days > expiry else 0
    return lifecycle + spec.azure.soft_delete_days


def _aws_problems(spec: StorageSpec) -> list[str]:
    problems: list[str] = []
    options = spec.aws
    for rule in spec.rules:
        for step in rule.transitions:
            storage_class = options.storage_class(step.tier)
            floor = AWS_MIN_AGE_DAYS.get(storage_class)
            if floor is not None and step.after_days < floor:
                problems.append(
                    f"aws: rule {rule.id!r}: transition to {storage_class} ({step.tier}) on day "
                    f"{step.after_days}; S3 moves objects to {storage_class} only once they are "
                    f"at least {floor} days old [S3 lifecycle transition constraints]"
                )
        ceiling = rule.object_size_less_than
        if rule.transitions and ceiling is not None and ceiling <= S3_SMALL_OBJECT_BYTES:
            classes = [options.storage_class(step.tier) for step in rule.transitions]
            if options.transition_small_objects:
                stuck = [name for name in classes if name not in AWS_SMALL_OBJECT_CLASSES]
            else:
                stuck = classes
            if stuck:
                problems.append(
                    f"aws: rule {rule.id!r} only matches objects under {ceiling} bytes, and S3 "
                    f"does not transition objects under 128 KB to {', '.join(stuck)}"
                    + (
                        " (only GLACIER and DEEP_ARCHIVE accept them)"
                        if options.transition_small_objects
                        else " by default; set aws.transitionSmallObjects: true for GLACIER / "
                        "DEEP_ARCHIVE"
                    )
                )
    return problems


def _gcp_problems(spec: StorageSpec) -> list[str]:
    return [
        f"gcp: rule {rule.id!r} filters on object tags {sorted(rule.tags)}; GCS lifecycle "
        "conditions cannot match object tags (use prefix instead)"
        for rule in spec.rules
        if rule.tags
    ]


def _azure_problems(spec: StorageSpec) -> list[str]:
    problems: list[str] = []
    sku = spec.azure.sku
    for rule in spec.rules:
        if sku in AZURE_NO_ARCHIVE_SKUS and any(s.tier == "archive" for s in rule.transitions):
            problems.append(
                f"azure: rule {rule.id!r} moves blobs to Archive, but {sku} accounts have no "
                "archive tier (Archive supports LRS, GRS and RA-GRS only); pick one of those "
                "SKUs or stop at cold"
            )
        if rule.object_size_greater_than is not None or rule.object_size_less_than is not None:
            problems.append(
                f"azure: rule {rule.id!r} filters on object size; Azure lifecycle management "
                "has no size filter"
            )
        if rule.noncurrent is not None and rule.noncurrent.keep_newest:
            problems.append(
                f"azure: rule {rule.id!r} keeps the newest {rule.noncurrent.keep_newest} "
                "noncurrent versions; Azure lifecycle management can only delete previous "
                "versions by age (no version-count condition). Set noncurrent.keepNewest: 0 "
                "to delete them by age alone"
            )
        if rule.noncurrent is not None and undo_window_days(spec, rule, "azure") == 0:
            days = rule.noncurrent.delete_after_days
            problems.append(
                f"azure: rule {rule.id!r} deletes previous versions {days} days after they were "
                "first written (Azure counts a version's age from its creation, not from the "
                f"overwrite), so a blob older than {days} days loses its previous version at the "
                "next run: no undo window. Set azure.softDeleteDays (1-365) to keep deleted "
                f"versions restorable, or expire current objects before day {days}"
            )
    return problems


_CLOUD_CHECKS = {"aws": _aws_problems, "gcp": _gcp_problems, "azure": _azure_problems}


def safety_problems(spec: StorageSpec, environment: Environment) -> list[str]:
    """Data-safety rules that depend on the environment (DESIGN.md "Data safety")."""
    problems: list[str] = []
    if environment == "production":
        if not spec.versioning:
            problems.append("production buckets must be versioned; set versioning: true")
        if spec.force_destroy:
            problems.append("production buckets are never force-destroyed; set forceDestroy: false")
    return problems


def check_for_cloud(spec: StorageSpec, cloud: Cloud, *, environment: Environment) -> list[str]:
    """Every problem ``spec`` has on ``cloud`` in ``environment`` (empty list: deployable)."""
    problems = safety_problems(spec, environment)
    problems.extend(_CLOUD_CHECKS[cloud](spec))
    if not spec.allow_early_deletion:
        problems.extend(early_deletion_problems(spec, cloud))
    return problems


def unique_name(
    readable: str, identity: Sequence[str], *, max_length: int, suffix_length: int = 8
) -> str:
    """A physical name: ``readable`` (lowercase letters and digits, cut to fit) and a suffix
    hashed from it and ``identity``, so the same inputs always give the same name and a
    different scope (subscription, group ...) a different one.

    What AWS and GCS buckets get from Pulumi's auto-naming (``<name>-<random>``, kept in the
    state) for names that must be known before the resource exists and cannot hold a hyphen
    (Azure storage accounts). A hash is unique with high probability, not by guarantee: the
    cloud still refuses a name that is taken, and an explicit name is the way out.
    """
    if max_length <= suffix_length:
        raise ValueError(
            f"max_length {max_length} leaves no room for a readable part before the "
            f"{suffix_length}-character suffix"
        )
    digest = hashlib.sha256("\x1f".join((readable, *identity)).encode()).hexdigest()
    cleaned = re.sub(r"[^a-z0-9]", "", readable.lower())
    return cleaned[: max_length - suffix_length] + digest[:suffix_length]


def validate_for_cloud(
    spec: StorageSpec, cloud: Cloud, *, environment: Environment, subject: str
) -> None:
    """Raise :class:`StorageSpecError` listing every problem, or return when there is none."""
    problems = check_for_cloud(spec, cloud, environment=environment)
    if problems:
        raise StorageSpecError(subject, problems)


__all__ = [
    "AWS_MIN_AGE_DAYS",
    "AWS_MIN_DAYS",
    "AZURE_MAX_SOFT_DELETE_DAYS",
    "AZURE_MIN_DAYS",
    "AZURE_NO_ARCHIVE_SKUS",
    "AZURE_TIERS",
    "CLOUDS",
    "GCS_CLASSES",
    "GCS_DEFAULT_SOFT_DELETE_DAYS",
    "GCS_MIN_DAYS",
    "GCS_SOFT_DELETE_DAYS",
    "MINIMUM_BASIS",
    "S3_SMALL_OBJECT_BYTES",
    "TIERS",
    "VERSION_AGE_BASIS",
    "AwsOptions",
    "AzureOptions",
    "Cloud",
    "GcpOptions",
    "IntelligentTiering",
    "LifecycleRule",
    "NoncurrentVersions",
    "StayEnd",
    "StorageSpec",
    "StorageSpecError",
    "Tier",
    "TierStay",
    "Transition",
    "check_for_cloud",
    "early_deletion_problems",
    "gcs_soft_delete_days",
    "minimum_days",
    "noncurrent_days_floor",
    "safety_problems",
    "stays",
    "storage_class_for",
    "undo_window_days",
    "unique_name",
    "validate_for_cloud",
    "version_deleted_on",
    "version_stays",
]
