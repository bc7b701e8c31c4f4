"""The estimator's data model: what goes in (resources in wire form) and what comes out.

Plain dataclasses, no provider SDK and nothing from ``thrifty.offline``: the policy pack runs the
estimator in its own process over the resources the engine sends, and ``thrifty plan`` over a
recording; both build :class:`CostInput` s and read the same :class:`Estimate`.

Every resource gets exactly one status:

- ``priced``: ``baseline`` and ``ceiling`` are its monthly cost in USD, ``lines`` the derivation.
- ``free``: the provider charges nothing for it; ``reason`` says why (both figures are 0.0).
- ``needs-usage``: its price depends on figures a program cannot know (stored GB, requests);
  ``baseline``/``ceiling`` hold its fixed part (0.0 for a purely usage-priced resource) and
  ``usage_keys`` name the usage-file keys that would price it.
- ``not-priced``: ``reason`` says why (unknown during preview, no catalog entry, ...). When
  part of the resource could be priced (the nodes of a group whose disk is unknown),
  ``baseline``/``ceiling`` hold that known part, a lower bound; otherwise they are None.

Totals add every figure that is not None, so a not-priced resource never counts as a silent
zero: it is listed in :attr:`Estimate.unpriced` with its reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from thrifty.preview import is_unknown

Status = Literal["priced", "free", "not-priced", "needs-usage"]
STATUSES: tuple[Status, ...] = ("priced", "free", "not-priced", "needs-usage")

#: A (baseline, ceiling) pair of monthly USD figures.
Range = tuple[float, float]

#: The group :meth:`Estimate.by_tag` puts resources without the tag in.
UNTAGGED = "(untagged)"


@dataclass(frozen=True)
class CostInput:
    """One resource as the estimator sees it: its type token and wire-form inputs.

    ``props`` are camelCase inputs as recorded or as the engine sends them: they may hold
    preview sentinels and JSON text for nested provider values (secrets already unwrapped).
    The region comes from ``provider_props`` (AWS ``region``, GCP ``region``/``zone``) or, on
    Azure, from the resource's own ``location``. Two optional fields let the estimator follow
    references between resources (a node group to its launch template, a lifecycle rule to its
    bucket): ``id``, the resource's id when the caller knows it (a recording's, an existing
    resource's), and ``property_dependencies``, property name -> URNs its value came from, as
    the engine sends them (they hold even when the value itself is unknown during preview).
    ``provider`` is the URN of the resource's provider when the caller knows it: a Kubernetes
    object's provider tells which cluster its pods run on (:mod:`thrifty.cost.fit`).
    """

    type: str
    name: str
    urn: str
    props: Mapping[str, Any]
    parent: str = ""
    provider_props: Mapping[str, Any] = field(default_factory=dict)
    id: str = ""
    property_dependencies: Mapping[str, Sequence[str]] = field(default_factory=dict)
    provider: str = ""


@dataclass(frozen=True)
class CostLine:
    """One priced component of a resource, so a report can show the derivation.

    ``quantity`` units at ``unit_price`` each; the monthly figures are what it adds to the
    resource's baseline and ceiling (e.g. "3 x m5.large on-demand", quantity 3, unit
    "instance-month", monthly 3 x 0.096 x 730). ``source_id`` names the catalog source.
    """

    description: str
    quantity: float
    unit: str
    unit_price: float
    monthly_baseline: float
    monthly_ceiling: float
    source_id: str = ""


@dataclass(frozen=True)
class ResourceCost:
    """The monthly cost of one resource (see the module docs for the statuses)."""

    urn: str
    type: str
    name: str
    status: Status
    baseline: float | None
    ceiling: float | None
    reason: str = ""
    lines: tuple[CostLine, ...] = ()
    usage_keys: tuple[str, ...] = ()
    #: (baseline, ceiling) at list prices when the usage file's commitments lowered the price.
    without_commitments: Range | None = None

    @property
    def commitment_saving(self) -> Range | None:
        """What the commitments save per month (baseline, ceiling), when any applied."""
        if self.without_commitments is None or self.baseline is None or self.ceiling is None:
            return None
        return (
            self.without_commitments[0] - self.baseline,
            self.without_commitments[1] - self.ceiling,
        )

    @property
    def unpriced(self) -> bool:
        """Not priced, or priced only in its fixed part until usage is given."""
        return self.status in ("not-priced", "needs-usage")


def _money(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _range_json(pair: Range) -> dict[str, float | None]:
    return {"baseline": _money(pair[0]), "ceiling": _money(pair[1])}


@dataclass
class Estimate:
    """Every resource's cost, with totals, chargeback grouping and the JSON contract."""

    items: list[ResourceCost]
    hours_per_month: float
    currency: Literal["USD"] = "USD"
    predictions_per_month: float | None = None
    #: Usage-file entries and commitments that matched nothing (typos must not hide), and
    #: workloads' pods that do not fit their cluster's pools (:mod:`thrifty.cost.fit`).
    warnings: list[str] = field(default_factory=list)

    @staticmethod
    def _sum(items: Sequence[ResourceCost]) -> Range:
        baseline = sum(item.baseline for item in items if item.baseline is not None)
        ceiling = sum(item.ceiling for item in items if item.ceiling is not None)
        return (baseline, ceiling)

    @property
    def total(self) -> Range:
        """Monthly (baseline, ceiling) of everything with a figure (see :attr:`unpriced`)."""
        return self._sum(self.items)

    @property
    def unpriced(self) -> list[ResourceCost]:
        """Resources not priced, or priced only in their fixed part ("needs usage")."""
        return [item for item in self.items if item.unpriced]

    @property
    def commitment_saving(self) -> Range:
        """What the usage file's commitments save per month, over all resources."""
        savings = [item.commitment_saving for item in self.items]
        found = [pair for pair in savings if pair is not None]
        return (sum(pair[0] for pair in found), sum(pair[1] for pair in found))

    @property
    def cost_per_prediction(self) -> Range | None:
        """Total / ``predictionsPerMonth`` of the usage file, when it gives predictions."""
        if not self.predictions_per_month:
            return None
        baseline, ceiling = self.total
        return (baseline / self.predictions_per_month, ceiling / self.predictions_per_month)

    def item(self, urn: str) -> ResourceCost | None:
        """The cost of the resource with ``urn``, if it was estimated."""
        return next((item for item in self.items if item.urn == urn), None)

    def by_tag(self, key: str, tags_of: Callable[[str], Mapping[str, str]]) -> dict[str, Range]:
        """Chargeback: totals per value of tag ``key`` (``team``, ``cost-center``).

        ``tags_of(urn)`` gives a resource's effective tags (its own plus its provider's
        defaults: the caller's knowledge). Resources without the tag go to ``(untagged)``.
        """
        groups: dict[str, list[ResourceCost]] = {}
        for item in self.items:
            value = tags_of(item.urn).get(key) or UNTAGGED
            groups.setdefault(value, []).append(item)
        return {value: self._sum(items) for value, items in sorted(groups.items())}

    def to_json(
        self,
        *,
        tags_of: Callable[[str], Mapping[str, str]] | None = None,
        tag_keys: Sequence[str] = ("team", "cost-center"),
    ) -> dict[str, Any]:
        """The issue's JSON contract parts: ``currency``, ``total``, ``unpriced``, per-URN
        ``resources[urn].monthlyCost`` and, with ``tags_of``, ``byTag`` for ``tag_keys``.
        Money is rounded to cents; the caller adds the budget."""
        document: dict[str, Any] = {
            "currency": self.currency,
            "hoursPerMonth": self.hours_per_month,
            "total": _range_json(self.total),
            "unpriced": [
                {
                    "urn": item.urn,
                    "type": item.type,
                    "name": item.name,
                    "status": item.status,
                    "reason": item.reason,
                    "usageKeys": list(item.usage_keys),
                }
                for item in self.unpriced
            ],
            "resources": {item.urn: _item_json(item) for item in self.items},
            "warnings": list(self.warnings),
        }
        saving = self.commitment_saving
        if saving != (0.0, 0.0):
            document["commitmentSaving"] = _range_json(saving)
        per_prediction = self.cost_per_prediction
        if per_prediction is not None:
            document["costPerPrediction"] = {
                "predictionsPerMonth": self.predictions_per_month,
                "baseline": per_prediction[0],
                "ceiling": per_prediction[1],
            }
        if tags_of is not None:
            document["byTag"] = {
                key: {value: _range_json(pair) for value, pair in self.by_tag(key, tags_of).items()}
                for key in tag_keys
            }
        return document


def _item_json(item: ResourceCost) -> dict[str, Any]:
    document: dict[str, Any] = {
        "type": item.type,
        "name": item.name,
        "status": item.status,
        "monthlyCost": {"baseline": _money(item.baseline), "ceiling": _money(item.ceiling)},
        "reason": item.reason,
        "lines": [
            {
                "description": line.description,
                "quantity": line.quantity,
                "unit": line.unit,
                "unitPrice": line.unit_price,
                "monthlyBaseline": _money(line.monthly_baseline),
                "monthlyCeiling": _money(line.monthly_ceiling),
                "source": line.source_id,
            }
            for line in item.lines
        ],
    }
    if item.usage_keys:
        document["usageKeys"] = list(item.usage_keys)
    if item.without_commitments is not None:
        document["withoutCommitments"] = _range_json(item.without_commitments)
    return document


__all__ = [
    "STATUSES",
    "UNTAGGED",
    "CostInput",
    "CostLine",
    "Estimate",
    "Range",
    "ResourceCost",
    "Status",
    "is_unknown",
]
