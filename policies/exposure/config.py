"""The rule's settings, and the shape of a check that reads them.

Most exposure checks judge props alone (:data:`thrifty.policies.exposure.common.Check`). A few
depend on what the organisation allows: Azure storage accounts accept Shared Key (account key)
authorisation by default, which is only a finding where policy forbids it. Those checks take
the rule's config as well and are listed in each cloud's ``CONFIGURED_CHECKS``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import Field

from thrifty.policies.policy_config import PolicyConfig


class ExposureConfig(PolicyConfig):
    """Settings of ``public-or-unencrypted-storage`` (camelCase keys in a pack config file)."""

    forbid_shared_key_access: bool = Field(
        default=False,
        description="The organisation forbids Shared Key (storage account key and account-key "
        "SAS) access to Azure storage: flag storage accounts whose allowSharedKeyAccess is not "
        "false (Azure treats an unset value as true).",
    )


#: A check that also reads the rule's config; same contract as ``Check`` otherwise.
ConfiguredCheck = Callable[[Mapping[str, Any], ExposureConfig], list[str]]
