"""The nodes Kubernetes workloads need: their pods packed onto their cluster's node pools.

Node pools are priced from their sizes and pods run on those nodes, so without this a stack
whose pools have ``minSize: 0`` is priced at zero nodes whatever its Deployments request, and a
change to requests never moves the estimate. :func:`plan` runs once per estimate, before the
resources are priced, and does what cluster-autoscaler does:

1. **Clusters.** A workload's pods run on the pools under the nearest component that holds its
   Kubernetes provider and pools (:func:`thrifty.cost.kubernetes.pools_near`, the grouping the
   off-hours jobs use), else under the nearest one that holds the workload itself and pools;
   else, when the stack has one managed cluster, on that cluster's pools (said so on the
   workload); else the workload is not counted, with the reason. In a stack without any node
   pool, workloads run on a cluster priced elsewhere (free, and said so).
2. **Pools.** Each pool is priced once with ``ctx.survey`` set, so that its own rule records
   its bounds, instance types, capacity type and node price
   (:class:`~thrifty.cost.context.PoolShape`); :mod:`thrifty.cost.nodepools` adds its labels,
   taints and allocatable resources.
3. **Pods** (:mod:`thrifty.cost.workloads`): Deployments and StatefulSets at their HPA's
   ``minReplicas`` (else ``replicas``) for the baseline and ``maxReplicas`` for the ceiling;
   DaemonSets take their requests off every node of the pools they may run on.
4. **Packing: first-fit decreasing.** Pods, largest first, go on the first node with room: the
   nodes already there (each pool's minimum, then the nodes opened before), in order of
   preferred node affinity, then cheapest node, then name; when none has room, a node is
   opened in the first of those pools below its maximum. A pod that no pool may take, or that
   finds every pool that may take it at its maximum, is unschedulable: said on the workload
   and in the estimate's warnings, never dropped silently. First-fit decreasing rather than the
   lower bound ``max(ceil(cpu / allocatable cpu), ceil(memory / allocatable memory))``: pods
   are indivisible, so the bound undercounts whenever they do not pack exactly (three pods of
   60 % of a node need three nodes, the bound says two), and it cannot tell taints, affinity
   or the per-node pod limit apart.
5. **Counts.** A pool's working-hours baseline becomes the larger of its configured count and
   the nodes its pods need, capped at its maximum (:func:`thrifty.cost.pricing.pool_segments`);
   its ceiling stays its maximum, and the ceiling's replicas are packed only to report pods
   that would not fit. Under thrifty's off-hours jobs, the Deployments and StatefulSets of the
   jobs' namespaces not labelled ``thrifty.io/off-hours: exempt`` are at zero at night; what
   keeps running (and the DaemonSets) sets the pool's night count. Scheduled actions set the
   night size themselves.

Workload objects stay free ("runs on the node pools"), with where their pods went; one whose
pods cannot be told (a value unknown during preview, a malformed quantity) is not priced, with
the reason, so the pools it would have grown are known to be a lower bound. Pods with no
CPU or memory request (no request, limit or LimitRange default) take no room in the packing:
said on the workload and in the estimate's warnings, since the nodes counted are then a lower
bound.

Which pools grow at all is their pricing rule's: an EKS managed node group only between its
minimum and maximum when a node autoscaler runs in the stack, else it stays at ``desiredSize``
and pods that do not fit are unschedulable.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from thrifty.cost import gcp, kubernetes
from thrifty.cost.context import Context, NightEffect, PoolKey, PoolNeed, PoolShape
from thrifty.cost.free import free_reason
from thrifty.cost.nodepools import NodePool, node_pool, unreadable
from thrifty.cost.pricing import free
from thrifty.cost.props import NotPriced, objects, text
from thrifty.cost.spec import CostInput, ResourceCost
from thrifty.cost.workloads import (
    LIMIT_RANGE,
    WORKLOAD_TYPES,
    Pod,
    Workload,
    autoscalers,
    limit_defaults,
    name_of,
    read_workload,
)
from thrifty.quantities import format_cpu, format_memory

#: What the survey prices: every pool type, and GKE clusters (inline and default pools).
SURVEYED = (*kubernetes.POOL_TYPES, gcp.CLUSTER)
#: thrifty's off-hours jobs leave workloads with this label set to ``exempt`` running
#: (``thrifty.cluster.spec.OFF_HOURS_LABEL``).
OFF_HOURS_LABEL = "thrifty.io/off-hours"
NOT_COUNTED = "its pods are not counted on the node pools: "
OUTSIDE = (
    "a Kubernetes object; its pods run on a cluster outside this stack (no node pool is in "
    "the estimate), whose nodes are priced there"
)
#: The group of a workload placed on the stack's only cluster when that has no component.
_STACK = "(stack)"
_MEMO = "fit"
_EPSILON = 1e-9

Price = Callable[[CostInput, Context], ResourceCost]


@dataclass(frozen=True)
class Verdict:
    """What the estimate says of one workload: counted (free) or not (not priced), why."""

    counted: bool
    text: str


@dataclass
class FitResult:
    """The verdict of every workload, and the warnings for the estimate."""

    verdicts: dict[str, Verdict] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Unplaced:
    pods: int
    reason: str
    undetermined: bool  # a pool that might take the pods could not be read


@dataclass
class _Packing:
    """Where one scenario's pods went."""

    nodes: dict[PoolKey, int]
    placed: dict[PoolKey, Counter[str]]
    unplaced: dict[str, _Unplaced]
    daemons: dict[PoolKey, list[Workload]]
    misfits: dict[str, list[str]]


def result(ctx: Context) -> FitResult:
    """The fit of this estimate (empty before :func:`plan` ran)."""
    found = ctx.memo.get(_MEMO)
    return found if isinstance(found, FitResult) else FitResult()


def plan(ctx: Context, price: Price) -> dict[str, ResourceCost]:
    """Fit every workload's pods onto its cluster's pools (see the module docs); sets
    ``ctx.pool_need`` for the pools and the workloads' verdicts. Returns the surveyed pools'
    costs that the fit left as they were (by URN), so the engine need not price them again.
    Never raises: an unexpected error leaves the pools at their sizes and every workload not
    counted, with the error."""
    try:
        return _plan(ctx, price)
    except Exception as error:
        ctx.survey = None
        ctx.pool_need.clear()
        why = f"estimator error {type(error).__name__}: {error} (please report)"
        fit = FitResult(
            {w.urn: Verdict(False, NOT_COUNTED + why) for w in ctx.of_type(*WORKLOAD_TYPES)},
            [f"workloads not fitted onto the node pools: {why}"],
        )
        ctx.memo[_MEMO] = fit
        return {}


def _plan(ctx: Context, price: Price) -> dict[str, ResourceCost]:
    fit = FitResult()
    ctx.memo[_MEMO] = fit
    workloads = ctx.of_type(*WORKLOAD_TYPES)
    if not workloads:
        return {}
    if not ctx.of_type(*SURVEYED):
        for workload in workloads:
            fit.verdicts[workload.urn] = Verdict(True, OUTSIDE)
        fit.warnings.append(_outside_warning(workloads))
        return {}
    shapes, priced = _survey(ctx, price)
    groups: dict[str, list[CostInput]] = {}
    notes: dict[str, str] = {}
    for workload in workloads:
        anchor, how = cluster_of(ctx, workload)
        if anchor is None:
            fit.verdicts[workload.urn] = Verdict(False, NOT_COUNTED + how)
            continue
        groups.setdefault(anchor, []).append(workload)
        if how:
            notes[workload.urn] = how
    fit.warnings += autoscalers(ctx)[1]
    ranges = ctx.of_type(LIMIT_RANGE)
    recorded = {shape.resource.urn for shape in shapes}
    blind = [
        unreadable(pool, cost.reason)
        for pool in ctx.of_type(*SURVEYED)
        if pool.urn not in recorded and (cost := priced[pool.urn]).status == "not-priced"
    ]
    for anchor, members in groups.items():
        pools = [node_pool(ctx, shape) for shape in shapes if _member(ctx, shape.resource, anchor)]
        pools += [pool for pool in blind if _member(ctx, ctx.by_urn[pool.key[0]], anchor)]
        in_cluster = [r for r in ranges if cluster_of(ctx, r)[0] == anchor]
        _fit_cluster(ctx, members, pools, in_cluster, notes, fit)
    changed = {urn for urn, _ in ctx.pool_need}
    return {urn: cost for urn, cost in priced.items() if urn not in changed}


def _outside_warning(workloads: Sequence[CostInput]) -> str:
    """The estimate's word that the workloads' nodes are not in it (the table shows warnings,
    not free verdicts, so a stack of such workloads would read "nothing priced" unexplained)."""
    names = sorted(name_of(workload) for workload in workloads)
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    many = len(names) > 1
    return (
        f"{len(names)} Kubernetes workload{'s run' if many else ' runs'} on a cluster outside "
        f"this stack ({shown}): no node pool is in the estimate, so {'their' if many else 'its'} "
        f"nodes are priced where that cluster is"
    )


def cluster_of(ctx: Context, resource: CostInput) -> tuple[str | None, str]:
    """The group (the component above the cluster's pools) a Kubernetes object belongs to,
    and a note on how it was found; (None, why) when it cannot be told."""
    provider = ctx.by_urn.get(resource.provider)
    for source in (provider, resource):
        if source is not None:
            anchor, pools = kubernetes.pools_near(ctx, source)
            if pools:
                return anchor, ""
    clusters = ctx.of_type(*kubernetes.CLUSTER_TYPES)
    if len(clusters) == 1:
        anchor = kubernetes.pools_near(ctx, clusters[0])[0] or _STACK
        return anchor, f"assumed to run on the stack's only cluster, {clusters[0].name}"
    why = "no node pool shares a component with it or with its Kubernetes provider"
    if clusters:
        why += f", and the stack has {len(clusters)} clusters"
    return None, f"its cluster cannot be told: {why}"


def _member(ctx: Context, pool: CostInput, anchor: str) -> bool:
    return anchor == _STACK or anchor in ctx.ancestors(pool)


def _survey(ctx: Context, price: Price) -> tuple[list[PoolShape], dict[str, ResourceCost]]:
    """Price every pool once so their rules record their shapes (module docs, step 2); the
    costs are kept: a pool the fit does not change costs the same when priced again."""
    ctx.survey = {}
    try:
        priced = {pool.urn: price(pool, ctx) for pool in ctx.of_type(*SURVEYED)}
        return list(ctx.survey.values()), priced
    finally:
        ctx.survey = None


def _fit_cluster(
    ctx: Context,
    members: list[CostInput],
    pools: list[NodePool],
    ranges: list[CostInput],
    notes: Mapping[str, str],
    fit: FitResult,
) -> None:
    """Pack one cluster's workloads, then set its pools' needs and the verdicts."""
    index = autoscalers(ctx)[0]
    try:
        defaults = limit_defaults(ranges)
    except NotPriced as problem:
        defaults = {}
        fit.warnings.append(f"LimitRange defaults not applied: {problem.reason}")
    read: list[Workload] = []
    for member in members:
        try:
            read.append(read_workload(ctx, member, defaults, index.get(member.urn)))
        except NotPriced as problem:
            fit.verdicts[member.urn] = Verdict(False, NOT_COUNTED + problem.reason)
    if not pools:
        for workload in read:
            fit.verdicts[workload.resource.urn] = Verdict(
                False, NOT_COUNTED + "its cluster's node pools could not be priced"
            )
        return
    daemons = [workload for workload in read if workload.daemon]
    scaled = [workload for workload in read if not workload.daemon]
    lows = {pool.key: pool.low for pool in pools}
    base = _pack(pools, [(w, w.baseline) for w in scaled], daemons, lows)
    ceiling = _pack(pools, [(w, w.ceiling) for w in scaled], daemons, lows)
    night = _night(ctx, pools, scaled, daemons, lows)
    for pool in pools:
        if base.placed[pool.key] or base.daemons.get(pool.key):
            ctx.pool_need[pool.key] = PoolNeed(
                base.nodes[pool.key],
                night.nodes[pool.key] if night is not None else None,
                _pool_description(pool, base, read),
            )
    by_key = {pool.key: pool for pool in pools}
    for workload in read:
        verdict = _verdict(workload, base, ceiling, by_key, notes.get(workload.resource.urn))
        fit.verdicts[workload.resource.urn] = verdict
        fit.warnings += _warnings(workload, base, ceiling)


def _night(
    ctx: Context,
    pools: list[NodePool],
    scaled: list[Workload],
    daemons: list[Workload],
    lows: Mapping[PoolKey, int],
) -> _Packing | None:
    """The night's packing under off-hours jobs (None: no pool of the cluster has them)."""
    effect = next(
        (
            found
            for pool in pools
            if (found := ctx.night.get(pool.key[0])) is not None and found.night_nodes is None
        ),
        None,
    )
    if effect is None:
        return None
    namespaces = _job_namespaces(ctx, effect)
    running = [
        (
            workload,
            workload.baseline
            if workload.labels.get(OFF_HOURS_LABEL) == "exempt"
            or (namespaces is not None and workload.namespace not in namespaces)
            else 0,
        )
        for workload in scaled
    ]
    return _pack(pools, running, daemons, lows)


def _job_namespaces(ctx: Context, effect: NightEffect) -> frozenset[str] | None:
    """The namespaces the scale-down job scales (its ``NAMESPACES``); None: every one."""
    for urn in effect.by:
        job = ctx.by_urn.get(urn)
        try:
            if job is None or text(job.props, "metadata.name", "") != kubernetes.SCALE_DOWN:
                continue
            containers = objects(job.props, "spec.jobTemplate.spec.template.spec.containers")
            for container in containers:
                for variable in objects(container, "env"):
                    if text(variable, "name", "") == "NAMESPACES":
                        return frozenset(text(variable, "value", "").split())
        except NotPriced:
            return None
    return None


def _fits(pod: Pod, room: Sequence[float]) -> bool:
    return pod.cpu <= room[0] + _EPSILON and pod.memory <= room[1] + _EPSILON and room[2] >= 1


def _take(pod: Pod, room: list[float]) -> None:
    room[0] -= pod.cpu
    room[1] -= pod.memory
    room[2] -= 1


def _pack(
    pools: Sequence[NodePool],
    workloads: Sequence[tuple[Workload, int]],
    daemons: Sequence[Workload],
    existing: Mapping[PoolKey, int],
) -> _Packing:
    """First-fit decreasing of ``workloads``' pods (module docs, step 4)."""
    usable = [pool for pool in pools if pool.node is not None]
    packing = _Packing({}, {pool.key: Counter() for pool in pools}, {}, {}, {})
    room: dict[PoolKey, list[float]] = {}
    for pool in usable:
        assert pool.node is not None
        free_room = [pool.node.cpu, pool.node.memory, float(pool.node.pods)]
        for daemon in daemons:
            if daemon.pod.constraints.refusal(pool.labels, pool.taints) is not None:
                continue
            if _fits(daemon.pod, free_room):
                _take(daemon.pod, free_room)
                packing.daemons.setdefault(pool.key, []).append(daemon)
            else:
                packing.misfits.setdefault(daemon.resource.urn, []).append(pool.name)
        room[pool.key] = free_room
    nodes = {pool.key: [list(room[pool.key]) for _ in range(existing[pool.key])] for pool in usable}
    ref_cpu = max((r[0] for r in room.values()), default=1.0) or 1.0
    ref_memory = max((r[1] for r in room.values()), default=1.0) or 1.0
    order = sorted(
        workloads,
        key=lambda item: (
            -max(item[0].pod.cpu / ref_cpu, item[0].pod.memory / ref_memory),
            item[0].name,
            item[0].resource.urn,
        ),
    )
    for workload, count in order:
        if count <= 0:
            continue
        candidates, refusals = _candidates(workload.pod, pools, room)
        if not candidates:
            undetermined = any(pool.node is None for pool in pools)
            packing.unplaced[workload.resource.urn] = _Unplaced(
                count, "no pool may take them: " + "; ".join(refusals), undetermined
            )
            continue
        placed = _first_fit(workload, count, candidates, nodes, room, packing)
        if placed < count:
            full = ", ".join(f"{pool.name} ({pool.high} nodes)" for pool in candidates)
            packing.unplaced[workload.resource.urn] = _Unplaced(
                count - placed, f"every pool that may take them is at its maximum: {full}", False
            )
    packing.nodes = {pool.key: len(nodes.get(pool.key, ())) for pool in pools}
    return packing


def _candidates(
    pod: Pod, pools: Sequence[NodePool], room: Mapping[PoolKey, list[float]]
) -> tuple[list[NodePool], list[str]]:
    """The pools that may take ``pod``, best first, and why each other one may not."""
    candidates: list[NodePool] = []
    refusals: list[str] = []
    for pool in pools:
        if pool.node is None:
            refusals.append(f"{pool.name} (cannot be told: {pool.problem})")
            continue
        why = pod.constraints.refusal(pool.labels, pool.taints)
        if why is None and not _fits(pod, room[pool.key]):
            free_room = room[pool.key]
            why = (
                f"a pod requests {_size(pod.cpu, pod.memory)}, a node has "
                f"{_size(free_room[0], free_room[1])} for it"
                + (" after DaemonSets" if free_room[0] < pool.node.cpu else "")
            )
        if why is None:
            candidates.append(pool)
        else:
            refusals.append(f"{pool.name} ({why})")
    candidates.sort(
        key=lambda pool: (-pod.constraints.preference(pool.labels), pool.hourly, pool.name)
    )
    return candidates, refusals


def _first_fit(
    workload: Workload,
    count: int,
    candidates: Sequence[NodePool],
    nodes: dict[PoolKey, list[list[float]]],
    room: Mapping[PoolKey, list[float]],
    packing: _Packing,
) -> int:
    """Place ``count`` identical pods; returns how many found a node."""
    pod = workload.pod
    cursor = {pool.key: 0 for pool in candidates}  # nodes before it have no room for this pod
    for placed in range(count):
        target: PoolKey | None = None
        for pool in candidates:
            bins = nodes[pool.key]
            index = cursor[pool.key]
            while index < len(bins) and not _fits(pod, bins[index]):
                index += 1
            cursor[pool.key] = index
            if index < len(bins):
                _take(pod, bins[index])
                target = pool.key
                break
        if target is None:
            grown = next((pool for pool in candidates if len(nodes[pool.key]) < pool.high), None)
            if grown is None:
                return placed
            bins = nodes[grown.key]
            bins.append(list(room[grown.key]))
            _take(pod, bins[-1])
            target = grown.key
        packing.placed[target][workload.resource.urn] += 1
    return count


def _size(cpu: float, memory: float) -> str:
    return f"{format_cpu(max(cpu, 0.0))} CPU / {format_memory(max(memory, 0.0))}"


def _pool_description(pool: NodePool, base: _Packing, read: Sequence[Workload]) -> str:
    """How the pool's pods set its count: "4 for the pods of api x3, worker x2; minimum 1"."""
    names = {workload.resource.urn: workload.name for workload in read}
    pods = sorted(base.placed[pool.key].items(), key=lambda item: names[item[0]])
    parts: list[str] = []
    if pods:
        listed = ", ".join(f"{names[urn]} x{count}" for urn, count in pods)
        needed = base.nodes[pool.key]
        if needed > pool.low:
            parts.append(f"{needed} for the pods of {listed}; minimum {pool.low}")
        else:
            parts.append(f"the pods of {listed} fit on the minimum {pool.low}")
    daemons = base.daemons.get(pool.key, [])
    if daemons:
        listed = ", ".join(sorted(daemon.name for daemon in daemons))
        parts.append(f"DaemonSet{'s' * (len(daemons) > 1)} {listed} on every node")
    return "; ".join(parts)


def _where(workload: Workload, packing: _Packing, pools: Mapping[PoolKey, NodePool]) -> str:
    urn = workload.resource.urn
    if workload.daemon:
        names = [pools[key].name for key, found in packing.daemons.items() if workload in found]
        return f"on every node of {', '.join(names)}" if names else "on no pool"
    spots = [
        f"{placed[urn]} on {pools[key].name}"
        for key, placed in packing.placed.items()
        if placed.get(urn)
    ]
    return ", ".join(spots) if spots else "no pod placed"


def _verdict(
    workload: Workload,
    base: _Packing,
    ceiling: _Packing,
    pools: Mapping[PoolKey, NodePool],
    note: str | None,
) -> Verdict:
    urn = workload.resource.urn
    missing = base.unplaced.get(urn)
    if missing is not None and missing.undetermined:
        return Verdict(False, NOT_COUNTED + missing.reason)
    each = _size(workload.pod.cpu, workload.pod.memory)
    where = _where(workload, base, pools)
    words = [f"runs on the node pools: {workload.scaling}, {where} ({each} each)"]
    if missing is not None:
        words.append(f"unschedulable: {missing.pods} of {workload.baseline} pods: {missing.reason}")
    over = ceiling.unplaced.get(urn)
    if over is not None and missing is None:
        words.append(
            f"at the ceiling {over.pods} of {workload.ceiling} pods would not fit: {over.reason}"
        )
    misfit = base.misfits.get(urn)
    if misfit:
        words.append(f"its pod does not fit on the nodes of {', '.join(misfit)}")
    unrequested = _unrequested(workload)
    if unrequested:
        words.append(unrequested)
    if note:
        words.append(note)
    return Verdict(True, "; ".join(words))


def _unrequested(workload: Workload) -> str:
    """What the fit counted as zero for lack of a request ("" when nothing): such pods take
    no room in the packing, so the nodes counted for them are a lower bound."""
    missing = [
        name for name, amount in (("cpu", workload.pod.cpu), ("memory", workload.pod.memory))
        if amount == 0
    ]  # fmt: skip
    if not missing:
        return ""
    what = "no requests" if len(missing) == 2 else f"no {missing[0]} request"
    return (
        f"its pods were counted with {what} (no request, limit or LimitRange default gives "
        f"{' or '.join(missing)}), so the node count is a lower bound"
    )


def _warnings(workload: Workload, base: _Packing, ceiling: _Packing) -> list[str]:
    urn = workload.resource.urn
    label = f"{workload.kind} {workload.name}"
    found: list[str] = []
    unrequested = _unrequested(workload)
    if unrequested:
        found.append(f"{label}: {unrequested}")
    missing = base.unplaced.get(urn)
    if missing is not None and not missing.undetermined:
        found.append(
            f"{label}: {missing.pods} of {workload.baseline} pods unschedulable: {missing.reason}"
        )
    over = ceiling.unplaced.get(urn)
    if over is not None and missing is None:
        found.append(
            f"{label}: at the ceiling {over.pods} of {workload.ceiling} pods would not fit: "
            f"{over.reason}"
        )
    return found


def workload_cost(resource: CostInput, ctx: Context) -> ResourceCost:
    """A workload object's verdict: free where its pods run, not priced when not counted."""
    verdict = result(ctx).verdicts.get(resource.urn)
    if verdict is None:  # priced without the fit (a single resource, say)
        return free(resource, free_reason(resource, ctx) or "a Kubernetes workload")
    if not verdict.counted:
        raise NotPriced(verdict.text)
    return free(resource, verdict.text)


RULES: dict[str, Price] = {token: workload_cost for token in WORKLOAD_TYPES}

__all__ = ["RULES", "FitResult", "Verdict", "cluster_of", "plan", "result", "workload_cost"]
