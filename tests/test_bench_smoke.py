"""The benchmark still runs: ``bench/run.py --quick`` end to end, at tiny sizes, one round.

No timing is asserted (a test cannot know how busy the machine is): only that every section
ran and that the results it writes carry every figure the README and RESULTS.md are built from.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO_ROOT

FIGURE = {"median", "min", "max", "runs"}


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    out = tmp_path_factory.mktemp("bench")
    completed = subprocess.run(
        [sys.executable, str(REPO_ROOT / "bench" / "run.py"), "--quick", "--out", str(out)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    return json.loads((out / "results.json").read_text()), (out / "RESULTS.md").read_text()


def _figure(value: Any) -> None:
    assert isinstance(value, dict) and set(value) >= FIGURE, value
    assert value["min"] <= value["median"] <= value["max"]


def test_results_name_the_machine(results: tuple[dict[str, Any], str]) -> None:
    data, _ = results
    assert data["quick"] is True
    machine = data["machine"]
    assert machine["cpu"] and machine["cores"] >= 1 and machine["python"]
    assert {"pulumi", "pulumi-policy", "grpcio", "protobuf", "pydantic"} <= set(machine["packages"])
    assert data["stacks"]["used"]


def test_policy_section_has_both_packs(results: tuple[dict[str, Any], str]) -> None:
    policy = results[0]["policyOverhead"]
    assert policy["resources"] == 40 and policy["resourceTypes"] > 1
    for key in ("analyzeUsPerResource", "analyzeStackUsPerResource", "coldStartSeconds"):
        for pack in ("thrifty-guard", "empty"):
            _figure(policy[key][pack])
        assert policy[key]["ratio"] > 0
    for key in ("analyze", "analyzeStack"):
        for pack in ("thrifty-guard", "empty"):
            _figure(policy["cpuUsPerResource"][key][pack])


def test_component_section_compares_with_the_raw_floor(
    results: tuple[dict[str, Any], str],
) -> None:
    components = results[0]["componentOverhead"]
    assert components["customResources"] > 0
    assert components["replayedInputsMatch"] is True  # the floor registers the same resources
    for key in ("milliseconds", "cpuMilliseconds", "peakMiB"):
        _figure(components[key]["components"])
        _figure(components[key]["raw"])
        assert components[key]["ratio"] > 0


def test_scaling_section_has_two_sizes_beside_the_floor(
    results: tuple[dict[str, Any], str],
) -> None:
    scaling = results[0]["scaling"]
    small, large = scaling["sizes"].values()
    assert large["components"]["resources"] > small["components"]["resources"]
    for size in (small, large):
        assert size["raw"]["resources"] > 0
        for key in ("recordMsPerResource", "policyMsPerResource", "estimateMsPerResource"):
            _figure(size["components"][key])
        for key in ("totalMsPerResource", "recordPeakRssMiB", "packPeakRssMiB"):
            _figure(size["components"][key])
        _figure(size["raw"]["recordMsPerResource"])
        _figure(size["raw"]["recordPeakRssMiB"])
    assert set(scaling["growthPerResource"]) == {"components", "raw"}


def test_every_target_is_reported_with_the_results(results: tuple[dict[str, Any], str]) -> None:
    data, markdown = results
    assert len(data["targets"]) == 6
    for row in data["targets"]:
        assert {"target", "value", "limit", "met"} <= set(row)
        assert row["target"] in markdown
    for heading in ("## Targets", "## 1. Policy overhead", "## 2. Component overhead"):
        assert heading in markdown
    assert "## 3. Scaling" in markdown and "python bench/run.py" in markdown


def test_the_quick_run_writes_only_where_it_is_told(results: tuple[dict[str, Any], str]) -> None:
    # The committed results come from a full run; --out keeps the smoke test away from them.
    committed = REPO_ROOT / "bench" / "results.json"
    if committed.exists():
        assert json.loads(Path(committed).read_text())["quick"] is False
