"""public-or-unencrypted-storage: where data rests or is exposed, readable by anyone or not
encrypted.

Public data is a security incident and, through egress, a cost one. Each cloud's checks live in
its own module (:mod:`.aws`, :mod:`.gcp`, :mod:`.azure`), one function per concern, listed per
resource type in that module's ``CHECKS``; the module docstrings say what each cloud encrypts
by default (and is therefore not flagged) and where that is documented. Checks that depend on
what the organisation allows (:class:`ExposureConfig`) are listed in ``CONFIGURED_CHECKS``.

Each finding names the property, its value and what to set instead. Each concern is its own
check, run on its own: a value unknown during preview makes that check "unknown" without hiding
what the other checks of the same resource find.
"""

from __future__ import annotations

from thrifty.policies.core import Finding, Resource, collecting, violation
from thrifty.policies.exposure import aws, azure, gcp
from thrifty.policies.exposure.common import Check
from thrifty.policies.exposure.config import ConfiguredCheck, ExposureConfig

#: Resource type -> the checks that apply to it, every cloud's.
CHECKS: dict[str, tuple[Check, ...]] = {**aws.CHECKS, **gcp.CHECKS, **azure.CHECKS}
#: Resource type -> the checks that also read the rule's config.
CONFIGURED_CHECKS: dict[str, tuple[ConfiguredCheck, ...]] = {**azure.CONFIGURED_CHECKS}


def check_public_or_unencrypted_storage(
    resource: Resource, config: ExposureConfig
) -> list[Finding]:
    """Public exposure or missing encryption, one finding per problem."""
    findings: list[Finding] = []
    for check in CHECKS.get(resource.type, ()):
        with collecting(findings):
            findings.extend(violation(problem) for problem in check(resource.props))
    for configured in CONFIGURED_CHECKS.get(resource.type, ()):
        with collecting(findings):
            findings.extend(violation(problem) for problem in configured(resource.props, config))
    return findings


__all__ = [
    "CHECKS",
    "CONFIGURED_CHECKS",
    "ExposureConfig",
    "check_public_or_unencrypted_storage",
]
