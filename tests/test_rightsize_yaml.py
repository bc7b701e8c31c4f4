"""The change as an edit of the stack file: only the changed values move; comments, key order,
flow style and quoting stay as written."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO_ROOT
from thrifty.rightsize.changes import ConfigChange
from thrifty.rightsize.yaml_edit import StackFileError, edit_stack_file, edit_text

SHOP = REPO_ROOT / "tests" / "fixtures" / "rightsize" / "project" / "Pulumi.shop.yaml"
WORKLOADS, CLUSTER = "thrifty:workloads", "thrifty:cluster"

CHANGES = [
    ConfigChange(WORKLOADS, ("churn-predictor", "resources", "requests", "cpu"), "1900m", "173m"),
    ConfigChange(WORKLOADS, ("churn-predictor", "resources", "limits", "cpu"), "2", "183m"),
    ConfigChange(
        CLUSTER,
        ("spotPools", 0, "instanceTypes"),
        ("m5.xlarge", "m5a.xlarge", "m6i.xlarge"),
        ("m5.large", "m5a.large", "m6i.large"),
    ),
    ConfigChange(CLUSTER, ("spotPools", 0, "vcpus"), 4, 2),
    ConfigChange(
        WORKLOADS,
        ("feature-api", "resources", "requests", "memory"),
        "256Mi",
        "69Mi",
        fill=(("cpu", "100m"), ("memory", "256Mi")),
    ),
]


def _keys(node: object, prefix: str = "") -> list[str]:
    """Every key path in document order."""
    if isinstance(node, dict):
        return [
            path
            for key, value in node.items()
            for path in [f"{prefix}/{key}", *_keys(value, f"{prefix}/{key}")]
        ]
    if isinstance(node, list):
        return [path for i, item in enumerate(node) for path in _keys(item, f"{prefix}[{i}]")]
    return []


def test_the_edit_keeps_comments_order_and_style() -> None:
    edited = edit_stack_file(SHOP, CHANGES, "Pulumi.shop.yaml")
    before, after = edited.before.splitlines(), edited.after.splitlines()
    # Every comment line stays, in order.
    assert [line for line in before if line.strip().startswith("#")] == [
        line for line in after if line.strip().startswith("#")
    ]
    # The keys keep their order; the only new ones are feature-api's resources, at its end.
    old_keys, new_keys = _keys(yaml.safe_load(edited.before)), _keys(yaml.safe_load(edited.after))
    added = [key for key in new_keys if key not in old_keys]
    assert [key for key in new_keys if key in old_keys] == old_keys
    assert added == [
        "/config/thrifty:workloads/feature-api/resources",
        "/config/thrifty:workloads/feature-api/resources/requests",
        "/config/thrifty:workloads/feature-api/resources/requests/cpu",
        "/config/thrifty:workloads/feature-api/resources/requests/memory",
    ]
    diff = edited.diff()
    removed = [line for line in diff.splitlines() if line.startswith("-") and line[:3] != "---"]
    spot_types = "[m5.xlarge, m5a.xlarge, m6i.xlarge]   # three types: spot diversity"
    assert removed == [
        f"-        instanceTypes: {spot_types}",
        "-        vcpus: 4",
        "-        requests: {cpu: 1900m, memory: 2Gi}",
        '-        limits: {cpu: "2", memory: 3Gi}   # a little above the requests',
    ]
    assert "+        instanceTypes: [m5.large, m5a.large, m6i.large]" in diff  # flow style kept
    assert "+        limits: {cpu: 183m, memory: 3Gi}" in diff  # no quotes needed any more
    assert diff.startswith("--- a/Pulumi.shop.yaml\n+++ b/Pulumi.shop.yaml\n")
    # The whole requests mapping is written where the file had none (a partial one is invalid).
    feature = yaml.safe_load(edited.after)["config"][WORKLOADS]["feature-api"]
    assert feature["resources"] == {"requests": {"cpu": "100m", "memory": "69Mi"}}
    assert edited.notes == []


def test_an_inline_comment_keeps_its_column_where_the_new_value_fits() -> None:
    text = SHOP.read_text()
    path = ("churn-predictor", "resources", "limits")
    shorter = [
        ConfigChange(WORKLOADS, (*path, "cpu"), "2", "1"),
        ConfigChange(WORKLOADS, (*path, "memory"), "3Gi", "2Gi"),
    ]
    after, _ = edit_text(text, shorter, "shop")
    assert '        limits: {cpu: "1", memory: 2Gi}   # a little above the requests' in after
    spot = ("spotPools", 0, "instanceTypes")
    types = ConfigChange(
        CLUSTER, spot, ("m5.xlarge", "m5a.xlarge", "m6i.xlarge"), ("m5.large", "m5a.large")
    )
    after, _ = edit_text(text, [types], "shop")
    column = next(line for line in text.splitlines() if "# three types" in line).index("#")
    line = next(line for line in after.splitlines() if "# three types" in line)
    assert (
        line.startswith("        instanceTypes: [m5.large, m5a.large]")
        and line.index("#") == column
    )
    # A value that runs past the comment's column pushes it to one space after the value
    # (ruamel cannot keep a column the value already covers).
    longer = [ConfigChange(WORKLOADS, (*path, "cpu"), "2", "183m"),
              ConfigChange(WORKLOADS, (*path, "memory"), "3Gi", "1035Mi")]  # fmt: skip
    after, _ = edit_text(text, longer, "shop")
    assert "        limits: {cpu: 183m, memory: 1035Mi} # a little above the requests" in after


def test_a_number_like_value_keeps_its_quotes() -> None:
    text = (
        "config:\n  thrifty:workloads:\n    app:\n      resources:\n"
        '        limits: {cpu: "1", memory: 1Gi}\n'
    )
    change = ConfigChange(WORKLOADS, ("app", "resources", "limits", "cpu"), "1", "2")
    after, _ = edit_text(text, [change], "test")
    assert 'limits: {cpu: "2", memory: 1Gi}' in after
    assert yaml.safe_load(after)["config"][WORKLOADS]["app"]["resources"]["limits"]["cpu"] == "2"


def test_comments_after_the_last_entry_stay_above_the_next_section() -> None:
    text = (
        "config:\n"
        "  thrifty:cluster:\n"
        "    systemPool:\n"
        "      vcpus: 2   # two\n"
        "      minSize: 1\n"
        "    # the spot pools\n"
        "    spotPools: []\n"
    )
    change = ConfigChange(CLUSTER, ("systemPool", "desiredSize"), None, 1)
    after, _ = edit_text(text, [change], "test")
    assert after == (
        "config:\n"
        "  thrifty:cluster:\n"
        "    systemPool:\n"
        "      vcpus: 2   # two\n"
        "      minSize: 1\n"
        "      desiredSize: 1\n"
        "    # the spot pools\n"
        "    spotPools: []\n"
    )


def test_the_file_indentation_is_kept() -> None:
    text = (
        "config:\n    thrifty:cluster:\n        systemPool:\n            minSize: 2\n"
        "        spotPools:\n        -   name: spot\n            minSize: 1\n"
    )
    change = ConfigChange(CLUSTER, ("spotPools", 0, "minSize"), 1, 0)
    after, notes = edit_text(text, [change], "test")
    assert after == text.replace("minSize: 1", "minSize: 0")
    assert notes == []


def test_a_change_that_names_no_place_in_the_file_is_an_error(tmp_path: Path) -> None:
    change = ConfigChange(CLUSTER, ("spotPools", 3, "minSize"), 1, 0)
    with pytest.raises(
        StackFileError, match=r"thrifty:cluster\.spotPools\[3\]\.minSize: no item 3"
    ):
        edit_stack_file(SHOP, [change])
    broken = tmp_path / "Pulumi.bad.yaml"
    broken.write_text("config: [\n")
    with pytest.raises(StackFileError, match="not valid YAML"):
        edit_stack_file(broken, [change])
