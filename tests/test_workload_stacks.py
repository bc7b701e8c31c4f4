"""The reference stacks run churn-predictor as a Workload in a guarded namespace; production's
recorded objects carry the guide's figures exactly."""

from __future__ import annotations

import functools
from typing import Any

import pytest

from tests.conftest import REFERENCE_STACKS, REPO_ROOT
from thrifty.cluster.spec import SPOT_TAINTS
from thrifty.config import validate_environment_config
from thrifty.offline.project import load_project
from thrifty.offline.recording import RecordedResource, Recording, record_stack

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
PDB = "kubernetes:policy/v1:PodDisruptionBudget"
VPA = "kubernetes:autoscaling.k8s.io/v1:VerticalPodAutoscaler"
SERVICE = "kubernetes:core/v1:Service"
GUARDRAILS = (
    "kubernetes:core/v1:Namespace",
    "kubernetes:core/v1:LimitRange",
    "kubernetes:core/v1:ResourceQuota",
)
CLOUD_OF = {
    "dev": "aws",
    "staging": "aws",
    "production": "aws",
    "gcp-dev": "gcp",
    "azure-dev": "azure",
}


@functools.cache
def recorded(stack: str) -> Recording:
    return record_stack(REPO_ROOT, stack)


def named(recording: Recording, type_token: str, name: str = "churn-predictor") -> RecordedResource:
    (found,) = [r for r in recording.of_type(type_token) if r.inputs["metadata"]["name"] == name]
    return found


def pod(recording: Recording) -> dict[str, Any]:
    spec: dict[str, Any] = named(recording, DEPLOYMENT).inputs["spec"]["template"]["spec"]
    return spec


def test_production_shows_the_guides_container_resources_exactly() -> None:
    (container,) = pod(recorded("production"))["containers"]
    assert container["name"] == "churn-predictor"
    assert container["resources"] == {
        "requests": {"memory": "256Mi", "cpu": "100m"},
        "limits": {"memory": "512Mi", "cpu": "500m"},
    }


def test_production_shows_the_guides_hpa_exactly() -> None:
    hpa = named(recorded("production"), HPA).inputs
    assert hpa["apiVersion"] == "autoscaling/v2"
    spec = hpa["spec"]
    assert spec["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "churn-predictor",
    }
    assert spec["minReplicas"] == 2
    assert spec["maxReplicas"] == 10
    assert spec["metrics"] == [
        {
            "type": "Resource",
            "resource": {
                "name": "cpu",
                "target": {"type": "Utilization", "averageUtilization": 70},
            },
        },
        {
            "type": "Resource",
            "resource": {
                "name": "memory",
                "target": {"type": "Utilization", "averageUtilization": 80},
            },
        },
    ]
    assert spec["behavior"]["scaleDown"]["stabilizationWindowSeconds"] == 300


def test_production_keeps_the_service_off_spot_nodes() -> None:
    spec = pod(recorded("production"))
    assert "tolerations" not in spec
    affinity = spec["affinity"]["nodeAffinity"]
    assert "requiredDuringSchedulingIgnoredDuringExecution" in affinity
    assert "preferredDuringSchedulingIgnoredDuringExecution" not in affinity


@pytest.mark.parametrize("stack", [s for s in REFERENCE_STACKS if s != "production"])
def test_other_environments_run_it_on_their_clouds_spot_nodes(stack: str) -> None:
    taint = SPOT_TAINTS[CLOUD_OF[stack]]  # type: ignore[index]
    spec = pod(recorded(stack))
    assert spec["tolerations"] == [
        {"key": taint.key, "operator": "Equal", "value": taint.value, "effect": taint.effect}
    ]
    assert "preferredDuringSchedulingIgnoredDuringExecution" in spec["affinity"]["nodeAffinity"]


@pytest.mark.parametrize("stack", REFERENCE_STACKS)
def test_every_environment_runs_churn_predictor_in_a_guarded_namespace(stack: str) -> None:
    recording = recorded(stack)
    (workload,) = recording.of_type("thrifty:workload:Workload")
    (guardrails,) = recording.of_type("thrifty:workload:NamespaceGuardrails")
    for type_token in (DEPLOYMENT, SERVICE, HPA, PDB, VPA):
        resource = named(recording, type_token)
        assert resource.inputs["metadata"]["namespace"] == "ml"
        assert resource.parent == workload.urn
    assert named(recording, VPA).inputs["spec"]["updatePolicy"] == {"updateMode": "Off"}
    assert sorted(r.type for r in recording.children_of(guardrails.urn)) == sorted(GUARDRAILS)
    for resource in recording.children_of(guardrails.urn):
        assert resource.urn in workload.dependencies
    # Through the cluster's own Kubernetes provider.
    (cluster,) = [
        r for r in recording if r.type.startswith("thrifty:cluster:") and r.name == "cluster"
    ]
    (provider,) = [
        r for r in recording.of_type("pulumi:providers:kubernetes") if r.parent == cluster.urn
    ]
    assert named(recording, DEPLOYMENT).provider_urn == provider.urn


@pytest.mark.parametrize("stack", REFERENCE_STACKS)
def test_off_hours_reach_the_workloads_namespaces(stack: str) -> None:
    """Where a stack stops at night, the off-hours job scales the workloads' namespaces."""
    config = validate_environment_config(load_project(REPO_ROOT).stack_config(stack), stack=stack)
    assert config.workloads and config.namespaces
    if config.off_hours is not None:
        namespaces = {spec.namespace for spec in config.workloads.values()}
        assert namespaces <= set(config.off_hours.namespaces)
