"""What every benchmark section shares: figures as median/min/max, interleaved runs, the machine,
and the reference stacks' own recorded resources, copied to any count.

Timings on a shared machine are noisy, so a section never compares figures taken minutes
apart: it runs its subjects alternately (A, B, A, B ...) inside one loop and reports the ratio
of their medians beside the absolute figures.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import statistics
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

REPO_ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = REPO_ROOT / "bench"
#: The reference platform's stacks: every cloud, every environment.
REFERENCE_STACKS = ("dev", "staging", "production", "gcp-dev", "azure-dev")
PACKAGES = (
    "pulumi",
    "pulumi-policy",
    "pulumi-aws",
    "pulumi-gcp",
    "pulumi-azure-native",
    "pulumi-kubernetes",
    "grpcio",
    "protobuf",
    "pydantic",
)

T = TypeVar("T")


def figure(values: Iterable[float], digits: int = 1) -> dict[str, Any]:
    """``{"median", "min", "max", "runs"}`` of ``values``, rounded for reading."""
    data = list(values)
    return {
        "median": round(statistics.median(data), digits),
        "min": round(min(data), digits),
        "max": round(max(data), digits),
        "runs": len(data),
    }


def ratio(numerator: Mapping[str, Any], denominator: Mapping[str, Any]) -> float | None:
    """The ratio of two figures' medians (None when the denominator is too small to measure,
    as a CPU time under the clock's 10 ms tick can be at ``--quick`` sizes)."""
    if not denominator["median"]:
        return None
    return round(float(numerator["median"]) / float(denominator["median"]), 3)


def interleaved(subjects: Mapping[str, Callable[[], T]], rounds: int) -> dict[str, list[T]]:
    """Run every subject once per round, alternating, so drift in machine speed hits all alike.

    The order within a round rotates too, so no subject always runs right after another.
    """
    names = list(subjects)
    results: dict[str, list[T]] = {name: [] for name in names}
    for index in range(rounds):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            results[name].append(subjects[name]())
    return results


def cpu_model() -> str:
    """The CPU's model name as the kernel reports it (or what ``platform`` knows)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine(shared: bool) -> dict[str, Any]:
    """What the figures were measured on."""
    versions: dict[str, str] = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count() or 0,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "os": f"{platform.system()} {platform.release()}",
        "packages": versions,
        "sharedMachine": shared,
        "loadAverage": list(os.getloadavg()) if hasattr(os, "getloadavg") else [],
    }


def python() -> str:
    """The interpreter running the benchmark (packs and subprocesses use the same one)."""
    return sys.executable


# --- The reference stacks' resources, copied ------------------------------------------------


def _suffixed(urn: str, suffix: str) -> str:
    return urn + suffix if urn else urn


def copies(items: Sequence[T], count: int, rename: Callable[[T, str], T]) -> list[T]:
    """``count`` items: ``items`` over and over, each copy renamed with ``-<n>``."""
    if not items:
        raise ValueError("copies: nothing to copy")
    result: list[T] = []
    copy = 0
    while len(result) < count:
        suffix = f"-{copy}"
        for item in items:
            result.append(rename(item, suffix))
            if len(result) == count:
                break
        copy += 1
    return result


def rename_spec(spec: Any, suffix: str) -> Any:
    """A :class:`ResourceSpec` as another resource: URN, name, parent and dependencies renamed
    together, so a copy of a stack is a consistent stack of its own."""
    return replace(
        spec,
        name=spec.name + suffix,
        urn=_suffixed(spec.urn, suffix),
        parent=_suffixed(spec.parent, suffix),
        dependencies=tuple(_suffixed(urn, suffix) for urn in spec.dependencies),
        property_dependencies={
            key: tuple(_suffixed(urn, suffix) for urn in urns)
            for key, urns in spec.property_dependencies.items()
        },
    )


def recordable_stacks(limit: int | None = None) -> tuple[list[str], dict[str, str]]:
    """The reference stacks that record (the first ``limit`` of them), and why each other one
    does not: the benchmark measures what records and says what it left out."""
    from thrifty.offline.recording import record_stack

    ok: list[str] = []
    failed: dict[str, str] = {}
    for stack in REFERENCE_STACKS:
        if limit is not None and len(ok) >= limit:
            break
        try:
            record_stack(REPO_ROOT, stack)
        except Exception as error:
            failed[stack] = f"{type(error).__name__}: {str(error).splitlines()[0]}"
        else:
            ok.append(stack)
    return ok, failed


def reference_recordings(stacks: Sequence[str]) -> list[Any]:
    """Each stack recorded as ``pulumi preview`` would run it."""
    from thrifty.offline.recording import record_stack

    return [record_stack(REPO_ROOT, stack) for stack in stacks]


def reference_specs(recordings: Sequence[Any]) -> list[Any]:
    """Every recorded resource as the engine sends it to a pack (options, provider)."""
    from thrifty.offline.analyzer_client import resource_specs

    specs: list[Any] = []
    for recording in recordings:
        specs.extend(resource_specs(recording))
    return specs
