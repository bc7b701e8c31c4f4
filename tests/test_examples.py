"""The README's examples run: each example project records offline and is fully tagged."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from thrifty.offline.plan import plan_recording
from thrifty.offline.recording import record_stack

EXAMPLES = sorted(path.parent for path in (REPO_ROOT / "examples").glob("*/Pulumi.yaml"))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.name)
def test_example_records_and_is_tagged(example: Path) -> None:
    stacks = [p.name.split(".")[1] for p in example.glob("Pulumi.*.yaml")]
    assert stacks, f"{example} has no stack file"
    for stack in stacks:
        plan = plan_recording(record_stack(example, stack))
        assert plan.resources
        assert plan.taggable_count() > 0
        assert plan.untagged() == []


def test_own_program_example_keeps_its_extra_tag() -> None:
    # preview=False: the exported resource group ARN is known only after apply.
    recording = record_stack(REPO_ROOT / "examples" / "aws-own-program", "dev", preview=False)
    (group,) = recording.of_type("aws:resourcegroups/group:Group")
    assert group.inputs["tags"]["service"] == "feature-store-api"
    assert group.inputs["tags"]["owner"] == "data-team@company.com"
    assert recording.outputs["resourceGroupArn"].startswith("arn:aws:resourcegroups:eu-west-1")
