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
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from typing import Any, Generic, TypeVar, cast

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


def plain_props(props: Any) -> dict[str, Any]:
    """Props as a rule sees them: plain data, secrets unwrapped, unknowns kept."""
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
        props=plain_props(args.props),
        urn=str(args.urn),
        name=str(args.name),
        provider_type=str(provider.resource_type) if provider is not None else "",
        provider_props=plain_props(provider.props) if provider is not None else {},
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


class _ParsedConfig(Generic[ConfigT]):
    """A rule's config, parsed once per config object rather than once per resource.

    thrifty's server hands every request the config object it stored at Configure, so the
    identity check hits until the next Configure; pulumi_policy's own server hands a fresh copy
    each time, which is parsed as before. The parsed model is frozen.
    """

    def __init__(self, model: type[ConfigT]) -> None:
        self._model = model
        self._last: tuple[object, ConfigT] | None = None

    def parse(self, raw: Mapping[str, Any] | None) -> ConfigT:
        last = self._last  # one read: another gRPC worker thread may replace it meanwhile
        if last is not None and last[0] is raw:
            return last[1]
        parsed = self._model.parse(raw)
        self._last = (raw, parsed)
        return parsed


def _judged(check: Callable[[], list[Finding]]) -> list[Finding]:
    try:
        return check()
    except NotCheckable as problem:
        return [problem.finding()]
    except Exception as error:  # a rule bug must not fail the user's preview
        return [_internal_error(error)]


class ResourceRulePolicy(ResourceValidationPolicy):
    """A resource rule as a ``ResourceValidationPolicy``.

    :meth:`judge` runs the rule on a resource converted by the caller: thrifty's server
    converts each request once and gives every rule the same read-only :class:`Resource`.
    ``validate`` (what pulumi_policy's own server calls) converts the args itself.
    """

    def __init__(
        self,
        *,
        check: ResourceCheck[ConfigT],
        config: type[ConfigT],
        remediate: ResourceFix[ConfigT] | None,
        **policy: Any,
    ) -> None:
        self._check: ResourceCheck[Any] = check
        self._fix: ResourceFix[Any] | None = remediate
        self._config: _ParsedConfig[Any] = _ParsedConfig(config)
        super().__init__(
            validate=self._validate,
            # pulumi_policy types remediations as async, but runs plain results as they are.
            remediate=cast("ResourceRemediation", self._remediate) if remediate else None,
            config_schema=config.config_schema(),
            **policy,
        )

    def judge(
        self,
        resource: Callable[[], Resource],
        raw_config: Mapping[str, Any] | None,
        report: ReportViolation,
    ) -> None:
        """Run the rule on ``resource()`` and report its findings (unknown ones raised last)."""
        findings = _judged(lambda: self._check(resource(), self._config.parse(raw_config)))
        report_findings(findings, report)

    def _validate(self, args: ResourceValidationArgs, report: ReportViolation) -> None:
        self.judge(lambda: resource_from_policy_args(args), args.get_config(), report)

    def _remediate(self, args: ResourceValidationArgs) -> Mapping[str, Any] | None:
        if self._fix is None:
            return None
        try:
            resource = resource_from_policy_args(args)
            patch = self._fix(resource, self._config.parse(args.get_config()))
            return apply_patch(serialize_properties(args.props), patch) if patch else None
        except Exception:  # leave the resource as it is; Analyze then reports why
            return None


#: A stack resource before conversion: its URN and how to convert it.
StackEntry = tuple[str, Callable[[], Resource]]


def convert_stack(entries: Iterable[StackEntry]) -> tuple[tuple[Resource, ...], list[Finding]]:
    """The stack's resources that convert, and a not-checkable finding for each one that does
    not (its URN and why)."""
    resources: list[Resource] = []
    problems: list[Finding] = []
    for urn, resource in entries:
        try:
            resources.append(resource())
        except Exception as error:
            problems.append(Finding(f"{urn}: {error}", FindingKind.NOT_CHECKABLE, urn))
    return tuple(resources), problems


class StackRulePolicy(StackValidationPolicy):
    """A stack rule as a ``StackValidationPolicy``; :meth:`judge` takes the stack converted by
    :func:`convert_stack` (thrifty's server converts it once for every stack rule),
    ``validate`` converts the args itself."""

    def __init__(self, *, check: StackCheck[ConfigT], config: type[ConfigT], **policy: Any) -> None:
        self._check: StackCheck[Any] = check
        self._config: _ParsedConfig[Any] = _ParsedConfig(config)
        super().__init__(validate=self._validate, config_schema=config.config_schema(), **policy)

    def judge(
        self,
        resources: Sequence[Resource],
        problems: Sequence[Finding],
        raw_config: Mapping[str, Any] | None,
        report: ReportViolation,
    ) -> None:
        """Report the resources that did not convert, then run the rule over the others."""
        findings = [
            *problems,
            *_judged(lambda: self._check(resources, self._config.parse(raw_config))),
        ]
        report_findings(findings, report)

    def _validate(self, args: StackValidationArgs, report: ReportViolation) -> None:
        resources, problems = convert_stack(
            (str(getattr(resource, "urn", "")), partial(resource_from_policy_args, resource))
            for resource in args.resources
        )
        self.judge(resources, problems, args.get_config(), report)


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
) -> ResourceRulePolicy:
    """A ``ResourceValidationPolicy`` around ``check`` (and optionally ``remediate``)."""
    return ResourceRulePolicy(
        name=name,
        description=description,
        check=check,
        config=config,
        remediate=remediate,
        enforcement_level=enforcement_level,
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
) -> StackRulePolicy:
    """A ``StackValidationPolicy`` around ``check``; each resource converts on its own."""
    return StackRulePolicy(
        name=name,
        description=description,
        check=check,
        config=config,
        enforcement_level=enforcement_level,
        severity=severity,
        remediation_steps=remediation_steps,
    )
