"""Which resource types can carry cost tags, and where: derived from the installed provider SDKs.

A hand-kept list of taggable types rots with every provider release. Instead, each SDK's own
resource registry (the JSON its ``__init__`` hands to ``_utilities.register``) maps a type token
to its Python class, and the class's constructor says whether it takes ``tags`` (AWS, Azure),
``labels`` / ``resource_labels`` (GCP) or ``metadata`` (Kubernetes: ``metadata.labels``).

The constructor is read from the class's source file, not imported: importing an SDK module
takes 0.3 s to over 3 s (``pulumi_gcp`` modules), which a policy pack meeting a dozen types would
pay on every preview; reading one source file takes well under a millisecond. Only when the
source cannot be found is the module imported and its signature inspected.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import inspect
import json
import re
from pathlib import Path

#: SDK distribution (import name) per package prefix of a type token.
SDK_MODULES: dict[str, str] = {
    "aws": "pulumi_aws",
    "gcp": "pulumi_gcp",
    "azure-native": "pulumi_azure_native",
    "kubernetes": "pulumi_kubernetes",
}

#: Constructor arguments that hold cost tags, per package, in order of preference. On GCP
#: ``user_labels`` / ``resource_labels`` come first: where a type has them, its ``labels`` are
#: something else (a monitoring notification channel's ``labels`` configure the channel).
_TAG_ARGUMENTS: dict[str, tuple[str, ...]] = {
    "aws": ("tags",),
    "gcp": ("user_labels", "resource_labels", "labels"),
    "azure-native": ("tags",),
    "kubernetes": ("metadata",),
}

#: Where a provider resource keeps the tags it applies to every resource it manages.
PROVIDER_DEFAULT_TAGS: dict[str, tuple[str, ...]] = {
    "pulumi:providers:aws": ("defaultTags", "tags"),
    "pulumi:providers:gcp": ("defaultLabels",),
}

_REGISTRY_JSON = re.compile(r'resource_modules="""(.*?)"""', re.DOTALL)


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part.title() for part in rest)


@functools.cache
def _sdk_root(package: str) -> Path | None:
    """The directory of the installed SDK for ``package`` (found without importing it)."""
    module_name = SDK_MODULES.get(package)
    spec = importlib.util.find_spec(module_name) if module_name else None
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent


@functools.cache
def _registry(package: str) -> dict[str, tuple[str, str]]:
    """type token -> (python module, class name), read from the SDK's ``__init__`` source."""
    root = _sdk_root(package)
    if root is None:
        return {}
    match = _REGISTRY_JSON.search((root / "__init__.py").read_text())
    if match is None:
        return {}
    registry: dict[str, tuple[str, str]] = {}
    for module in json.loads(match.group(1)):
        for token, class_name in module["classes"].items():
            registry[token] = (module["fqn"], class_name)
    return registry


def _snake(name: str) -> str:
    text = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name)
    return re.sub(r"(?<=[A-Z])([A-Z][a-z])", r"_\1", text).lower()


_PARAMETER = re.compile(r"^\s+(\w+):", re.MULTILINE)


def _source_arguments(package: str, module_name: str, class_name: str) -> set[str] | None:
    """The ``_internal_init`` parameters read from the class's source file (None: not found).

    SDK code generation puts each class in ``<module path>/<snake_name>.py`` (Kubernetes:
    ``<ClassName>.py``), with one parameter per line.
    """
    root = _sdk_root(package)
    if root is None:
        return None
    base = root.joinpath(*module_name.split(".")[1:])
    for path in (base / f"{_snake(class_name)}.py", base / f"{class_name}.py"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            start = text.find("def _internal_init")
            end = text.find("__props__", start)
            if start >= 0 and end >= 0:
                return set(_PARAMETER.findall(text[start:end]))
    return None


def _imported_arguments(module_name: str, class_name: str) -> set[str]:
    resource_class = getattr(importlib.import_module(module_name), class_name, None)
    if resource_class is None:
        return set()
    init = getattr(resource_class, "_internal_init", resource_class.__init__)
    return set(inspect.signature(init).parameters)


@functools.cache
def tag_path(type_token: str) -> tuple[str, ...] | None:
    """The wire path of the cost tags of ``type_token`` (e.g. ``("metadata", "labels")``),
    or None when the type cannot carry tags or no installed SDK knows it."""
    package = type_token.split(":", 1)[0]
    location = _registry(package).get(type_token)
    if location is None:
        return None
    module_name, class_name = location
    parameters = _source_arguments(package, module_name, class_name)
    if parameters is None:
        parameters = _imported_arguments(module_name, class_name)
    for argument in _TAG_ARGUMENTS.get(package, ()):
        if argument in parameters:
            if argument == "metadata":
                return ("metadata", "labels")
            return (_camel(argument),)
    return None


def tags_of(type_token: str, inputs: dict[str, object]) -> dict[str, object] | None:
    """The tags found at the type's tag path in wire-form ``inputs`` (None if not a map)."""
    path = tag_path(type_token)
    if path is None:
        return None
    value: object = inputs
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value if isinstance(value, dict) else None
