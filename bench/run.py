"""thrifty's benchmark: one command, three sections, results written beside it.

    python bench/run.py            # the full run (several minutes on 2 cores)
    python bench/run.py --quick    # tiny sizes, one round: checks that it all still runs
    python bench/run.py --render   # RESULTS.md again from results.json (after editing analysis.md)

1. Policy overhead (:mod:`policy_overhead`): thrifty-guard against an empty pack, over gRPC.
2. Component overhead (:mod:`component_overhead`): the reference stacks through the
   components against the same registrations as raw SDK resources.
3. Scaling (:mod:`scaling`): record + policies + estimate at about 1,000 and 10,000 resources,
   beside the raw floor.

Writes ``bench/results.json`` (every figure: median, min, max, runs) and ``bench/RESULTS.md``
(the tables, the targets, the machine, then ``bench/analysis.md``: what the profiles showed).
Subjects are always measured alternately in one run, so the ratios hold on a busy machine even
when the absolute figures do not; ``--shared`` says so in the results.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import component_overhead
import policy_overhead
import scaling
from common import BENCH_DIR, machine, recordable_stacks, reference_recordings, reference_specs


class Plan:
    """What one run measures, and how many times."""

    def __init__(self, quick: bool, rounds: int | None) -> None:
        self.quick = quick
        self.rounds = rounds or (1 if quick else 5)
        # The component section times and then traces each side (the traced run is slow).
        self.component_rounds = rounds or (1 if quick else 3)
        self.policy_resources = 40 if quick else 2000
        self.stack_limit = 1 if quick else None
        self.scaling_sizes = (40, 120) if quick else (1000, 10_000)
        # A 10,000-resource run records for minutes on 2 cores (the SDK floor alone is several
        # ms per resource): the large size runs twice, the small one three times.
        self.scaling_rounds = (1, 1) if quick else (min(self.rounds, 3), min(self.rounds, 2))


def _section(name: str, run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    print(f"[bench] {name} ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    result = run()
    result["sectionSeconds"] = round(time.perf_counter() - started, 1)
    print(f"[bench] {name}: {result['sectionSeconds']} s", file=sys.stderr, flush=True)
    return result


def _targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target of issue 13 with the measured value and whether it is met."""
    policy = results["policyOverhead"]
    components = results["componentOverhead"]
    growth = results["scaling"].get("growthPerResource", {}).get("components")
    rows = [
        ("Analyze: thrifty-guard / empty pack", policy["analyzeUsPerResource"]["ratio"], 1.10),
        (
            "AnalyzeStack: thrifty-guard / empty pack",
            policy["analyzeStackUsPerResource"]["ratio"],
            1.10,
        ),
        (
            "Cold start of thrifty-guard (s)",
            policy["coldStartSeconds"]["thrifty-guard"]["median"],
            0.3,
        ),
        ("Components / raw SDK: time", components["milliseconds"]["ratio"], 1.15),
        ("Components / raw SDK: peak memory", components["peakMiB"]["ratio"], 1.2),
        ("Time per resource, large / small size (10,000 vs 1,000: <= 1.05)", growth, 1.05),
    ]
    return [
        {
            "target": name,
            "value": value,
            "limit": limit,
            "met": value is not None and value <= limit,
        }
        for name, value, limit in rows
    ]


# --- RESULTS.md ----------------------------------------------------------------------------------


def _f(figure: dict[str, Any], unit: str = "") -> str:
    return f"{figure['median']:,}{unit} ({figure['min']:,}-{figure['max']:,})"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def summary_table(results: dict[str, Any]) -> list[str]:
    """The targets table (also the README's Performance table)."""
    rows = [
        [row["target"], f"{row['value']}", f"<= {row['limit']}", "yes" if row["met"] else "**no**"]
        for row in results["targets"]
    ]
    return _table(["Measure", "Measured", "Target", "Met"], rows)


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    policy = results["policyOverhead"]
    comp = results["componentOverhead"]
    scale = results["scaling"]
    lines = [
        "# Benchmark results",
        "",
        f"Written by `python bench/run.py{' --quick' if results['quick'] else ''}` on "
        f"{results['generated']} ({results['seconds']:.0f} s). Each figure: median (min-max) of "
        "the runs shown; the subjects of a section ran alternately in one process or script.",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['implementation']} {m['python']}, "
        f"{m['os']}; " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()) + ".",
        "",
    ]
    if m["sharedMachine"]:
        lines += [
            f"**Measured on a shared machine** (load average {m['loadAverage'][0]:.1f} at the "
            f"start on {m['cores']} cores): absolute times are inflated and noisy; the ratios, "
            "measured alternately, are the figures to read.",
            "",
        ]
    if results["stacks"]["failed"]:
        lines += ["Reference stacks left out because they did not record:", ""]
        lines += [f"- `{name}`: {why}" for name, why in results["stacks"]["failed"].items()]
        lines += [""]
    lines += ["## Targets", "", *summary_table(results)]

    lines += [
        "## 1. Policy overhead",
        "",
        f"{policy['resources']:,} recorded resources of {policy['resourceTypes']} types from the "
        f"reference stacks ({', '.join(results['stacks']['used'])}), sent as the engine sends "
        "them (options and provider set) to each pack started as the CLI starts it.",
        "",
    ]
    packs = ("thrifty-guard", "empty")
    rows = []
    for key, label, unit in (
        ("analyzeUsPerResource", "Analyze, one call per resource", " µs"),
        ("analyzeStackUsPerResource", "AnalyzeStack over the whole set, per resource", " µs"),
        ("coldStartSeconds", "Cold start: process start to port printed", " s"),
    ):
        figures = policy[key]
        rows.append([label, *(_f(figures[p], unit) for p in packs), f"{figures['ratio']}x"])
    lines += _table(["", "thrifty-guard", "empty pack", "ratio"], rows)
    if "cpuUsPerResource" in policy:
        cpu = policy["cpuUsPerResource"]
        rows = [
            [label, *(_f(cpu[key][p], " µs") for p in packs), f"{cpu[key]['ratio']}x"]
            for key, label in (("analyze", "Analyze"), ("analyzeStack", "AnalyzeStack"))
        ]
        lines += ["CPU time of the pack process itself, per resource:", ""]
        lines += _table(["", "thrifty-guard", "empty pack", "ratio"], rows)

    lines += [
        "## 2. Component overhead",
        "",
        f"The reference stacks {', '.join(comp['stacks'])} ({comp['resources']} resources, "
        f"{comp['customResources']} of them custom) recorded through the components, against the "
        "same custom resources replayed through the provider SDKs' own classes "
        f"(replayed inputs equal to the recorded ones: {comp['replayedInputsMatch']}).",
        "",
    ]
    rows = [
        [
            "Recording time (ms, all stacks)",
            _f(comp["milliseconds"]["components"]),
            _f(comp["milliseconds"]["raw"]),
            f"{comp['milliseconds']['ratio']}x",
        ],
        [
            "Peak memory allocated (MiB, tracemalloc)",
            _f(comp["peakMiB"]["components"]),
            _f(comp["peakMiB"]["raw"]),
            f"{comp['peakMiB']['ratio']}x",
        ],
    ]
    if "cpuMilliseconds" in comp:
        rows.insert(
            1,
            [
                "Recording CPU time (ms)",
                _f(comp["cpuMilliseconds"]["components"]),
                _f(comp["cpuMilliseconds"]["raw"]),
                f"{comp['cpuMilliseconds']['ratio']}x",
            ],
        )
    lines += _table(["", "components", "raw SDK", "ratio"], rows)

    lines += [
        "## 3. Scaling",
        "",
        "A generated program of many environments, each the reference program's composition "
        "(`stacks/platform_<cloud>.py`) for one reference stack's config, round robin: "
        "networks, foundations, budgets, buckets, clusters and their node pools, workloads, "
        "monitoring. Each run in a fresh process; record + policies (Remediate and Analyze per "
        "resource, then AnalyzeStack) + estimate, beside the same registrations replayed as raw "
        "SDK resources.",
        "",
    ]
    rows = []
    for sides in scale["sizes"].values():
        c, r = sides["components"], sides["raw"]
        rows.append(
            [
                f"{c['resources']:,} ({sides['environments']} envs)",
                _f(c["recordMsPerResource"]),
                _f(c["policyMsPerResource"]),
                _f(c["estimateMsPerResource"]),
                _f(c["totalMsPerResource"]),
                _f(r["recordMsPerResource"]),
                _f(c["recordPeakRssMiB"]),
                _f(r["recordPeakRssMiB"]),
                _f(c["packPeakRssMiB"]),
            ]
        )
    lines += _table(
        [
            "Resources",
            "record ms/res",
            "policies ms/res",
            "estimate ms/res",
            "total ms/res",
            "raw record ms/res",
            "peak RSS MiB",
            "raw peak RSS MiB",
            "pack peak RSS MiB",
        ],
        rows,
    )
    if "growthPerResource" in scale:
        g = scale["growthPerResource"]
        lines += [
            f"Large / small: {scale['timeRatioLargeToSmall']}x the time for "
            f"{scale['resourceRatioLargeToSmall']}x the resources; time per resource grew "
            f"{g['components']}x with the components and {g['raw']}x on the raw floor "
            "(1.0 is linear).",
            "",
        ]
    lines += [
        "## How to rerun",
        "",
        "```bash",
        "python bench/run.py          # full",
        "python bench/run.py --quick  # smoke",
        "```",
        "",
    ]
    analysis = BENCH_DIR / "analysis.md"
    if analysis.is_file():
        lines += [analysis.read_text().rstrip(), ""]
    return "\n".join(lines)


# --- Entry point ----------------------------------------------------------------------------------


def run(plan: Plan, shared: bool) -> dict[str, Any]:
    started = time.perf_counter()
    info = machine(shared)
    stacks, failed = recordable_stacks(plan.stack_limit)
    if not stacks:
        raise SystemExit(f"no reference stack records: {failed}")
    results: dict[str, Any] = {
        "generated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "quick": plan.quick,
        "rounds": plan.rounds,
        "machine": info,
        "stacks": {"used": stacks, "failed": failed},
    }
    specs = reference_specs(reference_recordings(stacks))
    results["policyOverhead"] = _section(
        "policy overhead",
        lambda: policy_overhead.measure(specs, plan.policy_resources, plan.rounds),
    )
    results["componentOverhead"] = _section(
        "component overhead", lambda: component_overhead.measure(stacks, plan.component_rounds)
    )
    results["scaling"] = _section(
        "scaling",
        lambda: scaling.measure(stacks, plan.scaling_sizes, plan.scaling_rounds),
    )
    results["targets"] = _targets(results)
    results["seconds"] = round(time.perf_counter() - started, 1)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one round (smoke)")
    parser.add_argument("--rounds", type=int, default=None, help="runs per figure")
    parser.add_argument("--out", type=Path, default=BENCH_DIR, help="where to write results")
    parser.add_argument(
        "--shared", action="store_true", help="note that other work shared the machine"
    )
    parser.add_argument(
        "--render", action="store_true", help="only rewrite RESULTS.md from results.json"
    )
    args = parser.parse_args()
    if args.render:
        results = json.loads((args.out / "results.json").read_text())
        (args.out / "RESULTS.md").write_text(markdown(results))
        return
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    shared = args.shared or load > (os.cpu_count() or 1) * 0.5
    results = run(Plan(args.quick, args.rounds), shared)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (args.out / "RESULTS.md").write_text(markdown(results))
    print("\n".join(summary_table(results)))


if __name__ == "__main__":
    main()
