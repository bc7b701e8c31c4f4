"""Which resource types can carry cost tags, and where: derived from the installed provider SDKs.

A hand-kept list of taggable types rots with every provider release. Instead, each SDK's own
resource registry (the JSON its ``__init__`` hands to ``_utilities.register``) maps a type token
to its Python class, and the class's constructor says whether it takes ``tags`` (AWS, Azure),
``labels`` / ``resource_labels`` (GCP) or ``metadata`` (Kubernetes: ``metadata.labels``).

Two more facts come from the same source:

- Nested tag arguments. The ``*Args`` input types of the SDK show arguments nested in other
  arguments (``NodePoolNodeConfigArgs.resource_labels``). :func:`sdk_tag_paths` lists every
  tag-bearing argument of a type in wire form; :func:`tag_path` uses it for GCP types without a
  top-level label argument: their ``resource_labels`` / ``user_labels`` are cloud labels by name
  (a GKE node pool's ``nodeConfig.resourceLabels``, a Cloud SQL instance's
  ``settings.userLabels``), while a nested plain ``labels`` is ambiguous (``nodeConfig.labels``
  are Kubernetes node labels) and never taken. Other nested tags (AWS, Azure) are mostly filters
  and sub-resource specs; the billed ones are listed, with sources, in :mod:`thrifty.bill_tags`.
- Whether the provider's default tags reach a type: the AWS provider adds ``defaultTags`` to a
  resource's ``tagsAll`` and the GCP provider adds ``defaultLabels`` to its ``pulumiLabels``
  (the SDKs' names for Terraform's ``tags_all`` / ``terraform_labels``); a type without that
  output gets no provider defaults (an AWS Auto Scaling group, a GKE node pool).

Sources are read, not imported: importing an SDK module takes 0.3 s to over 3 s (``pulumi_gcp``
modules), which a policy pack meeting a dozen types would pay on every preview; reading one
source file takes well under a millisecond. Only when the source cannot be found is the module
imported and its signature inspected.
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

#: Nested arguments that are cloud labels by their name alone (see the module docstring).
_NESTED_CLOUD_LABELS: dict[str, tuple[str, ...]] = {"gcp": ("user_labels", "resource_labels")}

#: The output that says a type receives the provider's default tags, per package.
_DEFAULTS_OUTPUT: dict[str, str] = {"aws": "tags_all", "gcp": "pulumi_labels"}

#: How deep :func:`sdk_tag_paths` follows nested input types.
_MAX_DEPTH = 3

_REGISTRY_JSON = re.compile(r'resource_modules="""(.*?)"""', re.DOTALL)
_PARAMETER = re.compile(r"^\s+(\w+):(.*?)(?: = None)?,?$", re.MULTILINE)
_GETTER = re.compile(r'@pulumi\.getter(?:\(name="(\w+)"\))?\s+def (\w+)\(')
_ARGS_TYPE = re.compile(r"'(\w+Args)'")


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


def _module_dir(package: str, module_name: str) -> Path | None:
    root = _sdk_root(package)
    return root.joinpath(*module_name.split(".")[1:]) if root else None


@functools.cache
def _class_source(package: str, module_name: str, class_name: str) -> str | None:
    """The source file of a resource class. SDK code generation puts each class in
    ``<module path>/<snake_name>.py`` (Kubernetes: ``<ClassName>.py``)."""
    base = _module_dir(package, module_name)
    if base is None:
        return None
    for path in (base / f"{_snake(class_name)}.py", base / f"{class_name}.py"):
        if path.is_file():
            return path.read_text(encoding="utf-8")
    return None


@functools.cache
def _inputs_source(package: str, module_name: str) -> str:
    """The module's ``_inputs.py`` (its ``*Args`` input types), or "" if it has none."""
    base = _module_dir(package, module_name)
    path = base / "_inputs.py" if base else None
    return path.read_text(encoding="utf-8") if path is not None and path.is_file() else ""


def _parameters(segment: str) -> dict[str, str]:
    """``name -> annotation`` of the one-parameter-per-line signature in ``segment``."""
    return {name: annotation for name, annotation in _PARAMETER.findall(segment)}


def _source_parameters(package: str, module_name: str, class_name: str) -> dict[str, str] | None:
    """The ``_internal_init`` parameters with their annotations (None: source not found)."""
    text = _class_source(package, module_name, class_name)
    if text is None:
        return None
    start = text.find("def _internal_init")
    end = text.find("__props__", start)
    if start < 0 or end < 0:
        return None
    return _parameters(text[start:end])


def _source_arguments(package: str, module_name: str, class_name: str) -> set[str] | None:
    """The ``_internal_init`` parameter names read from the class's source (None: not found)."""
    parameters = _source_parameters(package, module_name, class_name)
    return set(parameters) if parameters is not None else None


def _imported_arguments(module_name: str, class_name: str) -> set[str]:
    resource_class = getattr(importlib.import_module(module_name), class_name, None)
    if resource_class is None:
        return set()
    init = getattr(resource_class, "_internal_init", resource_class.__init__)
    return set(inspect.signature(init).parameters)


_CLASS = re.compile(r"^class (\w+)(?:\(.*\))?:\n", re.MULTILINE)


def _class_body(text: str, class_name: str) -> str | None:
    """The source of ``class_name``'s body in ``text`` (one scan, then one lookup per class)."""
    span = _class_spans(text).get(class_name)
    return text[span[0] : span[1]] if span else None


@functools.lru_cache(maxsize=64)
def _class_spans(text: str) -> dict[str, tuple[int, int]]:
    starts = [(match.group(1), match.end(), match.start()) for match in _CLASS.finditer(text)]
    spans: dict[str, tuple[int, int]] = {}
    for index, (name, body_start, _) in enumerate(starts):
        end = starts[index + 1][2] if index + 1 < len(starts) else len(text)
        spans[name] = (body_start, end)
    return spans


def _wire_names(body: str) -> dict[str, str]:
    """python argument name -> wire name, from the ``@pulumi.getter(name=...)`` decorators."""
    return {python: wire or python for wire, python in _GETTER.findall(body)}


@functools.cache
def _args_type(package: str, module_name: str, class_name: str) -> tuple[tuple[str, str, str], ...]:
    """The arguments of an input type: (python name, wire name, annotation) each."""
    body = _class_body(_inputs_source(package, module_name), class_name)
    if body is None:
        return ()
    start = body.find("def __init__")
    end = body.find("):\n", start)
    if start < 0 or end < 0:
        return ()
    names = _wire_names(body)
    return tuple(
        (python, names.get(python, _camel(python)), annotation)
        for python, annotation in _parameters(body[start:end]).items()
    )


def _resource_arguments(
    package: str, module_name: str, class_name: str
) -> tuple[tuple[str, str, str], ...]:
    """The resource's own arguments: (python name, wire name, annotation) each."""
    parameters = _source_parameters(package, module_name, class_name)
    text = _class_source(package, module_name, class_name)
    if parameters is None or text is None:
        return ()
    body = _class_body(text, f"{class_name}Args") or ""
    names = _wire_names(body)
    return tuple(
        (python, names.get(python, _camel(python)), annotation)
        for python, annotation in parameters.items()
        if python not in ("resource_name", "opts")
    )


def _nested_tag_paths(
    package: str,
    module_name: str,
    arguments: tuple[tuple[str, str, str], ...],
    prefix: tuple[str, ...],
    found: list[tuple[str, str]],
) -> None:
    """Collect (wire path, python argument name) of tag-bearing arguments below ``prefix``."""
    names = _TAG_ARGUMENTS.get(package, ())
    for python, wire, annotation in arguments:
        if prefix and python in names:
            found.append((".".join((*prefix, wire)), python))
        match = _ARGS_TYPE.search(annotation)
        if match is None or len(prefix) >= _MAX_DEPTH:
            continue
        nested = _args_type(package, module_name, match.group(1))
        star = ("*",) if "Sequence[" in annotation[: match.start()] else ()
        _nested_tag_paths(package, module_name, nested, (*prefix, wire, *star), found)


def _location(type_token: str) -> tuple[str, str, str] | None:
    package = type_token.split(":", 1)[0]
    location = _registry(package).get(type_token)
    return (package, *location) if location else None


@functools.cache
def sdk_tag_paths(type_token: str) -> frozenset[str]:
    """Every nested tag-bearing argument of a type, as dotted wire paths (``*``: each list item).

    Read from the SDK's input types, up to three levels deep; top-level tag arguments are
    :func:`tag_path`'s. Used to check that every nested location :mod:`thrifty.bill_tags` names
    really exists in the installed SDK.
    """
    location = _location(type_token)
    if location is None:
        return frozenset()
    found: list[tuple[str, str]] = []
    _nested_tag_paths(*location[:2], _resource_arguments(*location), (), found)
    return frozenset(path for path, _ in found)


@functools.cache
def sdk_arguments(type_token: str) -> frozenset[str]:
    """The wire names of a type's top-level arguments (empty when no installed SDK knows it)."""
    location = _location(type_token)
    if location is None:
        return frozenset()
    return frozenset(wire for _, wire, _ in _resource_arguments(*location))


def _nested_cloud_labels(package: str, module_name: str, class_name: str) -> tuple[str, ...] | None:
    """The single nested cloud-label argument of a type without top-level labels, if any."""
    preferred = _NESTED_CLOUD_LABELS.get(package, ())
    if not preferred:
        return None
    found: list[tuple[str, str]] = []
    _nested_tag_paths(
        package, module_name, _resource_arguments(package, module_name, class_name), (), found
    )
    candidates = [path for path, python in found if python in preferred and "*" not in path]
    return tuple(candidates[0].split(".")) if len(candidates) == 1 else None


@functools.cache
def tag_path(type_token: str) -> tuple[str, ...] | None:
    """The wire path of the cost tags of ``type_token`` (e.g. ``("metadata", "labels")``),
    or None when the type cannot carry tags or no installed SDK knows it."""
    location = _location(type_token)
    if location is None:
        return None
    package, module_name, class_name = location
    parameters = _source_arguments(package, module_name, class_name)
    if parameters is None:
        parameters = _imported_arguments(module_name, class_name)
    for argument in _TAG_ARGUMENTS.get(package, ()):
        if argument in parameters:
            if argument == "metadata":
                return ("metadata", "labels")
            return (_camel(argument),)
    return _nested_cloud_labels(package, module_name, class_name)


@functools.cache
def provider_defaults_reach(type_token: str) -> bool:
    """Whether the provider's default tags (AWS ``defaultTags``, GCP ``defaultLabels``) are
    added to this type's own tags: true when the type has the provider's merged-tags output."""
    location = _location(type_token)
    output = _DEFAULTS_OUTPUT.get(location[0]) if location else None
    if location is None or output is None:
        return False
    text = _class_source(*location)
    return text is not None and re.search(rf"def {output}\(self\)", text) is not None


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
