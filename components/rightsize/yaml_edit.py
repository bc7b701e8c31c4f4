"""The change as an edit of the stack file that keeps everything else as it was written.

ruamel.yaml's round-trip mode keeps comments, key order, flow or block style and quoting;
only the values a change names are touched. Its writer re-indents as told, so the file's own
indentation is found first (the setting whose round trip gives the file back byte for byte);
if none does, the edit says so, because lines it did not change would differ too.

An end-of-line comment keeps its column where the new value leaves room for it (ruamel keeps
the comment's column); a longer value pushes it to one space after the value.

Comments that sit after the last entry of a mapping belong, in ruamel's model, to that entry;
an entry appended after it would land below them (under the next section's heading comment).
Such comments are moved after the appended entry, so they stay above what they describe.
"""

from __future__ import annotations

import difflib
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark, YAMLError
from ruamel.yaml.scalarstring import PlainScalarString, ScalarString
from ruamel.yaml.tokens import CommentToken

from thrifty.rightsize.changes import ConfigChange

#: (mapping, sequence, offset) indentations tried, the reference stacks' first.
LAYOUTS = ((2, 4, 2), (2, 2, 0), (2, 4, 0), (4, 4, 0), (4, 6, 2), (3, 5, 2))


class StackFileError(ValueError):
    """The stack file cannot be edited (not YAML, or a value is not where the change says)."""


@dataclass(frozen=True)
class EditedFile:
    """A stack file before and after the changes, and what the editor has to say."""

    path: Path
    label: str
    before: str
    after: str
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def diff(self) -> str:
        """A unified diff (``a/<label>`` to ``b/<label>``), empty when nothing changes."""
        return "".join(
            difflib.unified_diff(
                self.before.splitlines(keepends=True),
                self.after.splitlines(keepends=True),
                fromfile=f"a/{self.label}",
                tofile=f"b/{self.label}",
            )
        )


def _yaml(layout: tuple[int, int, int]) -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=layout[0], sequence=layout[1], offset=layout[2])
    return yaml


def _dump(yaml: YAML, document: Any) -> str:
    out = io.StringIO()
    yaml.dump(document, out)
    return out.getvalue()


def _layout(text: str) -> tuple[int, int, int] | None:
    for layout in LAYOUTS:
        yaml = _yaml(layout)
        if _dump(yaml, yaml.load(text)) == text:
            return layout
    return None


def edit_text(text: str, changes: Sequence[ConfigChange], where: str) -> tuple[str, list[str]]:
    """``text`` (a stack file) with ``changes`` applied, and notes on the edit."""
    notes: list[str] = []
    try:
        layout = _layout(text)
    except YAMLError as error:
        raise StackFileError(f"{where}: not valid YAML: {error}") from None
    if layout is None:
        notes.append(
            f"{where}: its indentation is not one of thrifty's writer settings; lines the change "
            "does not touch may be re-indented too (check the diff)"
        )
        layout = LAYOUTS[0]
    yaml = _yaml(layout)
    document = yaml.load(text)
    if not isinstance(document, CommentedMap) or not isinstance(document.get("config"), dict):
        raise StackFileError(f"{where}: expected a mapping with a 'config' mapping")
    for change in changes:
        _apply(document["config"], change, where)
    return _dump(yaml, document), notes


def edit_stack_file(
    path: Path, changes: Sequence[ConfigChange], label: str | None = None
) -> EditedFile:
    """The stack file at ``path`` and its text after ``changes``."""
    try:
        before = path.read_text(encoding="utf-8")
    except OSError as error:
        raise StackFileError(f"{path}: cannot be read: {error.strerror}") from None
    after, notes = edit_text(before, changes, str(path))
    return EditedFile(path, label or path.name, before, after, notes)


def _apply(config: CommentedMap, change: ConfigChange, where: str) -> None:
    """Walk to the value; where the file stops, add the rest of the path as one new entry."""
    node: Any = config
    steps = (change.key, *change.path)
    for index, part in enumerate(steps):
        last = index == len(steps) - 1
        if isinstance(part, int):
            if not isinstance(node, CommentedSeq) or part >= len(node):
                raise StackFileError(f"{where}: {change.location}: no item {part} to change")
            if last:
                node[part] = _node(change.new)
                return
            node = node[part]
            continue
        if not isinstance(node, CommentedMap):
            raise StackFileError(f"{where}: {change.location}: {part!r} is not in a mapping")
        if part not in node:
            _append(node, part, _subtree(steps[index + 1 :], change))
            return
        if last:
            _replace(node, part, change.new)
            return
        node = node[part]


def _subtree(rest: tuple[str | int, ...], change: ConfigChange) -> object:
    """The new value for a missing key: ``change.new``, or the mappings down to it (the one
    holding the value gets ``change.fill``)."""
    if not rest:
        return _node(change.new)
    mapping = CommentedMap()
    if len(rest) == 1:
        for key, value in change.fill:
            mapping[key] = value
    mapping[rest[0]] = _subtree(rest[1:], change)
    return mapping


def _replace(mapping: CommentedMap, key: str, value: object) -> None:
    current = mapping[key]
    if isinstance(current, CommentedSeq) and isinstance(value, (list, tuple)):
        current[:] = list(value)  # the same node keeps its flow or block style
    elif isinstance(current, ScalarString) and isinstance(value, str):
        # "2" stays text, quoted as the file quoted it; "183m" needs no quotes (ruamel would
        # otherwise keep the old value's style).
        style = type(current) if _needs_quotes(value) else PlainScalarString
        mapping[key] = style(value)
    else:
        mapping[key] = _node(value)


def _needs_quotes(text: str) -> bool:
    """Whether ``text`` unquoted would be read as something other than text (``2``, ``0.5``)."""
    return not isinstance(YAML(typ="safe").load(text), str)


def _node(value: object) -> object:
    if isinstance(value, (list, tuple)):
        seq = CommentedSeq(value)
        seq.fa.set_flow_style()
        return seq
    return value


def _last_leaf(node: Any) -> tuple[CommentedMap, Any] | None:
    """The mapping and key of the last scalar entry printed for ``node``."""
    if isinstance(node, CommentedMap) and node:
        key = list(node)[-1]
        return _last_leaf(node[key]) or (node, key)
    return None


def _append(mapping: CommentedMap, key: str, value: object) -> None:
    """Add ``key`` at the end of ``mapping``, moving the comment lines that followed the last
    entry (and so preceded what comes next in the file) to after the new entry."""
    last = list(mapping)[-1] if mapping else None
    mapping[key] = value
    entry = mapping.ca.items.get(last) if last is not None else None
    token = entry[2] if entry and len(entry) > 2 else None
    if not isinstance(token, CommentToken):
        return
    head, newline, tail = token.value.partition("\n")
    if not tail:
        return
    token.value = head + newline
    holder, leaf = _last_leaf(value) or (mapping, key)
    holder.ca.items[leaf] = [None, None, CommentToken("\n" + tail, CommentMark(0), None), None]


__all__ = ["EditedFile", "StackFileError", "edit_stack_file", "edit_text"]
