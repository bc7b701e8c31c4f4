"""Users' own catalog files (``THRIFTY_CATALOG``): merging, provenance and clear errors."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from thrifty.cost import catalog as cat
from thrifty.cost.catalog import CATALOG_ENV, Catalog, CatalogFileError
from thrifty.cost.user_catalog import instance_entry_template, paths_from_env

Load = Callable[..., Catalog]


@pytest.fixture
def load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Load]:
    """Write documents as user files (``name.yaml`` / ``name.json``), name them in
    THRIFTY_CATALOG and load the catalog afresh."""

    def write_and_load(*files: tuple[str, object]) -> Catalog:
        paths = []
        for name, document in files:
            path = tmp_path / name
            if isinstance(document, str):
                path.write_text(document, encoding="utf-8")
            elif name.endswith(".json"):
                path.write_text(json.dumps(document), encoding="utf-8")
            else:
                path.write_text(yaml.safe_dump(document), encoding="utf-8")
            paths.append(str(path))
        monkeypatch.setenv(CATALOG_ENV, os.pathsep.join(paths))
        cat.reset_catalog()
        return cat.catalog()

    yield write_and_load
    cat.reset_catalog()  # the environment is restored after this; the next load is clean


def instances(cloud: str, entries: dict[str, Any]) -> dict[str, Any]:
    return {"clouds": {cloud: {"instance_types": {"items": entries}}}}


def test_a_user_file_overrides_a_price_and_adds_a_type(load: Load, tmp_path: Path) -> None:
    shipped = cat.instance_type("aws", "m5.large")
    assert shipped is not None and shipped.on_demand_hourly == pytest.approx(0.096)
    document = instances(
        "aws",
        {
            "m5.large": {"on_demand_hourly": 0.05},
            "acme.custom": {
                "family": "acme",
                "category": "general",
                "vcpus": 48,
                "memory_gib": 192,
                "architecture": "arm64",
                "on_demand_hourly": 1.5,
            },
        },
    )
    merged = load(("rates.yaml", document))
    m5 = cat.instance_type("aws", "m5.large")
    custom = cat.instance_type("aws", "acme.custom")
    assert m5 is not None and custom is not None
    assert m5.on_demand_hourly == pytest.approx(0.05)
    assert (m5.vcpus, m5.memory_gib) == (shipped.vcpus, shipped.memory_gib)  # only the price
    # The price now cites the user's file; the shape still cites its shipped source.
    assert m5.price_source == "user-catalog:rates"
    assert m5.shape_source == shipped.shape_source
    assert (custom.vcpus, custom.architecture, custom.cloud) == (48, "arm64", "aws")
    assert custom.shape_source == custom.price_source == "user-catalog:rates"
    source = merged.sources["user-catalog:rates"]
    assert source.url == (tmp_path / "rates.yaml").resolve().as_uri()
    assert merged.user_files == (str(tmp_path / "rates.yaml"),)
    # Provenance, generically: what the file set, and whether it was new.
    items = ("clouds", "aws", "instance_types", "items")
    assert [(o.path, o.added) for o in cat.overrides(*items, "m5.large")] == [
        ((*items, "m5.large", "on_demand_hourly"), False),
        ((*items, "m5.large", "price_source"), False),
    ]
    assert [(o.path[4:], o.added) for o in cat.overrides(*items, "acme.custom")] == [
        (("acme.custom",), True),
        (("acme.custom", "price_source"), True),
        (("acme.custom", "shape_source"), True),
    ]
    assert cat.same_shape_as("aws", "acme.custom") is not None


def test_a_user_file_may_cite_its_own_sources(load: Load) -> None:
    document = {
        "sources": {
            "acme-edp-2026": {
                "url": "https://wiki.example.com/edp",
                "title": "ACME enterprise discount rates",
                "publisher": "ACME finance",
                "as_of": "2026-01-01",
                "used_for": "negotiated EC2 rates",
            }
        },
        **instances(
            "aws", {"m5.large": {"on_demand_hourly": 0.07, "price_source": "acme-edp-2026"}}
        ),
    }
    merged = load(("edp.json", document))
    m5 = cat.instance_type("aws", "m5.large")
    assert m5 is not None and m5.price_source == "acme-edp-2026"
    assert merged.sources["acme-edp-2026"].publisher == "ACME finance"


def test_names_match_like_the_cloud_does_and_stay_canonical(load: Load) -> None:
    load(("azure.yaml", instances("azure", {"standard_d2s_v3": {"on_demand_hourly": 0.09}})))
    size = cat.instance_type("azure", "Standard_D2s_v3")
    assert size is not None and size.name == "Standard_D2s_v3"
    assert size.on_demand_hourly == pytest.approx(0.09)
    names = [t.name.casefold() for t in cat.instance_types("azure")]
    assert names.count("standard_d2s_v3") == 1


def test_any_section_and_the_reference_region_can_be_overridden(load: Load) -> None:
    shipped = cat.storage_price("aws", "standard")
    assert shipped is not None
    document = {
        "clouds": {
            "aws": {
                "reference_region": "eu-west-1",
                "object_storage": {"tiers": {"STANDARD": {"price_per_gb_month": 0.024}}},
            }
        }
    }
    load(("region.yaml", document))
    assert cat.reference_region("aws") == "eu-west-1"
    standard = cat.storage_price("aws", "standard")
    assert standard is not None and standard.price_per_gb_month == pytest.approx(0.024)
    assert standard.aliases == shipped.aliases  # the fields the file did not set are kept
    assert [o.path[-1] for o in cat.overrides("clouds", "aws", "object_storage")] == [
        "price_per_gb_month"
    ]


def test_later_files_win(load: Load) -> None:
    load(
        ("team.yaml", instances("gcp", {"e2-micro": {"on_demand_hourly": 0.008}})),
        ("mine.yaml", instances("gcp", {"e2-micro": {"on_demand_hourly": 0.007}})),
    )
    micro = cat.instance_type("gcp", "e2-micro")
    assert micro is not None and micro.on_demand_hourly == pytest.approx(0.007)
    assert micro.price_source == "user-catalog:mine"


def test_the_how_to_add_template_loads_once_filled_in(load: Load) -> None:
    """The entry unknown-instance-types prints is valid YAML; with its figures it loads."""
    template = instance_entry_template("azure", "Standard_Z4s_v9")
    with pytest.raises(CatalogFileError, match=r"vcpus: Input should be a valid integer"):
        load(("new.yaml", template))
    load(("new.yaml", template.replace("VCPUS", "4").replace("GIB", "32")))
    size = cat.instance_type("azure", "standard_z4s_v9")
    assert size is not None and (size.vcpus, size.memory_gib, size.family) == (4, 32, "Zs_v9")


def test_thrifty_catalog_lists_paths_with_the_os_separator() -> None:
    value = os.pathsep.join(["/a/one.yaml", "", "/b/two.json"])
    assert paths_from_env({CATALOG_ENV: value}) == (Path("/a/one.yaml"), Path("/b/two.json"))
    assert paths_from_env({}) == ()


# --- Wrong files: the error names the file, the entry and the field --------------------------


@pytest.mark.parametrize(
    ("name", "document", "expected"),
    [
        ("bad.yaml", "clouds: {aws: [", r"bad\.yaml: not valid YAML"),
        ("bad.json", "{", r"bad\.json: not valid JSON"),
        ("bad.toml", "x = 1", r"bad\.toml: a catalog file must end in \.json, \.yaml or \.yml"),
        ("bad.yaml", "- 1\n- 2\n", r"bad\.yaml: the file must hold a mapping, got list"),
        ("bad.yaml", {"cloud": {}}, r"unknown top-level keys \['cloud'\]; allowed: "),
        ("bad.yaml", {"schema_version": 2}, r"schema_version 2 is not supported; .* reads 1"),
        ("bad.yaml", {"clouds": {"oracle": {}}}, r"clouds\.oracle: unknown key; allowed here: aws"),
        (
            "bad.yaml",
            {"clouds": {"aws": {"instance_type": {}}}},
            r"clouds\.aws\.instance_type: unknown key; allowed here: .*instance_types",
        ),
        ("bad.yaml", {"clouds": {"aws": 5}}, r"clouds\.aws: must be a mapping, got 5"),
        (
            "bad.yaml",
            instances("aws", {"m5.large": {"vcpus": -1}}),
            r"bad\.yaml: clouds\.aws\.instance_types\.items\.m5\.large\.vcpus: vcpus: "
            r"Input should be greater than 0 \(got -1\)",
        ),
        (
            "bad.yaml",
            instances("aws", {"m5.large": {"vcpu": 4}}),
            r"items\.m5\.large\.vcpu: vcpu: Extra inputs are not permitted",
        ),
        (
            "bad.yaml",
            instances("aws", {"acme.new": {"family": "acme", "vcpus": 2}}),
            r"items\.acme\.new: category: Field required; memory_gib: Field required",
        ),
        (
            "bad.yaml",
            instances("aws", {"acme.new": 4}),
            r"items\.acme\.new: a new entry must be a mapping of its fields",
        ),
        (
            "bad.yaml",
            instances("aws", {"acme.new": {"name": "other"}}),
            r"items\.acme\.new: 'name' is the entry's key; leave it out",
        ),
        (
            "bad.yaml",
            instances("aws", {"m5.large": {"on_demand_hourly": 0.1, "price_source": "nope"}}),
            r"items\.m5\.large\.price_source: aws: instance type m5\.large cites unknown "
            r"source nope",
        ),
        (
            "bad.yaml",
            {
                "clouds": {
                    "aws": {
                        "databases": {
                            "instance_classes": {"postgres/db.t3.micro": {"source": "nope"}}
                        }
                    }
                }
            },
            r"aws: database class postgres/db\.t3\.micro cites unknown source nope",
        ),
        (
            "bad.yaml",
            {
                "clouds": {
                    "azure": {"block_storage": {"types": {"premium-ssd-p15": {"source": "nope"}}}}
                }
            },
            r"azure: disk type premium-ssd-p15 cites unknown source nope",
        ),
        (
            "bad.yaml",
            {"clouds": {"gcp": {"multi_region_storage": {"tiers": {"regional": 0.01}}}}},
            r"gcp: multi_region_storage prices unknown storage tiers \['regional'\]",
        ),
        (
            "bad.yaml",
            {"clouds": {"aws": {"object_storage": {"tiers": {"standard": {"price": 1}}}}}},
            r"object_storage\.tiers\.standard\.price: tiers\.standard\.price: Extra inputs",
        ),
    ],
)
def test_a_wrong_file_is_reported_with_file_entry_and_field(
    load: Load, name: str, document: object, expected: str
) -> None:
    with pytest.raises(CatalogFileError, match=expected):
        load((name, document))


def test_the_wrong_entry_is_found_among_many(load: Load) -> None:
    entries: dict[str, Any] = {
        f"m5.{size}": {"on_demand_hourly": 0.1} for size in ("large", "xlarge", "2xlarge")
    }
    entries.update({f"c5.{size}": {"on_demand_hourly": 0.2} for size in ("large", "xlarge")})
    entries["r5.large"] = {"memory_gib": "lots"}
    entries.update({f"t3.{size}": {"on_demand_hourly": 0.01} for size in ("micro", "small")})
    with pytest.raises(CatalogFileError, match=r"items\.r5\.large\.memory_gib: memory_gib: "):
        load(("many.yaml", instances("aws", entries)))


def test_a_missing_file_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(CATALOG_ENV, str(tmp_path / "nowhere.yaml"))
    cat.reset_catalog()
    try:
        with pytest.raises(CatalogFileError, match=r"nowhere\.yaml: cannot read"):
            cat.catalog()
    finally:
        monkeypatch.delenv(CATALOG_ENV)
        cat.reset_catalog()
    assert cat.catalog().user_files == ()  # the shipped data alone still loads
