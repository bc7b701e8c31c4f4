"""``thrifty plan``'s model: what a stack would create, how it is tagged, grouped for a report.

Assembles the offline plan from a recording. The policy and cost steps add their results to
the same :class:`Plan` (``plan.sections``) so the command, its formats and its exit code grow
in one place. Rendering lives in :mod:`thrifty.offline.report`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from thrifty.offline.providers import default_provider_properties, default_provider_type
from thrifty.offline.recording import RecordedResource, Recording, record_stack
from thrifty.preview import is_unknown
from thrifty.tag_reader import (
    PartTags,
    Stack,
    Subject,
    TagMap,
    provider_default_tags,
    read_resource_tags,
)
from thrifty.taggable import tag_path
from thrifty.tags import COST_TAG_KEYS

COMPONENT_PACKAGE = "component"


@dataclass(frozen=True)
class TagStatus:
    """How one resource stands against the cost tags, read where the bill will see them.

    ``taggable``: the resource can carry tags at all; ``needed``: it is billed and so needs the
    cost tags (:mod:`thrifty.billable`); ``parts``: each billed thing it makes and the tags that
    will reach it (:mod:`thrifty.tag_reader`, the reader the policy pack uses too).
    """

    taggable: bool
    needed: bool = False
    reason: str = ""
    parts: tuple[PartTags, ...] = ()

    @property
    def effective(self) -> dict[str, str]:
        """The known cost tags of the resource's first billed part (for chargeback)."""
        if not self.parts:
            return {}
        part = self.parts[0]
        return {
            key: value
            for key in COST_TAG_KEYS
            if isinstance(value := part.value(key), str) and value and not is_unknown(value)
        }

    @property
    def missing(self) -> list[str]:
        """Cost keys that some billed part surely lacks (none for resources not billed)."""
        return _union(part.missing(COST_TAG_KEYS) for part in self.parts)

    @property
    def unknown(self) -> list[str]:
        """Cost keys whose value is unknown during preview on some billed part."""
        return _union(part.unknown_keys(COST_TAG_KEYS) for part in self.parts)

    @property
    def problems(self) -> list[str]:
        """What could not be read (malformed tags, a reference that leads out of the stack)."""
        return [problem for part in self.parts for problem in part.problems]


def _union(groups: Any) -> list[str]:
    found = {key for group in groups for key in group}
    return [key for key in COST_TAG_KEYS if key in found]


@dataclass
class PlanNode:
    """A resource and the resources registered with it as parent."""

    resource: RecordedResource
    tag_status: TagStatus
    children: list[PlanNode] = field(default_factory=list)


@dataclass
class PlanSection:
    """A later step's contribution (policies, costs): a title, lines, data, and a verdict."""

    title: str
    lines: list[str]
    data: dict[str, Any] = field(default_factory=dict)
    failed: bool = False
    summary: str = ""
    #: When set, ``--format json`` puts ``data`` at the document's top level under this key
    #: (``cost``) instead of inside ``sections``.
    json_key: str | None = None
    #: Richer Markdown (tables) for a pull-request comment; None: ``lines`` as a bullet list.
    markdown: list[str] | None = None


@dataclass
class Plan:
    """The offline plan of one stack."""

    recording: Recording
    roots: list[PlanNode]
    statuses: dict[str, TagStatus]
    sections: list[PlanSection] = field(default_factory=list)
    #: Per-URN fields a step adds to the resource's JSON entry (``monthlyCost``).
    annotations: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def resources(self) -> list[RecordedResource]:
        return self.recording.resources

    def by_cloud(self) -> dict[str, int]:
        """Resource count per package (components counted apart)."""
        counts = Counter(
            resource.package if resource.custom else COMPONENT_PACKAGE
            for resource in self.resources
        )
        return dict(sorted(counts.items()))

    def untagged(self) -> list[RecordedResource]:
        """Billed resources whose bill misses at least one cost key (provider defaults,
        launch templates and clusters counted)."""
        return [r for r in self.resources if self.statuses[r.urn].missing]

    def tags_unknown(self) -> list[RecordedResource]:
        """Billed resources with a cost tag that is unknown until deployment (or unreadable),
        and none surely missing."""
        return [
            r
            for r in self.resources
            if not self.statuses[r.urn].missing
            and (self.statuses[r.urn].unknown or self.statuses[r.urn].problems)
        ]

    def taggable_count(self) -> int:
        """Resources that can carry tags at all."""
        return sum(1 for r in self.resources if self.statuses[r.urn].taggable)

    def needs_tags_count(self) -> int:
        """Resources the bill charges for, which need the cost tags."""
        return sum(1 for r in self.resources if self.statuses[r.urn].needed)

    @property
    def failed(self) -> bool:
        """True when a step found something that must fail CI."""
        return any(section.failed for section in self.sections)


def _provider(
    recording: Recording, resource: RecordedResource
) -> tuple[str, Mapping[str, Any]]:
    """The type and props of the provider the engine gives ``resource``: its explicit provider,
    else the package's default provider, whose props come from the stack's config."""
    explicit = recording.provider_of(resource)
    if explicit is not None:
        return explicit.type, explicit.inputs
    return (
        default_provider_type(resource.package),
        default_provider_properties(resource.package, recording.config),
    )


def _subject(recording: Recording, resource: RecordedResource) -> Subject:
    provider_type, provider_props = _provider(recording, resource)
    return Subject(
        type=resource.type,
        name=resource.name,
        urn=resource.urn,
        props=resource.inputs,
        provider_type=provider_type,
        provider_props=provider_props,
        property_dependencies=resource.property_dependencies,
    )


def provider_default_tags_of(provider: RecordedResource) -> TagMap:
    """The default tags a provider resource gives (AWS ``defaultTags.tags``, GCP
    ``defaultLabels``), read by the same reader the policy pack uses."""
    return provider_default_tags(provider.type, provider.inputs)


def tag_statuses(recording: Recording) -> dict[str, TagStatus]:
    """The tag status of every recorded resource, references between resources followed."""
    subjects = {
        resource.urn: _subject(recording, resource)
        for resource in recording.resources
        if resource.custom and not resource.is_provider
    }
    stack = Stack(subjects.values())
    statuses: dict[str, TagStatus] = {}
    for resource in recording.resources:
        subject = subjects.get(resource.urn)
        read = read_resource_tags(subject, stack=stack) if subject is not None else None
        if read is None:
            statuses[resource.urn] = TagStatus(taggable=False)
        else:
            statuses[resource.urn] = TagStatus(
                taggable=tag_path(resource.type) is not None or bool(read.parts),
                needed=read.needed,
                reason=read.decision.reason,
                parts=read.parts,
            )
    return statuses


def build_tree(recording: Recording) -> tuple[list[PlanNode], dict[str, TagStatus]]:
    """Arrange the recorded resources by parent; resources under the stack become roots."""
    statuses = tag_statuses(recording)
    nodes = {r.urn: PlanNode(r, statuses[r.urn]) for r in recording.resources}
    roots: list[PlanNode] = []
    # Registration order depends on asyncio scheduling; sort by name so that two plans of the
    # same program print the same tree (and diff cleanly in CI logs).
    for resource in sorted(recording.resources, key=lambda r: (r.name, r.type)):
        parent = nodes.get(resource.parent)
        (parent.children if parent else roots).append(nodes[resource.urn])
    return roots, statuses


def plan_recording(recording: Recording) -> Plan:
    """The plan of an already recorded program."""
    roots, statuses = build_tree(recording)
    return Plan(recording=recording, roots=roots, statuses=statuses)


def plan_stack(project_dir: str | Path, stack: str, *, preview: bool = True) -> Plan:
    """Record ``stack`` of the project in ``project_dir`` offline and build its plan.

    ``preview=False`` runs the program with ``pulumi up`` semantics (``thrifty plan --up``).
    """
    return plan_recording(record_stack(project_dir, stack, preview=preview))
