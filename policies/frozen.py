"""Read-only resource props, converted from the wire once and shared by every rule of a request.

pulumi_policy converts a request's properties once per policy (``json_format.MessageToDict``,
then ``deserialize_properties``, then a proxy, then thrifty's wrapper copies them again), and
that conversion, not the rules, was most of what the pack cost. The server converts once and
hands the same value to every rule, so the value must not be changeable by any one of them:
:class:`FrozenDict` and :class:`FrozenList` are ``dict`` and ``list`` (every ``isinstance``
check and ``json.dumps`` still work) that refuse to change; a copy (``dict(x)``, ``list(x)``,
``copy.deepcopy(x)``) is an ordinary mutable one.

:func:`frozen_struct` reads a ``google.protobuf.Struct`` straight into these, giving exactly
what ``MessageToDict`` gives for plain JSON (numbers as floats, map order kept). Values that
pulumi_policy would turn into objects (secrets, assets, archives: maps with its signature key)
are not handled here: :class:`SpecialValue` is raised and the caller takes pulumi_policy's own
path for that request, so such values come out exactly as they always did.
"""

from __future__ import annotations

import copy
from typing import Any, NoReturn

from google.protobuf import struct_pb2
from pulumi_policy.deserialize import SPECIAL_SIG_KEY


def _refuse(self: object, *args: object, **kwargs: object) -> NoReturn:
    raise TypeError(
        f"{type(self).__name__} is read-only: every policy of the request shares it "
        "(copy it with dict() or list() to change it)"
    )


class FrozenDict(dict[str, Any]):
    """A ``dict`` that refuses to change; copies of it are plain dicts."""

    __slots__ = ()
    __setitem__ = __delitem__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse
    __ior__ = _refuse

    def copy(self) -> dict[str, Any]:
        return dict(self)

    def __copy__(self) -> dict[str, Any]:
        return dict(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        return {key: copy.deepcopy(value, memo) for key, value in self.items()}

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenDict, (dict(self),))


class FrozenList(list[Any]):
    """A ``list`` that refuses to change; copies of it are plain lists."""

    __slots__ = ()
    __setitem__ = __delitem__ = _refuse
    append = extend = insert = pop = remove = clear = sort = reverse = _refuse
    __iadd__ = __imul__ = _refuse

    def copy(self) -> list[Any]:
        return list(self)

    def __copy__(self) -> list[Any]:
        return list(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> list[Any]:
        return [copy.deepcopy(value, memo) for value in self]

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenList, (list(self),))


def freeze(value: object) -> Any:
    """``value`` with every dict and list (at any depth) replaced by a frozen copy."""
    if isinstance(value, dict):
        return FrozenDict({key: freeze(item) for key, item in value.items()})
    if isinstance(value, list):
        return FrozenList([freeze(item) for item in value])
    return value


class SpecialValue(Exception):
    """The struct holds a secret, asset or archive: convert it the SDK's way instead."""


def _value(value: struct_pb2.Value) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        return value.string_value
    if kind == "struct_value":
        return frozen_struct(value.struct_value)
    if kind == "number_value":
        number = value.number_value
        # Not finite (inf - inf is nan): the text the server's sanitising would have put there.
        return number if number - number == 0.0 else str(number)
    if kind == "bool_value":
        return value.bool_value
    if kind == "list_value":
        return FrozenList([_value(item) for item in value.list_value.values])
    return None  # null_value, or a Value with nothing set (MessageToDict says None too)


def frozen_struct(struct: struct_pb2.Struct) -> FrozenDict:
    """``MessageToDict(struct)``, frozen; raises :class:`SpecialValue` for marked values.

    A non-finite number, which ``MessageToDict`` refuses, becomes its text (``"nan"``,
    ``"inf"``), as the server's sanitising rewrites it before any pulumi_policy conversion.
    """
    fields = struct.fields
    if SPECIAL_SIG_KEY in fields:
        raise SpecialValue
    return FrozenDict({key: _value(item) for key, item in fields.items()})
