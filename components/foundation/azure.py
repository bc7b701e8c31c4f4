"""Azure foundation: a location-pinned provider and the environment's tagged resource group."""

from __future__ import annotations

import pulumi
import pulumi_azure_native as azure_native

from thrifty.foundation.spec import FoundationArgs


class AzureFoundation(pulumi.ComponentResource):
    """An azure-native provider pinned to the location (and subscription, when given), and one
    resource group holding the environment, tagged so Cost Management can group by tag.

    azure-native has no default tags: every component tags its resources explicitly.
    """

    provider: azure_native.Provider
    resource_group: azure_native.resources.ResourceGroup

    def __init__(
        self, name: str, args: FoundationArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        tags = args.tags.azure()
        super().__init__("thrifty:foundation:AzureFoundation", name, None, opts)
        self.provider = azure_native.Provider(
            f"{name}-provider",
            location=args.region,
            subscription_id=args.azure_subscription_id,
            opts=pulumi.ResourceOptions(parent=self),
        )
        group_name = f"{args.prefix}-rg"
        self.resource_group = azure_native.resources.ResourceGroup(
            f"{name}-rg",
            resource_group_name=group_name,
            location=args.region,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, provider=self.provider),
        )
        # The group's ``name`` output is computed by Azure, so a preview cannot know it and
        # everything built from it (a budget's scope, a cluster's group) is unknown to the
        # policy pack. The name we chose is known; tied to the URN (known at registration),
        # it keeps the dependency on the group, so children still wait for it.
        self.resource_group_name: pulumi.Output[str] = self.resource_group.urn.apply(
            lambda _urn: group_name
        )
        self.register_outputs(
            {"resourceGroupName": self.resource_group.name, "location": args.region}
        )
