"""``thrifty plan --compare-to OLD.json``: what a change does to the monthly cost.

``OLD.json`` is an earlier ``thrifty plan --format json`` output (typically the base branch's,
kept as a CI artefact). Resources are matched by type and name (their URN without stack and
project), so a branch compares with its base and a stack with another of the same project; a
renamed resource shows as one removed and one added, as it would be replaced in a real update.
The change is reported per resource (added, removed, changed) and in total, for the baseline
and the ceiling.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from thrifty.offline.plan import Plan


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
    """An earlier JSON plan that has costs, with a clear error for anything else."""
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
    previous: Mapping[str, Any] = document
    return previous


def resource_key(urn: str) -> str:
    """A URN without its stack and project (``type::name``), so the same resource matches in
    two stacks of a project (dev against production) as well as across branches."""
    parts = urn.split("::", 2)
    return parts[2] if len(parts) == 3 else urn


def compare(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[CostChange]:
    """Per-resource changes between two ``cost`` objects (unchanged resources left out)."""
    before = {resource_key(urn): (urn, e) for urn, e in old["resources"].items()}
    after = {resource_key(urn): (urn, e) for urn, e in new["resources"].items()}
    changes: list[CostChange] = []
    for key in sorted(set(before) | set(after)):
        old_urn, old_entry = before.get(key, ("", None))
        new_urn, new_entry = after.get(key, ("", None))
        entry = new_entry or old_entry or {}
        kind = "added" if old_entry is None else "removed" if new_entry is None else "changed"
        change = CostChange(
            new_urn or old_urn, str(entry.get("type", "")), str(entry.get("name", "")), kind,
            _pair(old_entry), _pair(new_entry),
        )  # fmt: skip
        if kind != "changed" or any(abs(d) >= 0.005 for d in change.delta):
            changes.append(change)
    return changes


def _signed(value: float) -> str:
    return f"{value:+,.2f}"


def compare_section(plan: Plan, document: Mapping[str, Any], path: Path) -> None:
    """Add the change against an earlier plan ``document`` to the plan's cost section."""
    cost = next(section for section in plan.sections if section.json_key == "cost")
    previous: Mapping[str, Any] = document["cost"]
    changes = compare(previous, cost.data)
    recording = plan.recording
    if document.get("project") != recording.project:
        cost.lines.append(
            f"warning: {path.name} is a plan of project {document.get('project')!r}, not "
            f"{recording.project!r}: resources match by type and name only"
        )
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
