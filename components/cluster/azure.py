"""AKS: an on-demand system pool inside the cluster, spot user pools beside it.

What the spec becomes on Azure:

- A managed cluster (system-assigned identity, Azure CNI overlay, Free control-plane tier
  outside production and Standard, with its uptime SLA, in production) whose one inline pool
  is the system pool: AKS requires a system pool and a spot pool can never be the default.
- One user agent pool per spot machine type (AKS pools take one VM size): priority Spot,
  eviction Delete (an evicted node's disk is not kept, and billed, as with Deallocate), max
  price -1 (pay up to the on-demand price rather than be evicted on price), autoscaling
  min / max, the node count ignored after creation. AKS puts the taint
  ``kubernetes.azure.com/scalesetpriority=spot:NoSchedule`` on spot nodes itself; thrifty
  declares it too, so Pulumi sees no drift.
- AKS runs cluster-autoscaler itself; thrifty sets its profile to the priority expander and
  writes the priority ConfigMap (spot pools first) through a provider built from the
  cluster's user kubeconfig.
- Off hours use the workload-level route (:mod:`thrifty.cluster.offhours`): AKS has no
  schedule for node pools.
- What workloads need: AKS runs metrics-server in every cluster (Azure docs, "Configure
  Metrics Server VPA in AKS"; HorizontalPodAutoscalers on CPU and memory need nothing more);
  its managed VPA is the cluster's
  ``workloadAutoScalerProfile.verticalPodAutoscaler`` (``verticalPodAutoscaler``, on by
  default; Azure docs, "Use the Vertical Pod Autoscaler in AKS": ``--enable-vpa``, then
  VerticalPodAutoscaler objects). AKS's VPA also runs its updater and admission controller;
  thrifty's VPA objects are ``updateMode: "Off"``, so they never act.
- With a network (:mod:`thrifty.network.azure`): every pool on its node subnet
  (``vnetSubnetID``), the cluster identity given Network Contributor on the VNet (as ``az aks
  create`` does), egress by the network's ``outboundType``, pods and services on their
  overlay ranges, and the API server's authorized IP ranges (or a private cluster).
"""

from __future__ import annotations

import base64
from typing import Any

import pulumi
import pulumi_azure_native as azure_native
import pulumi_kubernetes as k8s
from pydantic import Field

from thrifty.cluster.kube import kubernetes_provider, priority_expander, workload_off_hours
from thrifty.cluster.offhours import OffHoursScaler
from thrifty.cluster.spec import (
    ClusterArgs,
    ClusterPlan,
    ClusterSpecError,
    NodePoolPlan,
    plan_cluster,
)
from thrifty.network.azure import grant_network_contributor
from thrifty.network.spec import public_access_problems
from thrifty.options import with_provider

_ZONES = ("1", "2", "3")


class AksClusterArgs(ClusterArgs):
    """The cloud-neutral args plus where the cluster lives on Azure."""

    resource_group_name: str | pulumi.Output[str] = Field(
        description="The environment's resource group (the foundation's)."
    )
    location: str = Field(min_length=1, description="Azure location, e.g. eastus.")
    vnet_subnet_id: str | pulumi.Output[str] | None = Field(
        default=None,
        description="The node subnet of an AzureNetwork; None: AKS makes its own VNet.",
    )
    outbound_type: str | None = Field(
        default=None, description="AKS outboundType (the AzureNetwork's); None: loadBalancer."
    )
    pod_cidr: str | None = None
    service_cidr: str | None = None
    dns_service_ip: str | None = None
    endpoint_public_access: bool = Field(
        default=True, description="A public API server endpoint (else a private cluster)."
    )
    public_access_cidrs: list[str] | None = Field(
        default=None,
        description="API server authorized IP ranges; None: any address (refused in production).",
    )


def _taint_strings(pool: NodePoolPlan) -> list[str]:
    return [str(taint) for taint in pool.taints]


def pool_profile(
    pool: NodePoolPlan,
    plan: ClusterPlan,
    tags: dict[str, str],
    subnet_id: str | pulumi.Output[str] | None = None,
) -> dict[str, Any]:
    """The agent pool properties every pool shares (inline system pool or AgentPool)."""
    profile: dict[str, Any] = {
        "vm_size": pool.instance_types[0],
        "count": pool.desired_size,
        "min_count": pool.min_size,
        "max_count": pool.max_size,
        "enable_auto_scaling": True,
        "availability_zones": list(_ZONES[: plan.spec.zones]),
        "os_disk_size_gb": pool.disk_gib,
        "os_type": "Linux",
        "type": "VirtualMachineScaleSets",
        "node_labels": pool.labels,
        "node_taints": _taint_strings(pool),
        "orchestrator_version": plan.spec.kubernetes_version,
        "tags": tags,
    }
    if subnet_id is not None:
        profile["vnet_subnet_id"] = subnet_id
    if pool.spot:
        profile.update(
            scale_set_priority="Spot",
            scale_set_eviction_policy="Delete",
            spot_max_price=-1,
        )
    return profile


def _api_access(
    args: AksClusterArgs,
) -> azure_native.containerservice.ManagedClusterAPIServerAccessProfileArgs | None:
    """Authorized IP ranges, or a private cluster; None leaves AKS's default (public)."""
    if args.endpoint_public_access and args.public_access_cidrs is None:
        return None
    return azure_native.containerservice.ManagedClusterAPIServerAccessProfileArgs(
        authorized_ip_ranges=args.public_access_cidrs,
        enable_private_cluster=not args.endpoint_public_access,
    )


class AksCluster(pulumi.ComponentResource):
    """An AKS cluster from a :class:`~thrifty.cluster.spec.ClusterSpec` (see module docs).

    Pass the foundation's azure-native provider as ``provider=``; every child inherits it.
    """

    plan: ClusterPlan
    cluster: azure_native.containerservice.ManagedCluster
    agent_pools: dict[str, azure_native.containerservice.AgentPool]
    kubeconfig: pulumi.Output[str]
    kubernetes_provider: k8s.Provider
    off_hours: OffHoursScaler | None
    #: What provides workloads' metrics and VPA: the cluster itself (see the module docs).
    addons: list[pulumi.Resource]

    def __init__(
        self,
        name: str,
        args: AksClusterArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        provider: pulumi.ProviderResource | None = None,
    ) -> None:
        plan = plan_cluster(name, args, "azure")
        problems = public_access_problems(
            plan.environment,
            args.endpoint_public_access,
            args.public_access_cidrs,
            "public_access_cidrs",
        )
        if problems:
            raise ClusterSpecError(problems)
        tags = args.tags.azure()
        opts = with_provider(opts, provider)  # the foundation's, inherited by every child
        super().__init__("thrifty:cluster:AksCluster", name, None, opts)
        self.plan = plan
        system, *others = plan.pools

        self.cluster = azure_native.containerservice.ManagedCluster(
            f"{name}-aks",
            resource_name_=plan.cluster_name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            dns_prefix=plan.cluster_name,
            kubernetes_version=args.cluster.kubernetes_version,
            identity=azure_native.containerservice.ManagedClusterIdentityArgs(
                type="SystemAssigned"
            ),
            sku=azure_native.containerservice.ManagedClusterSKUArgs(
                name="Base", tier="Standard" if plan.production else "Free"
            ),
            enable_rbac=True,
            agent_pool_profiles=[
                azure_native.containerservice.ManagedClusterAgentPoolProfileArgs(
                    name=system.name,
                    mode="System",
                    **pool_profile(system, plan, tags, args.vnet_subnet_id),
                )
            ],
            auto_scaler_profile=azure_native.containerservice.ManagedClusterPropertiesAutoScalerProfileArgs(
                expander="priority",
                balance_similar_node_groups="true",
                scale_down_unneeded_time="10m" if plan.production else "5m",
            ),
            network_profile=azure_native.containerservice.ContainerServiceNetworkProfileArgs(
                network_plugin="azure",
                network_plugin_mode="overlay",
                load_balancer_sku="standard",
                outbound_type=args.outbound_type,
                pod_cidr=args.pod_cidr,
                service_cidr=args.service_cidr,
                dns_service_ip=args.dns_service_ip,
            ),
            api_server_access_profile=_api_access(args),
            auto_upgrade_profile=azure_native.containerservice.ManagedClusterAutoUpgradeProfileArgs(
                upgrade_channel="patch"
            ),
            node_resource_group=f"{plan.cluster_name}-nodes",
            # AKS's managed VPA (``az aks create --enable-vpa``) with its CRD.
            workload_auto_scaler_profile=azure_native.containerservice.ManagedClusterWorkloadAutoScalerProfileArgs(
                vertical_pod_autoscaler=azure_native.containerservice.ManagedClusterWorkloadAutoScalerProfileVerticalPodAutoscalerArgs(
                    enabled=args.cluster.vertical_pod_autoscaler
                )
            ),
            tags=tags,
            opts=pulumi.ResourceOptions(
                parent=self,
                # The autoscaler owns the system pool's node count after creation.
                ignore_changes=["agentPoolProfiles[0].count"],
            ),
        )
        if args.vnet_subnet_id is not None:
            self.network_role = grant_network_contributor(
                f"{name}-network",
                self.cluster.identity.apply(lambda found: found.principal_id if found else ""),
                args.vnet_subnet_id,
                pulumi.ResourceOptions(parent=self, depends_on=[self.cluster]),
            )
        self.agent_pools = {
            pool.name: azure_native.containerservice.AgentPool(
                f"{name}-{pool.name}",
                agent_pool_name=pool.name,
                resource_group_name=args.resource_group_name,
                resource_name_=self.cluster.name,
                mode="User",
                **pool_profile(pool, plan, tags, args.vnet_subnet_id),
                opts=pulumi.ResourceOptions(parent=self, ignore_changes=["count"]),
            )
            for pool in others
        }

        credentials = azure_native.containerservice.list_managed_cluster_user_credentials_output(
            resource_group_name=args.resource_group_name,
            resource_name=self.cluster.name,
            opts=pulumi.InvokeOutputOptions(parent=self),
        )
        self.kubeconfig = pulumi.Output.secret(
            credentials.kubeconfigs[0].value.apply(lambda value: base64.b64decode(value).decode())
        )
        self.kubernetes_provider = kubernetes_provider(name, self.kubeconfig, self)
        self.addons = [self.cluster]
        # AKS names a pool's scale set aks-<pool>-<hash>-vmss; the autoscaler uses that name.
        patterns = {pool.name: f"^aks-{pool.name}-.*" for pool in plan.pools}
        self.priority_expander = priority_expander(
            name, plan, patterns, args.tags, self.kubernetes_provider, self
        )
        self.off_hours = workload_off_hours(
            name, plan, args.tags, self.kubernetes_provider, self, list(self.agent_pools.values())
        )
        self.register_outputs(
            {
                "clusterName": self.cluster.name,
                "fqdn": self.cluster.fqdn,
                "kubeconfig": self.kubeconfig,
                "agentPools": {key: pool.name for key, pool in self.agent_pools.items()},
                "spotTolerations": plan.spot_tolerations(),
            }
        )


__all__ = ["AksCluster", "AksClusterArgs", "pool_profile"]
