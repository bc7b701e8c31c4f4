"""The cloud-neutral network spec: address plan, zones, NAT, endpoints, API access.

``thrifty:network`` in a stack file and the ``network=`` argument of the network components
(:mod:`thrifty.network.aws`, ``gcp``, ``azure``). Everything that can be checked without a
cloud is checked here, before anything is registered: the CIDR math (``ipaddress``), zone
ids, the NAT choice per cloud and what production refuses. :func:`plan_network` turns a valid
spec into the concrete layout every cloud file builds, or raises one
:class:`NetworkSpecError` naming every bad field, its value and what is allowed.

Address plan (the VPC / VNet CIDR split in four): the first ``zones`` quarters are the private
node subnets, one per zone; the last quarter, split in four again, holds the public subnets
for load balancers and NAT gateways. A /16 gives /18 private subnets (16,379 usable addresses
each on AWS, where pods take VPC addresses through the VPC CNI) and /20 public ones. GCP and
Azure subnets span zones, so they use the first private block only. Pods and services get
their own ranges outside the network (GKE secondary ranges, AKS overlay pod and service
CIDRs); AWS leaves them to EKS and the VPC CNI.

Decisions, with their reasons:

- **NAT.** ``single``: one NAT gateway for the whole network, the non-production default (one
  hourly charge); ``per-zone``: one per zone, the production default on AWS, because "if the
  NAT gateway's Availability Zone is down, resources in the other Availability Zones lose
  internet access" and AWS recommends one per zone
  (https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-basics.html); ``none``: no
  NAT (egress is yours: a proxy, a transit gateway, or interface endpoints, which are billed).
  GCP's Cloud NAT is a regional gateway that serves every zone of the region
  (https://cloud.google.com/nat/docs/overview), and an Azure subnet takes one NAT gateway, a
  zonal resource (https://learn.microsoft.com/azure/nat-gateway/nat-availability-zones): on
  both ``per-zone`` has no meaning and is refused, and the default is ``single``.
- **S3 gateway endpoint** on by default (AWS): "Gateway endpoints ... come at no additional
  charge" (https://docs.aws.amazon.com/prescriptive-guidance/latest/aws-startup-security-baseline/wkld-12.html;
  https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html), and S3 traffic
  from the private subnets then bypasses the NAT gateway and its per-GB processing charge.
- **API endpoint.** Private access is always on; public access is on by default with
  ``publicAccessCidrs``. Left unset, EKS opens the public endpoint to 0.0.0.0/0
  (https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html). Production refuses
  that: it must list the CIDRs allowed (office, VPN, CI runners) or turn public access off.
  The guide is a cost guide and says nothing about API exposure; the choice follows the
  project's security defaults (production secure by default, development convenient: a
  laptop's address changes and IAM / RBAC still authenticate every call).
- **Zones by id.** An AWS zone name (``us-east-1a``) maps to a different physical zone in
  each account; a zone ID (``use1-az1``) does not
  (https://docs.aws.amazon.com/ram/latest/userguide/working-with-az-ids.html). Explicit AWS
  zones are zone IDs, and EKS's documented unsupported zones (:data:`EKS_UNSUPPORTED_ZONE_IDS`)
  are refused or skipped.
- **The default network** (``useDefaultVpc: true``: the AWS default VPC, GCP's ``default``
  network, AKS's own managed VNet) creates nothing, for throwaway development only: production
  refuses it, and an account whose default VPC was deleted cannot use it at all.

Plain Python and pydantic, no provider SDK: the config, the policies and the CLI import it.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from thrifty.aws_zones import aws_zone_id_prefix
from thrifty.tags import Environment

Cloud = Literal["aws", "gcp", "azure"]
NatChoice = Literal["single", "per-zone", "none"]

#: A network spreads over at most this many zones (the cluster spec's limit too).
MAX_ZONES = 3
#: The VPC / VNet CIDR's prefix length: /16 at most (AWS's largest VPC block), /24 at least
#: (its public subnets are then /28, the smallest subnet AWS allows).
MIN_PREFIX, MAX_PREFIX = 16, 24
#: Addresses that mean "from anywhere" in an allow-list.
ANYWHERE = ("0.0.0.0/0", "::/0")

#: Zone IDs whose subnets EKS refuses for a cluster, by region: "The subnets can't reside in
#: the following Availability Zones" (Amazon EKS user guide, "View Amazon EKS networking
#: requirements for VPC and subnets", Subnet requirements for clusters,
#: https://docs.aws.amazon.com/eks/latest/userguide/network-reqs.html; awsdocs/amazon-eks-user-guide
#: latest/ug/networking/network-reqs.adoc).
EKS_UNSUPPORTED_ZONE_IDS: dict[str, tuple[str, ...]] = {
    "us-east-1": ("use1-az3",),
    "us-west-1": ("usw1-az2",),
    "ca-central-1": ("cac1-az3",),
}

#: How an explicit zone looks on each cloud, and what to say when it does not.
_ZONE_FORMS: dict[Cloud, tuple[str, str]] = {
    "aws": (
        r"^[a-z]{2,}[0-9]+-az[0-9]+$",
        "an Availability Zone ID such as use1-az1 (zone names like us-east-1a map to "
        "different physical zones in each account; IDs do not)",
    ),
    "gcp": (r"^[a-z]+-[a-z]+[0-9]+-[a-z]$", "a zone of the region such as us-central1-a"),
    "azure": (r"^[1-3]$", 'an availability zone number: "1", "2" or "3"'),
}


class NetworkSpecError(ValueError):
    """Every problem of a network spec at once, raised before any resource is registered."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        count = len(self.problems)
        super().__init__(f"invalid network spec ({count} problem{'s' * (count != 1)}):\n{lines}")


def _ipv4_network(value: str, field: str) -> ipaddress.IPv4Network:
    """``value`` as an IPv4 network with no host bits set, else a ValueError naming ``field``."""
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError as error:
        raise ValueError(f"{field} {value!r} is not a CIDR block ({error})") from None
    if not isinstance(network, ipaddress.IPv4Network):
        raise ValueError(f"{field} {value!r} must be an IPv4 CIDR block")
    if not network.is_private:
        raise ValueError(
            f"{field} {value!r} must be a private (RFC 1918) range such as 10.0.0.0/16"
        )
    return network


def quarters(network: ipaddress.IPv4Network) -> list[ipaddress.IPv4Network]:
    """``network`` split in four equal blocks."""
    return list(network.subnets(prefixlen_diff=2))


def public_access_problems(
    environment: Environment, public_access: bool, cidrs: Sequence[str] | None, field: str
) -> list[str]:
    """What production refuses of a public API endpoint (shared by the network and clusters).

    ``cidrs`` None means the cloud's default, which is every address.
    """
    if environment != "production" or not public_access:
        return []
    if cidrs is None:
        return [
            f"{field}: production refuses a public API endpoint open to any address, got "
            "unset (unset means 0.0.0.0/0); set the CIDRs of your office/VPN/CI runners, or "
            "turn public access off"
        ]
    open_to_all = [cidr for cidr in cidrs if cidr in ANYWHERE]
    if open_to_all:
        return [
            f"{field}: production refuses {', '.join(open_to_all)} (any address) on the "
            "public API endpoint; set the CIDRs of your office/VPN/CI runners, or turn public "
            "access off"
        ]
    return []


def own_network_problems(
    *, cloud: Cloud, environment: Environment, has_network: bool, field: str, remedy: str
) -> list[str]:
    """Production on AWS runs its cluster in private subnets of a VPC of its own.

    The one place for this rule: the config asks it of ``thrifty:network``, the EKS cluster of
    its ``subnet_ids``; ``remedy`` says what to set in the caller's own terms.
    """
    if cloud != "aws" or environment != "production" or has_network:
        return []
    return [
        f"{field}: required for a production cluster on AWS (nodes in private subnets of a "
        f"VPC the stack creates; the default VPC is for throwaway development only); {remedy}"
    ]


def _in_aws_region(zone_id: str, region: str) -> bool:
    """Whether ``zone_id`` carries ``region``'s prefix (True when the prefix is unknown)."""
    prefix = aws_zone_id_prefix(region)
    return prefix is None or zone_id.rpartition("-az")[0] == prefix


class NetworkSpec(BaseModel):
    """``thrifty:network``: the environment's own network (see the module docs)."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )

    cidr: str = Field(
        default="10.0.0.0/16",
        description="The VPC / VNet range: private IPv4, /16 to /24.",
    )
    zones: int | list[str] = Field(
        default=2,
        description="How many zones (1-3), or the zones themselves: AWS zone IDs (use1-az1), "
        "GCP zones (us-central1-a), Azure zone numbers (1).",
    )
    nat: NatChoice | None = Field(
        default=None,
        description="single | per-zone | none; default: per-zone in production on AWS, "
        "single otherwise.",
    )
    s3_gateway_endpoint: bool = Field(
        default=True, description="AWS: an S3 gateway endpoint on the private route tables."
    )
    public_access: bool = Field(
        default=True, description="Whether the cluster API has a public endpoint."
    )
    public_access_cidrs: list[str] | None = Field(
        default=None,
        min_length=1,
        description="CIDRs allowed on the public API endpoint; unset: any address (refused "
        "in production).",
    )
    pods_cidr: str = Field(
        default="10.244.0.0/16",
        description="Pod range outside the network (GKE secondary range, AKS overlay pods).",
    )
    services_cidr: str = Field(
        default="10.96.0.0/16",
        description="Service range outside the network (GKE secondary range, AKS services).",
    )
    use_default_vpc: bool = Field(
        default=False,
        description="Use the cloud's default network and create none: throwaway dev only.",
    )

    @field_validator("cidr")
    @classmethod
    def _vpc_range(cls, value: str) -> str:
        network = _ipv4_network(value, "cidr")
        if not MIN_PREFIX <= network.prefixlen <= MAX_PREFIX:
            raise ValueError(
                f"cidr {value!r} must be /{MIN_PREFIX} to /{MAX_PREFIX} (subnets are carved "
                f"from it; AWS's largest VPC block is /{MIN_PREFIX})"
            )
        return value

    @field_validator("pods_cidr", "services_cidr")
    @classmethod
    def _cluster_range(cls, value: str, info: ValidationInfo) -> str:
        _ipv4_network(value, to_camel(info.field_name or "range"))
        return value

    @field_validator("zones")
    @classmethod
    def _zone_count(cls, value: int | list[str]) -> int | list[str]:
        count = value if isinstance(value, int) else len(value)
        if not 1 <= count <= MAX_ZONES:
            raise ValueError(f"a network spans 1 to {MAX_ZONES} zones, got {count}")
        if isinstance(value, list):
            repeated = sorted({zone for zone in value if value.count(zone) > 1})
            if repeated:
                raise ValueError(f"zones are listed more than once: {repeated}")
        return value

    @field_validator("public_access_cidrs")
    @classmethod
    def _allow_list(cls, value: list[str] | None) -> list[str] | None:
        for cidr in value or []:
            try:
                ipaddress.ip_network(cidr, strict=True)
            except ValueError as error:
                raise ValueError(f"{cidr!r} is not a CIDR block ({error})") from None
        return value

    @model_validator(mode="after")
    def _consistent(self) -> NetworkSpec:
        if self.use_default_vpc:
            chosen = sorted(
                to_camel(name) for name in self.model_fields_set - {"use_default_vpc"}
                if name not in ("public_access", "public_access_cidrs")
            )  # fmt: skip
            if chosen:
                raise ValueError(
                    f"useDefaultVpc: true creates no network, so {', '.join(chosen)} would "
                    "be ignored; remove them or useDefaultVpc"
                )
        if not self.public_access and self.public_access_cidrs is not None:
            raise ValueError(
                "publicAccessCidrs is set but publicAccess is false; remove one of them"
            )
        ranges = {
            "cidr": ipaddress.IPv4Network(self.cidr),
            "podsCidr": ipaddress.IPv4Network(self.pods_cidr),
            "servicesCidr": ipaddress.IPv4Network(self.services_cidr),
        }
        names = list(ranges)
        for index, first in enumerate(names):
            for second in names[index + 1 :]:
                if ranges[first].overlaps(ranges[second]):
                    raise ValueError(
                        f"{first} {ranges[first]} overlaps {second} {ranges[second]}; pods, "
                        "services and the network need separate ranges"
                    )
        return self

    @property
    def zone_count(self) -> int:
        return self.zones if isinstance(self.zones, int) else len(self.zones)

    @property
    def explicit_zones(self) -> tuple[str, ...] | None:
        return None if isinstance(self.zones, int) else tuple(self.zones)


@dataclass(frozen=True)
class NetworkPlan:
    """A valid spec made concrete for one cloud: zones, subnets, NAT, endpoints, API access."""

    cloud: Cloud
    environment: Environment
    spec: NetworkSpec
    nat: NatChoice
    #: Explicit zones (AWS zone IDs, GCP zones, Azure zone numbers); None: pick ``zone_count``.
    zones: tuple[str, ...] | None
    zone_count: int
    private_cidrs: tuple[str, ...]
    public_cidrs: tuple[str, ...]

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @property
    def nat_gateways(self) -> int:
        """How many NAT gateways the plan creates."""
        return {"none": 0, "single": 1, "per-zone": self.zone_count}[self.nat]

    @property
    def node_cidr(self) -> str:
        """The one node subnet of a cloud whose subnets span zones (GCP, Azure)."""
        return self.private_cidrs[0]


def default_nat(cloud: Cloud, environment: Environment) -> NatChoice:
    """One NAT per zone in production where zones have their own NAT (AWS), else one."""
    return "per-zone" if cloud == "aws" and environment == "production" else "single"


def address_plan(spec: NetworkSpec) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(private, public) subnet CIDRs, one each per zone (see the module docs)."""
    blocks = quarters(ipaddress.IPv4Network(spec.cidr))
    public = quarters(blocks[-1])
    count = spec.zone_count
    return (
        tuple(str(block) for block in blocks[:count]),
        tuple(str(block) for block in public[:count]),
    )


def network_problems(
    spec: NetworkSpec, *, cloud: Cloud, environment: Environment, region: str | None = None
) -> list[str]:
    """Every rule that needs the cloud, the environment or the region; empty when valid."""
    problems: list[str] = []
    if spec.use_default_vpc and environment == "production":
        problems.append(
            "useDefaultVpc: the default network is for throwaway development only; production "
            "runs in a network of its own (and an account whose default VPC was deleted has "
            "none)"
        )
    problems.extend(
        public_access_problems(
            environment, spec.public_access, spec.public_access_cidrs, "publicAccessCidrs"
        )
    )
    if spec.use_default_vpc:
        return problems
    if spec.nat == "per-zone" and cloud != "aws":
        why = (
            "Cloud NAT is one regional gateway that serves every zone"
            if cloud == "gcp"
            else "a subnet takes one NAT gateway, a zonal resource"
        )
        problems.append(f"nat: per-zone is not available on {cloud} ({why}); use single or none")
    if cloud == "aws" and spec.zone_count < 2:
        problems.append(
            f"zones: an AWS network spans at least 2 Availability Zones (EKS needs cluster "
            f"subnets in two), got {spec.zone_count}"
        )
    pattern, allowed = _ZONE_FORMS[cloud]
    for zone in spec.explicit_zones or ():
        if not re.match(pattern, zone):
            problems.append(f"zones: {zone!r} is not {allowed}")
        elif cloud == "gcp" and region and not zone.startswith(f"{region}-"):
            problems.append(f"zones: {zone!r} is not in the region {region}")
        elif cloud == "aws" and region and not _in_aws_region(zone, region):
            problems.append(
                f"zones: {zone!r} is not a zone ID of {region} (its zone IDs start with "
                f"{aws_zone_id_prefix(region)}-az, such as {aws_zone_id_prefix(region)}-az1)"
            )
        elif cloud == "aws" and region and zone in EKS_UNSUPPORTED_ZONE_IDS.get(region, ()):
            problems.append(
                f"zones: {zone} in {region} is a zone EKS does not support for cluster subnets "
                "(Amazon EKS user guide, VPC and subnet requirements); choose another zone ID"
            )
    return problems


def plan_network(
    spec: NetworkSpec, *, cloud: Cloud, environment: Environment, region: str | None = None
) -> NetworkPlan:
    """Validate ``spec`` for ``cloud`` and lay it out; raises :class:`NetworkSpecError`.

    Called by every network component before it registers anything.
    """
    problems = network_problems(spec, cloud=cloud, environment=environment, region=region)
    if problems:
        raise NetworkSpecError(problems)
    private, public = address_plan(spec)
    return NetworkPlan(
        cloud=cloud,
        environment=environment,
        spec=spec,
        nat=spec.nat or default_nat(cloud, environment),
        zones=spec.explicit_zones,
        zone_count=spec.zone_count,
        private_cidrs=private,
        public_cidrs=public,
    )


def _zone_id_order(zone_id: str) -> tuple[str, int]:
    """``use1-az10`` after ``use1-az2``: the zone number compared as a number."""
    prefix, _, number = zone_id.rpartition("-az")
    return (prefix, int(number)) if number.isdigit() else (zone_id, 0)


def choose_zone_ids(available: Sequence[str], region: str, count: int) -> list[str]:
    """The first ``count`` zone IDs (in ID order) of ``available`` that EKS supports.

    Zone IDs name the same physical zone in every account, so sorting them picks the same
    zones for every account of the organisation.
    """
    unsupported = set(EKS_UNSUPPORTED_ZONE_IDS.get(region, ()))
    usable = sorted((zone for zone in available if zone not in unsupported), key=_zone_id_order)
    if len(usable) < count:
        raise NetworkSpecError(
            [
                f"zones: {region} has {len(usable)} Availability Zones EKS supports "
                f"({', '.join(usable) or 'none'}), fewer than the {count} asked for"
            ]
        )
    return usable[:count]


__all__ = [
    "ANYWHERE",
    "EKS_UNSUPPORTED_ZONE_IDS",
    "MAX_ZONES",
    "NatChoice",
    "NetworkPlan",
    "NetworkSpec",
    "NetworkSpecError",
    "address_plan",
    "aws_zone_id_prefix",
    "choose_zone_ids",
    "default_nat",
    "network_problems",
    "own_network_problems",
    "plan_network",
    "public_access_problems",
]
