"""Kubernetes resource quantities (``500m``, ``2``, ``512Mi``, ``1G``, ``1e9``) as numbers.

One parser for every part that reads them: the workload spec's validation, the policy pack,
the estimator and right-sizing. CPU comes out in cores, memory in bytes. Imports no SDK.
"""

from __future__ import annotations

import math
import re

#: Binary (Ki..Ei) and decimal (n..E) suffixes of the Kubernetes quantity format.
SUFFIXES: dict[str, float] = {
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
    "Pi": 2**50,
    "Ei": 2**60,
    "n": 1e-9,
    "u": 1e-6,
    "m": 1e-3,
    "k": 1e3,
    "M": 1e6,
    "G": 1e9,
    "T": 1e12,
    "P": 1e15,
    "E": 1e18,
}
_QUANTITY = re.compile(
    r"^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?$"
)
GIB = 2**30


class QuantityError(ValueError):
    """A value that is not a Kubernetes quantity; the message names where it was found."""


def parse_quantity(value: object, path: str) -> float:
    """A Kubernetes quantity as a plain number (cores for CPU, bytes for memory).

    Numbers pass through; strings follow the Kubernetes format. Anything else (booleans,
    NaN, infinities, other shapes) raises :class:`QuantityError` naming ``path``.
    """
    if isinstance(value, bool):
        raise QuantityError(f"{path} should be a quantity, got {value!r}")
    if isinstance(value, (int, float)):
        if math.isfinite(value):
            return float(value)
    elif isinstance(value, str):
        match = _QUANTITY.match(value.strip())
        if match:
            return float(match.group(1)) * SUFFIXES.get(match.group(2) or "", 1.0)
    raise QuantityError(f"{path} should be a quantity such as 500m or 512Mi, got {value!r}")


def format_cpu(cores: float) -> str:
    """Cores as the quantity a person would write: whole cores as ``2``, else millicores."""
    millis = math.ceil(round(cores * 1000, 6))
    return str(millis // 1000) if millis % 1000 == 0 else f"{millis}m"


def format_memory(size: float) -> str:
    """Bytes as ``Gi`` when whole gibibytes, else whole ``Mi`` (rounded up)."""
    mebibytes = math.ceil(round(size / 2**20, 6))
    return f"{mebibytes // 1024}Gi" if mebibytes % 1024 == 0 else f"{mebibytes}Mi"


__all__ = ["GIB", "SUFFIXES", "QuantityError", "format_cpu", "format_memory", "parse_quantity"]
