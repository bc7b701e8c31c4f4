"""The floor the policy benchmark measures thrifty-guard against: pulumi_policy's own server
with one resource policy and one stack policy that do nothing, started as the CLI starts a pack.
"""

from pulumi_policy import (
    EnforcementLevel,
    PolicyPack,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)


def nothing_per_resource(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Judges nothing."""


def nothing_per_stack(args: StackValidationArgs, report: ReportViolation) -> None:
    """Judges nothing."""


PolicyPack(
    name="empty",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[
        ResourceValidationPolicy(
            name="no-op-resource", description="Does nothing.", validate=nothing_per_resource
        ),
        StackValidationPolicy(
            name="no-op-stack", description="Does nothing.", validate=nothing_per_stack
        ),
    ],
)
