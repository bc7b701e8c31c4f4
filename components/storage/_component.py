"""What the three cloud components share beyond the spec: checks first, then safe options.

Only ``pulumi`` core is imported here, never a provider SDK, so each cloud module stays the
single place that knows its provider.
"""

from __future__ import annotations

import pulumi

from thrifty.storage.spec import Cloud, StorageSpec, validate_for_cloud
from thrifty.tags import CostTags


def check_before_register(
    component: str, name: str, spec: StorageSpec, tags: CostTags, cloud: Cloud
) -> None:
    """Validate spec and tags for ``cloud``; called before the component registers anything.

    Raises :class:`~thrifty.storage.spec.StorageSpecError` or
    :class:`~thrifty.tags.TagRenderError` with every problem named.
    """
    validate_for_cloud(spec, cloud, environment=tags.environment, subject=f"{component} {name!r}")
    if cloud == "aws":
        tags.aws()
    elif cloud == "gcp":
        tags.gcp()
    else:
        tags.azure(storage_account=True)


def is_production(tags: CostTags) -> bool:
    """Production data gets protect + retain_on_delete (DESIGN.md "Data safety")."""
    return tags.environment == "production"


def data_options(
    parent: pulumi.Resource, tags: CostTags, depends_on: list[pulumi.Resource] | None = None
) -> pulumi.ResourceOptions:
    """Options for a resource that holds the data: protected and retained in production."""
    production = is_production(tags)
    return pulumi.ResourceOptions(
        parent=parent, protect=production, retain_on_delete=production, depends_on=depends_on
    )


def child_options(
    parent: pulumi.Resource, depends_on: list[pulumi.Resource] | None = None
) -> pulumi.ResourceOptions:
    """Options for configuration children: parented, ordered after ``depends_on``."""
    return pulumi.ResourceOptions(parent=parent, depends_on=depends_on)
