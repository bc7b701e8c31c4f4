"""The pricing / instance catalog: data integrity, well-known shapes and lookup semantics."""

from __future__ import annotations

import json
from datetime import date
from importlib import resources
from typing import Any

import pytest
from pydantic import ValidationError

from thrifty.cost import catalog as cat
from thrifty.cost.catalog import CLOUDS, Cloud, InstanceType


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    """The data file as shipped, read independently of the loader."""
    text = resources.files("thrifty.cost").joinpath("data/catalog.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


# --- the file loads and is internally consistent -------------------------------------------


def test_catalog_loads_every_cloud() -> None:
    c = cat.catalog()
    assert set(c.clouds) == {"aws", "gcp", "azure"}
    assert c.currency == "USD"
    for cloud in CLOUDS:
        assert len(cat.instance_types(cloud)) >= 30
    assert cat.reference_region("aws") == "us-east-1"
    assert cat.reference_region("gcp") == "us-central1"
    assert cat.reference_region("azure") == "eastus"


def test_catalog_is_loaded_once() -> None:
    assert cat.catalog() is cat.catalog()


def test_every_instance_has_a_positive_shape() -> None:
    for cloud in CLOUDS:
        for t in cat.instance_types(cloud):
            assert t.vcpus > 0, t.name
            assert t.memory_gib > 0, t.name
            assert t.gpus >= 0, t.name
            assert (t.gpus > 0) == (t.gpu_model is not None), t.name


def test_every_price_present_is_positive() -> None:
    for cloud in CLOUDS:
        for t in cat.instance_types(cloud):
            for price in (t.on_demand_hourly, t.spot_hourly):
                assert price is None or price > 0, t.name
            if t.on_demand_hourly is not None and t.spot_hourly is not None:
                assert t.spot_hourly < t.on_demand_hourly, t.name
        for s in cat.storage_tiers(cloud):
            assert s.price_per_gb_month > 0, s.tier
        for d in cat.catalog().clouds[cloud].disks.values():
            assert d.price_per_gb_month > 0, d.disk_type
        for cp in cat.catalog().clouds[cloud].control_plane.values():
            # A control-plane tier may be free (AKS Free), never negative.
            assert cp.hourly >= 0, cp.tier


def test_raw_prices_are_positive_numbers(raw: dict[str, Any]) -> None:
    """Walk the JSON itself so a price the models do not read still gets checked."""
    price_keys = {"on_demand_hourly", "spot_hourly", "price_per_gb_month", "monthly_price"}

    def walk(node: object, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in price_keys and value is not None:
                    assert isinstance(value, int | float) and value > 0, f"{path}.{key}"
                walk(value, f"{path}.{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{path}[{i}]")

    walk(raw["clouds"], "clouds")


def test_every_section_cites_a_source_with_url_and_date(raw: dict[str, Any]) -> None:
    sources = {s["id"]: s for s in raw["sources"]}
    assert sources, "top-level sources list is empty"
    for s in sources.values():
        assert s["url"].startswith(("http://", "https://")), s["id"]
        assert s["title"] and s["used_for"], s["id"]
        date.fromisoformat(s["as_of"])
    for cloud, body in raw["clouds"].items():
        sections = {name: value for name, value in body.items() if isinstance(value, dict)}
        assert {"object_storage", "control_plane", "block_storage"} <= set(sections)
        for name, section in sections.items():
            assert section["source"], f"{cloud}.{name} cites nothing"
            for sid in section["source"]:
                assert sid in sources, f"{cloud}.{name} cites unknown source {sid}"
            date.fromisoformat(section["as_of"])


def test_every_cited_source_is_used(raw: dict[str, Any]) -> None:
    cited = {
        sid
        for body in raw["clouds"].values()
        for section in body.values()
        if isinstance(section, dict)
        for sid in section.get("source", [])
    }
    assert {s["id"] for s in raw["sources"]} == cited


def test_missing_prices_are_explained() -> None:
    """A null price is allowed only with a note saying why (callers report it, no guessing)."""
    for cloud in CLOUDS:
        for t in cat.instance_types(cloud):
            if t.on_demand_hourly is None:
                assert t.notes, f"{t.name} has no price and no note"


def test_the_shipped_catalog_has_no_user_overrides() -> None:
    assert cat.catalog().user_files == () and cat.overrides() == ()


def test_every_instance_cites_its_shape_and_price() -> None:
    """Instance data lives in data/instances/ (see test_catalog_instances.py); the loaded
    catalog knows every source those files cite."""
    known = cat.catalog().sources
    for cloud in CLOUDS:
        for t in cat.instance_types(cloud):
            assert t.shape_source in known, t.name
            assert (t.on_demand_hourly is None) == (t.price_source is None), t.name
            assert t.price_source is None or t.price_source in known, t.name


# --- well-known shapes -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cloud", "name", "vcpus", "memory_gib"),
    [
        ("aws", "m5.xlarge", 4, 16),
        ("aws", "c5.24xlarge", 96, 192),
        ("aws", "m5.24xlarge", 96, 384),
        ("gcp", "n2-standard-4", 4, 16),
        ("gcp", "n1-standard-4", 4, 15),
        ("gcp", "e2-medium", 2, 4),
        ("azure", "Standard_D4s_v5", 4, 16),
        ("azure", "Standard_E8s_v5", 8, 64),
        ("azure", "Standard_F4s_v2", 4, 8),
    ],
)
def test_well_known_shapes(cloud: Cloud, name: str, vcpus: int, memory_gib: float) -> None:
    t = cat.instance_type(cloud, name)
    assert t is not None
    assert (t.vcpus, t.memory_gib, t.gpus) == (vcpus, memory_gib, 0)


@pytest.mark.parametrize(
    ("cloud", "name", "gpus", "model"),
    [
        ("aws", "g4dn.xlarge", 1, "NVIDIA T4"),
        ("aws", "g5.xlarge", 1, "NVIDIA A10G"),
        ("aws", "p3.8xlarge", 4, "NVIDIA V100"),
        ("gcp", "g2-standard-4", 1, "NVIDIA L4"),
        ("gcp", "a2-highgpu-1g", 1, "NVIDIA A100 40GB"),
        ("azure", "Standard_NC4as_T4_v3", 1, "NVIDIA T4"),
        ("azure", "Standard_NC6s_v3", 1, "NVIDIA V100"),
    ],
)
def test_gpu_types(cloud: Cloud, name: str, gpus: int, model: str) -> None:
    t = cat.instance_type(cloud, name)
    assert t is not None
    assert (t.gpus, t.gpu_model, t.category) == (gpus, model, "gpu")


def test_graviton_is_arm64() -> None:
    for name in ("m6g.large", "m7g.xlarge", "t4g.medium"):
        t = cat.instance_type("aws", name)
        assert t is not None and t.architecture == "arm64", name
    m5 = cat.instance_type("aws", "m5.large")
    assert m5 is not None and m5.architecture == "x86_64"


def test_spot_checked_prices() -> None:
    """A few list prices that independent sources also state (see catalog sources)."""
    expected = {
        ("aws", "m5.xlarge"): 0.192,
        ("aws", "m7g.large"): 0.0816,
        ("aws", "g5.xlarge"): 1.006,
        ("azure", "Standard_D4s_v5"): 0.192,
    }
    for (cloud, name), price in expected.items():
        t = cat.instance_type(cloud, name)
        assert t is not None and t.on_demand_hourly == pytest.approx(price), name
    s3 = cat.storage_price("aws", "standard")
    assert s3 is not None and s3.price_per_gb_month == pytest.approx(0.023)
    assert cat.control_plane_hourly("aws", "standard") == pytest.approx(0.10)
    assert cat.control_plane_hourly("aws", "extended") == pytest.approx(0.60)


# --- same_shape semantics --------------------------------------------------------------------


def _t(cloud: Cloud, name: str) -> InstanceType:
    t = cat.instance_type(cloud, name)
    assert t is not None, name
    return t


def test_same_shape_across_families() -> None:
    m5, m5a, m6i = _t("aws", "m5.xlarge"), _t("aws", "m5a.xlarge"), _t("aws", "m6i.xlarge")
    assert cat.same_shape(m5, m5a)
    assert cat.same_shape(m5a, m6i)
    assert cat.same_shape(m6i, m5)


def test_same_shape_is_symmetric_and_reflexive() -> None:
    for cloud in CLOUDS:
        types = cat.instance_types(cloud)
        for a in types:
            assert cat.same_shape(a, a)
            for b in types:
                assert cat.same_shape(a, b) == cat.same_shape(b, a), (a.name, b.name)


def test_different_size_is_not_same_shape() -> None:
    assert not cat.same_shape(_t("aws", "m5.xlarge"), _t("aws", "m5.2xlarge"))
    # Same vCPUs, half the memory: a compute-optimised type is another shape.
    assert not cat.same_shape(_t("aws", "m5.xlarge"), _t("aws", "c5.xlarge"))


def test_tolerance_is_relative_to_the_larger() -> None:
    n1, n2 = _t("gcp", "n1-standard-4"), _t("gcp", "n2-standard-4")  # 15 vs 16 GiB
    assert cat.same_shape(n1, n2)
    assert not cat.same_shape(n1, n2, tolerance=0.0)
    assert cat.same_shape(n2, _t("gcp", "e2-standard-4"), tolerance=0.0)
    with pytest.raises(ValueError):
        cat.same_shape(n1, n2, tolerance=1.0)
    with pytest.raises(ValueError):
        cat.same_shape(n1, n2, tolerance=-0.1)


def test_gpu_and_non_gpu_are_never_same_shape() -> None:
    for cloud in CLOUDS:
        types = cat.instance_types(cloud)
        for a in (t for t in types if t.gpus):
            for b in (t for t in types if not t.gpus):
                assert not cat.same_shape(a, b, tolerance=0.99), (a.name, b.name)
    # Explicitly: g4dn.xlarge and m5.xlarge have the same vCPUs and memory.
    assert not cat.same_shape(_t("aws", "g4dn.xlarge"), _t("aws", "m5.xlarge"))


def test_architecture_must_match() -> None:
    assert not cat.same_shape(_t("aws", "m6g.large"), _t("aws", "m5.large"))
    assert cat.same_shape(_t("aws", "m6g.large"), _t("aws", "m7g.large"))


def test_different_clouds_are_never_same_shape() -> None:
    assert not cat.same_shape(_t("aws", "m5.xlarge"), _t("gcp", "n2-standard-4"))


def test_same_shape_as() -> None:
    pool = cat.same_shape_as("aws", "m5.xlarge")
    assert pool is not None
    names = {t.name for t in pool}
    assert {"m5.xlarge", "m5a.xlarge", "m6i.xlarge", "m6a.xlarge", "m7i.xlarge"} <= names
    assert "m5.2xlarge" not in names and "g4dn.xlarge" not in names
    assert cat.same_shape_as("aws", "m99.huge") is None


@pytest.mark.parametrize("cloud", CLOUDS)
@pytest.mark.parametrize("vcpus", [2, 4, 8, 16])
def test_spot_pools_can_be_diversified(cloud: Cloud, vcpus: int) -> None:
    """>=3 interchangeable general-purpose x86 types exist for 2/4/8/16 vCPU (4 GiB/vCPU)."""
    shape = InstanceType(
        cloud=cloud,
        name="probe",
        family="probe",
        category="general",
        vcpus=vcpus,
        memory_gib=4 * vcpus,
        architecture="x86_64",
    )
    pool = [
        t
        for t in cat.instance_types(cloud)
        if t.category == "general" and not t.burstable and cat.same_shape(shape, t)
    ]
    assert len({t.family for t in pool}) >= 3, [t.name for t in pool]
    priced = [t for t in pool if t.on_demand_hourly is not None]
    assert len(priced) >= 3, [t.name for t in pool]


# --- lookups ---------------------------------------------------------------------------------


def test_azure_lookup_is_case_insensitive() -> None:
    canonical = cat.instance_type("azure", "Standard_D4s_v5")
    assert canonical is not None
    for spelling in ("standard_d4s_v5", "STANDARD_D4S_V5", "Standard_D4S_v5"):
        assert cat.instance_type("azure", spelling) == canonical
    assert canonical.name == "Standard_D4s_v5"


def test_aws_and_gcp_lookup_is_exact() -> None:
    assert cat.instance_type("aws", "m5.xlarge") is not None
    assert cat.instance_type("aws", "M5.XLARGE") is None
    assert cat.instance_type("gcp", "N2-STANDARD-4") is None


def test_unknown_names_give_none() -> None:
    assert cat.instance_type("aws", "m5.huge") is None
    assert cat.instance_type("gcp", "n9-standard-4") is None
    assert cat.instance_type("azure", "Standard_Z4s_v9") is None
    assert cat.storage_price("aws", "platinum") is None
    assert cat.control_plane_hourly("gcp", "enterprise-plus") is None
    assert cat.disk_price("azure", "floppy") is None


def test_unknown_cloud_is_an_error() -> None:
    oracle: Any = "oracle"  # not a Cloud: a caller bug, reported loudly
    with pytest.raises(cat.UnknownCloudError):
        cat.instance_type(oracle, "VM.Standard3.Flex")
    with pytest.raises(ValueError):
        cat.storage_price(oracle, "standard")


@pytest.mark.parametrize(
    ("cloud", "tier", "canonical"),
    [
        ("aws", "standard", "standard"),
        ("aws", "STANDARD_IA", "standard_ia"),
        ("aws", "standard-ia", "standard_ia"),
        ("aws", "ONEZONE_IA", "onezone_ia"),
        ("aws", "GLACIER_IR", "glacier_ir"),
        ("aws", "GLACIER", "glacier_flexible"),
        ("aws", "DEEP_ARCHIVE", "deep_archive"),
        ("aws", "INTELLIGENT_TIERING", "intelligent_tiering_frequent"),
        ("gcp", "NEARLINE", "nearline"),
        ("gcp", "coldline", "coldline"),
        ("gcp", "ARCHIVE", "archive"),
        ("azure", "Hot", "hot"),
        ("azure", "Cool", "cool"),
        ("azure", "cold", "cold"),
        ("azure", "ARCHIVE", "archive"),
    ],
)
def test_storage_tier_names_and_aliases(cloud: Cloud, tier: str, canonical: str) -> None:
    price = cat.storage_price(cloud, tier)
    assert price is not None and price.tier == canonical


def test_colder_tiers_are_cheaper_per_gb() -> None:
    orders: dict[Cloud, list[str]] = {
        "aws": ["standard", "standard_ia", "onezone_ia", "glacier_ir", "glacier_flexible"],
        "gcp": ["standard", "nearline", "coldline", "archive"],
        "azure": ["hot", "cool", "cold", "archive"],
    }
    for cloud, order in orders.items():
        prices = []
        for tier in order:
            p = cat.storage_price(cloud, tier)
            assert p is not None, (cloud, tier)
            prices.append(p.price_per_gb_month)
        assert prices == sorted(prices, reverse=True), cloud
    deep = cat.storage_price("aws", "deep_archive")
    flexible = cat.storage_price("aws", "glacier_flexible")
    assert deep is not None and flexible is not None
    assert deep.price_per_gb_month < flexible.price_per_gb_month


def test_control_plane_fees() -> None:
    assert cat.control_plane_hourly("gcp") == pytest.approx(0.10)
    assert cat.control_plane_hourly("azure", "free") == 0.0
    assert cat.control_plane_hourly("azure", "Standard") == pytest.approx(0.10)
    record = cat.control_plane_price("aws", "standard_support")
    assert record is not None and record.monthly() == pytest.approx(73.0)


def test_disks() -> None:
    gp3 = cat.disk_price("aws", "gp3")
    assert gp3 is not None and gp3.monthly_cost(20) == pytest.approx(1.6)
    assert cat.disk_price("gcp", "PD_BALANCED") == cat.disk_price("gcp", "pd-balanced")
    p10 = cat.disk_price("azure", "P10")
    assert p10 is not None
    assert p10.monthly_cost(100) == pytest.approx(19.71)  # a tier bills its whole size
    assert p10.price_per_gb_month == pytest.approx(19.71 / 128)
    with pytest.raises(ValueError):
        p10.monthly_cost(200)
    assert cat.default_node_disk("aws").disk_type == "gp3"
    assert cat.default_node_disk("gcp").disk_type == "pd-balanced"
    assert cat.default_node_disk("azure").disk_type == "premium-ssd-p10"


def test_instance_cost_helpers() -> None:
    m5 = _t("aws", "m5.xlarge")
    assert m5.on_demand_monthly() == pytest.approx(0.192 * 730)
    assert m5.spot_discount() is None  # no AWS spot source: unknown, not zero
    n2 = _t("gcp", "n2-standard-4")
    discount = n2.spot_discount()
    assert discount is not None and 0.3 < discount < 0.95


def test_sources_are_exposed() -> None:
    ids = {s.id for s in cat.sources()}
    assert {"aws-karpenter-prices-us-east-1-2026-07-20", "aws-s3-costnimbus-2026-03"} <= ids


def test_models_are_immutable() -> None:
    m5: Any = _t("aws", "m5.xlarge")
    with pytest.raises(ValidationError):
        m5.vcpus = 8
