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
    assert "'development', 'staging' or 'production'" in message and '"prod"' in message


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
