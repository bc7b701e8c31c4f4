"""AWS: hand-written invoke answers, computed outputs, and how AWS values look.

Sources for the shapes: resource ids are ``<prefix>-<17 lowercase hex>`` (EC2 user guide,
"Resource IDs", https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/resource-ids.html); ARNs
are ``arn:aws:<service>:<region>:<account>:<resource>`` (IAM user guide, "IAM identifiers");
zone ids are ``<region code>-az<n>`` (RAM user guide, "AZ IDs",
https://docs.aws.amazon.com/ram/latest/userguide/working-with-az-ids.html); ``tagsAll`` is the
provider's default tags merged under the resource's own tags, computed while planning
(terraform-provider-aws ``docs/resource-tagging.md``: "tags_all ... plan modification").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from thrifty.aws_zones import aws_zone_id_prefix
from thrifty.offline.answers.aws_policy_document import get_policy_document
from thrifty.offline.answers.cloud import (
    MOCK_AWS_ACCOUNT,
    MOCK_CA_DATA,
    ComputedOutputs,
    InvokeAnswer,
    OfflineCloud,
)
from thrifty.offline.answers.values import (
    invoke_noun,
    kebab,
    mapping,
    plain,
    stable_hex,
    string_map,
    text,
)
from thrifty.taggable import provider_defaults_reach

#: EC2 resource id prefixes by the noun in an invoke or field name (``getVpc``, ``imageId``).
_ID_PREFIXES = {
    "ami": "ami",
    "image": "ami",
    "instance": "i",
    "vpc": "vpc",
    "subnet": "subnet",
    "security-group": "sg",
    "volume": "vol",
    "snapshot": "snap",
    "internet-gateway": "igw",
    "nat-gateway": "nat",
    "route-table": "rtb",
    "network-interface": "eni",
    "network-acl": "acl",
    "key-pair": "key",
    "transit-gateway": "tgw",
    "launch-template": "lt",
}


def _zone_ids(region: str) -> list[str]:
    """``us-east-1`` -> ``use1-az1`` ...: the region code AWS uses in zone ids."""
    code = aws_zone_id_prefix(region) or region.replace("-", "")
    return [f"{code}-az{index}" for index in (1, 2, 4)]


def _filter_values(args: Mapping[str, Any], name: str) -> list[str]:
    """The values of one ``filters`` entry of an AWS invoke (``[]`` when absent)."""
    entries = plain(args.get("filters"))
    for entry in entries if isinstance(entries, list) else []:
        entry = mapping(entry)
        values = plain(entry.get("values"))
        if entry.get("name") == name and isinstance(values, list):
            return [str(value) for value in values if isinstance(plain(value), str)]
    return []


INVOKES: dict[str, InvokeAnswer] = {
    "aws:index/getAvailabilityZones:getAvailabilityZones": lambda c, _: {
        "names": c.zones("aws"),
        "zoneIds": _zone_ids(c.region),
        "state": "available",
        "id": c.region,
    },
    "aws:index/getCallerIdentity:getCallerIdentity": lambda c, _: {
        "accountId": MOCK_AWS_ACCOUNT,
        "arn": f"arn:aws:iam::{MOCK_AWS_ACCOUNT}:user/offline",
        "userId": "AIDAOFFLINE",
        "id": MOCK_AWS_ACCOUNT,
    },
    "aws:index/getRegion:getRegion": lambda c, _: {
        "name": c.region,
        "region": c.region,
        "endpoint": f"ec2.{c.region}.amazonaws.com",
        "description": c.region,
        "id": c.region,
    },
    "aws:index/getPartition:getPartition": lambda c, _: {
        "partition": "aws",
        "dnsSuffix": "amazonaws.com",
        "id": "aws",
    },
    # The account's default VPC and its default subnets (one per zone asked for).
    "aws:ec2/getVpc:getVpc": lambda c, args: {
        "id": "vpc-0offline",
        "cidrBlock": "172.31.0.0/16",
        "default": True,
        "state": "available",
        **({"tags": tags} if (tags := string_map(args.get("tags"))) else {}),
    },
    "aws:ec2/getSubnets:getSubnets": lambda c, args: {
        "ids": [f"subnet-{zone}" for zone in _filter_values(args, "availability-zone")]
        or [f"subnet-{zone}" for zone in c.zones("aws")],
        "id": c.region,
    },
    "aws:iam/getPolicyDocument:getPolicyDocument": get_policy_document,
    # The tags of the provider the call goes through (its defaultTags, or aws:defaultTags).
    "aws:index/getDefaultTags:getDefaultTags": lambda c, _: {
        "tags": dict(c.aws_default_tags),
        "id": "aws",
    },
}


def _service(type_token: str) -> str:
    """``aws:s3/bucket:Bucket`` -> ``s3`` (the ARN's service part)."""
    module = type_token.partition(":")[2].split("/")[0].split(":")[0]
    return "aws" if module == "index" else module


def arn(cloud: OfflineCloud, type_token: str, resource: str) -> str:
    """A plausible ARN for a resource of ``type_token`` named ``resource``."""
    return f"arn:aws:{_service(type_token)}:{cloud.region}:{MOCK_AWS_ACCOUNT}:{resource}"


def tags_all(
    type_token: str, state: Mapping[str, Any], default_tags: Mapping[str, str] | None
) -> dict[str, Any]:
    """``{"tagsAll": ...}`` when it can be known: the type has ``tagsAll``, its ``tags`` are a
    map of known strings (or absent) and the provider's default tags are known. ``{}``
    otherwise: an Auto Scaling group (``tags`` is a list there), unknown values."""
    if default_tags is None or not provider_defaults_reach(type_token):
        return {}
    tags = string_map(state["tags"]) if "tags" in state else {}
    return {} if tags is None else {"tagsAll": {**default_tags, **tags}}


def computed(
    cloud: OfflineCloud, type_token: str, name: str, state: Mapping[str, Any]
) -> dict[str, Any]:
    """What every AWS resource gets after ``pulumi up``: an ARN and its region."""
    return {
        "arn": arn(cloud, type_token, name),
        "region": text(state.get("region")) or cloud.region,
    }


def _bucket(cloud: OfflineCloud, name: str, state: Mapping[str, Any]) -> dict[str, Any]:
    bucket = text(state.get("bucket")) or name
    return {
        "arn": f"arn:aws:s3:::{bucket}",
        "bucketDomainName": f"{bucket}.s3.amazonaws.com",
        "bucketRegionalDomainName": f"{bucket}.s3.{cloud.region}.amazonaws.com",
    }


def _node_group(cloud: OfflineCloud, name: str, state: Mapping[str, Any]) -> dict[str, Any]:
    group = text(state.get("nodeGroupName")) or name
    return {
        "status": "ACTIVE",
        "resources": [{"autoscalingGroups": [{"name": f"eks-{group}-0000-offline"}]}],
    }


#: Outputs components read back after ``pulumi up`` (never known during preview).
SPECIFIC: dict[str, ComputedOutputs] = {
    "aws:eks/cluster:Cluster": lambda c, name, _: {
        "endpoint": f"https://{name}.offline.{c.region}.eks.amazonaws.com",
        "certificateAuthority": {"data": MOCK_CA_DATA},
        "identities": [{"oidcs": [{"issuer": f"https://oidc.eks.{c.region}.amazonaws.com/id/X"}]}],
        "version": "1.31",
    },
    "aws:ec2/launchTemplate:LaunchTemplate": lambda c, name, _: {"latestVersion": 1},
    "aws:eks/nodeGroup:NodeGroup": _node_group,
    "aws:s3/bucket:Bucket": _bucket,
    "aws:s3/bucketV2:BucketV2": _bucket,
}


def identity(cloud: OfflineCloud, token: str, args: Mapping[str, Any], field: str) -> str | None:
    """AWS-shaped values for well-known fields of an invoke result (None: not one of them)."""
    noun = kebab(invoke_noun(token))
    if field == "id" and noun in _ID_PREFIXES:
        return _prefixed_id(_ID_PREFIXES[noun], token, args)
    if field == "arn" or field.endswith("Arn"):
        what = noun if field == "arn" else kebab(field[: -len("Arn")])
        resource = (text(args.get("name")) or stable_hex(token, args)).lstrip("/")
        return arn(cloud, token, f"{what}/{resource}")
    if field in ("accountId", "ownerId"):
        return MOCK_AWS_ACCOUNT
    if field.endswith("Id") and kebab(field[:-2]) in _ID_PREFIXES:
        return _prefixed_id(_ID_PREFIXES[kebab(field[:-2])], token, args)
    return None


def _prefixed_id(prefix: str, token: str, args: Mapping[str, Any]) -> str:
    return f"{prefix}-{stable_hex(prefix, token, args, length=17)}"
