"""Thin wrappers that turn pure rules into pulumi_policy policies that cannot crash the pack.

pulumi_policy lets any exception other than its own "unknown value" one escape as a gRPC error,
which fails the user's whole preview. So the wrapper converts the engine's proxies into plain
data, parses the rule's config, runs the rule, and turns anything that goes wrong into a
"not checkable" finding with the reason. Findings about values that are unknown during preview
are raised as pulumi_policy's ``UnknownValueError`` after the definite findings are reported:
the SDK reports those as advisory ("can't run policy ... during preview"), as Pulumi does for
its own packs, so a computed tag does not block every CI preview.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceRemediation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.deserialize import serialize_properties
from pulumi_policy.proxy import UnknownValueError

from thrifty.policies.core import Finding, FindingKind, NotCheckable, Resource, plain
from thrifty.policies.policy_config import PolicyConfig
from thrifty.preview import UNKNOWN

ConfigT = TypeVar("ConfigT", bound=PolicyConfig)

ResourceCheck = Callable[[Resource, ConfigT], list[Finding]]
StackCheck = Callable[[Sequence[Resource], ConfigT], list[Finding]]
#: A remediation returns a patch, ``{dotted wire path: new value}``, or None for no change.
ResourceFix = Callable[[Resource, ConfigT], "dict[str, Any] | None"]

NOT_CHECKABLE_PREFIX = "not checkable: "


def _plain_props(props: Any) -> dict[str, Any]:
    value = plain(serialize_properties(props)) if props is not None else {}
    if not isinstance(value, dict):
        raise NotCheckable(f"props should be an object, got {type(value).__name__}")
    return value


def _dependencies(raw: Mapping[str, Any] | None) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for key, resources in (raw or {}).items():
        result[key] = [str(getattr(dep, "urn", "")) for dep in resources or []]
    return result


def resource_from_policy_args(args: Any) -> Resource:
    """A :class:`Resource` from ``ResourceValidationArgs`` or a stack's ``PolicyResource``."""
    provider = getattr(args, "provider", None)
    parent = getattr(args, "parent", None)
    opts = getattr(args, "opts", None)
    parent_urn = getattr(parent, "urn", None) or getattr(opts, "parent", None) or ""
    return Resource(
        type=str(args.resource_type),
        props=_plain_props(args.props),
        urn=str(args.urn),
        name=str(args.name),
        provider_type=str(provider.resource_type) if provider is not None else "",
        provider_props=_plain_props(provider.props) if provider is not None else {},
        parent=str(parent_urn),
        property_dependencies=_dependencies(getattr(args, "property_dependencies", None)),
    )


def apply_patch(props: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """``props`` with each dotted path of ``patch`` set; other values, secrets included, kept.

    ``props`` is the serialised (secret-marked) form, so remediation never un-secrets a value.
    """
    result = copy.deepcopy(dict(props))
    for path, value in patch.items():
        *parents, last = path.split(".")
        target: dict[str, Any] = result
        for part in parents:
            child = target.get(part)
            if not isinstance(child, dict):
                child = {}
                target[part] = child
            target = child
        target[last] = value
    return result


def _internal_error(error: Exception) -> Finding:
    return Finding(f"internal error {type(error).__name__}: {error}", FindingKind.NOT_CHECKABLE)


def report_findings(findings: Sequence[Finding], report: ReportViolation) -> None:
    """Report definite findings, then raise the unknown ones as pulumi_policy expects."""
    unknown: list[str] = []
    for finding in findings:
        if finding.kind is FindingKind.UNKNOWN:
            unknown.append(finding.message)
        elif finding.kind is FindingKind.NOT_CHECKABLE:
            report(NOT_CHECKABLE_PREFIX + finding.message, finding.urn or None)
        else:
            report(finding.message, finding.urn or None)
    if unknown:
        error = UnknownValueError(UNKNOWN, [])
        error.message = "not checkable until deployment: " + "; ".join(unknown)
        raise error


def resource_policy(
    *,
    name: str,
    description: str,
    check: ResourceCheck[ConfigT],
    config: type[ConfigT],
    enforcement_level: EnforcementLevel,
    remediate: ResourceFix[ConfigT] | None = None,
    severity: Severity | None = None,
    remediation_steps: str | None = None,
) -> ResourceValidationPolicy:
    """A ``ResourceValidationPolicy`` around ``check`` (and optionally ``remediate``)."""

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        try:
            findings = check(resource_from_policy_args(args), config.parse(args.get_config()))
        except NotCheckable as problem:
            findings = [problem.finding()]
        except Exception as error:  # a rule bug must not fail the user's preview
            findings = [_internal_error(error)]
        report_findings(findings, report)

    def fix(args: ResourceValidationArgs) -> Mapping[str, Any] | None:
        if remediate is None:
            return None
        try:
            patch = remediate(resource_from_policy_args(args), config.parse(args.get_config()))
            return apply_patch(serialize_properties(args.props), patch) if patch else None
        except Exception:  # leave the resource as it is; Analyze then reports why
            return None

    return ResourceValidationPolicy(
        name=name,
        description=description,
        validate=validate,
        # pulumi_policy types remediations as async, but runs plain results as they are.
        remediate=cast("ResourceRemediation", fix) if remediate is not None else None,
        enforcement_level=enforcement_level,
        config_schema=config.config_schema(),
        severity=severity,
        remediation_steps=remediation_steps,
    )


def stack_policy(
    *,
    name: str,
    description: str,
    check: StackCheck[ConfigT],
    config: type[ConfigT],
    enforcement_level: EnforcementLevel,
    severity: Severity | None = None,
    remediation_steps: str | None = None,
) -> StackValidationPolicy:
    """A ``StackValidationPolicy`` around ``check``; each resource converts on its own."""

    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        findings: list[Finding] = []
        resources: list[Resource] = []
        for policy_resource in args.resources:
            try:
                resources.append(resource_from_policy_args(policy_resource))
            except Exception as error:
                urn = str(getattr(policy_resource, "urn", ""))
                findings.append(Finding(f"{urn}: {error}", FindingKind.NOT_CHECKABLE, urn))
        try:
            findings.extend(check(resources, config.parse(args.get_config())))
        except NotCheckable as problem:
            findings.append(problem.finding())
        except Exception as error:
            findings.append(_internal_error(error))
        report_findings(findings, report)

    return StackValidationPolicy(
        name=name,
        description=description,
        validate=validate,
        enforcement_level=enforcement_level,
        config_schema=config.config_schema(),
        severity=severity,
        remediation_steps=remediation_steps,
    )
