"""GCP: hand-written invoke answers, computed outputs, and how GCP values look.

Resource ids are relative resource names, ``projects/<project>/<collection>/<name>``, and
self links the same path under the service's API root
(https://cloud.google.com/apis/design/resource_names); service account emails are
``<account id>@<project>.iam.gserviceaccount.com``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from thrifty.offline.answers.cloud import (
    MOCK_CA_DATA,
    MOCK_GCP_PROJECT_NUMBER,
    ComputedOutputs,
    InvokeAnswer,
    OfflineCloud,
)
from thrifty.offline.answers.values import invoke_noun, plural, stable_hex, text

INVOKES: dict[str, InvokeAnswer] = {
    "gcp:organizations/getProject:getProject": lambda c, args: {
        "projectId": text(args.get("projectId")) or c.gcp_project,
        "number": MOCK_GCP_PROJECT_NUMBER,
        "name": text(args.get("projectId")) or c.gcp_project,
        "id": f"projects/{text(args.get('projectId')) or c.gcp_project}",
    },
    "gcp:organizations/getClientConfig:getClientConfig": lambda c, _: {
        "project": c.gcp_project,
        "region": c.region,
        "zone": f"{c.region}-a",
        "accessToken": "offline",
        "id": "offline",
    },
    "gcp:compute/getZones:getZones": lambda c, args: {
        "names": c.zones("gcp") if not text(args.get("region")) else _zones(args),
        "region": text(args.get("region")) or c.region,
        "project": text(args.get("project")) or c.gcp_project,
        "id": f"projects/{c.gcp_project}/regions/{text(args.get('region')) or c.region}",
    },
}


def _zones(args: Mapping[str, Any]) -> list[str]:
    region = text(args.get("region")) or ""
    return [f"{region}-{letter}" for letter in "abc"]


def computed(
    cloud: OfflineCloud, type_token: str, name: str, state: Mapping[str, Any]
) -> dict[str, Any]:
    """What every GCP resource gets after ``pulumi up``: a self link and its project."""
    collection = plural(type_token.rsplit(":", 1)[-1].lower())
    project = text(state.get("project")) or cloud.gcp_project
    physical = text(state.get("name")) or name
    path = f"projects/{project}/{collection}/{physical}"
    return {"selfLink": f"https://www.googleapis.com/offline/v1/{path}", "project": project}


def _account_email(cloud: OfflineCloud, name: str, state: Mapping[str, Any]) -> dict[str, Any]:
    account = text(state.get("accountId")) or name
    project = text(state.get("project")) or cloud.gcp_project
    return {"email": f"{account}@{project}.iam.gserviceaccount.com"}


#: Outputs components read back after ``pulumi up`` (never known during preview).
SPECIFIC: dict[str, ComputedOutputs] = {
    "gcp:container/cluster:Cluster": lambda c, name, _: {
        "endpoint": "10.0.0.1",
        "masterAuth": {"clusterCaCertificate": MOCK_CA_DATA},
    },
    "gcp:serviceaccount/account:Account": _account_email,
    "gcp:storage/bucket:Bucket": lambda c, name, state: {
        "url": f"gs://{text(state.get('name')) or name}",
    },
}


def identity(cloud: OfflineCloud, token: str, args: Mapping[str, Any], field: str) -> str | None:
    """GCP-shaped values for well-known fields of an invoke result (None: not one of them)."""
    project = text(args.get("project")) or cloud.gcp_project
    noun = invoke_noun(token)
    collection = plural(noun[:1].lower() + noun[1:])
    resource = text(args.get("name")) or stable_hex(token, args)
    path = f"projects/{project}/{collection}/{resource}"
    if field == "id":
        return path
    if field == "selfLink":
        service = token.split(":")[1].split("/")[0]
        return f"https://www.googleapis.com/{service}/v1/{path}"
    if field == "project":
        return project
    if field == "zone":
        return f"{cloud.region}-a"
    return None
