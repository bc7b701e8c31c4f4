"""What a cluster's workloads ask of the scheduler: how many pods, what each requests, where.

Any program's Deployments, StatefulSets and DaemonSets (``apps/v1``), read in wire form:

- Deployments and StatefulSets run ``spec.replicas`` pods (default 1). One that a
  HorizontalPodAutoscaler targets (``spec.scaleTargetRef``, found through the HPA's property
  dependencies, else by namespace, kind and name) runs ``minReplicas`` (default 1) at the
  baseline and ``maxReplicas`` at the ceiling.
- DaemonSets run one pod on every node whose taints and labels let them.
- A pod's requests, per container and resource: its request, else its limit (Kubernetes
  defaults a request to the limit), else its namespace's LimitRange ``defaultRequest`` (which
  the API server fills from ``default``, then ``min``; ``default`` from ``max``), else none. The
  pod requests the larger of its containers' sum (sidecars, init containers that keep
  running, included) and each init container's request with the sidecars started before it,
  plus ``spec.overhead``.
- Where it may run: ``nodeSelector``, ``affinity.nodeAffinity`` and ``tolerations`` of the pod
  template (:class:`~thrifty.cost.scheduling.Constraints`).

Quantities are read by :func:`thrifty.quantities.parse_quantity`. A value unknown during
preview or malformed raises :class:`~thrifty.cost.props.NotPriced` naming the field; the fit
reports the workload as not counted, with that reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from thrifty.cost.context import Context
from thrifty.cost.props import NotPriced, count, mapping, objects, strings, text
from thrifty.cost.scheduling import OPERATORS, Constraints, Requirement, Toleration
from thrifty.cost.spec import CostInput, is_unknown
from thrifty.quantities import QuantityError, parse_quantity

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
STATEFUL_SET = "kubernetes:apps/v1:StatefulSet"
DAEMON_SET = "kubernetes:apps/v1:DaemonSet"
WORKLOAD_TYPES = (DEPLOYMENT, STATEFUL_SET, DAEMON_SET)
SCALABLE = {DEPLOYMENT: "Deployment", STATEFUL_SET: "StatefulSet"}
HPA_TYPES = tuple(
    f"kubernetes:autoscaling/{version}:HorizontalPodAutoscaler"
    for version in ("v1", "v2", "v2beta2", "v2beta1")
)
LIMIT_RANGE = "kubernetes:core/v1:LimitRange"
RESOURCES = ("cpu", "memory")
POD_SPEC = "spec.template.spec"
TOLERATION_OPERATORS = ("Equal", "Exists")


@dataclass(frozen=True)
class Pod:
    """One pod of a workload: cores and bytes requested, and where it may run."""

    cpu: float
    memory: float
    constraints: Constraints


@dataclass(frozen=True)
class Workload:
    """A workload's pods at the baseline and at the ceiling (a DaemonSet: one per node)."""

    resource: CostInput
    kind: str
    name: str
    namespace: str
    labels: Mapping[str, str]
    pod: Pod
    baseline: int
    ceiling: int
    scaling: str

    @property
    def daemon(self) -> bool:
        return self.resource.type == DAEMON_SET


#: Per namespace, per resource: (quantity as written, where it came from).
Defaults = Mapping[str, Mapping[str, tuple[object, str]]]


def name_of(resource: CostInput) -> str:
    """``metadata.name``, else the logical name (Pulumi auto-names from it)."""
    try:
        return text(resource.props, "metadata.name", None) or resource.name
    except NotPriced:
        return resource.name


def namespace_of(resource: CostInput) -> str:
    return str(text(resource.props, "metadata.namespace", None) or "default")


def autoscalers(ctx: Context) -> tuple[dict[str, CostInput], list[str]]:
    """Workload URN -> the HPA that scales it, and why any HPA's target cannot be told."""
    found = ctx.memo.get("fit-autoscalers")
    if found is not None:
        return found  # type: ignore[no-any-return]
    by_name: dict[tuple[str, str, str], CostInput] = {}
    for workload in ctx.of_type(*SCALABLE):
        try:
            by_name[(namespace_of(workload), SCALABLE[workload.type], name_of(workload))] = workload
        except NotPriced:
            continue
    index: dict[str, CostInput] = {}
    problems: list[str] = []
    for hpa in ctx.of_type(*HPA_TYPES):
        target = next(
            (
                ctx.by_urn[urn]
                for urn in hpa.property_dependencies.get("spec", ())
                if urn in ctx.by_urn and ctx.by_urn[urn].type in SCALABLE
            ),
            None,
        )
        if target is None:
            try:
                key = (
                    namespace_of(hpa),
                    text(hpa.props, "spec.scaleTargetRef.kind"),
                    text(hpa.props, "spec.scaleTargetRef.name"),
                )
            except NotPriced as problem:
                problems.append(f"HorizontalPodAutoscaler {hpa.name}: {problem.reason}")
                continue
            target = by_name.get(key)
        if target is not None:
            index[target.urn] = hpa
    ctx.memo["fit-autoscalers"] = (index, problems)
    return index, problems


def limit_defaults(ranges: Sequence[CostInput]) -> dict[str, dict[str, tuple[object, str]]]:
    """Namespace -> the default request per resource its LimitRanges give containers."""
    found: dict[str, dict[str, tuple[object, str]]] = {}
    for limit_range in ranges:
        namespace = namespace_of(limit_range)
        for index, item in enumerate(objects(limit_range.props, "spec.limits")):
            if text(item, "type", "") != "Container":
                continue
            where = f"LimitRange {limit_range.name} spec.limits.{index}"
            default = {**_named(item, "max", where), **_named(item, "default", where)}
            request = {
                **_named(item, "min", where),
                **default,
                **_named(item, "defaultRequest", where),
            }
            found.setdefault(namespace, {}).update(request)
    return found


def _named(item: Mapping[str, Any], key: str, where: str) -> dict[str, tuple[object, str]]:
    return {
        resource: (value, f"{where}.{key}.{resource}")
        for resource, value in mapping(item, key).items()
        if resource in RESOURCES
    }


def read_workload(
    ctx: Context, resource: CostInput, defaults: Defaults, hpa: CostInput | None
) -> Workload:
    """The pods ``resource`` runs (see the module docs); NotPriced when it cannot be told."""
    props = resource.props
    namespace = namespace_of(resource)
    labels = {
        str(key): value
        for key, value in mapping(props, "metadata.labels").items()
        if isinstance(value, str)
    }
    pod = Pod(*_requests(props, defaults.get(namespace, {})), _constraints(props))
    if resource.type == DAEMON_SET:
        low = high = 1
        scaling = "one pod per node"
    elif hpa is not None:
        try:
            low = count(hpa.props, "spec.minReplicas", 1)
            high = count(hpa.props, "spec.maxReplicas")
        except NotPriced as problem:
            raise NotPriced(
                f"HorizontalPodAutoscaler {hpa.name}: {problem.reason}", unknown=problem.unknown
            ) from None
        if high < low:
            raise NotPriced(
                f"HorizontalPodAutoscaler {hpa.name}: maxReplicas {high} is below minReplicas {low}"
            )
        scaling = f"HPA {hpa.name}: {low}-{high} replicas"
    else:
        low = high = count(props, "spec.replicas", 1)
        scaling = f"{low} replica{'s' * (low != 1)}"
    kind = resource.type.rsplit(":", 1)[-1]
    return Workload(resource, kind, name_of(resource), namespace, labels, pod, low, high, scaling)


def _quantity(value: object, path: str) -> float:
    if is_unknown(value):
        raise NotPriced(f"{path} is unknown during preview", unknown=True)
    try:
        amount = parse_quantity(value, path)
    except QuantityError as error:
        raise NotPriced(str(error)) from None
    if amount < 0:
        raise NotPriced(f"{path} should not be negative, got {value!r}")
    return amount


def _container(
    container: Mapping[str, Any], where: str, defaults: Mapping[str, tuple[object, str]]
) -> tuple[float, float]:
    """One container's (cores, bytes) requested (see the module docs for the defaults)."""
    requests = mapping(container, "resources.requests")
    limits = mapping(container, "resources.limits")
    amounts: list[float] = []
    for resource in RESOURCES:
        if resource in requests:
            amount = _quantity(requests[resource], f"{where}.resources.requests.{resource}")
        elif resource in limits:
            amount = _quantity(limits[resource], f"{where}.resources.limits.{resource}")
        elif resource in defaults:
            value, source = defaults[resource]
            amount = _quantity(value, source)
        else:
            amount = 0.0
        amounts.append(amount)
    return amounts[0], amounts[1]


def _requests(
    props: Mapping[str, Any], defaults: Mapping[str, tuple[object, str]]
) -> tuple[float, float]:
    """The pod's effective (cores, bytes) request (see the module docs)."""
    containers = objects(props, f"{POD_SPEC}.containers")
    if not containers:
        raise NotPriced(f"{POD_SPEC}.containers is empty")
    total = [0.0, 0.0]
    for index, container in enumerate(containers):
        cpu, memory = _container(container, f"{POD_SPEC}.containers.{index}", defaults)
        total[0] += cpu
        total[1] += memory
    sidecars = [0.0, 0.0]
    peak = [0.0, 0.0]
    for index, container in enumerate(objects(props, f"{POD_SPEC}.initContainers")):
        cpu, memory = _container(container, f"{POD_SPEC}.initContainers.{index}", defaults)
        if text(container, "restartPolicy", "") == "Always":  # a sidecar: runs alongside
            sidecars[0] += cpu
            sidecars[1] += memory
        else:
            peak[0] = max(peak[0], cpu + sidecars[0])
            peak[1] = max(peak[1], memory + sidecars[1])
    overhead = mapping(props, f"{POD_SPEC}.overhead")
    extra = [
        _quantity(overhead[resource], f"{POD_SPEC}.overhead.{resource}")
        if resource in overhead
        else 0.0
        for resource in RESOURCES
    ]
    return (
        max(total[0] + sidecars[0], peak[0]) + extra[0],
        max(total[1] + sidecars[1], peak[1]) + extra[1],
    )


def _constraints(props: Mapping[str, Any]) -> Constraints:
    spec = POD_SPEC
    selector: list[tuple[str, str]] = []
    for key, value in mapping(props, f"{spec}.nodeSelector").items():
        if is_unknown(value):
            raise NotPriced(f"{spec}.nodeSelector.{key} is unknown during preview", unknown=True)
        selector.append((str(key), str(value)))
    affinity = f"{spec}.affinity.nodeAffinity"
    terms = f"{affinity}.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms"
    required = tuple(
        _term(term, f"{terms}.{index}") for index, term in enumerate(objects(props, terms))
    )
    preferred_path = f"{affinity}.preferredDuringSchedulingIgnoredDuringExecution"
    preferred = tuple(
        (
            count(item, "weight"),
            _term(mapping(item, "preference"), f"{preferred_path}.{index}.preference"),
        )
        for index, item in enumerate(objects(props, preferred_path))
    )
    tolerations = tuple(
        Toleration(
            text(item, "key", ""),
            _one_of(
                text(item, "operator", "Equal"), TOLERATION_OPERATORS, f"{spec}.tolerations.{i}"
            ),
            text(item, "value", ""),
            text(item, "effect", ""),
        )
        for i, item in enumerate(objects(props, f"{spec}.tolerations"))
    )
    return Constraints(tuple(selector), required, preferred, tolerations)


def _one_of(value: str, allowed: Sequence[str], where: str) -> str:
    if value not in allowed:
        raise NotPriced(f"{where}.operator should be one of {', '.join(allowed)}, got {value!r}")
    return value


#: A term that holds on no node: an empty ``nodeSelectorTerm`` matches no objects.
_NOWHERE = (Requirement("", "In", ()),)


def _term(term: Mapping[str, Any], where: str) -> tuple[Requirement, ...]:
    """One node selector term's requirements (``matchFields`` cannot be told for a pool)."""
    if objects(term, "matchFields"):
        raise NotPriced(f"{where}.matchFields selects nodes by name, which cannot be told here")
    found: list[Requirement] = []
    for index, expression in enumerate(objects(term, "matchExpressions")):
        path = f"{where}.matchExpressions.{index}"
        operator = _one_of(text(expression, "operator"), sorted(OPERATORS), path)
        values = tuple(strings(expression, "values"))
        if operator in ("Gt", "Lt") and (len(values) != 1 or not values[0].lstrip("-").isdigit()):
            raise NotPriced(f"{path}.values should be one integer for {operator}, got {values}")
        found.append(Requirement(text(expression, "key"), operator, values))
    return tuple(found) or _NOWHERE


__all__ = [
    "DAEMON_SET",
    "DEPLOYMENT",
    "HPA_TYPES",
    "LIMIT_RANGE",
    "STATEFUL_SET",
    "WORKLOAD_TYPES",
    "Pod",
    "Workload",
    "autoscalers",
    "limit_defaults",
    "name_of",
    "namespace_of",
    "read_workload",
]
