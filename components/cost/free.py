"""The documented free set: resources the provider charges nothing for, and why.

It starts from the cited set that decides which resources need cost tags
(:data:`thrifty.billable.FREE_OF_CHARGE`: IAM, VPC plumbing, templates, objects, Kubernetes API
objects ...), so the pack and the estimator never disagree on what is free, and adds what cannot
carry tags. A resource is free when the billable set frees it, when its type is listed here
(exactly, or by its ``package:module/`` prefix), when it is a provider or the stack, or when it
is a component (a resource of a package that is not a cloud provider's, with children of its
own in the estimate: it is billed through its children). Everything else without a pricing
rule is "not priced" with the reason, never a silent zero.
"""

from __future__ import annotations

from thrifty.billable import billed_after_all, free_entry
from thrifty.cost.context import Context
from thrifty.cost.spec import CostInput

#: Packages whose resources are cloud resources (never components).
PROVIDER_PACKAGES = frozenset(
    {"aws", "gcp", "azure-native", "azure", "kubernetes", "google-native"}
)

_IAM = "identity and access management is free"
_NETWORK = "network plumbing (no hourly or data charge of its own)"
_CONFIG = "a setting of another resource, priced there"
_TRACKING = "cost tracking and alerting carries no charge"
_TEMPLATE = "a template; what it launches is priced where it is used"

#: Exact type tokens.
FREE_TYPES: dict[str, str] = {
    "pulumi:pulumi:Stack": "the stack groups the program's resources",
    "aws:ec2/launchConfiguration:LaunchConfiguration": _TEMPLATE,
    "aws:autoscaling/tag:Tag": _CONFIG,
    "aws:eks/addon:Addon": "EKS add-ons run as pods on the cluster's nodes",
    "aws:eks/podIdentityAssociation:PodIdentityAssociation": _IAM,
    "aws:eks/accessEntry:AccessEntry": _IAM,
    "aws:budgets/budget:Budget": "a budget without actions carries no charge",
    "aws:costexplorer/costAllocationTag:CostAllocationTag": _TRACKING,
    "aws:costexplorer/anomalyMonitor:AnomalyMonitor": _TRACKING,
    "aws:costexplorer/anomalySubscription:AnomalySubscription": _TRACKING,
    "aws:resourcegroups/group:Group": "a resource group is a saved query",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": _NETWORK,
    "aws:ec2/route:Route": _NETWORK,
    "aws:ec2/securityGroupRule:SecurityGroupRule": _NETWORK,
    "aws:lb/targetGroupAttachment:TargetGroupAttachment": _CONFIG,
    "gcp:compute/network:Network": _NETWORK,
    "gcp:compute/subnetwork:Subnetwork": _NETWORK,
    "gcp:compute/firewall:Firewall": _NETWORK,
    "gcp:compute/router:Router": "a Cloud Router has no charge of its own (its NAT is priced)",
    "gcp:billing/budget:Budget": _TRACKING,
    "gcp:monitoring/notificationChannel:NotificationChannel": _TRACKING,
    "gcp:serviceaccount/account:Account": _IAM,
    "azure-native:resources:ResourceGroup": "a resource group is a container",
    "azure-native:consumption:Budget": _TRACKING,
    "azure-native:costmanagement:Budget": _TRACKING,
    "azure-native:network:Subnet": _NETWORK,
    "azure-native:network:SecurityRule": _NETWORK,
    "azure-native:managedidentity:UserAssignedIdentity": _IAM,
    "azure-native:storage:BlobContainer": "a container; its data is priced on the storage account",
    "azure-native:storage:BlobServiceProperties": _CONFIG,
}

#: ``package:module/`` (or ``package:module:``) prefixes.
FREE_MODULES: dict[str, str] = {
    "aws:s3/bucket": _CONFIG,  # bucket settings: policy, versioning, encryption, ...
    "gcp:projects/": "project settings and IAM are free",
    "gcp:serviceaccount/": _IAM,
    "gcp:storage/bucketIAM": _IAM,
    "azure-native:authorization:": _IAM,
}

#: Packages of purely local resources.
FREE_PACKAGES: dict[str, str] = {
    "random": "generated locally",
    "tls": "generated locally",
    "command": "runs locally",
    "time": "local time arithmetic",
}

_KUBERNETES = "a Kubernetes object; its pods run on nodes priced on their pools"


def free_reason(resource: CostInput, ctx: Context) -> str | None:
    """Why ``resource`` costs nothing, or None when it may cost something."""
    token = resource.type
    if token.startswith("pulumi:providers:"):
        return "a provider configures other resources"
    entry = free_entry(token)
    if entry is not None and not billed_after_all(entry, resource.props):
        return entry.reason
    if token in FREE_TYPES:
        return FREE_TYPES[token]
    for prefix, reason in FREE_MODULES.items():
        if token.startswith(prefix):
            return reason
    package = token.split(":", 1)[0]
    if package in FREE_PACKAGES:
        return FREE_PACKAGES[package]
    if package == "kubernetes":
        return _KUBERNETES
    if package not in PROVIDER_PACKAGES and ctx.children.get(resource.urn):
        return "a component resource; its children are priced"
    return None


__all__ = ["FREE_MODULES", "FREE_PACKAGES", "FREE_TYPES", "PROVIDER_PACKAGES", "free_reason"]
