"""Azure: a virtual network for AKS, its node subnet, egress and the cluster's network identity.

What a :class:`~thrifty.network.spec.NetworkSpec` becomes on Azure (azure-native 3):

- a virtual network over ``cidr`` with one node subnet (the first private block; Azure subnets
  span zones). The subnet is declared inside the VNet: azure-native VNets rewrite their subnet
  list on every update, so a separately managed subnet would churn
  (pulumi/pulumi-azure-native#611). ``defaultOutboundAccess`` is off: nodes leave through the
  egress chosen below, never through Azure's implicit default outbound address;
- egress, as AKS's ``outboundType``: ``nat: single`` is a NAT gateway (Standard, with one
  Standard static public IP) on the node subnet and ``userAssignedNATGateway`` (AKS's managed
  NAT gateway "is incompatible with custom virtual networks":
  https://learn.microsoft.com/azure/aks/nat-gateway); ``nat: none`` is ``loadBalancer``, AKS's
  default, egress through the cluster load balancer's outbound rules and public IP. A subnet
  takes one NAT gateway, a zonal resource, so ``per-zone`` is refused
  (:func:`~thrifty.network.spec.network_problems`);
- :func:`grant_network_contributor`, which :class:`~thrifty.cluster.azure.AksCluster` uses to
  give its (system-assigned) identity Network Contributor (built-in role
  ``4d97b98b-1d4f-4787-a291-c67834d212e7``:
  https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/networking#network-contributor)
  on the virtual network once the cluster exists, as ``az aks create --vnet-subnet-id`` does:
  creating the cluster joins the subnet with the caller's permissions, while the cluster
  identity needs the network afterwards for its load balancers and public addresses
  (https://learn.microsoft.com/azure/aks/concepts-identity, AKS service permissions).

Pods and services take ``podsCidr`` and ``servicesCidr`` (Azure CNI overlay), outside the
VNet; the DNS service address is the tenth of the service range. Every taggable resource
carries the cost tags. The VNet and subnet are free; the NAT gateway (hours and GB) and the
public IP (hours) are billed.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import pulumi
import pulumi_azure_native as azure_native
from pydantic import BaseModel, ConfigDict, Field

from thrifty.foundation.spec import resource_prefix
from thrifty.network.spec import NetworkPlan, NetworkSpec, plan_network
from thrifty.options import with_provider
from thrifty.tags import CostTags

TYPE_TOKEN = "thrifty:network:AzureNetwork"
NODE_SUBNET = "nodes"
#: Azure built-in role "Network Contributor" (its id is the same in every tenant).
NETWORK_CONTRIBUTOR = "4d97b98b-1d4f-4787-a291-c67834d212e7"


class AzureNetworkArgs(BaseModel):
    """What the Azure network takes: the tags, the spec and where it lives."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    tags: CostTags
    network: NetworkSpec = Field(default_factory=NetworkSpec)
    resource_group_name: str | pulumi.Output[str] = Field(
        description="The environment's resource group (the foundation's)."
    )
    location: str = Field(min_length=1, description="Azure location, e.g. eastus.")


def dns_service_ip(services_cidr: str) -> str:
    """The cluster DNS address AKS expects inside the service range (its tenth address)."""
    return str(ipaddress.IPv4Network(services_cidr)[10])


def vnet_of(subnet_id: str) -> str:
    """The virtual network's resource id from one of its subnets' (``.../subnets/<name>``)."""
    return subnet_id.rsplit("/subnets/", 1)[0]


def grant_network_contributor(
    name: str,
    principal_id: pulumi.Input[str],
    subnet_id: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
) -> azure_native.authorization.RoleAssignment:
    """Network Contributor for ``principal_id`` on the virtual network of ``subnet_id``."""
    subscription = azure_native.authorization.get_client_config_output(
        opts=pulumi.InvokeOutputOptions(parent=opts.parent)
    ).subscription_id
    return azure_native.authorization.RoleAssignment(
        name,
        scope=pulumi.Output.from_input(subnet_id).apply(vnet_of),
        principal_id=principal_id,
        principal_type="ServicePrincipal",
        role_definition_id=subscription.apply(
            lambda sub: (
                f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/"
                f"{NETWORK_CONTRIBUTOR}"
            )
        ),
        opts=opts,
    )


class AzureNetwork(pulumi.ComponentResource):
    """A virtual network for an AKS cluster (see module docs). Invalid specs raise
    :class:`~thrifty.network.spec.NetworkSpecError` before anything is registered.
    """

    plan: NetworkPlan
    vnet: azure_native.network.VirtualNetwork
    node_subnet_id: pulumi.Output[str]
    nat_gateway: azure_native.network.NatGateway | None
    outbound_type: str

    def __init__(
        self,
        name: str,
        args: AzureNetworkArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        provider: pulumi.ProviderResource | None = None,
    ) -> None:
        plan = plan_network(args.network, cloud="azure", environment=args.tags.environment)
        if args.network.use_default_vpc:
            raise ValueError(
                "AzureNetwork: network.useDefaultVpc is true, so there is no network to "
                "create; leave AksClusterArgs.vnet_subnet_id unset (AKS makes its own)"
            )
        tags = args.tags.azure()  # raises TagRenderError before anything is registered
        super().__init__(TYPE_TOKEN, name, None, with_provider(opts, provider))
        self.plan = plan
        prefix = f"{resource_prefix(args.tags)}-{name}"
        child = pulumi.ResourceOptions(parent=self)
        where = {"resource_group_name": args.resource_group_name, "location": args.location}

        self.nat_gateway = None
        if plan.nat == "single":
            address = azure_native.network.PublicIPAddress(
                f"{name}-nat-ip",
                public_ip_address_name=f"{prefix}-nat-ip",
                sku=azure_native.network.PublicIPAddressSkuArgs(name="Standard"),
                public_ip_allocation_method="Static",
                tags=tags,
                opts=child,
                **where,
            )
            self.nat_gateway = azure_native.network.NatGateway(
                f"{name}-nat",
                nat_gateway_name=f"{prefix}-nat",
                sku=azure_native.network.NatGatewaySkuArgs(name="Standard"),
                public_ip_addresses=[azure_native.network.SubResourceArgs(id=address.id)],
                tags=tags,
                opts=child,
                **where,
            )
        self.outbound_type = "userAssignedNATGateway" if self.nat_gateway else "loadBalancer"
        self.vnet = azure_native.network.VirtualNetwork(
            f"{name}-vnet",
            virtual_network_name=f"{prefix}-vnet",
            address_space=azure_native.network.AddressSpaceArgs(
                address_prefixes=[args.network.cidr]
            ),
            subnets=[
                azure_native.network.SubnetArgs(
                    name=NODE_SUBNET,
                    address_prefix=plan.node_cidr,
                    default_outbound_access=False,
                    nat_gateway=(
                        azure_native.network.SubResourceArgs(id=self.nat_gateway.id)
                        if self.nat_gateway
                        else None
                    ),
                )
            ],
            tags=tags,
            opts=child,
            **where,
        )
        self.node_subnet_id = self.vnet.id.apply(lambda vnet: f"{vnet}/subnets/{NODE_SUBNET}")
        self.register_outputs(
            {
                "vnetId": self.vnet.id,
                "nodeSubnetId": self.node_subnet_id,
                "outboundType": self.outbound_type,
            }
        )

    @property
    def dns_service_ip(self) -> str:
        return dns_service_ip(self.plan.spec.services_cidr)


def aks_cluster_network(
    spec: NetworkSpec | None,
    *,
    tags: CostTags,
    resource_group_name: str | pulumi.Output[str],
    location: str,
    provider: pulumi.ProviderResource | None = None,
    name: str = "network",
) -> dict[str, Any]:
    """The stack's network for an AKS cluster: builds the :class:`AzureNetwork` (unless
    ``useDefaultVpc``: AKS's own VNet) and returns the ``AksClusterArgs`` fields it gives
    (node subnet, egress, overlay ranges, API access)."""
    if spec is None:
        return {}
    fields: dict[str, Any] = {
        "endpoint_public_access": spec.public_access,
        "public_access_cidrs": spec.public_access_cidrs,
    }
    if not spec.use_default_vpc:
        network = AzureNetwork(
            name,
            AzureNetworkArgs(
                tags=tags, network=spec, resource_group_name=resource_group_name, location=location
            ),
            provider=provider,
        )
        fields.update(
            vnet_subnet_id=network.node_subnet_id,
            outbound_type=network.outbound_type,
            pod_cidr=spec.pods_cidr,
            service_cidr=spec.services_cidr,
            dns_service_ip=network.dns_service_ip,
        )
    return fields


__all__ = [
    "NETWORK_CONTRIBUTOR",
    "NODE_SUBNET",
    "TYPE_TOKEN",
    "AzureNetwork",
    "AzureNetworkArgs",
    "aks_cluster_network",
    "dns_service_ip",
    "grant_network_contributor",
    "vnet_of",
]
