"""``thrifty rightsize`` end to end on the README's worked example (tests/fixtures/rightsize):
findings, savings from the estimator, the report formats, ``--write`` and what ``thrifty plan``
then says, refusals and exit codes.

The fixture project runs the reference program (``stacks/``); each test works on a copy in a
temporary directory so that ``--write`` never touches the repository.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO_ROOT
from tests.test_rightsize_rules import project_with
from thrifty.offline.cli import main
from thrifty.rightsize.command import Request, analyze
from thrifty.rightsize.inputs import InputFiles
from thrifty.rightsize.report import Result, render
from thrifty.rightsize.rules import Settings

FIXTURE = REPO_ROOT / "tests" / "fixtures" / "rightsize"
STACK_FILE = FIXTURE / "project" / "Pulumi.shop.yaml"
AS_OF = "2026-05-08T00:00:00Z"
PROMETHEUS = sorted((FIXTURE / "prometheus").glob("*.json"))


def input_flags() -> list[str]:
    flags = ["--vpa", str(FIXTURE / "vpa.json"), "--as-of", AS_OF]
    for path in PROMETHEUS:
        flags += ["--prometheus", str(path)]
    return flags


def copy_project(directory: Path, text: str | None = None) -> Path:
    return project_with(directory, text if text is not None else STACK_FILE.read_text())


def thrifty(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "thrifty.offline.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> Result:
    project = copy_project(tmp_path_factory.mktemp("shop"))
    request = Request(
        stack="shop",
        project_dir=project,
        files=InputFiles(vpa=[FIXTURE / "vpa.json"], prometheus=PROMETHEUS),
        settings=Settings(),
        as_of=datetime(2026, 5, 8, tzinfo=timezone.utc),
    )
    return analyze(request, lambda message: None)


def by_name(result: Result) -> dict[str, Any]:
    return {finding.name: finding for finding in result.recommendations.findings}


def test_the_worked_example_findings(result: Result) -> None:
    findings = by_name(result)
    assert {name: f.verdict for name, f in findings.items()} == {
        "ml/churn-predictor": "change",
        "ml/feature-api": "change",
        "ml/scorer": "change",
        "ml/reports": "too-little-data",
        "spot": "change",
        "system": "change",
    }
    assert "window 3d is shorter than 7d" in findings["ml/reports"].reason
    assert "throttled in 35% of CFS periods" in findings["ml/scorer"].reason
    assert "OOM-killed" in findings["ml/scorer"].reason


def test_savings_come_from_the_estimator(result: Result) -> None:
    # The README's table: 308.97 now, 135.19 with every change (baseline, USD a month).
    assert result.before == pytest.approx((308.97, 418.66), abs=0.01)
    assert result.after is not None and result.after.cost is not None
    assert result.after.cost == pytest.approx((135.19, 256.23), abs=0.01)
    assert result.saving == pytest.approx((173.77, 162.43), abs=0.01)
    findings = by_name(result)
    assert findings["ml/churn-predictor"].saving == pytest.approx((117.98, 0.0), abs=0.01)
    assert findings["system"].saving == pytest.approx((60.74, 60.74), abs=0.01)
    assert findings["spot"].saving == pytest.approx((21.42, 101.69), abs=0.01)
    assert findings["ml/scorer"].saving == pytest.approx((0.0, 0.0), abs=0.01)
    assert findings["ml/reports"].saving is None


def test_the_changed_stack_is_checked(result: Result) -> None:
    after = result.after
    assert after is not None and after.problems == [] and after.error is None
    assert after.policies is not None
    assert after.policies.lines[0].startswith("pack thrifty-guard")
    assert not after.policies.failed, after.policies.lines
    assert not result.failed


def test_the_table_shows_evidence_changes_and_the_diff(result: Result) -> None:
    table = render(result, "table")
    assert "[CHANGE] workload ml/churn-predictor: cpu oversized: p95 150m is 8% of request" in table
    assert "saves 117.98 .. 0.00 USD/month (baseline .. ceiling)" in table
    assert (
        "evidence: cpu: 150m (p95 of 169 samples) = 8% of request 1900m (oversized below 30%), "
        "8% of limit 2; window 7d, 169 samples [cpu.json data.result[0]]"
    ) in table
    assert (
        "change: thrifty:workloads.churn-predictor.resources.requests.cpu: 1900m -> 173m" in table
    )
    assert "[TOO LITTLE DATA] workload ml/reports" in table
    assert "with every change: 135.19 .. 256.23; saves 173.77 .. 162.43 a month" in table
    assert "config validation: passed" in table
    assert "-        requests: {cpu: 1900m, memory: 2Gi}" in table
    assert "not written: add --write to apply it to Pulumi.shop.yaml" in table


def test_markdown_and_json(result: Result) -> None:
    markdown = render(result, "markdown")
    assert "| CHANGE | workload `ml/churn-predictor` | 117.98 .. 0.00 |" in markdown
    assert "```diff\n--- a/Pulumi.shop.yaml" in markdown
    document = json.loads(render(result, "json"))
    assert document["cost"]["saving"] == {"baseline": 173.77, "ceiling": 162.43}
    churn = next(f for f in document["findings"] if f["name"] == "ml/churn-predictor")
    assert churn["changes"][0] == {
        "key": "thrifty:workloads",
        "path": ["churn-predictor", "resources", "requests", "cpu"],
        "location": "thrifty:workloads.churn-predictor.resources.requests.cpu",
        "old": "1900m",
        "new": "173m",
    }
    assert churn["evidence"][0]["window"] == "window 7d, 169 samples"
    assert document["checks"]["config"] == {"passed": True, "problems": []}
    assert document["written"] is False


def test_write_then_thrifty_plan_estimates_the_reported_saving(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "shop")
    before = (project / "Pulumi.shop.yaml").read_text()
    run = thrifty(
        "rightsize", "--stack", "shop", "-f", "json", "--write", *input_flags(), cwd=project
    )
    assert run.returncode == 0, run.stderr + run.stdout
    report = json.loads(run.stdout)
    assert report["written"] is True
    written = (project / "Pulumi.shop.yaml").read_text()
    assert (
        written != before and "# The model server: sized for a launch that never came." in written
    )
    plan = thrifty("plan", "--stack", "shop", "-f", "json", cwd=project)
    assert plan.returncode == 0, plan.stderr  # config valid, no mandatory finding, in budget
    total = json.loads(plan.stdout)["cost"]["total"]
    expected = report["cost"]["before"]["baseline"] - report["cost"]["saving"]["baseline"]
    assert total["baseline"] == pytest.approx(expected, abs=0.011)
    assert total["baseline"] == pytest.approx(report["cost"]["after"]["baseline"], abs=0.005)


def test_vpa_quantities_are_shown_in_the_report_units(result: Result) -> None:
    table = render(result, "table")
    assert (
        "evidence: VPA: target cpu 163m, memory 650Mi (bounds cpu 98m..412m, memory 563Mi..850Mi)"
    ) in table
    assert "p90: VPA uncappedTarget 46Mi / 1.15" in table
    for raw in ("681574400", "589824k", "262144k", "48234496"):
        assert raw not in table


def _typed(directory: Path, instance_types: dict[str, str]) -> list[Path]:
    """The fixture's node files with each pool's series saying the instance type measured."""
    paths = []
    for name in ("node-cpu.json", "node-memory.json"):
        document = json.loads((FIXTURE / "prometheus" / name).read_text())
        for series in document["data"]["result"]:
            pool = series["metric"]["label_thrifty_io_pool"]
            series["metric"]["label_node_kubernetes_io_instance_type"] = instance_types[pool]
        path = directory / name
        path.write_text(json.dumps(document))
        paths.append(path)
    return paths


def test_a_rerun_after_write_does_not_shrink_a_pool_again(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "shop")
    measured = _typed(tmp_path, {"system": "t3.large", "spot": "m5.xlarge"})
    files = [FIXTURE / "prometheus" / name for name in ("cpu.json", "memory.json")]
    flags = ["--vpa", str(FIXTURE / "vpa.json"), "--as-of", AS_OF]
    for path in [*files, *measured]:
        flags += ["--prometheus", str(path)]
    first = thrifty("rightsize", "--stack", "shop", "-f", "json", "--write", *flags, cwd=project)
    assert first.returncode == 0, first.stderr + first.stdout
    pools = {f["name"]: f for f in json.loads(first.stdout)["findings"] if f["kind"] == "pool"}
    assert pools["system"]["verdict"] == "change"
    assert {e["subject"]: e["measured"] for e in pools["system"]["evidence"]}[
        "measured on"
    ] == "t3.large"
    again = thrifty("rightsize", "--stack", "shop", "-f", "json", *flags, cwd=project)
    assert again.returncode == 0, again.stderr + again.stdout
    pools = {f["name"]: f for f in json.loads(again.stdout)["findings"] if f["kind"] == "pool"}
    assert pools["system"]["verdict"] == "too-little-data"
    assert pools["system"]["reason"] == (
        "measured on t3.large, the stack now says t3.medium, t3a.medium: measure again"
    )
    assert pools["system"]["changes"] == []
    assert pools["spot"]["reason"].startswith("measured on m5.xlarge, the stack now says m5.large")


def test_a_change_that_fails_validation_is_not_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = yaml.safe_load(STACK_FILE.read_text())
    config = document["config"]
    # scorer's OOM-killed limit must grow to 1230Mi; a 1Gi LimitRange maximum refuses it
    # (churn-predictor's limits come down to fit that maximum today).
    config["thrifty:namespaces"]["ml"]["limitRange"] = {"max": {"cpu": "2", "memory": "1Gi"}}
    config["thrifty:workloads"]["churn-predictor"]["resources"] = {
        "requests": {"cpu": "1900m", "memory": "1Gi"},
        "limits": {"cpu": "2", "memory": "1Gi"},
    }
    project = copy_project(tmp_path, yaml.safe_dump(document, sort_keys=False))
    text = (project / "Pulumi.shop.yaml").read_text()
    code = main(["rightsize", "--stack", "shop", "-C", str(project), "--write", *input_flags()])
    out = capsys.readouterr().out
    assert code == 1
    assert "config validation FAILED:" in out
    assert (
        "workloads.scorer.resources.limits.memory: '1230Mi' is above limitRange.max.memory '1Gi' "
        "of namespace 'ml'"
    ) in out
    assert "not written: the changed stack does not pass the checks above" in out
    assert (project / "Pulumi.shop.yaml").read_text() == text


def test_bad_input_exits_2_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = copy_project(tmp_path / "shop")
    broken = tmp_path / "cpu.json"
    shutil.copy(PROMETHEUS[0], broken)
    broken.write_text(broken.read_text().replace('"0.04"', "0.04", 1))
    code = main(["rightsize", "--stack", "shop", "-C", str(project), "--prometheus", str(broken)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"thrifty rightsize: {broken}: data.result[0].values[0]: expected [<unix time>" in err
    assert main(["rightsize", "--stack", "shop", "-C", str(project)]) == 2
    assert "give at least one utilization file" in capsys.readouterr().err
    assert main(["rightsize", "--stack", "nope", "-C", str(project), "--csv", str(broken)]) == 2
    assert "unknown stack 'nope'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["rightsize", "--stack", "shop", "--cpu-threshold", "lots", "--csv", str(broken)])
    assert exit_info.value.code == 2
    assert "'lots' is not a percentage" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["rightsize", "--stack", "shop", "--cpu-floor", "0", "--csv", str(broken)])
    assert "'0': a floor must be more than 0" in capsys.readouterr().err
