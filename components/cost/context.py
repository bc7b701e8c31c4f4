"""What a pricing rule may know beyond its own resource: the other resources, usage, hours.

Built once per estimate: indexes by URN, id, type and parent (so a rule's lookups are dict
gets, and 10,000 resources price in well under a second), the usage file, the hours per month,
and the off-hours effects that schedules and off-hours jobs have on pools (computed by the
cloud modules' linkers and looked up by pool URN). A pool counts one night: when two
mechanisms act on it (scheduled actions and off-hours jobs, say), the first linker's effect is
counted (the engine runs the clouds' schedules before the Kubernetes jobs: an action's sizes
are explicit, the jobs' night is the pool's minimum) and the other's resources say so.
The workload fit (:mod:`thrifty.cost.fit`) adds the nodes each pool's pods need, by pool
(:class:`PoolNeed`), which the pools' pricing reads.

References between resources (a node group's launch template, a lifecycle configuration's
bucket, a scheduled action's group) are resolved in this order: the resource's property
dependencies (the engine says which resource a property's value came from, even when the
value is unknown during preview), then the value itself matched against another resource's id
or name properties. An unresolved reference is None: the rule says what it could not price.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from thrifty.cost.props import MISSING, NotPriced, value_at
from thrifty.cost.spec import CostInput, is_unknown
from thrifty.cost.usage import ResourceUsage, Usage

if TYPE_CHECKING:
    from thrifty.cost.catalog import Cloud


@dataclass(frozen=True)
class NightEffect:
    """A pool spends ``fraction`` of the week at night size (``night_nodes``; None: its
    minimum), because of the resources in ``by`` (scheduled actions, off-hours jobs)."""

    fraction: float
    description: str
    by: tuple[str, ...]
    night_nodes: int | None = None


#: A cloud module's linker: finds the night effects in the resources, by pool URN.
Linker = Callable[["Context"], Mapping[str, NightEffect]]

#: One node pool: its resource's URN and the label its pricing rule gives it ("nodes", or
#: "pool system" for a pool inline in an AKS cluster).
PoolKey = tuple[str, str]


@dataclass(frozen=True)
class PoolShape:
    """What a pool's pricing rule knows of it, kept when the workload fit surveys the pools
    (:mod:`thrifty.cost.fit`): its bounds, instance types, capacity type, node price and
    props (the resource's, or the inline pool's)."""

    resource: CostInput
    label: str
    cloud: Cloud
    bounds: tuple[float, float]
    instance_types: tuple[str, ...]
    spot: bool
    hourly: float
    props: Mapping[str, Any]


@dataclass(frozen=True)
class PoolNeed:
    """The nodes a pool's share of the workloads' pods needs, in working hours and at night
    (None: no night effect to adjust), and how that came about in words."""

    nodes: int
    night_nodes: int | None
    description: str


class Context:
    """Indexes and shared inputs of one estimate (see the module docs)."""

    def __init__(
        self,
        resources: Sequence[CostInput],
        usage: Usage | None,
        hours_per_month: float,
        linkers: Iterable[Linker] = (),
    ) -> None:
        self.resources = resources
        self.usage = usage or Usage()
        self.hours = hours_per_month
        self.by_urn: dict[str, CostInput] = {}
        self.by_id: dict[str, CostInput] = {}
        self.by_type: dict[str, list[CostInput]] = defaultdict(list)
        self.children: dict[str, list[CostInput]] = defaultdict(list)
        for resource in resources:
            self.by_urn[resource.urn] = resource
            if resource.id:
                self.by_id[resource.id] = resource
            self.by_type[resource.type].append(resource)
            if resource.parent:
                self.children[resource.parent].append(resource)
        self.used_usage_keys: set[str] = set()
        self._ordinals: dict[tuple[str, ...], dict[str, int]] = {}
        #: Indexes a cloud module builds once per estimate (reverse references).
        self.memo: dict[str, Any] = {}
        self.night: dict[str, NightEffect] = {}
        self.applied: dict[str, str] = {}
        self.link_notes: dict[str, str] = {}
        #: Set by the workload fit: None, or where pricing rules record their pools' shapes.
        self.survey: dict[PoolKey, PoolShape] | None = None
        #: The nodes each pool's workloads need (set by the fit, read when pricing pools).
        self.pool_need: dict[PoolKey, PoolNeed] = {}
        for linker in linkers:
            for pool, effect in linker(self).items():
                counted = self.night.get(pool)
                if counted is not None:
                    for urn in effect.by:
                        self.link_notes[urn] = (
                            f"{self.by_urn[pool].name} already follows {counted.description}; "
                            "one night is counted per pool"
                        )
                    continue
                self.night[pool] = effect
                for urn in effect.by:
                    self.applied[urn] = pool

    @property
    def days_per_month(self) -> float:
        return self.hours / 24

    def usage_of(self, resource: CostInput) -> ResourceUsage | None:
        """The usage file's entry for ``resource`` (marks it as used)."""
        for key in (resource.urn, resource.name):
            entry = self.usage.resources.get(key)
            if entry is not None:
                self.used_usage_keys.add(key)
                return entry
        return None

    def of_type(self, *types: str) -> list[CostInput]:
        return [resource for token in types for resource in self.by_type.get(token, ())]

    def resolve(
        self,
        resource: CostInput,
        prop: str,
        types: Sequence[str],
        match: Sequence[str] = ("name",),
    ) -> CostInput | None:
        """The resource of one of ``types`` that ``resource.props[prop]`` refers to."""
        top = prop.split(".", 1)[0]
        for urn in resource.property_dependencies.get(top, ()):
            found = self.by_urn.get(urn)
            if found is not None and found.type in types:
                return found
        try:
            value = value_at(resource.props, prop)
        except NotPriced:
            return None
        if value is MISSING or is_unknown(value) or not isinstance(value, str) or not value:
            return None
        found = self.by_id.get(value)
        if found is not None and found.type in types:
            return found
        for candidate in self.of_type(*types):
            for key in match:
                try:
                    if value_at(candidate.props, key) == value:
                        return candidate
                except NotPriced:
                    continue
        return None

    def referrers(
        self,
        types: Sequence[str],
        prop: str,
        targets: Sequence[str],
        match: Sequence[str] = ("name",),
    ) -> dict[str, list[CostInput]]:
        """Target URN -> the resources of ``types`` whose ``prop`` refers to it (built once).

        A reference that cannot be resolved (unknown during preview, no dependency given)
        falls back to the one resource of ``targets`` that shares the referrer's parent
        component, when there is exactly one (a bucket component's lifecycle rules).
        """
        key = f"referrers:{','.join(types)}:{prop}:{','.join(targets)}"
        found = self.memo.get(key)
        if found is None:
            found = defaultdict(list)
            for resource in self.of_type(*types):
                target = self.resolve(resource, prop, targets, match)
                if target is None and resource.parent:
                    siblings = [c for c in self.children[resource.parent] if c.type in targets]
                    target = siblings[0] if len(siblings) == 1 else None
                if target is not None:
                    found[target.urn].append(resource)
            self.memo[key] = found
        return found

    def ancestors(self, resource: CostInput) -> list[str]:
        """Parent URNs from the nearest up (only those in the estimate are followed)."""
        chain: list[str] = []
        parent = resource.parent
        while parent and parent not in chain:
            chain.append(parent)
            found = self.by_urn.get(parent)
            parent = found.parent if found is not None else ""
        return chain

    def ordinal(self, resource: CostInput, types: tuple[str, ...]) -> int:
        """Position of ``resource`` among all resources of ``types`` (stack order)."""
        index = self._ordinals.get(types)
        if index is None:
            index = {r.urn: i for i, r in enumerate(self.of_type(*types))}
            self._ordinals[types] = index
        return index.get(resource.urn, 0)


__all__ = ["Context", "Linker", "NightEffect", "PoolKey", "PoolNeed", "PoolShape"]
