"""AWS: a VPC with private node subnets, public load-balancer subnets, NAT and an S3 endpoint.

What a :class:`~thrifty.network.spec.NetworkSpec` becomes on AWS (pulumi-aws 7):

- a VPC with DNS support and DNS hostnames (EKS nodes cannot register without them: Amazon
  EKS user guide, VPC requirements);
- per zone, chosen by **zone ID** (``availability_zone_id``): a private subnet for the nodes,
  tagged ``kubernetes.io/role/internal-elb=1``, and a public subnet for internet-facing load
  balancers and the NAT gateways, tagged ``kubernetes.io/role/elb=1`` (the tags the AWS Load
  Balancer Controller and the in-tree controller use to find subnets: EKS user guide, "Subnet
  requirements for nodes"). Public subnets do not hand out public addresses on launch: every
  public IPv4 address is billed, and nothing launched there needs one;
- an internet gateway and a public route table (``0.0.0.0/0`` to it);
- NAT per the plan: none, one (in the first zone's public subnet) or one per zone, each with
  an Elastic IP; one private route table per zone whose default route goes to the NAT of its
  own zone (or the single one);
- the S3 gateway endpoint on the private route tables (free; S3 traffic skips the NAT).

Zones: explicit zone IDs from the spec, or the first ``zones`` IDs of the region's available
Availability Zones in ID order, without the zones EKS does not support
(:data:`~thrifty.network.spec.EKS_UNSUPPORTED_ZONE_IDS`).

Every resource carries the cost tags (plus a ``Name``). What costs money here: the NAT
gateways (hours and GB processed) and their Elastic IPs (public IPv4 hours); the VPC, subnets,
route tables, internet gateway and the gateway endpoint cost nothing (https://aws.amazon.com/vpc/pricing/).
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws
from pydantic import BaseModel, ConfigDict, Field

from thrifty.foundation.spec import resource_prefix
from thrifty.network.spec import NetworkPlan, NetworkSpec, choose_zone_ids, plan_network
from thrifty.options import with_provider
from thrifty.tags import CostTags

TYPE_TOKEN = "thrifty:network:AwsNetwork"
#: Subnet tags the Kubernetes load-balancer controllers look for (EKS user guide).
PUBLIC_ELB_TAG = {"kubernetes.io/role/elb": "1"}
INTERNAL_ELB_TAG = {"kubernetes.io/role/internal-elb": "1"}


def usable_zone_ids(region: str, count: int, parent: pulumi.Resource) -> pulumi.Output[list[str]]:
    """The first ``count`` available Availability Zone IDs of ``region`` that EKS supports.

    Zone IDs in ID order (:func:`~thrifty.network.spec.choose_zone_ids`); Local and Wavelength
    Zones are left out (``zone-type``), as EKS cannot use them for a cluster.
    """
    found = aws.get_availability_zones_output(
        state="available",
        filters=[
            aws.GetAvailabilityZonesFilterArgs(name="zone-type", values=["availability-zone"])
        ],
        opts=pulumi.InvokeOutputOptions(parent=parent),
    )
    chosen: pulumi.Output[list[str]] = found.zone_ids.apply(
        lambda ids: choose_zone_ids(ids, region, count)
    )
    return chosen


def zone_at(zone_ids: pulumi.Output[list[str]], index: int) -> pulumi.Output[str]:
    """The ``index``-th of ``zone_ids``."""

    def pick(ids: list[str]) -> str:
        return ids[index]

    return zone_ids.apply(pick)


class AwsNetworkArgs(BaseModel):
    """What the AWS network takes: the tags, the spec and the region."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    tags: CostTags
    network: NetworkSpec = Field(default_factory=NetworkSpec)
    region: str = Field(min_length=1, description="AWS region, e.g. us-east-1.")


class AwsNetwork(pulumi.ComponentResource):
    """A VPC for an environment (see module docs). Pass the foundation's provider as
    ``provider=``. Invalid specs raise :class:`~thrifty.network.spec.NetworkSpecError`
    before anything is registered; ``useDefaultVpc`` is refused here (it creates nothing).
    """

    plan: NetworkPlan
    vpc: aws.ec2.Vpc
    zone_ids: pulumi.Output[list[str]]
    private_subnets: list[aws.ec2.Subnet]
    public_subnets: list[aws.ec2.Subnet]
    nat_gateways: list[aws.ec2.NatGateway]
    s3_endpoint: aws.ec2.VpcEndpoint | None

    def __init__(
        self,
        name: str,
        args: AwsNetworkArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        provider: pulumi.ProviderResource | None = None,
    ) -> None:
        plan = plan_network(
            args.network, cloud="aws", environment=args.tags.environment, region=args.region
        )
        if args.network.use_default_vpc:
            raise ValueError(
                "AwsNetwork: network.useDefaultVpc is true, so there is no network to create; "
                "leave EksClusterArgs.subnet_ids unset instead of building an AwsNetwork"
            )
        cost_tags = args.tags.aws()  # raises TagRenderError before anything is registered
        super().__init__(TYPE_TOKEN, name, None, with_provider(opts, provider))
        self.plan = plan
        self._cost_tags = cost_tags
        self._prefix = f"{resource_prefix(args.tags)}-{name}"
        tags = self._tags
        child = pulumi.ResourceOptions(parent=self)
        self.zone_ids = self._zone_ids(plan, args.region)
        self.vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=args.network.cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags=tags("vpc"),
            opts=child,
        )
        gateway = aws.ec2.InternetGateway(
            f"{name}-igw", vpc_id=self.vpc.id, tags=tags("igw"), opts=child
        )
        public_table = aws.ec2.RouteTable(
            f"{name}-public",
            vpc_id=self.vpc.id,
            routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", gateway_id=gateway.id)],
            tags=tags("public"),
            opts=child,
        )
        self.private_subnets, self.public_subnets = [], []
        for index in range(plan.zone_count):
            zone = zone_at(self.zone_ids, index)
            letter = "abc"[index]
            public = aws.ec2.Subnet(
                f"{name}-public-{letter}",
                vpc_id=self.vpc.id,
                cidr_block=plan.public_cidrs[index],
                availability_zone_id=zone,
                map_public_ip_on_launch=False,
                tags=tags(f"public-{letter}", PUBLIC_ELB_TAG),
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-public-{letter}",
                subnet_id=public.id,
                route_table_id=public_table.id,
                opts=child,
            )
            self.public_subnets.append(public)
            self.private_subnets.append(
                aws.ec2.Subnet(
                    f"{name}-private-{letter}",
                    vpc_id=self.vpc.id,
                    cidr_block=plan.private_cidrs[index],
                    availability_zone_id=zone,
                    map_public_ip_on_launch=False,
                    tags=tags(f"private-{letter}", INTERNAL_ELB_TAG),
                    opts=child,
                )
            )
        self.nat_gateways = [self._nat(name, index, gateway) for index in range(plan.nat_gateways)]
        private_tables = []
        for index, subnet in enumerate(self.private_subnets):
            letter = "abc"[index]
            nat = self.nat_gateways[index] if plan.nat == "per-zone" else (
                self.nat_gateways[0] if self.nat_gateways else None
            )  # fmt: skip
            table = aws.ec2.RouteTable(
                f"{name}-private-{letter}",
                vpc_id=self.vpc.id,
                routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", nat_gateway_id=nat.id)]
                if nat is not None
                else [],
                tags=tags(f"private-{letter}"),
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-private-{letter}", subnet_id=subnet.id, route_table_id=table.id, opts=child
            )
            private_tables.append(table)
        self.s3_endpoint = (
            aws.ec2.VpcEndpoint(
                f"{name}-s3",
                vpc_id=self.vpc.id,
                service_name=f"com.amazonaws.{args.region}.s3",
                vpc_endpoint_type="Gateway",
                route_table_ids=[table.id for table in private_tables],
                tags=tags("s3"),
                opts=child,
            )
            if args.network.s3_gateway_endpoint
            else None
        )
        self.register_outputs(
            {
                "vpcId": self.vpc.id,
                "zoneIds": self.zone_ids,
                "privateSubnetIds": self.private_subnet_ids,
                "publicSubnetIds": [subnet.id for subnet in self.public_subnets],
                "natGatewayIds": [nat.id for nat in self.nat_gateways],
            }
        )

    @property
    def private_subnet_ids(self) -> list[pulumi.Output[str]]:
        """The node subnets, one per zone in zone order (``EksClusterArgs.subnet_ids``)."""
        return [subnet.id for subnet in self.private_subnets]

    def _zone_ids(self, plan: NetworkPlan, region: str) -> pulumi.Output[list[str]]:
        """The plan's zone IDs, or the region's first usable ones in ID order."""
        if plan.zones is not None:
            return pulumi.Output.from_input(list(plan.zones))
        return usable_zone_ids(region, plan.zone_count, self)

    def _tags(self, suffix: str, extra: dict[str, str] | None = None) -> dict[str, str]:
        """The cost tags, a ``Name`` and ``extra``."""
        return {**self._cost_tags, "Name": f"{self._prefix}-{suffix}", **(extra or {})}

    def _nat(self, name: str, index: int, gateway: aws.ec2.InternetGateway) -> aws.ec2.NatGateway:
        """A public NAT gateway in zone ``index``'s public subnet, with its Elastic IP."""
        tags = self._tags
        letter = "abc"[index]
        after_gateway = pulumi.ResourceOptions(parent=self, depends_on=[gateway])
        address = aws.ec2.Eip(
            f"{name}-nat-{letter}", domain="vpc", tags=tags(f"nat-{letter}"), opts=after_gateway
        )
        return aws.ec2.NatGateway(
            f"{name}-nat-{letter}",
            allocation_id=address.allocation_id,
            subnet_id=self.public_subnets[index].id,
            connectivity_type="public",
            tags=tags(f"nat-{letter}"),
            opts=after_gateway,
        )


def eks_cluster_network(
    spec: NetworkSpec | None,
    *,
    tags: CostTags,
    region: str,
    provider: pulumi.ProviderResource | None = None,
    name: str = "network",
) -> dict[str, Any]:
    """The stack's network for an EKS cluster: builds the :class:`AwsNetwork` (unless
    ``useDefaultVpc``; nothing for None) and returns the ``EksClusterArgs`` fields it gives
    (private subnets, API endpoint access)."""
    if spec is None:
        return {}
    fields: dict[str, Any] = {
        "endpoint_public_access": spec.public_access,
        "public_access_cidrs": spec.public_access_cidrs,
    }
    if not spec.use_default_vpc:
        network = AwsNetwork(
            name, AwsNetworkArgs(tags=tags, network=spec, region=region), provider=provider
        )
        fields["subnet_ids"] = network.private_subnet_ids
    return fields


__all__ = [
    "INTERNAL_ELB_TAG",
    "PUBLIC_ELB_TAG",
    "TYPE_TOKEN",
    "AwsNetwork",
    "AwsNetworkArgs",
    "eks_cluster_network",
    "usable_zone_ids",
    "zone_at",
]
