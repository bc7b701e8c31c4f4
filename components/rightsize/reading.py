"""What the file readers share: the error that names the file and the place, JSON loading, and
typed access that says what was expected where."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

_T = TypeVar("_T")


class InputError(ValueError):
    """A file that cannot be read as what it claims to be: names the file, the place, the
    value and what was expected (``thrifty rightsize`` exits 2 on it)."""


def load_json(path: Path) -> Any:
    """A JSON file, or an :class:`InputError` with the line and column of the mistake."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise InputError(f"{path}: cannot be read: {error.strerror}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(
            f"{path}: line {error.lineno} column {error.colno}: not valid JSON ({error.msg})"
        ) from None


def expect(value: Any, where: str, path: Path, expected: type[_T], what: str) -> _T:
    """``value`` if it is an ``expected``, else an :class:`InputError` saying ``what`` was
    expected at ``where`` in ``path`` and what was found."""
    # JSON true/false are Python bools, which are ints: never accept one for a number.
    if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
        shown = "missing" if value is None else f"got {json.dumps(value)[:80]}"
        raise InputError(f"{path}: {where}: expected {what}, {shown}")
    return value


def looks_like(document: Any) -> str:
    """What a JSON document seems to be, for an error when a file was given as another kind
    (a Prometheus response to ``--vpa``, a VPA list to ``--prometheus``)."""
    if isinstance(document, dict):
        if "status" in document and "data" in document:
            return "a Prometheus API response (give it with --prometheus)"
        kind = document.get("kind")
        items = document.get("items")
        if kind == "VerticalPodAutoscaler" or (
            kind in ("List", "VerticalPodAutoscalerList")
            and isinstance(items, list)
            and all(
                isinstance(item, dict) and item.get("kind") == "VerticalPodAutoscaler"
                for item in items
            )
        ):
            return "VerticalPodAutoscaler objects (give them with --vpa)"
        if isinstance(kind, str):
            return f"a Kubernetes {kind} object"
        return f"an object with the keys {sorted(map(str, document))[:8]}"
    if isinstance(document, list):
        return "a JSON list"
    return f"a JSON {type(document).__name__} value"


__all__ = ["InputError", "expect", "load_json", "looks_like"]
