"""What clouds would answer a program that runs offline: lookups and computed outputs.

Under the SDK's mock engine nothing reaches a cloud. :class:`OfflineMocks` answers instead:

- **Invokes** (``aws.ec2.get_ami``, ``azure_native.network.get_public_ip_address`` ...), in
  this order: the project's own answer (``thrifty-answers.yaml`` beside ``Pulumi.yaml``, or a
  hook named by ``thrifty:answers`` in stack config; see :mod:`.user`) laid over a hand-written
  one for the lookups programs lean on (zones, caller identity, regions, the default VPC, AKS
  credentials, ``getPolicyDocument`` rendered for real, ``kubernetes:yaml:decode`` parsed for
  real), or else over one derived from the invoke's own arguments and the result class the
  installed SDK declares for it (:mod:`.generic`). A token none of these knows raises
  :class:`UnknownInvokeError`, whose message shows the YAML to paste.
- **Resources**: their outputs. What they are depends on the mode, as in Pulumi itself.

Preview semantics (``preview=True``, the default; a plan is a preview). In ``pulumi preview``
the engine calls the provider's ``Check``, which fills in defaults and the auto-name, then
``Create`` with ``preview=true``, which answers the checked inputs mapped onto the outputs and
marks every other output unknown (pulumi/pulumi#3245 "Propagate inputs to outputs during
preview"; pulumi-azure-native ``SdkShapeConverter.PreviewOutputs``: "adding unknowns for all
properties that are not defined in inputs"; docs "Update plans": outputs of resources being
created are recorded as unknown). Ids, ARNs, endpoints, IP addresses and status are unknown and
``apply`` callbacks on them do not run. So in preview a new resource's state is its inputs plus
what is known at plan time: the auto-name (:mod:`.autoname`: ``<name>-<7 hex>`` on AWS and GCP,
``<name><8 hex>`` on azure-native, ``metadata.name`` ``<name>-<8 hex>`` on Kubernetes) and, on
AWS, ``tagsAll`` (default tags merged under the resource's tags: the provider computes it while
planning). Everything else is left out, so the SDK resolves it as unknown, and the mock returns
no id, so ``id`` is unknown too; that includes provider resources, whose ids a preview does not
know either. A resource that already exists (``Resource.get``, an import) is read even in
preview, so its outputs are known. Invokes are answered in both modes: data sources are read
while planning.

Up semantics (``preview=False``): outputs are what ``pulumi up`` would leave: inputs,
auto-name, ``tagsAll``, ids (``<name>-id``), ARNs / self links / ARM ids, and the outputs
thrifty's own components read back (EKS endpoint and CA, node group Auto Scaling groups,
service account emails ...).

Everything is plausible and deterministic, never real account data. Computed outputs never
crash on inputs of an unexpected shape (:mod:`.values` reads them defensively).
"""

from __future__ import annotations

from thrifty.offline.answers.cloud import (
    MOCK_AWS_ACCOUNT,
    MOCK_AZURE_SUBSCRIPTION,
    MOCK_AZURE_TENANT,
    MOCK_CA_DATA,
    MOCK_GCP_PROJECT_NUMBER,
    OfflineCloud,
)
from thrifty.offline.answers.mocks import OfflineMocks
from thrifty.offline.answers.user import (
    ANSWERS_FILE,
    HOOK_CONFIG_KEY,
    AnswerRequest,
    AnswersError,
    UnknownInvokeError,
    UserAnswers,
)

__all__ = [
    "ANSWERS_FILE",
    "HOOK_CONFIG_KEY",
    "MOCK_AWS_ACCOUNT",
    "MOCK_AZURE_SUBSCRIPTION",
    "MOCK_AZURE_TENANT",
    "MOCK_CA_DATA",
    "MOCK_GCP_PROJECT_NUMBER",
    "AnswerRequest",
    "AnswersError",
    "OfflineCloud",
    "OfflineMocks",
    "UnknownInvokeError",
    "UserAnswers",
]
