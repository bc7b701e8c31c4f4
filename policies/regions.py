"""region-affinity: a stack's storage and compute live in one region (the guide: "Keep data and
compute in same region"), because traffic between regions is billed per GB.

A resource's region is its own ``region`` / ``location`` / ``zone`` (AWS v7 resources take
``region``; GCP zones map to their region; Azure locations are normalised, ``East US`` =
``eastus``), else its provider's ``region`` / ``location``. The expected region is the
configured one or, when unset, the region most storage and compute resources use.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from pydantic import Field

from thrifty.policies.compute import NODE_GROUP_READERS, cloud_of
from thrifty.policies.core import Finding, Resource, collecting, get_str, violation
from thrifty.policies.lifecycle import BUCKETS
from thrifty.policies.policy_config import PolicyConfig

#: Types whose placement decides where data sits or where it is processed.
PLACED_TYPES = frozenset(
    {
        *NODE_GROUP_READERS,
        *BUCKETS,
        "aws:eks/cluster:Cluster",
        "aws:ebs/volume:Volume",
        "gcp:compute/disk:Disk",
        "azure-native:compute:Disk",
    }
)

_GCP_ZONE = re.compile(r"^([a-z]+-[a-z]+\d+)-[a-z]$")


def normalise_region(region: str) -> str:
    """One spelling per region: lower case, no spaces, GCP zones mapped to their region."""
    text = region.strip().lower().replace(" ", "")
    zone = _GCP_ZONE.match(text)
    return zone.group(1) if zone else text


def region_of(resource: Resource) -> str | None:
    """Where a resource lives, from its own props or its provider's (None when not said)."""
    for key in ("region", "location", "zone"):
        value = get_str(resource.props, key)
        if value:
            return normalise_region(value)
    for key in ("region", "location"):
        value = get_str(resource.provider_props, key)
        if value:
            return normalise_region(value)
    return None


class RegionConfig(PolicyConfig):
    """The stack's region and the other regions it may use on purpose."""

    region: str | None = Field(default=None, description="Expected region (default: majority).")
    allowed_regions: list[str] = Field(default=[], description="Further regions allowed.")


def check_region_affinity(resources: Sequence[Resource], config: RegionConfig) -> list[Finding]:
    """Storage or compute outside the stack's region."""
    findings: list[Finding] = []
    placed: list[tuple[Resource, str]] = []
    for resource in resources:
        if resource.type in PLACED_TYPES and cloud_of(resource):
            with collecting(findings, resource.urn):
                region = region_of(resource)
                if region:
                    placed.append((resource, region))
    if not placed:
        return findings
    expected = (
        normalise_region(config.region)
        if config.region
        else Counter(region for _, region in placed).most_common(1)[0][0]
    )
    allowed = {expected, *(normalise_region(region) for region in config.allowed_regions)}
    findings.extend(
        violation(
            f"{resource.label} is in {region}, the stack's storage and compute are in {expected}; "
            "cross-region traffic is billed (allow it with allowedRegions)",
            resource.urn,
        )
        for resource, region in placed
        if region not in allowed
    )
    return findings
