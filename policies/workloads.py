"""container-resources: Kubernetes containers declare requests and limits within caps; HPAs
scale within a cap.

A container without requests cannot be bin-packed (the scheduler assumes zero and over-commits
nodes); one without limits can take a whole node. The guide's example sets both
(``requests: 100m / 256Mi``, ``limits: 500m / 512Mi``) and caps its autoscaler at 10 replicas.
Quantities follow the Kubernetes format (``500m``, ``2``, ``512Mi``, ``1G``, ``1e9``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import Field

from thrifty import quantities
from thrifty.policies.core import (
    Finding,
    NotCheckable,
    Resource,
    collecting,
    get_map,
    get_number,
    lookup,
    objects,
    violation,
)
from thrifty.policies.policy_config import PolicyConfig
from thrifty.quantities import QuantityError

# Where the pod spec sits, per workload kind.
_POD_SPEC_PATHS: dict[str, str] = {
    "Deployment": "spec.template.spec",
    "StatefulSet": "spec.template.spec",
    "DaemonSet": "spec.template.spec",
    "ReplicaSet": "spec.template.spec",
    "Job": "spec.template.spec",
    "CronJob": "spec.jobTemplate.spec.template.spec",
    "Pod": "spec",
}
_HPA_KIND = "HorizontalPodAutoscaler"


def parse_quantity(value: object, path: str) -> float:
    """A Kubernetes quantity as a number; one the pack cannot read is not checkable."""
    try:
        return quantities.parse_quantity(value, path)
    except QuantityError as error:
        raise NotCheckable(str(error)) from None


def _kind(resource: Resource) -> str:
    """The workload kind from the type token (``kubernetes:apps/v1:Deployment``)."""
    return resource.type.rsplit(":", 1)[-1] if resource.package == "kubernetes" else ""


class ContainerResourcesConfig(PolicyConfig):
    """Caps on one container's limits and on an autoscaler's replicas."""

    max_container_cpu: float = Field(default=4, gt=0, description="CPU cores per container.")
    max_container_memory_gib: float = Field(default=16, gt=0, description="GiB per container.")
    max_hpa_replicas: int = Field(default=20, ge=1, description="HPA maxReplicas cap.")


def _containers(resource: Resource, pod_spec: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    yield from objects(resource.props, f"{pod_spec}.initContainers")
    yield from objects(resource.props, f"{pod_spec}.containers")


def _check_container(
    path: str, container: Mapping[str, Any], config: ContainerResourcesConfig
) -> list[Finding]:
    name = lookup(container, "name")
    label = f"container {name!r} ({path})" if isinstance(name, str) else f"container {path}"
    findings: list[Finding] = []
    amounts: dict[tuple[str, str], float] = {}
    missing = []
    for section in ("requests", "limits"):
        values = get_map(container, f"resources.{section}") or {}
        for resource_name in ("cpu", "memory"):
            key = (section, resource_name)
            with collecting(findings):
                raw = lookup(values, resource_name) if resource_name in values else None
                if raw is None:
                    missing.append(f"{section}.{resource_name}")
                else:
                    amounts[key] = parse_quantity(
                        raw, f"{path}.resources.{section}.{resource_name}"
                    )
    if missing:
        findings.append(violation(f"{label} has no resources.{', resources.'.join(missing)}"))
    caps = {
        "cpu": (config.max_container_cpu, 1.0, "cores"),
        "memory": (config.max_container_memory_gib, 2.0**30, "GiB"),
    }
    for resource_name, (cap, unit, unit_name) in caps.items():
        limit = amounts.get(("limits", resource_name))
        request = amounts.get(("requests", resource_name))
        if limit is not None and limit / unit > cap:
            findings.append(
                violation(
                    f"{label} limits {resource_name} to {limit / unit:g} {unit_name}; "
                    f"at most {cap:g} {unit_name}"
                )
            )
        if limit is not None and request is not None and request > limit:
            findings.append(violation(f"{label} requests more {resource_name} than its limit"))
    return findings


def check_container_resources(
    resource: Resource, config: ContainerResourcesConfig
) -> list[Finding]:
    """Workload containers without requests/limits or above the caps; HPAs above the cap."""
    kind = _kind(resource)
    if kind == _HPA_KIND:
        replicas = get_number(resource.props, "spec.maxReplicas", required=True)
        if replicas is not None and replicas > config.max_hpa_replicas:
            return [
                violation(
                    f"autoscaler may scale to {replicas:g} replicas; "
                    f"at most {config.max_hpa_replicas}"
                )
            ]
        return []
    pod_spec = _POD_SPEC_PATHS.get(kind)
    if pod_spec is None:
        return []
    findings: list[Finding] = []
    containers = list(_containers(resource, pod_spec))
    if not containers:
        raise NotCheckable(f"{pod_spec}.containers is missing or empty")
    for path, container in containers:
        with collecting(findings):
            findings.extend(_check_container(path, container, config))
    return findings
