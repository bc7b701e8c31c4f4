"""Benchmark: what the cost estimate adds to a plan, beside the recording it prices.

The subject is ``thrifty.cost.estimate`` over 10,000 resources in wire form. They are the
reference stacks' own recorded resources (AWS production, GCP and Azure dev: node groups, node
pools, agent pools, clusters, buckets, budgets, Kubernetes objects ...), copied with fresh URNs
until there are 10,000, so the mix is realistic and every pricing rule is exercised. The
baseline is the recording of those same stacks, measured in this process, per resource: the
estimate should be a small fraction of it.

Measured on this project's 2-core machine (3 rounds, 2026-11-30, another job running): 10,000
resources estimate in 0.11-0.12 s (about 12 µs each), against about 11 ms per resource to record
the same three stacks (azure-native's large output schemas dominate the recording): the
estimate adds about 0.1 % to what recording costs.

    python bench/bench_estimate.py [--rounds 3] [--resources 10000] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from dataclasses import replace
from pathlib import Path

from thrifty.cost import CostInput, estimate
from thrifty.offline.cost_step import cost_inputs
from thrifty.offline.recording import record_stack

REPO_ROOT = Path(__file__).resolve().parent.parent
STACKS = ("production", "gcp-dev", "azure-dev")


def scaled(inputs: list[CostInput], count: int) -> list[CostInput]:
    """``count`` resources: copies of ``inputs`` with distinct URNs (and parents to match)."""
    result: list[CostInput] = []
    copy = 0
    while len(result) < count:
        suffix = f"-{copy}"
        for item in inputs:
            parent = item.parent + suffix if item.parent else ""
            result.append(replace(item, urn=item.urn + suffix, parent=parent))
            if len(result) == count:
                break
        copy += 1
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--resources", type=int, default=10_000)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    recording_per_resource: list[float] = []
    inputs: list[CostInput] = []
    for _ in range(args.rounds):
        inputs = []
        recorded = 0
        start = time.perf_counter()
        for stack in STACKS:
            recording = record_stack(REPO_ROOT, stack)
            recorded += len(recording)
            inputs += cost_inputs(recording)
        recording_per_resource.append((time.perf_counter() - start) / recorded)

    resources = scaled(inputs, args.resources)
    estimate(resources[:100])  # load the catalog once, as a plan has by then
    estimate_seconds: list[float] = []
    for _ in range(args.rounds):
        start = time.perf_counter()
        result = estimate(resources)
        estimate_seconds.append(time.perf_counter() - start)
    assert len(result.items) == args.resources

    record_us = statistics.median(recording_per_resource) * 1e6
    estimate_total = statistics.median(estimate_seconds)
    estimate_us = estimate_total / args.resources * 1e6
    figures = {
        "resources": args.resources,
        "rounds": args.rounds,
        "recordingUsPerResource": round(record_us, 1),
        "estimateSecondsTotal": round(estimate_total, 3),
        "estimateSecondsMin": round(min(estimate_seconds), 3),
        "estimateSecondsMax": round(max(estimate_seconds), 3),
        "estimateUsPerResource": round(estimate_us, 1),
        "ratioEstimateToRecording": round(estimate_us / record_us, 4),
    }
    print(f"recording: {record_us:,.0f} µs per resource (median of {args.rounds})")
    print(
        f"estimate: {estimate_total:.3f} s for {args.resources:,} resources "
        f"({estimate_us:,.1f} µs each; min {min(estimate_seconds):.3f} s, "
        f"max {max(estimate_seconds):.3f} s)"
    )
    print(f"ratio estimate / recording per resource: {estimate_us / record_us:.2%}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
