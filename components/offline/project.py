"""Reading a Pulumi project directory the way the CLI does: ``Pulumi.yaml`` and its stack files.

Shared by the recording engine and the ``thrifty plan`` command so that both find the program,
the stack config directory and the stack names the same way. Knows nothing of thrifty's
components: any Pulumi Python project works.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import yaml


class ProjectError(ValueError):
    """The directory is not a Pulumi project, or a stack does not exist in it."""


@dataclass(frozen=True)
class PulumiProject:
    """What ``Pulumi.yaml`` says: the project name, the program and where stack files live."""

    root: Path
    name: str
    runtime: str
    main: Path
    stack_config_dir: Path

    def stack_file(self, stack: str) -> Path:
        """The ``Pulumi.<stack>.yaml`` path for ``stack`` (it may not exist)."""
        return self.stack_config_dir / f"Pulumi.{stack}.yaml"

    def stacks(self) -> list[str]:
        """Every stack that has a config file, sorted."""
        names = (
            path.name.removeprefix("Pulumi.").removesuffix(".yaml")
            for path in self.stack_config_dir.glob("Pulumi.*.yaml")
        )
        return sorted(names)

    def stack_config(self, stack: str) -> dict[str, object]:
        """The stack's config as the engine hands it to a program: ``ns:key -> value``.

        Keys without a namespace get the project's name, as the CLI does. Structured values
        (maps, lists) are passed on as JSON text and scalars as text, which is what the Python
        SDK receives from the engine. ``secure:`` values cannot be decrypted offline and are
        passed on as their cipher text.
        """
        path = self.stack_file(stack)
        if not path.is_file():
            known = ", ".join(self.stacks()) or "none"
            raise ProjectError(
                f"unknown stack {stack!r}: {path} does not exist (stacks in {self.root}: {known})"
            )
        try:
            document = yaml.safe_load(path.read_text()) or {}
        except yaml.YAMLError as error:
            raise ProjectError(f"{path}: not valid YAML: {error}") from None
        if not isinstance(document, dict):
            raise ProjectError(f"{path}: expected a mapping at the top level")
        config = document.get("config") or {}
        if not isinstance(config, dict):
            raise ProjectError(f"{path}: 'config' must be a mapping of keys to values")
        flattened: dict[str, object] = {}
        for key, value in config.items():
            full_key = key if ":" in str(key) else f"{self.name}:{key}"
            flattened[full_key] = _engine_form(value)
        return flattened


def _engine_form(value: object) -> str:
    if isinstance(value, dict) and set(value) == {"secure"}:
        return str(value["secure"])
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def load_project(root: str | Path) -> PulumiProject:
    """Read ``Pulumi.yaml`` in ``root``; the program defaults to the root, as in the CLI."""
    root = Path(root).resolve()
    path = root / "Pulumi.yaml"
    if not path.is_file():
        raise ProjectError(f"{root} is not a Pulumi project: no Pulumi.yaml")
    document = yaml.safe_load(path.read_text()) or {}
    if not isinstance(document, dict) or "name" not in document:
        raise ProjectError(f"{path}: a project needs at least 'name' and 'runtime'")
    runtime = document.get("runtime", "")
    runtime_name = runtime.get("name", "") if isinstance(runtime, dict) else str(runtime)
    if runtime_name != "python":
        raise ProjectError(f"{path}: runtime is {runtime_name!r}; only python programs run here")
    main = root / str(document.get("main", "."))
    config_dir = root / str(document.get("stackConfigDir", "."))
    return PulumiProject(
        root=root,
        name=str(document["name"]),
        runtime=runtime_name,
        main=main,
        stack_config_dir=config_dir,
    )
