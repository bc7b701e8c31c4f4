"""``thrifty plan``'s model: what a stack would create, how it is tagged, grouped for a report.

Assembles the offline plan from a recording. The policy and cost steps add their results to
the same :class:`Plan` (``plan.sections``) so the command, its formats and its exit code grow
in one place. Rendering lives in :mod:`thrifty.offline.report`.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from thrifty.offline.recording import RecordedResource, Recording, record_stack
from thrifty.taggable import PROVIDER_DEFAULT_TAGS, tag_path, tags_of
from thrifty.tags import COST_TAG_KEYS

COMPONENT_PACKAGE = "component"


@dataclass(frozen=True)
class TagStatus:
    """How one resource stands against the tag standard."""

    taggable: bool
    tags: dict[str, str] = field(default_factory=dict)
    from_provider: dict[str, str] = field(default_factory=dict)

    @property
    def effective(self) -> dict[str, str]:
        """The tags the cloud would see: provider defaults, overridden by the resource's own."""
        return {**self.from_provider, **self.tags}

    @property
    def missing(self) -> list[str]:
        if not self.taggable:
            return []
        return [key for key in COST_TAG_KEYS if key not in self.effective]


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


@dataclass
class Plan:
    """The offline plan of one stack."""

    recording: Recording
    roots: list[PlanNode]
    statuses: dict[str, TagStatus]
    sections: list[PlanSection] = field(default_factory=list)

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
        """Taggable resources that miss at least one cost key (after provider defaults)."""
        return [r for r in self.resources if self.statuses[r.urn].missing]

    def taggable_count(self) -> int:
        return sum(1 for r in self.resources if self.statuses[r.urn].taggable)

    @property
    def failed(self) -> bool:
        """True when a step found something that must fail CI."""
        return any(section.failed for section in self.sections)


def _decoded(value: object) -> object:
    """Provider inputs reach the engine as JSON text for nested values: decode those."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _string_map(value: object) -> dict[str, str]:
    value = _decoded(value)
    if not isinstance(value, dict):
        return {}
    return {str(key): item for key, item in value.items() if isinstance(item, str)}


def provider_default_tags(provider: RecordedResource | None) -> dict[str, str]:
    """Tags a provider adds to every resource (AWS ``defaultTags.tags``, GCP ``defaultLabels``)."""
    path = PROVIDER_DEFAULT_TAGS.get(provider.type) if provider else None
    if provider is None or path is None:
        return {}
    value: object = provider.inputs
    for key in path:
        value = _decoded(value)
        value = value.get(key) if isinstance(value, dict) else None
    return _string_map(value)


def tag_status(recording: Recording, resource: RecordedResource) -> TagStatus:
    """Whether ``resource`` can carry tags and which cost tags it and its provider give."""
    if not resource.custom or resource.is_provider or tag_path(resource.type) is None:
        return TagStatus(taggable=False)
    own = _string_map(tags_of(resource.type, resource.inputs))
    return TagStatus(
        taggable=True,
        tags=own,
        from_provider=provider_default_tags(recording.provider_of(resource)),
    )


def build_tree(recording: Recording) -> tuple[list[PlanNode], dict[str, TagStatus]]:
    """Arrange the recorded resources by parent; resources under the stack become roots."""
    statuses = {r.urn: tag_status(recording, r) for r in recording.resources}
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


def plan_stack(project_dir: str | Path, stack: str) -> Plan:
    """Record ``stack`` of the project in ``project_dir`` offline and build its plan."""
    return plan_recording(record_stack(project_dir, stack))
