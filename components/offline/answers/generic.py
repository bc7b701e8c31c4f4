"""Answers for any invoke, derived from its own arguments and the SDK's result class.

For ``aws:route53/getZone`` the SDK declares ``GetZoneResult`` with typed fields; each field is
filled, in this order:

1. the call's argument of the same wire name, when its shape fits (``getZone(name=...)``
   answers that ``name``);
2. a value shaped like the cloud's own for well-known fields (ids, ARNs, self links,
   locations: the cloud modules' ``identity``), then cloud-neutral ones: CIDR blocks, IP
   addresses from the documentation range 192.0.2.0/24 (RFC 5737), URLs under the reserved
   ``.invalid`` domain (RFC 2606), timestamps, versions;
3. by type for the remaining required fields: text derived from the field's name, ``1``,
   ``False``, one element for a list, ``{}`` for a map, nested output types filled the same way
   down to three levels; optional fields stay ``None``.

Everything is a pure function of the token and the arguments, so two plans agree.
"""

from __future__ import annotations

import enum
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from thrifty.offline.answers import aws, azure, gcp
from thrifty.offline.answers.cloud import MOCK_CA_DATA, OfflineCloud
from thrifty.offline.answers.sdk import invoke_result_class, is_output_type, result_fields
from thrifty.offline.answers.values import invoke_noun, kebab, plain, stable_hex, text

_MAX_DEPTH = 3

Identity = Callable[[OfflineCloud, str, Mapping[str, Any], str], "str | None"]

_IDENTITIES: dict[str, Identity] = {
    "aws": aws.identity,
    "gcp": gcp.identity,
    "azure-native": azure.identity,
}


def generic_answer(
    cloud: OfflineCloud, token: str, args: Mapping[str, Any]
) -> dict[str, Any] | None:
    """A plausible result for ``token`` called with ``args``; None when no SDK declares it."""
    result_class = invoke_result_class(token)
    if result_class is None:
        return None
    return _Filler(cloud, token, args).fill(result_class, args, depth=0, path=token)


class _Filler:
    """Fills one invoke's result; keeps what every field's value is derived from."""

    def __init__(self, cloud: OfflineCloud, token: str, args: Mapping[str, Any]) -> None:
        self.cloud = cloud
        self.token = token
        self.args = args
        self.identity = _IDENTITIES.get(token.split(":", 1)[0])

    def fill(
        self, output_class: type, echo: Mapping[str, Any], depth: int, path: str
    ) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for field in result_fields(output_class):
            hint, optional = _unwrap_optional(field.hint)
            echoed = plain(echo.get(field.wire_name))
            if echoed is not None and _fits(echoed, hint):
                result[field.wire_name] = echoed
            else:
                where = f"{path}.{field.wire_name}"
                result[field.wire_name] = self.value(hint, field.wire_name, optional, depth, where)
        return result

    def value(self, hint: Any, name: str, optional: bool, depth: int, path: str) -> Any:
        if _is_text(hint):
            known = self.well_known(name, path[len(self.token) :].lower(), not optional)
            if known is not None or optional:
                return known
            return _enum_value(hint) or f"{kebab(name) or 'value'}-{stable_hex(path, self.args)}"
        if optional:
            return None
        origin = typing.get_origin(hint)
        if hint is bool:
            return False
        if hint is int:
            return 1
        if hint is float:
            return 1.0
        if origin in (list, Sequence):
            (element,) = typing.get_args(hint) or (Any,)
            if depth >= _MAX_DEPTH:
                return []
            return [self.value(element, _singular(name), False, depth + 1, f"{path}[0]")]
        if origin in (dict, Mapping) or hint in (dict, Mapping):
            return {}
        if is_output_type(hint):
            return {} if depth >= _MAX_DEPTH else self.fill(hint, {}, depth + 1, path)
        return None

    def well_known(self, name: str, path: str, required: bool) -> str | None:
        """The value of a field every cloud has a shape for, or None."""
        if self.identity is not None:
            known = self.identity(self.cloud, self.token, self.args, name)
            if known is not None:
                return known
        return _neutral(self.cloud, self.token, self.args, name, path, required)


def _neutral(
    cloud: OfflineCloud, token: str, args: Mapping[str, Any], name: str, path: str, required: bool
) -> str | None:
    """Cloud-neutral shapes: identities and addresses always, descriptive text (timestamps,
    versions) only for required fields, since an optional one is better left empty."""
    lower = name.lower()
    noun = kebab(invoke_noun(token))
    if name == "name":
        return f"{noun}-{stable_hex(token, args)}"
    if name == "id":
        return text(args.get("name")) or f"{noun}-{stable_hex(token, args)}"
    if lower in ("region", "location"):
        return cloud.region
    if lower.endswith(("cidr", "cidrblock")):
        return "10.0.0.0/16"
    if lower.endswith(("ipaddress", "ip")):
        return f"192.0.2.{int(stable_hex(token, args, name, length=2), 16) % 254 + 1}"
    if lower.endswith(("url", "uri", "endpoint", "selflink")):
        return f"https://{noun}-{stable_hex(token, args)}.offline.invalid"
    if lower.endswith(("fqdn", "hostname", "domainname", "dnsname")):
        return f"{noun}-{stable_hex(token, args)}.offline.invalid"
    if lower.endswith(("certificate", "certificatedata")) or "certificateauthorit" in path:
        return MOCK_CA_DATA  # base64, as programs decode it
    if not required:
        return None
    if lower.endswith(("date", "time", "timestamp")):
        return "2024-01-01T00:00:00Z"
    if lower.endswith("version"):
        return "1.0.0"
    return None


def _unwrap_optional(hint: Any) -> tuple[Any, bool]:
    """``Optional[X]`` -> ``(X, True)``; anything else -> ``(hint, False)``."""
    arguments = typing.get_args(hint)
    if typing.get_origin(hint) is typing.Union and type(None) in arguments:
        rest = [argument for argument in arguments if argument is not type(None)]
        return (rest[0] if len(rest) == 1 else Any), True
    return hint, False


def _is_text(hint: Any) -> bool:
    return hint is str or (isinstance(hint, type) and issubclass(hint, str))


def _enum_value(hint: Any) -> str | None:
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        first = next(iter(hint), None)
        return str(first.value) if first is not None else None
    return None


def _fits(value: object, hint: Any) -> bool:
    """Whether an argument's value can stand for a result field of type ``hint``."""
    origin = typing.get_origin(hint)
    if _is_text(hint):
        return isinstance(value, str)
    if hint is bool:
        return isinstance(value, bool)
    if hint in (int, float):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if origin in (list, Sequence):
        return isinstance(value, list)
    if origin in (dict, Mapping) or is_output_type(hint):
        return isinstance(value, dict)
    return hint is Any


def _singular(name: str) -> str:
    return name[:-1] if name.endswith("s") else name
