"""The SDK mocks that answer a program's invokes and resources when it runs offline."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs, Mocks

from thrifty.offline.answers import aws, azure, gcp, kubernetes
from thrifty.offline.answers.autoname import autonamed
from thrifty.offline.answers.cloud import (
    MOCK_AZURE_SUBSCRIPTION,
    ComputedOutputs,
    InvokeAnswer,
    OfflineCloud,
    provider_default_tags,
)
from thrifty.offline.answers.generic import generic_answer
from thrifty.offline.answers.user import UnknownInvokeError, UserAnswers, unknown_invoke_message
from thrifty.offline.answers.values import is_known

#: Hand-written invoke answers: more plausible than derived ones where programs rely on them.
BUILT_IN_INVOKES: dict[str, InvokeAnswer] = {
    **aws.INVOKES,
    **gcp.INVOKES,
    **azure.INVOKES,
    **kubernetes.INVOKES,
}

#: Outputs specific types compute, given after ``pulumi up`` only.
SPECIFIC_OUTPUTS: dict[str, ComputedOutputs] = {
    **aws.SPECIFIC,
    **gcp.SPECIFIC,
    **azure.SPECIFIC,
    **kubernetes.SPECIFIC,
}

_PACKAGE_OUTPUTS = {"aws": aws.computed, "gcp": gcp.computed, "azure-native": azure.computed}

_PROVIDER_PREFIX = "pulumi:providers:"
_AWS_PROVIDER = "pulumi:providers:aws"


class OfflineMocks(Mocks):
    """Mocks that echo inputs as outputs and add what a provider would compute.

    With ``preview=True`` (the default: a plan is a preview) a new resource's outputs are its
    inputs plus what the provider knows while planning, so everything else resolves as
    unknown; with ``preview=False`` they are what ``pulumi up`` would leave (ids, ARNs,
    endpoints ...). ``region`` and the account/project ids only shape the answers.
    """

    def __init__(
        self,
        region: str = "us-east-1",
        gcp_project: str = "offline-project",
        azure_subscription: str = MOCK_AZURE_SUBSCRIPTION,
        *,
        preview: bool = True,
        aws_default_tags: Mapping[str, str] | None = None,
        user_answers: UserAnswers | None = None,
    ) -> None:
        self.cloud = OfflineCloud(region, gcp_project, azure_subscription, aws_default_tags or {})
        self.preview = preview
        self.user = user_answers or UserAnswers()
        # Explicit provider resources seen so far, by "<type>::<name>".
        self._providers: dict[str, _Provider] = {}

    @property
    def region(self) -> str:
        return self.cloud.region

    @classmethod
    def from_config(
        cls,
        config: Mapping[str, object],
        *,
        preview: bool = True,
        project_root: Path | None = None,
    ) -> OfflineMocks:
        """Mocks for a stack: region and ids from its config (``ns:key -> value``), the
        project's own answers from ``project_root`` and ``thrifty:answers`` (checked now, so a
        bad answers file fails before the program runs)."""
        cloud = OfflineCloud.from_config(config)
        return cls(
            cloud.region,
            cloud.gcp_project,
            cloud.azure_subscription,
            preview=preview,
            aws_default_tags=cloud.aws_default_tags,
            user_answers=UserAnswers.load(project_root, config),
        )

    def call(self, args: MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        """Answer an invoke: built-in or SDK-derived answer, the project's laid over it.

        Invokes run in ``pulumi preview`` too (a data source is read while planning), so the
        answer does not depend on ``preview``, except through a provider whose own config is
        not known yet: the engine answers those with an empty result (pulumi
        ``sdk/go/common/resource/plugin/provider_plugin.go``, ``Invoke``: "If the provider is
        not fully configured, return an empty bag"), and so does this.
        """
        token, call_args = args.token, dict(args.args)
        provider = self._provider(args.provider)
        if self.preview and provider is not None and not provider.configured:
            return {}
        cloud = self.cloud
        if provider is not None and provider.default_tags is not None:
            cloud = replace(cloud, aws_default_tags=provider.default_tags)
        built_in = BUILT_IN_INVOKES.get(token)
        base = built_in(cloud, call_args) if built_in else generic_answer(cloud, token, call_args)
        own = self.user.invoke(token, call_args, self.preview)
        if base is None and own is None:
            raise UnknownInvokeError(unknown_invoke_message(token, call_args, self.user.path))
        return {**(base or {}), **(own or {})}

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        """The id and state of a registered (or read) resource.

        A read (``Resource.get``) or an import names an existing resource, which the engine
        reads even while previewing: its outputs are known, and it keeps the name it has (no
        auto-name). A new one in preview gets no id.
        """
        inputs = dict(args.inputs)
        if args.typ.startswith(_PROVIDER_PREFIX):
            self._providers[f"{args.typ}::{args.name}"] = _Provider(
                configured=is_known(inputs),
                default_tags=provider_default_tags(inputs) if args.typ == _AWS_PROVIDER else None,
            )
        exists = bool(args.resource_id)
        known = exists or not self.preview
        state = dict(inputs)
        if args.custom is not False:  # custom resources, and reads (where custom is unset)
            if not exists:
                state.update(autonamed(args.typ, args.name, inputs))
            state.update(self._computed(args, state, known))
        state.update(self.user.resource(args.typ, args.name, inputs, self.preview))
        resource_id = (args.resource_id or f"{args.name}-id") if known else ""
        return resource_id, state

    def _computed(
        self, args: MockResourceArgs, state: Mapping[str, Any], known: bool
    ) -> dict[str, Any]:
        """Outputs the provider computes: while planning only ``tagsAll``, after ``up`` also
        ARNs, ids, endpoints and the type's specific outputs."""
        package = args.typ.split(":", 1)[0]
        computed: dict[str, Any] = {}
        if package == "aws":
            computed.update(aws.tags_all(args.typ, state, self._default_tags(args.provider)))
        if not known:
            return computed
        package_outputs = _PACKAGE_OUTPUTS.get(package)
        if package_outputs is not None:
            computed.update(package_outputs(self.cloud, args.typ, args.name, state))
        specific = SPECIFIC_OUTPUTS.get(args.typ)
        if specific is not None:
            computed.update(specific(self.cloud, args.name, {**state, **computed}))
        return computed

    def _provider(self, reference: str | None) -> _Provider | None:
        """The explicit provider a reference (``<urn>::<id>``) names; None for the default."""
        parts = (reference or "").split("::")
        if len(parts) < 5:
            return None
        typ, name = parts[-3].split("$")[-1], parts[-2]
        return self._providers.get(f"{typ}::{name}", _Provider(configured=True))

    def _default_tags(self, provider_reference: str | None) -> dict[str, str] | None:
        """The default tags of the AWS provider a resource uses (None: not known)."""
        provider = self._provider(provider_reference)
        if provider is None:
            return dict(self.cloud.aws_default_tags)
        return provider.default_tags


@dataclass(frozen=True)
class _Provider:
    """What the mocks remember of an explicit provider resource."""

    configured: bool  # every config value known (never true for unknowns in preview)
    default_tags: dict[str, str] | None = None  # AWS defaultTags (None: unknown or not AWS)
