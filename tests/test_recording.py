"""The recording engine and the reference stacks recorded through it."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pytest

from tests.conftest import REFERENCE_STACKS, REPO_ROOT
from thrifty.config import validate_environment_config
from thrifty.offline.project import ProjectError, load_project
from thrifty.offline.recording import Recording, record_program, record_stack
from thrifty.taggable import tag_path, tags_of
from thrifty.tags import COST_TAG_KEYS, CostTags

RENDERINGS = {
    "aws": CostTags.aws,
    "gcp": CostTags.gcp,
    "azure-native": CostTags.azure,
    "kubernetes": CostTags.kubernetes,
}


@pytest.fixture(scope="module")
def recordings() -> dict[str, Recording]:
    return {stack: record_stack(REPO_ROOT, stack) for stack in REFERENCE_STACKS}


def expected_tags(stack: str) -> CostTags:
    project = load_project(REPO_ROOT)
    return validate_environment_config(project.stack_config(stack), stack=stack).cost_tags()


@pytest.mark.parametrize("stack", REFERENCE_STACKS)
def test_every_taggable_resource_carries_the_five_cost_keys(
    recordings: dict[str, Recording], stack: str
) -> None:
    tags = expected_tags(stack)
    taggable = [
        r
        for r in recordings[stack]
        if r.custom and not r.is_provider and tag_path(r.type) is not None
    ]
    assert taggable, f"stack {stack} registered nothing taggable"
    for resource in taggable:
        rendered = RENDERINGS[resource.package](tags)
        carried = tags_of(resource.type, resource.inputs) or {}
        wanted = {key: rendered[key] for key in COST_TAG_KEYS}
        got = {key: carried.get(key) for key in COST_TAG_KEYS}
        assert got == wanted, f"{resource.urn} tags {carried}"


@pytest.mark.parametrize("stack", REFERENCE_STACKS)
def test_every_resource_belongs_to_a_component(
    recordings: dict[str, Recording], stack: str
) -> None:
    """stacks/ declares no resource directly: each cloud resource's parent is a component,
    and each component hangs off the stack or another component."""
    recording = recordings[stack]
    components = {r.urn for r in recording if not r.custom}
    assert components
    for resource in recording:
        if resource.custom:
            assert resource.parent in components, f"{resource.urn} parent {resource.parent}"
        else:
            assert resource.parent in components | {recording.stack_urn}, resource.urn


@pytest.mark.parametrize("stack", REFERENCE_STACKS)
def test_cloud_resources_use_an_explicit_provider(
    recordings: dict[str, Recording], stack: str
) -> None:
    recording = recordings[stack]
    for resource in recording:
        if resource.custom and not resource.is_provider:
            provider = recording.provider_of(resource)
            assert provider is not None and provider.is_provider, resource.urn


def test_stacks_recorded_in_one_process_do_not_leak(recordings: dict[str, Recording]) -> None:
    again = record_stack(REPO_ROOT, "dev")
    assert sorted(r.urn for r in again) == sorted(r.urn for r in recordings["dev"])
    for stack, recording in recordings.items():
        assert all(f"urn:pulumi:{stack}::thrifty-platform::" in r.urn for r in recording)
        environment = expected_tags(stack).environment
        envs = {
            (tags_of(r.type, r.inputs) or {}).get("environment")
            for r in recording
            if r.custom and tag_path(r.type)
        }
        assert envs == {RENDERINGS["aws"](expected_tags(stack))["environment"]} == {environment}


def test_recording_keeps_the_whole_request() -> None:
    def program() -> None:
        provider = aws.Provider("p", region="eu-west-1")
        component = pulumi.ComponentResource("test:index:Box", "box")
        first = aws.s3.Bucket(
            "first",
            tags={"a": "1"},
            opts=pulumi.ResourceOptions(parent=component, provider=provider),
        )
        aws.s3.Bucket(
            "second",
            force_destroy=False,
            opts=pulumi.ResourceOptions(
                parent=component,
                provider=provider,
                protect=True,
                retain_on_delete=True,
                ignore_changes=["tags"],
                depends_on=[first],
                custom_timeouts=pulumi.CustomTimeouts(create="5m"),
            ),
        )

    recording = record_program(program, project="p", stack="s")
    (box,) = recording.of_type("test:index:Box")
    buckets = {r.name: r for r in recording.of_type("aws:s3/bucket:Bucket")}
    first, second = buckets["first"], buckets["second"]
    assert not box.custom and first.custom
    assert first.parent == box.urn and second.parent == box.urn
    assert first.urn == "urn:pulumi:s::p::test:index:Box$aws:s3/bucket:Bucket::first"
    assert first.inputs == {"tags": {"a": "1"}}
    assert second.inputs == {"forceDestroy": False}
    assert second.protect and second.retain_on_delete
    assert second.ignore_changes == ("tags",)
    assert first.urn in second.dependencies
    assert second.custom_timeouts == {"create": "5m"}
    assert recording.provider_of(second) is recording.of_type("pulumi:providers:aws")[0]
    assert not first.protect and first.ignore_changes == ()


def test_program_errors_propagate_or_are_kept() -> None:
    def program() -> None:
        aws.s3.Bucket("made-before-failure")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        record_program(program)
    kept = record_program(program, raise_errors=False)
    assert isinstance(kept.error, RuntimeError)
    assert [r.name for r in kept] == ["made-before-failure"]


def test_preview_is_the_default_and_visible_to_programs() -> None:
    seen: list[bool] = []
    default = record_program(lambda: seen.append(pulumi.runtime.is_dry_run()))
    up = record_program(lambda: seen.append(pulumi.runtime.is_dry_run()), preview=False)
    assert seen == [True, False]
    assert default.preview and not up.preview


def test_config_reaches_the_program() -> None:
    seen: list[str] = []
    record_program(
        lambda: seen.append(pulumi.Config("demo").require("colour")),
        config={"demo:colour": "green"},
    )
    record_program(lambda: seen.append(str(pulumi.Config("demo").get("colour"))), config={})
    assert seen == ["green", "None"]


def test_unknown_stack_and_non_project_are_clear_errors(tmp_path: object) -> None:
    with pytest.raises(ProjectError, match=r"unknown stack 'nope'.*stacks in .*dev"):
        record_stack(REPO_ROOT, "nope")
    with pytest.raises(ProjectError, match=r"no Pulumi\.yaml"):
        record_stack(REPO_ROOT / "tests", "dev")


def test_an_invoke_without_an_offline_answer_names_its_token() -> None:
    def program() -> None:
        pulumi.runtime.invoke("nosuch:index/getThing:getThing", {"name": "x"})

    with pytest.raises(
        Exception, match=r"no offline answer for invoke 'nosuch:index/getThing:getThing'"
    ):
        record_program(program)


def test_plan_formats_show_the_programs_warnings() -> None:
    from thrifty.offline.plan import plan_recording
    from thrifty.offline.report import render

    def program() -> None:
        aws.s3.Bucket("b")
        pulumi.log.warn("quarterly limit is slack")

    plan = plan_recording(record_program(program))
    assert plan.recording.get(plan.resources[0].urn) is plan.resources[0]
    for output_format in ("table", "markdown"):
        assert "warning: quarterly limit is slack" in render(plan, output_format)
    assert "quarterly limit is slack" in render(plan, "json")
