"""Where the bill sees a resource's cost tags: the table of billed parts and their tag locations.

For most types the bill sees the resource's own tags (``tags``, ``labels``,
``metadata.labels``: :func:`thrifty.taggable.tag_path`, plus the provider's default tags where
:func:`thrifty.taggable.provider_defaults_reach` says so). The types in :data:`ROUTES` differ:
the billed things are something the resource creates (instances of a node group, the VMs of a
node pool, the scale set of an AKS agent pool), and their tags come from a nested argument, from
a list entry that must propagate, or from **another resource of the stack** (the launch template
an EKS node group names, the cluster a GKE node pool belongs to). Each entry cites the provider
documentation that says so; every path is in wire form (camelCase) and is checked against the
installed SDK's input types by the tests.

A GKE cluster needs only its ``resourceLabels``: GKE copies them to the cluster's nodes, so its
``nodeConfig.resourceLabels`` (the default pool's) adds nothing the bill needs.

Known gaps (not modelled, so judged by the resource's own tags): EC2 Fleet / Spot Fleet launch
template configs, an EC2 instance's extra ``ebsBlockDevices``, ``aws:autoscaling/tag:Tag``
resources that add propagating tags to a group from outside it, Azure VM OS disks (created
without the VM's tags; they take tags only as separate ``compute:Disk`` resources), and Azure
Cost Management's tag inheritance from resource groups (an account setting a stack cannot see).

Plain data and lookups; :mod:`thrifty.tag_reader` evaluates it.
"""

from __future__ import annotations

import fnmatch
import functools
from dataclasses import dataclass

from thrifty import taggable


@dataclass(frozen=True)
class Location:
    """A place, on a resource, whose tags reach a billed thing."""

    #: Dotted wire path; ``*`` stands for every item of a list.
    path: str
    #: Only list items whose field has this value are read (``(("resourceType", "instance"),)``).
    only: tuple[tuple[str, str], ...] = ()
    #: A list of ``{key, value, propagateAtLaunch}``: only entries that propagate count.
    propagating: bool = False
    #: The provider's default tags reach this location too.
    provider_defaults: bool = False
    #: Computed by the provider (``tagsAll``): counted when present, ignored when unknown.
    computed: bool = False


@dataclass(frozen=True)
class Reference:
    """Another resource of the stack whose tags reach this resource's billed part."""

    #: Where this resource names it: a text (name, id, URL) or an object holding one.
    paths: tuple[str, ...]
    #: The type tokens the named resource may have.
    target_types: tuple[str, ...]
    #: Where, on the named resource, the tags are read.
    locations: tuple[Location, ...]
    #: How a message names it ("its launch template").
    what: str
    #: Keys of a reference object that hold the target's name or id.
    name_keys: tuple[str, ...] = ("id", "name")


@dataclass(frozen=True)
class BilledPart:
    """One billed thing a resource makes, and the places its tags come from."""

    #: What is billed, for messages ("its EC2 instances").
    what: str
    #: Locations on the resource itself, merged in order (a later one wins).
    locations: tuple[Location, ...] = ()
    #: Other resources whose tags reach it, merged before the resource's own locations.
    references: tuple[Reference, ...] = ()
    #: Where a user should put the tags.
    hint: str = ""
    #: Each item of the (single) ``*`` location is a billed thing of its own.
    each_item: bool = False
    #: Without any of the references, this part gets no tags of the user's at all.
    reference_required: bool = False


@dataclass(frozen=True)
class Route:
    """Every billed part of one type, with the reason and the sources that say so."""

    parts: tuple[BilledPart, ...]
    reason: str
    sources: tuple[str, ...]


_LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"


def _template_tags(kind: str) -> Location:
    return Location("tagSpecifications.*.tags", only=(("resourceType", kind),))


def _launch_template(paths: tuple[str, ...], kinds: tuple[str, ...]) -> Reference:
    return Reference(
        paths=paths,
        target_types=(_LAUNCH_TEMPLATE,),
        locations=tuple(_template_tags(kind) for kind in kinds),
        what="its launch template",
        name_keys=("id", "name", "launchTemplateId", "launchTemplateName"),
    )


_EKS_TEMPLATE = ("launchTemplate",)
_ASG_TEMPLATES = (
    "launchTemplate",
    "mixedInstancesPolicy.launchTemplate.launchTemplateSpecification",
)
_TEMPLATE_HINT = "the launch template's tagSpecifications for {kinds}"
_WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet")

_POD_SOURCES = (
    # Cost allocation splits a cluster's bill by namespace and by the labels of Pods.
    "https://cloud.google.com/kubernetes-engine/docs/how-to/cost-allocations",
    "https://kubernetes.io/docs/concepts/workloads/controllers/deployment/",
)


def _pods(template_path: str) -> Route:
    return Route(
        parts=(
            BilledPart(
                what="its Pods",
                locations=(Location(template_path),),
                hint=template_path,
            ),
        ),
        reason="cost allocation (GKE cost allocation, Kubecost, OpenCost) attributes a "
        "cluster's cost by the labels of Pods, and Pods take their labels from the pod "
        "template, not from the workload object's own metadata",
        sources=_POD_SOURCES,
    )


#: Types whose billed things see tags somewhere other than the resource's own tags. Keys are
#: type tokens or shell patterns (Kubernetes workloads exist under several API versions).
ROUTES: dict[str, Route] = {
    # EKS: "Node group tags do not propagate to any other resources associated with the node
    # group, such as the Amazon EC2 instances or subnets" (EKS API, Nodegroup.tags). Instances
    # and volumes get tags only from the launch template's tag specifications, and the AWS
    # provider's default tags do not reach them (aws.getDefaultTags exists for that reason).
    "aws:eks/nodeGroup:NodeGroup": Route(
        parts=(
            BilledPart(
                what="its EC2 instances",
                references=(_launch_template(_EKS_TEMPLATE, ("instance",)),),
                hint=_TEMPLATE_HINT.format(kinds="'instance' and 'volume'"),
                reference_required=True,
            ),
            BilledPart(
                what="their EBS volumes",
                references=(_launch_template(_EKS_TEMPLATE, ("volume",)),),
                hint=_TEMPLATE_HINT.format(kinds="'instance' and 'volume'"),
                reference_required=True,
            ),
        ),
        reason="a managed node group's own tags stay on the node group; its instances and "
        "volumes are tagged only by its launch template's tagSpecifications",
        sources=(
            "https://docs.aws.amazon.com/eks/latest/APIReference/API_Nodegroup.html",
            "https://docs.aws.amazon.com/eks/latest/userguide/launch-templates.html",
            "https://www.pulumi.com/registry/packages/aws/api-docs/getdefaulttags/",
        ),
    ),
    # Auto Scaling: a tag reaches the instances only with propagateAtLaunch (GroupTag in the
    # SDK: "Enables propagation of the tag to Amazon EC2 instances launched via this ASG"), or
    # from the launch template's tag specifications. Provider default tags are not applied to
    # Auto Scaling groups (HashiCorp, "Default Tags in the Terraform AWS Provider").
    "aws:autoscaling/group:Group": Route(
        parts=(
            BilledPart(
                what="its EC2 instances",
                locations=(Location("tags", propagating=True),),
                references=(_launch_template(_ASG_TEMPLATES, ("instance",)),),
                hint="tags with propagateAtLaunch: true, or "
                + _TEMPLATE_HINT.format(kinds="'instance'"),
            ),
        ),
        reason="an Auto Scaling group's tags reach its instances only with propagateAtLaunch "
        "or through its launch template; the provider's default tags never reach them",
        sources=(
            "https://www.hashicorp.com/blog/default-tags-in-the-terraform-aws-provider",
            "https://www.pulumi.com/registry/packages/aws/api-docs/autoscaling/group/",
        ),
    ),
    # EC2 instance: the root volume is an EBS volume billed on its own; it is tagged by
    # volumeTags or rootBlockDevice.tags (whose tagsAll includes the provider's default tags,
    # per the SDK), not by the instance's tags.
    "aws:ec2/instance:Instance": Route(
        parts=(
            BilledPart(
                what="the instance",
                locations=(
                    Location("tags", provider_defaults=True),
                    Location("tagsAll", computed=True),
                ),
                references=(),
                hint="tags, or the provider's defaultTags",
            ),
            BilledPart(
                what="its root volume",
                locations=(
                    Location("volumeTags", provider_defaults=True),
                    Location("rootBlockDevice.tags", provider_defaults=True),
                ),
                hint="volumeTags or rootBlockDevice.tags, or the provider's defaultTags",
            ),
        ),
        reason="an instance's tags do not reach its root EBS volume",
        sources=("https://www.pulumi.com/registry/packages/aws/api-docs/ec2/instance/",),
    ),
    # GKE: a node pool's VMs and disks carry nodeConfig.resourceLabels ("The GCP labels to be
    # applied to each node"), and GKE copies the cluster's resource labels to the cluster's
    # Compute Engine resources. Provider default labels reach the cluster's labels (it has
    # pulumiLabels) but not nodeConfig.resourceLabels.
    "gcp:container/nodePool:NodePool": Route(
        parts=(
            BilledPart(
                what="its nodes (Compute Engine VMs and disks)",
                locations=(Location("nodeConfig.resourceLabels"),),
                references=(
                    Reference(
                        paths=("cluster",),
                        target_types=("gcp:container/cluster:Cluster",),
                        locations=(Location("resourceLabels", provider_defaults=True),),
                        what="its cluster",
                    ),
                ),
                hint="nodeConfig.resourceLabels (or the cluster's resourceLabels, which GKE "
                "copies to the cluster's nodes)",
            ),
        ),
        reason="a node pool's nodes are Compute Engine VMs labelled from "
        "nodeConfig.resourceLabels and the cluster's resource labels",
        sources=(
            "https://cloud.google.com/kubernetes-engine/docs/how-to/creating-managing-labels",
            "https://github.com/hashicorp/terraform-provider-google/issues/1758",
        ),
    ),
    # GCP managed instance groups: "labels defined within an instance template are applied to
    # all instances that are created from that instance template"; allInstancesConfig.labels
    # patches labels onto every instance of the group.
    **{
        f"gcp:compute/{kind}:{kind[0].upper()}{kind[1:]}": Route(
            parts=(
                BilledPart(
                    what="its VM instances",
                    locations=(Location("allInstancesConfig.labels"),),
                    references=(
                        Reference(
                            paths=("versions.*.instanceTemplate",),
                            target_types=(
                                "gcp:compute/instanceTemplate:InstanceTemplate",
                                "gcp:compute/regionInstanceTemplate:RegionInstanceTemplate",
                            ),
                            locations=(Location("labels", provider_defaults=True),),
                            what="its instance template",
                        ),
                    ),
                    hint="the instance template's labels, or allInstancesConfig.labels",
                ),
            ),
            reason="a managed instance group's VMs take the labels of its instance template "
            "and of allInstancesConfig",
            sources=("https://cloud.google.com/compute/docs/instance-templates",),
        )
        for kind in ("instanceGroupManager", "regionInstanceGroupManager")
    },
    # Compute Engine instance: its boot disk is billed on its own and is labelled by
    # bootDisk.initializeParams.labels ("A set of key/value label pairs assigned to the disk").
    "gcp:compute/instance:Instance": Route(
        parts=(
            BilledPart(
                what="the instance",
                locations=(
                    Location("labels", provider_defaults=True),
                    Location("pulumiLabels", computed=True),
                ),
                hint="labels, or the provider's defaultLabels",
            ),
            BilledPart(
                what="its boot disk",
                locations=(Location("bootDisk.initializeParams.labels"),),
                hint="bootDisk.initializeParams.labels",
            ),
        ),
        reason="an instance's labels do not reach its boot disk",
        sources=("https://www.pulumi.com/registry/packages/gcp/api-docs/compute/instance/",),
    ),
    # AKS: "Tags set on an AKS cluster apply to all resources related to the cluster, but not
    # the node pools. Tags set on a node pool apply only to resources related to that node pool."
    "azure-native:containerservice:ManagedCluster": Route(
        parts=(
            BilledPart(
                what="the cluster and its node resource group",
                locations=(Location("tags"),),
                hint="tags",
            ),
            BilledPart(
                what="agent pool",
                locations=(Location("agentPoolProfiles.*.tags"),),
                hint="the agent pool profile's tags",
                each_item=True,
            ),
        ),
        reason="an AKS cluster's tags do not reach its node pools' scale sets",
        sources=("https://learn.microsoft.com/azure/aks/use-tags",),
    ),
    **{f"kubernetes:*:{kind}": _pods("spec.template.metadata.labels") for kind in _WORKLOAD_KINDS},
    "kubernetes:core/v1:ReplicationController": _pods("spec.template.metadata.labels"),
    "kubernetes:batch/*:Job": _pods("spec.template.metadata.labels"),
    "kubernetes:batch/*:CronJob": _pods("spec.jobTemplate.spec.template.metadata.labels"),
}

#: Where the provider computes a resource's effective tags (counted when known).
_COMPUTED: dict[str, tuple[str, ...]] = {
    "aws": ("tagsAll",),
    "gcp": ("effectiveLabels", "pulumiLabels"),
}
#: Kubernetes list kinds and server-side patches create no object of their own to label.
_KUBERNETES_NOT_OWNED = ("List", "Patch")


def _own_route(type_token: str, path: tuple[str, ...]) -> Route:
    """The route of an ordinary type: its own tags (and provider defaults where they reach)."""
    package = type_token.split(":", 1)[0]
    dotted = ".".join(path)
    defaults = taggable.provider_defaults_reach(type_token)
    locations = (
        Location(dotted, provider_defaults=defaults),
        *(Location(computed, computed=True) for computed in _COMPUTED.get(package, ())),
    )
    hint = dotted + (", or the provider's default tags" if defaults else "")
    return Route(
        parts=(BilledPart(what="the resource", locations=locations, hint=hint),),
        reason="the bill sees the resource's own tags",
        sources=(),
    )


def _owns_an_object(type_token: str) -> bool:
    return not (type_token.startswith("kubernetes:") and type_token.endswith(_KUBERNETES_NOT_OWNED))


@functools.cache
def route_for(type_token: str) -> Route | None:
    """Where the bill sees the tags of ``type_token`` (None: the type cannot carry tags)."""
    if not _owns_an_object(type_token):
        return None
    if type_token in ROUTES:
        return ROUTES[type_token]
    for pattern, route in ROUTES.items():
        if "*" in pattern and fnmatch.fnmatchcase(type_token, pattern):
            return route
    path = taggable.tag_path(type_token)
    return _own_route(type_token, path) if path else None


def own_route(type_token: str) -> Route | None:
    """The resource's own tags as a route, whatever :data:`ROUTES` says (for scope
    ``all-taggable``, where the resource itself must be tagged too)."""
    path = taggable.tag_path(type_token) if _owns_an_object(type_token) else None
    return _own_route(type_token, path) if path else None
