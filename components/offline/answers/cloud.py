"""The pretend account a plan runs against: region, account and project ids, nothing real.

Every answer (invoke results, computed outputs) is shaped by these few values, read once from
the stack's config, so a plan of a ``us-central1`` stack talks about ``us-central1`` zones.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from thrifty.offline.answers.values import mapping, plain, string_map

MOCK_AWS_ACCOUNT = "123456789012"
MOCK_AZURE_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
MOCK_AZURE_TENANT = "11111111-1111-1111-1111-111111111111"
MOCK_GCP_PROJECT_NUMBER = "123456789"
# A syntactically valid, non-secret certificate body; nothing verifies it offline.
MOCK_CA_DATA = base64.b64encode(b"-----BEGIN CERTIFICATE-----\noffline\n").decode()

#: Where a stack's config names the region, in order of preference.
_REGION_KEYS = ("thrifty:region", "aws:region", "gcp:region", "azure-native:location")


@dataclass(frozen=True)
class OfflineCloud:
    """The values every answer is built from (all fake, all deterministic)."""

    region: str = "us-east-1"
    gcp_project: str = "offline-project"
    azure_subscription: str = MOCK_AZURE_SUBSCRIPTION
    #: The default AWS provider's ``aws:defaultTags`` (explicit providers carry their own).
    aws_default_tags: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> OfflineCloud:
        """Pick region and ids from a stack's config map (``ns:key -> value``)."""
        region = next((str(config[key]) for key in _REGION_KEYS if key in config), "us-east-1")
        gcp_project = str(config.get("thrifty:gcpProject", config.get("gcp:project", "offline")))
        subscription = str(config.get("thrifty:azureSubscriptionId", MOCK_AZURE_SUBSCRIPTION))
        default_tags = string_map(_tags_of_default_tags(config.get("aws:defaultTags"))) or {}
        return cls(region, gcp_project, subscription, default_tags)

    def zones(self, cloud: str) -> list[str]:
        """Three availability zones named the way ``cloud`` names them."""
        if cloud == "gcp":
            return [f"{self.region}-a", f"{self.region}-b", f"{self.region}-c"]
        if cloud == "azure":
            return ["1", "2", "3"]
        return [f"{self.region}a", f"{self.region}b", f"{self.region}c"]


def _tags_of_default_tags(value: object) -> object:
    """``aws:defaultTags`` (and a provider's ``defaultTags``) is ``{"tags": {...}}`` as JSON."""
    return mapping(value).get("tags")


def provider_default_tags(inputs: Mapping[str, object]) -> dict[str, str] | None:
    """The default tags an ``aws`` provider resource applies: ``{}`` when it sets none, None
    when they are not known (unknown during preview, or a shape that is not a map)."""
    if plain(inputs.get("defaultTags")) is None:
        return None if "defaultTags" in inputs else {}
    tags = _tags_of_default_tags(inputs.get("defaultTags"))
    return {} if tags is None else string_map(tags)


#: An invoke's answer: (cloud, the call's wire arguments) -> result fields (wire names).
InvokeAnswer = Callable[[OfflineCloud, Mapping[str, Any]], dict[str, Any]]
#: Outputs a provider computes for one type: (cloud, logical name, state so far) -> outputs.
ComputedOutputs = Callable[[OfflineCloud, str, Mapping[str, Any]], dict[str, Any]]
