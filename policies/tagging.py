"""required-tags: every taggable resource carries the five cost keys, with valid values.

Tags reach a resource in several ways, and all count: its own tag property (``tags``,
``labels``, ``resourceLabels``, Kubernetes ``metadata.labels``), what the provider computed
(``tagsAll`` on AWS, ``effectiveLabels`` / ``terraformLabels`` on GCP) and the provider's
defaults (AWS ``defaultTags.tags``, GCP ``defaultLabels``; the engine sends provider props as
JSON text). Values are checked with the tag standard's own model (:class:`thrifty.tags.CostTags`)
after undoing the GCP / Kubernetes label escaping, so the pack and the renderers cannot disagree.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from pydantic import Field, ValidationError

from thrifty.policies.core import (
    MISSING,
    Finding,
    NotCheckable,
    Resource,
    collecting,
    get_map,
    is_unknown,
    lookup,
    unknown,
    violation,
)
from thrifty.policies.policy_config import Environment, PolicyConfig
from thrifty.taggable import PROVIDER_DEFAULT_TAGS, tag_path
from thrifty.tags import (
    COST_TAG_KEYS,
    CostTags,
    TagRenderError,
    decode_label_value,
    render_gcp,
    render_kubernetes,
)


class RequiredTagsConfig(PolicyConfig):
    """Which keys are required, what they may hold, and what remediation fills in."""

    required_keys: list[str] = Field(
        default=list(COST_TAG_KEYS), description="Keys every taggable resource must carry."
    )
    expected_environment: Environment | None = Field(
        default=None, description="When set, the environment tag must have this value."
    )
    defaults: dict[str, str] = Field(
        default={}, description="Values remediation adds for missing keys (unrendered)."
    )
    exempt_types: list[str] = Field(default=[], description="Type tokens this rule skips.")


# Per package: where the provider computes the effective tags, and the provider's default tags.
_COMPUTED_PATHS: dict[str, tuple[str, ...]] = {
    "aws": ("tagsAll",),
    "gcp": ("effectiveLabels", "terraformLabels"),
}
_ESCAPED_PACKAGES = frozenset({"gcp", "kubernetes"})
# Kubernetes list kinds and server-side patches do not create objects of their own to label.
_K8S_NOT_OWNED = ("List", "Patch")
_CASE_INSENSITIVE_PACKAGES = frozenset({"azure-native"})
_VALID_PLACEHOLDERS = {
    "project": "project",
    "environment": "development",
    "team": "team",
    "cost-center": "cost-center",
    "owner": "owner@company.com",
}


def _tag_map(value: object, path: str) -> dict[str, object]:
    """Tags as a dict; AWS auto-scaling groups give a list of ``{key, value}`` objects."""
    if isinstance(value, Mapping):
        return {str(key): item for key, item in value.items()}
    if isinstance(value, list):
        tags: dict[str, object] = {}
        for index, item in enumerate(value):
            if not isinstance(item, Mapping) or not isinstance(item.get("key"), str):
                raise NotCheckable(f"{path}.{index} should be an object with a string key")
            tags[item["key"]] = item.get("value")
        return tags
    raise NotCheckable(f"{path} should be an object of tags, got {type(value).__name__}")


def _provider_default_tags(resource: Resource) -> dict[str, object]:
    """The provider's default tags; each level may arrive as JSON text (provider props do)."""
    path = PROVIDER_DEFAULT_TAGS.get(resource.provider_type, ())
    if not path:
        return {}
    value: Mapping[str, Any] | None = resource.provider_props
    for key in path:
        value = get_map(value, key) if value is not None else None
    return _tag_map(value, "provider." + ".".join(path)) if value is not None else {}


def own_tag_path(type_token: str) -> str | None:
    """The dotted wire path of a type's own tags (None: the type cannot carry tags)."""
    if type_token.startswith("kubernetes:") and type_token.endswith(_K8S_NOT_OWNED):
        return None
    path = tag_path(type_token)
    return ".".join(path) if path else None


def effective_tags(resource: Resource, own_path: str) -> dict[str, object]:
    """Every tag the resource will carry: provider defaults < own tags < provider-computed."""
    merged = dict(_provider_default_tags(resource))
    for path in (own_path, *_COMPUTED_PATHS.get(resource.package, ())):
        value = lookup(resource.props, path)
        if value is not MISSING:
            merged.update(_tag_map(value, path))
    return merged


def _find_key(tags: Mapping[str, object], key: str, case_insensitive: bool) -> str | None:
    if key in tags:
        return key
    if case_insensitive:
        return next((name for name in tags if name.lower() == key.lower()), None)
    return None


def _value_problems(package: str, values: Mapping[str, str]) -> dict[str, str]:
    """Problems with present standard-key values, judged by the tag standard's model.

    GCP and Kubernetes values are escaped renderings: they must decode, and re-rendering the
    decoded value must give the same text (so a raw ``@`` in a GCP label is caught).
    """
    problems: dict[str, str] = {}
    candidate = dict(_VALID_PLACEHOLDERS)
    for key, value in values.items():
        decoded = value
        if package in _ESCAPED_PACKAGES:
            try:
                decoded = decode_label_value(value)
                rendered = _render(package, key, decoded)
            except (ValueError, TagRenderError) as error:
                problems[key] = str(error)
                continue
            if rendered != value:
                problems[key] = f"not a valid {package} label value (expected {rendered!r})"
                continue
        candidate[key] = decoded
    try:
        CostTags.model_validate(candidate)
    except ValidationError as error:
        for detail in error.errors():
            key = str(detail["loc"][0]).replace("_", "-") if detail["loc"] else ""
            if key in values and key not in problems:
                problems[key] = str(detail["msg"])
    return problems


def check_required_tags(resource: Resource, config: RequiredTagsConfig) -> list[Finding]:
    """Missing or invalid cost keys on a taggable resource."""
    own_path = own_tag_path(resource.type)
    if own_path is None or resource.type in config.exempt_types:
        return []
    tags = effective_tags(resource, own_path)
    case_insensitive = resource.package in _CASE_INSENSITIVE_PACKAGES
    findings: list[Finding] = []
    missing: list[str] = []
    values: dict[str, str] = {}
    for key in config.required_keys:
        name = _find_key(tags, key, case_insensitive)
        value = tags.get(name) if name is not None else None
        if name is None or value is None or value == "":
            missing.append(key)
        elif is_unknown(value):
            findings.append(unknown(f"tag {key!r} is unknown during preview"))
        elif not isinstance(value, str):
            findings.append(violation(f"tag {key!r} should be text, got {value!r}"))
        elif key in COST_TAG_KEYS:
            values[key] = value
    if missing:
        findings.append(
            violation(
                f"{resource.label} is missing cost tags: {', '.join(missing)} "
                f"(in {own_path}, or the provider's default tags)"
            )
        )
    for key, problem in _value_problems(resource.package, values).items():
        findings.append(violation(f"tag {key!r} = {values[key]!r} is not valid: {problem}"))
    if config.expected_environment and values.get("environment") not in (
        None,
        config.expected_environment,
    ):
        findings.append(
            violation(
                f"tag 'environment' is {values['environment']!r}, this stack is "
                f"{config.expected_environment!r}"
            )
        )
    return findings


def _render(package: str, key: str, value: str) -> str:
    if package == "gcp":
        return render_gcp({key: value})[key]
    if package == "kubernetes":
        return render_kubernetes({key: value})[key]
    return value


def remediate_required_tags(
    resource: Resource, config: RequiredTagsConfig
) -> dict[str, Any] | None:
    """A patch ``{tag path: tags}`` adding missing keys that the config has defaults for."""
    own_path = own_tag_path(resource.type)
    if own_path is None or resource.type in config.exempt_types or not config.defaults:
        return None
    findings: list[Finding] = []
    with collecting(findings):
        tags = effective_tags(resource, own_path)
        own = lookup(resource.props, own_path)
        own = {} if own is MISSING else own
        case_insensitive = resource.package in _CASE_INSENSITIVE_PACKAGES
        additions: dict[str, str] = {}
        for key in config.required_keys:
            if _find_key(tags, key, case_insensitive) is None and key in config.defaults:
                try:
                    additions[key] = _render(resource.package, key, config.defaults[key])
                except TagRenderError:
                    continue
        if not additions:
            return None
        if isinstance(own, list):
            patched: Any = copy.deepcopy(own) + [
                {"key": key, "value": value, "propagateAtLaunch": True}
                for key, value in additions.items()
            ]
        else:
            patched = {**_tag_map(own, own_path), **additions}
        return {own_path: patched}
    return None
