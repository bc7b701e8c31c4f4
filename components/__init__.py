"""thrifty: Pulumi components and CrossGuard policies that make cloud cost discipline the default.

The import root is light on purpose: importing ``thrifty`` loads no provider SDK. Cloud
components live in their own modules (``thrifty.foundation.aws`` ...) and pull in their SDK
only when imported.
"""

from thrifty.tags import CostTags, TagRenderError

__version__ = "0.1.0"

__all__ = ["CostTags", "TagRenderError", "__version__"]
