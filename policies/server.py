"""Serve the pack over gRPC like ``pulumi_policy.PolicyPack``, but never answer with an error.

pulumi_policy turns the request into Python values before any policy runs, and fails the RPC
(so the user's whole preview) on values it cannot convert: a non-finite number (a program can
pass ``float("nan")``; protobuf carries it, ``json_format`` refuses it), a malformed secret or
asset marker, an enforcement level outside the enum. This server subclasses pulumi_policy's
servicer: it rewrites non-finite numbers as text (rules then report the value as not
checkable), maps unknown enforcement levels to mandatory (fail closed), and if the SDK still
raises, answers with one mandatory "not checkable" diagnostic that names the error.

The server start-up mirrors ``PolicyPack.__init__`` (pulumi-policy 1.21): a 4-thread gRPC server
on 127.0.0.1, the port printed on stdout, serve until terminated.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from concurrent import futures
from typing import Any, TypeVar

import grpc
from google.protobuf import struct_pb2
from pulumi.runtime import proto
from pulumi.runtime.proto import analyzer_pb2_grpc
from pulumi_policy import EnforcementLevel, Policy
from pulumi_policy.policy import _GRPC_CHANNEL_OPTIONS, _PolicyAnalyzerServicer

from thrifty import __version__

Reply = TypeVar("Reply")

_LEVELS = frozenset(proto.EnforcementLevel.values())


def _sanitize_value(value: struct_pb2.Value) -> None:
    kind = value.WhichOneof("kind")
    if kind == "number_value" and not math.isfinite(value.number_value):
        value.string_value = str(value.number_value)
    elif kind == "struct_value":
        sanitize_struct(value.struct_value)
    elif kind == "list_value":
        for item in value.list_value.values:
            _sanitize_value(item)


def sanitize_struct(struct: struct_pb2.Struct) -> None:
    """Rewrite non-finite numbers (anywhere inside) as their text, in place."""
    for key in struct.fields:
        _sanitize_value(struct.fields[key])


def _sanitize_resource(resource: Any) -> None:
    sanitize_struct(resource.properties)
    if resource.HasField("provider"):
        sanitize_struct(resource.provider.properties)


class HardenedServicer(_PolicyAnalyzerServicer):
    """pulumi_policy's servicer with requests sanitised and failures turned into diagnostics."""

    def __init__(self, name: str, policies: list[Policy], description: str) -> None:
        super().__init__(name, __version__, policies, EnforcementLevel.ADVISORY, None, description)
        self._name = name

    @property
    def _base(self) -> Any:
        """pulumi_policy's own implementation (its methods are untyped)."""
        return super()

    def _unreadable(self, error: Exception) -> proto.AnalyzeDiagnostic:
        message = f"not checkable: the request could not be read ({type(error).__name__}: {error})"
        return proto.AnalyzeDiagnostic(
            policyName="readable-request",
            policyPackName=self._name,
            policyPackVersion=__version__,
            description="The pack could read the resource's properties.",
            message=message,
            enforcementLevel=proto.MANDATORY,
        )

    def _guard(self, call: Callable[[], Reply], fallback: Callable[[Exception], Reply]) -> Reply:
        try:
            return call()
        except Exception as error:  # the SDK's own conversion failed: report, do not crash
            return fallback(error)

    def Analyze(self, request: Any, context: Any) -> Any:
        _sanitize_resource(request)
        return self._guard(
            lambda: self._base.Analyze(request, context),
            lambda error: proto.AnalyzeResponse(diagnostics=[self._unreadable(error)]),
        )

    def AnalyzeStack(self, request: Any, context: Any) -> Any:
        for resource in request.resources:
            _sanitize_resource(resource)
        return self._guard(
            lambda: self._base.AnalyzeStack(request, context),
            lambda error: proto.AnalyzeResponse(diagnostics=[self._unreadable(error)]),
        )

    def Remediate(self, request: Any, context: Any) -> Any:
        _sanitize_resource(request)
        return self._guard(
            lambda: self._base.Remediate(request, context),
            lambda error: proto.RemediateResponse(),
        )

    def Configure(self, request: Any, context: Any) -> Any:
        for name in request.policyConfig:
            config = request.policyConfig[name]
            if config.enforcementLevel not in _LEVELS:
                config.enforcementLevel = proto.MANDATORY
            sanitize_struct(config.properties)
        return self._base.Configure(request, context)


def serve(name: str, policies: list[Policy], description: str) -> None:
    """Start the Analyzer server, print its port as the CLI expects, and serve until killed."""
    servicer = HardenedServicer(name, policies, description)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), options=_GRPC_CHANNEL_OPTIONS)
    analyzer_pb2_grpc.add_AnalyzerServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    sys.stdout.buffer.write(f"{port}\n".encode())
    sys.stdout.flush()
    try:
        server.wait_for_termination()
    except KeyboardInterrupt:
        server.stop(0)
