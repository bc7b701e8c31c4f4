"""The steady-state tier mix of a bucket under its lifecycle rules, and early-deletion charges.

A lifecycle moves each object to colder classes as it ages (transition at ``d`` days to class
``c``) and may expire it at ``E`` days. With a constant ingest, the data of every age between 0
and the retention window ``W`` is equally present, so the fraction of the stored volume in each
class is the share of its age band within the window:

    fraction(class k) = (min(d[k+1], W) - min(d[k], W)) / W,   d[0] = 0 (the initial class)

e.g. transitions at 30 days to IA and 90 days to Glacier with expiration at 365 days:
30/365 in STANDARD, 60/365 in IA, 275/365 in Glacier. The window is the expiration when the
rules expire current objects; otherwise, with ``monthlyIngestGb`` in the usage file, it is the
age of the oldest data, ``storageGb`` / ingest per day (the bucket has been filled at that rate);
otherwise it cannot be known and the caller prices all data in the initial class, an upper
bound, and says so.

Early deletion: a class with a minimum storage duration charges for the days missing when data
leaves it sooner, by a later transition or the expiration. Clouds count that minimum either
from the move into the class (S3, Azure: the stay is ``d[k+1] - d[k]``) or from the object's
creation (GCS: the age ``d[k+1]``). At steady state every object passes through every class,
so ``storageGb / W`` GB leave each class per day; the monthly charge for class ``k`` is
``(storageGb / W) x shortfall_days x price_per_gb_month``.

Rule filters (prefix, tags, object size) and noncurrent-version rules are not modelled: the
transitions are assumed to apply to all current data, and ``storageGb`` to be current data.
Rules with several transitions to the same day keep the coldest class.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

MinimumBasis = Literal["time_in_tier", "object_age"]


@dataclass(frozen=True)
class Transition:
    """Objects older than ``days`` move to ``tier`` (the provider's class name)."""

    days: float
    tier: str


@dataclass(frozen=True)
class Lifecycle:
    """What a bucket's rules do to current objects, cloud-neutral."""

    initial_tier: str
    transitions: tuple[Transition, ...] = ()
    expire_days: float | None = None
    notes: tuple[str, ...] = ()

    def ordered(self, colder: Callable[[str, str], bool]) -> tuple[Transition, ...]:
        """Transitions by age; of two on the same day, the one ``colder`` prefers wins."""
        chosen: dict[float, Transition] = {}
        for step in self.transitions:
            if self.expire_days is not None and step.days >= self.expire_days:
                continue
            held = chosen.get(step.days)
            if held is None or colder(step.tier, held.tier):
                chosen[step.days] = step
        return tuple(chosen[days] for days in sorted(chosen))


@dataclass(frozen=True)
class TierShare:
    """One class's band of ages and the share of the stored volume it holds."""

    tier: str
    start_day: float
    end_day: float
    fraction: float


def steady_state(initial: str, transitions: Sequence[Transition], window: float) -> list[TierShare]:
    """Fractions of the stored volume per class for a retention window of ``window`` days."""
    if window <= 0:
        raise ValueError(f"window must be > 0 days, got {window}")
    bounds = [(0.0, initial)] + [(float(step.days), step.tier) for step in transitions]
    shares: list[TierShare] = []
    for index, (start, tier) in enumerate(bounds):
        end = bounds[index + 1][0] if index + 1 < len(bounds) else window
        low, high = min(start, window), min(end, window)
        if high > low:
            shares.append(TierShare(tier, low, high, (high - low) / window))
    return shares


def shortfall_days(share: TierShare, min_days: float, basis: MinimumBasis) -> float:
    """Days of minimum storage duration a class's data misses when it leaves the class."""
    held = share.end_day - share.start_day if basis == "time_in_tier" else share.end_day
    return max(0.0, min_days - held)


def retention_window(
    lifecycle: Lifecycle, storage_gb: float, monthly_ingest_gb: float | None, days_per_month: float
) -> float | None:
    """The age of the oldest data at steady state, or None when it cannot be known."""
    if lifecycle.expire_days is not None and lifecycle.expire_days > 0:
        return float(lifecycle.expire_days)
    if monthly_ingest_gb and monthly_ingest_gb > 0 and storage_gb > 0:
        return storage_gb / (monthly_ingest_gb / days_per_month)
    return None


__all__ = [
    "Lifecycle",
    "MinimumBasis",
    "TierShare",
    "Transition",
    "retention_window",
    "shortfall_days",
    "steady_state",
]
