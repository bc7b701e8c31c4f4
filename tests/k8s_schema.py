"""Validating rendered Kubernetes manifests against the real schemas, for the tests.

- Built-in kinds: the strict JSON schemas of Kubernetes :data:`KUBERNETES_VERSION` that
  kubernetes-validate ships (its ``v<version>-local-strict`` set: unknown fields fail). Every
  error is collected, not only the first, and when no field is unknown the verdict is checked
  against ``kubernetes_validate.validate(manifest, version, strict=True)`` itself, so this module
  can never pass what the library fails or the reverse.
- Custom resources: the ``openAPIV3Schema`` of the served version of the CRDs vendored in
  ``tests/fixtures/crds`` (see SOURCES.md there), read with the structural-schema rules of the
  API server: a field not in ``properties`` fails unless the node has
  ``x-kubernetes-preserve-unknown-fields``; ``nullable``, ``x-kubernetes-int-or-string``,
  ``x-kubernetes-embedded-resource`` and list types ``set`` / ``map`` (unique items / keys) are
  honoured; ``metadata`` is checked as the Kubernetes ObjectMeta. CEL rules
  (``x-kubernetes-validations``) cannot be evaluated here: each one that applies to a value in
  the manifest is reported as not checked, never passed silently.
- A kind with no schema (neither built in nor a vendored CRD) raises :class:`NoSchemaError`.
- Fields unknown during preview: an error at or below such a field is reported as not
  checkable, the rest of the object is validated as usual.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml
from referencing import Registry, Resource

from thrifty.offline.manifests import FieldPath, Manifest, field_path

#: The Kubernetes minor the built-in kinds are validated against: the newest one whose schemas
#: kubernetes-validate 1.37.0 ships (its ``v1.37.0-local-strict``); an older kubernetes-validate
#: lacks them and :func:`schema_for` says so.
KUBERNETES_VERSION = "1.37"
CRD_DIR = Path(__file__).resolve().parent / "fixtures" / "crds"

_SCHEMA_ROOT = importlib.resources.files("kubernetes_validate") / "kubernetes-json-schema"
_STRICT_DIR = f"v{KUBERNETES_VERSION}.0-local-strict"
#: Where kubernetes-validate's strict schemas keep ObjectMeta (their ``$id`` + ``$defs``).
_OBJECT_META = "https://kubernetes.io/api/_definitions.json#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"


class NoSchemaError(LookupError):
    """No schema knows this apiVersion and kind: a new kind must bring its CRD along."""


@dataclass(frozen=True)
class Problem:
    """One finding at one place of a manifest."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass(frozen=True)
class Verdict:
    """What validating one manifest found."""

    manifest: Manifest
    #: Which schema judged it (Kubernetes version, or CRD name, version and file).
    schema: str
    errors: tuple[Problem, ...]
    #: Values that could not be judged: unknown during preview, or guarded by a CEL rule.
    not_checked: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.errors

    def report(self) -> str:
        lines = [f"{self.manifest.describe()} against {self.schema}:"]
        lines += [f"  error {problem}" for problem in self.errors]
        lines += [f"  not checked {problem}" for problem in self.not_checked]
        return "\n".join(lines)


class _CelRuleNotEvaluated(jsonschema.ValidationError):  # type: ignore[misc]
    """A CEL rule applies here; jsonschema cannot run CEL, so this is a note, not an error."""


@dataclass(frozen=True)
class _Schema:
    description: str
    validator: jsonschema.protocols.Validator
    builtin: bool


def validate_manifest(manifest: Manifest) -> Verdict:
    """Every schema error of ``manifest``; raises :class:`NoSchemaError` for an unknown kind."""
    schema = schema_for(manifest.api_version, manifest.kind)
    errors: list[Problem] = []
    not_checked = [
        Problem(field_path(path), "unknown during preview: not checkable")
        for path in manifest.unknown
    ]
    for error in schema.validator.iter_errors(manifest.body):
        path: FieldPath = tuple(error.absolute_path)
        problem = Problem(field_path(path), error.message)
        if isinstance(error, _CelRuleNotEvaluated):
            not_checked.append(problem)
        elif not any(path[: len(unknown)] == unknown for unknown in manifest.unknown):
            errors.append(problem)
    if schema.builtin and not manifest.unknown:
        _agree_with_kubernetes_validate(manifest, errors)
    return Verdict(
        manifest,
        schema.description,
        tuple(sorted(errors, key=str)),
        tuple(sorted(set(not_checked), key=str)),
    )


def schema_for(api_version: str, kind: str) -> _Schema:
    """The schema of a built-in kind of :data:`KUBERNETES_VERSION`, else of a vendored CRD."""
    group, _, version = api_version.rpartition("/")
    builtin = _builtin_schema(group, version, kind)
    if builtin is not None:
        return builtin
    crd = crd_schemas().get((group, version, kind))
    if crd is not None:
        return crd
    raise NoSchemaError(
        f"no schema for {kind} ({api_version}): it is not a built-in kind of Kubernetes "
        f"{KUBERNETES_VERSION} nor a served version of a CRD in {CRD_DIR} "
        f"(vendored: {', '.join(sorted(f'{k} ({g}/{v})' for g, v, k in crd_schemas()))}); "
        "vendor the CRD that defines it and cite it in SOURCES.md there"
    )


def _agree_with_kubernetes_validate(manifest: Manifest, errors: list[Problem]) -> None:
    """kubernetes-validate is the authority for built-in kinds: fail loudly on disagreement."""
    try:
        kubernetes_validate.validate(manifest.body, KUBERNETES_VERSION, strict=True)
        library_error = None
    except kubernetes_validate.ValidationError as error:
        library_error = error
    if (library_error is None) != (not errors):
        raise AssertionError(
            f"{manifest.describe()}: this module found {errors or 'no errors'} but "
            f"kubernetes_validate.validate found {library_error or 'none'}"
        )


# --- built-in kinds ---------------------------------------------------------------------------


def _builtin_schema(group: str, version: str, kind: str) -> _Schema | None:
    """kubernetes-validate's strict schema of a built-in group/version/kind, or None.

    The file is found the way ``kubernetes_validate.validate`` finds it (the first segment of
    the group: ``rbac.authorization.k8s.io/v1`` -> ``rbac-v1``); since that also maps
    ``autoscaling.k8s.io/v1`` onto the built-in ``autoscaling-v1``, the schema's own
    ``x-kubernetes-group-version-kind`` must name the exact group to count.
    """
    contents = _builtin_schema_contents(group, version, kind.lower())
    if contents is None:
        return None
    if {"group": group, "version": version, "kind": kind} not in contents.get(
        "x-kubernetes-group-version-kind", []
    ):
        return None
    validator = jsonschema.Draft202012Validator(
        contents, registry=Resource.from_contents(contents) @ _definitions_registry()
    )
    description = (
        f"Kubernetes {KUBERNETES_VERSION} "
        f"(kubernetes-validate {kubernetes_validate.__version__}, strict)"
    )
    return _Schema(description, validator, builtin=True)


@functools.cache
def _builtin_schema_contents(group: str, version: str, kind: str) -> dict[str, Any] | None:
    group_part = f"{group.split('.', 1)[0]}-" if group else ""
    schema_file = _strict_dir() / f"{kind}-{group_part}{version}.json"
    if not schema_file.is_file():
        return None
    contents: dict[str, Any] = json.loads(schema_file.read_text())
    return contents


def _strict_dir() -> Any:
    directory = _SCHEMA_ROOT / _STRICT_DIR
    if not directory.is_dir():
        raise NoSchemaError(
            f"kubernetes-validate {kubernetes_validate.__version__} has no schemas for "
            f"Kubernetes {KUBERNETES_VERSION} (it ships up to "
            f"{kubernetes_validate.latest_version()}); install kubernetes-validate>="
            f"{KUBERNETES_VERSION}"
        )
    return directory


@functools.cache
def _definitions_registry() -> Registry:
    definitions = json.loads((_strict_dir() / "_definitions.json").read_text())
    return Resource.from_contents(definitions) @ Registry()


# --- custom resources -------------------------------------------------------------------------


@functools.cache
def crd_schemas() -> dict[tuple[str, str, str], _Schema]:
    """(group, version, kind) -> schema, for every served version of every vendored CRD."""
    schemas: dict[tuple[str, str, str], _Schema] = {}
    for crd_file in sorted(CRD_DIR.glob("*.yaml")):
        for document in yaml.safe_load_all(crd_file.read_text()):
            if not document or document.get("kind") != "CustomResourceDefinition":
                continue
            spec = document["spec"]
            group, kind = spec["group"], spec["names"]["kind"]
            for served in (version for version in spec["versions"] if version["served"]):
                key = (group, served["name"], kind)
                if key in schemas:
                    raise ValueError(f"{crd_file.name}: {key} is defined twice in {CRD_DIR}")
                schemas[key] = _crd_schema(
                    served["schema"]["openAPIV3Schema"],
                    f"CRD {document['metadata']['name']} {served['name']} ({crd_file.name})",
                )
    return schemas


def _crd_schema(open_api: Mapping[str, Any], description: str) -> _Schema:
    schema = structural_to_json_schema(open_api)
    properties = schema.setdefault("properties", {})
    # The API server checks metadata itself, as ObjectMeta; a CRD may only narrow it.
    properties["metadata"] = {
        "allOf": [
            {"$ref": _OBJECT_META},
            {
                key: value
                for key, value in properties.get("metadata", {}).items()
                if key != "additionalProperties"
            },
        ]
    }
    validator = _CrdValidator(schema, registry=_definitions_registry())
    return _Schema(description, validator, builtin=False)


def structural_to_json_schema(node: Mapping[str, Any]) -> dict[str, Any]:
    """A CRD's OpenAPI v3 structural schema as JSON Schema with the API server's semantics."""
    out: dict[str, Any] = {
        key: value for key, value in node.items() if key not in ("description", "nullable")
    }
    for key in ("properties", "patternProperties"):
        if key in node:
            out[key] = {name: structural_to_json_schema(sub) for name, sub in node[key].items()}
    for key in ("items", "not"):
        if isinstance(node.get(key), Mapping):
            out[key] = structural_to_json_schema(node[key])
    if isinstance(node.get("additionalProperties"), Mapping):
        out["additionalProperties"] = structural_to_json_schema(node["additionalProperties"])
    for key in ("allOf", "anyOf", "oneOf"):
        if key in node:
            out[key] = [structural_to_json_schema(sub) for sub in node[key]]
    if node.get("nullable") and "type" in node:
        out["type"] = [node["type"], "null"]
    if node.get("x-kubernetes-int-or-string") and not {"anyOf", "oneOf"} & set(node):
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if node.get("x-kubernetes-embedded-resource"):
        embedded = out.setdefault("properties", {})
        embedded.setdefault("apiVersion", {"type": "string"})
        embedded.setdefault("kind", {"type": "string"})
        embedded.setdefault("metadata", {"$ref": _OBJECT_META})
    closed = node.get("type") == "object" and not node.get("x-kubernetes-preserve-unknown-fields")
    if closed and "additionalProperties" not in node:
        # Unknown fields are pruned by the server, and rejected under strict field validation.
        out["additionalProperties"] = False
    return out


def _list_type(
    validator: Any, list_type: str, instance: object, schema: Mapping[str, Any]
) -> Iterator[jsonschema.ValidationError]:
    """``x-kubernetes-list-type``: ``set`` items and ``map`` keys must be unique."""
    if not isinstance(instance, list) or list_type not in ("set", "map"):
        return
    keys = schema.get("x-kubernetes-list-map-keys", [])
    seen: set[str] = set()
    for index, item in enumerate(instance):
        if list_type == "map" and isinstance(item, Mapping):
            identity: object = {key: item.get(key) for key in keys}
        else:
            identity = item
        text = json.dumps(identity, sort_keys=True, default=str)
        if text in seen:
            yield jsonschema.ValidationError(
                f"item {index} repeats {identity!r} in a list of type {list_type!r}"
                + (f" keyed by {keys}" if list_type == "map" else "")
            )
        seen.add(text)


def _cel_rules(
    validator: Any, rules: list[Mapping[str, str]], instance: object, schema: Mapping[str, Any]
) -> Iterator[jsonschema.ValidationError]:
    for rule in rules:
        yield _CelRuleNotEvaluated(
            f"CEL rule not evaluated offline: {rule.get('rule')!r} "
            f"(the API server says {rule.get('message', 'the rule failed')!r} when it fails)"
        )


_CrdValidator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator,
    {"x-kubernetes-list-type": _list_type, "x-kubernetes-validations": _cel_rules},
)
