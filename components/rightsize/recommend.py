"""The rules over a whole stack: a verdict for every workload and every node pool.

Workloads first (their new requests feed the pools' placement check), then pools. What was
measured but matches nothing in the stack is listed in the notes, never silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from thrifty.rightsize.measure import ContainerKey, Measurements
from thrifty.rightsize.rules import Finding, Settings, demands, pool_finding, workload_finding
from thrifty.rightsize.stack import StackState


@dataclass
class Recommendations:
    """Every finding, workloads first, and what the files held that the stack does not."""

    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def changes(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.changes]


def _unmatched(stack: StackState, measurements: Measurements) -> list[str]:
    known = {(w.name, w.container) for w in stack.workloads}
    namespaces = {(w.name, w.container): w.namespace for w in stack.workloads}
    notes = []
    for key in sorted(measurements.containers, key=_key_order):
        pair = (key.workload, key.container)
        if pair not in known:
            notes.append(
                f"measured container {key.namespace or '*'}/{key.workload}/{key.container} is "
                "no workload of the stack (thrifty:workloads); set aside"
            )
        elif key.namespace is not None and key.namespace != namespaces[pair]:
            notes.append(
                f"measured container {key.namespace}/{key.workload} is in another namespace than "
                f"the stack's ({namespaces[pair]}); set aside"
            )
    pools = {pool.name for pool in stack.pools}
    notes += [
        f"measured pool {name!r} is no pool of the stack's thrifty:cluster; set aside"
        for name in sorted(measurements.pools)
        if name not in pools
    ]
    return notes


def _key_order(key: ContainerKey) -> tuple[str, str, str]:
    return (key.namespace or "", key.workload, key.container)


def recommend(stack: StackState, measurements: Measurements, settings: Settings) -> Recommendations:
    """Apply the rules (:mod:`.rules`) to every workload and pool of ``stack``."""
    result = Recommendations(notes=[*measurements.notes, *_unmatched(stack, measurements)])
    for workload in stack.workloads:
        measured = measurements.for_workload(workload.name, workload.container, workload.namespace)
        result.findings.append(workload_finding(workload, measured, settings))
    changes = [change for finding in result.findings for change in finding.changes]
    wanted = demands(stack, changes)
    for pool in stack.pools:
        evidence = measurements.pools.get(pool.name)
        result.findings.append(pool_finding(stack, pool, evidence, wanted, settings))
    return result


__all__ = ["Recommendations", "recommend"]
