"""What every cloud's foundation shares: its arguments and the naming scheme.

Imports no provider SDK, so the CLI and the policies can use the naming without the clouds.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from thrifty.tags import CostTags, Environment

#: Short environment names keep cloud resource names within their length limits.
ENVIRONMENT_SHORT: dict[Environment, str] = {
    "development": "dev",
    "staging": "stg",
    "production": "prd",
}


def resource_prefix(tags: CostTags) -> str:
    """``<project>-<env>``: the prefix of every physical name thrifty gives a resource."""
    return f"{tags.project}-{ENVIRONMENT_SHORT[tags.environment]}"


class FoundationArgs(BaseModel):
    """Inputs of a foundation: where the environment lives and how its resources are tagged."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    tags: CostTags
    region: str = Field(min_length=1, description="Cloud region / location of the environment.")
    gcp_project: str | None = Field(default=None, description="GCP project id (GCP only).")
    azure_subscription_id: str | None = Field(
        default=None, description="Azure subscription (Azure only; the provider's default else)."
    )

    @property
    def prefix(self) -> str:
        return resource_prefix(self.tags)
