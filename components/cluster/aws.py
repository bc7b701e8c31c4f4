"""EKS: a spot-first, autoscaled cluster with managed node groups and cluster-autoscaler.

What the spec becomes on AWS:

- IAM: a cluster role (``AmazonEKSClusterPolicy``), a node role (``AmazonEKSWorkerNodePolicy``
  and ``AmazonEC2ContainerRegistryPullOnly``), the VPC CNI's own role (``AmazonEKS_CNI_Policy``,
  through EKS Pod Identity rather than on every node, as AWS recommends) and the autoscaler's
  role, whose write actions only reach Auto Scaling groups tagged as this cluster's.
- One managed node group per pool: ``capacityType`` SPOT or ON_DEMAND, all the pool's
  instance types, a launch template that requires IMDSv2 (hop limit 1: pods cannot reach the
  node's credentials) with encrypted gp3 disks and the cost tags on instances and volumes,
  ``desiredSize`` ignored after creation (the autoscaler owns it), the spot taint and labels.
- cluster-autoscaler (Helm) with auto-discovery and the priority expander (spot, then
  on-demand workers, then anything), installed through a provider built from the kubeconfig.
- What workloads need and EKS lacks (``metricsServer`` and ``verticalPodAutoscaler``, both on
  by default): metrics-server as EKS's community add-on, so HorizontalPodAutoscalers get CPU
  and memory, and the VPA's recommender (Helm, :func:`thrifty.cluster.kube.vpa_values`), so
  VerticalPodAutoscaler objects are accepted and get recommendations; ``addons`` lists them.
- Off hours (non-production with working hours): the workload-level CronJobs of
  :mod:`thrifty.cluster.offhours`, as on GKE and AKS. They scale the workloads to zero and
  back; cluster-autoscaler then removes the empty nodes down to each pool's minimum and adds
  them back for the restored pods. No scheduled actions on the Auto Scaling groups: their
  night size would be the same minimum, shrinking the group at the hour the workloads go
  races them (nodes taken from pods that are still wanted, which then stay pending), and the
  min / max they set are read back through the node group, a drift in every night's refresh.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s
from pydantic import Field

from thrifty.cluster.kube import (
    AUTOSCALER_NAMESPACE,
    AUTOSCALER_REPOSITORY,
    kubernetes_provider,
    priority_expander,
    vertical_pod_autoscaler,
    workload_off_hours,
)
from thrifty.cluster.offhours import OffHoursScaler
from thrifty.cluster.spec import (
    ClusterArgs,
    ClusterPlan,
    ClusterSpecError,
    NodePoolPlan,
    exec_kubeconfig,
    plan_cluster,
)
from thrifty.cost.catalog import instance_type
from thrifty.network.aws import usable_zone_ids, zone_at
from thrifty.network.spec import own_network_problems, public_access_problems
from thrifty.options import with_provider

#: cluster-autoscaler chart (kubernetes.github.io/autoscaler); 9.46.6 ships autoscaler 1.32.
AUTOSCALER_CHART_VERSION = "9.46.6"
AUTOSCALER_SERVICE_ACCOUNT = "cluster-autoscaler"
_POLICY = "arn:aws:iam::aws:policy/"
CLUSTER_POLICIES = ("AmazonEKSClusterPolicy",)
NODE_POLICIES = ("AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly")
CNI_POLICIES = ("AmazonEKS_CNI_Policy",)
_TAINT_EFFECTS = {
    "NoSchedule": "NO_SCHEDULE",
    "PreferNoSchedule": "PREFER_NO_SCHEDULE",
    "NoExecute": "NO_EXECUTE",
}
_AMI_TYPES = {"x86_64": "AL2023_x86_64_STANDARD", "arm64": "AL2023_ARM_64_STANDARD"}


class EksClusterArgs(ClusterArgs):
    """The cloud-neutral args plus where the cluster lives on AWS."""

    region: str = Field(min_length=1, description="AWS region (kubeconfig, autoscaler).")
    subnet_ids: list[str | pulumi.Output[str]] | None = Field(
        default=None,
        description="Private node subnets, one per zone in zone order (an AwsNetwork's "
        "private_subnet_ids): the first `cluster.zones` hold the nodes, all of them (two zones "
        "at least) the control plane's interfaces. None: the default VPC, for throwaway "
        "development only (refused in production).",
    )
    endpoint_public_access: bool = Field(
        default=True, description="A public API endpoint besides the private one."
    )
    public_access_cidrs: list[str] | None = Field(
        default=None,
        description="CIDRs allowed on the public API endpoint; None: any address (EKS's "
        "default, refused in production).",
    )
    autoscaler_chart_version: str = AUTOSCALER_CHART_VERSION


def discovery_tags(cluster_name: str) -> dict[str, str]:
    """The Auto Scaling group tags cluster-autoscaler's auto-discovery looks for.

    EKS puts them on every managed node group's Auto Scaling group itself ("Amazon EKS tags
    managed node group resources so that they are configured to use the Kubernetes Cluster
    Autoscaler", EKS user guide, managed node groups), so thrifty does not: a copy managed by
    Pulumi (``aws.autoscaling.Tag``) would, once deleted, delete the key from the group (the
    resource's identity is ``<group>,<key>``, and a group holds one value per key), taking
    EKS's tag with it and hiding the group from the autoscaler. The autoscaler's IAM policy
    conditions on the second one.
    """
    return {
        "k8s.io/cluster-autoscaler/enabled": "true",
        f"k8s.io/cluster-autoscaler/{cluster_name}": "owned",
    }


def autoscaler_policy(cluster_name: str) -> dict[str, Any]:
    """Least privilege for cluster-autoscaler: reads anywhere, writes only to own groups."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ScaleOwnGroups",
                "Effect": "Allow",
                "Action": [
                    "autoscaling:SetDesiredCapacity",
                    "autoscaling:TerminateInstanceInAutoScalingGroup",
                ],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {
                        f"aws:ResourceTag/{key}": value
                        for key, value in discovery_tags(cluster_name).items()
                        if key.endswith(f"/{cluster_name}")
                    }
                },
            },
            {
                "Sid": "Describe",
                "Effect": "Allow",
                "Action": [
                    "autoscaling:DescribeAutoScalingGroups",
                    "autoscaling:DescribeAutoScalingInstances",
                    "autoscaling:DescribeLaunchConfigurations",
                    "autoscaling:DescribeScalingActivities",
                    "autoscaling:DescribeTags",
                    "ec2:DescribeImages",
                    "ec2:DescribeInstanceTypes",
                    "ec2:DescribeLaunchTemplateVersions",
                    "ec2:GetInstanceTypesFromInstanceRequirements",
                    "eks:DescribeNodegroup",
                ],
                "Resource": "*",
            },
        ],
    }


def network_problems(args: EksClusterArgs) -> list[str]:
    """Where the cluster may run and who may reach its API; empty when fine.

    Production never runs in the default VPC (an account may have deleted it, and its subnets
    are public) and never opens the public API endpoint to any address.
    """
    subnets = args.subnet_ids
    problems: list[str] = own_network_problems(
        cloud="aws",
        environment=args.tags.environment,
        has_network=subnets is not None,
        field="subnet_ids",
        remedy="pass an AwsNetwork's private_subnet_ids",
    )
    if subnets is not None and len(subnets) < max(args.cluster.zones, 2):
        problems.append(
            f"subnet_ids: {len(subnets)} subnets for {args.cluster.zones} zones; give one "
            "private subnet per zone, in two zones at least (EKS needs two for its control "
            "plane)"
        )
    problems.extend(
        public_access_problems(
            args.tags.environment,
            args.endpoint_public_access,
            args.public_access_cidrs,
            "public_access_cidrs",
        )
    )
    return problems


def _trust(service: str, *, tag_session: bool = False) -> str:
    actions = ["sts:AssumeRole", "sts:TagSession"] if tag_session else "sts:AssumeRole"
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": service}, "Action": actions}
            ],
        }
    )


class EksCluster(pulumi.ComponentResource):
    """An EKS cluster from a :class:`~thrifty.cluster.spec.ClusterSpec` (see module docs).

    Pass the foundation's AWS provider as ``provider=``; every child inherits it.
    """

    plan: ClusterPlan
    cluster: aws.eks.Cluster
    node_groups: dict[str, aws.eks.NodeGroup]
    kubeconfig: pulumi.Output[str]
    kubernetes_provider: k8s.Provider
    off_hours: OffHoursScaler | None
    #: What the cluster installs for workloads (metrics-server, the VPA): their objects that
    #: need them are created after these.
    addons: list[pulumi.Resource]

    def __init__(
        self,
        name: str,
        args: EksClusterArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        provider: pulumi.ProviderResource | None = None,
    ) -> None:
        plan = plan_cluster(name, args, "aws")
        problems = network_problems(args)
        if problems:
            raise ClusterSpecError(problems)
        tags = args.tags.aws()
        opts = with_provider(opts, provider)  # the foundation's, inherited by every child
        super().__init__("thrifty:cluster:EksCluster", name, None, opts)
        self.plan = plan
        child = pulumi.ResourceOptions(parent=self)

        cluster_role = self._role(f"{name}-cluster", "eks.amazonaws.com", CLUSTER_POLICIES, tags)
        node_role = self._role(f"{name}-node", "ec2.amazonaws.com", NODE_POLICIES, tags)
        cni_role = self._role(f"{name}-cni", "pods.eks.amazonaws.com", CNI_POLICIES, tags)
        cluster_subnets, node_subnets = self._subnets(args)

        self.cluster = aws.eks.Cluster(
            f"{name}-eks",
            name=plan.cluster_name,
            role_arn=cluster_role[0].arn,
            version=args.cluster.kubernetes_version,
            vpc_config=aws.eks.ClusterVpcConfigArgs(
                subnet_ids=cluster_subnets,
                endpoint_private_access=True,
                endpoint_public_access=args.endpoint_public_access,
                public_access_cidrs=args.public_access_cidrs,
            ),
            access_config=aws.eks.ClusterAccessConfigArgs(
                authentication_mode="API",
                bootstrap_cluster_creator_admin_permissions=True,
            ),
            # Extended support bills the control plane at six times the standard rate.
            upgrade_policy=aws.eks.ClusterUpgradePolicyArgs(support_type="STANDARD"),
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=cluster_role[1]),
        )
        pod_identity = aws.eks.Addon(
            f"{name}-pod-identity-agent",
            cluster_name=self.cluster.name,
            addon_name="eks-pod-identity-agent",
            tags=tags,
            opts=child,
        )
        vpc_cni = aws.eks.Addon(
            f"{name}-vpc-cni",
            cluster_name=self.cluster.name,
            addon_name="vpc-cni",
            resolve_conflicts_on_create="OVERWRITE",
            pod_identity_associations=[
                aws.eks.AddonPodIdentityAssociationArgs(
                    role_arn=cni_role[0].arn, service_account="aws-node"
                )
            ],
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[pod_identity, *cni_role[1]]),
        )

        self.node_groups = {}
        for pool in plan.pools:
            self.node_groups[pool.name] = self._node_group(
                name, pool, plan, args, node_role, node_subnets, [vpc_cni, *node_role[1]]
            )
        groups = list(self.node_groups.values())

        self.kubeconfig = pulumi.Output.secret(
            pulumi.Output.all(self.cluster.endpoint, self.cluster.certificate_authority.data).apply(
                lambda values: exec_kubeconfig(
                    plan.cluster_name,
                    values[0],
                    values[1],
                    "aws",
                    ["eks", "get-token", "--cluster-name", plan.cluster_name, "--output", "json"],
                    env={"AWS_REGION": args.region},
                )
            )
        )
        self.kubernetes_provider = kubernetes_provider(name, self.kubeconfig, self)
        self.autoscaler = self._autoscaler(name, plan, args, tags, [pod_identity, *groups])
        self.addons = self._addons(name, plan, args, tags, groups)
        self.off_hours = workload_off_hours(
            name, plan, args.tags, self.kubernetes_provider, self, [*groups, self.autoscaler]
        )

        self.register_outputs(
            {
                "clusterName": self.cluster.name,
                "endpoint": self.cluster.endpoint,
                "kubeconfig": self.kubeconfig,
                "nodeGroups": {
                    key: group.node_group_name for key, group in self.node_groups.items()
                },
                "spotTolerations": plan.spot_tolerations(),
            }
        )

    def _role(
        self, name: str, service: str, policies: tuple[str, ...], tags: dict[str, str]
    ) -> tuple[aws.iam.Role, list[pulumi.Resource]]:
        """A role ``service`` may assume, with AWS managed ``policies`` attached."""
        pods = service == "pods.eks.amazonaws.com"
        role = aws.iam.Role(
            f"{name}-role",
            assume_role_policy=_trust(service, tag_session=pods),
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        attachments: list[pulumi.Resource] = [
            aws.iam.RolePolicyAttachment(
                f"{name}-{policy}",
                role=role.name,
                policy_arn=f"{_POLICY}{policy}",
                opts=pulumi.ResourceOptions(parent=self),
            )
            for policy in policies
        ]
        return role, attachments

    def _subnets(
        self, args: EksClusterArgs
    ) -> tuple[list[pulumi.Input[str]], list[pulumi.Input[str]]]:
        """Cluster subnets (all given, two zones at least) and node subnets (``zones``).

        Without ``subnet_ids`` (throwaway development): the default VPC's default subnets in
        the region's first usable zones by zone ID, since a zone name maps to a different
        physical zone in each account and some zones cannot hold EKS subnets.
        """
        count = args.cluster.zones
        if args.subnet_ids:
            return list(args.subnet_ids), list(args.subnet_ids[:count])
        invoke = pulumi.InvokeOutputOptions(parent=self)
        vpc = aws.ec2.get_vpc_output(default=True, opts=invoke)
        zones = usable_zone_ids(args.region, max(count, 2), self)
        subnets: list[pulumi.Input[str]] = [
            aws.ec2.get_subnet_output(
                vpc_id=vpc.id,
                default_for_az=True,
                availability_zone_id=zone_at(zones, index),
                opts=invoke,
            ).id
            for index in range(max(count, 2))
        ]
        return subnets, subnets[:count]

    def _node_group(
        self,
        name: str,
        pool: NodePoolPlan,
        plan: ClusterPlan,
        args: EksClusterArgs,
        node_role: tuple[aws.iam.Role, list[pulumi.Resource]],
        subnets: list[pulumi.Input[str]],
        depends_on: list[pulumi.Resource],
    ) -> aws.eks.NodeGroup:
        """Launch template and managed node group (EKS tags its Auto Scaling group for the
        autoscaler's discovery itself: see :func:`discovery_tags`)."""
        tags = args.tags.aws()
        first = instance_type("aws", pool.instance_types[0])
        architecture = first.architecture if first else "x86_64"
        gpu = bool(first and first.gpus)
        template = aws.ec2.LaunchTemplate(
            f"{name}-{pool.name}-lt",
            description=f"{plan.cluster_name} {pool.name} nodes: IMDSv2 only, encrypted gp3",
            metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
                http_endpoint="enabled",
                http_tokens="required",
                http_put_response_hop_limit=1,
            ),
            block_device_mappings=[
                aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                    device_name="/dev/xvda",
                    ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                        volume_size=pool.disk_gib,
                        volume_type="gp3",
                        encrypted="true",
                        delete_on_termination="true",
                    ),
                )
            ],
            tag_specifications=[
                aws.ec2.LaunchTemplateTagSpecificationArgs(resource_type=kind, tags=tags)
                for kind in ("instance", "volume", "network-interface")
            ],
            update_default_version=True,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        group = aws.eks.NodeGroup(
            f"{name}-{pool.name}",
            cluster_name=self.cluster.name,
            node_group_name=pool.name,
            node_role_arn=node_role[0].arn,
            subnet_ids=subnets,
            capacity_type="SPOT" if pool.spot else "ON_DEMAND",
            instance_types=list(pool.instance_types),
            ami_type="AL2023_x86_64_NVIDIA" if gpu else _AMI_TYPES[architecture],
            scaling_config=aws.eks.NodeGroupScalingConfigArgs(
                min_size=pool.min_size, desired_size=pool.desired_size, max_size=pool.max_size
            ),
            update_config=aws.eks.NodeGroupUpdateConfigArgs(max_unavailable=1),
            launch_template=aws.eks.NodeGroupLaunchTemplateArgs(
                id=template.id, version=template.latest_version.apply(str)
            ),
            labels=pool.labels,
            taints=[
                aws.eks.NodeGroupTaintArgs(
                    key=taint.key, value=taint.value, effect=_TAINT_EFFECTS[taint.effect]
                )
                for taint in pool.taints
            ],
            tags=tags,
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=depends_on,
                # The autoscaler owns the size after creation (nothing else resizes it).
                ignore_changes=["scalingConfig.desiredSize"],
            ),
        )
        return group

    def _addons(
        self,
        name: str,
        plan: ClusterPlan,
        args: EksClusterArgs,
        tags: dict[str, str],
        groups: list[aws.eks.NodeGroup],
    ) -> list[pulumi.Resource]:
        """metrics-server and the VPA recommender, which EKS does not run by default.

        metrics-server is EKS's community add-on ``metrics-server`` (namespace kube-system,
        no IAM: EKS user guide, "Community add-ons", awsdocs/amazon-eks-user-guide
        ``latest/ug/workloads/community-addons.adoc`` @ 013856044148d6eeed4723027a45aa2180536bcb);
        EKS keeps it compatible with the cluster's version. Both run pods, so they wait for the
        node groups; the VPA's recommender also reads metrics-server.
        """
        addons: list[pulumi.Resource] = []
        if plan.spec.metrics_server:
            addons.append(
                aws.eks.Addon(
                    f"{name}-metrics-server",
                    cluster_name=self.cluster.name,
                    addon_name="metrics-server",
                    tags=tags,
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[*groups]),
                )
            )
        if plan.spec.vertical_pod_autoscaler:
            addons.append(
                vertical_pod_autoscaler(
                    name,
                    plan,
                    args.tags,
                    self.kubernetes_provider,
                    self,
                    [*groups, *addons],
                )
            )
        return addons

    def _autoscaler(
        self,
        name: str,
        plan: ClusterPlan,
        args: EksClusterArgs,
        tags: dict[str, str],
        depends_on: list[pulumi.Resource],
    ) -> k8s.helm.v3.Release:
        """cluster-autoscaler with its Pod Identity role and the priority expander."""
        role = aws.iam.Role(
            f"{name}-autoscaler-role",
            assume_role_policy=_trust("pods.eks.amazonaws.com", tag_session=True),
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        policy = aws.iam.RolePolicy(
            f"{name}-autoscaler-policy",
            role=role.name,
            policy=json.dumps(autoscaler_policy(plan.cluster_name)),
            opts=pulumi.ResourceOptions(parent=self),
        )
        association = aws.eks.PodIdentityAssociation(
            f"{name}-autoscaler-identity",
            cluster_name=self.cluster.name,
            namespace=AUTOSCALER_NAMESPACE,
            service_account=AUTOSCALER_SERVICE_ACCOUNT,
            role_arn=role.arn,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )
        # Managed node groups' ASGs are named eks-<node group name>-<uuid>.
        patterns = {pool.name: f"^eks-{pool.name}-.*" for pool in plan.pools}
        expander = priority_expander(
            name, plan, patterns, args.tags, self.kubernetes_provider, self
        )
        values: dict[str, Any] = {
            "cloudProvider": "aws",
            "awsRegion": args.region,
            "autoDiscovery": {"clusterName": plan.cluster_name},
            "rbac": {"serviceAccount": {"create": True, "name": AUTOSCALER_SERVICE_ACCOUNT}},
            "extraArgs": {
                "expander": "priority",
                "balance-similar-node-groups": True,
                "scale-down-unneeded-time": "10m" if plan.production else "5m",
            },
            "nodeSelector": {"thrifty.io/role": "system"},
            "priorityClassName": "system-cluster-critical",
            "podLabels": args.tags.kubernetes(),
            "additionalLabels": args.tags.kubernetes(),
            "resources": {
                "requests": {"cpu": "100m", "memory": "300Mi"},
                "limits": {"cpu": "500m", "memory": "600Mi"},
            },
        }
        if args.cluster.kubernetes_version:
            # The autoscaler's minor version should match the cluster's.
            values["image"] = {"tag": f"v{args.cluster.kubernetes_version}.0"}
        return k8s.helm.v3.Release(
            f"{name}-cluster-autoscaler",
            name="cluster-autoscaler",
            chart="cluster-autoscaler",
            version=args.autoscaler_chart_version,
            namespace=AUTOSCALER_NAMESPACE,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=AUTOSCALER_REPOSITORY),
            values=values,
            opts=pulumi.ResourceOptions(
                parent=self,
                provider=self.kubernetes_provider,
                depends_on=[association, expander, *depends_on],
            ),
        )


__all__ = [
    "EksCluster",
    "EksClusterArgs",
    "autoscaler_policy",
    "discovery_tags",
    "network_problems",
]
