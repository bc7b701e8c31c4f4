"""Resource options every component builds the same way."""

from __future__ import annotations

import pulumi


def with_provider(
    opts: pulumi.ResourceOptions | None, provider: pulumi.ProviderResource | None
) -> pulumi.ResourceOptions | None:
    """``opts`` with ``provider`` as the default provider of every child of a component.

    Components take ``provider=`` (the foundation's provider) beside the usual ``opts``; a
    provider given in ``opts`` works too, and ``provider=`` wins over it for its package.
    """
    if provider is None:
        return opts
    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(providers=[provider]))
