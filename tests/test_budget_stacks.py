"""Every reference stack has exactly one budget, scoped to its own environment; production has
anomaly detection. Records each stack once (module-scoped) to keep the suite fast."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from thrifty.offline.project import load_project
from thrifty.offline.recording import RecordedResource, Recording, record_stack

ROOT = Path(__file__).resolve().parent.parent
STACKS = load_project(ROOT).stacks()
BUDGET_COMPONENTS = {
    "thrifty:budget:AwsBudget",
    "thrifty:budget:GcpBudget",
    "thrifty:budget:AzureBudget",
}
AZURE_GROUP = "azure-native:resources:ResourceGroup"
CLOUD_BUDGETS = {
    "aws:budgets/budget:Budget",
    "gcp:billing/budget:Budget",
    "azure-native:consumption:Budget",
}


@pytest.fixture(scope="module")
def recordings() -> dict[str, Recording]:
    return {stack: record_stack(ROOT, stack) for stack in STACKS}


def project_of(stack: str) -> str:
    config = load_project(ROOT).stack_config(stack)
    return str(json.loads(str(config["thrifty:tags"]))["project"])


def scope_of(resource: RecordedResource, stack: str, recording: Recording) -> bool:
    """Whether a cloud budget measures exactly its own environment, from its wire-form inputs:
    AWS by the project AND environment tags, GCP by the stack's GCP project, Azure by the
    stack's resource group(s)."""
    inputs = resource.inputs
    stack_config = load_project(ROOT).stack_config(stack)
    if resource.type == "aws:budgets/budget:Budget":
        conditions = {
            cond["tags"]["key"]: cond["tags"]["values"]
            for cond in inputs["filterExpression"]["ands"]
        }
        return conditions == {
            "project": [project_of(stack)],
            "environment": [str(stack_config["thrifty:environment"])],
        }
    if resource.type == "gcp:billing/budget:Budget":
        # The offline engine's number for the stack's project (gcp:organizations/getProject).
        return set(inputs["budgetFilter"]) == {"calendarPeriod", "projects"} and bool(
            inputs["budgetFilter"]["projects"]
        )
    dimension = inputs["filter"]["dimensions"]
    groups = {g.inputs["resourceGroupName"] for g in recording.of_type(AZURE_GROUP)}
    return dimension["name"] == "ResourceGroupName" and groups <= set(dimension["values"])


def test_the_reference_project_has_stacks_on_every_cloud() -> None:
    assert {"dev", "staging", "production", "gcp-dev", "azure-dev"} <= set(STACKS)


@pytest.mark.parametrize("stack", STACKS)
def test_exactly_one_budget_scoped_to_its_own_environment(
    recordings: dict[str, Recording], stack: str
) -> None:
    recording = recordings[stack]
    components = [r for r in recording if r.type in BUDGET_COMPONENTS]
    assert len(components) == 1, [c.type for c in components]
    (component,) = components
    cloud_budgets = [r for r in recording if r.type in CLOUD_BUDGETS]
    assert cloud_budgets, "the budget component created no cloud budget"
    for budget in cloud_budgets:
        assert budget.parent == component.urn, budget.name
        assert scope_of(budget, stack, recording), budget.name
    monthly = [b for b in cloud_budgets if "monthly" in b.name]
    assert monthly, "every environment needs a monthly budget"


def test_production_has_anomaly_detection(recordings: dict[str, Recording]) -> None:
    production = recordings["production"]
    (monitor,) = production.of_type("aws:costexplorer/anomalyMonitor:AnomalyMonitor")
    (subscription,) = production.of_type("aws:costexplorer/anomalySubscription:AnomalySubscription")
    assert json.loads(monitor.inputs["monitorSpecification"])["Tags"]["Values"] == [
        project_of("production")
    ]
    assert subscription.inputs["subscribers"]
    for stack in ("dev", "staging"):
        assert not recordings[stack].of_type("aws:costexplorer/anomalyMonitor:AnomalyMonitor")


def test_production_budget_is_the_guides(recordings: dict[str, Recording]) -> None:
    budgets = {
        b.inputs["timeUnit"]: b.inputs["limitAmount"]
        for b in recordings["production"].of_type("aws:budgets/budget:Budget")
    }
    assert budgets == {"MONTHLY": "5000.00", "QUARTERLY": "14000.00", "ANNUALLY": "50000.00"}


def test_budget_slack_warnings_absent_from_reference_stacks(
    recordings: dict[str, Recording],
) -> None:
    for stack, recording in recordings.items():
        assert not [m for m in recording.messages if m.message.startswith("budget:")], stack
