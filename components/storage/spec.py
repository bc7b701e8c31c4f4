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
  (minimum storage durations, S3's 30-day rule for the IA classes and its 128 KB transition
  floor, what each lifecycle engine can filter on, which Azure SKUs have no archive tier), and
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
"""

from __future__ import annotations

from collections.abc import Mapping
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


class AzureOptions(SpecModel):
    """Azure account settings that change what the lifecycle policy may do."""

    sku: AzureSku = "Standard_LRS"


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


@dataclass(frozen=True)
class TierStay:
    """How long objects of one rule stay in one storage class, and what ends the stay."""

    rule: str
    tier: Tier
    storage_class: str
    entered: int
    left: int
    left_by: Literal["transition", "expiration"]


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
            left_by: Literal["transition", "expiration"]
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


def early_deletion_problems(spec: StorageSpec, cloud: Cloud) -> list[str]:
    """Stays shorter than the class's minimum billable duration, with the days billed for nothing.

    On S3 and Azure the minimum counts from the move into the class, and moving on early is
    billed like deleting. On GCS it counts from object creation and lifecycle class changes
    are not billed, so only an expiry before the minimum (measured as object age) is [GCS-EARLY].
    """
    problems: list[str] = []
    basis = MINIMUM_BASIS[cloud]
    for stay in stays(spec, cloud):
        minimum = minimum_days(cloud, stay.storage_class)
        if minimum == 0:
            continue
        if basis == "object_age":
            if stay.left_by != "expiration" or stay.left >= minimum:
                continue
            held, counted = stay.left, "old"
        else:
            held, counted = stay.left - stay.entered, "in the class"
            if held >= minimum:
                continue
        verb = "expired" if stay.left_by == "expiration" else "moved on"
        fix_day = (stay.entered if basis == "time_in_tier" else 0) + minimum
        problems.append(
            f"{cloud}: rule {stay.rule!r}: objects enter {stay.storage_class} ({stay.tier}) on "
            f"day {stay.entered} and are {verb} on day {stay.left}, {held} days {counted}; "
            f"{stay.storage_class} bills at least {minimum} days, so each object is billed "
            f"{minimum - held} extra days (early deletion). Move that step to day {fix_day} or "
            "later, or set allowEarlyDeletion: true to accept the charge"
        )
    return problems


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
    "AZURE_MIN_DAYS",
    "AZURE_NO_ARCHIVE_SKUS",
    "AZURE_TIERS",
    "CLOUDS",
    "GCS_CLASSES",
    "GCS_MIN_DAYS",
    "MINIMUM_BASIS",
    "S3_SMALL_OBJECT_BYTES",
    "TIERS",
    "AwsOptions",
    "AzureOptions",
    "Cloud",
    "IntelligentTiering",
    "LifecycleRule",
    "NoncurrentVersions",
    "StorageSpec",
    "StorageSpecError",
    "Tier",
    "TierStay",
    "Transition",
    "check_for_cloud",
    "early_deletion_problems",
    "minimum_days",
    "safety_problems",
    "stays",
    "storage_class_for",
    "validate_for_cloud",
]
