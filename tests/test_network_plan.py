"""Issue 12's "Must show": the production AWS platform with its nodes in private subnets of a
VPC it creates, one NAT gateway per zone and the S3 gateway endpoint, visible in ``thrifty
plan`` (the installed console script, the real policy pack, the estimator).

The project is the reference production stack's own config plus a ``thrifty:network`` block,
and a program that wires foundation, budget, network and cluster as ``stacks/platform_aws.py``
does once the network is wired in (the lines handed over in the issue's report).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO_ROOT
from thrifty.offline.recording import Recording, record_stack

NETWORK = {
    "zones": 3,
    "nat": "per-zone",
    "s3GatewayEndpoint": True,
    "publicAccessCidrs": ["203.0.113.0/24"],
}
PROGRAM = '''"""The reference AWS platform on its own network."""

import pulumi

from thrifty.budget.aws import AwsBudget
from thrifty.budget.spec import BudgetArgs
from thrifty.cluster.aws import EksCluster, EksClusterArgs
from thrifty.config import load_environment_config
from thrifty.foundation.aws import AwsFoundation
from thrifty.foundation.spec import FoundationArgs
from thrifty.network.aws import AwsNetwork, AwsNetworkArgs

config = load_environment_config()
tags = config.cost_tags()
foundation = AwsFoundation("platform", FoundationArgs(tags=tags, region=config.region))
AwsBudget("budget", BudgetArgs(budget=config.budget, tags=tags), provider=foundation.provider)
assert config.network is not None and config.cluster is not None
network = AwsNetwork(
    "network",
    AwsNetworkArgs(tags=tags, network=config.network, region=config.region),
    provider=foundation.provider,
)
cluster = EksCluster(
    "cluster",
    EksClusterArgs(
        tags=tags,
        cluster=config.cluster,
        caps=config.caps,
        off_hours=config.off_hours,
        region=config.region,
        subnet_ids=network.private_subnet_ids,
        endpoint_public_access=config.network.public_access,
        public_access_cidrs=config.network.public_access_cidrs,
    ),
    provider=foundation.provider,
)
pulumi.export("clusterName", cluster.cluster.name)
'''


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("production-network")
    (root / "Pulumi.yaml").write_text(
        "name: thrifty-platform\nruntime: python\nmain: program/\nstackConfigDir: program\n"
    )
    (root / "program").mkdir()
    (root / "program" / "__main__.py").write_text(PROGRAM)
    stack = yaml.safe_load((REPO_ROOT / "stacks" / "Pulumi.production.yaml").read_text())
    stack["config"]["thrifty:network"] = NETWORK
    (root / "program" / "Pulumi.production.yaml").write_text(yaml.safe_dump(stack))
    return root


@pytest.fixture(scope="module")
def plan(project: Path) -> dict[str, Any]:
    script = Path(sys.executable).parent / "thrifty"
    result = subprocess.run(
        [str(script), "plan", "--stack", "production", "--format", "json", "-C", str(project)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr + result.stdout[-2000:]
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def nodes(tree: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for node in tree:
        found.append(node)
        found.extend(nodes(node.get("children", [])))
    return found


def test_the_plan_shows_the_vpc_its_nat_per_zone_and_the_s3_endpoint(
    plan: dict[str, Any],
) -> None:
    everything = nodes(plan["resources"])
    (network,) = [n for n in everything if n["type"] == "thrifty:network:AwsNetwork"]
    children = {(child["type"].rsplit(":", 1)[-1], child["name"]) for child in network["children"]}
    assert {("NatGateway", f"network-nat-{zone}") for zone in "abc"} <= children
    assert {("Subnet", f"network-private-{zone}") for zone in "abc"} <= children
    assert {("Subnet", f"network-public-{zone}") for zone in "abc"} <= children
    assert ("VpcEndpoint", "network-s3") in children and ("Vpc", "network-vpc") in children
    # Every network resource that needs the cost tags has them (the pack agrees below).
    assert all(not child.get("missingTags") for child in network["children"])


def test_the_plan_prices_the_nats_and_passes_the_production_policies(
    plan: dict[str, Any],
) -> None:
    assert plan["failed"] is False
    findings = plan["sections"]["Policies"]["data"]["findings"]
    assert not [f for f in findings if f["level"] == "mandatory"], findings
    costs = plan["cost"]["resources"]
    nat = [c for c in costs.values() if c["type"] == "aws:ec2/natGateway:NatGateway"]
    assert len(nat) == 3 and all(c["monthlyCost"]["baseline"] > 0 for c in nat)
    (endpoint,) = [c for c in costs.values() if c["type"] == "aws:ec2/vpcEndpoint:VpcEndpoint"]
    assert endpoint["status"] == "free"


@pytest.fixture(scope="module")
def recording(project: Path) -> Recording:
    return record_stack(project, "production")


def test_every_node_group_runs_in_the_private_subnets(recording: Recording) -> None:
    private = {
        subnet.urn
        for subnet in recording.of_type("aws:ec2/subnet:Subnet")
        if subnet.inputs["tags"].get("kubernetes.io/role/internal-elb") == "1"
    }
    assert len(private) == 3
    groups = recording.of_type("aws:eks/nodeGroup:NodeGroup")
    assert {g.inputs["nodeGroupName"] for g in groups} == {"system", "base", "spot"}
    for group in groups:
        assert set(group.property_dependencies["subnetIds"]) == private
    (cluster,) = recording.of_type("aws:eks/cluster:Cluster")
    assert cluster.inputs["vpcConfig"]["publicAccessCidrs"] == NETWORK["publicAccessCidrs"]
    assert not recording.of_type("aws:autoscaling/tag:Tag")
