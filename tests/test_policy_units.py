"""The pack's config files against the stacks, and the small parsers the rules rely on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from thrifty.config import CapsConfig
from thrifty.offline.analyzer_client import duration_seconds
from thrifty.offline.project import load_project
from thrifty.policies.core import NotCheckable
from thrifty.policies.regions import normalise_region
from thrifty.policies.sizing import instance_shape
from thrifty.policies.workloads import parse_quantity

ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = ROOT / "policies" / "config"
CONFIG_OF_ENVIRONMENT = {"development": "dev", "staging": "staging", "production": "production"}
# Which policy's config holds each thrifty:caps key.
CAPS_POLICY = {
    "maxNodeVcpus": "oversized-instances",
    "maxNodeMemoryGib": "oversized-instances",
    "allowGpu": "oversized-instances",
    "maxNodesPerPool": "node-count-caps",
    "maxNodesPerCluster": "cluster-node-caps",
    "maxDiskGib": "disk-size-caps",
}


def test_caps_policies_cover_every_caps_key() -> None:
    caps_keys = {field.alias for field in CapsConfig.model_fields.values()}
    assert caps_keys == set(CAPS_POLICY)


@pytest.mark.parametrize("stack", load_project(ROOT).stacks())
def test_each_stack_caps_equal_its_environment_pack_config(stack: str) -> None:
    stack_config = load_project(ROOT).stack_config(stack)
    caps = json.loads(str(stack_config.get("thrifty:caps", "{}")))
    environment = str(stack_config["thrifty:environment"])
    pack_config = json.loads(
        (CONFIG_DIR / f"{CONFIG_OF_ENVIRONMENT[environment]}.json").read_text()
    )
    expected = CapsConfig.model_validate(caps).model_dump(by_alias=True)
    for key, policy in CAPS_POLICY.items():
        assert pack_config[policy][key] == expected[key], f"{stack}: {policy}.{key}"
    assert pack_config["required-tags"]["expectedEnvironment"] == environment
    assert pack_config["cost-tags-reach-instances"]["expectedEnvironment"] == environment


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("500m", 0.5),
        ("2", 2.0),
        ("1.5", 1.5),
        ("512Mi", 512 * 2**20),
        ("1Gi", 2**30),
        ("1G", 1e9),
        ("1e3", 1000.0),
        (4, 4.0),
    ],
)
def test_kubernetes_quantities(text: object, value: float) -> None:
    assert parse_quantity(text, "x") == pytest.approx(value)


@pytest.mark.parametrize("text", ["lots", "", "1Qi", True, None, [1]])
def test_bad_quantities_are_not_checkable(text: object) -> None:
    with pytest.raises(NotCheckable):
        parse_quantity(text, "x")


def test_go_durations_become_seconds() -> None:
    assert duration_seconds("5m") == 300
    assert duration_seconds("1h30m") == 5400
    assert duration_seconds("250ms") == pytest.approx(0.25)
    with pytest.raises(ValueError):
        duration_seconds("five minutes")


def test_instance_shapes_come_from_the_catalog_or_a_gcp_custom_name() -> None:
    shape = instance_shape("aws", "m5.large")
    assert shape is not None and (shape.vcpus, shape.memory_gib) == (2, 8)
    custom = instance_shape("gcp", "n2-custom-8-32768")
    assert custom is not None and (custom.vcpus, custom.memory_gib) == (8, 32)
    assert instance_shape("aws", "x9.mega") is None
    assert instance_shape("oracle", "m5.large") is None


def test_regions_are_normalised() -> None:
    assert normalise_region("East US") == "eastus"
    assert normalise_region("us-central1-b") == "us-central1"
    assert normalise_region("US-CENTRAL1") == "us-central1"
    assert normalise_region("us-east-1") == "us-east-1"


def test_an_unescaped_gcp_owner_label_says_how_to_write_it() -> None:
    """GCP labels cannot hold an e-mail address: the finding shows the escaped form."""
    from thrifty.policies.core import Resource
    from thrifty.policies.tagging import RequiredTagsConfig, check_required_tags

    labels = {
        "project": "churn-predictor",
        "environment": "development",
        "team": "ml-team",
        "cost-center": "engineering",
        "owner": "platform-at-acme",
    }
    bucket = Resource("gcp:storage/bucket:Bucket", {"labels": labels}, name="b")
    messages = [f.message for f in check_required_tags(bucket, RequiredTagsConfig())]
    assert any(
        "tag 'owner'" in message and "ml-team_at_company_dot_com" in message
        for message in messages
    ), messages
