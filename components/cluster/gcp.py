"""GKE: a zonal (dev) or regional (production) cluster, spot node pools per machine type.

What the spec becomes on GCP:

- A dedicated node service account with only ``roles/container.defaultNodeServiceAccount``
  (never the Compute Engine default account, which holds Editor on the project).
- A cluster with the default node pool removed, Workload Identity, GKE cost allocation on,
  the cost labels, and the autoscaling profile ``OPTIMIZE_UTILIZATION`` outside production
  (scale down sooner and harder) and ``BALANCED`` in production. Outside production it is
  **zonal** (one control plane in the first zone, nodes in ``cluster.zones`` zones): "Free
  tier credits are only applied to zonal and Autopilot clusters", $74.40 a month per billing
  account (https://cloud.google.com/kubernetes-engine/pricing#cluster_management_fee_and_free_tier),
  never to a regional cluster's fee. Production stays regional (a control plane in every zone;
  its SLA is 99.95 % against a zonal one's 99.5 %, same page). ``location_type`` overrides.
- With a network (:mod:`thrifty.network.gcp`): VPC-native on its subnetwork's pod and service
  secondary ranges, private nodes (no external addresses; egress through Cloud NAT), and the
  public control-plane endpoint limited to ``public_access_cidrs`` (master authorized
  networks), or off.
- Node pools with autoscaling over *total* node counts (not per zone), so min / max mean the
  same as on the other clouds. GKE pools take one machine type, so a spot pool becomes one
  pool per type (``spot0``, ``spot1`` ...), its bounds split between them: GKE's autoscaler
  backs off a pool whose type has no spot capacity and grows another. ``initialNodeCount`` is
  per zone ("In regional or multi-zonal clusters, this is the number of nodes per zone",
  pulumi-gcp ``container.NodePool``): :func:`initial_node_counts` picks per-zone counts that
  start each pool with exactly its ``desiredSize``, or refuses a size no per-zone count gives.
  Spot pools have ``spot: true``, the ``cloud.google.com/gke-spot=true:NoSchedule`` taint and
  location policy ``ANY`` (take spot capacity in whichever zone has it).
- GKE runs its own cluster-autoscaler, so no Helm release; off hours use the workload-level
  route (:mod:`thrifty.cluster.offhours`): GCP has no schedule for node pools.
- What workloads need: GKE serves the resource metrics itself (metrics-server runs in every
  cluster as a GKE-managed add-on, kubernetes-sigs/metrics-server#190, so
  HorizontalPodAutoscalers on CPU and memory need nothing more); its managed VPA is
  the cluster's ``verticalPodAutoscaling`` (``verticalPodAutoscaler``, on by default), which
  also serves the VerticalPodAutoscaler custom resource (GKE docs, "Vertical Pod
  autoscaling": enable it in the cluster, then create VerticalPodAutoscaler objects).
"""

from __future__ import annotations

import math
from typing import Literal

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s
from pydantic import Field

from thrifty.cluster.kube import kubernetes_provider, workload_off_hours
from thrifty.cluster.offhours import OffHoursScaler
from thrifty.cluster.spec import (
    ClusterArgs,
    ClusterPlan,
    ClusterSpecError,
    NodePoolPlan,
    exec_kubeconfig,
    plan_cluster,
)
from thrifty.network.spec import public_access_problems
from thrifty.options import with_provider

NODE_ROLES = ("roles/container.defaultNodeServiceAccount",)
_TAINT_EFFECTS = {
    "NoSchedule": "NO_SCHEDULE",
    "PreferNoSchedule": "PREFER_NO_SCHEDULE",
    "NoExecute": "NO_EXECUTE",
}
_SCOPES = ["https://www.googleapis.com/auth/cloud-platform"]


class GkeClusterArgs(ClusterArgs):
    """The cloud-neutral args plus where the cluster lives on GCP."""

    project: str = Field(min_length=1, description="GCP project id.")
    region: str = Field(min_length=1, description="Region of the cluster and its zones.")
    location_type: Literal["zonal", "regional"] | None = Field(
        default=None,
        description="zonal (the free tier's credit applies) or regional; None: regional in "
        "production, zonal otherwise.",
    )
    node_zones: list[str] | None = Field(
        default=None,
        description="The zones of the nodes (`cluster.zones` of them, first one the zonal "
        "control plane's); None: the region's first zones.",
    )
    network: str | pulumi.Output[str] | None = Field(
        default=None, description="VPC network (default: 'default')."
    )
    subnetwork: str | pulumi.Output[str] | None = None
    pods_range_name: str | None = Field(
        default=None, description="The subnetwork's secondary range for pods (VPC-native)."
    )
    services_range_name: str | None = Field(
        default=None, description="The subnetwork's secondary range for services."
    )
    private_nodes: bool = Field(
        default=False, description="Nodes without external addresses (egress via Cloud NAT)."
    )
    endpoint_public_access: bool = Field(
        default=True, description="A public control-plane endpoint besides the private one."
    )
    public_access_cidrs: list[str] | None = Field(
        default=None,
        description="Master authorized networks: CIDRs allowed on the public endpoint; None: "
        "any address (refused in production).",
    )


def _pool_groups(plan: ClusterPlan) -> dict[str, list[NodePoolPlan]]:
    """The GKE pools of each spec pool (a spot pool has one per machine type)."""
    groups: dict[str, list[NodePoolPlan]] = {}
    for pool in plan.pools:
        groups.setdefault(pool.pool, []).append(pool)
    return groups


def initial_node_counts(plan: ClusterPlan, zones: int) -> dict[str, int]:
    """Per-zone ``initialNodeCount`` of every GKE pool, so each spec pool starts with exactly
    its desired size; raises :class:`ClusterSpecError` for sizes no per-zone count gives.

    GKE creates ``initialNodeCount`` nodes in each of the pool's ``zones``: a spec pool's
    desired size must be a multiple of the zones, and each of its per-type pools starts at
    least at its share of the minimum (the autoscaler does not raise a pool to its minimum
    by itself) and at most at its share of the maximum.
    """
    counts: dict[str, int] = {}
    problems: list[str] = []
    for name, members in _pool_groups(plan).items():
        desired = sum(member.desired_size for member in members)
        lowest = [math.ceil(member.min_size / zones) for member in members]
        highest = [member.max_size // zones for member in members]
        smallest = max(sum(lowest), math.ceil(desired / zones)) * zones
        where = (
            f"pool {name!r} asks for desiredSize {desired} (minSize when unset), but GKE "
            f"starts the same number of nodes in each of its {zones} zones"
        )
        if desired % zones:
            below = desired - desired % zones
            low = sum(member.min_size for member in members)
            high = sum(member.max_size for member in members)
            options = [size for size in (below, below + zones) if low <= size <= high]
            advice = f"use {' or '.join(map(str, options))}" if options else "change the zones"
            problems.append(f"{where}, so it cannot start {desired}; {advice}")
            continue
        if sum(lowest) * zones > desired:
            problems.append(
                f"{where} and each of its {len(members)} machine-type pools at least its share "
                f"of minSize, so it needs at least {smallest} nodes at start; raise "
                "desiredSize or lower minSize"
            )
            continue
        per_zone = list(lowest)
        remaining = desired // zones - sum(per_zone)
        while remaining:
            room = [i for i in range(len(members)) if per_zone[i] < highest[i]]
            if not room:
                problems.append(f"{where}, and its maxSize leaves no room for {desired}")
                break
            per_zone[min(room, key=lambda i: (per_zone[i], i))] += 1
            remaining -= 1
        counts.update({member.name: count for member, count in zip(members, per_zone, strict=True)})
    if problems:
        raise ClusterSpecError([f"cluster.{problem}" for problem in problems])
    return counts


def _location_problems(args: GkeClusterArgs, plan: ClusterPlan) -> list[str]:
    """Explicit zones and API access, checked before anything is registered."""
    problems = public_access_problems(
        plan.environment, args.endpoint_public_access, args.public_access_cidrs,
        "public_access_cidrs",
    )  # fmt: skip
    zones = args.node_zones
    if zones is not None and (
        len(zones) != args.cluster.zones
        or len(set(zones)) != len(zones)
        or not all(zone.startswith(f"{args.region}-") for zone in zones)
    ):
        problems.append(
            f"node_zones: {zones} must be {args.cluster.zones} different zones of "
            f"{args.region} (cluster.zones)"
        )
    if not args.endpoint_public_access and not args.private_nodes:
        problems.append("endpoint_public_access: a private-only endpoint needs private_nodes=True")
    return problems


class GkeCluster(pulumi.ComponentResource):
    """A GKE cluster from a :class:`~thrifty.cluster.spec.ClusterSpec` (see module docs).

    Pass the foundation's GCP provider as ``provider=``; every child inherits it.
    """

    plan: ClusterPlan
    cluster: gcp.container.Cluster
    node_pools: dict[str, gcp.container.NodePool]
    kubeconfig: pulumi.Output[str]
    kubernetes_provider: k8s.Provider
    off_hours: OffHoursScaler | None
    #: What provides workloads' metrics and VPA: the cluster itself (see the module docs).
    addons: list[pulumi.Resource]

    def __init__(
        self,
        name: str,
        args: GkeClusterArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        provider: pulumi.ProviderResource | None = None,
    ) -> None:
        plan = plan_cluster(name, args, "gcp")
        problems = _location_problems(args, plan)
        if problems:
            raise ClusterSpecError(problems)
        starts = initial_node_counts(plan, args.cluster.zones)
        regional = (args.location_type or ("regional" if plan.production else "zonal")) == (
            "regional"
        )
        labels = args.tags.gcp()
        opts = with_provider(opts, provider)  # the foundation's, inherited by every child
        super().__init__("thrifty:cluster:GkeCluster", name, None, opts)
        self.plan = plan
        child = pulumi.ResourceOptions(parent=self)

        account = gcp.serviceaccount.Account(
            f"{name}-nodes",
            account_id=f"{plan.cluster_name[:24].rstrip('-')}-nodes",
            display_name=f"GKE nodes of {plan.cluster_name}",
            project=args.project,
            opts=child,
        )
        grants = [
            gcp.projects.IAMMember(
                f"{name}-nodes-{role.rsplit('.', 1)[-1]}",
                project=args.project,
                role=role,
                member=account.email.apply(lambda email: f"serviceAccount:{email}"),
                opts=child,
            )
            for role in NODE_ROLES
        ]
        zones: pulumi.Output[list[str]] = (
            pulumi.Output.from_input(list(args.node_zones))
            if args.node_zones
            else gcp.compute.get_zones_output(
                project=args.project,
                region=args.region,
                status="UP",
                opts=pulumi.InvokeOutputOptions(parent=self),
            ).names.apply(lambda names: sorted(names)[: args.cluster.zones])
        )
        # A zonal cluster's location is its first zone; its nodeLocations name the others.
        location: pulumi.Input[str] = (
            args.region if regional else zones.apply(lambda found: found[0])
        )
        node_locations: pulumi.Input[list[str]] | None = (
            zones
            if regional
            else (zones.apply(lambda found: found[1:]) if args.cluster.zones > 1 else None)
        )

        node_config = gcp.container.ClusterNodeConfigArgs(
            service_account=account.email,
            oauth_scopes=_SCOPES,
            resource_labels=labels,
            shielded_instance_config=gcp.container.ClusterNodeConfigShieldedInstanceConfigArgs(
                enable_secure_boot=True, enable_integrity_monitoring=True
            ),
        )
        self.cluster = gcp.container.Cluster(
            f"{name}-gke",
            name=plan.cluster_name,
            project=args.project,
            location=location,
            node_locations=node_locations,
            network=args.network,
            subnetwork=args.subnetwork,
            **_network_config(args),
            remove_default_node_pool=True,
            initial_node_count=1,
            # The default pool only exists while the cluster is created; give it our account.
            node_config=node_config,
            min_master_version=args.cluster.kubernetes_version,
            release_channel=gcp.container.ClusterReleaseChannelArgs(channel="REGULAR"),
            workload_identity_config=gcp.container.ClusterWorkloadIdentityConfigArgs(
                workload_pool=f"{args.project}.svc.id.goog"
            ),
            cluster_autoscaling=gcp.container.ClusterClusterAutoscalingArgs(
                autoscaling_profile="BALANCED" if plan.production else "OPTIMIZE_UTILIZATION"
            ),
            cost_management_config=gcp.container.ClusterCostManagementConfigArgs(enabled=True),
            # GKE's managed VPA: its components and the VerticalPodAutoscaler API.
            vertical_pod_autoscaling=gcp.container.ClusterVerticalPodAutoscalingArgs(
                enabled=args.cluster.vertical_pod_autoscaler
            ),
            deletion_protection=plan.production,
            resource_labels=labels,
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=grants, ignore_changes=["nodeConfig", "initialNodeCount"]
            ),
        )
        self.node_pools = {
            pool.name: self._node_pool(
                name, pool, args, location, starts[pool.name], account.email, grants
            )
            for pool in plan.pools
        }

        self.kubeconfig = pulumi.Output.secret(
            pulumi.Output.all(
                self.cluster.endpoint, self.cluster.master_auth.cluster_ca_certificate
            ).apply(
                lambda values: exec_kubeconfig(
                    plan.cluster_name,
                    f"https://{values[0]}",
                    str(values[1]),
                    "gke-gcloud-auth-plugin",
                    [],
                )
            )
        )
        self.kubernetes_provider = kubernetes_provider(name, self.kubeconfig, self)
        self.addons = [self.cluster]
        self.off_hours = workload_off_hours(
            name, plan, args.tags, self.kubernetes_provider, self, list(self.node_pools.values())
        )
        self.register_outputs(
            {
                "clusterName": self.cluster.name,
                "endpoint": self.cluster.endpoint,
                "kubeconfig": self.kubeconfig,
                "nodePools": {key: pool.name for key, pool in self.node_pools.items()},
                "spotTolerations": plan.spot_tolerations(),
            }
        )

    def _node_pool(
        self,
        name: str,
        pool: NodePoolPlan,
        args: GkeClusterArgs,
        location: pulumi.Input[str],
        per_zone: int,
        service_account: pulumi.Output[str],
        grants: list[gcp.projects.IAMMember],
    ) -> gcp.container.NodePool:
        """One autoscaled pool of one machine type; the autoscaler owns its node count."""
        return gcp.container.NodePool(
            f"{name}-{pool.name}",
            name=pool.name,
            project=args.project,
            location=location,
            cluster=self.cluster.name,
            initial_node_count=per_zone,
            autoscaling=gcp.container.NodePoolAutoscalingArgs(
                total_min_node_count=pool.min_size,
                total_max_node_count=pool.max_size,
                location_policy="ANY" if pool.spot else "BALANCED",
            ),
            management=gcp.container.NodePoolManagementArgs(auto_repair=True, auto_upgrade=True),
            node_config=gcp.container.NodePoolNodeConfigArgs(
                machine_type=pool.instance_types[0],
                spot=pool.spot,
                disk_size_gb=pool.disk_gib,
                disk_type="pd-balanced",
                image_type="COS_CONTAINERD",
                labels=pool.labels,
                resource_labels=args.tags.gcp(),
                taints=[
                    gcp.container.NodePoolNodeConfigTaintArgs(
                        key=taint.key, value=taint.value, effect=_TAINT_EFFECTS[taint.effect]
                    )
                    for taint in pool.taints
                ],
                service_account=service_account,
                oauth_scopes=_SCOPES,
                workload_metadata_config=gcp.container.NodePoolNodeConfigWorkloadMetadataConfigArgs(
                    mode="GKE_METADATA"
                ),
                shielded_instance_config=gcp.container.NodePoolNodeConfigShieldedInstanceConfigArgs(
                    enable_secure_boot=True, enable_integrity_monitoring=True
                ),
            ),
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=grants,
                ignore_changes=["initialNodeCount", "nodeCount"],
            ),
        )


def _network_config(args: GkeClusterArgs) -> dict[str, object]:
    """VPC-native ranges, private nodes and master authorized networks, where asked."""
    config: dict[str, object] = {}
    if args.pods_range_name or args.services_range_name:
        config["ip_allocation_policy"] = gcp.container.ClusterIpAllocationPolicyArgs(
            cluster_secondary_range_name=args.pods_range_name,
            services_secondary_range_name=args.services_range_name,
        )
    if args.private_nodes:
        # No master_ipv4_cidr_block: new private clusters use Private Service Connect, which
        # needs no control-plane range (GKE docs, "About Private Service Connect").
        config["private_cluster_config"] = gcp.container.ClusterPrivateClusterConfigArgs(
            enable_private_nodes=True,
            enable_private_endpoint=not args.endpoint_public_access,
        )
    if args.public_access_cidrs is not None:
        config["master_authorized_networks_config"] = (
            gcp.container.ClusterMasterAuthorizedNetworksConfigArgs(
                cidr_blocks=[
                    gcp.container.ClusterMasterAuthorizedNetworksConfigCidrBlockArgs(
                        cidr_block=cidr, display_name=f"allowed-{index}"
                    )
                    for index, cidr in enumerate(args.public_access_cidrs)
                ]
            )
        )
    return config


__all__ = ["GkeCluster", "GkeClusterArgs", "initial_node_counts"]
