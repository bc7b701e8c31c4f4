"""What every cloud's exposure checks share: the check type and the verdict on a principal."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

#: A check reads one concern from a resource's props and returns its problems as text (each
#: naming the property, its value and what to set). It raises ``NotCheckable`` (from
#: :mod:`thrifty.policies.core`) for a value it cannot judge, unknown ones included.
Check = Callable[[Mapping[str, Any]], list[str]]

#: GCP IAM members (and ACL entities) that mean anyone.
PUBLIC_MEMBERS = frozenset({"allUsers", "allAuthenticatedUsers"})


def public_principal(principal: object) -> bool:
    """An IAM policy principal that is anyone (``"*"`` or ``{"AWS": "*"}``)."""
    if principal == "*":
        return True
    if isinstance(principal, Mapping):
        aws = principal.get("AWS")
        return aws == "*" or (isinstance(aws, list) and "*" in aws)
    return False
