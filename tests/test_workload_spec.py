"""The workload spec: every default is the guide's, every rule refuses with the field, the value
and what is allowed, both in Python and through a stack's config."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from tests.conftest import REPO_ROOT
from thrifty.config import ConfigError, validate_environment_config
from thrifty.offline.project import load_project
from thrifty.workload.spec import (
    SYSTEM_NAMESPACES,
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

#: The contract's example (notes/workload-contract.md), as a stack file holds it.
CONTRACT_NAMESPACES: dict[str, Any] = {
    "ml": {
        "limitRange": {
            "defaultRequest": {"cpu": "100m", "memory": "256Mi"},
            "default": {"cpu": "500m", "memory": "512Mi"},
            "max": {"cpu": "2", "memory": "4Gi"},
        },
        "quota": {
            "requestsCpu": "8",
            "requestsMemory": "16Gi",
            "limitsCpu": "16",
            "limitsMemory": "32Gi",
            "gpus": 0,
            "persistentVolumeClaims": 10,
            "storage": "200Gi",
        },
    }
}
CONTRACT_WORKLOADS: dict[str, Any] = {
    "churn-predictor": {
        "namespace": "ml",
        "image": "ghcr.io/company/churn-predictor:1.4.2",
        "port": 8080,
        "resources": {
            "requests": {"cpu": "100m", "memory": "256Mi"},
            "limits": {"cpu": "500m", "memory": "512Mi"},
        },
        "autoscaling": {
            "minReplicas": 2,
            "maxReplicas": 10,
            "cpuUtilization": 70,
            "memoryUtilization": 80,
            "scaleDownStabilizationSeconds": 300,
        },
        "interruptionTolerant": True,
        "probes": {"path": "/healthz"},
    }
}


def workload(**changes: Any) -> dict[str, Any]:
    """The contract's churn-predictor with ``changes`` merged in (one level deep)."""
    spec = json.loads(json.dumps(CONTRACT_WORKLOADS["churn-predictor"]))
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(spec.get(key), dict):
            spec[key].update(value)
        else:
            spec[key] = value
    return spec


def config_problems(
    workloads: dict[str, Any], namespaces: dict[str, Any] | None = None, *, cluster: bool = True
) -> list[str]:
    """The dev stack's config with these workloads and namespaces: its problems (or [])."""
    raw = dict(load_project(REPO_ROOT).stack_config("dev"))
    raw["thrifty:workloads"] = json.dumps(workloads)
    raw["thrifty:namespaces"] = json.dumps(
        CONTRACT_NAMESPACES if namespaces is None else namespaces
    )
    if not cluster:
        del raw["thrifty:cluster"], raw["thrifty:offHours"]
    try:
        validate_environment_config(raw, stack="dev")
    except ConfigError as error:
        return error.problems
    return []


# --------------------------------------------------------------------------- defaults


def test_workload_defaults_are_the_guides() -> None:
    spec = WorkloadSpec(image="ghcr.io/company/churn-predictor:1.4.2")
    assert spec.namespace == "default"
    assert spec.port == 8080
    assert spec.resources.requests.as_dict() == {"cpu": "100m", "memory": "256Mi"}
    assert spec.resources.limits.as_dict() == {"cpu": "500m", "memory": "512Mi"}
    assert spec.autoscaling == AutoscalingSpec(
        min_replicas=2,
        max_replicas=10,
        cpu_utilization=70,
        memory_utilization=80,
        scale_down_stabilization_seconds=300,
    )
    assert spec.interruption_tolerant is False  # spot is opt-in
    assert spec.probes == ProbeSpec(path="/healthz", initial_delay_seconds=10, period_seconds=10)


def test_namespace_defaults() -> None:
    spec = NamespaceSpec()
    assert spec.limit_range.default_request.as_dict() == {"cpu": "100m", "memory": "256Mi"}
    assert spec.limit_range.default.as_dict() == {"cpu": "500m", "memory": "512Mi"}
    assert spec.limit_range.maximum.as_dict() == {"cpu": "2", "memory": "4Gi"}
    assert spec.quota.hard() == {
        "requests.cpu": "8",
        "requests.memory": "16Gi",
        "limits.cpu": "16",
        "limits.memory": "32Gi",
        "requests.nvidia.com/gpu": "0",
        "persistentvolumeclaims": "10",
        "requests.storage": "200Gi",
    }


def test_the_contracts_example_reads_back_to_its_keys() -> None:
    spec = WorkloadSpec.model_validate(CONTRACT_WORKLOADS["churn-predictor"])
    assert (
        spec.model_dump(by_alias=True, mode="json", exclude_unset=True)
        == CONTRACT_WORKLOADS["churn-predictor"]
    )
    namespace = NamespaceSpec.model_validate(CONTRACT_NAMESPACES["ml"])
    assert (
        namespace.model_dump(by_alias=True, mode="json", exclude_unset=True)
        == CONTRACT_NAMESPACES["ml"]
    )
    assert workload_problems({"churn-predictor": spec}, {"ml": namespace}) == []


def test_quantities_are_kept_as_written_and_numbers_become_text() -> None:
    amounts = ResourceAmounts.model_validate({"cpu": 2, "memory": "1.5Gi"})
    assert amounts.as_dict() == {"cpu": "2", "memory": "1.5Gi"}
    assert amounts.amount("cpu") == 2.0
    assert amounts.amount("memory") == 1.5 * 2**30
    assert QuotaSpec.model_validate({"requestsCpu": 4}).requests_cpu == "4"


def test_a_partial_section_keeps_the_other_defaults() -> None:
    spec = WorkloadSpec.model_validate({"image": "app:1", "autoscaling": {"maxReplicas": 4}})
    assert (spec.autoscaling.min_replicas, spec.autoscaling.max_replicas) == (2, 4)
    assert spec.autoscaling.cpu_utilization == 70
    assert LimitRangeSpec.model_validate({"max": {"cpu": "1", "memory": "1Gi"}}).default == (
        LimitRangeSpec().default
    )


# --------------------------------------------------------------------------- single-model rules

#: (the change to the contract's workload, config path, words the message must hold)
RULES: list[tuple[dict[str, Any], str, tuple[str, ...]]] = [
    (
        {"resources": {"limits": {"cpu": "50m", "memory": "512Mi"}}},
        "workloads.churn-predictor.resources",
        ("limits.cpu '50m'", "requests.cpu '100m'", "at least its request"),
    ),
    (
        {"resources": {"limits": {"cpu": "500m", "memory": "128Mi"}}},
        "workloads.churn-predictor.resources",
        ("limits.memory '128Mi'", "requests.memory '256Mi'", "at least its request"),
    ),
    (
        {"autoscaling": {"minReplicas": 5, "maxReplicas": 3}},
        "workloads.churn-predictor.autoscaling",
        ("minReplicas 5", "maxReplicas 3", "at most maxReplicas"),
    ),
    (
        {"autoscaling": {"minReplicas": 0}},
        "workloads.churn-predictor.autoscaling.minReplicas",
        ("minReplicas 0", "at least 1"),
    ),
    (
        {"autoscaling": {"maxReplicas": 0, "minReplicas": 1}},
        "workloads.churn-predictor.autoscaling.maxReplicas",
        ("maxReplicas 0", "at least 1"),
    ),
    (
        {"autoscaling": {"cpuUtilization": 0}},
        "workloads.churn-predictor.autoscaling.cpuUtilization",
        ("cpuUtilization 0", "1-100"),
    ),
    (
        {"autoscaling": {"cpuUtilization": 101}},
        "workloads.churn-predictor.autoscaling.cpuUtilization",
        ("cpuUtilization 101", "1-100"),
    ),
    (
        {"autoscaling": {"memoryUtilization": 0}},
        "workloads.churn-predictor.autoscaling.memoryUtilization",
        ("memoryUtilization 0", "1-100"),
    ),
    (
        {"autoscaling": {"memoryUtilization": 150}},
        "workloads.churn-predictor.autoscaling.memoryUtilization",
        ("memoryUtilization 150", "1-100"),
    ),
    (
        {"autoscaling": {"scaleDownStabilizationSeconds": 3601}},
        "workloads.churn-predictor.autoscaling.scaleDownStabilizationSeconds",
        ("3601", "0-3600"),
    ),
    (
        {"autoscaling": {"scaleDownStabilizationSeconds": -1}},
        "workloads.churn-predictor.autoscaling.scaleDownStabilizationSeconds",
        ("-1", "0-3600"),
    ),
    (
        {"resources": {"requests": {"cpu": "lots", "memory": "256Mi"}}},
        "workloads.churn-predictor.resources.requests.cpu",
        ("'lots'", "not a Kubernetes quantity", "500m"),
    ),
    (
        {"resources": {"limits": {"cpu": "500m", "memory": "1.5.5Gi"}}},
        "workloads.churn-predictor.resources.limits.memory",
        ("'1.5.5Gi'", "not a Kubernetes quantity", "512Mi"),
    ),
    (
        {"resources": {"requests": {"cpu": "-1", "memory": "256Mi"}}},
        "workloads.churn-predictor.resources.requests.cpu",
        ("'-1'", "negative", "0 or more"),
    ),
    (
        {"resources": {"requests": {"cpu": "0", "memory": "256Mi"}}},
        "workloads.churn-predictor.resources.requests.cpu",
        ("'0'", "below 1m"),
    ),
    (
        {"resources": {"requests": {"cpu": "100m", "memory": "256m"}}},
        "workloads.churn-predictor.resources.requests.memory",
        ("'256m'", "at least 1Mi", "256Mi"),
    ),
    ({"namespace": "ML_Team"}, "workloads.churn-predictor.namespace", ("ML_Team", "a DNS label")),
    ({"image": "my app"}, "workloads.churn-predictor.image", ("my app", "without spaces")),
    ({"port": 0}, "workloads.churn-predictor.port", ("0", "greater than or equal to 1")),
    ({"port": 70000}, "workloads.churn-predictor.port", ("70000", "less than or equal to 65535")),
    ({"probes": {"path": "healthz"}}, "workloads.churn-predictor.probes.path", ("healthz",)),
    ({"replicas": 3}, "workloads.churn-predictor.replicas", ("unknown key", "3")),
]


@pytest.mark.parametrize(
    ("change", "path", "words"), RULES, ids=[f"{rule[1]}-{i}" for i, rule in enumerate(RULES)]
)
def test_each_rule_names_the_field_value_and_what_is_allowed(
    change: dict[str, Any], path: str, words: tuple[str, ...]
) -> None:
    problems = config_problems({"churn-predictor": workload(**change)})
    assert len(problems) == 1, problems
    (problem,) = problems
    assert problem.startswith(f"thrifty:{path}: "), problem
    for word in words:
        assert word in problem, (word, problem)
    # The same rule refuses the model in Python, before any component sees it.
    with pytest.raises(ValidationError):
        WorkloadSpec.model_validate(workload(**change))


def test_the_python_error_names_the_field_too() -> None:
    with pytest.raises(ValidationError) as caught:
        AutoscalingSpec(cpu_utilization=120)
    assert "cpuUtilization 120 is out of range" in str(caught.value)
    assert "1-100" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        ContainerResources.model_validate(
            {"requests": {"cpu": "1", "memory": "1Gi"}}  # above the default limits
        )
    message = str(caught.value)
    assert "limits.cpu '500m' is below requests.cpu '1'" in message
    assert "limits.memory '512Mi' is below requests.memory '1Gi'" in message


NAMESPACE_RULES: list[tuple[dict[str, Any], str, tuple[str, ...]]] = [
    (
        {"limitRange": {"defaultRequest": {"cpu": "1", "memory": "256Mi"}}},
        "namespaces.ml.limitRange",
        ("default.cpu '500m'", "defaultRequest.cpu '1'", "at least the default request"),
    ),
    (
        {"limitRange": {"default": {"cpu": "500m", "memory": "8Gi"}}},
        "namespaces.ml.limitRange",
        ("max.memory '4Gi'", "default.memory '8Gi'", "within max"),
    ),
    (
        {"quota": {"requestsCpu": "32"}},
        "namespaces.ml.quota",
        ("requestsCpu '32'", "limitsCpu '16'", "at most limitsCpu"),
    ),
    (
        {"quota": {"requestsMemory": "64Gi"}},
        "namespaces.ml.quota",
        ("requestsMemory '64Gi'", "limitsMemory '32Gi'", "at most limitsMemory"),
    ),
    ({"quota": {"gpus": -1}}, "namespaces.ml.quota.gpus", ("-1", "greater than or equal to 0")),
    (
        {"quota": {"persistentVolumeClaims": -2}},
        "namespaces.ml.quota.persistentVolumeClaims",
        ("-2", "greater than or equal to 0"),
    ),
    (
        {"quota": {"storage": "lots"}},
        "namespaces.ml.quota.storage",
        ("'lots'", "not a Kubernetes quantity"),
    ),
    ({"quota": {"cpus": 4}}, "namespaces.ml.quota.cpus", ("unknown key",)),
]


@pytest.mark.parametrize(
    ("change", "path", "words"),
    NAMESPACE_RULES,
    ids=[f"{rule[1]}-{i}" for i, rule in enumerate(NAMESPACE_RULES)],
)
def test_each_namespace_rule_names_the_field_value_and_what_is_allowed(
    change: dict[str, Any], path: str, words: tuple[str, ...]
) -> None:
    namespace = json.loads(json.dumps(CONTRACT_NAMESPACES["ml"]))
    for key, value in change.items():
        namespace[key].update(value)
    problems = config_problems(CONTRACT_WORKLOADS, {"ml": namespace})
    assert len(problems) == 1, problems
    (problem,) = problems
    assert problem.startswith(f"thrifty:{path}: "), problem
    for word in words:
        assert word in problem, (word, problem)


# --------------------------------------------------------------------------- cross-checks


def spec(**changes: Any) -> WorkloadSpec:
    return WorkloadSpec.model_validate(workload(**changes))


def guard(**quota: Any) -> NamespaceSpec:
    return NamespaceSpec.model_validate({"quota": quota})


def test_container_limits_above_the_limit_range_max() -> None:
    big = spec(
        resources={
            "requests": {"cpu": "1", "memory": "1Gi"},
            "limits": {"cpu": "3", "memory": "6Gi"},
        }
    )
    problems = workload_problems({"churn-predictor": big}, {"ml": NamespaceSpec()})
    assert problems == [
        "workloads.churn-predictor.resources.limits.cpu: '3' is above limitRange.max.cpu '2' "
        "of namespace 'ml'; the API server refuses such pods (allowed: at most 2)",
        "workloads.churn-predictor.resources.limits.memory: '6Gi' is above limitRange.max.memory "
        "'4Gi' of namespace 'ml'; the API server refuses such pods (allowed: at most 4Gi)",
    ]
    # At the maximum exactly is allowed.
    at_max = spec(resources={"limits": {"cpu": "2", "memory": "4Gi"}})
    assert workload_problems({"churn-predictor": at_max}, {"ml": NamespaceSpec()}) == []


def test_a_workload_outside_the_guarded_namespaces() -> None:
    elsewhere = spec(namespace="web")
    (problem,) = workload_problems({"churn-predictor": elsewhere}, {"ml": NamespaceSpec()})
    assert problem == (
        "workloads.churn-predictor.namespace: 'web' is not a key of thrifty:namespaces "
        "(allowed: ml); a guarded stack runs no workload outside its guardrails"
    )
    # Without thrifty:namespaces any namespace is fine (nothing is guarded).
    assert workload_problems({"churn-predictor": elsewhere}, {}) == []


def test_the_quota_must_hold_every_workload_at_its_minimum() -> None:
    workloads = {
        "a": spec(autoscaling={"minReplicas": 3}),  # 3 x 100m requests, 3 x 500m limits
        "b": spec(autoscaling={"minReplicas": 2}),  # 2 x 100m, 2 x 500m
    }
    problems = workload_problems(workloads, {"ml": guard(requestsCpu="400m", limitsCpu="2")})
    assert problems == [
        "namespaces.ml.quota.requestsCpu: '400m' cannot hold the minimum replicas of its "
        "workloads (a 3 x 100m, b 2 x 100m = 500m); allowed: a quota of at least 500m",
        "namespaces.ml.quota.limitsCpu: '2' cannot hold the minimum replicas of its workloads "
        "(a 3 x 500m, b 2 x 500m = 2500m); allowed: a quota of at least 2500m",
    ]
    roomy = {"ml": guard(requestsCpu="500m", limitsCpu="2500m")}
    assert workload_problems(workloads, roomy) == []
    memory = workload_problems(workloads, {"ml": guard(requestsMemory="1Gi")})
    assert memory == [
        "namespaces.ml.quota.requestsMemory: '1Gi' cannot hold the minimum replicas of its "
        "workloads (a 3 x 256Mi, b 2 x 256Mi = 1280Mi); allowed: a quota of at least 1280Mi"
    ]


@pytest.mark.parametrize("name", sorted(SYSTEM_NAMESPACES))
def test_namespaces_every_cluster_has_cannot_be_guarded(name: str) -> None:
    (problem,) = workload_problems({}, {name: NamespaceSpec()})
    assert problem.startswith(f"namespaces.{name}: '{name}' exists in every cluster")
    assert "guard a namespace of your own" in problem


def test_names_must_be_dns_labels() -> None:
    problems = workload_problems(
        {"Churn_Predictor": spec()}, {"ml": NamespaceSpec(), "ML": NamespaceSpec()}
    )
    assert "workloads.Churn_Predictor: 'Churn_Predictor' must be a DNS label" in problems[0]
    assert "namespaces.ML: 'ML' must be a DNS label" in problems[1]


def test_validate_workloads_raises_every_problem_at_once() -> None:
    with pytest.raises(WorkloadSpecError) as caught:
        validate_workloads(
            {"churn-predictor": spec(namespace="web"), "Bad": spec()},
            {"default": NamespaceSpec(), "ml": NamespaceSpec()},
        )
    assert len(caught.value.problems) == 3
    assert "invalid workload spec (3 problems)" in str(caught.value)
    validate_workloads({"churn-predictor": spec()}, {"ml": NamespaceSpec()})  # no error


# --------------------------------------------------------------------------- stack config


def test_cross_checks_run_through_the_stack_config() -> None:
    problems = config_problems(
        {
            "churn-predictor": workload(
                namespace="web", resources={"limits": {"cpu": "4", "memory": "512Mi"}}
            )
        }
    )
    assert problems == [
        "thrifty:workloads.churn-predictor.namespace: 'web' is not a key of thrifty:namespaces "
        "(allowed: ml); a guarded stack runs no workload outside its guardrails"
    ]
    problems = config_problems(
        {"churn-predictor": workload(resources={"limits": {"cpu": "4", "memory": "512Mi"}})}
    )
    assert problems == [
        "thrifty:workloads.churn-predictor.resources.limits.cpu: '4' is above limitRange.max.cpu "
        "'2' of namespace 'ml'; the API server refuses such pods (allowed: at most 2)"
    ]


def test_workloads_need_a_cluster() -> None:
    problems = config_problems(CONTRACT_WORKLOADS, cluster=False)
    assert problems == [
        "thrifty:workloads: churn-predictor cannot be created without thrifty:cluster "
        "(workloads and namespaces live on the stack's Kubernetes cluster); add a cluster or "
        "remove them",
        "thrifty:namespaces: ml cannot be created without thrifty:cluster (workloads and "
        "namespaces live on the stack's Kubernetes cluster); add a cluster or remove them",
    ]


def test_a_bad_workload_is_reported_beside_other_sections_problems() -> None:
    raw = dict(load_project(REPO_ROOT).stack_config("dev"))
    raw["thrifty:workloads"] = json.dumps(
        {"churn-predictor": workload(autoscaling={"cpuUtilization": 0})}
    )
    raw["thrifty:region"] = "mars-1"
    with pytest.raises(ConfigError) as caught:
        validate_environment_config(raw, stack="dev")
    paths = [problem.split(":")[1].split(" ")[0] for problem in caught.value.problems]
    assert "workloads.churn-predictor.autoscaling.cpuUtilization" in paths
    assert "region" in paths


def test_without_workload_keys_nothing_changes() -> None:
    raw = dict(load_project(REPO_ROOT).stack_config("dev"))
    del raw["thrifty:workloads"], raw["thrifty:namespaces"]
    config = validate_environment_config(raw, stack="dev")
    assert config.workloads == {} and config.namespaces == {}
