"""A client for policy packs that speaks the Analyzer gRPC protocol the way the Pulumi engine does.

It starts a pack as the CLI does (``python -u -m pulumi.policy <engine> <pack dir>`` in the
pack's directory, stack settings in ``PULUMI_*`` variables), reads the port the pack prints,
and calls GetAnalyzerInfo, Configure, ConfigureStack, Remediate, Analyze and AnalyzeStack
with engine-shaped requests: camelCase props, ``options`` always set (custom timeouts included)
and ``provider`` with the provider's props, explicit or default. Config files are reconciled
like the engine's ``ReconcilePolicyPackConfig`` (schema defaults, then ``all``, then per-policy
values, then JSON-schema validation).

Shared by the tests, ``thrifty plan`` and the benchmark. It knows nothing of thrifty's
components or policies: any pack and any recorded program work.
"""

from __future__ import annotations

import collections
import json
import os
import queue
import re
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from thrifty.offline.providers import (
    default_provider_properties,
    default_provider_type,
    default_provider_urn,
)
from thrifty.offline.recording import RecordedResource, Recording

# pulumi_policy raises its receive limit to 400 MB; a large stack's AnalyzeStack needs it.
_MAX_MESSAGE = 400 * 1024 * 1024
_CHANNEL_OPTIONS = [
    ("grpc.max_receive_message_length", _MAX_MESSAGE),
    ("grpc.max_send_message_length", _MAX_MESSAGE),
]
ENFORCEMENT_LEVELS = ("advisory", "mandatory", "remediate", "disabled")
#: The message prefix thrifty's rules use for a resource they could not judge.
NOT_CHECKABLE_MARKERS = ("not checkable", "can't run policy")


class PolicyPackError(RuntimeError):
    """The pack did not start, or its config is invalid."""


@dataclass(frozen=True)
class ProviderSpec:
    """The provider resource the engine sends with a resource (type, name, URN, its props)."""

    type: str
    name: str
    urn: str
    properties: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ResourceSpec:
    """One resource as the engine describes it to an analyzer."""

    type: str
    name: str
    urn: str
    properties: Mapping[str, Any] = field(default_factory=dict)
    parent: str = ""
    dependencies: tuple[str, ...] = ()
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    protect: bool = False
    ignore_changes: tuple[str, ...] = ()
    delete_before_replace: bool | None = None
    additional_secret_outputs: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    custom_timeouts: Mapping[str, float] = field(default_factory=dict)
    provider: ProviderSpec | None = None


@dataclass(frozen=True)
class Violation:
    """A diagnostic a pack reported (``message`` is the pack's full text)."""

    policy_name: str
    policy_pack_name: str
    policy_pack_version: str
    description: str
    message: str
    enforcement_level: str
    urn: str = ""
    severity: str = ""

    @property
    def detail(self) -> str:
        """The message without the policy description pulumi_policy puts in front."""
        if self.description and self.message.startswith(self.description):
            return self.message[len(self.description) :].lstrip("\n")
        return self.message

    @property
    def mandatory(self) -> bool:
        return self.enforcement_level == "mandatory"

    @property
    def not_checkable(self) -> bool:
        """The pack could not judge the resource (unknown, missing or malformed values)."""
        return any(marker in self.message for marker in NOT_CHECKABLE_MARKERS)


@dataclass(frozen=True)
class NotApplicable:
    """A policy that declared itself not applicable to a resource or stack."""

    policy_name: str
    reason: str


@dataclass(frozen=True)
class Remediation:
    """A pack's rewrite of a resource's props (``properties`` None: only a diagnostic)."""

    policy_name: str
    description: str
    properties: Mapping[str, Any] | None
    diagnostic: str = ""


@dataclass
class AnalyzeResult:
    """What one Analyze or AnalyzeStack call returned."""

    violations: list[Violation] = field(default_factory=list)
    not_applicable: list[NotApplicable] = field(default_factory=list)


@dataclass(frozen=True)
class PolicyInfo:
    """A policy as GetAnalyzerInfo describes it."""

    name: str
    description: str
    enforcement_level: str
    policy_type: str
    config_schema: Mapping[str, Any] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    severity: str = ""


@dataclass(frozen=True)
class PackInfo:
    """GetAnalyzerInfo's answer."""

    name: str
    version: str
    policies: tuple[PolicyInfo, ...]
    initial_config: Mapping[str, PolicyConfigEntry] = field(default_factory=dict)

    def policy(self, name: str) -> PolicyInfo:
        """The policy called ``name`` (KeyError if the pack has none)."""
        for policy in self.policies:
            if policy.name == name:
                return policy
        raise KeyError(name)


@dataclass(frozen=True)
class PolicyConfigEntry:
    """One policy's entry of a pack config: an enforcement level and/or properties."""

    enforcement_level: str | None = None
    properties: Mapping[str, Any] = field(default_factory=dict)


def _level_name(value: int) -> str:
    return str(analyzer_pb2.EnforcementLevel.Name(value)).lower()  # type: ignore[arg-type]


def _level_value(name: str) -> int:
    return int(analyzer_pb2.EnforcementLevel.Value(name.upper()))


def _severity_name(value: int) -> str:
    name = str(analyzer_pb2.PolicySeverity.Name(value))  # type: ignore[arg-type]
    return "" if name.endswith("UNSPECIFIED") else name.removeprefix("POLICY_SEVERITY_").lower()


def _policy_type_name(value: int) -> str:
    name = str(analyzer_pb2.PolicyType.Name(value))  # type: ignore[arg-type]
    return name.removeprefix("POLICY_TYPE_").lower()


def _struct(properties: Mapping[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(dict(properties))
    return message


# --- Config files (the engine's LoadPolicyPackConfigFromFile / ReconcilePolicyPackConfig) ------


def _entry(key: str, value: object) -> PolicyConfigEntry:
    if isinstance(value, str):
        if value not in ENFORCEMENT_LEVELS:
            raise PolicyPackError(f"{key}: {value!r} is not a valid enforcement level")
        return PolicyConfigEntry(value)
    if not isinstance(value, dict):
        raise PolicyPackError(f"{key}: {value!r} is not a valid value; must be a string or object")
    properties = dict(value)
    level = properties.pop("enforcementLevel", None)
    if level is not None and level not in ENFORCEMENT_LEVELS:
        raise PolicyPackError(f"{key}: {level!r} is not a valid enforcement level")
    return PolicyConfigEntry(level, properties)


def parse_policy_config(document: Mapping[str, object]) -> dict[str, PolicyConfigEntry]:
    """A ``--policy-pack-config`` document: policy name (or ``all``) -> level or object."""
    return {key: _entry(key, value) for key, value in document.items()}


def load_policy_config(path: str | Path) -> dict[str, PolicyConfigEntry]:
    """Read a ``--policy-pack-config`` JSON file as the CLI does (empty file: no config)."""
    text = Path(path).read_text(encoding="utf-8")
    if not text.strip():
        return {}
    try:
        document = json.loads(text)
    except ValueError as error:
        raise PolicyPackError(f"{path}: not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise PolicyPackError(f"{path}: expected an object of policy names")
    return parse_policy_config(document)


def reconcile_policy_config(
    info: PackInfo, given: Mapping[str, PolicyConfigEntry] | None = None
) -> dict[str, PolicyConfigEntry]:
    """The config the engine sends to Configure: schema defaults, then ``all``, then ``given``.

    Raises :class:`PolicyPackError` listing every property that fails its policy's schema.
    """
    result: dict[str, PolicyConfigEntry] = {}
    given = dict(given or {})
    all_level = given["all"].enforcement_level if "all" in given else None
    for policy in info.policies:
        defaults = {
            key: schema["default"]
            for key, schema in policy.config_schema.items()
            if isinstance(schema, Mapping) and "default" in schema
        }
        entry = given.get(policy.name, PolicyConfigEntry())
        result[policy.name] = PolicyConfigEntry(
            entry.enforcement_level or all_level or policy.enforcement_level,
            {**defaults, **entry.properties},
        )
    if given:
        problems = _schema_problems(info, result)
        if problems:
            raise PolicyPackError("invalid policy pack config:\n  " + "\n  ".join(problems))
    return result


def _schema_problems(info: PackInfo, config: Mapping[str, PolicyConfigEntry]) -> list[str]:
    import jsonschema  # only needed when a config file is given

    problems: list[str] = []
    for policy in info.policies:
        schema: dict[str, Any] = {"type": "object", "properties": dict(policy.config_schema)}
        if policy.required:
            schema["required"] = list(policy.required)
        validator = jsonschema.Draft7Validator(schema)
        for error in validator.iter_errors(dict(config[policy.name].properties)):
            where = ".".join(str(part) for part in error.absolute_path) or "(root)"
            problems.append(f"Policy {policy.name!r}: {where}: {error.message}")
    return problems


# --- Building engine-shaped requests ------------------------------------------------------------


def _options(resource: ResourceSpec) -> analyzer_pb2.AnalyzerResourceOptions:
    timeouts = resource.custom_timeouts
    return analyzer_pb2.AnalyzerResourceOptions(
        protect=resource.protect,
        ignoreChanges=list(resource.ignore_changes),
        deleteBeforeReplace=bool(resource.delete_before_replace),
        deleteBeforeReplaceDefined=resource.delete_before_replace is not None,
        additionalSecretOutputs=list(resource.additional_secret_outputs),
        aliases=list(resource.aliases),
        parent=resource.parent,
        customTimeouts=analyzer_pb2.AnalyzerResourceOptions.CustomTimeouts(
            create=timeouts.get("create", 0.0),
            update=timeouts.get("update", 0.0),
            delete=timeouts.get("delete", 0.0),
        ),
    )


def _provider(provider: ProviderSpec | None) -> analyzer_pb2.AnalyzerProviderResource | None:
    if provider is None:
        return None
    return analyzer_pb2.AnalyzerProviderResource(
        type=provider.type,
        name=provider.name,
        urn=provider.urn,
        properties=_struct(provider.properties),
    )


def analyze_request(resource: ResourceSpec) -> analyzer_pb2.AnalyzeRequest:
    """The AnalyzeRequest the engine sends for ``resource``."""
    return analyzer_pb2.AnalyzeRequest(
        type=resource.type,
        name=resource.name,
        urn=resource.urn,
        properties=_struct(resource.properties),
        options=_options(resource),
        provider=_provider(resource.provider),
    )


def analyzer_resource(resource: ResourceSpec) -> analyzer_pb2.AnalyzerResource:
    """The AnalyzerResource the engine puts in an AnalyzeStackRequest."""
    return analyzer_pb2.AnalyzerResource(
        type=resource.type,
        name=resource.name,
        urn=resource.urn,
        properties=_struct(resource.properties),
        options=_options(resource),
        provider=_provider(resource.provider),
        parent=resource.parent,
        dependencies=list(resource.dependencies),
        propertyDependencies={
            key: analyzer_pb2.AnalyzerPropertyDependencies(urns=list(urns))
            for key, urns in resource.property_dependencies.items()
        },
    )


_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def duration_seconds(text: str) -> float:
    """A Go duration (``"5m"``, ``"1h30m"``) as the engine turns custom timeouts into seconds."""
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(number + unit for number, unit in parts) != text.strip():
        raise ValueError(f"not a duration: {text!r}")
    return sum(float(number) * _DURATION_UNITS[unit] for number, unit in parts)


def default_provider(
    package: str, recording: Recording, stack_config: Mapping[str, object]
) -> ProviderSpec:
    """The default provider the engine makes for ``package``: props from ``<package>:*`` config."""
    return ProviderSpec(
        default_provider_type(package),
        "default",
        default_provider_urn(package, recording.project, recording.stack),
        default_provider_properties(package, stack_config),
    )


def resource_specs(
    recording: Recording, stack_config: Mapping[str, object] | None = None
) -> list[ResourceSpec]:
    """Engine-shaped descriptions of every recorded resource, each with its provider.

    Default providers take their props from ``stack_config`` (by default the config the
    program was recorded with), as the engine's do.
    """
    stack_config = recording.config if stack_config is None else stack_config
    by_urn = recording.by_urn()
    defaults: dict[str, ProviderSpec] = {}
    specs: list[ResourceSpec] = []
    for resource in recording.resources:
        specs.append(_spec(resource, recording, by_urn, defaults, stack_config))
    return specs


def _spec(
    resource: RecordedResource,
    recording: Recording,
    by_urn: Mapping[str, RecordedResource],
    defaults: dict[str, ProviderSpec],
    stack_config: Mapping[str, object],
) -> ResourceSpec:
    provider: ProviderSpec | None = None
    if resource.custom and not resource.is_provider:
        explicit = by_urn.get(resource.provider_urn) if resource.provider else None
        if explicit is not None:
            provider = ProviderSpec(explicit.type, explicit.name, explicit.urn, explicit.inputs)
        else:
            package = resource.package
            if package not in defaults:
                defaults[package] = default_provider(package, recording, stack_config)
            provider = defaults[package]
    return ResourceSpec(
        type=resource.type,
        name=resource.name,
        urn=resource.urn,
        properties=resource.inputs,
        parent=resource.parent,
        dependencies=resource.dependencies,
        property_dependencies=resource.property_dependencies,
        protect=resource.protect,
        ignore_changes=resource.ignore_changes,
        delete_before_replace=resource.delete_before_replace or None,
        additional_secret_outputs=resource.additional_secret_outputs,
        aliases=resource.aliases,
        custom_timeouts={
            key: duration_seconds(value) for key, value in resource.custom_timeouts.items()
        },
        provider=provider,
    )


# --- The client ------------------------------------------------------------------------------


def _violations(
    diagnostics: Iterable[analyzer_pb2.AnalyzeDiagnostic], default_urn: str = ""
) -> list[Violation]:
    return [
        Violation(
            policy_name=diagnostic.policyName,
            policy_pack_name=diagnostic.policyPackName,
            policy_pack_version=diagnostic.policyPackVersion,
            description=diagnostic.description,
            message=diagnostic.message,
            enforcement_level=_level_name(diagnostic.enforcementLevel),
            urn=diagnostic.urn or default_urn,
            severity=_severity_name(diagnostic.severity),
        )
        for diagnostic in diagnostics
    ]


def _not_applicable(items: Iterable[analyzer_pb2.PolicyNotApplicable]) -> list[NotApplicable]:
    return [NotApplicable(item.policy_name, item.reason) for item in items]


def _pump_stdout(stream: IO[bytes], ports: queue.Queue[str], tail: collections.deque[str]) -> None:
    """Read the port line, then keep draining so a chatty pack never blocks on a full pipe."""
    first = True
    for raw in iter(stream.readline, b""):
        line = raw.decode(errors="replace").strip()
        if first:
            ports.put(line)
            first = False
        else:
            tail.append(line)
    if first:
        ports.put("")


class AnalyzerClient:
    """A running policy pack and a gRPC connection to it. Use as a context manager."""

    def __init__(
        self,
        process: subprocess.Popen[bytes],
        port: int,
        channel: grpc.Channel,
        stderr: IO[bytes],
        timeout: float,
    ) -> None:
        self.process = process
        self.port = port
        self._channel = channel
        self._stderr = stderr
        self._timeout = timeout
        #: The raw stub, for callers that need to send hand-made (even malformed) requests.
        self.stub = analyzer_pb2_grpc.AnalyzerStub(channel)

    @classmethod
    def start(
        cls,
        pack_dir: str | Path,
        *,
        project: str = "project",
        stack: str = "stack",
        dry_run: bool = True,
        stack_config: Mapping[str, object] | None = None,
        python: str | None = None,
        timeout: float = 60.0,
    ) -> AnalyzerClient:
        """Start the pack in ``pack_dir`` as the CLI does and connect to the port it prints."""
        pack = Path(pack_dir).resolve()
        if not (pack / "PulumiPolicy.yaml").is_file():
            raise PolicyPackError(f"{pack} is not a policy pack: no PulumiPolicy.yaml")
        env = {
            **os.environ,
            "PULUMI_PROJECT": project,
            "PULUMI_STACK": stack,
            "PULUMI_DRY_RUN": "true" if dry_run else "false",
            "PULUMI_ORGANIZATION": "organization",
            "PULUMI_CONFIG": json.dumps({k: str(v) for k, v in (stack_config or {}).items()}),
        }
        stderr = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the pack process)
        command = [python or sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:0", str(pack)]
        process = subprocess.Popen(
            command,
            cwd=pack,
            env=env,
            stdout=subprocess.PIPE,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
        )
        assert process.stdout is not None
        ports: queue.Queue[str] = queue.Queue()
        tail: collections.deque[str] = collections.deque(maxlen=50)
        threading.Thread(
            target=_pump_stdout, args=(process.stdout, ports, tail), daemon=True
        ).start()
        try:
            line = ports.get(timeout=timeout)
            port = int(line)
        except (queue.Empty, ValueError):
            process.kill()
            process.wait()
            stderr.seek(0)
            message = stderr.read().decode(errors="replace")[-4000:]
            stderr.close()
            raise PolicyPackError(
                f"policy pack {pack} did not print its port:\n{message}"
            ) from None
        channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=_CHANNEL_OPTIONS)
        grpc.channel_ready_future(channel).result(timeout=timeout)
        return cls(process, port, channel, stderr, timeout)

    def __enter__(self) -> AnalyzerClient:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection and stop the pack process."""
        self._channel.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._stderr.close()

    def stderr_text(self) -> str:
        """What the pack wrote to stderr so far (for error reports)."""
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")

    def info(self) -> PackInfo:
        """GetAnalyzerInfo: the pack's name, version, policies and initial config."""
        reply = self.stub.GetAnalyzerInfo(empty_pb2.Empty(), timeout=self._timeout)
        policies = tuple(
            PolicyInfo(
                name=policy.name,
                description=policy.description,
                enforcement_level=_level_name(policy.enforcementLevel),
                policy_type=_policy_type_name(policy.policy_type),
                config_schema=json_format.MessageToDict(policy.configSchema.properties),
                required=tuple(policy.configSchema.required),
                severity=_severity_name(policy.severity),
            )
            for policy in reply.policies
        )
        initial = {
            key: PolicyConfigEntry(
                _level_name(value.enforcementLevel), json_format.MessageToDict(value.properties)
            )
            for key, value in reply.initialConfig.items()
        }
        return PackInfo(reply.name, reply.version, policies, initial)

    def configure(self, config: Mapping[str, PolicyConfigEntry]) -> None:
        """Configure with reconciled per-policy config (see :func:`reconcile_policy_config`)."""
        request = analyzer_pb2.ConfigureAnalyzerRequest(
            policyConfig={
                name: analyzer_pb2.PolicyConfig(
                    enforcementLevel=_level_value(entry.enforcement_level or "advisory"),  # type: ignore[arg-type]
                    properties=_struct(entry.properties),
                )
                for name, entry in config.items()
            }
        )
        self.stub.Configure(request, timeout=self._timeout)

    def configure_stack(
        self,
        *,
        project: str,
        stack: str,
        organization: str = "organization",
        dry_run: bool = True,
        config: Mapping[str, str] | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        """ConfigureStack: which stack is analyzed, its config and its stack tags."""
        request = analyzer_pb2.AnalyzerStackConfigureRequest(
            project=project,
            stack=stack,
            organization=organization,
            dry_run=dry_run,
            config=dict(config or {}),
            tags=dict(tags or {}),
        )
        self.stub.ConfigureStack(request, timeout=self._timeout)

    def analyze(self, resource: ResourceSpec) -> AnalyzeResult:
        """Analyze one resource."""
        reply = self.stub.Analyze(analyze_request(resource), timeout=self._timeout)
        return AnalyzeResult(
            _violations(reply.diagnostics, resource.urn), _not_applicable(reply.not_applicable)
        )

    def analyze_stack(self, resources: Sequence[ResourceSpec]) -> AnalyzeResult:
        """AnalyzeStack over every resource of a stack."""
        request = analyzer_pb2.AnalyzeStackRequest(
            resources=[analyzer_resource(resource) for resource in resources]
        )
        reply = self.stub.AnalyzeStack(request, timeout=self._timeout)
        return AnalyzeResult(_violations(reply.diagnostics), _not_applicable(reply.not_applicable))

    def remediate(self, resource: ResourceSpec) -> list[Remediation]:
        """Remediate one resource: each remediation, in the order the pack applied them."""
        reply = self.stub.Remediate(analyze_request(resource), timeout=self._timeout)
        return [
            Remediation(
                policy_name=item.policyName,
                description=item.description,
                properties=(
                    json_format.MessageToDict(item.properties)
                    if item.HasField("properties")
                    else None
                ),
                diagnostic=item.diagnostic,
            )
            for item in reply.remediations
        ]


# --- One call for `thrifty plan` -----------------------------------------------------------


@dataclass
class Analysis:
    """Everything a pack said about a recorded stack, in the engine's order of calls."""

    info: PackInfo
    violations: list[Violation]
    remediations: dict[str, list[Remediation]]
    not_applicable: list[NotApplicable]

    @property
    def mandatory(self) -> list[Violation]:
        """The violations that fail a preview."""
        return [violation for violation in self.violations if violation.mandatory]


def analyze_specs(
    client: AnalyzerClient,
    specs: Sequence[ResourceSpec],
    policy_config: Mapping[str, PolicyConfigEntry] | None = None,
    *,
    project: str,
    stack: str,
    dry_run: bool = True,
    stack_config: Mapping[str, object] | None = None,
) -> Analysis:
    """Configure a running pack and analyze ``specs`` the way the engine does.

    Per resource: Remediate first (applying each remediation's props), then Analyze the
    result; at the end, AnalyzeStack over the final resources.
    """
    info = client.info()
    client.configure(reconcile_policy_config(info, policy_config))
    client.configure_stack(
        project=project,
        stack=stack,
        dry_run=dry_run,
        config={key: str(value) for key, value in (stack_config or {}).items()},
    )
    violations: list[Violation] = []
    not_applicable: list[NotApplicable] = []
    remediations: dict[str, list[Remediation]] = {}
    final: list[ResourceSpec] = []
    for spec in specs:
        applied = client.remediate(spec)
        for remediation in applied:
            if remediation.properties is not None:
                spec = replace(spec, properties=remediation.properties)
        if applied:
            remediations[spec.urn] = applied
        result = client.analyze(spec)
        violations.extend(result.violations)
        not_applicable.extend(result.not_applicable)
        final.append(spec)
    stack_result = client.analyze_stack(final)
    violations.extend(stack_result.violations)
    not_applicable.extend(stack_result.not_applicable)
    return Analysis(info, violations, remediations, not_applicable)


def analyze_recording(
    recording: Recording,
    pack_dir: str | Path,
    policy_config: Mapping[str, PolicyConfigEntry] | str | Path | None = None,
    *,
    stack_config: Mapping[str, object] | None = None,
    dry_run: bool = True,
) -> Analysis:
    """Start the pack, run a recorded stack through it like ``pulumi preview``, stop the pack.

    ``policy_config`` is a ``--policy-pack-config`` file path or its parsed entries;
    ``stack_config`` (``ns:key -> value``) feeds the default providers' props and the pack's
    ``PULUMI_CONFIG``, as the engine does.
    """
    if isinstance(policy_config, (str, Path)):
        policy_config = load_policy_config(policy_config)
    with AnalyzerClient.start(
        pack_dir,
        project=recording.project,
        stack=recording.stack,
        dry_run=dry_run,
        stack_config=stack_config,
    ) as client:
        return analyze_specs(
            client,
            resource_specs(recording, stack_config),
            policy_config,
            project=recording.project,
            stack=recording.stack,
            dry_run=dry_run,
            stack_config=stack_config,
        )
