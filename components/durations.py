"""Prometheus durations (``30s``, ``5m``, ``1h30m``, ``35d``), read once for every part.

Alert ``for:`` windows (``thrifty:budget.costAlerts``), the monitoring stack's retention and
right-sizing's measurement windows are all written this way. Imports no SDK.
"""

from __future__ import annotations

import re

#: A Prometheus duration's shape (``5m``, ``1h30m``), as ``for:`` and range selectors take.
PROMETHEUS_DURATION = re.compile(r"(\d+(ms|s|m|h|d|w|y))+")
#: Seconds per unit, largest first; a year is 365 days, as in Prometheus.
UNIT_SECONDS: dict[str, float] = {
    "y": 365 * 86400,
    "w": 7 * 86400,
    "d": 86400,
    "h": 3600,
    "m": 60,
    "s": 1,
    "ms": 0.001,
}
_PART = re.compile(r"(\d+)(ms|s|m|h|d|w|y)")


def duration_seconds(text: str) -> float:
    """A Prometheus duration in seconds; ValueError naming the value otherwise.

    Units go from the largest to the smallest, each at most once (Prometheus'
    ``model.ParseDuration``; the operator's CRDs use the same pattern): ``1h30m``, not ``30m1h``.
    """
    pieces = _PART.findall(text)
    order = [list(UNIT_SECONDS).index(unit) for _, unit in pieces]
    if not PROMETHEUS_DURATION.fullmatch(text) or order != sorted(set(order)):
        raise ValueError(
            f"{text!r} is not a Prometheus duration; use e.g. 30s, 5m, 1h30m, 35d (units "
            "y w d h m s ms, largest first, each once)"
        )
    return sum(int(amount) * UNIT_SECONDS[unit] for amount, unit in pieces)


__all__ = ["PROMETHEUS_DURATION", "UNIT_SECONDS", "duration_seconds"]
