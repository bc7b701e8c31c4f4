"""Every Kubernetes object of the reference stacks, rendered from its recorded inputs, is valid.

Built-in kinds against the strict schemas of Kubernetes 1.37 (kubernetes-validate), custom
resources against their published CRDs (tests/fixtures/crds). The stacks are recorded as
``pulumi preview`` runs; objects are rendered by :mod:`thrifty.offline.manifests` and judged by
:mod:`tests.k8s_schema`. The unit tests below prove both halves on programs recorded through the
real SDK and on hand-written objects shaped like the components' VPA and PrometheusRule, and
prove that the validator rejects what the API server rejects.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from functools import cache
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import pytest

from tests.conftest import REPO_ROOT
from tests.k8s_schema import (
    KUBERNETES_VERSION,
    NoSchemaError,
    Verdict,
    crd_schemas,
    schema_for,
    validate_manifest,
)
from thrifty.monitoring.component import CostMonitoringArgs, plan_monitoring
from thrifty.offline.manifests import (
    AUTONAMED_ANNOTATION,
    Manifest,
    ManifestError,
    api_version,
    kubernetes_objects,
    render,
)
from thrifty.offline.recording import RecordedResource, Recording, record_program, record_stack
from thrifty.preview import UNKNOWN
from thrifty.tags import CostTags

STACKS = sorted(path.name.removeprefix("Pulumi.").removesuffix(".yaml")
                for path in (REPO_ROOT / "stacks").glob("Pulumi.*.yaml"))  # fmt: skip
RELEASE = "kubernetes:helm.sh/v3:Release"
VPA = "kubernetes:autoscaling.k8s.io/v1:VerticalPodAutoscaler"
RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
TAGS = CostTags(
    project="churn-predictor",
    environment="production",
    team="ml-team",
    cost_center="engineering",
    owner="ml-team@company.com",
)


@cache
def stack_recording(stack: str) -> Recording:
    return record_stack(REPO_ROOT, stack)


def manifests_of(program: Callable[[], None]) -> dict[str, Manifest]:
    """The rendered objects of a program recorded through the real SDK, by resource name."""
    objects = kubernetes_objects(record_program(program))
    return {manifest.resource_name: manifest for manifest in objects.manifests}


def manifest(body: dict[str, Any], unknown: tuple[tuple[str | int, ...], ...] = ()) -> Manifest:
    """A hand-written object, as if rendered (for the validator's own tests)."""
    return Manifest(f"kubernetes:{body['apiVersion']}:{body['kind']}", "test", "urn:test", body,
                    unknown)  # fmt: skip


def errors_of(verdict: Verdict) -> str:
    return "\n".join(str(problem) for problem in verdict.errors)


# --- the reference stacks ---------------------------------------------------------------------


def test_every_reference_stack_is_covered() -> None:
    assert {"dev", "staging", "production", "gcp-dev", "azure-dev"} <= set(STACKS)


@pytest.mark.parametrize("stack", STACKS)
def test_every_kubernetes_object_of_the_stack_is_schema_valid(stack: str) -> None:
    objects = kubernetes_objects(stack_recording(stack))
    unexpected = [item for item in objects.not_objects if item.resource_type != RELEASE]
    assert not unexpected, "Kubernetes resources that were not validated:\n" + "\n".join(
        f"{item.resource_type} {item.resource_name}: {item.reason}" for item in unexpected
    )
    assert objects.manifests, f"{stack} creates no Kubernetes object"
    verdicts = [validate_manifest(item) for item in objects.manifests]
    kinds = Counter(verdict.manifest.kind for verdict in verdicts)
    schemas = sorted({verdict.schema for verdict in verdicts})
    summary = (
        f"{stack}: {len(verdicts)} objects validated: "
        + ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items()))
        + f"; against {'; '.join(schemas)}; Helm releases not validated as objects: "
        + (", ".join(item.resource_name for item in objects.not_objects) or "none")
    )
    print(summary)
    for verdict in verdicts:
        if verdict.not_checked:
            print(verdict.report())
    failures = [verdict.report() for verdict in verdicts if not verdict.ok]
    assert not failures, summary + "\n" + "\n".join(failures)
    cel = [v.report() for v in verdicts if any("CEL rule" in p.message for p in v.not_checked)]
    assert not cel, "CEL rules apply that these tests cannot evaluate:\n" + "\n".join(cel)
    unnamed = [
        v.manifest.describe()
        for v in verdicts
        if not v.manifest.name and ("metadata",) not in v.manifest.unknown
    ]
    assert not unnamed, f"objects without a name: {unnamed}"


# --- rendering --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("kubernetes:core/v1:ConfigMap", "v1"),
        ("kubernetes:apps/v1:Deployment", "apps/v1"),
        ("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "rbac.authorization.k8s.io/v1"),
        ("kubernetes:autoscaling.k8s.io/v1:VerticalPodAutoscaler", "autoscaling.k8s.io/v1"),
        ("kubernetes:monitoring.coreos.com/v1:PrometheusRule", "monitoring.coreos.com/v1"),
    ],
)
def test_api_version_comes_from_the_type_token(token: str, expected: str) -> None:
    assert api_version(token) == expected


@pytest.mark.parametrize("token", ["aws:s3/bucket:Bucket", "kubernetes:yaml:ConfigFile", "Pod"])
def test_a_token_that_names_no_kubernetes_object_is_an_error(token: str) -> None:
    with pytest.raises(ManifestError, match=re.escape(repr(token))):
        api_version(token)


def test_unnamed_objects_get_the_providers_auto_name_the_program_was_told() -> None:
    def program() -> None:
        namespace = k8s.core.v1.Namespace("team")
        k8s.core.v1.ConfigMap("settings", metadata={"namespace": namespace.metadata.name})
        k8s.apiextensions.CustomResource(
            "right-sizing",
            api_version="autoscaling.k8s.io/v1",
            kind="VerticalPodAutoscaler",
            spec={"targetRef": {"kind": "Deployment", "name": "web"}},
        )
        k8s.core.v1.ConfigMap("named", metadata={"name": "fixed", "namespace": "default"})

    objects = manifests_of(program)
    namespace, settings = objects["team"], objects["settings"]
    assert re.fullmatch(r"team-[0-9a-f]{8}", namespace.name)
    assert settings.namespace == namespace.name  # what the mocks answered the program
    vpa = objects["right-sizing"]
    assert (vpa.api_version, vpa.kind) == ("autoscaling.k8s.io/v1", "VerticalPodAutoscaler")
    assert re.fullmatch(r"right-sizing-[0-9a-f]{8}", vpa.name)
    for autonamed in (namespace, settings, vpa):
        assert autonamed.metadata["annotations"] == {AUTONAMED_ANNOTATION: "true"}
    assert objects["named"].metadata == {"name": "fixed", "namespace": "default"}
    assert manifests_of(program)["right-sizing"].name == vpa.name, "the suffix is fixed"


def test_values_are_rendered_as_the_provider_sends_them() -> None:
    def program() -> None:
        k8s.core.v1.ConfigMap(
            "cm",
            metadata={"name": "cm", "labels": {"gone": None}},
            data={"token": pulumi.Output.secret("s3cret"), "plain": "x"},
        )
        k8s.autoscaling.v2.HorizontalPodAutoscaler(
            "hpa",
            metadata={"name": "hpa"},
            spec={
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                "minReplicas": 2,
                "maxReplicas": 10,
            },
        )

    objects = manifests_of(program)
    assert objects["cm"].body["data"] == {"token": "s3cret", "plain": "x"}
    assert objects["cm"].metadata == {"name": "cm", "labels": {}}
    spec = objects["hpa"].body["spec"]
    assert (spec["minReplicas"], spec["maxReplicas"]) == (2, 10)
    assert type(spec["minReplicas"]) is int  # 2.0 on the wire, 2 as Go's encoder writes it
    assert validate_manifest(objects["hpa"]).ok


def test_unknown_values_are_listed_and_only_they_go_unchecked() -> None:
    def program() -> None:
        namespace = k8s.core.v1.Namespace("team", metadata={"name": "team"})
        k8s.apps.v1.Deployment(
            "web",
            metadata={"name": "web", "namespace": "team"},
            spec={
                "replicas": namespace.status.apply(lambda _: 3),  # unknown during preview
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "web", "image": "web:1", "port": 80}]},
                },
            },
        )

    web = manifests_of(program)["web"]
    assert web.unknown == (("spec", "replicas"),)
    assert web.body["spec"]["replicas"] == UNKNOWN
    verdict = validate_manifest(web)
    assert [str(p) for p in verdict.not_checked] == [
        "spec.replicas: unknown during preview: not checkable"
    ]
    # The unknown integer is not failed as a string, and the real error next to it is found.
    assert errors_of(verdict) == (
        "spec.template.spec.containers[0]: Additional properties are not allowed "
        "('port' was unexpected)"
    )


def test_resources_that_are_no_objects_are_named_with_the_reason() -> None:
    def program() -> None:
        k8s.helm.v3.Release("autoscaler", chart="cluster-autoscaler")
        k8s.helm.v4.Chart("stack", chart="kube-prometheus-stack")
        k8s.apps.v1.DeploymentPatch("scale", metadata={"name": "web"}, spec={"replicas": 1})
        k8s.core.v1.ConfigMapList("list", items=[{"metadata": {"name": "a"}}])
        k8s.core.v1.ConfigMap("real", metadata={"name": "real"})

    objects = kubernetes_objects(record_program(program))
    assert [item.resource_name for item in objects.manifests] == ["real"]
    reasons = {item.resource_name: item.reason for item in objects.not_objects}
    assert reasons.keys() == {"autoscaler", "stack", "scale", "list"}
    assert reasons["autoscaler"].startswith("a Helm release")
    assert "not in the recording" in reasons["stack"]
    assert reasons["scale"].startswith("a patch of an existing Deployment")
    assert reasons["list"].startswith("a List type")


def test_inputs_that_contradict_the_type_token_are_an_error() -> None:
    resource = RecordedResource(
        type="kubernetes:apps/v1:Deployment",
        name="web",
        urn="urn:test",
        parent="",
        custom=True,
        inputs={"apiVersion": "apps/v1", "kind": "StatefulSet"},
    )
    with pytest.raises(ManifestError, match=r"input kind='StatefulSet' disagrees .* 'Deployment'"):
        render(resource)


# --- the validator bites: built-in kinds -------------------------------------------------------


def deployment(**spec_changes: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "replicas": 2,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {
                "containers": [
                    {
                        "name": "web",
                        "image": "web:1",
                        "resources": {
                            "requests": {"cpu": "100m", "memory": "256Mi"},
                            "limits": {"cpu": "500m", "memory": "512Mi"},
                        },
                    }
                ]
            },
        },
    }
    spec.update(spec_changes)
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": spec,
    }


def test_a_valid_deployment_passes() -> None:
    verdict = validate_manifest(manifest(deployment()))
    assert verdict.ok and not verdict.not_checked
    assert verdict.schema.startswith(f"Kubernetes {KUBERNETES_VERSION} ")


def test_a_wrong_field_type_fails() -> None:
    verdict = validate_manifest(manifest(deployment(replicas="two")))
    assert errors_of(verdict) == "spec.replicas: 'two' is not of type 'integer', 'null'"


def test_an_unknown_field_fails() -> None:
    verdict = validate_manifest(manifest(deployment(replicaz=2)))
    assert errors_of(verdict) == (
        "spec: Additional properties are not allowed ('replicaz' was unexpected)"
    )


def test_a_missing_required_field_fails() -> None:
    body = deployment()
    del body["spec"]["selector"]
    assert errors_of(validate_manifest(manifest(body))) == "spec: 'selector' is a required property"


# --- custom resources --------------------------------------------------------------------------


def vpa(update_mode: str = "Off", **spec_changes: Any) -> dict[str, Any]:
    """A VerticalPodAutoscaler shaped like the Workload component's: recommendations only."""
    spec: dict[str, Any] = {
        "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "churn-predictor"},
        "updatePolicy": {"updateMode": update_mode},
        "resourcePolicy": {
            "containerPolicies": [
                {
                    "containerName": "*",
                    "controlledResources": ["cpu", "memory"],
                    "controlledValues": "RequestsAndLimits",
                    "minAllowed": {"cpu": "50m", "memory": "128Mi"},
                    "maxAllowed": {"cpu": 2, "memory": "2Gi"},
                }
            ]
        },
    }
    spec.update(spec_changes)
    return {
        "apiVersion": "autoscaling.k8s.io/v1",
        "kind": "VerticalPodAutoscaler",
        "metadata": {"name": "churn-predictor", "namespace": "ml", "labels": {"team": "ml-team"}},
        "spec": spec,
    }


def prometheus_rule(groups: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A PrometheusRule shaped like the monitoring component's: recording rules and alerts."""
    default_groups = [
        {
            "name": "cost.recording",
            "interval": "5m",
            "rules": [
                {
                    "record": "namespace:compute_cost_per_hour:sum",
                    "expr": "sum by (namespace) (node_total_hourly_cost)",
                }
            ],
        },
        {
            "name": "cost.alerts",
            "rules": [
                {
                    "alert": "CostMetricsAbsent",
                    "expr": "absent(node_total_hourly_cost)",
                    "for": "15m",
                    "labels": {"severity": "warning"},
                    "annotations": {"summary": "OpenCost exports no cost metrics"},
                }
            ],
        },
    ]
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": "cost", "namespace": "monitoring", "labels": {"release": "kps"}},
        "spec": {"groups": default_groups if groups is None else groups},
    }


def test_the_vendored_crds_define_the_kinds_the_components_create() -> None:
    assert {
        ("autoscaling.k8s.io", "v1", "VerticalPodAutoscaler"),
        ("monitoring.coreos.com", "v1", "PrometheusRule"),
        ("monitoring.coreos.com", "v1", "PodMonitor"),
    } <= set(crd_schemas())


@pytest.mark.parametrize("mode", ["Off", "Initial", "Recreate", "InPlaceOrRecreate", "Auto"])
def test_a_recommendation_only_vpa_and_the_other_published_modes_pass(mode: str) -> None:
    verdict = validate_manifest(manifest(vpa(mode)))
    assert verdict.ok, errors_of(verdict)
    assert verdict.schema == (
        "CRD verticalpodautoscalers.autoscaling.k8s.io v1 (vpa-v1-crd-gen.yaml)"
    )


def test_a_vpa_with_an_invalid_update_mode_fails() -> None:
    verdict = validate_manifest(manifest(vpa("Sometimes")))
    assert errors_of(verdict).startswith("spec.updatePolicy.updateMode: 'Sometimes' is not one of")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"updatePolicy": {"updateMode": "Off", "mode": "Off"}},
         "spec.updatePolicy: Additional properties are not allowed ('mode' was unexpected)"),
        ({"targetRef": {"name": "web"}}, "spec.targetRef: 'kind' is a required property"),
        ({"updatePolicy": {"minReplicas": "2"}},
         "spec.updatePolicy.minReplicas: '2' is not of type 'integer'"),
        ({"resourcePolicy": {"containerPolicies": [{"minAllowed": {"cpu": "lots"}}]}},
         "spec.resourcePolicy.containerPolicies[0].minAllowed.cpu: 'lots' does not match"),
        ({"resourcePolicy": {"containerPolicies": [{"minAllowed": {"cpu": 0.5}}]}},
         "spec.resourcePolicy.containerPolicies[0].minAllowed.cpu: 0.5 is not valid under any"),
    ],
)  # fmt: skip
def test_the_vpa_crd_rejects_what_the_api_server_rejects(
    change: dict[str, Any], expected: str
) -> None:
    assert errors_of(validate_manifest(manifest(vpa(**change)))).startswith(expected)


def test_unknown_metadata_fields_of_a_custom_resource_fail_as_objectmeta() -> None:
    body = vpa()
    body["metadata"]["label"] = {"team": "ml-team"}
    assert errors_of(validate_manifest(manifest(body))) == (
        "metadata: Additional properties are not allowed ('label' was unexpected)"
    )


def test_cel_rules_that_apply_are_reported_as_not_checked() -> None:
    verdict = validate_manifest(
        manifest(vpa(startupBoost={"cpu": {"type": "Factor", "factor": 2}}))
    )
    assert verdict.ok
    cel = [str(problem) for problem in verdict.not_checked]
    assert len(cel) == 2 and all(p.startswith("spec.startupBoost.cpu: CEL rule") for p in cel)
    assert not validate_manifest(manifest(vpa())).not_checked


def test_preserve_unknown_fields_keeps_a_node_open() -> None:
    """A checkpoint's histogram ``bucketWeights`` is ``x-kubernetes-preserve-unknown-fields``."""
    body = {
        "apiVersion": "autoscaling.k8s.io/v1",
        "kind": "VerticalPodAutoscalerCheckpoint",
        "metadata": {"name": "c"},
        "status": {"cpuHistogram": {"bucketWeights": {"3": 10000, "7": 3}, "totalWeight": 1.5}},
    }
    assert validate_manifest(manifest(body)).ok
    body["status"]["cpuHistogram"]["totalWeigth"] = 1  # type: ignore[index]
    assert "('totalWeigth' was unexpected)" in errors_of(validate_manifest(manifest(body)))


def test_a_prometheus_rule_shaped_like_the_monitoring_components_passes() -> None:
    verdict = validate_manifest(manifest(prometheus_rule()))
    assert verdict.ok, errors_of(verdict)


@pytest.mark.parametrize(
    ("groups", "expected"),
    [
        ([{"name": "a", "rules": [{"record": "x"}]}],
         "spec.groups[0].rules[0]: 'expr' is a required property"),
        ([{"name": "a", "rules": []}, {"name": "a", "rules": []}],
         "spec.groups: item 1 repeats {'name': 'a'} in a list of type 'map' keyed by ['name']"),
        ([{"name": "a", "rules": [{"alert": "A", "expr": "up", "for": "soon"}]}],
         "spec.groups[0].rules[0].for: 'soon' does not match"),
        ([{"name": "a", "rules": [{"alert": "A", "expr": "up", "severity": "page"}]}],
         "spec.groups[0].rules[0]: Additional properties are not allowed ('severity'"),
    ],
)  # fmt: skip
def test_the_prometheus_rule_crd_rejects_what_the_api_server_rejects(
    groups: list[dict[str, Any]], expected: str
) -> None:
    assert errors_of(validate_manifest(manifest(prometheus_rule(groups)))).startswith(expected)


def pod_monitor(**endpoint: Any) -> dict[str, Any]:
    """A PodMonitor shaped like the monitoring component's scrape of the services' metrics."""
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PodMonitor",
        "metadata": {"name": "services", "namespace": "monitoring", "labels": {"release": "kps"}},
        "spec": {
            "namespaceSelector": {"any": True},
            "selector": {"matchLabels": {"app.kubernetes.io/name": "churn-predictor"}},
            "podMetricsEndpoints": [{"port": "http", "path": "/metrics", **endpoint}],
        },
    }


def test_a_pod_monitor_shaped_like_the_monitoring_components_passes() -> None:
    verdict = validate_manifest(manifest(pod_monitor(interval="30s")))
    assert verdict.ok, errors_of(verdict)


@pytest.mark.parametrize(
    ("endpoint", "expected"),
    [
        ({"interval": "often"}, "spec.podMetricsEndpoints[0].interval: 'often' does not match"),
        ({"scheme": "gopher"}, "spec.podMetricsEndpoints[0].scheme: 'gopher' is not one of"),
        ({"metricsPath": "/m"},
         "spec.podMetricsEndpoints[0]: Additional properties are not allowed ('metricsPath'"),
    ],
)  # fmt: skip
def test_the_pod_monitor_crd_rejects_what_the_api_server_rejects(
    endpoint: dict[str, Any], expected: str
) -> None:
    assert errors_of(validate_manifest(manifest(pod_monitor(**endpoint)))).startswith(expected)


def test_custom_resources_recorded_through_the_sdk_render_and_validate() -> None:
    """The whole path on a program: CustomResource inputs -> manifest -> CRD schema."""
    vpa_body, rule_body = vpa(), prometheus_rule()

    def program() -> None:
        for name, body in (("vpa", vpa_body), ("rule", rule_body)):
            k8s.apiextensions.CustomResource(
                name,
                api_version=body["apiVersion"],
                kind=body["kind"],
                metadata=body["metadata"],
                spec=body["spec"],
            )
        thrifty_rule = plan_monitoring(
            "costs", CostMonitoringArgs(tags=TAGS, monthly_budget_usd=5000)
        ).rule
        k8s.apiextensions.CustomResource(
            "costs",
            api_version=thrifty_rule["apiVersion"],
            kind=thrifty_rule["kind"],
            metadata=thrifty_rule["metadata"],
            spec=thrifty_rule["spec"],
        )

    recording = record_program(program)
    objects = manifests_of(program)
    assert {m.resource_type for m in objects.values()} == {VPA, RULE}
    assert len(recording.of_type(RULE)) == 2  # the hand-written one and thrifty's own
    for rendered in objects.values():
        verdict = validate_manifest(rendered)
        assert verdict.ok and not verdict.not_checked, verdict.report()
    assert objects["vpa"].body == vpa_body
    assert objects["rule"].body == rule_body


def test_a_kind_without_a_schema_fails_with_a_clear_message() -> None:
    with pytest.raises(NoSchemaError, match=r"no schema for ServiceMonitor \(monitoring\.coreos"
                       r"\.com/v1\).*vendor the CRD"):  # fmt: skip
        schema_for("monitoring.coreos.com/v1", "ServiceMonitor")


def test_a_crd_version_that_is_not_served_has_no_schema() -> None:
    with pytest.raises(NoSchemaError, match="VerticalPodAutoscaler"):
        schema_for("autoscaling.k8s.io/v1beta2", "VerticalPodAutoscaler")


def test_a_custom_group_is_not_mistaken_for_a_built_in_one() -> None:
    """``autoscaling.k8s.io/v1`` shares kubernetes-validate's file prefix with the built-in
    ``autoscaling/v1``: a HorizontalPodAutoscaler under the custom group has no schema."""
    with pytest.raises(NoSchemaError):
        schema_for("autoscaling.k8s.io/v1", "HorizontalPodAutoscaler")
    assert schema_for("autoscaling/v1", "HorizontalPodAutoscaler").builtin
