"""VerticalPodAutoscaler objects as ``kubectl get vpa -A -o json`` prints them.

kubectl prints a ``List`` (``{"apiVersion": "v1", "kind": "List", "items": [...]}``) for ``get
-A`` and the object itself for ``get vpa NAME``; both are read. The fields used, as the VPA API
declares them (kubernetes/autoscaler, ``vertical-pod-autoscaler/pkg/apis/autoscaling.k8s.io/
v1/types.go`` at 55c37cd): ``metadata.namespace``, ``metadata.creationTimestamp``,
``spec.targetRef`` (a CrossVersionObjectReference: ``kind``, ``name``, ``apiVersion``) and
``status.recommendation.containerRecommendations[]`` with ``containerName``, ``target``
(required), ``lowerBound``, ``upperBound`` and ``uncappedTarget`` (ResourceLists of
quantities).

What is taken from it, per container:

- the measured figure: ``uncappedTarget`` (``target`` when absent), the recommender's own
  usage estimate before any ``minAllowed``/``maxAllowed`` cap, divided by ``1 +`` its safety
  margin to give back the usage percentile it was computed from. The recommender's defaults
  (``pkg/recommender/config/config.go``, ``DefaultRecommenderConfig``): the 90th percentile
  of usage (``TargetCPUPercentile``, ``TargetMemoryPercentile`` 0.9) plus
  ``SafetyMarginFraction`` 0.15; pass ``safety_margin`` when your recommender runs with
  another ``--recommendation-margin-fraction``.
- the window: the VPA object's age at ``as_of`` (when the list was taken). A VPA's status
  carries no history length; its age is the least history it can have seen, so a young VPA
  is reported as too little data rather than trusted.

A VPA whose ``status.recommendation`` is still empty (the recommender has not run for it) gives
no figure; it is listed in the notes.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from thrifty.quantities import QuantityError, parse_quantity
from thrifty.rightsize.measure import (
    RESOURCES,
    ContainerKey,
    Measurements,
    Usage,
    VpaRecommendation,
    show,
)
from thrifty.rightsize.reading import InputError, expect, load_json, looks_like

#: The VPA recommender's default ``SafetyMarginFraction`` (see the module docs).
VPA_SAFETY_MARGIN = 0.15
#: The recommender's default target percentile, for evidence lines.
VPA_TARGET_PERCENTILE = 90
VPA_KIND = "VerticalPodAutoscaler"
LIST_KINDS = ("List", "VerticalPodAutoscalerList")


def _timestamp(value: Any, where: str, path: Path) -> datetime:
    text = expect(value, where, path, str, "an RFC 3339 time such as 2026-05-01T08:00:00Z")
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise InputError(
            f"{path}: {where}: expected an RFC 3339 time such as 2026-05-01T08:00:00Z, got {text!r}"
        )
    return parsed


def read_vpa_file(
    path: Path,
    measurements: Measurements,
    *,
    as_of: datetime,
    safety_margin: float = VPA_SAFETY_MARGIN,
) -> int:
    """Add every container recommendation in ``path`` to ``measurements``; returns how many."""
    document = expect(load_json(path), "top level", path, dict, "a VPA List or a VPA object")
    kind = document.get("kind")
    if kind in LIST_KINDS:
        items = expect(document.get("items"), "items", path, list, "a list of VPA objects")
        entries = [(f"items[{index}]", item) for index, item in enumerate(items)]
    elif kind == VPA_KIND:
        entries = [("top level", document)]
    else:
        raise InputError(
            f"{path}: kind: expected List (kubectl get vpa -A -o json) or {VPA_KIND}, "
            + (f"got {kind!r}" if isinstance(kind, str) else f"found {looks_like(document)}")
        )
    count = 0
    for where, item in entries:
        count += _read_vpa(path, where, item, measurements, as_of, safety_margin)
    return count


def _read_vpa(
    path: Path,
    where: str,
    item: Any,
    measurements: Measurements,
    as_of: datetime,
    safety_margin: float,
) -> int:
    item = expect(item, where, path, dict, "a VPA object")
    if item.get("kind", VPA_KIND) != VPA_KIND:
        raise InputError(f"{path}: {where}.kind: expected {VPA_KIND}, got {item.get('kind')!r}")
    metadata = expect(item.get("metadata"), f"{where}.metadata", path, dict, "an object")
    namespace = expect(metadata.get("namespace"), f"{where}.metadata.namespace", path, str, "text")
    created = _timestamp(
        metadata.get("creationTimestamp"), f"{where}.metadata.creationTimestamp", path
    )
    age = (as_of - created).total_seconds()
    if age < 0:
        raise InputError(
            f"{path}: {where}.metadata.creationTimestamp: {created.isoformat()} is after the "
            f"time the list was taken ({as_of.isoformat()}); give --as-of"
        )
    spec = expect(item.get("spec"), f"{where}.spec", path, dict, "an object")
    target_ref = expect(spec.get("targetRef"), f"{where}.spec.targetRef", path, dict, "an object")
    workload = expect(target_ref.get("name"), f"{where}.spec.targetRef.name", path, str, "text")
    name = metadata.get("name", workload)
    status = item.get("status") or {}
    recommendation = expect(status, f"{where}.status", path, dict, "an object").get(
        "recommendation"
    )
    containers = (recommendation or {}).get("containerRecommendations")
    if not containers:
        measurements.notes.append(
            f"{path}: VPA {namespace}/{name} (for {target_ref.get('kind', 'workload')} "
            f"{namespace}/{workload}) has no recommendation yet (status.recommendation is "
            "empty)"
        )
        return 0
    containers = expect(
        containers,
        f"{where}.status.recommendation.containerRecommendations",
        path,
        list,
        "a list",
    )
    for index, entry in enumerate(containers):
        place = f"{where}.status.recommendation.containerRecommendations[{index}]"
        _read_container(path, place, entry, namespace, workload, age, safety_margin, measurements)
    return len(containers)


def _resource_list(value: Any, where: str, path: Path) -> dict[str, str]:
    if value is None:
        return {}
    found = expect(value, where, path, dict, "a resource list such as {cpu: 25m, memory: 262144k}")
    for resource, quantity in found.items():
        try:
            parse_quantity(quantity, f"{path}: {where}.{resource}")
        except QuantityError as error:
            raise InputError(str(error)) from None
    return {str(key): str(quantity) for key, quantity in found.items()}


def _read_container(
    path: Path,
    place: str,
    entry: Any,
    namespace: str,
    workload: str,
    age: float,
    safety_margin: float,
    measurements: Measurements,
) -> None:
    entry = expect(entry, place, path, dict, "a container recommendation")
    container = expect(entry.get("containerName"), f"{place}.containerName", path, str, "text")
    target = _resource_list(entry.get("target"), f"{place}.target", path)
    if not target:
        raise InputError(f"{path}: {place}.target: expected a resource list, missing")
    uncapped = _resource_list(entry.get("uncappedTarget"), f"{place}.uncappedTarget", path)
    recommendation = VpaRecommendation(
        target=target,
        lower_bound=_resource_list(entry.get("lowerBound"), f"{place}.lowerBound", path),
        upper_bound=_resource_list(entry.get("upperBound"), f"{place}.upperBound", path),
        uncapped_target=uncapped,
        source=f"{path.name} {place}",
    )
    key = ContainerKey(workload, container, namespace)
    measurements.container(key).vpa = recommendation
    for resource in RESOURCES:
        field_name, figures = (
            ("uncappedTarget", uncapped) if resource in uncapped else ("target", target)
        )
        if resource not in figures:
            continue
        estimate = parse_quantity(figures[resource], f"{path}: {place}.{field_name}.{resource}")
        measurements.add_usage(
            key,
            resource,
            Usage(
                value=estimate / (1 + safety_margin),
                statistic=(
                    f"p{VPA_TARGET_PERCENTILE}: VPA {field_name} {show(resource, estimate)} / "
                    f"{1 + safety_margin:g}"
                ),
                window=age,
                samples=None,
                source=f"{path.name} {place}.{field_name}.{resource}",
                kind="vpa",
            ),
        )


__all__ = ["VPA_SAFETY_MARGIN", "read_vpa_file"]
