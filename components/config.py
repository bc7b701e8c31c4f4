"""Environment configuration: everything a stack's ``Pulumi.<env>.yaml`` may set, checked at once.

A stack file sets keys in the ``thrifty`` namespace (``thrifty:cloud``, ``thrifty:tags``,
``thrifty:budget`` ...). :func:`load_environment_config` reads them all, validates them with one
pydantic model and raises ONE :class:`ConfigError` that lists every bad key with its path, the
value given and what is allowed, before the program registers any resource. Unknown keys are
errors, so a typo never falls back silently to a default.

Keys are camelCase as Pulumi's own config keys are (``thrifty:budget.monthlyLimit``); the cost
tags keep the tag standard's spelling (``cost-center``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from thrifty.budget.spec import BudgetAlert, BudgetConfig, check_for_cloud, guide_alerts
from thrifty.caps import CapsConfig, ConfigModel
from thrifty.cluster.spec import ClusterSpec, OffHoursSpec, cluster_problems
from thrifty.monitoring.spec import MonitoringSpec
from thrifty.network.spec import NetworkSpec, network_problems, own_network_problems
from thrifty.storage.config import StorageConfig
from thrifty.tags import (
    COST_TAG_KEYS,
    ENVIRONMENTS,
    SLUG_PATTERN,
    CostTags,
    Environment,
    TagRenderError,
)
from thrifty.workload.spec import (
    DNS_LABEL,
    PROBE_PATH_MEANING,
    PROBE_PATH_PATTERN,
    NamespaceSpec,
    WorkloadSpec,
    entry_problems,
    namespace_entry_problems,
    workload_problems,
)

#: The config namespace thrifty reads (``thrifty:<key>`` in a stack file).
NAMESPACE = "thrifty"

Cloud = Literal["aws", "gcp", "azure"]
CLOUDS: tuple[Cloud, ...] = ("aws", "gcp", "azure")

#: Namespaces a stack file may use besides ``thrifty``; anything else is a typo.
KNOWN_NAMESPACES = frozenset(
    {NAMESPACE, "pulumi", "aws", "gcp", "azure-native", "kubernetes", "random", "tls"}
)

_REGION_PATTERNS: dict[Cloud, tuple[str, str]] = {
    "aws": (r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$", "an AWS region such as us-east-1"),
    "gcp": (r"^[a-z]+-[a-z]+\d+$", "a GCP region such as us-central1"),
    "azure": (r"^[a-z]+[a-z0-9]*$", "an Azure location such as eastus or westeurope"),
}


_M = TypeVar("_M", bound=BaseModel)


class ConfigError(ValueError):
    """One error that lists every invalid key of a stack's configuration."""

    def __init__(self, stack: str, problems: list[str]) -> None:
        self.stack = stack
        self.problems = problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(
            f"stack {stack!r} has {len(problems)} invalid configuration "
            f"value{'s' if len(problems) != 1 else ''}:\n{lines}"
        )


class TagsConfig(BaseModel):
    """``thrifty:tags``: the cost keys other than ``environment`` (that is ``thrifty:environment``).

    ``environment`` may be repeated here, as the guide's example does, but must then agree.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    project: str = Field(pattern=SLUG_PATTERN)
    team: str = Field(pattern=SLUG_PATTERN)
    cost_center: str = Field(alias="cost-center", pattern=SLUG_PATTERN)
    owner: EmailStr
    environment: Environment | None = None
    extra: dict[str, str] = Field(default_factory=dict)


class EnvironmentConfig(ConfigModel):
    """Everything a reference stack reads from its ``Pulumi.<env>.yaml`` (``thrifty:`` keys)."""

    cloud: Cloud
    region: str
    environment: Environment
    tags: TagsConfig
    budget: BudgetConfig
    caps: CapsConfig = Field(default_factory=CapsConfig)
    gcp_project: str | None = Field(
        default=None,
        pattern=r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$",
        description="GCP project id (required when cloud is gcp).",
    )
    azure_subscription_id: str | None = Field(
        default=None,
        pattern=r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$",
        description="Azure subscription id (optional; budgets may scope to it).",
    )
    gcp_billing_account: str | None = Field(
        default=None,
        pattern=r"^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$",
        description="GCP billing account id XXXXXX-XXXXXX-XXXXXX (required when cloud is gcp: "
        "the budget lives on it).",
    )
    cluster: ClusterSpec | None = Field(
        default=None, description="The Kubernetes cluster (thrifty.cluster); none if unset."
    )
    off_hours: OffHoursSpec | None = Field(
        default=None,
        description="Working hours; outside them non-production node pools scale to minimum.",
    )
    monitoring: MonitoringSpec | None = Field(
        default=None,
        description="Cost monitoring on the cluster (thrifty.monitoring); none if unset.",
    )
    network: NetworkSpec | None = Field(
        default=None,
        description="The environment's own network (thrifty.network); none if unset.",
    )
    storage: StorageConfig = Field(
        default_factory=StorageConfig,
        description="Tiered buckets (thrifty.storage), by logical name; none if unset.",
    )
    workloads: dict[str, WorkloadSpec] = Field(
        default_factory=dict,
        description="Services on the stack's cluster (thrifty.workload), by name; none if unset.",
    )
    namespaces: dict[str, NamespaceSpec] = Field(
        default_factory=dict,
        description="Guarded namespaces (LimitRange + ResourceQuota), by name; none if unset.",
    )

    @field_validator("region")
    @classmethod
    def _region_shape(cls, value: str) -> str:
        if not any(re.match(pattern, value) for pattern, _ in _REGION_PATTERNS.values()):
            raise ValueError("must be a cloud region name such as us-east-1 or us-central1")
        return value

    @model_validator(mode="after")
    def _cross_checks(self) -> EnvironmentConfig:
        problems = _environment_problems(_CheckedParts.from_config(self))
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def cost_tags(self) -> CostTags:
        """The stack's tag standard instance (already validated with the config)."""
        return cost_tags_of(self.tags, self.environment)


def cost_tags_of(tags: TagsConfig, environment: Environment) -> CostTags:
    """The tag standard from ``thrifty:tags`` and ``thrifty:environment``."""
    return CostTags.model_validate(
        {
            "project": tags.project,
            "environment": environment,
            "team": tags.team,
            "cost-center": tags.cost_center,
            "owner": tags.owner,
            "extra": tags.extra,
        }
    )


def _loc_to_path(loc: tuple[int | str, ...]) -> str:
    path = f"{NAMESPACE}:"
    for index, part in enumerate(loc):
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += ("" if index == 0 else ".") + part
    return path


#: What a pattern means, for the patterns config values are checked against.
_PATTERN_MEANINGS = {
    SLUG_PATTERN: "a slug: lowercase letters, digits and dashes, such as ml-team",
    DNS_LABEL: "a DNS label: 1-63 of [a-z0-9-], starting and ending with a letter or digit",
    PROBE_PATH_PATTERN: PROBE_PATH_MEANING,
    r"^\S+$": "text without spaces",
}


def _readable_message(error: Mapping[str, Any]) -> str:
    """Pydantic's message in the README's words where its own text is about its internals."""
    kind, context = error.get("type", ""), error.get("ctx") or {}
    if kind == "string_pattern_mismatch":
        pattern = str(context.get("pattern", ""))
        return f"must be {_PATTERN_MEANINGS.get(pattern, f'text matching {pattern}')}"
    if kind == "literal_error":
        allowed = re.findall(r"'([^']*)'", str(context.get("expected", "")))
        return f"must be one of {' | '.join(allowed)}"
    return str(error.get("msg", "invalid")).removeprefix("Value error, ")


def _mentions(message: str, value: object) -> bool:
    """Whether ``message`` already quotes the value (so ``(got ...)`` would repeat it)."""
    if isinstance(value, str):
        return repr(value) in message or json.dumps(value) in message
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return re.search(rf"(?<![\w.]){re.escape(str(value))}(?![\w.])", message) is not None
    return False


def _describe(error: Mapping[str, Any]) -> str:
    loc = tuple(error.get("loc", ()))
    path = _loc_to_path(loc) if loc else f"{NAMESPACE}:<root>"
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        return f"{path}: unknown key (value {error.get('input')!r}); check its spelling"
    if kind == "missing":
        return f"{path}: required key is missing"
    message = _readable_message(error)
    value = error.get("input")
    if isinstance(value, (dict, list)) and kind not in ("literal_error", "string_type"):
        return f"{path}: {message}"  # a section's own rule: the message names its values
    if _mentions(message, value):
        return f"{path}: {message}"
    return f"{path}: {message} (got {json.dumps(value, default=str)})"


def parse_config_value(raw: object) -> object:
    """Pulumi hands structured config values over as JSON text; decode them, leave the rest."""
    if isinstance(raw, str):
        text = raw.strip()
        if text[:1] in "{[" or text in ("true", "false") or re.fullmatch(r"-?\d+(\.\d+)?", text):
            try:
                return json.loads(text)
            except json.JSONDecodeError:
                return raw
    return raw


#: ``thrifty:`` keys read by the offline engine (``thrifty plan``), not by the components:
#: ``answers`` names a Python hook for offline answers (:mod:`thrifty.offline.answers`).
OFFLINE_ENGINE_KEYS = frozenset({"answers"})


def validate_environment_config(
    raw_config: Mapping[str, object], *, stack: str, project: str | None = None
) -> EnvironmentConfig:
    """Validate a stack's full config map (``namespace:key -> value``) into EnvironmentConfig.

    Collects every problem (unknown namespaces, unknown keys, bad values, tags that cannot be
    rendered for the chosen cloud) and raises one :class:`ConfigError`.
    """
    problems: list[str] = []
    section: dict[str, object] = {}
    allowed_namespaces = KNOWN_NAMESPACES | ({project} if project else set())
    for full_key, raw in raw_config.items():
        namespace, sep, key = full_key.partition(":")
        if not sep:
            problems.append(f"{full_key}: config keys must be namespaced, e.g. thrifty:{full_key}")
        elif namespace not in allowed_namespaces:
            problems.append(
                f"{full_key}: unknown config namespace {namespace!r} "
                f"(allowed: {', '.join(sorted(allowed_namespaces))})"
            )
        elif namespace == NAMESPACE and key not in OFFLINE_ENGINE_KEYS:
            section[key] = parse_config_value(raw)
    try:
        config = EnvironmentConfig.model_validate(section)
    except ValidationError as error:
        # Errors at the root are the cross-section rules, which _cross_problems lists with
        # their paths below.
        problems.extend(_describe(detail) for detail in error.errors() if detail["loc"])
        # Sections that are valid on their own are still checked against the cloud, so
        # that one round of fixes is enough.
        failed = {str(detail["loc"][0]) for detail in error.errors() if detail["loc"]}
        problems.extend(_cross_problems(_CheckedParts.from_section(section, failed)))
        raise ConfigError(stack, problems) from None
    problems.extend(_cross_problems(_CheckedParts.from_config(config)))
    if problems:
        raise ConfigError(stack, problems)
    return config


@dataclass(frozen=True)
class _Entries:
    """A mapping section (``workloads``, ``namespaces``) validated entry by entry."""

    valid: dict[str, Any]
    #: Entries that failed their own validation (reported already), as the stack file wrote them.
    invalid: dict[str, object]


@dataclass(frozen=True)
class _CheckedParts:
    """The sections the cross-section checks need, each None where it is invalid or absent."""

    cloud: Cloud | None
    environment: Environment | None
    tags: TagsConfig | None
    budget: BudgetConfig | None
    caps: CapsConfig | None
    cluster: ClusterSpec | None
    off_hours: OffHoursSpec | None
    storage: StorageConfig | None
    workloads: _Entries | None = None
    namespaces: _Entries | None = None
    region: str | None = None
    network: NetworkSpec | None = None
    monitoring: MonitoringSpec | None = None
    #: Which keys are set at all (a section is also None above when it is invalid).
    present: frozenset[str] = frozenset()

    @classmethod
    def from_config(cls, config: EnvironmentConfig) -> _CheckedParts:
        return cls(
            config.cloud,
            config.environment,
            config.tags,
            config.budget,
            config.caps,
            config.cluster,
            config.off_hours,
            config.storage,
            workloads=_Entries(dict(config.workloads), {}),
            namespaces=_Entries(dict(config.namespaces), {}),
            region=config.region,
            network=config.network,
            monitoring=config.monitoring,
            present=frozenset(
                key
                for key, value in (
                    ("cluster", config.cluster),
                    ("network", config.network),
                    ("gcpProject", config.gcp_project),
                    ("gcpBillingAccount", config.gcp_billing_account),
                )
                if value is not None
            ),
        )

    @classmethod
    def from_section(cls, section: Mapping[str, object], failed: set[str]) -> _CheckedParts:
        """Validate each section alone; skip those that already failed (reported once)."""

        def part(key: str, model: type[_M]) -> _M | None:
            if key in failed or key not in section:
                return None
            try:
                return model.model_validate(section[key])
            except ValidationError:
                return None

        cloud, environment = section.get("cloud"), section.get("environment")
        region = section.get("region")
        return cls(
            cloud if cloud in CLOUDS and "cloud" not in failed else None,
            environment if environment in ENVIRONMENTS and "environment" not in failed else None,
            part("tags", TagsConfig),
            part("budget", BudgetConfig),
            part("caps", CapsConfig) if "caps" in section else CapsConfig(),
            part("cluster", ClusterSpec),
            part("offHours", OffHoursSpec),
            part("storage", StorageConfig),
            workloads=_entries(section.get("workloads", {}), _WORKLOAD),
            namespaces=_entries(section.get("namespaces", {}), _NAMESPACE),
            region=region if isinstance(region, str) and "region" not in failed else None,
            network=part("network", NetworkSpec),
            monitoring=part("monitoring", MonitoringSpec),
            present=frozenset(key for key, value in section.items() if value is not None),
        )


_WORKLOAD = TypeAdapter(WorkloadSpec)
_NAMESPACE = TypeAdapter(NamespaceSpec)


def _entries(raw: object, adapter: TypeAdapter[Any]) -> _Entries | None:
    """A mapping section validated entry by entry; None when it is not a mapping at all."""
    if not isinstance(raw, Mapping):
        return None
    valid: dict[str, Any] = {}
    invalid: dict[str, object] = {}
    for name, entry in raw.items():
        try:
            valid[str(name)] = adapter.validate_python(entry)
        except ValidationError:
            invalid[str(name)] = entry
    return _Entries(valid, invalid)


def _workload_problems(parts: _CheckedParts) -> list[str]:
    """Workloads against their namespaces, and both against the cluster they need.

    Entries are checked one by one: the rules between entries run on the valid ones, and an
    invalid entry still gets the cross-field rules its valid fields allow.
    """
    workloads, namespaces = parts.workloads, parts.namespaces
    problems = [
        f"{NAMESPACE}:{key}: {', '.join(sorted([*entries.valid, *entries.invalid]))} cannot "
        "be created without thrifty:cluster (workloads and namespaces live on the stack's "
        "Kubernetes cluster); add a cluster or remove them"
        for key, entries in (("workloads", workloads), ("namespaces", namespaces))
        if entries is not None
        and (entries.valid or entries.invalid)
        and "cluster" not in parts.present
    ]
    for key, entries, check in (
        ("workloads", workloads, entry_problems),
        ("namespaces", namespaces, namespace_entry_problems),
    ):
        for name, raw in (entries.invalid if entries is not None else {}).items():
            problems.extend(f"{NAMESPACE}:{key}.{name}.{problem}" for problem in check(raw))
    if workloads is not None and namespaces is not None:
        problems.extend(
            f"{NAMESPACE}:{problem}"
            for problem in workload_problems(
                workloads.valid,
                namespaces.valid,
                invalid_workloads=list(workloads.invalid),
                invalid_namespaces=list(namespaces.invalid),
            )
        )
    return problems


def _environment_problems(parts: _CheckedParts) -> list[str]:
    """The rules between top-level keys: region vs cloud, GCP ids, monitoring, tags."""
    cloud, present = parts.cloud, parts.present
    problems = []
    if cloud is not None and parts.region is not None:
        pattern, example = _REGION_PATTERNS[cloud]
        if re.match(pattern, parts.region) is None:
            problems.append(f"{NAMESPACE}:region: region {parts.region!r} is not {example}")
    if cloud == "gcp":
        problems.extend(
            f"{NAMESPACE}:{key}: required when cloud is gcp{why}"
            for key, why in (("gcpProject", ""), ("gcpBillingAccount", " (budgets live on it)"))
            if key not in present
        )
    if parts.monitoring is not None and parts.monitoring.enabled and "cluster" not in present:
        problems.append(
            f"{NAMESPACE}:monitoring: monitoring is enabled but there is no thrifty:cluster to "
            "install it on; add a cluster or set monitoring.enabled: false"
        )
    tags_environment = parts.tags.environment if parts.tags is not None else None
    if tags_environment not in (None, parts.environment) and parts.environment is not None:
        problems.append(
            f"{NAMESPACE}:tags.environment: {tags_environment!r} disagrees with "
            f"environment {parts.environment!r}; set it once, in thrifty:environment"
        )
    return problems


def _network_problems(parts: _CheckedParts, cloud: Cloud, environment: Environment) -> list[str]:
    """``thrifty:network`` for the stack's cloud, environment and region (the network spec's
    own rules), and whether the cluster needs one."""
    problems: list[str] = []
    if parts.network is not None:
        problems.extend(
            f"{NAMESPACE}:network.{problem}"
            for problem in network_problems(
                parts.network, cloud=cloud, environment=environment, region=parts.region
            )
        )
    if "cluster" in parts.present:
        problems.extend(
            own_network_problems(
                cloud=cloud,
                environment=environment,
                has_network="network" in parts.present,
                field=f"{NAMESPACE}:network",
                remedy="add thrifty:network (cidr, zones, publicAccessCidrs)",
            )
        )
    return problems


def _cross_problems(parts: _CheckedParts) -> list[str]:
    """What the chosen cloud and environment refuse, section by section."""
    cloud, environment = parts.cloud, parts.environment
    problems = _environment_problems(parts) + _workload_problems(parts)
    if cloud is None or environment is None:
        return problems
    problems.extend(_network_problems(parts, cloud, environment))
    if parts.tags is not None:
        problems.extend(_tag_problems(parts.tags, environment, cloud))
    if parts.budget is not None:
        problems.extend(
            f"{NAMESPACE}:budget.{problem}" for problem in check_for_cloud(parts.budget, cloud)
        )
    if parts.cluster is not None and parts.caps is not None:
        problems.extend(
            f"{NAMESPACE}:{problem}"
            if problem.startswith("offHours")
            else f"{NAMESPACE}:cluster.{problem}"
            for problem in cluster_problems(
                parts.cluster,
                cloud=cloud,
                environment=environment,
                caps=parts.caps,
                off_hours=parts.off_hours,
            )
        )
    if parts.storage is not None:
        problems.extend(parts.storage.problems(cloud=cloud, environment=environment))
    return problems


def _tag_problems(tags_config: TagsConfig, environment: Environment, cloud: Cloud) -> list[str]:
    """Check that the tags render on the stack's cloud and on Kubernetes (extra tags may not)."""
    try:
        tags = cost_tags_of(tags_config, environment)
    except ValidationError as error:  # extra tags that shadow a standard key
        return [
            f"{NAMESPACE}:tags.extra: {str(detail['msg']).removeprefix('Value error, ')}"
            for detail in error.errors()
        ]
    renderings = {"aws": tags.aws, "gcp": tags.gcp, "azure": tags.azure}
    problems = []
    for render in (renderings[cloud], tags.kubernetes):
        try:
            render()
        except TagRenderError as error:
            problems.append(f"{NAMESPACE}:tags: {error}")
    return problems


def load_environment_config() -> EnvironmentConfig:
    """Read and validate the running stack's config through the Pulumi SDK.

    Reads the whole config map the engine handed to the program (not key by key), so that
    unknown keys and unknown namespaces are found too.
    """
    import pulumi
    from pulumi.runtime.config import CONFIG, get_config_env

    raw: dict[str, object] = {**get_config_env(), **CONFIG.get()}
    return validate_environment_config(raw, stack=pulumi.get_stack(), project=pulumi.get_project())


__all__ = [
    "CLOUDS",
    "COST_TAG_KEYS",
    "BudgetAlert",
    "BudgetConfig",
    "CapsConfig",
    "Cloud",
    "ConfigError",
    "EnvironmentConfig",
    "TagsConfig",
    "guide_alerts",
    "load_environment_config",
    "validate_environment_config",
]
