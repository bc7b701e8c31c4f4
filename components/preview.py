"""Values a preview cannot know: the engine's sentinels for outputs computed at deployment.

The SDKs send one sentinel per kind of value; the engine hands the string one to analyzers for
every kind (pulumi_policy/proxy.py lists the same seven). Plain Python, so the tag reader, the
plan and the policies can recognise unknowns without importing an SDK.
"""

from __future__ import annotations

UNKNOWN_SENTINELS = frozenset(
    {
        "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",  # boolean
        "3eeb2bf0-c639-47a8-9e75-3b44932eb421",  # number
        "04da6b54-80e4-46f7-96ec-b56ff0331ba9",  # string
        "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",  # array
        "030794c1-ac77-496b-92df-f27374a8bd58",  # asset
        "e48ece36-62e2-4504-bad9-02848725956a",  # archive
        "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",  # object
    }
)
#: The string sentinel, the one the engine sends.
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def is_unknown(value: object) -> bool:
    """True for the preview sentinels (only strings can be sentinels)."""
    return isinstance(value, str) and value in UNKNOWN_SENTINELS
