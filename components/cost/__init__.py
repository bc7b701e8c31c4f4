"""What resources cost: the pricing catalog (``catalog``) and the estimator built on it.

Plain Python + pydantic, no provider SDK, so a policy pack, the components and ``thrifty plan``
can all size and price resources from the same figures::

    from thrifty.cost import CostInput, estimate, load_usage

    result = estimate(resources, usage=load_usage("usage.yaml"))
    baseline, ceiling = result.total

The estimator modules load lazily on first use, so ``import thrifty.cost.catalog`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from thrifty.cost.engine import estimate
    from thrifty.cost.spec import CostInput, CostLine, Estimate, ResourceCost
    from thrifty.cost.usage import Usage, UsageError, load_usage

_EXPORTS = {
    "estimate": "thrifty.cost.engine",
    "CostInput": "thrifty.cost.spec",
    "CostLine": "thrifty.cost.spec",
    "Estimate": "thrifty.cost.spec",
    "ResourceCost": "thrifty.cost.spec",
    "Usage": "thrifty.cost.usage",
    "UsageError": "thrifty.cost.usage",
    "load_usage": "thrifty.cost.usage",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'thrifty.cost' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


__all__ = [
    "CostInput",
    "CostLine",
    "Estimate",
    "ResourceCost",
    "Usage",
    "UsageError",
    "estimate",
    "load_usage",
]
