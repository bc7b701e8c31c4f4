"""Presets for the guide's data ("Storage Costs"): plain specs to use as they are or copy.

Each function returns a fresh :class:`StorageSpec`; change it with ``model_copy(update=...)``
or write your own from the same models. Every preset is valid on S3, GCS and Azure with the
default options (Azure: ``model_artifacts(keep_newest=0)``, see below), in every environment,
without ``allow_early_deletion``: the ages respect each class's minimum billable duration.

* ``data_lake``: raw data that cools over months (warm 30 d, cold 90 d, archive 365 d); old
  versions go after 30 days; uploads abandoned for 7 days are cleaned up.
* ``model_artifacts``: the guide's "Model Versioning" and "Artifact Cleanup": the current
  model and the newest 3 previous versions are kept, older versions go after 30 days
  noncurrent; artifacts cool to warm after 60 days. Azure cannot count versions, so there use
  ``model_artifacts(keep_newest=0)`` (previous versions then go by age alone).
* ``logs``: short retention: warm at 30 days, deleted at 90 (``expire_current_objects``).
* ``archive``: compliance archive: straight to the archive tier, kept until
  ``retention_days`` (no expiry unless given); overwritten versions go after a year.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from thrifty.storage.spec import LifecycleRule, NoncurrentVersions, StorageSpec, Transition

PresetName = Literal["data_lake", "model_artifacts", "logs", "archive"]

#: Days after which an incomplete multipart upload is abandoned (S3 and GCS; Azure discards
#: uncommitted blocks itself).
ABORT_MULTIPART_DAYS = 7


def data_lake() -> StorageSpec:
    """Raw data that cools over months and is kept (no expiry of current objects)."""
    return StorageSpec(
        rules=[
            LifecycleRule(
                id="tiering",
                transitions=[
                    Transition(tier="warm", after_days=30),
                    Transition(tier="cold", after_days=90),
                    Transition(tier="archive", after_days=365),
                ],
                noncurrent=NoncurrentVersions(keep_newest=0, delete_after_days=30),
                abort_multipart_after_days=ABORT_MULTIPART_DAYS,
            )
        ],
        versioning=True,
    )


def model_artifacts(*, keep_newest: int = 3, delete_after_days: int = 30) -> StorageSpec:
    """Versioned artifacts: keep the newest versions, clean up the rest (guide: Model Storage)."""
    return StorageSpec(
        rules=[
            LifecycleRule(
                id="artifacts",
                transitions=[Transition(tier="warm", after_days=60)],
                noncurrent=NoncurrentVersions(
                    keep_newest=keep_newest, delete_after_days=delete_after_days
                ),
                abort_multipart_after_days=ABORT_MULTIPART_DAYS,
            )
        ],
        versioning=True,
    )


def logs(*, retention_days: int = 90) -> StorageSpec:
    """Short-lived logs: warm after 30 days, deleted after ``retention_days``."""
    return StorageSpec(
        rules=[
            LifecycleRule(
                id="retention",
                transitions=[Transition(tier="warm", after_days=30)],
                expire_after_days=retention_days,
                noncurrent=NoncurrentVersions(keep_newest=0, delete_after_days=7),
                abort_multipart_after_days=1,
            )
        ],
        versioning=True,
        expire_current_objects=True,
    )


def archive(*, retention_days: int | None = None) -> StorageSpec:
    """Compliance archive: archive tier from day 0; expired only when ``retention_days`` is set."""
    return StorageSpec(
        rules=[
            LifecycleRule(
                id="archive",
                transitions=[Transition(tier="archive", after_days=0)],
                expire_after_days=retention_days,
                noncurrent=NoncurrentVersions(keep_newest=0, delete_after_days=365),
                abort_multipart_after_days=ABORT_MULTIPART_DAYS,
            )
        ],
        versioning=True,
        expire_current_objects=retention_days is not None,
    )


PRESETS: dict[PresetName, Callable[[], StorageSpec]] = {
    "data_lake": data_lake,
    "model_artifacts": model_artifacts,
    "logs": logs,
    "archive": archive,
}


def preset(name: PresetName) -> StorageSpec:
    """The preset called ``name`` with its default parameters."""
    return PRESETS[name]()


__all__ = [
    "ABORT_MULTIPART_DAYS",
    "PRESETS",
    "PresetName",
    "archive",
    "data_lake",
    "logs",
    "model_artifacts",
    "preset",
]
