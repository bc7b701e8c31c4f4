"""The catalog sections the estimator prices from: present, cited, sane, and overridable."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from thrifty.cost import CostInput, estimate
from thrifty.cost import catalog as cat

SECTIONS = ("nat_gateway", "load_balancers", "public_ipv4", "storage_operations", "commitments")


@pytest.mark.parametrize("cloud", cat.CLOUDS)
def test_every_estimator_section_cites_known_dated_sources(cloud: cat.Cloud) -> None:
    pricing = cat.pricing(cloud)
    known = {source.id for source in cat.sources()}
    for name in SECTIONS:
        section = getattr(pricing, name)
        assert section is not None, f"{cloud} lacks {name}"
        assert section.source and set(section.source) <= known
    assert pricing.spot is not None or cloud == "gcp"  # GCP has per-type spot prices


@pytest.mark.parametrize("cloud", cat.CLOUDS)
def test_storage_operations_follow_the_storage_tiers(cloud: cat.Cloud) -> None:
    ops = cat.pricing(cloud).storage_operations
    assert ops is not None
    tiers = {tier.tier for tier in cat.storage_tiers(cloud)}
    assert set(ops.tiers) <= tiers
    minimums = [
        ops.tiers[t.tier].min_storage_days for t in cat.storage_tiers(cloud) if t.tier in ops.tiers
    ]
    assert minimums[0] == 0  # the warmest class has no minimum


def test_commitment_keys_and_rates() -> None:
    for cloud, kinds in (
        ("aws", {"reserved", "savings-plan"}),
        ("gcp", {"committed-use"}),
        ("azure", {"reservation"}),
    ):
        section = cat.pricing(cloud).commitments  # type: ignore[arg-type]
        assert section is not None
        for key, rate in section.rates.items():
            assert key.split("/")[0] in kinds and key.split("/")[1] in ("1y", "3y")
            assert rate is None or 0 < rate < 1
    aws = cat.pricing("aws").commitments
    assert (
        aws is not None
        and aws.rates["reserved/3y/all-upfront"] > aws.rates["reserved/1y/no-upfront"]
    )  # type: ignore[operator]


def test_azure_disk_tiers_grow_and_priced_tiers_match_their_size() -> None:
    section = cat.pricing("azure").managed_disk_tiers
    assert section is not None
    for tiers in section.skus.values():
        sizes = [size for _, size in tiers]
        assert sizes == sorted(sizes)
    for name, size in section.skus["Premium_LRS"]:
        price = cat.disk_price("azure", name)
        if price is not None:
            assert price.fixed_size_gib == size


def test_entries_with_their_own_source_cite_a_known_one() -> None:
    known = {source.id for source in cat.sources()}
    databases = cat.pricing("aws").databases
    assert databases is not None
    own = [p.source for p in databases.instance_classes.values() if p.source]
    own += [d.source for cloud in cat.CLOUDS for d in cat.catalog().clouds[cloud].disks.values()]
    assert own and set(own) - {None} <= known


def test_rds_sizes_double_within_a_family_and_postgres_is_not_cheaper() -> None:
    """Catches a transcription slip: each size up is twice the one below (to 2 %)."""
    databases = cat.pricing("aws").databases
    assert databases is not None
    classes = {key: p.hourly for key, p in databases.instance_classes.items()}
    sizes = ("micro", "small", "medium", "large", "xlarge", "2xlarge", "4xlarge")
    pairs = 0
    for key, hourly in classes.items():
        engine, klass = key.split("/")
        family, size = klass.rsplit(".", 1)
        if size in sizes[:-1]:
            bigger = classes.get(f"{engine}/{family}.{sizes[sizes.index(size) + 1]}")
            if bigger is not None and hourly is not None:
                pairs += 1
                assert bigger == pytest.approx(2 * hourly, rel=0.02), key
        mysql = classes.get(f"mysql/{klass}")
        if engine == "postgres" and mysql is not None and hourly is not None:
            assert hourly >= mysql, klass
    assert pairs >= 30


def test_gcs_multi_regions_price_every_class_above_the_region() -> None:
    multi = cat.pricing("gcp").multi_region_storage
    assert multi is not None
    assert multi.covers("us") and multi.covers(" EU ") and multi.covers("ASIA")
    assert not multi.covers("NAM4") and not multi.covers("us-central1")
    for tier in cat.storage_tiers("gcp"):
        assert multi.tiers[tier.tier] > tier.price_per_gb_month, tier.tier


@pytest.fixture
def user_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "my-catalog.json"
    monkeypatch.setenv("THRIFTY_CATALOG", str(path))
    cat.reset_catalog()
    yield path
    monkeypatch.delenv("THRIFTY_CATALOG")
    cat.reset_catalog()


def test_a_user_catalog_file_overrides_estimator_figures(user_catalog: Path) -> None:
    user_catalog.write_text(
        json.dumps(
            {
                "clouds": {
                    "aws": {
                        "nat_gateway": {"hourly": 0.05},
                        "spot": {"families": {"m5": 0.5}},
                    }
                },
            }
        )
    )
    nat = CostInput("aws:ec2/natGateway:NatGateway", "nat", "urn:nat", {})
    group = CostInput(
        "aws:eks/nodeGroup:NodeGroup",
        "ng",
        "urn:ng",
        {
            "scalingConfig": {"minSize": 1, "maxSize": 1},
            "instanceTypes": ["m5.large"],
            "capacityType": "SPOT",
        },
    )
    result = estimate([nat, group])
    assert result.item("urn:nat").baseline == pytest.approx(0.05 * 730)
    assert result.item("urn:ng").baseline == pytest.approx(0.096 * 0.5 * 730 + 20 * 0.08)
    assert cat.overrides("clouds", "aws", "spot")
