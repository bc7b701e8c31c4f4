"""Azure (azure-native): hand-written invoke answers, computed outputs, how Azure values look.

Resource ids are ARM ids, ``/subscriptions/<id>/resourceGroups/<group>/providers/
<namespace>/<type>/<name>`` (https://learn.microsoft.com/azure/azure-resource-manager/
management/resource-name-rules); AKS API servers are ``<dns prefix>.hcp.<region>.azmk8s.io``.
The resource provider namespace is rendered ``Microsoft.<Module>`` from the SDK module
(``network`` -> ``Microsoft.Network``); ARM compares namespaces case-insensitively.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from thrifty.offline.answers.cloud import (
    MOCK_AZURE_TENANT,
    MOCK_CA_DATA,
    ComputedOutputs,
    InvokeAnswer,
    OfflineCloud,
)
from thrifty.offline.answers.sdk import azure_name_argument
from thrifty.offline.answers.values import invoke_noun, plural, stable_hex, text


def _aks_kubeconfig(cluster: str, region: str) -> str:
    server = f"https://{cluster}.hcp.{region}.azmk8s.io:443"
    return (
        "apiVersion: v1\nkind: Config\n"
        f"clusters:\n- name: {cluster}\n  cluster:\n    server: {server}\n"
        f"    certificate-authority-data: {MOCK_CA_DATA}\n"
        f"contexts:\n- name: {cluster}\n  context:\n    cluster: {cluster}\n"
        f"    user: clusterUser_{cluster}\n"
        f"current-context: {cluster}\n"
        f"users:\n- name: clusterUser_{cluster}\n  user:\n    token: offline\n"
    )


INVOKES: dict[str, InvokeAnswer] = {
    "azure-native:authorization:getClientConfig": lambda c, _: {
        "subscriptionId": c.azure_subscription,
        "tenantId": MOCK_AZURE_TENANT,
        "clientId": "22222222-2222-2222-2222-222222222222",
        "objectId": "33333333-3333-3333-3333-333333333333",
    },
    # AKS hands out a kubeconfig (base64) for the cluster user.
    "azure-native:containerservice:listManagedClusterUserCredentials": lambda c, args: {
        "kubeconfigs": [
            {
                "name": "clusterUser",
                "value": base64.b64encode(
                    _aks_kubeconfig(text(args.get("resourceName")) or "aks", c.region).encode()
                ).decode(),
            }
        ]
    },
}


def _namespace(token: str) -> str:
    module = token.split(":")[1].split("/")[0]
    return f"Microsoft.{module[:1].upper()}{module[1:]}"


def arm_id(cloud: OfflineCloud, token: str, group: str, kind: str, name: str) -> str:
    """An ARM id; a resource group's own id stops at the group."""
    base = f"/subscriptions/{cloud.azure_subscription}/resourceGroups/{group}"
    if kind == "ResourceGroup":
        return base
    collection = plural(kind[:1].lower() + kind[1:])
    return f"{base}/providers/{_namespace(token)}/{collection}/{name}"


def computed(
    cloud: OfflineCloud, type_token: str, name: str, state: Mapping[str, Any]
) -> dict[str, Any]:
    """What every azure-native resource gets after ``pulumi up``: its name and ARM id."""
    kind = type_token.rsplit(":", 1)[-1]
    argument = azure_name_argument(type_token)
    physical = (text(state.get(argument)) if argument else None) or name
    group = text(state.get("resourceGroupName")) or physical
    return {"name": physical, "id": arm_id(cloud, type_token, group, kind, physical)}


#: Outputs components read back after ``pulumi up`` (never known during preview).
SPECIFIC: dict[str, ComputedOutputs] = {
    "azure-native:containerservice:ManagedCluster": lambda c, name, state: {
        "fqdn": f"{text(state.get('dnsPrefix')) or name}.hcp.{c.region}.azmk8s.io",
    },
}


def _resource_name(kind: str, args: Mapping[str, Any]) -> str | None:
    """The looked-up resource's own name among an invoke's ``*Name`` arguments."""
    wanted = (f"{kind}Name".lower(), "resourcename")
    own = [text(value) for key, value in args.items() if key.lower() in wanted and text(value)]
    if own:
        return own[0]
    others = [
        value
        for key, value in sorted(args.items())
        if key.endswith("Name") and key != "resourceGroupName" and text(value)
    ]
    return text(others[0]) if len(others) == 1 else None


def identity(cloud: OfflineCloud, token: str, args: Mapping[str, Any], field: str) -> str | None:
    """Azure-shaped values for well-known fields of an invoke result (None: not one of them)."""
    kind = invoke_noun(token)
    group = text(args.get("resourceGroupName")) or "offline-rg"
    name = _resource_name(kind, args)
    if field == "name":
        return name or (group if kind == "ResourceGroup" else f"{kind.lower()}-{stable_hex(args)}")
    if field == "id":
        return arm_id(cloud, token, group, kind, name or stable_hex(token, args))
    if field == "location":
        return cloud.region
    if field == "subscriptionId":
        return cloud.azure_subscription
    if field == "tenantId":
        return MOCK_AZURE_TENANT
    if field == "provisioningState":
        return "Succeeded"
    if field == "type":
        return f"{_namespace(token)}/{plural(kind[:1].lower() + kind[1:])}"
    return None
