"""The one reader of cost tags: where the bill will see them, for the plan and the pack alike.

Given a resource in wire form (its props, its provider's type and props) it reads every billed
part of :func:`thrifty.bill_tags.route_for` and merges, per part: the provider's default tags
(AWS ``defaultTags.tags``, GCP ``defaultLabels``; the azure-native and kubernetes providers have
no such setting) where they reach, then the tags of other resources the part takes tags from
(a launch template, a cluster), then the resource's own locations. Provider props arrive as
JSON text at any level (the engine sends nested provider inputs so, and a default provider is
built from ``<package>:*`` stack config values, which are text): the reader decodes it.

It never raises on strange values. What it cannot read is part of its answer, for each caller
to map: a value unknown during preview (the sentinel) makes its key, or the whole location,
**unknown**, never present and never missing; a malformed map or an unresolvable reference is a
**problem**. The policy pack reports unknowns as "unknown during preview" and problems as not
checkable; the plan shows them as ``(unknown)`` and ``(not checkable: ...)``.

Plain Python; knows nothing of pulumi_policy or the recording engine.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from thrifty.bill_tags import BilledPart, Location, Reference, Route, own_route, route_for
from thrifty.billable import Decision, Scope, needs_cost_tags
from thrifty.preview import is_unknown

#: Where a provider resource keeps the tags it applies to the resources it manages.
PROVIDER_DEFAULT_TAGS: dict[str, str] = {
    "pulumi:providers:aws": "defaultTags.tags",
    "pulumi:providers:gcp": "defaultLabels",
}
#: Packages whose tag keys are case-insensitive (Azure).
_CASE_INSENSITIVE = frozenset({"azure-native"})


class TagSubject(Protocol):
    """What the reader needs of a resource (``thrifty.policies.core.Resource`` has it all)."""

    @property
    def type(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def urn(self) -> str: ...
    @property
    def props(self) -> Mapping[str, Any]: ...
    @property
    def provider_type(self) -> str: ...
    @property
    def provider_props(self) -> Mapping[str, Any]: ...
    @property
    def property_dependencies(self) -> Mapping[str, Sequence[str]]: ...


@dataclass(frozen=True)
class Subject:
    """A plain :class:`TagSubject` (the plan builds these from recorded resources)."""

    type: str
    name: str
    urn: str
    props: Mapping[str, Any]
    provider_type: str = ""
    provider_props: Mapping[str, Any] = field(default_factory=dict)
    property_dependencies: Mapping[str, Sequence[str]] = field(default_factory=dict)


# --- Reading one value as tags -------------------------------------------------------------


@dataclass
class TagMap:
    """Tags read from one place: values as found, plus what could not be read."""

    values: dict[str, object] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _decoded(value: object) -> object:
    """JSON text holding an object or a list, decoded (provider props arrive so)."""
    if isinstance(value, str) and value[:1] in "{[" and not is_unknown(value):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _describe(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _propagates(entry: Mapping[str, Any], where: str, read: TagMap) -> bool | None:
    flag = entry.get("propagateAtLaunch")
    if is_unknown(flag):
        read.unknown.append(f"{where}.propagateAtLaunch is unknown during preview")
        return None
    return flag is True or (isinstance(flag, str) and flag.lower() == "true")


def _read_list(items: list[Any], where: str, propagating: bool, read: TagMap) -> None:
    """An AWS Auto Scaling group's ``[{key, value, propagateAtLaunch}]`` form."""
    for index, item in enumerate(items):
        item_where = f"{where}.{index}"
        if is_unknown(item):
            read.unknown.append(f"{item_where} is unknown during preview")
            continue
        if not isinstance(item, Mapping) or not isinstance(item.get("key"), str):
            read.problems.append(f"{item_where} should be an object with a text key")
            continue
        if propagating and not _propagates(item, item_where, read):
            continue
        read.values[item["key"]] = item.get("value")


def read_tags(value: object, where: str, *, propagating: bool = False) -> TagMap:
    """Tags from a wire value: an object, a list of ``{key, value}``, JSON text, unknown, None."""
    read = TagMap()
    value = _decoded(value)
    if value is None:
        return read
    if is_unknown(value):
        read.unknown.append(f"{where} is unknown during preview")
    elif isinstance(value, Mapping):
        read.values.update({str(key): item for key, item in value.items()})
    elif isinstance(value, list):
        _read_list(value, where, propagating, read)
    else:
        read.problems.append(f"{where} should be an object of tags, got {_describe(value)}")
    return read


def provider_default_tags(provider_type: str, provider_props: Mapping[str, Any]) -> TagMap:
    """The tags a provider adds to the resources it manages (empty for other providers)."""
    path = PROVIDER_DEFAULT_TAGS.get(provider_type)
    if path is None:
        return TagMap()
    where = "the provider's " + path
    found = TagMap()
    for value, _ in _walk(provider_props, path.split("."), (), found):
        merged = read_tags(value, where)
        found.values.update(merged.values)
        found.unknown += merged.unknown
        found.problems += merged.problems
    return found


# --- Walking a path ------------------------------------------------------------------------


def _item_selected(
    item: object, only: tuple[tuple[str, str], ...], where: str, read: TagMap
) -> bool:
    for key, wanted in only:
        actual = item.get(key) if isinstance(item, Mapping) else None
        if is_unknown(actual):
            read.unknown.append(f"{where}.{key} is unknown during preview")
            return False
        if actual != wanted:
            return False
    return True


def _walk(
    value: object,
    parts: list[str],
    only: tuple[tuple[str, str], ...],
    read: TagMap,
    walked: str = "",
) -> Iterator[tuple[object, str]]:
    """Each value at the dotted path ``parts`` below ``value`` with its concrete path.

    ``*`` expands every list item (filtered by ``only``); an unknown or malformed value on the
    way is recorded in ``read`` and ends that branch.
    """
    value = _decoded(value)
    if value is None:
        return
    if not parts:
        yield value, walked
        return
    head, rest = parts[0], parts[1:]
    here = walked or "props"
    if is_unknown(value):
        read.unknown.append(f"{here} is unknown during preview")
        return
    if head == "*":
        if not isinstance(value, list):
            read.problems.append(f"{here} should be a list, got {_describe(value)}")
            return
        for index, item in enumerate(value):
            item_path = f"{walked}.{index}"
            if is_unknown(item):
                read.unknown.append(f"{item_path} is unknown during preview")
            elif _item_selected(item, only, item_path, read):
                yield from _walk(item, rest, only, read, item_path)
        return
    if head.isdigit() and isinstance(value, list):
        index = int(head)
        if index < len(value):
            yield from _walk(value[index], rest, only, read, f"{walked}.{head}")
        return
    if not isinstance(value, Mapping):
        read.problems.append(f"{here} should be an object, got {_describe(value)}")
        return
    yield from _walk(value.get(head), rest, only, read, f"{walked}.{head}".lstrip("."))


# --- References between resources -------------------------------------------------------------


class Stack:
    """The resources of one stack, to follow a reference from one to another."""

    def __init__(self, subjects: Iterable[TagSubject]) -> None:
        self._by_urn: dict[str, TagSubject] = {}
        self._by_type: dict[str, list[TagSubject]] = {}
        for subject in subjects:
            self._by_urn[subject.urn] = subject
            self._by_type.setdefault(subject.type, []).append(subject)

    def resolve(
        self, subject: TagSubject, reference: Reference, path: str, names: set[str]
    ) -> TagSubject | None:
        """The resource ``subject`` names at ``path``: by property dependency, else by name."""
        top = path.split(".", 1)[0]
        for urn in subject.property_dependencies.get(top, ()):
            target = self._by_urn.get(urn)
            if target is not None and target.type in reference.target_types:
                return target
        for target_type in reference.target_types:
            for target in self._by_type.get(target_type, []):
                if target.props.get("name") in names:
                    return target
        return None


def _reference_names(value: object, reference: Reference) -> tuple[set[str], bool]:
    """Names a reference value can match (a URL's last segment too), and whether any is unknown."""
    texts: list[object] = []
    if isinstance(value, Mapping):
        texts = [value.get(key) for key in reference.name_keys if value.get(key) is not None]
    else:
        texts = [value]
    names: set[str] = set()
    unknown = False
    for text in texts:
        if is_unknown(text):
            unknown = True
        elif isinstance(text, str):
            names.update({text, text.rstrip("/").rsplit("/", 1)[-1]})
    return names, unknown


# --- Evaluating a billed part --------------------------------------------------------------------


@dataclass
class PartTags:
    """The cost tags one billed part will carry, and what could not be told."""

    what: str
    hint: str
    #: The tags, merged in the route's order: provider defaults < other resources < own.
    values: dict[str, object] = field(default_factory=dict)
    #: Keys whose only source is the provider's default tags.
    from_provider: set[str] = field(default_factory=set)
    #: Why some tags are unknown during preview (a whole map, a list item, a reference).
    unknown: list[str] = field(default_factory=list)
    #: Malformed values and references that lead nowhere: the part cannot be judged fully.
    problems: list[str] = field(default_factory=list)
    #: The part names another resource its tags come from: a stack-level check.
    from_stack: bool = False
    #: Where tags for this part can be added on the resource itself (for remediation).
    target: str = ""
    #: Tags reach the part only through another resource and none is named (an EKS node group
    #: without a launch template): the part carries no tags of the user's at all.
    unreachable: str = ""
    case_insensitive: bool = False

    def value(self, key: str) -> object:
        """The value of ``key`` (matched case-insensitively on Azure), or None."""
        if key in self.values:
            return self.values[key]
        if self.case_insensitive:
            for name, value in self.values.items():
                if name.lower() == key.lower():
                    return value
        return None

    def absent(self, key: str) -> bool:
        value = self.value(key)
        return value is None or value == ""

    def missing(self, keys: Iterable[str]) -> list[str]:
        """Keys surely without a value: none while an unknown or unreadable source could
        still supply them."""
        if self.unknown or self.problems:
            return []
        return [key for key in keys if self.absent(key)]

    def unknown_keys(self, keys: Iterable[str]) -> list[str]:
        """Keys whose value is unknown during preview (a sentinel, or an unknown source)."""
        return [
            key
            for key in keys
            if is_unknown(self.value(key)) or (self.unknown and self.absent(key))
        ]

    def absorb(self, read: TagMap, *, from_provider: bool = False) -> None:
        """Merge tags read from one source (later sources win)."""
        self.values.update(read.values)
        if from_provider:
            self.from_provider |= set(read.values)
        else:
            self.from_provider -= set(read.values)
        self.unknown += read.unknown
        self.problems += read.problems


def _read_location(props: Mapping[str, Any], location: Location, prefix: str = "") -> TagMap:
    """Every tag at a location of ``props`` (a ``*`` location merges its selected items).

    A computed location (``tagsAll``) counts only its known values: it merely repeats the
    other sources, so its being unknown in a preview says nothing.
    """
    read = TagMap()
    walk = TagMap()
    for value, concrete in _walk(props, location.path.split("."), location.only, walk):
        found = read_tags(value, prefix + concrete, propagating=location.propagating)
        read.values.update(found.values)
        read.unknown += found.unknown
        read.problems += found.problems
    if location.computed:
        return TagMap(values={key: v for key, v in read.values.items() if not is_unknown(v)})
    read.unknown += [prefix + reason for reason in walk.unknown]
    read.problems += [prefix + problem for problem in walk.problems]
    return read


def _add_defaults(part: PartTags, subject: TagSubject, locations: Iterable[Location]) -> None:
    if any(location.provider_defaults for location in locations):
        defaults = provider_default_tags(subject.provider_type, subject.provider_props)
        part.absorb(defaults, from_provider=True)


def _reference_label(reference: Reference, concrete: str, names: set[str]) -> str:
    shown = f": {', '.join(sorted(names))}" if names else ""
    return f"{reference.what} ({concrete}{shown})"


def _add_reference(
    part: PartTags, subject: TagSubject, reference: Reference, stack: Stack | None
) -> bool:
    """Merge the tags of the resource ``reference`` names; False when it names none."""
    walk = TagMap()
    named = False
    for path in reference.paths:
        for value, concrete in _walk(subject.props, path.split("."), (), walk):
            named = True
            part.from_stack = True
            if stack is None:
                continue
            names, unknown = _reference_names(value, reference)
            target = stack.resolve(subject, reference, path, names)
            if target is None:
                label = _reference_label(reference, concrete, names)
                if unknown or is_unknown(value):
                    part.unknown.append(f"{label} is unknown during preview")
                else:
                    part.problems.append(f"{label} is not in this stack: its tags cannot be read")
                continue
            prefix = f"{reference.what} {target.name!r}: "
            target_part = PartTags(what=part.what, hint=part.hint)
            _add_defaults(target_part, target, reference.locations)
            for location in reference.locations:
                target_part.absorb(_read_location(target.props, location, prefix))
            part.absorb(TagMap(target_part.values, target_part.unknown, target_part.problems))
    part.unknown += walk.unknown
    part.problems += walk.problems
    return named or bool(walk.unknown)


def _evaluate(subject: TagSubject, part: BilledPart, stack: Stack | None, what: str) -> PartTags:
    package = subject.type.split(":", 1)[0]
    result = PartTags(
        what=what,
        hint=part.hint,
        case_insensitive=package in _CASE_INSENSITIVE,
        target=next(
            (
                location.path
                for location in part.locations
                if "*" not in location.path and not location.computed
            ),
            "",
        ),
    )
    _add_defaults(result, subject, part.locations)
    named = [_add_reference(result, subject, reference, stack) for reference in part.references]
    for location in part.locations:
        result.absorb(_read_location(subject.props, location))
    if part.reference_required and not any(named):
        names = " or ".join(reference.paths[0] for reference in part.references)
        result.unreachable = f"the {subject.type.rsplit(':', 1)[-1]} sets no {names}"
    return result


def _each_item(subject: TagSubject, part: BilledPart, stack: Stack | None) -> list[PartTags]:
    """A part whose list location makes one billed thing per item (AKS agent pool profiles)."""
    location = part.locations[0]
    list_path, _, rest = location.path.partition(".*.")
    holder = TagMap()
    results: list[PartTags] = []
    for items, concrete in _walk(subject.props, list_path.split("."), (), holder):
        if not isinstance(items, list):
            if not is_unknown(items):
                holder.problems.append(f"{concrete} should be a list, got {_describe(items)}")
            else:
                holder.unknown.append(f"{concrete} is unknown during preview")
            continue
        for index, item in enumerate(items):
            name = item.get("name") if isinstance(item, Mapping) else None
            what = f"{part.what} {name!r}" if isinstance(name, str) else f"{part.what} {index}"
            single = BilledPart(
                what=what,
                locations=(replace(location, path=f"{concrete}.{index}.{rest}"),),
                hint=part.hint,
            )
            results.append(_evaluate(subject, single, stack, what))
    if holder.unknown or holder.problems:
        results.append(
            PartTags(part.what, part.hint, unknown=holder.unknown, problems=holder.problems)
        )
    return results


@dataclass(frozen=True)
class ResourceTags:
    """A resource's standing against the cost tags: whether it needs them, and each part."""

    decision: Decision
    parts: tuple[PartTags, ...]

    @property
    def needed(self) -> bool:
        return self.decision.needed


def read_route(route: Route, subject: TagSubject, stack: Stack | None = None) -> list[PartTags]:
    """The tags of every billed part of ``route`` on ``subject``."""
    results: list[PartTags] = []
    for part in route.parts:
        if part.each_item:
            results += _each_item(subject, part, stack)
        else:
            results.append(_evaluate(subject, part, stack, part.what))
    return results


def read_resource_tags(
    subject: TagSubject,
    *,
    stack: Stack | None = None,
    scope: Scope = "cost-bearing",
    include_types: Sequence[str] = (),
    exempt_types: Sequence[str] = (),
) -> ResourceTags | None:
    """The cost tags of every billed part of ``subject`` (None: the type cannot carry tags).

    Without ``stack``, parts that name another resource their tags come from are marked
    ``from_stack`` and not read further: a resource rule leaves them to a stack rule.
    """
    route = route_for(subject.type)
    if route is None:
        return None
    decision = needs_cost_tags(
        subject.type,
        subject.props,
        scope=scope,
        include_types=include_types,
        exempt_types=exempt_types,
    )
    if not decision.needed:
        return ResourceTags(decision, ())
    parts = read_route(route, subject, stack)
    if scope == "all-taggable":
        own = own_route(subject.type)
        read_paths = {location.path for part in route.parts for location in part.locations}
        if own is not None and own.parts[0].locations[0].path not in read_paths:
            parts += read_route(own, subject, stack)
    return ResourceTags(decision, tuple(parts))
