"""Spot-backed, autoscaled Kubernetes clusters from one cloud-neutral spec.

Import the cloud you need (``thrifty.cluster.aws`` / ``gcp`` / ``azure``); this package itself
loads no provider SDK, so ``thrifty.config`` and the policies can use the spec cheaply.
"""

from thrifty.cluster.spec import (
    ClusterArgs,
    ClusterSpec,
    ClusterSpecError,
    OffHoursSpec,
    PoolSpec,
    Taint,
    plan_cluster,
)

__all__ = [
    "ClusterArgs",
    "ClusterSpec",
    "ClusterSpecError",
    "OffHoursSpec",
    "PoolSpec",
    "Taint",
    "plan_cluster",
]
