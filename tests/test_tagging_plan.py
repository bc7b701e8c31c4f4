"""``thrifty plan``'s tags come from the reader the pack uses: provider default tags from the
stack file, tags that reach instances through launch templates, values unknown in preview."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_gcp as gcp
import pytest
import yaml

from thrifty.offline.analyzer_client import analyze_recording, resource_specs
from thrifty.offline.plan import Plan, plan_recording
from thrifty.offline.providers import default_provider_properties
from thrifty.offline.recording import Recording, record_program, record_stack
from thrifty.offline.report import render_table, summary_line
from thrifty.tags import COST_TAG_KEYS

PACK_DIR = Path(__file__).resolve().parents[1] / "policies"
TAGS = {
    "project": "churn-predictor",
    "environment": "development",
    "team": "ml-team",
    "cost-center": "engineering",
    "owner": "ml-team@company.com",
}
LABELS = {**TAGS, "owner": "ml-team_at_company_dot_com"}
PROGRAM = """
import pulumi_aws as aws
import pulumi_gcp as gcp

aws.s3.Bucket("logs")
gcp.storage.Bucket("models", location="US")
"""


def project_with_defaults(root: Path) -> Path:
    """A project whose only tags are the providers' defaults in the stack file."""
    (root / "Pulumi.yaml").write_text("name: defaults\nruntime: python\n")
    (root / "__main__.py").write_text(PROGRAM)
    config = {
        "aws:region": "us-east-1",
        "aws:defaultTags": {"tags": TAGS},
        "gcp:project": "churn-dev",
        "gcp:defaultLabels": LABELS,
    }
    (root / "Pulumi.dev.yaml").write_text(yaml.safe_dump({"config": config}))
    return root


def status_of(plan: Plan, name: str) -> Any:
    [resource] = [r for r in plan.resources if r.name == name]
    return plan.statuses[resource.urn]


def test_default_tags_in_the_stack_file_count_in_the_plan(tmp_path: Path) -> None:
    plan = plan_recording(record_stack(project_with_defaults(tmp_path), "dev"))
    assert plan.untagged() == [] and plan.needs_tags_count() == 2
    assert status_of(plan, "logs").effective == TAGS
    assert status_of(plan, "models").effective == LABELS
    assert "needs cost tags 2 of 2 taggable, untagged 0" in summary_line(plan)
    assert "aws:s3/bucket:Bucket logs  [project=churn-predictor" in render_table(plan)
    assert "(via provider)" in render_table(plan)


def test_the_plan_command_counts_stack_file_default_tags(tmp_path: Path) -> None:
    """The issue's "Must show", end to end: the plan and the pack both see the tags."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "thrifty.offline.cli",
            "plan",
            "--stack",
            "dev",
            "--format",
            "json",
            "--project-dir",
            str(project_with_defaults(tmp_path)),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
    )
    document = json.loads(result.stdout)
    assert document["summary"]["untagged"] == [], result.stderr
    assert document["summary"]["needsCostTags"] == 2
    findings = document["sections"]["Policies"]["data"]["findings"]
    assert [f for f in findings if f["policy"] == "required-tags"] == []


def record(program: Any, config: dict[str, object] | None = None) -> Recording:
    return record_program(program, config={"aws:region": "us-east-1", **(config or {})})


def test_a_tag_unknown_in_preview_is_shown_as_unknown_not_missing() -> None:
    def program() -> None:
        first = aws.s3.Bucket("first", tags=TAGS)
        aws.s3.Bucket("second", tags={**TAGS, "owner": first.arn})

    plan = plan_recording(record(program))
    second = status_of(plan, "second")
    assert second.unknown == ["owner"] and second.missing == []
    assert second.effective == {k: v for k, v in TAGS.items() if k != "owner"}
    assert [r.name for r in plan.tags_unknown()] == ["second"] and plan.untagged() == []
    assert "owner=(unknown)" in render_table(plan)
    assert "untagged 0, tags unknown 1" in summary_line(plan)


def eks_program(*, template_tags: dict[str, dict[str, str]] | None) -> Any:
    def program() -> None:
        group: dict[str, Any] = {}
        if template_tags is not None:
            lt = aws.ec2.LaunchTemplate(
                "nodes-lt",
                tag_specifications=[
                    aws.ec2.LaunchTemplateTagSpecificationArgs(resource_type=kind, tags=tags)
                    for kind, tags in template_tags.items()
                ],
            )
            group["launch_template"] = aws.eks.NodeGroupLaunchTemplateArgs(
                id=lt.id, version=lt.latest_version.apply(str)
            )
        aws.eks.NodeGroup(
            "workers",
            cluster_name="platform",
            node_role_arn="arn:aws:iam::123456789012:role/nodes",
            subnet_ids=["subnet-1"],
            scaling_config={"min_size": 1, "desired_size": 1, "max_size": 2},
            tags=TAGS,
            **group,
        )

    return program


def test_a_node_groups_tags_are_read_from_its_launch_template() -> None:
    plan = plan_recording(record(eks_program(template_tags={"instance": TAGS})))
    workers = status_of(plan, "workers")
    assert workers.effective == TAGS  # the instances carry the template's tags
    assert workers.missing == list(COST_TAG_KEYS)  # ... but the volumes none
    assert (
        "MISSING on their EBS volumes: project, environment, team, cost-center, owner (put them "
        "in the launch template's tagSpecifications for 'instance' and 'volume')"
    ) in render_table(plan)
    assert not status_of(plan, "nodes-lt").needed  # the template itself costs nothing
    full = plan_recording(record(eks_program(template_tags={"instance": TAGS, "volume": TAGS})))
    assert full.untagged() == []


def test_a_node_group_without_launch_template_is_untagged_whatever_its_own_tags() -> None:
    plan = plan_recording(record(eks_program(template_tags=None)))
    assert [r.name for r in plan.untagged()] == ["workers"]
    assert "the NodeGroup sets no launchTemplate; put them in the launch template's" in (
        render_table(plan)
    )


@pytest.mark.parametrize(
    "program",
    [
        eks_program(template_tags={"instance": TAGS}),
        eks_program(template_tags=None),
        eks_program(template_tags={"instance": TAGS, "volume": TAGS}),
    ],
    ids=["volumes-untagged", "no-template", "tagged"],
)
def test_the_plan_and_the_pack_agree_on_what_is_untagged(program: Any) -> None:
    """One reader: the resources the plan counts as untagged are those the pack flags."""
    recording = record(program)
    plan = plan_recording(recording)
    analysis = analyze_recording(recording, PACK_DIR)
    flagged = {
        v.urn
        for v in analysis.violations
        if v.policy_name in ("required-tags", "cost-tags-reach-instances") and v.mandatory
    }
    assert flagged == {r.urn for r in plan.untagged()}


def test_a_gke_node_pool_counts_its_clusters_labels() -> None:
    def program() -> None:
        cluster = gcp.container.Cluster(
            "gke", name="platform", location="us-central1", resource_labels=LABELS
        )
        gcp.container.NodePool("pool", cluster=cluster.name, location="us-central1")
        gcp.container.NodePool(
            "orphan",
            cluster="elsewhere",
            location="us-central1",
            node_config={"resource_labels": {"team": "ml-team"}},
        )

    plan = plan_recording(record_program(program, config={"gcp:project": "p"}))
    assert status_of(plan, "pool").missing == [] and status_of(plan, "pool").effective == LABELS
    orphan = status_of(plan, "orphan")
    assert orphan.missing == [] and orphan.problems == [
        "its cluster (cluster: elsewhere) is not in this stack: its tags cannot be read"
    ]
    assert "not checkable: its cluster (cluster: elsewhere)" in render_table(plan)


def test_providers_show_their_default_tags() -> None:
    def program() -> None:
        provider = aws.Provider(
            "tagged", region="us-east-1", default_tags={"tags": {"team": "ml-team"}}
        )
        aws.s3.Bucket("b", opts=pulumi.ResourceOptions(provider=provider))

    plan = plan_recording(record(program))
    assert "pulumi:providers:aws tagged  default tags [team=ml-team]" in render_table(plan)
    assert status_of(plan, "b").missing == ["project", "environment", "cost-center", "owner"]


def test_the_pack_and_the_plan_build_the_same_default_provider(tmp_path: Path) -> None:
    """Both take the default provider's props from the config the program was recorded with."""
    recording = record_stack(project_with_defaults(tmp_path), "dev")
    [bucket] = [spec for spec in resource_specs(recording) if spec.name == "logs"]
    assert bucket.provider is not None
    assert bucket.provider.properties == default_provider_properties("aws", recording.config)
    assert json.loads(bucket.provider.properties["defaultTags"]) == {"tags": TAGS}
