"""Each environment's own network: a VPC / VNet with private node subnets, NAT as a cost choice,
the S3 gateway endpoint, and an API endpoint limited to the CIDRs allowed.

Importing ``thrifty.network`` loads no provider SDK. The components live in
``thrifty.network.aws`` (``AwsNetwork``), ``thrifty.network.gcp`` (``GcpNetwork``) and
``thrifty.network.azure`` (``AzureNetwork``); each also has a helper that builds the network and
returns the arguments a cluster takes from it (``eks_cluster_network``, ``gke_cluster_network``,
``aks_cluster_network``).
"""

from thrifty.network.spec import (
    EKS_UNSUPPORTED_ZONE_IDS,
    NatChoice,
    NetworkPlan,
    NetworkSpec,
    NetworkSpecError,
    plan_network,
    public_access_problems,
)

__all__ = [
    "EKS_UNSUPPORTED_ZONE_IDS",
    "NatChoice",
    "NetworkPlan",
    "NetworkSpec",
    "NetworkSpecError",
    "plan_network",
    "public_access_problems",
]
