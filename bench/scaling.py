"""Scaling: record + policies + estimate of a generated program at two sizes, beside the floor.

The program (:mod:`generated`) composes many environments from the reference stacks' configs
(foundations, budgets, buckets, clusters with their node pools), sized to about 1,000 and
10,000 resources. Each measurement runs in a fresh process, so its peak RSS is its own:

- components: record the program (as ``thrifty plan`` does), run thrifty-guard over it as the
  engine would (Remediate and Analyze per resource, then AnalyzeStack; the pack is its own
  process, its peak RSS reported apart), estimate its cost;
- raw: record the same registrations replayed as raw SDK resources (:mod:`replay`): the floor.

Per size: seconds per resource of each phase, peak RSS, and how the time per resource grows
from the small size to the large one (1.0 is linear).
"""

from __future__ import annotations

import argparse
import json
import pickle
import resource
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from common import BENCH_DIR, REPO_ROOT, figure, interleaved, python

PROJECT, STACK = "bench", "scale"


def _rss_mib() -> float:
    """This process's resident memory now."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _peak_rss_mib(pid: int | None = None) -> float:
    """Peak resident memory of this process (or of ``pid``, read before it ends)."""
    if pid is None:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _record(program: Any) -> Any:
    from thrifty.offline.answers import OfflineMocks
    from thrifty.offline.recording import record_program

    return record_program(
        program,
        project=PROJECT,
        stack=STACK,
        mocks=OfflineMocks.from_config({}, preview=True, project_root=REPO_ROOT),
        root_directory=str(REPO_ROOT),
    )


def _components_child(stacks: Sequence[str], environments: int, save: Path) -> dict[str, Any]:
    import generated

    from thrifty.cost import estimate
    from thrifty.offline.analyzer_client import AnalyzerClient, analyze_specs, resource_specs
    from thrifty.offline.cost_step import cost_inputs
    from thrifty.offline.policy_step import bundled_pack_dir

    configs = generated.environment_configs(stacks)
    _record(generated.program(configs, len(configs)))  # warm-up: lazy SDK and module imports
    baseline = _rss_mib()
    started = time.perf_counter()
    recording = _record(generated.program(configs, environments))
    record_seconds = time.perf_counter() - started
    record_peak = _peak_rss_mib()
    save.write_bytes(pickle.dumps(recording))

    with AnalyzerClient.start(bundled_pack_dir(), project=PROJECT, stack=STACK) as client:
        started = time.perf_counter()
        analysis = analyze_specs(client, resource_specs(recording), project=PROJECT, stack=STACK)
        policy_seconds = time.perf_counter() - started
        pack_peak = _peak_rss_mib(client.process.pid)

    started = time.perf_counter()
    result = estimate(cost_inputs(recording))
    estimate_seconds = time.perf_counter() - started
    assert len(result.items) == len(recording) and analysis.info.name == "thrifty-guard"
    return {
        "resources": len(recording),
        "recordSeconds": record_seconds,
        "policySeconds": policy_seconds,
        "estimateSeconds": estimate_seconds,
        "baselineRssMiB": baseline,
        "recordPeakRssMiB": record_peak,
        "peakRssMiB": _peak_rss_mib(),
        "packPeakRssMiB": pack_peak,
    }


def _raw_child(load: Path) -> dict[str, Any]:
    from replay import replay_program, resource_class

    recording = pickle.loads(load.read_bytes())
    for type_token in {r.type for r in recording.resources if r.custom}:
        resource_class(type_token)  # warm-up: the SDKs import each module on first use
    program = replay_program(recording)
    baseline = _rss_mib()
    started = time.perf_counter()
    replayed = _record(program)
    record_seconds = time.perf_counter() - started
    return {
        "resources": len(replayed),
        "recordSeconds": record_seconds,
        "baselineRssMiB": baseline,
        "recordPeakRssMiB": _peak_rss_mib(),
    }


def _child(arguments: list[str]) -> dict[str, Any]:
    completed = subprocess.run(
        [python(), str(BENCH_DIR / "scaling.py"), *arguments],
        cwd=BENCH_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"scaling child {arguments} failed:\n{completed.stderr[-4000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def environments_for(stacks: Sequence[str], size: int) -> int:
    """How many environments make about ``size`` resources (measured on one round robin)."""
    import generated

    configs = generated.environment_configs(stacks)
    per_round = len(_record(generated.program(configs, len(configs))))
    return max(1, round(size / per_round * len(configs)))


def _summary(runs: list[dict[str, Any]], side: str) -> dict[str, Any]:
    count = runs[0]["resources"]
    phases = ["record"] + (["policy", "estimate"] if side == "components" else [])
    summary: dict[str, Any] = {"resources": count}
    total = [sum(run[f"{phase}Seconds"] for phase in phases) for run in runs]
    for phase in phases:
        per = [run[f"{phase}Seconds"] / count * 1e3 for run in runs]
        summary[f"{phase}MsPerResource"] = figure(per, 3)
    summary["totalMsPerResource"] = figure((t / count * 1e3 for t in total), 3)
    summary["totalSeconds"] = figure(total, 2)
    for key in ("recordPeakRssMiB", "peakRssMiB", "packPeakRssMiB", "baselineRssMiB"):
        if key in runs[0]:
            summary[key] = figure((run[key] for run in runs), 1)
    return summary


def measure(stacks: Sequence[str], sizes: Sequence[int], rounds: Sequence[int]) -> dict[str, Any]:
    """The section's figures: per size (run ``rounds[i]`` times), the components and the floor."""
    result: dict[str, Any] = {"stacks": list(stacks), "sizes": {}}
    with tempfile.TemporaryDirectory() as scratch:
        fewer = 0
        for size, size_rounds in zip(sizes, rounds, strict=True):
            # Strictly more environments for each larger size, however the sizes round.
            environments = fewer = max(environments_for(stacks, size), fewer + 1)
            saved = Path(scratch) / f"{size}.pickle"
            arguments = ["--stacks", ",".join(stacks), "--environments", str(environments)]

            def components(arguments: list[str] = arguments, saved: Path = saved) -> Any:
                return _child(["--side", "components", *arguments, "--save", str(saved)])

            def raw(saved: Path = saved) -> Any:
                if not saved.exists():
                    components()
                return _child(["--side", "raw", "--load", str(saved)])

            runs = interleaved({"components": components, "raw": raw}, size_rounds)
            result["sizes"][str(size)] = {
                "environments": environments,
                "components": _summary(runs["components"], "components"),
                "raw": _summary(runs["raw"], "raw"),
            }
    if len(sizes) >= 2:
        small, large = (result["sizes"][str(size)] for size in (sizes[0], sizes[-1]))
        growth: dict[str, float] = {}
        for side in ("components", "raw"):
            key = "totalMsPerResource"
            growth[side] = round(large[side][key]["median"] / small[side][key]["median"], 3)
        result["growthPerResource"] = growth
        result["timeRatioLargeToSmall"] = round(
            large["components"]["totalSeconds"]["median"]
            / small["components"]["totalSeconds"]["median"],
            2,
        )
        result["resourceRatioLargeToSmall"] = round(
            large["components"]["resources"] / small["components"]["resources"], 2
        )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description="One scaling measurement (run by bench/run.py).")
    parser.add_argument("--side", choices=("components", "raw"), required=True)
    parser.add_argument("--stacks", default="")
    parser.add_argument("--environments", type=int, default=1)
    parser.add_argument("--save", type=Path)
    parser.add_argument("--load", type=Path)
    args = parser.parse_args()
    if args.side == "components":
        figures = _components_child(args.stacks.split(","), args.environments, args.save)
    else:
        figures = _raw_child(args.load)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
