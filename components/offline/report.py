"""Rendering a :class:`thrifty.offline.plan.Plan` as a console tree, JSON, Markdown or HTML.

One function per format; each renders the resource tree, the summary line and every section a
later step (policies, costs) added, so a new step needs no change here (the HTML page lives in
:mod:`thrifty.offline.html_report`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from importlib import resources
from typing import Any

from thrifty.offline.html_report import render_html
from thrifty.offline.plan import Plan, PlanNode, TagStatus, provider_default_tags_of
from thrifty.preview import is_unknown
from thrifty.tag_reader import PartTags
from thrifty.tags import COST_TAG_KEYS

FORMATS = ("table", "json", "markdown", "html")


def _shown(key: str, value: object) -> str:
    return f"{key}=(unknown)" if is_unknown(value) else f"{key}={value}"


def _provider_text(node: PlanNode) -> str:
    defaults = provider_default_tags_of(node.resource)
    shown = " ".join(
        _shown(key, defaults.values[key]) for key in COST_TAG_KEYS if key in defaults.values
    )
    unknown = "  (default tags unknown during preview)" if defaults.unknown else ""
    return (f"default tags [{shown}]" if defaults.values else "(no default tags)") + unknown


def _part_issues(part: PartTags, named: bool) -> list[str]:
    """What a billed part lacks, and where the tags go; ``named`` says which part it is."""
    on = f" on {part.what}" if named else ""
    issues: list[str] = []
    missing = part.missing(COST_TAG_KEYS)
    if missing:
        why = f"{part.unreachable}; " if part.unreachable else ""
        issues.append(f"MISSING{on}: {', '.join(missing)} ({why}put them in {part.hint})")
    unknown = [key for key in part.unknown_keys(COST_TAG_KEYS) if part.absent(key)]
    if unknown:
        issues.append(f"UNKNOWN until deployment{on}: {', '.join(unknown)}")
    issues += [f"not checkable{on}: {problem}" for problem in part.problems]
    return issues


def _status_text(status: TagStatus) -> str:
    if not status.taggable:
        return "(not taggable)"
    if not status.needed:
        return "(not billed: no cost tags needed)"
    first = status.parts[0] if status.parts else None
    shown = (
        " ".join(
            _shown(key, first.value(key)) for key in COST_TAG_KEYS if not first.absent(key)
        )
        if first
        else ""
    )
    via = " (via provider)" if first and first.from_provider else ""
    named = len(status.parts) > 1
    issues = [issue for part in status.parts for issue in _part_issues(part, named)]
    return f"[{shown}]{via}" + "".join(f"  {issue}" for issue in issues)


def _tag_text(node: PlanNode) -> str:
    if node.resource.is_provider:
        return _provider_text(node)
    return _status_text(node.tag_status)


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
    """``N resources (aws 12, component 3); needs cost tags B of T taggable, untagged U``.

    "Needs cost tags" counts the resources the bill charges for; "untagged" those whose bill
    will miss a cost key; "tags unknown" those with a tag only deployment will tell.
    """
    clouds = ", ".join(f"{name} {count}" for name, count in plan.by_cloud().items())
    unknown = len(plan.tags_unknown())
    tags = (
        f"needs cost tags {plan.needs_tags_count()} of {plan.taggable_count()} taggable, "
        f"untagged {len(plan.untagged())}" + (f", tags unknown {unknown}" if unknown else "")
    )
    parts = [
        f"{len(plan.resources)} resources ({clouds})",
        tags,
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


def _node_dict(node: PlanNode, annotations: dict[str, dict[str, Any]]) -> dict[str, Any]:
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
            entry["needsCostTags"] = status.needed
            entry["tags"] = status.effective
            entry["missingTags"] = status.missing
            entry["unknownTags"] = status.unknown
        entry["protect"] = resource.protect
    entry.update(annotations.get(resource.urn, {}))
    if node.children:
        entry["children"] = [_node_dict(child, annotations) for child in node.children]
    return entry


#: Where the JSON Schema of :func:`render_json`'s document ships (package data).
JSON_SCHEMA_FILE = "schema/plan.schema.json"


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) that every ``--format json`` document validates against."""
    text = resources.files("thrifty.offline").joinpath(JSON_SCHEMA_FILE).read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def render_json(plan: Plan) -> str:
    """The plan as one JSON document; its shape is :func:`json_schema`."""
    recording = plan.recording
    document = {
        "project": recording.project,
        "stack": recording.stack,
        "summary": {
            "resources": len(plan.resources),
            "byCloud": plan.by_cloud(),
            "taggable": plan.taggable_count(),
            "needsCostTags": plan.needs_tags_count(),
            "untagged": [r.urn for r in plan.untagged()],
            "tagsUnknown": [r.urn for r in plan.tags_unknown()],
        },
        "resources": [_node_dict(node, plan.annotations) for node in plan.roots],
        "sections": {
            section.title: {
                "summary": section.summary,
                "lines": section.lines,
                **({} if section.json_key else {"data": section.data}),
                "failed": section.failed,
            }
            for section in plan.sections
        },
        **{section.json_key: section.data for section in plan.sections if section.json_key},
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
        body = section.markdown or [f"- {line}" for line in section.lines]
        lines += ["", f"#### {section.title}", "", *body]
    warnings = _warning_lines(plan)
    if warnings:
        lines += ["", "#### Engine messages", "", *(f"- {line}" for line in warnings)]
    return "\n".join(lines)


def render_page(plan: Plan) -> str:
    """The self-contained HTML page (a CI artefact with the cost charts)."""
    return render_html(plan, summary_line(plan))


def render(plan: Plan, output_format: str) -> str:
    """Render ``plan`` in one of :data:`FORMATS`."""
    renderers: dict[str, Callable[[Plan], str]] = {
        "table": render_table,
        "json": render_json,
        "markdown": render_markdown,
        "html": render_page,
    }
    if output_format not in renderers:
        raise ValueError(f"unknown format {output_format!r}; choose one of {', '.join(FORMATS)}")
    return renderers[output_format](plan)
