"""``thrifty plan --format html``: one self-contained page for a CI artefact.

No script, no external stylesheet, no font or image to fetch: the page is plain HTML with inline
CSS and inline SVG bar charts (cost by component and by team, baseline beside ceiling), so it
opens the same from a CI artefact, an e-mail attachment or a laptop without a network. Every
text is escaped. It shows the summary, the budget, the two charts, the cost of every resource,
what could not be priced, and the policy findings.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from thrifty.offline.plan import Plan, PlanSection

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1b1f24}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}
table{border-collapse:collapse;font-size:.9rem}td,th{padding:.25rem .6rem;text-align:left}
tr:nth-child(even){background:#f4f6f8}td.n{text-align:right;font-variant-numeric:tabular-nums}
.over{color:#b42318;font-weight:600}.ok{color:#067647}.muted{color:#667085}
.legend span{display:inline-block;width:.8rem;height:.8rem;margin:0 .3rem 0 1rem}
"""
_BASELINE_COLOUR = "#2e90fa"
_CEILING_COLOUR = "#b2ddff"
_BAR_WIDTH = 420
_ROW = 22


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _money(value: object) -> str:
    return f"{value:,.2f}" if isinstance(value, (int, float)) else "-"


def bar_chart(title: str, rows: Sequence[tuple[str, float, float]]) -> str:
    """An inline SVG chart: one row per label, the ceiling bar behind the baseline bar."""
    if not rows:
        return f"<p class='muted'>{_e(title)}: nothing priced.</p>"
    label_width = 320
    top = max(ceiling for _, _, ceiling in rows) or 1.0
    height = _ROW * len(rows) + 10
    parts = [
        f"<svg role='img' aria-label='{_e(title)}' width='{label_width + _BAR_WIDTH + 140}' "
        f"height='{height}' xmlns='http://www.w3.org/2000/svg' font-size='12'>"
    ]
    for index, (label, baseline, ceiling) in enumerate(rows):
        y = index * _ROW + 4
        ceiling_width = _BAR_WIDTH * ceiling / top
        baseline_width = _BAR_WIDTH * baseline / top
        parts += [
            f"<text x='0' y='{y + 13}'>{_e(label[:48])}</text>",
            f"<rect x='{label_width}' y='{y}' width='{ceiling_width:.1f}' height='16' "
            f"fill='{_CEILING_COLOUR}'><title>ceiling {_money(ceiling)}</title></rect>",
            f"<rect x='{label_width}' y='{y}' width='{baseline_width:.1f}' height='16' "
            f"fill='{_BASELINE_COLOUR}'><title>baseline {_money(baseline)}</title></rect>",
            f"<text x='{label_width + ceiling_width + 6:.1f}' y='{y + 13}'>"
            f"{_money(baseline)} .. {_money(ceiling)}</text>",
        ]
    parts.append("</svg>")
    legend = (
        f"<div class='legend muted'><span style='background:{_BASELINE_COLOUR}'></span>baseline"
        f"<span style='background:{_CEILING_COLOUR}'></span>ceiling (USD/month)</div>"
    )
    return f"<h2>{_e(title)}</h2>{legend}{''.join(parts)}"


def _rows(groups: Mapping[str, Mapping[str, Any]]) -> list[tuple[str, float, float]]:
    rows = [
        (label, float(pair.get("baseline") or 0.0), float(pair.get("ceiling") or 0.0))
        for label, pair in groups.items()
    ]
    return sorted((row for row in rows if row[1] or row[2]), key=lambda row: (-row[2], row[0]))


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: set[int]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td class='n'>{_e(cell)}</td>" if i in numeric else f"<td>{_e(cell)}</td>"
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cost_parts(cost: PlanSection) -> list[str]:
    data = cost.data
    total = data.get("total") or {}
    budget = data.get("budget") or {}
    parts = [
        f"<p>Monthly total: <b>{_money(total.get('baseline'))}</b> baseline, "
        f"<b>{_money(total.get('ceiling'))}</b> ceiling (USD).</p>"
    ]
    if budget.get("monthly") is not None:
        state = "over" if budget.get("exceeded") else "ok"
        parts.append(
            f"<p class='{state}'>Budget {_money(budget['monthly'])} ({_e(budget.get('source'))}): "
            f"headroom {_money((budget.get('headroom') or {}).get('baseline'))} at baseline.</p>"
        )
    parts.append(bar_chart("Cost by component", _rows(data.get("byComponent") or {})))
    for key, groups in (data.get("byTag") or {}).items():
        parts.append(bar_chart(f"Cost by {key}", _rows(groups)))
    resources = data.get("resources") or {}
    priced = sorted(
        (entry for entry in resources.values() if entry.get("status") == "priced"),
        key=lambda entry: -float(entry["monthlyCost"].get("ceiling") or 0.0),
    )
    parts.append("<h2>Cost by resource</h2>")
    parts.append(
        _table(
            ("resource", "type", "baseline", "ceiling", "how"),
            [
                (
                    entry["name"],
                    entry["type"],
                    _money(entry["monthlyCost"]["baseline"]),
                    _money(entry["monthlyCost"]["ceiling"]),
                    "; ".join(line["description"] for line in entry.get("lines", [])),
                )
                for entry in priced
            ],
            {2, 3},
        )
    )
    unpriced = data.get("unpriced") or []
    if unpriced:
        parts.append(f"<h2>Not fully priced ({len(unpriced)})</h2>")
        parts.append(
            _table(
                ("resource", "type", "status", "why"),
                [(u["name"], u["type"], u["status"], u["reason"]) for u in unpriced],
                set(),
            )
        )
    return parts


def render_html(plan: Plan, summary: str) -> str:
    """The whole page for ``plan``; ``summary`` is the plan's one-line summary."""
    recording = plan.recording
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>thrifty plan: {_e(recording.stack)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>thrifty plan: stack {_e(recording.stack)} "
        f"<span class='muted'>(project {_e(recording.project)})</span></h1>",
        f"<p>{_e(summary)}</p>",
    ]
    for section in plan.sections:
        if section.title == "Cost":
            parts += _cost_parts(section)
        else:
            parts.append(f"<h2>{_e(section.title)}</h2><ul>")
            parts += [f"<li>{_e(line)}</li>" for line in section.lines]
            parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)
