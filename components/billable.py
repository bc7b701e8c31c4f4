"""Which resources need cost tags: the ones a cloud bill charges for.

The rule, in one sentence: **a type needs the cost tags when it can carry them and is not in**
:data:`FREE_OF_CHARGE`. The free set lists types that the providers' own pricing pages or docs
say cost nothing, or whose cost appears on another resource's line (an S3 object's storage is
billed on its bucket, and its own tags are billed per tag); each entry says why and cites its
source. Everything else that can carry tags is assumed to cost money: a type missing here is
asked for tags (a false "needs tags" costs a tag; a false "free" hides spend).

Azure resource groups cost nothing but are still asked for the tags, on purpose: Cost
Management can copy a resource group's tags onto the usage records of the resources in it (tag
inheritance, https://learn.microsoft.com/azure/cost-management-billing/costs/enable-tag-inheritance),
so its tags can reach the bill.

A property can make a free type billed: a Kubernetes ``Service`` of type ``LoadBalancer`` makes
the cloud create a load balancer (``unless`` below). A value unknown during preview counts as
billed, so an unknown never lets a resource skip the check.

Users change the set per rule config (see :func:`needs_cost_tags`): ``scope`` ``"cost-bearing"``
(the default, this rule) or ``"all-taggable"`` (every type that can carry tags),
``include_types`` to ask tags of a type anyway, ``exempt_types`` to skip one. Patterns use shell
wildcards (``aws:iam/*``, ``kubernetes:*:ConfigMap``).

Plain Python: the policy pack, the plan and the cost estimator can all import it (the
estimator's free set, :mod:`thrifty.cost.free`, starts from this one).
"""

from __future__ import annotations

import fnmatch
import functools
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from thrifty.preview import is_unknown

Scope = Literal["cost-bearing", "all-taggable"]
SCOPES: tuple[Scope, ...] = ("cost-bearing", "all-taggable")

_VPC_PRICING = "https://aws.amazon.com/vpc/pricing/"
_AZURE_VNET_PRICING = "https://azure.microsoft.com/pricing/details/virtual-network/"
_GKE_PRICING = "https://cloud.google.com/kubernetes-engine/pricing"


@dataclass(frozen=True)
class Free:
    """Types (a type token or a wildcard pattern) that cost nothing of their own."""

    pattern: str
    reason: str
    source: str
    #: ``(wire path, value)``: when the resource's prop has this value, it is billed after all.
    unless: tuple[str, str] | None = None


def _free(patterns: tuple[str, ...], reason: str, source: str) -> tuple[Free, ...]:
    return tuple(Free(pattern, reason, source) for pattern in patterns)


_KUBERNETES_OBJECTS = (
    "ConfigMap",
    "Secret",
    "ServiceAccount",
    "Role",
    "RoleBinding",
    "ClusterRole",
    "ClusterRoleBinding",
    "Namespace",
    "NetworkPolicy",
    "PodDisruptionBudget",
    "PriorityClass",
    "ResourceQuota",
    "LimitRange",
    "HorizontalPodAutoscaler",
    "Endpoints",
    "EndpointSlice",
    "CustomResourceDefinition",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
    "StorageClass",
    "IngressClass",
    "RuntimeClass",
    "Lease",
)

#: Types that cost nothing of their own (see the module docstring for the rule).
FREE_OF_CHARGE: tuple[Free, ...] = (
    Free(
        "aws:iam/*",
        "IAM (roles, policies, users, instance profiles, identity providers) is offered at no "
        "additional charge",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/introduction.html",
    ),
    *_free(
        (
            "aws:s3/bucketObject:BucketObject",
            "aws:s3/bucketObjectv2:BucketObjectv2",
            "aws:s3/objectCopy:ObjectCopy",
        ),
        "an object's storage and requests are billed on its bucket, where cost allocation tags "
        "apply; object tags are themselves billed ($0.01 per 10,000 tags per month)",
        "https://aws.amazon.com/s3/pricing/",
    ),
    *_free(
        (
            "aws:ec2/vpc:Vpc",
            "aws:ec2/defaultVpc:DefaultVpc",
            "aws:ec2/subnet:Subnet",
            "aws:ec2/defaultSubnet:DefaultSubnet",
            "aws:ec2/routeTable:RouteTable",
            "aws:ec2/defaultRouteTable:DefaultRouteTable",
            "aws:ec2/securityGroup:SecurityGroup",
            "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
            "aws:ec2/networkAcl:NetworkAcl",
            "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl",
            "aws:ec2/internetGateway:InternetGateway",
            "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway",
            "aws:ec2/vpcDhcpOptions:VpcDhcpOptions",
            "aws:ec2/defaultVpcDhcpOptions:DefaultVpcDhcpOptions",
        ),
        "the VPC and its subnets, route tables, security groups, network ACLs and internet "
        "gateways cost nothing; NAT gateways, endpoints and public IPv4 addresses do",
        _VPC_PRICING,
    ),
    *_free(
        (
            "aws:lb/targetGroup:TargetGroup",
            "aws:lb/listener:Listener",
            "aws:lb/listenerRule:ListenerRule",
            "aws:alb/targetGroup:TargetGroup",
            "aws:alb/listener:Listener",
            "aws:alb/listenerRule:ListenerRule",
        ),
        "a load balancer's listeners, rules and target groups are its configuration: Elastic "
        "Load Balancing bills the load balancer (hours and capacity units), where the tags go",
        "https://aws.amazon.com/elasticloadbalancing/pricing/",
    ),
    *_free(
        (
            "aws:rds/subnetGroup:SubnetGroup",
            "aws:rds/parameterGroup:ParameterGroup",
            "aws:rds/clusterParameterGroup:ClusterParameterGroup",
            "aws:rds/optionGroup:OptionGroup",
            "aws:elasticache/subnetGroup:SubnetGroup",
            "aws:elasticache/parameterGroup:ParameterGroup",
        ),
        "subnet, parameter and option groups configure database instances; RDS and "
        "ElastiCache bill the instances, storage, I/O and backups",
        "https://aws.amazon.com/rds/pricing/",
    ),
    Free(
        "aws:ec2/launchTemplate:LaunchTemplate",
        "a launch template is launch configuration: what it launches is billed, and gets its "
        "tags from the template's tagSpecifications (checked on the node group or Auto Scaling "
        "group that uses it)",
        "https://docs.aws.amazon.com/eks/latest/userguide/launch-templates.html",
    ),
    *_free(
        (
            "gcp:compute/instanceTemplate:InstanceTemplate",
            "gcp:compute/regionInstanceTemplate:RegionInstanceTemplate",
        ),
        "an instance template is VM configuration: its labels are applied to the instances "
        "created from it, not to the template itself (checked on the instance group using it)",
        "https://cloud.google.com/compute/docs/instance-templates",
    ),
    *_free(
        (
            "azure-native:network:VirtualNetwork",
            "azure-native:network:NetworkSecurityGroup",
            "azure-native:network:ApplicationSecurityGroup",
            "azure-native:network:RouteTable",
        ),
        "virtual networks, network and application security groups and route tables are "
        "free; traffic, peering, gateways and public IPs are billed",
        _AZURE_VNET_PRICING,
    ),
    *_free(
        tuple(f"kubernetes:*:{kind}" for kind in _KUBERNETES_OBJECTS),
        "a Kubernetes API object that schedules no Pod and claims no storage: GKE, EKS and AKS "
        "bill nodes (Autopilot: the resources Pods request), volumes and load balancers",
        _GKE_PRICING,
    ),
    Free(
        "kubernetes:core/v1:Service",
        "a Service without a cloud load balancer routes traffic inside the cluster for free",
        _GKE_PRICING,
        unless=("spec.type", "LoadBalancer"),
    ),
)


@functools.cache
def free_entry(type_token: str) -> Free | None:
    """The :data:`FREE_OF_CHARGE` entry that matches ``type_token``, if any."""
    return next(
        (entry for entry in FREE_OF_CHARGE if fnmatch.fnmatchcase(type_token, entry.pattern)),
        None,
    )


def _value_at(props: Mapping[str, Any], path: str) -> object:
    value: object = props
    for key in path.split("."):
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


def billed_after_all(entry: Free, props: Mapping[str, Any]) -> bool:
    """True when the entry's ``unless`` condition holds, or cannot be told (not a string)."""
    if entry.unless is None:
        return False
    path, billed_value = entry.unless
    value = _value_at(props, path)
    if value is None:
        return False
    return not isinstance(value, str) or value == billed_value or is_unknown(value)


@dataclass(frozen=True)
class Decision:
    """Whether a resource needs cost tags, and the reason in words."""

    needed: bool
    reason: str


def _matches(type_token: str, patterns: Collection[str]) -> bool:
    return any(fnmatch.fnmatchcase(type_token, pattern) for pattern in patterns)


def needs_cost_tags(
    type_token: str,
    props: Mapping[str, Any],
    *,
    scope: Scope = "cost-bearing",
    include_types: Collection[str] = (),
    exempt_types: Collection[str] = (),
) -> Decision:
    """Whether a resource of ``type_token`` (that can carry tags) must carry the cost tags."""
    if _matches(type_token, exempt_types):
        return Decision(False, "exempt by the rule's exemptTypes")
    if _matches(type_token, include_types):
        return Decision(True, "required by the rule's includeTypes")
    if scope == "all-taggable":
        return Decision(True, "every taggable resource (scope all-taggable)")
    entry = free_entry(type_token)
    if entry is None:
        return Decision(True, "billed")
    if billed_after_all(entry, props):
        path, value = entry.unless or ("", "")
        return Decision(True, f"billed: {path} is {value} (or not known before deployment)")
    return Decision(False, f"not billed: {entry.reason}")
