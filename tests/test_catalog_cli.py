"""``thrifty plan --catalog FILE``: the plan and the policy pack it starts use the user's file."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import REPO_ROOT
from tests.test_cli import run_plan

BAD_STACK = REPO_ROOT / "tests" / "fixtures" / "bad_stack"


def oversized(stdout: str) -> dict[str, list[str]]:
    """The oversized-instances messages of a JSON plan, by resource name."""
    found: dict[str, list[str]] = {}
    for f in json.loads(stdout)["sections"]["Policies"]["data"]["findings"]:
        if f["policy"] == "oversized-instances":
            found.setdefault(f["name"], []).append(f["message"])
    return found


def test_the_pack_judges_with_the_users_catalog(tmp_path: Path) -> None:
    """bad_stack's m5.24xlarge pool is oversized; in a catalog where it is small, it is not."""
    plain = run_plan("--stack", "dev", "-C", str(BAD_STACK), "--format", "json")
    assert any("96 vCPUs" in m for m in oversized(plain.stdout)["bad-oversized-pool"])
    mine = tmp_path / "small.json"
    mine.write_text(
        json.dumps(
            {"clouds": {"aws": {"instance_types": {"items": {
                "m5.24xlarge": {"vcpus": 4, "memory_gib": 16}
            }}}}}
        )
    )  # fmt: skip
    with_file = run_plan(
        "--stack", "dev", "-C", str(BAD_STACK), "--format", "json", "--catalog", str(mine)
    )
    assert with_file.returncode == 1, with_file.stderr  # its other violations remain
    assert "bad-oversized-pool" not in oversized(with_file.stdout)
    assert "bad-gpu-instance" in oversized(with_file.stdout)


def test_a_wrong_catalog_file_stops_the_plan_naming_file_entry_and_field(tmp_path: Path) -> None:
    mine = tmp_path / "typo.yaml"
    mine.write_text("clouds: {aws: {instance_types: {items: {t3.large: {vcpus: 0}}}}}\n")
    result = run_plan("--stack", "dev", "--catalog", str(mine))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"thrifty plan: {mine}: clouds.aws.instance_types.items.t3.large.vcpus: "
        "vcpus: Input should be greater than 0 (got 0)"
    )
