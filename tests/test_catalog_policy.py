"""The catalog as a policy pack process sees it, over the Analyzer gRPC protocol.

Small and previous-generation sizes are sized (issue 9: "a micro instance sized"), an unknown
type is reported at the level configured for ``unknown-instance-types`` with a how-to-add entry,
and a user catalog file named by ``THRIFTY_CATALOG`` reaches the pack process.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_policy_pack import PACK_DIR, aks, configure, eks, flagged, gke, mentioned
from thrifty.cost import catalog as cat
from thrifty.cost.catalog import CATALOG_ENV
from thrifty.offline.analyzer_client import (
    AnalyzerClient,
    ResourceSpec,
    load_policy_config,
    reconcile_policy_config,
)

#: The sizes issue 9 found missing, as node pools of their cloud.
SMALL_SIZES: list[tuple[str, str, ResourceSpec]] = [
    ("aws", "t2.micro", eks(["t2.micro"])),
    ("aws", "t3.nano", eks(["t3.nano"])),
    ("aws", "m4.large", eks(["m4.large"])),
    ("gcp", "f1-micro", gke("f1-micro")),
    ("gcp", "e2-micro", gke("e2-micro")),
    ("gcp", "n1-standard-1", gke("n1-standard-1")),
    ("azure", "Standard_A1_v2", aks("Standard_A1_v2")),
    ("azure", "Standard_DS2_v2", aks("Standard_DS2_v2")),
    ("azure", "Standard_B1s", aks("Standard_B1s")),
]


@pytest.fixture(scope="module")
def pack() -> Iterator[AnalyzerClient]:
    with AnalyzerClient.start(PACK_DIR, project="test", stack="dev") as client:
        yield client


def configure_file(client: AnalyzerClient, name: str) -> None:
    config = load_policy_config(PACK_DIR / "config" / f"{name}.json")
    client.configure(reconcile_policy_config(client.info(), config))


@pytest.mark.parametrize(("cloud", "name", "pool"), SMALL_SIZES, ids=[s[1] for s in SMALL_SIZES])
def test_a_small_size_is_sized(
    pack: AnalyzerClient, cloud: str, name: str, pool: ResourceSpec
) -> None:
    known = cat.instance_type(cloud, name)  # type: ignore[arg-type]
    assert known is not None
    configure(pack, {"oversized-instances": {"maxNodeMemoryGib": 0.25}})
    result = pack.analyze(pool)
    assert flagged(result, "oversized-instances") == [
        f"instance type {name!r} has {known.memory_gib:g} GiB memory; "
        "this environment allows at most 0.25 GiB"
    ]
    assert not mentioned(result, "unknown-instance-types")
    configure_file(pack, "dev")  # a dev stack on a micro instance passes
    result = pack.analyze(pool)
    assert not mentioned(result, "oversized-instances")
    assert not mentioned(result, "unknown-instance-types")


@pytest.mark.parametrize(
    ("config", "level"),
    [
        (None, "mandatory"),
        ({"unknown-instance-types": "advisory"}, "advisory"),
        ({"unknown-instance-types": {"enforcementLevel": "mandatory"}}, "mandatory"),
        ("dev", "advisory"),
        ("staging", "advisory"),
        ("production", "mandatory"),
    ],
)
def test_an_unknown_type_is_reported_at_the_configured_level(
    pack: AnalyzerClient, config: object, level: str
) -> None:
    if isinstance(config, str):
        configure_file(pack, config)
    else:
        configure(pack, config)  # type: ignore[arg-type]
    result = pack.analyze(eks(["x9.mega"]))
    found = [v for v in result.violations if v.policy_name == "unknown-instance-types"]
    assert [v.enforcement_level for v in found] == [level]
    detail = found[0].detail
    assert detail.startswith("instance type 'x9.mega' is not in thrifty's aws catalog")
    assert CATALOG_ENV in detail and '        "x9.mega":' in detail
    assert not mentioned(result, "oversized-instances")


def test_an_unknown_type_can_be_ignored(pack: AnalyzerClient) -> None:
    configure(pack, {"unknown-instance-types": "disabled"})
    result = pack.analyze(gke("n9-standard-4"))
    assert not mentioned(result, "unknown-instance-types")
    assert not mentioned(result, "oversized-instances")


USER_FILE = """
clouds:
  aws:
    instance_types:
      items:
        acme.huge: {family: acme, category: general, vcpus: 64, memory_gib: 256,
                    architecture: x86_64, on_demand_hourly: 3.2}
        m5.large: {on_demand_hourly: 0.042}
"""


@pytest.fixture
def user_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A user catalog named in THRIFTY_CATALOG: the pack processes started now inherit it."""
    path = tmp_path / "acme.yaml"
    path.write_text(USER_FILE, encoding="utf-8")
    monkeypatch.setenv(CATALOG_ENV, str(path))
    cat.reset_catalog()
    yield path
    cat.reset_catalog()


def test_the_pack_process_sizes_a_type_from_the_users_catalog(
    pack: AnalyzerClient, user_file: Path
) -> None:
    configure(pack)  # the module's pack started without the file: the type is unknown
    assert flagged(pack.analyze(eks(["acme.huge"])), "unknown-instance-types")
    with AnalyzerClient.start(PACK_DIR, project="test", stack="dev") as with_file:
        configure(with_file)
        result = with_file.analyze(eks(["acme.huge"]))
    assert not mentioned(result, "unknown-instance-types")
    assert flagged(result, "oversized-instances") == [
        "instance type 'acme.huge' has 64 vCPUs; this environment allows at most 32",
        "instance type 'acme.huge' has 256 GiB memory; this environment allows at most 128 GiB",
    ]


PROBE = """
from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy

from thrifty.cost.catalog import instance_type


def validate(args, report):
    name = args.props["instanceType"]
    found = instance_type("aws", name)
    report(f"{name} {found.on_demand_hourly} {found.price_source}")


PolicyPack(
    "price-probe",
    [ResourceValidationPolicy("price", "Reports the catalog's price.", validate,
                              EnforcementLevel.ADVISORY)],
)
"""


def test_the_pack_process_prices_from_the_users_catalog(tmp_path: Path, user_file: Path) -> None:
    """A minimal pack that reports what ``thrifty.cost.catalog`` says inside its process."""
    probe = tmp_path / "probe"
    probe.mkdir()
    (probe / "PulumiPolicy.yaml").write_text("runtime: python\nversion: 0.0.1\n")
    (probe / "__main__.py").write_text(textwrap.dedent(PROBE))
    spec = eks(["m5.large"])
    instance = ResourceSpec(
        type="aws:ec2/instance:Instance",
        name="vm",
        urn=spec.urn.replace("eks/nodeGroup:NodeGroup::pool", "ec2/instance:Instance::vm"),
        properties={"instanceType": "m5.large"},
        provider=spec.provider,
    )
    with AnalyzerClient.start(probe, python=sys.executable) as client:
        details = [v.detail for v in client.analyze(instance).violations]
    assert details == ["m5.large 0.042 user-catalog:acme"]
