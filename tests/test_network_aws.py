"""Issue 12, networking on AWS (items 1 and 2): the VPC thrifty builds, EKS wired into its
private subnets, zones chosen by zone ID, and what production refuses. Recorded under the SDK
mock engine; wiring is read from each resource's property dependencies (what a preview knows)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from thrifty.cluster.spec import ClusterSpec, ClusterSpecError
from thrifty.config import CapsConfig
from thrifty.network.spec import NetworkSpec, NetworkSpecError
from thrifty.offline.answers.mocks import OfflineMocks
from thrifty.offline.recording import RecordedResource, Recording, record_program
from thrifty.tags import COST_TAG_KEYS, CostTags

OWNER = "ml-team@company.com"
OFFICE = ["203.0.113.0/24"]
SUBNET = "aws:ec2/subnet:Subnet"
NAT = "aws:ec2/natGateway:NatGateway"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"


def tags(environment: str) -> CostTags:
    return CostTags.model_validate(
        {
            "project": "churn-predictor",
            "environment": environment,
            "team": "ml-team",
            "cost-center": "engineering",
            "owner": OWNER,
        }
    )


CLUSTER = ClusterSpec.model_validate(
    {
        "zones": 3,
        "systemPool": {
            "name": "system", "instanceTypes": ["m5.large", "m5a.large", "m6i.large"],
            "vcpus": 2, "memoryGib": 8, "minSize": 3, "maxSize": 4,
        },
        "spotPools": [
            {
                "name": "spot", "instanceTypes": ["m5.xlarge", "m5a.xlarge", "m6i.xlarge"],
                "vcpus": 4, "memoryGib": 16, "minSize": 0, "maxSize": 6,
            }
        ],
    }
)  # fmt: skip


def platform(
    environment: str, network: dict[str, Any] | None, zones: int = 3, **cluster: Any
) -> Callable[[], None]:
    """Foundation, network (when given) and an EKS cluster wired into it, as a stack does."""

    def program() -> None:
        from thrifty.cluster.aws import EksCluster, EksClusterArgs
        from thrifty.foundation.aws import AwsFoundation
        from thrifty.foundation.spec import FoundationArgs
        from thrifty.network.aws import AwsNetwork, AwsNetworkArgs

        cost_tags = tags(environment)
        foundation = AwsFoundation("platform", FoundationArgs(tags=cost_tags, region="us-east-1"))
        options: dict[str, Any] = dict(cluster)
        if network is not None:
            spec = NetworkSpec.model_validate(network)
            vpc = AwsNetwork(
                "network",
                AwsNetworkArgs(tags=cost_tags, network=spec, region="us-east-1"),
                provider=foundation.provider,
            )
            options.update(
                subnet_ids=vpc.private_subnet_ids,
                endpoint_public_access=spec.public_access,
                public_access_cidrs=spec.public_access_cidrs,
            )
        EksCluster(
            "cluster",
            EksClusterArgs(
                tags=cost_tags,
                cluster=CLUSTER.model_copy(update={"zones": zones}),
                caps=CapsConfig(),
                region="us-east-1",
                **options,
            ),
            provider=foundation.provider,
        )

    return program


def record(program: Callable[[], None], stack: str, **kwargs: Any) -> Recording:
    return record_program(program, stack=stack, config={"aws:region": "us-east-1"}, **kwargs)


def refusal(program: Callable[[], None]) -> tuple[Exception, Recording]:
    recording = record(program, "production", raise_errors=False)
    assert recording.error is not None, "the program was accepted"
    return recording.error, recording


def deps(resource: RecordedResource, prop: str) -> set[str]:
    return set(resource.property_dependencies.get(prop, ()))


def named(recording: Recording, type_token: str) -> dict[str, RecordedResource]:
    return {resource.name: resource for resource in recording.of_type(type_token)}


@pytest.fixture(scope="module")
def production() -> Recording:
    return record(platform("production", {"zones": 3, "publicAccessCidrs": OFFICE}), "production")


def test_production_nodes_run_in_private_subnets_of_the_vpc_it_creates(
    production: Recording,
) -> None:
    (vpc,) = production.of_type("aws:ec2/vpc:Vpc")
    assert vpc.inputs["cidrBlock"] == "10.0.0.0/16"
    assert vpc.inputs["enableDnsHostnames"] is True and vpc.inputs["enableDnsSupport"] is True
    subnets = named(production, SUBNET)
    private = {name: s for name, s in subnets.items() if "private" in name}
    public = {name: s for name, s in subnets.items() if "public" in name}
    assert len(private) == len(public) == 3
    for subnet in subnets.values():
        assert deps(subnet, "vpcId") == {vpc.urn}
        assert subnet.inputs["mapPublicIpOnLaunch"] is False
    assert all(s.inputs["tags"]["kubernetes.io/role/internal-elb"] == "1" for s in private.values())
    assert all(s.inputs["tags"]["kubernetes.io/role/elb"] == "1" for s in public.values())
    assert {s.inputs["cidrBlock"] for s in private.values()} == {
        "10.0.0.0/18", "10.0.64.0/18", "10.0.128.0/18"
    }  # fmt: skip
    private_urns = {s.urn for s in private.values()}
    groups = production.of_type(NODE_GROUP)
    assert groups
    for group in groups:
        assert deps(group, "subnetIds") == private_urns, group.name
    (cluster,) = production.of_type("aws:eks/cluster:Cluster")
    assert deps(cluster, "vpcConfig") == private_urns
    config = cluster.inputs["vpcConfig"]
    assert config["endpointPrivateAccess"] is True and config["endpointPublicAccess"] is True
    assert config["publicAccessCidrs"] == OFFICE


def test_production_has_one_nat_per_zone_each_routing_its_own_zone(production: Recording) -> None:
    subnets = named(production, SUBNET)
    nats = named(production, NAT)
    assert sorted(nats) == ["network-nat-a", "network-nat-b", "network-nat-c"]
    addresses = named(production, "aws:ec2/eip:Eip")
    tables = named(production, ROUTE_TABLE)
    associations = named(production, "aws:ec2/routeTableAssociation:RouteTableAssociation")
    for letter in "abc":
        nat = nats[f"network-nat-{letter}"]
        assert deps(nat, "subnetId") == {subnets[f"network-public-{letter}"].urn}
        assert deps(nat, "allocationId") == {addresses[f"network-nat-{letter}"].urn}
        table = tables[f"network-private-{letter}"]
        (route,) = table.inputs["routes"]
        assert route["cidrBlock"] == "0.0.0.0/0" and "natGatewayId" in route
        assert deps(table, "routes") == {nat.urn}
        association = associations[f"network-private-{letter}"]
        assert deps(association, "subnetId") == {subnets[f"network-private-{letter}"].urn}
        assert deps(association, "routeTableId") == {table.urn}
    (gateway,) = production.of_type("aws:ec2/internetGateway:InternetGateway")
    assert deps(tables["network-public"], "routes") == {gateway.urn}


def test_s3_gateway_endpoint_sits_on_every_private_route_table(production: Recording) -> None:
    (endpoint,) = production.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
    assert endpoint.inputs["vpcEndpointType"] == "Gateway"
    assert endpoint.inputs["serviceName"] == "com.amazonaws.us-east-1.s3"
    private_tables = {t.urn for n, t in named(production, ROUTE_TABLE).items() if "private" in n}
    assert deps(endpoint, "routeTableIds") == private_tables
    assert len(endpoint.inputs["routeTableIds"]) == 3


def test_every_network_resource_carries_the_cost_tags(production: Recording) -> None:
    (component,) = production.of_type("thrifty:network:AwsNetwork")
    children = [r for r in production if r.parent == component.urn]
    taggable = [r for r in children if "tags" in r.inputs]
    assert len(taggable) == 1 + 1 + 6 + 4 + 3 + 3 + 1  # vpc igw subnets tables eips nats s3
    for resource in taggable:
        assert all(resource.inputs["tags"].get(key) for key in COST_TAG_KEYS), resource.name
        assert resource.inputs["tags"]["Name"].startswith("churn-predictor-prd-network-")


def test_dev_shares_one_nat_and_zones_are_picked_by_zone_id() -> None:
    recording = record(platform("development", {}, zones=2), "dev", preview=False)
    nats = named(recording, NAT)
    assert list(nats) == ["network-nat-a"]
    tables = named(recording, ROUTE_TABLE)
    for letter in "ab":
        assert deps(tables[f"network-private-{letter}"], "routes") == {nats["network-nat-a"].urn}
    subnets = recording.of_type(SUBNET)
    # The offline region lists use1-az1, use1-az2, use1-az4: zone IDs, never zone names.
    assert {s.inputs["availabilityZoneId"] for s in subnets} == {"use1-az1", "use1-az2"}
    assert all("availabilityZone" not in s.inputs for s in subnets)


def test_explicit_zone_ids_are_used_as_given() -> None:
    network = {"zones": ["use1-az6", "use1-az4"], "nat": "none", "s3GatewayEndpoint": False}
    recording = record(platform("development", network, zones=2), "dev")
    zones = sorted((s.name, s.inputs["availabilityZoneId"]) for s in recording.of_type(SUBNET))
    assert zones == [
        ("network-private-a", "use1-az6"), ("network-private-b", "use1-az4"),
        ("network-public-a", "use1-az6"), ("network-public-b", "use1-az4"),
    ]  # fmt: skip
    assert not recording.of_type(NAT) and not recording.of_type("aws:ec2/eip:Eip")
    assert not recording.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
    for table in named(recording, ROUTE_TABLE).values():
        if "private" in table.name:
            assert table.inputs["routes"] == []


class _Calls(OfflineMocks):
    """The offline answers, keeping every invoke's token and arguments."""

    calls: list[tuple[str, dict[str, Any]]]

    def call(self, args: Any) -> Any:
        self.calls.append((args.token, dict(args.args)))
        return super().call(args)


def test_default_vpc_path_picks_subnets_by_zone_id_not_the_first_zone_names() -> None:
    """Item 2: which physical zone ``us-east-1a`` is differs per account, and use1-az3 cannot
    hold EKS subnets; the default-VPC path (throwaway dev) asks for subnets by zone ID."""
    mocks = _Calls.from_config({"aws:region": "us-east-1"}, preview=True)
    mocks.calls = []
    spec = CLUSTER.model_copy(update={"zones": 2})

    def program() -> None:
        from thrifty.cluster.aws import EksCluster, EksClusterArgs

        EksCluster(
            "cluster",
            EksClusterArgs(tags=tags("development"), cluster=spec, region="us-east-1"),
        )

    record(program, "dev", mocks=mocks)
    subnet_calls = [args for token, args in mocks.calls if token.startswith("aws:ec2/getSubnet")]
    assert [call.get("availabilityZoneId") for call in subnet_calls] == ["use1-az1", "use1-az2"]
    assert all(call.get("defaultForAz") is True for call in subnet_calls)
    assert not any("availability-zone" in str(call.get("filters")) for call in subnet_calls)


def test_production_eks_without_its_own_network_is_refused() -> None:
    error, recording = refusal(platform("production", None, public_access_cidrs=OFFICE))
    assert isinstance(error, ClusterSpecError)
    assert "subnet_ids" in str(error) and "default VPC" in str(error)
    assert not recording.of_type("aws:eks/cluster:Cluster")


@pytest.mark.parametrize(
    ("network", "words"),
    [
        ({"zones": 3}, ["publicAccessCidrs", "any address"]),
        ({"zones": 3, "publicAccessCidrs": ["0.0.0.0/0"]}, ["0.0.0.0/0"]),
        ({"useDefaultVpc": True, "publicAccessCidrs": OFFICE}, ["useDefaultVpc", "production"]),
        ({"zones": ["use1-az3", "use1-az1"], "publicAccessCidrs": OFFICE}, ["use1-az3", "EKS"]),
    ],
)
def test_production_network_refusals(network: dict[str, Any], words: list[str]) -> None:
    error, recording = refusal(platform("production", network))
    assert isinstance(error, (NetworkSpecError, ValueError))
    for word in words:
        assert word in str(error)
    assert not recording.of_type("aws:ec2/vpc:Vpc")
    assert not recording.of_type("aws:eks/cluster:Cluster")


def test_production_eks_open_to_any_address_is_refused_at_the_cluster_too() -> None:
    """Subnets alone are not enough: the cluster's own API access is checked."""

    def program() -> None:
        from thrifty.cluster.aws import EksCluster, EksClusterArgs

        EksCluster(
            "cluster",
            EksClusterArgs(
                tags=tags("production"), cluster=CLUSTER, caps=CapsConfig(), region="us-east-1",
                subnet_ids=["subnet-a", "subnet-b", "subnet-c"],
            ),
        )  # fmt: skip

    error, recording = refusal(program)
    assert "public_access_cidrs" in str(error) and "0.0.0.0/0" in str(error)
    assert not recording.of_type("aws:eks/cluster:Cluster")


def test_fewer_subnets_than_zones_is_refused() -> None:
    def program() -> None:
        from thrifty.cluster.aws import EksCluster, EksClusterArgs

        EksCluster(
            "cluster",
            EksClusterArgs(
                tags=tags("development"), cluster=CLUSTER, region="us-east-1",
                subnet_ids=["subnet-a", "subnet-b"],
            ),
        )  # fmt: skip

    recording = record(program, "dev", raise_errors=False)
    assert isinstance(recording.error, ClusterSpecError)
    assert "subnet_ids: 2 subnets for 3 zones" in str(recording.error)


def test_the_estimate_prices_nat_and_addresses_and_frees_the_plumbing(
    production: Recording,
) -> None:
    """Item 7: NAT gateways and their Elastic IPs are billed; the VPC, subnets, routes and the
    internet gateway are free with the cited reason; the S3 gateway endpoint is free."""
    from thrifty.billable import free_entry
    from thrifty.cost import catalog as cat
    from thrifty.cost import estimate
    from thrifty.offline.cost_step import cost_inputs

    result = estimate(cost_inputs(production))
    network = {item.urn: item for item in result.items if item.name.startswith("network-")}
    nat_hourly = cat.pricing("aws").nat_gateway.hourly  # type: ignore[union-attr]
    address = cat.pricing("aws").public_ipv4.kinds["in_use"].hourly  # type: ignore[union-attr]
    assert len(network) == 1 + 1 + 6 + 4 + 6 + 3 + 3 + 1  # ... + route table associations
    for item in network.values():
        kind = item.type.rsplit(":", 1)[-1]
        if kind == "NatGateway":
            assert item.baseline == pytest.approx(nat_hourly * result.hours_per_month)
            assert item.status == "needs-usage" and "dataProcessedGb" in item.reason
        elif kind == "Eip":
            assert item.status == "priced"
            assert item.baseline == pytest.approx(address * result.hours_per_month)
        elif kind in ("Vpc", "Subnet", "RouteTable", "InternetGateway"):
            entry = free_entry(item.type)
            assert entry is not None and entry.source == "https://aws.amazon.com/vpc/pricing/"
            assert item.status == "free" and entry.reason in item.reason, item.name
        elif kind == "VpcEndpoint":
            assert item.status == "free" and "gateway endpoint" in item.reason
        else:
            assert kind == "RouteTableAssociation" and item.status == "free"
    assert sum(1 for item in network.values() if item.baseline) == 6  # 3 NATs + 3 EIPs


def test_an_interface_endpoint_is_not_free() -> None:
    from thrifty.cost import CostInput, estimate

    def endpoint(kind: str | None) -> CostInput:
        props = {"serviceName": "com.amazonaws.us-east-1.ecr.dkr"}
        if kind:
            props["vpcEndpointType"] = kind
        return CostInput(
            type="aws:ec2/vpcEndpoint:VpcEndpoint",
            name=f"ep-{kind}",
            urn=f"urn:pulumi:t::p::aws:ec2/vpcEndpoint:VpcEndpoint::ep-{kind}",
            props=props,
            provider_props={"region": "us-east-1"},
        )

    interface, gateway, default = endpoint("Interface"), endpoint("Gateway"), endpoint(None)
    result = estimate([interface, gateway, default])
    assert result.item(interface.urn).status == "not-priced"
    assert "per endpoint-hour in each zone" in result.item(interface.urn).reason
    assert result.item(gateway.urn).status == result.item(default.urn).status == "free"
