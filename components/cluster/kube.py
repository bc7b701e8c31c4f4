"""Kubernetes-side pieces every cloud's cluster shares: the provider, the priority expander.

Cloud-neutral (only ``pulumi_kubernetes``), so the three cloud files build these the same way.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_kubernetes as k8s

from thrifty.cluster.offhours import OffHoursScaler, OffHoursScalerArgs
from thrifty.cluster.spec import ClusterPlan
from thrifty.tags import CostTags

#: cluster-autoscaler reads exactly this ConfigMap, in its own namespace (kube-system).
PRIORITY_EXPANDER_CONFIGMAP = "cluster-autoscaler-priority-expander"
AUTOSCALER_NAMESPACE = "kube-system"


def kubernetes_provider(
    name: str, kubeconfig: pulumi.Input[str], parent: pulumi.Resource
) -> k8s.Provider:
    """A provider for workloads on the new cluster, from its (secret) kubeconfig.

    Server-side apply keeps fields other controllers own (the autoscaler's replica counts,
    for one) out of Pulumi's diffs.
    """
    return k8s.Provider(
        f"{name}-k8s",
        kubeconfig=kubeconfig,
        enable_server_side_apply=True,
        opts=pulumi.ResourceOptions(parent=parent),
    )


def priority_expander(
    name: str,
    plan: ClusterPlan,
    group_patterns: Mapping[str, str],
    tags: CostTags,
    provider: k8s.Provider,
    parent: pulumi.Resource,
) -> k8s.core.v1.ConfigMap:
    """The ConfigMap that makes cluster-autoscaler try spot pools first, on-demand after.

    ``group_patterns`` maps each pool plan's name to a regex of its autoscaling group name on
    the cloud (an EKS ASG, an AKS scale set).
    """
    return k8s.core.v1.ConfigMap(
        f"{name}-priority-expander",
        metadata=k8s.meta.v1.ObjectMetaArgs(
            name=PRIORITY_EXPANDER_CONFIGMAP,
            namespace=AUTOSCALER_NAMESPACE,
            labels=tags.kubernetes(),
        ),
        data={"priorities": plan.expander_priorities(group_patterns)},
        opts=pulumi.ResourceOptions(parent=parent, provider=provider),
    )


def workload_off_hours(
    name: str,
    plan: ClusterPlan,
    tags: CostTags,
    provider: k8s.Provider,
    parent: pulumi.Resource,
    depends_on: list[pulumi.Resource],
) -> OffHoursScaler | None:
    """The Kubernetes off-hours job, when the plan has working hours (never in production)."""
    if plan.off_hours is None or plan.production:
        return None
    return OffHoursScaler(
        f"{name}-off-hours",
        OffHoursScalerArgs(tags=tags, off_hours=plan.off_hours),
        provider=provider,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=depends_on),
    )


__all__ = [
    "AUTOSCALER_NAMESPACE",
    "PRIORITY_EXPANDER_CONFIGMAP",
    "kubernetes_provider",
    "priority_expander",
    "workload_off_hours",
]
