"""``thrifty plan`` as a user runs it: the installed console script, in a subprocess."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO_ROOT


def thrifty_command() -> list[str]:
    script = Path(sys.executable).parent / "thrifty"
    if script.exists():
        return [str(script)]
    found = shutil.which("thrifty")
    assert found, "the thrifty console script is not installed"
    return [found]


def run_plan(*args: str, cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*thrifty_command(), "plan", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_plan_dev_prints_the_tree_and_summary() -> None:
    result = run_plan("--stack", "dev")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("thrifty plan: stack dev (project thrifty-platform)")
    assert "pulumi:pulumi:Stack thrifty-platform-dev" in out
    assert "└─ thrifty:foundation:AwsFoundation platform" in out or (
        "├─ thrifty:foundation:AwsFoundation platform" in out
    )
    assert "aws:resourcegroups/group:Group platform-resources" in out
    assert "project=churn-predictor environment=development team=ml-team" in out
    summary = [line for line in out.splitlines() if line.startswith("Summary: ")]
    assert len(summary) == 1 and ", untagged 0" in summary[0] and "aws " in summary[0]


def test_plan_json_is_machine_readable() -> None:
    result = run_plan(
        "--stack", "gcp-dev", "--format", "json", "--project-dir", str(REPO_ROOT), cwd=Path("/")
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["stack"] == "gcp-dev"
    assert document["summary"]["untagged"] == []
    assert document["summary"]["byCloud"]["gcp"] >= 5
    root_types = {node["type"] for node in document["resources"]}
    assert "thrifty:foundation:GcpFoundation" in root_types


def test_unknown_stack_exits_non_zero_with_a_clear_message() -> None:
    result = run_plan("--stack", "qa")
    assert result.returncode == 2
    assert "unknown stack 'qa'" in result.stderr
    assert "dev" in result.stderr and "production" in result.stderr
    assert result.stdout == ""


def test_invalid_config_exits_non_zero_listing_every_bad_key(tmp_path: Path) -> None:
    shutil.copy(REPO_ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    shutil.copytree(
        REPO_ROOT / "stacks", tmp_path / "stacks", ignore=shutil.ignore_patterns("__pycache__")
    )
    stack_file = tmp_path / "stacks" / "Pulumi.dev.yaml"
    document = yaml.safe_load(stack_file.read_text())
    document["config"]["thrifty:region"] = "mars-1"
    document["config"]["thrifty:tags"]["owner"] = "nobody"
    stack_file.write_text(yaml.safe_dump(document))
    result = run_plan("--stack", "dev", "-C", str(tmp_path))
    assert result.returncode == 2, result.stdout
    assert "2 invalid configuration values" in result.stderr
    assert "thrifty:region" in result.stderr and "thrifty:tags.owner" in result.stderr


def test_not_a_project_exits_non_zero(tmp_path: Path) -> None:
    result = run_plan("--stack", "dev", "-C", str(tmp_path))
    assert result.returncode == 2
    assert "no Pulumi.yaml" in result.stderr


@pytest.mark.parametrize(
    ("stack", "output_format"),
    [("staging", "table"), ("production", "markdown"), ("azure-dev", "table")],
)
def test_other_reference_stacks_plan(stack: str, output_format: str) -> None:
    result = run_plan("--stack", stack, "--format", output_format)
    assert result.returncode == 0, result.stderr
    assert "untagged 0" in result.stdout


def test_plan_runs_the_policy_pack_and_fails_on_mandatory_violations() -> None:
    """The deliberately bad project: exit 1, every mandatory violation listed."""
    result = run_plan("--stack", "dev", "-C", str(REPO_ROOT / "tests" / "fixtures" / "bad_stack"),
                      "--format", "json")
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    assert document["failed"] is True
    findings = document["sections"]["Policies"]["data"]["findings"]
    flagged = {f["name"] for f in findings if f["level"] == "mandatory" and f["urn"]}
    assert {"bad-untagged-bucket", "bad-public-bucket", "bad-huge-volume"} <= flagged


def test_reference_dev_stack_passes_its_policies() -> None:
    result = run_plan("--stack", "dev")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Policies:" in result.stdout and "config dev.json: 0 mandatory" in result.stdout


def test_no_policies_skips_the_pack() -> None:
    result = run_plan("--stack", "dev", "--no-policies")
    assert result.returncode == 0
    assert "Policies:" not in result.stdout


def test_two_plans_of_one_stack_print_the_same_tree() -> None:
    first = run_plan("--stack", "production", "--no-policies")
    second = run_plan("--stack", "production", "--no-policies")
    assert first.returncode == second.returncode == 0
    assert first.stdout == second.stdout


def test_a_bad_answers_file_is_an_unplannable_stack_not_a_program_failure(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(REPO_ROOT / "tests" / "fixtures" / "over_budget", project)
    (project / "thrifty-answers.yaml").write_text("invoke: {}\n")
    result = run_plan("--stack", "dev", "--project-dir", str(project), cwd=tmp_path)
    assert result.returncode == 2
    assert "thrifty-answers.yaml" in result.stderr and "invoke" in result.stderr
    assert "Traceback" not in result.stderr
