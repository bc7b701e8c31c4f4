"""One config change: a stack-file key, the path under it, the value in effect and the new one.

A change names its place as the stack file spells it (``thrifty:workloads`` then
``churn-predictor.resources.requests.cpu``), so the same record drives the YAML edit, the
what-if recording and the report.
"""

from __future__ import annotations

from dataclasses import dataclass

ConfigPath = tuple[str | int, ...]


def show_value(value: object) -> str:
    """A config value as a person reads it (lists without brackets and quotes)."""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value)
    return str(value)


def path_text(key: str, path: ConfigPath) -> str:
    """``thrifty:cluster.spotPools[0].minSize`` (the config's own spelling)."""
    text = key
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


@dataclass(frozen=True)
class ConfigChange:
    """Set ``key``'s ``path`` to ``new``; ``old`` is the value in effect (a default when the
    file does not write it). ``fill`` is what the mapping holding the value must contain when
    the file does not have that mapping yet (a resource list is valid only whole): its entries
    in order, with the values in effect."""

    key: str
    path: ConfigPath
    old: object
    new: object
    fill: tuple[tuple[str, object], ...] = ()

    @property
    def location(self) -> str:
        return path_text(self.key, self.path)

    def describe(self) -> str:
        return f"{self.location}: {show_value(self.old)} -> {show_value(self.new)}"

    def to_json(self) -> dict[str, object]:
        return {
            "key": self.key,
            "path": list(self.path),
            "location": self.location,
            "old": list(self.old) if isinstance(self.old, tuple) else self.old,
            "new": list(self.new) if isinstance(self.new, tuple) else self.new,
        }


__all__ = ["ConfigChange", "ConfigPath", "path_text", "show_value"]
