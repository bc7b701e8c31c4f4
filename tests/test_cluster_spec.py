"""The cluster spec's validation rules: each invalid spec fails with a message naming the field,
the value and what is allowed, and the component registers nothing. Plus the planning helpers
(splitting pools, priorities, off-hours crons) and the config-level checks."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from thrifty.cluster.spec import (
    ClusterArgs,
    ClusterSpec,
    ClusterSpecError,
    OffHoursSpec,
    PoolSpec,
    cluster_problems,
    plan_cluster,
    split_evenly,
)
from thrifty.config import CapsConfig, ConfigError, validate_environment_config
from thrifty.offline.recording import Recording, record_program
from thrifty.tags import CostTags

OWNER = "ml-team@company.com"


def tags(environment: str = "development") -> CostTags:
    return CostTags.model_validate(
        {
            "project": "churn-predictor",
            "environment": environment,
            "team": "ml-team",
            "cost-center": "engineering",
            "owner": OWNER,
        }
    )


SYSTEM: dict[str, Any] = {
    "name": "system",
    "instanceTypes": ["m5.large", "m5a.large", "m6i.large"],
    "vcpus": 2,
    "memoryGib": 8,
    "minSize": 1,
    "maxSize": 2,
}
SPOT: dict[str, Any] = {
    "name": "spot",
    "instanceTypes": ["m5.xlarge", "m5a.xlarge", "m6i.xlarge"],
    "vcpus": 4,
    "memoryGib": 16,
    "minSize": 0,
    "desiredSize": 1,
    "maxSize": 5,
}
DEV_CAPS = CapsConfig(
    max_node_vcpus=8,
    max_node_memory_gib=32,
    max_nodes_per_pool=5,
    max_nodes_per_cluster=10,
    max_disk_gib=100,
    allow_gpu=False,
)
HOURS = {"timeZone": "Europe/Berlin", "start": "08:00", "end": "18:00"}


def spec(**changes: Any) -> dict[str, Any]:
    """A valid AWS cluster spec (wire form) with ``changes`` applied on top."""
    base: dict[str, Any] = {"zones": 2, "systemPool": dict(SYSTEM), "spotPools": [dict(SPOT)]}
    base.update(changes)
    return base


def spot(**changes: Any) -> dict[str, Any]:
    return {**SPOT, **changes}


def record_refusal(build: Callable[[], object]) -> tuple[Exception, Recording]:
    """Run ``build`` in a program expecting it to raise; return the error and the recording."""
    caught: list[Exception] = []

    def program() -> None:
        try:
            build()
        except Exception as error:
            caught.append(error)

    recording = record_program(program, project="thrifty-test", stack="dev")
    assert caught, "the component accepted an invalid spec"
    return caught[0], recording


def eks(raw: dict[str, Any], environment: str = "development", **args: Any) -> Callable[[], None]:
    """A builder of an EksCluster from a raw spec (validated inside, as a user program does)."""

    def build() -> None:
        from thrifty.cluster.aws import EksCluster, EksClusterArgs

        options: dict[str, Any] = {"caps": DEV_CAPS, **args}
        if "off_hours" in options and isinstance(options["off_hours"], dict):
            options["off_hours"] = OffHoursSpec.model_validate(options["off_hours"])
        EksCluster(
            "cluster",
            EksClusterArgs(
                tags=tags(environment),
                cluster=ClusterSpec.model_validate(raw),
                region="us-east-1",
                **options,
            ),
        )

    return build


# Rules checked against the cloud, the environment and the caps (ClusterSpecError), each with
# the field path and the words that say what is allowed.
SPEC_RULES: list[tuple[str, dict[str, Any], str, dict[str, Any], list[str]]] = [
    (
        "spot pool with two instance types",
        spec(spotPools=[spot(instanceTypes=["m5.xlarge", "m5a.xlarge"])]),
        "development",
        {},
        ["cluster.spotPools[0].instanceTypes", "at least 3", "got 2", "m6i.xlarge"],
    ),
    (
        "instance type of another size",
        spec(spotPools=[spot(instanceTypes=["m5.xlarge", "m5a.xlarge", "m5.2xlarge"])]),
        "development",
        {},
        ["cluster.spotPools[0].instanceTypes", "'m5.2xlarge'", "8 vCPU", "not the pool's shape"],
    ),
    (
        "instance type of another architecture",
        spec(spotPools=[spot(instanceTypes=["m5.xlarge", "m5a.xlarge", "m6g.xlarge"])]),
        "development",
        {},
        ["'m6g.xlarge'", "arm64", "x86_64", "not the pool's shape"],
    ),
    (
        "declared shape that no type has",
        spec(spotPools=[spot(vcpus=8, memoryGib=32)]),
        "development",
        {},
        ["cluster.spotPools[0].instanceTypes", "'m5.xlarge'", "8 vCPU / 32 GiB"],
    ),
    (
        "instance type unknown to the catalog",
        spec(spotPools=[spot(instanceTypes=["m5.xlarge", "m5a.xlarge", "m99.mega"])]),
        "development",
        {},
        ["'m99.mega'", "not in thrifty's aws catalog"],
    ),
    (
        "nodes above the vCPU cap",
        spec(
            spotPools=[
                spot(
                    instanceTypes=["m5.4xlarge", "m5a.4xlarge", "m6i.4xlarge"],
                    vcpus=16,
                    memoryGib=64,
                )
            ]
        ),
        "development",
        {},
        ["cluster.spotPools[0]", "16 vCPUs", "caps.maxNodeVcpus 8"],
    ),
    (
        "pool above the per-pool cap",
        spec(spotPools=[spot(maxSize=6)]),
        "development",
        {},
        ["cluster.spotPools[0].maxSize", "6", "caps.maxNodesPerPool 5"],
    ),
    (
        "pools above the per-cluster cap",
        spec(
            onDemandPools=[{**SPOT, "name": "base", "minSize": 1, "maxSize": 5}],
            spotPools=[spot()],
        ),
        "development",
        {},
        ["cluster.maxSize", "add up to 12", "caps.maxNodesPerCluster 10"],
    ),
    (
        "disk above the cap",
        spec(spotPools=[spot(diskGib=150)]),
        "development",
        {},
        ["cluster.spotPools[0].diskGib", "150", "caps.maxDiskGib 100"],
    ),
    (
        "production without an on-demand node per zone",
        spec(zones=3, systemPool={**SYSTEM, "minSize": 2, "maxSize": 3}),
        "production",
        {},
        ["cluster.systemPool.minSize", "each of its 3 zones", ">= 3", "got 2"],
    ),
    (
        "production with an off-hours schedule",
        spec(zones=2, systemPool={**SYSTEM, "minSize": 2, "maxSize": 2}),
        "production",
        {"off_hours": HOURS},
        ["offHours", "production never scales down on a schedule"],
    ),
]


@pytest.mark.parametrize(
    ("raw", "environment", "args", "expected"),
    [rule[1:] for rule in SPEC_RULES],
    ids=[rule[0] for rule in SPEC_RULES],
)
def test_spec_rule_refused_before_anything_is_registered(
    raw: dict[str, Any], environment: str, args: dict[str, Any], expected: list[str]
) -> None:
    error, recording = record_refusal(eks(raw, environment, **args))
    assert isinstance(error, ClusterSpecError), error
    for words in expected:
        assert words in str(error), f"{words!r} missing from:\n{error}"
    assert len(recording) == 0, [resource.type for resource in recording]


def test_memory_and_gpu_caps_name_the_cap() -> None:
    memory = ClusterSpec.model_validate(
        spec(
            spotPools=[
                spot(
                    instanceTypes=["r5.xlarge", "r6i.xlarge", "m5.2xlarge"],
                    vcpus=4,
                    memoryGib=32,
                )
            ]
        )
    )
    caps = DEV_CAPS.model_copy(update={"max_node_memory_gib": 16})
    problems = cluster_problems(memory, cloud="aws", environment="development", caps=caps)
    assert any("32 GiB exceed caps.maxNodeMemoryGib 16" in problem for problem in problems)

    gpu = ClusterSpec.model_validate(
        spec(spotPools=[spot(instanceTypes=["g4dn.xlarge", "g5.xlarge", "m5.xlarge"], gpus=1)])
    )
    problems = cluster_problems(gpu, cloud="aws", environment="development", caps=DEV_CAPS)
    assert any("GPU nodes (1 per node) need caps.allowGpu: true" in p for p in problems)
    # m5.xlarge has no GPU: not the pool's shape.
    assert any("'m5.xlarge'" in p and "not the pool's shape" in p for p in problems)
    allowed = DEV_CAPS.model_copy(update={"allow_gpu": True})
    problems = cluster_problems(gpu, cloud="aws", environment="development", caps=allowed)
    assert not any("allowGpu" in problem for problem in problems)


def test_all_problems_are_reported_at_once() -> None:
    raw = spec(spotPools=[spot(instanceTypes=["m5.xlarge", "m5.2xlarge"], maxSize=9)])
    error, recording = record_refusal(eks(raw))
    assert isinstance(error, ClusterSpecError)
    assert [problem.split(":")[0] for problem in error.problems] == [
        "cluster.spotPools[0].instanceTypes",  # two types
        "cluster.spotPools[0].instanceTypes",  # m5.2xlarge is not 4 vCPU / 16 GiB
        "cluster.spotPools[0].maxSize",  # above maxNodesPerPool
        "cluster.maxSize",  # 2 + 9 above maxNodesPerCluster
    ], error.problems
    assert len(recording) == 0


# Rules the spec model enforces itself (pydantic): the error names the field and the value.
MODEL_RULES: list[tuple[str, dict[str, Any], list[str]]] = [
    (
        "min above desired",
        spec(spotPools=[spot(minSize=2, desiredSize=1)]),
        ["spotPools.0", "minSize <= desiredSize <= maxSize", "minSize=2 desiredSize=1"],
    ),
    (
        "desired above max",
        spec(spotPools=[spot(desiredSize=6, maxSize=5)]),
        ["spotPools.0", "desiredSize=6 maxSize=5"],
    ),
    (
        "negative minimum",
        spec(systemPool={**SYSTEM, "minSize": -1}),
        ["systemPool.minSize", "greater than or equal to 0"],
    ),
    (
        "no spot pool",
        spec(spotPools=[]),
        ["spotPools", "at least 1 item"],
    ),
    (
        "pool names repeated",
        spec(onDemandPools=[{**SPOT, "name": "spot"}]),
        ["pool names must be unique", "['spot']"],
    ),
    (
        "instance type listed twice",
        spec(spotPools=[spot(instanceTypes=["m5.xlarge", "m5.xlarge", "m6i.xlarge"])]),
        ["spotPools.0.instanceTypes", "more than once", "m5.xlarge"],
    ),
    (
        "pool name AKS cannot take",
        spec(spotPools=[spot(name="Spot-Pool")]),
        ["spotPools.0.name", "[a-z][a-z0-9]{0,9}"],
    ),
    (
        "label under a reserved prefix",
        spec(spotPools=[spot(labels={"node.kubernetes.io/role": "x"})]),
        ["node.kubernetes.io/role", "reserved prefix"],
    ),
    (
        "label thrifty sets itself",
        spec(spotPools=[spot(labels={"thrifty.io/pool": "x"})]),
        ["thrifty.io/pool", "reserved prefix"],
    ),
    (
        "label value Kubernetes rejects",
        spec(spotPools=[spot(labels={"team": "ml team!"})]),
        ["'ml team!'", "not a valid Kubernetes label value"],
    ),
    (
        "taint with an unknown effect",
        spec(spotPools=[spot(taints=[{"key": "gpu", "value": "true", "effect": "Never"}])]),
        ["taints.0.effect", "NoSchedule", "'Never'"],
    ),
    (
        "zones beyond three",
        spec(zones=4),
        ["zones", "less than or equal to 3"],
    ),
    (
        "unknown key",
        spec(spotPools=[spot(maxNodes=3)]),
        ["spotPools.0.maxNodes", "Extra inputs are not permitted"],
    ),
]


@pytest.mark.parametrize(
    ("raw", "expected"), [rule[1:] for rule in MODEL_RULES], ids=[r[0] for r in MODEL_RULES]
)
def test_model_rule_refused_before_anything_is_registered(
    raw: dict[str, Any], expected: list[str]
) -> None:
    error, recording = record_refusal(eks(raw))
    assert isinstance(error, ValidationError), error
    for words in expected:
        assert words in str(error), f"{words!r} missing from:\n{error}"
    assert len(recording) == 0


OFF_HOURS_RULES: list[tuple[str, dict[str, Any], list[str]]] = [
    ("unknown time zone", {**HOURS, "timeZone": "Mars/Olympus"}, ["'Mars/Olympus'", "IANA"]),
    ("start after end", {**HOURS, "start": "19:00"}, ["start 19:00 must be before end 18:00"]),
    ("malformed time", {**HOURS, "end": "6pm"}, ["end", "String should match pattern"]),
    ("day listed twice", {**HOURS, "days": ["mon", "mon"]}, ["listed more than once"]),
    ("unknown day", {**HOURS, "days": ["monday"]}, ["days.0", "'mon'"]),
    ("namespace not a DNS label", {**HOURS, "namespaces": ["Team_A"]}, ["'Team_A'", "DNS"]),
]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [rule[1:] for rule in OFF_HOURS_RULES],
    ids=[rule[0] for rule in OFF_HOURS_RULES],
)
def test_off_hours_rule(raw: dict[str, Any], expected: list[str]) -> None:
    with pytest.raises(ValidationError) as caught:
        OffHoursSpec.model_validate(raw)
    for words in expected:
        assert words in str(caught.value), f"{words!r} missing from:\n{caught.value}"


def test_gcp_and_azure_need_room_for_one_node_per_spot_type() -> None:
    raw = spec(
        systemPool={**SYSTEM, "instanceTypes": ["e2-standard-2"]},
        spotPools=[
            spot(instanceTypes=["e2-standard-4", "n2-standard-4", "n2d-standard-4"], maxSize=2)
        ],
    )

    def build() -> None:
        from thrifty.cluster.gcp import GkeCluster, GkeClusterArgs

        GkeCluster(
            "cluster",
            GkeClusterArgs(
                tags=tags(),
                cluster=ClusterSpec.model_validate(raw),
                project="churn-dev",
                region="us-central1",
            ),
        )

    error, recording = record_refusal(build)
    assert isinstance(error, ClusterSpecError)
    assert "cluster.spotPools[0].maxSize: 2 is below the number of instance types (3)" in str(error)
    assert len(recording) == 0
    # The same pool is fine on AWS, where one node group holds every type.
    aws_raw = spec(spotPools=[spot(maxSize=2)])
    plan_cluster("c", ClusterArgs(tags=tags(), cluster=ClusterSpec.model_validate(aws_raw)), "aws")


def test_cluster_name_too_long_for_gke_is_refused() -> None:
    raw = spec(
        systemPool={**SYSTEM, "instanceTypes": ["e2-standard-2"]},
        spotPools=[spot(instanceTypes=["e2-standard-4", "n2-standard-4", "n2d-standard-4"])],
    )
    args = ClusterArgs(tags=tags(), cluster=ClusterSpec.model_validate(raw))
    with pytest.raises(ClusterSpecError) as caught:
        plan_cluster("analytics-platform-main", args, "gcp")
    assert "'churn-predictor-dev-analytics-platform-main'" in str(caught.value)
    assert "at most 40 characters" in str(caught.value)
    assert plan_cluster("main", args, "gcp").cluster_name == "churn-predictor-dev-main"


def test_types_of_another_cloud_are_refused() -> None:
    problems = cluster_problems(
        ClusterSpec.model_validate(spec()), cloud="azure", environment="development"
    )
    assert "systemPool.instanceTypes: 'm5.large' is not in thrifty's azure catalog" in problems[0]


def test_split_evenly_keeps_the_total() -> None:
    assert split_evenly(5, 3) == [2, 2, 1]
    assert split_evenly(1, 3) == [1, 0, 0]
    assert split_evenly(0, 2) == [0, 0]
    assert split_evenly(9, 3) == [3, 3, 3]


def test_split_clouds_get_one_pool_per_spot_type_with_the_same_totals() -> None:
    raw = spec(
        systemPool={**SYSTEM, "instanceTypes": ["e2-standard-2", "n2-standard-2"]},
        spotPools=[
            spot(
                instanceTypes=["e2-standard-4", "n2-standard-4", "n2d-standard-4"],
                minSize=1,
                desiredSize=2,
                maxSize=5,
            )
        ],
    )
    plan = plan_cluster(
        "c", ClusterArgs(tags=tags(), cluster=ClusterSpec.model_validate(raw)), "gcp"
    )
    system, *spots = plan.pools
    assert system.instance_types == ("e2-standard-2",) and system.name == "system"
    assert [p.name for p in spots] == ["spot0", "spot1", "spot2"]
    assert [p.instance_types[0] for p in spots] == [
        "e2-standard-4",
        "n2-standard-4",
        "n2d-standard-4",
    ]
    assert sum(p.min_size for p in spots) == 1
    assert sum(p.desired_size for p in spots) == 2
    assert sum(p.max_size for p in spots) == 5
    assert all(p.min_size <= p.desired_size <= p.max_size and p.max_size >= 1 for p in spots)


def test_priorities_prefer_spot_then_on_demand_then_anything() -> None:
    raw = spec(onDemandPools=[{**SPOT, "name": "base", "minSize": 1, "maxSize": 2}])
    plan = plan_cluster(
        "c", ClusterArgs(tags=tags(), cluster=ClusterSpec.model_validate(raw)), "aws"
    )
    text = plan.expander_priorities({p.name: f"^eks-{p.name}-.*" for p in plan.pools})
    tiers = yaml.safe_load(text)
    assert tiers == {50: ["^eks-spot-.*"], 20: ["^eks-base-.*"], 10: [".*"]}

    def chosen(group: str) -> int:
        """What the priority expander does: the highest tier whose regex matches."""
        return max(w for w, patterns in tiers.items() if any(re.match(p, group) for p in patterns))

    assert chosen("eks-spot-5ac6b3f0-1a2b") == 50
    assert chosen("eks-base-5ac6b3f0-1a2b") == 20
    assert chosen("eks-system-5ac6b3f0-1a2b") == 10


def test_off_hours_crons_cover_working_days_only() -> None:
    hours = OffHoursSpec.model_validate({**HOURS, "start": "07:30", "days": ["fri", "mon"]})
    assert hours.scale_up_cron == "30 7 * * 1,5"
    assert hours.scale_down_cron == "0 18 * * 1,5"
    assert OffHoursSpec.model_validate(HOURS).scale_down_cron == "0 18 * * 1,2,3,4,5"


def test_pool_desired_defaults_to_minimum() -> None:
    pool = PoolSpec.model_validate({**SPOT, "desiredSize": None, "minSize": 2})
    assert pool.desired == 2


def _stack_config(**cluster: Any) -> dict[str, object]:
    """An engine-form config map of a valid AWS dev stack, with a cluster."""
    import json

    return {
        "thrifty:cloud": "aws",
        "thrifty:region": "us-east-1",
        "thrifty:environment": cluster.pop("environment", "development"),
        "thrifty:tags": json.dumps(
            {"project": "churn-predictor", "team": "ml-team", "cost-center": "eng", "owner": OWNER}
        ),
        "thrifty:budget": json.dumps(
            {"monthlyLimit": 1000, "alerts": [{"threshold": 80, "recipients": [OWNER]}]}
        ),
        "thrifty:caps": json.dumps({"maxNodesPerPool": 5, "maxNodesPerCluster": 10}),
        **{f"thrifty:{key}": json.dumps(value) for key, value in cluster.items()},
    }


def test_config_names_every_cluster_problem_with_its_key() -> None:
    config = _stack_config(
        cluster=spec(spotPools=[spot(instanceTypes=["m5.xlarge", "m5a.xlarge"], maxSize=7)]),
        environment="production",
        offHours=HOURS,
    )
    with pytest.raises(ConfigError) as caught:
        validate_environment_config(config, stack="production")
    text = str(caught.value)
    assert "thrifty:cluster.spotPools[0].instanceTypes: a spot pool needs at least 3" in text
    assert "thrifty:cluster.spotPools[0].maxSize: 7 exceeds caps.maxNodesPerPool 5" in text
    assert "thrifty:cluster.systemPool.minSize" in text
    assert "thrifty:offHours: production never scales down" in text


def test_config_rejects_a_cluster_typo() -> None:
    config = _stack_config(cluster={**spec(), "spotPool": [SPOT]})
    with pytest.raises(ConfigError) as caught:
        validate_environment_config(config, stack="dev")
    assert "thrifty:cluster.spotPool: unknown key" in str(caught.value)


def test_config_accepts_a_valid_cluster() -> None:
    config = validate_environment_config(_stack_config(cluster=spec(), offHours=HOURS), stack="dev")
    assert config.cluster is not None and config.cluster.spot_pools[0].max_size == 5
    assert config.off_hours is not None and config.off_hours.time_zone == "Europe/Berlin"


def test_a_valid_spec_registers_a_component() -> None:
    """The refusals above are not a component that refuses everything."""
    recording = record_program(eks(spec()), project="thrifty-test", stack="dev")
    assert recording.of_type("thrifty:cluster:EksCluster")
    assert recording.of_type("aws:eks/nodeGroup:NodeGroup")
