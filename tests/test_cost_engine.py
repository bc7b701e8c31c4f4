"""The estimator's engine and shared model: totals, chargeback, JSON, the free set, Kubernetes,
off-hours jobs, schedules, the tier mix, the usage file, and never raising on strange props."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from thrifty.cost import CostInput, UsageError, estimate, load_usage
from thrifty.cost.engine import RULES
from thrifty.cost.lifecycle import Transition, shortfall_days, steady_state
from thrifty.cost.schedules import ScheduleError, firing_minutes, weekly_schedule
from thrifty.cost.spec import STATUSES, UNTAGGED
from thrifty.cost.usage import parse_usage
from thrifty.preview import UNKNOWN_SENTINELS

H = 730
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def res(type_: str, name: str, props: dict[str, Any], parent: str = "", **extra: Any) -> CostInput:
    return CostInput(
        type=type_,
        name=name,
        urn=f"urn:pulumi:t::p::{type_}::{name}",
        props=props,
        parent=parent,
        **extra,
    )


def _stack() -> list[CostInput]:
    eip = res("aws:ec2/eip:Eip", "ip", {"tags": {"team": "ml"}})
    nat = res("aws:ec2/natGateway:NatGateway", "nat", {"tags": {"team": "data"}})
    role = res("aws:iam/role:Role", "role", {})
    odd = res("aws:lambda/function:Function", "fn", {})
    return [eip, nat, role, odd]


def test_totals_unpriced_and_chargeback_by_tag() -> None:
    resources = _stack()
    result = estimate(resources)
    assert [item.status for item in result.items] == ["priced", "needs-usage", "free", "not-priced"]
    assert result.total == pytest.approx((0.005 * H + 0.045 * H, 0.005 * H + 0.045 * H))
    assert [item.name for item in result.unpriced] == ["nat", "fn"]
    tags = {r.urn: r.props.get("tags", {}) for r in resources}
    groups = result.by_tag("team", lambda urn: tags[urn])
    assert groups["ml"] == pytest.approx((0.005 * H, 0.005 * H))
    assert groups["data"] == pytest.approx((0.045 * H, 0.045 * H))
    assert groups[UNTAGGED] == (0.0, 0.0)
    assert "no pricing rule for aws:lambda/function:Function" in result.unpriced[1].reason


def test_json_contract_parts() -> None:
    resources = _stack()
    result = estimate(resources, usage=parse_usage({"predictionsPerMonth": 1000}))
    tags = {r.urn: r.props.get("tags", {}) for r in resources}
    document = json.loads(json.dumps(result.to_json(tags_of=lambda urn: tags[urn])))
    assert document["currency"] == "USD"
    assert document["total"] == {"baseline": round(0.05 * H, 2), "ceiling": round(0.05 * H, 2)}
    assert {entry["name"] for entry in document["unpriced"]} == {"nat", "fn"}
    eip = document["resources"][resources[0].urn]
    assert eip["monthlyCost"] == {"baseline": 3.65, "ceiling": 3.65}
    assert eip["lines"][0]["unitPrice"] == 0.005
    assert document["byTag"]["team"]["ml"] == {"baseline": 3.65, "ceiling": 3.65}
    assert document["costPerPrediction"]["baseline"] == pytest.approx(0.05 * H / 1000)
    assert document["resources"][resources[3].urn]["monthlyCost"] == {
        "baseline": None,
        "ceiling": None,
    }


def test_cost_per_prediction_and_usage_warnings() -> None:
    usage = parse_usage(
        {"predictionsPerMonth": 2_000_000, "resources": {"nta": {"dataProcessedGb": 5}}}
    )
    result = estimate([res("aws:ec2/eip:Eip", "ip", {})], usage=usage)
    assert result.cost_per_prediction == pytest.approx((0.005 * H / 2e6, 0.005 * H / 2e6))
    assert result.warnings == ["usage entry 'nta' matches no resource (by URN or logical name)"]


def test_hours_per_month_override() -> None:
    result = estimate([res("aws:ec2/eip:Eip", "ip", {})], hours_per_month=744)
    assert result.total[0] == pytest.approx(0.005 * 744)
    with pytest.raises(ValueError, match="hours_per_month must be > 0"):
        estimate([], hours_per_month=0)


def test_free_set_components_providers_and_unknown_packages() -> None:
    component = res("thrifty:storage:S3Bucket", "lake", {})
    child = res("aws:s3/bucketPolicy:BucketPolicy", "policy", {}, parent=component.urn)
    lonely = res("acme:widgets:Widget", "w", {})
    provider = res("pulumi:providers:aws", "default", {})
    secret = res("random:index/randomPassword:RandomPassword", "pw", {})
    result = estimate([component, child, lonely, provider, secret])
    status = {item.name: (item.status, item.reason) for item in result.items}
    assert status["lake"] == ("free", "free: a component resource; its children are priced")
    assert status["policy"][0] == "free"
    assert status["w"] == ("not-priced", "not priced: no pricing rule for acme:widgets:Widget")
    assert status["default"][0] == "free" and status["pw"][0] == "free"


def test_kubernetes_objects_free_and_billable_ones() -> None:
    deployment = res("kubernetes:apps/v1:Deployment", "web", {})
    pvc = res("kubernetes:core/v1:PersistentVolumeClaim", "data", {})
    helm = res("kubernetes:helm.sh/v3:Release", "chart", {})
    result = estimate([deployment, pvc, helm])
    assert result.item(deployment.urn).status == "free"
    assert "storage class" in result.item(pvc.urn).reason
    assert "Helm release" in result.item(helm.urn).reason


def test_load_balancer_service_priced_by_the_clusters_cloud() -> None:
    nlb = res(
        "kubernetes:core/v1:Service",
        "nlb",
        {
            "spec": {"type": "LoadBalancer"},
            "metadata": {
                "annotations": {"service.beta.kubernetes.io/aws-load-balancer-type": "nlb"}
            },
        },
    )
    assert estimate([nlb]).item(nlb.urn).baseline == pytest.approx(0.0225 * H)
    gke = res(
        "kubernetes:core/v1:Service",
        "web",
        {"spec": {"type": "LoadBalancer"}},
        provider_props={"kubeconfig": "users: [{user: {exec: {command: gke-gcloud-auth-plugin}}}]"},
    )
    assert estimate([gke]).item(gke.urn).baseline == pytest.approx(0.025 * H)
    aks = res(
        "kubernetes:core/v1:Service",
        "api",
        {"spec": {"type": "LoadBalancer", "ports": [{"port": 80}, {"port": 443}]}},
    )
    cluster = res("azure-native:containerservice:ManagedCluster", "aks", {"sku": {"tier": "Free"}})
    assert estimate([aks, cluster]).item(aks.urn).baseline == pytest.approx(2 * 0.01 * H)
    alone = estimate([aks]).item(aks.urn)
    assert alone.reason == "not priced: a LoadBalancer Service: the cluster's cloud cannot be told"
    plain = res("kubernetes:core/v1:Service", "svc", {"spec": {"type": "ClusterIP"}})
    assert estimate([plain]).item(plain.urn).status == "free"


def _off_hours_stack(average: float | None) -> tuple[list[CostInput], CostInput]:
    cluster = res("thrifty:cluster:GkeCluster", "cluster", {})
    scaler = res("thrifty:cluster:OffHoursScaler", "off", {}, parent=cluster.urn)
    jobs = [
        res(
            "kubernetes:batch/v1:CronJob",
            f"off-{action}",
            {
                "metadata": {
                    "name": f"off-hours-scale-{action}",
                    "labels": {"app.kubernetes.io/managed-by": "thrifty"},
                },
                "spec": {"schedule": cron},
            },
            parent=scaler.urn,
        )
        for action, cron in (("down", "0 18 * * 1-5"), ("up", "0 8 * * 1-5"))
    ]
    pool = res(
        "gcp:container/nodePool:NodePool",
        "pool",
        {
            "location": "us-central1-a",
            "autoscaling": {"totalMinNodeCount": 1, "totalMaxNodeCount": 5},
            "nodeConfig": {"machineType": "e2-medium", "diskSizeGb": 10, "diskType": "pd-standard"},
        },
        parent=cluster.urn,
    )
    return [cluster, scaler, *jobs, pool], pool


def test_off_hours_jobs_apply_to_the_pools_of_their_cluster() -> None:
    resources, pool = _off_hours_stack(None)
    usage = parse_usage({"resources": {"pool": {"averageNodes": 3}}})
    result = estimate(resources, usage=usage)
    item = result.item(pool.urn)
    night = 118 / 168  # Mon-Thu 18:00-08:00 and Fri 18:00 - Mon 08:00
    node = 0.03350571 + 10 * 0.04 / H  # one node-hour: compute and its disk
    assert item.baseline == pytest.approx((3 * H * (1 - night) + 1 * H * night) * node)
    assert item.ceiling == pytest.approx(5 * H * node)
    job = result.item(resources[2].urn)
    assert job.status == "free" and "applied to pool" in job.reason
    without = estimate(resources).item(pool.urn)  # the minimum all week: no change
    assert without.baseline == pytest.approx(1 * H * node)


def test_weekly_schedules() -> None:
    assert weekly_schedule("0 18 * * 1-5", "0 8 * * 1-5").night_hours_per_week == pytest.approx(118)
    assert weekly_schedule(
        "0 19 * * MON-FRI", "0 7 * * MON-FRI"
    ).night_hours_per_week == pytest.approx(108)
    assert weekly_schedule("30 22 * * *", "0 6 * * *").night_hours_per_week == pytest.approx(52.5)
    assert firing_minutes("0 0 * * 0,7") == [0]
    with pytest.raises(ScheduleError, match="day of month"):
        firing_minutes("0 8 1 * *")
    with pytest.raises(ScheduleError, match="hour 24 is outside 0-23"):
        firing_minutes("0 24 * * *")


def test_steady_state_tier_mix_example() -> None:
    shares = steady_state(
        "STANDARD", [Transition(30, "STANDARD_IA"), Transition(90, "GLACIER")], 365
    )
    assert [(s.tier, s.fraction) for s in shares] == [
        ("STANDARD", pytest.approx(30 / 365)),
        ("STANDARD_IA", pytest.approx(60 / 365)),
        ("GLACIER", pytest.approx(275 / 365)),
    ]
    assert shortfall_days(shares[1], 90, "time_in_tier") == pytest.approx(30)
    assert shortfall_days(shares[1], 90, "object_age") == 0


def test_usage_file_errors_name_file_key_value_and_allowed(tmp_path: Path) -> None:
    good = tmp_path / "usage.yaml"
    good.write_text("predictionsPerMonth: 10\nresources:\n  lake: {storageGb: 5}\n")
    assert load_usage(good).resources["lake"].storage_gb == 5
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "resources:\n  lake:\n    storageGB: 5\n    egressGb: -3\n"
        "commitments:\n  - {family: m5, kind: reserved, term: 2y, share: 150%}\n"
    )
    with pytest.raises(UsageError) as error:
        load_usage(bad)
    text = str(error.value)
    assert str(bad) in text
    assert "resources.lake.storageGB: unknown key; allowed here:" in text and "storageGb" in text
    assert "resources.lake.egressGb: Input should be greater than or equal to 0 (got -3)" in text
    assert "commitments.0.term: Input should be '1y' or '3y' (got '2y')" in text
    assert "commitments.0.share: Input should be less than or equal to 1 (got '150%')" in text
    with pytest.raises(UsageError, match="cannot read the usage file"):
        load_usage(tmp_path / "missing.yaml")
    (tmp_path / "syntax.yaml").write_text("resources: [unclosed\n")
    with pytest.raises(UsageError, match="not valid YAML"):
        load_usage(tmp_path / "syntax.yaml")
    with pytest.raises(UsageError, match="must add up to 100%"):
        parse_usage({"resources": {"x": {"storageClasses": {"STANDARD": "60%"}}}})
    with pytest.raises(UsageError, match="exactly one of resource"):
        parse_usage({"commitments": [{"kind": "reserved", "term": "1y"}]})


# --- never raises ---------------------------------------------------------------------------

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10_000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(sorted(UNKNOWN_SENTINELS)),
    st.sampled_from(
        [
            "m5.large",
            "e2-medium",
            "Standard_D2s_v5",
            "gp3",
            "SPOT",
            "Spot",
            "0 8 * * 1-5",
            "{}",
            "[1]",
        ]
    ),
)
_json = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=25,
)
_keys = st.sampled_from(
    [
        "instanceType",
        "instanceTypes",
        "scalingConfig",
        "minSize",
        "maxSize",
        "capacityType",
        "diskSize",
        "launchTemplate",
        "mixedInstancesPolicy",
        "autoscaling",
        "nodeConfig",
        "location",
        "nodeLocations",
        "agentPoolProfiles",
        "sku",
        "vmSize",
        "enableAutoScaling",
        "minCount",
        "maxCount",
        "count",
        "lifecycleRules",
        "rules",
        "bucket",
        "size",
        "type",
        "settings",
        "storageProfile",
        "spec",
        "metadata",
        "hardwareProfile",
        "priority",
        "osDiskSizeGB",
        "osDiskType",
        "scaleSetPriority",
        "upgradePolicy",
        "recurrence",
        "autoscalingGroupName",
        "policy",
        "accountName",
        "storage",
        "highAvailability",
    ]
)
_props = st.dictionaries(_keys, _json, max_size=8)


_USAGE = parse_usage(
    {"resources": {"r": {"storageGb": 10, "averageNodes": 2, "dataProcessedGb": 1}}}
)


@pytest.mark.parametrize("token", sorted(RULES))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(props=_props, other=_props)
def test_estimate_never_raises_on_json_like_props(
    token: str, props: dict[str, Any], other: dict[str, Any]
) -> None:
    resources = [
        res(token, "r", props),
        res("aws:ec2/launchTemplate:LaunchTemplate", "lt", other, id="lt"),
        res("aws:autoscaling/schedule:Schedule", "s", other),
    ]
    result = estimate(resources, usage=_USAGE)
    for item in result.items:
        assert item.status in STATUSES
        assert "estimator error" not in item.reason, (token, props, item.reason)
        if item.status == "not-priced":
            assert item.reason.startswith(("not priced: ", "partly priced; not priced: "))
    json.dumps(result.to_json())


def test_strange_values_are_named() -> None:
    group = res(
        "aws:eks/nodeGroup:NodeGroup", "ng", {"scalingConfig": '{"minSize": "x", "maxSize": 2}'}
    )
    item = estimate([group]).item(group.urn)
    assert item.reason == "not priced: scalingConfig.minSize should be a number, got 'x'"
    unknown = res("aws:eks/nodeGroup:NodeGroup", "u", {"scalingConfig": UNKNOWN})
    assert (
        estimate([unknown]).items[0].reason == "not priced: scalingConfig is unknown during preview"
    )
