"""Which nodes a pod may run on: taints and tolerations, node selectors and node affinity.

The rules are the Kubernetes scheduler's ("Taints and Tolerations", "Assigning Pods to Nodes"
in the Kubernetes docs):

- a taint whose effect is ``NoSchedule`` or ``NoExecute`` keeps off every pod that does not
  tolerate it; ``PreferNoSchedule`` only discourages, so it does not rule a node out;
- a toleration matches a taint when their keys are equal (an empty key with ``Exists`` matches
  every key), their values are equal (``Equal``, the default) or the operator is ``Exists``,
  and their effects are equal or the toleration's effect is empty;
- ``nodeSelector``: every label present with that value; required node affinity: any one of
  its terms, each term all of its expressions (``In``, ``NotIn``, ``Exists``, ``DoesNotExist``,
  ``Gt``, ``Lt``; ``NotIn`` and ``DoesNotExist`` also hold where the label is absent);
  preferred node affinity: the sum of the weights of the terms that hold is the node's score.

A node pool stands for many nodes, so a label may have several possible values (a pool of
several instance types) or a value not known from the program (the zone, the host name): a
requirement holds for a pool when some node of it could meet it. Plain Python, no SDK.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

#: A node label's possible values in a pool; None: every node has it, the value is not known.
LabelValues = frozenset[str] | None
NodeLabels = Mapping[str, LabelValues]

HARD_EFFECTS = frozenset({"NoSchedule", "NoExecute"})
EFFECTS = frozenset({"NoSchedule", "PreferNoSchedule", "NoExecute"})
OPERATORS = frozenset({"In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"})


@dataclass(frozen=True)
class Taint:
    key: str
    value: str
    effect: str

    def __str__(self) -> str:
        value = f"={self.value}" if self.value else ""
        return f"{self.key}{value}:{self.effect}"


@dataclass(frozen=True)
class Toleration:
    key: str
    operator: str  # "Equal" | "Exists"
    value: str
    effect: str  # "" matches every effect

    def tolerates(self, taint: Taint) -> bool:
        if self.effect and self.effect != taint.effect:
            return False
        if self.operator == "Exists":
            return not self.key or self.key == taint.key
        return self.key == taint.key and self.value == taint.value


@dataclass(frozen=True)
class Requirement:
    """One node selector requirement (a ``matchExpressions`` entry)."""

    key: str
    operator: str
    values: tuple[str, ...]

    def holds(self, labels: NodeLabels) -> bool:
        """Whether some node of a pool with ``labels`` meets the requirement."""
        present = self.key in labels
        values = labels.get(self.key)
        if self.operator == "Exists":
            return present
        if self.operator == "DoesNotExist":
            return not present
        if self.operator == "NotIn":
            return not present or values is None or bool(values - set(self.values))
        if not present:
            return False
        if values is None:
            return True  # a value the program cannot tell (a zone): some node may have it
        if self.operator == "In":
            return bool(values & set(self.values))
        limit = int(self.values[0])
        numbers = [int(value) for value in values if value.lstrip("-").isdigit()]
        if self.operator == "Gt":
            return any(number > limit for number in numbers)
        return any(number < limit for number in numbers)

    def __str__(self) -> str:
        if self.operator in ("Exists", "DoesNotExist"):
            return f"{self.key} {self.operator}"
        return f"{self.key} {self.operator} [{', '.join(self.values)}]"


@dataclass(frozen=True)
class Constraints:
    """Where a pod may go: its node selector, required and preferred node affinity and its
    tolerations."""

    node_selector: tuple[tuple[str, str], ...] = ()
    required: tuple[tuple[Requirement, ...], ...] = ()
    preferred: tuple[tuple[int, tuple[Requirement, ...]], ...] = ()
    tolerations: tuple[Toleration, ...] = ()

    def refusal(self, labels: NodeLabels, taints: tuple[Taint, ...]) -> str | None:
        """Why a pool with these labels and taints cannot take the pod (None: it can)."""
        for taint in taints:
            if taint.effect in HARD_EFFECTS and not any(
                toleration.tolerates(taint) for toleration in self.tolerations
            ):
                return f"taint {taint} not tolerated"
        for key, value in self.node_selector:
            values = labels.get(key)
            if key not in labels or (values is not None and value not in values):
                return f"nodeSelector {key}={value} not met"
        if self.required and not any(
            all(requirement.holds(labels) for requirement in term) for term in self.required
        ):
            terms = " or ".join(
                " and ".join(str(requirement) for requirement in term) for term in self.required
            )
            return f"required node affinity ({terms}) not met"
        return None

    def preference(self, labels: NodeLabels) -> int:
        """The preferred node affinity score of a pool with ``labels``."""
        return sum(
            weight
            for weight, term in self.preferred
            if all(requirement.holds(labels) for requirement in term)
        )


__all__ = [
    "EFFECTS",
    "HARD_EFFECTS",
    "OPERATORS",
    "Constraints",
    "LabelValues",
    "NodeLabels",
    "Requirement",
    "Taint",
    "Toleration",
]
