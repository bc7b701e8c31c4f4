"""``thrifty:workload:NamespaceGuardrails``: a namespace that cannot outgrow its budget.

A :class:`~thrifty.workload.spec.NamespaceSpec` becomes three objects:

- the Namespace;
- a LimitRange (type Container): containers that name no requests or limits get the guide's
  (``defaultRequest`` 100m / 256Mi, ``default`` 500m / 512Mi), and none may set limits above
  ``max``; a pod without requests would otherwise be scheduled as if it used nothing;
- a ResourceQuota on the sum of CPU and memory requests and limits, GPUs
  (``requests.nvidia.com/gpu``), persistent volume claims and their storage: the most the
  namespace can ever cost, whatever its autoscalers decide.

Every object carries the cost labels (``CostTags.kubernetes()``).
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s
from pydantic import BaseModel, ConfigDict

from thrifty.tags import CostTags
from thrifty.workload.component import MANAGED_BY
from thrifty.workload.spec import NamespaceSpec, validate_workloads


class NamespaceArgs(BaseModel):
    """The namespace's guardrails and the tags its objects carry as labels."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tags: CostTags
    namespace: NamespaceSpec


class NamespaceGuardrails(pulumi.ComponentResource):
    """A Namespace called ``name`` with its LimitRange and ResourceQuota.

    ``provider`` is the cluster's ``kubernetes_provider``. Workloads that should run inside the
    guardrails depend on this component (``depends_on=[guardrails]``), so the limits exist
    before their first pod.
    """

    namespace: k8s.core.v1.Namespace
    limit_range: k8s.core.v1.LimitRange
    quota: k8s.core.v1.ResourceQuota

    def __init__(
        self,
        name: str,
        args: NamespaceArgs,
        provider: k8s.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        validate_workloads({}, {name: args.namespace})
        super().__init__("thrifty:workload:NamespaceGuardrails", name, None, opts)
        labels = {**args.tags.kubernetes(), **MANAGED_BY}
        spec = args.namespace

        def meta(object_name: str, namespace: str | None = None) -> k8s.meta.v1.ObjectMetaArgs:
            return k8s.meta.v1.ObjectMetaArgs(name=object_name, namespace=namespace, labels=labels)

        self.namespace = k8s.core.v1.Namespace(
            name, metadata=meta(name), opts=pulumi.ResourceOptions(parent=self, provider=provider)
        )
        inside = pulumi.ResourceOptions(parent=self, provider=provider, depends_on=[self.namespace])
        limits = spec.limit_range
        self.limit_range = k8s.core.v1.LimitRange(
            f"{name}-limits",
            metadata=meta(f"{name}-limits", name),
            spec=k8s.core.v1.LimitRangeSpecArgs(
                limits=[
                    k8s.core.v1.LimitRangeItemArgs(
                        type="Container",
                        default_request=limits.default_request.as_dict(),
                        default=limits.default.as_dict(),
                        max=limits.maximum.as_dict(),
                    )
                ]
            ),
            opts=inside,
        )
        self.quota = k8s.core.v1.ResourceQuota(
            f"{name}-quota",
            metadata=meta(f"{name}-quota", name),
            spec=k8s.core.v1.ResourceQuotaSpecArgs(hard=spec.quota.hard()),
            opts=inside,
        )
        self.register_outputs({"namespace": name, "quota": spec.quota.hard()})


__all__ = ["NamespaceArgs", "NamespaceGuardrails"]
