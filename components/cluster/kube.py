"""Kubernetes-side pieces every cloud's cluster shares: the provider, the priority expander,
the off-hours jobs and the Vertical Pod Autoscaler's recommender.

Cloud-neutral (only ``pulumi_kubernetes``), so the three cloud files build these the same way.

The VPA (EKS only: GKE and AKS run their own, switched on in the cluster resource) is the
official chart of kubernetes/autoscaler, ``vertical-pod-autoscaler`` :data:`VPA_CHART_VERSION`
(app 1.7.1; ``vertical-pod-autoscaler/charts/vertical-pod-autoscaler`` at tag
``vertical-pod-autoscaler-chart-0.11.0``, commit ``49ef1cb46052db6dac5a59e25e8ab8f9385f4c89``),
reduced to what recommendation mode (``updateMode: "Off"``) needs: the recommender. The
admission controller (which rewrites pods' requests as they are created) and the updater
(which evicts pods to resize them) are off, so nothing ever changes a pod.

Its CRDs come from the chart's ``crds/`` directory, which Helm installs on the first install
and never upgrades or deletes (the chart's README, "Custom Resource Definitions"). Kept that
way on purpose: deleting the release (or turning ``verticalPodAutoscaler`` off) leaves the CRD,
so the workloads' VerticalPodAutoscaler objects and their recommendations survive, and a CRD
owned by Pulumi would take them all with it. The cost is on upgrades: when
:data:`VPA_CHART_VERSION` moves to a chart whose app version changes the CRD, apply the new
``vpa-v1-crd-gen.yaml`` first, as the chart's README says::

    kubectl apply --server-side -f https://raw.githubusercontent.com/kubernetes/autoscaler/\
vertical-pod-autoscaler-<appVersion>/vertical-pod-autoscaler/deploy/vpa-v1-crd-gen.yaml
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from thrifty.cluster.offhours import OffHoursScaler, OffHoursScalerArgs
from thrifty.cluster.spec import ROLE_LABEL, ClusterPlan
from thrifty.tags import CostTags

#: cluster-autoscaler reads exactly this ConfigMap, in its own namespace (kube-system).
PRIORITY_EXPANDER_CONFIGMAP = "cluster-autoscaler-priority-expander"
AUTOSCALER_NAMESPACE = "kube-system"
#: The Helm repository of kubernetes/autoscaler's charts (cluster-autoscaler, the VPA).
AUTOSCALER_REPOSITORY = "https://kubernetes.github.io/autoscaler"

VPA_CHART = "vertical-pod-autoscaler"
#: Pinned; every value :func:`vpa_values` sets is a key of this version's values.yaml
#: (tests/fixtures/charts/vertical-pod-autoscaler-0.11.0.keys.txt).
VPA_CHART_VERSION = "0.11.0"
#: Where the upstream manifests (``deploy/*.yaml``) put the VPA too.
VPA_NAMESPACE = "kube-system"
#: The recommender's requests and limits: upstream's own
#: (``vertical-pod-autoscaler/deploy/recommender-deployment.yaml`` at the same tag). Its memory
#: grows with the number of containers it watches.
VPA_RECOMMENDER_RESOURCES: dict[str, dict[str, str]] = {
    "requests": {"cpu": "50m", "memory": "500Mi"},
    "limits": {"cpu": "200m", "memory": "1000Mi"},
}


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
    """The off-hours jobs (every cloud's one mechanism), when the plan has working hours;
    never in production. ``depends_on``: the pools (the jobs run on the system pool) and,
    where thrifty installs it, the autoscaler that makes the nodes follow. The plan's owned
    namespaces are left for their creator to bind (:meth:`OffHoursScaler.bind`)."""
    if plan.off_hours is None or plan.production:
        return None
    return OffHoursScaler(
        f"{name}-off-hours",
        OffHoursScalerArgs(
            tags=tags, off_hours=plan.off_hours, owned_namespaces=list(plan.owned_namespaces)
        ),
        provider=provider,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=depends_on),
    )


def vpa_values(plan: ClusterPlan, tags: CostTags) -> dict[str, Any]:
    """The VPA chart's values: the recommender alone, on the system pool, with its own
    requests and limits; two replicas (leader-elected) in production, else one.

    One replica gets no PodDisruptionBudget: the chart's ``minAvailable: 1`` would forbid ever
    evicting it, and a node that can never be drained blocks node upgrades and the cluster
    autoscaler's scale-down. Two replicas keep it (one may go at a time).
    """
    labels = tags.kubernetes()
    replicas = 2 if plan.production else 1
    return {
        "commonLabels": labels,
        "admissionController": {"enabled": False},
        "updater": {"enabled": False},
        "recommender": {
            "enabled": True,
            "replicas": replicas,
            "podLabels": labels,
            "resources": VPA_RECOMMENDER_RESOURCES,
            "nodeSelector": {ROLE_LABEL: "system"},
            "podDisruptionBudget": {"enabled": replicas > 1},
        },
        "containerSecurityContext": {
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
        },
    }


def vertical_pod_autoscaler(
    name: str,
    plan: ClusterPlan,
    tags: CostTags,
    provider: k8s.Provider,
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource],
) -> k8s.helm.v3.Release:
    """The VPA recommender and its CRDs (see the module docs), as a Helm release.

    ``depends_on``: the nodes it runs on and the resource metrics it reads (metrics-server).
    """
    return k8s.helm.v3.Release(
        f"{name}-vertical-pod-autoscaler",
        name=VPA_CHART,
        chart=VPA_CHART,
        version=VPA_CHART_VERSION,
        namespace=VPA_NAMESPACE,
        repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=AUTOSCALER_REPOSITORY),
        skip_crds=False,  # the chart's crds/ on first install: the module docs say why
        values=vpa_values(plan, tags),
        opts=pulumi.ResourceOptions(parent=parent, provider=provider, depends_on=[*depends_on]),
    )


__all__ = [
    "AUTOSCALER_NAMESPACE",
    "AUTOSCALER_REPOSITORY",
    "PRIORITY_EXPANDER_CONFIGMAP",
    "VPA_CHART",
    "VPA_CHART_VERSION",
    "VPA_NAMESPACE",
    "VPA_RECOMMENDER_RESOURCES",
    "kubernetes_provider",
    "priority_expander",
    "vertical_pod_autoscaler",
    "vpa_values",
    "workload_off_hours",
]
