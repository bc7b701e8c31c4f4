"""The recording engine: run any Pulumi Python program offline and keep every registration.

The program runs under the SDK's own mock engine, in-process, with a monitor that keeps each
``RegisterResource`` request whole: type, name, URN, parent, custom or component, inputs in wire
form (camelCase keys, as the engine and a policy pack see them), provider reference and the
resource options (protect, retainOnDelete, ignoreChanges, dependencies ...). The tests, the
``thrifty plan`` command and the benchmark all record through this one module.

Programs run as under ``pulumi preview`` by default: ``pulumi.runtime.is_dry_run()`` is true and
outputs a provider computes (ids, ARNs, IPs, status) are unknown, so a program that reads them
(``service.status.apply(lambda s: s.load_balancer.ingress[0].ip)``) runs, and an input built
from them is recorded as the SDK's unknown sentinel. ``preview=False`` runs as ``pulumi up``.

Every run gets a fresh event loop, a copied ``contextvars`` context and a whole new SDK
``Settings`` (config, root stack, pending outputs, RPC manager), so two stacks recorded in one
process never see each other's resources or config, also after one of them failed. A project's
program runs as the Python language host runs it (``pulumi-language-python-exec``): in its
working directory, with ``sys.argv`` and ``sys.path`` set as there; cwd, ``sys.argv``,
``sys.path`` and the program's own modules are restored afterwards, also on failure. The
working directory is process-wide, so recordings in one process run one after another (each
one runs its event loop to the end before returning). Knows nothing of thrifty's components.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import contextvars
import gc
import logging
import os
import runpy
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.protobuf import json_format
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.config import set_all_config
from pulumi.runtime.mocks import MockEngine, MockMonitor, Mocks
from pulumi.runtime.proto import engine_pb2, resource_pb2
from pulumi.runtime.stack import run_in_stack

from thrifty.offline.answers import OfflineMocks
from thrifty.offline.project import ProgramLocation, PulumiProject, load_project

STACK_TYPE = "pulumi:pulumi:Stack"
PROVIDER_PREFIX = "pulumi:providers:"


@dataclass(frozen=True)
class RecordedResource:
    """One RegisterResource request as the engine would have received it."""

    type: str
    name: str
    urn: str
    parent: str
    custom: bool
    inputs: dict[str, Any]
    provider: str = ""
    protect: bool = False
    retain_on_delete: bool = False
    ignore_changes: tuple[str, ...] = ()
    dependencies: tuple[str, ...] = ()
    property_dependencies: dict[str, tuple[str, ...]] = field(default_factory=dict)
    delete_before_replace: bool = False
    additional_secret_outputs: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    custom_timeouts: dict[str, str] = field(default_factory=dict)
    resource_id: str = ""

    @property
    def is_provider(self) -> bool:
        """Provider resources (``pulumi:providers:aws``) configure other resources."""
        return self.type.startswith(PROVIDER_PREFIX)

    @property
    def package(self) -> str:
        """The package part of the type token (``aws``, ``gcp``, ``kubernetes`` ...)."""
        if self.is_provider:
            return self.type.removeprefix(PROVIDER_PREFIX)
        return self.type.split(":", 1)[0]

    @property
    def provider_urn(self) -> str:
        """The URN half of the provider reference (``urn::id``)."""
        return self.provider.rsplit("::", 1)[0] if self.provider else ""


@dataclass
class EngineMessage:
    """A log line the program or the SDK sent to the engine (warnings from components)."""

    severity: str
    message: str
    urn: str = ""


@dataclass
class Recording:
    """Everything a program registered, in registration order, plus the stack's outputs."""

    project: str
    stack: str
    resources: list[RecordedResource]
    outputs: dict[str, Any] = field(default_factory=dict)
    messages: list[EngineMessage] = field(default_factory=list)
    error: BaseException | None = None
    #: True when recorded as ``pulumi preview`` runs (unknown computed outputs), False as ``up``.
    preview: bool = True
    #: The engine-form config (``ns:key -> value``) the program ran with; default providers
    #: take their props from its ``<package>:*`` keys.
    config: dict[str, object] = field(default_factory=dict)
    _index: dict[str, RecordedResource] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def __iter__(self) -> Iterator[RecordedResource]:
        return iter(self.resources)

    def __len__(self) -> int:
        return len(self.resources)

    def of_type(self, type_token: str) -> list[RecordedResource]:
        """Resources of exactly this type token."""
        return [resource for resource in self.resources if resource.type == type_token]

    def by_urn(self) -> dict[str, RecordedResource]:
        """URN -> resource, for following parents and provider references."""
        return {resource.urn: resource for resource in self.resources}

    def get(self, urn: str) -> RecordedResource | None:
        """The resource with this URN, if it was registered.

        Called once per resource when a plan follows provider references, so the index is
        built once (and again only if ``resources`` grew), not on every lookup.
        """
        if self._index is None or len(self._index) != len(self.resources):
            self._index = self.by_urn()
        return self._index.get(urn)

    def children_of(self, urn: str) -> list[RecordedResource]:
        """Direct children of the resource with ``urn``."""
        return [resource for resource in self.resources if resource.parent == urn]

    def provider_of(self, resource: RecordedResource) -> RecordedResource | None:
        """The explicit provider resource a resource was registered with, if any."""
        return self.get(resource.provider_urn) if resource.provider else None

    @property
    def stack_urn(self) -> str:
        return f"urn:pulumi:{self.stack}::{self.project}::{STACK_TYPE}::{self.project}-{self.stack}"


class RecordingMonitor(MockMonitor):
    """A mock monitor that also keeps each full RegisterResource request."""

    def __init__(self, mocks: Mocks) -> None:
        super().__init__(mocks)
        self.recorded: list[RecordedResource] = []
        self.stack_outputs: dict[str, Any] = {}

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type == STACK_TYPE:
            return response
        self.recorded.append(_recorded_from_request(request, response))
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:
        # A component's URN contains the stack's type too ("pulumi:pulumi:Stack$..."):
        # compare the whole type part, not a substring.
        if request.urn.split("::")[2:3] == [STACK_TYPE]:
            self.stack_outputs = json_format.MessageToDict(request.outputs)
        return super().RegisterResourceOutputs(request)  # type: ignore[no-untyped-call]


def _recorded_from_request(
    request: resource_pb2.RegisterResourceRequest, response: Any
) -> RecordedResource:
    timeouts = request.customTimeouts
    return RecordedResource(
        type=request.type,
        name=request.name,
        urn=response.urn,
        parent=request.parent,
        custom=bool(request.custom),
        inputs=json_format.MessageToDict(request.object),
        provider=request.provider,
        protect=bool(request.protect),
        retain_on_delete=bool(request.retainOnDelete),
        ignore_changes=tuple(request.ignoreChanges),
        dependencies=tuple(request.dependencies),
        property_dependencies={
            key: tuple(deps.urns) for key, deps in request.propertyDependencies.items()
        },
        delete_before_replace=bool(request.deleteBeforeReplace),
        additional_secret_outputs=tuple(request.additionalSecretOutputs),
        aliases=tuple(request.aliasURNs),
        custom_timeouts={
            key: value
            for key, value in (
                ("create", timeouts.create),
                ("update", timeouts.update),
                ("delete", timeouts.delete),
            )
            if value
        },
        resource_id=response.id,
    )


_SEVERITIES = {
    engine_pb2.DEBUG: "debug",
    engine_pb2.INFO: "info",
    engine_pb2.WARNING: "warning",
    engine_pb2.ERROR: "error",
}


class RecordingEngine(MockEngine):
    """A mock engine that keeps the log lines instead of only printing them."""

    def __init__(self) -> None:
        super().__init__(logging.getLogger("thrifty.offline.recording"))
        self.messages: list[EngineMessage] = []

    def Log(self, request: Any) -> None:
        severity = _SEVERITIES.get(request.severity, "info")
        if severity != "debug":
            self.messages.append(EngineMessage(severity, request.message, request.urn))


def record_program(
    program: Callable[[], object],
    *,
    project: str = "test",
    stack: str = "dev",
    config: Mapping[str, object] | None = None,
    preview: bool = True,
    mocks: Mocks | None = None,
    root_directory: str | None = None,
    raise_errors: bool = True,
) -> Recording:
    """Run ``program`` under the mock engine and return what it registered.

    ``config`` is the engine-form config map (``ns:key -> text``). ``preview=True`` (the
    default) runs as ``pulumi preview`` does: ``pulumi.runtime.is_dry_run()`` is true and
    computed outputs are unknown; ``preview=False`` runs as ``pulumi up``. Exceptions raised
    by the program propagate unchanged; with ``raise_errors=False`` they are kept in
    ``Recording.error`` beside whatever was registered before the failure. A
    :class:`ProjectProgram` runs in its working directory (see :func:`run_project_program`).
    """
    config = dict(config or {})
    mocks = mocks or OfflineMocks.from_config(config, preview=preview)
    location = program.location if isinstance(program, ProjectProgram) else None
    context = contextvars.copy_context()
    with _program_process_state(location):
        recording: Recording = context.run(
            _record_in_context, program, project, stack, config, preview, mocks, root_directory
        )
    if recording.error is not None and raise_errors:
        raise recording.error
    return recording


def _record_in_context(
    program: Callable[[], object],
    project: str,
    stack: str,
    config: dict[str, object],
    preview: bool,
    mocks: Mocks,
    root_directory: str | None,
) -> Recording:
    monitor = RecordingMonitor(mocks)
    engine = RecordingEngine()
    set_all_config({key: str(value) for key, value in config.items()}, [])
    pulumi_settings.ROOT.set(None)
    # A whole Settings, as the language host makes for each run. The SDK's MockSettings only
    # sets what it is given and leaves the rest (the set of pending outputs and its lock) at
    # the process-wide default, so a failed run's pending outputs, bound to its closed loop,
    # were awaited by every later run ("Event loop is closed").
    pulumi_settings.configure(
        pulumi_settings.Settings(
            project=project,
            stack=stack,
            monitor=monitor,
            engine=engine,
            dry_run=preview,
            organization="organization",
            root_directory=root_directory,
        )
    )
    # The loop is never made the thread's current loop: the SDK only asks for the current loop
    # while this one runs (and then gets it), so the caller's event loop policy is untouched.
    loop = asyncio.new_event_loop()
    loop.set_default_executor(_RPC_EXECUTOR)
    loop.set_exception_handler(_ignore_unobserved_failures)
    error: BaseException | None = None
    try:
        with _collector_paused():
            loop.run_until_complete(run_in_stack(lambda: _run_ignoring_result(program)))
    except Exception as program_error:  # kept for the caller; raised again by default
        error = program_error
    finally:
        _close_loop(loop)
    return Recording(
        project=project,
        stack=stack,
        resources=list(monitor.recorded),
        outputs=monitor.stack_outputs,
        messages=engine.messages,
        error=error,
        preview=preview,
        config=dict(config),
    )


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while a program runs, back on after.

    The SDK makes tasks, futures and callbacks for every output, and each of the collector's
    passes walks every object alive, the provider SDKs' modules included: it was about two
    thirds of a recording's time, more the larger the program (bench/analysis.md). Paused, a
    5,000-resource program records 3x faster for about 7 % more peak memory.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _run_ignoring_result(program: Callable[[], object]) -> None:
    """Programs may return anything; the SDK only awaits what ``pulumi.run`` style returns."""
    program()


#: asyncio's complaints about futures nobody awaited. When a resource or an ``apply`` fails,
#: the outputs that depend on it fail too and are never awaited: the failure itself is
#: reported once, as the program's error. The language host silences the same complaints
#: (``pulumi-language-python-exec`` sets the ``asyncio`` logger to CRITICAL for the process);
#: here only this run's loop ignores them.
_UNOBSERVED = ("exception was never retrieved", "Task was destroyed but it is pending")


def _ignore_unobserved_failures(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    message = str(context.get("message", ""))
    if not any(text in message for text in _UNOBSERVED):
        loop.default_exception_handler(context)


class _SharedExecutor(concurrent.futures.ThreadPoolExecutor):
    """The SDK's RPC worker threads, kept for the whole process.

    The SDK runs each monitor call in the loop's default executor, and each worker thread
    needs an event loop of its own. With a new executor per recording, ``loop.close()`` ended
    those threads and their loops were left to the garbage collector, which closed them in the
    wrong order ("Invalid file descriptor: -1" on stderr). One executor that a loop's
    ``close()`` cannot shut down keeps the threads; each worker's loop is made when the thread
    starts and closed, in order, when the process exits.
    """

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Ignored: the executor outlives every recording (threads end at interpreter exit)."""


_WORKER_LOOPS: list[asyncio.AbstractEventLoop] = []


def _give_worker_a_loop() -> None:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    _WORKER_LOOPS.append(loop)


@atexit.register
def _close_worker_loops() -> None:
    for loop in _WORKER_LOOPS:
        if not loop.is_running():
            loop.close()


_RPC_EXECUTOR = _SharedExecutor(
    max_workers=8, thread_name_prefix="thrifty-recording", initializer=_give_worker_a_loop
)


def _close_loop(loop: asyncio.AbstractEventLoop) -> None:
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()


@dataclass(frozen=True)
class ProjectProgram:
    """A project's program, run as the Python language host runs it.

    ``pulumi-language-python-exec`` changes to the program's directory, sets ``sys.argv`` to
    ``[PROGRAM]`` and calls ``runpy.run_path(PROGRAM, run_name="__main__")``. For a directory
    (``PROGRAM`` is ``.``) ``run_path`` puts it first on ``sys.path`` while the program runs;
    for a file it adds nothing, so a ``main: app.py`` program cannot import its neighbours
    under Pulumi either (pulumi/pulumi#7360). :func:`record_program` sets the working
    directory and ``sys.argv`` for the whole run, asynchronous callbacks included.
    """

    location: ProgramLocation

    def __call__(self) -> None:
        runpy.run_path(self.location.entry, run_name="__main__")


def run_project_program(project: PulumiProject) -> ProjectProgram:
    """The program of ``project``; raises ``ProjectError`` if its ``main`` has no program."""
    return ProjectProgram(project.program())


@contextlib.contextmanager
def _program_process_state(location: ProgramLocation | None) -> Iterator[None]:
    """Run in the program's directory and give back cwd, argv, sys.path and modules after."""
    cwd = os.getcwd()
    argv, argv_items = sys.argv, list(sys.argv)
    path = list(sys.path)
    modules = set(sys.modules)
    _forget_relative_importers()
    try:
        if location is not None:
            os.chdir(location.directory)
            sys.argv = [location.entry]
        yield
    finally:
        # Entries the program added, made absolute while still in its working directory.
        added = [Path(entry or ".").resolve() for entry in sys.path if entry not in path]
        program_dirs = [*added, *([location.directory] if location is not None else [])]
        os.chdir(cwd)
        argv[:] = argv_items
        sys.argv = argv
        sys.path[:] = path
        _forget_relative_importers()
        _forget_program_modules(set(sys.modules) - modules, program_dirs)


def _forget_relative_importers() -> None:
    """``sys.path_importer_cache`` keys a finder for ``.`` by the text ``.``: a later run in
    another directory would import from this one's."""
    for key in [key for key in sys.path_importer_cache if not os.path.isabs(key)]:
        del sys.path_importer_cache[key]


def _forget_program_modules(names: Iterable[str], directories: list[Path]) -> None:
    """Drop the modules this run imported from the program's directories, so the next run,
    possibly of another project with a module of the same name, imports its own. Modules it
    imported from elsewhere (the SDKs, thrifty) stay loaded."""
    if not directories:
        return
    roots = [directory.resolve() for directory in directories]
    for name in names:
        if any(_is_under(Path(location), roots) for location in _module_locations(name)):
            del sys.modules[name]


def _module_locations(name: str) -> list[str]:
    """Where a loaded module's file or package directories are.

    Read from the module's ``__dict__`` without attribute access: the provider SDKs register
    their submodules as lazy modules, and any attribute access would import them (seconds).
    """
    module = sys.modules.get(name)
    if module is None:
        return []
    namespace = object.__getattribute__(module, "__dict__")
    file = namespace.get("__file__")
    path = namespace.get("__path__")
    directories = [] if path is None or isinstance(path, str) else list(path)
    return [location for location in [file, *directories] if isinstance(location, str)]


def _is_under(path: Path, roots: list[Path]) -> bool:
    resolved = path.resolve()
    return any(resolved.is_relative_to(root) for root in roots)


def record_stack(
    project_dir: str | Path,
    stack: str,
    *,
    preview: bool = True,
    mocks: Mocks | None = None,
    config_overrides: Mapping[str, object] | None = None,
    raise_errors: bool = True,
) -> Recording:
    """Record a project's program with the config of ``Pulumi.<stack>.yaml``.

    ``config_overrides`` replaces single keys (engine form) of the stack's file, for tests
    and what-if plans. Raises :class:`thrifty.offline.project.ProjectError` for a directory
    that is not a Python Pulumi project, a stack without a config file or invalid config, and
    a ``main`` that holds no program, all before the program runs.
    """
    project = load_project(project_dir)
    config = {**project.stack_config(stack), **(config_overrides or {})}
    return record_program(
        run_project_program(project),
        project=project.name,
        stack=stack,
        config=config,
        preview=preview,
        mocks=mocks or OfflineMocks.from_config(config, preview=preview, project_root=project.root),
        root_directory=str(project.root),
        raise_errors=raise_errors,
    )
