"""Kubernetes manifests from recorded resources: the object the provider would send to the cluster.

A recorded ``kubernetes:<group>/<version>:<Kind>`` resource holds the program's inputs in wire
form. The Kubernetes provider turns them into an object in its ``Check`` step
(pulumi-kubernetes ``provider/pkg/provider/provider.go``); this module does the same offline,
so the objects can be validated against the Kubernetes schemas (or written out as YAML):

- ``apiVersion`` and ``kind`` come from the type token (``core/v1`` -> ``v1``, any other
  group keeps its name: ``apps/v1``, ``autoscaling.k8s.io/v1``); the SDK sends the same two as
  inputs, and a disagreement is an error, not a guess.
- ``metadata.name``: an object the program did not name gets ``<resource name>-<8 hex>`` and
  the annotation ``pulumi.com/autonamed: "true"`` (``metadata.AssignNameIfAutonamable``), the
  same name :mod:`thrifty.offline.answers.autoname` answers to the program, so a manifest and
  what its dependents were told agree. ``metadata.namespace`` stays as the program set it; an
  unset one is left unset, and the provider's ``namespace`` setting or the kubeconfig context
  decides, as ``kubectl apply`` does.
- Values as the provider sends them: secrets unwrapped; whole-number floats (every wire number
  is a double) written as integers, as Go's JSON encoder writes them; ``null`` map entries
  dropped, because the API server treats a null field as unset and prunes nulls from custom
  resources before validating them (apiextensions-apiserver
  ``schema/defaulting`` ``PruneNonNullableNullsWithoutDefaults``).
- Values unknown during preview keep the engine's sentinel and are listed in
  :attr:`Manifest.unknown`, so a validator can say which fields it could not check instead of
  failing them or passing them silently.

Some ``kubernetes:`` resources are not objects in the cluster; :func:`kubernetes_objects` lists
them with the reason instead of a manifest: Helm releases (Helm renders the chart in the
cluster), components (a remote one, such as a ``helm.sh/v4`` chart, is expanded by the provider
and its objects are never recorded), patches of existing objects (partial by design) and
``*List`` types, which the provider refuses to create. Knows nothing of thrifty's components:
works on any recording.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pulumi.runtime.rpc import is_rpc_secret, unwrap_rpc_secret

from thrifty.offline.answers.autoname import autonamed
from thrifty.offline.recording import RecordedResource, Recording
from thrifty.preview import is_unknown

PACKAGE = "kubernetes"
#: The annotation the provider puts on every object it named (``metadata/annotations.go``).
AUTONAMED_ANNOTATION = "pulumi.com/autonamed"
#: Remote components (``remote=True`` in the SDK): the provider expands them into objects itself,
#: so under the mock engine their objects are never registered. The older ``helm.sh/v3:Chart``,
#: ``yaml:ConfigFile`` ... are local components whose objects the SDK registers as children.
_PROVIDER_EXPANDED_MODULES = frozenset({"helm.sh/v4", "yaml/v2", "kustomize/v2"})

#: A field's place in a manifest: keys and list indexes from the root.
FieldPath = tuple[str | int, ...]


class ManifestError(ValueError):
    """A recorded resource cannot be turned into a Kubernetes object; the message says why."""


@dataclass(frozen=True)
class Manifest:
    """One Kubernetes object as the provider would apply it, with where it came from."""

    resource_type: str
    resource_name: str
    urn: str
    body: dict[str, Any]
    #: Fields whose value was unknown during preview (they hold the engine's sentinel).
    unknown: tuple[FieldPath, ...] = ()

    @property
    def api_version(self) -> str:
        return str(self.body["apiVersion"])

    @property
    def kind(self) -> str:
        return str(self.body["kind"])

    @property
    def metadata(self) -> dict[str, Any]:
        metadata = self.body.get("metadata")
        return metadata if isinstance(metadata, dict) else {}

    @property
    def name(self) -> str:
        return str(self.metadata.get("name", ""))

    @property
    def namespace(self) -> str:
        return str(self.metadata.get("namespace", ""))

    def describe(self) -> str:
        """``Deployment staging/churn-predictor (resource churn-predictor-deployment)``."""
        where = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return f"{self.kind} {where} (resource {self.resource_name})"


@dataclass(frozen=True)
class NotAnObject:
    """A ``kubernetes:`` resource that is no object in the cluster, and why."""

    resource_type: str
    resource_name: str
    urn: str
    reason: str


@dataclass(frozen=True)
class KubernetesObjects:
    """What a recording holds for Kubernetes: the objects, and the resources that are none."""

    manifests: list[Manifest]
    not_objects: list[NotAnObject]


def field_path(path: FieldPath) -> str:
    """``("spec", "containers", 0, "image")`` -> ``spec.containers[0].image``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "(root)"


def api_version(type_token: str) -> str:
    """The ``apiVersion`` of a Kubernetes type token (``kubernetes:core/v1:Pod`` -> ``v1``)."""
    package, module, _ = _token_parts(type_token)
    if package != PACKAGE or "/" not in module:
        raise ManifestError(
            f"{type_token!r} is not a Kubernetes object type "
            "(expected kubernetes:<group>/<version>:<Kind>)"
        )
    group, version = module.split("/", 1)
    return version if group == "core" else module


def kubernetes_objects(recording: Recording) -> KubernetesObjects:
    """Every ``kubernetes:`` resource of a recording as a manifest or as a :class:`NotAnObject`
    (providers are configuration, not objects, and are left out)."""
    manifests: list[Manifest] = []
    not_objects: list[NotAnObject] = []
    for resource in recording:
        if resource.package != PACKAGE or resource.is_provider:
            continue
        reason = not_an_object_reason(resource)
        if reason is None:
            manifests.append(render(resource))
        else:
            not_objects.append(NotAnObject(resource.type, resource.name, resource.urn, reason))
    return KubernetesObjects(manifests, not_objects)


def not_an_object_reason(resource: RecordedResource) -> str | None:
    """Why a ``kubernetes:`` resource is no object in the cluster, or None when it is one."""
    _, module, kind = _token_parts(resource.type)
    if module == "helm.sh/v3" and kind == "Release":
        return (
            "a Helm release: Helm renders and installs the chart in the cluster, so its "
            "objects are not in the recording (its values are checked on their own)"
        )
    if not resource.custom:
        if module in _PROVIDER_EXPANDED_MODULES:
            return (
                "a component the provider expands at deployment: the objects it makes are "
                "not in the recording, so none of them is rendered here"
            )
        return "a component resource, not an object: its objects are recorded as its children"
    if "/" not in module:
        return f"type token {resource.type!r} names no API group and version"
    inputs_kind = resource.inputs.get("kind")
    if kind.endswith("Patch") and inputs_kind == kind.removesuffix("Patch"):
        return (
            f"a patch of an existing {inputs_kind} (server-side apply): partial by design, "
            "not a whole object"
        )
    if kind.endswith("List"):
        return (
            "a List type: the provider refuses to create List resources "
            "(pulumi-kubernetes Check: use the underlying resource type)"
        )
    return None


def render(resource: RecordedResource) -> Manifest:
    """The manifest of a recorded Kubernetes object (see the module docstring for the rules)."""
    expected_version = api_version(resource.type)
    expected_kind = _token_parts(resource.type)[2]
    for key, expected in (("apiVersion", expected_version), ("kind", expected_kind)):
        recorded = resource.inputs.get(key, expected)
        if recorded != expected:
            raise ManifestError(
                f"{resource.type} {resource.name!r}: input {key}={recorded!r} disagrees with "
                f"the type token, which says {expected!r}"
            )
    inputs = {**resource.inputs, **_auto_name(resource)}
    unknown: list[FieldPath] = []
    body = _wire_value(inputs, (), unknown)
    body["apiVersion"], body["kind"] = expected_version, expected_kind
    return Manifest(resource.type, resource.name, resource.urn, body, tuple(unknown))


def _auto_name(resource: RecordedResource) -> dict[str, Any]:
    """``metadata`` with the provider's auto-name added, or ``{}`` when it needs none."""
    return autonamed(resource.type, resource.name, resource.inputs)


def _plain(value: object) -> object:
    return unwrap_rpc_secret(value) if is_rpc_secret(value) else value


def _wire_value(value: object, path: FieldPath, unknown: list[FieldPath]) -> Any:
    """A wire value as the provider sends it to the API server (see the module docstring)."""
    value = _plain(value)
    if is_unknown(value):
        unknown.append(path)
        return value
    if isinstance(value, Mapping):
        return {
            str(key): _wire_value(item, (*path, str(key)), unknown)
            for key, item in value.items()
            if _plain(item) is not None
        }
    if isinstance(value, list):
        return [_wire_value(item, (*path, index), unknown) for index, item in enumerate(value)]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _token_parts(type_token: str) -> tuple[str, str, str]:
    parts = type_token.split(":")
    if len(parts) != 3:
        raise ManifestError(f"{type_token!r} is not a type token (package:module:Kind)")
    return parts[0], parts[1], parts[2]
