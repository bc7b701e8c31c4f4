"""The README's Python examples run: each block is executed for real, under the recording
engine, in the context its surrounding text describes (a stack's config, its tags, a provider).
"""

from __future__ import annotations

import re
from typing import Any

import pulumi
import pytest

from tests.conftest import REPO_ROOT
from thrifty.config import EnvironmentConfig, validate_environment_config
from thrifty.offline.project import load_project
from thrifty.offline.recording import Recording, record_program

BLOCKS = re.findall(r"```python\n(.*?)```", (REPO_ROOT / "README.md").read_text(), re.S)

# Blocks that are not a piece of a Pulumi program: a pack's entry point (serves forever) and
# the recording engine's own example (it records whole programs itself).
NOT_PROGRAMS = ("serve(", "record_stack(")


def stack_for(block: str) -> str:
    if "GcsBucket" in block or "GkeCluster" in block:
        return "gcp-dev"
    if "AzureBlobStorage" in block or "AksCluster" in block:
        return "azure-dev"
    return "dev"


def context(config: EnvironmentConfig, block: str) -> dict[str, Any]:
    """The names a README block takes from the text around it."""
    tags = config.cost_tags()
    names: dict[str, Any] = {
        "pulumi": pulumi,
        "config": config,
        "tags": tags,
        "cost_tags": tags,
        "spec": config.cluster,
        "hours": config.off_hours,
    }
    if config.cloud == "aws" and "AwsFoundation(" not in block:
        from thrifty.foundation.aws import AwsFoundation
        from thrifty.foundation.spec import FoundationArgs

        names["foundation"] = AwsFoundation(
            "platform", FoundationArgs(tags=tags, region="us-east-1")
        )
        names["aws_provider"] = names["foundation"].provider
    if config.cloud == "gcp":
        from thrifty.foundation.gcp import GcpFoundation
        from thrifty.foundation.spec import FoundationArgs

        names["foundation"] = GcpFoundation(
            "platform",
            FoundationArgs(tags=tags, region=config.region, gcp_project=config.gcp_project),
        )
    if config.cloud == "azure":
        from thrifty.foundation.azure import AzureFoundation
        from thrifty.foundation.spec import FoundationArgs

        names["foundation"] = AzureFoundation(
            "platform", FoundationArgs(tags=tags, region=config.region)
        )
        names["resource_group"] = names["foundation"].resource_group
    return names


def run_block(block: str) -> Recording:
    stack = stack_for(block)
    raw = load_project(REPO_ROOT).stack_config(stack)
    config = validate_environment_config(raw, stack=stack)
    return record_program(
        lambda: exec(block, context(config, block)),
        project="readme",
        stack=stack,
        config=raw,
    )


PROGRAM_BLOCKS = [b for b in BLOCKS if not any(marker in b for marker in NOT_PROGRAMS)]


def test_the_readme_has_examples_for_every_area() -> None:
    text = "\n".join(BLOCKS)
    for component in ("AwsFoundation", "S3Bucket", "GcsBucket", "AzureBlobStorage",
                      "EksCluster", "GkeCluster", "AksCluster", "AwsBudget"):
        assert component in text


@pytest.mark.parametrize("block", PROGRAM_BLOCKS, ids=lambda b: b.strip().splitlines()[-1][:40])
def test_readme_block_runs(block: str) -> None:
    recording = run_block(block)
    assert recording.resources, "the example registered nothing"


def test_recording_engine_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    (block,) = [b for b in BLOCKS if "record_stack(" in b]
    monkeypatch.chdir(REPO_ROOT)
    exec(block, {"my_program": lambda: pulumi.export("size", 3)})


@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: b.strip().splitlines()[-1][:40])
def test_every_block_compiles_and_imports_exist(block: str) -> None:
    compile(block, "README.md", "exec")
    for module, names in re.findall(r"^from (thrifty[\w.]*) import ([\w, ]+)$", block, re.M):
        imported = __import__(module, fromlist=["_"])
        for name in names.split(","):
            assert hasattr(imported, name.strip()), f"{module}.{name.strip()}"
