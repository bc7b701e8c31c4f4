"""Reading wire-form props without ever pricing a strange value as zero.

Props arrive as the engine sends them: camelCase keys, numbers as floats, nested provider values
sometimes as JSON text, and preview sentinels where a value is unknown until deployment. Every
accessor here either returns a usable value, returns the caller's default for an absent (or
null) value, or raises :class:`NotPriced` with a reason that names the property ("scalingConfig.
minSize is unknown during preview", "diskSize should be a number, got 'big'"). Pricing rules
let that exception propagate; the engine turns it into a "not-priced" resource.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeVar

from thrifty.cost.spec import is_unknown
from thrifty.wire import WireValueError, describe, finite_number

T = TypeVar("T")


class NotPriced(Exception):
    """A resource (or part of it) cannot be priced; ``reason`` says why."""

    def __init__(self, reason: str, *, unknown: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.unknown = unknown


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


#: What :func:`value_at` returns for an absent or null value.
MISSING: Any = _Missing()


def decoded(value: object) -> object:
    """JSON text holding an object or list (how providers pass nested values) decoded."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def value_at(props: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted ``path`` (``a.b.0.c``), or MISSING; raises on unknown/malformed."""
    current: Any = props
    walked: list[str] = []
    for part in path.split("."):
        current = decoded(current)
        if is_unknown(current):
            raise NotPriced(
                f"{'.'.join(walked) or 'props'} is unknown during preview", unknown=True
            )
        if isinstance(current, Mapping):
            current = current.get(part)
        elif isinstance(current, list) and part.isdigit():
            index = int(part)
            current = current[index] if index < len(current) else None
        else:
            where = ".".join(walked) or "props"
            raise NotPriced(f"{where} should be an object, got {describe(current)}")
        walked.append(part)
        if current is None:
            return MISSING
    current = decoded(current)
    if is_unknown(current):
        raise NotPriced(f"{path} is unknown during preview", unknown=True)
    return current


def _absent(path: str, default: T) -> T:
    if default is MISSING:
        raise NotPriced(f"{path} is not set")
    return default


def number(props: Mapping[str, Any], path: str, default: Any = MISSING) -> Any:
    """A finite number (numeric text accepted); ``default`` when absent, else NotPriced."""
    value = value_at(props, path)
    if value is MISSING:
        return _absent(path, default)
    return as_number(value, path)


def as_number(value: object, path: str) -> float:
    """A finite number from a wire value, or NotPriced naming ``path``."""
    try:
        return finite_number(value, path)
    except WireValueError as problem:
        raise NotPriced(str(problem)) from None


def count(props: Mapping[str, Any], path: str, default: Any = MISSING) -> Any:
    """A non-negative whole number (node counts, sizes)."""
    value = value_at(props, path)
    if value is MISSING:
        return _absent(path, default)
    result = as_number(value, path)
    if result < 0 or result != int(result):
        raise NotPriced(f"{path} should be a whole number >= 0, got {describe(value)}")
    return int(result)


def text(props: Mapping[str, Any], path: str, default: Any = MISSING) -> Any:
    """A string value; numbers are not silently accepted."""
    value = value_at(props, path)
    if value is MISSING:
        return _absent(path, default)
    if not isinstance(value, str):
        raise NotPriced(f"{path} should be a string, got {describe(value)}")
    return value


def flag(props: Mapping[str, Any], path: str, default: bool) -> bool:
    """A boolean; ``"true"``/``"false"`` text (provider config form) is accepted."""
    value = value_at(props, path)
    if value is MISSING:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise NotPriced(f"{path} should be a boolean, got {describe(value)}")


def objects(props: Mapping[str, Any], path: str) -> list[Mapping[str, Any]]:
    """A list of objects (empty when absent); unknown items raise NotPriced."""
    value = value_at(props, path)
    if value is MISSING:
        return []
    if not isinstance(value, list):
        raise NotPriced(f"{path} should be a list, got {describe(value)}")
    found: list[Mapping[str, Any]] = []
    for index, item in enumerate(value):
        item = decoded(item)
        if is_unknown(item):
            raise NotPriced(f"{path}.{index} is unknown during preview", unknown=True)
        if not isinstance(item, Mapping):
            raise NotPriced(f"{path}.{index} should be an object, got {describe(item)}")
        found.append(item)
    return found


def strings(props: Mapping[str, Any], path: str) -> list[str]:
    """A list of strings (empty when absent)."""
    value = value_at(props, path)
    if value is MISSING:
        return []
    if not isinstance(value, list):
        raise NotPriced(f"{path} should be a list, got {describe(value)}")
    for index, item in enumerate(value):
        if is_unknown(item):
            raise NotPriced(f"{path}.{index} is unknown during preview", unknown=True)
        if not isinstance(item, str):
            raise NotPriced(f"{path}.{index} should be a string, got {describe(item)}")
    return list(value)


def mapping(props: Mapping[str, Any], path: str) -> Mapping[str, Any]:
    """An object value (empty when absent)."""
    value = value_at(props, path)
    if value is MISSING:
        return {}
    if not isinstance(value, Mapping):
        raise NotPriced(f"{path} should be an object, got {describe(value)}")
    return value


__all__ = [
    "MISSING",
    "NotPriced",
    "as_number",
    "count",
    "decoded",
    "flag",
    "mapping",
    "number",
    "objects",
    "strings",
    "text",
    "value_at",
]
