"""Component overhead: the reference stacks recorded through thrifty's components, against the
very same registrations replayed as raw SDK resources (:mod:`replay`).

Both sides run under the same recording engine (:mod:`thrifty.offline.recording`), with the same
offline mocks, config, project and stack, in this one process, alternately. The components'
side is ``record_stack`` as ``thrifty plan`` runs it: the stack file read and validated, the
program run, every component and child registered. The floor registers the same custom
resources (same types, names, inputs, providers, options) with nothing of thrifty's in
between. Time is measured in an untraced run; peak memory (``tracemalloc``: what the recording
allocated, imports excluded) in a separate traced run of the same work.
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from collections.abc import Callable, Sequence
from typing import Any

from common import REPO_ROOT, figure, interleaved, ratio
from replay import replay_program

from thrifty.offline.answers import OfflineMocks
from thrifty.offline.recording import Recording, record_program, record_stack


def _components(stacks: Sequence[str]) -> Callable[[], list[Recording]]:
    def run() -> list[Recording]:
        return [record_stack(REPO_ROOT, stack) for stack in stacks]

    return run


def _raw(recordings: Sequence[Recording]) -> Callable[[], list[Recording]]:
    programs = [(recording, replay_program(recording)) for recording in recordings]

    def run() -> list[Recording]:
        return [
            record_program(
                program,
                project=recording.project,
                stack=recording.stack,
                config=recording.config,
                mocks=OfflineMocks.from_config(
                    recording.config, preview=True, project_root=REPO_ROOT
                ),
                root_directory=str(REPO_ROOT),
            )
            for recording, program in programs
        ]

    return run


Run = tuple[float, float, float]  # (wall ms, CPU ms, peak MiB allocated)


def _timed_and_traced(run: Callable[[], list[Recording]]) -> Callable[[], Run]:
    """One ``run`` timed untraced (wall and CPU time), then the same work traced for memory."""

    def measure() -> Run:
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        run()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        gc.collect()
        tracemalloc.start()
        try:
            run()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        return wall * 1000, cpu * 1000, peak / 2**20

    return measure


def _same_registrations(recorded: Sequence[Recording], replayed: Sequence[Recording]) -> bool:
    """The floor registered exactly the custom resources the components did, same inputs."""

    def registrations(recordings: Sequence[Recording]) -> dict[tuple[str, str, str], Any]:
        return {
            (recording.stack, r.type, r.name): r.inputs
            for recording in recordings
            for r in recording.resources
            if r.custom
        }

    return registrations(recorded) == registrations(replayed)


def _figures(runs: dict[str, list[Run]], index: int, digits: int) -> dict[str, Any]:
    result: dict[str, Any] = {
        name: figure((run[index] for run in values), digits) for name, values in runs.items()
    }
    result["ratio"] = ratio(result["components"], result["raw"])
    return result


def measure(stacks: Sequence[str], rounds: int) -> dict[str, Any]:
    """The section's figures over ``stacks``."""
    recordings = _components(stacks)()  # warm-up: imports, SDK modules, catalog
    raw = _raw(recordings)
    faithful = _same_registrations(recordings, raw())
    runs = interleaved(
        {
            "components": _timed_and_traced(_components(stacks)),
            "raw": _timed_and_traced(raw),
        },
        rounds,
    )
    custom = sum(1 for recording in recordings for r in recording.resources if r.custom)
    result: dict[str, Any] = {
        "stacks": list(stacks),
        "resources": sum(len(recording) for recording in recordings),
        "customResources": custom,
        "replayedInputsMatch": faithful,
        "milliseconds": _figures(runs, 0, 1),
        "cpuMilliseconds": _figures(runs, 1, 1),
        "peakMiB": _figures(runs, 2, 2),
    }
    return result
