"""Reading wire values safely and making deterministic fake ones.

Mocks see a resource's inputs in wire form, as the SDK deserialized them: unknown values
(preview) arrive as ``None``, as the SDK's ``Unknown`` object or, from callers that build inputs
by hand, as the engine's unknown sentinel; secrets arrive wrapped in a signature dict; anything
may hold a shape the code did not expect (an Auto Scaling group's ``tags`` is a list of ``{key,
value, propagateAtLaunch}``, not a map). The readers here return a plain value of the asked-for
shape or ``None``, so the functions that compute outputs never crash on what a program hands
them.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN, is_rpc_secret, unwrap_rpc_secret


def plain(value: object) -> object:
    """The value with a secret wrapper removed and unknowns (the SDK's ``Unknown`` object or
    the wire sentinel) turned into None."""
    if is_rpc_secret(value):
        value = unwrap_rpc_secret(value)
    if isinstance(value, Unknown) or (isinstance(value, str) and value == UNKNOWN):
        return None
    return value


def is_known(value: object) -> bool:
    """True when ``value`` and everything inside it is known (no None, no unknown sentinel)."""
    value = plain(value)
    if value is None:
        return False
    if isinstance(value, Mapping):
        return all(is_known(item) for item in value.values())
    if isinstance(value, (list, tuple)):
        return all(is_known(item) for item in value)
    return True


def text(value: object) -> str | None:
    """A non-empty string, or None for anything else (unknown, dict, number ...)."""
    value = plain(value)
    return value if isinstance(value, str) and value else None


def string_map(value: object) -> dict[str, str] | None:
    """A map of string keys to known string values; None when the value is any other shape.

    JSON text of an object is accepted too: provider resources carry nested config that way.
    """
    value = plain(value)
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if not isinstance(value, Mapping):
        return None
    result: dict[str, str] = {}
    for key, item in value.items():
        item = plain(item)
        if not isinstance(key, str) or not isinstance(item, str):
            return None
        result[key] = item
    return result


def mapping(value: object) -> dict[str, Any]:
    """A dict (JSON object text is decoded); ``{}`` for any other shape."""
    value = plain(value)
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return dict(value) if isinstance(value, Mapping) else {}


def stable_hex(*parts: object, length: int = 8) -> str:
    """``length`` lowercase hex characters derived from ``parts``: the same parts, the same
    characters, in every run (a plan must not change because it ran twice)."""
    seed = json.dumps(parts, sort_keys=True, default=repr)
    digest = hashlib.sha256(seed.encode()).hexdigest()
    while len(digest) < length:
        digest += hashlib.sha256(digest.encode()).hexdigest()
    return digest[:length]


def kebab(name: str) -> str:
    """``publicIPAddress`` -> ``public-ip-address`` (wire and SDK names to readable words)."""
    words = re.sub(r"(?<=[a-z0-9])([A-Z])", r"-\1", name)
    words = re.sub(r"(?<=[A-Z])([A-Z][a-z])", r"-\1", words)
    return re.sub(r"[^a-z0-9]+", "-", words.lower()).strip("-")


def camel(snake: str) -> str:
    """``resource_group_name`` -> ``resourceGroupName`` (SDK argument to wire name)."""
    head, *rest = snake.strip("_").split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def invoke_noun(token: str) -> str:
    """``aws:ec2/getAmi:getAmi`` -> ``Ami``: what an invoke looks up."""
    function = token.rsplit(":", 1)[-1]
    for verb in ("get", "list"):
        if function.startswith(verb) and function[len(verb) : len(verb) + 1].isupper():
            return function[len(verb) :]
    return function


def plural(noun: str) -> str:
    """``network`` -> ``networks``, ``publicIPAddress`` -> ``publicIPAddresses`` (collections)."""
    if noun.endswith(("s", "x", "sh", "ch")):
        return noun + "es"
    if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u"):
        return noun[:-1] + "ies"
    return noun + "s"
