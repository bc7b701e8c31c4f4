"""``thrifty:workload:Workload``: one service, right-sized, autoscaled and placed by cost.

What a :class:`~thrifty.workload.spec.WorkloadSpec` becomes, in the cluster behind the
``k8s.Provider`` the cluster components export (``cluster.kubernetes_provider``):

- a ClusterIP Service of the same name on the workload's port (named ``http``), selecting its
  pods: the stable address (``<name>.<namespace>.svc:<port>``) other services call it at;
- a Deployment whose one container always has requests and limits, HTTP readiness and
  liveness probes on its port, and a topology spread over zones (and nodes) that prefers
  balance but never leaves a pod pending for it (``ScheduleAnyway``). It sets no
  ``replicas``: the HPA owns that field (server-side apply would fight it otherwise);
- an ``autoscaling/v2`` HorizontalPodAutoscaler on CPU and memory utilization of the
  requests, with the scale-down stabilization window;
- a PodDisruptionBudget of ``maxUnavailable: 1``: a drain (an upgrade, the autoscaler
  emptying a node) takes one pod at a time and is never blocked for good, not even at one
  replica, so the autoscaler can always remove an underused node;
- a VerticalPodAutoscaler (``autoscaling.k8s.io/v1``, CRD from kubernetes/autoscaler's
  ``vertical-pod-autoscaler/deploy/vpa-v1-crd-gen.yaml``) in recommendation-only mode
  (``updateMode: "Off"``): it never restarts pods, it records what they really use, which is
  what right-sizing reads. The cluster needs the VPA installed for this object to be accepted:
  the cluster components install it (``verticalPodAutoscaler``), and the object is created
  after their ``addons``;
- spot placement: an interruption-tolerant workload gets the cluster's spot toleration
  (:data:`thrifty.cluster.spec.SPOT_TAINTS`) and a *preferred* node affinity for
  ``thrifty.io/capacity-type=spot`` (the label every thrifty spot pool puts on its nodes), so
  it runs on spot and falls back to on-demand; any other workload gets a *required* affinity
  ``thrifty.io/capacity-type NotIn [spot]`` and never lands on a spot node.

Every object, the pod template included, carries the cost labels (``CostTags.kubernetes()``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
from pydantic import BaseModel, ConfigDict, Field

from thrifty.cluster.spec import CAPACITY_LABEL, SPOT_TAINTS, Cloud
from thrifty.tags import CostTags
from thrifty.workload.spec import NamespaceSpec, WorkloadSpec, validate_workloads

#: The pods' selector label (the Kubernetes recommended ``name`` label).
NAME_LABEL = "app.kubernetes.io/name"
MANAGED_BY = {"app.kubernetes.io/managed-by": "thrifty"}
ZONE_KEY = "topology.kubernetes.io/zone"
HOST_KEY = "kubernetes.io/hostname"
#: Spot notice is 2 min on AWS and 30 s on GCP and Azure: interruptible pods stop within it.
SPOT_GRACE_SECONDS = 25
VPA_API_VERSION = "autoscaling.k8s.io/v1"
PORT_NAME = "http"


class WorkloadArgs(BaseModel):
    """What a Workload takes: its spec, tags, the cluster's cloud, its namespace's guardrails.

    ``cloud`` chooses the spot toleration (``cluster.plan.cloud``); ``guardrails`` (the
    namespace's :class:`NamespaceSpec`, when it has one) lets the component refuse a container
    that the namespace's LimitRange or quota would refuse, before anything is registered.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    tags: CostTags
    workload: WorkloadSpec
    cloud: Cloud
    guardrails: NamespaceSpec | None = Field(
        default=None, description="The LimitRange and quota of the workload's namespace."
    )


def _toleration(cloud: Cloud) -> k8s.core.v1.TolerationArgs:
    taint = SPOT_TAINTS[cloud]
    return k8s.core.v1.TolerationArgs(
        key=taint.key, operator="Equal", value=taint.value, effect=taint.effect
    )


def _spot_expression(operator: str) -> k8s.core.v1.NodeSelectorRequirementArgs:
    return k8s.core.v1.NodeSelectorRequirementArgs(
        key=CAPACITY_LABEL, operator=operator, values=["spot"]
    )


def node_affinity(interruption_tolerant: bool) -> k8s.core.v1.AffinityArgs:
    """Prefer spot nodes (tolerant), or require anything but spot nodes (the rest)."""
    if interruption_tolerant:
        affinity = k8s.core.v1.NodeAffinityArgs(
            preferred_during_scheduling_ignored_during_execution=[
                k8s.core.v1.PreferredSchedulingTermArgs(
                    weight=100,
                    preference=k8s.core.v1.NodeSelectorTermArgs(
                        match_expressions=[_spot_expression("In")]
                    ),
                )
            ]
        )
    else:
        affinity = k8s.core.v1.NodeAffinityArgs(
            required_during_scheduling_ignored_during_execution=k8s.core.v1.NodeSelectorArgs(
                node_selector_terms=[
                    k8s.core.v1.NodeSelectorTermArgs(match_expressions=[_spot_expression("NotIn")])
                ]
            )
        )
    return k8s.core.v1.AffinityArgs(node_affinity=affinity)


def _spread(selector: dict[str, str]) -> list[k8s.core.v1.TopologySpreadConstraintArgs]:
    """Over zones first, then nodes; balance is preferred, never a reason to stay pending."""
    return [
        k8s.core.v1.TopologySpreadConstraintArgs(
            max_skew=1,
            topology_key=key,
            when_unsatisfiable="ScheduleAnyway",
            label_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector),
        )
        for key in (ZONE_KEY, HOST_KEY)
    ]


def _probe(spec: WorkloadSpec, failure_threshold: int) -> k8s.core.v1.ProbeArgs:
    return k8s.core.v1.ProbeArgs(
        http_get=k8s.core.v1.HTTPGetActionArgs(path=spec.probes.path, port=PORT_NAME),
        initial_delay_seconds=spec.probes.initial_delay_seconds,
        period_seconds=spec.probes.period_seconds,
        failure_threshold=failure_threshold,
    )


def pod_spec(name: str, spec: WorkloadSpec, cloud: Cloud) -> k8s.core.v1.PodSpecArgs:
    """The pod: one container with requests, limits and probes, placed by its spot rule."""
    selector = {NAME_LABEL: name}
    tolerant = spec.interruption_tolerant
    return k8s.core.v1.PodSpecArgs(
        containers=[
            k8s.core.v1.ContainerArgs(
                name=name,
                image=spec.image,
                ports=[k8s.core.v1.ContainerPortArgs(name=PORT_NAME, container_port=spec.port)],
                resources=k8s.core.v1.ResourceRequirementsArgs(
                    requests=spec.resources.requests.as_dict(),
                    limits=spec.resources.limits.as_dict(),
                ),
                # Readiness takes a pod out of the Service at once; liveness restarts it only
                # after longer trouble, so a slow moment is not a restart.
                readiness_probe=_probe(spec, failure_threshold=3),
                liveness_probe=_probe(spec, failure_threshold=6),
                security_context=k8s.core.v1.SecurityContextArgs(
                    allow_privilege_escalation=False,
                    capabilities=k8s.core.v1.CapabilitiesArgs(drop=["ALL"]),
                ),
            )
        ],
        tolerations=[_toleration(cloud)] if tolerant else None,
        affinity=node_affinity(tolerant),
        topology_spread_constraints=_spread(selector),
        termination_grace_period_seconds=SPOT_GRACE_SECONDS if tolerant else None,
        security_context=k8s.core.v1.PodSecurityContextArgs(
            seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault")
        ),
    )


def vpa_spec(name: str, guardrails: NamespaceSpec | None) -> dict[str, Any]:
    """Recommendation-only VPA of the Deployment's container, capped at the namespace's max."""
    policy: dict[str, Any] = {"containerName": name, "controlledResources": ["cpu", "memory"]}
    if guardrails is not None:
        policy["maxAllowed"] = guardrails.limit_range.maximum.as_dict()
    return {
        "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
        "updatePolicy": {"updateMode": "Off"},
        "resourcePolicy": {"containerPolicies": [policy]},
    }


class Workload(pulumi.ComponentResource):
    """A Deployment, its Service, HPA, PDB and recommendation-only VPA (see the module docs).

    ``name`` is the workload's name: the Deployment, its container, the Service, the HPA, PDB
    and VPA are all called that, in ``workload.namespace``. ``provider`` is the cluster's
    ``kubernetes_provider``; every child uses it. ``addons`` are the cluster's (``addons``):
    what serves the VerticalPodAutoscaler API, which the VPA object is created after.
    """

    deployment: k8s.apps.v1.Deployment
    service: k8s.core.v1.Service
    autoscaler: k8s.autoscaling.v2.HorizontalPodAutoscaler
    disruption_budget: k8s.policy.v1.PodDisruptionBudget
    vertical_autoscaler: k8s.apiextensions.CustomResource

    def __init__(
        self,
        name: str,
        args: WorkloadArgs,
        provider: k8s.Provider,
        opts: pulumi.ResourceOptions | None = None,
        *,
        addons: Sequence[pulumi.Resource] = (),
    ) -> None:
        spec = args.workload
        guarded = {spec.namespace: args.guardrails} if args.guardrails is not None else {}
        validate_workloads({name: spec}, guarded)
        super().__init__("thrifty:workload:Workload", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=provider)
        selector = {NAME_LABEL: name}
        labels = {**args.tags.kubernetes(), **MANAGED_BY, **selector}

        def meta() -> k8s.meta.v1.ObjectMetaArgs:
            return k8s.meta.v1.ObjectMetaArgs(name=name, namespace=spec.namespace, labels=labels)

        self.deployment = k8s.apps.v1.Deployment(
            name,
            metadata=meta(),
            spec=k8s.apps.v1.DeploymentSpecArgs(
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector),
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(labels=labels),
                    spec=pod_spec(name, spec, args.cloud),
                ),
            ),
            opts=child,
        )
        self.service = k8s.core.v1.Service(
            name,
            metadata=meta(),
            spec=k8s.core.v1.ServiceSpecArgs(
                type="ClusterIP",
                selector=selector,
                ports=[
                    k8s.core.v1.ServicePortArgs(
                        name=PORT_NAME, port=spec.port, target_port=PORT_NAME, protocol="TCP"
                    )
                ],
            ),
            opts=child,
        )
        target = k8s.autoscaling.v2.CrossVersionObjectReferenceArgs(
            api_version="apps/v1", kind="Deployment", name=name
        )
        scaling = spec.autoscaling
        self.autoscaler = k8s.autoscaling.v2.HorizontalPodAutoscaler(
            name,
            metadata=meta(),
            spec=k8s.autoscaling.v2.HorizontalPodAutoscalerSpecArgs(
                scale_target_ref=target,
                min_replicas=scaling.min_replicas,
                max_replicas=scaling.max_replicas,
                metrics=[
                    k8s.autoscaling.v2.MetricSpecArgs(
                        type="Resource",
                        resource=k8s.autoscaling.v2.ResourceMetricSourceArgs(
                            name=resource,
                            target=k8s.autoscaling.v2.MetricTargetArgs(
                                type="Utilization", average_utilization=utilization
                            ),
                        ),
                    )
                    for resource, utilization in (
                        ("cpu", scaling.cpu_utilization),
                        ("memory", scaling.memory_utilization),
                    )
                ],
                behavior=k8s.autoscaling.v2.HorizontalPodAutoscalerBehaviorArgs(
                    scale_down=k8s.autoscaling.v2.HPAScalingRulesArgs(
                        stabilization_window_seconds=scaling.scale_down_stabilization_seconds
                    )
                ),
            ),
            opts=pulumi.ResourceOptions(
                parent=self, provider=provider, depends_on=[self.deployment]
            ),
        )
        self.disruption_budget = k8s.policy.v1.PodDisruptionBudget(
            name,
            metadata=meta(),
            spec=k8s.policy.v1.PodDisruptionBudgetSpecArgs(
                max_unavailable=1,
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector),
                unhealthy_pod_eviction_policy="AlwaysAllow",
            ),
            opts=child,
        )
        self.vertical_autoscaler = k8s.apiextensions.CustomResource(
            name,
            api_version=VPA_API_VERSION,
            kind="VerticalPodAutoscaler",
            metadata=meta(),
            spec=vpa_spec(name, args.guardrails),
            opts=pulumi.ResourceOptions(
                parent=self, provider=provider, depends_on=[self.deployment, *addons]
            ),
        )
        self.register_outputs(
            {
                "namespace": spec.namespace,
                "deployment": name,
                "service": name,
                "minReplicas": scaling.min_replicas,
                "maxReplicas": scaling.max_replicas,
                "interruptionTolerant": spec.interruption_tolerant,
            }
        )


__all__ = ["NAME_LABEL", "Workload", "WorkloadArgs", "node_affinity", "pod_spec", "vpa_spec"]
