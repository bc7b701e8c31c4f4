"""Rendering a :class:`thrifty.offline.plan.Plan` as a console tree, JSON or Markdown.

One function per format; each renders the resource tree, the summary line and every section a
later step (policies, costs) added, so a new step needs no change here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from thrifty.offline.plan import Plan, PlanNode, provider_default_tags
from thrifty.tags import COST_TAG_KEYS

FORMATS = ("table", "json", "markdown")


def _tag_text(node: PlanNode) -> str:
    status = node.tag_status
    if node.resource.is_provider:
        defaults = provider_default_tags(node.resource)
        shown = " ".join(f"{key}={defaults[key]}" for key in COST_TAG_KEYS if key in defaults)
        return f"default tags [{shown}]" if defaults else "(no default tags)"
    if not status.taggable:
        return "(not taggable)"
    effective = status.effective
    shown = " ".join(f"{key}={effective[key]}" for key in COST_TAG_KEYS if key in effective)
    missing = status.missing
    suffix = f"  MISSING: {', '.join(missing)}" if missing else ""
    via = " (via provider)" if any(k not in status.tags for k in effective) else ""
    return f"[{shown}]{via}{suffix}"


def _tree_lines(nodes: list[PlanNode], prefix: str = "") -> Iterator[str]:
    for index, node in enumerate(nodes):
        last = index == len(nodes) - 1
        branch = "└─ " if last else "├─ "
        resource = node.resource
        label = f"{resource.type} {resource.name}"
        if resource.custom:
            label += f"  {_tag_text(node)}"
        if resource.protect or resource.retain_on_delete:
            label += "  (protected)" if resource.protect else "  (retained on delete)"
        yield f"{prefix}{branch}{label}"
        yield from _tree_lines(node.children, prefix + ("   " if last else "│  "))


def summary_line(plan: Plan) -> str:
    """``N resources (aws 12, component 3); taggable T, untagged U``."""
    clouds = ", ".join(f"{name} {count}" for name, count in plan.by_cloud().items())
    parts = [
        f"{len(plan.resources)} resources ({clouds})",
        f"taggable {plan.taggable_count()}, untagged {len(plan.untagged())}",
        *(section.summary for section in plan.sections if section.summary),
    ]
    return "; ".join(parts)


def _warning_lines(plan: Plan) -> list[str]:
    """Warnings and errors the program logged (components warn about slack budgets, ...)."""
    return [
        f"{message.severity}: {message.message}"
        for message in plan.recording.messages
        if message.severity in ("warning", "error")
    ]


def render_table(plan: Plan) -> str:
    recording = plan.recording
    lines = [
        f"thrifty plan: stack {recording.stack} (project {recording.project})",
        "",
        f"pulumi:pulumi:Stack {recording.project}-{recording.stack}",
        *_tree_lines(plan.roots),
    ]
    for section in plan.sections:
        lines += ["", f"{section.title}:", *(f"  {line}" for line in section.lines)]
    lines += _warning_lines(plan)
    lines += ["", f"Summary: {summary_line(plan)}"]
    return "\n".join(lines)


def _node_dict(node: PlanNode) -> dict[str, Any]:
    resource = node.resource
    entry: dict[str, Any] = {
        "type": resource.type,
        "name": resource.name,
        "urn": resource.urn,
        "custom": resource.custom,
    }
    if resource.custom:
        status = node.tag_status
        entry["taggable"] = status.taggable
        if status.taggable:
            entry["tags"] = status.effective
            entry["missingTags"] = status.missing
        entry["protect"] = resource.protect
    if node.children:
        entry["children"] = [_node_dict(child) for child in node.children]
    return entry


def render_json(plan: Plan) -> str:
    recording = plan.recording
    document = {
        "project": recording.project,
        "stack": recording.stack,
        "summary": {
            "resources": len(plan.resources),
            "byCloud": plan.by_cloud(),
            "taggable": plan.taggable_count(),
            "untagged": [r.urn for r in plan.untagged()],
        },
        "resources": [_node_dict(node) for node in plan.roots],
        "sections": {
            section.title: {
                "summary": section.summary,
                "lines": section.lines,
                "data": section.data,
                "failed": section.failed,
            }
            for section in plan.sections
        },
        "messages": [
            {"severity": m.severity, "message": m.message} for m in recording.messages
        ],
        "failed": plan.failed,
    }
    return json.dumps(document, indent=2, sort_keys=False)


def render_markdown(plan: Plan) -> str:
    recording = plan.recording
    lines = [
        f"### thrifty plan: `{recording.stack}`",
        "",
        f"**Summary:** {summary_line(plan)}",
        "",
        "```",
        *_tree_lines(plan.roots),
        "```",
    ]
    for section in plan.sections:
        lines += ["", f"#### {section.title}", "", *(f"- {line}" for line in section.lines)]
    warnings = _warning_lines(plan)
    if warnings:
        lines += ["", "#### Engine messages", "", *(f"- {line}" for line in warnings)]
    return "\n".join(lines)


def render(plan: Plan, output_format: str) -> str:
    """Render ``plan`` in one of :data:`FORMATS`."""
    renderers = {"table": render_table, "json": render_json, "markdown": render_markdown}
    if output_format not in renderers:
        raise ValueError(f"unknown format {output_format!r}; choose one of {', '.join(FORMATS)}")
    return renderers[output_format](plan)
