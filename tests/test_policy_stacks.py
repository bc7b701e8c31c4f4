"""Whole programs through the pack: the reference stacks pass, the bad stack is caught.

Each program is recorded with the recording engine and sent through one pack process the way
``pulumi preview --policy-pack policies --policy-pack-config policies/config/<env>.json`` would:
Remediate, Analyze per resource, then AnalyzeStack, with the environment's config file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from thrifty.offline.analyzer_client import (
    Analysis,
    AnalyzerClient,
    analyze_specs,
    load_policy_config,
    resource_specs,
)
from thrifty.offline.project import load_project
from thrifty.offline.recording import record_stack

ROOT = Path(__file__).resolve().parents[1]
PACK_DIR = ROOT / "policies"
BAD_STACK = ROOT / "tests" / "fixtures" / "bad_stack"
CONFIG_OF_ENVIRONMENT = {"development": "dev", "staging": "staging", "production": "production"}

#: Each bad resource of the fixture and the policies it must be caught by.
EXPECTED: dict[str, set[str]] = {
    "bad-untagged-bucket": {"required-tags", "storage-lifecycle"},
    "bad-public-bucket": {"public-or-unencrypted-storage", "storage-lifecycle"},
    "bad-west-bucket": {"region-affinity", "storage-lifecycle"},
    "bad-versioned-bucket": {"storage-lifecycle"},
    "bad-huge-volume": {"disk-size-caps"},
    "bad-plain-volume": {"public-or-unencrypted-storage"},
    "bad-oversized-pool": {"oversized-instances", "spot-diversity"},
    "bad-on-demand-pool": {"spot-for-non-production"},
    "bad-big-pool": {"node-count-caps"},
    "bad-gpu-instance": {"oversized-instances"},
    "bad-unbounded-deployment": {"container-resources"},
    "bad-hpa": {"container-resources"},
    "bad-public-gcs-member": {"public-or-unencrypted-storage"},
    "bad-public-account": {"public-or-unencrypted-storage"},
}


@pytest.fixture(scope="module")
def pack() -> Iterator[AnalyzerClient]:
    with AnalyzerClient.start(PACK_DIR, project="stacks", stack="dev") as client:
        yield client


def analyze_stack_dir(
    client: AnalyzerClient, project_dir: Path, stack: str, config: str
) -> Analysis:
    recording = record_stack(project_dir, stack)
    stack_config = load_project(project_dir).stack_config(stack)
    return analyze_specs(
        client,
        resource_specs(recording, stack_config),
        load_policy_config(PACK_DIR / "config" / f"{config}.json"),
        project=recording.project,
        stack=stack,
        stack_config=stack_config,
    )


@pytest.mark.parametrize("stack", load_project(ROOT).stacks())
def test_reference_stacks_have_no_mandatory_violations(pack: AnalyzerClient, stack: str) -> None:
    environment = str(load_project(ROOT).stack_config(stack)["thrifty:environment"])
    analysis = analyze_stack_dir(pack, ROOT, stack, CONFIG_OF_ENVIRONMENT[environment])
    assert [f"{v.policy_name}: {v.urn}: {v.detail}" for v in analysis.mandatory] == []
    assert [v.detail for v in analysis.violations if v.not_checkable] == []


@pytest.fixture(scope="module")
def bad_analysis(pack: AnalyzerClient) -> Analysis:
    return analyze_stack_dir(pack, BAD_STACK, "dev", "dev")


def test_every_bad_resource_is_caught_by_its_policies(bad_analysis: Analysis) -> None:
    caught: dict[str, set[str]] = {}
    for violation in bad_analysis.violations:
        if violation.urn and not violation.not_checkable:
            name = violation.urn.rsplit("::", 1)[-1]
            caught.setdefault(name, set()).add(violation.policy_name)
    missed = {name: policies - caught.get(name, set()) for name, policies in EXPECTED.items()}
    assert {name: policies for name, policies in missed.items() if policies} == {}


def test_the_bad_stack_is_listed_completely(bad_analysis: Analysis) -> None:
    recording = record_stack(BAD_STACK, "dev")
    bad = {r.name for r in recording if r.name.startswith("bad-") and "-bucket-" not in r.name}
    assert bad == set(EXPECTED)


def test_the_bad_stack_misses_a_budget_and_ok_resources_pass(bad_analysis: Analysis) -> None:
    stack_level = [v.policy_name for v in bad_analysis.violations if not v.urn]
    assert "budget-present" in stack_level
    ok = [v for v in bad_analysis.violations if v.urn.rsplit("::", 1)[-1].startswith("ok-")]
    assert [f"{v.policy_name}: {v.detail}" for v in ok] == []
    assert bad_analysis.mandatory, "the dev config makes tag, size and exposure rules mandatory"
