"""The right-sizing rules, as pure functions over hand-made evidence and real stack configs.

Every expected figure is derived here by hand from the rule (p95 x (1 + headroom), the
workload's limit/request ratio, the VPA recommender's OOM bump) so a change in a rule shows.
Stacks are read from small projects written to a temporary directory (``project_with``), whose
program is the reference one in ``stacks/``; reading a stack runs no program.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO_ROOT
from thrifty.quantities import format_cpu, format_memory, parse_quantity
from thrifty.rightsize.capacity import (
    Amounts,
    Demand,
    PoolCapacity,
    node_allocatable,
    place,
    smaller_type,
)
from thrifty.rightsize.measure import (
    DAY,
    ContainerEvidence,
    Measurements,
    PoolEvidence,
    Signal,
    Usage,
    quantile,
)
from thrifty.rightsize.recommend import recommend
from thrifty.rightsize.rules import (
    Finding,
    Settings,
    SettingsError,
    demands,
    pool_finding,
    workload_finding,
)
from thrifty.rightsize.stack import StackState, WorkloadState, load_stack
from thrifty.workload.spec import WorkloadSpec

FIXTURE = REPO_ROOT / "tests" / "fixtures" / "rightsize"
SHOP = FIXTURE / "project" / "Pulumi.shop.yaml"
MIB = 2**20
WEEK = 7 * DAY


def project_with(directory: Path, stack_text: str, stack: str = "shop") -> Path:
    """A project in ``directory`` running the reference program with ``stack_text``."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text(
        f"name: rightsize-test\nruntime: python\nmain: {REPO_ROOT / 'stacks'}\n"
    )
    (directory / f"Pulumi.{stack}.yaml").write_text(stack_text)
    return directory


def shop_config() -> dict[str, object]:
    document = yaml.safe_load(SHOP.read_text())
    assert isinstance(document, dict)
    return document


def stack_from(tmp_path: Path, document: dict[str, object]) -> StackState:
    project_with(tmp_path, yaml.safe_dump(document, sort_keys=False))
    return load_stack(tmp_path, "shop")


def usage(value: float, window: float = WEEK, samples: int | None = 169) -> Usage:
    return Usage(value, "p95 of test samples", window, samples, "test", "prometheus")


def workload(**overrides: object) -> WorkloadState:
    spec = {"namespace": "ml", "image": "registry/app:1"}
    spec.update(overrides)
    return WorkloadState("app", WorkloadSpec.model_validate(spec))


def changes_of(finding: Finding) -> dict[str, object]:
    return {change.location: change.new for change in finding.changes}


# --------------------------------------------------------------------------- containers


def test_an_oversized_container_gets_p95_plus_headroom_in_its_limit_ratio() -> None:
    app = workload(
        resources={
            "requests": {"cpu": "1900m", "memory": "2Gi"},
            "limits": {"cpu": "2", "memory": "3Gi"},
        }
    )
    evidence = ContainerEvidence(usage={"cpu": usage(0.150), "memory": usage(600 * MIB)})
    finding = workload_finding(app, evidence, Settings())
    assert finding.verdict == "change"
    # cpu: 150m x 1.15 = 172.5m -> 173m (rounded up); limit 173m x 2/1.9 = 182.1m -> 183m.
    # memory: 600Mi x 1.15 = 690Mi; limit 690Mi x 3/2 = 1035Mi.
    assert changes_of(finding) == {
        "thrifty:workloads.app.resources.requests.cpu": "173m",
        "thrifty:workloads.app.resources.limits.cpu": "183m",
        "thrifty:workloads.app.resources.requests.memory": "690Mi",
        "thrifty:workloads.app.resources.limits.memory": "1035Mi",
    }
    cpu = next(item for item in finding.evidence if item.subject == "cpu")
    assert "150m" in cpu.measured and "8% of request 1900m" in cpu.compared
    assert "oversized below 30%" in cpu.compared and "7d" in cpu.window


def test_the_evidence_says_the_data_must_postdate_the_current_config() -> None:
    app = workload(
        resources={
            "requests": {"cpu": "1900m", "memory": "2Gi"},
            "limits": {"cpu": "2", "memory": "3Gi"},
        }
    )
    evidence = ContainerEvidence(
        usage={"cpu": usage(0.150)}, oom_killed=Signal(1.0, None, "oom.json data.result[0]")
    )
    finding = workload_finding(app, evidence, Settings())
    config = next(item for item in finding.evidence if item.subject == "config")
    assert config.measured == (
        "compared with the stack's current requests 1900m / 2Gi, limits 2 / 3Gi"
    )
    assert "the data must postdate the current config" in config.compared
    oom = next(item for item in finding.evidence if item.subject == "OOM kill")
    assert "a kill from before the last change of the limit would count again" in oom.compared
    # Nothing measured, nothing compared: no config line.
    assert workload_finding(app, ContainerEvidence(), Settings()).evidence == []


def test_thresholds_and_headroom_are_settings() -> None:
    app = workload()  # the guide's 100m / 256Mi, limits 500m / 512Mi
    evidence = ContainerEvidence(usage={"cpu": usage(0.045), "memory": usage(150 * MIB)})
    assert workload_finding(app, evidence, Settings()).verdict == "already-right"
    strict = Settings(cpu_threshold=0.5, headroom=0.5)
    finding = workload_finding(app, evidence, strict)
    # 45m is 45 % of 100m, below 50 %: 45m x 1.5 = 67.5m -> 68m; limit x 5 = 340m.
    assert changes_of(finding) == {
        "thrifty:workloads.app.resources.requests.cpu": "68m",
        "thrifty:workloads.app.resources.limits.cpu": "340m",
    }


def test_new_requests_never_go_below_the_floor() -> None:
    app = workload(
        resources={
            "requests": {"cpu": "100m", "memory": "256Mi"},
            "limits": {"cpu": "200m", "memory": "512Mi"},
        }
    )
    evidence = ContainerEvidence(usage={"cpu": usage(0.001), "memory": usage(4 * MIB)})
    finding = workload_finding(app, evidence, Settings())
    assert changes_of(finding) == {
        "thrifty:workloads.app.resources.requests.cpu": "10m",
        "thrifty:workloads.app.resources.limits.cpu": "20m",
        "thrifty:workloads.app.resources.requests.memory": "32Mi",
        "thrifty:workloads.app.resources.limits.memory": "64Mi",
    }
    floors = Settings(cpu_floor=0.1, memory_floor=256 * MIB)
    at_floor = workload_finding(app, evidence, floors)
    assert at_floor.verdict == "already-right"
    assert "already at its floor 100m" in at_floor.reason


def test_a_container_within_the_thresholds_is_already_right() -> None:
    evidence = ContainerEvidence(usage={"cpu": usage(0.05), "memory": usage(200 * MIB)})
    finding = workload_finding(workload(), evidence, Settings())
    assert finding.verdict == "already-right"
    assert finding.changes == []
    assert "cpu at 50% of its request" in finding.reason


def test_a_throttled_container_gets_more_cpu() -> None:
    app = workload(
        resources={
            "requests": {"cpu": "200m", "memory": "512Mi"},
            "limits": {"cpu": "400m", "memory": "1Gi"},
        }
    )
    throttled = Signal(0.35, WEEK, "throttling.json")
    evidence = ContainerEvidence(
        usage={"cpu": usage(0.170), "memory": usage(400 * MIB)}, throttled=throttled
    )
    finding = workload_finding(app, evidence, Settings())
    # 200m x 1.2 = 240m beats 170m x 1.15 = 195.5m; the limit keeps the ratio 2.
    assert changes_of(finding) == {
        "thrifty:workloads.app.resources.requests.cpu": "240m",
        "thrifty:workloads.app.resources.limits.cpu": "480m",
    }
    assert "throttled in 35% of CFS periods" in finding.reason
    mild = ContainerEvidence(usage=evidence.usage, throttled=Signal(0.1, WEEK, "t"))
    assert workload_finding(app, mild, Settings()).verdict == "already-right"


def test_an_oom_killed_container_gets_more_memory_even_with_little_data() -> None:
    app = workload(
        resources={
            "requests": {"cpu": "200m", "memory": "512Mi"},
            "limits": {"cpu": "400m", "memory": "1Gi"},
        }
    )
    evidence = ContainerEvidence(oom_killed=Signal(1.0, None, "oom.json"))
    finding = workload_finding(app, evidence, Settings())
    # The limit grows by max(1Gi x 1.2, 1Gi + 100Mi) = 1228.8Mi; request = that / 2 -> 615Mi.
    assert changes_of(finding) == {
        "thrifty:workloads.app.resources.requests.memory": "615Mi",
        "thrifty:workloads.app.resources.limits.memory": "1230Mi",
    }
    assert finding.verdict == "change"
    assert "cpu: too little data (no measurement)" in finding.reason


def test_a_container_at_its_limit_gets_more() -> None:
    app = workload()  # limits 500m / 512Mi
    evidence = ContainerEvidence(usage={"cpu": usage(0.480), "memory": usage(100 * MIB)})
    finding = workload_finding(app, evidence, Settings())
    # 480m is 96 % of the 500m limit: request max(100m x 1.2, 480m x 1.15 = 552m), limit x 5.
    assert changes_of(finding)["thrifty:workloads.app.resources.requests.cpu"] == "552m"
    assert changes_of(finding)["thrifty:workloads.app.resources.limits.cpu"] == "2760m"
    assert "p95 at 96% of its limit" in finding.reason


@pytest.mark.parametrize(
    ("figure", "expected"),
    [
        (usage(0.01, window=3 * DAY), "window 3d is shorter than 7d"),
        (usage(0.01, samples=40), "40 samples, fewer than 168"),
        (usage(0.01, window=None), "has no window"),
    ],
)
def test_too_little_data_gives_no_recommendation(figure: Usage, expected: str) -> None:
    evidence = ContainerEvidence(usage={"cpu": figure, "memory": figure})
    finding = workload_finding(workload(), evidence, Settings())
    assert finding.verdict == "too-little-data"
    assert finding.changes == []
    assert expected in finding.reason


def test_the_minimum_window_and_samples_are_settings() -> None:
    figure = usage(0.01, window=3 * DAY, samples=40)
    evidence = ContainerEvidence(usage={"cpu": figure})
    relaxed = Settings(min_window=2 * DAY, min_samples=24)
    finding = workload_finding(workload(), evidence, relaxed)
    assert finding.verdict == "change"
    assert "memory: too little data (no measurement)" in finding.reason


def test_settings_out_of_range_are_named() -> None:
    with pytest.raises(SettingsError, match=r"cpu_threshold 1\.5 is outside 0\.01\.\.1"):
        Settings(cpu_threshold=1.5)
    with pytest.raises(SettingsError, match=r"headroom -0\.1"):
        Settings(headroom=-0.1)


def test_quantile_is_promql_quantile_over_time() -> None:
    # rank = 0.95 x (5 - 1) = 3.8: 40 + 0.8 x (100 - 40) = 88 (promql/quantile.go)
    assert quantile(0.95, [10, 20, 30, 40, 100]) == pytest.approx(88.0)
    assert quantile(0.5, [3.0]) == 3.0


# --------------------------------------------------------------------------- pools


def test_smaller_type_keeps_family_and_architecture() -> None:
    for cloud, name, expected in [
        ("aws", "m5.xlarge", "m5.large"),
        ("aws", "t3.large", "t3.medium"),
        ("aws", "m7g.xlarge", "m7g.large"),
        ("gcp", "e2-standard-4", "e2-standard-2"),
        ("azure", "Standard_D4s_v5", "Standard_D2s_v5"),
    ]:
        found = smaller_type(cloud, name)  # type: ignore[arg-type]
        assert found is not None and found.name == expected, (cloud, name)
        from thrifty.cost.catalog import instance_type

        base = instance_type(cloud, name)  # type: ignore[arg-type]
        assert base is not None
        assert (found.family, found.architecture) == (base.family, base.architecture)
    assert smaller_type("aws", "m5.large") is None  # the smallest m5


def _pools(stack: StackState) -> dict[str, PoolEvidence]:
    return {pool.name: PoolEvidence() for pool in stack.pools}


def _under_used(cpu: float = 0.1, memory: float = 0.15) -> PoolEvidence:
    return PoolEvidence(usage={"cpu": usage(cpu), "memory": usage(memory)})


def test_an_under_used_pool_gets_the_smaller_type_of_each_family(tmp_path: Path) -> None:
    stack = stack_from(tmp_path, shop_config())
    spot = next(pool for pool in stack.pools if pool.name == "spot")
    finding = pool_finding(stack, spot, _under_used(), demands(stack, []), Settings())
    assert finding.verdict == "change"
    assert changes_of(finding) == {
        "thrifty:cluster.spotPools[0].instanceTypes": ("m5.large", "m5a.large", "m6i.large"),
        "thrifty:cluster.spotPools[0].vcpus": 2,
        "thrifty:cluster.spotPools[0].memoryGib": 8,
    }
    shares = [item for item in finding.evidence if item.subject.endswith("used / allocatable")]
    assert len(shares) == 2
    for item in shares:
        assert "169 samples" in item.window
    assert [item.subject for item in finding.evidence][-1] == "measured on"


def _after_write(tmp_path: Path) -> StackState:
    """The shop stack as ``--write`` leaves it: the system pool on t3.medium / t3a.medium."""
    document = shop_config()
    system = document["config"]["thrifty:cluster"]["systemPool"]  # type: ignore[index]
    system.update(instanceTypes=["t3.medium", "t3a.medium"], memoryGib=4)
    return stack_from(tmp_path, document)


def test_a_share_measured_on_another_type_is_refused(tmp_path: Path) -> None:
    stack = _after_write(tmp_path)
    system = next(pool for pool in stack.pools if pool.name == "system")
    stale = _under_used(cpu=0.12, memory=0.20)
    stale.measured_on = {"t3.large"}
    finding = pool_finding(stack, system, stale, demands(stack, []), Settings())
    assert finding.verdict == "too-little-data"
    assert finding.changes == []
    assert (
        finding.reason
        == "measured on t3.large, the stack now says t3.medium, t3a.medium: measure again"
    )


def test_a_pool_is_judged_on_absolute_usage_of_the_measured_type(tmp_path: Path) -> None:
    stack = stack_from(tmp_path, shop_config())
    system = next(pool for pool in stack.pools if pool.name == "system")
    evidence = _under_used(cpu=0.12, memory=0.20)
    evidence.measured_on = {"t3.large"}
    finding = pool_finding(stack, system, evidence, demands(stack, []), Settings())
    assert finding.verdict == "change"
    node = node_allocatable("aws", ["t3.large"])
    lines = {item.subject: item for item in finding.evidence}
    per_node = format_memory(0.20 * node.memory)
    assert lines["memory used / allocatable"].measured.startswith(f"20% = {per_node} per node")
    assert lines["cpu used / allocatable"].measured.startswith(
        f"12% = {format_cpu(0.12 * node.cpu)} per node"
    )
    assert lines["measured on"].measured == "t3.large"
    # Without the type the stack's current types are assumed, and the evidence says so.
    evidence.measured_on = set()
    assumed = pool_finding(stack, system, evidence, demands(stack, []), Settings())
    said = {item.subject: item for item in assumed.evidence}["measured on"]
    assert said.measured == "assumed t3.large, t3a.large, the stack's current types"
    assert "the data must postdate the pool's last change" in said.compared


def test_a_smaller_type_is_refused_when_absolute_usage_would_not_fit(tmp_path: Path) -> None:
    stack = stack_from(tmp_path, shop_config())
    system = next(pool for pool in stack.pools if pool.name == "system")
    large, medium = (node_allocatable("aws", [name]) for name in ("t3.large", "t3.medium"))
    evidence = _under_used(cpu=0.1, memory=0.39)
    evidence.measured_on = {"t3.large"}
    settings = Settings(headroom=0.3)
    finding = pool_finding(stack, system, evidence, demands(stack, []), settings)
    projected = 0.39 * large.memory / medium.memory  # the bytes used, on a t3.medium
    assert 1 / 1.3 < projected < 1
    assert not any(change.path[-1] == "instanceTypes" for change in finding.changes)
    assert f"the measured memory would use {projected:.0%} of t3.medium nodes" in finding.reason


def test_a_busy_pool_is_already_right(tmp_path: Path) -> None:
    stack = stack_from(tmp_path, shop_config())
    spot = next(pool for pool in stack.pools if pool.name == "spot")
    busy = _under_used(cpu=0.45)
    finding = pool_finding(stack, spot, busy, demands(stack, []), Settings())
    assert finding.verdict == "already-right"
    assert "cpu at 45% of allocatable" in finding.reason


def test_a_pool_without_enough_data_is_not_touched(tmp_path: Path) -> None:
    stack = stack_from(tmp_path, shop_config())
    spot = next(pool for pool in stack.pools if pool.name == "spot")
    short = PoolEvidence(usage={"cpu": usage(0.1, window=2 * DAY), "memory": usage(0.1)})
    finding = pool_finding(stack, spot, short, demands(stack, []), Settings())
    assert finding.verdict == "too-little-data"
    assert "window 2d is shorter than 7d" in finding.reason
    assert pool_finding(stack, spot, None, [], Settings()).verdict == "too-little-data"


def test_a_pool_whose_workloads_would_not_fit_is_never_shrunk(tmp_path: Path) -> None:
    document = shop_config()
    config = document["config"]
    assert isinstance(config, dict)
    # feature-api must stay on on-demand nodes; a 3.5 GiB pod fits a t3.large (7452 MiB
    # allocatable) but not a t3.medium (3554 MiB)...
    config["thrifty:workloads"]["feature-api"]["resources"] = {
        "requests": {"cpu": "900m", "memory": "3584Mi"},
        "limits": {"cpu": "1", "memory": "4Gi"},
    }
    config["thrifty:namespaces"]["ml"]["quota"]["requestsMemory"] = "16Gi"
    config["thrifty:namespaces"]["ml"]["quota"]["limitsMemory"] = "24Gi"
    stack = stack_from(tmp_path, document)
    system = next(pool for pool in stack.pools if pool.role == "system")
    finding = pool_finding(stack, system, _under_used(), demands(stack, []), Settings())
    assert finding.verdict == "would-not-fit"
    assert finding.changes == []
    assert "would not fit" in finding.reason and "feature-api" in finding.reason
    # ...as the allocatable model says (EKS: 4 GiB - 11 MiB x 17 pods - 255 MiB - 100 MiB).
    medium = node_allocatable("aws", ["t3.medium", "t3a.medium"])
    assert medium.memory == (4096 - 11 * 17 - 255 - 100) * MIB < 3584 * MIB


def test_a_pool_with_no_smaller_type_gets_a_lower_minimum(tmp_path: Path) -> None:
    document = shop_config()
    config = document["config"]
    assert isinstance(config, dict)
    system = config["thrifty:cluster"]["systemPool"]
    system.update(instanceTypes=["m5.large", "m5a.large", "m6i.large"], minSize=2, maxSize=3)
    stack = stack_from(tmp_path, document)
    pool = next(pool for pool in stack.pools if pool.role == "system")
    finding = pool_finding(stack, pool, _under_used(), demands(stack, []), Settings())
    # No smaller m5/m5a/m6i than large; feature-api x2 and reports x1 (300m, 768Mi) need one
    # node, and a development system pool keeps one: minSize 2 -> 1.
    assert changes_of(finding) == {"thrifty:cluster.systemPool.minSize": 1}
    assert "no smaller priced type of the same family" in finding.reason


def test_placement_follows_the_spot_rules() -> None:
    node = Amounts(1.93, 7518 * MIB)
    pools = [
        PoolCapacity("system", "system", node, 1, 2),
        PoolCapacity("spot", "spot", node, 0, 4),
        PoolCapacity("gpu", "on-demand", node, 0, 4, tainted=True),
    ]
    tolerant = Demand("batch", Amounts(1.0, MIB), 3, tolerant=True)
    steady = Demand("api", Amounts(1.0, MIB), 2, tolerant=False)
    placement = place(pools, [tolerant, steady])
    # Spot-tolerant pods go to spot first, others never; the tainted pool takes nobody.
    assert [(d.workload, n) for d, n in placement.placed["spot"]] == [("batch", 3)]
    assert [(d.workload, n) for d, n in placement.placed["system"]] == [("api", 2)]
    assert "gpu" not in placement.placed and placement.unplaced == []
    crowded = place(pools, [Demand("api", Amounts(1.0, MIB), 3, tolerant=False)])
    assert crowded.describe_unplaced() == "1 pod(s) of api (1 CPU, 1Mi each)"


def test_recommend_covers_every_workload_and_pool(tmp_path: Path) -> None:
    stack = stack_from(tmp_path, shop_config())
    measurements = Measurements()
    from thrifty.rightsize.measure import ContainerKey

    measurements.add_usage(ContainerKey("ghost", "ghost", "ml"), "cpu", usage(0.1))
    measurements.add_pool_usage("gpu", "cpu", usage(0.1))
    result = recommend(stack, measurements, Settings())
    assert sorted(f.name for f in result.findings) == [
        "ml/churn-predictor",
        "ml/feature-api",
        "ml/reports",
        "ml/scorer",
        "spot",
        "system",
    ]
    assert all(f.verdict == "too-little-data" for f in result.findings)
    assert any("ml/ghost/ghost is no workload" in note for note in result.notes)
    assert any("'gpu' is no pool" in note for note in result.notes)


def test_parse_quantity_round_trip_of_new_values() -> None:
    # New values are written with the one quantity formatter and read back by the one parser.
    assert parse_quantity("173m", "cpu") == pytest.approx(0.173)
    assert parse_quantity("1035Mi", "memory") == 1035 * MIB
