"""``thrifty:storage`` in a stack file: named buckets, each a preset plus optional overrides.

```yaml
thrifty:storage:
  buckets:
    data-lake: {preset: data_lake}
    model-artifacts: {preset: model_artifacts, keepNewestVersions: 5}
```

Keys are camelCase like the rest of the environment config; unknown keys are errors. Shape
errors surface through pydantic with their path; :meth:`StorageConfig.problems` adds what
depends on the stack's cloud and environment (the per-cloud spec checks), each prefixed with
the key's path, so the environment loader can report them with everything else at once.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, ValidationError, model_validator

from thrifty.storage.presets import PresetName, preset
from thrifty.storage.spec import (
    AwsOptions,
    AzureOptions,
    Cloud,
    GcpOptions,
    LifecycleRule,
    SpecModel,
    StorageSpec,
    check_for_cloud,
)
from thrifty.tags import Environment

#: Logical bucket names: they become resource names and (Azure) container names.
BUCKET_KEY_PATTERN = r"^[a-z][a-z0-9-]{1,40}[a-z0-9]$"

_OVERRIDES = (
    "rules",
    "versioning",
    "expire_current_objects",
    "allow_early_deletion",
    "force_destroy",
    "aws",
    "gcp",
    "azure",
)


class BucketConfig(SpecModel):
    """One bucket: a preset and/or explicit rules, plus overrides of the spec's fields."""

    preset: PresetName | None = None
    #: Physical name: S3 / GCS bucket name, Azure container name (default: derived).
    bucket_name: str | None = Field(default=None, min_length=3, max_length=63)
    #: Azure only: the storage account name (default: derived from project, env and bucket).
    account_name: str | None = Field(default=None, pattern=r"^[a-z0-9]{3,24}$")
    #: Override ``noncurrent.keep_newest`` in every rule (``0`` on Azure).
    keep_newest_versions: int | None = Field(default=None, ge=0, le=100)
    rules: list[LifecycleRule] | None = None
    versioning: bool | None = None
    expire_current_objects: bool | None = None
    allow_early_deletion: bool | None = None
    force_destroy: bool | None = None
    aws: AwsOptions | None = None
    gcp: GcpOptions | None = None
    azure: AzureOptions | None = None

    @model_validator(mode="after")
    def _buildable(self) -> BucketConfig:
        if self.preset is None and self.rules is None:
            raise ValueError("set preset (data_lake, model_artifacts, logs, archive) or rules")
        self.spec()
        return self

    def spec(self, cloud: Cloud | None = None) -> StorageSpec:
        """The preset (for ``cloud``, see :mod:`thrifty.storage.presets`) with the overrides
        applied, validated as a whole. A cloud's options override only the keys given, so
        ``azure: {sku: ...}`` keeps the preset's soft delete."""
        data: dict[str, Any] = preset(self.preset, cloud=cloud).model_dump() if self.preset else {}
        for field in _OVERRIDES:
            value = getattr(self, field)
            if isinstance(value, SpecModel):
                data[field] = {**data.get(field, {}), **value.model_dump(exclude_unset=True)}
            elif value is not None:
                data[field] = value
        if self.rules is not None:
            data["rules"] = [rule.model_dump() for rule in self.rules]
        if self.keep_newest_versions is not None:
            for rule in data.get("rules", []):
                if rule.get("noncurrent"):
                    rule["noncurrent"]["keep_newest"] = self.keep_newest_versions
        try:
            return StorageSpec.model_validate(data)
        except ValidationError as error:
            messages = "; ".join(
                str(detail["msg"]).removeprefix("Value error, ") for detail in error.errors()
            )
            raise ValueError(messages) from None


class StorageConfig(SpecModel):
    """``thrifty:storage``: the buckets a stack creates, by logical name."""

    buckets: dict[str, BucketConfig] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _bucket_keys(self) -> StorageConfig:
        bad = [key for key in self.buckets if not re.match(BUCKET_KEY_PATTERN, key)]
        if bad:
            raise ValueError(
                f"bucket names {bad} must be 3-42 characters of lowercase letters, digits and "
                "hyphens, starting with a letter"
            )
        return self

    def specs(self, cloud: Cloud | None = None) -> dict[str, StorageSpec]:
        """Logical name -> the bucket's resolved spec (presets for ``cloud`` when given)."""
        return {name: bucket.spec(cloud) for name, bucket in self.buckets.items()}

    def problems(self, *, cloud: Cloud, environment: Environment) -> list[str]:
        """Every per-cloud / per-environment problem, prefixed with its config path."""
        return [
            f"thrifty:storage.buckets.{name}: {problem}"
            for name, spec in self.specs(cloud).items()
            for problem in check_for_cloud(spec, cloud, environment=environment)
        ]


__all__ = ["BUCKET_KEY_PATTERN", "BucketConfig", "StorageConfig"]
