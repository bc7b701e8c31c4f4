"""Users' own catalog files: their region's prices, negotiated rates, custom instance types.

A user catalog file (JSON, or YAML for ``.yaml``/``.yml``) has the shape of the shipped catalog
(``catalog.json``), with every field optional except the keys that name an entry. It is merged
over the shipped data before anything is validated, so a user entry passes the same checks as a
shipped one::

    sources:                           # optional: where your figures come from
      acme-edp-2026: {url: "https://wiki.example/edp", title: "ACME EDP rates",
                      publisher: ACME finance, as_of: 2026-01-01, used_for: EC2 rates}
    clouds:
      aws:
        reference_region: eu-west-1    # the region your prices are for
        instance_types:
          items:                       # a list in catalog.json: entries keyed by name here
            m5.large: {on_demand_hourly: 0.085, price_source: acme-edp-2026}
            acme.custom: {family: acme, category: general, vcpus: 4, memory_gib: 16,
                          architecture: x86_64, on_demand_hourly: 0.1}
        object_storage:
          tiers:
            standard: {price_per_gb_month: 0.021}

How it merges: mappings merge key by key; a list of named entries (``items``, ``sources``) is
addressed by name; any other value replaces the shipped one. Names match case-insensitively,
with ``-`` and ``_`` alike. A new key is allowed only where the data has entries (a new instance
type, a new tier); at the top, cloud and section level only the shipped keys exist, so a typo is
an error instead of a silently ignored section. Later files win over earlier ones.

Where files come from: ``THRIFTY_CATALOG`` (one or more paths, ``os.pathsep``-separated), read
by every process, so the policy pack started by ``pulumi preview`` or ``thrifty plan`` sees the
same catalog (relative paths are relative to that process's working directory: prefer absolute).

Provenance: every value a file sets is recorded as an :class:`Override`, and each file is also a
citable source (``user-catalog:<name>``), so reports can say "price from your catalog".
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import ValidationError

CATALOG_ENV = "THRIFTY_CATALOG"
SCHEMA_VERSION = 1
#: ``notes`` is free text for the file's readers; ``schema_version``, when given, must match.
TOP_LEVEL_KEYS = ("schema_version", "notes", "sources", "clouds")

T = TypeVar("T")


class CatalogFileError(ValueError):
    """A user catalog file is unreadable or wrong; the message names the file, entry and field."""


@dataclass(frozen=True)
class Change:
    """One value a user file sets: a shipped field, or a whole new entry."""

    file: str
    path: tuple[str, ...]
    value: Any

    @property
    def where(self) -> str:
        return f"{self.file}: {'.'.join(self.path)}"


@dataclass(frozen=True)
class Override:
    """Provenance of a value in the merged catalog: which file set it, and whether it was new."""

    file: str
    path: tuple[str, ...]
    added: bool


@dataclass(frozen=True)
class UserFile:
    """A parsed user file: its path, the id it is cited by, and what it changes."""

    path: str
    source_id: str
    changes: tuple[Change, ...]


def paths_from_env(environ: Mapping[str, str] | None = None) -> tuple[Path, ...]:
    """The files named by ``THRIFTY_CATALOG`` (empty entries ignored)."""
    value = (os.environ if environ is None else environ).get(CATALOG_ENV, "")
    return tuple(Path(part) for part in value.split(os.pathsep) if part.strip())


def name_key(name: str) -> str:
    """How entry names match: case-insensitive, ``-`` and ``_`` alike."""
    return name.strip().casefold().replace("-", "_")


def instance_entry_template(cloud: str, name: str) -> str:
    """A user-file entry for an instance type the catalog lacks, to paste and fill in (the
    placeholders fail validation until replaced, with a message naming the field)."""
    if cloud == "aws":
        family = name.split(".")[0]
    elif cloud == "gcp":
        family = name.split("-")[0]
    else:
        family = re.sub(r"\d+", "", name.removeprefix("Standard_"), count=1)
    return "\n".join(
        (
            "clouds:",
            f"  {cloud}:",
            "    instance_types:",
            "      items:",
            f"        {json.dumps(name)}:",
            f"          family: {json.dumps(family)}",
            "          category: general  # compute, memory, burstable, gpu, storage, accelerated",
            "          vcpus: VCPUS",
            "          memory_gib: GIB",
            "          architecture: x86_64  # or arm64",
            "          on_demand_hourly: null  # USD per hour, if you know it",
        )
    )


def _named_list_key(value: object) -> str | None:
    """``"name"`` or ``"id"`` when ``value`` is a non-empty list of entries keyed by it."""
    if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
        return None
    for key in ("name", "id"):
        if all(isinstance(item.get(key), str) for item in value):
            return key
    return None


def _match(names: Iterator[str], wanted: str) -> str | None:
    """The existing name ``wanted`` refers to (exact, else by :func:`name_key`)."""
    candidates = list(names)
    if wanted in candidates:
        return wanted
    return next((name for name in candidates if name_key(name) == name_key(wanted)), None)


def _children(shipped: object) -> dict[str, object] | None:
    """The named children of a mapping or named list; None for a leaf."""
    if isinstance(shipped, dict):
        return shipped
    key = _named_list_key(shipped)
    if key is None:
        return None
    assert isinstance(shipped, list)
    return {item[key]: item for item in shipped}


def _new_entry(file: str, shipped: object, path: tuple[str, ...], value: object) -> Change:
    """A new key: allowed below the section level, and in a named list only as an entry."""
    where = f"{file}: {'.'.join(path)}"
    if len(path) <= 3 and path[0] != "sources":
        allowed = ", ".join(sorted(_children(shipped) or {})) or "none"
        raise CatalogFileError(f"{where}: unknown key; allowed here: {allowed}")
    list_key = _named_list_key(shipped)
    if list_key is not None:
        if not isinstance(value, dict):
            raise CatalogFileError(f"{where}: a new entry must be a mapping of its fields")
        if value.get(list_key, path[-1]) != path[-1]:
            raise CatalogFileError(f"{where}: '{list_key}' is the entry's key; leave it out")
    return Change(file, path, value)


def _flatten(file: str, shipped: object, user: object, path: tuple[str, ...]) -> Iterator[Change]:
    """The user's values as changes: leaves where the data has them, whole subtrees where new."""
    children = _children(shipped)
    if len(path) < 3 and not isinstance(user, dict):
        what = "a mapping of source ids" if path == ("sources",) else "a mapping"
        raise CatalogFileError(f"{file}: {'.'.join(path)}: must be {what}, got {user!r}")
    if children is None or not isinstance(user, dict):
        yield Change(file, path, user)
        return
    for key, value in user.items():
        if not isinstance(key, str) or not key.strip():
            raise CatalogFileError(f"{file}: {'.'.join(path)}: names must be text, got {key!r}")
        existing = _match(iter(children), key)
        if existing is None:
            yield _new_entry(file, shipped, (*path, key), value)
        else:
            yield from _flatten(file, children[existing], value, (*path, existing))


def _read_document(path: Path) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise CatalogFileError(f"{path}: cannot read the catalog file: {error}") from None
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            return yaml.safe_load(text)
        if path.suffix.lower() == ".json":
            return json.loads(text)
    except (ValueError, yaml.YAMLError) as error:
        raise CatalogFileError(f"{path}: not valid {path.suffix[1:].upper()}: {error}") from None
    raise CatalogFileError(f"{path}: a catalog file must end in .json, .yaml or .yml")


def _file_source(path: Path, source_id: str) -> dict[str, str]:
    modified = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc).date()
    return {
        "id": source_id,
        "url": path.resolve().as_uri(),
        "title": f"your catalog file {path}",
        "publisher": f"you ({CATALOG_ENV})",
        "as_of": modified.isoformat(),
        "used_for": "figures this file adds or overrides",
    }


def read_user_file(path: Path, shipped: Mapping[str, Any], taken: set[str]) -> UserFile:
    """Parse ``path`` into changes against ``shipped``; ``taken`` holds source ids in use."""
    document = _read_document(path)
    file = str(path)
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise CatalogFileError(
            f"{file}: the file must hold a mapping, got {type(document).__name__}"
        )
    unknown = sorted(set(document) - set(TOP_LEVEL_KEYS))
    if unknown:
        raise CatalogFileError(
            f"{file}: unknown top-level keys {unknown}; allowed: {', '.join(TOP_LEVEL_KEYS)}"
        )
    if document.get("schema_version", SCHEMA_VERSION) != SCHEMA_VERSION:
        raise CatalogFileError(
            f"{file}: schema_version {document['schema_version']!r} is not supported; "
            f"this thrifty reads {SCHEMA_VERSION}"
        )
    source_id, number = f"user-catalog:{path.stem}", 1
    while source_id in taken:
        number += 1
        source_id = f"user-catalog:{path.stem}-{number}"
    taken.add(source_id)
    changes = [Change(file, ("sources", source_id), _file_source(path, source_id))]
    for section in ("sources", "clouds"):
        if section in document:
            changes.extend(_flatten(file, shipped[section], document[section], (section,)))
    return UserFile(file, source_id, tuple(changes))


def _set(node: object, path: tuple[str, ...], value: Any) -> tuple[object, bool]:
    """A copy of ``node`` with ``value`` at ``path``, only the touched branch copied; and
    whether the value is a new entry. Paths come from :func:`_flatten`, so every step but a
    new entry's last one exists."""
    if not path:
        return value, False
    head, rest = path[0], path[1:]
    list_key = _named_list_key(node)
    if list_key is not None:
        assert isinstance(node, list)
        items = list(node)
        index = next((i for i, item in enumerate(items) if item[list_key] == head), None)
        if index is None:
            items.append({list_key: head, **value})
            return items, True
        items[index], added = _set(items[index], rest, value)
        return items, added
    assert isinstance(node, dict)
    copy = dict(node)
    if head not in copy:
        copy[head] = value
        return copy, True
    copy[head], added = _set(copy[head], rest, value)
    return copy, added


def apply(
    raw: Mapping[str, Any], changes: Sequence[Change]
) -> tuple[dict[str, Any], tuple[Override, ...]]:
    """``raw`` with every change applied in order, and where each value came from."""
    merged: object = dict(raw)
    overrides: list[Override] = []
    for change in changes:
        merged, added = _set(merged, change.path, change.value)
        overrides.append(Override(change.file, change.path, added))
    assert isinstance(merged, dict)
    return merged, tuple(overrides)


def _detail(error: Exception) -> str:
    if not isinstance(error, ValidationError):
        return str(error)
    problems = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"] if not isinstance(part, int))
        got = f" (got {item['input']!r})" if item["type"] != "missing" else ""
        problems.append(f"{field or 'entry'}: {item['msg']}{got}")
    return "; ".join(problems)


def blame(
    raw: Mapping[str, Any],
    changes: Sequence[Change],
    build: Callable[[dict[str, Any], tuple[Override, ...]], T],
    error: Exception,
) -> CatalogFileError:
    """Which change breaks the build: the last one of the shortest failing prefix (a binary
    search, so a file of n entries costs about log2(n) builds, and only when it is wrong).

    ``error`` is what building with every change raised; the shipped data alone must build.
    """
    good, bad, failure = 0, len(changes), error
    while bad - good > 1:
        middle = (good + bad) // 2
        try:
            build(*apply(raw, changes[:middle]))
            good = middle
        except (ValidationError, ValueError) as problem:
            bad, failure = middle, problem
    return CatalogFileError(f"{changes[bad - 1].where}: {_detail(failure)}")
