"""``thrifty rightsize``'s report: a table for a terminal, JSON for scripts, Markdown for a
pull-request comment. Each finding shows its verdict, the evidence (measured figure, what it
was compared with, window, file and place), the config change and what it saves a month.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from thrifty.cost.spec import Range
from thrifty.quantities import format_cpu, format_memory
from thrifty.rightsize.measure import format_duration
from thrifty.rightsize.recommend import Recommendations
from thrifty.rightsize.rules import VERDICTS, Finding, Settings
from thrifty.rightsize.whatif import WhatIf
from thrifty.rightsize.yaml_edit import EditedFile

FORMATS = ("table", "json", "markdown")
LABELS = {
    "change": "CHANGE",
    "would-not-fit": "WOULD NOT FIT",
    "too-little-data": "TOO LITTLE DATA",
    "already-right": "ALREADY RIGHT",
}


@dataclass
class Result:
    """One run: the findings, their savings, the change to the stack file and its checks."""

    project: str
    stack: str
    files: list[str]
    settings: Settings
    recommendations: Recommendations
    before: Range | None = None
    after: WhatIf | None = None
    edit: EditedFile | None = None
    written: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """The change fails config validation or the policy pack (nothing may be written)."""
        after = self.after
        return after is not None and not (after.valid and after.passes_policies)

    @property
    def saving(self) -> Range | None:
        if self.before is None or self.after is None or self.after.cost is None:
            return None
        return (self.before[0] - self.after.cost[0], self.before[1] - self.after.cost[1])

    def findings(self) -> list[Finding]:
        """Changes first, then refusals, then what is already right; by kind and name."""
        return sorted(
            self.recommendations.findings,
            key=lambda f: (VERDICTS.index(f.verdict), f.kind != "workload", f.name),
        )


def money(value: float) -> str:
    return f"{value:,.2f}"


def pair(values: Range) -> str:
    return f"{money(values[0])} .. {money(values[1])}"


def settings_line(settings: Settings) -> str:
    return (
        f"oversized below {settings.cpu_threshold:.0%} CPU / {settings.memory_threshold:.0%} "
        f"memory of requests (pools: of allocatable); headroom {settings.headroom:.0%}; at "
        f"least {format_duration(settings.min_window)} and {settings.min_samples} samples; "
        f"floors {format_cpu(settings.cpu_floor)} / {format_memory(settings.memory_floor)}"
    )


def _saving_text(finding: Finding) -> str:
    if finding.saving is not None:
        return f"saves {pair(finding.saving)} USD/month (baseline .. ceiling)"
    return f"not priced: {finding.unpriced}" if finding.unpriced else ""


def checks_lines(result: Result) -> list[str]:
    """What config validation and the policy pack said of the changed stack."""
    after = result.after
    if after is None:
        return []
    if after.problems:
        return ["config validation FAILED:", *(f"  - {problem}" for problem in after.problems)]
    if after.error:
        return [f"recording FAILED: {after.error}"]
    lines = ["config validation: passed"]
    policies = after.policies
    if policies is not None:
        verdict = "FAILED" if policies.failed else "passed"
        lines.append(f"policy pack {verdict}: {policies.lines[0]}")
        lines += [f"  {line}" for line in policies.lines[1:]]
    return lines


def _total_lines(result: Result) -> list[str]:
    if result.before is None:
        return []
    lines = [f"monthly cost now (USD, baseline .. ceiling): {pair(result.before)}"]
    after = result.after
    if after is not None and after.cost is not None and result.saving is not None:
        lines.append(f"with every change: {pair(after.cost)}; saves {pair(result.saving)} a month")
    return lines


def render_table(result: Result) -> str:
    lines = [
        f"thrifty rightsize: stack {result.stack} (project {result.project})",
        f"files: {', '.join(result.files)}",
        f"rules: {settings_line(result.settings)}",
        "",
    ]
    for finding in result.findings():
        lines.append(f"[{LABELS[finding.verdict]}] {finding.kind} {finding.name}: {finding.reason}")
        saving = _saving_text(finding)
        if saving:
            lines.append(f"    {saving}")
        lines += [f"    evidence: {item.line()}" for item in finding.evidence]
        lines += [f"    change: {change.describe()}" for change in finding.changes]
    notes = [*result.recommendations.notes, *result.notes]
    if notes:
        lines += ["", "notes:", *(f"  {note}" for note in notes)]
    lines += ["", *_total_lines(result)]
    checks = checks_lines(result)
    if checks:
        lines += ["checks of the changed stack:", *(f"  {line}" for line in checks)]
    lines += ["", *_diff_lines(result)]
    return "\n".join(lines).rstrip()


def _diff_lines(result: Result) -> list[str]:
    edit = result.edit
    if edit is None or not edit.changed:
        return ["no change to write: every workload and pool is already right or lacks data"]
    lines = [*edit.notes, edit.diff().rstrip("\n")]
    if result.written:
        lines.append(f"wrote {edit.label}")
    elif result.failed:
        lines.append("not written: the changed stack does not pass the checks above")
    else:
        lines.append(f"not written: add --write to apply it to {edit.label}")
    return lines


def _md_row(*cells: str) -> str:
    return "| " + " | ".join(cell.replace("|", "\\|").replace("\n", " ") for cell in cells) + " |"


def render_markdown(result: Result) -> str:
    lines = [
        f"### Right-sizing: stack `{result.stack}`",
        "",
        f"Rules: {settings_line(result.settings)}. Files: {', '.join(result.files)}.",
        "",
        _md_row("verdict", "what", "saves / month (baseline .. ceiling)", "why"),
        _md_row("---", "---", "---:", "---"),
    ]
    for finding in result.findings():
        saving = pair(finding.saving) if finding.saving is not None else finding.unpriced or "-"
        lines.append(
            _md_row(
                LABELS[finding.verdict], f"{finding.kind} `{finding.name}`", saving, finding.reason
            )
        )
    lines += ["", *(f"- {line}" for line in _total_lines(result))]
    for finding in result.findings():
        if not finding.evidence and not finding.changes:
            continue
        lines += ["", f"<details><summary>{finding.kind} {finding.name}</summary>", ""]
        lines += [f"- {item.line()}" for item in finding.evidence]
        lines += [f"- change `{change.describe()}`" for change in finding.changes]
        lines += ["", "</details>"]
    notes = [*result.recommendations.notes, *result.notes]
    lines += ["", *(f"- note: {note}" for note in notes)] if notes else []
    checks = checks_lines(result)
    if checks:
        lines += ["", "**Checks of the changed stack:**", "", "```", *checks, "```"]
    edit = result.edit
    if edit is not None and edit.changed:
        lines += [
            "",
            f"**Change to `{edit.label}`:**",
            "",
            "```diff",
            edit.diff().rstrip("\n"),
            "```",
        ]
    return "\n".join(lines)


def _range(values: Range | None) -> dict[str, float] | None:
    if values is None:
        return None
    return {"baseline": round(values[0], 2), "ceiling": round(values[1], 2)}


def finding_json(finding: Finding) -> dict[str, Any]:
    return {
        "kind": finding.kind,
        "name": finding.name,
        "verdict": finding.verdict,
        "reason": finding.reason,
        "evidence": [item.to_json() for item in finding.evidence],
        "changes": [change.to_json() for change in finding.changes],
        "saving": _range(finding.saving),
        "unpriced": finding.unpriced,
    }


def result_json(result: Result) -> dict[str, Any]:
    after = result.after
    return {
        "project": result.project,
        "stack": result.stack,
        "files": result.files,
        "settings": asdict(result.settings),
        "findings": [finding_json(finding) for finding in result.findings()],
        "notes": [*result.recommendations.notes, *result.notes],
        "cost": {
            "currency": "USD",
            "before": _range(result.before),
            "after": _range(after.cost if after else None),
            "saving": _range(result.saving),
        },
        "checks": None
        if after is None
        else {
            "config": {"passed": not after.problems, "problems": after.problems},
            "program": {"passed": after.error is None, "error": after.error},
            "policies": None
            if after.policies is None
            else {
                "passed": not after.policies.failed,
                "summary": after.policies.lines[0],
                "findings": after.policies.data.get("findings", []),
            },
        },
        "diff": result.edit.diff() if result.edit is not None else "",
        "written": result.written,
        "failed": result.failed,
    }


def render(result: Result, fmt: str) -> str:
    """The report in ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "json":
        return json.dumps(result_json(result), indent=2)
    if fmt == "markdown":
        return render_markdown(result)
    return render_table(result)


__all__ = ["FORMATS", "Result", "render", "result_json"]
