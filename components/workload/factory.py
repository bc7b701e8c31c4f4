"""Create a stack's guarded namespaces and workloads on its cluster, all checks first.

The three reference platforms call :func:`create_workloads` once with ``thrifty:workloads``,
``thrifty:namespaces`` and their cluster component. Every workload is checked against every
namespace before the first object is registered; each namespace's guardrails exist before its
workloads (``depends_on``), so the LimitRange and quota apply to the first pod; each
workload's VerticalPodAutoscaler comes after what the cluster installs for it (``addons``).

Off hours: a guarded namespace that the cluster's off-hours job scales is bound for the job
here, after its Namespace exists (:meth:`OffHoursScaler.bind`), when the cluster was told it is
owned by the program (``ClusterArgs.owned_namespaces``). A namespace the cluster bound itself
already may be bound before it exists on a first ``pulumi up``: that is logged as a warning.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

import pulumi
import pulumi_kubernetes as k8s

from thrifty.cluster.offhours import OffHoursScaler
from thrifty.cluster.spec import ClusterPlan
from thrifty.tags import CostTags
from thrifty.workload.component import Workload, WorkloadArgs
from thrifty.workload.guardrails import NamespaceArgs, NamespaceGuardrails
from thrifty.workload.spec import NamespaceSpec, WorkloadSpec, validate_workloads


class KubernetesCluster(Protocol):
    """What the cluster components (EKS, GKE, AKS) export for workloads."""

    @property
    def plan(self) -> ClusterPlan: ...
    @property
    def kubernetes_provider(self) -> k8s.Provider: ...
    @property
    def addons(self) -> list[pulumi.Resource]: ...
    @property
    def off_hours(self) -> OffHoursScaler | None: ...


@dataclass(frozen=True)
class ClusterWorkloads:
    """The guarded namespaces and the workloads created on one cluster, by name."""

    namespaces: dict[str, NamespaceGuardrails] = field(default_factory=dict)
    workloads: dict[str, Workload] = field(default_factory=dict)


def create_workloads(
    workloads: Mapping[str, WorkloadSpec],
    namespaces: Mapping[str, NamespaceSpec],
    *,
    tags: CostTags,
    cluster: KubernetesCluster,
    opts: pulumi.ResourceOptions | None = None,
) -> ClusterWorkloads:
    """One NamespaceGuardrails per namespace, then one Workload per workload.

    Raises :class:`~thrifty.workload.spec.WorkloadSpecError` with every problem before
    anything is registered. ``opts`` is passed to every component.
    """
    validate_workloads(workloads, namespaces)
    provider = cluster.kubernetes_provider
    guarded = {
        name: NamespaceGuardrails(
            name, NamespaceArgs(tags=tags, namespace=spec), provider=provider, opts=opts
        )
        for name, spec in namespaces.items()
    }
    if cluster.off_hours is not None:
        _bind_off_hours(cluster.off_hours, guarded)
    created = {}
    for name, spec in workloads.items():
        guardrails = guarded.get(spec.namespace)
        created[name] = Workload(
            name,
            WorkloadArgs(
                tags=tags,
                workload=spec,
                cloud=cluster.plan.cloud,
                guardrails=namespaces.get(spec.namespace),
            ),
            provider=provider,
            opts=pulumi.ResourceOptions.merge(
                opts, pulumi.ResourceOptions(depends_on=[guardrails] if guardrails else [])
            ),
            addons=cluster.addons,
        )
    return ClusterWorkloads(namespaces=guarded, workloads=created)


def _bind_off_hours(off_hours: OffHoursScaler, guarded: Mapping[str, NamespaceGuardrails]) -> None:
    """Bind the off-hours job in each guarded namespace it scales, after the Namespace."""
    for name, guardrails in guarded.items():
        if name in off_hours.unbound:
            off_hours.bind(name, after=[guardrails.namespace])
        elif name in off_hours.namespaces:
            pulumi.log.warn(
                f"off hours: the cluster binds its job in namespace {name!r} itself, so on a "
                "first `pulumi up` the RoleBinding may be created before this program creates "
                f"the namespace; list {name!r} in the cluster's owned_namespaces (ClusterArgs) "
                "to bind it here, after the namespace"
            )


__all__ = ["ClusterWorkloads", "KubernetesCluster", "create_workloads"]
