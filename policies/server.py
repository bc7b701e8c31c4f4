"""Serve the pack over gRPC like ``pulumi_policy.PolicyPack``: convert each request once, and
never answer with an error.

pulumi_policy's servicer (1.21) converts a request's properties to Python values once per
policy (``Analyze``) and every resource once per stack policy (``AnalyzeStack``); that
conversion, not the rules, was most of what the pack cost. This servicer converts each request
once, on first use, and shares the result:

- thrifty's own rules (:class:`~thrifty.policies.wrap.ResourceRulePolicy`,
  :class:`~thrifty.policies.wrap.StackRulePolicy`) all get the same read-only
  :class:`~thrifty.policies.core.Resource` (:mod:`thrifty.policies.frozen`), and their config
  as stored at Configure, which they parse once per Configure;
- any other pulumi_policy policy gets what pulumi_policy would give it (fresh args, a fresh
  unknown-checking proxy and fresh option and provider objects per policy, so no policy sees
  another's changes), built from the request's JSON form converted once.

Everything else is pulumi_policy's, in its order: enforcement levels (config overrides,
disabled, remediate reported as mandatory), "can't run policy ... during preview" for unknown
values, not-applicable reasons, async validations; ``Remediate`` already converts once and is
pulumi_policy's own. A conversion error fails the request exactly where pulumi_policy's would.

It also hardens what pulumi_policy would fail the RPC (so the user's whole preview) on: it
rewrites non-finite numbers as text (a program can pass ``float("nan")``; protobuf carries it,
``json_format`` refuses it; rules then report the value as not checkable), maps unknown
enforcement levels to mandatory (fail closed), and if a request still cannot be read, answers
with one mandatory "not checkable" diagnostic that names the error.

The server start-up mirrors ``PolicyPack.__init__`` (pulumi-policy 1.21): a 4-thread gRPC server
on 127.0.0.1, the port printed on stdout, serve until terminated.
"""

from __future__ import annotations

import asyncio
import gc
import math
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent import futures
from functools import partial
from inspect import isawaitable, signature
from typing import Any, TypeVar

import grpc
import pulumi.runtime
from google.protobuf import json_format, struct_pb2
from pulumi.runtime import proto
from pulumi.runtime.proto import analyzer_pb2_grpc
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyProviderResource,
    PolicyResource,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.policy import _GRPC_CHANNEL_OPTIONS, _NotApplicableError, _PolicyAnalyzerServicer
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

from thrifty import __version__
from thrifty.policies.core import Finding, Resource
from thrifty.policies.frozen import FrozenDict, FrozenList, SpecialValue, freeze, frozen_struct
from thrifty.policies.wrap import (
    ResourceRulePolicy,
    StackRulePolicy,
    convert_stack,
    plain_props,
)

Reply = TypeVar("Reply")

_LEVELS = frozenset(proto.EnforcementLevel.values())
#: pulumi_policy asks ``inspect.signature`` on every request (27 µs here) whether ``Settings``
#: takes an organization; the answer cannot change while the process runs.
_SETTINGS_TAKE_ORGANIZATION = "organization" in signature(pulumi.runtime.Settings).parameters
_EMPTY: FrozenDict = FrozenDict()


def _sanitize_value(value: struct_pb2.Value) -> None:
    kind = value.WhichOneof("kind")
    if kind == "number_value" and not math.isfinite(value.number_value):
        value.string_value = str(value.number_value)
    elif kind == "struct_value":
        sanitize_struct(value.struct_value)
    elif kind == "list_value":
        for item in value.list_value.values:
            _sanitize_value(item)


def sanitize_struct(struct: struct_pb2.Struct) -> None:
    """Rewrite non-finite numbers (anywhere inside) as their text, in place."""
    for key in struct.fields:
        _sanitize_value(struct.fields[key])


def _sanitize_resource(resource: Any) -> None:
    sanitize_struct(resource.properties)
    if resource.HasField("provider"):
        sanitize_struct(resource.provider.properties)


class _Props:
    """One property struct of a request (a resource's or its provider's), converted on first use.

    ``wire`` is pulumi_policy's first step, ``MessageToDict``, kept once; each non-thrifty policy
    still gets its own ``deserialize_properties`` of it (fresh objects, as pulumi_policy gives).
    ``frozen`` is what thrifty's rules read: the props as :func:`thrifty.policies.wrap.plain_props`
    makes them, read-only. A conversion error is raised from :meth:`prepare`, where
    pulumi_policy's conversion would fail; a props value the wrapper cannot use (a top-level
    secret whose value is not an object) from :meth:`frozen`, where the wrapper reports it.
    """

    __slots__ = ("_deserialized", "_frozen", "_struct", "_wire")

    def __init__(self, struct: struct_pb2.Struct) -> None:
        self._struct = struct
        self._wire: dict[str, Any] | None = None
        self._deserialized: dict[str, Any] | None = None
        self._frozen: Mapping[str, Any] | None = None

    def wire(self) -> dict[str, Any]:
        if self._wire is None:
            sanitize_struct(self._struct)  # what json_format refuses; frozen_struct does the same
            self._wire = json_format.MessageToDict(self._struct)
        return self._wire

    def sdk(self) -> Any:
        """What pulumi_policy hands one policy: a fresh unknown-checking proxy."""
        return unknown_checking_proxy(deserialize_properties(self.wire()))

    def prepare(self) -> None:
        """Convert for thrifty's rules; raises what pulumi_policy's conversion would raise."""
        if self._frozen is not None or self._deserialized is not None:
            return
        try:
            self._frozen = frozen_struct(self._struct)
        except SpecialValue:  # secrets, assets, archives: pulumi_policy's way, exactly
            self._deserialized = deserialize_properties(self.wire())

    def frozen(self) -> Mapping[str, Any]:
        """The props for thrifty's rules (after :meth:`prepare`)."""
        if self._frozen is None:
            assert self._deserialized is not None, "prepare() first"
            self._frozen = freeze(plain_props(unknown_checking_proxy(self._deserialized)))
        return self._frozen


class _Providers:
    """The provider props of one stack request, by their wire bytes: the resources of one
    provider share one conversion (and so one read-only value).

    The bytes are serialised in the struct's own map order, so a hit iterates as the first
    struct does: converted values keep pulumi_policy's key order, and the first bad value is
    the one pulumi_policy would stop at.
    """

    def __init__(self) -> None:
        self._known: dict[bytes, _Props] = {}

    def get(self, struct: struct_pb2.Struct) -> _Props:
        key = struct.SerializeToString()
        props = self._known.get(key)
        if props is None:
            props = self._known[key] = _Props(struct)
        return props


class _Subject:
    """One resource of a request (an AnalyzeRequest or a stack's AnalyzerResource)."""

    __slots__ = ("_resource", "dependencies", "message", "parent", "props", "provider")

    def __init__(
        self,
        message: Any,
        parent: str,
        dependencies: Mapping[str, Sequence[str]] = _EMPTY,
        providers: _Providers | None = None,
    ) -> None:
        self.message = message
        #: The parent URN and property dependencies as thrifty's wrapper reads them (read-only).
        self.parent = parent
        self.dependencies = dependencies
        self.props = _Props(message.properties)
        self.provider: _Props | None = None
        if message.HasField("provider"):
            struct = message.provider.properties
            self.provider = providers.get(struct) if providers is not None else _Props(struct)
        self._resource: Resource | None = None

    def prepared(self) -> Callable[[], Resource]:
        """Convert for thrifty's rules (props, then the provider's, as pulumi_policy does) and
        return how to get the shared :class:`Resource`."""
        self.props.prepare()
        if self.provider is not None:
            self.provider.prepare()
        return self.resource

    def resource(self) -> Resource:
        if self._resource is None:
            message = self.message
            provider = self.provider
            self._resource = Resource(
                type=message.type,
                props=self.props.frozen(),
                urn=message.urn,
                name=message.name,
                provider_type=message.provider.type if provider is not None else "",
                provider_props=provider.frozen() if provider is not None else _EMPTY,
                parent=self.parent,
                property_dependencies=self.dependencies,
            )
        return self._resource

    def sdk_provider(self) -> PolicyProviderResource | None:
        """The provider as pulumi_policy hands it to one policy."""
        if self.provider is None:
            return None
        provider = self.message.provider
        return PolicyProviderResource(
            provider.type, self.provider.sdk(), provider.urn, provider.name
        )


def _stack_subjects(resources: Iterable[Any]) -> list[_Subject]:
    """The stack's resources with parents and property dependencies resolved as thrifty's
    wrapper resolves pulumi_policy's links: only URNs of the stack count."""
    messages = list(resources)
    urns = {message.urn for message in messages}
    providers = _Providers()
    subjects: list[_Subject] = []
    for message in messages:
        parent = message.parent if message.parent in urns else ""
        dependencies = _EMPTY
        links = message.propertyDependencies
        if links:
            dependencies = FrozenDict(
                {key: FrozenList([urn for urn in links[key].urns if urn in urns]) for key in links}
            )
        parent = parent or message.options.parent
        subjects.append(_Subject(message, parent, dependencies, providers))
    return subjects


class HardenedServicer(_PolicyAnalyzerServicer):
    """pulumi_policy's servicer, converting each request once, sanitising it, never failing."""

    def __init__(self, name: str, policies: list[Policy], description: str) -> None:
        super().__init__(name, __version__, policies, EnforcementLevel.ADVISORY, None, description)
        self._name = name
        self._policies = list(policies)

    @property
    def _base(self) -> Any:
        """pulumi_policy's own implementation (its methods are untyped)."""
        return super()

    # --- What pulumi_policy keeps privately, read in one place ---------------------------------

    def _stored_config(self, policy: str) -> Mapping[str, Any] | None:
        """The policy's config as Configure stored it (not a copy: thrifty's rules only read it
        and parse it once per Configure); None when empty, as pulumi_policy passes it."""
        stored: Mapping[str, Mapping[str, Any]] = self._PolicyAnalyzerServicer__policy_pack_config  # type: ignore[attr-defined]
        return stored.get(policy) or None

    @property
    def _stack_tags(self) -> Mapping[str, str]:
        tags: Mapping[str, str] = self._PolicyAnalyzerServicer__stack_tags  # type: ignore[attr-defined]
        return tags

    def _configure_runtime_settings(self) -> None:
        """pulumi_policy's per-request runtime set-up, with its signature check done once."""
        for key, value in pulumi.runtime.get_config_env().items():
            pulumi.runtime.set_config(key, value)
        if all(name in os.environ for name in ("PULUMI_PROJECT", "PULUMI_STACK", "PULUMI_DRY_RUN")):
            settings: dict[str, Any] = {
                "project": os.environ["PULUMI_PROJECT"],
                "stack": os.environ["PULUMI_STACK"],
                "dry_run": os.environ["PULUMI_DRY_RUN"] == "true",
            }
            if _SETTINGS_TAKE_ORGANIZATION:
                settings["organization"] = os.environ.get("PULUMI_ORGANIZATION", "organization")
            pulumi.runtime.configure(pulumi.runtime.Settings(**settings))

    # --- Errors ----------------------------------------------------------------------------------

    def _unreadable(self, error: Exception) -> proto.AnalyzeDiagnostic:
        message = f"not checkable: the request could not be read ({type(error).__name__}: {error})"
        return proto.AnalyzeDiagnostic(
            policyName="readable-request",
            policyPackName=self._name,
            policyPackVersion=__version__,
            description="The pack could read the resource's properties.",
            message=message,
            enforcementLevel=proto.MANDATORY,
        )

    def _guard(self, call: Callable[[], Reply], fallback: Callable[[Exception], Reply]) -> Reply:
        try:
            return call()
        except Exception as error:  # the request could not be converted: report, do not crash
            return fallback(error)

    def _run(self, policy: Policy, validate: Callable[[], Any], response: Any) -> None:
        """Run one validation as pulumi_policy does, turning its two signals into answers."""
        try:
            result = validate()
            if isawaitable(result):
                loop = asyncio.new_event_loop()
                loop.run_until_complete(asyncio.Task(result, loop=loop))  # type: ignore[arg-type]
                loop.close()
        except UnknownValueError as error:
            response.diagnostics.append(
                proto.AnalyzeDiagnostic(
                    policyName=policy.name,
                    policyPackName=self._name,
                    policyPackVersion=__version__,
                    message=(
                        f"can't run policy '{policy.name}' from policy pack "
                        f"'{self._name}@v{__version__}' during preview: {error.message}"
                    ),
                    urn="",
                    description=policy.description,
                    enforcementLevel=self._map_enforcement_level(EnforcementLevel.ADVISORY),
                )
            )
        except _NotApplicableError as error:
            response.not_applicable.append(
                proto.PolicyNotApplicable(policy_name=policy.name, reason=error.reason or "")
            )

    def _report(self, policy: Policy, level: EnforcementLevel, response: Any) -> Any:
        return self._create_report_violation(
            response, policy.name, policy.description, level, policy.severity
        )

    # --- The RPCs --------------------------------------------------------------------------------

    def Analyze(self, request: Any, context: Any) -> Any:
        return self._guard(
            lambda: self._analyze(request),
            lambda error: proto.AnalyzeResponse(diagnostics=[self._unreadable(error)]),
        )

    def _analyze(self, request: Any) -> Any:
        self._configure_runtime_settings()
        response = proto.AnalyzeResponse()
        subject = _Subject(request, request.options.parent)
        for policy in self._policies:
            level = self._get_enforcement_level(policy)
            if level == EnforcementLevel.DISABLED or not isinstance(
                policy, ResourceValidationPolicy
            ):
                continue
            if not policy.has_validation():
                response.not_applicable.append(
                    proto.PolicyNotApplicable(
                        policy_name=policy.name, reason="Policy does not implement validate"
                    )
                )
                continue
            if level == EnforcementLevel.REMEDIATE:
                level = EnforcementLevel.MANDATORY  # a violation after remediation: mandatory
            report = self._report(policy, level, response)
            validate: Callable[[], Any]
            if isinstance(policy, ResourceRulePolicy):
                resource = subject.prepared()
                validate = partial(policy.judge, resource, self._stored_config(policy.name), report)
            else:
                args = ResourceValidationArgs(
                    request.type,
                    subject.props.sdk(),
                    request.urn,
                    request.name,
                    self._get_resource_options(request),
                    subject.sdk_provider(),
                    self._get_policy_config(policy.name),
                    self._stack_tags,
                )
                validate = partial(policy.validate, args, report)
            self._run(policy, validate, response)
        return response

    def AnalyzeStack(self, request: Any, context: Any) -> Any:
        return self._guard(
            lambda: self._analyze_stack(request),
            lambda error: proto.AnalyzeResponse(diagnostics=[self._unreadable(error)]),
        )

    def _analyze_stack(self, request: Any) -> Any:
        self._configure_runtime_settings()
        response = proto.AnalyzeResponse()
        subjects = _stack_subjects(request.resources)
        converted: tuple[tuple[Resource, ...], list[Finding]] | None = None
        for policy in self._policies:
            level = self._get_enforcement_level(policy)
            if level == EnforcementLevel.DISABLED or not isinstance(policy, StackValidationPolicy):
                continue
            if level == EnforcementLevel.REMEDIATE:
                level = EnforcementLevel.MANDATORY  # stack policies cannot remediate
            report = self._report(policy, level, response)
            validate: Callable[[], Any]
            if isinstance(policy, StackRulePolicy):
                if converted is None:  # once, for every stack rule: the same read-only tuple
                    prepared = [(subject.message.urn, subject.prepared()) for subject in subjects]
                    converted = convert_stack(prepared)
                resources, problems = converted
                config = self._stored_config(policy.name)
                validate = partial(policy.judge, resources, problems, config, report)
            else:
                args = StackValidationArgs(
                    self._policy_resources(subjects),
                    self._get_policy_config(policy.name),
                    self._stack_tags,
                )
                validate = partial(policy.validate, args, report)
            self._run(policy, validate, response)
        return response

    def _policy_resources(self, subjects: list[_Subject]) -> list[PolicyResource]:
        """The stack as pulumi_policy hands it to one policy: fresh objects, linked by URN."""
        resources: list[PolicyResource] = []
        for subject in subjects:
            message = subject.message
            resources.append(
                PolicyResource(
                    message.type,
                    subject.props.sdk(),
                    message.urn,
                    message.name,
                    self._get_resource_options(message),
                    subject.sdk_provider(),
                    None,
                    [],
                    {},
                )
            )
        by_urn = {resource.urn: resource for resource in resources}
        for subject, resource in zip(subjects, resources, strict=True):
            message = subject.message
            if message.parent in by_urn:
                resource.parent = by_urn[message.parent]
            resource.dependencies.extend(by_urn[u] for u in message.dependencies if u in by_urn)
            for key, deps in message.propertyDependencies.items():
                resource.property_dependencies[key] = [by_urn[u] for u in deps.urns if u in by_urn]
        return resources

    def Remediate(self, request: Any, context: Any) -> Any:
        _sanitize_resource(request)
        return self._guard(
            lambda: self._base.Remediate(request, context),
            lambda error: proto.RemediateResponse(),
        )

    def Configure(self, request: Any, context: Any) -> Any:
        for name in request.policyConfig:
            config = request.policyConfig[name]
            if config.enforcementLevel not in _LEVELS:
                config.enforcementLevel = proto.MANDATORY
            sanitize_struct(config.properties)
        return self._base.Configure(request, context)


def serve(name: str, policies: list[Policy], description: str) -> None:
    """Start the Analyzer server, print its port as the CLI expects, and serve until killed."""
    servicer = HardenedServicer(name, policies, description)
    # Everything loaded so far lives as long as the process: keep it out of the collector's
    # full passes, which otherwise walk it again and again while requests allocate.
    gc.freeze()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), options=_GRPC_CHANNEL_OPTIONS)
    analyzer_pb2_grpc.add_AnalyzerServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    sys.stdout.buffer.write(f"{port}\n".encode())
    sys.stdout.flush()
    try:
        server.wait_for_termination()
    except KeyboardInterrupt:
        server.stop(0)
