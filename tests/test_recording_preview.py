"""Recording runs a program as ``pulumi preview`` does by default; ``preview=False`` as ``up``."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s
import pytest
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs, Mocks

from tests.test_cli import run_plan
from thrifty.offline.analyzer_client import analyze_recording
from thrifty.offline.policy_step import bundled_pack_dir
from thrifty.offline.recording import record_program

#: What the SDK serializes for an input that is unknown during preview.
UNKNOWN = rpc.UNKNOWN
assert UNKNOWN == "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


class InputsOnly(Mocks):
    """A provider that knows nothing beyond the inputs: every computed output is left out."""

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        return {}


def arn_program() -> None:
    bucket = aws.s3.Bucket("site")
    aws.s3.BucketPolicy(
        "site-policy",
        bucket="site",
        policy=bucket.arn.apply(lambda arn: json.dumps({"Resource": arn.upper()})),
    )


def load_balancer_program() -> None:
    service = k8s.core.v1.Service(
        "web",
        spec={"type": "LoadBalancer", "ports": [{"port": 80}], "selector": {"app": "web"}},
    )
    ip = service.status.apply(lambda status: status.load_balancer.ingress[0].ip)
    k8s.core.v1.ConfigMap("endpoint", data={"ip": ip})
    pulumi.export("ip", ip)


def test_an_input_built_from_a_computed_output_is_unknown_in_preview() -> None:
    recording = record_program(arn_program, mocks=InputsOnly())
    assert recording.error is None
    (policy,) = recording.of_type("aws:s3/bucketPolicy:BucketPolicy")
    assert policy.inputs == {"bucket": "site", "policy": UNKNOWN}


def test_up_semantics_gives_none_for_the_same_output() -> None:
    """Under ``up`` the unanswered ARN is None: the program's ``.upper()`` fails, as it would."""
    recording = record_program(arn_program, mocks=InputsOnly(), preview=False, raise_errors=False)
    assert isinstance(recording.error, AttributeError)
    assert "upper" in str(recording.error)
    assert [r.name for r in recording] == ["site"]


def test_a_load_balancer_ip_is_unknown_in_preview_with_the_offline_answers() -> None:
    recording = record_program(load_balancer_program)
    assert recording.error is None
    (config_map,) = recording.of_type("kubernetes:core/v1:ConfigMap")
    assert config_map.inputs["data"] == {"ip": UNKNOWN}
    assert recording.outputs == {"ip": UNKNOWN}


def test_the_same_program_crashes_under_up_semantics_without_an_answer() -> None:
    """Why preview is the default: real programs read what only the cloud knows, and under
    ``up`` semantics every output nobody answers is None."""
    recording = record_program(
        load_balancer_program, mocks=InputsOnly(), preview=False, raise_errors=False
    )
    assert isinstance(recording.error, AttributeError)
    assert "load_balancer" in str(recording.error)


def test_up_semantics_with_the_offline_answers_give_the_service_an_address() -> None:
    recording = record_program(load_balancer_program, preview=False)
    (config_map,) = recording.of_type("kubernetes:core/v1:ConfigMap")
    assert config_map.inputs["data"] == {"ip": "203.0.113.10"}


def tagged_by_unknown_program() -> None:
    source = aws.s3.Bucket("source")
    aws.s3.Bucket(
        "copy",
        tags=source.arn.apply(
            lambda arn: {
                "project": "p",
                "environment": "development",
                "team": "t",
                "cost-center": "c",
                "owner": f"{arn}@example.com",
            }
        ),
    )


def test_the_pack_reports_an_unknown_as_unknown_during_preview_not_as_a_pass() -> None:
    """Over the real gRPC protocol: the tag rule meets unknown tags and says so, advisory,
    as ``pulumi preview`` reports a policy that reads an unknown value."""
    recording = record_program(tagged_by_unknown_program, mocks=InputsOnly())
    (copy,) = [r for r in recording if r.name == "copy"]
    assert copy.inputs["tags"] == UNKNOWN
    analysis = analyze_recording(recording, bundled_pack_dir(), dry_run=recording.preview)
    on_copy = [v for v in analysis.violations if v.urn == copy.urn]
    unknown = [v for v in on_copy if v.policy_name == "required-tags"]
    assert unknown, on_copy
    assert all(v.enforcement_level == "advisory" for v in unknown)
    assert any("during preview" in v.detail for v in unknown), unknown


@pytest.mark.parametrize("preview", [True, False])
def test_known_inputs_are_recorded_the_same_in_both_modes(preview: bool) -> None:
    def program() -> None:
        aws.s3.Bucket("plain", tags={"a": "1"}, force_destroy=False)

    recording = record_program(program, preview=preview)
    assert recording.of_type("aws:s3/bucket:Bucket")[0].inputs == {
        "tags": {"a": "1"},
        "forceDestroy": False,
    }


def test_thrifty_plan_previews_by_default_and_runs_as_up_with_the_option(tmp_path: Path) -> None:
    project = tmp_path / "lb"
    project.mkdir()
    (project / "Pulumi.yaml").write_text("name: lb\nruntime: python\n")
    (project / "Pulumi.dev.yaml").write_text("config: {}\n")
    (project / "__main__.py").write_text(
        textwrap.dedent(
            """\
            import pulumi
            import pulumi_kubernetes as k8s

            spec = {"type": "LoadBalancer", "ports": [{"port": 80}]}
            service = k8s.core.v1.Service("web", spec=spec)
            ip = service.status.apply(lambda s: s.load_balancer.ingress[0].ip)
            k8s.core.v1.ConfigMap("endpoint", data={"ip": ip})
            # What only the cluster knows and no offline answer gives: None under `up`.
            app = k8s.apps.v1.Deployment(
                "app",
                spec={
                    "selector": {"match_labels": {"app": "a"}},
                    "template": {
                        "metadata": {"labels": {"app": "a"}},
                        "spec": {"containers": [{"name": "a", "image": "nginx"}]},
                    },
                },
            )
            pulumi.export("spare", app.status.apply(lambda s: s.ready_replicas + 1))
            """
        )
    )
    args = ("--stack", "dev", "--project-dir", str(project), "--no-policies", "--format", "json")
    preview = run_plan(*args, cwd=tmp_path)
    assert preview.returncode == 0, preview.stderr
    names = {resource["name"] for resource in json.loads(preview.stdout)["resources"]}
    assert {"web", "endpoint"} <= names
    up = run_plan(*args, "--up", cwd=tmp_path)
    assert up.returncode == 3
    assert up.stderr.splitlines() == [
        "thrifty plan: the program of stack 'dev' failed: "
        "AttributeError: 'NoneType' object has no attribute 'ready_replicas'"
    ]
