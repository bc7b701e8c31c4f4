"""The scaling benchmark's program: many environments, each the reference platform's composition.

Environment ``i`` takes the validated config of a reference stack (round robin over the stacks
that record) and runs that stack's own composition, ``stacks/platform_<cloud>.build(config)``:
foundation, network, budget, buckets, cluster with its node pools, workloads, monitoring. So the
program stays the reference program as it evolves. Each environment's resources sit under a
component of its own type (``bench:env<i>:Environment``), made the root for the time of its
``build`` with ``pulumi.runtime.set_root_resource``, so the engine would give every resource a
URN of its own (type chain + name) without renaming anything. The SDK's mock monitor, which the
recording engine runs on, builds a URN from the direct parent's type only, so resources nested
two components deep repeat their URN from one environment to the next under it; they are
identical resources (same config), recorded, analyzed and priced one by one all the same.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence
from typing import Any

import pulumi
from common import REPO_ROOT
from pulumi.runtime.settings import get_root_resource, set_root_resource

from thrifty.config import EnvironmentConfig, validate_environment_config
from thrifty.offline.project import load_project


def environment_configs(stacks: Sequence[str]) -> list[EnvironmentConfig]:
    """The validated config of each reference stack."""
    project = load_project(REPO_ROOT)
    return [
        validate_environment_config(project.stack_config(stack), stack=stack, project=project.name)
        for stack in stacks
    ]


def _builder(cloud: str) -> Callable[[EnvironmentConfig], Any]:
    """The reference program's composition for ``cloud`` (``stacks/platform_<cloud>.py``)."""
    directory = str(REPO_ROOT / "stacks")
    if directory not in sys.path:
        sys.path.insert(0, directory)
    build: Callable[[EnvironmentConfig], Any] = importlib.import_module(f"platform_{cloud}").build
    return build


def program(configs: Sequence[EnvironmentConfig], environments: int) -> Callable[[], Any]:
    """A program composing ``environments`` environments from ``configs``, round robin."""

    def run() -> None:
        stack = get_root_resource()
        for index in range(environments):
            config = configs[index % len(configs)]
            environment = pulumi.ComponentResource(
                f"bench:env{index}:Environment", f"env{index}", None, None
            )
            set_root_resource(environment)
            try:
                _builder(config.cloud)(config)
            finally:
                assert stack is not None
                set_root_resource(stack)

    return run
