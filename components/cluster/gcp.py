"""GKE: a regional cluster whose default pool is gone, spot node pools per machine type.

What the spec becomes on GCP:

- A dedicated node service account with only ``roles/container.defaultNodeServiceAccount``
  (never the Compute Engine default account, which holds Editor on the project).
- A regional cluster (nodes in ``cluster.zones`` zones) with the default node pool removed,
  Workload Identity, GKE cost allocation on, the cost labels, and the autoscaling profile
  ``OPTIMIZE_UTILIZATION`` outside production (scale down sooner and harder) and ``BALANCED``
  in production.
- Node pools with autoscaling over *total* node counts (not per zone), so min / max mean the
  same as on the other clouds. GKE pools take one machine type, so a spot pool becomes one
  pool per type (``spot0``, ``spot1`` ...), its bounds split between them: GKE's autoscaler
  backs off a pool whose type has no spot capacity and grows another.
  Spot pools have ``spot: true``, the ``cloud.google.com/gke-spot=true:NoSchedule`` taint and
  location policy ``ANY`` (take spot capacity in whichever zone has it).
- GKE runs its own cluster-autoscaler, so no Helm release; off hours use the workload-level
  route (:mod:`thrifty.cluster.offhours`): GCP has no schedule for node pools.
"""

from __future__ import annotations

import math

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s
from pydantic import Field

from thrifty.cluster.kube import kubernetes_provider, workload_off_hours
from thrifty.cluster.offhours import OffHoursScaler
from thrifty.cluster.spec import (
    ClusterArgs,
    ClusterPlan,
    NodePoolPlan,
    exec_kubeconfig,
    plan_cluster,
)
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
    region: str = Field(min_length=1, description="Region; the cluster is regional.")
    network: str | None = Field(default=None, description="VPC network (default: 'default').")
    subnetwork: str | None = None


def initial_node_count(pool: NodePoolPlan, zones: int) -> int:
    """GKE counts a pool's initial nodes per zone: the desired total spread, within max."""
    per_zone = math.ceil(pool.desired_size / zones)
    return min(per_zone, pool.max_size // zones)


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

    def __init__(
        self,
        name: str,
        args: GkeClusterArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        provider: pulumi.ProviderResource | None = None,
    ) -> None:
        plan = plan_cluster(name, args, "gcp")
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
        zones = gcp.compute.get_zones_output(
            project=args.project,
            region=args.region,
            status="UP",
            opts=pulumi.InvokeOutputOptions(parent=self),
        ).names.apply(lambda names: sorted(names)[: args.cluster.zones])

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
            location=args.region,
            node_locations=zones,
            network=args.network,
            subnetwork=args.subnetwork,
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
            deletion_protection=plan.production,
            resource_labels=labels,
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=grants, ignore_changes=["nodeConfig", "initialNodeCount"]
            ),
        )
        self.node_pools = {
            pool.name: self._node_pool(name, pool, plan, args, account.email, grants)
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
        plan: ClusterPlan,
        args: GkeClusterArgs,
        service_account: pulumi.Output[str],
        grants: list[gcp.projects.IAMMember],
    ) -> gcp.container.NodePool:
        """One autoscaled pool of one machine type; the autoscaler owns its node count."""
        return gcp.container.NodePool(
            f"{name}-{pool.name}",
            name=pool.name,
            project=args.project,
            location=args.region,
            cluster=self.cluster.name,
            initial_node_count=initial_node_count(pool, args.cluster.zones),
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


__all__ = ["GkeCluster", "GkeClusterArgs", "initial_node_count"]
