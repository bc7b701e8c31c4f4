"""The component benchmark's floor: a recording's registrations replayed as raw SDK resources.

For every custom resource a program registered (providers included), the replay calls the
provider SDK's own class for that type token (found through the resource modules each SDK
registers with ``pulumi.runtime``) with the recorded inputs, as a program declaring it directly
would: the same inputs, provider, protect and other options, so the SDK pays what it pays for the
real resource (one output per property of the type's schema, the constructor's own defaults and
aliases). The recorded wire inputs are handed over as they are, only the top-level names mapped
to the constructor's keywords; the recorded inputs of the replay equal the original's. What is
left out is what thrifty adds: the components, their validation, the config reading, the tag
rendering. Component resources are not replayed: the floor has none. A type no SDK declares (a
Kubernetes custom resource) is replayed as a plain ``pulumi.CustomResource``.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import json
import re
import sys
from collections.abc import Callable, Mapping
from typing import Any

import pulumi
from pulumi import _types
from pulumi.runtime import rpc

from thrifty.offline.recording import Recording

SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
SIG_KEY = "4dabf18193072939515e22adb298388d"


def _import_sdk(package: str) -> None:
    """Importing an SDK registers its resource modules (``pulumi_azure_native`` ...)."""
    with contextlib.suppress(ImportError):  # no such SDK: its types replay as plain ones
        importlib.import_module("pulumi_" + package.replace("-", "_"))


@functools.cache
def resource_class(type_token: str) -> type[pulumi.CustomResource]:
    """The SDK class registered for ``type_token`` (providers included); a type no SDK
    declares (a Kubernetes custom resource) is a plain ``pulumi.CustomResource``."""
    if type_token.startswith("pulumi:providers:"):
        package = type_token.removeprefix("pulumi:providers:")
        _import_sdk(package)
        found = rpc.get_resource_package(package, "")
        if found is None:
            raise LookupError(f"no SDK registered provider {type_token}")
        info = found.pkg_info  # type: ignore[attr-defined]
        module = __import__(info["fqn"], fromlist=[info["class"]])
        return getattr(module, info["class"])  # type: ignore[no-any-return]
    package, module_name, _ = type_token.split(":", 2)
    _import_sdk(package)
    registered = rpc.get_resource_module(package, module_name, "")
    info = getattr(registered, "mod_info", {})
    class_name = info.get("classes", {}).get(type_token)
    if class_name is None:
        return pulumi.CustomResource
    module = __import__(info["fqn"], fromlist=[class_name])
    return getattr(module, class_name)  # type: ignore[no-any-return]


@functools.cache
def _python_names(cls: type) -> dict[str, str]:
    """Wire name -> the constructor's keyword, from the class's args type (``BucketArgs``;
    ``ConfigMapInitArgs`` in the Kubernetes SDK) and its output properties."""
    module = sys.modules[cls.__module__]
    names = dict(_types.resource_py_to_pulumi_names(cls))
    for suffix in ("Args", "InitArgs"):
        args = getattr(module, cls.__name__ + suffix, None)
        if args is not None:
            names.update(_types.input_type_py_to_pulumi_names(args))
    return {wire: python for python, wire in names.items()}


def _value(value: Any) -> Any:
    """A recorded wire value as a program passes it (a secret as a secret output)."""
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SECRET_SIG:
            return pulumi.Output.secret(_value(value.get("value")))
        return {key: _value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_value(item) for item in value]
    return value


def _register(type_token: str, name: str, inputs: Mapping[str, Any], opts: Any) -> Any:
    cls = resource_class(type_token)
    if cls is pulumi.CustomResource:
        props = {key: _value(value) for key, value in inputs.items()}
        return pulumi.CustomResource(type_token, name, props, opts)
    names = _python_names(cls)
    if issubclass(cls, pulumi.ProviderResource):
        inputs = {key: _provider_value(value) for key, value in inputs.items()}
    kwargs = {_keyword(names[key]): _value(value) for key, value in inputs.items()}
    while True:
        try:
            return cls(name, opts=opts, **kwargs)
        except TypeError as error:  # raised before anything is registered
            missing = re.fullmatch(r"Missing required property '(\w+)'", str(error))
            if missing is None or _keyword(missing[1]) in kwargs:
                raise
            # The program passed an output the recording holds no value for: pass one too.
            kwargs[_keyword(missing[1])] = pulumi.Output.from_input(None)


def _provider_value(value: Any) -> Any:
    """Provider inputs travel as JSON text (``"true"``, ``"{...}"``): what the program gave."""
    if isinstance(value, str):
        try:
            decoded = json.loads(value)
        except ValueError:
            return value
        return decoded if not isinstance(decoded, str) else value
    return value


def _keyword(python_name: str) -> str:
    """The generated constructors rename inputs that clash with their own parameters."""
    return python_name + "_" if python_name in ("resource_name", "opts") else python_name


def replay_program(recording: Recording) -> Callable[[], None]:
    """A program registering ``recording``'s custom resources as raw SDK resources."""
    custom = [resource for resource in recording.resources if resource.custom]

    def program() -> None:
        providers: dict[str, Any] = {}
        for resource in custom:
            provider = providers.get(resource.provider_urn) if resource.provider else None
            opts = pulumi.ResourceOptions(
                provider=provider,
                protect=resource.protect or None,
                retain_on_delete=resource.retain_on_delete or None,
                ignore_changes=list(resource.ignore_changes) or None,
                delete_before_replace=resource.delete_before_replace or None,
            )
            registered = _register(resource.type, resource.name, resource.inputs, opts)
            if resource.is_provider:
                providers[resource.urn] = registered

    return program
