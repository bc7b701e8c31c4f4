"""What the installed provider SDKs say about an invoke's result and a resource's arguments.

An invoke token (``aws:ec2/getAmi:getAmi``) is found on disk first: code generation puts each
function in ``<module>/<snake name>.py`` (``pulumi_aws/ec2/get_ami.py``), and the file names the
result class (``typ=GetAmiResult``). Only then is the class taken from the loaded module: by
the time a mock answers an invoke the program has called the function, so its module is
loaded and this costs nothing (otherwise the SDK package that re-exports it is imported).
The live class gives exact field names and types (``@pulumi.getter(name=...)`` and the
getters' return annotations, resolved the way the SDK resolves them).

Resource arguments are read from source without importing, with the registry and file-layout
helpers of :mod:`thrifty.taggable`.
"""

from __future__ import annotations

import functools
import importlib
import re
import sys
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from thrifty.offline.answers.values import camel
from thrifty.taggable import _registry, _sdk_root, _snake

_PY_KEYWORD_MODULES = ("lambda",)


@dataclass(frozen=True)
class ResultField:
    """One field of an invoke result or nested output type, with its wire name."""

    wire_name: str
    hint: Any


def _function_file(package: str, token: str) -> Path | None:
    """The SDK file that defines the invoke ``token``, or None when no installed SDK has it."""
    root = _sdk_root(package)
    parts = token.split(":")
    if root is None or len(parts) != 3:
        return None
    module, function = parts[1], parts[2]
    if package in ("aws", "gcp"):  # "ec2/getAmi": the module is the part before the slash
        module = module.split("/")[0]
    folders = [] if module == "index" else module.split("/")
    if folders and folders[0] in _PY_KEYWORD_MODULES:
        folders[0] += "_"  # pulumi_aws.lambda_: Python keywords get a trailing underscore
    candidate = root.joinpath(*folders, f"{_snake(function)}.py")
    if candidate.is_file() and f"'{token}'" in candidate.read_text(encoding="utf-8"):
        return candidate
    return _invoke_index(package).get(token)


@functools.cache
def _invoke_index(package: str) -> dict[str, Path]:
    """token -> file for every generated invoke of ``package`` (scanned once, on a miss)."""
    root = _sdk_root(package)
    index: dict[str, Path] = {}
    if root is None:
        return index
    for path in root.rglob("*.py"):
        if path.name.startswith(("get", "list")):
            for token in _INVOKE_CALL.findall(path.read_text(encoding="utf-8")):
                index.setdefault(token, path)
    return index


_INVOKE_CALL = re.compile(r"pulumi\.runtime\.invoke\('([^']+)'")


@functools.cache
def invoke_result_class(token: str) -> type | None:
    """The SDK's result class for ``token`` (e.g. ``GetAmiResult``), or None if none is known."""
    package = token.split(":", 1)[0]
    path = _function_file(package, token)
    root = _sdk_root(package)
    if path is None or root is None:
        return None
    source = path.read_text(encoding="utf-8")
    match = re.search(rf"invoke\('{re.escape(token)}',.*?typ=(\w+)\)", source)
    if match is None:
        return None
    relative = path.relative_to(root.parent).with_suffix("")
    loaded = sys.modules.get(".".join(relative.parts))
    # Never import the function's own file: the SDK's packages load lazily, and importing a
    # submodule of a package not loaded yet would bind the package's attribute ``get_ami`` to
    # the submodule instead of the function. The package re-exports the class; take it there.
    module = loaded or importlib.import_module(".".join(relative.parts[:-1]))
    result_class = getattr(module, match.group(1), None)
    return result_class if isinstance(result_class, type) else None


@functools.cache
def result_fields(output_class: type) -> tuple[ResultField, ...]:
    """The wire-named fields of an SDK output class (result or nested output type).

    Return annotations are resolved with the class's module globals, as the SDK does; an
    annotation that does not resolve is reported as ``Any`` (answered with None).
    """
    module_globals = vars(sys.modules[output_class.__module__])
    fields: list[ResultField] = []
    for base in reversed(output_class.__mro__):
        for attribute in vars(base).values():
            getter = getattr(attribute, "fget", None)
            wire_name = getattr(getter, "_pulumi_name", None)
            if not isinstance(attribute, property) or not isinstance(wire_name, str):
                continue
            try:
                hint = typing.get_type_hints(getter, globalns=module_globals).get("return", Any)
            except (NameError, TypeError):
                hint = Any
            fields.append(ResultField(wire_name, hint))
    return tuple(fields)


def is_output_type(value: object) -> bool:
    """True for the SDK's ``@pulumi.output_type`` classes (results and nested outputs)."""
    return isinstance(value, type) and bool(getattr(value, "_pulumi_output_type", False))


_PROPS_ASSIGNMENT = re.compile(r'__props__\.__dict__\["(\w*name)"\] = (\w+)')
_REQUIRED = re.compile(r"Missing required property '(\w+)'")
_GET_PARAMETER = re.compile(r"(?:^|\n)\s*(\w+): ")


@functools.cache
def azure_name_argument(type_token: str) -> str | None:
    """The wire name of the argument azure-native auto-names for ``type_token``.

    That argument is the resource's own name in its ARM path (``publicIpAddressName``,
    ``accountName`` for a storage account, ``resourceName`` for AKS): the optional ``*_name``
    argument of the constructor that is also a parameter of the resource's ``get_*`` function
    (whose parameters are exactly the path's names). None when the SDK does not say.
    """
    location = _registry("azure-native").get(type_token)
    root = _sdk_root("azure-native")
    if location is None or root is None:
        return None
    folder = root.joinpath(*location[0].split(".")[1:])
    constructor = folder / f"{_snake(location[1])}.py"
    if not constructor.is_file():
        return None
    source = constructor.read_text(encoding="utf-8")
    body = source[source.find("def _internal_init") :]
    required = set(_REQUIRED.findall(body))
    optional = [
        wire
        for wire, argument in _PROPS_ASSIGNMENT.findall(body)
        if wire not in required and argument != "None"
    ]
    getter = folder / f"get_{_snake(location[1])}.py"
    if getter.is_file():
        text = getter.read_text(encoding="utf-8")
        start = text.find(f"def get_{_snake(location[1])}(")
        signature = text[text.find("(", start) + 1 :].split(") ->", 1)[0]
        path_names = set(_GET_PARAMETER.findall(signature))
        in_path = [wire for wire in optional if wire in path_names]
        if len(in_path) == 1:
            return camel(in_path[0])
    return camel(optional[0]) if len(optional) == 1 else None
