"""The recording engine: run any Pulumi Python program offline and keep every registration.

The program runs under the SDK's own mock engine, in-process, with a monitor that keeps each
``RegisterResource`` request whole: type, name, URN, parent, custom or component, inputs in wire
form (camelCase keys, as the engine and a policy pack see them), provider reference and the
resource options (protect, retainOnDelete, ignoreChanges, dependencies ...). The tests, the
``thrifty plan`` command and the benchmark all record through this one module.

Every run gets a fresh event loop and a copied ``contextvars`` context (the SDK keeps its
settings, config and root stack in context variables), so two stacks recorded in one process
never see each other's resources or config. Knows nothing of thrifty's components.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import logging
import runpy
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.protobuf import json_format
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.config import set_all_config
from pulumi.runtime.mocks import MockEngine, MockMonitor, Mocks, MockSettings
from pulumi.runtime.proto import engine_pb2, resource_pb2
from pulumi.runtime.stack import run_in_stack

from thrifty.offline.answers import OfflineMocks
from thrifty.offline.project import PulumiProject, load_project

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
    preview: bool = False,
    mocks: Mocks | None = None,
    root_directory: str | None = None,
    raise_errors: bool = True,
) -> Recording:
    """Run ``program`` under the mock engine and return what it registered.

    ``config`` is the engine-form config map (``ns:key -> text``). ``preview=True`` runs as
    ``pulumi preview`` does (``pulumi.runtime.is_dry_run()`` is true). Exceptions raised by the
    program propagate unchanged; with ``raise_errors=False`` they are kept in
    ``Recording.error`` beside whatever was registered before the failure.
    """
    config = dict(config or {})
    mocks = mocks or OfflineMocks.from_config(config)
    context = contextvars.copy_context()
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
    pulumi_settings.configure(
        MockSettings(  # type: ignore[no-untyped-call]
            monitor=monitor,
            monitor_features=set(),
            engine=engine,
            project=project,
            stack=stack,
            dry_run=preview,
            organization="organization",
            root_directory=root_directory,
            callbacks=None,
        )
    )
    loop = asyncio.new_event_loop()
    loop.set_default_executor(_RPC_EXECUTOR)
    previous_loop = _current_loop()
    asyncio.set_event_loop(loop)
    error: BaseException | None = None
    try:
        loop.run_until_complete(run_in_stack(lambda: _run_ignoring_result(program)))
    except Exception as program_error:  # kept for the caller; raised again by default
        error = program_error
    finally:
        _close_loop(loop)
        asyncio.set_event_loop(previous_loop)
    return Recording(
        project=project,
        stack=stack,
        resources=list(monitor.recorded),
        outputs=monitor.stack_outputs,
        messages=engine.messages,
        error=error,
    )


def _run_ignoring_result(program: Callable[[], object]) -> None:
    """Programs may return anything; the SDK only awaits what ``pulumi.run`` style returns."""
    program()


def _current_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:
        return None


class _SharedExecutor(concurrent.futures.ThreadPoolExecutor):
    """The SDK's RPC worker threads, kept for the whole process.

    The SDK runs each monitor call in the loop's default executor, and each worker thread
    makes itself an event loop. With a new executor per recording, ``loop.close()`` ends those
    threads and their loops are left to the garbage collector, which closes them in the
    wrong order ("Invalid file descriptor: -1" on stderr). One executor that a loop's
    ``close()`` cannot shut down keeps the threads and their loops alive and reused.
    """

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Ignored: the executor outlives every recording (threads end at interpreter exit)."""


_RPC_EXECUTOR = _SharedExecutor(max_workers=8, thread_name_prefix="thrifty-recording")


def _close_loop(loop: asyncio.AbstractEventLoop) -> None:
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()


def run_project_program(project: PulumiProject) -> Callable[[], object]:
    """The program of a project as the Python language host runs it: ``__main__`` of ``main``."""

    def program() -> None:
        main = project.main
        target = main if main.is_file() else main / "__main__.py"
        if not target.is_file():
            raise FileNotFoundError(f"{project.root}: the program {target} does not exist")
        search_path = str(target.parent)
        sys.path.insert(0, search_path)
        try:
            runpy.run_path(str(target), run_name="__main__")
        finally:
            if search_path in sys.path:
                sys.path.remove(search_path)
            _forget_modules_under(target.parent)

    return program


def _forget_modules_under(directory: Path) -> None:
    """Drop the program's own modules from ``sys.modules`` so the next run, possibly of
    another project with a module of the same name, imports its own."""
    root = str(directory.resolve())
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if path and str(Path(path).resolve()).startswith(root + "/"):
            del sys.modules[name]


def record_stack(
    project_dir: str | Path,
    stack: str,
    *,
    preview: bool = False,
    mocks: Mocks | None = None,
    config_overrides: Mapping[str, object] | None = None,
    raise_errors: bool = True,
) -> Recording:
    """Record a project's program with the config of ``Pulumi.<stack>.yaml``.

    ``config_overrides`` replaces single keys (engine form) of the stack's file, for tests
    and what-if plans. Raises :class:`thrifty.offline.project.ProjectError` for a directory that is
    not a Python Pulumi project or a stack without a config file.
    """
    project = load_project(project_dir)
    config = {**project.stack_config(stack), **(config_overrides or {})}
    return record_program(
        run_project_program(project),
        project=project.name,
        stack=stack,
        config=config,
        preview=preview,
        mocks=mocks,
        root_directory=str(project.root),
        raise_errors=raise_errors,
    )
