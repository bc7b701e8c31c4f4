"""What every rule shares: the resource as plain data, findings, and defensive value access.

A rule is a pure function over a :class:`Resource` (type, URN, plain props, provider props) and
its typed config, returning :class:`Finding` s. Props arrive from the engine in wire form: unknown
during preview (a sentinel string), missing, of the wrong type, or shaped unexpectedly. The
accessors here never let such a value pass silently: they raise :class:`NotCheckable`, which the
rule (or the wrapper) turns into a "not checkable" finding that carries the reason.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from thrifty.preview import is_unknown
from thrifty.wire import WireValueError, describe, finite_number

# Markers the engine uses inside property maps (pulumi_policy/deserialize.py).
SPECIAL_SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"


class FindingKind(str, Enum):
    """A violation, a value that cannot be judged, or one that is unknown until deployment."""

    VIOLATION = "violation"
    NOT_CHECKABLE = "not-checkable"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Finding:
    """One result of a rule. ``urn`` is set by stack rules to point at the offending resource."""

    message: str
    kind: FindingKind = FindingKind.VIOLATION
    urn: str = ""


class NotCheckable(Exception):
    """A value a rule needs is unknown, missing or malformed; the rule cannot give a verdict."""

    def __init__(self, reason: str, *, unknown: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.unknown = unknown

    def finding(self, urn: str = "") -> Finding:
        kind = FindingKind.UNKNOWN if self.unknown else FindingKind.NOT_CHECKABLE
        return Finding(self.reason, kind, urn)


@dataclass(frozen=True)
class Resource:
    """A resource as a rule sees it: plain JSON-like props (secrets unwrapped, unknowns kept)."""

    type: str
    props: Mapping[str, Any]
    urn: str = ""
    name: str = ""
    provider_type: str = ""
    provider_props: Mapping[str, Any] = field(default_factory=dict)
    parent: str = ""
    property_dependencies: Mapping[str, Sequence[str]] = field(default_factory=dict)

    @property
    def package(self) -> str:
        """``aws``, ``gcp``, ``azure-native``, ``kubernetes`` ... (the type token's first part)."""
        return self.type.split(":", 1)[0]

    @property
    def label(self) -> str:
        """How messages name the resource."""
        return f"{self.type} {self.name!r}" if self.name else self.type


def plain(value: object) -> Any:
    """Unwrap secrets and copy mappings/sequences into plain dicts and lists."""
    if isinstance(value, Mapping):
        if value.get(SPECIAL_SIG_KEY) == SECRET_SIG:
            return plain(value.get("value"))
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


#: What :func:`lookup` returns for an absent (or null) value.
MISSING: Any = object()


def lookup(props: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted ``path`` (``a.b.0.c``), or ``MISSING``; raises on unknown/malformed."""
    current: Any = props
    walked: list[str] = []
    for part in path.split("."):
        if is_unknown(current):
            raise NotCheckable(f"{'.'.join(walked)} is unknown during preview", unknown=True)
        if isinstance(current, Mapping):
            if part not in current or current[part] is None:
                return MISSING
            current = current[part]
        elif isinstance(current, list) and part.isdigit():
            index = int(part)
            if index >= len(current):
                return MISSING
            current = current[index]
        else:
            where = ".".join(walked) or "props"
            raise NotCheckable(f"{where} should be an object, got {describe(current)}")
        walked.append(part)
    if is_unknown(current):
        raise NotCheckable(f"{path} is unknown during preview", unknown=True)
    return current


def _required(path: str, required: bool, default: Any) -> Any:
    if required:
        raise NotCheckable(f"{path} is missing")
    return default


def get_str(props: Mapping[str, Any], path: str, *, required: bool = False) -> str | None:
    """A string value; numbers are not silently accepted."""
    value = lookup(props, path)
    if value is MISSING:
        return _required(path, required, None)  # type: ignore[no-any-return]
    if not isinstance(value, str):
        raise NotCheckable(f"{path} should be a string, got {describe(value)}")
    return value


def as_number(value: object, path: str) -> float:
    """A finite number from a wire value (numbers, or numeric text as config sometimes gives)."""
    try:
        return finite_number(value, path)
    except WireValueError as problem:
        raise NotCheckable(str(problem)) from None


def get_number(props: Mapping[str, Any], path: str, *, required: bool = False) -> float | None:
    """A numeric value (see :func:`as_number`)."""
    value = lookup(props, path)
    if value is MISSING:
        return _required(path, required, None)  # type: ignore[no-any-return]
    return as_number(value, path)


def get_bool(props: Mapping[str, Any], path: str, *, default: bool | None = None) -> bool | None:
    """A boolean; ``"true"``/``"false"`` text (provider config form) is accepted."""
    value = lookup(props, path)
    if value is MISSING:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise NotCheckable(f"{path} should be a boolean, got {describe(value)}")


def get_list(props: Mapping[str, Any], path: str) -> list[Any]:
    """A list value (empty when absent)."""
    value = lookup(props, path)
    if value is MISSING:
        return []
    if not isinstance(value, list):
        raise NotCheckable(f"{path} should be a list, got {describe(value)}")
    for index, item in enumerate(value):
        if is_unknown(item):
            raise NotCheckable(f"{path}.{index} is unknown during preview", unknown=True)
    return value


def get_map(props: Mapping[str, Any], path: str) -> Mapping[str, Any] | None:
    """A mapping value; JSON text holding an object is decoded (provider props arrive so)."""
    value = lookup(props, path)
    if value is MISSING:
        return None
    if isinstance(value, str):
        value = _decode_json_object(value, path)
    if not isinstance(value, Mapping):
        raise NotCheckable(f"{path} should be an object, got {describe(value)}")
    return value


def _decode_json_object(text: str, path: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise NotCheckable(f"{path} should be an object, got {describe(text)}") from None


def get_str_list(props: Mapping[str, Any], path: str) -> list[str]:
    """A list of strings (empty when absent)."""
    items = get_list(props, path)
    for index, item in enumerate(items):
        if not isinstance(item, str):
            raise NotCheckable(f"{path}.{index} should be a string, got {describe(item)}")
    return items


def objects(props: Mapping[str, Any], path: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Each object of a list value with its own path (``path.i``)."""
    for index, item in enumerate(get_list(props, path)):
        item_path = f"{path}.{index}"
        if not isinstance(item, Mapping):
            raise NotCheckable(f"{item_path} should be an object, got {describe(item)}")
        yield item_path, item


@contextlib.contextmanager
def collecting(findings: list[Finding], urn: str = "") -> Iterator[None]:
    """Turn a :class:`NotCheckable` raised inside the block into a finding and carry on."""
    try:
        yield
    except NotCheckable as problem:
        findings.append(problem.finding(urn))


def violation(message: str, urn: str = "") -> Finding:
    """Shorthand for a plain violation."""
    return Finding(message, FindingKind.VIOLATION, urn)


def unknown(message: str, urn: str = "") -> Finding:
    """Shorthand for a value that only deployment will tell."""
    return Finding(message, FindingKind.UNKNOWN, urn)
