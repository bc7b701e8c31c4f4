"""Presets for the guide's data ("Storage Costs"): plain specs to use as they are or copy.

Each function returns a fresh :class:`StorageSpec`; change it with ``model_copy(update=...)``
or write your own from the same models. Every preset is valid on S3, GCS and Azure with the
default options (Azure: ``model_artifacts(keep_newest=0)``, see below), in every environment,
without ``allow_early_deletion``: the ages respect each class's minimum billable duration.

Version cleanup waits for two things: the preset's undo window (how long an overwritten or
deleted object stays recoverable) and the minimum duration of the class a version may sit in,
because deleting it earlier is billed the rest of the minimum anyway (it saves nothing and
throws the undo away). That second bound differs per cloud (S3 counts from the overwrite and
the move into the class, GCS from creation, Azure deletes a version by its creation age), so
pass ``cloud=`` for the smallest retention that cloud allows; without it a preset takes the
largest, valid everywhere (see :func:`thrifty.storage.spec.noncurrent_days_floor`).

Soft delete is set on purpose: GCS soft delete is off (the noncurrent versions are the undo;
soft delete would bill every deleted version again for a week); Azure blob soft delete keeps
7 days, because Azure deletes a previous version by its creation age, so a blob older than the
retention loses its old version at the next run and soft delete is the only undo left.

* ``data_lake``: raw data that cools over months (warm 30 d, cold 90 d, archive 365 d); old
  versions kept 30 days and until their class's minimum (S3 180, GCS 30, Azure 545 days);
  uploads abandoned for 7 days are cleaned up.
* ``model_artifacts``: the guide's "Model Versioning" and "Artifact Cleanup": the current
  model and the newest 3 previous versions are kept, older versions go after 30 days
  noncurrent (Azure: 90, by creation age); artifacts cool to warm after 60 days. Azure cannot
  count versions, so there use ``model_artifacts(keep_newest=0)``.
* ``logs``: short retention: warm at 30 days, deleted at 90 (``expire_current_objects``).
* ``archive``: compliance archive: straight to the archive tier, kept until
  ``retention_days`` (no expiry unless given); overwritten versions go after a year.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from thrifty.storage.spec import (
    CLOUDS,
    AzureOptions,
    Cloud,
    GcpOptions,
    LifecycleRule,
    NoncurrentVersions,
    StorageSpec,
    Transition,
    noncurrent_days_floor,
)

PresetName = Literal["data_lake", "model_artifacts", "logs", "archive"]

#: Days after which an incomplete multipart upload is abandoned (S3 and GCS; Azure discards
#: uncommitted blocks itself).
ABORT_MULTIPART_DAYS = 7
#: Azure blob soft delete of every preset (the undo window after a version is deleted).
AZURE_SOFT_DELETE_DAYS = 7


def _preset(
    rule: LifecycleRule,
    *,
    undo_days: int,
    keep_newest: int = 0,
    cloud: Cloud | None,
    expire_current_objects: bool = False,
) -> StorageSpec:
    """A versioned spec of one rule whose noncurrent versions are kept ``undo_days`` and at
    least until the minimum duration of their class on ``cloud`` (every cloud when None)."""
    draft = StorageSpec(
        rules=[rule],
        versioning=True,
        expire_current_objects=expire_current_objects,
        gcp=GcpOptions(soft_delete_days=0),
        azure=AzureOptions(soft_delete_days=AZURE_SOFT_DELETE_DAYS),
    )
    clouds = CLOUDS if cloud is None else (cloud,)
    days = max(undo_days, *(noncurrent_days_floor(draft, rule, each) for each in clouds))
    noncurrent = NoncurrentVersions(keep_newest=keep_newest, delete_after_days=days)
    final = LifecycleRule.model_validate({**rule.model_dump(), "noncurrent": noncurrent})
    return StorageSpec.model_validate({**draft.model_dump(), "rules": [final]})


def data_lake(*, undo_days: int = 30, cloud: Cloud | None = None) -> StorageSpec:
    """Raw data that cools over months and is kept (no expiry of current objects)."""
    return _preset(
        LifecycleRule(
            id="tiering",
            transitions=[
                Transition(tier="warm", after_days=30),
                Transition(tier="cold", after_days=90),
                Transition(tier="archive", after_days=365),
            ],
            abort_multipart_after_days=ABORT_MULTIPART_DAYS,
        ),
        undo_days=undo_days,
        cloud=cloud,
    )


def model_artifacts(
    *, keep_newest: int = 3, undo_days: int = 30, cloud: Cloud | None = None
) -> StorageSpec:
    """Versioned artifacts: keep the newest versions, clean up the rest (guide: Model Storage)."""
    return _preset(
        LifecycleRule(
            id="artifacts",
            transitions=[Transition(tier="warm", after_days=60)],
            abort_multipart_after_days=ABORT_MULTIPART_DAYS,
        ),
        undo_days=undo_days,
        keep_newest=keep_newest,
        cloud=cloud,
    )


def logs(
    *, retention_days: int = 90, undo_days: int = 7, cloud: Cloud | None = None
) -> StorageSpec:
    """Short-lived logs: warm after 30 days, deleted after ``retention_days``."""
    return _preset(
        LifecycleRule(
            id="retention",
            transitions=[Transition(tier="warm", after_days=30)],
            expire_after_days=retention_days,
            abort_multipart_after_days=1,
        ),
        undo_days=undo_days,
        cloud=cloud,
        expire_current_objects=True,
    )


def archive(
    *, retention_days: int | None = None, undo_days: int = 365, cloud: Cloud | None = None
) -> StorageSpec:
    """Compliance archive: archive tier from day 0; expired only when ``retention_days`` is set."""
    return _preset(
        LifecycleRule(
            id="archive",
            transitions=[Transition(tier="archive", after_days=0)],
            expire_after_days=retention_days,
            abort_multipart_after_days=ABORT_MULTIPART_DAYS,
        ),
        undo_days=undo_days,
        cloud=cloud,
        expire_current_objects=retention_days is not None,
    )


PRESETS: dict[PresetName, Callable[..., StorageSpec]] = {
    "data_lake": data_lake,
    "model_artifacts": model_artifacts,
    "logs": logs,
    "archive": archive,
}


def preset(name: PresetName, *, cloud: Cloud | None = None) -> StorageSpec:
    """The preset called ``name`` with its default parameters, for ``cloud`` when given."""
    return PRESETS[name](cloud=cloud)


__all__ = [
    "ABORT_MULTIPART_DAYS",
    "AZURE_SOFT_DELETE_DAYS",
    "PRESETS",
    "PresetName",
    "archive",
    "data_lake",
    "logs",
    "model_artifacts",
    "preset",
]
