"""Per-environment foundation: the tagged provider and the grouping every other component uses.

Import the cloud you need (``thrifty.foundation.aws`` ...); this package itself loads no SDK.
"""

from thrifty.foundation.spec import FoundationArgs, resource_prefix

__all__ = ["FoundationArgs", "resource_prefix"]
