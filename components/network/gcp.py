"""GCP: a VPC network, one subnetwork with pod and service ranges, Cloud Router and Cloud NAT.

What a :class:`~thrifty.network.spec.NetworkSpec` becomes on GCP (pulumi-gcp):

- a custom-mode VPC network (no auto-created subnetwork in every region);
- one regional subnetwork for the nodes (subnetworks span the region's zones) with Private
  Google Access on, so private nodes reach Google APIs and Artifact Registry without NAT, and
  two secondary ranges, ``pods`` and ``services``, for a VPC-native GKE cluster;
- unless ``nat: none``, a Cloud Router and one Cloud NAT gateway for the subnetwork, with one
  reserved external address (``MANUAL_ONLY``) so the address carries the cost labels: Cloud
  NAT is a regional gateway, created "in the region of the subnets that require NAT"
  (https://cloud.google.com/nat/docs/overview), so one serves every zone.

Networks, subnetworks, routers and NAT gateways take no labels in the API; the external
address does. The network, subnetwork and router cost nothing; Cloud NAT is billed per VM-hour
and per GB processed, the address per hour (thrifty's catalog, ``thrifty.cost.gcp``).

Pass the outputs to :class:`~thrifty.cluster.gcp.GkeClusterArgs` (``network``,
``subnetwork``, ``pods_range_name``, ``services_range_name``, ``private_nodes=True``).
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_gcp as gcp
from pydantic import BaseModel, ConfigDict, Field

from thrifty.foundation.spec import resource_prefix
from thrifty.network.spec import NetworkPlan, NetworkSpec, plan_network
from thrifty.options import with_provider
from thrifty.tags import CostTags

TYPE_TOKEN = "thrifty:network:GcpNetwork"
PODS_RANGE = "pods"
SERVICES_RANGE = "services"


class GcpNetworkArgs(BaseModel):
    """What the GCP network takes: the tags, the spec, the project and the region."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    tags: CostTags
    network: NetworkSpec = Field(default_factory=NetworkSpec)
    project: str = Field(min_length=1, description="GCP project id.")
    region: str = Field(min_length=1, description="GCP region, e.g. us-central1.")


class GcpNetwork(pulumi.ComponentResource):
    """A VPC network for an environment (see module docs). Invalid specs raise
    :class:`~thrifty.network.spec.NetworkSpecError` before anything is registered.
    """

    plan: NetworkPlan
    network: gcp.compute.Network
    subnetwork: gcp.compute.Subnetwork
    router: gcp.compute.Router | None
    nat: gcp.compute.RouterNat | None

    def __init__(
        self,
        name: str,
        args: GcpNetworkArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        provider: pulumi.ProviderResource | None = None,
    ) -> None:
        plan = plan_network(
            args.network, cloud="gcp", environment=args.tags.environment, region=args.region
        )
        if args.network.use_default_vpc:
            raise ValueError(
                "GcpNetwork: network.useDefaultVpc is true, so there is no network to create; "
                "leave GkeClusterArgs.network unset instead of building a GcpNetwork"
            )
        labels = args.tags.gcp()  # raises TagRenderError before anything is registered
        super().__init__(TYPE_TOKEN, name, None, with_provider(opts, provider))
        self.plan = plan
        prefix = f"{resource_prefix(args.tags)}-{name}"
        child = pulumi.ResourceOptions(parent=self)
        self.network = gcp.compute.Network(
            f"{name}-vpc",
            name=prefix,
            project=args.project,
            auto_create_subnetworks=False,
            routing_mode="REGIONAL",
            opts=child,
        )
        self.subnetwork = gcp.compute.Subnetwork(
            f"{name}-nodes",
            name=f"{prefix}-nodes",
            project=args.project,
            region=args.region,
            network=self.network.id,
            ip_cidr_range=plan.node_cidr,
            private_ip_google_access=True,
            secondary_ip_ranges=[
                gcp.compute.SubnetworkSecondaryIpRangeArgs(
                    range_name=PODS_RANGE, ip_cidr_range=args.network.pods_cidr
                ),
                gcp.compute.SubnetworkSecondaryIpRangeArgs(
                    range_name=SERVICES_RANGE, ip_cidr_range=args.network.services_cidr
                ),
            ],
            opts=child,
        )
        self.router, self.nat = None, None
        if plan.nat != "none":
            self.router = gcp.compute.Router(
                f"{name}-router",
                name=f"{prefix}-router",
                project=args.project,
                region=args.region,
                network=self.network.id,
                opts=child,
            )
            address = gcp.compute.Address(
                f"{name}-nat",
                name=f"{prefix}-nat",
                project=args.project,
                region=args.region,
                address_type="EXTERNAL",
                labels=labels,
                opts=child,
            )
            self.nat = gcp.compute.RouterNat(
                f"{name}-nat",
                name=f"{prefix}-nat",
                project=args.project,
                region=args.region,
                router=self.router.name,
                nat_ip_allocate_option="MANUAL_ONLY",
                nat_ips=[address.self_link],
                source_subnetwork_ip_ranges_to_nat="LIST_OF_SUBNETWORKS",
                subnetworks=[
                    gcp.compute.RouterNatSubnetworkArgs(
                        name=self.subnetwork.id, source_ip_ranges_to_nats=["ALL_IP_RANGES"]
                    )
                ],
                opts=child,
            )
        self.register_outputs(
            {
                "network": self.network.id,
                "subnetwork": self.subnetwork.id,
                "nat": self.nat.name if self.nat else None,
            }
        )


def gke_cluster_network(
    spec: NetworkSpec | None,
    *,
    tags: CostTags,
    project: str,
    region: str,
    provider: pulumi.ProviderResource | None = None,
    name: str = "network",
) -> dict[str, Any]:
    """The stack's network for a GKE cluster: builds the :class:`GcpNetwork` (unless
    ``useDefaultVpc``; nothing for None) and returns the ``GkeClusterArgs`` fields it gives
    (network, subnetwork, secondary ranges, private nodes, explicit zones, API access)."""
    if spec is None:
        return {}
    fields: dict[str, Any] = {
        "endpoint_public_access": spec.public_access,
        "public_access_cidrs": spec.public_access_cidrs,
    }
    if spec.explicit_zones:
        fields["node_zones"] = list(spec.explicit_zones)
    if not spec.use_default_vpc:
        network = GcpNetwork(
            name,
            GcpNetworkArgs(tags=tags, network=spec, project=project, region=region),
            provider=provider,
        )
        fields.update(
            network=network.network.id,
            subnetwork=network.subnetwork.id,
            pods_range_name=PODS_RANGE,
            services_range_name=SERVICES_RANGE,
            private_nodes=True,
        )
    return fields


__all__ = [
    "PODS_RANGE",
    "SERVICES_RANGE",
    "TYPE_TOKEN",
    "GcpNetwork",
    "GcpNetworkArgs",
    "gke_cluster_network",
]
