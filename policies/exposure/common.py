"""What every cloud's exposure checks share: the check type, and a reader of IAM policy documents.

AWS resource policies (S3 bucket policies, ECR repository and registry policies) are JSON
documents of statements; :func:`open_statements` finds the ones that let anyone in, so each
check only decides what the statement's actions mean for its own service.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from thrifty.policies.core import MISSING, NotCheckable, lookup
from thrifty.preview import is_unknown

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


@dataclass(frozen=True)
class OpenStatement:
    """An ``Allow`` statement with no ``Condition`` whose principal is anyone."""

    label: str  # "statement 0", or "statement 0 ('Sid')"
    who: str  # how the statement names anyone
    actions: tuple[str, ...]  # its Action (or NotAction) values
    not_action: bool  # True: every action except ``actions`` is allowed


def open_statements(props: Mapping[str, Any], path: str = "policy") -> list[OpenStatement]:
    """The statements of the policy document at ``path`` that let anyone in unconditionally.

    The document arrives as JSON text (or, from a typed SDK argument, as an object). A statement
    is open when its Effect is ``Allow``, it has no Condition, and its Principal is ``"*"`` /
    ``{"AWS": "*"}`` or it uses NotPrincipal (everyone except the listed). Values the verdict
    needs that are unknown during preview, or malformed, raise :class:`NotCheckable`.
    """
    document = _document(props, path)
    if document is None:
        return []
    statements = _field(document, path, "Statement")
    if statements is MISSING:
        return []
    if isinstance(statements, Mapping):
        document = {**document, "Statement": [statements]}
    elif not isinstance(statements, list):
        raise NotCheckable(f"{path}.Statement should be a list, got {type(statements).__name__}")
    found = []
    for index in range(len(statements)):
        at = f"Statement.{index}"
        if _field(document, path, f"{at}.Effect") != "Allow":
            continue
        if _field(document, path, f"{at}.Condition") not in (MISSING, {}, []):
            continue
        who = _anyone(document, path, at)
        if who:
            actions, not_action = _actions(document, path, at)
            found.append(OpenStatement(_label(document, index), who, actions, not_action))
    return found


def _document(props: Mapping[str, Any], path: str) -> Mapping[str, Any] | None:
    raw = lookup(props, path)
    if raw is MISSING:
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise NotCheckable(f"{path} is not valid JSON") from None
    if not isinstance(raw, Mapping):
        raise NotCheckable(f"{path} should be a JSON policy document")
    return raw


def _field(document: Mapping[str, Any], path: str, at: str) -> Any:
    """``lookup`` inside the document, with problems named by their full path."""
    try:
        return lookup(document, at)
    except NotCheckable as problem:
        raise NotCheckable(f"{path}.{problem.reason}", unknown=problem.unknown) from None


def _anyone(document: Mapping[str, Any], path: str, at: str) -> str:
    """How the statement at ``at`` names anyone, or "" when it names someone."""
    if _field(document, path, f"{at}.NotPrincipal") is not MISSING:
        return "NotPrincipal: everyone except the principals listed"
    principal = _field(document, path, f"{at}.Principal")
    if isinstance(principal, Mapping):
        aws = _field(document, path, f"{at}.Principal.AWS")
        members = aws if isinstance(aws, list) else [aws]
        if "*" not in members and any(is_unknown(member) for member in members):
            raise NotCheckable(f"{path}.{at}.Principal.AWS is unknown during preview", unknown=True)
    return "Principal '*'" if public_principal(principal) else ""


def _actions(document: Mapping[str, Any], path: str, at: str) -> tuple[tuple[str, ...], bool]:
    not_action = _field(document, path, f"{at}.NotAction") is not MISSING
    key = f"{at}.NotAction" if not_action else f"{at}.Action"
    value = _field(document, path, key)
    values = [] if value is MISSING else value if isinstance(value, list) else [value]
    for item in values:
        if is_unknown(item):
            raise NotCheckable(f"{path}.{key} is unknown during preview", unknown=True)
        if not isinstance(item, str):
            raise NotCheckable(f"{path}.{key} should hold action names, got {item!r}")
    return tuple(values), not_action


def _label(document: Mapping[str, Any], index: int) -> str:
    statement = document["Statement"][index]
    sid = statement.get("Sid") if isinstance(statement, Mapping) else None
    if isinstance(sid, str) and sid and not is_unknown(sid):
        return f"statement {index} ({sid!r})"
    return f"statement {index}"
