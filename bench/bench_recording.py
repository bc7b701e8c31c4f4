"""Benchmark: what recording a stack costs over the Pulumi SDK's own floor, as ratios.

The floor is the SDK's mock engine registering plain resources with no thrifty code at all
(DESIGN.md: about 4-5 ms and 150 KB per resource, linear). The subject is
``thrifty.offline.recording.record_stack`` on the reference stacks, and
``thrifty.offline.plan`` on top of it.
Both run in this one process, alternately, so the machine's speed cancels out of the ratios.

Read the ratios knowing what the floor is: S3 buckets, which have a modest output schema. The
SDK pays one future per output property, so a stack of azure-native resources (whose schemas
are very large) sits well above this floor for reasons that are the SDK's, not thrifty's.
Measured on the 2-core machine of this project (3 rounds): recording the AWS stacks costs
1.7-1.9x the floor per resource, a plan 1.8x, and memory per resource about 0.4-0.7x;
azure-dev is about 11x (see above).

    python bench/bench_recording.py [--rounds 5] [--json bench/results/recording.json]
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws
from pulumi.runtime.mocks import MockResourceArgs, Mocks

from thrifty.offline.plan import plan_recording
from thrifty.offline.recording import record_program, record_stack

REPO_ROOT = Path(__file__).resolve().parent.parent
STACKS = ("dev", "production", "gcp-dev", "azure-dev")


class EchoMocks(Mocks):
    """The floor: mocks that only echo inputs (what any SDK-mocked test pays)."""

    def new_resource(self, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: Any) -> dict[str, Any]:
        return {}


def floor_program(count: int) -> Callable[[], None]:
    def program() -> None:
        for index in range(count):
            aws.s3.Bucket(f"b{index}", tags={"project": "p", "n": str(index)})
        pulumi.export("count", count)

    return program


def measure(action: Callable[[], int]) -> tuple[float, int, int]:
    """(seconds, peak bytes, resources): timed without tracing, then traced for memory."""
    gc.collect()
    started = time.perf_counter()
    resources = action()
    elapsed = time.perf_counter() - started
    gc.collect()
    tracemalloc.start()
    action()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, peak, resources


def run(rounds: int) -> dict[str, Any]:
    # Warm up imports and SDK module loading so neither side pays them in the measurement.
    record_program(floor_program(5), mocks=EchoMocks())
    for stack in STACKS:
        plan_recording(record_stack(REPO_ROOT, stack))

    results: dict[str, Any] = {}
    for stack in STACKS:
        size = len(record_stack(REPO_ROOT, stack))
        floor_runs, record_runs, plan_runs = [], [], []
        def floor(size: int = size) -> int:
            return len(record_program(floor_program(size), mocks=EchoMocks()))

        def record(stack: str = stack) -> int:
            return len(record_stack(REPO_ROOT, stack))

        def plan(stack: str = stack) -> int:
            return len(plan_recording(record_stack(REPO_ROOT, stack)).resources)

        for _ in range(rounds):
            floor_runs.append(measure(floor))
            record_runs.append(measure(record))
            plan_runs.append(measure(plan))

        def per_resource(runs: list[tuple[float, int, int]]) -> tuple[float, float]:
            seconds = statistics.median(r[0] / r[2] for r in runs)
            memory = statistics.median(r[1] / r[2] for r in runs)
            return seconds, memory

        floor_s, floor_m = per_resource(floor_runs)
        record_s, record_m = per_resource(record_runs)
        plan_s, plan_m = per_resource(plan_runs)
        results[stack] = {
            "resources": size,
            "floor_ms_per_resource": round(floor_s * 1000, 3),
            "floor_kb_per_resource": round(floor_m / 1024, 1),
            "record_time_ratio": round(record_s / floor_s, 2),
            "record_memory_ratio": round(record_m / floor_m, 2),
            "plan_time_ratio": round(plan_s / floor_s, 2),
            "plan_memory_ratio": round(plan_m / floor_m, 2),
        }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()
    results = run(args.rounds)
    header = f"{'stack':<12}{'res':>5}{'floor ms/r':>12}{'record x':>10}{'plan x':>8}{'mem x':>8}"
    print(header)
    for stack, row in results.items():
        print(
            f"{stack:<12}{row['resources']:>5}{row['floor_ms_per_resource']:>12}"
            f"{row['record_time_ratio']:>10}{row['plan_time_ratio']:>8}"
            f"{row['record_memory_ratio']:>8}"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
