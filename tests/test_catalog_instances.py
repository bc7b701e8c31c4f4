"""The per-cloud instance files: coverage, sources, sane shapes, and that they are reproducible."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from thrifty.cost import catalog as cat
from thrifty.cost.catalog import CLOUDS, INSTANCE_COLUMNS, Cloud

ROOT = Path(__file__).resolve().parents[1]
MIRRORS = Path("/work/.mirror")
COMMIT_URL = re.compile(r"^https://github\.com/[^/]+/[^/]+/(blob|tree)/[0-9a-f]{40}/")
#: Enough types per cloud to show that whole families are covered, not a hand-picked few.
FLOORS: dict[Cloud, int] = {"aws": 1000, "gcp": 450, "azure": 1000}


@pytest.fixture(scope="module", params=CLOUDS)
def data(request: pytest.FixtureRequest) -> dict[str, Any]:
    """One shipped instance file, read independently of the loader."""
    text = (
        resources.files("thrifty.cost")
        .joinpath(f"data/instances/{request.param}.json")
        .read_text(encoding="utf-8")
    )
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [dict(zip(data["columns"], row, strict=True)) for row in data["items"]]


def test_files_hold_every_instance_the_catalog_knows(data: dict[str, Any]) -> None:
    cloud: Cloud = data["cloud"]
    assert tuple(data["columns"]) == INSTANCE_COLUMNS
    assert data["reference_region"] == cat.reference_region(cloud)
    assert len(data["items"]) == len(cat.instance_types(cloud)) > FLOORS[cloud]
    catalog_json = resources.files("thrifty.cost").joinpath("data/catalog.json").read_text()
    assert "instance_types" not in json.loads(catalog_json)["clouds"][cloud]  # one home only


def test_every_row_cites_declared_pinned_sources(data: dict[str, Any]) -> None:
    sources = {source["id"]: source for source in data["sources"]}
    assert set(data["source"]) == set(sources)
    for source in sources.values():
        assert source["title"] and source["publisher"] and source["used_for"], source["id"]
        date.fromisoformat(source["as_of"])
        if "github.com" in source["url"]:
            assert COMMIT_URL.match(source["url"]), source["url"]  # a commit, not a branch
    cited: set[str] = set()
    for row in rows(data):
        assert row["shape_source"] in sources, row["name"]
        assert (row["on_demand_hourly"] is None) == (row["price_source"] is None), row["name"]
        assert row["price_source"] is None or row["price_source"] in sources, row["name"]
        cited |= {row["shape_source"], row["price_source"]} - {None}
        if row["on_demand_hourly"] is None:
            assert row["notes"], f"{row['name']} has no price and no note saying why"
    assert cited <= set(sources)


def test_names_are_unique(data: dict[str, Any]) -> None:
    fold = data["cloud"] == "azure"  # Azure sizes are case-insensitive
    names = [row["name"].casefold() if fold else row["name"] for row in rows(data)]
    assert len(names) == len(set(names))


def test_shapes_and_prices_are_sane(data: dict[str, Any]) -> None:
    for row in rows(data):
        ratio = row["memory_gib"] / row["vcpus"]
        assert 1 <= row["vcpus"] <= 2000 and 0.25 <= ratio <= 64, row["name"]
        assert (row["gpus"] > 0) == (row["gpu_model"] is not None), row["name"]
        assert (row["category"] == "gpu") == (row["gpus"] > 0), row["name"]
        assert row["burstable"] == (row["category"] == "burstable"), row["name"]
        price, spot = row["on_demand_hourly"], row["spot_hourly"]
        assert price is None or 0.001 < price < 1000, row["name"]
        assert spot is None or (price is not None and 0 < spot < price), row["name"]


# --- Coverage: the sizes issue 9 found missing, and whole previous-generation families -------


@pytest.mark.parametrize(
    ("cloud", "name", "vcpus", "memory_gib", "hourly"),
    [
        ("aws", "t2.micro", 1, 1, 0.0116),
        ("aws", "t3.nano", 2, 0.5, 0.0052),
        ("aws", "m4.large", 2, 8, 0.10),
        ("gcp", "f1-micro", 1, 0.6, 0.0076),
        ("gcp", "e2-micro", 2, 1, 0.0083764275),
        ("gcp", "n1-standard-1", 1, 3.75, 0.04749975),
        ("azure", "Standard_A1_v2", 1, 2, 0.043),
        ("azure", "Standard_DS2_v2", 2, 7, 0.146),
        ("azure", "Standard_B1s", 1, 1, 0.0104),
    ],
)
def test_small_and_previous_generation_sizes(
    cloud: Cloud, name: str, vcpus: int, memory_gib: float, hourly: float
) -> None:
    t = cat.instance_type(cloud, name)
    assert t is not None, name
    assert (t.vcpus, t.memory_gib, t.gpus) == (vcpus, memory_gib, 0)
    assert t.on_demand_hourly == pytest.approx(hourly)


@pytest.mark.parametrize(
    ("cloud", "families"),
    [
        ("aws", ["t2", "t3", "m4", "c4", "r4", "m3", "i2", "x1", "p2", "g3", "inf1", "hpc6a"]),
        ("gcp", ["f1", "g1", "e2", "n1", "n2", "c2", "m1", "a2", "g2", "z3", "t2a"]),
        ("azure", ["Av2", "BS", "Dv2", "DSv2", "Dv3", "DSv3", "D", "DS", "G", "GS", "MS"]),
    ],
)
def test_whole_families_are_covered(cloud: Cloud, families: list[str]) -> None:
    present = {t.family for t in cat.instance_types(cloud)}
    assert set(families) <= present, set(families) - present


@pytest.mark.parametrize(
    ("cloud", "name", "memory_gib"),
    [
        ("azure", "Standard_B1ls", 0.5),
        ("azure", "Standard_DS1_v2", 3.5),
        ("azure", "Standard_D1", 3.5),
        ("azure", "Standard_M8-2ms", 218.75),
    ],
)
def test_fractional_memory_is_not_truncated(cloud: Cloud, name: str, memory_gib: float) -> None:
    """The Azure SKU list floors memory to whole GiB; Microsoft's size pages correct it."""
    t = cat.instance_type(cloud, name)
    assert t is not None and t.memory_gib == memory_gib
    assert t.shape_source is not None and t.shape_source.startswith("azure-docs-")


def test_prices_the_source_gives_inconsistently_are_left_out() -> None:
    """Karpenter-Azure's eastus table flips Dasv5 sizes between Linux and Windows meters."""
    for name in ("Standard_D2as_v5", "Standard_D4as_v5"):
        t = cat.instance_type("azure", name)
        assert t is not None and t.on_demand_hourly is None and t.notes
        assert "flip" in t.notes


@pytest.mark.parametrize(
    ("cloud", "name", "gpus", "model"),
    [
        ("aws", "p3.2xlarge", 1, "NVIDIA V100"),
        ("aws", "g6.xlarge", 1, "NVIDIA L4"),
        ("gcp", "a2-ultragpu-8g", 8, "NVIDIA A100 80GB"),
        ("gcp", "g4-standard-6", 1, "NVIDIA RTX PRO 6000"),
        ("azure", "Standard_ND96is_MI300X_v5", 8, "AMD Instinct MI300X"),
        ("azure", "Standard_NG8ads_V620_v1", 1, "AMD Radeon PRO V620"),
    ],
)
def test_gpus_come_with_their_model(cloud: Cloud, name: str, gpus: int, model: str) -> None:
    t = cat.instance_type(cloud, name)
    assert t is not None and (t.gpus, t.gpu_model, t.category) == (gpus, model, "gpu")


def test_accelerators_that_are_not_gpus_are_said_so() -> None:
    trn = cat.instance_type("aws", "trn1.2xlarge")
    assert trn is not None and (trn.gpus, trn.category) == (0, "accelerated")
    assert trn.notes is not None and "TRAINIUM" in trn.notes


def test_arm_types_are_arm64() -> None:
    for cloud, name in [("aws", "t4g.micro"), ("gcp", "t2a-standard-1"), ("gcp", "c4a-standard-4"),
                        ("azure", "Standard_D2ps_v5")]:  # fmt: skip
        t = cat.instance_type(cloud, name)  # type: ignore[arg-type]
        assert t is not None and t.architecture == "arm64", name


@pytest.mark.skipif(not MIRRORS.is_dir(), reason="needs the pinned source mirrors")
def test_the_generator_reproduces_the_shipped_files(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "tools.instance_catalog", "--mirrors", str(MIRRORS),
         "--out", str(tmp_path)],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    for cloud in CLOUDS:
        shipped = ROOT / "components" / "cost" / "data" / "instances" / f"{cloud}.json"
        assert (tmp_path / f"{cloud}.json").read_text() == shipped.read_text(), cloud
