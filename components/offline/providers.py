"""The default provider the engine makes for a package, as the engine makes it from stack config.

A resource registered without an explicit provider gets the package's default provider, whose
props are the stack's ``<package>:*`` config values with the namespace dropped, as text
(structured values as JSON text: ``aws:defaultTags`` becomes ``defaultTags`` =
``'{"tags": {...}}'``). The gRPC client sends these props to a policy pack and the plan reads
default tags from them, so both see the same provider. Knows nothing of thrifty's components.
"""

from __future__ import annotations

from collections.abc import Mapping

from thrifty.offline.recording import PROVIDER_PREFIX


def default_provider_type(package: str) -> str:
    """``pulumi:providers:<package>``."""
    return f"{PROVIDER_PREFIX}{package}"


def default_provider_urn(package: str, project: str, stack: str) -> str:
    """The URN the engine gives the package's default provider."""
    return f"urn:pulumi:{stack}::{project}::{default_provider_type(package)}::default"


def default_provider_properties(package: str, stack_config: Mapping[str, object]) -> dict[str, str]:
    """The default provider's props: ``<package>:key`` config values, as text, under ``key``."""
    prefix = f"{package}:"
    return {
        key.removeprefix(prefix): str(value)
        for key, value in stack_config.items()
        if key.startswith(prefix)
    }
