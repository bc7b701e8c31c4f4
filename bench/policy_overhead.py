"""Policy overhead: thrifty-guard against a pack whose policies do nothing, over real gRPC.

Both packs run as processes started the way the Pulumi CLI starts a pack
(``python -m pulumi.policy``, see :mod:`thrifty.offline.analyzer_client`), configured with
their schema defaults, and get the very same engine-shaped requests (``options`` and
``provider`` set): the reference stacks' own recorded resources, copied with fresh URNs to the
count asked for. Measured, alternately for the two packs:

- Analyze: one call per resource, as the engine sends them; microseconds per resource;
- AnalyzeStack: one call over the whole set; microseconds per resource;
- cold start: from process start to the port printed on stdout (what the engine waits for).

Beside the wall-clock time the client sees, the CPU time the pack process itself used is read
from ``/proc``: on a busy machine it moves far less than wall-clock time does.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from common import BENCH_DIR, copies, figure, interleaved, python, ratio, rename_spec

from thrifty.offline.analyzer_client import (
    AnalyzerClient,
    ResourceSpec,
    analyze_request,
    analyzer_pb2,
    analyzer_resource,
    reconcile_policy_config,
)
from thrifty.offline.policy_step import bundled_pack_dir

EMPTY_PACK = BENCH_DIR / "empty_pack"
PACKS = {"thrifty-guard": bundled_pack_dir(), "empty": EMPTY_PACK}
PROJECT, STACK = "bench", "bench"


def _pack_env() -> dict[str, str]:
    return {
        **os.environ,
        "PULUMI_PROJECT": PROJECT,
        "PULUMI_STACK": STACK,
        "PULUMI_DRY_RUN": "true",
        "PULUMI_ORGANIZATION": "organization",
        "PULUMI_CONFIG": "{}",
    }


def cold_start_seconds(pack: Path) -> float:
    """Seconds from starting the pack process to reading the port it prints."""
    command = [python(), "-u", "-m", "pulumi.policy", "127.0.0.1:0", str(pack)]
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=pack,
        env=_pack_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    elapsed = time.perf_counter() - started
    process.terminate()
    process.wait(timeout=10)
    process.stdout.close()
    if not line.strip().isdigit():
        raise RuntimeError(f"{pack} printed {line!r} instead of its port")
    return elapsed


def _start(pack: Path) -> AnalyzerClient:
    client = AnalyzerClient.start(pack, project=PROJECT, stack=STACK)
    client.configure(reconcile_policy_config(client.info()))
    client.configure_stack(project=PROJECT, stack=STACK)
    return client


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


Timing = tuple[float, float]  # (wall µs per resource, pack CPU µs per resource)


def _timed(client: AnalyzerClient, calls: Callable[[], object], count: int) -> Timing:
    pid = client.process.pid
    cpu = _cpu_seconds(pid)
    started = time.perf_counter()
    calls()
    wall = time.perf_counter() - started
    return wall / count * 1e6, (_cpu_seconds(pid) - cpu) / count * 1e6


def _analyze_each(
    client: AnalyzerClient, requests: Sequence[analyzer_pb2.AnalyzeRequest]
) -> Callable[[], Timing]:
    def calls() -> None:
        for request in requests:
            client.stub.Analyze(request, timeout=600)

    return lambda: _timed(client, calls, len(requests))


def _analyze_stack(
    client: AnalyzerClient, request: analyzer_pb2.AnalyzeStackRequest, count: int
) -> Callable[[], Timing]:
    return lambda: _timed(client, lambda: client.stub.AnalyzeStack(request, timeout=600), count)


def _figures(runs: dict[str, list[Timing]], index: int) -> dict[str, Any]:
    result: dict[str, Any] = {
        name: figure(r[index] for r in values) for name, values in runs.items()
    }
    result["ratio"] = ratio(result["thrifty-guard"], result["empty"])
    return result


def measure(specs: Sequence[ResourceSpec], count: int, rounds: int) -> dict[str, Any]:
    """The section's figures for ``count`` resources copied from ``specs``."""
    resources = copies(list(specs), count, rename_spec)
    requests = [analyze_request(spec) for spec in resources]
    stack_request = analyzer_pb2.AnalyzeStackRequest(
        resources=[analyzer_resource(spec) for spec in resources]
    )
    with ExitStack() as stack:
        clients = {name: stack.enter_context(_start(pack)) for name, pack in PACKS.items()}
        for client in clients.values():  # warm-up: first calls pay lazy imports and caches
            _analyze_each(client, requests[: min(200, len(requests))])()
            _analyze_stack(client, stack_request, count)()
        analyze = interleaved(
            {name: _analyze_each(client, requests) for name, client in clients.items()}, rounds
        )
        analyze_stack = interleaved(
            {
                name: _analyze_stack(client, stack_request, count)
                for name, client in clients.items()
            },
            rounds,
        )
    cold = interleaved(
        {name: (lambda pack=pack: cold_start_seconds(pack)) for name, pack in PACKS.items()},
        max(rounds, 5),
    )
    cold_figures: dict[str, Any] = {name: figure(v, 3) for name, v in cold.items()}
    cold_figures["ratio"] = ratio(cold_figures["thrifty-guard"], cold_figures["empty"])
    return {
        "resources": count,
        "resourceTypes": len({spec.type for spec in resources}),
        "analyzeUsPerResource": _figures(analyze, 0),
        "analyzeStackUsPerResource": _figures(analyze_stack, 0),
        "coldStartSeconds": cold_figures,
        "cpuUsPerResource": {
            "analyze": _figures(analyze, 1),
            "analyzeStack": _figures(analyze_stack, 1),
        },
    }


if __name__ == "__main__":  # a quick look at this section alone
    from common import recordable_stacks, reference_recordings, reference_specs

    stacks, _ = recordable_stacks()
    print(json.dumps(measure(reference_specs(reference_recordings(stacks)), 2000, 3), indent=2))
