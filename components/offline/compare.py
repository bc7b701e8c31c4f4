"""``thrifty plan --compare-to OLD.json``: what a change does to the monthly cost.

``OLD.json`` is an earlier ``thrifty plan --format json`` output (typically the base branch's,
kept as a CI artefact). Resources are matched by URN, so a renamed resource shows as one
removed and one added, as it would be replaced in a real update. The change is reported per
resource (added, removed, changed) and in total, for the baseline and the ceiling.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from thrifty.offline.plan import PlanSection


class CompareError(ValueError):
    """The file to compare with is not a ``thrifty plan --format json`` output with costs."""


@dataclass(frozen=True)
class CostChange:
    """One resource whose monthly cost differs between the two plans."""

    urn: str
    type: str
    name: str
    change: str  # "added" | "removed" | "changed"
    before: tuple[float, float]
    after: tuple[float, float]

    @property
    def delta(self) -> tuple[float, float]:
        return (self.after[0] - self.before[0], self.after[1] - self.before[1])


def _pair(entry: Mapping[str, Any] | None) -> tuple[float, float]:
    cost = (entry or {}).get("monthlyCost") or {}
    return (float(cost.get("baseline") or 0.0), float(cost.get("ceiling") or 0.0))


def load_previous(path: Path) -> Mapping[str, Any]:
    """The ``cost`` object of an earlier JSON plan, with a clear error for anything else."""
    try:
        document = json.loads(path.read_text())
    except OSError as error:
        raise CompareError(f"--compare-to {path}: cannot read it: {error.strerror}") from None
    except ValueError as error:
        raise CompareError(f"--compare-to {path}: not JSON: {error}") from None
    cost = document.get("cost") if isinstance(document, dict) else None
    if not isinstance(cost, dict) or not isinstance(cost.get("resources"), dict):
        raise CompareError(
            f"--compare-to {path}: no 'cost' with 'resources' in it; give the output of "
            "'thrifty plan --format json' of a thrifty version that estimates costs"
        )
    return cost


def compare(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[CostChange]:
    """Per-resource changes between two ``cost`` objects (unchanged resources left out)."""
    before: Mapping[str, Any] = old["resources"]
    after: Mapping[str, Any] = new["resources"]
    changes: list[CostChange] = []
    for urn in sorted(set(before) | set(after)):
        old_entry, new_entry = before.get(urn), after.get(urn)
        entry = new_entry or old_entry or {}
        kind = "added" if old_entry is None else "removed" if new_entry is None else "changed"
        change = CostChange(
            urn, str(entry.get("type", "")), str(entry.get("name", "")), kind,
            _pair(old_entry), _pair(new_entry),
        )
        if kind != "changed" or any(abs(d) >= 0.005 for d in change.delta):
            changes.append(change)
    return changes


def _signed(value: float) -> str:
    return f"{value:+,.2f}"


def compare_section(cost: PlanSection, previous: Mapping[str, Any], path: Path) -> None:
    """Add the change against ``previous`` to the cost section's lines and data."""
    changes = compare(previous, cost.data)
    old_total = _pair({"monthlyCost": previous.get("total")})
    new_total = _pair({"monthlyCost": cost.data.get("total")})
    delta = (new_total[0] - old_total[0], new_total[1] - old_total[1])
    cost.lines.append(
        f"change against {path.name}: baseline {_signed(delta[0])}, ceiling {_signed(delta[1])} "
        f"USD/month ({len(changes)} resources changed)"
    )
    cost.lines += [
        f"  {c.change} {c.type} {c.name}: {_signed(c.delta[0])} .. {_signed(c.delta[1])}"
        for c in sorted(changes, key=lambda c: (-abs(c.delta[1]), c.urn))
    ]
    cost.data["compare"] = {
        "to": str(path),
        "total": {"baseline": round(delta[0], 2), "ceiling": round(delta[1], 2)},
        "resources": [
            {
                "urn": c.urn,
                "type": c.type,
                "name": c.name,
                "change": c.change,
                "baseline": round(c.delta[0], 2),
                "ceiling": round(c.delta[1], 2),
            }
            for c in changes
        ],
    }
    cost.summary += f", {_signed(delta[0])} vs base"
