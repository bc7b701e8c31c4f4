"""Environment config: every invalid stack file fails with ONE error naming each bad key, and
the program registers nothing before it fails."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REFERENCE_STACKS, REPO_ROOT
from thrifty.config import ConfigError, validate_environment_config
from thrifty.offline.project import load_project
from thrifty.offline.recording import record_program, run_project_program

Mutation = Callable[[dict[str, Any]], None]


def dev_config() -> dict[str, Any]:
    """The dev stack's config as structured values (``ns:key -> value``)."""
    project = load_project(REPO_ROOT)
    return {
        key: json.loads(value) if value[:1] in "{[" else value
        for key, value in project.stack_config("dev").items()
        if isinstance(value, str)
    }


def engine_form(config: dict[str, Any]) -> dict[str, object]:
    return {k: json.dumps(v) if isinstance(v, (dict, list)) else v for k, v in config.items()}


def set_path(path: str, value: Any) -> Mutation:
    """Set ``thrifty:a.b[0].c`` style paths inside the structured config."""

    def mutate(config: dict[str, Any]) -> None:
        key, _, rest = path.partition(".")
        if not rest:
            config[key] = value
            return
        target = config[key]
        parts = rest.replace("[", ".").replace("]", "").split(".")
        for part in parts[:-1]:
            target = target[int(part)] if part.isdigit() else target[part]
        last = parts[-1]
        if last.isdigit():
            target[int(last)] = value
        else:
            target[last] = value

    return mutate


def delete_path(path: str) -> Mutation:
    def mutate(config: dict[str, Any]) -> None:
        key, _, rest = path.partition(".")
        if not rest:
            del config[key]
            return
        target = config[key]
        for part in rest.split(".")[:-1]:
            target = target[part]
        del target[rest.split(".")[-1]]

    return mutate


# (case id, mutation, text the error must contain to name the bad key)
INVALID_CONFIGS: list[tuple[str, Mutation, str]] = [
    ("unknown-cloud", set_path("thrifty:cloud", "oracle"), "thrifty:cloud"),
    ("region-wrong-shape", set_path("thrifty:region", "US East"), "thrifty:region"),
    ("region-of-other-cloud", set_path("thrifty:region", "us-central1"), "region 'us-central1'"),
    ("unknown-environment", set_path("thrifty:environment", "prod"), "thrifty:environment"),
    ("missing-environment", delete_path("thrifty:environment"), "thrifty:environment"),
    ("bad-owner-email", set_path("thrifty:tags.owner", "ml-team at company"), "tags.owner"),
    ("project-not-slug", set_path("thrifty:tags.project", "Churn Predictor"), "tags.project"),
    ("missing-cost-center", delete_path("thrifty:tags.cost-center"), "tags.cost-center"),
    ("unknown-tag-key", set_path("thrifty:tags.costcenter", "x"), "tags.costcenter"),
    ("env-disagrees", set_path("thrifty:tags.environment", "production"), "tags.environment"),
    ("extra-shadows-key", set_path("thrifty:tags.extra", {"Owner": "x"}), "tags.extra"),
    ("extra-unrenderable", set_path("thrifty:tags.extra", {"aws:x": "y"}), "reserved prefix"),
    ("monthly-not-number", set_path("thrifty:budget.monthlyLimit", "lots"), "budget.monthlyLimit"),
    ("monthly-negative", set_path("thrifty:budget.monthlyLimit", -5), "budget.monthlyLimit"),
    ("alert-bad-email", set_path("thrifty:budget.alerts[0].recipients[0]", "bob@"), "recipients"),
    ("alert-threshold-zero", set_path("thrifty:budget.alerts[0].threshold", 0), "threshold"),
    ("alert-unknown-key", set_path("thrifty:budget.alerts[0].treshold", 5), "treshold"),
    ("caps-vcpus-zero", set_path("thrifty:caps.maxNodeVcpus", 0), "caps.maxNodeVcpus"),
    ("caps-gpu-not-bool", set_path("thrifty:caps.allowGpu", "sometimes"), "caps.allowGpu"),
    ("caps-unknown-key", set_path("thrifty:caps.maxGpus", 4), "caps.maxGpus"),
    ("unknown-top-key", set_path("thrifty:buget", {"monthlyLimit": 1}), "thrifty:buget"),
    ("unknown-namespace", set_path("thrify:cloud", "aws"), "thrify:cloud"),
    ("missing-budget", delete_path("thrifty:budget"), "thrifty:budget"),
    (
        "gcp-without-project",
        lambda c: c.update({"thrifty:cloud": "gcp", "thrifty:region": "us-central1"}),
        "gcpProject",
    ),
    ("bad-subscription", set_path("thrifty:azureSubscriptionId", "my-sub"), "azureSubscriptionId"),
]


def record_with(config: dict[str, Any]) -> tuple[int, BaseException | None]:
    project = load_project(REPO_ROOT)
    recording = record_program(
        run_project_program(project),
        project=project.name,
        stack="dev",
        config=engine_form(config),
        raise_errors=False,
    )
    return len(recording.resources), recording.error


def test_at_least_twenty_distinct_invalid_configs() -> None:
    assert len({case for case, _, _ in INVALID_CONFIGS}) >= 20


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [pytest.param(m, e, id=case) for case, m, e in INVALID_CONFIGS],
)
def test_invalid_config_names_the_key_and_registers_nothing(
    mutation: Mutation, expected: str
) -> None:
    config = dev_config()
    mutation(config)
    registered, error = record_with(config)
    assert isinstance(error, ConfigError), error
    assert expected in str(error)
    assert registered == 0


def test_every_bad_key_is_reported_at_once() -> None:
    config = dev_config()
    for _, mutation, _ in [
        INVALID_CONFIGS[1],
        INVALID_CONFIGS[5],
        INVALID_CONFIGS[13],
        INVALID_CONFIGS[19],
        INVALID_CONFIGS[21],
    ]:
        mutation(config)
    with pytest.raises(ConfigError) as caught:
        validate_environment_config(engine_form(config), stack="dev", project="thrifty-platform")
    message = str(caught.value)
    for expected in (
        "thrifty:region",
        "tags.owner",
        "budget.monthlyLimit",
        "caps.maxGpus",
        "thrify:cloud",
    ):
        assert expected in message
    assert len(caught.value.problems) >= 5


def test_error_shows_value_and_what_is_allowed() -> None:
    config = dev_config()
    set_path("thrifty:caps.maxNodeVcpus", 0)(config)
    set_path("thrifty:environment", "prod")(config)
    with pytest.raises(ConfigError) as caught:
        validate_environment_config(engine_form(config), stack="dev")
    message = str(caught.value)
    assert (
        "thrifty:caps.maxNodeVcpus: Input should be greater than or equal to 1 (got 0)" in message
    )
    assert 'must be one of development | staging | production (got "prod")' in message


@pytest.mark.parametrize("stack", REFERENCE_STACKS)
def test_reference_stack_configs_are_valid(stack: str) -> None:
    project = load_project(REPO_ROOT)
    config = validate_environment_config(project.stack_config(stack), stack=stack)
    assert config.cost_tags().project == "churn-predictor"


def test_guide_budget_in_production() -> None:
    project = load_project(REPO_ROOT)
    config = validate_environment_config(project.stack_config("production"), stack="production")
    assert (
        config.budget.monthly_limit,
        config.budget.quarterly_limit,
        config.budget.annual_limit,
    ) == (5000, 14000, 50000)
    assert [alert.threshold for alert in config.budget.alerts if alert.spend == "actual"] == [
        50,
        80,
        95,
    ]


def test_structured_values_arrive_as_json_text(tmp_path: Path) -> None:
    """The engine hands maps and lists to programs as JSON text; both forms validate alike."""
    structured = dev_config()
    as_text = engine_form(copy.deepcopy(structured))
    assert isinstance(as_text["thrifty:tags"], str)
    validate_environment_config(as_text, stack="dev")


def test_per_cloud_problems_are_listed_beside_schema_errors() -> None:
    """A schema error elsewhere does not hide what the cloud refuses: one round of fixes."""
    config = dev_config()
    set_path("thrifty:region", "US East")(config)  # schema error
    alert = {"threshold": 99, "recipients": ["ml-team@company.com"]}
    config["thrifty:budget"]["alerts"] += [dict(alert, threshold=t) for t in (96, 97, 98)]
    set_path("thrifty:tags.extra", {"aws:team": "x"})(config)  # AWS refuses the prefix
    with pytest.raises(ConfigError) as caught:
        validate_environment_config(engine_form(config), stack="dev")
    message = str(caught.value)
    assert "thrifty:region" in message
    assert "thrifty:budget.alerts" in message and "at most 5" in message
    assert "reserved prefix 'aws:'" in message


def test_the_offline_answers_hook_key_is_not_a_component_setting() -> None:
    """``thrifty:answers`` belongs to ``thrifty plan`` (a Python hook), so the components'
    validator accepts it beside a valid config, and still rejects a misspelt neighbour."""
    config = load_project(REPO_ROOT).stack_config("dev")
    validate_environment_config({**config, "thrifty:answers": "hooks:answer"}, stack="dev")
    with pytest.raises(ConfigError, match="answer"):
        validate_environment_config({**config, "thrifty:answer": "hooks:answer"}, stack="dev")


def test_cross_field_rules_are_listed_with_the_field_errors_in_one_run() -> None:
    """Pydantic skips a model's cross-field rules when a field fails; the config does not."""
    config = dev_config()
    config["thrifty:workloads"] = {
        "api": {
            "image": "ghcr.io/company/api:1.0",
            "resources": {
                "requests": {"cpu": "2", "memory": "256mb"},
                "limits": {"cpu": "1", "memory": "512Mi"},
            },
            "autoscaling": {
                "minReplicas": 8,
                "maxReplicas": 3,
                "cpuUtilization": 0,
                "memoryUtilization": 150,
            },
            "probes": {"path": "healthz"},
            "colour": "blue",
        }
    }
    config["thrifty:namespaces"] = {}
    with pytest.raises(ConfigError) as caught:
        validate_environment_config(engine_form(config), stack="dev")
    problems = caught.value.problems
    expected = [
        "thrifty:workloads.api.resources.requests.memory: '256mb' is not a Kubernetes quantity",
        "thrifty:workloads.api.autoscaling.cpuUtilization: cpuUtilization 0 is out of range",
        "thrifty:workloads.api.autoscaling.memoryUtilization: memoryUtilization 150 is out",
        'thrifty:workloads.api.probes.path: must be an absolute URL path such as /healthz (got "h',
        "thrifty:workloads.api.colour: unknown key",
        "thrifty:workloads.api.autoscaling: minReplicas 8 is above maxReplicas 3",
        "thrifty:workloads.api.resources: limits.cpu '1' is below requests.cpu '2'",
    ]
    for start in expected:
        assert [p for p in problems if p.startswith(start)], (start, problems)
    assert len(problems) == len(expected), problems
    # Memory did not parse, so memory limits vs requests is not judged; cpu is.
    assert not any("limits.memory" in problem for problem in problems)


def test_namespace_rules_run_beside_an_invalid_workload() -> None:
    config = dev_config()
    config["thrifty:namespaces"] = {"kube-system": {}}
    config["thrifty:workloads"] = {"api": {"image": "my app", "namespace": "web"}}
    with pytest.raises(ConfigError) as caught:
        validate_environment_config(engine_form(config), stack="dev")
    text = str(caught.value)
    assert "thrifty:workloads.api.image: must be text without spaces" in text
    assert "thrifty:namespaces.kube-system: 'kube-system' exists in every cluster" in text


def production_config() -> dict[str, Any]:
    project = load_project(REPO_ROOT)
    return {
        key: json.loads(value) if value[:1] in "{[" else value
        for key, value in project.stack_config("production").items()
        if isinstance(value, str)
    }


def test_production_network_rules_are_config_errors_with_config_paths() -> None:
    config = production_config()
    del config["thrifty:network"]["publicAccessCidrs"]
    with pytest.raises(ConfigError) as caught:
        validate_environment_config(engine_form(config), stack="production")
    assert caught.value.problems == [
        "thrifty:network.publicAccessCidrs: production refuses a public API endpoint open to "
        "any address, got unset (unset means 0.0.0.0/0); set the CIDRs of your office/VPN/CI "
        "runners, or turn public access off"
    ]
    del config["thrifty:network"]
    with pytest.raises(ConfigError) as caught:
        validate_environment_config(engine_form(config), stack="production")
    (problem,) = caught.value.problems
    assert problem.startswith(
        "thrifty:network: required for a production cluster on AWS (nodes in private subnets "
        "of a VPC the stack creates"
    )
    assert "subnet_ids" not in problem


def test_cross_section_rules_have_paths_and_survive_other_errors() -> None:
    config = dev_config()
    config["thrifty:region"] = "us-central1"
    config["thrifty:caps"]["maxNodeVcpus"] = 0
    config["thrifty:network"] = {"zones": ["use1-az1", "usw2-az1"]}
    with pytest.raises(ConfigError) as caught:
        validate_environment_config(engine_form(config), stack="dev")
    text = str(caught.value)
    assert "thrifty:region: region 'us-central1' is not an AWS region" in text
    assert "thrifty:caps.maxNodeVcpus" in text
    assert "{...}" not in text and "<root>" not in text


def test_zone_ids_of_another_region_are_config_errors() -> None:
    config = dev_config()
    config["thrifty:network"] = {"zones": ["use1-az9", "usw2-az1"]}
    with pytest.raises(ConfigError) as caught:
        validate_environment_config(engine_form(config), stack="dev")
    assert caught.value.problems == [
        "thrifty:network.zones: 'usw2-az1' is not a zone ID of us-east-1 (its zone IDs start "
        "with use1-az, such as use1-az1)"
    ]
