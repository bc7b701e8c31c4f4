"""The stack as it is: its workloads' containers and its node pools, read from the stack file.

Right-sizing changes config, so it reads the config the program reads: the stack's
``Pulumi.<stack>.yaml`` through :mod:`thrifty.offline.project` (as ``thrifty plan`` finds it)
and :func:`thrifty.config.validate_environment_config` (every default filled in, every key
checked). Each workload (``thrifty:workloads``, :mod:`thrifty.workload.spec`) runs one main
container named after itself; each pool (``thrifty:cluster``) has a place in the config that a
change can name.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from thrifty.cluster.spec import PoolSpec, Role
from thrifty.config import EnvironmentConfig, validate_environment_config
from thrifty.offline.project import PulumiProject, load_project
from thrifty.rightsize.changes import ConfigPath
from thrifty.rightsize.measure import Resource
from thrifty.workload.spec import WorkloadSpec

WORKLOADS_KEY = "thrifty:workloads"
CLUSTER_KEY = "thrifty:cluster"


@dataclass(frozen=True)
class WorkloadState:
    """One workload's main container as configured (defaults filled in)."""

    name: str
    spec: WorkloadSpec

    @property
    def namespace(self) -> str:
        return self.spec.namespace

    @property
    def container(self) -> str:
        """The main container is named after the workload (the workload component's rule)."""
        return self.name

    @property
    def min_replicas(self) -> int:
        return self.spec.autoscaling.min_replicas

    @property
    def tolerant(self) -> bool:
        """Whether its pods may run on spot nodes (``interruptionTolerant``)."""
        return self.spec.interruption_tolerant

    def request(self, resource: Resource) -> float:
        return self.spec.resources.requests.amount(resource)

    def limit(self, resource: Resource) -> float:
        return self.spec.resources.limits.amount(resource)

    def written(self, section: str, resource: Resource) -> str:
        """The quantity as the user wrote it (or the default the spec filled in)."""
        return str(getattr(getattr(self.spec.resources, section), resource))

    def ratio(self, resource: Resource) -> float:
        """Limit / request: kept when the request changes."""
        return self.limit(resource) / self.request(resource)

    def path(self, section: str, resource: Resource) -> ConfigPath:
        return (self.name, "resources", section, resource)


@dataclass(frozen=True)
class PoolState:
    """One node pool of ``thrifty:cluster`` with its place in the config."""

    role: Role
    index: int
    spec: PoolSpec

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def spot(self) -> bool:
        return self.role == "spot"

    @property
    def path(self) -> ConfigPath:
        """``systemPool``, ``spotPools[i]`` or ``onDemandPools[i]`` under ``thrifty:cluster``."""
        if self.role == "system":
            return ("systemPool",)
        return ("spotPools" if self.spot else "onDemandPools", self.index)


@dataclass(frozen=True)
class StackState:
    """A stack's config as the program would read it, with its workloads and pools."""

    project: PulumiProject
    stack: str
    engine_config: dict[str, object]
    config: EnvironmentConfig
    workloads: tuple[WorkloadState, ...]
    pools: tuple[PoolState, ...]

    @property
    def stack_file(self) -> Path:
        return self.project.stack_file(self.stack)

    def workload(self, name: str) -> WorkloadState | None:
        return next((w for w in self.workloads if w.name == name), None)


def load_stack(project_dir: str | Path, stack: str) -> StackState:
    """Read and validate ``stack`` of the project in ``project_dir``.

    Raises :class:`thrifty.offline.project.ProjectError` (not a project, unknown stack) and
    :class:`thrifty.config.ConfigError` (invalid config), as ``thrifty plan`` does.
    """
    project = load_project(project_dir)
    engine_config = project.stack_config(stack)
    config = validate_environment_config(engine_config, stack=stack, project=project.name)
    workloads = tuple(WorkloadState(name, spec) for name, spec in config.workloads.items())
    pools: list[PoolState] = []
    if config.cluster is not None:
        counters: dict[Role, int] = {"system": 0, "on-demand": 0, "spot": 0}
        for role, pool in config.cluster.pools():
            pools.append(PoolState(role, counters[role], pool))
            counters[role] += 1
    return StackState(project, stack, engine_config, config, workloads, tuple(pools))


__all__ = [
    "CLUSTER_KEY",
    "WORKLOADS_KEY",
    "PoolState",
    "StackState",
    "WorkloadState",
    "load_stack",
]
