"""``thrifty:caps`` and the base of every config section, in a module of their own.

The policy pack reads its default caps from :class:`CapsConfig` at start-up; importing it from
here, not from :mod:`thrifty.config` (which pulls in every component spec and the pricing
catalog), keeps the pack's cold start small. :mod:`thrifty.config` re-exports both.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel


class ConfigModel(BaseModel):
    """Base for config sections: camelCase keys, unknown keys rejected, immutable."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


class CapsConfig(ConfigModel):
    """``thrifty:caps``: the sizes this environment may use (components and policies read them).

    Defaults are generous enough for production; dev stacks tighten them in their own file.
    """

    max_node_vcpus: int = Field(default=32, ge=1, le=448)
    max_node_memory_gib: float = Field(default=128, gt=0, le=24576)
    max_nodes_per_pool: int = Field(default=20, ge=1, le=1000)
    max_nodes_per_cluster: int = Field(default=50, ge=1, le=5000)
    max_disk_gib: int = Field(default=200, ge=10, le=65536)
    allow_gpu: bool = False

    @model_validator(mode="after")
    def _pool_within_cluster(self) -> CapsConfig:
        if self.max_nodes_per_pool > self.max_nodes_per_cluster:
            raise ValueError(
                f"maxNodesPerPool {self.max_nodes_per_pool} exceeds maxNodesPerCluster "
                f"{self.max_nodes_per_cluster}"
            )
        return self


__all__ = ["CapsConfig", "ConfigModel"]
