"""The cloud-neutral network spec: CIDR math, zones, NAT defaults, API access and what each
cloud or production refuses, with messages that name the field, the value and what is allowed.
Pure functions and pydantic, plus the config key ``thrifty:network``."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from thrifty.config import ConfigError, validate_environment_config
from thrifty.network.spec import (
    NetworkSpec,
    NetworkSpecError,
    address_plan,
    aws_zone_id_prefix,
    choose_zone_ids,
    network_problems,
    own_network_problems,
    plan_network,
    public_access_problems,
)

OFFICE = ["203.0.113.0/24"]


def errors(raw: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        NetworkSpec.model_validate(raw)
    return str(caught.value)


def test_defaults_give_a_private_16_with_two_zones() -> None:
    plan = plan_network(NetworkSpec(), cloud="aws", environment="development", region="us-east-1")
    assert plan.private_cidrs == ("10.0.0.0/18", "10.0.64.0/18")
    assert plan.public_cidrs == ("10.0.192.0/20", "10.0.208.0/20")
    assert plan.nat == "single" and plan.nat_gateways == 1


@given(
    prefix=st.integers(min_value=16, max_value=24),
    zones=st.integers(min_value=1, max_value=3),
    base=st.sampled_from(["10.0.0.0", "172.16.0.0", "192.168.0.0"]),
)
def test_subnets_are_disjoint_and_inside_the_network(prefix: int, zones: int, base: str) -> None:
    network = ipaddress.IPv4Network(f"{base}/{prefix}", strict=False)
    spec = NetworkSpec(cidr=str(network), zones=zones, pods_cidr="172.31.0.0/16")
    private, public = address_plan(spec)
    assert len(private) == len(public) == zones
    blocks = [ipaddress.IPv4Network(cidr) for cidr in (*private, *public)]
    assert all(block.subnet_of(network) for block in blocks)
    for index, block in enumerate(blocks):
        assert not any(block.overlaps(other) for other in blocks[index + 1 :])
    # Private subnets hold the nodes (and, on AWS, the pods): four times a public one.
    assert blocks[0].num_addresses == 4 * blocks[-1].num_addresses
    # AWS's smallest subnet is /28.
    assert max(block.prefixlen for block in blocks) <= 28


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ({"cidr": "8.8.0.0/16"}, ["cidr", "8.8.0.0/16", "private"]),
        ({"cidr": "10.0.0.1/16"}, ["cidr", "10.0.0.1/16", "host bits"]),
        ({"cidr": "10.0.0.0/8"}, ["cidr", "/16 to /24"]),
        ({"cidr": "10.0.0.0/26"}, ["cidr", "/16 to /24"]),
        ({"zones": 4}, ["1 to 3 zones", "got 4"]),
        ({"zones": ["use1-az1", "use1-az1"]}, ["more than once", "use1-az1"]),
        ({"nat": "two"}, ["nat", "single", "per-zone", "none"]),
        ({"podsCidr": "10.0.128.0/17"}, ["overlaps", "podsCidr"]),
        ({"servicesCidr": "10.244.0.0/20"}, ["overlaps", "servicesCidr"]),
        ({"publicAccessCidrs": ["300.1.1.1/32"]}, ["300.1.1.1/32", "not a CIDR"]),
        ({"publicAccess": False, "publicAccessCidrs": OFFICE}, ["publicAccess is false"]),
        ({"useDefaultVpc": True, "nat": "single"}, ["useDefaultVpc", "nat", "ignored"]),
        ({"natGateways": 2}, ["natGateways", "Extra inputs"]),
    ],
)
def test_invalid_specs_are_refused_with_the_field_and_value(
    raw: dict[str, Any], words: list[str]
) -> None:
    message = errors(raw)
    for word in words:
        assert word in message


@pytest.mark.parametrize(
    ("cloud", "environment", "nat"),
    [
        ("aws", "production", "per-zone"),
        ("aws", "staging", "single"),
        ("aws", "development", "single"),
        ("gcp", "production", "single"),
        ("azure", "production", "single"),
    ],
)
def test_nat_defaults_by_cloud_and_environment(cloud: str, environment: str, nat: str) -> None:
    spec = NetworkSpec(zones=3, public_access_cidrs=OFFICE)
    plan = plan_network(spec, cloud=cloud, environment=environment)  # type: ignore[arg-type]
    assert plan.nat == nat
    assert plan.nat_gateways == (3 if nat == "per-zone" else 1)


@pytest.mark.parametrize(
    ("cloud", "raw", "words"),
    [
        ("gcp", {"nat": "per-zone"}, ["nat: per-zone", "Cloud NAT is one regional gateway"]),
        ("azure", {"nat": "per-zone"}, ["nat: per-zone", "one NAT gateway"]),
        ("aws", {"zones": 1}, ["zones", "at least 2", "got 1"]),
        ("aws", {"zones": ["us-east-1a", "use1-az2"]}, ["'us-east-1a'", "Zone ID"]),
        ("aws", {"zones": ["use1-az3", "use1-az2"]}, ["use1-az3", "EKS does not support"]),
        ("gcp", {"zones": ["europe-west1-b"]}, ["europe-west1-b", "not in the region"]),
        ("azure", {"zones": ["4"]}, ["'4'", '"1", "2" or "3"']),
    ],
)
def test_cloud_rules(cloud: str, raw: dict[str, Any], words: list[str]) -> None:
    region = {"aws": "us-east-1", "gcp": "us-central1", "azure": "eastus"}[cloud]
    with pytest.raises(NetworkSpecError) as caught:
        plan_network(
            NetworkSpec.model_validate(raw),
            cloud=cloud,  # type: ignore[arg-type]
            environment="development",
            region=region,
        )
    for word in words:
        assert word in str(caught.value)


def test_production_refuses_an_api_open_to_anyone_and_the_default_network() -> None:
    problems = network_problems(
        NetworkSpec(use_default_vpc=True), cloud="aws", environment="production"
    )
    assert len(problems) == 2
    assert problems[0].startswith("useDefaultVpc:") and "throwaway" in problems[0]
    assert problems[1].startswith("publicAccessCidrs:") and "0.0.0.0/0" in problems[1]
    # Development may use both; production may turn public access off instead.
    assert not network_problems(NetworkSpec(), cloud="aws", environment="development")
    assert not network_problems(
        NetworkSpec(public_access=False), cloud="aws", environment="production"
    )


@pytest.mark.parametrize("anywhere", ["0.0.0.0/0", "::/0"])
def test_any_address_is_refused_even_in_a_list(anywhere: str) -> None:
    (problem,) = public_access_problems("production", True, [*OFFICE, anywhere], "cidrs")
    assert problem.startswith("cidrs:") and anywhere in problem
    assert not public_access_problems("staging", True, [anywhere], "cidrs")


def test_zone_ids_are_chosen_in_id_order_without_eks_unsupported_ones() -> None:
    available = ["use1-az6", "use1-az3", "use1-az10", "use1-az2", "use1-az1"]
    assert choose_zone_ids(available, "us-east-1", 3) == ["use1-az1", "use1-az2", "use1-az6"]
    assert choose_zone_ids(["usw1-az1", "usw1-az2", "usw1-az3"], "us-west-1", 2) == [
        "usw1-az1",
        "usw1-az3",
    ]
    with pytest.raises(NetworkSpecError, match="us-west-1 has 2 Availability Zones EKS"):
        choose_zone_ids(["usw1-az1", "usw1-az2", "usw1-az3"], "us-west-1", 3)


def _stack(network: object) -> dict[str, object]:
    return {
        "thrifty:cloud": "aws",
        "thrifty:region": "us-east-1",
        "thrifty:environment": "production",
        "thrifty:tags": {
            "project": "churn-predictor",
            "team": "ml-team",
            "cost-center": "engineering",
            "owner": "ml-team@company.com",
        },
        "thrifty:budget": {
            "monthlyLimit": 5000,
            "alerts": [{"threshold": 80, "recipients": ["ml-team@company.com"]}],
        },
        "thrifty:network": network,
    }


def test_thrifty_network_is_a_config_key() -> None:
    config = validate_environment_config(
        _stack({"zones": 3, "nat": "per-zone", "publicAccessCidrs": OFFICE}), stack="production"
    )
    assert config.network is not None
    assert config.network.zone_count == 3 and config.network.public_access_cidrs == OFFICE
    with pytest.raises(ConfigError) as caught:
        validate_environment_config(_stack({"zones": 3, "nats": 2}), stack="production")
    assert "thrifty:network.nats: unknown key" in str(caught.value)


@pytest.mark.parametrize(
    ("region", "prefix"),
    [
        ("us-east-1", "use1"),
        ("us-west-2", "usw2"),
        ("eu-west-1", "euw1"),
        ("eu-central-1", "euc1"),
        ("ap-southeast-1", "apse1"),
        ("ap-northeast-1", "apne1"),
        ("ca-central-1", "cac1"),
        ("sa-east-1", "sae1"),
        ("us-gov-west-1", "usgw1"),
        ("us-iso-east-1", None),
    ],
)
def test_aws_zone_id_prefix_follows_the_region_code(region: str, prefix: str | None) -> None:
    assert aws_zone_id_prefix(region) == prefix


def test_zone_ids_must_belong_to_the_region() -> None:
    spec = NetworkSpec.model_validate({"zones": ["use1-az9", "usw2-az1"]})
    problems = network_problems(spec, cloud="aws", environment="development", region="us-east-1")
    assert problems == [
        "zones: 'usw2-az1' is not a zone ID of us-east-1 (its zone IDs start with use1-az, "
        "such as use1-az1)"
    ]
    assert network_problems(spec, cloud="aws", environment="development", region="us-west-2")[
        0
    ].startswith("zones: 'use1-az9' is not a zone ID of us-west-2")


def test_production_aws_cluster_needs_its_own_network() -> None:
    def rule(cloud: str, environment: str, has_network: bool) -> list[str]:
        return own_network_problems(
            cloud=cloud, environment=environment, has_network=has_network, field="f", remedy="r"
        )

    assert rule("aws", "production", False)[0].startswith("f: required for a production")
    assert rule("aws", "production", True) == []
    assert rule("aws", "staging", False) == []
    assert rule("gcp", "production", False) == []
