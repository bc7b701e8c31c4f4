"""Kubernetes workloads: a right-sized, autoscaled service and the guardrails of its namespace.

Importing ``thrifty.workload`` loads no provider SDK (``thrifty.config`` reads the spec). The
components live in ``thrifty.workload.component`` (``Workload``) and
``thrifty.workload.guardrails`` (``NamespaceGuardrails``);
``thrifty.workload.factory.create_workloads`` builds a stack's namespaces and workloads from
``thrifty:namespaces`` and ``thrifty:workloads``.
"""

from thrifty.workload.spec import (
    GUIDE_LIMITS,
    GUIDE_REQUESTS,
    AutoscalingSpec,
    ContainerResources,
    LimitRangeSpec,
    NamespaceSpec,
    ProbeSpec,
    QuotaSpec,
    ResourceAmounts,
    WorkloadSpec,
    WorkloadSpecError,
    validate_workloads,
    workload_problems,
)

__all__ = [
    "GUIDE_LIMITS",
    "GUIDE_REQUESTS",
    "AutoscalingSpec",
    "ContainerResources",
    "LimitRangeSpec",
    "NamespaceSpec",
    "ProbeSpec",
    "QuotaSpec",
    "ResourceAmounts",
    "WorkloadSpec",
    "WorkloadSpecError",
    "validate_workloads",
    "workload_problems",
]
