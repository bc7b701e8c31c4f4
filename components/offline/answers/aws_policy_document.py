"""``aws:iam/getPolicyDocument``: the IAM JSON the provider would render from the statements.

Programs feed this JSON to role and bucket policies, and policy packs read it, so it is built
for real rather than made up. The rendering follows the provider's data source
(terraform-provider-aws ``internal/service/iam/policy_model.go`` and
``policy_document_data_source.go``): ``Version`` defaults to ``2012-10-17``; a statement's
``Effect`` defaults to ``Allow``; action and resource lists of one item render as a plain string,
longer ones sorted in reverse (``policyDecodeConfigStringList``); principals and conditions are
grouped into maps by type and by test/variable, single values flattened; a principal ``*`` of
type ``*`` renders as ``"*"``; ``sourcePolicyDocuments`` come first, then the statements, then
``overridePolicyDocuments``, a statement with the ``Sid`` of an earlier one replacing it
(``IAMPolicyDoc.Merge``); empty fields are left out; the text is indented by two spaces.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from thrifty.offline.answers.cloud import OfflineCloud
from thrifty.offline.answers.values import mapping, plain, stable_hex, text

DEFAULT_VERSION = "2012-10-17"

_LISTS = (("actions", "Action"), ("notActions", "NotAction"))
_RESOURCES = (("resources", "Resource"), ("notResources", "NotResource"))


def get_policy_document(cloud: OfflineCloud, args: Mapping[str, Any]) -> dict[str, Any]:
    """The invoke's result: ``json``, ``minifiedJson`` and the arguments echoed."""
    statements: list[dict[str, Any]] = []
    version = text(args.get("version")) or DEFAULT_VERSION
    policy_id = text(args.get("policyId"))
    for source in _strings(args.get("sourcePolicyDocuments")):
        version, policy_id = _merge(statements, source, version, policy_id)
    for statement in _list(args.get("statements")):
        _add(statements, _statement(mapping(statement)))
    for override in _strings(args.get("overridePolicyDocuments")):
        version, policy_id = _merge(statements, override, version, policy_id)
    document: dict[str, Any] = {"Version": version}
    if policy_id:
        document["Id"] = policy_id
    document["Statement"] = statements
    rendered = json.dumps(document, indent=2)
    return {
        **{key: value for key, value in args.items() if plain(value) is not None},
        "id": str(int(stable_hex(rendered, length=8), 16)),
        "json": rendered,
        "minifiedJson": json.dumps(document, separators=(",", ":")),
    }


def _statement(spec: Mapping[str, Any]) -> dict[str, Any]:
    statement: dict[str, Any] = {}
    if sid := text(spec.get("sid")):
        statement["Sid"] = sid
    statement["Effect"] = text(spec.get("effect")) or "Allow"
    for source, target in (*_LISTS, *_RESOURCES):
        values = _strings(spec.get(source))
        if values:
            statement[target] = _string_or_list(values)
    for source, target in (("principals", "Principal"), ("notPrincipals", "NotPrincipal")):
        principals = _principals(_list(spec.get(source)))
        if principals:
            statement[target] = principals
    conditions = _conditions(_list(spec.get("conditions")))
    if conditions:
        statement["Condition"] = conditions
    return statement


def _principals(entries: list[Any]) -> Any:
    grouped: dict[str, list[str]] = {}
    for entry in entries:
        entry = mapping(entry)
        kind = text(entry.get("type")) or ""
        grouped.setdefault(kind, []).extend(_strings(entry.get("identifiers")))
    if list(grouped) == ["*"] and grouped["*"] == ["*"]:
        return "*"
    return {kind: _string_or_list(ids) for kind, ids in sorted(grouped.items())}


def _conditions(entries: list[Any]) -> dict[str, dict[str, Any]]:
    grouped: dict[str, dict[str, list[str]]] = {}
    for entry in entries:
        entry = mapping(entry)
        test, variable = text(entry.get("test")) or "", text(entry.get("variable")) or ""
        grouped.setdefault(test, {}).setdefault(variable, []).extend(_strings(entry.get("values")))
    return {
        test: {var: values[0] if len(values) == 1 else values for var, values in sorted(vs.items())}
        for test, vs in sorted(grouped.items())
    }


def _merge(
    statements: list[dict[str, Any]], document_text: str, version: str, policy_id: str | None
) -> tuple[str, str | None]:
    """Merge a JSON policy into ``statements`` (later Sids replace earlier ones)."""
    document = mapping(document_text)
    for statement in _list(document.get("Statement")) or [document.get("Statement")]:
        if isinstance(statement, dict):
            _add(statements, statement)
    new_version = text(document.get("Version"))
    return max(version, new_version or version), text(document.get("Id")) or policy_id


def _add(statements: list[dict[str, Any]], statement: dict[str, Any]) -> None:
    sid = statement.get("Sid")
    for index, existing in enumerate(statements):
        if sid and existing.get("Sid") == sid:
            statements[index] = statement
            return
    statements.append(statement)


def _string_or_list(values: list[str]) -> str | list[str]:
    return values[0] if len(values) == 1 else sorted(values, reverse=True)


def _list(value: object) -> list[Any]:
    value = plain(value)
    return list(value) if isinstance(value, (list, tuple)) else []


def _strings(value: object) -> list[str]:
    return [item for item in (plain(entry) for entry in _list(value)) if isinstance(item, str)]
