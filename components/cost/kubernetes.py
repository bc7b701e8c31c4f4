"""Kubernetes objects: which cost money through the cloud, and the off-hours jobs.

Most Kubernetes objects schedule nothing billable themselves: their pods run on nodes that are
priced on the node pools. Three kinds make the cloud create something billable:

- a ``Service`` of type LoadBalancer: a cloud load balancer, priced by the cluster's cloud when
  it can be told: from the Service's cloud-specific annotations, else from its provider's
  kubeconfig (EKS, GKE or AKS endpoint or credential plugin), else from the only kind of
  managed cluster in the stack. AWS: a classic ELB (the in-tree controller's default) or an NLB
  when annotated; GCP: one forwarding rule; Azure: one rule per port on the cluster's Standard
  load balancer. Otherwise it is not priced, with that reason.
- a ``PersistentVolumeClaim`` (a disk from the cluster's storage class) and an ``Ingress``
  (a load balancer, depending on the controller): not priced, with the reason;
- a Helm v3 ``Release`` (its objects are not visible here): not priced. (A v4 ``Chart``
  registers its objects as children, which are priced one by one.)

Node autoscaler (:func:`node_autoscaler`): cluster-autoscaler or Karpenter, installed by a Helm
release or chart, a Deployment of its image, or (Karpenter) an object of the ``karpenter.sh``
API group. EKS managed node groups scale only under one (:mod:`thrifty.cost.aws`).

Off hours (:func:`off_hours_jobs`): thrifty's off-hours route (EKS, GKE and AKS alike) is a
pair of CronJobs labelled ``app.kubernetes.io/managed-by: thrifty`` and named
``off-hours-scale-down`` / ``off-hours-scale-up``; their schedules give the share of the week
the cluster's workloads are scaled to zero, when each pool falls to its minimum. They apply to
the node pools under the nearest component that holds both the jobs and pools.
"""

from __future__ import annotations

from collections.abc import Callable

from thrifty.cost import catalog as cat
from thrifty.cost import gcp
from thrifty.cost.context import Context, NightEffect
from thrifty.cost.pricing import Bill, data_processed, free
from thrifty.cost.props import NotPriced, mapping, objects, text
from thrifty.cost.schedules import ScheduleError, weekly_schedule
from thrifty.cost.spec import CostInput, ResourceCost
from thrifty.cost.workloads import DEPLOYMENT

CRON_JOB = "kubernetes:batch/v1:CronJob"
MANAGED_BY = "app.kubernetes.io/managed-by"
SCALE_DOWN, SCALE_UP = "off-hours-scale-down", "off-hours-scale-up"
POOL_TYPES = (
    "gcp:container/nodePool:NodePool",
    "azure-native:containerservice:AgentPool",
    "azure-native:containerservice:ManagedCluster",
    "aws:eks/nodeGroup:NodeGroup",
)
_CLUSTERS = {
    "aws:eks/cluster:Cluster": "aws",
    "gcp:container/cluster:Cluster": "gcp",
    "azure-native:containerservice:ManagedCluster": "azure",
}
#: The managed clusters' type tokens (EKS, GKE, AKS).
CLUSTER_TYPES = tuple(_CLUSTERS)
_ANNOTATIONS = (
    ("service.beta.kubernetes.io/aws-load-balancer", "aws"),
    ("service.beta.kubernetes.io/azure-", "azure"),
    ("cloud.google.com/", "gcp"),
    ("networking.gke.io/", "gcp"),
)
_KUBECONFIG_HINTS = (
    (".eks.amazonaws.com", "aws"),
    ("eks get-token", "aws"),
    ("gke-gcloud-auth-plugin", "gcp"),
    (".azmk8s.io", "azure"),
    ("kubelogin", "azure"),
)

HELM_TYPES = (
    "kubernetes:helm.sh/v3:Release",
    "kubernetes:helm.sh/v3:Chart",
    "kubernetes:helm.sh/v4:Chart",
)
_KARPENTER_API = "kubernetes:karpenter.sh/"
#: Chart or image name -> the node autoscaler it is.
_NODE_AUTOSCALERS = {"cluster-autoscaler": "cluster-autoscaler", "karpenter": "Karpenter"}

Rule = Callable[[CostInput, Context], ResourceCost]


def service_cloud(ctx: Context, service: CostInput) -> str | None:
    """Which cloud's load balancer a LoadBalancer Service creates (see the module docs)."""
    for key in mapping(service.props, "metadata.annotations"):
        for prefix, cloud in _ANNOTATIONS:
            if key.startswith(prefix):
                return cloud
    kubeconfig = service.provider_props.get("kubeconfig")
    if isinstance(kubeconfig, str):
        for hint, cloud in _KUBECONFIG_HINTS:
            if hint in kubeconfig:
                return cloud
    clouds = {cloud for token, cloud in _CLUSTERS.items() if ctx.by_type.get(token)}
    return clouds.pop() if len(clouds) == 1 else None


def service(resource: CostInput, ctx: Context) -> ResourceCost:
    if text(resource.props, "spec.type", "ClusterIP") != "LoadBalancer":
        return free(resource, "a Service without a cloud load balancer")
    cloud = service_cloud(ctx, resource)
    if cloud is None:
        raise NotPriced("a LoadBalancer Service: the cluster's cloud cannot be told")
    bill = Bill(resource, ctx)
    use = ctx.usage_of(resource)
    section = cat.pricing(cloud).load_balancers  # type: ignore[arg-type]
    if section is None:
        raise NotPriced(f"no {cloud} load balancer prices in the catalog")
    source = section.source[0]
    if cloud == "gcp":
        rules = [r.urn for r in ctx.of_type(*gcp.FORWARDING_RULES)]
        services = ctx.memo.setdefault("gcp-lb-services", [])
        if resource.urn not in services:
            services.append(resource.urn)
        gcp.rule_hours(bill, len(rules) + services.index(resource.urn))
        price = section.kinds["forwarding_rule"]
    elif cloud == "aws":
        annotation = mapping(resource.props, "metadata.annotations").get(
            "service.beta.kubernetes.io/aws-load-balancer-type"
        )
        kind = "network" if annotation in ("nlb", "external") else "classic"
        price = section.kinds[kind]
        if price.hourly is None:
            raise NotPriced(f"no {kind} load balancer price in the catalog")
        bill.hourly(f"{kind} load balancer (LoadBalancer Service)", price.hourly, source)
    else:
        price = section.kinds["standard"]
        ports = len(objects(resource.props, "spec.ports")) or 1
        if price.rule_hourly is None:
            raise NotPriced("no Azure load balancer rule price in the catalog")
        bill.hourly(
            f"{ports} rule(s) on the cluster's Standard load balancer",
            price.rule_hourly,
            source,
            ports,
        )
    data_processed(bill, use, price.per_gb, source)
    return bill.result()


def not_priced(reason: str) -> Rule:
    def rule(resource: CostInput, ctx: Context) -> ResourceCost:
        raise NotPriced(reason)

    return rule


def _pair_effect(jobs: list[CostInput]) -> NightEffect | None:
    """The effect of a scale-down / scale-up pair of jobs (None when one is missing)."""
    by_name = {text(job.props, "metadata.name", ""): job for job in jobs}
    down, up = by_name.get(SCALE_DOWN), by_name.get(SCALE_UP)
    if down is None or up is None:
        return None
    cron_down, cron_up = text(down.props, "spec.schedule"), text(up.props, "spec.schedule")
    week = weekly_schedule(cron_down, cron_up)
    return NightEffect(
        fraction=week.night_fraction,
        description=f"off-hours jobs ('{cron_down}' down, '{cron_up}' up)",
        by=(down.urn, up.urn),
    )


def off_hours_jobs(ctx: Context) -> dict[str, NightEffect]:
    """Night effects of thrifty's off-hours CronJob pairs, by pool URN (module docs)."""
    groups: dict[str, list[CostInput]] = {}
    for job in ctx.of_type(CRON_JOB):
        try:
            labels = mapping(job.props, "metadata.labels")
            name = text(job.props, "metadata.name", "")
        except NotPriced:
            continue
        if labels.get(MANAGED_BY) == "thrifty" and name in (SCALE_DOWN, SCALE_UP):
            groups.setdefault(job.parent, []).append(job)
    effects: dict[str, NightEffect] = {}
    for jobs in groups.values():
        try:
            effect = _pair_effect(jobs)
        except (NotPriced, ScheduleError) as problem:
            for job in jobs:
                ctx.link_notes[job.urn] = getattr(problem, "reason", str(problem))
            continue
        if effect is None:
            continue
        pools = pools_near(ctx, jobs[0])[1]
        for pool in pools:
            effects[pool.urn] = effect
        if not pools:
            for job in jobs:
                ctx.link_notes[job.urn] = "no node pool shares a component with these jobs"
    return effects


def pools_near(ctx: Context, resource: CostInput) -> tuple[str, list[CostInput]]:
    """The nearest ancestor of ``resource`` that has node pools under it (stack excluded),
    and those pools: the cluster a Kubernetes object belongs to (("", []) when none)."""
    under = ctx.memo.get("pools-under")
    if under is None:
        under = {}
        for pool in ctx.of_type(*POOL_TYPES):
            for ancestor in ctx.ancestors(pool):
                under.setdefault(ancestor, []).append(pool)
        ctx.memo["pools-under"] = under
    for ancestor in ctx.ancestors(resource):
        if ancestor not in ctx.by_urn:
            break
        if ancestor in under:
            return ancestor, list(under[ancestor])
    return "", []


def _artifact(reference: str) -> str:
    """A chart or image reference's last name: ``oci://.../karpenter/karpenter`` and
    ``registry.k8s.io/autoscaling/cluster-autoscaler:v1.32.0`` give ``karpenter`` and
    ``cluster-autoscaler``."""
    last = reference.rstrip("/").rsplit("/", 1)[-1]
    return last.split("@", 1)[0].split(":", 1)[0].casefold()


def _node_autoscaler_of(resource: CostInput) -> str | None:
    """Which node autoscaler ``resource`` installs, if any (see :func:`node_autoscaler`)."""
    if resource.type.startswith(_KARPENTER_API):
        return f"Karpenter ({resource.type.rsplit(':', 1)[-1]} {resource.name})"
    try:
        if resource.type in HELM_TYPES:
            names = [text(resource.props, "chart", "")]
            what = "Helm chart" if resource.type.endswith(":Chart") else "Helm release"
        else:
            containers = objects(resource.props, "spec.template.spec.containers")
            names = [text(container, "image", "") for container in containers]
            what = "Deployment"
    except NotPriced:  # a chart or image unknown during preview: not told to be one
        return None
    for name in names:
        found = _NODE_AUTOSCALERS.get(_artifact(name))
        if found is not None:
            return f"{found} ({what} {resource.name})"
    return None


def node_autoscaler(ctx: Context) -> str | None:
    """The node autoscaler the stack installs ("cluster-autoscaler (Helm release ca)"), else
    None: a Helm release or chart of chart ``cluster-autoscaler`` or ``karpenter``, a
    Deployment running either's image, or a Karpenter object (``karpenter.sh`` API group).
    EKS managed node groups only scale when one runs (their ``desiredSize`` is what runs
    otherwise: docs.aws.amazon.com/eks/latest/APIReference/API_NodegroupScalingConfig.html)."""
    if "node-autoscaler" not in ctx.memo:
        candidates = [
            resource
            for token, found in ctx.by_type.items()
            if token in HELM_TYPES or token == DEPLOYMENT or token.startswith(_KARPENTER_API)
            for resource in found
        ]
        ctx.memo["node-autoscaler"] = next(
            (found for r in candidates if (found := _node_autoscaler_of(r)) is not None), None
        )
    result: str | None = ctx.memo["node-autoscaler"]
    return result


def cron_job(resource: CostInput, ctx: Context) -> ResourceCost:
    pools = sorted(
        f"{ctx.by_urn[pool].name}'s"
        for pool, effect in ctx.night.items()
        if resource.urn in effect.by
    )
    if pools:
        names = pools[0] if len(pools) == 1 else f"{', '.join(pools[:-1])} and {pools[-1]}"
        plural = "s" if len(pools) > 1 else ""
        return free(
            resource, f"an off-hours job; its schedule is applied to {names} baseline{plural}"
        )
    why = ctx.link_notes.get(resource.urn)
    suffix = f" (off-hours job not applied: {why})" if why else ""
    return free(
        resource, f"a Kubernetes object; its pods run on nodes priced on their pools{suffix}"
    )


RULES: dict[str, Rule] = {
    "kubernetes:core/v1:Service": service,
    CRON_JOB: cron_job,
    "kubernetes:core/v1:PersistentVolumeClaim": not_priced(
        "a PersistentVolumeClaim creates a disk through the cluster's storage class, "
        "which is not known here"
    ),
    "kubernetes:networking.k8s.io/v1:Ingress": not_priced(
        "an Ingress may create a cloud load balancer, depending on its controller"
    ),
    "kubernetes:helm.sh/v3:Release": not_priced(
        "a Helm release's objects are not visible to the estimator "
        "(a chart may create load balancers or volumes)"
    ),
}

LINKERS = (off_hours_jobs,)

__all__ = [
    "CLUSTER_TYPES",
    "HELM_TYPES",
    "LINKERS",
    "POOL_TYPES",
    "RULES",
    "node_autoscaler",
    "off_hours_jobs",
    "pools_near",
    "service_cloud",
]
