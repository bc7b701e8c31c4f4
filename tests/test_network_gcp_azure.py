"""Issue 12, item 1 on GCP and Azure: GKE with private nodes on its own subnetwork and Cloud
NAT, AKS on its own virtual network with a NAT gateway, both with the API endpoint limited to
the allowed CIDRs. Recorded under the SDK mock engine; wiring read from property dependencies."""

from __future__ import annotations

from typing import Any

import pytest

from thrifty.cluster.spec import ClusterSpec, ClusterSpecError
from thrifty.network.spec import NetworkSpec
from thrifty.offline.recording import RecordedResource, Recording, record_program
from thrifty.tags import COST_TAG_KEYS, CostTags

OFFICE = ["203.0.113.0/24"]


def tags(environment: str) -> CostTags:
    return CostTags.model_validate(
        {
            "project": "churn-predictor",
            "environment": environment,
            "team": "ml-team",
            "cost-center": "engineering",
            "owner": "ml-team@company.com",
        }
    )


def spec(system: str, spot: list[str], zones: int = 3) -> ClusterSpec:
    return ClusterSpec.model_validate(
        {
            "zones": zones,
            "systemPool": {
                "name": "system", "instanceTypes": [system], "vcpus": 2, "memoryGib": 8,
                "minSize": zones, "maxSize": 2 * zones,
            },
            "spotPools": [
                {
                    "name": "spot", "instanceTypes": spot, "vcpus": 4, "memoryGib": 16,
                    "minSize": 0, "maxSize": 6,
                }
            ],
        }
    )  # fmt: skip


def deps(resource: RecordedResource, prop: str) -> set[str]:
    return set(resource.property_dependencies.get(prop, ()))


def one(recording: Recording, type_token: str) -> RecordedResource:
    (found,) = recording.of_type(type_token)
    return found


# ------------------------------------------------------------------------------------- GCP

GKE_SPEC = spec("e2-standard-2", ["e2-standard-4", "n2-standard-4", "n2d-standard-4"])


def gcp_platform(environment: str, network: dict[str, Any]) -> Recording:
    def program() -> None:
        from thrifty.cluster.gcp import GkeCluster, GkeClusterArgs
        from thrifty.network.gcp import PODS_RANGE, SERVICES_RANGE, GcpNetwork, GcpNetworkArgs

        cost_tags = tags(environment)
        net = NetworkSpec.model_validate(network)
        vpc = GcpNetwork(
            "network",
            GcpNetworkArgs(tags=cost_tags, network=net, project="churn-prd", region="us-central1"),
        )
        GkeCluster(
            "cluster",
            GkeClusterArgs(
                tags=cost_tags, cluster=GKE_SPEC, project="churn-prd", region="us-central1",
                network=vpc.network.id, subnetwork=vpc.subnetwork.id,
                pods_range_name=PODS_RANGE, services_range_name=SERVICES_RANGE,
                private_nodes=True, endpoint_public_access=net.public_access,
                public_access_cidrs=net.public_access_cidrs,
            ),
        )  # fmt: skip

    return record_program(program, stack=environment, config={"gcp:project": "churn-prd"})


@pytest.fixture(scope="module")
def gcp_production() -> Recording:
    return gcp_platform("production", {"zones": 3, "publicAccessCidrs": OFFICE})


def test_gke_runs_private_nodes_on_its_own_subnetwork(gcp_production: Recording) -> None:
    network = one(gcp_production, "gcp:compute/network:Network")
    assert network.inputs["autoCreateSubnetworks"] is False
    subnetwork = one(gcp_production, "gcp:compute/subnetwork:Subnetwork")
    assert deps(subnetwork, "network") == {network.urn}
    assert subnetwork.inputs["ipCidrRange"] == "10.0.0.0/18"
    assert subnetwork.inputs["privateIpGoogleAccess"] is True
    assert subnetwork.inputs["secondaryIpRanges"] == [
        {"rangeName": "pods", "ipCidrRange": "10.244.0.0/16"},
        {"rangeName": "services", "ipCidrRange": "10.96.0.0/16"},
    ]
    cluster = one(gcp_production, "gcp:container/cluster:Cluster")
    assert deps(cluster, "network") == {network.urn}
    assert deps(cluster, "subnetwork") == {subnetwork.urn}
    inputs = cluster.inputs
    assert inputs["privateClusterConfig"] == {
        "enablePrivateNodes": True,
        "enablePrivateEndpoint": False,
    }
    assert inputs["ipAllocationPolicy"] == {
        "clusterSecondaryRangeName": "pods",
        "servicesSecondaryRangeName": "services",
    }
    blocks = inputs["masterAuthorizedNetworksConfig"]["cidrBlocks"]
    assert [block["cidrBlock"] for block in blocks] == OFFICE


def test_one_cloud_nat_serves_the_subnetwork_from_a_labelled_address(
    gcp_production: Recording,
) -> None:
    router = one(gcp_production, "gcp:compute/router:Router")
    nat = one(gcp_production, "gcp:compute/routerNat:RouterNat")
    address = one(gcp_production, "gcp:compute/address:Address")
    subnetwork = one(gcp_production, "gcp:compute/subnetwork:Subnetwork")
    assert deps(nat, "router") == {router.urn}
    assert deps(nat, "natIps") == {address.urn}
    assert deps(nat, "subnetworks") == {subnetwork.urn}
    assert nat.inputs["sourceSubnetworkIpRangesToNat"] == "LIST_OF_SUBNETWORKS"
    assert nat.inputs["natIpAllocateOption"] == "MANUAL_ONLY"
    assert all(address.inputs["labels"].get(key) for key in COST_TAG_KEYS)


def test_gcp_without_nat_has_no_router() -> None:
    recording = gcp_platform("development", {"zones": 3, "nat": "none"})
    assert not recording.of_type("gcp:compute/router:Router")
    assert not recording.of_type("gcp:compute/routerNat:RouterNat")


def test_gke_production_api_open_to_anyone_is_refused() -> None:
    def program() -> None:
        from thrifty.cluster.gcp import GkeCluster, GkeClusterArgs

        GkeCluster(
            "cluster",
            GkeClusterArgs(
                tags=tags("production"), cluster=GKE_SPEC, project="churn-prd",
                region="us-central1", public_access_cidrs=["0.0.0.0/0"],
            ),
        )  # fmt: skip

    recording = record_program(
        program, stack="production", config={"gcp:project": "churn-prd"}, raise_errors=False
    )
    assert isinstance(recording.error, ClusterSpecError)
    assert "public_access_cidrs" in str(recording.error) and "0.0.0.0/0" in str(recording.error)
    assert not recording.of_type("gcp:container/cluster:Cluster")


# ----------------------------------------------------------------------------------- Azure

AKS_SPEC = spec("Standard_D2s_v5", ["Standard_D4s_v5", "Standard_D4as_v5", "Standard_D4s_v4"])


def azure_platform(environment: str, network: dict[str, Any], *, preview: bool = True) -> Recording:
    def program() -> None:
        from thrifty.cluster.azure import AksCluster, AksClusterArgs
        from thrifty.foundation.azure import AzureFoundation
        from thrifty.foundation.spec import FoundationArgs
        from thrifty.network.azure import AzureNetwork, AzureNetworkArgs

        cost_tags = tags(environment)
        foundation = AzureFoundation("platform", FoundationArgs(tags=cost_tags, region="eastus"))
        group = foundation.resource_group_name
        net = NetworkSpec.model_validate(network)
        vnet = AzureNetwork(
            "network",
            AzureNetworkArgs(
                tags=cost_tags, network=net, resource_group_name=group, location="eastus"
            ),
            provider=foundation.provider,
        )
        AksCluster(
            "cluster",
            AksClusterArgs(
                tags=cost_tags, cluster=AKS_SPEC, resource_group_name=group, location="eastus",
                vnet_subnet_id=vnet.node_subnet_id, outbound_type=vnet.outbound_type,
                pod_cidr=net.pods_cidr, service_cidr=net.services_cidr,
                dns_service_ip=vnet.dns_service_ip, endpoint_public_access=net.public_access,
                public_access_cidrs=net.public_access_cidrs,
            ),
            provider=foundation.provider,
        )  # fmt: skip

    return record_program(
        program, stack=environment, config={"thrifty:region": "eastus"}, preview=preview
    )


@pytest.fixture(scope="module")
def azure_production() -> Recording:
    return azure_platform("production", {"zones": 3, "publicAccessCidrs": OFFICE})


def test_aks_pools_join_the_node_subnet_of_its_own_vnet(azure_production: Recording) -> None:
    vnet = one(azure_production, "azure-native:network:VirtualNetwork")
    assert vnet.inputs["addressSpace"] == {"addressPrefixes": ["10.0.0.0/16"]}
    (subnet,) = vnet.inputs["subnets"]
    assert subnet["name"] == "nodes" and subnet["addressPrefix"] == "10.0.0.0/18"
    assert subnet["defaultOutboundAccess"] is False
    cluster = one(azure_production, "azure-native:containerservice:ManagedCluster")
    assert vnet.urn in deps(cluster, "agentPoolProfiles")
    pools = azure_production.of_type("azure-native:containerservice:AgentPool")
    assert pools and all(deps(pool, "vnetSubnetID") == {vnet.urn} for pool in pools)
    profile = cluster.inputs["networkProfile"]
    assert profile["outboundType"] == "userAssignedNATGateway"
    assert (profile["podCidr"], profile["serviceCidr"], profile["dnsServiceIP"]) == (
        "10.244.0.0/16", "10.96.0.0/16", "10.96.0.10"
    )  # fmt: skip
    assert cluster.inputs["apiServerAccessProfile"] == {
        "authorizedIPRanges": OFFICE,
        "enablePrivateCluster": False,
    }


def test_aks_egress_is_a_nat_gateway_on_the_node_subnet(azure_production: Recording) -> None:
    nat = one(azure_production, "azure-native:network:NatGateway")
    address = one(azure_production, "azure-native:network:PublicIPAddress")
    vnet = one(azure_production, "azure-native:network:VirtualNetwork")
    assert deps(nat, "publicIpAddresses") == {address.urn}
    assert deps(vnet, "subnets") == {nat.urn}
    assert address.inputs["sku"] == {"name": "Standard"}
    for resource in (nat, address, vnet):
        assert all(resource.inputs["tags"].get(key) for key in COST_TAG_KEYS), resource.name


def test_aks_identity_may_manage_the_vnet(azure_production: Recording) -> None:
    (grant,) = azure_production.of_type("azure-native:authorization:RoleAssignment")
    cluster = one(azure_production, "azure-native:containerservice:ManagedCluster")
    vnet = one(azure_production, "azure-native:network:VirtualNetwork")
    # The cluster's identity is known once it exists: the grant waits for the cluster.
    assert cluster.urn in grant.dependencies
    assert deps(grant, "scope") == {vnet.urn}
    assert grant.inputs["principalType"] == "ServicePrincipal"


def test_aks_grant_is_network_contributor_on_the_vnet_after_up() -> None:
    from thrifty.network.azure import NETWORK_CONTRIBUTOR, vnet_of
    from thrifty.offline.answers.cloud import MOCK_AZURE_SUBSCRIPTION

    recording = azure_platform("development", {"zones": 3}, preview=False)
    (grant,) = recording.of_type("azure-native:authorization:RoleAssignment")
    vnet = one(recording, "azure-native:network:VirtualNetwork")
    assert grant.inputs["scope"] == vnet.resource_id
    assert grant.inputs["roleDefinitionId"] == (
        f"/subscriptions/{MOCK_AZURE_SUBSCRIPTION}/providers/Microsoft.Authorization/"
        f"roleDefinitions/{NETWORK_CONTRIBUTOR}"
    )
    arm = (
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/"
        "churn-vnet/subnets/nodes"
    )
    assert vnet_of(arm).endswith("/virtualNetworks/churn-vnet")


def test_azure_nat_none_keeps_the_load_balancer_egress() -> None:
    recording = azure_platform("development", {"zones": 3, "nat": "none"})
    assert not recording.of_type("azure-native:network:NatGateway")
    cluster = one(recording, "azure-native:containerservice:ManagedCluster")
    assert cluster.inputs["networkProfile"]["outboundType"] == "loadBalancer"
    assert "apiServerAccessProfile" not in cluster.inputs  # development: AKS's default
