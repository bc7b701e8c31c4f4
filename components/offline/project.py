"""Reading a Pulumi project directory the way the CLI does: ``Pulumi.yaml`` and its stack files.

Shared by the recording engine and the ``thrifty plan`` command so that both find the program,
the stack config directory, the stack names and the config the same way. Knows nothing of
thrifty's components: any Pulumi Python project works.

What the CLI does, and where it is written down (pulumi/pulumi, checked at 1b59498):

- The project file is ``Pulumi.json``, ``Pulumi.yaml`` or ``Pulumi.yml`` (first found, in that
  order, ``sdk/go/common/encoding/marshal.go`` ``Exts``); stack files take its extension,
  ``Pulumi.<stack><ext>`` in ``stackConfigDir`` (``workspace/paths.go`` ``ProjectStackPath``).
  A text ``config:`` is the deprecated spelling of ``stackConfigDir``.
- ``main`` (``pkg/engine/project.go`` ``getPwdMain``): a directory becomes the working directory
  and the program is ``.``; a file's directory becomes the working directory and the program
  is its base name; no ``main`` means the project root and ``.``.
- Project-level ``config:`` (``pkg/workspace/config.go`` ``mergeConfig``, ``workspace/project.go``
  ``RewriteShorthandConfigValues``, ``Validate``, ``ValidateConfigValue``): a plain value is a
  ``default`` for a project key and a ``value`` for another namespace's key (``aws:region``).
  A stack file's value always wins; a default or value fills a key the stack does not set;
  a project key with neither, unset by the stack, is a missing value. Stack values of an
  explicitly typed key are checked against its type, and a ``secret`` key must be ``secure``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeGuard

import yaml


class ProjectError(ValueError):
    """The directory is not a Pulumi project, or a stack does not exist in it."""


PROJECT_FILE_EXTENSIONS = (".json", ".yaml", ".yml")
CONFIG_TYPES = ("string", "integer", "boolean", "array", "object")

_MISSING = object()


@dataclass(frozen=True)
class ConfigDeclaration:
    """One entry of ``Pulumi.yaml``'s ``config:`` after the CLI's shorthand rewrite."""

    key: str
    full_key: str
    type: str | None = None
    items: Mapping[str, object] | None = None
    default: object = _MISSING
    value: object = _MISSING
    secret: bool = False

    @property
    def fallback(self) -> object:
        """What fills the key when the stack does not set it (the default wins, as in the CLI)."""
        return self.default if self.default is not _MISSING else self.value


@dataclass(frozen=True)
class ProgramLocation:
    """Where the language host runs the program: its working directory and ``PROGRAM``."""

    directory: Path
    entry: str

    @property
    def target(self) -> Path:
        """The file Python executes: the entry, or ``__main__.py`` in a directory entry."""
        path = self.directory / self.entry
        return path / "__main__.py" if path.is_dir() else path


@dataclass(frozen=True)
class PulumiProject:
    """What ``Pulumi.yaml`` says: the project name, the program and where stack files live."""

    root: Path
    name: str
    runtime: str
    main: Path
    stack_config_dir: Path
    config: tuple[ConfigDeclaration, ...] = ()
    extension: str = ".yaml"

    def stack_file(self, stack: str) -> Path:
        """The ``Pulumi.<stack>.yaml`` path for ``stack`` (it may not exist)."""
        return self.stack_config_dir / f"Pulumi.{stack}{self.extension}"

    def stacks(self) -> list[str]:
        """Every stack that has a config file, sorted."""
        names = (
            path.name.removeprefix("Pulumi.").removesuffix(self.extension)
            for path in self.stack_config_dir.glob(f"Pulumi.*{self.extension}")
        )
        return sorted(names)

    def program(self) -> ProgramLocation:
        """The working directory and entry point the CLI gives the language host."""
        if not self.main.exists():
            raise ProjectError(
                f"{self.root}: project 'main' could not be read: {self.main} does not exist"
            )
        location = (
            ProgramLocation(self.main, ".")
            if self.main.is_dir()
            else ProgramLocation(self.main.parent, self.main.name)
        )
        if not location.target.is_file():
            raise ProjectError(
                f"{self.root}: unable to find main python program `__main__.py` in {self.main}"
            )
        return location

    def stack_config(self, stack: str) -> dict[str, object]:
        """The stack's config as the engine hands it to a program: ``ns:key -> value``.

        Keys without a namespace get the project's name, as the CLI does. Structured values
        (maps, lists) are passed on as JSON text and scalars as text, which is what the Python
        SDK receives from the engine. ``secure:`` values cannot be decrypted offline and are
        passed on as their cipher text. Project-level defaults fill keys the stack leaves out.
        """
        raw = self._raw_stack_config(stack)
        flattened: dict[str, object] = {key: _engine_form(value) for key, value in raw.items()}
        missing: list[str] = []
        for declaration in self.config:
            if declaration.full_key in raw:
                _check_stack_value(stack, declaration, raw[declaration.full_key])
            elif declaration.fallback is not _MISSING:
                # The CLI checks the merged value, so a secret key cannot have a plain default.
                _check_stack_value(stack, declaration, declaration.fallback)
                flattened[declaration.full_key] = _engine_form(declaration.fallback)
            elif declaration.full_key.startswith(f"{self.name}:"):
                missing.append(declaration.key)
        if missing:
            quoted = ", ".join(f"'{key}'" for key in sorted(missing))
            raise ProjectError(
                f"Stack '{stack}' is missing configuration "
                f"{'values' if len(missing) > 1 else 'value'} {quoted}: set "
                f"{'them' if len(missing) > 1 else 'it'} in {self.stack_file(stack)} or give "
                f"a default in {self.root / ('Pulumi' + self.extension)}"
            )
        return flattened

    def _raw_stack_config(self, stack: str) -> dict[str, object]:
        """``ns:key -> value as parsed`` from the stack's file."""
        path = self.stack_file(stack)
        if not path.is_file():
            known = ", ".join(self.stacks()) or "none"
            raise ProjectError(
                f"unknown stack {stack!r}: {path} does not exist (stacks in {self.root}: {known})"
            )
        document = _read_mapping(path)
        config = document.get("config") or {}
        if not isinstance(config, dict):
            raise ProjectError(f"{path}: 'config' must be a mapping of keys to values")
        return {_full_key(self.name, str(key)): value for key, value in config.items()}


def _full_key(project_name: str, key: str) -> str:
    """``key`` with the project's name as namespace when it has none, as the CLI does."""
    return key if ":" in key else f"{project_name}:{key}"


def _engine_form(value: object) -> str:
    if _is_secure(value):
        return str(value["secure"])
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _is_secure(value: object) -> TypeGuard[dict[str, object]]:
    return isinstance(value, dict) and set(value) == {"secure"}


#: libyaml's loader when PyYAML has it: the same documents, eight times faster (every plan and
#: recording reads two files); the pure-Python one words errors better, so it reports them.
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_mapping(path: Path) -> dict[str, object]:
    text = path.read_text(encoding="utf-8-sig")
    try:
        document = yaml.load(text, Loader=_FAST_LOADER) or {}
    except yaml.YAMLError:
        try:
            document = yaml.safe_load(text) or {}
        except yaml.YAMLError as error:
            raise ProjectError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(document, dict):
        raise ProjectError(f"{path}: expected a mapping at the top level")
    return document


def _type_name(type_name: str | None, items: Mapping[str, object] | None) -> str:
    """``array<integer>`` style names, as the CLI prints them."""
    if items is None:
        return str(type_name)
    return f"array<{_type_name(str(items.get('type')), _items_of(items))}>"


def _items_of(items: Mapping[str, object]) -> Mapping[str, object] | None:
    """The ``items`` declaration nested in an ``items`` declaration, if any."""
    inner = items.get("items")
    return inner if isinstance(inner, dict) else None


def _matches_type(type_name: str | None, items: Mapping[str, object] | None, value: object) -> bool:
    """The CLI's ``ValidateConfigValue``: text is accepted where it parses as the type."""
    if type_name == "string":
        return isinstance(value, str)
    if type_name == "integer":
        if isinstance(value, bool):
            return False
        if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
            return True
        return isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value) is not None
    if type_name == "boolean":
        return isinstance(value, bool) or value in ("true", "false")
    if type_name == "object":
        return isinstance(value, dict)
    if not isinstance(value, list) or items is None:
        return False
    return all(_matches_type(str(items.get("type")), _items_of(items), item) for item in value)


def _check_stack_value(stack: str, declaration: ConfigDeclaration, value: object) -> None:
    """A stack value against its project declaration (``validateStackConfigValue``)."""
    if declaration.secret and not _is_secure(value):
        raise ProjectError(
            f"Stack '{stack}' with configuration key '{declaration.key}' must be encrypted "
            "as it's secret (write it as `secure: <cipher text>`, e.g. with "
            "`pulumi config set --secret`)"
        )
    if declaration.type is None or _is_secure(value):
        return  # untyped, or cipher text that cannot be read offline
    # Scalars reach the CLI's check as text; maps and lists as JSON values.
    content = value if isinstance(value, (dict, list)) else _engine_form(value)
    if not _matches_type(declaration.type, declaration.items, content):
        raise ProjectError(
            f"Stack '{stack}' with configuration key '{declaration.key}' must be of type "
            f"'{_type_name(declaration.type, declaration.items)}' (got {value!r})"
        )


def _config_declarations(
    path: Path, project_name: str, config: Mapping[object, object]
) -> tuple[ConfigDeclaration, ...]:
    """``Pulumi.yaml``'s ``config:`` block, rewritten and validated as the CLI does."""
    declarations: list[ConfigDeclaration] = []
    for raw_key, entry in config.items():
        key = str(raw_key)
        own = ":" not in key or key.startswith(f"{project_name}:")
        full_key = _full_key(project_name, key)
        where = f"{path}: config key '{key}'"
        if not isinstance(entry, dict):
            # Shorthand: a project key's plain value is its default, another namespace's a value.
            entry = {"default": entry} if own else {"value": entry}
        unknown = sorted(
            set(map(str, entry)) - {"type", "items", "description", "secret", "default", "value"}
        )
        if unknown:
            raise ProjectError(
                f"{where}: unknown attribute(s) {unknown}; allowed: type, items, description, "
                "secret, default, value"
            )
        type_name = entry.get("type")
        items = entry.get("items")
        if type_name is not None and type_name not in CONFIG_TYPES:
            raise ProjectError(f"{where}: type {type_name!r} is not one of {list(CONFIG_TYPES)}")
        if items is not None and not isinstance(items, dict):
            raise ProjectError(f"{where}: 'items' must be a mapping like {{type: string}}")
        # A null default or value is no default or value (the CLI compares them with nil).
        default, value = entry.get("default"), entry.get("value")
        declaration = ConfigDeclaration(
            key=key,
            full_key=full_key,
            type=None if type_name is None else str(type_name),
            items=items,
            default=_MISSING if default is None else default,
            value=_MISSING if value is None else value,
            secret=bool(entry.get("secret", False)),
        )
        _validate_declaration(where, own, declaration)
        declarations.append(declaration)
    return tuple(sorted(declarations, key=lambda declaration: declaration.key))


def _validate_declaration(where: str, own: bool, declaration: ConfigDeclaration) -> None:
    """The CLI's ``Project.Validate`` rules for one config entry."""
    has_default = declaration.default is not _MISSING
    has_value = declaration.value is not _MISSING
    if has_default and has_value:
        raise ProjectError(f"{where}: cannot have both a 'default' and a 'value'")
    if own:
        if declaration.type == "array" and declaration.items is None:
            raise ProjectError(
                f"{where}: declares an array but not the type of its items ('items: {{type: ...}}')"
            )
        if (
            declaration.type is not None
            and has_default
            and not _matches_type(declaration.type, declaration.items, declaration.default)
        ):
            raise ProjectError(
                f"{where}: the default {declaration.default!r} is not of the expected type "
                f"'{_type_name(declaration.type, declaration.items)}'"
            )
        return
    if declaration.type is not None:
        raise ProjectError(f"{where}: is not namespaced by the project and cannot have a type")
    if has_default:
        raise ProjectError(
            f"{where}: is not namespaced by the project and cannot have a 'default'; "
            "use 'value' instead"
        )
    if not has_value:
        raise ProjectError(f"{where}: is namespaced by another package and needs a 'value'")


def _project_file(root: Path) -> Path:
    for extension in PROJECT_FILE_EXTENSIONS:
        path = root / f"Pulumi{extension}"
        if path.is_file():
            return path
    raise ProjectError(f"{root} is not a Pulumi project: no Pulumi.yaml")


def load_project(root: str | Path) -> PulumiProject:
    """Read ``Pulumi.yaml`` in ``root``; the program defaults to the root, as in the CLI."""
    root = Path(root).resolve()
    path = _project_file(root)
    document = _read_mapping(path)
    if "name" not in document:
        raise ProjectError(f"{path}: a project needs at least 'name' and 'runtime'")
    runtime = document.get("runtime", "")
    runtime_name = runtime.get("name", "") if isinstance(runtime, dict) else str(runtime)
    if runtime_name != "python":
        raise ProjectError(f"{path}: runtime is {runtime_name!r}; only python programs run here")
    name = str(document["name"])
    config = document.get("config")
    stack_config_dir = document.get("stackConfigDir")
    if isinstance(config, str):
        if stack_config_dir is not None:
            raise ProjectError(
                f"{path}: use only 'stackConfigDir' for the stack directory, not also 'config'"
            )
        stack_config_dir, config = config, None
    if config is not None and not isinstance(config, dict):
        raise ProjectError(f"{path}: 'config' must be a mapping of keys to declarations")
    main = document.get("main")
    return PulumiProject(
        root=root,
        name=name,
        runtime=runtime_name,
        main=root / str(main) if main else root,
        stack_config_dir=root / str(stack_config_dir or "."),
        config=_config_declarations(path, name, config or {}),
        extension=path.suffix,
    )


def find_project_dir(start: Path) -> Path:
    """The nearest directory from ``start`` upwards holding a project file, as the Pulumi CLI
    looks for it (``start`` itself when none does, so the error names where the user is)."""
    start = start.resolve()
    for directory in (start, *start.parents):
        if any((directory / f"Pulumi{ext}").is_file() for ext in PROJECT_FILE_EXTENSIONS):
            return directory
    return start
