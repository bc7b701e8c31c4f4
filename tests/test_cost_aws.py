"""The estimator on AWS resources, against figures computed by hand from the catalog.

Catalog figures used (us-east-1): m5.large $0.096/h, m5.2xlarge $0.384/h, m5a.2xlarge
$0.344/h, t3.medium $0.0416/h, c5.large $0.085/h; spot discounts m5 70 %, t3 70 %, default
60 %; gp3 $0.08/GB-month (+$0.005/IOPS above 3,000, +$0.04 per MB/s above 125), gp2 $0.10;
EKS $0.10/h standard, $0.60/h extended; NAT $0.045/h + $0.045/GB; ALB $0.0225/h + $0.008 per
LCU-hour; public IPv4 $0.005/h; RDS mysql db.t3.large $0.136/h, postgres db.t3.micro $0.018/h,
mysql db.r6g.xlarge $0.43/h, postgres db.t4g.micro $0.016/h, gp2/gp3 $0.115/GB-month; S3
Standard $0.023, Standard-IA $0.0125, Glacier Flexible $0.0036 per GB-month.
"""

from __future__ import annotations

from typing import Any

import pytest

from thrifty.cost import CostInput, estimate
from thrifty.cost.spec import is_unknown
from thrifty.cost.usage import parse_usage

H = 730
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
PROVIDER = {"region": "us-east-1"}


def res(type_: str, name: str, props: dict[str, Any], **extra: Any) -> CostInput:
    return CostInput(
        type=type_,
        name=name,
        urn=f"urn:pulumi:t::p::{type_}::{name}",
        props=props,
        provider_props=extra.pop("provider_props", PROVIDER),
        **extra,
    )


#: thrifty's EksCluster installs cluster-autoscaler; without one a node group runs desiredSize.
CLUSTER_AUTOSCALER = res(
    "kubernetes:helm.sh/v3:Release", "cluster-autoscaler", {"chart": "cluster-autoscaler"}
)


def one(resource: CostInput, *others: CostInput, usage: dict[str, Any] | None = None):  # type: ignore[no-untyped-def]
    result = estimate([resource, *others], usage=parse_usage(usage) if usage else None)
    return result.item(resource.urn)


def test_ec2_on_demand_with_root_volume_and_public_ip() -> None:
    item = one(
        res(
            "aws:ec2/instance:Instance",
            "web",
            {
                "instanceType": "m5.large",
                "rootBlockDevice": {"volumeSize": 30, "volumeType": "gp3"},
                "associatePublicIpAddress": True,
            },
        )
    )
    assert item.status == "priced"
    assert item.baseline == pytest.approx(0.096 * H + 30 * 0.08 + 0.005 * H)
    assert item.ceiling == item.baseline


def test_ec2_spot_from_the_family_discount_and_hours_per_month() -> None:
    instance = res(
        "aws:ec2/instance:Instance",
        "batch",
        {
            "instanceType": "m5.large",
            "instanceMarketOptions": {"marketType": "spot"},
            "rootBlockDevice": {"volumeSize": 20, "volumeType": "gp2"},
        },
    )
    item = one(instance, usage={"resources": {"batch": {"hoursPerMonth": 200}}})
    spot = 0.096 * (1 - 0.70)
    assert item.baseline == pytest.approx(spot * 200 + 20 * 0.10)  # the volume stays all month
    assert item.ceiling == pytest.approx(spot * H + 20 * 0.10)


def test_ec2_root_volume_from_the_ami_is_named_not_silently_zero() -> None:
    item = one(res("aws:ec2/instance:Instance", "vm", {"instanceType": "c5.large"}))
    assert item.status == "not-priced"
    assert item.baseline == pytest.approx(0.085 * H)  # the known part, a lower bound
    assert "root volume" in item.reason and "AMI" in item.reason


def test_eks_node_group_on_demand_prices_the_first_type_and_its_disk() -> None:
    item = one(
        res(
            "aws:eks/nodeGroup:NodeGroup",
            "base",
            {
                "scalingConfig": {"minSize": 3, "maxSize": 9, "desiredSize": 3},
                "instanceTypes": ["m5.2xlarge", "m5a.2xlarge"],
                "capacityType": "ON_DEMAND",
                "diskSize": 100,
            },
        ),
        CLUSTER_AUTOSCALER,
    )
    assert item.status == "priced"
    assert item.baseline == pytest.approx(3 * 0.384 * H + 3 * 100 * 0.08)
    assert item.ceiling == pytest.approx(9 * 0.384 * H + 9 * 100 * 0.08)


def _scaled_group(**scaling: Any) -> CostInput:
    return res(
        "aws:eks/nodeGroup:NodeGroup",
        "workers",
        {
            "scalingConfig": scaling or {"minSize": 1, "desiredSize": 2, "maxSize": 4},
            "instanceTypes": ["m5.large"],
        },
    )


EKS_NODE = 0.096 * H + 20 * 0.08  # m5.large and the 20 GiB gp3 default disk: $71.68


def test_eks_node_group_without_a_node_autoscaler_runs_its_desired_size() -> None:
    # Managed node groups do not scale by themselves: desiredSize is what runs
    # (docs.aws.amazon.com/eks/latest/APIReference/API_NodegroupScalingConfig.html).
    item = one(_scaled_group())
    assert item.baseline == pytest.approx(2 * EKS_NODE)
    assert item.ceiling == pytest.approx(2 * EKS_NODE)
    assert item.lines[0].description.startswith(
        "nodes: 2 nodes [desiredSize, no autoscaler in the stack], m5.large on-demand"
    )


@pytest.mark.parametrize(
    ("autoscaler", "said"),
    [
        (CLUSTER_AUTOSCALER, "cluster-autoscaler (Helm release cluster-autoscaler)"),
        (
            res("kubernetes:helm.sh/v3:Release", "ca", {"chart": "autoscaler/cluster-autoscaler"}),
            "cluster-autoscaler (Helm release ca)",
        ),
        (
            res(
                "kubernetes:helm.sh/v4:Chart",
                "karpenter",
                {"chart": "oci://public.ecr.aws/karpenter/karpenter"},
            ),
            "Karpenter (Helm chart karpenter)",
        ),
        (
            res(
                "kubernetes:apps/v1:Deployment",
                "ca",
                {
                    "spec": {
                        "template": {
                            "spec": {
                                "containers": [
                                    {
                                        "name": "ca",
                                        "image": "registry.k8s.io/autoscaling/"
                                        "cluster-autoscaler:v1.32.0",
                                    }
                                ]
                            }
                        }
                    }
                },
            ),
            "cluster-autoscaler (Deployment ca)",
        ),
        (
            res("kubernetes:karpenter.sh/v1:NodePool", "default", {"spec": {}}),
            "Karpenter (NodePool default)",
        ),
    ],
)
def test_eks_node_group_under_a_node_autoscaler_scales_between_min_and_max(
    autoscaler: CostInput, said: str
) -> None:
    item = one(_scaled_group(), autoscaler)
    assert item.baseline == pytest.approx(1 * EKS_NODE)
    assert item.ceiling == pytest.approx(4 * EKS_NODE)
    assert f"1-4 nodes [autoscaled by {said}]" in item.lines[0].description


def test_other_charts_and_unknown_charts_are_not_a_node_autoscaler() -> None:
    vpa = res("kubernetes:helm.sh/v3:Release", "vpa", {"chart": "vertical-pod-autoscaler"})
    unknown = res("kubernetes:helm.sh/v3:Release", "later", {"chart": UNKNOWN})
    item = one(_scaled_group(), vpa, unknown)
    assert item.ceiling == pytest.approx(2 * EKS_NODE)


def test_eks_desired_size_out_of_bounds_or_missing_is_not_priced_with_the_reason() -> None:
    outside = one(_scaled_group(minSize=1, desiredSize=5, maxSize=4))
    assert outside.status == "not-priced"
    assert "scalingConfig.desiredSize 5 should be between minSize 1 and maxSize 4" in (
        outside.reason
    )
    missing = one(_scaled_group(minSize=1, maxSize=4))
    assert missing.status == "not-priced"
    assert "scalingConfig.desiredSize is not set" in missing.reason
    # minSize = maxSize leaves one size: no desiredSize is needed.
    assert one(_scaled_group(minSize=3, maxSize=3)).baseline == pytest.approx(3 * EKS_NODE)


def test_eks_spot_node_group_is_the_mean_of_its_types_spot_figures() -> None:
    item = one(
        res(
            "aws:eks/nodeGroup:NodeGroup",
            "spot",
            {
                "scalingConfig": {"minSize": 1, "maxSize": 4, "desiredSize": 1},
                "instanceTypes": ["m5.2xlarge", "m5a.2xlarge"],
                "capacityType": "SPOT",
            },
        ),
        CLUSTER_AUTOSCALER,
    )
    # m5 has a documented 70 % discount, m5a none: the default 60 %; disk 20 GiB gp3 default.
    mean = (0.384 * 0.30 + 0.344 * 0.40) / 2
    assert item.baseline == pytest.approx(1 * mean * H + 20 * 0.08)
    assert item.ceiling == pytest.approx(4 * mean * H + 4 * 20 * 0.08)


def test_node_group_disk_comes_from_its_launch_template() -> None:
    template = res(
        "aws:ec2/launchTemplate:LaunchTemplate",
        "lt",
        {
            "blockDeviceMappings": [
                {"deviceName": "/dev/xvda", "ebs": {"volumeSize": 50, "volumeType": "gp3"}}
            ],
        },
        id="lt-123",
    )
    group = res(
        "aws:eks/nodeGroup:NodeGroup",
        "sys",
        {
            "scalingConfig": {"minSize": 2, "maxSize": 2, "desiredSize": 2},
            "instanceTypes": ["m5.large"],
            "launchTemplate": {"id": "lt-123", "version": "1"},
        },
    )
    item = one(group, template)
    assert item.baseline == pytest.approx(2 * 0.096 * H + 2 * 50 * 0.08)


def test_unknown_launch_template_during_preview_prices_the_nodes_and_names_the_disk() -> None:
    group = res(
        "aws:eks/nodeGroup:NodeGroup",
        "sys",
        {
            "scalingConfig": {"minSize": 2, "maxSize": 2, "desiredSize": 2},
            "instanceTypes": ["m5.large"],
            "launchTemplate": {"id": UNKNOWN, "version": UNKNOWN},
        },
    )
    item = one(group)
    assert item.status == "not-priced"
    assert item.baseline == pytest.approx(2 * 0.096 * H)
    assert "launch template is unknown during preview" in item.reason


def test_property_dependencies_resolve_an_unknown_reference() -> None:
    template = res(
        "aws:ec2/launchTemplate:LaunchTemplate",
        "lt",
        {
            "blockDeviceMappings": [{"ebs": {"volumeSize": 40, "volumeType": "gp3"}}],
        },
    )
    group = res(
        "aws:eks/nodeGroup:NodeGroup",
        "sys",
        {
            "scalingConfig": {"minSize": 1, "maxSize": 1, "desiredSize": 1},
            "instanceTypes": ["m5.large"],
            "launchTemplate": {"id": UNKNOWN},
        },
        property_dependencies={"launchTemplate": [template.urn]},
    )
    item = one(group, template)
    assert item.status == "priced"
    assert item.baseline == pytest.approx(0.096 * H + 40 * 0.08)


def test_scheduled_actions_lower_the_baseline_to_the_night_size() -> None:
    group = res(
        "aws:autoscaling/group:Group",
        "workers",
        {
            "name": "workers-asg",
            "minSize": 2,
            "maxSize": 6,
            "launchTemplate": {"id": "lt-1"},
        },
    )
    template = res(
        "aws:ec2/launchTemplate:LaunchTemplate",
        "lt",
        {
            "instanceType": "m5.large",
            "blockDeviceMappings": [{"ebs": {"volumeSize": 10, "volumeType": "gp2"}}],
        },
        id="lt-1",
    )
    down = res(
        "aws:autoscaling/schedule:Schedule",
        "down",
        {
            "autoscalingGroupName": "workers-asg",
            "recurrence": "0 19 * * 1-5",
            "minSize": 0,
            "maxSize": 0,
            "desiredCapacity": 0,
        },
    )
    up = res(
        "aws:autoscaling/schedule:Schedule",
        "up",
        {
            "autoscalingGroupName": "workers-asg",
            "recurrence": "0 7 * * 1-5",
            "minSize": 2,
            "maxSize": 6,
            "desiredCapacity": 2,
        },
    )
    result = estimate([group, template, down, up])
    item = result.item(group.urn)
    # 4 nights of 12 h plus the weekend from Friday 19:00 to Monday 07:00 (60 h): 108 of 168 h.
    night = 108 / 168
    node_hours = 2 * H * (1 - night) + 0 * H * night
    assert item.baseline == pytest.approx(node_hours * 0.096 + node_hours / H * 10 * 0.10)
    assert item.ceiling == pytest.approx(6 * 0.096 * H + 6 * 10 * 0.10)
    assert "108.0 of 168 h" in item.reason
    assert result.item(down.urn).status == "free"
    assert "applied to workers" in result.item(down.urn).reason


def test_mixed_instances_policy_counts_base_percentage_and_strategies() -> None:
    group = res(
        "aws:autoscaling/group:Group",
        "mixed",
        {
            "minSize": 2,
            "maxSize": 10,
            "mixedInstancesPolicy": {
                "launchTemplate": {
                    "launchTemplateSpecification": {"launchTemplateId": "lt-9"},
                    "overrides": [{"instanceType": "m5.large"}, {"instanceType": "c5.large"}],
                },
                "instancesDistribution": {
                    "onDemandBaseCapacity": 1,
                    "onDemandPercentageAboveBaseCapacity": 50,
                    "spotAllocationStrategy": "lowest-price",
                },
            },
        },
    )
    template = res(
        "aws:ec2/launchTemplate:LaunchTemplate",
        "lt",
        {
            "blockDeviceMappings": [{"ebs": {"volumeSize": 8, "volumeType": "gp3"}}],
        },
        id="lt-9",
    )
    item = one(group, template)
    on_demand = 0.096  # prioritized: the first override
    spot = min(0.096 * 0.30, 0.085 * 0.40)  # lowest-price spot: c5 at the default 60 % off
    # baseline 2 nodes: 1 base + 50 % of 1 = 1.5 on-demand, 0.5 spot; ceiling 10: 5.5 / 4.5.
    disk = 8 * 0.08
    assert item.baseline == pytest.approx(1.5 * on_demand * H + 0.5 * spot * H + 2 * disk)
    assert item.ceiling == pytest.approx(5.5 * on_demand * H + 4.5 * spot * H + 10 * disk)


def test_commitment_lowers_the_on_demand_part_with_the_list_price_beside() -> None:
    group = res(
        "aws:eks/nodeGroup:NodeGroup",
        "base",
        {
            "scalingConfig": {"minSize": 2, "maxSize": 4, "desiredSize": 2},
            "instanceTypes": ["m5.large"],
            "diskSize": 20,
        },
    )
    usage = {
        "commitments": [
            {
                "resource": "base",
                "kind": "reserved",
                "term": "1y",
                "payment": "no-upfront",
                "share": "50%",
            }
        ]
    }
    result = estimate([group, CLUSTER_AUTOSCALER], usage=parse_usage(usage))
    item = result.item(group.urn)
    hourly = 0.096 * (1 - 0.5 * 0.385)  # catalog: reserved/1y/no-upfront 38.5 % off
    assert item.baseline == pytest.approx(2 * hourly * H + 2 * 20 * 0.08)
    assert item.without_commitments == pytest.approx(
        (2 * 0.096 * H + 2 * 20 * 0.08, 4 * 0.096 * H + 4 * 20 * 0.08)
    )
    assert item.commitment_saving[0] == pytest.approx(2 * 0.096 * 0.5 * 0.385 * H)
    assert result.commitment_saving[0] == pytest.approx(item.commitment_saving[0])
    assert not result.warnings


def test_a_savings_plan_without_a_cited_rate_is_not_applied_and_says_so() -> None:
    group = res(
        "aws:eks/nodeGroup:NodeGroup",
        "base",
        {
            "scalingConfig": {"minSize": 1, "maxSize": 1, "desiredSize": 1},
            "instanceTypes": ["m5.large"],
        },
    )
    usage = {"commitments": [{"family": "m5", "kind": "savings-plan", "term": "3y"}]}
    item = estimate([group], usage=parse_usage(usage)).item(group.urn)
    assert item.baseline == pytest.approx(0.096 * H + 20 * 0.08)
    assert "no savings-plan/3y/no-upfront discount in the catalog" in item.reason
    assert item.without_commitments is None


@pytest.mark.parametrize(
    ("support", "ceiling"), [("STANDARD", 0.10 * H), ("EXTENDED", 0.60 * H), (None, 0.60 * H)]
)
def test_eks_control_plane_standard_and_extended_support(
    support: str | None, ceiling: float
) -> None:
    props = {"upgradePolicy": {"supportType": support}} if support else {}
    item = one(res("aws:eks/cluster:Cluster", "eks", props))
    assert item.baseline == pytest.approx(0.10 * H)
    assert item.ceiling == pytest.approx(ceiling)


def test_ebs_gp3_volume_with_provisioned_iops_and_throughput() -> None:
    item = one(
        res(
            "aws:ebs/volume:Volume",
            "data",
            {"size": 40, "type": "gp3", "iops": 4000, "throughput": 130},
        )
    )
    assert item.baseline == pytest.approx(40 * 0.08 + 1000 * 0.005 + 5 * 0.04)


def test_nat_gateway_fixed_part_and_needs_usage_until_data_is_given() -> None:
    nat = res("aws:ec2/natGateway:NatGateway", "nat", {"connectivityType": "public"})
    item = one(nat)
    assert item.status == "needs-usage"
    assert item.baseline == pytest.approx(0.045 * H)
    assert item.usage_keys == ("dataProcessedGb",)
    priced = one(nat, usage={"resources": {"nat": {"dataProcessedGb": 100}}})
    assert priced.status == "priced"
    assert priced.baseline == pytest.approx(0.045 * H + 100 * 0.045)


def test_elastic_ip_and_internet_facing_alb_public_ipv4() -> None:
    assert one(res("aws:ec2/eip:Eip", "ip", {})).baseline == pytest.approx(0.005 * H)
    alb = res("aws:lb/loadBalancer:LoadBalancer", "alb", {"subnets": ["a", "b", "c"]})
    item = one(alb, usage={"resources": {"alb": {"capacityUnits": 2}}})
    assert item.baseline == pytest.approx(0.0225 * H + 2 * H * 0.008 + 3 * 0.005 * H)


def test_classic_elb_and_gateway_lb_without_a_price() -> None:
    elb = one(res("aws:elb/loadBalancer:LoadBalancer", "elb", {}))
    assert elb.status == "needs-usage" and elb.baseline == pytest.approx(0.025 * H)
    gwlb = one(res("aws:lb/loadBalancer:LoadBalancer", "gw", {"loadBalancerType": "gateway"}))
    assert gwlb.status == "not-priced" and "no price for a gateway load balancer" in gwlb.reason


def test_rds_multi_az_doubles_instance_and_storage() -> None:
    item = one(
        res(
            "aws:rds/instance:Instance",
            "db",
            {
                "engine": "mysql",
                "instanceClass": "db.t3.large",
                "allocatedStorage": 30,
                "multiAz": True,
            },
        )
    )
    assert item.baseline == pytest.approx(2 * 0.136 * H + 2 * 30 * 0.115)
    other = one(
        res(
            "aws:rds/instance:Instance",
            "db2",
            {"engine": "oracle-ee", "instanceClass": "db.r5.24xlarge"},
        )
    )
    assert other.status == "not-priced" and "not in the catalog" in other.reason


def test_rds_postgres_t3_micro_single_az_with_gp2_storage() -> None:
    item = one(
        res(
            "aws:rds/instance:Instance",
            "app-db",
            {"engine": "postgres", "instanceClass": "db.t3.micro", "allocatedStorage": 20},
        )
    )
    assert item.status == "priced"
    assert item.baseline == pytest.approx(0.018 * 730 + 20 * 0.115)
    instance, storage = item.lines
    assert instance.source_id == "aws-rds-vantage-2021"  # the class's own source
    assert storage.source_id == "infracost-aws-rds"


def test_rds_new_classes_multi_az_and_classes_no_source_prices() -> None:
    graviton = one(
        res(
            "aws:rds/instance:Instance",
            "orders",
            {
                "engine": "mysql",
                "instanceClass": "db.r6g.xlarge",
                "allocatedStorage": 100,
                "storageType": "gp3",
                "multiAz": True,
            },
        )
    )
    assert graviton.baseline == pytest.approx(2 * 0.43 * 730 + 2 * 100 * 0.115)
    small = one(
        res(
            "aws:rds/instance:Instance",
            "dev",
            {"engine": "postgres", "instanceClass": "db.t4g.micro"},
        )
    )
    assert small.lines[0].monthly_baseline == pytest.approx(0.016 * 730)
    unpriced = one(
        res(
            "aws:rds/instance:Instance",
            "m7g",
            {"engine": "postgres", "instanceClass": "db.m7g.large"},
        )
    )
    assert unpriced.status == "not-priced" and unpriced.baseline is None
    assert "RDS postgres db.m7g.large is not in the catalog" in unpriced.reason


def _bucket_with_lifecycle(**rule: Any) -> tuple[CostInput, CostInput]:
    bucket = res("aws:s3/bucket:Bucket", "lake", {"bucket": "lake-bucket"})
    lifecycle = res(
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "lake-lc",
        {
            "bucket": "lake-bucket",
            "rules": [{"status": "Enabled", "filter": {}, **rule}],
        },
    )
    return bucket, lifecycle


def test_s3_tier_mix_at_steady_state_with_expiration() -> None:
    bucket, lifecycle = _bucket_with_lifecycle(
        transitions=[
            {"days": 30, "storageClass": "STANDARD_IA"},
            {"days": 90, "storageClass": "GLACIER"},
        ],
        expiration={"days": 365},
    )
    result = estimate(
        [bucket, lifecycle], usage=parse_usage({"resources": {"lake": {"storageGb": 3650}}})
    )
    item = result.item(bucket.urn)
    standard, ia, glacier = 3650 * 30 / 365, 3650 * 60 / 365, 3650 * 275 / 365
    storage = standard * 0.023 + ia * 0.0125 + glacier * 0.0036
    # No class is left before its minimum (IA 30 days in tier... 60 >= 30; Glacier 275 >= 90).
    assert item.status == "priced"
    assert item.baseline == pytest.approx(storage)
    assert "requests not included" in item.reason
    assert result.item(lifecycle.urn).status == "free"


def test_s3_early_deletion_when_data_leaves_a_class_before_its_minimum() -> None:
    bucket, lifecycle = _bucket_with_lifecycle(
        transitions=[{"days": 30, "storageClass": "STANDARD_IA"}], expiration={"days": 45}
    )
    usage = {
        "resources": {"lake": {"storageGb": 450, "monthlyRequests": {"put": 10000, "get": 100000}}}
    }
    item = estimate([bucket, lifecycle], usage=parse_usage(usage)).item(bucket.urn)
    daily = 450 / 45  # GB entering (and leaving) each class per day
    storage = 450 * 30 / 45 * 0.023 + 450 * 15 / 45 * 0.0125
    early = daily * (30 - 15) * 0.0125  # IA data deleted after 15 of its 30 minimum days
    requests = 10 * 0.005 + 100 * 0.0004
    assert item.baseline == pytest.approx(storage + early + requests)


def test_s3_without_expiration_uses_the_ingest_window_else_an_upper_bound() -> None:
    bucket, lifecycle = _bucket_with_lifecycle(
        transitions=[{"days": 30, "storageClass": "STANDARD_IA"}]
    )
    with_ingest = {"resources": {"lake": {"storageGb": 1000, "monthlyIngestGb": 100}}}
    item = estimate([bucket, lifecycle], usage=parse_usage(with_ingest)).item(bucket.urn)
    window = 1000 / (100 / (H / 24))  # days of data kept at 100 GB a month
    assert item.baseline == pytest.approx(
        1000 * 30 / window * 0.023 + 1000 * (window - 30) / window * 0.0125
    )
    bound = estimate(
        [bucket, lifecycle], usage=parse_usage({"resources": {"lake": {"storageGb": 1000}}})
    ).item(bucket.urn)
    assert bound.baseline == pytest.approx(1000 * 0.023)
    assert "upper bound" in bound.reason


def test_s3_storage_classes_override_the_mix() -> None:
    bucket, lifecycle = _bucket_with_lifecycle(
        transitions=[{"days": 30, "storageClass": "STANDARD_IA"}]
    )
    usage = {
        "resources": {
            "lake": {"storageGb": 100, "storageClasses": {"STANDARD": "25%", "DEEP_ARCHIVE": "75%"}}
        }
    }
    item = estimate([bucket, lifecycle], usage=parse_usage(usage)).item(bucket.urn)
    assert item.baseline == pytest.approx(25 * 0.023 + 75 * 0.00099)


def test_unknown_values_are_not_priced_unknown_during_preview() -> None:
    item = one(
        res(
            "aws:eks/nodeGroup:NodeGroup",
            "ng",
            {
                "scalingConfig": {"minSize": UNKNOWN, "maxSize": 3},
                "instanceTypes": ["m5.large"],
            },
        )
    )
    assert item.status == "not-priced" and item.baseline is None
    assert item.reason == "not priced: scalingConfig.minSize is unknown during preview"
    typo = one(res("aws:ec2/instance:Instance", "vm", {"instanceType": "m5.huge"}))
    assert "instance type 'm5.huge' is not in the aws catalog" in typo.reason
    assert is_unknown(UNKNOWN)


def test_a_region_other_than_the_reference_is_said() -> None:
    item = one(res("aws:ec2/eip:Eip", "ip", {}, provider_props={"region": "eu-west-1"}))
    assert "priced at us-east-1 list prices; the resource is in eu-west-1" in item.reason


def test_group_with_an_unknown_launch_template_names_it() -> None:
    group = res(
        "aws:autoscaling/group:Group",
        "g",
        {"minSize": 1, "maxSize": 2, "launchTemplate": {"id": UNKNOWN}},
    )
    assert (
        one(group).reason
        == "not priced: instance type unknown: its launch template is unknown during preview"
    )
    missing = res(
        "aws:autoscaling/group:Group",
        "h",
        {"minSize": 1, "maxSize": 2, "launchTemplate": {"id": "lt-x"}},
    )
    assert "launch template 'lt-x' is not among the resources" in one(missing).reason
