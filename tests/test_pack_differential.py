"""Differential test: thrifty's servicer answers exactly as pulumi_policy's own servicer does.

thrifty's server converts each request once and shares the result between policies
(:mod:`thrifty.policies.server`); pulumi_policy converts once per policy. The same requests go
to both, in-process, and the answers must be equal message for message: every policy firing
(each policy's violating and compliant cases from the pack tests), the reference stacks as
recorded (secrets, unknowns, nested values, every resource type they use), hand-made edge
cases, engine-shaped requests the fuzz strategies generate (malformed values, non-finite
numbers, secret markers, garbled options and providers), under default, overridden
(disabled, advisory, remediate) and invalid config. A second pack of plain pulumi_policy
policies (not thrifty's) checks what each such policy is handed: props, options, provider,
config, stack tags, parents and dependencies, and that no policy sees another's changes.

The reference is pulumi_policy's servicer behind the hardening thrifty's server always had:
non-finite numbers rewritten as text first, and a request pulumi_policy cannot convert
answered with one "not checkable" diagnostic instead of an RPC error.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest
from google.protobuf import json_format, struct_pb2, text_format
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pulumi.runtime import proto
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.deserialize import deserialize_properties, serialize_properties
from pulumi_policy.policy import _PolicyAnalyzerServicer
from pulumi_policy.proxy import unknown_checking_proxy

from tests.conftest import REFERENCE_STACKS, REPO_ROOT
from tests.test_policy_fuzz import _analyze_request, configs, resources
from tests.test_policy_pack import AWS, CASES, SECRET_SIG, UNKNOWN, res, s3
from thrifty import __version__
from thrifty.offline.analyzer_client import (
    PackInfo,
    PolicyInfo,
    ProviderSpec,
    ResourceSpec,
    analyze_request,
    analyzer_resource,
    parse_policy_config,
    reconcile_policy_config,
    resource_specs,
)
from thrifty.offline.recording import record_stack
from thrifty.policies.core import plain
from thrifty.policies.frozen import FrozenDict, FrozenList, SpecialValue, freeze, frozen_struct
from thrifty.policies.pack import PACK_DESCRIPTION, PACK_NAME, all_policies
from thrifty.policies.server import HardenedServicer, sanitize_struct
from thrifty.policies.wrap import plain_props, resource_policy

ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17"
ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7"
SIG = "4dabf18193072939515e22adb298388d"


# --- The two servicers -----------------------------------------------------------------------


class Pair:
    """thrifty's servicer and pulumi_policy's, over the same policies, fed the same requests."""

    def __init__(self, policies: Callable[[], list[Policy]], name: str = PACK_NAME) -> None:
        self.ours = HardenedServicer(name, policies(), PACK_DESCRIPTION)
        self.sdk = _PolicyAnalyzerServicer(
            name, __version__, policies(), EnforcementLevel.ADVISORY, None, PACK_DESCRIPTION
        )
        self.name = name

    def _reference(self, method: str, request: Any, empty: Any) -> Any:
        """pulumi_policy's answer behind thrifty's long-standing hardening."""
        request = copy.deepcopy(request)
        for resource in getattr(request, "resources", [request]):
            sanitize_struct(resource.properties)
            if resource.HasField("provider"):
                sanitize_struct(resource.provider.properties)
        try:
            return getattr(self.sdk, method)(request, None)
        except Exception as error:
            if method == "Remediate":
                return empty
            message = (
                f"not checkable: the request could not be read ({type(error).__name__}: {error})"
            )
            return proto.AnalyzeResponse(
                diagnostics=[
                    proto.AnalyzeDiagnostic(
                        policyName="readable-request",
                        policyPackName=self.name,
                        policyPackVersion=__version__,
                        description="The pack could read the resource's properties.",
                        message=message,
                        enforcementLevel=proto.MANDATORY,
                    )
                ]
            )

    def same(self, method: str, request: Any) -> Any:
        """Send ``request`` to both; the answers must be equal. Returns thrifty's."""
        empty = proto.RemediateResponse() if method == "Remediate" else proto.AnalyzeResponse()
        expected = self._reference(method, request, empty)
        actual = getattr(self.ours, method)(copy.deepcopy(request), None)
        if actual != expected:
            pytest.fail(
                f"{method} differs\n--- pulumi_policy:\n{text_format.MessageToString(expected)}"
                f"\n--- thrifty:\n{text_format.MessageToString(actual)}"
            )
        return actual

    def configure(self, request: analyzer_pb2.ConfigureAnalyzerRequest) -> None:
        reference = copy.deepcopy(request)
        for name in reference.policyConfig:  # the hardening's level mapping, for the reference
            entry = reference.policyConfig[name]
            if entry.enforcementLevel not in proto.EnforcementLevel.values():
                entry.enforcementLevel = proto.MANDATORY
            sanitize_struct(entry.properties)
        self.sdk.Configure(reference, None)
        self.ours.Configure(copy.deepcopy(request), None)

    def configure_stack(self, tags: Mapping[str, str]) -> None:
        request = analyzer_pb2.AnalyzerStackConfigureRequest(
            project="test", stack="dev", tags=dict(tags)
        )
        self.sdk.ConfigureStack(request, None)
        self.ours.ConfigureStack(request, None)


def _configure(pair: Pair, document: Mapping[str, object] | None = None) -> None:
    """Configure both as the engine does for a ``--policy-pack-config`` document."""
    policies = pair.sdk.GetAnalyzerInfo(None, None).policies
    info_schema = {
        policy.name: json_format.MessageToDict(policy.configSchema.properties)
        for policy in policies
    }
    info = PackInfo(
        PACK_NAME,
        __version__,
        tuple(
            PolicyInfo(
                policy.name,
                policy.description,
                proto.EnforcementLevel.Name(policy.enforcementLevel).lower(),
                "resource",
                info_schema[policy.name],
            )
            for policy in policies
        ),
    )
    given = parse_policy_config(document) if document is not None else None
    entries = reconcile_policy_config(info, given)
    pair.configure(
        analyzer_pb2.ConfigureAnalyzerRequest(
            policyConfig={
                name: analyzer_pb2.PolicyConfig(
                    enforcementLevel=proto.EnforcementLevel.Value(  # type: ignore[arg-type]
                        (entry.enforcement_level or "advisory").upper()
                    ),
                    properties=_struct(entry.properties),
                )
                for name, entry in entries.items()
            }
        )
    )


def _struct(value: Mapping[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(dict(value))
    return message


def _stack(specs: Sequence[ResourceSpec]) -> analyzer_pb2.AnalyzeStackRequest:
    return analyzer_pb2.AnalyzeStackRequest(resources=[analyzer_resource(s) for s in specs])


def _all(pair: Pair, subjects: Sequence[ResourceSpec | Sequence[ResourceSpec]]) -> set[str]:
    """Every subject through Analyze and Remediate, each list of them through AnalyzeStack;
    the names of the policies that reported something (to show the comparison is not idle)."""
    fired: set[str] = set()
    for subject in subjects:
        if isinstance(subject, ResourceSpec):
            replies = [pair.same("Analyze", analyze_request(subject))]
            remediated = pair.same("Remediate", analyze_request(subject))
            fired |= {remediation.policyName for remediation in remediated.remediations}
        else:
            replies = [pair.same("AnalyzeStack", _stack(subject))]
        for reply in replies:
            fired |= {diagnostic.policyName for diagnostic in reply.diagnostics}
            fired |= {item.policy_name for item in reply.not_applicable}
    return fired


# --- thrifty-guard ---------------------------------------------------------------------------

#: Configs the pack is compared under: defaults, each shipped environment's overrides, levels
#: moved every way (remediate included, for resource and stack policies), invalid values.
CONFIGS: list[Mapping[str, object] | None] = [
    None,
    {"spot-for-non-production": {"environment": "development"}},
    {
        "required-tags": {
            "enforcementLevel": "remediate",
            "defaults": {"team": "ml-team", "owner": "ml-team@company.com"},
        },
        "storage-lifecycle": "remediate",
        "oversized-instances": {"enforcementLevel": "advisory", "maxNodeVcpus": 8},
        "budget-present": "disabled",
        "unknown-instance-types": "disabled",
    },
    {"all": "disabled"},
    {"all": "advisory", "monthly-cost-within-budget": {"monthlyBudgetUsd": 10}},
]


@pytest.fixture(scope="module")
def guard() -> Pair:
    return Pair(all_policies)


def _case_subjects() -> list[ResourceSpec | Sequence[ResourceSpec]]:
    subjects: list[ResourceSpec | Sequence[ResourceSpec]] = []
    for _, _, violating, compliant in CASES:
        subjects += [violating, compliant]
    return subjects


def _edge_subjects() -> list[ResourceSpec | Sequence[ResourceSpec]]:
    """Unknowns, secrets (nested, top-level, in the provider), assets, non-finite numbers."""
    secret = {**SECRET_SIG, "value": "hunter2"}
    nested_secret = {**SECRET_SIG, "value": {"project": "churn-predictor", "inner": secret}}
    bucket = s3()
    edges: list[ResourceSpec] = [
        s3(tags=UNKNOWN),
        s3(tags={**bucket.properties["tags"], "owner": UNKNOWN}),
        s3(tags=nested_secret, password=secret),
        s3(tags={**bucket.properties["tags"], "team": secret}),
        s3(acl=UNKNOWN, serverSideEncryptionConfiguration=[UNKNOWN, {"rule": secret}]),
        s3(website={SIG: ASSET_SIG, "text": "<html/>"}),
        s3(code={SIG: ARCHIVE_SIG, "assets": {"a": {SIG: ASSET_SIG, "path": "a.txt"}}}),
        s3(size=math.nan, count=math.inf, depth=-math.inf),
        s3(broken={SIG: "not-a-signature"}),
        s3(broken={**SECRET_SIG}),
        s3(deep={"a": [{"b": [{"c": [1, 2.5, None, True, "x"]}]}]}),
        res("aws:ebs/volume:Volume", {"size": math.inf, "encrypted": True}),
        res(
            "aws:s3/bucket:Bucket",
            {**SECRET_SIG, "value": {"bucket": "b", "tags": bucket.properties["tags"]}},
        ),
        res("aws:s3/bucket:Bucket", {**SECRET_SIG, "value": "not an object"}),
        res("aws:s3/bucket:Bucket", {}),
        ResourceSpec(type="aws:s3/bucket:Bucket", name="bare", urn="urn:bare", properties={}),
    ]
    edges.append(
        ResourceSpec(
            type="aws:s3/bucket:Bucket",
            name="p",
            urn="urn:secret-provider",
            properties=bucket.properties,
            provider=ProviderSpec(AWS.type, AWS.name, AWS.urn, {"region": secret, "n": math.nan}),
        )
    )
    stack_cases = [case for case in _case_subjects() if not isinstance(case, ResourceSpec)]
    return [*edges, edges, [*edges, *stack_cases[0]]]


@pytest.fixture(scope="module")
def recorded() -> list[list[ResourceSpec]]:
    return [resource_specs(record_stack(REPO_ROOT, stack)) for stack in REFERENCE_STACKS]


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: json.dumps(c)[:60])
def test_every_policy_case_answers_as_pulumi_policy(guard: Pair, config: Any) -> None:
    _configure(guard, config)
    guard.configure_stack({"team": "ml-team"})
    fired = _all(guard, _case_subjects()) | _all(guard, _edge_subjects())
    if config is None:
        assert fired >= {policy.name for policy in all_policies()}
    # Malformed secrets and signatures are unreadable, unless no policy runs to read them.
    assert ("readable-request" in fired) == (config != {"all": "disabled"})


@pytest.mark.parametrize("config", CONFIGS[:3], ids=lambda c: json.dumps(c)[:60])
def test_reference_stacks_answer_as_pulumi_policy(
    guard: Pair, recorded: list[list[ResourceSpec]], config: Any
) -> None:
    _configure(guard, config)
    for specs in recorded:
        _all(guard, [*specs, specs])
    _all(guard, [[spec for specs in recorded for spec in specs]])


def test_unreadable_requests_answer_as_before(guard: Pair) -> None:
    _configure(guard)
    reply = guard.same("Analyze", analyze_request(s3(broken={SIG: "nope"})))
    assert [d.policyName for d in reply.diagnostics] == ["readable-request"]
    assert "Unrecognized signature 'nope'" in reply.diagnostics[0].message


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    batch=st.lists(resources(), min_size=1, max_size=4),
    config=st.one_of(st.none(), configs),
)
def test_generated_requests_answer_as_pulumi_policy(
    guard: Pair, batch: list[analyzer_pb2.AnalyzerResource], config: Any
) -> None:
    if config is not None:
        guard.configure(
            analyzer_pb2.ConfigureAnalyzerRequest(
                policyConfig={
                    name: analyzer_pb2.PolicyConfig(
                        enforcementLevel=level,  # type: ignore[arg-type]
                        properties=_struct(props),
                    )
                    for name, (level, props) in config.items()
                }
            )
        )
    for resource in batch:
        guard.same("Analyze", _analyze_request(resource))
        guard.same("Remediate", _analyze_request(resource))
    guard.same("AnalyzeStack", analyzer_pb2.AnalyzeStackRequest(resources=batch))


# --- Plain pulumi_policy policies --------------------------------------------------------------


def _seen(value: Any) -> str:
    return json.dumps(serialize_properties(value) if value is not None else None, sort_keys=True)


def _echo(args: ResourceValidationArgs, report: ReportViolation) -> None:
    opts = args.opts
    provider = args.provider
    report(
        json.dumps(
            {
                "type": args.resource_type,
                "urn": args.urn,
                "name": args.name,
                "props": _seen(args.props),
                "protect": opts.protect,
                "ignoreChanges": list(opts.ignore_changes),
                "deleteBeforeReplace": opts.delete_before_replace,
                "timeouts": [
                    opts.custom_timeouts.create_seconds,
                    opts.custom_timeouts.delete_seconds,
                ],
                "parent": opts.parent,
                "provider": [provider.resource_type, provider.urn, _seen(provider.props)]
                if provider
                else None,
                "config": dict(args.get_config()),
                "stackTags": dict(args.stack_tags),
            },
            sort_keys=True,
        )
    )
    args.props.get("tags")  # unknown during preview: pulumi_policy's advisory diagnostic


def _mutate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Changes everything it is handed; no other policy may see it."""
    args.props["tags"] = {"changed": "by another policy"}
    args.props["added"] = True
    args.opts.protect = not args.opts.protect
    args.get_config()["added"] = 1
    if args.provider is not None:
        args.provider.props["region"] = "changed"
    report("mutated")


def _not_applicable(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if "tags" not in args.props:
        args.not_applicable("no tags here")


async def _later(args: ResourceValidationArgs, report: ReportViolation) -> None:
    report(f"async: {args.name}")


def _stack_echo(args: StackValidationArgs, report: ReportViolation) -> None:
    for resource in args.resources:
        report(
            json.dumps(
                {
                    "props": _seen(resource.props),
                    "parent": resource.parent.urn if resource.parent else None,
                    "dependencies": [d.urn for d in resource.dependencies],
                    "propertyDependencies": {
                        k: [d.urn for d in v] for k, v in resource.property_dependencies.items()
                    },
                    "provider": _seen(resource.provider.props) if resource.provider else None,
                    "stackTags": dict(args.stack_tags),
                },
                sort_keys=True,
            ),
            resource.urn,
        )


def _stack_mutate(args: StackValidationArgs, report: ReportViolation) -> None:
    for resource in args.resources:
        resource.props["added"] = True
        resource.dependencies.clear()
        resource.parent = None
    args.resources.clear()


def _sdk_policies() -> list[Policy]:
    echo = ResourceValidationPolicy(name="echo", description="What it is handed.", validate=_echo)
    return [
        echo,
        ResourceValidationPolicy(name="mutate", description="Changes.", validate=_mutate),
        ResourceValidationPolicy(name="echo-after", description="After.", validate=_echo),
        ResourceValidationPolicy(name="only-tagged", description="N/A.", validate=_not_applicable),
        ResourceValidationPolicy(name="later", description="Async.", validate=_later),
        ResourceValidationPolicy(
            name="fix-only", description="Remediates.", remediate=lambda args: {"fixed": True}
        ),
        StackValidationPolicy(name="stack-mutate", description="Changes.", validate=_stack_mutate),
        StackValidationPolicy(
            name="stack-echo", description="What it is handed.", validate=_stack_echo
        ),
        *[p for p in all_policies() if p.name in ("required-tags", "storage-lifecycle")],
    ]


@pytest.fixture(scope="module")
def plain_pack() -> Pair:
    return Pair(_sdk_policies, name="plain")


def _plain_config(pair: Pair, levels: Mapping[str, int]) -> None:
    pair.configure(
        analyzer_pb2.ConfigureAnalyzerRequest(
            policyConfig={
                name: analyzer_pb2.PolicyConfig(
                    enforcementLevel=level,  # type: ignore[arg-type]
                    properties=_struct({"limit": 3, "nested": {"a": [1]}}),
                )
                for name, level in levels.items()
            }
        )
    )


@pytest.mark.parametrize(
    "levels",
    [
        {},
        {"echo": proto.REMEDIATE, "fix-only": proto.REMEDIATE, "stack-echo": proto.ADVISORY},
        {"mutate": proto.DISABLED, "stack-mutate": proto.DISABLED, "later": 42},
    ],
    ids=["default", "remediate", "disabled"],
)
def test_plain_policies_are_handed_what_pulumi_policy_hands_them(
    plain_pack: Pair, recorded: list[list[ResourceSpec]], levels: Mapping[str, int]
) -> None:
    _plain_config(plain_pack, levels)
    plain_pack.configure_stack({"team": "ml-team", "env": "dev"})
    child = ResourceSpec(
        type="aws:s3/bucketVersioning:BucketVersioning",
        name="v",
        urn="urn:v",
        properties={"bucket": UNKNOWN},
        parent=recorded[0][1].urn,
        dependencies=(recorded[0][1].urn, "urn:elsewhere"),
        property_dependencies={"bucket": (recorded[0][1].urn, "urn:elsewhere")},
        protect=True,
        ignore_changes=("tags",),
        delete_before_replace=True,
        provider=AWS,
    )
    subjects: list[Any] = [*_edge_subjects(), *recorded[0], child, [*recorded[0], child]]
    fired = _all(plain_pack, subjects)
    assert {"echo", "echo-after", "only-tagged", "fix-only", "stack-echo"} <= fired


# --- The shared, read-only conversion ---------------------------------------------------------


def _sdk_then_wrapper(struct: struct_pb2.Struct) -> Any:
    """What thrifty's rules saw before: pulumi_policy's conversion, then the wrapper's."""
    return plain_props(
        unknown_checking_proxy(deserialize_properties(json_format.MessageToDict(struct)))
    )


@settings(max_examples=300, deadline=None)
@given(batch=st.lists(resources(), min_size=1, max_size=3))
def test_frozen_conversion_equals_pulumi_policy_then_the_wrapper(
    batch: list[analyzer_pb2.AnalyzerResource],
) -> None:
    for resource in batch:
        struct = resource.properties
        try:
            frozen = frozen_struct(struct)
        except SpecialValue:
            assert SIG in json.dumps(json_format.MessageToDict(_sanitized(struct)))
            continue
        expected = _sdk_then_wrapper(_sanitized(struct))
        assert frozen == expected
        assert list(frozen) == list(expected)  # the same key order, so messages keep theirs
        assert json.dumps(frozen) == json.dumps(expected)


def _sanitized(struct: struct_pb2.Struct) -> struct_pb2.Struct:
    copy_ = struct_pb2.Struct()
    copy_.CopyFrom(struct)
    sanitize_struct(copy_)
    return copy_


def test_frozen_values_refuse_change_and_copy_to_plain_ones() -> None:
    value = freeze({"tags": {"team": "ml"}, "rules": [{"days": 30}], "n": 1})
    mutations: list[Callable[[], object]] = [
        lambda: value.__setitem__("n", 2),
        lambda: value["tags"].update(team="x"),
        lambda: value["tags"].pop("team"),
        lambda: value.setdefault("x", 1),
        lambda: value["rules"].append({}),
        lambda: value["rules"][0].__setitem__("days", 1),
        lambda: value["rules"].sort(),
        lambda: value["rules"].__iadd__([1]),
        lambda: value.clear(),
    ]
    for mutate in mutations:
        with pytest.raises(TypeError, match="read-only"):
            mutate()
    assert value == {"tags": {"team": "ml"}, "rules": [{"days": 30}], "n": 1}
    copied = copy.deepcopy(value)
    copied["rules"][0]["days"] = 1
    copied["tags"]["x"] = "y"
    assert type(copied) is dict and type(copied["rules"]) is list
    assert value["rules"][0]["days"] == 30 and "x" not in value["tags"]
    assert type(dict(value)) is dict and type(list(value["rules"])) is list
    assert isinstance(value, FrozenDict) and isinstance(value["rules"], FrozenList)
    assert plain(value) == value


def test_a_rule_cannot_change_what_the_next_rule_sees() -> None:
    seen: list[object] = []

    def meddle(resource: Any, config: Any) -> list[Any]:
        resource.props["tags"]["team"] = "someone else"
        return []

    def look(resource: Any, config: Any) -> list[Any]:
        seen.append(copy.deepcopy(resource.props))
        return []

    from thrifty.policies.policy_config import EmptyConfig

    policies = [
        resource_policy(
            name=name,
            description=name,
            check=check,
            config=EmptyConfig,
            enforcement_level=EnforcementLevel.MANDATORY,
        )
        for name, check in (("meddle", meddle), ("look", look))
    ]
    servicer = HardenedServicer("meddling", policies, "two rules")
    bucket = s3()
    reply = servicer.Analyze(analyze_request(bucket), None)
    [finding] = reply.diagnostics
    assert finding.policyName == "meddle"
    assert "internal error TypeError" in finding.message and "read-only" in finding.message
    assert seen == [bucket.properties]
