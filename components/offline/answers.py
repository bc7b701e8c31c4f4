"""The few answers a program needs from clouds when it runs offline, kept in one place.

Under the SDK's mock engine nothing reaches a cloud: invokes (``getAvailabilityZones``,
``getCallerIdentity`` ...) and the outputs a provider would compute (ARNs, endpoints) are
answered here. The answers are plausible and deterministic, never real account data. The
recording engine uses :class:`OfflineMocks`; tests, ``thrifty plan`` and the benchmark all go
through it, so a new invoke a component needs is added here once.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from typing import Any

from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs, Mocks

MOCK_AWS_ACCOUNT = "123456789012"
MOCK_AZURE_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
MOCK_AZURE_TENANT = "11111111-1111-1111-1111-111111111111"
MOCK_GCP_PROJECT_NUMBER = "123456789"
# A syntactically valid, non-secret certificate body; nothing verifies it offline.
MOCK_CA_DATA = base64.b64encode(b"-----BEGIN CERTIFICATE-----\noffline\n").decode()


def _zones(region: str, cloud: str) -> list[str]:
    if cloud == "gcp":
        return [f"{region}-a", f"{region}-b", f"{region}-c"]
    if cloud == "azure":
        return ["1", "2", "3"]
    return [f"{region}a", f"{region}b", f"{region}c"]


InvokeAnswer = Callable[["OfflineMocks", Mapping[str, Any]], dict[str, Any]]

_INVOKES: dict[str, InvokeAnswer] = {
    "aws:index/getAvailabilityZones:getAvailabilityZones": lambda m, _: {
        "names": _zones(m.region, "aws"),
        "zoneIds": [f"use1-az{i}" for i in (1, 2, 4)],
        "state": "available",
        "id": m.region,
    },
    "aws:index/getCallerIdentity:getCallerIdentity": lambda m, _: {
        "accountId": MOCK_AWS_ACCOUNT,
        "arn": f"arn:aws:iam::{MOCK_AWS_ACCOUNT}:user/offline",
        "userId": "AIDAOFFLINE",
        "id": MOCK_AWS_ACCOUNT,
    },
    "aws:index/getRegion:getRegion": lambda m, _: {
        "name": m.region,
        "region": m.region,
        "endpoint": f"ec2.{m.region}.amazonaws.com",
        "description": m.region,
        "id": m.region,
    },
    "aws:index/getPartition:getPartition": lambda m, _: {
        "partition": "aws",
        "dnsSuffix": "amazonaws.com",
        "id": "aws",
    },
    "gcp:organizations/getProject:getProject": lambda m, args: {
        "projectId": args.get("projectId") or m.gcp_project,
        "number": MOCK_GCP_PROJECT_NUMBER,
        "name": args.get("projectId") or m.gcp_project,
        "id": f"projects/{m.gcp_project}",
    },
    "gcp:organizations/getClientConfig:getClientConfig": lambda m, _: {
        "project": m.gcp_project,
        "region": m.region,
        "zone": f"{m.region}-a",
        "accessToken": "offline",
        "id": "offline",
    },
    "gcp:compute/getZones:getZones": lambda m, _: {
        "names": _zones(m.region, "gcp"),
        "region": m.region,
        "id": m.region,
    },
    "azure-native:authorization:getClientConfig": lambda m, _: {
        "subscriptionId": m.azure_subscription,
        "tenantId": MOCK_AZURE_TENANT,
        "clientId": "22222222-2222-2222-2222-222222222222",
        "objectId": "33333333-3333-3333-3333-333333333333",
    },
    # The account's default VPC and its default subnets (one per zone asked for).
    "aws:ec2/getVpc:getVpc": lambda m, _: {
        "id": "vpc-0offline",
        "cidrBlock": "172.31.0.0/16",
        "default": True,
        "state": "available",
    },
    "aws:ec2/getSubnets:getSubnets": lambda m, args: {
        "ids": [f"subnet-{zone}" for zone in _filter_values(args, "availability-zone")]
        or [f"subnet-{zone}" for zone in _zones(m.region, "aws")],
        "id": m.region,
    },
    # AKS hands out a kubeconfig (base64) for the cluster user.
    "azure-native:containerservice:listManagedClusterUserCredentials": lambda m, args: {
        "kubeconfigs": [
            {
                "name": "clusterUser",
                "value": base64.b64encode(
                    _aks_kubeconfig(str(args.get("resourceName", "aks")), m.region).encode()
                ).decode(),
            }
        ]
    },
}


def _filter_values(args: Mapping[str, Any], name: str) -> list[str]:
    """The values of one ``filters`` entry of an AWS invoke (``[]`` when absent)."""
    for entry in args.get("filters") or []:
        if entry.get("name") == name:
            return [str(value) for value in entry.get("values") or []]
    return []


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


class UnknownInvokeError(LookupError):
    """A program called an invoke that has no offline answer yet."""


class OfflineMocks(Mocks):
    """Mocks that echo inputs as outputs and add what a provider would compute.

    ``region`` and the account/project ids only shape the mock answers; nothing is real.
    """

    region: str
    gcp_project: str
    azure_subscription: str

    def __init__(
        self,
        region: str = "us-east-1",
        gcp_project: str = "offline-project",
        azure_subscription: str = MOCK_AZURE_SUBSCRIPTION,
    ) -> None:
        self.region = region
        self.gcp_project = gcp_project
        self.azure_subscription = azure_subscription

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> OfflineMocks:
        """Pick region and ids from a stack's config map (``ns:key -> value``)."""
        region = next(
            (
                str(config[key])
                for key in ("thrifty:region", "aws:region", "gcp:region", "azure-native:location")
                if key in config
            ),
            "us-east-1",
        )
        gcp_project = str(config.get("thrifty:gcpProject", config.get("gcp:project", "offline")))
        subscription = str(config.get("thrifty:azureSubscriptionId", MOCK_AZURE_SUBSCRIPTION))
        return cls(region=region, gcp_project=gcp_project, azure_subscription=subscription)

    def call(self, args: MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        answer = _INVOKES.get(args.token)
        if answer is None:
            raise UnknownInvokeError(
                f"no offline answer for invoke {args.token!r}; add one to thrifty.offline.answers"
            )
        return answer(self, args.args)

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        resource_id = f"{args.name}-id"
        state = dict(args.inputs)
        state.update(self._computed(args.typ, args.name, resource_id, state))
        return resource_id, state

    def _computed(
        self, type_token: str, name: str, resource_id: str, inputs: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Outputs the provider would compute that components read back (ARNs, endpoints)."""
        package, _, rest = type_token.partition(":")
        computed: dict[str, Any] = {}
        if package == "aws":
            service = rest.split("/")[0]
            computed["arn"] = f"arn:aws:{service}:{self.region}:{MOCK_AWS_ACCOUNT}:{name}"
            computed.setdefault("region", self.region)
            if "tags" in inputs:
                computed["tagsAll"] = dict(inputs.get("tags") or {})
        elif package == "gcp":
            computed["selfLink"] = f"https://www.googleapis.com/offline/{self.gcp_project}/{name}"
            computed.setdefault("project", self.gcp_project)
        elif package == "azure-native":
            # azure-native names the resource after its ``<resourceType>Name`` input.
            kind = rest.rsplit(":", 1)[-1]
            computed["name"] = inputs.get(f"{kind[:1].lower()}{kind[1:]}Name") or name
            computed["id"] = (
                f"/subscriptions/{self.azure_subscription}/resourceGroups/{name}/providers/"
                f"{rest.replace(':', '/')}/{name}"
            )
        specific = _SPECIFIC.get(type_token)
        if specific is not None:
            computed.update(specific(self, name, inputs))
        return computed


_SPECIFIC: dict[str, Callable[[OfflineMocks, str, Mapping[str, Any]], dict[str, Any]]] = {
    "aws:eks/cluster:Cluster": lambda m, name, _: {
        "endpoint": f"https://{name}.offline.{m.region}.eks.amazonaws.com",
        "certificateAuthority": {"data": MOCK_CA_DATA},
        "identities": [{"oidcs": [{"issuer": f"https://oidc.eks.{m.region}.amazonaws.com/id/X"}]}],
        "version": "1.31",
    },
    "gcp:container/cluster:Cluster": lambda m, name, _: {
        "endpoint": "10.0.0.1",
        "masterAuth": {"clusterCaCertificate": MOCK_CA_DATA},
    },
    # Auto-named IAM roles get a name; managed node groups an Auto Scaling group.
    "aws:iam/role:Role": lambda m, name, inputs: {"name": inputs.get("name") or name},
    "aws:ec2/launchTemplate:LaunchTemplate": lambda m, name, _: {"latestVersion": 1},
    "aws:eks/nodeGroup:NodeGroup": lambda m, name, inputs: {
        "status": "ACTIVE",
        "resources": [
            {
                "autoscalingGroups": [
                    {"name": f"eks-{inputs.get('nodeGroupName') or name}-0000-offline"}
                ]
            }
        ],
    },
    "gcp:serviceaccount/account:Account": lambda m, name, inputs: {
        "email": f"{inputs.get('accountId') or name}@{m.gcp_project}.iam.gserviceaccount.com",
    },
    "azure-native:containerservice:ManagedCluster": lambda m, name, inputs: {
        "name": inputs.get("resourceName") or name,
        "fqdn": f"{inputs.get('dnsPrefix') or name}.hcp.{m.region}.azmk8s.io",
    },
    "aws:s3/bucket:Bucket": lambda m, name, inputs: {
        "bucket": inputs.get("bucket") or name,
        "arn": f"arn:aws:s3:::{inputs.get('bucket') or name}",
        "bucketRegionalDomainName": f"{inputs.get('bucket') or name}.s3.{m.region}.amazonaws.com",
    },
    "gcp:storage/bucket:Bucket": lambda m, name, inputs: {
        "url": f"gs://{inputs.get('name') or name}",
    },
}
