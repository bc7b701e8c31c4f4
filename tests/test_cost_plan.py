"""The cost estimate inside ``thrifty plan``: totals, budget gate, formats, usage, comparison.

Each test runs the real command (a subprocess, from another working directory) or the real
plan pipeline, and checks figures re-derived by hand from the catalog.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.conftest import REPO_ROOT
from thrifty.cost import CostInput
from thrifty.cost import catalog as cat
from thrifty.cost.budget import budget_figures, stack_budget
from thrifty.offline.analyzer_client import analyze_recording
from thrifty.offline.compare import CompareError, compare, load_previous
from thrifty.offline.html_report import bar_chart
from thrifty.offline.policy_step import bundled_pack_dir
from thrifty.offline.recording import record_stack
from thrifty.offline.report import json_schema

OVER_BUDGET = REPO_ROOT / "tests" / "fixtures" / "over_budget"
HOURS = 730


def thrifty_plan(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "thrifty.offline.cli", "plan", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def production_json(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    cwd = tmp_path_factory.mktemp("elsewhere")
    run = thrifty_plan(
        "--stack", "production", "--project-dir", str(REPO_ROOT), "--format", "json", cwd=cwd
    )
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""  # not a terminal: no progress lines in CI logs
    document: dict[str, Any] = json.loads(run.stdout)
    return document


def _pool_baseline(pool: dict[str, Any]) -> float:
    """A pool at its minimum: nodes x first type's on-demand price x 730 h + nodes x disk."""
    if pool["minSize"] == 0:
        return 0.0
    node = cat.instance_type("aws", pool["instanceTypes"][0])
    assert node is not None and node.on_demand_hourly is not None
    disk = cat.disk_price("aws", "gp3")
    assert disk is not None
    nodes = pool["minSize"]
    return float(
        nodes * node.on_demand_hourly * HOURS + nodes * pool["diskGib"] * disk.price_per_gb_month
    )


def test_production_node_pools_re_derive_from_the_catalog(production_json: dict[str, Any]) -> None:
    """The README's derivation: every figure from the stack file and the catalog by hand."""
    stack = yaml.safe_load((REPO_ROOT / "stacks" / "Pulumi.production.yaml").read_text())
    cluster = stack["config"]["thrifty:cluster"]
    pools = [cluster["systemPool"], *cluster["onDemandPools"], *cluster["spotPools"]]
    cost = production_json["cost"]
    by_name = {entry["name"]: entry for entry in cost["resources"].values()}
    for pool in pools:
        entry = by_name[f"cluster-{pool['name']}"]
        assert entry["status"] == "priced"
        assert entry["monthlyCost"]["baseline"] == pytest.approx(_pool_baseline(pool), abs=0.01)
    # system 3 x 0.096 x 730 + 3 x 50 x 0.08 = 222.24; base 3 x 0.384 x 730 + 3 x 100 x 0.08
    # = 864.96; spot 0 at its minimum of 0; the control plane 0.10 x 730 = 73.00.
    assert by_name["cluster-system"]["monthlyCost"]["baseline"] == pytest.approx(222.24)
    assert by_name["cluster-base"]["monthlyCost"]["baseline"] == pytest.approx(864.96)
    assert by_name["cluster-spot"]["monthlyCost"]["baseline"] == 0.0
    control = cat.control_plane_hourly("aws")
    assert control is not None
    assert by_name["cluster-eks"]["monthlyCost"]["baseline"] == pytest.approx(control * HOURS)
    # The network: one NAT gateway per zone, each with its Elastic IP, 730 h each:
    # 3 x 0.045 x 730 = 98.55 and 3 x 0.005 x 730 = 10.95 (its data processed needs usage).
    zones = stack["config"]["thrifty:network"]["zones"]
    nat, ipv4 = cat.pricing("aws").nat_gateway, cat.pricing("aws").public_ipv4
    assert nat is not None and ipv4 is not None
    in_use = ipv4.kinds["in_use"].hourly
    assert nat.hourly is not None and in_use is not None
    network = zones * (nat.hourly + in_use) * HOURS
    assert network == pytest.approx(98.55 + 10.95)
    assert cost["total"]["baseline"] == pytest.approx(222.24 + 864.96 + 73.00 + network)


def test_production_json_carries_the_contract(production_json: dict[str, Any]) -> None:
    jsonschema.validate(production_json, json_schema())
    cost = production_json["cost"]
    assert cost["currency"] == "USD"
    assert cost["budget"]["monthly"] == 5000.0  # the stack's own monthly AWS budget
    assert cost["budget"]["source"] == "budget resource budget-monthly"
    assert cost["budget"]["exceeded"] is False
    total = cost["total"]
    assert cost["budget"]["headroom"]["baseline"] == pytest.approx(5000.0 - total["baseline"])
    # Chargeback: every priced resource carries team ml-team, so the team holds the whole total.
    assert cost["byTag"]["team"]["ml-team"] == pytest.approx(total)
    assert cost["byTag"]["cost-center"]["engineering"] == pytest.approx(total)
    # Buckets need usage, and are listed, never silently zero.
    unpriced = {entry["name"]: entry for entry in cost["unpriced"]}
    assert unpriced["data-lake"]["status"] == "needs-usage"
    assert "storageGb" in unpriced["data-lake"]["usageKeys"]

    def nodes(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for entry in entries:
            found.append(entry)
            found += nodes(entry.get("children", []))
        return found

    costed = [node for node in nodes(production_json["resources"]) if "monthlyCost" in node]
    assert {node["urn"] for node in costed} == set(cost["resources"])
    assert "Cost" in production_json["sections"]
    assert "data" not in production_json["sections"]["Cost"]


def test_over_budget_fails_the_plan_and_the_pack_says_the_same(tmp_path: Path) -> None:
    """Two m5.4xlarge (2 x 0.768 x 730 + 2 x 8 GB x 0.08 = 1,122.56) against a 100 USD budget."""
    run = thrifty_plan(
        "--stack", "dev", "--project-dir", str(OVER_BUDGET), "-f", "json", cwd=tmp_path
    )
    assert run.returncode == 1, run.stderr
    document = json.loads(run.stdout)
    assert document["cost"]["total"]["baseline"] == pytest.approx(2 * 0.768 * 730 + 2 * 8 * 0.08)
    assert document["cost"]["budget"]["exceeded"] is True
    assert document["sections"]["Cost"]["failed"] is True
    findings = document["sections"]["Policies"]["data"]["findings"]
    gate = [f for f in findings if f["policy"] == "monthly-cost-within-budget"]
    assert len(gate) == 1 and gate[0]["level"] == "mandatory"
    assert "1,122.56 USD exceeds the budget 100.00 USD" in gate[0]["message"]
    # The same finding straight from the pack over gRPC, as `pulumi preview` would get it.
    recording = record_stack(OVER_BUDGET, "dev")
    analysis = analyze_recording(recording, bundled_pack_dir(), stack_config=recording.config)
    direct = [v for v in analysis.mandatory if v.policy_name == "monthly-cost-within-budget"]
    assert [v.detail for v in direct] == [gate[0]["message"]]


def test_budget_flag_holds_a_stack_to_a_smaller_budget(tmp_path: Path) -> None:
    run = thrifty_plan(
        "--stack", "production", "--project-dir", str(REPO_ROOT), "--budget", "500",
        "--no-policies", cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 1
    assert "OVER BUDGET: baseline 1,269.70 > 500.00" in run.stdout
    bad = thrifty_plan(
        "--stack", "dev", "--project-dir", str(REPO_ROOT), "--budget", "-3", cwd=tmp_path
    )
    assert bad.returncode == 2
    assert "the budget must be a positive amount" in bad.stderr


def test_usage_file_prices_buckets_and_a_typo_is_refused(tmp_path: Path) -> None:
    usage = tmp_path / "usage.yaml"
    usage.write_text("resources:\n  model-artifacts:\n    storageGb: 1000\n")
    run = thrifty_plan(
        "--stack", "production", "--project-dir", str(REPO_ROOT), "--usage", str(usage),
        "--no-policies", "-f", "json", cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    cost = json.loads(run.stdout)["cost"]
    artifacts = next(e for e in cost["resources"].values() if e["name"] == "model-artifacts")
    assert artifacts["status"] == "priced"
    assert artifacts["monthlyCost"]["baseline"] > 0
    assert "model-artifacts" not in {entry["name"] for entry in cost["unpriced"]}
    typo = tmp_path / "typo.yaml"
    typo.write_text("resources:\n  model-artifacts:\n    storageGB: 1000\n")
    refused = thrifty_plan(
        "--stack", "production", "--project-dir", str(REPO_ROOT), "--usage", str(typo),
        cwd=tmp_path,
    )  # fmt: skip
    assert refused.returncode == 2
    assert "storageGB" in refused.stderr and str(typo) in refused.stderr


def test_compare_to_shows_the_change_per_resource_and_in_total(
    tmp_path: Path, production_json: dict[str, Any]
) -> None:
    base = json.loads(json.dumps(production_json))
    entry = next(e for e in base["cost"]["resources"].values() if e["name"] == "cluster-base")
    entry["monthlyCost"] = {"baseline": 500.0, "ceiling": 1500.0}
    gone = "urn:pulumi:production::thrifty-platform::aws:ec2/instance:Instance::retired"
    base["cost"]["resources"][gone] = {
        "type": "aws:ec2/instance:Instance", "name": "retired",
        "monthlyCost": {"baseline": 70.08, "ceiling": 70.08},
    }  # fmt: skip
    base["cost"]["total"]["baseline"] -= 864.96 - 500.0 - 70.08
    old = tmp_path / "base.json"
    old.write_text(json.dumps(base))
    run = thrifty_plan(
        "--stack", "production", "--project-dir", str(REPO_ROOT), "--compare-to", str(old),
        "--no-policies", "-f", "json", cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    change = json.loads(run.stdout)["cost"]["compare"]
    rows = {row["name"]: row for row in change["resources"]}
    assert rows["cluster-base"]["change"] == "changed"
    assert rows["cluster-base"]["baseline"] == pytest.approx(864.96 - 500.0)
    assert rows["retired"] == {
        "urn": gone, "type": "aws:ec2/instance:Instance", "name": "retired",
        "change": "removed", "baseline": -70.08, "ceiling": -70.08,
    }  # fmt: skip
    assert change["total"]["baseline"] == pytest.approx(864.96 - 500.0 - 70.08)
    assert set(rows) == {"cluster-base", "retired"}  # unchanged resources are left out


def test_compare_refuses_a_file_without_costs(tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"project": "p", "stack": "s"}))
    with pytest.raises(CompareError, match="no 'cost'"):
        load_previous(path)
    path.write_text("{not json")
    with pytest.raises(CompareError, match="not JSON"):
        load_previous(path)
    assert compare({"resources": {}}, {"resources": {}}) == []


def test_html_is_one_self_contained_page_with_charts(tmp_path: Path) -> None:
    page = tmp_path / "plan.html"
    run = thrifty_plan(
        "--stack", "production", "--project-dir", str(REPO_ROOT), "--format", "html",
        "--output", str(page), "--no-policies", cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stdout == ""
    text = page.read_text()
    assert text.startswith("<!doctype html>")
    assert text.count("<svg") == 3  # by component, by team, by cost-center
    assert "<script" not in text and "src=" not in text and "<link" not in text
    assert "cluster-base" in text and "1,160.20" in text
    chart = bar_chart("t", [("<b>&", 1.0, 2.0)])
    assert "&lt;b&gt;&amp;" in chart and "<b>&" not in chart


def test_markdown_has_cost_tables(tmp_path: Path) -> None:
    run = thrifty_plan(
        "--stack", "production", "--project-dir", str(REPO_ROOT), "-f", "markdown",
        "--no-policies", cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "#### Cost" in run.stdout
    assert "| component | baseline | ceiling |" in run.stdout
    assert "| thrifty:cluster:EksCluster cluster | 1,160.20 | " in run.stdout
    assert "| thrifty:network:AwsNetwork network | 109.50 | 109.50 |" in run.stdout
    # 3 NAT gateways and 2 buckets need usage; 4 Helm releases are not priced.
    assert "<summary>Not fully priced (9)</summary>" in run.stdout


def _budget(type_token: str, props: dict[str, Any], name: str = "b") -> CostInput:
    return CostInput(type_token, name, f"urn:{name}", props)


def test_budget_resources_become_one_monthly_figure() -> None:
    quarterly = _budget(
        "aws:budgets/budget:Budget",
        {"budgetType": "COST", "limitAmount": "14000", "timeUnit": "QUARTERLY"},
        "q",
    )
    monthly = _budget(
        "gcp:billing/budget:Budget",
        {"amount": {"specifiedAmount": {"units": "5000", "nanos": 500000000}}},
        "m",
    )
    azure = _budget(
        "azure-native:consumption:Budget",
        {"amount": 60000, "timeGrain": "Annually", "category": "Cost"},
        "a",
    )
    usage_budget = _budget(
        "aws:budgets/budget:Budget",
        {"budgetType": "USAGE", "limitAmount": "10", "timeUnit": "MONTHLY"},
        "u",
    )
    unknown = _budget(
        "aws:budgets/budget:Budget",
        {"limitAmount": "04da6b54-80e4-46f7-96ec-b56ff0331ba9", "timeUnit": "MONTHLY"},
        "x",
    )
    figures, skipped = budget_figures([quarterly, monthly, azure, usage_budget, unknown])
    assert [(f.name, round(f.monthly, 2)) for f in figures] == [
        ("q", 4666.67),
        ("m", 5000.5),
        ("a", 5000.0),
    ]
    assert skipped == ["x (limitAmount is unknown during preview)"]
    chosen = stack_budget([quarterly, monthly, azure])
    assert chosen is not None and chosen.monthly == 5000.5  # the monthly one wins
    only_periods = stack_budget([quarterly, azure])
    assert only_periods is not None and round(only_periods.monthly, 2) == 4666.67
    configured = stack_budget([monthly], 300.0)
    assert configured is not None and configured.monthly == 300.0
    assert configured.source == "configuration"
    assert stack_budget([]) is None


def test_a_usage_entry_naming_no_resource_stops_the_plan(tmp_path: Path) -> None:
    usage = tmp_path / "usage.yaml"
    usage.write_text("resources:\n  model-artifact:\n    storageGb: 10\n")
    run = thrifty_plan(
        "--stack", "production", "--project-dir", str(REPO_ROOT), "--usage", str(usage),
        "--no-policies", cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 2
    assert run.stdout == ""
    assert "resources.model-artifact: matches no resource" in run.stderr
    assert "did you mean 'model-artifacts'" in run.stderr


def test_output_errors_and_closed_pipes_are_one_line_not_a_traceback(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "dir" / "plan.html"
    run = thrifty_plan(
        "--stack", "dev", "--project-dir", str(REPO_ROOT), "-f", "html", "-o", str(missing),
        "--no-policies", cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 2
    assert run.stderr.strip() == f"thrifty plan: cannot write {missing}: No such file or directory"
    piped = subprocess.run(
        f"{sys.executable} -m thrifty.offline.cli plan --stack dev --project-dir {REPO_ROOT} "
        "--no-policies | head -n 1",
        shell=True, cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert piped.stdout.startswith("thrifty plan: stack dev")
    assert "Traceback" not in piped.stderr, piped.stderr


def test_the_project_is_found_from_a_subdirectory_as_the_cli_finds_it() -> None:
    run = thrifty_plan("--stack", "dev", "--no-policies", "--no-cost", cwd=REPO_ROOT / "stacks")
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("thrifty plan: stack dev (project thrifty-platform)")


def test_compare_matches_resources_across_stacks_of_one_project(tmp_path: Path) -> None:
    """dev against production: same resources by type and name, different sizes."""
    dev = thrifty_plan(
        "--stack", "dev", "--project-dir", str(REPO_ROOT), "-f", "json", "--no-policies",
        cwd=tmp_path,
    )  # fmt: skip
    base = tmp_path / "dev.json"
    base.write_text(dev.stdout)
    run = thrifty_plan(
        "--stack", "production", "--project-dir", str(REPO_ROOT), "--compare-to", str(base),
        "--no-policies", "-f", "json", cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    rows = {row["name"]: row for row in json.loads(run.stdout)["cost"]["compare"]["resources"]}
    assert rows["cluster-system"]["change"] == "changed"
    assert rows["cluster-base"]["change"] == "added"  # production's on-demand pool
    assert "cluster-eks" not in rows  # the control plane costs the same in both


def test_progress_goes_to_a_terminal_only(tmp_path: Path) -> None:
    """Under a pseudo-terminal (util-linux ``script``) the steps are announced on stderr."""
    script = shutil.which("script")
    if script is None:
        pytest.skip("util-linux 'script' is not installed: no pseudo-terminal to test with")
    out = tmp_path / "plan.txt"
    command = (
        f"{sys.executable} -m thrifty.offline.cli plan --stack dev --project-dir {REPO_ROOT} "
        f"--no-policies -o {out}"
    )
    run = subprocess.run(
        [script, "-qc", command, "/dev/null"], cwd=tmp_path, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout
    assert "thrifty plan: recording stack dev (preview semantics)" in run.stdout
    assert "thrifty plan: estimating the monthly cost" in run.stdout
    assert out.read_text().startswith("thrifty plan: stack dev")
