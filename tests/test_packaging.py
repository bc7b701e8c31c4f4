"""Packaging: one import root over the design card's folders, in both install modes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

tomllib = pytest.importorskip("tomllib")


def listed_packages() -> set[str]:
    document = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    return set(document["tool"]["setuptools"]["packages"])


def test_every_sub_package_is_listed() -> None:
    """A folder with ``__init__.py`` that pyproject does not list is missing from wheels."""
    expected = {"thrifty", "thrifty.policies"}
    for root, prefix in (
        (REPO_ROOT / "components", "thrifty"),
        (REPO_ROOT / "policies", "thrifty.policies"),
    ):
        for init in root.rglob("__init__.py"):
            parts = init.parent.relative_to(root).parts
            if "__pycache__" not in parts:
                expected.add(".".join((prefix, *parts)))
    assert listed_packages() == expected


def test_import_root_from_outside_the_repo(tmp_path: Path) -> None:
    """``import thrifty`` resolves from any directory and loads no provider SDK."""
    code = (
        "import sys, thrifty, thrifty.tags, thrifty.config, thrifty.offline.recording;"
        "print(thrifty.__file__);"
        "print(any(m.startswith('pulumi_aws') for m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    location, loaded_aws = result.stdout.split()
    assert Path(location).name == "__init__.py"
    assert loaded_aws == "False"


def test_package_data_ships() -> None:
    document = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    data = document["tool"]["setuptools"]["package-data"]
    assert "py.typed" in data["thrifty"]
    assert (REPO_ROOT / "components" / "py.typed").exists()


def test_one_version_everywhere() -> None:
    """pyproject, the package and the policy pack (the CLI reads PulumiPolicy.yaml) agree."""
    import yaml

    import thrifty

    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    pack = yaml.safe_load((REPO_ROOT / "policies" / "PulumiPolicy.yaml").read_text())
    assert project["version"] == thrifty.__version__ == pack["version"]
